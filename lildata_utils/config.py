"""Settings for spectrograms, with named presets.

Every saved dataset records the :class:`SpectrogramSettings` that made it in a
``config.json`` file, so that turning a stored spectrogram back into audio
always uses the very STFT that made it.

Notebook: notebooks/01_data_prep.ipynb
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

__all__ = [
    "SpectrogramSettings",
    "DatasetSize",
    "DATASET_SIZES",
    "PRESETS",
    "get_preset",
    "settings_from_dict",
]


@dataclasses.dataclass(frozen=True)
class SpectrogramSettings:
    """How audio becomes a stored spectrogram, and back.

    A clip of ``clip_seconds`` at ``sample_rate`` holds ``clip_samples``
    samples; a centred STFT with ``hop_length`` gives
    ``clip_samples / hop_length + 1`` frames and ``n_fft // 2 + 1`` bins.
    The ``paper`` preset gives exactly 631 x 631.

    Magnitudes are turned into decibels against a fixed reference (a full-scale
    sine reads 0 dB), so loudness differences between songs survive; they are
    clipped to ``[floor_db, ceiling_db]`` and scaled to ``[0, 1]``.

    Attributes:
        name: The preset's name, for messages and file names.
        sample_rate: Sample rate in Hz that all audio is resampled to.
        clip_seconds: Length of one clip in seconds.
        n_fft: FFT size (and window length) of the STFT.
        hop_length: Hop between frames, in samples.
        floor_db: Lowest level kept, in dB; quieter bins are clipped to it.
        ceiling_db: Highest level kept, in dB.
        silence_db: Clips whose RMS level is below this (dBFS) are dropped
            as near-silent.
        griffin_lim_iters: Default number of fast Griffin-Lim iterations used
            to turn a spectrogram back into audio.
    """

    name: str = "paper"
    sample_rate: int = 22050
    clip_seconds: float = 5.0
    n_fft: int = 1260
    hop_length: int = 175
    floor_db: float = -100.0
    ceiling_db: float = 10.0
    silence_db: float = -60.0
    griffin_lim_iters: int = 64

    def __post_init__(self) -> None:
        from .limits import bounded, bounded_int

        for name in ("sample_rate", "n_fft", "hop_length", "griffin_lim_iters"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool):
                raise ValueError(f"{name} must be a whole number, not {value!r}")
            bounded_int(name, value)
        for name in ("floor_db", "ceiling_db", "silence_db"):
            bounded("decibels", getattr(self, name), name)
        bounded("clip_seconds", self.clip_seconds)
        samples = self.clip_seconds * self.sample_rate
        if abs(samples - round(samples)) > 1e-6:
            raise ValueError(
                f"clip_seconds={self.clip_seconds} is not a whole number of samples "
                f"at {self.sample_rate} Hz")
        if round(samples) % self.hop_length:
            raise ValueError(
                f"a clip of {round(samples)} samples is not a whole number of hops "
                f"of {self.hop_length}")
        if self.n_fft < self.hop_length:
            raise ValueError("n_fft must be at least hop_length (frames would skip audio)")
        if not self.floor_db < self.ceiling_db:
            raise ValueError("floor_db must be below ceiling_db")

    @property
    def clip_samples(self) -> int:
        """Samples in one clip."""
        return int(round(self.clip_seconds * self.sample_rate))

    @property
    def n_bins(self) -> int:
        """Frequency bins of the STFT (rows of the image)."""
        return self.n_fft // 2 + 1

    @property
    def n_frames(self) -> int:
        """Time frames of one clip (columns of the image)."""
        return self.clip_samples // self.hop_length + 1

    @property
    def shape(self) -> tuple[int, int]:
        """``(n_bins, n_frames)``, the shape of one stored spectrogram."""
        return (self.n_bins, self.n_frames)

    def to_dict(self) -> dict[str, Any]:
        """The settings as a JSON-ready dictionary (with the derived shape)."""
        data = dataclasses.asdict(self)
        data["shape"] = list(self.shape)
        return data

    def to_json(self, path: str | Path) -> None:
        """Write the settings to ``path`` as JSON (atomically)."""
        from .files import write_json

        write_json(path, self.to_dict())

    @classmethod
    def from_json(cls, path: str | Path) -> "SpectrogramSettings":
        """Read settings written by :meth:`to_json` (or a dataset's config.json)."""
        data = json.loads(Path(path).read_text())
        return settings_from_dict(data.get("spectrogram", data))


def settings_from_dict(data: dict[str, Any]) -> SpectrogramSettings:
    """Build settings from a dictionary, ignoring derived or unknown keys."""
    names = {field.name for field in dataclasses.fields(SpectrogramSettings)}
    return SpectrogramSettings(**{k: v for k, v in data.items() if k in names})


PRESETS: dict[str, SpectrogramSettings] = {
    # The paper's settings: 5 s at 22050 Hz, 631 x 631.
    "paper": SpectrogramSettings(),
    # The classroom: 5 s clips at 11025 Hz, 256 x 226, so that the whole
    # course runs on a laptop CPU.
    "classroom": SpectrogramSettings(
        name="classroom", sample_rate=11025, clip_seconds=5.0, n_fft=510, hop_length=245),
    # Tests: 1 s clips at 8000 Hz, 128 x 65; the same code path, small and fast.
    "tiny": SpectrogramSettings(
        name="tiny", sample_rate=8000, clip_seconds=1.0, n_fft=254, hop_length=125,
        griffin_lim_iters=32),
}


def get_preset(name: str) -> SpectrogramSettings:
    """Return the spectrogram settings of a named preset.

    Args:
        name: One of ``paper``, ``classroom`` or ``tiny``.

    Raises:
        ValueError: For an unknown name, listing the known ones.
    """
    try:
        return PRESETS[name]
    except KeyError:
        raise ValueError(f"unknown preset {name!r}; choose one of {', '.join(PRESETS)}") from None


@dataclasses.dataclass(frozen=True)
class DatasetSize:
    """How much built-in music a preset makes.

    Attributes:
        songs_per_genre: Songs per genre.
        song_seconds: Length of each song in seconds.
    """

    songs_per_genre: int
    song_seconds: float

    def clips_per_genre(self, settings: SpectrogramSettings) -> int:
        """Clips each genre gives at ``settings`` (before near-silent clips are dropped)."""
        return self.songs_per_genre * int(self.song_seconds // settings.clip_seconds)


DATASET_SIZES: dict[str, DatasetSize] = {
    # about 9,750 clips of 5 s over 8 genres, as in the paper (8000/1000/750)
    "paper": DatasetSize(songs_per_genre=61, song_seconds=100.0),
    # 8 x 16 songs of 40 s: 1,024 clips, for a laptop CPU
    "classroom": DatasetSize(songs_per_genre=16, song_seconds=40.0),
    # 8 x 4 songs of 3 s: 96 one-second clips, for the tests
    "tiny": DatasetSize(songs_per_genre=4, song_seconds=3.0),
}
"""The built-in dataset's size at each preset."""
