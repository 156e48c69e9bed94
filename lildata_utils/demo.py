"""The course's main job: run every notebook in order and write a listening report.

    python -m lildata_utils.demo --preset classroom   # what `make demo` runs

Writes ``reports/<preset>/``: the executed notebooks, their HTML, and
``index.html``, a listening report with a spectrogram and a player for each
stage.

Notebook: notebooks/06_listening.ipynb
"""

from __future__ import annotations

import argparse
import html
import os
import time
from pathlib import Path

from . import audio, config, dataset, spectrogram

__all__ = ["run_notebooks", "write_report", "main"]

ROOT = Path(__file__).resolve().parents[1]


def run_notebooks(preset: str, data_root: Path, out_dir: Path, notebooks_dir: Path = ROOT / "notebooks",
                  runs_root: Path = ROOT / "runs") -> list[Path]:
    """Execute the numbered notebooks in order with papermill; returns the executed copies.

    Each executed notebook is also written as HTML when nbconvert is installed.
    """
    import papermill

    executed = []
    for path in sorted(notebooks_dir.glob("[0-9][0-9]_*.ipynb")):
        target = out_dir / "notebooks" / path.name
        target.parent.mkdir(parents=True, exist_ok=True)
        start = time.perf_counter()
        print(f"running {path.name} at preset {preset} ...", flush=True)
        papermill.execute_notebook(str(path), str(target), parameters={"PRESET": preset, "DATA_ROOT": str(data_root),
                                                                         "RUNS_ROOT": str(runs_root)},
                                   cwd=str(notebooks_dir), progress_bar=False, kernel_name="python3")
        print(f"  done in {time.perf_counter() - start:.0f} s", flush=True)
        executed.append(target)
        try:
            import nbconvert

            body, _ = nbconvert.HTMLExporter().from_filename(str(target))
            target.with_suffix(".html").write_text(body, encoding="utf-8")
        except ImportError:
            pass
    return executed


def _stage_row(title: str, image: str, sound: str, note: str = "") -> str:
    return (f"<div class='stage'><h3>{html.escape(title)}</h3><img src='{image}' alt='{html.escape(title)} spectrogram'>"
            f"<audio controls preload='metadata' src='{sound}'></audio><p>{html.escape(note)}</p></div>")


def _copy(source: Path, target: Path) -> str:
    import shutil

    target.parent.mkdir(parents=True, exist_ok=True)
    with audio.atomic_path(target) as tmp:
        shutil.copyfile(source, tmp)
    return f"{target.parent.name}/{target.name}"


def _sound_row(out_dir: Path, image: Path, prefix: str, title: str, sounds: list[tuple[str, str]]) -> str:
    """A picture and labelled players; ``sounds`` are (WAV name beside the picture, label)."""
    src = _copy(image, out_dir / "img" / f"{prefix}.png")
    players = "".join(
        f"<figure><figcaption>{html.escape(label)}</figcaption><audio controls preload='metadata' "
        f"src='{_copy(image.parent / f'{name}.wav', out_dir / 'audio' / f'{prefix}_{name}.wav')}'></audio></figure>"
        for name, label in sounds)
    return f"<div class='wide'><h3>{html.escape(title)}</h3><img src='{src}' alt='{html.escape(title)}'>{players}</div>"


