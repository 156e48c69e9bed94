"""The LSTM that keeps time: the beat grid, its phase, the beat LSTM.

Generated from notebooks/05b_beat_lstm.ipynb (its cells marked ``#@save``) by scripts/export_lessons.py:
edit the notebook, then run `make lessons`.

Notebook: notebooks/05b_beat_lstm.ipynb
"""

from __future__ import annotations

import keras
import librosa
import math
import numpy as np
from keras import layers

__all__ = ["BEAT_SCALES", "beat_grid", "beat_lstm", "beat_phase", "onset_envelope", "sample_near_median"]


# notebooks/05b_beat_lstm.ipynb, cell 8
BEAT_SCALES = (0.25, 0.5, 1.0, 2.0)  # cycles per beat: 4 beats, 2 beats, a beat, half a beat


def onset_envelope(decibels):
    """How much a dB spectrogram rises into each frame, over all bins (the spectral flux; 0 for the first)."""
    return np.concatenate([[0.0], np.maximum(np.diff(decibels, axis=1), 0).mean(axis=0)])


def beat_grid(decibels, sample_rate, hop_length):
    """Where a clip's beats fall, as (frame of one beat, frames per beat): librosa's beat tracker on the onset
    envelope of its dB spectrogram, then a straight line through the beats it found (one a second if none)."""
    envelope = onset_envelope(decibels)
    _, beats = librosa.beat.beat_track(onset_envelope=envelope, sr=sample_rate, hop_length=hop_length)
    if len(beats) < 3:
        return 0.0, sample_rate / hop_length
    count = np.round((beats - beats[0]) / np.median(np.diff(beats)))
    per_beat, first = np.polyfit(count, beats, 1)
    return float(first), float(per_beat)


def beat_phase(n_frames, grid, scales=BEAT_SCALES):
    """Where each frame sits on the grid: a sine and a cosine per cycle, (n_frames, 2 * len(scales))."""
    first, per_beat = grid
    beats = (np.arange(n_frames) - first) / per_beat
    return np.concatenate([np.stack([np.sin(2 * np.pi * k * beats), np.cos(2 * np.pi * k * beats)], axis=-1)
                           for k in scales], axis=-1).astype(np.float32)


# notebooks/05b_beat_lstm.ipynb, cell 11
def beat_lstm(n_bins, n_phase, levels=16, lstm_layers=2, units=128, input_noise=0.05, stateful=False):
    """The autoregressive LSTM that keeps time: it reads the previous frame and the phase of the frame to write.
    stateful: one frame at a time, for generating."""
    shape = lambda n: {"batch_shape": (1, 1, n)} if stateful else {"shape": (None, n)}  # noqa: E731
    frames, phase = keras.Input(name="frames", **shape(n_bins)), keras.Input(name="phase", **shape(n_phase))
    x = layers.Concatenate(name="with_phase")([layers.GaussianNoise(input_noise, name="input_noise")(frames), phase])
    x = layers.Dense(units, activation="relu", name="project")(x)
    for i in range(lstm_layers):
        x = layers.LSTM(units, return_sequences=True, stateful=stateful, name=f"lstm{i + 1}")(x)
    x = layers.Reshape((-1, n_bins, levels), name="per_bin")(layers.Dense(n_bins * levels, name="levels")(x))
    return keras.Model([frames, phase], layers.Softmax(name="next_frame", dtype="float32")(x), name="beat_lstm")


def sample_near_median(probabilities, rng, temperature=0.7, spread=0.5):
    """Notebook 05's sampling with the shared quantile drawn nearer the median: a normal draw of width `spread`
    through the normal CDF (0: each bin's median; large: the uniform draw)."""
    sharp = np.asarray(probabilities, np.float64) ** (1.0 / max(temperature, 1e-3))
    sharp /= sharp.sum(axis=1, keepdims=True)
    quantile = 0.5 * (1.0 + math.erf(spread * rng.standard_normal() / math.sqrt(2.0)))
    picks = (sharp.cumsum(axis=1) < quantile).sum(axis=1).clip(0, sharp.shape[1] - 1)
    return ((picks + 0.5) / sharp.shape[1]).astype(np.float32)
