"""LSTM generators: the paper's model, the autoregressive one, sampling.

Generated from notebooks/05_lstm_generation.ipynb (its cells marked ``#@save``) by scripts/export_lessons.py:
edit the notebook, then run `make lessons`.

Notebook: notebooks/05_lstm_generation.ipynb
"""

from __future__ import annotations

import keras
import librosa
import math
import numpy as np
from keras import layers
from lildata_utils.layers import LevelOneHot

__all__ = ["BEAT_SCALES", "autoregressive_lstm", "beat_grid", "beat_lstm", "beat_phase", "compile_generator", "generate_frames", "level_values", "paper_lstm", "quantise", "sample_frame"]


def paper_lstm(n_bins, n_frames, lstm_layers=2, units=50):
    """The paper's one-to-many model: one frame in, repeated over time into LSTMs; a sigmoid Dense writes each
    of the n_frames - 1 frames that follow."""
    inputs = keras.Input((n_bins,), name="first_frame")
    x = layers.RepeatVector(n_frames - 1, name="repeat")(inputs)
    for i in range(lstm_layers):
        x = layers.LSTM(units, return_sequences=True, name=f"lstm{i + 1}")(x)
    outputs = layers.Dense(n_bins, activation="sigmoid", name="frame", dtype="float32")(x)
    return keras.Model(inputs, outputs, name="paper_lstm")


def autoregressive_lstm(n_bins, levels=16, lstm_layers=2, units=256, input_noise=0.05):
    """The next frame from the frames so far: for every bin, a softmax over `levels` quantised levels.
    Gaussian noise on the inputs teaches it to continue from imperfect frames (its own, when it generates)."""
    inputs = keras.Input((None, n_bins), name="frames")
    x = layers.GaussianNoise(input_noise, name="input_noise")(inputs) if input_noise else inputs
    x = layers.Dense(units, activation="relu", name="project")(x)
    for i in range(lstm_layers):
        x = layers.LSTM(units, return_sequences=True, name=f"lstm{i + 1}")(x)
    x = layers.Dense(n_bins * levels, name="levels")(x)
    x = layers.Reshape((-1, n_bins, levels), name="per_bin")(x)
    return keras.Model(inputs, layers.Softmax(name="next_frame", dtype="float32")(x), name="autoregressive_lstm")


def quantise(frames, levels):
    """Stored values in [0, 1] to level numbers 0 .. levels - 1: the targets of the autoregressive model."""
    return np.clip(np.floor(np.asarray(frames) * levels), 0, levels - 1).astype(np.int32)


def level_values(levels):
    """The stored value of each level (the middle of its step)."""
    return ((np.arange(levels) + 0.5) / levels).astype(np.float32)


def compile_generator(model, kind, learning_rate):
    """The paper's model: mean squared error on the frames. The autoregressive one: cross-entropy of the true
    next level of every bin, which blurring cannot lower (a blur puts probability on the wrong levels)."""
    loss = "mse" if kind == "paper" else "sparse_categorical_crossentropy"
    model.compile(optimizer=keras.optimizers.Adam(learning_rate), loss=loss)
    return model


def sample_frame(logits, rng, temperature=0.7, shared_quantile=True, spread=1.0):
    """One generated frame from the model's scores (bins x levels).

    Temperature below 1 sharpens each bin's distribution, above 1 flattens it. One random quantile is drawn for
    the whole frame and every bin takes that quantile of its own distribution, so a frame rises or falls as a
    whole (a drum hit, a chord) instead of each bin rolling its own dice (grain). `spread` below 1 draws the
    quantile nearer the median (a normal draw of width `spread`, through the normal CDF): 0 gives each bin's
    median, 1 the uniform draw."""
    scaled = np.asarray(logits, np.float64) / max(temperature, 1e-6)
    probs = np.exp(scaled - scaled.max(axis=1, keepdims=True))
    probs /= probs.sum(axis=1, keepdims=True)
    if not shared_quantile:
        draw = rng.random((len(probs), 1))
    elif spread >= 1:
        draw = rng.random()
    else:
        draw = 0.5 * (1.0 + math.erf(spread * rng.standard_normal() / math.sqrt(2.0)))
    picks = (probs.cumsum(axis=1) < draw).sum(axis=1).clip(0, probs.shape[1] - 1)
    return level_values(probs.shape[1])[picks]


def generate_frames(step, state, seed_frames, n_frames, rng, temperature=0.7, shared_quantile=True, spread=1.0,
                    phase=None):
    """The autoregressive loop: read the seed frames, then feed each sampled frame back in.
    `step(x, state)` gives the next frame's scores and the LSTMs' new state; x is the frame, and with `phase`
    (n_frames x features, section 3) the frame and the phase of the frame to write. Returns bins x frames."""
    frames = list(seed_frames)
    for t in range(n_frames - 1):
        x = frames[t] if phase is None else np.concatenate([frames[t], phase[t + 1]])
        logits, state = step(x, state)
        if t + 1 >= len(frames):  # past the seed: sample
            frames.append(sample_frame(logits, rng, temperature, shared_quantile, spread))
    return np.stack(frames[:n_frames]).T




BEAT_SCALES = (0.25, 0.5, 1.0, 2.0)  # cycles per beat: 4 beats, 2 beats, a beat, half a beat


def beat_grid(decibels, sample_rate, hop_length):
    """Where a clip's beats fall, as (frame of one beat, frames per beat): librosa's beat tracker on the onset
    envelope of its dB spectrogram (how much it rises into each frame, the spectral flux), then a straight line
    through the beats it found (one a second if none)."""
    envelope = np.concatenate([[0.0], np.maximum(np.diff(decibels, axis=1), 0).mean(axis=0)])
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


def beat_lstm(n_bins, n_phase, levels=16, lstm_layers=2, units=128, input_noise=0.05, hold=False):
    """The autoregressive LSTM that keeps time: it reads the previous frame and the phase of the frame to write.
    hold=True adds a path that holds notes: each bin's previous level (one-hot, through a levels x levels matrix
    that starts as the identity) is added to the LSTM's scores for that bin."""
    frames = keras.Input((None, n_bins), name="frames")
    phase = keras.Input((None, n_phase), name="phase")
    noisy = layers.GaussianNoise(input_noise, name="input_noise")(frames) if input_noise else frames
    x = layers.Dense(units, activation="relu", name="project")(layers.Concatenate(name="with_phase")([noisy, phase]))
    for i in range(lstm_layers):
        x = layers.LSTM(units, return_sequences=True, name=f"lstm{i + 1}")(x)
    scores = layers.Reshape((-1, n_bins, levels), name="per_bin")(layers.Dense(n_bins * levels, name="levels")(x))
    if hold:
        previous = LevelOneHot(levels, name="previous_level")(frames)
        stay = layers.Dense(levels, use_bias=False, kernel_initializer=keras.initializers.Identity(2.0),
                            name="stay")(previous)
        scores = layers.Add(name="scores")([scores, stay])
    return keras.Model([frames, phase], layers.Softmax(name="next_frame", dtype="float32")(scores), name="beat_lstm")
