"""Genre transfer: the paper's costs, a compiled step that converges, files and measures."""

from __future__ import annotations

import json

import keras
import numpy as np
import pytest
import soundfile as sf
import tensorflow as tf

from lildata_utils import cli
from lildata_utils.audio import audio_to_stored
from lildata_utils.course import report
from lildata_utils.lessons import style as lesson
from lildata_utils.lessons import style_time as lesson_time
from lildata_utils.lessons.classifier import lil_data
from lildata_utils.measures import judged, spectral
from lildata_utils.registry import BEST_TRANSFER
from lildata_utils.runs import transfer
from lildata_utils.settings import get_preset

TINY = get_preset("tiny")


@pytest.fixture(scope="module")
def clips(tiny_raw):
    content = transfer.load_sound_clip(str(tiny_raw / "lofi" / "lofi_000.wav"), TINY, offset_seconds=1.0)
    style = transfer.load_sound_clip(str(tiny_raw / "noise" / "noise_000.wav"), TINY, offset_seconds=1.0)
    return content, style


def test_the_papers_settings_are_the_defaults():
    vgg = transfer.transfer_settings("vgg19")
    assert vgg.style_layers == ("block1_conv1", "block2_conv1", "block3_conv1", "block4_conv1")
    assert vgg.style_weights == (0.3, 0.4, 0.2, 0.1) and vgg.content_layer == "block5_conv1"
    assert (vgg.alpha, vgg.beta, vgg.iterations) == (100, 1000, 100)
    lil = transfer.transfer_settings("lildata")
    assert lil.style_layers == ("conv1", "conv2", "conv3", "conv4") and lil.content_layer == "conv4"
    assert (lil.alpha, lil.beta, lil.iterations) == (50, 500, 500)
    ulyanov = transfer.transfer_settings("random1d", iterations=None)
    assert (ulyanov.filters, ulyanov.width, ulyanov.alpha) == (4096, 11, 2e-2)  # Ulyanov's 1e-2 on sum, not 1/2 sum
    with pytest.raises(ValueError, match="unknown method"):
        transfer.transfer_settings("vgg16")
    assert transfer.transfer_settings("best").net == BEST_TRANSFER == "modulation"
    assert transfer.transfer_settings("modulation").iterations == 0


def test_style_and_content_costs_follow_the_formulas(clips):
    content, style = clips
    keras.utils.set_random_seed(0)
    classifier = lil_data(TINY.shape, 3)
    settings = transfer.transfer_settings("lildata")
    extractor = transfer.feature_extractor(settings, TINY.shape, classifier)
    as_image = lambda s: tf.constant(np.asarray(s, np.float32)[None, ..., None])  # noqa: E731
    variable = tf.Variable(as_image(content.stored))
    _, costs = lesson.make_step(extractor, variable, as_image(content.stored), as_image(style.stored), settings)
    image = np.clip(content.stored + 0.05 * np.random.default_rng(1).standard_normal(content.stored.shape), 0, 1)
    total, content_cost, style_cost = (float(v) for v in costs(image[None, ..., None].astype(np.float32)))
    generated = [np.asarray(f) for f in extractor(image[None, ..., None].astype(np.float32))]
    target = [np.asarray(f) for f in extractor(style.stored[None, ..., None])]
    expected_style = 0.0
    for weight, g, s in zip(settings.style_weights, generated[:4], target[:4]):
        _, h, w, c = g.shape
        gram_g, gram_s = (x.reshape(-1, c).T @ x.reshape(-1, c) for x in (g, s))
        expected_style += weight * ((gram_s - gram_g) ** 2).sum() / (2 * h * w * c) ** 2
    expected_content = 0.5 * ((np.asarray(extractor(content.stored[None, ..., None])[4]) - generated[4]) ** 2).sum()
    assert style_cost == pytest.approx(expected_style, rel=1e-3)
    assert content_cost == pytest.approx(expected_content, rel=1e-3)
    assert total == pytest.approx(50 * expected_content + 500 * expected_style, rel=1e-3)


