"""The classifiers: the paper's Lil Data CNN, its softmax baseline and ResNet50.

All three take a stored spectrogram batch, float32 ``(batch, n_bins, n_frames, 1)``
in [0, 1] (see :mod:`~lildata_utils.spectrogram`), and end in a softmax over
the labels.

* :func:`lil_data` is the paper's network: four 3x3 convolutions named
  ``conv1``..``conv4`` (the genre-transfer notebook reads them by name), each
  followed by 4x4 max pooling, then dropout 0.5, Dense 48 and the softmax. The
  paper gives no filter counts; we use 16, 32, 64, 64 (about 90 k weights at
  631 x 631), doubling like most small image CNNs.
* :func:`softmax_baseline` is the paper's "benchmark softmax classifier": one
  softmax layer on the clip's average spectrum (the mean dB of each frequency
  bin over the 5 seconds), standardised with the training set's statistics. It
  sees timbre and loudness but no rhythm and no change over time.
* :func:`resnet50` is keras.applications.ResNet50 on the channel repeated to 3,
  with a new head. See notebook 03 for why the paper's got 34% and what this
  one does differently.

Notebook: notebooks/02_classifier.ipynb
"""

from __future__ import annotations

import os
import socket
from pathlib import Path

import keras
import numpy as np
from keras import layers, ops

__all__ = ["LIL_DATA_FILTERS", "MODEL_NAMES", "PAPER_FOUR_GENRES", "SpecAugment", "TimeAverage",
           "build_model", "lil_data", "resnet50", "resolve_weights", "softmax_baseline"]

LIL_DATA_FILTERS = (16, 32, 64, 64)
"""Filters of ``conv1``..``conv4`` (the paper does not give them)."""

MODEL_NAMES = ("lildata", "softmax", "resnet50")

PAPER_FOUR_GENRES = ("trap", "lofi", "hardstyle", "house")
"""The 4-genre task. The paper does not name its 4 genres; these are 4 of its 8 that it
does not call near-identical (it names liquid dnb and future bass as the confused pair)."""

RESNET_INPUT = (224, 224)
"""ResNet50's spectrogram input is resized to ImageNet's size: 8x fewer operations than
631 x 631, and the scale its pretrained filters know."""

_IMAGENET_FILES = {
    "resnet50": "resnet50_weights_tf_dim_ordering_tf_kernels_notop.h5",
    "vgg19": "vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5",
}


@keras.saving.register_keras_serializable(package="lildata")
class TimeAverage(layers.Layer):
    """Mean over the time axis: ``(batch, bins, frames, 1) -> (batch, bins)``."""

    def call(self, inputs):
        return ops.mean(inputs[..., 0], axis=2)


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

    def _mask(self, size: int, fraction: float, batch):
        width = ops.cast(keras.random.uniform((batch, 1), 0, fraction * size, seed=self.generator), "int32")
        start = ops.cast(keras.random.uniform((batch, 1), 0, size, seed=self.generator), "int32")
        index = ops.arange(size, dtype="int32")[None, :]
        return ops.cast((index < start) | (index >= start + width), "float32")

    def call(self, inputs, training=False):
        if not training:
            return inputs
        batch = ops.shape(inputs)[0]
        bins, frames = inputs.shape[1], inputs.shape[2]
        shift = keras.random.randint((), 0, frames, seed=self.generator, dtype="int32")
        x = ops.take(inputs, (ops.arange(frames, dtype="int32") - shift) % frames, axis=2)
        freq = self._mask(bins, self.max_freq_mask, batch)[:, :, None, None]
        time = self._mask(frames, self.max_time_mask, batch)[:, None, :, None]
        return x * freq * time

    def get_config(self):
        return {**super().get_config(), "max_freq_mask": self.max_freq_mask,
                "max_time_mask": self.max_time_mask, "seed": self.seed}


