"""Every registered classifier, built from the lessons' code: ``lildata`` (notebook 02's recipe, or with
``paper_setup`` the paper's ``lil_data``), the baselines ``softmax`` and ``statistics``, and notebook 03's ``resnet50``.

Notebook: notebooks/02_classifier.ipynb
"""

from __future__ import annotations

import numpy as np

from ..lessons import classifier as lesson02
from ..lessons import resnet as lesson03
from ..settings import TrainSettings
from .baselines import baseline_model, features
from .pretrained import resolve_weights

__all__ = ["build_classifier", "fit_baseline_model", "mel_bands", "uses_mixup"]


def mel_bands(data, clips: np.ndarray, n_mels: int = 64, batch: int = 64):
    """Notebook 02's ``MelBands`` layer, each band standardised over the training ``clips`` (a batch at a time)."""
    s = data.settings
    raw = lesson02.MelBands(s.sample_rate, s.n_fft, s.floor_db, s.ceiling_db, np.zeros(n_mels), np.ones(n_mels),
                            dtype="float32")
    count, total, squares = 0, np.zeros(n_mels), np.zeros(n_mels)
    for i in range(0, len(clips), batch):
        stored = np.stack([data.spectrogram(int(c)) for c in clips[i:i + batch]]).astype(np.float32)
        bands = np.asarray(raw(stored[..., None]), np.float64)[..., 0]  # (batch, bands, frames)
        count += bands.shape[0] * bands.shape[2]
        total, squares = total + bands.sum(axis=(0, 2)), squares + (bands ** 2).sum(axis=(0, 2))
    mean = total / max(count, 1)
    return lesson02.MelBands(s.sample_rate, s.n_fft, s.floor_db, s.ceiling_db, mean,
                             squares / max(count, 1) - mean ** 2, dtype="float32", name="mel_bands")


def uses_mixup(settings: TrainSettings) -> bool:
    """Whether a run trains on mixed-up batches (the recipe, unless its mixup is 0)."""
    return settings.model == "lildata" and not settings.paper_setup and settings.mixup > 0


def build_classifier(settings: TrainSettings, data, labels: list[str], train_clips: np.ndarray):
    """A compiled classifier for the settings; a baseline is a :class:`ValueError` (see :func:`fit_baseline_model`)."""
    shape, n = data.settings.shape, len(labels)
    if settings.model == "resnet50":
        setup = dict(lesson03.RESNET_SETUPS["paper" if settings.paper_setup else "ours"])
        setup["weights"] = None if settings.paper_setup else resolve_weights(settings.resnet_weights, "resnet50")
        size = shape if settings.image_size == 0 else (settings.image_size, settings.image_size)
        model = lesson03.resnet50(shape, n, image_size=size, **setup)
        model.weights_source = setup["weights"] or "random"
    elif settings.model == "lildata" and settings.paper_setup:
        model = lesson02.lil_data(shape, n)
    elif settings.model == "lildata":
        model = lesson02.recipe(shape, n, mel_bands(data, train_clips), crop=settings.crop,
                                momentum=settings.bn_momentum)
    else:
        raise ValueError(f"{settings.model} is fitted, not trained: use fit_baseline_model")
    loss = "categorical_crossentropy" if uses_mixup(settings) else "sparse_categorical_crossentropy"
    return lesson02.compile_classifier(model, settings.learning_rate, loss=loss)


def fit_baseline_model(settings: TrainSettings, data, splits: dict, labels: list[str]):
    """Notebook 02's ``fit_baseline`` (its strength chosen on the validation clips) as a Keras model."""
    (train, y_train), (val, y_val) = splits["train"], splits["val"]
    fit = lesson02.fit_baseline(features(data, train, settings.model), y_train,
                                features(data, val, settings.model), y_val)
    model = baseline_model(fit, settings.model, data.settings.shape, len(labels))
    model.weights_source = f"logistic regression, C = {fit.steps[-1][1].C:g}"
    return model
