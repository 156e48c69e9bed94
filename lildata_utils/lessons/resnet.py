"""ResNet50 on spectrograms: the paper's set-up and ours, side by side.

Generated from notebooks/03_resnet.ipynb (its cells marked ``#@save``) by scripts/export_lessons.py:
edit the notebook, then run `make lessons`.

Notebook: notebooks/03_resnet.ipynb
"""

from __future__ import annotations

import keras
from keras import layers, ops

__all__ = ["RESNET_SETUPS", "SpecAugment", "resnet50"]


# notebooks/03_resnet.ipynb, cell 11
@keras.saving.register_keras_serializable(package="lildata")
class SpecAugment(layers.Layer):
    """In training: a random circular shift in time, and one random band of frequencies and one of time masked."""

    def __init__(self, max_mask=0.15, **kwargs):
        super().__init__(**kwargs)
        self.max_mask, self.generator = max_mask, keras.random.SeedGenerator(0)

    def mask(self, size, batch, dtype):
        width = keras.random.uniform((batch, 1), 0, self.max_mask * size, seed=self.generator)
        start = keras.random.uniform((batch, 1), 0, size, seed=self.generator)
        index = ops.arange(size, dtype="float32")[None, :]
        return ops.cast((index < start) | (index >= start + width), dtype)

    def call(self, x, training=False):
        if not training:
            return x
        batch, bins, frames = ops.shape(x)[0], x.shape[1], x.shape[2]
        shift = keras.random.randint((), 0, frames, seed=self.generator)
        x = ops.take(x, (ops.arange(frames) - shift) % frames, axis=2)
        return x * self.mask(bins, batch, x.dtype)[:, :, None, None] * self.mask(frames, batch, x.dtype)[:, None, :, None]

    def get_config(self):
        return {**super().get_config(), "max_mask": self.max_mask}


RESNET_SETUPS = {
    "paper": {"weights": None, "batchnorm_momentum": None, "augment": False, "dropout": 0.0},
    "ours": {"weights": "imagenet", "batchnorm_momentum": 0.9, "augment": True, "dropout": 0.5},
}


def resnet50(input_shape, n_labels, weights=None, image_size=(224, 224), dropout=0.5, augment=True,
             batchnorm_momentum=0.9):
    """ResNet50 on a spectrogram: pixels, 3 channels, resized, ResNet's preprocessing; the backbone with global
    average pooling; dropout and a new softmax head. `weights`: "imagenet", None (random) or a weights file."""
    inputs = keras.Input((*input_shape, 1), name="spectrogram")
    x = SpecAugment(name="augment")(inputs) if augment else inputs
    x = layers.Concatenate(name="to_rgb")([layers.Rescaling(255.0, name="to_pixels")(x)] * 3)
    x = keras.applications.resnet50.preprocess_input(layers.Resizing(*image_size, name="resize")(x))
    backbone = keras.applications.ResNet50(include_top=False, weights=weights, input_shape=(*image_size, 3),
                                           pooling="avg")
    for layer in backbone.layers:
        if weights is None and batchnorm_momentum is not None and isinstance(layer, layers.BatchNormalization):
            layer.momentum = batchnorm_momentum
    x = layers.Dropout(dropout, name="dropout")(backbone(x)) if dropout else backbone(x)
    return keras.Model(inputs, layers.Dense(n_labels, activation="softmax", name="genre", dtype="float32")(x),
                       name="resnet50")