def lil_data(input_shape: tuple[int, int], n_labels: int, filters: tuple[int, ...] = LIL_DATA_FILTERS,
             dropout: float = 0.5, dense_units: int = 48, augment: bool = False) -> keras.Model:
    """The paper's Lil Data CNN.

    Args:
        input_shape: ``(n_bins, n_frames)``, 631 x 631 at the paper preset.
        n_labels: Number of genres.
        filters: Filters of ``conv1``..``conv4``.
        dropout: Dropout before the dense layer (the paper: 0.5).
        dense_units: Units of the hidden dense layer (the paper: 48).
        augment: Add :class:`SpecAugment` in front (off in the paper).

    Returns:
        An uncompiled Keras model named ``lil_data``.

    Notebook: notebooks/02_classifier.ipynb
    """
    inputs = keras.Input((*input_shape, 1), name="spectrogram")
    x = SpecAugment(name="augment")(inputs) if augment else inputs
    for i, count in enumerate(filters):
        x = layers.Conv2D(count, 3, padding="same", activation="relu", name=f"conv{i + 1}")(x)
        x = layers.MaxPooling2D(4, padding="same", name=f"pool{i + 1}")(x)
    x = layers.Flatten(name="flatten")(x)
    x = layers.Dropout(dropout, name="dropout")(x)
    x = layers.Dense(dense_units, activation="relu", name="dense")(x)
    outputs = layers.Dense(n_labels, activation="softmax", name="genre")(x)
    return keras.Model(inputs, outputs, name="lil_data")


def softmax_baseline(input_shape: tuple[int, int], n_labels: int, mean: np.ndarray | None = None,
                     variance: np.ndarray | None = None, l2: float = 1e-3) -> keras.Model:
    """The benchmark softmax classifier: one softmax layer on the clip's average spectrum.

    Args:
        input_shape: ``(n_bins, n_frames)``.
        n_labels: Number of genres.
        mean, variance: Per-bin statistics of the training set's average
            spectra, to standardise with (``None``: no standardisation).
        l2: L2 penalty on the softmax weights.

    Returns:
        An uncompiled Keras model named ``softmax_baseline``.

    Notebook: notebooks/02_classifier.ipynb
    """
    inputs = keras.Input((*input_shape, 1), name="spectrogram")
    x = TimeAverage(name="average_spectrum")(inputs)
    if mean is not None:
        x = layers.Normalization(mean=np.asarray(mean), variance=np.asarray(variance) + 1e-6, name="standardise")(x)
    outputs = layers.Dense(n_labels, activation="softmax", kernel_regularizer=keras.regularizers.l2(l2),
                           name="genre")(x)
    return keras.Model(inputs, outputs, name="softmax_baseline")


def _weights_cached(name: str) -> Path | None:
    path = Path(os.environ.get("KERAS_HOME", Path.home() / ".keras")) / "models" / _IMAGENET_FILES[name]
    return path if path.exists() else None


def resolve_weights(weights: str | None, name: str = "resnet50") -> str | None:
    """Turn a weights choice into what keras.applications takes.

    Args:
        weights: ``"imagenet"`` (download when needed), ``"auto"`` (ImageNet if
            already cached or the download server answers, else none), ``"none"``
            or ``None`` (random weights), or the path of a local weights file.
        name: ``resnet50`` or ``vgg19``.

    Returns:
        ``"imagenet"``, a file path, or ``None``. With ``auto`` and
        ``LILDATA_OFFLINE=1`` in the environment (the tests set it), nothing is
        downloaded.

    Raises:
        LildataError: A path was given that does not exist.

    Notebook: notebooks/03_resnet.ipynb
    """
    if weights is None or str(weights).lower() == "none":
        return None
    if str(weights).lower() == "imagenet":
        return "imagenet"
    if str(weights).lower() == "auto":
        if _weights_cached(name):
            return "imagenet"
        if os.environ.get("LILDATA_OFFLINE") == "1":
            print(f"{name}: offline (LILDATA_OFFLINE=1), so random weights instead of ImageNet")
            return None
        try:
            socket.create_connection(("storage.googleapis.com", 443), timeout=3).close()
            return "imagenet"
        except OSError:
            print(f"{name}: the ImageNet weights cannot be downloaded here, so random weights are used")
            return None
    path = Path(weights)
    if not path.exists():
        from .errors import LildataError

        raise LildataError(f"{name} weights file {path} does not exist")
    return str(path)


