"""Write the Colab badge, the set-up cell and the next-notebook link of every course notebook.

    python scripts/notebook_links.py           # rewrite the notebooks in place
    python scripts/notebook_links.py --check   # exit 1 if any notebook differs (the tests run this)

The repository address lives here only (``REPOSITORY``), and the set-up cell is written from
``SETUP_CELL`` here, so badges, set-up cells and links cannot drift apart. The README's notebook
table is checked too.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
REPOSITORY = "lildata-course/lildata"
BRANCH = "main"
NOTEBOOKS = {
    "01_data_prep.ipynb": "01 · From music to spectrograms",
    "02_classifier.ipynb": "02 · Genre classification",
    "02b_recorded_music.ipynb": "02b · Going further: recorded music, and a CNN that beats plain statistics",
    "03_resnet.ipynb": "03 · ResNet50 against Lil Data",
    "04_genre_transfer.ipynb": "04 · Neural genre transfer",
    "04b_statistics_over_time.ipynb": "04b · Going further: genre transfer by statistics over time",
    "05_lstm_generation.ipynb": "05 · Generating spectrograms with LSTMs",
    "05b_beat_lstm.ipynb": "05b · Going further: an LSTM that keeps time, measured",
    "05c_song_generator.ipynb": "05c · Going further: generating a song",
    "06_listening.ipynb": "06 · Listening to every stage",
}
NEXT_OF = {"01_data_prep.ipynb": "02_classifier.ipynb", "02_classifier.ipynb": "03_resnet.ipynb",
        "02b_recorded_music.ipynb": "03_resnet.ipynb", "03_resnet.ipynb": "04_genre_transfer.ipynb",
        "04_genre_transfer.ipynb": "05_lstm_generation.ipynb", "04b_statistics_over_time.ipynb": "05_lstm_generation.ipynb",
        "05_lstm_generation.ipynb": "06_listening.ipynb", "05b_beat_lstm.ipynb": "05c_song_generator.ipynb",
        "05c_song_generator.ipynb": "06_listening.ipynb", "06_listening.ipynb": "01_data_prep.ipynb"}
"""The class's path: the six lessons in order; each "going further" notebook back to the lesson after its own."""
SETUP_CELL = """\
# Set-up. On Colab: fetch the course, its package importable in this session. Elsewhere `make install` did it.
import os, sys

IS_COLAB = "google.colab" in sys.modules
if IS_COLAB:
    import glob, importlib.util, shutil, subprocess, time
    URL = os.environ.get("LILDATA_URL", "https://github.com/{repository}.git")  # your own copy: see the README
    REPO = os.environ.get("LILDATA_REPO", "/content/lildata")

    def run(command, advice):  # Colab does not show a command's own output: print it when it fails
        done = subprocess.run(command, capture_output=True, text=True)
        if done.returncode:
            print((done.stderr or done.stdout).strip()[-3000:])
            raise RuntimeError(f"`{{' '.join(command[:2])}}` failed (its own words above): {{advice}}")

    if not os.path.exists(f"{{REPO}}/.lildata-clone-complete"):  # no clone yet, or one cut short: kept aside
        if os.path.exists(REPO):
            os.replace(REPO, f"{{REPO}}.incomplete-{{time.strftime('%Y%m%d-%H%M%S')}}")
        for partial in glob.glob(f"{{REPO}}.partial-*"):  # this cell's own unfinished clones
            shutil.rmtree(partial, ignore_errors=True)
        run(["git", "clone", "-q", "--depth", "1", URL, f"{{REPO}}.partial-{{os.getpid()}}"], f"check {{URL}} (LILDATA_URL) and the network")
        open(f"{{REPO}}.partial-{{os.getpid()}}/.lildata-clone-complete", "w").close()
        os.replace(f"{{REPO}}.partial-{{os.getpid()}}", REPO)
    need = {{"librosa": "librosa", "soxr": "soxr", "sklearn": "scikit-learn", "filelock": "filelock", "pooch": "pooch"}}
    missing = [name for module, name in need.items() if importlib.util.find_spec(module) is None]
    if missing:  # only what Colab lacks, never TensorFlow
        run([sys.executable, "-m", "pip", "install", "-q", *missing], "run this cell again")
    if REPO not in sys.path:  # the package straight from the clone: importable now, in this kernel
        sys.path.insert(0, REPO)
    os.chdir(f"{{REPO}}/notebooks")
from lildata_utils.course import import_tensorflow  # where it is installed: without its start-up lines here
_ = import_tensorflow(required=False)  # None where there is none (notebook 01 needs none)
"""
BADGE = re.compile(r"\[!\[Open In Colab\]\([^)]*\)\]\([^)]*\)")
NEXT = re.compile(r"\*\*Next:\*\*.*", re.S)