def test_random1d_moves_towards_the_style_in_one_compiled_step(clips):
    content, style = clips
    settings = transfer.transfer_settings("random1d", filters=256, iterations=40, learning_rate=0.02)
    extractor = lesson.random_1d_net(TINY.shape, settings.filters, settings.width, settings.seed)
    as_image = lambda s: tf.constant(np.asarray(s, np.float32)[None, ..., None])  # noqa: E731
    # `lildata transfer --method random1d` uses the lesson's net itself, with the same random weights
    used = transfer.feature_extractor(settings, TINY.shape)
    np.testing.assert_array_equal(np.asarray(used(as_image(style.stored))[0]),
                                  np.asarray(extractor(as_image(style.stored))[0]))
    assert [type(layer) for layer in used.layers] == [type(layer) for layer in extractor.layers]
    variable = tf.Variable(as_image(content.stored))
    step, _ = lesson.make_step(extractor, variable, as_image(content.stored), as_image(style.stored), settings)
    for _ in range(3):
        step()
    assert step.experimental_get_tracing_count() == 1, "the step must not retrace"
    result, losses = lesson.style_transfer(extractor, content.stored, style.stored, settings)
    assert losses["content"][0] == pytest.approx(0.0, abs=1e-6), "starts from the content"
    assert losses["style"][-1] < 0.3 * losses["style"][0]
    assert result.min() >= 0 and result.max() <= 1
    to_style = lambda s: float(np.abs(s.mean(1) - style.stored.mean(1)).mean())  # noqa: E731
    assert to_style(result) < 0.7 * to_style(content.stored)


def test_genre_transfer_writes_sounds_picture_and_outcome(clips, tmp_path, tiny_prepared):
    from lildata_utils.runs import classifier
    from lildata_utils.settings import train_preset

    content, style = clips
    judge_run = tmp_path / "judge"
    classifier.train(tiny_prepared, judge_run, train_preset("tiny", model="softmax", epochs=5), verbose=0)
    judge = classifier.load_run(judge_run)
    settings = transfer.transfer_settings("random1d", filters=128, iterations=5)
    transfer.genre_transfer(content, style, TINY, settings, tmp_path / "out", judge=judge, style_genre="noise")
    for name in ("content", "style", "control", "result"):
        audio, rate = sf.read(tmp_path / "out" / f"{name}.wav")
        assert rate == TINY.sample_rate and len(audio) == TINY.clip_samples, name
    assert (tmp_path / "out" / "spectrograms.png").read_bytes()[:4] == b"\x89PNG"
    saved = json.loads((tmp_path / "out" / "outcome.json").read_text())
    assert saved["losses"]["end"]["style"] < saved["losses"]["start"]["style"]
    assert len(saved["losses"]["curve"]["total"]) == 6
    assert set(saved["judge"]["probability"]) == {"style", "content", "control", "result"}
    assert all(0 <= p <= 1 for p in saved["judge"]["probability"].values())
    distance = saved["log_spectral_distance_db"]
    assert distance["control_to_content"] < distance["content_to_style"]
    assert set(saved["brightness"]["result"]) == {"centroid_hz", "low_db", "mid_db", "high_db"}
    assert not list((tmp_path / "out").glob(".*tmp"))


def test_vgg19_loads_a_local_weights_file(tmp_path):
    keras.utils.set_random_seed(4)
    vgg = keras.applications.VGG19(include_top=False, weights=None, input_shape=(*TINY.shape, 3))
    path = tmp_path / "vgg19.weights.h5"
    vgg.save_weights(path)
    loaded = transfer.feature_extractor(transfer.transfer_settings("vgg19", vgg_weights=str(path), seed=9), TINY.shape)
    fresh = transfer.feature_extractor(transfer.transfer_settings("vgg19", vgg_weights="none", seed=9), TINY.shape)
    assert loaded.weights_source == str(path) and fresh.weights_source == "random"
    for name in ("block1_conv1", "block4_conv1", "block5_conv1"):
        saved = vgg.get_layer(name).get_weights()[0]
        np.testing.assert_array_equal(loaded.get_layer(index=-1).get_layer(name).get_weights()[0], saved)
        assert not np.array_equal(fresh.get_layer(index=-1).get_layer(name).get_weights()[0], saved)


