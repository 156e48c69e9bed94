"""The spectrogram generators: the paper's one-to-many LSTM and the autoregressive one."""

from __future__ import annotations

import json

import numpy as np
import pytest
import soundfile as sf

from lildata_utils import cli, config, generate

TINY = config.get_preset("tiny")


@pytest.fixture(scope="module")
def runs(tiny_prepared, tmp_path_factory):
    root = tmp_path_factory.mktemp("generators")
    out = {}
    for model in generate.GENERATOR_MODELS:
        settings = generate.generator_preset("tiny", model, epochs=4)
        out[model] = (root / model, generate.train_generator(tiny_prepared, root / model, settings, verbose=0))
    return out


def test_the_paper_model_is_one_to_many_with_50_units():
    model = generate.build_generator(generate.generator_preset("paper", "paper", layers=3), 631, 631)
    assert model.input_shape == (None, 631) and model.output_shape == (None, 630, 631)
    lstms = [layer for layer in model.layers if layer.name.startswith("lstm")]
    assert len(lstms) == 3 and all(layer.units == 50 for layer in lstms)


def test_the_autoregressive_model_predicts_levels_of_every_bin():
    settings = generate.generator_preset("tiny", "autoregressive")
    model = generate.build_generator(settings, 128, 65)
    out = model.predict(np.random.default_rng(0).random((2, 7, 128)).astype(np.float32), verbose=0)
    assert out.shape == (2, 7, 128, settings.levels)
    np.testing.assert_allclose(out.sum(-1), 1.0, rtol=1e-5)


def test_quantise_and_level_values_round_trip():
    values = np.linspace(0, 1, 101)
    levels = generate.quantise(values, 16)
    assert levels.min() == 0 and levels.max() == 15
    assert np.abs(generate.level_values(16)[levels] - values).max() <= 1 / 32 + 1e-6


def test_runs_write_their_files_and_measures(runs):
    for model, (run, metrics) in runs.items():
        for name in ("model.keras", "config.json", "history.json", "metrics.json"):
            assert (run / name).stat().st_size > 0, (model, name)
        for key in ("frame_error_teacher_db", "frame_error_free_db", "variance_ratio", "log_spectral_distance_db",
                    "modulation_distance", "modulation_floor", "tempo_in_range"):
            assert np.isfinite(metrics[key]) and metrics[key] >= 0, (model, key)
        assert 0 <= metrics["modulation_distance"] <= 2 and 0 <= metrics["tempo_in_range"] <= 1
        assert -1 <= metrics["beat_strength"] <= 1  # an autocorrelation over its value at lag 0
        history = json.loads((run / "history.json").read_text())
        assert history["loss"][-1] < history["loss"][0], model


def test_the_paper_model_is_over_smoothed(runs):
    """The paper's failure, measured: one frame in and MSE give frames with far too little variance."""
    assert runs["paper"][1]["variance_ratio"] < 0.3
    assert runs["paper"][1]["frame_error_teacher_db"] == runs["paper"][1]["frame_error_free_db"]


def test_sampled_frames_keep_far_more_variance_than_the_papers(runs):
    assert runs["autoregressive"][1]["variance_ratio"] > 3 * runs["paper"][1]["variance_ratio"]


def test_generation_starts_from_the_seed_and_runs_as_long_as_asked(runs):
    generator, _ = generate.load_generator(runs["autoregressive"][0])
    seed = np.random.default_rng(0).random((4, 128)).astype(np.float32)
    made = generate.generate(generator, seed, 100, np.random.default_rng(1))
    assert made.shape == (128, 100)
    np.testing.assert_array_equal(made[:, :4], seed.T)
    assert set(np.unique(made[:, 4:])) <= set(generate.level_values(generator.settings.levels).tolist())
    again = generate.generate(generator, seed, 100, np.random.default_rng(1))
    np.testing.assert_array_equal(made, again)


def test_generate_command_writes_sound_picture_metrics(runs, tmp_path, capsys):
    run = runs["paper"][0]
    assert cli.main(["generate", str(run), "--seconds", "2.5", str(tmp_path / "out")]) == 0
    audio, rate = sf.read(tmp_path / "out" / "generated.wav")
    assert rate == TINY.sample_rate and len(audio) == int(2.5 * TINY.sample_rate)
    assert (tmp_path / "out" / "spectrogram.png").read_bytes()[:4] == b"\x89PNG"
    metrics = json.loads((tmp_path / "out" / "metrics.json").read_text())
    assert metrics["this_sound"]["seconds"] == pytest.approx(2.5)
    assert "variance_ratio" in metrics


def test_train_generator_command_and_its_errors(tiny_prepared, tmp_path, capsys):
    from lildata_utils import training

    training.train(tiny_prepared, tmp_path / "judge", training.train_preset("tiny", model="softmax", epochs=2),
                   verbose=0)
    assert cli.main(["train-generator", str(tiny_prepared), str(tmp_path / "g"), "--model", "paper", "--epochs", "1",
                     "--overfit", "2", "--quiet", "--judge", str(tmp_path / "judge")]) == 0
    config_ = json.loads((tmp_path / "g" / "config.json").read_text())
    assert config_["n_train"] == 2 and config_["generator"]["overfit"] == 2
    metrics = json.loads((tmp_path / "g" / "metrics.json").read_text())
    assert metrics["measured_on"] == "training clips (overfit run)"
    assert 0 <= metrics["judge_probability"] <= 1 and metrics["judged_label"] == "lofi"
    capsys.readouterr()
    assert cli.main(["train-generator", str(tiny_prepared), str(tmp_path / "h"), "--label", "polka"]) == 2
    assert "polka" in capsys.readouterr().err
    assert cli.main(["generate", str(tmp_path / "nothing"), str(tmp_path / "o")]) == 2
    assert "train-generator" in capsys.readouterr().err


def test_a_capped_generator_reads_only_its_clips(tiny_prepared, tmp_path, monkeypatch):
    from lildata_utils import dataset, generate

    read = []
    original = dataset.PreparedDataset.spectrogram
    monkeypatch.setattr(dataset.PreparedDataset, "spectrogram", lambda self, clip: read.append(clip) or original(self, clip))
    data = dataset.PreparedDataset(tiny_prepared)
    train_clips = [c.clip for c in data.clips if c.label == "lofi" and c.split == "train"]
    held_out = [c.clip for c in data.clips if c.label == "lofi" and c.split in ("val", "test")]
    assert len(train_clips) > 3
    settings = generate.generator_preset("tiny", "paper", epochs=1, max_clips=3)
    metrics = generate.train_generator(tiny_prepared, tmp_path / "g", settings, verbose=0)
    assert json.loads((tmp_path / "g" / "config.json").read_text())["n_train"] == 3
    assert set(train_clips[:3]) <= set(read) and not set(train_clips[3:]) & set(read[:3 + len(held_out)])
    assert metrics["variance_ratio"] >= 0
    assert generate.generator_preset("paper", "autoregressive").max_clips == 600
