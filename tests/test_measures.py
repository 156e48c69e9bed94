"""Measures of generated music that noise, a frozen frame or one loudness per frame cannot pass."""

from __future__ import annotations

import numpy as np
import pytest

from lildata_utils.audio import audio_to_stored
from lildata_utils.data import synth
from lildata_utils.measures import judged, music
from lildata_utils.settings import get_preset

CLASSROOM = get_preset("classroom")


@pytest.fixture(scope="module")
def lofi():
    """24 clips of 5 s from 6 synthesised lo-fi songs, as audio and stored spectrograms."""
    clips = []
    for index in range(6):
        audio, _ = synth.make_song("lofi", seed=0, index=index, seconds=30.0, sample_rate=CLASSROOM.sample_rate)
        clips += [audio[k * CLASSROOM.clip_samples:(k + 1) * CLASSROOM.clip_samples] for k in range(1, 5)]
    stored = np.stack([audio_to_stored(c, CLASSROOM).astype(np.float32) for c in clips])
    return clips, stored


def test_modulation_distance_tells_music_from_noise_frozen_and_flicker(lofi):
    _, stored = lofi
    rng = np.random.default_rng(0)
    floor = music.modulation_distance(stored[:12], stored[12:], CLASSROOM)
    fakes = {
        "noise": np.clip(rng.random(stored.shape) * 0.3 + stored.mean(), 0, 1),
        "frozen": np.repeat(stored[:, :, :1], stored.shape[2], axis=2) + 1e-3 * rng.random(stored.shape),
        "one loudness per frame": stored.mean(2, keepdims=True) + 0.3 * (rng.random((len(stored), 1, stored.shape[2])) - 0.5),
    }
    for name, fake in fakes.items():
        assert music.modulation_distance(fake, stored, CLASSROOM) > 1.3 * floor, name
    freqs, spectrum = music.modulation_spectrum(stored[0], CLASSROOM)
    assert freqs.min() >= 0.5 and freqs.max() <= 20 and np.allclose(spectrum.sum(1), 1)


def test_the_beat_tracker_finds_lofis_tempo_and_no_pulse_in_noise(lofi):
    clips, _ = lofi
    bpms = [music.tempo(c, CLASSROOM.sample_rate) for c in clips]
    assert np.mean([music.in_tempo_range(b) for b in bpms]) >= 0.8
    rng = np.random.default_rng(1)
    noise = [0.1 * rng.standard_normal(CLASSROOM.clip_samples).astype(np.float32) for _ in range(6)]
    real_strength = np.mean([music.beat_strength(c, CLASSROOM.sample_rate, b) for c, b in zip(clips, bpms)])
    noise_strength = np.mean([music.beat_strength(c, CLASSROOM.sample_rate, music.tempo(c, CLASSROOM.sample_rate))
                              for c in noise])
    assert real_strength > 0.3 > 3 * max(noise_strength, 0.0)
    assert music.in_tempo_range(160) and music.in_tempo_range(40) and not music.in_tempo_range(110)


def test_frechet_distance_is_zero_for_one_set_and_grows_with_a_shift():
    rng = np.random.default_rng(2)
    a = rng.standard_normal((200, 4))
    assert judged.frechet_distance(a, a) == pytest.approx(0.0, abs=1e-6)
    near, far = judged.frechet_distance(a, a + 0.1), judged.frechet_distance(a, a + 1.0)
    assert near == pytest.approx(4 * 0.01, rel=1e-3) and far == pytest.approx(4.0, rel=1e-3)
    assert judged.frechet_distance(a, 3 * a) > far
    with pytest.raises(ValueError, match="at least 2"):
        judged.frechet_distance(a[:1], a)


def test_embeddings_are_the_layer_before_the_output(lofi):
    import keras

    from lildata_utils.lessons.classifier import lil_data

    keras.utils.set_random_seed(0)
    model = lil_data(CLASSROOM.shape, 8)
    _, stored = lofi
    out = judged.embeddings(model, stored[:5])
    assert out.shape == (5, 48)
    np.testing.assert_allclose(out, judged.embeddings(model, stored[:5], layer="dense"))
    dense = keras.Model(model.input, model.get_layer("dense").output)
    np.testing.assert_allclose(out, np.asarray(dense(stored[:5, ..., None])), rtol=1e-5, atol=1e-6)


def test_the_song_generators_parts_mix_back_to_the_clip_and_silence_stays_at_the_floor(lofi):
    from lildata_utils.audio import stored_to_db
    from lildata_utils.lessons import song as lesson05c

    _, stored = lofi
    decibels = stored_to_db(stored[0], CLASSROOM)
    harmonic, percussive = lesson05c.split_harmony(decibels)
    remixed = lesson05c.mix_db(harmonic, percussive, CLASSROOM.floor_db)
    silent = decibels <= CLASSROOM.floor_db + 1e-3
    assert silent.any()  # lo-fi's master low-pass leaves bins at the floor
    # where both parts are silent the mix is silent too, not 3 dB above the floor (counted twice)
    np.testing.assert_allclose(remixed[silent], CLASSROOM.floor_db, atol=0.05)
    loud = decibels > -80.0  # HPSS's two parts add back to the clip (near the floor its masks may both be 0)
    np.testing.assert_allclose(remixed[loud], decibels[loud], atol=0.1)
    floor = np.full_like(decibels, CLASSROOM.floor_db)
    np.testing.assert_allclose(lesson05c.mix_db(decibels, floor, CLASSROOM.floor_db), decibels, atol=1e-3)


