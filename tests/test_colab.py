"""Colab as a student meets it: the set-up cell in one run, no TensorFlow, Drive, packed runs."""

from __future__ import annotations

import ast
import json
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import types
import zipfile
from pathlib import Path

import pytest

from conftest import load_script

from lildata_utils import course, registry
from lildata_utils.course import runtime, setup
from lildata_utils.errors import LildataError
from lildata_utils.files import pack

ROOT = Path(__file__).resolve().parents[1]


def _links():
    return load_script("notebook_links")


@pytest.fixture(scope="module")
def working_tree(tmp_path_factory) -> Path:
    """A git repository of this working tree as it is (committed or not), for the set-up cell to clone: a clone
    of ROOT itself would fetch its last commit, not the package under test."""
    repo = tmp_path_factory.mktemp("working_tree") / "lildata"
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=ROOT,
                            check=True, capture_output=True).stdout.decode().split("\0")
    for name in filter(None, listed):
        source = ROOT / name
        if source.is_file():  # a file deleted but not yet staged is listed too
            (repo / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, repo / name)
    git = ["git", "-c", "user.name=test", "-c", "user.email=test@example.invalid", "-c", "commit.gpgsign=false"]
    subprocess.run([*git, "init", "-q"], cwd=repo, check=True)
    subprocess.run([*git, "add", "-A"], cwd=repo, check=True)
    subprocess.run([*git, "commit", "-q", "-m", "the working tree"], cwd=repo, check=True)
    return repo


SIMULATION = """
import importlib.util, os, sys, types
assert importlib.util.find_spec("lildata_utils") is None, "importable before the set-up cell"
google, colab = types.ModuleType("google"), types.ModuleType("google.colab")
google.colab = colab
sys.modules.update({"google": google, "google.colab": colab})
cell = open(sys.argv[1]).read()
exec(cell)
exec(cell)  # a second run of the cell must work too (the clone is there)
import lildata_utils
from lildata_utils import course, data
print("FILE", lildata_utils.__file__)
print("CWD", os.getcwd())
"""


