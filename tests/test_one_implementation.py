"""One implementation: the lesson code of the notebooks is what every command runs.

An edit to a notebook's lesson cell, exported with `make lessons`, changes what the `lildata` command does;
the exported lessons import nothing of the package; the command line and the code read one registry.
"""

from __future__ import annotations

import ast
import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from conftest import load_script

ROOT = Path(__file__).resolve().parents[1]
LEAF_IMPORTS = {"numpy", "scipy", "librosa", "sklearn", "keras", "tensorflow", "__future__", "math"}


def _edited_copy(tmp_path: Path, notebook: str, old: str, new: str) -> Path:
    """A copy of the package with one lesson cell of ``notebook`` edited and exported, as `make lessons` does."""
    copy = tmp_path / "repo"
    for folder in ("lildata_utils", "notebooks", "scripts"):
        shutil.copytree(ROOT / folder, copy / folder, ignore=shutil.ignore_patterns("__pycache__"))
    path = copy / "notebooks" / notebook
    text = path.read_text()
    assert json.dumps(old)[1:-1] in text, f"the lesson cell to edit is not in {notebook}"
    path.write_text(text.replace(json.dumps(old)[1:-1], json.dumps(new)[1:-1]))
    export = load_script("export_lessons")
    export.ROOT = copy
    assert export.main([]) == 0
    return copy


