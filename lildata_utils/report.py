"""Every table and page the course writes: Markdown tables of runs, and the demo's listening report.

Everything written into HTML is escaped (``html.escape(..., quote=True)``),
and every file the report writes is named from a safe slug
(:func:`~lildata_utils.files.slug`), never from a label or folder name as it
was given: a genre folder called ``x' onerror='...`` is shown as text.

Notebook: notebooks/06_listening.ipynb
"""

from __future__ import annotations

import html
import json
import shutil
from pathlib import Path
from typing import Any

from . import audio, dataset, spectrogram
from .files import atomic_path, save_figure, slug, write_text

__all__ = ["collect_results", "markdown_table_to_html", "metrics_table", "outcome_table", "results_table", "transfer_grid_table",
           "write_report"]


def _e(value: Any) -> str:
    return html.escape(str(value), quote=True)


def _md(value: Any) -> str:
    """A table cell for Markdown: ``<``, ``>`` and ``&`` escaped (Markdown passes HTML through) and no ``|``."""
    return html.escape(str(value), quote=False).replace("|", "&#124;").replace("\n", " ")


def _pct(value: Any) -> str:
    """A share as a percentage, or ``-`` for anything that is not a finite number."""
    return f"{value:.1%}" if _finite(value) else "-"


def _num(value: Any, form: str) -> str:
    """A number in ``form``, or ``-`` for anything that is not a finite number."""
    return format(value, form) if _finite(value) else "-"


