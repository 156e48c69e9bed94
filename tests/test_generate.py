"""The spectrogram generators: the paper's one-to-many LSTM, the autoregressive one and the beat LSTM.

The tests marked slow share three generators trained and measured at the tiny preset (the ``runs`` fixture)."""

from __future__ import annotations

import json
from dataclasses import asdict, replace

import numpy as np
import pytest
import soundfile as sf

from lildata_utils import cli
from lildata_utils.audio import stored_to_db
from lildata_utils.data import PreparedDataset
from lildata_utils.lessons import beat as lesson05b
from lildata_utils.lessons.generators import level_values, quantise
from lildata_utils.measures import judged
from lildata_utils.runs import generator as gen
from lildata_utils.settings import SpectrogramSettings, generator_preset, get_preset

TINY = get_preset("tiny")
TRAINED = ("paper", "autoregressive", "beat")


@pytest.fixture(scope="module")
def runs(tiny_prepared, tmp_path_factory):
    root = tmp_path_factory.mktemp("generators")
    out = {}
    for model in TRAINED:
        settings = generator_preset("tiny", model, epochs=4)
        out[model] = (root / model, gen.train_generator(tiny_prepared, root / model, settings, verbose=0))
    return out


def test_the_paper_model_is_one_to_many_with_50_units():
    model = gen.build_generator(generator_preset("paper", "paper", layers=3), 631, 631)
    assert model.input_shape == (None, 631) and model.output_shape == (None, 630, 631)
    lstms = [layer for layer in model.layers if layer.name.startswith("lstm")]
    assert len(lstms) == 3 and all(layer.units == 50 for layer in lstms)
    assert model.loss == "mse"


def test_the_autoregressive_model_predicts_levels_of_every_bin():
    settings = generator_preset("tiny", "autoregressive")
    model = gen.build_generator(settings, 128, 65)
    out = model.predict(np.random.default_rng(0).random((2, 7, 128)).astype(np.float32), verbose=0)
    assert out.shape == (2, 7, 128, settings.levels)
    np.testing.assert_allclose(out.sum(-1), 1.0, rtol=1e-5)
    assert model.loss == "sparse_categorical_crossentropy"


def test_quantise_and_level_values_round_trip():
    values = np.linspace(0, 1, 101)
    levels = quantise(values, 16)
    assert levels.min() == 0 and levels.max() == 15
    assert np.abs(level_values(16)[levels] - values).max() <= 1 / 32 + 1e-6


@pytest.mark.slow
def test_runs_write_their_files_and_measures(runs, tiny_prepared):
    tiny = PreparedDataset(tiny_prepared)
    for model, (run, metrics) in runs.items():
        for name in ("model.keras", "config.json", "history.json", "metrics.json"):
            assert (run / name).stat().st_size > 0, (model, name)
        for key in ("frame_error_teacher_db", "frame_error_free_db", "variance_ratio", "log_spectral_distance_db",
                    "modulation_distance", "modulation_floor", "tempo_in_range"):
            assert np.isfinite(metrics[key]) and metrics[key] >= 0, (model, key)
        assert 0 <= metrics["modulation_distance"] <= 2 and 0 <= metrics["tempo_in_range"] <= 1
        assert -1 <= metrics["beat_strength"] <= 1  # an autocorrelation over its value at lag 0
        song = metrics["song_measures"]  # notebook 05c's: sounds of 20 s, or as long as the held-out songs
        held_out = {c.song for c in tiny.clips if c.label == "lofi" and c.split in gen.HELD_OUT}
        assert song["n_sounds"] == min(16, 4 * len(held_out)) and 2.5 <= song["seconds"] <= 20.1, model
        for key in ("harmonic_ratio", "nearest_ratio", "piece_nearest_ratio", "change_ratio", "tempo_in_range"):
            assert np.isfinite(song[key]) and song[key] >= 0, (model, key)
        assert song["nearest_ratio"] > 0.3 and song["piece_nearest_ratio"] > 0.3, model  # no copy of training
        history = json.loads((run / "history.json").read_text())
        assert history["loss"][-1] < history["loss"][0], model
        assert gen.finished(run) and json.loads((run / "config.json").read_text())["generator"]["model"] == model


@pytest.mark.slow
def test_the_paper_model_is_over_smoothed(runs):
    """The paper's failure, measured: one frame in and MSE give frames with far too little variance."""
    assert runs["paper"][1]["variance_ratio"] < 0.3
    assert runs["paper"][1]["frame_error_teacher_db"] == runs["paper"][1]["frame_error_free_db"]


