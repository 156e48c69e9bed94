"""The lesson lives in the notebooks: one source of truth, twins tested equal, exercises that check."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from conftest import load_script

from lildata_utils import audio, config, exercises, solutions, spectrogram
from lildata_utils.lessons import spectrograms as lesson01

ROOT = Path(__file__).resolve().parents[1]
TINY = config.get_preset("tiny")


def _export_script():
    return load_script("export_lessons")


def test_the_package_holds_exactly_the_notebooks_lesson_code(tmp_path, monkeypatch, capsys):
    export = _export_script()
    assert export.main(["--check"]) == 0, "run `make lessons`"
    for name, (module, _) in export.MODULES.items():
        cells = export.lesson_cells(json.loads((ROOT / "notebooks" / name).read_text()))
        assert cells, f"{name} has no #@save cell"
        assert (ROOT / "lildata_utils" / "lessons" / f"{module}.py").read_text() == export.module_text(name, cells)
    # an edit in a notebook that is not exported makes the check fail
    copy = tmp_path / "repo"
    shutil.copytree(ROOT / "notebooks", copy / "notebooks")
    shutil.copytree(ROOT / "lildata_utils" / "lessons", copy / "lildata_utils" / "lessons")
    path = copy / "notebooks" / "04_genre_transfer.ipynb"
    path.write_text(path.read_text().replace("return gram / tf.cast", "return 2 * gram / tf.cast"))
    monkeypatch.setattr(export, "ROOT", copy)
    assert export.main(["--check"]) == 1
    assert "lessons/style.py differs from notebooks/04_genre_transfer.ipynb" in capsys.readouterr().err


def test_the_fast_stored_form_is_the_notebooks_to_unit(music_clips):
    settings = config.get_preset("paper")
    magnitude = lesson01.stft_magnitude(music_clips[0], settings)
    fast = spectrogram.magnitude_to_stored(magnitude, settings).astype(np.float32)
    plain = lesson01.to_unit(magnitude, settings)
    assert np.abs(fast - plain).max() <= 2 ** -11 + 1e-6, "within float16 rounding"
    assert spectrogram.reference_amplitude(settings) == pytest.approx(settings.n_fft / 4)
    window = np.hanning(settings.n_fft + 1)[:-1]  # the periodic Hann window
    assert lesson01.reference_magnitude(settings) == pytest.approx(window.sum() / 2)


def test_streaming_clips_are_the_notebooks_cut_into_clips(tmp_path):
    import soundfile as sf

    signal = np.random.default_rng(0).uniform(-0.5, 0.5, 8000 * 7 + 123).astype(np.float32)
    sf.write(tmp_path / "x.wav", signal, 8000, subtype="FLOAT")
    streamed = list(audio.iter_clips(tmp_path / "x.wav", 8000, 8000))
    cut = lesson01.cut_into_clips(signal, 8000)
    assert [s for s, _ in streamed] == [s for s, _ in cut] == [0, 8000, 16000, 24000, 32000, 40000, 48000]
    for (_, a), (_, b) in zip(streamed, cut):
        np.testing.assert_allclose(a, b, atol=1e-7)


def test_inversion_is_the_notebooks_griffin_lim(music_clips):
    settings = config.get_preset("classroom")
    stored = spectrogram.audio_to_stored(music_clips[1][: settings.clip_samples], settings)
    np.testing.assert_array_equal(spectrogram.stored_to_audio(stored, settings, n_iter=8, seed=3),
                                  lesson01.griffin_lim(stored.astype(np.float32), settings, n_iter=8, seed=3))


def _contexts():
    import keras

    from lildata_utils.lessons import classifier

    keras.utils.set_random_seed(0)
    model = classifier.lil_data(TINY.shape, 3)
    return {
        "01.1": {}, "01.2": {"to_unit": lesson01.to_unit, "stft_magnitude": lesson01.stft_magnitude, "settings": TINY},
        "01.3": {"measured": {"fast": -28.0, "plain": -21.0}},
        "02.1": {"model": model}, "02.2": {}, "02.3": {"gap": 0.12}, "02.4": {},
        "03.1": {"momentum": 0.99}, "03.2": {"resnet_params": 23_600_000, "lildata_params": 90_000},
        "04.1": {}, "04.2": {"shifted_cost": 0.01, "other_cost": 3.2},
        "04.3": {"passes": {"judges": True, "content": False}},
        "05.1": {"ratios": {0.7: 0.95, 1.0: 1.4}}, "05.2": {"same": True},
        "06.1": {}, "06.2": {},
    }


WRONG = {"01.1": (128, 125), "01.2": -3.0, "01.3": "better", "02.1": 144, "02.2": 0, "02.3": "lower", "02.4": "slow",
         "03.1": 100, "03.2": 2.0, "04.1": lambda f: f @ f.T, "04.2": "shifted", "04.3": "content", "05.1": "down",
         "05.2": "different", "06.1": "yes", "06.2": 5}


def test_every_exercise_says_not_done_right_or_what_is_wrong(capsys):
    contexts = _contexts()
    assert set(contexts) == set(exercises.CHECKS) == set(solutions.SOLUTIONS) == set(WRONG)
    for exercise, context in contexts.items():
        assert exercises.check(exercise, None, **context) is None
        assert "not done yet" in capsys.readouterr().out
        answer = solutions.solution(exercise, **context)
        assert exercises.check(exercise, answer, **context) is True, exercise
        assert "right" in capsys.readouterr().out
        assert exercises.check(exercise, WRONG[exercise], **context) is False, exercise
        said = capsys.readouterr().out
        assert "right" not in said.split(":", 1)[1] and len(said) > 20, (exercise, said)


def _run(notebook: str, tmp_path: Path, edit, parameters: dict) -> dict:
    papermill = pytest.importorskip("papermill")
    source = json.loads((ROOT / "notebooks" / notebook).read_text())
    for cell in source["cells"]:
        text = "".join(cell["source"])
        changed = edit(text)
        if changed != text:
            cell["source"] = changed
            break
    else:
        raise AssertionError("the edit found nothing to change")
    path = tmp_path / notebook
    path.write_text(json.dumps(source))
    out = tmp_path / f"run_{notebook}"
    papermill.execute_notebook(str(path), str(out), parameters={"PRESET": "tiny", "DATA_ROOT": str(tmp_path / "data"),
                                                                "RUNS_ROOT": str(tmp_path / "runs"), **parameters},
                               cwd=str(ROOT / "notebooks"), progress_bar=False, kernel_name="python3")
    return json.loads(out.read_text())


def test_an_edit_to_the_notebooks_network_changes_what_notebook_02_trains(tmp_path):
    from lildata_utils import dataset, models, training

    ran = _run("02_classifier.ipynb", tmp_path,
               lambda text: text.replace("def lil_data(input_shape, n_labels, filters=(16, 32, 64, 64)",
                                         "def lil_data(input_shape, n_labels, filters=(4, 4, 8, 8)"),
               {"EPOCHS": 1})
    printed = "".join("".join(o.get("text", "")) for c in ran["cells"] for o in c.get("outputs", []))
    edited = models.lil_data(TINY.shape, 8, filters=(4, 4, 8, 8)).count_params()
    assert f"{edited:,} weights" in printed
    assert edited != models.lil_data(TINY.shape, 8).count_params()
    run = tmp_path / "runs" / "tiny" / "lildata_8"
    bins = TINY.shape[0]  # the run is the recipe: the edited net with its standardiser and the average spectrum
    recipe = models.lil_data(TINY.shape, 8, filters=(4, 4, 8, 8), standardise=(np.zeros(bins), np.ones(bins)),
                             spectrum=True).count_params()
    assert recipe != models.lil_data(TINY.shape, 8, standardise=(np.zeros(bins), np.ones(bins)), spectrum=True).count_params()
    assert json.loads((run / "config.json").read_text())["parameters"] == recipe, "the run saved is the edited net"
    assert training.finished(run) and dataset.PreparedDataset(tmp_path / "data" / "prepared" / "builtin_tiny")


def test_an_edit_to_the_notebooks_gram_matrix_changes_notebook_04s_result(tmp_path):
    ran = _run("04_genre_transfer.ipynb", tmp_path,
               lambda text: text.replace("    gram = tf.matmul(flat, flat, transpose_a=True)\n",
                                         "    gram = 0.0 * tf.matmul(flat, flat, transpose_a=True)\n"), {})
    assert not [o for c in ran["cells"] for o in c.get("outputs", []) if o.get("output_type") == "error"]
    for net in ("vgg19", "lildata", "random1d"):
        outcome = json.loads((tmp_path / "runs" / "tiny" / "transfer" / net / "outcome.json").read_text())
        assert max(outcome["losses"]["curve"]["style"]) == 0.0, f"{net}: the edited Gram matrix ran"
        assert outcome["log_spectral_distance_db"]["optimised_to_content"] < 1e-6, "nothing moves without a style"