def test_the_song_generators_chords_are_real_bars_and_play_back_as_they_were():
    from lildata_utils.lessons import song as lesson05c

    rng = np.random.default_rng(0)
    patterns = rng.normal(-40.0, 10.0, (3, 6, 64))  # three chords of 6 bins, each moving through its 64 steps
    songs = [rng.integers(0, 3, 9) for _ in range(4)]
    bars = [patterns[song] + rng.normal(0.0, 0.1, (len(song), 6, 64)) for song in songs]  # each voiced a little apart
    templates, transitions = lesson05c.chord_model(bars, n_chords=3, seed=0)
    every_bar = np.concatenate(bars)
    # each chord is one of the real bars (a medoid), not a mean of several, and the three patterns are all found
    assert all(np.any(np.all(every_bar == t, axis=(1, 2))) for t in templates)
    found = sorted(int(np.argmin(((patterns - t) ** 2).sum(axis=(1, 2)))) for t in templates)
    assert found == [0, 1, 2]
    np.testing.assert_allclose(transitions.sum(axis=1), 1.0)
    # a bar of 64 frames plays its chord's 64 steps as they are; a longer bar stretches them, ends kept
    edges = np.array([0, 64, 191])
    harmony = lesson05c.render_harmony(templates, [0, 1], edges)
    assert harmony.shape == (6, 191)
    np.testing.assert_allclose(harmony[:, :64], templates[0])
    np.testing.assert_allclose(harmony[:, [64, 190]], templates[1][:, [0, 63]])
    middle = harmony[:, 64 + 63]  # 127 frames for 64 steps: frame 63 of the bar lies halfway from step 31 to 32
    np.testing.assert_allclose(middle, (templates[1][:, 31] + templates[1][:, 32]) / 2)
    np.testing.assert_allclose(lesson05c.bar_steps(harmony, edges)[0], templates[0])  # and reads them back


def test_the_grain_brings_a_smooth_sound_to_the_training_songs_frame_to_frame_change_and_no_further(lofi):
    from lildata_utils.lessons import song as lesson05c

    _, stored = lofi
    target = lesson05c.frame_change(stored[:12]).mean(axis=0)  # each bin's, over 12 real clips
    smooth = np.stack([lesson05c.stretch(c[:, ::8], c.shape[1]) for c in stored[12:]])  # 1 frame in 8, interpolated
    assert np.median(lesson05c.frame_change(smooth).mean(axis=0) / target) < 0.5  # far smoother than real clips
    grained = np.stack([lesson05c.add_grain(c, target, np.random.default_rng(i)) for i, c in enumerate(smooth)])
    ratio = lesson05c.frame_change(grained).mean(axis=0) / target
    assert 0.8 < np.median(ratio) < 1.25 and grained.min() >= 0 and grained.max() <= 1
    # what the sound already has is not added again: real clips keep nearly all their levels
    real = stored[12:16]
    again = np.stack([lesson05c.add_grain(c, target, np.random.default_rng(0)) for c in real])
    assert np.mean(again == real) > 0.4 and np.abs(again - real).mean() < 0.3 * np.abs(grained - smooth).mean()
    # the song table's column: real sounds against themselves 1, a frozen frame 0, the grained ones near 1
    frozen = np.repeat(real[:, :, :1], real.shape[2], axis=2)
    change = {name: judged.song_measures(x, real, stored[:12], CLASSROOM, "lofi")["change_ratio"]
              for name, x in {"real": real, "frozen": frozen, "grained": grained}.items()}
    assert change["real"] == pytest.approx(1.0) and change["frozen"] == 0.0 and 0.75 < change["grained"] < 1.3


def test_a_copy_smoothed_as_the_chords_are_and_grained_as_the_songs_are_is_still_a_copy_second_by_second(
        lofi, monkeypatch):
    from conftest import ROOT, load_script
    from lildata_utils.lessons import song as lesson05c

    monkeypatch.syspath_prepend(str(ROOT / "experiments"))  # as when the script runs (`from header ...`)

    _, stored = lofi
    training, real = stored[:12], stored[12:16]
    grain = lesson05c.frame_change(training).mean(axis=0)
    bars = music.fake_songs(real, training, CLASSROOM, np.random.default_rng(0))["training bars"]
    hidden = np.stack([load_script("generation", "experiments")._smoothed_and_grained(
        s, grain, CLASSROOM, np.random.default_rng(i)) for i, s in enumerate(bars)])
    assert np.median(lesson05c.frame_change(hidden).mean(axis=0) / grain) > 0.8  # it flickers as real clips do
    second = int(round(CLASSROOM.sample_rate / CLASSROOM.hop_length))
    floor = music.nearest_piece_distance(real, training, second)
    assert music.nearest_piece_distance(hidden, training, second) < 0.85 * floor


def test_training_music_cut_up_and_pasted_is_a_copy_second_by_second_but_real_songs_are_not(lofi):
    _, stored = lofi
    training, real = stored[:12], stored[12:16]  # 3 songs to learn from, another song held out
    fakes = music.fake_songs(real, training, CLASSROOM, np.random.default_rng(0))
    second = int(round(CLASSROOM.sample_rate / CLASSROOM.hop_length))
    floor = music.nearest_piece_distance(real, training, second)
    assert fakes["training bars"].shape == real.shape
    # 3-second pieces of training clips: every second of them is in training (to a frame or so), wherever it begins
    assert music.nearest_piece_distance(fakes["training bars"], training, second) < 0.35 * floor
    assert music.nearest_piece_distance(fakes["looped"], training, second) < 0.35 * floor
    # one clip of training among others held out: its seconds are copies, the others' are not
    mixed = music.nearest_piece_distance(np.concatenate([training[:1], real[1:]]), training, second)
    assert 0.6 * floor < mixed < 0.9 * floor
    # the 5-second windows alone do not see the cut-up training bars: they are as far as real songs' windows
    assert music.nearest_distance(fakes["training bars"], training) > 0.7 * music.nearest_distance(real, training)