@pytest.mark.slow
def test_sampled_frames_keep_far_more_variance_than_the_papers(runs):
    assert runs["autoregressive"][1]["variance_ratio"] > 3 * runs["paper"][1]["variance_ratio"]


@pytest.mark.slow
def test_generation_starts_from_the_seed_and_runs_as_long_as_asked(runs):
    generator, _ = gen.load_generator(runs["autoregressive"][0])
    seed = np.random.default_rng(0).random((4, 128)).astype(np.float32)
    made = gen.generate(generator, seed, 100, np.random.default_rng(1))
    assert made.shape == (128, 100)
    np.testing.assert_array_equal(made[:, :4], seed.T)
    assert set(np.unique(made[:, 4:])) <= set(level_values(generator.settings.levels).tolist())
    again = gen.generate(generator, seed, 100, np.random.default_rng(1))
    np.testing.assert_array_equal(made, again)
    assert not np.array_equal(made, gen.generate(generator, seed, 100, np.random.default_rng(2)))


@pytest.mark.slow
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
    from lildata_utils.runs import classifier
    from lildata_utils.settings import train_preset

    classifier.train(tiny_prepared, tmp_path / "judge", train_preset("tiny", model="softmax", epochs=2), verbose=0)
    assert cli.main(["train-generator", str(tiny_prepared), str(tmp_path / "g"), "--model", "paper", "--epochs", "1",
                     "--overfit", "2", "--quiet", "--judge", str(tmp_path / "judge")]) == 0
    config_ = json.loads((tmp_path / "g" / "config.json").read_text())
    assert config_["n_train"] == 2 and config_["generator"]["overfit"] == 2
    assert config_["generator"]["label"] == "lofi"  # the genre the judge was asked about
    metrics = json.loads((tmp_path / "g" / "metrics.json").read_text())
    assert metrics["measured_on"] == "training clips (overfit run)"
    assert 0 <= metrics["judge_probability"] <= 1
    capsys.readouterr()
    assert cli.main(["train-generator", str(tiny_prepared), str(tmp_path / "h"), "--label", "polka"]) == 2
    assert "polka" in capsys.readouterr().err
    assert cli.main(["generate", str(tmp_path / "nothing"), str(tmp_path / "o")]) == 2
    assert "train-generator" in capsys.readouterr().err


def test_a_capped_generator_reads_only_its_clips(tiny_prepared, tmp_path, monkeypatch):
    from lildata_utils.data import PreparedDataset

    read = []
    original = PreparedDataset.spectrogram
    monkeypatch.setattr(PreparedDataset, "spectrogram", lambda self, clip: read.append(clip) or original(self, clip))
    data = PreparedDataset(tiny_prepared)
    train_clips = [c.clip for c in data.clips if c.label == "lofi" and c.split == "train"]
    held_out = [c.clip for c in data.clips if c.label == "lofi" and c.split in ("val", "test")]
    assert len(train_clips) > 3
    settings = generator_preset("tiny", "paper", epochs=1, max_clips=3)
    metrics = gen.train_generator(tiny_prepared, tmp_path / "g", settings, verbose=0)
    assert json.loads((tmp_path / "g" / "config.json").read_text())["n_train"] == 3
    assert set(train_clips[:3]) <= set(read) and not set(train_clips[3:]) & set(read[:3 + len(held_out)])
    assert metrics["variance_ratio"] >= 0
    assert generator_preset("paper", "autoregressive").max_clips == 600


def _click_track(n_frames: int, period: float, offset: float, n_bins: int = 128) -> np.ndarray:
    """Stored frames ``(bins, frames)``: a quiet floor with a broadband click every ``period`` frames."""
    stored = np.full((n_bins, n_frames), 0.2, np.float32)
    for frame in np.arange(offset, n_frames, period):
        stored[:, int(round(frame))] = 0.9
    return stored


def test_the_beat_grid_finds_the_clicks_of_a_click_track():
    settings = get_preset("classroom")
    frame_rate = settings.sample_rate / settings.hop_length
    period = frame_rate * 60 / 120  # 120 BPM
    clicks = _click_track(settings.n_frames, period, 7, settings.n_bins)
    first, per_beat = lesson05b.beat_grid(stored_to_db(clicks, settings), settings.sample_rate, settings.hop_length)
    assert min(abs(per_beat - period * f) for f in (0.5, 1, 2)) < 0.05 * period
    on_grid = (7 - first) / per_beat  # a click sits on a beat of the grid, within a tenth of a beat
    assert abs(on_grid - round(on_grid)) < 0.1


