"""Write the lesson code of the notebooks into the package: one source of truth, the notebook.

    python scripts/export_lessons.py           # rewrite lildata_utils/lessons/*.py from the notebooks
    python scripts/export_lessons.py --check   # exit 1 if a notebook and the package differ (make test runs it)

A code cell whose first line is ``#@save`` (d2l's mark) is lesson code: the STFT, the network, the
loss and the step, the Gram matrix, the sampler. The notebook runs it where it stands, and this
script copies it, cell by cell, into ``lildata_utils/lessons/<module>.py``, which the package and the
``lildata`` command import. Edit the notebook, run ``make lessons``, and both run the same code.
"""

from __future__ import annotations

import argparse
import ast
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MARK = "#@save"
MODULES = {
    "01_data_prep.ipynb": ("spectrograms", "From music to spectrograms: clips, the STFT, decibels and Griffin-Lim."),
    "02_classifier.ipynb": ("classifier", "The Lil Data network, the baselines, training, song accuracy and the recipe."),
    "03_resnet.ipynb": ("resnet", "ResNet50 on spectrograms: the paper's set-up and ours, side by side."),
    "04_genre_transfer.ipynb": ("style", "Style transfer on spectrograms: Gram matrices, costs, the step, the loop, the nets."),
    "04b_statistics_over_time.ipynb": ("style_time", "Genre transfer by statistics over time: per-bin AdaIN, modulation transfer."),
    "05_lstm_generation.ipynb": ("generators", "LSTM generators: the paper's model, teacher forcing, sampled levels."),
    "05b_beat_lstm.ipynb": ("beat", "The LSTM that keeps time: the beat grid, its phase, the beat LSTM."),
    "05c_song_generator.ipynb": ("song", "Generated songs: chords that move and stay, over bars."),
    "06_listening.ipynb": ("ab_test", "Scoring a blind A/B listening test."),
}


def lesson_cells(notebook: dict) -> list[tuple[int, str]]:
    """``(cell number, source)`` of every ``#@save`` cell, without the mark (cells numbered from 1)."""
    out = []
    for number, cell in enumerate(notebook["cells"], start=1):
        source = "".join(cell["source"])
        if cell["cell_type"] == "code" and source.startswith(MARK):
            out.append((number, source[len(MARK):].lstrip("\n").rstrip() + "\n"))
    return out


def module_text(name: str, cells: list[tuple[int, str]]) -> str:
    """The generated module of a notebook: its imports first, then each cell's code under the cell it came from."""
    module, summary = MODULES[name]
    body = "\n\n".join(source for _, source in cells)
    tree = ast.parse(body)
    public = sorted(node.name for node in tree.body
                    if isinstance(node, (ast.FunctionDef, ast.ClassDef)) and not node.name.startswith("_"))
    public += sorted(target.id for node in tree.body if isinstance(node, ast.Assign) for target in node.targets
                     if isinstance(target, ast.Name) and target.id.isupper())
    imports = [line for line in body.splitlines() if line.startswith(("import ", "from "))]
    blocks = []
    for number, source in cells:
        code = "\n".join(line for line in source.splitlines() if line not in imports).strip("\n")
        if code:
            blocks.append(f"# notebooks/{name}, cell {number}\n{code}")
    rest = "\n\n\n".join(blocks)
    return (f'"""{summary}\n\nGenerated from notebooks/{name} (its cells marked ``{MARK}``) by '
            f"scripts/export_lessons.py:\nedit the notebook, then run `make lessons`.\n\n"
            f'Notebook: notebooks/{name}\n"""\n\n'
            f"from __future__ import annotations\n\n" + "\n".join(sorted(set(imports), key=lambda line: (line.startswith("from"), line))) + "\n\n"
            f"__all__ = {json.dumps(sorted(set(public)))}\n\n\n{rest}\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="change nothing; exit 1 if anything would change")
    args = parser.parse_args(argv)
    folder = ROOT / "lildata_utils" / "lessons"
    problems = []
    for name, (module, _) in MODULES.items():
        if not (ROOT / "notebooks" / name).exists():
            problems.append(f"notebooks/{name} is missing")
            continue
        cells = lesson_cells(json.loads((ROOT / "notebooks" / name).read_text(encoding="utf-8")))
        if not cells:
            continue
        text = module_text(name, cells)
        target = folder / f"{module}.py"
        if not target.exists() or target.read_text(encoding="utf-8") != text:
            if args.check:
                problems.append(f"lildata_utils/lessons/{module}.py differs from notebooks/{name}: run `make lessons`")
            else:
                folder.mkdir(exist_ok=True)
                target.write_text(text, encoding="utf-8")
                print(f"wrote lildata_utils/lessons/{module}.py from notebooks/{name}")
    for problem in problems:
        print(problem, file=sys.stderr)
    return 1 if problems and args.check else 0


if __name__ == "__main__":
    sys.exit(main())