def resnet50(input_shape: tuple[int, int], n_labels: int, weights: str | None = "auto",
             image_size: tuple[int, int] | None = RESNET_INPUT, dropout: float = 0.5,
             augment: bool = True, batchnorm_momentum: float | None = 0.9) -> keras.Model:
    """ResNet50 on a spectrogram repeated to 3 channels, with a new softmax head.

    The stored [0, 1] spectrogram is scaled to 0..255, repeated to 3 channels,
    resized to ``image_size`` and passed through ResNet50's own preprocessing;
    then global average pooling, dropout and a softmax layer. With ImageNet
    weights the network starts from filters that already find edges and
    textures; with random weights, :class:`SpecAugment`, dropout and the
    smaller input keep 23 million weights from memorising the training songs.

    Args:
        input_shape: ``(n_bins, n_frames)``.
        n_labels: Number of genres.
        weights: See :func:`resolve_weights`.
        image_size: Size to resize to, or ``None`` to keep the spectrogram's.
        dropout: Dropout before the softmax.
        augment: Add :class:`SpecAugment` in front.
        batchnorm_momentum: Momentum of the batch-normalisation statistics
            when training from random weights (``None``: Keras' 0.99).

    Returns:
        An uncompiled Keras model named ``resnet50``.

    Notebook: notebooks/03_resnet.ipynb
    """
    weights = resolve_weights(weights, "resnet50")
    inputs = keras.Input((*input_shape, 1), name="spectrogram")
    x = SpecAugment(name="augment")(inputs) if augment else inputs
    x = layers.Rescaling(255.0, name="to_pixels")(x)
    x = layers.Concatenate(name="to_rgb")([x, x, x])
    if image_size is not None and tuple(image_size) != tuple(input_shape):
        x = layers.Resizing(*image_size, name="resize")(x)
    size = tuple(image_size or input_shape)
    x = keras.applications.resnet50.preprocess_input(x)
    backbone = keras.applications.ResNet50(include_top=False, weights=weights, input_shape=(*size, 3),
                                           pooling="avg")
    if weights is None and batchnorm_momentum is not None:
        # Keras' ResNet50 averages batch statistics with momentum 0.99, which needs thousands of steps to
        # settle from random weights; a small dataset gives a few hundred, and the model then predicts with
        # statistics from its first steps (a cause of "94% train, 34% test"). 0.9 settles in tens of steps.
        for layer in backbone.layers:
            if isinstance(layer, layers.BatchNormalization):
                layer.momentum = batchnorm_momentum
    x = backbone(x)
    if dropout:
        x = layers.Dropout(dropout, name="dropout")(x)
    outputs = layers.Dense(n_labels, activation="softmax", name="genre")(x)
    model = keras.Model(inputs, outputs, name="resnet50")
    model.weights_source = "imagenet" if weights == "imagenet" else (weights or "random")
    return model


def build_model(name: str, input_shape: tuple[int, int], n_labels: int, **kwargs) -> keras.Model:
    """Build a classifier by name: ``lildata``, ``softmax`` or ``resnet50``.

    Notebook: notebooks/02_classifier.ipynb
    """
    builders = {"lildata": lil_data, "softmax": softmax_baseline, "resnet50": resnet50}
    if name not in builders:
        raise ValueError(f"unknown model {name!r}: choose one of {', '.join(MODEL_NAMES)}")
    return builders[name](input_shape, n_labels, **kwargs)
