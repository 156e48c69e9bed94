"""Frozen settings of spectrograms, datasets, training and generators, each with its named presets.

Notebook: notebooks/01_data_prep.ipynb
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

from .files.safe import write_json
from .limits import bounded, bounded_int
from .registry import CLASSIFIERS, GENERATORS, STRATEGIES

__all__ = ["DATASET_SIZES", "GENERATOR_PRESETS", "PRESETS", "TRAIN_PRESETS", "DatasetSize", "GeneratorSettings",
           "SpectrogramSettings", "TrainSettings", "generator_preset", "get_preset", "settings_from_dict",
           "train_preset"]


def _changed(base, changes: dict):
    return dataclasses.replace(base, **{k: v for k, v in changes.items() if v is not None})


@dataclasses.dataclass(frozen=True)
class SpectrogramSettings:
    """How audio becomes a stored spectrogram (decibels of a centred STFT, full scale 0 dB, clipped to
    ``[floor_db, ceiling_db]`` and scaled to ``[0, 1]``), and back; a dataset's config.json records them."""

    name: str = "paper"  # the preset's, for messages and file names
    sample_rate: int = 22050  # Hz, that all audio is resampled to
    clip_seconds: float = 5.0
    n_fft: int = 1260  # FFT size and window length
    hop_length: int = 175  # samples between frames
    floor_db: float = -100.0  # quieter bins are clipped to it
    ceiling_db: float = 10.0
    silence_db: float = -60.0  # clips of a lower RMS level (dBFS) are dropped as near-silent
    griffin_lim_iters: int = 64  # fast Griffin-Lim iterations that turn a spectrogram back into audio

    def __post_init__(self) -> None:
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
            raise ValueError(f"clip_seconds={self.clip_seconds} is not a whole number of samples "
                             f"at {self.sample_rate} Hz")
        if round(samples) % self.hop_length:
            raise ValueError(f"a clip of {round(samples)} samples is not a whole number of hops of {self.hop_length}")
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
        """The settings as a JSON-ready dictionary, with the derived shape."""
        return {**dataclasses.asdict(self), "shape": list(self.shape)}

    def to_json(self, path: str | Path) -> None:
        """Write the settings to ``path`` as JSON (atomically)."""
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
    "paper": SpectrogramSettings(),  # the paper's: 5 s at 22050 Hz, 631 x 631
    # the classroom: 5 s at 11025 Hz, 256 x 226, so that the whole course runs on a laptop CPU
    "classroom": SpectrogramSettings(name="classroom", sample_rate=11025, n_fft=510, hop_length=245),
    # tests: 1 s at 8000 Hz, 128 x 65; the same code path, small and fast
    "tiny": SpectrogramSettings(name="tiny", sample_rate=8000, clip_seconds=1.0, n_fft=254, hop_length=125,
                                griffin_lim_iters=32),
}


def get_preset(name: str) -> SpectrogramSettings:
    """The spectrogram settings of a preset; :class:`ValueError`, listing them, for another name."""
    try:
        return PRESETS[name]
    except KeyError:
        raise ValueError(f"unknown preset {name!r}; choose one of {', '.join(PRESETS)}") from None


@dataclasses.dataclass(frozen=True)
class DatasetSize:
    """How much built-in music a preset makes: songs per genre, each of ``song_seconds``."""

    songs_per_genre: int
    song_seconds: float


DATASET_SIZES: dict[str, DatasetSize] = {
    "paper": DatasetSize(61, 100.0),  # about 9,750 clips of 5 s over 8 genres, as in the paper (8000/1000/750)
    "classroom": DatasetSize(16, 40.0),  # 8 x 16 songs of 40 s: 1,024 clips, for a laptop CPU
    "tiny": DatasetSize(4, 3.0),  # 8 x 4 songs of 3 s: 96 one-second clips, for the tests
}
"""The built-in dataset's size at each preset."""


