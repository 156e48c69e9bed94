"""Grad-CAM (Selvaraju et al., 2017): which time-frequency regions of a spectrogram raised a classifier's score.

Notebook: notebooks/02_classifier.ipynb
"""

from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf

__all__ = ["grad_cam", "last_conv_layer"]


def last_conv_layer(model) -> str:
    """The name of the last Conv2D layer (``conv4`` for Lil Data)."""
    names = [layer.name for layer in model.layers if isinstance(layer, keras.layers.Conv2D)]
    if not names:
        raise ValueError(f"{model.name} has no Conv2D layer for Grad-CAM")
    return names[-1]


def grad_cam(model, stored: np.ndarray, label: int | None = None, layer: str | None = None) -> tuple[np.ndarray, int]:
    """``(heatmap, label)``: the Grad-CAM map in [0, 1] of one stored spectrogram, at its size, for the genre
    ``label`` (``None``: the predicted one), of the convolution ``layer`` (``None``: the last one).

    Notebook: notebooks/02_classifier.ipynb
    """
    probe = keras.Model(model.inputs, [model.get_layer(layer or last_conv_layer(model)).output, model.outputs[0]])
    x = tf.convert_to_tensor(np.asarray(stored, np.float32)[None, ..., None])
    with tf.GradientTape() as tape:
        maps, probs = probe(x, training=False)
        if label is None:
            label = int(tf.argmax(probs[0]))
        score = tf.math.log(probs[:, label] + 1e-9)
    weights = tf.reduce_mean(tape.gradient(score, maps), axis=(1, 2), keepdims=True)  # each filter map's weight
    cam = tf.nn.relu(tf.reduce_sum(weights * maps, axis=-1))[0]
    cam = tf.image.resize(cam[..., None], stored.shape, method="bilinear")[..., 0].numpy()
    top = cam.max()
    return (cam / top if top > 0 else cam).astype(np.float32), label
