"""Measures of stored spectrograms: distance, brightness, notes (chroma), hits (onsets) and spread over time.

Notebook: notebooks/04_genre_transfer.ipynb
"""

from __future__ import annotations

import librosa
import numpy as np

from ..audio import log_spectral_distance, stored_to_db, stored_to_magnitude
from ..lessons import beat
from ..settings import SpectrogramSettings

__all__ = ["band_levels", "chroma_db", "chroma_distance_db", "frame_variance", "log_spectral_distance",
           "onset_distance", "spectral_centroid_hz", "variance_ratio"]


def spectral_centroid_hz(stored: np.ndarray, settings: SpectrogramSettings) -> float:
    """The magnitude-weighted mean frequency of a stored spectrogram, in Hz ("brightness")."""
    magnitude = stored_to_magnitude(stored, settings)
    freqs = np.linspace(0, settings.sample_rate / 2, settings.n_bins)
    return float((freqs[:, None] * magnitude).sum() / max(magnitude.sum(), 1e-12))


def band_levels(stored: np.ndarray, settings: SpectrogramSettings) -> dict[str, float]:
    """Mean level in dB of the low, middle and high thirds of the bins."""
    thirds = np.array_split(stored_to_db(stored, settings), 3, axis=0)
    return {name: float(part.mean()) for name, part in zip(("low_db", "mid_db", "high_db"), thirds)}


def chroma_db(stored: np.ndarray, settings: SpectrogramSettings) -> np.ndarray:
    """The chromagram ``(12, frames)`` with each frame's loudest pitch class at 0 dB (floor -40 dB): the notes,
    loudness and timbre aside."""
    power = stored_to_magnitude(stored, settings) ** 2
    chroma = librosa.feature.chroma_stft(S=power, sr=settings.sample_rate, n_fft=settings.n_fft, norm=None)
    chroma = chroma / np.maximum(chroma.max(axis=0, keepdims=True), 1e-10)
    return np.maximum(10.0 * np.log10(np.maximum(chroma, 1e-10)), -40.0)


def chroma_distance_db(stored_a: np.ndarray, stored_b: np.ndarray, settings: SpectrogramSettings) -> float:
    """The RMS difference of two clips' :func:`chroma_db`, in dB."""
    return float(np.sqrt(np.mean((chroma_db(stored_a, settings) - chroma_db(stored_b, settings)) ** 2)))


def onset_distance(stored_a: np.ndarray, stored_b: np.ndarray, settings: SpectrogramSettings) -> float:
    """The RMS difference of two clips' onset envelopes (notebook 05b's, each scaled to a peak of 1; 0 for the same
    clip, about 0.2 to 0.6 across songs)."""
    a, b = (beat.onset_envelope(stored_to_db(s, settings))[1:] for s in (stored_a, stored_b))
    return float(np.sqrt(np.mean((a / max(float(a.max()), 1e-9) - b / max(float(b.max()), 1e-9)) ** 2)))


def frame_variance(stored: np.ndarray) -> np.ndarray:
    """Per-bin variance over time of stored spectrograms ``(..., bins, frames)``, averaged over clips."""
    stored = np.asarray(stored, np.float32)
    return stored.var(axis=-1).reshape(-1, stored.shape[-2]).mean(axis=0)


def variance_ratio(generated: np.ndarray, real: np.ndarray) -> float:
    """Generated frames' variance over time over real ones': about 1 as real, far below for over-smoothed ones.

    Notebook: notebooks/05_lstm_generation.ipynb
    """
    return float(frame_variance(generated).mean() / max(float(frame_variance(real).mean()), 1e-12))
