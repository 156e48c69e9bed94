"""A folder of music in, a dataset of spectrograms out, split by song.

``RAW_DIR`` holds one sub-folder per label, each audio file one song
(``data/raw/<genre>/<files>``). :func:`prepare` writes to ``OUT_DIR``:

* ``specs/<song-id>-<k>.npy``: the clips of one song as float16 arrays of
  shape ``(clips, n_bins, n_frames)``, at most ``SHARD_BYTES`` each, read
  later through memory maps, so training streams from disk;
* ``songs/<song-id>.json``: what was done with each song (its clips, or why
  it was skipped), so that a second run reuses finished songs;
* ``manifest.csv``: one row a clip (``clip, label, song, start_s, split,
  shard, row``);
* ``config.json`` (the settings) and ``prepare_report.json``.

Every file is written under a temporary name and renamed when whole, so a run
killed at any moment and started again ends with the same dataset as one
clean run.

Splits are by song, never by clip: each song's split comes from a stable
hash of its path relative to ``RAW_DIR`` (80/10/10 by default), so adding
songs never moves a song whose split came from its hash. A small label with
no song hashed into validation or test lends its highest-hashed training song
to that split; such a stand-in goes back to training once the label has a
song hashed there, so no song ever moves from training into evaluation.

Notebook: notebooks/01_data_prep.ipynb
"""

from __future__ import annotations

import csv
import hashlib
import json
import multiprocessing
import os
from collections import Counter
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import numpy as np
from tqdm.auto import tqdm

from . import audio as audio_io
from .config import SpectrogramSettings, settings_from_dict
from .spectrogram import audio_to_stored

__all__ = [
    "SPLITS",
    "DatasetError",
    "PrepareReport",
    "PreparedDataset",
    "assign_splits",
    "find_songs",
    "prepare",
    "song_fraction",
]

SPLITS = ("train", "val", "test")
SHARD_BYTES = 64 * 2**20
"""Largest shard of clips written in one file (and held in memory while writing)."""
_STFT_BATCH = 8
MANIFEST_COLUMNS = ("clip", "label", "song", "start_s", "split", "shard", "row")


class DatasetError(Exception):
    """A problem with a whole folder (not one file), with a readable reason."""


@dataclass
class PrepareReport:
    """What :func:`prepare` did.

    Attributes:
        files_processed: Songs that gave at least one clip.
        files_skipped: ``{"file": path, "reason": why}`` for every file not used.
        notes: ``{"file": path, "note": what}`` for files used after a fix
            (mixed down to mono, resampled).
        clips_written: Clips in the dataset.
        seconds_of_audio: Seconds of audio in the songs that were used.
        reused: Songs taken from an earlier run unchanged.
    """

    files_processed: int = 0
    files_skipped: list[dict[str, str]] = field(default_factory=list)
    notes: list[dict[str, str]] = field(default_factory=list)
    clips_written: int = 0
    seconds_of_audio: float = 0.0
    reused: int = 0

    def to_dict(self) -> dict[str, Any]:
        """The report as a JSON-ready dictionary."""
        return {
            "files_processed": self.files_processed,
            "files_skipped": self.files_skipped,
            "notes": self.notes,
            "clips_written": self.clips_written,
            "seconds_of_audio": round(self.seconds_of_audio, 3),
            "reused": self.reused,
        }


def process_pool(workers: int) -> ProcessPoolExecutor:
    """A pool of worker processes: forked on Linux (fast to start), unless
    TensorFlow is loaded (its threads do not survive a fork), spawned elsewhere."""
    import sys

    method = "fork" if sys.platform == "linux" and "tensorflow" not in sys.modules else "spawn"
    return ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context(method))


