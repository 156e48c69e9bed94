"""The classifiers' shapes, their layers, and loading weights from local files."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from lildata_utils import explain, layers, models
from lildata_utils.errors import LildataError


def test_lil_data_is_the_papers_network():
    model = models.lil_data((631, 631), 8)
    assert model.input_shape == (None, 631, 631, 1)
    assert model.output_shape == (None, 8)
    convs = [layer for layer in model.layers if isinstance(layer, keras.layers.Conv2D)]
    assert [c.name for c in convs] == ["conv1", "conv2", "conv3", "conv4"]
    assert all(c.kernel_size == (3, 3) for c in convs)
    assert [c.filters for c in convs] == list(models.LIL_DATA_FILTERS)
    pools = [layer for layer in model.layers if isinstance(layer, keras.layers.MaxPooling2D)]
    assert len(pools) == 4 and all(p.pool_size == (4, 4) for p in pools)
    assert model.get_layer("dropout").rate == 0.5
    assert model.get_layer("dense").units == 48
    assert model.layers[-1].activation.__name__ == "softmax"


def test_softmax_baseline_is_one_softmax_on_the_standardised_average_spectrum():
    rng = np.random.default_rng(0)
    mean, variance = rng.random(16), rng.random(16) + 0.5
    model = models.softmax_baseline((16, 10), 3, mean=mean, variance=variance)
    assert len([layer for layer in model.layers if layer.weights and isinstance(layer, keras.layers.Dense)]) == 1
    x = rng.random((2, 16, 10, 1)).astype(np.float32)
    kernel, bias = model.get_layer("genre").get_weights()
    z = (x[..., 0].mean(axis=2) - mean) / np.sqrt(variance + 1e-6)
    logits = z @ kernel + bias
    expected = np.exp(logits) / np.exp(logits).sum(1, keepdims=True)
    np.testing.assert_allclose(model.predict(x, verbose=0), expected, rtol=1e-4, atol=1e-5)


def test_spec_augment_masks_in_training_only():
    layer = layers.SpecAugment(max_freq_mask=0.5, max_time_mask=0.5, seed=3)
    x = np.ones((4, 32, 40, 1), np.float32)
    assert np.array_equal(np.asarray(layer(x, training=False)), x)
    y = np.asarray(layer(x, training=True))
    assert y.shape == x.shape and set(np.unique(y)) <= {0.0, 1.0}
    assert 0 < (y == 0).mean() < 0.9
    # each mask is a band: whole rows of frequency or whole columns of time
    zero_rows = (y[0, :, :, 0] == 0).all(axis=1)
    zero_cols = (y[0, :, :, 0] == 0).all(axis=0)
    assert ((y[0, :, :, 0] == 0) == (zero_rows[:, None] | zero_cols[None, :])).all()


def test_resolve_weights(tmp_path, monkeypatch):
    assert models.resolve_weights("none") is None
    assert models.resolve_weights(None) is None
    assert models.resolve_weights("imagenet") == "imagenet"
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    monkeypatch.setenv("LILDATA_OFFLINE", "1")
    assert models.resolve_weights("auto") is None
    with pytest.raises(LildataError, match="does not exist"):
        models.resolve_weights(str(tmp_path / "missing.h5"))
    cached = tmp_path / "models" / "resnet50_weights_tf_dim_ordering_tf_kernels_notop.h5"
    cached.parent.mkdir(parents=True)
    cached.write_bytes(b"x")
    assert models.resolve_weights("auto") == "imagenet"


def test_resnet50_loads_a_local_weights_file(tmp_path):
    keras.utils.set_random_seed(1)
    model = models.resnet50((40, 30), 4, weights="none", image_size=(32, 32))
    assert model.output_shape == (None, 4) and model.weights_source == "random"
    backbone = model.get_layer("resnet50")
    path = tmp_path / "resnet.weights.h5"
    backbone.save_weights(path)
    keras.utils.set_random_seed(2)
    again = models.resnet50((40, 30), 4, weights=str(path), image_size=(32, 32))
    for a, b in zip(backbone.get_weights(), again.get_layer("resnet50").get_weights()):
        np.testing.assert_array_equal(a, b)
    assert again.weights_source == str(path)


def test_build_model_refuses_an_unknown_name():
    with pytest.raises(ValueError, match="unknown model"):
        models.build_model("vgg", (10, 10), 2)


def test_grad_cam_points_at_the_region_that_decides():
    # a network that only looks at the upper half of the frequencies
    inputs = keras.Input((16, 12, 1))
    mask = np.zeros((1, 16, 12, 1), np.float32)
    mask[:, 8:] = 1.0
    x = keras.layers.Lambda(lambda t: t * mask)(inputs)
    conv = keras.layers.Conv2D(2, 3, padding="same", name="conv1")
    x = conv(x)
    x = keras.layers.GlobalAveragePooling2D()(x)
    model = keras.Model(inputs, keras.layers.Dense(2, activation="softmax")(x))
    conv.set_weights([np.ones((3, 3, 1, 2), np.float32) * np.array([1.0, 0.5], np.float32), np.zeros(2, np.float32)])
    model.layers[-1].set_weights([np.array([[3.0, -3.0], [1.0, -1.0]], np.float32), np.zeros(2, np.float32)])
    stored = np.random.default_rng(0).random((16, 12)).astype(np.float32)
    heatmap, label = explain.grad_cam(model, stored)
    assert label == 0 and heatmap.shape == stored.shape
    assert heatmap.max() == pytest.approx(1.0)
    assert heatmap[9:].min() > 0.2 and heatmap[:6].max() < 0.02


def test_pooling_over_time_changes_nothing_at_the_classroom_size_and_keeps_frequency_at_the_papers():
    x = np.random.default_rng(0).random((2, 256, 226, 1)).astype("float32")
    outputs = []
    for pool_time in (False, True):
        keras.utils.set_random_seed(3)
        model = models.lil_data((256, 226), 5, spectrum=True, pool_time=pool_time)
        assert model.get_layer("dense").kernel.shape == (64 + 256, 48)
        outputs.append(model.predict(x, verbose=0))
    np.testing.assert_allclose(outputs[0], outputs[1], rtol=1e-5, atol=1e-6)
    # at 631 x 631 four poolings of 4 leave 3 x 3 positions: 9 x 64 features, or 3 x 64 averaged over time
    flat, pooled = (models.lil_data((631, 631), 5, pool_time=p) for p in (False, True))
    assert flat.get_layer("dense").kernel.shape[0] == 9 * 64
    assert pooled.get_layer("dense").kernel.shape[0] == 3 * 64
    clip = np.random.default_rng(1).random((1, 631, 631, 1)).astype("float32")
    features = keras.Model(pooled.input, pooled.get_layer("flatten").output)(clip).numpy().reshape(3, 64)
    last = keras.Model(pooled.input, pooled.get_layer("pool4").output)(clip).numpy()[0]
    np.testing.assert_allclose(features, last.mean(axis=1), rtol=1e-5, atol=1e-6)
