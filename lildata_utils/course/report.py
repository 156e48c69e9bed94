"""Markdown tables of runs, and the listening report; all they write is escaped, every file named from a slug.

Notebook: notebooks/06_listening.ipynb
"""

from __future__ import annotations

import html
import json
import shutil
from pathlib import Path
from typing import Any

import matplotlib

from ..audio import audio_to_stored, stored_to_audio, write_wav
from ..data import SPLITS, PreparedDataset
from ..files import atomic_path, slug, write_text
from ..lessons.spectrograms import spectral_convergence_db, stft_magnitude
from ..runs import KINDS, folder_kind
from .plots import plot_spectrogram, save_figure

__all__ = ["collect_results", "grid_table", "markdown_table_to_html", "metrics_table", "song_table", "outcome_table",
           "results_table", "transfer_table", "write_report"]

MODEL_NAMES = {("lildata", False): "Lil Data, the recipe", ("lildata", True): "Lil Data, the paper's set-up",
               ("softmax", False): "softmax on the average spectrum (logistic regression)",
               ("statistics", False): "logistic regression on each bin's mean, spread and change",
               ("resnet50", False): "ResNet50, ours", ("resnet50", True): "ResNet50, the paper's set-up"}


def _e(value: Any) -> str:
    return html.escape(str(value), quote=True)


def _md(value: Any) -> str:
    """A Markdown cell: ``<``, ``>``, ``&`` escaped (Markdown passes HTML through), and no ``|``."""
    return html.escape(str(value), quote=False).replace("|", "&#124;").replace("\n", " ")


