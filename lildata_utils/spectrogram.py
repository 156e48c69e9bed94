"""Spectrograms in and out: audio to stored arrays, and back to audio.

The lesson's own functions (:mod:`~lildata_utils.lessons.spectrograms`, written
in notebook 01) do the work: ``stft_magnitude``, ``to_unit``, ``from_unit`` and
``griffin_lim``. This module adds the plumbing around them: the stored form
(float16), batches, shape checks, and :func:`magnitude_to_stored`, a faster
twin of ``to_unit`` for ``prepare``'s hot path, tested equal to it.

Notebook: notebooks/01_data_prep.ipynb
"""

from __future__ import annotations

import numpy as np

from .config import SpectrogramSettings
from .lessons import spectrograms as lesson

__all__ = [
    "reference_amplitude",
    "magnitude",
    "stored_to_db",
    "magnitude_to_stored",
    "unit_to_float16",
    "stored_to_magnitude",
    "audio_to_stored",
    "stored_to_audio",
    "spectral_convergence_db",
    "log_spectral_distance",
]


def reference_amplitude(settings: SpectrogramSettings) -> float:
    """The STFT magnitude of a full-scale sine: the 0 dB reference (``n_fft / 4`` for a Hann window)."""
    return float(lesson.reference_magnitude(settings))


def magnitude(audio: np.ndarray, settings: SpectrogramSettings) -> np.ndarray:
    """STFT magnitude of audio, ``(..., n_bins, n_frames)``, float32 (one clip or a batch): the lesson's
    ``stft_magnitude``."""
    return lesson.stft_magnitude(audio, settings)


def stored_to_db(stored: np.ndarray, settings: SpectrogramSettings) -> np.ndarray:
    """Stored values in [0, 1] back to decibels (the lesson's ``unit_to_db``)."""
    return lesson.unit_to_db(stored, settings)


def magnitude_to_stored(mag: np.ndarray, settings: SpectrogramSettings) -> np.ndarray:
    """Magnitude to the stored form: the lesson's ``to_unit`` as float16, computed faster.

    ``(20 log10(mag / ref) - floor) / (ceiling - floor)``, clipped, computed in
    place on a float32 copy in as few passes as possible (this is on the hot
    path of ``prepare``); tested equal to ``to_unit`` within float16 rounding.
    """
    span = settings.ceiling_db - settings.floor_db
    floor_amplitude = reference_amplitude(settings) * 10.0 ** (settings.floor_db / 20.0)
    # One copy into C order (librosa's STFT comes batch-fastest, Fortran order),
    # then everything in place.
    work = np.array(mag, dtype=np.float32, order="C", copy=True)
    np.maximum(work, np.float32(floor_amplitude), out=work)
    np.log10(work, out=work)
    work *= np.float32(20.0 / span)
    work -= np.float32((20.0 * np.log10(reference_amplitude(settings)) + settings.floor_db) / span)
    np.clip(work, np.float32(0.0), np.float32(1.0), out=work)
    return unit_to_float16(work)


def unit_to_float16(values: np.ndarray) -> np.ndarray:
    """float32 values in [0, 1] to float16, about twice as fast as ``astype``.

    Rounds to nearest even exactly as ``astype(np.float16)`` does for every
    value from 2**-14 up; the smaller ones (subnormal in float16, within
    0.01 dB of the floor) become 0. Works on the bit patterns with integer
    operations, which numpy vectorises, where its float16 cast does not.
    """
    values = np.ascontiguousarray(values, dtype=np.float32)
    bits = values.view(np.uint32)
    half = bits >> 13
    half &= 1          # round half to even: add 0xFFF plus the bit that will become the last
    half += bits
    half += 0x0FFF
    half >>= 13
    half -= 112 << 10  # exponent bias 127 -> 15
    out = half.astype(np.uint16)
    out[values < 2.0 ** -14] = 0
    return out.view(np.float16)


def stored_to_magnitude(stored: np.ndarray, settings: SpectrogramSettings) -> np.ndarray:
    """The inverse of :func:`magnitude_to_stored` (up to clipping), float32: the lesson's ``from_unit``."""
    return np.asarray(lesson.from_unit(stored, settings), np.float32)


def audio_to_stored(audio: np.ndarray, settings: SpectrogramSettings) -> np.ndarray:
    """Audio (one clip or a batch) to stored spectrograms.

    Args:
        audio: ``(clip_samples,)`` or ``(batch, clip_samples)`` float audio.
        settings: The spectrogram settings.

    Returns:
        float16 array of shape ``(..., n_bins, n_frames)`` in [0, 1].
    """
    return magnitude_to_stored(magnitude(audio, settings), settings)


def stored_to_audio(stored: np.ndarray, settings: SpectrogramSettings,
                    n_iter: int | None = None, momentum: float = 0.99,
                    seed: int = 0) -> np.ndarray:
    """Stored spectrogram back to audio with fast Griffin-Lim.

    Args:
        stored: ``(n_bins, n_frames)`` array as made by :func:`audio_to_stored`.
        settings: The settings that made it (a dataset's ``config.json``).
        n_iter: Griffin-Lim iterations; defaults to ``settings.griffin_lim_iters``.
        momentum: Fast Griffin-Lim momentum (0 gives plain Griffin-Lim).
        seed: Seed of the random initial phase, for repeatable audio.

    Returns:
        float32 audio of the clip's exact length.
    """
    stored = np.asarray(stored)
    if stored.shape[-2:] != settings.shape:
        raise ValueError(f"spectrogram shape {stored.shape[-2:]} does not match the settings' "
                         f"{settings.shape} (preset {settings.name!r})")
    return lesson.griffin_lim(np.asarray(stored, np.float32), settings, n_iter=n_iter, momentum=momentum, seed=seed)


def spectral_convergence_db(audio: np.ndarray, target_magnitude: np.ndarray,
                            settings: SpectrogramSettings) -> float:
    """Spectral convergence of ``audio`` against a magnitude, in dB (lower is better): the lesson's
    ``20 log10(||S - |STFT(y)| ||_F / ||S||_F)``."""
    return lesson.spectral_convergence_db(audio, target_magnitude, settings)


def log_spectral_distance(stored_a: np.ndarray, stored_b: np.ndarray,
                          settings: SpectrogramSettings) -> float:
    """Root-mean-square difference in dB between two stored spectrograms."""
    span = settings.ceiling_db - settings.floor_db
    diff = (np.asarray(stored_a, np.float32) - np.asarray(stored_b, np.float32)) * span
    return float(np.sqrt(np.mean(diff ** 2)))