def test_the_beat_phase_is_one_cycle_per_beat_at_scale_one():
    phase = lesson05b.beat_phase(100, (3.0, 10.0))
    assert phase.shape == (100, 2 * len(lesson05b.BEAT_SCALES))
    k = lesson05b.BEAT_SCALES.index(1.0)
    cosine = phase[:, 2 * k + 1]
    np.testing.assert_allclose(cosine[3::10], 1.0, atol=1e-5)  # every beat: cos 0
    np.testing.assert_allclose(cosine[8::10], -1.0, atol=1e-5)  # half-way: cos pi


def test_sampling_spread_zero_gives_each_bins_median():
    probs = np.array([[0.1, 0.2, 0.4, 0.3], [0.6, 0.2, 0.1, 0.1], [0.0, 0.0, 0.2, 0.8]])
    medians = level_values(4)[[2, 0, 3]]
    for seed in range(5):
        np.testing.assert_array_equal(lesson05b.sample_near_median(probs, np.random.default_rng(seed), 1.0, 0.0),
                                      medians)
    draws = np.stack([lesson05b.sample_near_median(probs, np.random.default_rng(s), 1.0, 1.0) for s in range(200)])
    assert len(np.unique(draws[:, 0])) == 4  # spread 1: the whole distribution


@pytest.mark.parametrize("model", ["autoregressive", "beat"])
def test_the_one_frame_step_matches_the_whole_model(model):
    """Generation runs the LSTM one frame at a time: it must give what the trained model gives."""
    settings = generator_preset("tiny", model)
    whole_model = gen.build_generator(settings, 32, 40)
    rng = np.random.default_rng(0)
    frames = rng.random((1, 12, 32)).astype(np.float32)
    phase = lesson05b.beat_phase(13, (0.0, 6.0))[None, 1:]
    inputs = [frames, phase] if model == "beat" else frames
    whole = np.asarray(whole_model(inputs, training=False))[0]
    assert whole.shape == (12, 32, settings.levels)
    np.testing.assert_allclose(whole.sum(-1), 1.0, rtol=1e-5)
    spectrogram = SpectrogramSettings(name="test", sample_rate=8000, clip_seconds=1.0, n_fft=62, hop_length=50)
    assert spectrogram.n_bins == 32
    generator = gen.Generator(whole_model, settings, spectrogram)
    for _ in range(2):  # a second sound starts from a fresh state, not where the first one stopped
        step = gen.stepper(generator)
        for t in range(12):
            x = np.concatenate([frames[0, t], phase[0, t]]) if model == "beat" else frames[0, t]
            np.testing.assert_allclose(step(x), whole[t], atol=1e-4)


@pytest.mark.slow
def test_the_beat_model_needs_a_grid_and_keeps_its_seed(runs):
    generator, _ = gen.load_generator(runs["beat"][0])
    seed = np.random.default_rng(0).random((4, 128)).astype(np.float32)
    with pytest.raises(ValueError, match="beat grid"):
        gen.generate(generator, seed, 50, np.random.default_rng(1))
    clip = _click_track(TINY.n_frames, 9.0, 2.0, TINY.n_bins)
    made = gen.generate(generator, seed, 50, np.random.default_rng(1), grid_of=clip)
    assert made.shape == (128, 50)
    np.testing.assert_array_equal(made[:, :4], seed.T)
    assert set(np.unique(made[:, 4:])) <= set(level_values(generator.settings.levels).tolist())


@pytest.mark.slow
def test_generate_with_the_beat_model_reports_the_tempo_of_the_whole_sound(runs, tmp_path):
    result = gen.generate_sound(runs["beat"][0], tmp_path / "out", seconds=4.0)
    sound = result["metrics"]["this_sound"]
    assert sound["tempo_bpm"] >= 0 and isinstance(sound["tempo_in_range"], bool)
    assert all(0 <= t <= 4.0 for t in sound["beat_times"])
    assert json.loads((tmp_path / "out" / "metrics.json").read_text())["this_sound"]["beat_times"] == sound["beat_times"]
    assert result["stored"].shape[1] == int(round(4.0 * TINY.sample_rate / TINY.hop_length)) + 1


def test_real_seeds_score_the_frechet_floor_exactly(tiny_prepared):
    """Generated and seeding clips are each compared with the same other real clips: the seeds themselves
    score the floor."""
    import keras

    from lildata_utils.data import PreparedDataset

    data = PreparedDataset(tiny_prepared)
    real = np.stack([data.spectrogram(c.clip) for c in data.clips[:12]]).astype(np.float32)

    inputs = keras.Input((*real.shape[1:], 1))
    x = keras.layers.Dense(3, name="embedding")(keras.layers.GlobalAveragePooling2D()(inputs))
    model = keras.Model(inputs, keras.layers.Dense(2, activation="softmax", name="genres")(x))
    out = judged.music_measures(real[:5], real[:5], real, TINY, "noise", judge=(model, {"labels": ["a", "b"]}))
    assert out["frechet_distance"] == pytest.approx(out["frechet_floor"])
    other = judged.music_measures(real[5:10], real[:5], real, TINY, "noise", judge=(model, {"labels": ["a", "b"]}))
    assert other["frechet_floor"] == pytest.approx(out["frechet_floor"])
    assert other["frechet_distance"] != pytest.approx(out["frechet_distance"])


