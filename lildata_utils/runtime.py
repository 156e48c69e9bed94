"""Which machine a notebook runs on: a GPU, a CPU, or one of Colab's TPU runtimes, without TensorFlow.

Colab's TPU runtimes today are TPU VMs (v5e-1, v6e-1 and, before them, v2-8): they set
``TPU_ACCELERATOR_TYPE`` and show their chips as ``/dev/vfio/<n>`` (v5e and later) or ``/dev/accel<n>``
(up to v4), and they come with ``libtpu`` but without TensorFlow. The older TPU-node set-up set
``COLAB_TPU_ADDR``. Every sign is read here, once, for the accelerator message and for the training
strategy.

Notebook: notebooks/01_data_prep.ipynb
"""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path
from typing import Callable, Mapping

__all__ = ["TPU_INSTALL", "gpu_count", "tpu_name"]

TPU_INSTALL = "pip install tensorflow-tpu -f https://storage.googleapis.com/libtpu-tf-releases/index.html --force"
"""The line Cloud TPU documents for TensorFlow on a TPU VM (Colab's TPU runtimes come without TensorFlow)."""


def tpu_name(environ: Mapping[str, str] | None = None, dev: str | Path = "/dev",
             find_spec: Callable[[str], object] = importlib.util.find_spec) -> str | None:
    """The TPU this machine has (``"v5litepod-1"``, ``"TPU"``), or ``None`` where there is none.

    Args:
        environ: The environment (default: this process's).
        dev: The device folder (a test passes a folder of its own).
        find_spec: How to look for an installed module (``libtpu`` comes with a TPU runtime).
    """
    environ = os.environ if environ is None else environ
    named = environ.get("TPU_ACCELERATOR_TYPE") or environ.get("ACCELERATOR_TYPE")
    if named:
        return named
    if environ.get("TPU_NAME") or environ.get("COLAB_TPU_ADDR"):
        return "TPU"
    dev = Path(dev)
    nvidia = any(dev.glob("nvidia[0-9]*"))  # NVIDIA's newer drivers also make /dev/accel nodes
    chips = [] if nvidia else list(dev.glob("accel[0-9]*"))
    chips += [p for p in dev.glob("vfio/[0-9]*")]
    if chips and find_spec("libtpu") is not None:
        return f"TPU ({len(chips)} chip{'s' if len(chips) > 1 else ''})"
    return None


def gpu_count() -> int:
    """GPUs TensorFlow sees (0 without TensorFlow)."""
    try:
        from .course import import_tensorflow

        return len(import_tensorflow().config.list_physical_devices("GPU"))
    except ImportError:
        return 0
