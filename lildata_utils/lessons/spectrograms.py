"""From music to spectrograms: clips, the STFT, decibels and Griffin-Lim.

Generated from notebooks/01_data_prep.ipynb (its cells marked ``#@save``) by scripts/export_lessons.py:
edit the notebook, then run `make lessons`.

Notebook: notebooks/01_data_prep.ipynb
"""

from __future__ import annotations

import librosa
import numpy as np

__all__ = ["cut_into_clips", "from_unit", "griffin_lim", "reference_magnitude", "spectral_convergence_db", "stft_magnitude", "to_unit", "unit_to_db"]


# notebooks/01_data_prep.ipynb, cell 11
def cut_into_clips(audio, clip_samples):
    """Non-overlapping clips of clip_samples samples, as (start, clip) pairs; the last partial clip is dropped."""
    return [(start, audio[start:start + clip_samples]) for start in range(0, len(audio) - clip_samples + 1, clip_samples)]


# notebooks/01_data_prep.ipynb, cell 15
def stft_magnitude(audio, settings):
    """|STFT| of a clip (or a batch of clips): (n_fft // 2 + 1) bins x (samples // hop + 1) frames."""
    spectrum = librosa.stft(np.asarray(audio, np.float32), n_fft=settings.n_fft, hop_length=settings.hop_length,
                            window="hann", center=True)
    return np.abs(spectrum)


# notebooks/01_data_prep.ipynb, cell 20
def reference_magnitude(settings):
    """|STFT| of a full-scale sine with a Hann window of n_fft samples: the 0 dB reference."""
    return settings.n_fft / 4


def to_unit(magnitude, settings):
    """|STFT| -> decibels against the fixed reference -> clipped to [floor, ceiling] -> scaled to [0, 1]."""
    decibels = 20 * np.log10(np.maximum(magnitude, 1e-10) / reference_magnitude(settings))
    decibels = np.clip(decibels, settings.floor_db, settings.ceiling_db)
    return (decibels - settings.floor_db) / (settings.ceiling_db - settings.floor_db)


def unit_to_db(stored, settings):
    """Stored values in [0, 1] back to decibels."""
    return settings.floor_db + np.asarray(stored, np.float32) * (settings.ceiling_db - settings.floor_db)


def from_unit(stored, settings):
    """Stored values back to |STFT| magnitudes (what Griffin-Lim needs)."""
    return reference_magnitude(settings) * 10 ** (unit_to_db(stored, settings) / 20)


# notebooks/01_data_prep.ipynb, cell 24
def griffin_lim(stored, settings, n_iter=None, momentum=0.99, seed=0, length=None):
    """A stored spectrogram back to audio: fast Griffin-Lim rebuilds the phase the spectrogram threw away."""
    return librosa.griffinlim(from_unit(stored, settings), n_iter=n_iter or settings.griffin_lim_iters,
                              hop_length=settings.hop_length, n_fft=settings.n_fft, window="hann", center=True,
                              length=length or settings.clip_samples, momentum=momentum, init="random",
                              random_state=np.random.default_rng(seed)).astype(np.float32)


def spectral_convergence_db(audio, target_magnitude, settings):
    """How well the |STFT| of audio matches a target magnitude, in dB (lower is better)."""
    error = np.linalg.norm(target_magnitude - stft_magnitude(audio, settings))
    return float(20 * np.log10(error / max(np.linalg.norm(target_magnitude), 1e-12)))