def _runs_sections(runs: Path, out_dir: Path) -> str:
    """The report's sections for classification, genre transfer and generation, from a runs folder."""
    from .course import collect_results, markdown_table_to_html

    tables = collect_results(runs) if runs.exists() else {}
    parts = []
    if "classifiers" in tables:
        images = "".join(
            f"<div class='stage'><h3>{html.escape(run.name)}: {html.escape(kind)}</h3>"
            f"<img src='{_copy(run / f'{kind}.png', out_dir / 'img' / f'{run.name}_{kind}.png')}' alt='{kind}'></div>"
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
    import matplotlib.pyplot as plt

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
        original = audio.load_audio(Path(data.config["raw_dir"]) / clip.song, settings.sample_rate,
                                    clip.start_s, settings.clip_seconds)
        control = spectrogram.stored_to_audio(stored, settings)
        for kind, sound, spec in (("original", original, stored),
                                  ("control", control, spectrogram.audio_to_stored(control, settings))):
            name = f"{label}_{kind}"
            fig, ax = plot_spectrogram(spec, settings, title=f"{label}: {kind}")
            with audio.atomic_path(out_dir / "img" / f"{name}.png") as tmp:
                fig.savefig(tmp, format="png", dpi=80, bbox_inches="tight")
            plt.close(fig)
            audio.write_wav(out_dir / "audio" / f"{name}.wav", sound, settings.sample_rate)
        score = spectrogram.spectral_convergence_db(control, spectrogram.magnitude(original, settings), settings)
        rows.append(f"<section><h2>{html.escape(label)}</h2><p>{html.escape(clip.song)} at {clip.start_s:g} s</p>"
                    + _stage_row("original clip", f"img/{label}_original.png", f"audio/{label}_original.wav")
                    + _stage_row("Griffin-Lim control", f"img/{label}_control.png", f"audio/{label}_control.wav",
                                 f"spectral convergence {score:.1f} dB")
                    + "</section>")
    counts = data.counts()
    table = "".join(f"<tr><td>{html.escape(k)}</td>" + "".join(f"<td>{v[s]}</td>" for s in dataset.SPLITS) + "</tr>"
                    for k, v in counts.items())
    links = "".join(f"<li><a href='notebooks/{p.with_suffix('.html').name}'>{html.escape(p.stem)}</a></li>"
                    for p in executed if p.with_suffix(".html").exists())
    page = f"""<!doctype html><html><head><meta charset='utf-8'><title>Lil Data: listening report</title>
<style>body{{font-family:sans-serif;max-width:1100px;margin:auto}} .stage{{display:inline-block;margin:8px;vertical-align:top}}
.stage img{{width:420px;display:block}} audio{{width:420px}} .wide img{{width:100%;display:block}}
figure{{display:inline-block;margin:4px}} table{{border-collapse:collapse}} td,th{{border:1px solid #ccc;padding:4px 8px}}</style>
</head><body><h1>Lil Data: listening report</h1>
<p>Preset <b>{html.escape(settings.name)}</b>: {settings.clip_seconds:g} s clips at {settings.sample_rate} Hz,
spectrograms of {settings.shape[0]} x {settings.shape[1]}; {len(data)} clips.</p>
<h2>Executed notebooks</h2><ul>{links}</ul>
<h2>Clips per genre and split</h2><table><tr><th>genre</th><th>train</th><th>val</th><th>test</th></tr>{table}</table>
<h2>From music to spectrograms, and back (notebook 01)</h2>
{''.join(rows)}{_runs_sections(Path(runs), out_dir) if runs else ''}</body></html>"""
    index = out_dir / "index.html"
    with audio.atomic_path(index) as tmp:
        tmp.write_text(page, encoding="utf-8")
    return index


def main(argv: list[str] | None = None) -> int:
    """Run the course at a preset and write the report; returns the exit code."""
    parser = argparse.ArgumentParser(description="Run every notebook and write a listening report.")
    parser.add_argument("--preset", default="classroom", choices=list(config.PRESETS))
    parser.add_argument("--data-root", type=Path, default=ROOT / "data")
    parser.add_argument("--runs-root", type=Path, default=ROOT / "runs")
    parser.add_argument("--reports", type=Path, default=ROOT / "reports")
    args = parser.parse_args(argv)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # the kernels inherit it: fewer TensorFlow start-up lines
    start = time.perf_counter()
    out_dir = args.reports / args.preset
    executed = run_notebooks(args.preset, args.data_root.resolve(), out_dir, runs_root=args.runs_root.resolve())
    index = write_report(args.data_root / "prepared" / f"builtin_{args.preset}", out_dir, executed,
                         runs=args.runs_root / args.preset)
    print(f"course run at preset {args.preset} in {(time.perf_counter() - start) / 60:.1f} min")
    print(f"listening report: {index}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
