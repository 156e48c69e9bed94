"""Which parts of a spectrogram drove a classifier's decision: Grad-CAM.

Grad-CAM (Selvaraju et al., 2017) weights each filter map of a convolution
layer by the mean gradient of the genre's score with respect to it, sums them
and keeps the positive part: a coarse map of the time-frequency regions that
raised the score. It is scaled back to the spectrogram's size to lay over it.

Notebook: notebooks/02_classifier.ipynb
"""

from __future__ import annotations

import numpy as np

__all__ = ["grad_cam", "last_conv_layer"]


def last_conv_layer(model) -> str:
    """The name of the last layer with 4-D output that is a convolution (``conv4`` for Lil Data)."""
    import keras

    names = [layer.name for layer in model.layers if isinstance(layer, keras.layers.Conv2D)]
    if not names:
        raise ValueError(f"{model.name} has no Conv2D layer for Grad-CAM")
    return names[-1]


def grad_cam(model, stored: np.ndarray, label: int | None = None, layer: str | None = None) -> tuple[np.ndarray, int]:
    """A Grad-CAM heat map for one stored spectrogram.

    Args:
        model: A Keras classifier taking ``(batch, bins, frames, 1)``.
        stored: ``(n_bins, n_frames)`` in [0, 1].
        label: The genre index to explain (``None``: the predicted one).
        layer: The convolution layer (``None``: the last one, ``conv4`` for Lil Data).

    Returns:
        ``(heatmap, label)``: the map at the spectrogram's size in [0, 1], and
        the genre index it explains.

    Notebook: notebooks/02_classifier.ipynb
    """
    import keras
    import tensorflow as tf

    layer = layer or last_conv_layer(model)
    probe = keras.Model(model.inputs, [model.get_layer(layer).output, model.outputs[0]])
    x = tf.convert_to_tensor(np.asarray(stored, np.float32)[None, ..., None])
    with tf.GradientTape() as tape:
        maps, probs = probe(x, training=False)
        if label is None:
            label = int(tf.argmax(probs[0]))
        score = tf.math.log(probs[:, label] + 1e-9)
    grads = tape.gradient(score, maps)
    weights = tf.reduce_mean(grads, axis=(1, 2), keepdims=True)
    cam = tf.nn.relu(tf.reduce_sum(weights * maps, axis=-1))[0]
    cam = tf.image.resize(cam[..., None], stored.shape, method="bilinear")[..., 0].numpy()
    top = cam.max()
    return (cam / top if top > 0 else cam).astype(np.float32), label
