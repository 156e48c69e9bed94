"""The static-feature baseline: softmax regression on a clip's average spectrum.

A clip's average dB spectrum (the mean of its stored spectrogram over time)
holds its timbre and loudness but nothing about rhythm or how the sound
changes. If a linear softmax classifier on it did as well as a CNN, the CNN
would have learnt nothing the spectrum's average does not already say. This
module is plain numpy, so the check runs anywhere without TensorFlow.

Notebook: notebooks/02_classifier.ipynb
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .dataset import PreparedDataset, song_fraction

__all__ = ["SoftmaxRegression", "average_spectrum", "average_spectrum_features", "grouped_cv_accuracy",
           "song_split_accuracy"]


def average_spectrum(stored: np.ndarray) -> np.ndarray:
    """Mean over time of stored spectrograms: ``(..., n_bins, n_frames) -> (..., n_bins)``."""
    return np.asarray(stored, dtype=np.float32).mean(axis=-1)


def average_spectrum_features(data: PreparedDataset, split: str | None = None,
                              labels: list[str] | None = None) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Average spectra and label indices of the clips of a split.

    Returns:
        ``(features, targets, labels)`` with features ``(clips, n_bins)``.
    """
    labels = list(labels) if labels is not None else data.labels
    clips = data.select(split, labels)
    features = np.stack([average_spectrum(data.spectrogram(c.clip)) for c in clips]) if clips else \
        np.zeros((0, data.settings.n_bins), np.float32)
    targets = np.array([labels.index(c.label) for c in clips], dtype=np.int64)
    return features, targets, labels


@dataclass
class SoftmaxRegression:
    """Multinomial logistic regression with L2, trained by full-batch gradient descent.

    Features are standardised with the training set's mean and spread.
    """

    l2: float = 1e-3
    steps: int = 500
    learning_rate: float = 0.5

    def fit(self, features: np.ndarray, targets: np.ndarray, n_classes: int | None = None) -> "SoftmaxRegression":
        """Fit on ``(n, d)`` features and integer targets."""
        x = np.asarray(features, np.float64)
        self.mean_, self.scale_ = x.mean(0), x.std(0) + 1e-6
        x = (x - self.mean_) / self.scale_
        k = int(n_classes or targets.max() + 1)
        onehot = np.eye(k)[targets]
        self.weights_ = np.zeros((x.shape[1], k))
        self.bias_ = np.zeros(k)
        for _ in range(self.steps):
            probs = self._softmax(x @ self.weights_ + self.bias_)
            grad = (probs - onehot) / len(x)
            self.weights_ -= self.learning_rate * (x.T @ grad + self.l2 * self.weights_)
            self.bias_ -= self.learning_rate * grad.sum(0)
        return self

    @staticmethod
    def _softmax(logits: np.ndarray) -> np.ndarray:
        logits = logits - logits.max(axis=1, keepdims=True)
        e = np.exp(logits)
        return e / e.sum(axis=1, keepdims=True)

    def predict_proba(self, features: np.ndarray) -> np.ndarray:
        """Class probabilities, ``(n, classes)``."""
        x = (np.asarray(features, np.float64) - self.mean_) / self.scale_
        return self._softmax(x @ self.weights_ + self.bias_)

    def score(self, features: np.ndarray, targets: np.ndarray) -> float:
        """Accuracy."""
        return float(np.mean(self.predict_proba(features).argmax(1) == targets))


def song_split_accuracy(data: PreparedDataset, labels: list[str] | None = None,
                        evaluate_on: str = "test") -> dict[str, float]:
    """Train the average-spectrum softmax on the train split; score another split.

    Returns:
        ``{"train_accuracy", "<split>_accuracy", "n_train", "n_<split>"}``.
    """
    x_train, y_train, labels = average_spectrum_features(data, "train", labels)
    x_eval, y_eval, _ = average_spectrum_features(data, evaluate_on, labels)
    model = SoftmaxRegression().fit(x_train, y_train, len(labels))
    return {"train_accuracy": model.score(x_train, y_train),
            f"{evaluate_on}_accuracy": model.score(x_eval, y_eval) if len(y_eval) else float("nan"),
            "n_train": int(len(y_train)), f"n_{evaluate_on}": int(len(y_eval))}


def grouped_cv_accuracy(data: PreparedDataset, folds: int = 5, labels: list[str] | None = None) -> dict[str, float]:
    """Cross-validated accuracy of the average-spectrum softmax, folds by song.

    Every song falls in one fold (by its stable hash), so no song is ever in
    training and evaluation at once. All clips are scored once.

    Returns:
        ``{"accuracy", "folds", "n_clips", "n_songs"}``.
    """
    features, targets, labels = average_spectrum_features(data, None, labels)
    chosen = data.select(None, labels)
    fold_of = np.array([int(song_fraction(c.song) * folds) for c in chosen])
    correct = 0
    for fold in range(folds):
        test = fold_of == fold
        if not test.any() or test.all():
            continue
        model = SoftmaxRegression().fit(features[~test], targets[~test], len(labels))
        correct += int(np.sum(model.predict_proba(features[test]).argmax(1) == targets[test]))
    return {"accuracy": correct / len(targets), "folds": folds, "n_clips": int(len(targets)),
            "n_songs": len({c.song for c in chosen})}
