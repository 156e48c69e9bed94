"""One song at a time: its clips as spectrograms, written in shards by a background thread, then its record (so a
record means whole shards). A fault of the file (corrupt, silent, too short) is remembered; an error of the
machine or an unexpected one is not, so the next run tries again.

Notebook: notebooks/01_data_prep.ipynb
"""

from __future__ import annotations

import ctypes
import json
import multiprocessing
import os
import signal
import sys
import threading
import time
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np

from .. import audio as audio_io
from ..audio import audio_to_stored
from ..errors import MachineError, is_machine_error
from ..files import atomic_path, write_json
from ..settings import SpectrogramSettings, settings_from_dict
from .splits import song_id

__all__ = ["SHARD_BYTES", "fingerprint", "load_record", "process_pool", "process_song"]

SHARD_BYTES = 64 * 2**20
"""Largest shard of clips written in one file (and held in memory while writing)."""
_STFT_BATCH = 8


def _watch_parent(parent: int) -> None:
    """End this worker when the process that started it is gone (even if killed)."""
    try:  # Linux: the kernel sends SIGTERM when the parent dies
        ctypes.CDLL(None).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError, TypeError):  # no prctl (macOS), no CDLL(None) (Windows): the thread below
        pass

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(1)

    threading.Thread(target=watch, daemon=True).start()


def process_pool(workers: int) -> ProcessPoolExecutor:
    """A pool of worker processes that end with their parent: forked on Linux (fast to start), unless
    TensorFlow is loaded (its threads do not survive a fork), spawned elsewhere."""
    method = "fork" if sys.platform == "linux" and "tensorflow" not in sys.modules else "spawn"
    return ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context(method),
                               initializer=_watch_parent, initargs=(os.getpid(),))


def fingerprint(path: Path, settings: SpectrogramSettings) -> dict[str, Any]:
    """What a song's record was made from: the file's size and time, and the settings."""
    stat = path.stat()
    return {"size": stat.st_size, "mtime_ns": stat.st_mtime_ns, "settings": settings.to_dict()}


def _save_shard(path: Path, clips: list[np.ndarray]) -> None:
    with atomic_path(path) as tmp:
        with open(tmp, "wb") as handle:
            np.save(handle, np.stack(clips))


def _write_record(path: Path, record: dict[str, Any], shard_writes: list[Future]) -> None:
    """Write a song's record once its shards are on disk; none if a shard failed, so the next run makes it again."""
    for error in (write.exception() for write in shard_writes):
        if error is not None:
            raise MachineError(f"{record['song']}: could not write its spectrograms: "
                               f"{getattr(error, 'strerror', None) or error}")
    write_json(path, record)


class _ShardWriter:
    """Writes one song's spectrograms in shards of ``per_shard`` clips in a thread (two shards in memory at most)."""

    def __init__(self, out: Path, sid: str, settings: SpectrogramSettings, writer: ThreadPoolExecutor):
        self.out, self.sid, self.settings, self.writer = out, sid, settings, writer
        self.per_shard = max(1, SHARD_BYTES // (2 * settings.n_bins * settings.n_frames))
        self.batch, self.pending, self.shards, self.writes = [], [], [], []  # clips, spectrograms, shards, writes

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


def _cut_song(path: Path, settings: SpectrogramSettings, shards: _ShardWriter, record: dict[str, Any]) -> list[int]:
    """Note what a song needs (mix-down, resampling), feed its clips to ``shards``; their starts, or an AudioError."""
    info = audio_io.audio_info(path)
    for needed, note in ((info.channels > 1, f"mixed {info.channels} channels down to mono"),
                         (info.sample_rate != settings.sample_rate,
                          f"resampled {info.sample_rate} Hz to {settings.sample_rate} Hz"),
                         (info.truncated, f"cut short: its header claims {info.claimed_seconds:.2f} s, the file "
                                          f"holds {info.seconds:.2f} s (only those are used)")):
        if needed:
            record["notes"].append(note)
    record["seconds"] = info.seconds
    starts = []
    for start, clip in audio_io.iter_clips(path, settings.sample_rate, settings.clip_samples, settings.silence_db):
        starts.append(start)
        shards.add(clip)
    shards.flush()
    if not starts and info.seconds < settings.clip_seconds:
        raise audio_io.AudioError(f"too short: {info.seconds:.2f} s is less than one clip of "
                                  f"{settings.clip_seconds:g} s")
    if not starts:
        raise audio_io.AudioError(f"silent: every clip is below {settings.silence_db:g} dBFS")
    return starts


def process_song(raw_dir: str, out_dir: str, song: str, label: str, settings_dict: dict[str, Any]) -> dict[str, Any]:
    """Turn one song into shards and its record (what is remembered, and when: see the module)."""
    settings, sid = settings_from_dict(settings_dict), song_id(song)
    path = Path(raw_dir) / song
    record: dict[str, Any] = {"song": song, "label": label, "id": sid, "notes": []}
    writer = ThreadPoolExecutor(max_workers=1)
    shards = _ShardWriter(Path(out_dir), sid, settings, writer)
    try:
        try:
            record["fingerprint"] = fingerprint(path, settings)
            starts = _cut_song(path, settings, shards, record)
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


def load_record(out_dir: Path, song: str, raw_dir: Path, settings: SpectrogramSettings) -> dict[str, Any] | None:
    """A song's record from an earlier run while it still holds: same file, same settings, its shards there."""
    try:
        record = json.loads((out_dir / "songs" / f"{song_id(song)}.json").read_text())
        holds = record.get("song") == song and record.get("fingerprint") == fingerprint(raw_dir / song, settings)
        return record if holds and (record.get("status") != "ok" or all(
            (out_dir / "specs" / shard["file"]).exists() for shard in record["shards"])) else None
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None