def _lildata(copy: Path | None, *args: str, cwd: Path) -> subprocess.CompletedProcess:
    """`lildata ARGS` run from the package in ``copy`` (the repository's own when ``None``)."""
    where = str(copy or ROOT)
    code = (f"import sys; sys.path.insert(0, {where!r}); import lildata_utils; "
            f"assert lildata_utils.__file__.startswith({where!r}), lildata_utils.__file__; "
            f"from lildata_utils.cli import main; sys.exit(main({list(args)!r}))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=cwd, timeout=900)
    assert done.returncode == 0, done.stderr[-3000:]
    return done


@pytest.fixture(scope="module")
def tiny_pair(tiny_prepared) -> Path:
    return tiny_prepared


@pytest.mark.train
def test_a_zero_gram_matrix_in_notebook_04_gives_the_command_a_style_cost_of_zero(tiny_prepared, tmp_path):
    args = ["transfer", "--data", str(tiny_prepared), "--content", "0", "--style", "7", "--method", "random1d",
            "--iterations", "3"]
    ours = _lildata(None, *args, str(tmp_path / "ours"), cwd=tmp_path)
    assert "style cost 0 " not in ours.stdout and "(style cost 0)" not in ours.stdout
    copy = _edited_copy(tmp_path, "04_genre_transfer.ipynb", "    gram = tf.matmul(flat, flat, transpose_a=True)\n",
                        "    gram = 0.0 * tf.matmul(flat, flat, transpose_a=True)\n")
    assert "0.0 * tf.matmul" in (copy / "lildata_utils" / "lessons" / "style.py").read_text()
    edited = _lildata(copy, *args, str(tmp_path / "edited"), cwd=tmp_path)
    assert "(style cost 0)" in edited.stdout, edited.stdout
    outcome = json.loads((tmp_path / "edited" / "outcome.json").read_text())
    assert max(outcome["losses"]["curve"]["style"]) == 0.0
    normal = json.loads((tmp_path / "ours" / "outcome.json").read_text())
    assert max(normal["losses"]["curve"]["style"]) > 0.0


@pytest.mark.train
def test_a_renamed_layer_in_notebook_05_leaves_lildata_generate_working(tiny_prepared, tmp_path):
    copy = _edited_copy(tmp_path, "05_lstm_generation.ipynb",
                        'x = layers.Dense(units, activation="relu", name="project")(x)',
                        'x = layers.Dense(units, activation="relu", name="into_the_memory")(x)')
    run, out = tmp_path / "gen", tmp_path / "sound"
    _lildata(copy, "train-generator", str(tiny_prepared), str(run), "--model", "autoregressive", "--label", "lofi",
             "--epochs", "1", "--quiet", cwd=tmp_path)
    made = _lildata(copy, "generate", str(run), str(out), "--seconds", "2", cwd=tmp_path)
    assert "generated.wav" in made.stdout
    import keras  # noqa: F401  (registers nothing: the run's model is read with the copy's layers)
    config = (run / "model.keras").read_bytes()
    assert b"into_the_memory" in config, "the run holds the edited network"
    import soundfile as sf

    audio, rate = sf.read(out / "generated.wav")
    assert len(audio) == pytest.approx(2 * rate, rel=0.05) and np.abs(audio).max() > 1e-3


def test_an_edit_to_to_unit_in_notebook_01_changes_what_lildata_prepare_stores(tiny_raw, tmp_path):
    copy = _edited_copy(tmp_path, "01_data_prep.ipynb",
                        "    return (decibels - settings.floor_db) / (settings.ceiling_db - settings.floor_db)\n",
                        "    return 0.5 * (decibels - settings.floor_db) / (settings.ceiling_db - settings.floor_db)\n")
    for where, name in ((None, "ours"), (copy, "edited")):
        _lildata(where, "prepare", str(tiny_raw), str(tmp_path / name), "--preset", "tiny", "--quiet", "--jobs", "1",
                 cwd=tmp_path)
    from lildata_utils.data import PreparedDataset

    ours, edited = PreparedDataset(tmp_path / "ours"), PreparedDataset(tmp_path / "edited")
    a = np.stack([ours.spectrogram(i) for i in range(len(ours))]).astype(np.float32)
    b = np.stack([edited.spectrogram(i) for i in range(len(edited))]).astype(np.float32)
    assert a.max() > 0.8 and b.max() <= 0.5 + 1e-3
    np.testing.assert_allclose(b, 0.5 * a, atol=2e-3)


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            names.add("." if node.level else node.module.split(".")[0])
    return names


def test_the_lessons_are_a_leaf_and_each_block_names_its_cell():
    export = load_script("export_lessons")
    assert export.main(["--check"]) == 0, "run `make lessons`"
    for path in sorted((ROOT / "lildata_utils" / "lessons").glob("*.py")):
        extra = _imports(path) - LEAF_IMPORTS
        assert not extra, f"{path.name} imports {extra}: the lessons import only numpy, scipy, librosa, keras, tf"
        if path.name != "__init__.py":
            text = path.read_text()
            assert text.count("# notebooks/") >= 1 and ", cell " in text, f"{path.name}: no cell named"


def test_an_unexported_notebook_edit_fails_the_check(tmp_path, monkeypatch, capsys):
    export = load_script("export_lessons")
    copy = tmp_path / "repo"
    shutil.copytree(ROOT / "notebooks", copy / "notebooks")
    shutil.copytree(ROOT / "lildata_utils" / "lessons", copy / "lildata_utils" / "lessons")
    path = copy / "notebooks" / "04_genre_transfer.ipynb"
    path.write_text(path.read_text().replace("transpose_a=True)", "transpose_a=True) * 2"))
    monkeypatch.setattr(export, "ROOT", copy)
    assert export.main(["--check"]) == 1
    assert "lessons/style.py differs from notebooks/04_genre_transfer.ipynb" in capsys.readouterr().err


def test_no_twin_of_a_lesson_function_in_the_package():
    """No module outside lessons/ defines a function or class of the same name as a lesson's public one."""
    lesson_names = set()
    for path in (ROOT / "lildata_utils" / "lessons").glob("*.py"):
        tree = ast.parse(path.read_text())
        lesson_names |= {n.name for n in tree.body if isinstance(n, (ast.FunctionDef, ast.ClassDef))
                         and not n.name.startswith("_")}
    twins = []
    for path in (ROOT / "lildata_utils").rglob("*.py"):
        if "lessons" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, (ast.FunctionDef, ast.ClassDef)) and node.name.lstrip("_") in lesson_names:
                twins.append(f"{path.relative_to(ROOT)}: {node.name}")
    assert not twins, twins


