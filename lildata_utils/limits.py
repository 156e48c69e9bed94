"""The bounds of every number from a user or a file: one outside them gets one line naming it, its value and
the range, before anything is written.

Notebook: notebooks/01_data_prep.ipynb
"""

from __future__ import annotations

import math
from typing import Any

from .errors import LildataError

__all__ = ["LIMITS", "OutOfBounds", "bounded", "bounded_int"]

LIMITS: dict[str, tuple[float, float]] = {
    # audio and spectrograms; "decibels": floor, ceiling and silence
    "sample_rate": (1000, 384_000), "song_seconds": (0.01, 3600.0), "songs_per_genre": (1, 10_000),
    "clip_seconds": (0.05, 60.0), "n_fft": (16, 16_384), "hop_length": (1, 16_384), "griffin_lim_iters": (1, 2000),
    "decibels": (-400.0, 400.0), "start_s": (0.0, 24 * 3600.0), "offset_seconds": (0.0, 24 * 3600.0), "jobs": (1, 256),
    # training ("crop": the recipe's share of a clip; "bn_momentum": its batch normalisation's)
    "epochs": (1, 10_000), "batch_size": (1, 4096), "learning_rate": (1e-8, 10.0), "patience": (0, 10_000),
    "image_size": (0, 1024), "seed": (-2**31, 2**31 - 1), "crop": (0.1, 1.0), "mixup": (0.0, 10.0),
    "bn_momentum": (0.0, 0.9999), "split_seed": (-2**31, 2**31 - 1),
    # generators
    "layers": (1, 8), "units": (1, 4096), "levels": (2, 256), "overfit": (0, 100_000),
    "generate_seconds": (0.01, 600.0), "temperature": (1e-3, 100.0), "seed_frames": (1, 10_000),
    "max_clips": (0, 1_000_000), "input_noise": (0.0, 10.0), "spread": (0.0, 10.0),
    # transfer
    "iterations": (0, 100_000), "alpha": (0.0, 1e12), "beta": (0.0, 1e12), "transfer_learning_rate": (1e-8, 10.0),
    "envelope_hz": (0.0, 2000.0), "filters": (1, 16_384), "width": (1, 1024),
    # files ("member_ratio": uncompressed over compressed size of a zip member over 1 MiB)
    "download_seconds": (1.0, 24 * 3600.0), "unpack_bytes": (0, 256 * 2**30), "member_ratio": (0, 200),
    "model_config_bytes": (0, 16 * 2**20),
}
"""``name: (lowest, highest)``, both included."""


class OutOfBounds(LildataError, ValueError):
    """A number that is not a finite number within its bounds (a :class:`ValueError` too)."""


def bounded(name: str, value: Any, what: str | None = None, low: float | None = None,
            high: float | None = None) -> float:
    """``value`` as a float when it is finite and within the bounds of ``name`` in :data:`LIMITS` (or ``low`` and
    ``high``), else :class:`OutOfBounds` naming it ``what`` (default: ``name``), for example ``--seconds``."""
    low, high = LIMITS[name][0] if low is None else low, LIMITS[name][1] if high is None else high
    what = what or name
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise OutOfBounds(f"{what} must be a number, not {value!r}") from None
    if isinstance(value, bool) or not math.isfinite(number):
        raise OutOfBounds(f"{what} must be a finite number, not {value!r}")
    if not low <= number <= high:
        raise OutOfBounds(f"{what} must be from {low:g} to {high:g}, not {number:g}")
    return number


def bounded_int(name: str, value: Any, what: str | None = None, low: float | None = None,
                high: float | None = None) -> int:
    """:func:`bounded` for whole numbers (``3.0`` is taken, ``3.5`` is not)."""
    number = bounded(name, value, what, low, high)
    if number != int(number):
        raise OutOfBounds(f"{what or name} must be a whole number, not {value!r}")
    return int(number)
