"""Finding the songs of a folder of music: one sub-folder per label, each audio file one song; whatever cannot be a
song (not audio, a FIFO, a dangling link, a name not UTF-8, an empty label folder ...) gets a one-line reason.

Notebook: notebooks/01_data_prep.ipynb
"""

from __future__ import annotations

import os
from pathlib import Path

from .. import audio as audio_io
from ..errors import LildataError, MachineError

__all__ = ["DatasetError", "find_songs"]


class DatasetError(LildataError):
    """A problem with a whole folder (not one file), with a readable reason."""


def _printable(name: str) -> str:
    """A file name as text that can be printed and written to JSON (bytes not UTF-8 shown as �)."""
    return name.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def _is_within(child: Path, parent: Path) -> bool:
    child, parent = child.resolve(), parent.resolve()
    return child == parent or parent in child.parents


def _unreadable(error: OSError) -> None:
    raise MachineError(f"{error.filename}: cannot read folder: {error.strerror}")


def _kind_problem(path: Path) -> str | None:
    """Why ``path`` cannot be a song file (a FIFO, a device, a dangling link ...), or ``None``."""
    try:
        audio_io.check_regular_file(path)
    except audio_io.AudioError as error:
        return None if str(error).startswith("empty") else str(error)
    except MachineError as error:  # this file only: skipped now, not remembered, so the next run tries it again
        return f"{error} (skipped this time; the next run tries it again)"
    return None


def _label_problem(entry: Path, raw_dir: Path) -> tuple[str, str] | None:
    """``(file, reason)`` when an entry of RAW_DIR cannot be a label folder."""
    if _printable(entry.name) != entry.name:
        return _printable(entry.name), "name is not valid UTF-8 (rename it)"
    if not entry.is_dir():
        return entry.name, "not in a label folder (put songs in RAW_DIR/<label>/)"
    if entry.is_symlink() and (_is_within(entry, raw_dir) or _is_within(raw_dir, entry)):
        return entry.name + "/", ("a link to RAW_DIR itself, to a folder above it or to one of its label folders: "
                                  "its songs would count twice")
    return None


def _label_songs(label_dir: Path, raw_dir: Path, skipped: list[dict[str, str]]) -> list[str]:
    """The songs of one label folder (relative paths); what cannot be a song is added to ``skipped``."""
    found = []
    for folder, dirs, files in os.walk(label_dir, onerror=_unreadable):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(f for f in files if not f.startswith(".")):
            path = Path(folder) / name
            rel, suffix = path.relative_to(raw_dir).as_posix(), path.suffix.lower()
            if _printable(rel) != rel:
                reason = "name is not valid UTF-8 (rename it)"
            elif suffix == ".json":  # song metadata, such as the synthesiser's
                continue
            elif suffix not in audio_io.AUDIO_EXTENSIONS:
                reason = f"not an audio file ({suffix or 'no extension'})"
            else:
                reason = _kind_problem(path)
            if reason:
                skipped.append({"file": _printable(rel), "reason": reason})
            else:
                found.append(rel)
    return found


def find_songs(raw_dir: str | Path) -> tuple[dict[str, list[str]], list[dict[str, str]]]:
    """Find the songs of a RAW_DIR, one sub-folder per label (hidden and ``.json`` files ignored): relative song
    paths per label, and ``{"file", "reason"}`` for everything that cannot be a song.

    Raises:
        DatasetError: RAW_DIR is missing, not a folder or has no label folders.
        MachineError: A folder cannot be read.

    Notebook: notebooks/01_data_prep.ipynb
    """
    raw_dir = Path(raw_dir)
    if not raw_dir.exists():
        raise DatasetError(f"{raw_dir}: folder does not exist")
    if not raw_dir.is_dir():
        raise DatasetError(f"{raw_dir}: not a folder (expected one sub-folder per label)")
    songs: dict[str, list[str]] = {}
    skipped: list[dict[str, str]] = []
    try:
        entries = sorted(raw_dir.iterdir())
    except OSError as error:
        _unreadable(error)
    for entry in (e for e in entries if not e.name.startswith(".")):
        problem = _label_problem(entry, raw_dir)
        if problem:
            skipped.append({"file": problem[0], "reason": problem[1]})
        elif found := _label_songs(entry, raw_dir, skipped):
            songs[entry.name] = found
        else:
            skipped.append({"file": entry.name + "/", "reason": "empty label folder (no audio files)"})
    if not songs and not skipped:
        raise DatasetError(f"{raw_dir}: no label folders (expected RAW_DIR/<label>/<audio files>)")
    return songs, skipped
