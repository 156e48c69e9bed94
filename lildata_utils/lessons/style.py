"""Style transfer on spectrograms: Gram matrices, costs, the step, the loop, the nets.

Generated from notebooks/04_genre_transfer.ipynb (its cells marked ``#@save``) by scripts/export_lessons.py:
edit the notebook, then run `make lessons`.

Notebook: notebooks/04_genre_transfer.ipynb
"""

from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf

__all__ = ["NETS", "classifier_features", "content_cost", "gram_matrix", "make_step", "random_1d_net", "style_cost", "style_transfer", "vgg19_features"]


# notebooks/04_genre_transfer.ipynb, cell 12
NETS = {  # the paper's layers, layer weights, alpha and beta (random1d: Ulyanov and Lebedev's)
    "vgg19": {"style_layers": ("block1_conv1", "block2_conv1", "block3_conv1", "block4_conv1"),
              "style_weights": (0.3, 0.4, 0.2, 0.1), "content_layer": "block5_conv1", "alpha": 100.0, "beta": 1000.0,
              "iterations": 100},
    "lildata": {"style_layers": ("conv1", "conv2", "conv3", "conv4"), "style_weights": (0.3, 0.4, 0.2, 0.1),
                "content_layer": "conv4", "alpha": 50.0, "beta": 500.0, "iterations": 500},
    "random1d": {"style_layers": ("conv1d",), "style_weights": (1.0,), "content_layer": "conv1d", "alpha": 2e-2,
                 "beta": 1.0, "iterations": 300},
}


def gram_matrix(features, per_position=False):
    """G = F^T F, F the maps as positions x channels (per_position: divided by the positions, as Ulyanov's)."""
    flat = tf.reshape(features, (-1, features.shape[-1]))
    gram = tf.matmul(flat, flat, transpose_a=True)
    return gram / tf.cast(tf.shape(flat)[0], gram.dtype) if per_position else gram


def content_cost(content_features, generated_features):
    """J_content = 1/2 sum (a_C - a_G)^2 at the content layer."""
    return 0.5 * tf.reduce_sum(tf.square(content_features - generated_features))


def style_cost(style_grams, generated_features, weights, per_position=False):
    """J_style = sum over style layers of lambda_l / (2 n_h n_w n_c)^2 sum (G_S - G_G)^2 (per_position: no scale)."""
    total = 0.0
    for weight, gram_s, features in zip(weights, style_grams, generated_features):
        difference = tf.reduce_sum(tf.square(gram_s - gram_matrix(features, per_position)))
        size = float(np.prod(features.shape[1:]))  # n_h n_w n_c
        total += weight * (difference if per_position else difference / (2.0 * size) ** 2)
    return total


# notebooks/04_genre_transfer.ipynb, cell 15
def make_step(extractor, image, content, style, settings):
    """The costs of a picture, and one compiled step that moves its pixels (not the network's weights) down
    J = alpha J_content + beta J_style. `extractor` gives the style layers' maps, then the content layer's."""
    n_style, per_position = len(settings.style_layers), settings.net == "random1d"
    style_grams = [gram_matrix(f, per_position) for f in extractor(style)[:n_style]]
    content_target = extractor(content)[n_style]
    optimizer = keras.optimizers.Adam(settings.learning_rate)
    optimizer.build([image])  # its state exists before the step is compiled: one trace only

    def costs(candidate):
        features = extractor(candidate)
        j_content = content_cost(content_target, features[n_style])
        j_style = style_cost(style_grams, features[:n_style], settings.style_weights, per_position)
        return settings.alpha * j_content + settings.beta * j_style, j_content, j_style

    @tf.function
    def step():
        with tf.GradientTape() as tape:
            total, j_content, j_style = costs(image)
        optimizer.apply_gradients([(tape.gradient(total, image), image)])
        image.assign(tf.clip_by_value(image, 0.0, 1.0))  # stay a spectrogram: levels in [0, 1]
        return total, j_content, j_style

    return step, costs


def style_transfer(extractor, content, style, settings, callback=None):
    """Start from the content and take settings.iterations steps: the result (bins x frames) and the loss
    curves (their first entry is before any step)."""
    as_image = lambda s: tf.constant(np.asarray(s, np.float32)[None, ..., None])  # noqa: E731
    image = tf.Variable(as_image(content), name="generated")
    step, costs = make_step(extractor, image, as_image(content), as_image(style), settings)
    losses = {"total": [], "content": [], "style": []}
    for i in range(settings.iterations + 1):
        for key, value in zip(losses, costs(image) if i == 0 else step()):
            losses[key].append(float(value))
        if callback is not None and i:
            callback(i, {key: curve[-1] for key, curve in losses.items()})
    return image.numpy()[0, ..., 0], losses


# notebooks/04_genre_transfer.ipynb, cell 17
def vgg19_features(shape, net=NETS["vgg19"], weights=None):
    """VGG19's style and content layers on a spectrogram: scaled to 0..255, 3 channels, VGG's preprocessing."""
    vgg = keras.applications.VGG19(include_top=False, weights=weights, input_shape=(*shape, 3))
    names = [*net["style_layers"], net["content_layer"]]
    probe = keras.Model(vgg.input, [vgg.get_layer(name).output for name in names])
    inputs = keras.Input((*shape, 1))
    x = keras.applications.vgg19.preprocess_input(keras.layers.Concatenate()([inputs * 255.0] * 3))
    model = keras.Model(inputs, probe(x), name="vgg19_features")
    model.trainable = False
    return model


def classifier_features(classifier, net=NETS["lildata"]):
    """A trained classifier's style and content layers (Lil Data's conv1..conv4)."""
    names = [*net["style_layers"], net["content_layer"]]
    model = keras.Model(classifier.input, [classifier.get_layer(name).output for name in names], name="features")
    model.trainable = False
    return model


def random_1d_net(shape, filters=4096, width=11, seed=0):
    """Ulyanov and Lebedev's net: the bins become the channels of a 1 x T picture, and one random, untrained
    1-D convolution over time (`width` frames, `filters` filters, ReLU) sees the whole spectrum at once."""
    bins, frames = shape
    std = np.sqrt(2.0) * np.sqrt(2.0 / ((bins + filters) * width))
    kernel = (np.random.default_rng(seed).standard_normal((width, bins, filters)) * std).astype(np.float32)
    inputs = keras.Input((bins, frames, 1))
    x = keras.layers.Permute((2, 1))(keras.layers.Reshape((bins, frames))(inputs))  # frames x bins
    conv = keras.layers.Conv1D(filters, width, activation="relu", use_bias=False, name="conv1d")
    features = keras.layers.Reshape((1, frames - width + 1, filters))(conv(x))
    conv.set_weights([kernel])
    model = keras.Model(inputs, [features, features], name="random_1d")
    model.trainable = False
    return model