def test_the_beat_lstm_is_the_default_generator_and_samples_nearer_the_median():
    assert cli.build_parser().parse_args(["train-generator", "d", "r"]).model == "beat"
    for preset in ("tiny", "classroom", "paper"):
        beat = generator_preset(preset, "beat")
        assert beat.model == "beat" and beat.batch_size == 4 and 0 < beat.spread < 1
    assert generator_preset("paper", "beat").max_clips == 600


@pytest.mark.slow
def test_the_autoregressive_model_draws_uniformly_whatever_the_spread(runs):
    """The spread is the beat LSTM's: the autoregressive generator keeps notebook 05's uniform draw."""
    generator, _ = gen.load_generator(runs["autoregressive"][0])
    seed = np.random.default_rng(0).random((4, 128)).astype(np.float32)
    made = gen.generate(generator, seed, 30, np.random.default_rng(5))
    narrow = gen.Generator(generator.keras_model, replace(generator.settings, spread=0.0), generator.spectrogram)
    np.testing.assert_array_equal(gen.generate(narrow, seed, 30, np.random.default_rng(5)), made)


def test_keep_best_leaves_the_weights_of_the_best_scored_epoch():
    import keras

    from lildata_utils.runs.backup import KeepBest

    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
    model.compile(optimizer=keras.optimizers.SGD(0.1), loss="mse")
    seen, planned = {}, iter([3.0, 1.0, 2.0])  # epochs 1, 3 and 4 are scored; 3 is the best

    def score():
        weights = model.get_weights()
        seen[len(seen)] = [w.copy() for w in weights]
        return next(planned)
    keep = KeepBest(score, [1, 3, 4])
    x = np.random.default_rng(0).normal(size=(32, 3)).astype(np.float32)
    model.fit(x, x[:, :2] * 2, epochs=5, verbose=0, callbacks=[keep])
    assert keep.chosen == 3 and keep.scores == {1: 3.0, 3: 1.0, 4: 2.0}
    for kept, best in zip(model.get_weights(), seen[1]):  # the weights scored at epoch 3, not those of epoch 5
        np.testing.assert_array_equal(kept, best)
    assert not np.array_equal(seen[1][0], seen[2][0])  # the weights did move after it


@pytest.mark.slow
def test_ensure_generator_moves_a_run_of_other_settings_aside_and_trains_anew(runs, tiny_prepared, tmp_path, capsys):
    import shutil

    run = tmp_path / "generator"
    shutil.copytree(runs["autoregressive"][0], run)
    before = json.loads((run / "config.json").read_text())["generator"]
    other = generator_preset("tiny", "autoregressive", epochs=1)
    metrics = gen.ensure_generator(tiny_prepared, run, other, verbose=0)
    kept = [p for p in tmp_path.iterdir() if p.name.startswith("generator.old-")]
    assert len(kept) == 1 and "kept as generator.old-" in capsys.readouterr().out
    assert json.loads((kept[0] / "config.json").read_text())["generator"] == before  # the old run, whole
    assert (kept[0] / "model.keras").is_file() and metrics["epochs"] == 1
    assert not (kept[0] / ".lildata.lock.holder").exists()  # the lock's note of its holder went with the lock
    assert json.loads((run / "config.json").read_text())["generator"]["epochs"] == 1
    assert gen.ensure_generator(tiny_prepared, run, other, verbose=0) == gen.read_metrics(run)  # now reused
    assert len([p for p in tmp_path.iterdir() if p.name.startswith("generator.old-")]) == 1


def test_a_finished_song_run_without_a_chosen_epoch_is_not_the_same_run():
    settings = generator_preset("tiny", "song")
    config = {"generator": json.loads(json.dumps(asdict(settings))), "finished": True}
    assert not gen._same(config, settings)  # trained before the choice: set aside by ensure_generator
    assert gen._same({**config, "chosen_epoch": None}, settings)  # no validation songs to choose by
    assert gen._same({**config, "finished": False}, settings)  # killed: trained again in place
    beat = generator_preset("tiny", "beat")
    assert gen._same({"generator": json.loads(json.dumps(asdict(beat))), "finished": True}, beat)
