"""A folder of music in (one sub-folder per label), a dataset of spectrograms out, split by song: ``specs/`` (float16
shards of clips), ``songs/`` (a record per song, reused by the next run), ``manifest.csv``, ``config.json`` and
``prepare_report.json``, each written whole, so a killed run started again ends as one clean run does.

Notebook: notebooks/01_data_prep.ipynb
"""

from __future__ import annotations

import collections
import csv
import os
import re
from concurrent.futures import as_completed
from contextlib import nullcontext
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable

from tqdm.auto import tqdm

from ..errors import LildataError, MachineError, is_machine_error
from ..files import FolderLock, atomic_path, clean_stale_temporaries, read_json, write_json
from ..settings import SpectrogramSettings
from .discover import DatasetError, _is_within, _printable, find_songs
from .reader import MANIFEST_COLUMNS, SHARD_NAME
from .shards import load_record, process_pool, process_song
from .splits import assign_splits

__all__ = ["DATASET_KIND", "PrepareReport", "prepare"]

DATASET_KIND = "lildata-dataset"
"""The mark in ``config.json`` that says ``prepare`` made this folder (and may tidy its own files in it)."""
_RECORD_NAME = re.compile(r"^[0-9a-f]{16}\.json$")


@dataclass
class PrepareReport:
    """What :func:`prepare` did: songs used, ``{"file", "reason"}`` per file not used, ``{"file", "note"}`` per file
    used after a fix (mixed to mono, resampled), clips written, seconds of audio used, and songs reused."""

    files_processed: int = 0
    files_skipped: list[dict[str, str]] = field(default_factory=list)
    notes: list[dict[str, str]] = field(default_factory=list)
    clips_written: int = 0
    seconds_of_audio: float = 0.0
    reused: int = 0

    def to_dict(self) -> dict[str, Any]:
        """The report as a JSON-ready dictionary."""
        return {**asdict(self), "seconds_of_audio": round(self.seconds_of_audio, 3)}


def _check_folders(raw_dir: Path, out_dir: Path) -> None:
    """Refuse an OUT_DIR that is a file, is RAW_DIR or inside it, or holds RAW_DIR in its own folders."""
    if out_dir.exists() and not out_dir.is_dir():
        raise DatasetError(f"{out_dir}: is a file, not a folder")
    if raw_dir.is_dir() and _is_within(out_dir, raw_dir):
        raise DatasetError(f"{out_dir}: is inside RAW_DIR {raw_dir} (or is it); put the dataset somewhere else")
    if raw_dir.is_dir() and out_dir.exists() and any(_is_within(raw_dir, out_dir / sub) for sub in ("specs", "songs")):
        raise DatasetError(f"{raw_dir}: is inside the dataset folder {out_dir}; put the songs somewhere else")


def _claim(out_dir: Path, raw_dir: Path, settings: SpectrogramSettings, overwrite: bool) -> None:
    """Make ``out_dir`` this dataset's folder; refuse a foreign one, and another dataset unless ``overwrite``."""
    config_path = out_dir / "config.json"
    if config_path.exists():
        try:
            old = read_json(config_path, "the dataset's settings")
        except LildataError:
            old = None
        if not isinstance(old, dict) or "spectrogram" not in old:
            raise DatasetError(f"{out_dir}: its config.json was not written by `lildata prepare`; "
                               "choose an empty or new folder")
        if not overwrite and old["spectrogram"] != settings.to_dict():
            raise DatasetError(f"{out_dir}: already holds a dataset made with other settings (preset "
                               f"{old['spectrogram'].get('name')!r}); use another folder, or --overwrite to replace it")
        if not overwrite and old.get("raw_dir") and Path(old["raw_dir"]) != raw_dir.resolve():
            raise DatasetError(f"{out_dir}: already holds a dataset made from {old['raw_dir']}; use another "
                               f"folder, or --overwrite to replace it with one made from {raw_dir}")
    elif foreign := sorted(p.name for p in out_dir.iterdir() if not p.name.startswith(".lildata")):
        shown = ", ".join(_printable(n) for n in foreign[:3]) + (" ..." if len(foreign) > 3 else "")
        raise DatasetError(f"{out_dir}: holds files that lildata did not make ({shown}); "
                           "choose an empty or new folder")
    write_json(config_path, {"kind": DATASET_KIND, "spectrogram": settings.to_dict(),
                             "raw_dir": str(raw_dir.resolve()), "split_fractions": [0.8, 0.1, 0.1],
                             "split": "by song, within each label (at least 3 test songs for a label of 15 or more)"})