def test_transfer_command_on_audio_files(tiny_raw, tmp_path, capsys):
    code = cli.main(["transfer", "--content", str(tiny_raw / "lofi" / "lofi_001.wav"), "--style",
                     str(tiny_raw / "house" / "house_001.wav"), "--net", "vgg19", "--vgg-weights", "none",
                     "--preset", "tiny", "--iterations", "3", str(tmp_path / "out")])
    assert code == 0, capsys.readouterr().err
    outcome = json.loads((tmp_path / "out" / "outcome.json").read_text())
    assert outcome["net"] == "vgg19" and outcome["weights"] == "random"
    assert outcome["settings"]["iterations"] == 3 and outcome["spectrogram"]["name"] == "tiny"
    code = cli.main(["transfer", "--content", str(tiny_raw / "lofi" / "lofi_001.wav"), "--style",
                     str(tiny_raw / "house" / "house_001.wav"), "--method", "statistics", "--preset", "tiny",
                     str(tmp_path / "closed")])
    assert code == 0, capsys.readouterr().err
    outcome = json.loads((tmp_path / "closed" / "outcome.json").read_text())
    assert outcome["net"] == "statistics" and outcome["losses"] is None and outcome["settings"]["iterations"] == 0
    assert (tmp_path / "closed" / "result.wav").exists() and "statistics: closed form" in capsys.readouterr().out


@pytest.mark.parametrize("argv, says", [
    (["--net", "lildata"], "lildata:RUN_DIR"),
    (["--net", "random1d", "--content", "missing.wav"], "missing.wav"),
    (["--net", "vgg19", "--vgg-weights", "nowhere.h5"], "nowhere.h5"),
    (["--method", "vgg16"], "unknown method 'vgg16'"),
    (["--method", "modulation", "--style", "missing.wav"], "missing.wav"),
])
def test_transfer_command_errors_are_one_clear_line(argv, says, tiny_raw, tmp_path, capsys):
    song = str(tiny_raw / "lofi" / "lofi_000.wav")
    base = {"--content": song, "--style": song, "--preset": "tiny", "--iterations": "1"}
    for flag, value in zip(argv[::2], argv[1::2]):
        base[flag] = value
    args = ["transfer"] + [x for kv in base.items() for x in kv] + [str(tmp_path / "out")]
    assert cli.main(args) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and says in err[0]
    assert not (tmp_path / "out").exists()


def test_brightness_measures():
    stored = np.zeros(TINY.shape, np.float32)
    stored[-20:] = 0.9  # only high frequencies
    assert spectral.spectral_centroid_hz(stored, TINY) > 0.8 * TINY.sample_rate / 2
    levels = spectral.band_levels(stored, TINY)
    assert levels["high_db"] > levels["low_db"]
    assert audio_to_stored(np.zeros(TINY.clip_samples, np.float32), TINY).max() == 0


def _pulses(period: int, level: float, frames: int = 64, bins: int = 40, phase: int = 0) -> np.ndarray:
    """Every bin at `level`, with a hit of +0.2 every `period` frames from `phase` on: values in (0, 1)."""
    stored = np.full((bins, frames), level, np.float32)
    stored[:, phase::period] += 0.2
    return stored


def test_matching_statistics_gives_each_bin_the_styles_mean_and_spread():
    rng = np.random.default_rng(0)
    content = np.clip(0.5 + 0.05 * rng.standard_normal((30, 80)), 0, 1).astype(np.float32)
    style = (np.linspace(0.3, 0.7, 30)[:, None] + 0.04 * rng.standard_normal((30, 80))).astype(np.float32)
    moved = lesson_time.match_statistics(content, style)
    np.testing.assert_allclose(moved.mean(1), style.mean(1), atol=1e-3)
    np.testing.assert_allclose(moved.std(1), style.std(1), rtol=0.02)
    standard = lambda s: (s - s.mean(1, keepdims=True)) / s.std(1, keepdims=True)  # noqa: E731
    np.testing.assert_allclose(standard(moved), standard(content), atol=1e-2)  # the content's course over time