def song_fraction(song: str) -> float:
    """A stable number in [0, 1) from a song's relative path (SHA-1 based)."""
    digest = hashlib.sha1(song.encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") / 2.0**64


def song_id(song: str) -> str:
    """A short, stable file name for a song."""
    return hashlib.sha1(song.encode("utf-8")).hexdigest()[:16]


def assign_splits(songs_by_label: dict[str, list[str]],
                  fractions: tuple[float, float, float] = (0.8, 0.1, 0.1)) -> dict[str, str]:
    """Give each song its split: ``train``, ``val`` or ``test``.

    Args:
        songs_by_label: Song paths (relative to RAW_DIR) per label.
        fractions: Train, validation and test fractions (summing to 1).

    Returns:
        The split of every song.
    """
    if abs(sum(fractions) - 1.0) > 1e-9 or min(fractions) < 0:
        raise ValueError(f"split fractions must be non-negative and sum to 1, got {fractions}")
    train_end, val_end = fractions[0], fractions[0] + fractions[1]
    splits: dict[str, str] = {}
    for songs in songs_by_label.values():
        own = {}
        for song in songs:
            u = song_fraction(song)
            own[song] = "train" if u < train_end else "val" if u < val_end else "test"
        if len(songs) >= 3:
            for split, fraction in (("test", fractions[2]), ("val", fractions[1])):
                if fraction > 0 and split not in own.values():
                    train = [s for s in songs if own[s] == "train"]
                    if len(train) > 1:
                        own[max(train, key=song_fraction)] = split
        splits.update(own)
    return splits


def find_songs(raw_dir: str | Path) -> tuple[dict[str, list[str]], list[dict[str, str]]]:
    """Find the songs of a RAW_DIR, one sub-folder per label.

    Hidden files and ``.json`` files (song metadata, such as the synthesiser's)
    are ignored; any other file that is not audio is reported.

    Returns:
        ``(songs_by_label, skipped)``: relative song paths per label, and
        ``{"file", "reason"}`` for everything that cannot be a song.

    Raises:
        DatasetError: RAW_DIR does not exist, is not a folder or has no label folders.
    """
    raw_dir = Path(raw_dir)
    if not raw_dir.exists():
        raise DatasetError(f"{raw_dir}: folder does not exist")
    if not raw_dir.is_dir():
        raise DatasetError(f"{raw_dir}: not a folder (expected one sub-folder per label)")
    songs: dict[str, list[str]] = {}
    skipped: list[dict[str, str]] = []
    for entry in sorted(raw_dir.iterdir()):
        if entry.name.startswith("."):
            continue
        if entry.is_file():
            skipped.append({"file": entry.name, "reason": "not in a label folder (put songs in RAW_DIR/<label>/)"})
            continue
        found = []
        for path in sorted(entry.rglob("*")):
            rel = path.relative_to(raw_dir).as_posix()
            if not path.is_file() or any(part.startswith(".") for part in path.relative_to(raw_dir).parts):
                continue
            suffix = path.suffix.lower()
            if suffix == ".json":
                continue
            if suffix not in audio_io.AUDIO_EXTENSIONS:
                skipped.append({"file": rel, "reason": f"not an audio file ({suffix or 'no extension'})"})
                continue
            found.append(rel)
        if found:
            songs[entry.name] = found
        else:
            skipped.append({"file": entry.name + "/", "reason": "empty label folder (no audio files)"})
    if not songs and not skipped:
        raise DatasetError(f"{raw_dir}: no label folders (expected RAW_DIR/<label>/<audio files>)")
    return songs, skipped


def _fingerprint(path: Path, settings: SpectrogramSettings) -> dict[str, Any]:
    stat = path.stat()
    return {"size": stat.st_size, "mtime_ns": stat.st_mtime_ns, "settings": settings.to_dict()}


def _save_shard(path: Path, clips: list[np.ndarray]) -> None:
    with audio_io.atomic_path(path) as tmp:
        with open(tmp, "wb") as handle:
            np.save(handle, np.stack(clips))


def _write_record(path: Path, record: dict[str, Any], shard_writes: list[Future]) -> None:
    """Write a song's record once its shards are on disk (or say why they are not)."""
    failed = [f.exception() for f in shard_writes if f.exception() is not None]
    if failed:
        record.update(status="skipped", reason=f"could not write its spectrograms: {failed[0]}")
        record.pop("shards", None)
    audio_io.write_json(path, record)


def _process_song(raw_dir: str, out_dir: str, song: str, label: str,
                  settings_dict: dict[str, Any], writer: ThreadPoolExecutor | None = None) -> dict[str, Any]:
    """Turn one song into shards and its song record.

    Files are written by a single background thread, in order: the shards,
    then the song record, so a record on disk always means whole shards.
    With ``writer`` (one thread shared by the songs of an in-process run) the
    writes may still be going on when this returns; the caller waits for the
    writer before writing the manifest. Without it, this waits for its own.
    """
    own_writer = writer is None
    writer = writer or ThreadPoolExecutor(max_workers=1)
    settings = settings_from_dict(settings_dict)
    path = Path(raw_dir) / song
    out = Path(out_dir)
    sid = song_id(song)
    record: dict[str, Any] = {"song": song, "label": label, "id": sid,
                              "fingerprint": _fingerprint(path, settings), "notes": []}
    per_shard = max(1, SHARD_BYTES // (2 * settings.n_bins * settings.n_frames))
    starts: list[int] = []
    shards: list[dict[str, Any]] = []
    pending: list[np.ndarray] = []
    batch: list[np.ndarray] = []
    # Shards are written while the next ones are computed; waiting for one
    # write before queueing the next keeps at most two shards in memory.
    writing: list[Future] = []
    shard_writes: list[Future] = []
    try:
        info = audio_io.audio_info(path)
        if info.channels > 1:
            record["notes"].append(f"mixed {info.channels} channels down to mono")
        if info.sample_rate != settings.sample_rate:
            record["notes"].append(f"resampled {info.sample_rate} Hz to {settings.sample_rate} Hz")
        record["seconds"] = info.seconds

        def flush_batch() -> None:
            if batch:
                pending.extend(audio_to_stored(np.stack(batch), settings))
                batch.clear()

        def flush_shard() -> None:
            flush_batch()
            if pending:
                name = f"{sid}-{len(shards):04d}.npy"
                if writing:
                    writing.pop().result()
                writing.append(writer.submit(_save_shard, out / "specs" / name, list(pending)))
                shard_writes.append(writing[-1])
                shards.append({"file": name, "clips": len(pending)})
                pending.clear()

        for start, clip in audio_io.iter_clips(path, settings.sample_rate, settings.clip_samples,
                                               settings.silence_db):
            starts.append(start)
            batch.append(clip)
            if len(batch) >= _STFT_BATCH:
                flush_batch()
            if len(pending) + len(batch) >= per_shard:
                flush_shard()
        flush_shard()
        if not starts:
            if info.seconds and info.seconds < settings.clip_seconds:
                raise audio_io.AudioError(
                    f"shorter than one clip ({info.seconds:.2f} s < {settings.clip_seconds:g} s)")
            raise audio_io.AudioError(
                f"silent: every clip is below {settings.silence_db:g} dBFS")
        record.update(status="ok", starts=starts, shards=shards)
    except audio_io.AudioError as error:
        record.update(status="skipped", reason=str(error))
    except Exception as error:  # report anything unexpected, file by file
        record.update(status="skipped", reason=f"unexpected error: {type(error).__name__}: {error}")
    done = writer.submit(_write_record, out / "songs" / f"{sid}.json", record, shard_writes)
    if own_writer:
        writer.shutdown(wait=True)
        done.result()
    return record


def _load_record(out_dir: Path, song: str, raw_dir: Path,
                 settings: SpectrogramSettings) -> dict[str, Any] | None:
    path = out_dir / "songs" / f"{song_id(song)}.json"
    try:
        record = json.loads(path.read_text())
        if record.get("song") != song or record.get("fingerprint") != _fingerprint(raw_dir / song, settings):
            return None
        if record.get("status") == "ok" and not all(
                (out_dir / "specs" / shard["file"]).exists() for shard in record["shards"]):
            return None
        return record
    except (OSError, ValueError, KeyError):
        return None


def prepare(raw_dir: str | Path, out_dir: str | Path, settings: SpectrogramSettings,
            jobs: int | None = None, progress: bool = True,
            log: Callable[[str], None] | None = None) -> PrepareReport:
    """Prepare a folder of music as a dataset of spectrograms.

    Args:
        raw_dir: One sub-folder per label, each audio file one song.
        out_dir: Where the dataset goes (created; reused when it exists).
        settings: Spectrogram settings (a preset).
        jobs: Worker processes; ``None`` uses every core, 1 works in this process.
        progress: Show a progress bar.
        log: Called with one line per skipped or noted file (default: print).

    Returns:
        The report, also written to ``prepare_report.json``.

    Raises:
        DatasetError: RAW_DIR is unusable, or OUT_DIR holds another preset's dataset.

    Notebook: notebooks/01_data_prep.ipynb
    """
    raw_dir, out_dir = Path(raw_dir), Path(out_dir)
    log = log or (lambda line: tqdm.write(line))
    songs_by_label, skipped = find_songs(raw_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    config_path = out_dir / "config.json"
    if config_path.exists():
        old = json.loads(config_path.read_text()).get("spectrogram", {})
        if old != settings.to_dict():
            raise DatasetError(
                f"{out_dir}: already holds a dataset made with other settings "
                f"(preset {old.get('name')!r}); use another folder or the same preset")
    audio_io.write_json(config_path, {"spectrogram": settings.to_dict(), "raw_dir": str(raw_dir.resolve()),
                              "split_fractions": [0.8, 0.1, 0.1]})
    for entry in skipped:
        log(f"skipped {entry['file']}: {entry['reason']}")

    todo, records = [], {}
    for label, songs in songs_by_label.items():
        for song in songs:
            record = _load_record(out_dir, song, raw_dir, settings)
            if record is None:
                todo.append((song, label))
            else:
                records[song] = record
    report = PrepareReport(reused=len(records))
    jobs = max(1, min(jobs or os.cpu_count() or 1, len(todo) or 1))
    bar = tqdm(total=len(todo), desc="prepare", unit="song", disable=not progress)
    args = [(str(raw_dir), str(out_dir), song, label, settings.to_dict()) for song, label in todo]
    if jobs == 1:
        writer = ThreadPoolExecutor(max_workers=1)
        try:
            for arg in args:
                records[arg[2]] = _process_song(*arg, writer=writer)
                bar.update()
        finally:
            writer.shutdown(wait=True)
    else:
        with process_pool(jobs) as pool:
            futures = [pool.submit(_process_song, *arg) for arg in args]
            for future in as_completed(futures):
                record = future.result()
                records[record["song"]] = record
                bar.update()
    bar.close()
    return _finish(out_dir, songs_by_label, records, skipped, report, settings, log)


def _finish(out_dir: Path, songs_by_label: dict[str, list[str]], records: dict[str, dict],
            skipped: list[dict[str, str]], report: PrepareReport,
            settings: SpectrogramSettings, log: Callable[[str], None]) -> PrepareReport:
    """Write the manifest and report from the song records; remove stale files."""
    report.files_skipped = list(skipped)
    usable = {label: [s for s in songs if records[s]["status"] == "ok"]
              for label, songs in songs_by_label.items()}
    splits = assign_splits({k: v for k, v in usable.items() if v})
    rows = []
    for label in sorted(songs_by_label):
        for song in songs_by_label[label]:
            record = records[song]
            if record["status"] != "ok":
                report.files_skipped.append({"file": song, "reason": record["reason"]})
                log(f"skipped {song}: {record['reason']}")
                continue
            for note in record["notes"]:
                report.notes.append({"file": song, "note": note})
                log(f"note {song}: {note}")
            report.files_processed += 1
            report.seconds_of_audio += float(record.get("seconds") or 0.0)
            starts = iter(record["starts"])
            for shard in record["shards"]:
                for row in range(shard["clips"]):
                    rows.append({"clip": len(rows), "label": label, "song": song,
                                 "start_s": round(next(starts) / settings.sample_rate, 4),
                                 "split": splits[song], "shard": shard["file"], "row": row})
    report.clips_written = len(rows)
    with audio_io.atomic_path(out_dir / "manifest.csv") as tmp:
        with open(tmp, "w", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=MANIFEST_COLUMNS)
            writer.writeheader()
            writer.writerows(rows)
    audio_io.write_json(out_dir / "prepare_report.json", report.to_dict())
    keep_specs = {s["file"] for r in records.values() if r["status"] == "ok" for s in r["shards"]}
    keep_songs = {f"{r['id']}.json" for r in records.values()}
    for folder, keep in (("specs", keep_specs), ("songs", keep_songs)):
        for path in (out_dir / folder).glob("*"):
            if path.name not in keep:
                path.unlink()
    return report


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


class PreparedDataset:
    """A prepared dataset folder, read lazily from disk.

    Example:
        >>> data = PreparedDataset("data/prepared/classroom")  # doctest: +SKIP
        >>> data.spectrogram(0).shape                          # doctest: +SKIP
        (256, 226)

    Notebook: notebooks/01_data_prep.ipynb
    """

    def __init__(self, path: str | Path):
        self.path = Path(path)
        manifest = self.path / "manifest.csv"
        if not manifest.exists():
            raise DatasetError(f"{self.path}: not a prepared dataset (no manifest.csv); "
                               "run `lildata prepare RAW_DIR OUT_DIR` first")
        config = json.loads((self.path / "config.json").read_text())
        self.config = config
        self.settings = settings_from_dict(config["spectrogram"])
        with open(manifest, newline="") as handle:
            self.clips = [Clip(int(r["clip"]), r["label"], r["song"], float(r["start_s"]),
                               r["split"], r["shard"], int(r["row"])) for r in csv.DictReader(handle)]
        self._shards: dict[str, np.ndarray] = {}

    @property
    def labels(self) -> list[str]:
        """The labels, sorted."""
        return sorted({c.label for c in self.clips})

    def __len__(self) -> int:
        return len(self.clips)

    def shard(self, name: str) -> np.ndarray:
        """A shard as a read-only memory map."""
        if name not in self._shards:
            self._shards[name] = np.load(self.path / "specs" / name, mmap_mode="r")
        return self._shards[name]

    def spectrogram(self, clip: int) -> np.ndarray:
        """The stored spectrogram of clip ``clip`` (float16, ``(n_bins, n_frames)``)."""
        if not 0 <= clip < len(self.clips):
            raise IndexError(f"clip {clip} out of range: the dataset has {len(self.clips)} clips")
        row = self.clips[clip]
        return np.asarray(self.shard(row.shard)[row.row])

    def select(self, split: str | None = None, labels: list[str] | None = None) -> list[Clip]:
        """The clips of a split (or all) and of some labels (or all)."""
        if split is not None and split not in SPLITS:
            raise ValueError(f"unknown split {split!r}; choose one of {', '.join(SPLITS)}")
        if labels is not None:
            missing = sorted(set(labels) - set(self.labels))
            if missing:
                raise ValueError(f"labels not in the dataset: {', '.join(missing)} "
                                 f"(it has {', '.join(self.labels)})")
        return [c for c in self.clips if (split is None or c.split == split)
                and (labels is None or c.label in labels)]

    def counts(self) -> dict[str, dict[str, int]]:
        """Clips per label and split: ``{label: {split: n}}``."""
        counter = Counter((c.label, c.split) for c in self.clips)
        return {label: {split: counter[(label, split)] for split in SPLITS} for label in self.labels}

    def info(self) -> dict[str, Any]:
        """A summary: clips per label and split, songs per split, shape and settings."""
        songs = Counter()
        for song, split in {(c.song, c.split) for c in self.clips}:
            songs[split] += 1
        return {"path": str(self.path), "clips": len(self.clips), "labels": self.labels,
                "counts": self.counts(), "songs": {s: songs[s] for s in SPLITS},
                "shape": list(self.settings.shape), "settings": self.settings.to_dict()}
