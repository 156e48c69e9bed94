"""Notebook 02's baselines as Keras models, saved, judged and used like any other run: the lesson's logistic
regression on standardised features is one Dense softmax layer on :class:`ClipFeatures`, the standardisation
folded into its weights.

Notebook: notebooks/02_classifier.ipynb
"""

from __future__ import annotations

import keras
import numpy as np
from keras import layers

from ..lessons import classifier as lesson

__all__ = ["BASELINE_FEATURES", "ClipFeatures", "baseline_model", "features"]

BASELINE_FEATURES = {"softmax": lesson.average_spectrum, "statistics": lesson.summary_statistics}


@keras.saving.register_keras_serializable(package="lildata")
class ClipFeatures(layers.Layer):
    """A clip's features for a baseline: the lesson's ``average_spectrum`` or ``summary_statistics``."""

    def __init__(self, kind: str, **kwargs):
        super().__init__(**kwargs)
        if kind not in BASELINE_FEATURES:
            raise ValueError(f"unknown baseline {kind!r}: choose one of {', '.join(BASELINE_FEATURES)}")
        self.kind = kind

    def call(self, stored):
        return BASELINE_FEATURES[self.kind](stored[..., 0])

    def get_config(self):
        return {**super().get_config(), "kind": self.kind}


def features(data, clips: np.ndarray, kind: str | callable, batch: int = 128) -> np.ndarray:
    """The features of some clips of a prepared dataset, a batch at a time; ``kind`` is ``softmax``,
    ``statistics`` or a lesson function of stored clips."""
    fn = BASELINE_FEATURES[kind] if isinstance(kind, str) else kind
    parts = [np.asarray(fn(np.stack([data.spectrogram(int(c)) for c in clips[i:i + batch]]).astype(np.float32)))
             for i in range(0, len(clips), batch)]
    return np.concatenate(parts) if parts else np.zeros((0, 0), np.float32)


def baseline_model(fit, kind: str, input_shape: tuple[int, int], n_labels: int) -> keras.Model:
    """A fitted baseline (the lesson's ``fit_baseline``, whatever its steps) as a Keras model that gives the same
    probabilities: its scores read off the fit itself at zero and at each unit vector, one Dense softmax layer;
    a :class:`ValueError` where its scores are not affine in the features or it saw fewer than ``n_labels``."""
    if len(fit.classes_) != n_labels:
        raise ValueError(f"the baseline saw {len(fit.classes_)} of {n_labels} labels in training")
    size = int(fit.n_features_in_)
    probe = np.vstack([np.zeros((1, size)), np.eye(size), np.random.default_rng(0).normal(size=(4, size))])
    scores = np.asarray(fit.decision_function(probe), np.float64).reshape(len(probe), -1)
    if scores.shape[1] == 1:  # two labels: one score z for the second, P = softmax([0, z])
        scores = np.concatenate([np.zeros_like(scores), scores], axis=1)
    bias, kernel = scores[0], scores[1:size + 1] - scores[0]
    softmax = np.exp(scores - scores.max(axis=1, keepdims=True))
    if not np.allclose(probe[size + 1:] @ kernel + bias, scores[size + 1:], rtol=1e-6, atol=1e-6) or not \
            np.allclose(softmax / softmax.sum(axis=1, keepdims=True), fit.predict_proba(probe), atol=1e-6):
        raise ValueError("the baseline's scores are not affine in its features, or its probabilities not their "
                         "softmax: it is not one softmax layer")
    inputs = keras.Input((*input_shape, 1), name="spectrogram")
    head = layers.Dense(n_labels, activation="softmax", name="genre", dtype="float32")
    model = keras.Model(inputs, head(ClipFeatures(kind, name="features")(inputs)), name=f"{kind}_baseline")
    head.set_weights([kernel.astype(np.float32), bias.astype(np.float32)])
    return model
