import numpy as np
import pytest

from lildata_utils import settings as presets
from lildata_utils.audio import spectrogram
from lildata_utils.lessons import spectrograms as lesson


def test_paper_preset_is_exactly_631_by_631():
    paper = presets.get_preset("paper")
    assert (paper.sample_rate, paper.n_fft, paper.hop_length, paper.clip_seconds) == (22050, 1260, 175, 5.0)
    assert paper.shape == (631, 631)
    audio = np.zeros(paper.clip_samples, np.float32)
    assert spectrogram.audio_to_stored(audio, paper).shape == (631, 631)


@pytest.mark.parametrize("name", ["paper", "classroom", "tiny"])
def test_every_preset_gives_its_declared_shape(name):
    settings = presets.get_preset(name)
    rng = np.random.default_rng(0)
    stored = spectrogram.audio_to_stored(rng.uniform(-0.5, 0.5, (2, settings.clip_samples)), settings)
    assert stored.shape == (2, *settings.shape)
    assert stored.dtype == np.float16
    assert 0.0 <= float(stored.min()) and float(stored.max()) <= 1.0


def test_settings_are_frozen_and_checked():
    with pytest.raises(Exception):
        presets.get_preset("paper").n_fft = 512
    with pytest.raises(ValueError, match="hops"):
        presets.SpectrogramSettings(hop_length=176)
    with pytest.raises(ValueError, match="unknown preset"):
        presets.get_preset("huge")


def test_settings_json_round_trip(tmp_path):
    settings = presets.get_preset("classroom")
    settings.to_json(tmp_path / "s.json")
    assert presets.SpectrogramSettings.from_json(tmp_path / "s.json") == settings


def test_full_scale_sine_reads_zero_db_and_loudness_survives():
    settings = presets.get_preset("paper")
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
    settings = presets.get_preset("tiny")
    rng = np.random.default_rng(1)
    clip = rng.uniform(-0.5, 0.5, settings.clip_samples)
    mag = lesson.stft_magnitude(clip, settings)
    back = spectrogram.stored_to_magnitude(spectrogram.audio_to_stored(clip, settings), settings)
    floor = lesson.reference_magnitude(settings) * 10 ** (settings.floor_db / 20)
    keep = mag > floor * 10
    db_error = np.abs(20 * np.log10(back[keep] / mag[keep]))
    assert keep.mean() > 0.5 and db_error.max() < 0.1


def test_round_trip_on_music_reaches_minus_20_db(music_clips):
    settings = presets.get_preset("paper")
    scores = []
    for clip in music_clips:
        stored = spectrogram.audio_to_stored(clip, settings)
        audio = spectrogram.stored_to_audio(stored, settings)
        assert audio.shape == (settings.clip_samples,)
        scores.append(lesson.spectral_convergence_db(audio, lesson.stft_magnitude(clip, settings), settings))
    assert np.median(scores) <= -20.0, scores


def test_inversion_refuses_a_spectrogram_of_other_settings():
    with pytest.raises(ValueError, match="does not match"):
        spectrogram.stored_to_audio(np.zeros((128, 65)), presets.get_preset("paper"))
