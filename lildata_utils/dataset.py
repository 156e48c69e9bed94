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
import io
import json
import math
import multiprocessing
import os
import re
from collections import Counter
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import numpy as np
from tqdm.auto import tqdm

from . import audio as audio_io
from .config import SpectrogramSettings, settings_from_dict
from .errors import LildataError, MachineError, is_machine_error
from .files import FolderLock, atomic_path, clean_stale_temporaries, inside, is_relative_safe, read_json, write_json
from .spectrogram import audio_to_stored

__all__ = [
    "SPLITS",
    "Clip",
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
DATASET_KIND = "lildata-dataset"
"""The mark in ``config.json`` that says ``prepare`` made this folder (and may tidy its own files in it)."""
_SHARD_NAME = re.compile(r"^[0-9a-f]{16}-\d{4}\.npy$")
_RECORD_NAME = re.compile(r"^[0-9a-f]{16}\.json$")


class DatasetError(LildataError):
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


def _watch_parent(parent: int) -> None:
    """Run in each worker: end it when the process that started it is gone (even if killed)."""
    import signal
    import threading
    import time

    try:  # Linux: the kernel sends SIGTERM when the parent dies
        import ctypes

        ctypes.CDLL(None).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(1)

    threading.Thread(target=watch, daemon=True).start()


def process_pool(workers: int) -> ProcessPoolExecutor:
    """A pool of worker processes that end with their parent: forked on Linux (fast to start), unless
    TensorFlow is loaded (its threads do not survive a fork), spawned elsewhere."""
    import sys

    method = "fork" if sys.platform == "linux" and "tensorflow" not in sys.modules else "spawn"
    return ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context(method),
                               initializer=_watch_parent, initargs=(os.getpid(),))


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


def _printable(name: str) -> str:
    """A file name as text that can be printed and written to JSON (bytes that are not UTF-8 shown as �)."""
    return name.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def _kind_problem(path: Path) -> str | None:
    """Why ``path`` cannot be a song file (a FIFO, a device, a dangling link ...), or ``None``."""
    try:
        audio_io.check_regular_file(path)
    except audio_io.AudioError as error:
        return None if str(error).startswith("empty") else str(error)
    except MachineError as error:  # this file only: skipped now, not remembered, so the next run tries it again
        return f"{error} (skipped this time; the next run tries it again)"
    return None


def find_songs(raw_dir: str | Path) -> tuple[dict[str, list[str]], list[dict[str, str]]]:
    """Find the songs of a RAW_DIR, one sub-folder per label.

    Hidden files and ``.json`` files (song metadata, such as the synthesiser's)
    are ignored; everything else that cannot be a song gets a line saying why:
    files that are not audio, FIFOs, devices, dangling links, names that are not
    UTF-8, empty label folders.

    Returns:
        ``(songs_by_label, skipped)``: relative song paths per label, and
        ``{"file", "reason"}`` for everything that cannot be a song.

    Raises:
        DatasetError: RAW_DIR does not exist, is not a folder or has no label folders.
        MachineError: A folder cannot be read (no permission).

    Notebook: notebooks/01_data_prep.ipynb
    """
    raw_dir = Path(raw_dir)
    if not raw_dir.exists():
        raise DatasetError(f"{raw_dir}: folder does not exist")
    if not raw_dir.is_dir():
        raise DatasetError(f"{raw_dir}: not a folder (expected one sub-folder per label)")

    def unreadable(error: OSError) -> None:
        raise MachineError(f"{error.filename}: cannot read folder: {error.strerror}")

    songs: dict[str, list[str]] = {}
    skipped: list[dict[str, str]] = []
    try:
        entries = sorted(raw_dir.iterdir())
    except OSError as error:
        unreadable(error)
    for entry in entries:
        if entry.name.startswith("."):
            continue
        try:
            entry.name.encode("utf-8")
        except UnicodeEncodeError:
            skipped.append({"file": _printable(entry.name), "reason": "name is not valid UTF-8 (rename it)"})
            continue
        if not entry.is_dir():
            skipped.append({"file": entry.name, "reason": "not in a label folder (put songs in RAW_DIR/<label>/)"})
            continue
        if entry.is_symlink() and _links_back(entry, raw_dir):
            skipped.append({"file": entry.name + "/", "reason": "a link to RAW_DIR itself, to a folder above it or "
                                                               "to one of its label folders: its songs would count twice"})
            continue
        found = []
        for folder, dirs, files in os.walk(entry, onerror=unreadable):
            dirs[:] = sorted(d for d in dirs if not d.startswith("."))
            for name in sorted(files):
                path = Path(folder) / name
                rel = path.relative_to(raw_dir).as_posix()
                if name.startswith("."):
                    continue
                try:
                    rel.encode("utf-8")
                except UnicodeEncodeError:
                    skipped.append({"file": _printable(rel), "reason": "name is not valid UTF-8 (rename it)"})
                    continue
                suffix = path.suffix.lower()
                if suffix == ".json":
                    continue
                if suffix not in audio_io.AUDIO_EXTENSIONS:
                    skipped.append({"file": rel, "reason": f"not an audio file ({suffix or 'no extension'})"})
                    continue
                problem = _kind_problem(path)
                if problem:
                    skipped.append({"file": rel, "reason": problem})
                    continue
                found.append(rel)
        if found:
            songs[entry.name] = found
        else:
            skipped.append({"file": entry.name + "/", "reason": "empty label folder (no audio files)"})
    if not songs and not skipped:
        raise DatasetError(f"{raw_dir}: no label folders (expected RAW_DIR/<label>/<audio files>)")
    return songs, skipped


