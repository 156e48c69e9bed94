"""Every number that comes from a user or a file has a bound: the bounds, in one place.

A number outside its bound gets one line naming it, its value and the range, before anything is
written, so that no command runs on and on (a song of 10^9 seconds, 100,000 LSTM layers, 10^9
Griffin-Lim iterations) or fills a disk from a small file (an archive member a thousand times its
size, an audio header that claims a sample rate of 1 Hz).

Notebook: notebooks/01_data_prep.ipynb
"""

from __future__ import annotations

import math
from typing import Any

from .errors import LildataError

__all__ = ["LIMITS", "OutOfBounds", "bounded", "bounded_int"]

LIMITS: dict[str, tuple[float, float]] = {
    # audio and spectrograms
    "sample_rate": (1000, 384_000),          # Hz, of a file or of a preset
    "song_seconds": (0.01, 3600.0),          # one built-in song
    "songs_per_genre": (1, 10_000),
    "clip_seconds": (0.05, 60.0),
    "n_fft": (16, 16_384),
    "hop_length": (1, 16_384),
    "griffin_lim_iters": (1, 2000),
    "decibels": (-400.0, 400.0),             # floor, ceiling, silence
    "start_s": (0.0, 24 * 3600.0),           # a clip's start in its song
    "offset_seconds": (0.0, 24 * 3600.0),    # seconds into a file
    "jobs": (1, 256),
    # training
    "epochs": (1, 10_000),
    "batch_size": (1, 4096),
    "learning_rate": (1e-8, 10.0),
    "patience": (0, 10_000),
    "image_size": (0, 1024),                 # ResNet50's input side (0: the spectrogram's own)
    "seed": (-2**31, 2**31 - 1),
    # generators
    "layers": (1, 8),
    "units": (1, 4096),
    "levels": (2, 256),
    "overfit": (0, 100_000),
    "generate_seconds": (0.01, 600.0),
    "temperature": (1e-3, 100.0),
    "seed_frames": (1, 10_000),
    "max_clips": (0, 1_000_000),
    "input_noise": (0.0, 10.0),
    "spread": (0.0, 10.0),
    # transfer
    "iterations": (0, 100_000),
    "alpha": (0.0, 1e12),
    "beta": (0.0, 1e12),
    "transfer_learning_rate": (1e-8, 10.0),
    "envelope_hz": (0.0, 2000.0),
    "filters": (1, 16_384),
    "width": (1, 1024),
    # files
    "download_seconds": (1.0, 24 * 3600.0),  # the whole download of a class pack
    "unpack_bytes": (0, 256 * 2**30),        # everything a pack unpacks to
    "member_ratio": (0, 200),                # uncompressed over compressed size of a member over 1 MiB
    "model_config_bytes": (0, 16 * 2**20),   # the config inside a .keras file
}
"""``name: (lowest, highest)``, both included."""


class OutOfBounds(LildataError, ValueError):
    """A number that is not a finite number within its bounds (a :class:`ValueError` too)."""


def bounded(name: str, value: Any, what: str | None = None, low: float | None = None,
            high: float | None = None) -> float:
    """``value`` as a float when it is a finite number within the bounds of ``name``, else one clear line.

    Args:
        name: A key of :data:`LIMITS`.
        value: The number to check (a string that parses as a number is taken).
        what: How the message names it (default: ``name``), for example ``--seconds``.
        low, high: Other bounds than :data:`LIMITS`' (each ``None``: the table's).

    Raises:
        OutOfBounds: Not a number, not finite, or out of range.
    """
    table_low, table_high = LIMITS[name]
    low, high = table_low if low is None else low, table_high if high is None else high
    label = what or name
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise OutOfBounds(f"{label} must be a number, not {value!r}") from None
    if isinstance(value, bool) or not math.isfinite(number):
        raise OutOfBounds(f"{label} must be a finite number, not {value!r}")
    if not low <= number <= high:
        raise OutOfBounds(f"{label} must be from {low:g} to {high:g}, not {number:g}")
    return number


def bounded_int(name: str, value: Any, what: str | None = None, low: float | None = None,
                high: float | None = None) -> int:
    """:func:`bounded` for whole numbers (``3.0`` is taken, ``3.5`` is not)."""
    number = bounded(name, value, what, low, high)
    if number != int(number):
        raise OutOfBounds(f"{what or name} must be a whole number, not {value!r}")
    return int(number)
