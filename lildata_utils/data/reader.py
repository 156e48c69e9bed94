"""A prepared dataset folder, read lazily from disk: its manifest, its shards, its songs.

Notebook: notebooks/01_data_prep.ipynb
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import math
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .. import audio as audio_io
from ..audio import audio_to_stored, log_spectral_distance, stored_to_audio
from ..errors import LildataError
from ..files import inside, is_relative_safe, read_json
from ..settings import settings_from_dict
from .discover import DatasetError
from .splits import SPLITS

__all__ = ["MANIFEST_COLUMNS", "SHARD_NAME", "Clip", "PreparedDataset"]

MANIFEST_COLUMNS = ("clip", "label", "song", "start_s", "split", "shard", "row")
SHARD_NAME = re.compile(r"^[0-9a-f]{16}-\d{4}\.npy$")


@dataclass(frozen=True)
class Clip:
    """One row of a dataset's manifest."""

    clip: int
    label: str
    song: str
    start_s: float
    split: str
    shard: str
    row: int


def _manifest_clip(row: list[str], number: int, where: str) -> Clip:
    if len(row) != len(MANIFEST_COLUMNS):
        raise DatasetError(f"{where}: {len(row)} cells instead of {len(MANIFEST_COLUMNS)}; run `lildata prepare` again")
    try:
        clip = Clip(int(row[0]), row[1], row[2], float(row[3]), row[4], row[5], int(row[6]))
    except ValueError as error:
        raise DatasetError(f"{where}: {error}") from None
    if not (math.isfinite(clip.start_s) and 0 <= clip.start_s <= 24 * 3600):
        raise DatasetError(f"{where}: start {row[3]!r} is not a time in a song; run `lildata prepare` again")
    if clip.clip != number or clip.row < 0 or clip.split not in SPLITS:
        raise DatasetError(f"{where}: clip {clip.clip}, row {clip.row}, split {clip.split!r} do not fit "
                           "(clips are numbered from 0 in order)")
    if not is_relative_safe(clip.song):
        raise DatasetError(f"{where}: the song {clip.song!r} is not a path inside the song folder (refused)")
    if not SHARD_NAME.match(clip.shard):
        raise DatasetError(f"{where}: {clip.shard!r} is not a shard name of this dataset (refused)")
    return clip


