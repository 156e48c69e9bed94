"""The classifiers' shapes, their layers, the baselines, and loading weights from local files."""

from __future__ import annotations

from types import SimpleNamespace

import keras
import numpy as np
import pytest

from lildata_utils.errors import LildataError
from lildata_utils.models.saving import load_keras, save_keras
from lildata_utils.lessons import classifier as lesson02
from lildata_utils.lessons import resnet as lesson03
from lildata_utils.models import baselines, classifiers, explain, pretrained
from sklearn import linear_model, multiclass, pipeline, preprocessing
from lildata_utils.settings import TrainSettings

LIL_DATA_FILTERS = (16, 32, 64, 64)


class _Stored:
    """A stand-in for a prepared dataset: its settings' shape and its stored clips by number."""

    def __init__(self, stored: np.ndarray):
        self.stored = np.asarray(stored, np.float32)
        self.settings = SimpleNamespace(shape=self.stored.shape[1:])

    def spectrogram(self, clip: int) -> np.ndarray:
        return self.stored[clip]


def test_lil_data_is_the_papers_network():
    model = lesson02.lil_data((631, 631), 8)
    assert model.input_shape == (None, 631, 631, 1)
    assert model.output_shape == (None, 8)
    convs = [layer for layer in model.layers if isinstance(layer, keras.layers.Conv2D)]
    assert [c.name for c in convs] == ["conv1", "conv2", "conv3", "conv4"]
    assert all(c.kernel_size == (3, 3) for c in convs)
    assert [c.filters for c in convs] == list(LIL_DATA_FILTERS)
    pools = [layer for layer in model.layers if isinstance(layer, keras.layers.MaxPooling2D)]
    assert len(pools) == 4 and all(p.pool_size == (4, 4) for p in pools)
    assert model.get_layer("dropout").rate == 0.5
    assert model.get_layer("dense").units == 48
    assert model.layers[-1].activation.__name__ == "softmax"
    # at 631 x 631 four poolings of 4 leave 3 x 3 positions of 64 maps; at 256 x 226, one position
    assert model.get_layer("dense").kernel.shape == (9 * 64, 48)
    assert lesson02.lil_data((256, 226), 5).get_layer("dense").kernel.shape == (64, 48)


def test_build_classifier_builds_the_lessons_networks(tiny_prepared):
    from lildata_utils.data import PreparedDataset, split_clips

    data = PreparedDataset(tiny_prepared)
    train_clips = split_clips(data, data.labels, "song", 0)["train"][0]
    paper = classifiers.build_classifier(TrainSettings(paper_setup=True), data, data.labels, train_clips)
    lesson = lesson02.lil_data(data.settings.shape, len(data.labels))
    assert [(type(a), a.name) for a in paper.layers] == [(type(b), b.name) for b in lesson.layers]
    assert paper.count_params() == lesson.count_params() and paper.optimizer is not None

    recipe = classifiers.build_classifier(TrainSettings(), data, data.labels, train_clips)
    kinds = {type(layer) for layer in recipe.layers}
    assert {lesson02.MelBands, lesson02.RandomTimeCrop} <= kinds
    assert recipe.get_layer("crop").frames == int(0.6 * data.settings.n_frames)
    assert recipe.loss == "categorical_crossentropy"  # the recipe trains on mixed-up batches
    no_mixup = classifiers.build_classifier(TrainSettings(mixup=0.0), data, data.labels, train_clips)
    assert no_mixup.loss == "sparse_categorical_crossentropy"

    resnet = classifiers.build_classifier(TrainSettings(model="resnet50", resnet_weights="none", image_size=32),
                                          data, data.labels, train_clips)
    assert isinstance(resnet.get_layer("augment"), lesson03.SpecAugment) and resnet.weights_source == "random"
    bare = classifiers.build_classifier(TrainSettings(model="resnet50", paper_setup=True, image_size=32), data,
                                        data.labels, train_clips)
    assert not any(isinstance(layer, lesson03.SpecAugment) for layer in bare.layers)
    assert "dropout" not in {layer.name for layer in bare.layers}


