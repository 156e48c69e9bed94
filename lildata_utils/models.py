"""The classifiers: the paper's Lil Data CNN, its softmax baseline and ResNet50.

All three take a stored spectrogram batch, float32 ``(batch, n_bins, n_frames, 1)``
in [0, 1] (see :mod:`~lildata_utils.spectrogram`), and end in a softmax over
the labels.

The networks themselves are written in the notebooks (:mod:`lildata_utils.lessons`):
this module gives them the course's defaults and names.

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

import keras
import numpy as np
from keras import layers

from .layers import SpecAugment, TimeAverage
from .lessons import classifier as _classifier
from .lessons import resnet as _resnet
from .pretrained import resolve_weights

__all__ = ["LIL_DATA_FILTERS", "MODEL_NAMES", "PAPER_FOUR_GENRES", "RESNET_SETUPS", "SpecAugment", "TimeAverage",
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

RESNET_SETUPS = _resnet.RESNET_SETUPS
"""The paper's ResNet50 set-up and ours (notebook 03)."""


def lil_data(input_shape: tuple[int, int], n_labels: int, filters: tuple[int, ...] = LIL_DATA_FILTERS,
             dropout: float = 0.5, dense_units: int = 48, augment: bool = False,
             standardise: tuple[np.ndarray, np.ndarray] | None = None, spectrum: bool = False,
             pool_time: bool = False) -> keras.Model:
    """The paper's Lil Data CNN, as notebook 02 writes it.

    Args:
        input_shape: ``(n_bins, n_frames)``, 631 x 631 at the paper preset.
        n_labels: Number of genres.
        filters: Filters of ``conv1``..``conv4``.
        dropout: Dropout before the dense layer (the paper: 0.5).
        dense_units: Units of the hidden dense layer (the paper: 48).
        augment: Add :class:`SpecAugment` in front (off in the paper).
        standardise: ``(mean, variance)`` of each frequency bin over the training clips: a
            ``Standardise`` layer in front makes every bin zero-mean, unit-variance (off in the paper).
        spectrum: Give the dense layer the clip's average spectrum beside the convolutions' features.
        pool_time: Average the last feature map over time before the dense layer. At 256 x 226 the
            poolings leave one position, so this changes nothing; at 631 x 631 they leave 3 x 3, and the
            dense layer then reads 3 frequency positions instead of 9 positions in frequency and time.

    Returns:
        An uncompiled Keras model named ``lil_data``.

    Notebook: notebooks/02_classifier.ipynb
    """
    front = [_classifier.standardiser(*standardise)] if standardise is not None else []
    if augment:
        front.append(SpecAugment(name="augment"))
    return _classifier.lil_data(input_shape, n_labels, filters=tuple(filters), dropout=dropout, dense_units=dense_units,
                                spectrum=spectrum, pool_time=pool_time,
                                front=front[0] if len(front) == 1 else keras.Sequential(front, name="front") if front else None)


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
                           name="genre", dtype="float32")(x)
    return keras.Model(inputs, outputs, name="softmax_baseline")


def resnet50(input_shape: tuple[int, int], n_labels: int, weights: str | None = "auto",
             image_size: tuple[int, int] | None = RESNET_INPUT, dropout: float = 0.5,
             augment: bool = True, batchnorm_momentum: float | None = 0.9) -> keras.Model:
    """ResNet50 on a spectrogram repeated to 3 channels, with a new softmax head, as notebook 03 writes it.

    Args:
        input_shape: ``(n_bins, n_frames)``.
        n_labels: Number of genres.
        weights: See :func:`~lildata_utils.pretrained.resolve_weights`.
        image_size: Size to resize to, or ``None`` to keep the spectrogram's.
        dropout: Dropout before the softmax.
        augment: Add :class:`SpecAugment` in front.
        batchnorm_momentum: Momentum of the batch-normalisation statistics
            when training from random weights (``None``: Keras' 0.99).

    Returns:
        An uncompiled Keras model named ``resnet50``.

    Notebook: notebooks/03_resnet.ipynb
    """
    return _resnet.resnet50(input_shape, n_labels, weights=weights, image_size=image_size, dropout=dropout,
                            augment=augment, batchnorm_momentum=batchnorm_momentum)


def build_model(name: str, input_shape: tuple[int, int], n_labels: int, **kwargs) -> keras.Model:
    """Build a classifier by name: ``lildata``, ``softmax`` or ``resnet50``.

    Notebook: notebooks/02_classifier.ipynb
    """
    builders = {"lildata": lil_data, "softmax": softmax_baseline, "resnet50": resnet50}
    if name not in builders:
        raise ValueError(f"unknown model {name!r}: choose one of {', '.join(MODEL_NAMES)}")
    return builders[name](input_shape, n_labels, **kwargs)
