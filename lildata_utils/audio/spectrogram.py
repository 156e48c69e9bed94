"""Spectrograms stored (float16 in [0, 1]) and heard, by notebook 01's lesson code, so that an edit to the
notebook changes what every command stores.

Notebook: notebooks/01_data_prep.ipynb
"""

from __future__ import annotations

import numpy as np

from ..lessons import spectrograms as lesson
from ..settings import SpectrogramSettings

__all__ = ["audio_to_stored", "log_spectral_distance", "stored_to_audio", "stored_to_db", "stored_to_magnitude"]


def audio_to_stored(audio: np.ndarray, settings: SpectrogramSettings) -> np.ndarray:
    """Audio (one clip or a batch) to stored spectrograms, float16 ``(..., n_bins, n_frames)`` in [0, 1]."""
    return lesson.to_unit(lesson.stft_magnitude(audio, settings), settings).astype(np.float16)


def stored_to_db(stored: np.ndarray, settings: SpectrogramSettings) -> np.ndarray:
    """Stored values in [0, 1] back to decibels (the lesson's ``unit_to_db``)."""
    return lesson.unit_to_db(stored, settings)


def stored_to_magnitude(stored: np.ndarray, settings: SpectrogramSettings) -> np.ndarray:
    """Stored values back to |STFT| magnitudes, float32 (the lesson's ``from_unit``)."""
    return np.asarray(lesson.from_unit(stored, settings), np.float32)


def stored_to_audio(stored: np.ndarray, settings: SpectrogramSettings, n_iter: int | None = None,
                    momentum: float = 0.99, seed: int = 0, length: int | None = None) -> np.ndarray:
    """A stored ``(n_bins, frames)`` spectrogram back to audio by the lesson's fast Griffin-Lim (``ValueError`` for
    another number of bins); ``length`` defaults to ``(frames - 1) * hop_length``."""
    stored = np.asarray(stored, np.float32)
    if stored.ndim != 2 or stored.shape[0] != settings.n_bins:
        raise ValueError(f"spectrogram shape {stored.shape} does not match the settings' {settings.n_bins} bins "
                         f"(preset {settings.name!r})")
    length = length or (stored.shape[1] - 1) * settings.hop_length
    return lesson.griffin_lim(stored, settings, n_iter=n_iter, momentum=momentum, seed=seed, length=length)


def log_spectral_distance(stored_a: np.ndarray, stored_b: np.ndarray, settings: SpectrogramSettings) -> float:
    """Root-mean-square difference in dB between two stored spectrograms."""
    span = settings.ceiling_db - settings.floor_db
    return float(np.sqrt(np.mean(((np.asarray(stored_a, np.float32) - np.asarray(stored_b, np.float32)) * span) ** 2)))
