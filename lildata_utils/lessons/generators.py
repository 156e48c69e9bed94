"""LSTM generators: the paper's model, the autoregressive one, sampling.

Generated from notebooks/05_lstm_generation.ipynb (its cells marked ``#@save``) by scripts/export_lessons.py:
edit the notebook, then run `make lessons`.

Notebook: notebooks/05_lstm_generation.ipynb
"""

from __future__ import annotations

import keras
import numpy as np
from keras import layers

__all__ = ["autoregressive_lstm", "compile_generator", "generate_frames", "level_values", "paper_lstm", "quantise", "sample_frame"]


def paper_lstm(n_bins, n_frames, lstm_layers=2, units=50):
    """The paper's one-to-many model: one frame in, repeated over time into LSTMs; a sigmoid Dense writes each
    of the n_frames - 1 frames that follow."""
    inputs = keras.Input((n_bins,), name="first_frame")
    x = layers.RepeatVector(n_frames - 1, name="repeat")(inputs)
    for i in range(lstm_layers):
        x = layers.LSTM(units, return_sequences=True, name=f"lstm{i + 1}")(x)
    outputs = layers.Dense(n_bins, activation="sigmoid", name="frame")(x)
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
    return keras.Model(inputs, layers.Softmax(name="next_frame")(x), name="autoregressive_lstm")


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


def sample_frame(logits, rng, temperature=0.7, shared_quantile=True):
    """One generated frame from the model's scores (bins x levels).

    Temperature below 1 sharpens each bin's distribution, above 1 flattens it. One random quantile is drawn for
    the whole frame and every bin takes that quantile of its own distribution, so a frame rises or falls as a
    whole (a drum hit, a chord) instead of each bin rolling its own dice (grain)."""
    scaled = np.asarray(logits, np.float64) / max(temperature, 1e-6)
    probs = np.exp(scaled - scaled.max(axis=1, keepdims=True))
    probs /= probs.sum(axis=1, keepdims=True)
    draw = rng.random() if shared_quantile else rng.random((len(probs), 1))
    picks = (probs.cumsum(axis=1) < draw).sum(axis=1).clip(0, probs.shape[1] - 1)
    return level_values(probs.shape[1])[picks]


def generate_frames(step, state, seed_frames, n_frames, rng, temperature=0.7, shared_quantile=True):
    """The autoregressive loop: read the seed frames, then feed each sampled frame back in.
    `step(frame, state)` gives the next frame's scores and the LSTMs' new state. Returns bins x frames."""
    frames = list(seed_frames)
    for t in range(n_frames - 1):
        logits, state = step(frames[t], state)
        if t + 1 >= len(frames):  # past the seed: sample
            frames.append(sample_frame(logits, rng, temperature, shared_quantile))
    return np.stack(frames[:n_frames]).T
