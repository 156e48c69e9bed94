"""Style transfer on spectrograms: Gram matrices, costs, the step and the loop.

Generated from notebooks/04_genre_transfer.ipynb (its cells marked ``#@save``) by scripts/export_lessons.py:
edit the notebook, then run `make lessons`.

Notebook: notebooks/04_genre_transfer.ipynb
"""

from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf
from scipy.ndimage import gaussian_filter1d

__all__ = ["content_cost", "gram_matrix", "make_step", "match_statistics", "modulation_transfer", "random_1d_net", "style_cost", "style_transfer"]


def gram_matrix(features, per_position=False):
    """Which features occur together, wherever they occur: G = F^T F, F = the maps flattened to positions x channels.

    per_position divides by the number of positions (Ulyanov and Lebedev's audio version)."""
    flat = tf.reshape(features, (-1, features.shape[-1]))
    gram = tf.matmul(flat, flat, transpose_a=True)
    return gram / tf.cast(tf.shape(flat)[0], gram.dtype) if per_position else gram


def content_cost(content_features, generated_features):
    """J_content = 1/2 sum (a_C - a_G)^2 at the content layer."""
    return 0.5 * tf.reduce_sum(tf.square(content_features - generated_features))


def style_cost(style_grams, generated_features, weights, per_position=False):
    """J_style = sum over style layers of lambda_l / (2 n_h n_w n_c)^2 sum (G_S - G_G)^2 (Gatys et al.);
    with per_position, the Gram matrices are already averaged over time and are compared as they are."""
    total = 0.0
    for weight, gram_s, features in zip(weights, style_grams, generated_features):
        difference = tf.reduce_sum(tf.square(gram_s - gram_matrix(features, per_position)))
        size = float(np.prod(features.shape[1:]))  # n_h n_w n_c
        total += weight * (difference if per_position else difference / (2.0 * size) ** 2)
    return total


def make_step(extractor, image, content, style, settings, style_cost_fn=None):
    """The costs of an image, and one compiled step that moves the image's pixels (not the network's weights)
    down J = alpha J_content + beta J_style. `extractor` gives the style layers' maps, then the content layer's."""
    n_style = len(settings.style_layers)
    per_position = settings.net == "random1d"
    style_grams = [gram_matrix(f, per_position) for f in extractor(style)[:n_style]]
    content_target = extractor(content)[n_style]
    cost_of_style = style_cost_fn or style_cost
    optimizer = keras.optimizers.Adam(settings.learning_rate)
    optimizer.build([image])  # its state exists before the step is compiled: one trace only

    def costs(candidate):
        features = extractor(candidate)
        j_content = content_cost(content_target, features[n_style])
        j_style = cost_of_style(style_grams, features[:n_style], settings.style_weights, per_position)
        return settings.alpha * j_content + settings.beta * j_style, j_content, j_style

    @tf.function
    def step():
        with tf.GradientTape() as tape:
            total, j_content, j_style = costs(image)
        optimizer.apply_gradients([(tape.gradient(total, image), image)])
        image.assign(tf.clip_by_value(image, 0.0, 1.0))  # stay a spectrogram: levels in [0, 1]
        return total, j_content, j_style

    return step, costs


def style_transfer(extractor, content, style, settings, callback=None, style_cost_fn=None):
    """Start from the content and take settings.iterations steps. Returns the result (bins x frames) and the
    loss curves (the first entry is before any step)."""
    as_image = lambda s: tf.constant(np.asarray(s, np.float32)[None, ..., None])  # noqa: E731
    image = tf.Variable(as_image(content), name="generated")
    step, costs = make_step(extractor, image, as_image(content), as_image(style), settings, style_cost_fn)
    losses = {"total": [], "content": [], "style": []}
    for i in range(settings.iterations + 1):
        values = costs(image) if i == 0 else step()
        for key, value in zip(losses, values):
            losses[key].append(float(value))
        if callback is not None and i:
            callback(i, {key: curve[-1] for key, curve in losses.items()})
    return image.numpy()[0, ..., 0], losses


def random_1d_net(shape, filters=4096, width=11, seed=0):
    """Ulyanov and Lebedev's net: the frequency bins become the channels of a 1 x T image, and one random,
    untrained 1-D convolution over time (`width` frames, `filters` filters) with ReLU looks at the whole
    spectrum at once. Its output serves as the style layer and the content layer."""
    bins, frames = shape
    rng = np.random.default_rng(seed)
    std = np.sqrt(2.0) * np.sqrt(2.0 / ((bins + filters) * width))
    kernel = (rng.standard_normal((width, bins, filters)) * std).astype(np.float32)
    inputs = keras.Input((bins, frames, 1))
    x = keras.layers.Reshape((bins, frames))(inputs)
    x = keras.layers.Permute((2, 1))(x)  # frames x bins: time steps with the bins as channels
    conv = keras.layers.Conv1D(filters, width, activation="relu", use_bias=False, name="conv1d")
    features = keras.layers.Reshape((1, frames - width + 1, filters))(conv(x))
    conv.set_weights([kernel])
    model = keras.Model(inputs, [features, features], name="random_1d")
    model.trainable = False
    return model




def match_statistics(content, style):
    """Per-bin AdaIN: every frequency bin of the content (bins x frames, stored levels in [0, 1]) keeps its course
    over time but takes the style's mean and standard deviation over time."""
    mean_c, std_c = content.mean(axis=1, keepdims=True), content.std(axis=1, keepdims=True)
    mean_s, std_s = style.mean(axis=1, keepdims=True), style.std(axis=1, keepdims=True)
    return np.clip((content - mean_c) / (std_c + 1e-4) * std_s + mean_s, 0.0, 1.0)


def modulation_transfer(content, style, envelope_bins=3.0):
    """The style's modulation spectrum with the content's timing, on the spectral envelope.

    envelope = each frame smoothed over frequency (a Gaussian of `envelope_bins` bins; 0: no smoothing, the whole
    spectrogram is transferred). Over time, the envelope of each bin takes the magnitude of the style's Fourier
    transform (how strongly it pulses at each rate; its mean is the zero rate) and keeps the phase of the content's
    (when it pulses). The content's fine structure (content minus its envelope: its harmonics) is added back."""
    smooth = (lambda s: gaussian_filter1d(s, envelope_bins, axis=0, mode="nearest")) if envelope_bins else (lambda s: s)
    envelope_c, envelope_s = smooth(content.astype(np.float64)), smooth(style.astype(np.float64))
    rates_c, rates_s = np.fft.rfft(envelope_c, axis=1), np.fft.rfft(envelope_s, axis=1)
    moved = np.fft.irfft(np.abs(rates_s) * np.exp(1j * np.angle(rates_c)), n=content.shape[1], axis=1)
    return np.clip(moved + (content - envelope_c), 0.0, 1.0).astype(np.float32)