def test_one_registry_names_the_models_the_command_line_offers():
    from lildata_utils import registry
    from lildata_utils.cli import build_parser

    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    train = next(a for a in sub.choices["train"]._actions if a.dest == "model")
    generators = next(a for a in sub.choices["train-generator"]._actions if a.dest == "model")
    assert list(train.choices) == list(registry.CLASSIFIERS)
    assert list(generators.choices) == list(registry.GENERATORS)
    assert set(registry.NETS) <= set(registry.TRANSFER_METHODS) and registry.BEST_TRANSFER in registry.TRANSFER_METHODS
    from lildata_utils.lessons import style
    from lildata_utils.models.baselines import BASELINE_FEATURES

    assert registry.NETS == tuple(style.NETS)  # the registry names the lesson's nets (it imports no TensorFlow)
    assert set(BASELINE_FEATURES) == {"softmax", "statistics"} <= set(registry.CLASSIFIERS)


def test_the_package_keeps_its_shape():
    """Imports at module level (one lazy entry for TensorFlow and the deep commands; Colab's own modules where
    they exist), no function over 60
    lines, no module over 500, and the hand-written package (outside lessons/) no larger than it is: 8,313 lines
    before its docstrings were made concise, 7,695 on 2026-12-02, 7,808 on 2026-12-04 (with the song generator's
    choice of epoch and the run folder that every kind of run uses); the bound stops it growing unnoticed."""
    total, long_functions, late_imports = 0, [], []
    allowed_late = {("cli/__init__.py", "_dispatch"), ("course/__init__.py", "__getattr__"),
                    ("course/setup.py", "import_tensorflow")}
    for path in sorted((ROOT / "lildata_utils").rglob("*.py")):
        if "lessons" in path.parts:
            continue
        text = path.read_text()
        lines = text.count("\n")
        name = str(path.relative_to(ROOT / "lildata_utils"))
        assert lines <= 500, f"{name} has {lines} lines"
        total += lines
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                if node.end_lineno - node.lineno + 1 > 60:
                    long_functions.append(f"{name}:{node.name}")
                inner = [n for n in ast.walk(node) if isinstance(n, (ast.Import, ast.ImportFrom))
                         and not (isinstance(n, ast.ImportFrom) and (n.module or "").startswith("google.colab"))]
                if inner and (name, node.name) not in allowed_late:
                    late_imports.append(f"{name}:{node.name}")
    assert not long_functions, long_functions
    assert not late_imports, late_imports
    assert total <= 7810, f"{total} lines outside lessons/, more than the 7,810 of the bound"


def test_streamed_clips_are_the_lessons_cut_into_clips(tmp_path):
    """`lildata prepare` streams long files block by block: it must cut the clips notebook 01 cuts."""
    import soundfile as sf

    from lildata_utils.audio import iter_clips
    from lildata_utils.lessons import spectrograms as lesson01

    signal = np.random.default_rng(0).uniform(-0.5, 0.5, 8000 * 7 + 123).astype(np.float32)
    sf.write(tmp_path / "x.wav", signal, 8000, subtype="FLOAT")
    streamed = list(iter_clips(tmp_path / "x.wav", 8000, 8000))
    cut = lesson01.cut_into_clips(signal, 8000)
    assert [s for s, _ in streamed] == [s for s, _ in cut] == [0, 8000, 16000, 24000, 32000, 40000, 48000]
    for (_, a), (_, b) in zip(streamed, cut):
        np.testing.assert_allclose(a, b, atol=1e-7)


def test_the_stored_form_and_its_inversion_are_the_lessons(music_clips):
    from lildata_utils.audio import audio_to_stored, stored_to_audio
    from lildata_utils.lessons import spectrograms as lesson01
    from lildata_utils.settings import get_preset

    settings = get_preset("classroom")
    clip = music_clips[1][: settings.clip_samples]
    stored = audio_to_stored(clip, settings)
    plain = lesson01.to_unit(lesson01.stft_magnitude(clip, settings), settings)
    assert stored.dtype == np.float16 and np.abs(stored.astype(np.float32) - plain).max() <= 2 ** -11 + 1e-6
    np.testing.assert_array_equal(stored_to_audio(stored, settings, n_iter=8, seed=3),
                                  lesson01.griffin_lim(stored.astype(np.float32), settings, n_iter=8, seed=3))