def badge(name: str) -> str:
    """The Open-in-Colab badge of a notebook."""
    return (f"[![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)]"
            f"(https://colab.research.google.com/github/{REPOSITORY}/blob/{BRANCH}/notebooks/{name})")


def setup_cell() -> str:
    """The set-up cell every notebook starts with."""
    return SETUP_CELL.format(repository=REPOSITORY)


def next_link(name: str) -> str:
    """The closing link: the next notebook of the class's path (from the last lesson, back to the first, and to
    the going-further notebooks)."""
    target = NEXT_OF[name]
    if name == "06_listening.ipynb":
        further = [n for n in NOTEBOOKS if n[2].isalpha()]
        return (f"**Next:** back to [{NOTEBOOKS[target]}]({target}), or on to the going-further notebooks: "
                + ", ".join(f"[{n.split('_')[0]}]({n})" for n in further) + ".")
    return f"**Next:** [{NOTEBOOKS[target]}]({target})"


def fixed(name: str, notebook: dict) -> dict:
    """The notebook with its badge, clone address and next link made right."""
    cells = notebook["cells"]
    source = lambda cell: "".join(cell["source"])  # noqa: E731
    first = source(cells[0])
    if not BADGE.search(first):
        raise SystemExit(f"{name}: the first cell has no Colab badge to fix")
    cells[0]["source"] = BADGE.sub(badge(name).replace("\\", "\\\\"), first)
    setup = [c for c in cells if c["cell_type"] == "code" and 'IS_COLAB = "google.colab"' in source(c)]
    if not setup:
        raise SystemExit(f"{name}: no set-up cell (one that sets IS_COLAB)")
    setup[0]["source"] = setup_cell()
    seen = set()
    for index, cell in enumerate(cells):  # nbformat 4.5: every cell has a unique id
        if not cell.get("id") or cell["id"] in seen:
            cell["id"] = hashlib.sha1(f"{name}:{index}:{source(cell)}".encode()).hexdigest()[:8]
        seen.add(cell["id"])
    last = [c for c in cells if c["cell_type"] == "markdown" and "**Next:**" in source(c)]
    if not last:
        raise SystemExit(f"{name}: no markdown cell with a **Next:** link")
    last[-1]["source"] = NEXT.sub(next_link(name), source(last[-1]))
    return notebook


def readme_problems() -> list[str]:
    """Notebooks the README's table does not link."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    return [f"README.md does not link notebooks/{name}" for name in NOTEBOOKS if f"notebooks/{name}" not in readme]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="change nothing; exit 1 if anything would change")
    args = parser.parse_args(argv)
    problems = []
    found = sorted(p.name for p in (ROOT / "notebooks").glob("[0-9][0-9]*_*.ipynb"))
    if found != sorted(NOTEBOOKS):
        problems.append(f"notebooks on disk {found} are not the course's {sorted(NOTEBOOKS)}")
    for name in NOTEBOOKS:
        path = ROOT / "notebooks" / name
        if not path.exists():
            continue
        text = path.read_text(encoding="utf-8")
        notebook = fixed(name, json.loads(text))
        for cell in notebook["cells"]:  # nbformat keeps sources as lists of lines
            if isinstance(cell["source"], str):
                cell["source"] = cell["source"].splitlines(keepends=True)
        new = json.dumps(notebook, indent=1, ensure_ascii=False) + "\n"
        if json.loads(new) != json.loads(text):
            problems.append(f"notebooks/{name}: badge, clone address or next link is out of date")
            if not args.check:
                path.write_text(new, encoding="utf-8")
    problems += readme_problems()
    for problem in problems:
        print(problem, file=sys.stderr)
    return 1 if problems and args.check else 0


if __name__ == "__main__":
    sys.exit(main())
