"""The static-feature baseline: softmax regression on a clip's average spectrum.

A clip's average dB spectrum (the mean of its stored spectrogram over time)
holds its timbre and loudness but nothing about rhythm or how the sound
changes. If a linear softmax classifier on it did as well as a CNN, the CNN
would have learnt nothing the spectrum's average does not already say. This
module runs notebook 02's own ``average_spectrum`` and ``softmax_baseline``
(scikit-learn's logistic regression) on a prepared dataset.

Notebook: notebooks/02_classifier.ipynb
"""

from __future__ import annotations

import numpy as np

from .dataset import PreparedDataset, song_fraction

__all__ = ["average_spectrum", "average_spectrum_features", "grouped_cv_accuracy", "song_split_accuracy"]


def average_spectrum(stored: np.ndarray) -> np.ndarray:
    """Mean over time of stored spectrograms: ``(..., n_bins, n_frames) -> (..., n_bins)`` (notebook 02's)."""
    from .lessons.classifier import average_spectrum as lesson

    return lesson(stored)


def average_spectrum_features(data: PreparedDataset, split: str | None = None,
                              labels: list[str] | None = None) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Average spectra and label indices of the clips of a split.

    Returns:
        ``(features, targets, labels)`` with features ``(clips, n_bins)``.
    """
    labels = list(labels) if labels is not None else data.labels
    clips = data.select(split, labels)
    features = average_spectrum(np.stack([data.spectrogram(c.clip) for c in clips])) if clips else \
        np.zeros((0, data.settings.n_bins), np.float32)
    targets = np.array([labels.index(c.label) for c in clips], dtype=np.int64)
    return features, targets, labels


def _fit(features: np.ndarray, targets: np.ndarray):
    from .lessons.classifier import softmax_baseline

    return softmax_baseline(features, targets)


def song_split_accuracy(data: PreparedDataset, labels: list[str] | None = None,
                        evaluate_on: str = "test") -> dict[str, float]:
    """Train the average-spectrum softmax on the train split; score another split.

    Returns:
        ``{"train_accuracy", "<split>_accuracy", "n_train", "n_<split>"}``.
    """
    x_train, y_train, labels = average_spectrum_features(data, "train", labels)
    x_eval, y_eval, _ = average_spectrum_features(data, evaluate_on, labels)
    model = _fit(x_train, y_train)
    return {"train_accuracy": float(model.score(x_train, y_train)),
            f"{evaluate_on}_accuracy": float(model.score(x_eval, y_eval)) if len(y_eval) else None,
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
        if not test.any() or test.all() or len(set(targets[~test].tolist())) < 2:
            continue
        model = _fit(features[~test], targets[~test])
        correct += int(np.sum(model.predict(features[test]) == targets[test]))
    return {"accuracy": correct / len(targets), "folds": folds, "n_clips": int(len(targets)),
            "n_songs": len({c.song for c in chosen})}