def test_softmax_baseline_is_one_softmax_on_the_standardised_average_spectrum():
    rng = np.random.default_rng(0)
    stored = rng.random((60, 16, 10)).astype(np.float32)
    targets = np.tile(np.arange(3), 20)
    stored[targets == 1, :4] += 0.3  # something to learn
    x = baselines.features(_Stored(stored), np.arange(60), "softmax")
    np.testing.assert_allclose(x, stored.mean(axis=2), rtol=1e-5, atol=1e-6)
    fit = lesson02.fit_baseline(x[:40], targets[:40], x[40:], targets[40:])
    model = baselines.baseline_model(fit, "softmax", (16, 10), 3)
    assert len([layer for layer in model.layers if layer.weights and isinstance(layer, keras.layers.Dense)]) == 1
    batch = rng.random((5, 16, 10)).astype(np.float32)
    kernel, bias = model.get_layer("genre").get_weights()
    scaler, regression = fit.steps[0][1], fit.steps[-1][1]
    z = (batch.mean(axis=2) - scaler.mean_) / scaler.scale_
    logits = z @ regression.coef_.T + regression.intercept_
    expected = np.exp(logits) / np.exp(logits).sum(1, keepdims=True)
    np.testing.assert_allclose(model.predict(batch[..., None], verbose=0), expected, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(expected, fit.predict_proba(batch.mean(axis=2)), rtol=1e-4, atol=1e-6)
    with pytest.raises(ValueError, match="saw 3 of 4 labels"):
        baselines.baseline_model(fit, "softmax", (16, 10), 4)
    # two labels: scikit-learn keeps one score, the model still gives both probabilities
    two = targets < 2
    fit = lesson02.fit_baseline(x[two][:30], targets[two][:30], x[two][30:], targets[two][30:])
    model = baselines.baseline_model(fit, "softmax", (16, 10), 2)
    np.testing.assert_allclose(model.predict(batch[..., None], verbose=0), fit.predict_proba(batch.mean(axis=2)),
                               rtol=1e-4, atol=1e-5)
    # an edited fit_baseline with a step that is not linear: refused, not silently read as one softmax layer
    squared = pipeline.make_pipeline(preprocessing.FunctionTransformer(np.square), *[step for _, step in fit.steps])
    with pytest.raises(ValueError, match="not affine"):
        baselines.baseline_model(squared.fit(x[two][:30], targets[two][:30]), "softmax", (16, 10), 2)
    # one-vs-rest: affine scores, but its probabilities are not their softmax
    ovr = pipeline.make_pipeline(preprocessing.StandardScaler(), multiclass.OneVsRestClassifier(
        linear_model.LogisticRegression())).fit(x[:40], targets[:40])
    with pytest.raises(ValueError, match="not their softmax"):
        baselines.baseline_model(ovr, "softmax", (16, 10), 3)


def test_the_statistics_features_are_each_bins_mean_spread_and_change():
    stored = np.random.default_rng(1).random((4, 12, 30)).astype(np.float32)
    expected = np.concatenate([stored.mean(axis=2), stored.std(axis=2),
                               np.abs(np.diff(stored, axis=2)).mean(axis=2)], axis=1)
    assert expected.shape == (4, 3 * 12)
    np.testing.assert_allclose(baselines.features(_Stored(stored), np.arange(4), "statistics"), expected,
                               rtol=1e-5, atol=1e-6)
    layer = baselines.ClipFeatures("statistics")
    np.testing.assert_allclose(np.asarray(layer(stored[..., None])), expected, rtol=1e-5, atol=1e-6)
    with pytest.raises(ValueError, match="unknown baseline"):
        baselines.ClipFeatures("vgg")


def _steady_and_restless(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Two classes of clips whose bins have the same mean levels (drawn alike for both); class 1 moves far more
    over time."""
    rng = np.random.default_rng(seed)
    bins, frames = 16, 40
    mean = np.linspace(0.3, 0.7, bins)[None, :, None] + rng.uniform(-0.05, 0.05, (n, bins, 1))
    targets = np.arange(n) % 2
    swing = np.where(targets == 1, 0.25, 0.03)[:, None, None]
    moves = rng.uniform(-1, 1, (n, bins, frames))
    stored = mean + swing * (moves - moves.mean(axis=2, keepdims=True))  # each clip's mean over time: `mean`
    return stored.astype(np.float32), targets


def test_the_statistics_baseline_hears_movement_that_the_average_spectrum_cannot(tmp_path):
    stored, targets = _steady_and_restless(700, seed=2)
    data = _Stored(stored)
    clips = np.arange(len(stored))
    splits = {"train": (clips[:300], targets[:300]), "val": (clips[300:400], targets[300:400]),
              "test": (clips[400:], targets[400:])}
    accuracy = {}
    for kind in ("softmax", "statistics"):
        model = classifiers.fit_baseline_model(TrainSettings(model=kind), data, splits, ["steady", "restless"])
        assert model.weights_source.startswith("logistic regression, C = ")
        probs = model.predict(stored[400:, ..., None], verbose=0)
        accuracy[kind] = float((probs.argmax(1) == targets[400:]).mean())
        path = save_keras(model, tmp_path / f"{kind}.keras")  # a baseline run saves and loads like any other
        np.testing.assert_allclose(load_keras(path).predict(stored[400:410, ..., None], verbose=0), probs[:10],
                                   rtol=1e-5, atol=1e-6)
    assert accuracy["statistics"] > 0.95
    assert abs(accuracy["softmax"] - 0.5) < 0.1, "the same mean in every bin: the average spectrum is at chance"


def test_spec_augment_masks_in_training_only():
    layer = lesson03.SpecAugment(max_mask=0.5)
    x = np.ones((4, 32, 40, 1), np.float32)
    assert np.array_equal(np.asarray(layer(x, training=False)), x)
    y = np.asarray(layer(x, training=True))
    assert y.shape == x.shape and set(np.unique(y)) <= {0.0, 1.0}
    assert 0 < (y == 0).mean() < 0.9
    # each mask is a band: whole rows of frequency or whole columns of time
    for clip in y[..., 0]:
        zero_rows, zero_cols = (clip == 0).all(axis=1), (clip == 0).all(axis=0)
        assert ((clip == 0) == (zero_rows[:, None] | zero_cols[None, :])).all()
    # and before the masks, a circular shift in time: nothing is lost or made up
    ramp = np.tile(np.arange(40, dtype=np.float32), (1, 32, 1))[..., None]
    shifted = np.asarray(lesson03.SpecAugment(max_mask=0.0)(ramp, training=True))[0, 0, :, 0]
    assert sorted(shifted.tolist()) == list(range(40)) and np.all(np.diff(shifted) % 40 == 1)


def test_resolve_weights(tmp_path, monkeypatch):
    assert pretrained.resolve_weights("none") is None
    assert pretrained.resolve_weights(None) is None
    assert pretrained.resolve_weights("imagenet") == "imagenet"
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    monkeypatch.setenv("LILDATA_OFFLINE", "1")
    assert pretrained.resolve_weights("auto") is None
    with pytest.raises(LildataError, match="does not exist"):
        pretrained.resolve_weights(str(tmp_path / "missing.h5"))
    cached = tmp_path / "models" / "resnet50_weights_tf_dim_ordering_tf_kernels_notop.h5"
    cached.parent.mkdir(parents=True)
    cached.write_bytes(b"x")
    assert pretrained.resolve_weights("auto") == "imagenet"
    assert pretrained.resolve_weights("auto", "vgg19") is None  # each net's own file


def test_resnet50_loads_a_local_weights_file(tmp_path):
    data = SimpleNamespace(settings=SimpleNamespace(shape=(40, 30)))
    labels = ["a", "b", "c", "d"]
    settings = TrainSettings(model="resnet50", resnet_weights="none", image_size=32)
    keras.utils.set_random_seed(1)
    model = classifiers.build_classifier(settings, data, labels, np.arange(0))
    assert model.output_shape == (None, 4) and model.weights_source == "random"
    backbone = model.get_layer("resnet50")
    path = tmp_path / "resnet.weights.h5"
    backbone.save_weights(path)
    keras.utils.set_random_seed(2)
    again = classifiers.build_classifier(TrainSettings(model="resnet50", resnet_weights=str(path), image_size=32),
                                         data, labels, np.arange(0))
    for a, b in zip(backbone.get_weights(), again.get_layer("resnet50").get_weights()):
        np.testing.assert_array_equal(a, b)
    assert again.weights_source == str(path)


def test_unknown_and_fitted_models_are_refused():
    with pytest.raises(ValueError, match="unknown model"):
        TrainSettings(model="vgg")
    data = SimpleNamespace(settings=SimpleNamespace(shape=(10, 10)))
    for baseline in ("softmax", "statistics"):
        with pytest.raises(ValueError, match="fitted, not trained"):
            classifiers.build_classifier(TrainSettings(model=baseline), data, ["a", "b"], np.arange(0))


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
