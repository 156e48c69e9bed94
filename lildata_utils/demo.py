"""The course's main job: run every notebook in order and write a listening report.

    python -m lildata_utils.demo --preset classroom   # what `make demo` runs

Writes ``reports/<preset>/``: the executed notebooks, their HTML, and
``index.html``, a listening report with a spectrogram and a player for each
stage.

Notebook: notebooks/06_listening.ipynb
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

from . import config
from .report import write_report

__all__ = ["main", "run_notebooks"]

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
