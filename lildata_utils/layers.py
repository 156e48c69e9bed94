"""The course's own Keras layers (registered, so saved models load with safe mode on).

* :class:`SpecAugment`: training-time augmentation for spectrograms;
* :class:`TimeAverage`: a clip's average spectrum, for the softmax baseline;
* :class:`Standardise`: each frequency bin minus its mean, over its spread (Lil Data's recipe);
* :class:`LevelOneHot`: each bin's quantised level as a one-hot vector (the beat LSTM's "stay" path);
* :class:`FrameConv1D`: the random 1-D network's convolution, written as one
  matrix product (a fast twin of ``keras.layers.Conv1D``, tested equal to it).

Notebook: notebooks/02_classifier.ipynb
"""

from __future__ import annotations

import keras
from keras import layers, ops

__all__ = ["FrameConv1D", "LevelOneHot", "SpecAugment", "Standardise", "TimeAverage"]


@keras.saving.register_keras_serializable(package="lildata")
class TimeAverage(layers.Layer):
    """Mean over the time axis: ``(batch, bins, frames, 1) -> (batch, bins)``."""

    def call(self, inputs):
        return ops.mean(inputs[..., 0], axis=2)


@keras.saving.register_keras_serializable(package="lildata")
class LevelOneHot(layers.Layer):
    """Stored values in [0, 1] to one-hot quantised levels: ``(..., bins) -> (..., bins, levels)``.

    The same levels as notebook 05's ``quantise``: ``floor(value * levels)``, clipped to ``0 .. levels - 1``.
    """

    def __init__(self, levels, **kwargs):
        super().__init__(**kwargs)
        self.levels = int(levels)

    def call(self, inputs):
        picks = ops.clip(ops.floor(inputs * self.levels), 0, self.levels - 1)
        return ops.one_hot(ops.cast(picks, "int32"), self.levels, dtype=self.compute_dtype)

    def get_config(self):
        return {**super().get_config(), "levels": self.levels}


@keras.saving.register_keras_serializable(package="lildata")
class Standardise(layers.Layer):
    """``(x - mean) / sqrt(variance)`` for each frequency bin: ``(batch, bins, frames, 1)`` in and out.

    The means and variances are fixed (from the training clips) and kept in the layer's config, so a saved
    model carries them. Keras' ``Normalization`` does the same, but takes them in shapes that differ
    between Keras versions; this layer works the same on all of them.
    """

    def __init__(self, mean, variance, **kwargs):
        super().__init__(**kwargs)
        self.mean = [float(v) for v in ops.convert_to_numpy(ops.reshape(mean, (-1,)))]
        self.variance = [float(v) for v in ops.convert_to_numpy(ops.reshape(variance, (-1,)))]

    def build(self, input_shape):
        # variables, not constants: the graph and eager execution then compute the very same numbers
        self.bin_mean = self.add_weight(shape=(len(self.mean),), name="bin_mean", trainable=False,
                                        initializer=keras.initializers.Constant(self.mean))
        self.bin_scale = self.add_weight(shape=(len(self.variance),), name="bin_scale", trainable=False,
                                         initializer=keras.initializers.Constant(
                                             [1.0 / max(v, 1e-6) ** 0.5 for v in self.variance]))

    def call(self, inputs):
        shape = (1, -1, 1, 1)
        return (inputs - ops.reshape(self.bin_mean, shape)) * ops.reshape(self.bin_scale, shape)

    def get_config(self):
        return {**super().get_config(), "mean": self.mean, "variance": self.variance}


@keras.saving.register_keras_serializable(package="lildata")
class SpecAugment(layers.Layer):
    """Training-time augmentation for spectrograms: a random circular shift in time
    and one random band of frequencies and one of time masked (SpecAugment).

    Args:
        max_freq_mask: Widest frequency mask, as a fraction of the bins.
        max_time_mask: Widest time mask, as a fraction of the frames.
        seed: Seed of the layer's random generator.
    """

    def __init__(self, max_freq_mask: float = 0.15, max_time_mask: float = 0.15, seed: int | None = None, **kwargs):
        super().__init__(**kwargs)
        self.max_freq_mask, self.max_time_mask, self.seed = max_freq_mask, max_time_mask, seed
        self.generator = keras.random.SeedGenerator(seed)

    def _mask(self, size: int, fraction: float, batch, dtype):
        width = ops.cast(keras.random.uniform((batch, 1), 0, fraction * size, seed=self.generator), "int32")
        start = ops.cast(keras.random.uniform((batch, 1), 0, size, seed=self.generator), "int32")
        index = ops.arange(size, dtype="int32")[None, :]
        return ops.cast((index < start) | (index >= start + width), dtype)  # float16 under mixed precision

    def call(self, inputs, training=False):
        if not training:
            return inputs
        batch = ops.shape(inputs)[0]
        bins, frames = inputs.shape[1], inputs.shape[2]
        shift = keras.random.randint((), 0, frames, seed=self.generator, dtype="int32")
        x = ops.take(inputs, (ops.arange(frames, dtype="int32") - shift) % frames, axis=2)
        freq = self._mask(bins, self.max_freq_mask, batch, x.dtype)[:, :, None, None]
        time = self._mask(frames, self.max_time_mask, batch, x.dtype)[:, None, :, None]
        return x * freq * time

    def get_config(self):
        return {**super().get_config(), "max_freq_mask": self.max_freq_mask,
                "max_time_mask": self.max_time_mask, "seed": self.seed}


@keras.saving.register_keras_serializable(package="lildata")
class FrameConv1D(keras.layers.Layer):
    """A 1-D convolution over time with the frequency bins as channels, then ReLU.

    ``(batch, bins, frames, 1) -> (batch, 1, frames - width + 1, filters)``. Written as the
    ``width`` shifted copies of the frames side by side times one matrix: the same numbers as a
    ``Conv2D`` of kernel ``(1, width)``, and its gradient with respect to the input costs about
    half of the convolution's on a CPU.
    """

    def __init__(self, filters: int, width: int, **kwargs):
        super().__init__(**kwargs)
        self.filters, self.width = filters, width

    def build(self, input_shape):
        self.kernel = self.add_weight(shape=(self.width * input_shape[1], self.filters), name="kernel",
                                      initializer="glorot_uniform")

    def call(self, inputs):
        x = ops.transpose(inputs[..., 0], (0, 2, 1))  # (batch, frames, bins)
        n = x.shape[1] - self.width + 1
        columns = ops.concatenate([x[:, i:i + n] for i in range(self.width)], axis=-1)
        return ops.relu(ops.matmul(columns, self.kernel))[:, None]

    def get_config(self):
        return {**super().get_config(), "filters": self.filters, "width": self.width}
