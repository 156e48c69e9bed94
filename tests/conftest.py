"""Shared fixtures: every test makes its own audio; nothing is downloaded.

The slow fixtures are made once a session: a tiny prepared set, one trained softmax, and one run of the
whole course at the tiny preset (every notebook, the going-further ones too, and the listening report),
which the notebook and demo tests read.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ["LILDATA_OFFLINE"] = "1"  # nothing in the tests downloads

from lildata_utils.data import synth  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


@pytest.hookimpl(tryfirst=True)  # before pytest-xdist's own hook reads the groups
def pytest_collection_modifyitems(config, items):
    """For `pytest -n 2` (pytest-xdist, `--dist loadgroup`): the tests that read the one run of the course go to
    one worker, first, and every other module's tests stay together, so no fixture is made twice."""
    reads_course = {item.nodeid for item in items if "course_run" in item.fixturenames}
    items.sort(key=lambda item: item.nodeid not in reads_course)  # stable: the course's tests first
    for item in items:
        item.add_marker(pytest.mark.xdist_group("course" if item.nodeid in reads_course else item.path.stem))


def load_script(name: str, folder: str = "scripts"):
    """A script of ``scripts/`` (``name`` without ``.py``) as a module, to call its functions in a test."""
    import importlib.util

    spec = importlib.util.spec_from_file_location(name, ROOT / folder / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def write_song(path: Path, genre: str, index: int, seconds: float, sample_rate: int, seed: int = 0) -> Path:
    """A synthesised song written as a 16-bit WAV (or any format soundfile writes)."""
    audio, _ = synth.make_song(genre, seed=seed, index=index, seconds=seconds, sample_rate=sample_rate)
    path.parent.mkdir(parents=True, exist_ok=True)
    sf.write(path, audio, sample_rate)
    return path


def printed(notebook: dict) -> str:
    """Everything an executed notebook printed (its stream outputs, its Markdown tables, its plain-text results)."""
    parts = []
    for cell in notebook["cells"]:
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            parts.append("".join(output.get("text", "")))
            parts.append("".join(data.get("text/markdown", "") or data.get("text/plain", "")))
    return "\n".join(parts)


@pytest.fixture(scope="session")
def tiny_raw(tmp_path_factory) -> Path:
    """RAW_DIR with 3 genres x 6 songs of 4 s at 8 kHz (the tiny preset's rate)."""
    root = tmp_path_factory.mktemp("raw")
    for genre in ("house", "lofi", "noise"):
        for index in range(6):
            write_song(root / genre / f"{genre}_{index:03d}.wav", genre, index, 4.0, 8000)
    return root


@pytest.fixture(scope="session")
def music_clips() -> list[np.ndarray]:
    """Four 5-second music clips at 22050 Hz, of four genres."""
    clips = []
    for genre in ("lofi", "house", "future_bass", "liquid_dnb"):
        audio, _ = synth.make_song(genre, seed=3, index=0, seconds=12.0, sample_rate=22050)
        clips.append(audio[5 * 22050: 10 * 22050])
    return clips


@pytest.fixture(scope="session")
def tiny_prepared(tiny_raw, tmp_path_factory) -> Path:
    """``tiny_raw`` prepared at the tiny preset (1-second clips, 128 x 65)."""
    from lildata_utils.data import prepare
    from lildata_utils.settings import get_preset

    out = tmp_path_factory.mktemp("prepared") / "tiny"
    prepare(tiny_raw, out, get_preset("tiny"), jobs=1, progress=False, log=lambda line: None)
    return out


@pytest.fixture(scope="session")
def softmax_run(tiny_prepared, tmp_path_factory) -> Path:
    """A finished softmax run on ``tiny_prepared``, made once for every test that needs a trained classifier."""
    from lildata_utils.runs import classifier
    from lildata_utils.settings import train_preset

    run = tmp_path_factory.mktemp("runs") / "softmax"
    classifier.train(tiny_prepared, run, train_preset("tiny", model="softmax", epochs=25, patience=25), verbose=0)
    return run


@pytest.fixture(scope="session")
def course_run(tmp_path_factory) -> Path:
    """The whole course at the tiny preset, as `make demo PRESET=tiny` runs it with the going-further
    notebooks: returns the report folder (``index.html``, ``notebooks/*.ipynb`` executed, ``timings.json``)."""
    from lildata_utils.course import demo

    if os.environ.get("LILDATA_COURSE_RUN"):  # while developing: the report folder of an earlier run
        return Path(os.environ["LILDATA_COURSE_RUN"])
    root = tmp_path_factory.mktemp("course")
    demo.main(["--preset", "tiny", "--data-root", str(root / "data"), "--runs-root", str(root / "runs"),
               "--reports", str(root / "reports"), "--going-further"])  # each notebook's test reads its own errors
    return root / "reports" / "tiny"