@dataclasses.dataclass(frozen=True)
class TrainSettings:
    """How a classifier is trained (``lildata train``); each bounded, named by its option in a message."""

    model: str = "lildata"  # a name of registry.CLASSIFIERS
    labels: tuple[str, ...] | None = None  # the genres to tell apart, in index order (None: all)
    epochs: int = 60  # at most: training stops earlier when the validation loss stops improving
    batch_size: int = 32  # clips per batch, over all replicas
    split_by: str = "song"  # the dataset's split, or "chunk": clips at random, the leaky split of the lesson
    seed: int = 0  # of weights, shuffling and the chunk split
    split_seed: int | None = None  # another split by song within each label (None: the one `prepare` wrote)
    learning_rate: float = 1e-3  # Adam's at the start (it halves when the validation loss stalls)
    patience: int = 10  # epochs without a better validation loss before stopping
    strategy: str = "auto"  # a name of registry.STRATEGIES
    paper_setup: bool = False  # the paper's Lil Data; ResNet50 with random weights, no augmentation or dropout
    crop: float = 0.6  # the recipe trains on crops of this share of a clip (notebook 02, section 6)
    mixup: float = 0.4  # the recipe's mixup: the Beta distribution's alpha (0: none)
    bn_momentum: float = 0.9  # the recipe's batch normalisation: the share its moving averages keep each step
    resnet_weights: str = "auto"  # auto, imagenet, none or a weights file
    image_size: int = 224  # ResNet50's input side in pixels (0: the spectrogram's own size)

    def __post_init__(self) -> None:
        if self.model not in CLASSIFIERS:
            raise ValueError(f"--model: unknown model {self.model!r}; choose one of {', '.join(CLASSIFIERS)}")
        for name in ("epochs", "batch_size", "patience", "seed", "split_seed"):  # split_seed None: the dataset's
            bounded_int(name, 0 if getattr(self, name) is None else getattr(self, name), f"--{name.replace('_', '-')}")
        for name, what in (("learning_rate", "--learning-rate"), ("crop", "crop"), ("mixup", "mixup"),
                           ("bn_momentum", "--bn-momentum")):
            bounded(name, getattr(self, name), what)
        size = bounded_int("image_size", self.image_size, "--image-size")
        if 0 < size < 32:
            raise ValueError(f"--image-size must be 0 (the spectrogram's own size) or at least 32 (ResNet50's "
                             f"smallest input), not {size}")
        if self.split_by not in ("song", "chunk") or (self.split_seed is not None and self.split_by == "chunk"):
            raise ValueError(f"--split-by must be 'song' or 'chunk', not {self.split_by!r}" if self.split_by != "chunk"
                             else "--split-seed draws another split by song: it cannot go with --split-by chunk")
        if self.strategy not in STRATEGIES:
            raise ValueError(f"--strategy: unknown strategy {self.strategy!r}; choose one of {', '.join(STRATEGIES)}")
        labels = self.labels
        if labels is not None and any(not str(label).strip() for label in labels):
            raise ValueError("--labels: a label is empty (give names separated by commas, e.g. trap,lofi)")
        if labels is not None and len(set(labels)) < len(labels):
            repeated = sorted({label for label in labels if labels.count(label) > 1})
            raise ValueError(f"--labels: {', '.join(repeated)} given more than once")
        if labels is not None and len(labels) < 2:
            raise ValueError(f"--labels: a classifier needs at least 2 labels, got {len(labels)}")


TRAIN_PRESETS: dict[str, dict[str, TrainSettings]] = {
    "paper": {"recipe": TrainSettings(epochs=100, patience=10), "paper": TrainSettings(epochs=20, patience=4),
              "resnet50": TrainSettings(model="resnet50", epochs=20, patience=6)},
    "classroom": {"recipe": TrainSettings(epochs=150, patience=12), "paper": TrainSettings(epochs=20, patience=4),
                  "resnet50": TrainSettings(model="resnet50", epochs=4, patience=4, image_size=96)},
    "tiny": {"recipe": TrainSettings(epochs=3, batch_size=16, patience=2),
             "paper": TrainSettings(epochs=3, batch_size=16, patience=2),
             "resnet50": TrainSettings(model="resnet50", epochs=2, batch_size=16, patience=2, image_size=32)},
}
"""Training at each spectrogram preset: the recipe, the paper's set-up of Lil Data, ResNet50."""