def _finite(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and value == value \
        and abs(value) != float("inf")


def results_table(rows: dict[str, dict[str, Any]], paper: dict[str, str] | None = None) -> str:
    """A Markdown table of runs: clip and song test accuracy, train accuracy, split.

    Every cell is escaped: the values come from the runs' files, which anyone can edit.

    Args:
        rows: ``{row name: metrics}``.
        paper: ``{row name: the paper's figure}`` for a last column.

    Notebook: notebooks/02_classifier.ipynb
    """
    head = "| run | genres | split | train acc. | test acc. (clips) | test acc. (songs) |"
    line = "| --- | ---: | --- | ---: | ---: | ---: |"
    if paper:
        head, line = head + " paper |", line + " ---: |"
    out = [head, line]
    for name, m in rows.items():
        labels = m.get("labels")
        genres = len(labels) if isinstance(labels, list) else "-"
        row = (f"| {_md(name)} | {genres} | {_md(m.get('split_by', '-'))} | {_pct(m.get('train_accuracy'))} | "
               f"{_pct(m.get('test_accuracy'))} | {_pct(m.get('test_song_accuracy'))} "
               f"({_md(m.get('n_songs', '?'))} songs) |")
        out.append(row + (f" {_md(paper.get(name, ''))} |" if paper else ""))
    return "\n".join(out)


def _readable(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def collect_results(runs: str | Path, skipped: list[str] | None = None) -> dict[str, str]:
    """Markdown tables of every finished run in a preset's runs folder.

    A run whose files cannot be read or tabulated is left out, and named in ``skipped`` (with why), so one
    damaged run never hides the others.

    Returns:
        ``{"classifiers": ..., "genre transfer": ..., "generators": ...}``, each
        present only when such runs exist.

    Notebook: notebooks/06_listening.ipynb
    """
    runs = Path(runs)
    found: dict[str, dict[str, dict]] = {"classifiers": {}, "genre transfer": {}, "generators": {}}
    for metrics_path in sorted(runs.glob("*/metrics.json")):
        config, metrics = _readable(metrics_path.parent / "config.json"), _readable(metrics_path)
        if isinstance(config, dict) and isinstance(metrics, dict):
            kind = "classifiers" if "training" in config else "generators" if "generator" in config else None
            if kind:
                found[kind][metrics_path.parent.name] = (metrics_path.parent, metrics)
                continue
        if skipped is not None and (metrics_path.parent / "config.json").exists():
            skipped.append(f"{metrics_path.parent}: its config.json or metrics.json cannot be read")
    for path in sorted(runs.glob("transfer/*/outcome.json")):
        outcome = _readable(path)
        if isinstance(outcome, dict):
            found["genre transfer"][path.parent.name] = (path.parent, outcome)
        elif skipped is not None:
            skipped.append(f"{path}: cannot be read")
    makers = {"classifiers": results_table, "genre transfer": outcome_table, "generators": metrics_table}
    out = {}
    for kind, rows in found.items():
        good = {}
        for name, (folder, row) in rows.items():
            try:
                makers[kind]({name: row})
                good[name] = row
            except (KeyError, TypeError, ValueError, AttributeError):
                if skipped is not None:
                    skipped.append(f"{folder}: its measures lack what the {kind} table needs (left out)")
        if good:
            out[kind] = makers[kind](good)
    return out


def markdown_table_to_html(table: str) -> str:
    """A Markdown table (as the helpers here write them) as an HTML ``<table>``, every cell escaped."""
    lines = [line.strip().strip("|").split("|") for line in table.strip().splitlines()]
    head, body = lines[0], lines[2:]
    cell = lambda text: _e(html.unescape(text.strip()))  # noqa: E731  (the cells are escaped Markdown)
    cells = "".join(f"<th>{cell(c)}</th>" for c in head)
    rows = "".join("<tr>" + "".join(f"<td>{cell(c)}</td>" for c in row) + "</tr>" for row in body)
    return f"<table><tr>{cells}</tr>{rows}</table>"


def outcome_table(outcomes: dict[str, dict[str, Any]]) -> str:
    """A Markdown table of measured outcomes, one row per transfer.

    Columns: the judged probability of the style genre for content, control
    and result; log-spectral distances of the result to content and style
    (and the control to content); the change of spectral centroid and of the
    high band's level from content to result ("brightness").

    Notebook: notebooks/04_genre_transfer.ipynb
    """
    head = ("| net | iterations | P(style) content | control | result | judged genre of result | "
            "LSD result-content (dB) | LSD result-style (dB) | LSD control-content (dB) | "
            "centroid content -> result (style) (Hz) | high band change (dB) |")
    rows = [head, "| --- | ---: | ---: | ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: |"]
    for name, o in outcomes.items():
        p = o.get("judge", {}).get("probability", {})
        d = o["log_spectral_distance_db"]
        b = o["brightness"]
        high = b["result"]["high_db"] - b["content"]["high_db"] if _finite(b["result"].get("high_db")) and \
            _finite(b["content"].get("high_db")) else None
        cells = [_md(name), _md(o.get("settings", {}).get("iterations", "-"))] + \
            [_num(p.get(k), ".2g") for k in ("content", "control", "result")] + \
            [_md(o.get("judge", {}).get("predicted", {}).get("result", "-"))] + \
            [_num(d.get(k), ".1f") for k in ("result_to_content", "result_to_style", "control_to_content")] + \
            [f"{_num(b['content'].get('centroid_hz'), '.0f')} -> {_num(b['result'].get('centroid_hz'), '.0f')} "
             f"({_num(b['style'].get('centroid_hz'), '.0f')})", _num(high, "+.1f")]
        rows.append("| " + " | ".join(cells) + " |")
    return "\n".join(rows)


def transfer_grid_table(summaries: dict[str, dict[str, Any]]) -> str:
    """A Markdown table of transfer methods on a grid of pairs, one row per :func:`~lildata_utils.transfer.grid_summary`.

    Notebook: notebooks/04_genre_transfer.ipynb
    """
    lines = ["| method | P(style), paper's pair: judge / second judge | P(style), grid mean: judge / second judge | "
             "chroma distance to content / style (dB) | onset distance to content / style | "
             "pairs nearer the content: chroma, onsets | LSD to content / style (dB) | s per pair | target |",
             "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |"]
    for name, s in summaries.items():
        lines.append(
            f"| {_md(name)} | {s['paper_pair_judge']:.2f} / {s['paper_pair_second_judge']:.2f} | "
            f"{s['grid_judge']:.2f} / {s['grid_second_judge']:.2f} | {s['chroma_to_content']:.1f} / "
            f"{s['chroma_to_style']:.1f} | {s['onsets_to_content']:.2f} / {s['onsets_to_style']:.2f} | "
            f"{s['pairs_nearer_content_chroma']}, {s['pairs_nearer_content_onsets']} of {s['pairs']} | "
            f"{s['lsd_to_content']:.1f} / {s['lsd_to_style']:.1f} | {s['seconds']:.3g} | "
            f"{'met' if s['target_met'] else 'not met'} |")
    return "\n".join(lines)


def metrics_table(runs: dict[str, dict[str, Any]]) -> str:
    """A Markdown table of generator measures, one row per run (``-`` where a measure was not made).

    Notebook: notebooks/05_lstm_generation.ipynb
    """
    def cell(m: dict, key: str, form: str) -> str:
        return _num(m.get(key), form)

    rows = ["| generator | measured on | frame error, teacher forcing (dB) | frame error, free-running (dB) | "
            "variance ratio | log-spectral distance (dB) | modulation distance (real-real) | tempo in range | "
            "beat strength | Fréchet distance (real-real) | judged P(genre) |",
            "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for name, m in runs.items():
        modulation = f"{cell(m, 'modulation_distance', '.2f')} ({cell(m, 'modulation_floor', '.2f')})"
        frechet = f"{cell(m, 'frechet_distance', '.3g')} ({cell(m, 'frechet_floor', '.3g')})"
        rows.append(f"| {_md(name)} | {_md(m.get('measured_on', '-'))} | {cell(m, 'frame_error_teacher_db', '.1f')} | "
                    f"{cell(m, 'frame_error_free_db', '.1f')} | {cell(m, 'variance_ratio', '.3f')} | "
                    f"{cell(m, 'log_spectral_distance_db', '.1f')} | "
                    f"{modulation} | {cell(m, 'tempo_in_range', '.0%')} | {cell(m, 'beat_strength', '.2f')} | "
                    f"{frechet} | {cell(m, 'judge_probability', '.2f')} |")
    return "\n".join(rows)


def _stage_row(title: str, image: str, sound: str, note: str = "") -> str:
    return (f"<div class='stage'><h3>{_e(title)}</h3><img src='{_e(image)}' alt='{_e(title)} spectrogram'>"
            f"<audio controls preload='metadata' src='{_e(sound)}'></audio><p>{_e(note)}</p></div>")


def _copy(source: Path, target: Path) -> str:
    """Copy a file into the report (atomically); returns its relative address."""
    target.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(target) as tmp:
        shutil.copyfile(source, tmp)
    return f"{target.parent.name}/{target.name}"


def _sound_row(out_dir: Path, image: Path, prefix: str, title: str, sounds: list[tuple[str, str]]) -> str:
    """A picture and labelled players; ``sounds`` are (WAV name beside the picture, label)."""
    prefix = slug(prefix)
    src = _copy(image, out_dir / "img" / f"{prefix}.png")
    players = "".join(
        f"<figure><figcaption>{_e(label)}</figcaption><audio controls preload='metadata' "
        f"src='{_e(_copy(image.parent / f'{name}.wav', out_dir / 'audio' / f'{prefix}_{slug(name)}.wav'))}'>"
        f"</audio></figure>" for name, label in sounds)
    return f"<div class='wide'><h3>{_e(title)}</h3><img src='{_e(src)}' alt='{_e(title)}'>{players}</div>"


def _runs_sections(runs: Path, out_dir: Path) -> str:
    """The report's sections for classification, genre transfer and generation, from a runs folder."""
    tables = collect_results(runs) if runs.exists() else {}
    parts = []
    if "classifiers" in tables:
        images = "".join(
            f"<div class='stage'><h3>{_e(run.name)}: {_e(kind)}</h3>"
            f"<img src='{_e(_copy(run / f'{kind}.png', out_dir / 'img' / f'{slug(run.name)}_{kind}.png'))}' "
            f"alt='{_e(kind)}'></div>"
            for run in (runs / "lildata_8", runs / "resnet50_8") for kind in ("curves", "confusion")
            if (run / f"{kind}.png").exists())
        parts.append(f"<section><h2>Genre classification (notebooks 02 and 03)</h2>"
                     f"{markdown_table_to_html(tables['classifiers'])}{images}</section>")
    transfers = sorted(runs.glob("transfer/*/outcome.json"))
    if transfers:
        rows = [_sound_row(out_dir, outcome.parent / "spectrograms.png", f"transfer_{outcome.parent.name}",
                           outcome.parent.name, [(n, n) for n in ("content", "style", "control", "result")])
                for outcome in transfers]
        parts.append(f"<section><h2>Neural genre transfer (notebook 04)</h2>"
                     f"{markdown_table_to_html(tables['genre transfer'])}{''.join(rows)}</section>")
    samples = sorted(runs.glob("generator_*/sample/generated.wav"))
    if samples:
        rows = [_sound_row(out_dir, wav.parent / "spectrogram.png", wav.parent.parent.name, wav.parent.parent.name,
                           [("seed", "real clip (through Griffin-Lim)"), ("generated", "generated")])
                for wav in samples]
        table = markdown_table_to_html(tables["generators"]) if "generators" in tables else ""
        parts.append(f"<section><h2>Generating spectrograms (notebook 05)</h2>{table}{''.join(rows)}</section>")
    return "".join(parts)


def write_report(data_dir: Path, out_dir: Path, executed: list[Path] = (), runs: Path | None = None) -> Path:
    """Write ``index.html``: a listening report with each stage's spectrograms, players and results.

    Args:
        data_dir: A prepared dataset.
        out_dir: The report folder.
        executed: Executed notebooks to link.
        runs: The preset's runs folder (classifiers, transfers, generators),
            or ``None`` for the data stage only.

    Returns:
        The path of ``index.html``.
    """
    import matplotlib

    matplotlib.use("Agg")

    from .plots import plot_spectrogram

    data = dataset.PreparedDataset(data_dir)
    settings = data.settings
    (out_dir / "img").mkdir(parents=True, exist_ok=True)
    (out_dir / "audio").mkdir(parents=True, exist_ok=True)
    rows = []
    for label in data.labels:
        # a test clip where the label has one (a song no model trained on), else its first clip
        clip = min(data.select(None, [label]), key=lambda c: (c.split != "test", c.clip))
        stored = data.spectrogram(clip.clip)
        original, _ = data.clip_audio(clip.clip)
        control = spectrogram.stored_to_audio(stored, settings)
        name = slug(label)
        for kind, sound, spec in (("original", original, stored),
                                  ("control", control, spectrogram.audio_to_stored(control, settings))):
            fig, _ = plot_spectrogram(spec, settings, title=f"{label}: {kind}")
            save_figure(fig, out_dir / "img" / f"{name}_{kind}.png")
            audio.write_wav(out_dir / "audio" / f"{name}_{kind}.wav", sound, settings.sample_rate)
        score = spectrogram.spectral_convergence_db(control, spectrogram.magnitude(original, settings), settings)
        rows.append(f"<section><h2>{_e(label)}</h2><p>{_e(clip.song)} at {clip.start_s:g} s</p>"
                    + _stage_row("original clip", f"img/{name}_original.png", f"audio/{name}_original.wav")
                    + _stage_row("Griffin-Lim control", f"img/{name}_control.png", f"audio/{name}_control.wav",
                                 f"spectral convergence {score:.1f} dB")
                    + "</section>")
    counts = data.counts()
    table = "".join(f"<tr><td>{_e(k)}</td>" + "".join(f"<td>{v[s]}</td>" for s in dataset.SPLITS) + "</tr>"
                    for k, v in counts.items())
    links = "".join(f"<li><a href='notebooks/{_e(p.with_suffix('.html').name)}'>{_e(p.stem)}</a></li>"
                    for p in executed if p.with_suffix(".html").exists())
    page = f"""<!doctype html><html><head><meta charset='utf-8'><title>Lil Data: listening report</title>
<style>body{{font-family:sans-serif;max-width:1100px;margin:auto}} .stage{{display:inline-block;margin:8px;vertical-align:top}}
.stage img{{width:420px;display:block}} audio{{width:420px}} .wide img{{width:100%;display:block}}
figure{{display:inline-block;margin:4px}} table{{border-collapse:collapse}} td,th{{border:1px solid #ccc;padding:4px 8px}}</style>
</head><body><h1>Lil Data: listening report</h1>
<p>Preset <b>{_e(settings.name)}</b>: {settings.clip_seconds:g} s clips at {settings.sample_rate} Hz,
spectrograms of {settings.shape[0]} x {settings.shape[1]}; {len(data)} clips.</p>
<h2>Executed notebooks</h2><ul>{links}</ul>
<h2>Clips per genre and split</h2><table><tr><th>genre</th><th>train</th><th>val</th><th>test</th></tr>{table}</table>
<h2>From music to spectrograms, and back (notebook 01)</h2>
{''.join(rows)}{_runs_sections(Path(runs), out_dir) if runs else ''}</body></html>"""
    return write_text(out_dir / "index.html", page)
