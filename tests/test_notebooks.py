"""Every notebook is committed without outputs and runs top to bottom at the tiny preset."""

import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))


def test_the_course_notebooks_are_there():
    names = [p.name for p in NOTEBOOKS]
    assert "01_data_prep.ipynb" in names


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_is_committed_clean_with_a_parameters_cell(path):
    nb = json.loads(path.read_text())
    code_cells = [c for c in nb["cells"] if c["cell_type"] == "code"]
    assert all(not c.get("outputs") and c.get("execution_count") is None for c in code_cells), \
        f"{path.name} has outputs: run `make strip-notebooks`"
    tagged = [c for c in code_cells if "parameters" in c.get("metadata", {}).get("tags", [])]
    assert len(tagged) == 1 and "PRESET" in "".join(tagged[0]["source"])
    setup = "".join(code_cells[0]["source"])
    assert 'IS_COLAB = "google.colab" in sys.modules' in setup and "if IS_COLAB" in setup


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_runs_top_to_bottom_at_the_tiny_preset(path, tmp_path):
    papermill = pytest.importorskip("papermill")
    out = tmp_path / path.name
    papermill.execute_notebook(str(path), str(out), parameters={"PRESET": "tiny", "DATA_ROOT": str(tmp_path / "data"),
                                                           "RUNS_ROOT": str(tmp_path / "runs")},
                               cwd=str(path.parent), progress_bar=False, kernel_name="python3")
    nb = json.loads(out.read_text())
    outputs = [o for c in nb["cells"] if c["cell_type"] == "code" for o in c.get("outputs", [])]
    assert not [o for o in outputs if o.get("output_type") == "error"]
    data = [o.get("data", {}) for o in outputs]
    assert any("image/png" in d for d in data), "no spectrogram was shown"
    assert any("<audio" in "".join(d.get("text/html", "")) for d in data), "no audio player was shown"