@pytest.mark.skipif(shutil.which("git") is None or not (ROOT / ".git").exists(), reason="needs git and a clone")
def test_the_setup_cell_makes_the_package_importable_in_the_same_process(tmp_path, working_tree):
    cell = _links().setup_cell()
    for path in sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")):
        first = next(c for c in json.loads(path.read_text())["cells"] if c["cell_type"] == "code")
        assert "".join(first["source"]) == cell, f"{path.name}: run scripts/notebook_links.py"
    assert "%pip" not in cell and "!git" not in cell and '"-e"' not in cell  # plain Python, no editable install
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    site = next((venv / "lib").glob("python*/site-packages"))
    # Colab's preinstalled packages: the ones of this environment, as a plain path (its .pth files, and so
    # the editable install of lildata_utils, are not run)
    (site / "colab_packages.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    (tmp_path / "cell.py").write_text(cell)
    (tmp_path / "simulate.py").write_text(SIMULATION)
    clone = tmp_path / "content" / "lildata"
    env = {**os.environ, "LILDATA_REPO": str(clone), "LILDATA_URL": str(working_tree), "PIP_NO_INDEX": "1",
           "PIP_DISABLE_PIP_VERSION_CHECK": "1", "PYTHONPATH": ""}
    result = subprocess.run([str(venv / "bin" / "python"), str(tmp_path / "simulate.py"), str(tmp_path / "cell.py")],
                            cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    lines = dict(line.split(" ", 1) for line in result.stdout.splitlines() if line.startswith(("FILE", "CWD")))
    assert Path(lines["FILE"]).resolve().is_relative_to(clone.resolve())
    assert Path(lines["CWD"]).resolve() == (clone / "notebooks").resolve()


NOTEBOOK_01 = ROOT / "notebooks" / "01_data_prep.ipynb"

WITHOUT_TF = """
import json, sys
cells = json.load(open(sys.argv[1]))
exec(cells["setup"])
for line in cells["imports"]:
    exec(line)
from lildata_utils import course
print("ACCELERATOR", course.check_accelerator())
print("LOADED", " ".join(sorted(name for name in ("tensorflow", "keras") if name in sys.modules)))
"""


def _code_cells(path: Path) -> list[str]:
    """A notebook's code cells as Python (IPython's ``%`` and ``!`` lines left out)."""
    cells = [c for c in json.loads(path.read_text())["cells"] if c["cell_type"] == "code"]
    return ["\n".join(line for line in "".join(c["source"]).splitlines() if not line.lstrip().startswith(("%", "!")))
            for c in cells]


def _imports(source: str) -> list[ast.stmt]:
    return [node for node in ast.walk(ast.parse(source)) if isinstance(node, (ast.Import, ast.ImportFrom))]


def _modules(node: ast.stmt) -> list[str]:
    return [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""]


def test_notebook_01_imports_and_checks_the_machine_without_tensorflow(tmp_path):
    setup_cell, *cells = _code_cells(NOTEBOOK_01)
    assert 'IS_COLAB = "google.colab"' in setup_cell, "the first code cell is the set-up cell"
    imported = [m for source in cells for node in _imports(source) for m in _modules(node)]
    assert not [m for m in imported if m.split(".")[0] in ("tensorflow", "keras")], "notebook 01 needs no TensorFlow"
    ours = [ast.unparse(node) for source in cells for node in _imports(source)
            if any(m.split(".")[0] == "lildata_utils" for m in _modules(node))]
    assert any("course" in line for line in ours), ours  # the notebook's own imports, as it writes them
    blocker = tmp_path / "no_tf"
    (blocker / "tensorflow").mkdir(parents=True)
    (blocker / "tensorflow" / "__init__.py").write_text("raise ImportError('No module named tensorflow')\n")
    (tmp_path / "cells.json").write_text(json.dumps({"setup": setup_cell, "imports": ours}))
    (tmp_path / "run.py").write_text(WITHOUT_TF)
    tpu_signs = ("TPU_ACCELERATOR_TYPE", "ACCELERATOR_TYPE", "TPU_NAME", "COLAB_TPU_ADDR")
    env = {**{k: v for k, v in os.environ.items() if k not in tpu_signs}, "PYTHONPATH": str(blocker)}
    result = subprocess.run([sys.executable, str(tmp_path / "run.py"), str(tmp_path / "cells.json")],
                            cwd=ROOT / "notebooks", env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "ACCELERATOR none" in result.stdout
    assert "TensorFlow is not installed (notebook 01 needs none)" in result.stdout
    assert "LOADED \n" in result.stdout, "neither TensorFlow nor Keras was imported"


def test_use_drive_puts_data_and_runs_on_drive_and_reads_a_local_copy(tmp_path, monkeypatch, capsys):
    mounted = []
    drive = types.SimpleNamespace(mount=lambda where: mounted.append(where))
    colab = types.ModuleType("google.colab")
    colab.drive = drive
    monkeypatch.setitem(sys.modules, "google.colab", colab)
    where = course.storage(True, "../data", "../runs", drive_root=tmp_path / "drive", local_cache=tmp_path / "local")
    assert mounted == [setup.DRIVE_MOUNT]
    assert where.data_root == tmp_path / "drive" / "data" and where.runs_root == tmp_path / "drive" / "runs"
    data = course.ensure_dataset("tiny", where.data_root, None, progress=False, jobs=1,
                                 local_cache=where.local_cache)
    assert data.path == tmp_path / "local" / "builtin_tiny"
    assert (tmp_path / "drive" / "data" / "prepared" / "builtin_tiny" / "manifest.csv").exists()
    assert len(data) > 0
    monkeypatch.delitem(sys.modules, "google.colab")
    off = course.storage(True, "a", "b")
    assert off == course.Storage(Path("a"), Path("b")) and "Colab only" in capsys.readouterr().out


def _fake_run(folder: Path, name: str = "lildata_8") -> Path:
    run = folder / name
    run.mkdir(parents=True)
    (run / "config.json").write_text(json.dumps({"kind": "lildata-classifier-run", "training": {"model": "softmax"},
                                                 "labels": ["a", "b"]}))
    (run / "metrics.json").write_text(json.dumps({"test_accuracy": 0.5}))
    (run / "model.keras").write_bytes(os.urandom(5000))
    (run / "backup").mkdir()
    (run / "backup" / "state").write_bytes(b"in progress")  # never packed
    return run


def test_pack_and_unpack_move_runs_with_checksums(tmp_path, capsys):
    from lildata_utils import cli

    run = _fake_run(tmp_path / "teacher")
    code = cli.main(["pack", str(run), str(tmp_path / "runs.zip")])
    said = capsys.readouterr().out
    digest = said.split("sha256 ")[1].split()[0]
    assert code == 0 and len(digest) == 64
    assert "lildata_8/backup/state" not in zipfile.ZipFile(tmp_path / "runs.zip").namelist()
    class_runs = tmp_path / "student" / "runs" / "tiny"
    assert cli.main(["unpack", str(tmp_path / "runs.zip"), str(class_runs), "--sha256", digest]) == 0
    assert (class_runs / "lildata_8" / "model.keras").read_bytes() == (run / "model.keras").read_bytes()
    assert pack.unpack(tmp_path / "runs.zip", class_runs)[0]["status"] == "already there"
    items = course.use_packed(tmp_path / "runs.zip", tmp_path / "student" / "runs", "tiny", sha256=digest)
    assert items[0]["status"] == "already there"
    # a wrong checksum, a different folder already there, a download that is a local file the test made
    with pytest.raises(LildataError, match="its SHA-256 is"):
        pack.unpack(tmp_path / "runs.zip", tmp_path / "other", sha256="0" * 64)
    assert not (tmp_path / "other" / "lildata_8").exists()
    (class_runs / "lildata_8" / "metrics.json").write_text("{}")
    with pytest.raises(LildataError, match="already there and different"):
        pack.unpack(tmp_path / "runs.zip", class_runs)
    cached = pack.download((tmp_path / "runs.zip").as_uri(), tmp_path / "cache" / "r.zip", digest)
    assert cached.read_bytes() == (tmp_path / "runs.zip").read_bytes()
    with pytest.raises(LildataError, match="its SHA-256 is"):
        pack.download((tmp_path / "runs.zip").as_uri(), tmp_path / "cache" / "bad.zip", "1" * 64)
    assert not (tmp_path / "cache" / "bad.zip").exists()


def test_unpack_refuses_members_that_leave_the_folder_or_were_changed(tmp_path):
    bad = tmp_path / "evil.zip"
    with zipfile.ZipFile(bad, "w") as archive:
        archive.writestr(pack.MANIFEST, json.dumps({"items": [{"name": "r", "kind": "run"}],
                                                    "files": {"../../escape.txt": {"size": 3, "sha256": "x" * 64}}}))
        archive.writestr("../../escape.txt", "boo")
    with pytest.raises(LildataError, match="would land outside"):
        pack.unpack(bad, tmp_path / "dest")
    assert not (tmp_path / "escape.txt").exists()
    run = _fake_run(tmp_path / "t")
    good = tmp_path / "good.zip"
    pack.pack([run], good)
    tampered = tmp_path / "tampered.zip"
    with zipfile.ZipFile(good) as source, zipfile.ZipFile(tampered, "w") as target:
        for item in source.infolist():
            data = source.read(item)
            target.writestr(item, bytes(len(data)) if item.filename.endswith("model.keras") else data)  # same size
    with pytest.raises(LildataError, match="damaged"):
        pack.unpack(tampered, tmp_path / "dest2")
    assert not (tmp_path / "dest2" / "lildata_8").exists()
    with pytest.raises(LildataError, match="not a run or a prepared dataset"):
        pack.pack([tmp_path], tmp_path / "x.zip")


@pytest.mark.train
def test_a_packed_dataset_and_run_are_used_without_retraining(tiny_prepared, softmax_run, tmp_path, capsys):
    from lildata_utils.data import PreparedDataset
    from lildata_utils.runs import classifier
    from lildata_utils.settings import train_preset

    settings = train_preset("tiny", model="softmax", epochs=25, patience=25)  # the settings of softmax_run
    pack.pack([softmax_run, tiny_prepared], tmp_path / "class.zip")
    student = tmp_path / "student"
    pack.unpack(tmp_path / "class.zip", student / "runs" / "tiny")
    shutil.move(student / "runs" / "tiny" / Path(tiny_prepared).name, student / "prepared")
    data = PreparedDataset(student / "prepared")
    capsys.readouterr()
    metrics = classifier.ensure_run(data, student / "runs" / "tiny" / softmax_run.name, settings)
    assert "reusing the finished run" in capsys.readouterr().out
    assert metrics == json.loads((softmax_run / "metrics.json").read_text())


# --- Colab as it runs today: the set-up cell explains itself, every runtime gets its word, mixed precision ---

CELL_RUN = """
import sys, types
google, colab = types.ModuleType("google"), types.ModuleType("google.colab")
google.colab = colab
sys.modules.update({"google": google, "google.colab": colab})
exec(open(sys.argv[1]).read())
print("IMPORTED", __import__("lildata_utils").__file__)
"""


def _colab_venv(tmp_path: Path) -> Path:
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    site = next((venv / "lib").glob("python*/site-packages"))
    (site / "colab_packages.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    return venv


def _run_cell(venv: Path, tmp_path: Path, url: str | Path, repo: Path, path: str | None = None):
    (tmp_path / "cell.py").write_text(_links().setup_cell())
    (tmp_path / "run.py").write_text(CELL_RUN)
    env = {**os.environ, "LILDATA_REPO": str(repo), "LILDATA_URL": str(url), "PIP_NO_INDEX": "1",
           "PIP_DISABLE_PIP_VERSION_CHECK": "1", "PYTHONPATH": "", **({"PATH": path} if path else {})}
    return subprocess.run([str(venv / "bin" / "python"), str(tmp_path / "run.py"), str(tmp_path / "cell.py")],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)


@pytest.mark.skipif(shutil.which("git") is None or not (ROOT / ".git").exists(), reason="needs git and a clone")
def test_the_setup_cell_says_what_failed_mends_a_half_clone_and_reruns_as_a_no_op(tmp_path, working_tree):
    venv = _colab_venv(tmp_path)
    repo = tmp_path / "content" / "lildata"
    wrong = tmp_path / "no-such-repository"
    failed = _run_cell(venv, tmp_path, wrong, repo)
    assert failed.returncode != 0
    assert "does not exist" in failed.stdout or "not found" in failed.stdout.lower(), "git's own reason is shown"
    assert f"check {wrong} (LILDATA_URL) and the network" in failed.stderr, "and what to try: the address it cloned from"
    assert not repo.exists() and not list(repo.parent.glob("lildata.partial-*")), "no half-made clone left"
    repo.mkdir(parents=True)
    (repo / "README.md").write_text("a clone cut short")  # what an interrupted clone leaves: no marker
    done = _run_cell(venv, tmp_path, working_tree, repo)
    assert done.returncode == 0, done.stderr[-3000:]
    assert Path(done.stdout.split("IMPORTED ")[1].strip()).resolve().is_relative_to(repo.resolve())
    assert (repo / ".lildata-clone-complete").exists() and (repo / "lildata_utils").is_dir()
    kept = list(repo.parent.glob("lildata.incomplete-*"))
    assert len(kept) == 1 and (kept[0] / "README.md").read_text() == "a clone cut short", "set aside, not deleted"
    no_git = tmp_path / "bin"
    no_git.mkdir()
    (no_git / "git").write_text("#!/bin/sh\necho git was called >&2\nexit 1\n")
    (no_git / "git").chmod(0o755)
    again = _run_cell(venv, tmp_path, working_tree, repo, path=f"{no_git}:{os.environ['PATH']}")
    assert again.returncode == 0 and "git was called" not in again.stderr, "a rerun clones nothing"


def test_every_runtime_gets_its_own_word(tmp_path, monkeypatch, capsys):
    dev = tmp_path / "dev"
    (dev / "vfio").mkdir(parents=True)
    assert runtime.tpu_name({}, dev) is None
    (dev / "vfio" / "0").touch()
    assert runtime.tpu_name({}, dev, find_spec=lambda name: object()) == "TPU (1 chip)", "v5e-1, v6e-1"
    assert runtime.tpu_name({}, dev, find_spec=lambda name: None) is None, "a VFIO node alone is not a TPU"
    assert runtime.tpu_name({"TPU_ACCELERATOR_TYPE": "v6e-1"}, tmp_path / "nothing") == "v6e-1"
    assert runtime.tpu_name({"COLAB_TPU_ADDR": "10.0.0.2:8470"}, tmp_path / "nothing") == "TPU", "the old TPU node"
    gpu_dev = tmp_path / "gpu_dev"
    gpu_dev.mkdir()
    (gpu_dev / "accel0").touch()
    (gpu_dev / "nvidia0").touch()
    assert runtime.tpu_name({}, gpu_dev, find_spec=lambda name: object()) is None, "NVIDIA's /dev/accel is no TPU"
    monkeypatch.setattr(setup, "tpu_name", lambda: "v5litepod-1")  # what check_accelerator reads
    monkeypatch.setitem(sys.modules, "tensorflow", None)
    assert course.check_accelerator() == "none"
    said = capsys.readouterr().out
    assert "TPU runtime (v5litepod-1)" in said and "notebook 01 runs" in said and runtime.TPU_INSTALL in said
    assert "T4 GPU" in said
    monkeypatch.setattr(setup, "tpu_name", lambda: None)
    assert course.check_accelerator() == "none"
    said = capsys.readouterr().out
    assert "TensorFlow is not installed" in said and "tensorflow-tpu" not in said and "pip install tensorflow" in said


def test_outputs_are_offered_for_download_on_colab_and_listed_elsewhere(tmp_path, monkeypatch, capsys):
    made = tmp_path / "transfer" / "modulation"
    made.mkdir(parents=True)
    (made / "result.wav").write_bytes(b"RIFF")
    (made / ".lildata.json").write_text("{}")
    assert course.offer_download([made.parent], "my transfers") is None
    assert str(made.parent) in capsys.readouterr().out
    offered = []
    colab = types.ModuleType("google.colab")
    colab.files = types.SimpleNamespace(download=offered.append)
    monkeypatch.setitem(sys.modules, "google.colab", colab)
    monkeypatch.setattr(setup, "LOCAL_CACHE", str(tmp_path / "content" / "lildata_local"))
    target = course.offer_download([made.parent, tmp_path / "missing"], "my transfers")
    assert offered == [str(target)] and target.name == "my-transfers-" + target.name.split("-")[-1]
    assert zipfile.ZipFile(target).namelist() == ["transfer/modulation/result.wav"]


# Every model of the course, one training step each in mixed precision (as `course.start` sets it on a GPU).
# The classifiers of the registry that train (the recipe and the paper's Lil Data, ResNet50), the
# fitted baselines (built as Keras models under the same policy), and every generator the registry names that
# exists: a name whose notebook is not there yet is skipped, with its reason.

def _classifier_cases() -> list:
    cases = []
    for name in registry.CLASSIFIERS:
        if name == "lildata":
            cases += [pytest.param(name, False, id="lildata-recipe"), pytest.param(name, True, id="lildata-paper")]
        elif name == "resnet50":  # our set-up: its SpecAugment casts masks to the float16 of the policy
            cases.append(pytest.param(name, False, id="resnet50", marks=pytest.mark.slow))  # XLA: a minute on a CPU
        else:
            cases.append(pytest.param(name, False, id=name))
    return cases


def _missing_notebook(description: str) -> str | None:
    """The notebook a registry entry names (``notebook 05c``) when it is not in ``notebooks/``, else ``None``."""
    named = re.findall(r"notebook (\d\d[a-z]?)\b", description)
    return next((n for n in named if not list((ROOT / "notebooks").glob(f"{n}_*.ipynb"))), None)


def _generator_cases() -> list:
    cases = []
    for name, description in registry.GENERATORS.items():
        missing = _missing_notebook(description)
        marks = [pytest.mark.skip(reason=f"the {name!r} generator is registered ({description}) but not implemented "
                                         f"yet: notebook {missing} is not in notebooks/, and build_generator has no "
                                         "model of its own for it")] if missing else []
        cases.append(pytest.param(name, id=name, marks=marks))
    return cases


@pytest.fixture
def mixed_precision(monkeypatch):
    """Keras' mixed_float16 policy, set by ``course.set_precision`` as on a GPU machine; float32 again after."""
    from lildata_utils.course import lab

    devices = lab.tf.config.list_physical_devices
    config = types.SimpleNamespace(list_physical_devices=lambda kind=None: ["GPU:0"] if kind == "GPU"
                                   else devices(kind))
    monkeypatch.setattr(lab, "tf", types.SimpleNamespace(config=config))  # what set_precision counts GPUs with
    assert course.set_precision(True) == "mixed_float16"
    yield
    assert course.set_precision(False) == "float32"


def _batch(data, n: int = 4):
    import numpy as np

    clips = np.array([c.clip for c in data.select("train")][:: max(1, len(data.select("train")) // n)][:n])
    x = np.stack([data.spectrogram(int(c)) for c in clips]).astype("float32")[..., None]
    y = np.array([data.labels.index(data.clips[int(c)].label) for c in clips])
    return clips, x, y


@pytest.mark.train
@pytest.mark.parametrize("name, paper_setup", _classifier_cases())
def test_every_classifier_of_the_course_trains_a_step_in_mixed_precision(name, paper_setup, tiny_prepared,
                                                                         mixed_precision):
    import keras
    import numpy as np

    from lildata_utils.data import PreparedDataset, split_clips
    from lildata_utils.models import classifiers
    from lildata_utils.settings import train_preset

    data = PreparedDataset(tiny_prepared)
    settings = train_preset("tiny", model=name, paper_setup=paper_setup, resnet_weights="none")
    clips, x, y = _batch(data)
    if name in ("softmax", "statistics"):  # fitted by scikit-learn, not trained: the same probabilities as Keras
        from lildata_utils.lessons import classifier as lesson02
        from lildata_utils.models.baselines import features

        splits = split_clips(data, data.labels, settings.split_by)
        model = classifiers.fit_baseline_model(settings, data, splits, data.labels)
        assert model.outputs[0].dtype == "float32", f"{name}: float32 outputs"
        (train, y_train), (val, y_val) = splits["train"], splits["val"]
        fit = lesson02.fit_baseline(features(data, train, name), y_train, features(data, val, name), y_val)
        predicted = np.asarray(model.predict(x, verbose=0))
        assert np.allclose(predicted, fit.predict_proba(features(data, clips, name)), atol=1e-3), name
        return
    model = classifiers.build_classifier(settings, data, data.labels, clips)
    target = keras.utils.to_categorical(y, len(data.labels)) if classifiers.uses_mixup(settings) else y
    loss = model.train_on_batch(x, target)
    loss = loss[0] if isinstance(loss, (list, tuple)) else loss
    assert np.isfinite(loss), name
    assert model.outputs[0].dtype == "float32", f"{name}: float32 outputs"
    assert any(layer.dtype_policy.name == "mixed_float16" for layer in model.layers), f"{name}: trained in float16"
    assert keras.mixed_precision.global_policy().name == "mixed_float16"


@pytest.mark.train
@pytest.mark.parametrize("kind", _generator_cases())
def test_every_generator_of_the_course_trains_a_step_in_mixed_precision(kind, mixed_precision):
    import keras
    import numpy as np

    from lildata_utils.lessons import beat, generators
    from lildata_utils.runs.generator import build_generator
    from lildata_utils.settings import generator_preset

    rng = np.random.default_rng(0)
    frames = rng.random((2, 12, 32)).astype("float32")
    settings = generator_preset("tiny", kind)
    model = build_generator(settings, 32, 12)
    if kind == "paper":
        loss = model.train_on_batch(frames[:, 0], frames[:, 1:])
    else:
        inputs, targets = generators.teacher_forcing(frames, settings.levels)
        if kind in ("beat", "song"):  # the song generator's drums: the beat LSTM (notebook 05c)
            inputs = [inputs, rng.random((2, 11, 2 * len(beat.BEAT_SCALES))).astype("float32")]
        loss = model.train_on_batch(inputs, targets)
    loss = loss[0] if isinstance(loss, (list, tuple)) else loss
    assert np.isfinite(loss), kind
    assert model.outputs[0].dtype == "float32", kind
    assert keras.mixed_precision.global_policy().name == "mixed_float16"