def train_preset(preset: str, **changes) -> TrainSettings:
    """The training settings of a preset for ``model`` and ``paper_setup``, with the ``changes`` not ``None``.

    Notebook: notebooks/02_classifier.ipynb
    """
    table = TRAIN_PRESETS.get(preset, TRAIN_PRESETS["paper"])
    key = "resnet50" if changes.get("model", "lildata") == "resnet50" else "paper" if changes.get("paper_setup") \
        else "recipe"
    return _changed(table[key], changes)


@dataclasses.dataclass(frozen=True)
class GeneratorSettings:
    """How a generator is built and trained (``lildata train-generator``); each number bounded."""

    model: str = "autoregressive"  # a name of registry.GENERATORS
    label: str = "lofi"  # the genre to learn (the paper: lo-fi)
    layers: int = 2  # LSTM layers (the paper: 2 to 4)
    units: int = 256  # per LSTM layer (the paper: 50)
    epochs: int = 30
    batch_size: int = 16
    learning_rate: float = 2e-3  # Adam's
    overfit: int = 0  # train on only this many clips (the paper's 2-example run), 0 for all
    levels: int = 16  # quantisation levels per bin
    input_noise: float = 0.05  # standard deviation of the noise on teacher-forced inputs
    seed_frames: int = 16  # real frames that start a generation
    temperature: float = 0.7  # of sampling
    spread: float = 0.5  # the beat LSTM's shared quantile is a normal draw of this width (notebook 05b)
    max_clips: int = 0  # most training clips, 0 for all; only those are read into memory
    seed: int = 0  # of weights and sampling

    def __post_init__(self) -> None:
        if self.model not in GENERATORS:
            raise ValueError(f"unknown generator {self.model!r}: choose one of {', '.join(GENERATORS)}")
        options = ("layers", "units", "epochs", "overfit", "seed")  # named by their option in a message
        for name in (*options, "batch_size", "levels", "seed_frames", "max_clips"):
            bounded_int(name, getattr(self, name), f"--{name}" if name in options else name)
        for name in ("learning_rate", "temperature", "input_noise", "spread"):
            bounded(name, getattr(self, name))


_BEAT = GeneratorSettings(model="beat", units=128, epochs=40, batch_size=4)
GENERATOR_PRESETS: dict[str, dict[str, GeneratorSettings]] = {
    "paper": {"paper": GeneratorSettings(model="paper", units=50, epochs=50, learning_rate=1e-3, max_clips=600),
              "autoregressive": GeneratorSettings(epochs=30, max_clips=600),
              "beat": dataclasses.replace(_BEAT, epochs=20, max_clips=600),
              "song": GeneratorSettings(model="song", epochs=40, max_clips=600)},
    "classroom": {"paper": GeneratorSettings(model="paper", units=50, epochs=50, learning_rate=1e-3),
                  "autoregressive": GeneratorSettings(epochs=20), "beat": _BEAT,
                  "song": GeneratorSettings(model="song", epochs=40)},
    "tiny": {"paper": GeneratorSettings(model="paper", units=50, epochs=3, learning_rate=1e-3),
             "autoregressive": GeneratorSettings(units=32, epochs=3, seed_frames=4),
             "beat": dataclasses.replace(_BEAT, units=32, epochs=3, seed_frames=4),
             "song": GeneratorSettings(model="song", units=32, epochs=3, seed_frames=4)},
}
"""Generators at each spectrogram preset (the paper: 50 units, 2 to 4 layers, 25 and 50 epochs, 600 clips)."""


def generator_preset(preset: str, model: str, **changes) -> GeneratorSettings:
    """The settings of a generator at a preset, with the changes that are not ``None``.

    Notebook: notebooks/05_lstm_generation.ipynb
    """
    table = GENERATOR_PRESETS.get(preset, GENERATOR_PRESETS["paper"])
    if model not in table:
        raise ValueError(f"unknown generator {model!r}: choose one of {', '.join(table)}")
    return _changed(table[model], changes)