def prepare(raw_dir: str | Path, out_dir: str | Path, settings: SpectrogramSettings,
            jobs: int | None = None, progress: bool = True,
            log: Callable[[str], None] | None = None, overwrite: bool = False) -> PrepareReport:
    """Prepare a folder of music as a dataset of spectrograms in ``out_dir`` (new, empty, or made by this function from
    the same RAW_DIR: its finished songs are reused); returns the report, also in ``prepare_report.json``.

    It deletes only its own stale shards, song records and temporaries, inside a folder it made. ``jobs``: worker
    processes (``None``: every core; 1 works in this process); ``log`` gets one line per skipped or noted file;
    ``overwrite`` replaces a dataset made from another RAW_DIR or with other settings.

    Raises:
        DatasetError: RAW_DIR is unusable, or OUT_DIR is inside it, a file, foreign, another dataset, or busy.
        MachineError: Disk full, no permission, I/O error: the run stops; run it again once it is fixed.

    Notebook: notebooks/01_data_prep.ipynb
    """
    raw_dir, out_dir = Path(raw_dir), Path(out_dir)
    log = log or tqdm.write
    _check_folders(raw_dir, out_dir)
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
        records = {song: load_record(out_dir, song, raw_dir, settings) for songs in songs_by_label.values()
                   for song in songs}
        todo = [(str(raw_dir), str(out_dir), song, label, settings.to_dict())
                for label, songs in songs_by_label.items() for song in songs if records[song] is None]
        report = PrepareReport(reused=len(records) - len(todo))
        try:
            records.update(_make_songs(todo, max(1, min(jobs or os.cpu_count() or 1, len(todo) or 1)), progress))
        except OSError as error:
            raise MachineError(f"{out_dir}: {error.strerror or error}") from None
        return _finish(out_dir, songs_by_label, records, skipped, report, settings, log)
    except OSError as error:
        if is_machine_error(error):
            raise MachineError(f"{out_dir}: cannot write: {error.strerror}") from None
        raise
    finally:
        lock.release()


def _make_songs(todo: list[tuple], jobs: int, progress: bool) -> dict[str, dict[str, Any]]:
    records = {}
    with tqdm(total=len(todo), desc="prepare", unit="song", disable=not progress) as bar, \
            (nullcontext() if jobs == 1 else process_pool(jobs)) as pool:
        made = ((process_song(*args) for args in todo) if pool is None else
                (future.result() for future in as_completed([pool.submit(process_song, *args) for args in todo])))
        try:
            for record in made:
                records[record["song"]] = record
                bar.update()
        except BaseException:
            if pool is not None:
                pool.shutdown(wait=True, cancel_futures=True)
            raise
    return records


def _finish(out_dir: Path, songs_by_label: dict[str, list[str]], records: dict[str, dict],
            skipped: list[dict[str, str]], report: PrepareReport,
            settings: SpectrogramSettings, log: Callable[[str], None]) -> PrepareReport:
    """Write the manifest and report from the song records; remove this dataset's own stale files."""
    report.files_skipped = list(skipped)
    usable = {label: [s for s in songs if records[s]["status"] == "ok"] for label, songs in songs_by_label.items()}
    splits, too_few = assign_splits({k: v for k, v in usable.items() if v})
    for note in too_few:
        report.notes.append({"file": note.split(":")[0].removeprefix("label "), "note": note})
        log(note)
    rows, shared = [], collections.Counter(n for r in records.values() if r["status"] == "ok" for n in r["notes"])
    for label in sorted(songs_by_label):
        for song in songs_by_label[label]:
            record = records[song]
            if record["status"] != "ok":
                report.files_skipped.append({"file": song, "reason": record["reason"]})
                log(f"skipped {song}: {record['reason']}")
                continue
            for note in record["notes"]:  # a note many songs share is one line, after the loop
                report.notes.append({"file": song, "note": note})
                if shared[note] <= 3:
                    log(f"note {song}: {note}")
            report.files_processed += 1
            report.seconds_of_audio += float(record.get("seconds") or 0.0)
            starts = iter(record["starts"])
            for shard in record["shards"]:
                rows += [{"clip": len(rows) + row, "label": label, "song": song, "split": splits[song],
                          "start_s": round(next(starts) / settings.sample_rate, 4), "shard": shard["file"], "row": row}
                         for row in range(shard["clips"])]
    for note, count in shared.items():
        if count > 3:
            log(f"note: {count} songs {note}")
    report.clips_written = len(rows)
    with atomic_path(out_dir / "manifest.csv") as tmp, open(tmp, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=MANIFEST_COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    write_json(out_dir / "prepare_report.json", report.to_dict())
    keep = {"specs": {s["file"] for r in records.values() if r["status"] == "ok" for s in r["shards"]},
            "songs": {f"{r['id']}.json" for r in records.values()}}
    for folder, own in (("specs", SHARD_NAME), ("songs", _RECORD_NAME)):
        for path in (out_dir / folder).glob("*"):
            if own.match(path.name) and path.name not in keep[folder] and path.is_file():
                path.unlink()
    return report
