"""``make demo`` (``python -m lildata_utils.course.demo --preset classroom``): run every notebook in order and
write ``reports/<preset>/``: the executed notebooks and their HTML, ``timings.json`` and a listening report.

Notebook: notebooks/06_listening.ipynb
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

import nbclient
import nbconvert
import nbformat

from .. import settings as presets
from ..files import write_json, write_text
from .report import write_report

__all__ = ["execute_notebook", "main", "numbered_notebooks", "run_notebooks"]

ROOT = Path(__file__).resolve().parents[2]


def numbered_notebooks(folder: Path = ROOT / "notebooks", going_further: bool = False) -> list[Path]:
    """The six lessons (``NN_*.ipynb``) in order; with ``going_further`` each ``NNb_*.ipynb`` after its lesson."""
    found = sorted(folder.glob("[0-9][0-9]_*.ipynb"))
    found += sorted(folder.glob("[0-9][0-9][a-z]_*.ipynb")) if going_further else []
    return sorted(found, key=lambda p: p.name.split("_")[0])


def execute_notebook(path: Path, out: Path, parameters: dict, timeout: int = 3600) -> dict:
    """Run a notebook with ``parameters`` after its cell tagged ``parameters`` (as papermill does) and write the
    executed copy to ``out``, also when a cell fails (``CellExecutionError``)."""
    notebook = nbformat.read(path, as_version=4)
    at = next(i for i, c in enumerate(notebook.cells) if "parameters" in c.get("metadata", {}).get("tags", []))
    values = "\n".join(f"{name} = {value!r}" for name, value in parameters.items())
    notebook.cells.insert(at + 1, nbformat.v4.new_code_cell(f"# parameters given to this run\n{values}",
                                                            metadata={"tags": ["injected-parameters"]}))
    client = nbclient.NotebookClient(notebook, timeout=timeout, kernel_name="python3",
                                     resources={"metadata": {"path": str(path.parent)}})
    out.parent.mkdir(parents=True, exist_ok=True)
    try:  # the kernel's own start-up lines (TensorFlow's) go to a log beside the executed copy, not the terminal
        with open(out.with_suffix(".kernel.log"), "w") as log:
            client.execute(stderr=log)
    finally:
        write_text(out, nbformat.writes(notebook))
    return notebook


def run_notebooks(preset: str, data_root: Path, out_dir: Path, runs_root: Path, going_further: bool = False,
                  notebooks: Path = ROOT / "notebooks",
                  packed: Path | None = None) -> tuple[dict[str, float], list[str]]:
    """Execute the notebooks in order, each also written as HTML (one that fails does not stop the others);
    ``packed``: a teacher's runs the notebooks unpack instead of training. Returns seconds and failed names."""
    seconds, failed = {}, []
    parameters = {"PRESET": preset, "DATA_ROOT": str(data_root), "RUNS_ROOT": str(runs_root),
                  **({"PACKED": str(packed)} if packed else {})}
    for path in numbered_notebooks(notebooks, going_further):
        start, target = time.perf_counter(), out_dir / "notebooks" / path.name
        print(f"running {path.name} at preset {preset} ...", flush=True)
        try:
            executed = execute_notebook(path, target, parameters)
        except nbclient.exceptions.CellExecutionError as error:  # the next notebooks still run
            failed.append(path.name)
            print(f"  {path.name} stopped with an error: {str(error).strip().splitlines()[-1][:300]}"
                  f" (the executed copy, up to the error: {target})", flush=True)
            executed = nbformat.read(target, as_version=4)
        seconds[path.stem] = round(time.perf_counter() - start, 1)
        print(f"  done in {seconds[path.stem]:.0f} s", flush=True)
        write_text(target.with_suffix(".html"), nbconvert.HTMLExporter().from_notebook_node(executed)[0])
    write_json(out_dir / "timings.json", {"preset": preset, "seconds": seconds, "failed": failed})
    return seconds, failed


def main(argv: list[str] | None = None) -> int:
    """Run the course at a preset and write the report; returns the exit code."""
    parser = argparse.ArgumentParser(description="Run every notebook and write a listening report.")
    parser.add_argument("--preset", default="classroom", choices=list(presets.PRESETS))
    for flag in ("--data-root", "--runs-root", "--reports"):
        parser.add_argument(flag, type=Path, default=ROOT / flag[2:].split("-")[0])
    parser.add_argument("--going-further", action="store_true", help="the going-further notebooks too")
    parser.add_argument("--packed", type=Path, help="a file of runs from `lildata pack`, unpacked instead of training")
    args = parser.parse_args(argv)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # the kernels inherit it: fewer TensorFlow start-up lines
    start, out_dir = time.perf_counter(), args.reports / args.preset
    _, failed = run_notebooks(args.preset, args.data_root.resolve(), out_dir, args.runs_root.resolve(),
                              args.going_further, packed=args.packed and args.packed.resolve())
    index = write_report(args.data_root / "prepared" / f"builtin_{args.preset}", out_dir,
                         sorted((out_dir / "notebooks").glob("*.ipynb")), runs=args.runs_root / args.preset)
    print(f"course run at preset {args.preset} in {(time.perf_counter() - start) / 60:.1f} min")
    print(f"listening report: {index}")
    if failed:
        print(f"these notebooks stopped with an error: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
