"""Pretrained ImageNet weights for VGG19 and ResNet50: downloaded once when online, never in the tests.

Notebook: notebooks/03_resnet.ipynb
"""

from __future__ import annotations

import os
import socket
from pathlib import Path

__all__ = ["resolve_weights"]

_IMAGENET_FILES = {
    "resnet50": "resnet50_weights_tf_dim_ordering_tf_kernels_notop.h5",
    "vgg19": "vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5",
}


def _weights_cached(name: str) -> Path | None:
    path = Path(os.environ.get("KERAS_HOME", Path.home() / ".keras")) / "models" / _IMAGENET_FILES[name]
    return path if path.exists() else None


def resolve_weights(weights: str | None, name: str = "resnet50") -> str | None:
    """Turn a weights choice into what keras.applications takes.

    Args:
        weights: ``"imagenet"`` (download when needed), ``"auto"`` (ImageNet if
            already cached or the download server answers, else none), ``"none"``
            or ``None`` (random weights), or the path of a local weights file.
        name: ``resnet50`` or ``vgg19``.

    Returns:
        ``"imagenet"``, a file path, or ``None``. With ``auto`` and
        ``LILDATA_OFFLINE=1`` in the environment (the tests set it), nothing is
        downloaded.

    Raises:
        LildataError: A path was given that does not exist.

    Notebook: notebooks/03_resnet.ipynb
    """
    if weights is None or str(weights).lower() == "none":
        return None
    if str(weights).lower() == "imagenet":
        return "imagenet"
    if str(weights).lower() == "auto":
        if _weights_cached(name):
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
    path = Path(weights)
    if not path.exists():
        from .errors import LildataError

        raise LildataError(f"{name} weights file {path} does not exist")
    return str(path)
