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
    printed = ["".join(o.get("text", "")) for o in outputs if o.get("output_type") == "stream"]
    for line in ("oneDNN", "cpu_feature_guard", "absl::InitializeLog", "Traceback"):
        assert not any(line in text for text in printed), f"{line!r} printed in {path.name}"
    assert not any("".join(d.get("text/plain", "")).startswith(("(<Figure", "<Figure size")) for d in data
                   if "image/png" not in d), "a bare figure repr"
    assert max((len(text.splitlines()) for text in printed), default=0) < 120, "a long log in one cell"


def test_badges_clone_addresses_and_next_links_cannot_drift():
    import importlib.util

    spec = importlib.util.spec_from_file_location("notebook_links", ROOT / "scripts" / "notebook_links.py")
    links = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(links)
    assert links.main(["--check"]) == 0, "run `python scripts/notebook_links.py`"
    nb = json.loads((ROOT / "notebooks" / "03_resnet.ipynb").read_text())
    nb["cells"][0]["source"] = "".join(nb["cells"][0]["source"]).replace("/blob/main/notebooks/03_resnet",
                                                                         "/blob/old/notebooks/01_data_prep")
    fixed = links.fixed("03_resnet.ipynb", nb)
    assert links.badge("03_resnet.ipynb") in fixed["cells"][0]["source"]
    assert "(04_genre_transfer.ipynb)" in links.next_link("03_resnet.ipynb")
    assert "(01_data_prep.ipynb)" in links.next_link("06_listening.ipynb")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_follows_the_house_style(path):
    nb = json.loads(path.read_text())
    text = ["".join(c["source"]) for c in nb["cells"]]
    assert text[0].startswith("# ") and "What you will learn" in text[0]
    assert any("check_accelerator" in t for t in text), "a GPU check"
    assert any("What the paper found" in t for t in text), "the paper's finding beside ours"
    assert "**Next:**" in text[-1] or any("**Next:**" in t for t in text[-2:])
    assert not any("sys.path.append" in t for t in text)
