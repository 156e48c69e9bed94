"""The notebooks: committed clean, lessons of one class slot, and every one run top to bottom at `tiny`.

The course is executed once a session (the ``course_run`` fixture: every notebook, the going-further ones too,
as `make demo` runs them); the tests below read those executions.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from conftest import load_script, printed

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]*_*.ipynb"))
LESSONS = [p for p in NOTEBOOKS if re.match(r"\d\d_", p.name)]
GOING_FURTHER = [p for p in NOTEBOOKS if re.match(r"\d\d[a-z]_", p.name)]


def _cells(path: Path) -> list[dict]:
    return json.loads(path.read_text())["cells"]


def _text(cell: dict) -> str:
    return "".join(cell["source"])


def count(path: Path) -> tuple[int, int]:
    """Markdown words and non-blank code lines of a notebook, counted over its cells."""
    cells = _cells(path)
    words = sum(len(re.findall(r"\S+", _text(c))) for c in cells if c["cell_type"] == "markdown")
    lines = sum(1 for c in cells if c["cell_type"] == "code" for line in _text(c).splitlines() if line.strip())
    return words, lines


def test_the_course_is_six_lessons_and_their_going_further_notebooks():
    assert [p.name[:2] for p in LESSONS] == ["01", "02", "03", "04", "05", "06"]
    for path in GOING_FURTHER:
        assert path.name[:2] in {p.name[:2] for p in LESSONS}, f"{path.name} belongs to no lesson"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_is_committed_clean_with_a_parameters_cell(path):
    code_cells = [c for c in _cells(path) if c["cell_type"] == "code"]
    assert all(not c.get("outputs") and c.get("execution_count") is None for c in code_cells), \
        f"{path.name} has outputs: run `make strip-notebooks`"
    tagged = [c for c in code_cells if "parameters" in c.get("metadata", {}).get("tags", [])]
    assert len(tagged) == 1 and 'PRESET = "classroom"' in _text(tagged[0])
    setup = _text(code_cells[0])
    assert 'IS_COLAB = "google.colab" in sys.modules' in setup and "if IS_COLAB:" in setup
    before = [line for line in setup.split("if IS_COLAB:")[0].splitlines() if not line.lstrip().startswith("#")]
    assert not any("pip" in line or "subprocess" in line for line in before), "installs only on Colab"


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.stem)
def test_a_lesson_fits_one_class_slot(path):
    words, lines = count(path)
    assert words <= 1000, f"{path.name}: {words} words of Markdown"
    assert lines <= 180, f"{path.name}: {lines} lines of code"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_a_notebook_opens_with_goals_and_time_and_ends_with_a_summary_and_questions(path):
    cells = _cells(path)
    first = _text(cells[0])
    assert first.startswith("# ") and "| section | you learn to |" in first, "contents tied to the sections"
    sections = [int(n) for n in re.findall(r"^\| (\d)\. [^|]+ \|", first, re.M)]
    headings = [int(n) for c in cells if c["cell_type"] == "markdown" for n in re.findall(r"^## (\d)\. ", _text(c), re.M)]
    assert sections and sections == headings == list(range(1, len(sections) + 1)), (sections, headings)
    assert re.search(r"\*\*Time:\*\*.*\d+ min", first), "the measured run time"
    assert "RUNTIME_" not in first, "a run time still to measure"
    end = "\n".join(_text(c) for c in cells[-3:])
    summary = end.split("## Summary", 1)[1].split("## Questions", 1)
    assert len(re.findall(r"^- ", summary[0], re.M)) == 3, "a three-point summary"
    assert 4 <= len(re.findall(r"^\d\. ", summary[1], re.M)) <= 6, "about five questions"
    assert "**Next:**" in end
    text = "\n".join(_text(c) for c in cells)
    assert "sys.path.append" not in text and ("check_accelerator" in text or "course.start(" in text)  # start checks it


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_the_exercises_the_contents_announce_are_the_exercises_there(path):
    cells = _cells(path)
    announced = [int(n) for group in re.findall(r"exercises? (\d(?:, \d)*)", _text(cells[0]))
                 for n in group.split(", ")]
    asked = re.findall(r'exercises\.check\("(\d\d[a-z]?)\.(\d)"', "\n".join(_text(c) for c in cells))
    assert [int(n) for _, n in asked] == list(range(1, len(asked) + 1)), "exercises numbered 1, 2, ... in order"
    assert announced == list(range(1, len(asked) + 1)), f"the contents announce {announced}, the notebook has {len(asked)}"
    assert all(prefix == path.name.split("_")[0] for prefix, _ in asked)


@pytest.mark.parametrize("path", LESSONS[:5], ids=lambda p: p.stem)
def test_students_write_at_least_two_functions_in_each_of_01_to_05(path):
    from lildata_utils.course.exercises import FUNCTION_EXERCISES

    text = "\n".join(_text(c) for c in _cells(path))
    asked = re.findall(r'exercises\.check\("([\w.]+)"', text)
    functions = [e for e in asked if e in FUNCTION_EXERCISES]
    assert len(functions) >= 2, f"{path.name}: function exercises {functions}"
    for exercise in functions:  # the student's function is left for them to write
        call = re.search(rf'exercises\.check\("{re.escape(exercise)}", (\w+)', text)
        body = re.search(rf"def {call.group(1)}\(.*?(?=\n\S|\Z)", text, re.S)
        assert body and "return None" in body.group(0), f"{exercise}: the function to write comes written"


def test_the_diagrams_are_drawn():
    text = {p.name: "\n".join(_text(c) for c in _cells(p)) for p in LESSONS}
    assert "plot_stft_windows(" in text["01_data_prep.ipynb"]
    assert "plot_style_transfer_loop(" in text["04_genre_transfer.ipynb"]
    assert "plot_teacher_forcing(" in text["05_lstm_generation.ipynb"]


def test_badges_clone_addresses_and_next_links_cannot_drift():
    links = load_script("notebook_links")
    assert links.main(["--check"]) == 0, "run `python scripts/notebook_links.py`"
    nb = json.loads((ROOT / "notebooks" / "03_resnet.ipynb").read_text())
    nb["cells"][0]["source"] = "".join(nb["cells"][0]["source"]).replace("/blob/main/notebooks/03_resnet",
                                                                         "/blob/old/notebooks/01_data_prep")
    fixed = links.fixed("03_resnet.ipynb", nb)
    assert links.badge("03_resnet.ipynb") in fixed["cells"][0]["source"]
    assert "(04_genre_transfer.ipynb)" in links.next_link("03_resnet.ipynb")
    assert "(01_data_prep.ipynb)" in links.next_link("06_listening.ipynb")


# ---- the executions (one run of the course a session) ----

def _executed(course_run: Path, path: Path) -> dict:
    executed = course_run / "notebooks" / path.name
    assert executed.exists(), f"{path.name} was not run"
    return json.loads(executed.read_text())


@pytest.mark.notebook
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_runs_top_to_bottom_at_the_tiny_preset_and_shows_and_plays(course_run, path):
    nb = _executed(course_run, path)
    outputs = [o for c in nb["cells"] if c["cell_type"] == "code" for o in c.get("outputs", [])]
    errors = [f"{o.get('ename')}: {o.get('evalue')}" for o in outputs if o.get("output_type") == "error"]
    assert not errors, errors
    assert all(c.get("execution_count") for c in nb["cells"] if c["cell_type"] == "code" and _text(c).strip()), \
        "a cell did not run"
    data = [o.get("data", {}) for o in outputs]
    assert any("image/png" in d for d in data), "no spectrogram was shown"
    assert any("<audio" in "".join(d.get("text/html", "")) for d in data), "no audio player was shown"
    streams = ["".join(o.get("text", "")) for o in outputs if o.get("output_type") == "stream"]
    for line in ("oneDNN", "cpu_feature_guard", "absl::InitializeLog", "Traceback"):
        assert not any(line in text for text in streams), f"{line!r} printed in {path.name}"
    assert not any("".join(d.get("text/plain", "")).startswith(("(<Figure", "<Figure size")) for d in data
                   if "image/png" not in d), "a bare figure repr"
    assert max((len(text.splitlines()) for text in streams), default=0) < 120, "a long log in one cell"


@pytest.mark.notebook
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_every_exercise_left_unanswered_says_not_done_yet(course_run, path):
    text = printed(_executed(course_run, path))
    asked = re.findall(r'exercises\.check\("([\w.]+)"', "\n".join(_text(c) for c in _cells(path)))
    for exercise in asked:
        assert f"Exercise {exercise}: not done yet" in text, exercise
    assert "not yet:" not in text, "an unanswered exercise was judged wrong"


@pytest.mark.notebook
def test_notebook_06_transfers_a_clip_of_the_content_genre_not_the_style_genre(course_run):
    nb = _executed(course_run, ROOT / "notebooks" / "06_listening.ipynb")
    said = printed(nb)
    source = "\n".join(_text(c) for c in nb["cells"])
    content = re.search(r'CONTENT_GENRE = "(\w+)"', source).group(1)
    style = re.search(r'STYLE_GENRE = "(\w+)"', source).group(1)
    assert content != style
    clip = re.search(r"the clip: (\w+)", said)
    assert clip and clip.group(1) == content, "the clip transferred must be of the content genre"


@pytest.mark.notebook
def test_notebook_02_trains_the_network_it_builds_and_names_each_row(course_run):
    said = printed(_executed(course_run, ROOT / "notebooks" / "02_classifier.ipynb"))
    built = [int(n.replace(",", "")) for n in re.findall(r"the paper's Lil Data: ([\d,]+) weights", said)]
    trained = [int(n.replace(",", "")) for n in re.findall(r"Lil Data, trained \(([\d,]+) weights\)", said)]
    assert built and trained and built[0] == trained[0], (built, trained)
    for row in ("softmax (average spectrum)", "statistics (mean, spread, change)", "Lil Data, the paper's set-up",
                "Lil Data, the recipe"):
        assert row in said, row


@pytest.mark.notebook
def test_notebook_03_states_the_weight_counts_it_prints(course_run):
    nb = _executed(course_run, ROOT / "notebooks" / "03_resnet.ipynb")
    markdown = "\n".join(_text(c) for c in nb["cells"] if c["cell_type"] == "markdown")
    assert not re.search(r"about \d+ thousand", markdown), "a weight count in words that no cell printed"
    assert re.search(r"Lil Data: [\d,]+ weights", printed(nb))
