"""Whether a notebook runs on one of Colab's TPU runtimes (TPU VMs or the older TPU nodes), without TensorFlow.

Notebook: notebooks/01_data_prep.ipynb
"""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path
from typing import Callable, Mapping

__all__ = ["TPU_INSTALL", "tpu_name"]

TPU_INSTALL = "pip install tensorflow-tpu -f https://storage.googleapis.com/libtpu-tf-releases/index.html --force"
"""The line Cloud TPU documents for TensorFlow on a TPU VM."""


def tpu_name(environ: Mapping[str, str] | None = None, dev: str | Path = "/dev",
             find_spec: Callable[[str], object] = importlib.util.find_spec) -> str | None:
    """The TPU this machine has (``"v5litepod-1"``, ``"TPU"``), or ``None``; ``environ``, ``dev`` and
    ``find_spec`` (which looks for ``libtpu``) stand in for this machine's."""
    environ = os.environ if environ is None else environ
    named = environ.get("TPU_ACCELERATOR_TYPE") or environ.get("ACCELERATOR_TYPE")
    if named or environ.get("TPU_NAME") or environ.get("COLAB_TPU_ADDR"):
        return named or "TPU"
    dev = Path(dev)
    # TPU chips are /dev/vfio/<n> (v5e on) or /dev/accel<n> (to v4); NVIDIA's newer drivers also make /dev/accel nodes
    chips = ([] if any(dev.glob("nvidia[0-9]*")) else list(dev.glob("accel[0-9]*"))) + list(dev.glob("vfio/[0-9]*"))
    if chips and find_spec("libtpu") is not None:
        return f"TPU ({len(chips)} chip{'s' if len(chips) > 1 else ''})"
    return None