class PreparedDataset:
    """A prepared dataset folder, read lazily from disk (its shards as memory maps).

    Notebook: notebooks/01_data_prep.ipynb
    """

    def __init__(self, path: str | Path):
        self.path = Path(path)
        manifest = self.path / "manifest.csv"
        if not self.path.is_dir():
            raise DatasetError(f"{self.path}: {'not a folder' if self.path.exists() else 'folder does not exist'}")
        if not manifest.exists():
            raise DatasetError(f"{self.path}: not a prepared dataset (no manifest.csv); "
                               "run `lildata prepare RAW_DIR OUT_DIR` first")
        try:
            self.config = read_json(self.path / "config.json", "the dataset's settings")
            self.settings = settings_from_dict(self.config["spectrogram"])
        except LildataError as error:
            raise DatasetError(str(error)) from None
        except (KeyError, TypeError, ValueError, ZeroDivisionError) as error:
            raise DatasetError(f"{self.path / 'config.json'}: not usable spectrogram settings ({error})") from None
        self.clips = self._read_manifest(manifest)
        self._shards: dict[str, np.ndarray] = {}
        self._check_shards()

    def _read_manifest(self, manifest: Path) -> list[Clip]:
        text = manifest.read_text(encoding="utf-8", errors="replace")
        if text and not text.endswith("\n"):
            raise DatasetError(f"{manifest}: cut short (its last line is incomplete); run `lildata prepare` again")
        rows = list(csv.reader(io.StringIO(text, newline="")))  # not splitlines(): a name may hold U+2028
        if not rows or tuple(rows[0]) != MANIFEST_COLUMNS:
            raise DatasetError(f"{manifest}: not a manifest written by `lildata prepare` (header "
                               f"{','.join(rows[0]) if rows else 'missing'})")
        return [_manifest_clip(row, i, f"{manifest}, line {i + 2}") for i, row in enumerate(rows[1:])]

    def _check_shards(self) -> None:
        need: dict[str, int] = {}
        for clip in self.clips:
            need[clip.shard] = max(need.get(clip.shard, 0), clip.row + 1)
        missing, wrong = [], []
        for name, rows in need.items():
            try:
                with open(self.path / "specs" / name, "rb") as handle:
                    version = np.lib.format.read_magic(handle)
                    read = np.lib.format.read_array_header_1_0 if version == (1, 0) else \
                        np.lib.format.read_array_header_2_0
                    shape = read(handle)[0]
            except FileNotFoundError:
                missing.append(name)
            except (OSError, ValueError) as error:
                wrong.append(f"{name} ({error})")
            else:
                if len(shape) != 3 or tuple(shape[1:]) != self.settings.shape or shape[0] < rows:
                    wrong.append(f"{name} (shape {tuple(shape)})")
        if missing:
            raise DatasetError(f"{self.path}: {len(missing)} shard(s) named in manifest.csv are missing from specs/ "
                               f"({', '.join(missing[:3])}{' ...' if len(missing) > 3 else ''}); run "
                               "`lildata prepare` again to make them")
        if wrong:
            raise DatasetError(f"{self.path}: shard(s) that do not fit the manifest: {', '.join(wrong[:3])}; run "
                               "`lildata prepare` again")

    @property
    def labels(self) -> list[str]:
        """The labels, sorted."""
        return sorted({c.label for c in self.clips})

    def __len__(self) -> int:
        return len(self.clips)

    def shard(self, name: str) -> np.ndarray:
        """A shard as a read-only memory map."""
        if name not in self._shards:
            try:
                self._shards[name] = np.load(self.path / "specs" / name, mmap_mode="r")
            except FileNotFoundError:
                raise DatasetError(f"{self.path / 'specs' / name}: missing; run `lildata prepare` again") from None
        return self._shards[name]

    def spectrogram(self, clip: int) -> np.ndarray:
        """The stored spectrogram of clip ``clip`` (float16, ``(n_bins, n_frames)``)."""
        if not 0 <= clip < len(self.clips):
            raise IndexError(f"clip {clip} out of range: the dataset has {len(self.clips)} clips "
                             f"(0 to {len(self.clips) - 1})")
        return np.asarray(self.shard(self.clips[clip].shard)[self.clips[clip].row])

    def audio_path(self, clip: int) -> Path:
        """The song file a clip was cut from (inside the dataset's RAW_DIR; refused otherwise)."""
        return inside(self.config.get("raw_dir", ""), self.clips[clip].song)

    def clip_audio(self, clip: int) -> tuple[np.ndarray, bool]:
        """A clip's sound: ``(audio, True)`` from its song file when its spectrogram is the stored one (within 1 dB,
        so a crafted ``raw_dir`` reads nothing out), else ``(audio, False)`` rebuilt by Griffin-Lim."""
        info, stored, samples = self.clips[clip], self.spectrogram(clip), self.settings.clip_samples
        try:
            audio = audio_io.load_audio(self.audio_path(clip), self.settings.sample_rate, info.start_s,
                                        self.settings.clip_seconds)[:samples]
            if len(audio) == samples and \
                    log_spectral_distance(audio_to_stored(audio, self.settings), stored, self.settings) < 1.0:
                return audio, True
        except (audio_io.AudioError, LildataError, OSError):
            pass
        return stored_to_audio(stored, self.settings), False

    def fingerprint(self) -> str:
        """A short hash of the manifest and settings: the same dataset wherever it is unpacked."""
        digest = hashlib.sha256((self.path / "manifest.csv").read_bytes())
        digest.update(json.dumps(self.settings.to_dict(), sort_keys=True).encode())
        return digest.hexdigest()[:16]

    def select(self, split: str | None = None, labels: list[str] | None = None) -> list[Clip]:
        """The clips of a split (or all) and of some labels (or all)."""
        if split is not None and split not in SPLITS:
            raise ValueError(f"unknown split {split!r}; choose one of {', '.join(SPLITS)}")
        if labels is not None and (missing := sorted(set(labels) - set(self.labels))):
            raise ValueError(f"labels not in the dataset: {', '.join(missing)} (it has {', '.join(self.labels)})")
        return [c for c in self.clips if (split is None or c.split == split)
                and (labels is None or c.label in labels)]

    def counts(self) -> dict[str, dict[str, int]]:
        """Clips per label and split: ``{label: {split: n}}``."""
        counter = Counter((c.label, c.split) for c in self.clips)
        return {label: {split: counter[(label, split)] for split in SPLITS} for label in self.labels}

    def info(self) -> dict[str, Any]:
        """A summary: clips per label and split, songs per split, shape and settings."""
        songs = Counter(split for _, split in {(c.song, c.split) for c in self.clips})
        return {"path": str(self.path), "clips": len(self.clips), "labels": self.labels,
                "counts": self.counts(), "songs": {s: songs[s] for s in SPLITS},
                "shape": list(self.settings.shape), "settings": self.settings.to_dict()}