def _links_back(entry: Path, raw_dir: Path) -> bool:
    """Whether a linked label folder leads to RAW_DIR, above it, or into it (to songs already counted)."""
    target, root = entry.resolve(), raw_dir.resolve()
    return target == root or target in root.parents or root in target.parents


def _fingerprint(path: Path, settings: SpectrogramSettings) -> dict[str, Any]:
    stat = path.stat()
    return {"size": stat.st_size, "mtime_ns": stat.st_mtime_ns, "settings": settings.to_dict()}


def _save_shard(path: Path, clips: list[np.ndarray]) -> None:
    with atomic_path(path) as tmp:
        with open(tmp, "wb") as handle:
            np.save(handle, np.stack(clips))


def _write_record(path: Path, record: dict[str, Any], shard_writes: list[Future]) -> None:
    """Write a song's record once its shards are on disk. A shard that could not be written is an error of
    the machine: no record is written, so the next run makes the song again."""
    for write in shard_writes:
        error = write.exception()
        if error is not None:
            raise MachineError(f"{record['song']}: could not write its spectrograms: "
                               f"{getattr(error, 'strerror', None) or error}")
    write_json(path, record)


class _ShardWriter:
    """Collects one song's spectrograms and writes them in shards of at most ``per_shard`` clips, in a
    background thread, while the next clips are computed (at most two shards in memory)."""

    def __init__(self, out: Path, sid: str, settings: SpectrogramSettings, writer: ThreadPoolExecutor):
        self.out, self.sid, self.settings, self.writer = out, sid, settings, writer
        self.per_shard = max(1, SHARD_BYTES // (2 * settings.n_bins * settings.n_frames))
        self.batch: list[np.ndarray] = []
        self.pending: list[np.ndarray] = []
        self.shards: list[dict[str, Any]] = []
        self.writes: list[Future] = []

    def add(self, clip: np.ndarray) -> None:
        self.batch.append(clip)
        if len(self.batch) >= _STFT_BATCH:
            self._flush_batch()
        if len(self.pending) + len(self.batch) >= self.per_shard:
            self.flush()

    def _flush_batch(self) -> None:
        if self.batch:
            self.pending.extend(audio_to_stored(np.stack(self.batch), self.settings))
            self.batch.clear()

    def flush(self) -> None:
        self._flush_batch()
        if self.pending:
            name = f"{self.sid}-{len(self.shards):04d}.npy"
            if self.writes:
                self.writes[-1].exception()  # wait for the previous shard: two in memory at most
            self.writes.append(self.writer.submit(_save_shard, self.out / "specs" / name, list(self.pending)))
            self.shards.append({"file": name, "clips": len(self.pending)})
            self.pending.clear()


def _process_song(raw_dir: str, out_dir: str, song: str, label: str,
                  settings_dict: dict[str, Any]) -> dict[str, Any]:
    """Turn one song into shards and its song record.

    Files are written by a background thread, in order: the shards, then the
    song record, so a record on disk always means whole shards. A reason that
    belongs to the file (corrupt, silent, too short, not audio) is kept in the
    record, so later runs skip the file until it changes; an error of the
    machine raises :class:`MachineError` and writes no record; an unexpected
    error is reported but not remembered, so the next run tries again.
    """
    settings = settings_from_dict(settings_dict)
    path = Path(raw_dir) / song
    sid = song_id(song)
    record: dict[str, Any] = {"song": song, "label": label, "id": sid, "notes": []}
    writer = ThreadPoolExecutor(max_workers=1)
    shards = _ShardWriter(Path(out_dir), sid, settings, writer)
    starts: list[int] = []
    try:
        try:
            record["fingerprint"] = _fingerprint(path, settings)
            info = audio_io.audio_info(path)
            if info.channels > 1:
                record["notes"].append(f"mixed {info.channels} channels down to mono")
            if info.sample_rate != settings.sample_rate:
                record["notes"].append(f"resampled {info.sample_rate} Hz to {settings.sample_rate} Hz")
            if info.truncated:
                record["notes"].append(f"cut short: its header claims {info.claimed_seconds:.2f} s, the file "
                                       f"holds {info.seconds:.2f} s (only those are used)")
            record["seconds"] = info.seconds
            for start, clip in audio_io.iter_clips(path, settings.sample_rate, settings.clip_samples,
                                                   settings.silence_db):
                starts.append(start)
                shards.add(clip)
            shards.flush()
            if not starts:
                if info.seconds < settings.clip_seconds:
                    raise audio_io.AudioError(
                        f"too short: {info.seconds:.2f} s is less than one clip of {settings.clip_seconds:g} s")
                raise audio_io.AudioError(f"silent: every clip is below {settings.silence_db:g} dBFS")
            record.update(status="ok", starts=starts, shards=shards.shards)
        except audio_io.AudioError as error:
            record.update(status="skipped", reason=str(error))
        except MachineError as error:
            raise MachineError(f"{song}: {error}") from None
        except OSError as error:
            if is_machine_error(error):
                raise MachineError(f"{song}: {error.strerror}") from None
            record.update(status="skipped", reason=f"cannot read: {error.strerror or error}", remember=False)
        except Exception as error:  # report anything unexpected, file by file, and try again next run
            record.update(status="skipped", reason=f"unexpected error: {type(error).__name__}: {error}",
                          remember=False)
        if record.get("remember", True):
            writer.submit(_write_record, Path(out_dir) / "songs" / f"{sid}.json", record, shards.writes).result()
        else:
            for write in shards.writes:
                write.exception()
    finally:
        writer.shutdown(wait=True)
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
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _same_folder(a: Path, b: Path) -> bool:
    return a.resolve() == b.resolve()


def _is_within(child: Path, parent: Path) -> bool:
    child, parent = child.resolve(), parent.resolve()
    return child == parent or parent in child.parents


def _claim(out_dir: Path, raw_dir: Path, settings: SpectrogramSettings, overwrite: bool) -> None:
    """Make ``out_dir`` this dataset's folder, or refuse with the reason.

    A folder is ours when its ``config.json`` says ``prepare`` made it. A
    folder that holds anything else is refused; a dataset made from another
    RAW_DIR or with other settings is replaced only with ``overwrite``.
    """
    config_path = out_dir / "config.json"
    old: dict[str, Any] | None = None
    if config_path.exists():
        try:
            old = read_json(config_path, "the dataset's settings")
        except LildataError:
            old = None
        if not isinstance(old, dict) or "spectrogram" not in old:
            raise DatasetError(f"{out_dir}: its config.json was not written by `lildata prepare`; "
                               "choose an empty or new folder")
    else:
        foreign = sorted(p.name for p in out_dir.iterdir() if not p.name.startswith(".lildata"))
        if foreign:
            shown = ", ".join(_printable(n) for n in foreign[:3]) + (" ..." if len(foreign) > 3 else "")
            raise DatasetError(f"{out_dir}: holds files that lildata did not make ({shown}); "
                               "choose an empty or new folder")
    if old is not None and not overwrite:
        if old["spectrogram"] != settings.to_dict():
            raise DatasetError(f"{out_dir}: already holds a dataset made with other settings (preset "
                               f"{old['spectrogram'].get('name')!r}); use another folder, or --overwrite to replace it")
        if old.get("raw_dir") and Path(old["raw_dir"]) != raw_dir.resolve():
            raise DatasetError(f"{out_dir}: already holds a dataset made from {old['raw_dir']}; use another "
                               f"folder, or --overwrite to replace it with one made from {raw_dir}")
    write_json(config_path, {"kind": DATASET_KIND, "spectrogram": settings.to_dict(),
                             "raw_dir": str(raw_dir.resolve()), "split_fractions": [0.8, 0.1, 0.1]})


def prepare(raw_dir: str | Path, out_dir: str | Path, settings: SpectrogramSettings,
            jobs: int | None = None, progress: bool = True,
            log: Callable[[str], None] | None = None, overwrite: bool = False) -> PrepareReport:
    """Prepare a folder of music as a dataset of spectrograms.

    What it may delete: inside ``OUT_DIR`` (a folder it made, marked by its
    ``config.json``), only its own shards (``specs/<id>-<k>.npy``) and song
    records (``songs/<id>.json``) that no longer belong to a song of RAW_DIR,
    and temporary files of its own killed runs. Nothing else, ever.

    Args:
        raw_dir: One sub-folder per label, each audio file one song.
        out_dir: Where the dataset goes: a new or empty folder, or a dataset
            this function made from the same RAW_DIR (reused).
        settings: Spectrogram settings (a preset).
        jobs: Worker processes; ``None`` uses every core, 1 works in this process.
        progress: Show a progress bar.
        log: Called with one line per skipped or noted file (default: print).
        overwrite: Replace a dataset made from another RAW_DIR or with other settings.

    Returns:
        The report, also written to ``prepare_report.json``.

    Raises:
        DatasetError: RAW_DIR is unusable; OUT_DIR is inside RAW_DIR, is a file,
            holds foreign files, holds another dataset, or is being written by
            another run.
        MachineError: Disk full, no permission, I/O error: the run stops; run
            it again once the problem is fixed and it continues.

    Notebook: notebooks/01_data_prep.ipynb
    """
    raw_dir, out_dir = Path(raw_dir), Path(out_dir)
    log = log or (lambda line: tqdm.write(line))
    if out_dir.exists() and not out_dir.is_dir():
        raise DatasetError(f"{out_dir}: is a file, not a folder")
    if raw_dir.is_dir() and _is_within(out_dir, raw_dir):
        raise DatasetError(f"{out_dir}: is inside RAW_DIR {raw_dir} (or is it); put the dataset somewhere else")
    if raw_dir.is_dir() and out_dir.exists() and any(_is_within(raw_dir, out_dir / sub) for sub in ("specs", "songs")):
        raise DatasetError(f"{raw_dir}: is inside the dataset folder {out_dir}; put the songs somewhere else")
    songs_by_label, skipped = find_songs(raw_dir)
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        lock = FolderLock(out_dir, f"`lildata prepare {raw_dir}`").acquire()
    except LildataError as error:
        raise DatasetError(str(error)) from None
    except OSError as error:
        raise MachineError(f"{out_dir}: cannot write: {error.strerror}") from None
    try:
        _claim(out_dir, raw_dir, settings, overwrite)
        for folder in (out_dir, out_dir / "specs", out_dir / "songs"):
            clean_stale_temporaries(folder)
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
        try:
            if jobs == 1:
                for arg in args:
                    records[arg[2]] = _process_song(*arg)
                    bar.update()
            else:
                with process_pool(jobs) as pool:
                    futures = [pool.submit(_process_song, *arg) for arg in args]
                    try:
                        for future in as_completed(futures):
                            record = future.result()
                            records[record["song"]] = record
                            bar.update()
                    except BaseException:
                        pool.shutdown(wait=True, cancel_futures=True)
                        raise
        except OSError as error:
            raise MachineError(f"{out_dir}: {error.strerror or error}") from None
        finally:
            bar.close()
        return _finish(out_dir, songs_by_label, records, skipped, report, settings, log)
    except OSError as error:
        if is_machine_error(error):
            raise MachineError(f"{out_dir}: cannot write: {error.strerror}") from None
        raise
    finally:
        lock.release()


def _finish(out_dir: Path, songs_by_label: dict[str, list[str]], records: dict[str, dict],
            skipped: list[dict[str, str]], report: PrepareReport,
            settings: SpectrogramSettings, log: Callable[[str], None]) -> PrepareReport:
    """Write the manifest and report from the song records; remove this dataset's own stale files."""
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
    with atomic_path(out_dir / "manifest.csv") as tmp:
        with open(tmp, "w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=MANIFEST_COLUMNS)
            writer.writeheader()
            writer.writerows(rows)
    write_json(out_dir / "prepare_report.json", report.to_dict())
    keep_specs = {s["file"] for r in records.values() if r["status"] == "ok" for s in r["shards"]}
    keep_songs = {f"{r['id']}.json" for r in records.values()}
    for folder, keep, own in (("specs", keep_specs, _SHARD_NAME), ("songs", keep_songs, _RECORD_NAME)):
        for path in (out_dir / folder).glob("*"):
            if own.match(path.name) and path.name not in keep and path.is_file():
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
        if not self.path.is_dir():
            raise DatasetError(f"{self.path}: {'not a folder' if self.path.exists() else 'folder does not exist'}")
        if not manifest.exists():
            raise DatasetError(f"{self.path}: not a prepared dataset (no manifest.csv); "
                               "run `lildata prepare RAW_DIR OUT_DIR` first")
        try:
            config = read_json(self.path / "config.json", "the dataset's settings")
            self.settings = settings_from_dict(config["spectrogram"])
        except LildataError as error:
            raise DatasetError(str(error)) from None
        except (KeyError, TypeError, ValueError, ZeroDivisionError) as error:
            raise DatasetError(f"{self.path / 'config.json'}: not usable spectrogram settings ({error})") from None
        self.config = config
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
        clips = []
        for line, row in enumerate(rows[1:], start=2):
            where = f"{manifest}, line {line}"
            if len(row) != len(MANIFEST_COLUMNS):
                raise DatasetError(f"{where}: {len(row)} cells instead of {len(MANIFEST_COLUMNS)}; "
                                   "run `lildata prepare` again")
            try:
                clip = Clip(int(row[0]), row[1], row[2], float(row[3]), row[4], row[5], int(row[6]))
            except ValueError as error:
                raise DatasetError(f"{where}: {error}") from None
            if not (math.isfinite(clip.start_s) and 0 <= clip.start_s <= 24 * 3600):
                raise DatasetError(f"{where}: start {row[3]!r} is not a time in a song; run `lildata prepare` again")
            if clip.clip != len(clips) or clip.row < 0 or clip.split not in SPLITS:
                raise DatasetError(f"{where}: clip {clip.clip}, row {clip.row}, split {clip.split!r} do not fit "
                                   "(clips are numbered from 0 in order)")
            if not is_relative_safe(clip.song):
                raise DatasetError(f"{where}: the song {clip.song!r} is not a path inside the song folder (refused)")
            if not _SHARD_NAME.match(clip.shard):
                raise DatasetError(f"{where}: {clip.shard!r} is not a shard name of this dataset (refused)")
            clips.append(clip)
        return clips

    def _check_shards(self) -> None:
        """Every shard the manifest names exists and holds the rows it names, in the settings' shape."""
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
                    shape, _, _ = read(handle)
            except FileNotFoundError:
                missing.append(name)
                continue
            except (OSError, ValueError) as error:
                wrong.append(f"{name} ({error})")
                continue
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
        row = self.clips[clip]
        return np.asarray(self.shard(row.shard)[row.row])

    def audio_path(self, clip: int) -> Path:
        """The song file a clip was cut from (inside the dataset's RAW_DIR; refused otherwise)."""
        return inside(self.config.get("raw_dir", ""), self.clips[clip].song)

    def clip_audio(self, clip: int) -> tuple[np.ndarray, bool]:
        """A clip's sound: ``(audio, True)`` from its song file, or ``(audio, False)`` rebuilt from the
        spectrogram with Griffin-Lim when the songs are not on this machine (a packed dataset).

        The song file's audio is used only when its spectrogram is the stored one (within 1 dB), so a dataset
        whose ``config.json`` points elsewhere (a crafted ``raw_dir``) can never read another file out.
        """
        from .spectrogram import audio_to_stored, log_spectral_distance, stored_to_audio

        info, stored = self.clips[clip], self.spectrogram(clip)
        try:
            audio = audio_io.load_audio(self.audio_path(clip), self.settings.sample_rate, info.start_s,
                                        self.settings.clip_seconds)[: self.settings.clip_samples]
            if len(audio) == self.settings.clip_samples and \
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
