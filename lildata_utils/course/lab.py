"""``course.start(...)``, the set-up of notebooks 02 to 06, and the runs of earlier notebooks (:class:`Lab`).

Notebook: notebooks/02_classifier.ipynb
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import keras
import tensorflow as tf

from ..data import PreparedDataset, make_real_music
from ..errors import LildataError
from ..runs.classifier import ensure_run
from ..runs.generator import ensure_generator
from ..settings import GeneratorSettings, SpectrogramSettings, TrainSettings, generator_preset, train_preset
from .setup import Storage, check_accelerator, ensure_dataset, runs_dir, storage, use_packed

__all__ = ["Lab", "set_precision", "start"]


def set_precision(mixed: bool) -> str:
    """Set and return Keras' global dtype policy: ``mixed_float16`` when ``mixed`` on a GPU, else ``float32``.

    Notebook: notebooks/02_classifier.ipynb
    """
    name = "mixed_float16" if mixed and tf.config.list_physical_devices("GPU") else "float32"
    keras.mixed_precision.set_global_policy(name)
    return name


@dataclass
class Lab:
    """A notebook's dataset and runs (``RUNS_ROOT/<preset>``, or ``RUNS_ROOT/<folder>_<preset>``) at one preset."""

    preset: str
    data: PreparedDataset
    runs: Path
    where: Storage
    seed: int = 0
    accelerator: str = "cpu"
    precision: str = "float32"

    @property
    def settings(self) -> SpectrogramSettings:
        """The dataset's spectrogram settings."""
        return self.data.settings

    def training(self, **changes) -> TrainSettings:
        """The preset's training settings, with ``changes``."""
        return train_preset(self.preset, **{"seed": self.seed, **changes})

    def classifier(self, name: str, **changes) -> dict:
        """The metrics of the run ``RUNS/name``, trained first where missing."""
        return ensure_run(self.data, self.runs / name, self.training(**changes))

    def generator_settings(self, model: str, **changes) -> GeneratorSettings:
        """The preset's settings of a generator."""
        return generator_preset(self.preset, model, seed=self.seed, **changes)

    def generator(self, name: str, model: str, **changes) -> dict:
        """The metrics of the generator run ``RUNS/name``, trained first where missing."""
        return ensure_generator(self.data, self.runs / name, self.generator_settings(model, **changes))


def start(preset: str, data_root: str | Path = "../data", runs_root: str | Path = "../runs",
          raw_dir: str | Path | None = None, use_drive: bool = False, packed: str | Path | None = None,
          seed: int = 0, mixed_precision: bool = True) -> Lab:
    """The set-up after the parameters cell; ``raw_dir``: your music, ``"real-music"`` (the recorded set) or
    ``None`` (built-in songs); ``packed``: a file or ``https://`` address from ``lildata pack``, unpacked first.

    Notebook: notebooks/02_classifier.ipynb
    """
    accelerator = check_accelerator()
    precision = set_precision(mixed_precision and accelerator == "gpu")
    if precision != "float32":
        print(f"training in {precision} (float16 arithmetic, float32 weights and outputs); "
              "MIXED_PRECISION = False for float32")
    if raw_dir == "real-music":
        try:
            raw_dir = make_real_music(recipe="tiny" if preset == "tiny" else "full", quiet=True)
        except LildataError as error:
            print(f"the recorded set cannot be made here ({error}); the built-in songs instead")
            raw_dir = None
    where = storage(use_drive, data_root, runs_root)
    runs = runs_dir(where.runs_root, preset, raw_dir)
    use_packed(packed, where.runs_root, runs.name)
    data = ensure_dataset(preset, where.data_root, raw_dir, seed=seed, local_cache=where.local_cache)
    print(f"{len(data)} clips of {data.settings.shape[0]} x {data.settings.shape[1]}; songs per split: "
          f"{data.info()['songs']}; runs in {runs}")
    return Lab(preset, data, runs, where, seed, accelerator, precision)