def test_modulation_transfer_takes_the_styles_rates_at_the_contents_moments():
    content, style = _pulses(8, 0.3, phase=3), _pulses(4, 0.5)  # hits every 8 frames from frame 3; every 4 from 0
    moved = lesson_time.modulation_transfer(content, style, envelope_bins=0)
    rates = lambda s: np.abs(np.fft.rfft(s, axis=1))  # noqa: E731
    np.testing.assert_allclose(rates(moved), rates(style), atol=1e-4)  # the style's modulation spectrum, mean included
    assert moved.mean() == pytest.approx(style.mean(), abs=1e-4)
    # its hits are where the content's are: the style's 4-frame pulse, in the content's phase (frames 3, 7, 11, ...)
    loudest = np.sort(np.argsort(moved.mean(0))[-16:])
    np.testing.assert_array_equal(loudest, np.arange(3, 64, 4))


def test_modulation_transfer_on_the_envelope_keeps_the_contents_notes():
    bins, frames = 64, 48
    content = np.full((bins, frames), 0.2, np.float32)
    content[20] = content[40] = 0.7  # two partials: the notes
    style = np.clip(0.45 + 0.1 * np.sin(np.arange(frames) / 2)[None] + 0 * np.arange(bins)[:, None], 0, 1)
    moved = lesson_time.modulation_transfer(content, style.astype(np.float32), envelope_bins=3.0)
    mid = moved[:, frames // 2]
    peaks = {int(b) for b in np.argsort(mid)[-2:]}
    assert peaks == {20, 40}, "the partials stay where they were"
    assert abs(np.median(moved) - np.median(style)) < abs(np.median(content) - np.median(style)) / 3  # the level moves
    whole = lesson_time.modulation_transfer(content, style.astype(np.float32), envelope_bins=0)
    assert whole[20].mean() == pytest.approx(style[20].mean(), abs=1e-3)  # no envelope: the partials go too


def test_content_measures_hear_notes_and_hits_not_loudness():
    rng = np.random.default_rng(3)
    stored = np.full(TINY.shape, 0.2, np.float32)
    stored[12::12] += 0.5 * rng.random((len(range(12, TINY.n_bins, 12)), 1)).astype(np.float32)  # a few partials
    stored[:, ::9] += 0.15  # hits every 9 frames
    stored = np.clip(stored, 0, 1)
    louder = np.clip(stored + 0.1, 0, 1)
    other_notes = np.roll(stored, 5, axis=0)
    later = np.roll(stored, 4, axis=1)
    assert spectral.chroma_distance_db(stored, stored, TINY) == 0.0
    assert spectral.chroma_distance_db(stored, louder, TINY) < 0.2 * spectral.chroma_distance_db(stored, other_notes, TINY)
    assert spectral.onset_distance(stored, stored, TINY) == 0.0
    assert spectral.onset_distance(stored, louder, TINY) < 0.2 * spectral.onset_distance(stored, later, TINY)


def test_the_grid_pairs_test_songs_of_different_genres(tiny_prepared):
    from lildata_utils.data import PreparedDataset

    data = PreparedDataset(tiny_prepared)
    grid = judged.grid_of_pairs(data, 4, seed=0)
    assert grid == judged.grid_of_pairs(data, 4, seed=0) and grid != judged.grid_of_pairs(data, 4, seed=1)
    clip = {c.clip: c for c in data.clips}
    genres = [(clip[a].label, clip[b].label) for a, b in grid]
    assert all(a != b for a, b in genres) and len(set(genres)) == len(genres) == 4
    assert all(clip[a].split == clip[b].split == "test" for a, b in grid)
    content, style = transfer.middle_test_clip(data, "lofi"), transfer.middle_test_clip(data, "noise")
    assert (clip[content].label, clip[style].label) == ("lofi", "noise")
    assert clip[content].split == clip[style].split == "test"
    lofi = [c.clip for c in data.select("test", ["lofi"])]
    assert content == lofi[len(lofi) // 2]


def test_best_method_from_the_command_line_with_two_judges(tiny_prepared, tmp_path, capsys):
    from lildata_utils.data import PreparedDataset
    from lildata_utils.runs import classifier
    from lildata_utils.settings import train_preset

    data = PreparedDataset(tiny_prepared)
    judges = []
    for name, model in (("lil", "lildata"), ("soft", "softmax")):
        classifier.train(tiny_prepared, tmp_path / name, train_preset("tiny", model=model, epochs=2), verbose=0)
        judges.append(str(tmp_path / name))
    content, style = transfer.middle_test_clip(data, "lofi"), transfer.middle_test_clip(data, "noise")
    code = cli.main(["transfer", "--data", str(tiny_prepared), "--content", str(content), "--style", str(style),
                     "--method", "best", "--judge", judges[0], "--second-judge", judges[1], str(tmp_path / "out")])
    assert code == 0, capsys.readouterr().err
    printed = capsys.readouterr().out
    assert "modulation: closed form" in printed and "second judge: P(noise)" in printed
    outcome = json.loads((tmp_path / "out" / "outcome.json").read_text())
    assert outcome["net"] == "modulation" and outcome["losses"] is None
    assert outcome["judge"]["style_genre"] == outcome["second_judge"]["style_genre"] == "noise"
    assert outcome["second_judge"]["model"] == "softmax"
    kept = outcome["content_measures"]
    assert kept["onsets"]["result_to_content"] < kept["onsets"]["result_to_style"]  # the content's hits stay
    assert kept["chroma_db"]["control_to_content"] < kept["chroma_db"]["content_to_style"]
    assert outcome["log_spectral_distance_db"]["result_to_style"] < outcome["log_spectral_distance_db"]["content_to_style"]
    assert cli.main(["transfer", "--data", str(tiny_prepared), "--content", str(content), "--style", str(style),
                     "--method", "vgg19", "--envelope-hz", "10", str(tmp_path / "other")]) == 2
    assert "--method modulation" in capsys.readouterr().err and not (tmp_path / "other").exists()


def _row(p1, p2, chroma=(3.0, 5.0), onsets=(0.1, 0.3)):
    measures = {"chroma_db": {"result_to_content": chroma[0], "result_to_style": chroma[1], "control_to_content": 0.2,
                              "content_to_style": 4.0},
                "onsets": {"result_to_content": onsets[0], "result_to_style": onsets[1], "control_to_content": 0.01,
                           "content_to_style": 0.3}}
    return {"judge": {"probability": {"result": p1, "control": 0.0}},
            "second_judge": {"probability": {"result": p2, "control": 0.1}}, "content_measures": measures,
            "log_spectral_distance_db": {"result_to_content": 10.0, "result_to_style": 12.0, "control_to_content": 1.0,
                                         "content_to_style": 20.0}, "seconds": 0.5}


def test_the_grid_summary_meets_the_target_only_when_every_part_is_met():
    good = [_row(0.7, 0.5), _row(0.4, 0.6)]  # a grid of two pairs
    summary = judged.grid_summary(good)
    assert summary["target_met"] and summary["pairs"] == 2
    assert summary["judge"] == pytest.approx(0.55) and summary["second_judge"] == pytest.approx(0.55)
    assert summary["pairs_nearer_content_chroma"] == summary["pairs_nearer_content_onsets"] == 2
    assert not judged.grid_summary([_row(0.2, 0.5), _row(0.7, 0.6)])["target_met"]  # the judge's mean below 0.5
    assert not judged.grid_summary([_row(0.9, 0.4), _row(0.9, 0.5)])["target_met"]  # the second judge's
    assert not judged.grid_summary([_row(0.9, 0.9, chroma=(5.0, 3.0)), _row(0.9, 0.9)])["target_met"]  # chroma
    assert not judged.grid_summary([_row(0.9, 0.9, onsets=(0.4, 0.1)), _row(0.9, 0.9)])["target_met"]  # onsets
    copied = [_row(1.0, 1.0, chroma=(5.0, 0.2), onsets=(0.3, 0.02))] * 3  # the style clip itself
    summary = judged.grid_summary(copied)
    assert not summary["target_met"] and summary["pairs_nearer_content_chroma"] == 0
    control = judged.grid_summary(good, of="control")
    assert (control["judge"], control["second_judge"], control["chroma_to_content"]) == (0.0, 0.1, 0.2)
    assert control["chroma_to_style"] == 4.0 and control["onsets_to_style"] == 0.3  # the content's, to the style
    table = report.grid_table({"a <b>": summary, "control": control})
    assert table.count("\n") == 3 and "| not met |" in table and "a &lt;b&gt;" in table and "<b>" not in table
