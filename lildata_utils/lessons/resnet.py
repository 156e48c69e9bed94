"""ResNet50 on spectrograms: the paper's set-up and ours, side by side.

Generated from notebooks/03_resnet.ipynb (its cells marked ``#@save``) by scripts/export_lessons.py:
edit the notebook, then run `make lessons`.

Notebook: notebooks/03_resnet.ipynb
"""

from __future__ import annotations

import keras
from keras import layers
from lildata_utils.layers import SpecAugment
from lildata_utils.pretrained import resolve_weights

__all__ = ["RESNET_SETUPS", "resnet50"]


RESNET_SETUPS = {
    # the paper's: random weights, Keras' batch-normalisation momentum (0.99), no augmentation, no dropout
    "paper": {"weights": None, "batchnorm_momentum": None, "augment": False, "dropout": 0.0},
    # ours: ImageNet weights when they can be had; from random weights, momentum 0.9 so that the statistics
    # settle in tens of steps; SpecAugment; dropout before the softmax
    "ours": {"weights": "auto", "batchnorm_momentum": 0.9, "augment": True, "dropout": 0.5},
}


def resnet50(input_shape, n_labels, weights="auto", image_size=(224, 224), dropout=0.5, augment=True,
             batchnorm_momentum=0.9):
    """ResNet50 on a spectrogram: scaled to 0..255, repeated to 3 channels, resized, ResNet's own input
    preprocessing; then the backbone, global average pooling, dropout and a new softmax head."""
    weights = resolve_weights(weights, "resnet50")
    inputs = keras.Input((*input_shape, 1), name="spectrogram")
    x = SpecAugment(name="augment")(inputs) if augment else inputs
    x = layers.Rescaling(255.0, name="to_pixels")(x)
    x = layers.Concatenate(name="to_rgb")([x, x, x])
    if image_size is not None and tuple(image_size) != tuple(input_shape):
        x = layers.Resizing(*image_size, name="resize")(x)
    x = keras.applications.resnet50.preprocess_input(x)
    backbone = keras.applications.ResNet50(include_top=False, weights=weights,
                                           input_shape=(*(image_size or input_shape), 3), pooling="avg")
    if weights is None and batchnorm_momentum is not None:
        for layer in backbone.layers:
            if isinstance(layer, layers.BatchNormalization):
                layer.momentum = batchnorm_momentum
    x = backbone(x)
    if dropout:
        x = layers.Dropout(dropout, name="dropout")(x)
    model = keras.Model(inputs, layers.Dense(n_labels, activation="softmax", name="genre", dtype="float32")(x), name="resnet50")
    model.weights_source = "imagenet" if weights == "imagenet" else (weights or "random")
    return model
