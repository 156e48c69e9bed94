import numpy as np
import pytest

from lildata_utils import config, spectrogram


def test_paper_preset_is_exactly_631_by_631():
    paper = config.get_preset("paper")
    assert (paper.sample_rate, paper.n_fft, paper.hop_length, paper.clip_seconds) == (22050, 1260, 175, 5.0)
    assert paper.shape == (631, 631)
    audio = np.zeros(paper.clip_samples, np.float32)
    assert spectrogram.audio_to_stored(audio, paper).shape == (631, 631)


@pytest.mark.parametrize("name", ["paper", "classroom", "tiny"])
def test_every_preset_gives_its_declared_shape(name):
    settings = config.get_preset(name)
    rng = np.random.default_rng(0)
    stored = spectrogram.audio_to_stored(rng.uniform(-0.5, 0.5, (2, settings.clip_samples)), settings)
    assert stored.shape == (2, *settings.shape)
    assert stored.dtype == np.float16
    assert 0.0 <= float(stored.min()) and float(stored.max()) <= 1.0


def test_settings_are_frozen_and_checked():
    with pytest.raises(Exception):
        config.get_preset("paper").n_fft = 512
    with pytest.raises(ValueError, match="hops"):
        config.SpectrogramSettings(hop_length=176)
    with pytest.raises(ValueError, match="unknown preset"):
        config.get_preset("huge")


def test_settings_json_round_trip(tmp_path):
    settings = config.get_preset("classroom")
    settings.to_json(tmp_path / "s.json")
    assert config.SpectrogramSettings.from_json(tmp_path / "s.json") == settings


def test_full_scale_sine_reads_zero_db_and_loudness_survives():
    settings = config.get_preset("paper")
    t = np.arange(settings.clip_samples) / settings.sample_rate
    freq = 100 * settings.sample_rate / settings.n_fft  # exactly on bin 100
    loud = np.sin(2 * np.pi * freq * t)
    stored_loud = spectrogram.audio_to_stored(loud, settings)
    stored_quiet = spectrogram.audio_to_stored(0.1 * loud, settings)
    zero_db = -settings.floor_db / (settings.ceiling_db - settings.floor_db)
    assert abs(float(stored_loud[100, 300]) - zero_db) < 0.01
    # 20 dB quieter stays 20 dB quieter: a fixed reference, not per-clip normalisation
    span = settings.ceiling_db - settings.floor_db
    assert abs((float(stored_loud[100, 300]) - float(stored_quiet[100, 300])) * span - 20.0) < 0.3


def test_stored_to_magnitude_inverts_within_float16_precision():
    settings = config.get_preset("tiny")
    rng = np.random.default_rng(1)
    mag = spectrogram.magnitude(rng.uniform(-0.5, 0.5, settings.clip_samples), settings)
    back = spectrogram.stored_to_magnitude(spectrogram.magnitude_to_stored(mag, settings), settings)
    floor = spectrogram.reference_amplitude(settings) * 10 ** (settings.floor_db / 20)
    keep = mag > floor * 10
    db_error = np.abs(20 * np.log10(back[keep] / mag[keep]))
    assert db_error.max() < 0.1


def test_round_trip_on_music_reaches_minus_20_db(music_clips):
    settings = config.get_preset("paper")
    scores = []
    for clip in music_clips:
        stored = spectrogram.audio_to_stored(clip, settings)
        audio = spectrogram.stored_to_audio(stored, settings)
        assert audio.shape == (settings.clip_samples,)
        scores.append(spectrogram.spectral_convergence_db(audio, spectrogram.magnitude(clip, settings), settings))
    assert np.median(scores) <= -20.0, scores


def test_inversion_refuses_a_spectrogram_of_other_settings():
    with pytest.raises(ValueError, match="does not match"):
        spectrogram.stored_to_audio(np.zeros((128, 65)), config.get_preset("paper"))


def test_fast_float16_matches_numpy_for_stored_values():
    rng = np.random.default_rng(5)
    values = np.concatenate([rng.random(200_000, dtype=np.float32), [0.0, 1.0, 0.5, 2.0 ** -14, 1e-7]]).astype(np.float32)
    fast = spectrogram.unit_to_float16(values)
    exact = values.astype(np.float16)
    normal = values >= 2.0 ** -14
    assert fast.dtype == np.float16
    np.testing.assert_array_equal(fast.view(np.uint16)[normal], exact.view(np.uint16)[normal])
    assert np.all(fast[~normal] == 0)