def _finite(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and abs(value) < float("inf")


def _num(value: Any, form: str) -> str:
    return format(value, form) if _finite(value) else "-"


def _table(head: list[str], align: str, rows: list[list[str]]) -> str:
    rule = ["---:" if a == "r" else "---" for a in align]
    return "\n".join("| " + " | ".join(row) + " |" for row in [head, rule, *rows])


def results_table(rows: dict[str, dict[str, Any]], paper: dict[str, str] | None = None) -> str:
    """A Markdown table of runs (``{name: metrics}``); ``paper`` (``{name: the paper's figure}``) adds a column.

    Notebook: notebooks/02_classifier.ipynb
    """
    head = ["run", "model", "genres", "split", "train acc.", "test acc. (clips)", "test acc. (songs)"]
    lines = []
    for name, m in rows.items():
        model = MODEL_NAMES.get((m.get("model"), bool(m.get("paper_setup"))), str(m.get("model", "-")))
        lines.append([_md(name), _md(model), str(len(m["labels"])) if isinstance(m.get("labels"), list) else "-",
                      _md(m.get("split_by", "-")), _num(m.get("train_accuracy"), ".1%"),
                      _num(m.get("test_accuracy"), ".1%"),
                      f"{_num(m.get('test_song_accuracy'), '.1%')} ({_md(m.get('n_songs', '?'))} songs)"]
                     + ([_md(paper.get(name, ""))] if paper else []))
    return _table(head + (["paper"] if paper else []), "llrlrrr" + ("r" if paper else ""), lines)


def _readable(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def collect_results(runs: str | Path, skipped: list[str] | None = None) -> dict[str, str]:
    """Markdown tables of a runs folder's finished runs by kind; runs that cannot be tabulated go in ``skipped``.

    Notebook: notebooks/06_listening.ipynb
    """
    runs, skipped = Path(runs), [] if skipped is None else skipped
    makers = {"classifiers": results_table, "genre transfer": outcome_table, "generators": metrics_table}
    found: dict[str, dict[str, tuple[Path, dict]]] = {kind: {} for kind in makers}
    for path in sorted(runs.glob("*/metrics.json")):
        config, metrics = _readable(path.parent / "config.json"), _readable(path)
        if isinstance(config, dict) and isinstance(metrics, dict):
            kind = {"lildata-classifier-run": "classifiers", "lildata-generator-run": "generators"}.get(
                config.get("kind"), "classifiers" if "training" in config and "kind" not in config else None)
            if kind:
                found[kind][path.parent.name] = (path.parent, metrics)
                continue
        if (path.parent / "config.json").exists():
            skipped.append(f"{path.parent}: its config.json or metrics.json cannot be read")
    for path in sorted(runs.glob("transfer/*/outcome.json")):
        if isinstance(outcome := _readable(path), dict):
            found["genre transfer"][path.parent.name] = (path.parent, outcome)
        else:
            skipped.append(f"{path}: cannot be read")
    out = {}
    for kind, make in makers.items():
        good = {}
        for name, (folder, row) in found[kind].items():
            try:
                make({name: row})
                good[name] = row
            except (KeyError, TypeError, ValueError, AttributeError):
                skipped.append(f"{folder}: its measures lack what the {kind} table needs (left out)")
        if good:
            out[kind] = make(good)
    return out


def markdown_table_to_html(table: str) -> str:
    """A Markdown table (as the helpers here write them) as an HTML ``<table>``, every cell escaped."""
    lines = [line.strip().strip("|").split("|") for line in table.strip().splitlines()]
    cell = lambda text: _e(html.unescape(text.strip()))  # noqa: E731  (the cells are escaped Markdown)
    rows = "".join("<tr>" + "".join(f"<td>{cell(c)}</td>" for c in row) + "</tr>" for row in lines[2:])
    return "<table><tr>" + "".join(f"<th>{cell(c)}</th>" for c in lines[0]) + f"</tr>{rows}</table>"


def outcome_table(outcomes: dict[str, dict[str, Any]]) -> str:
    """A Markdown table of measured outcomes, one row per transfer.

    Notebook: notebooks/04_genre_transfer.ipynb
    """
    head = ["net", "iterations", "P(style) content", "control", "result", "judged genre of result",
            "LSD result-content (dB)", "LSD result-style (dB)", "LSD control-content (dB)",
            "centroid content -> result (style) (Hz)", "high band change (dB)"]
    rows = []
    for name, o in outcomes.items():
        p, d, b = o.get("judge", {}).get("probability", {}), o["log_spectral_distance_db"], o["brightness"]
        high = [b[k].get("high_db") for k in ("result", "content")]
        centroid = [_num(b[k].get("centroid_hz"), ".0f") for k in ("content", "result", "style")]
        rows.append([_md(name), _md(o.get("settings", {}).get("iterations", "-"))]
                    + [_num(p.get(k), ".2g") for k in ("content", "control", "result")]
                    + [_md(o.get("judge", {}).get("predicted", {}).get("result", "-"))]
                    + [_num(d.get(k), ".1f") for k in ("result_to_content", "result_to_style", "control_to_content")]
                    + ["{} -> {} ({})".format(*centroid), _num(high[0] - high[1] if all(map(_finite, high)) else None,
                                                               "+.1f")])
    return _table(head, "lrrrrlrrrrr", rows)


def transfer_table(outcomes: dict[str, dict[str, Any]]) -> str:
    """A Markdown table of transfers judged twice, with their chroma and onset distances to content and style.

    Notebook: notebooks/04b_statistics_over_time.ipynb
    """
    head = ["method", "P(style), judge", "P(style), second judge", "chroma to content / style (dB)",
            "onsets to content / style"]
    rows = [[_md(name), _num(o["judge"]["probability"]["result"], ".2f"),
             _num(o["second_judge"]["probability"]["result"], ".2f")]
            + [" / ".join(_num(o["content_measures"][measure][f"result_to_{k}"], form) for k in ("content", "style"))
               for measure, form in (("chroma_db", ".1f"), ("onsets", ".2f"))] for name, o in outcomes.items()]
    return _table(head, "lrrrr", rows)


def grid_table(summaries: dict[str, dict[str, Any]]) -> str:
    """A Markdown table of methods on a grid of pairs, one row per ``grid_summary``.

    Notebook: notebooks/04b_statistics_over_time.ipynb
    """
    head = ["method", "P(style): judge / second judge", "chroma distance to content / style (dB)",
            "onset distance to content / style", "pairs nearer the content: chroma, onsets", "target"]
    rows = [[_md(name), f"{_num(s['judge'], '.2f')} / {_num(s['second_judge'], '.2f')}",
             f"{_num(s['chroma_to_content'], '.1f')} / {_num(s['chroma_to_style'], '.1f')}",
             f"{_num(s['onsets_to_content'], '.2f')} / {_num(s['onsets_to_style'], '.2f')}",
             f"{_md(s['pairs_nearer_content_chroma'])}, {_md(s['pairs_nearer_content_onsets'])} of {_md(s['pairs'])}",
             "met" if s["target_met"] else "not met"] for name, s in summaries.items()]
    return _table(head, "lrrrrl", rows)


def metrics_table(runs: dict[str, dict[str, Any]]) -> str:
    """A Markdown table of generator measures, one row per run (``-`` where a measure was not made).

    Notebook: notebooks/05_lstm_generation.ipynb
    """
    head = ["generator", "measured on", "frame error, teacher forcing (dB)", "frame error, free-running (dB)",
            "variance ratio", "log-spectral distance (dB)", "modulation distance (real-real)", "tempo in range",
            "beat strength", "Fréchet distance (real-real)", "judged P(genre)"]
    columns = (("frame_error_teacher_db", ".1f"), ("frame_error_free_db", ".1f"), ("variance_ratio", ".3f"),
               ("log_spectral_distance_db", ".1f"), (("modulation_distance", "modulation_floor"), ".2f"),
               ("tempo_in_range", ".0%"), ("beat_strength", ".2f"), (("frechet_distance", "frechet_floor"), ".3g"),
               ("judge_probability", ".2f"))
    rows = [[_md(name), _md(m.get("measured_on", "-"))]
            + [_num(m.get(key), form) if isinstance(key, str) else
               "{} ({})".format(*(_num(m.get(k), form) for k in key)) for key, form in columns]
            for name, m in runs.items()]
    return _table(head, "llrrrrrrrrr", rows)


def song_table(rows: dict[str, dict[str, Any]]) -> str:
    """A Markdown table of song measures, one row per sound (``-`` where not made).

    Notebook: notebooks/05c_song_generator.ipynb
    """
    head = ["sounds", "judged P(genre), by judge", "tempo in range", "chords stay (last / first 5 s)",
            "chords move (to real)", "not a copy (to real)", "no second a copy (to real)",
            "frame-to-frame change (to real)", "Fréchet (to the floor)"]
    rows = [[_md(name), ", ".join(f"{_md(judge)} {_num(p, '.2f')}" for judge, p in
                                  (m.get("judge_probability") or {}).items()) or "-",
             _num(m.get("tempo_in_range"), ".0%"), _num(m.get("harmonic_ratio"), ".2f"),
             _num(m.get("bar_movement_ratio"), ".2f"), _num(m.get("nearest_ratio"), ".2f"),
             _num(m.get("piece_nearest_ratio"), ".2f"), _num(m.get("change_ratio"), ".2f"),
             _num(m.get("frechet_ratio"), ".2f")] for name, m in rows.items()]
    return _table(head, "llrrrrrrr", rows)


def _copy(source: Path, target: Path) -> str:
    target.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(target) as tmp:
        shutil.copyfile(source, tmp)
    return f"{target.parent.name}/{target.name}"


def _sound_row(out_dir: Path, image: Path, prefix: str, title: str, sounds: list[tuple[str, str]]) -> str:
    """A picture and labelled players; ``sounds``: (WAV name beside the picture, label)."""
    prefix = slug(prefix)
    src = _copy(image, out_dir / "img" / f"{prefix}.png")
    players = "".join(
        f"<figure><figcaption>{_e(label)}</figcaption><audio controls preload='metadata' "
        f"src='{_e(_copy(image.parent / f'{name}.wav', out_dir / 'audio' / f'{prefix}_{slug(name)}.wav'))}'>"
        f"</audio></figure>" for name, label in sounds)
    return f"<div class='wide'><h3>{_e(title)}</h3><img src='{_e(src)}' alt='{_e(title)}'>{players}</div>"


def _runs_sections(runs: Path, out_dir: Path) -> str:
    tables = {kind: markdown_table_to_html(table) for kind, table in collect_results(runs).items()} \
        if runs.exists() else {}
    images = "".join(
        f"<div class='stage'><h3>{_e(png.parent.name)}: {_e(png.stem)}</h3>"
        f"<img src='{_e(_copy(png, out_dir / 'img' / f'{slug(png.parent.name)}_{png.stem}.png'))}' "
        f"alt='{_e(png.stem)}'></div>"
        for png in sorted(runs.glob("*/curves.png")) + sorted(runs.glob("*/confusion.png"))
        if "classifiers" in tables and folder_kind(png.parent) == KINDS["classifier"])
    transfers = "".join(_sound_row(out_dir, outcome.parent / "spectrograms.png", f"transfer_{outcome.parent.name}",
                                   outcome.parent.name, [(n, n) for n in ("content", "style", "control", "result")])
                        for outcome in sorted(runs.glob("transfer/*/outcome.json")))
    samples = "".join(_sound_row(out_dir, wav.parent / "spectrogram.png", wav.parent.parent.name,
                                 wav.parent.parent.name,
                                 [("seed", "real clip (through Griffin-Lim)"), ("generated", "generated")])
                      for wav in sorted(runs.glob("*/*/generated.wav")) if folder_kind(wav.parent) == KINDS["sound"])
    sections = (("Genre classification (notebooks 02 and 03)", "classifiers", images, "classifiers" in tables),
                ("Neural genre transfer (notebook 04)", "genre transfer", transfers, transfers),
                ("Generating spectrograms (notebook 05)", "generators", samples, samples))
    return "".join(f"<section><h2>{title}</h2>{tables.get(kind, '')}{body}</section>"
                   for title, kind, body, shown in sections if shown)


def _data_section(data: PreparedDataset, label: str, out_dir: Path) -> str:
    """A label's clip (a test clip where there is one), as it is and through Griffin-Lim."""
    clip = min(data.select(None, [label]), key=lambda c: (c.split != "test", c.clip))
    settings, stored, name = data.settings, data.spectrogram(clip.clip), slug(label)
    original, control = data.clip_audio(clip.clip)[0], stored_to_audio(stored, settings)
    score = spectral_convergence_db(control, stft_magnitude(original, settings), settings)
    rows = f"<section><h2>{_e(label)}</h2><p>{_e(clip.song)} at {clip.start_s:g} s</p>"
    for kind, title, sound, spec, note in (
            ("original", "original clip", original, stored, ""),
            ("control", "Griffin-Lim control", control, audio_to_stored(control, settings),
             f"spectral convergence {score:.1f} dB")):
        fig, _ = plot_spectrogram(spec, settings, title=f"{label}: {kind}")
        save_figure(fig, out_dir / "img" / f"{name}_{kind}.png")
        write_wav(out_dir / "audio" / f"{name}_{kind}.wav", sound, settings.sample_rate)
        image, audio = _e(f"img/{name}_{kind}.png"), _e(f"audio/{name}_{kind}.wav")
        rows += (f"<div class='stage'><h3>{_e(title)}</h3><img src='{image}' alt='{_e(title)} spectrogram'>"
                 f"<audio controls preload='metadata' src='{audio}'></audio><p>{_e(note)}</p></div>")
    return rows + "</section>"


def write_report(data_dir: Path, out_dir: Path, executed: list[Path] = (), runs: Path | None = None) -> Path:
    """Write and return ``out_dir/index.html``: a prepared dataset's stages heard and seen, links to the
    ``executed`` notebooks, and the sections of a ``runs`` folder (``None``: the data stage only)."""
    matplotlib.use("Agg")
    data = PreparedDataset(data_dir)
    settings = data.settings
    for folder in ("img", "audio"):
        (out_dir / folder).mkdir(parents=True, exist_ok=True)
    rows = "".join(_data_section(data, label, out_dir) for label in data.labels)
    table = "".join(f"<tr><td>{_e(k)}</td>" + "".join(f"<td>{v[s]}</td>" for s in SPLITS) + "</tr>"
                    for k, v in data.counts().items())
    links = "".join(f"<li><a href='notebooks/{_e(p.with_suffix('.html').name)}'>{_e(p.stem)}</a></li>"
                    for p in executed if p.with_suffix(".html").exists())
    page = f"""<!doctype html><html><head><meta charset='utf-8'><title>Lil Data: listening report</title>
<style>body{{font-family:sans-serif;max-width:1100px;margin:auto}}
.stage{{display:inline-block;margin:8px;vertical-align:top}} .stage img{{width:420px;display:block}}
audio{{width:420px}} .wide img{{width:100%;display:block}} figure{{display:inline-block;margin:4px}}
table{{border-collapse:collapse}} td,th{{border:1px solid #ccc;padding:4px 8px}}</style>
</head><body><h1>Lil Data: listening report</h1>
<p>Preset <b>{_e(settings.name)}</b>: {settings.clip_seconds:g} s clips at {settings.sample_rate} Hz,
spectrograms of {settings.shape[0]} x {settings.shape[1]}; {len(data)} clips.</p>
<h2>Executed notebooks</h2><ul>{links}</ul>
<h2>Clips per genre and split</h2><table><tr><th>genre</th><th>train</th><th>val</th><th>test</th></tr>{table}</table>
<h2>From music to spectrograms, and back (notebook 01)</h2>
{rows}{_runs_sections(Path(runs), out_dir) if runs else ''}</body></html>"""
    return write_text(out_dir / "index.html", page)
