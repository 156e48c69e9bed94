"""Measures of generated music that noise, a frozen frame or one loud frame after another cannot pass.

* :func:`frechet_distance` between two sets of embeddings (the method of the
  Fréchet Audio Distance, Kilgour et al. 2019), with a classifier of the course
  in place of VGGish (:func:`embeddings`): the judge's penultimate layer.
* :func:`modulation_spectrum`: how each frequency band's envelope moves over
  time, from 0.5 to 20 Hz (beats, hits, tremolo); :func:`modulation_distance`
  compares two sets of clips. Noise at the frame rate and a frozen frame both
  score badly.
* :func:`tempo`: librosa's beat tracker on the audio, and the strength of the
  onset envelope's autocorrelation at the beat's lag (:func:`beat_strength`).

Notebook: notebooks/05_lstm_generation.ipynb
"""

from __future__ import annotations

import numpy as np

from .config import SpectrogramSettings

__all__ = ["beat_strength", "beats", "embeddings", "frechet_distance", "in_tempo_range", "modulation_distance",
           "modulation_spectrum", "tempo"]


def embeddings(model, stored: np.ndarray, layer: str | None = None, batch_size: int = 32) -> np.ndarray:
    """A classifier's penultimate-layer output for stored spectrograms ``(clips, bins, frames)``.

    Args:
        model: A trained classifier (Lil Data: its 48-unit ``dense`` layer).
        stored: The clips.
        layer: The layer to read (default: the one before the output layer).

    Notebook: notebooks/05_lstm_generation.ipynb
    """
    import keras

    name = layer or model.layers[-2].name
    probe = keras.Model(model.input, model.get_layer(name).output)
    stored = np.asarray(stored, np.float32)
    return np.concatenate([np.asarray(probe(stored[i:i + batch_size, ..., None], training=False))
                           for i in range(0, len(stored), batch_size)]).reshape(len(stored), -1)


def frechet_distance(a: np.ndarray, b: np.ndarray) -> float:
    """The Fréchet distance between Gaussians fitted to two sets of embeddings ``(n, d)``:
    ``|mu_a - mu_b|^2 + tr(S_a + S_b - 2 (S_a S_b)^(1/2))``.

    Notebook: notebooks/05_lstm_generation.ipynb
    """
    from scipy import linalg

    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    if len(a) < 2 or len(b) < 2:
        raise ValueError("the Fréchet distance needs at least 2 embeddings on each side")
    mu_a, mu_b = a.mean(0), b.mean(0)
    cov_a, cov_b = np.atleast_2d(np.cov(a, rowvar=False)), np.atleast_2d(np.cov(b, rowvar=False))
    root = np.real(linalg.sqrtm(cov_a @ cov_b))
    return float(max(((mu_a - mu_b) ** 2).sum() + np.trace(cov_a + cov_b - 2.0 * root), 0.0))


def modulation_spectrum(stored: np.ndarray, settings: SpectrogramSettings, bands: int = 8,
                        low_hz: float = 0.5, high_hz: float = 20.0) -> tuple[np.ndarray, np.ndarray]:
    """How each frequency band's level moves over time: ``(frequencies_hz, spectrum (bands, frequencies))``.

    The bins are grouped into ``bands`` bands; each band's level in dB over the
    frames is an envelope; the magnitude of its Fourier transform (mean removed,
    Hann window), between ``low_hz`` and ``high_hz`` and normalised to sum to 1
    per band, says at what rates it moves: a beat at 80 BPM is a peak at 1.33 Hz.

    Notebook: notebooks/05_lstm_generation.ipynb
    """
    from .spectrogram import stored_to_db

    decibels = stored_to_db(np.asarray(stored, np.float32), settings)
    envelopes = np.stack([part.mean(axis=0) for part in np.array_split(decibels, bands, axis=0)])
    envelopes = envelopes - envelopes.mean(axis=1, keepdims=True)
    frame_rate = settings.sample_rate / settings.hop_length
    spectrum = np.abs(np.fft.rfft(envelopes * np.hanning(envelopes.shape[1]), axis=1))
    freqs = np.fft.rfftfreq(envelopes.shape[1], 1.0 / frame_rate)
    keep = (freqs >= low_hz) & (freqs <= high_hz)
    spectrum = spectrum[:, keep]
    return freqs[keep], spectrum / np.maximum(spectrum.sum(axis=1, keepdims=True), 1e-12)


def modulation_distance(generated: np.ndarray, real: np.ndarray, settings: SpectrogramSettings) -> float:
    """Distance between the mean modulation spectra of two sets of clips (``(clips, bins, frames)``):
    the mean over bands of the L1 distance of their normalised spectra, between 0 (the same) and 2.

    Notebook: notebooks/05_lstm_generation.ipynb
    """
    mean = lambda clips: np.mean([modulation_spectrum(c, settings)[1] for c in clips], axis=0)  # noqa: E731
    return float(np.abs(mean(generated) - mean(real)).sum(axis=1).mean())


def tempo(audio: np.ndarray, sample_rate: int) -> float:
    """The tempo librosa's beat tracker finds in some audio, in BPM (0 where it finds none).

    Notebook: notebooks/05_lstm_generation.ipynb
    """
    return beats(audio, sample_rate)[0]


def beats(audio: np.ndarray, sample_rate: int) -> tuple[float, list[float]]:
    """The tempo librosa's beat tracker finds in some audio (BPM, 0 where none) and its beats, in seconds.

    Notebook: notebooks/05_lstm_generation.ipynb
    """
    import librosa

    found, frames = librosa.beat.beat_track(y=np.asarray(audio, np.float32), sr=sample_rate)
    times = librosa.frames_to_time(frames, sr=sample_rate)
    return float(np.atleast_1d(found)[0]), [round(float(t), 3) for t in times]


def in_tempo_range(bpm: float, low: float = 70.0, high: float = 90.0) -> bool:
    """Whether a tempo is in a genre's range, or at half or double it (beat trackers pick either).

    Notebook: notebooks/05_lstm_generation.ipynb
    """
    return any(low <= bpm * factor <= high for factor in (1.0, 0.5, 2.0))


def beat_strength(audio: np.ndarray, sample_rate: int, bpm: float) -> float:
    """The autocorrelation of the onset envelope at the lag of one beat at ``bpm``, over its value at lag 0:
    near 1 for hits that repeat every beat, near 0 for no repeating pulse.

    Notebook: notebooks/05_lstm_generation.ipynb
    """
    import librosa

    if bpm <= 0:
        return 0.0
    hop = 512
    envelope = librosa.onset.onset_strength(y=np.asarray(audio, np.float32), sr=sample_rate, hop_length=hop)
    envelope = envelope - envelope.mean()
    lag = int(round(60.0 / bpm * sample_rate / hop))
    if lag >= len(envelope) or not np.any(envelope):
        return 0.0
    correlation = librosa.autocorrelate(envelope)
    return float(correlation[lag] / correlation[0])
