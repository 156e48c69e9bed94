"""Pretrained ImageNet weights for VGG19 and ResNet50: downloaded once when online, never in the tests.

Notebook: notebooks/03_resnet.ipynb
"""

from __future__ import annotations

import os
import socket
from pathlib import Path

from ..errors import LildataError

__all__ = ["resolve_weights"]


def resolve_weights(weights: str | None, name: str = "resnet50") -> str | None:
    """What keras.applications takes for a choice of weights of ``name`` (``resnet50`` or ``vgg19``): ``"imagenet"``,
    ``None`` (random weights) or a file path.

    Args:
        weights: ``"imagenet"``, ``"auto"`` (ImageNet if cached or the download server answers, never with
            ``LILDATA_OFFLINE=1``), ``"none"`` or ``None``, or a weights file (a :class:`LildataError` if missing).

    Notebook: notebooks/03_resnet.ipynb
    """
    choice = "none" if weights is None else str(weights).lower()
    if choice in ("none", "imagenet"):
        return None if choice == "none" else "imagenet"
    if choice == "auto":
        cached = Path(os.environ.get("KERAS_HOME", Path.home() / ".keras")) / "models"
        if (cached / f"{name}_weights_tf_dim_ordering_tf_kernels_notop.h5").exists():
            return "imagenet"
        if os.environ.get("LILDATA_OFFLINE") == "1":
            print(f"{name}: offline (LILDATA_OFFLINE=1), so random weights instead of ImageNet")
            return None
        try:
            socket.create_connection(("storage.googleapis.com", 443), timeout=3).close()
            return "imagenet"
        except OSError:
            print(f"{name}: the ImageNet weights cannot be downloaded here, so random weights are used")
            return None
    if not (path := Path(weights)).exists():
        raise LildataError(f"{name} weights file {path} does not exist")
    return str(path)
