"""Keras models saved whole or not at all, and loaded with safe mode on, after a check of the file's size.

Notebook: notebooks/02_classifier.ipynb
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import keras

from ..errors import ModelError
from ..files import atomic_path
from ..files.pack import check_ratio
from ..lessons import classifier, resnet  # noqa: F401  (they define, and register, the course's own layers)
from ..limits import LIMITS
from . import baselines  # noqa: F401  (ClipFeatures: the layer of the softmax and statistics runs)

__all__ = ["load_keras", "save_keras"]


def save_keras(model, path: str | Path) -> Path:
    """Save a Keras model to ``path`` (a ``.keras`` file), atomically."""
    path = Path(path)
    with atomic_path(path) as tmp:
        model.save(tmp)
    return path


def load_keras(path: str | Path):
    """Load a ``.keras`` model with Keras' safe mode on, or raise :class:`ModelError`: the file is missing, too
    large for what it holds, not a Keras model, or holds code (a ``Lambda`` layer) that safe mode does not run."""
    path = Path(path)
    if not path.is_file():
        raise ModelError(f"{path}: no such model file")
    try:  # a zip: no member may fill memory or disk when it is read
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError):
        members = []  # not a zip: Keras says what it is not
    for member in members:
        if member.filename == "config.json" and member.file_size > LIMITS["model_config_bytes"][1]:
            raise ModelError(f"{path}: refused: its config is {member.file_size / 2**20:.0f} MiB, far more than a "
                             "model of this course needs")
        check_ratio(member, path, ModelError)
    try:
        return keras.saving.load_model(path, safe_mode=True)
    except Exception as error:  # Keras raises many types for a bad file
        text = str(error)
        if "safe_mode" in text or "Lambda" in text:
            raise ModelError(f"{path}: refused: the model holds code (a Lambda layer), which safe mode does "
                             "not run; load only models you trust, with keras.saving.load_model(..., "
                             "safe_mode=False)") from None
        first = text.strip().splitlines()[0][:200] if text.strip() else type(error).__name__
        raise ModelError(f"{path}: not a Keras model that can be read ({first})") from None
