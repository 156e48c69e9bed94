"""LSTM generators: the paper's model, teacher forcing, sampled levels.

Generated from notebooks/05_lstm_generation.ipynb (its cells marked ``#@save``) by scripts/export_lessons.py:
edit the notebook, then run `make lessons`.

Notebook: notebooks/05_lstm_generation.ipynb
"""

from __future__ import annotations

import keras
import numpy as np
from keras import layers

__all__ = ["autoregressive_lstm", "compile_generator", "generate_frames", "level_values", "paper_lstm", "quantise", "sample_frame", "sharpen", "teacher_forcing"]


# notebooks/05_lstm_generation.ipynb, cell 7
def paper_lstm(n_bins, n_frames, lstm_layers=2, units=50):
    """The paper's one-to-many model: one frame in, repeated over time into LSTMs; a sigmoid Dense writes each
    of the n_frames - 1 frames that follow."""
    inputs = keras.Input((n_bins,), name="first_frame")
    x = layers.RepeatVector(n_frames - 1, name="repeat")(inputs)
    for i in range(lstm_layers):
        x = layers.LSTM(units, return_sequences=True, name=f"lstm{i + 1}")(x)
    return keras.Model(inputs, layers.Dense(n_bins, activation="sigmoid", name="frame", dtype="float32")(x),
                       name="paper_lstm")


# notebooks/05_lstm_generation.ipynb, cell 17
def autoregressive_lstm(n_bins, levels=16, lstm_layers=2, units=256, input_noise=0.05, stateful=False):
    """The next frame from the frames so far: for every bin, a softmax over `levels` quantised levels. Noise on
    the inputs teaches it to continue from imperfect frames. stateful: one frame at a time, for generating."""
    inputs = keras.Input(batch_shape=(1, 1, n_bins) if stateful else (None, None, n_bins), name="frames")
    x = layers.GaussianNoise(input_noise, name="input_noise")(inputs)
    x = layers.Dense(units, activation="relu", name="project")(x)
    for i in range(lstm_layers):
        x = layers.LSTM(units, return_sequences=True, stateful=stateful, name=f"lstm{i + 1}")(x)
    x = layers.Reshape((-1, n_bins, levels), name="per_bin")(layers.Dense(n_bins * levels, name="levels")(x))
    return keras.Model(inputs, layers.Softmax(name="next_frame", dtype="float32")(x), name="autoregressive_lstm")


def quantise(frames, levels):
    """Stored values in [0, 1] to level numbers 0 .. levels - 1: the targets of the autoregressive model."""
    return np.clip(np.floor(np.asarray(frames) * levels), 0, levels - 1).astype(np.int32)


def level_values(levels):
    """The stored value of each level (the middle of its step)."""
    return ((np.arange(levels) + 0.5) / levels).astype(np.float32)


def teacher_forcing(clips, levels):
    """Inputs and targets of teacher forcing for clips (clips, frames, bins): every frame but the last in,
    the level of every frame but the first out."""
    return clips[:, :-1], quantise(clips[:, 1:], levels)


def compile_generator(model, kind, learning_rate):
    """The paper's model: mean squared error on the frames. The autoregressive one: cross-entropy of the true
    next level of every bin, which blurring cannot lower (a blur puts probability on the wrong levels)."""
    model.compile(optimizer=keras.optimizers.Adam(learning_rate), loss="mse" if kind == "paper" else
                  "sparse_categorical_crossentropy")
    return model


def sharpen(probabilities, temperature=0.7):
    """Each bin's probabilities to the power 1/temperature, summing to 1 again: below 1, the likely levels gain."""
    sharp = np.asarray(probabilities, np.float64) ** (1.0 / max(temperature, 1e-3))
    return sharp / sharp.sum(axis=-1, keepdims=True)


def sample_frame(probabilities, rng, temperature=0.7):
    """One frame from the model's probabilities (bins x levels): sharpened by the temperature, then one random
    quantile shared by every bin, so the frame rises or falls as a whole."""
    sharp = sharpen(probabilities, temperature)
    picks = (sharp.cumsum(axis=1) < rng.random()).sum(axis=1).clip(0, sharp.shape[1] - 1)
    return level_values(sharp.shape[1])[picks]


def generate_frames(step, seed_frames, n_frames, rng, temperature=0.7, extra=None, sample=sample_frame):
    """Free running: read the seed frames, then feed each sampled frame back in. `step(x)` gives the next
    frame's probabilities; `extra` (n_frames x features) goes in beside each frame (05b's beat phase)."""
    frames = list(seed_frames)
    for t in range(n_frames - 1):
        probabilities = step(frames[t] if extra is None else np.concatenate([frames[t], extra[t + 1]]))
        if t + 1 >= len(frames):  # past the seed: sample
            frames.append(sample(probabilities, rng, temperature))
    return np.stack(frames[:n_frames]).T
