"""Files written whole or not at all (:func:`atomic_path`), JSON and CSV read with one clear line, safe names;
a later run removes only the temporary files a killed one left (:func:`clean_stale_temporaries`).

Notebook: notebooks/01_data_prep.ipynb
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import io
import json
import math
import os
import re
import secrets
from collections.abc import Iterator
from pathlib import Path, PurePosixPath
from typing import Any

import filelock

from ..errors import LildataError, MachineError, is_machine_error

__all__ = ["append_csv_row", "atomic_path", "clean_stale_temporaries", "csv_cell", "inside", "is_relative_safe",
           "pid_alive", "read_csv_rows", "read_json", "regular_files", "sha256_file", "slug",
           "write_json", "write_text"]

_TEMP = re.compile(r"^\.(?P<name>.+)\.(?P<pid>\d+)\.[0-9a-f]{8}\.tmp(?P<suffix>(\.[A-Za-z0-9]+)*)$"
                   r"|^\.model\.(?P<old_pid>\d+)\.tmp\.keras$")  # the second: a checkpoint of an older version


@contextlib.contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """A new, empty temporary file beside ``path`` (``.NAME.PID.TOKEN.tmp``, mode ``0o666`` less the umask, as
    ``open()`` gives), renamed into place on success; on any error removed, the target left as it was."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    # the target's own suffix last, for tools that choose a format by name (Keras' .keras)
    suffix = ".weights.h5" if path.name.endswith(".weights.h5") else \
        path.suffix if path.suffix in (".keras", ".npy", ".wav", ".png", ".zip") else ""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp{suffix}")
    os.close(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
    try:
        yield tmp
        os.replace(tmp, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()


def write_text(path: str | Path, text: str) -> Path:
    """Write text (UTF-8) atomically."""
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return Path(path)


def _finite(value: Any, where: str = "") -> None:
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError(f"{where or 'a value'} is {value}, which JSON cannot hold")
    is_list = isinstance(value, (list, tuple))
    for key, item in enumerate(value) if is_list else value.items() if isinstance(value, dict) else ():
        _finite(item, f"{where}[{key}]" if is_list else f"{where}.{key}" if where else str(key))


def write_json(path: str | Path, data: Any) -> Path:
    """Write JSON, indented, atomically; a ``NaN`` or an infinity is a :class:`ValueError` naming its key."""
    _finite(data)
    return write_text(path, json.dumps(data, indent=2, allow_nan=False) + "\n")


def read_json(path: str | Path, what: str = "file") -> Any:
    """Read a JSON file, or raise :class:`LildataError` naming the file and what is wrong with it."""
    path = Path(path)
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise LildataError(f"{path}: missing ({what})") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise LildataError(f"{path}: not valid JSON ({what}): {error}") from None
    except OSError as error:
        kind = MachineError if is_machine_error(error) else LildataError
        raise kind(f"{path}: cannot read: {error.strerror}") from None


def sha256_file(path: str | Path) -> str:
    """The SHA-256 of a file, hex."""
    with open(path, "rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def slug(text: str, max_length: int = 40) -> str:
    """A safe file-name part of any text (``[a-z0-9_-]``), plus a short hash of it when anything had to change."""
    clean = re.sub(r"[^a-z0-9_-]+", "-", text.lower()).strip("-")[:max_length] or "x"
    if clean != text:
        clean += "-" + hashlib.sha1(text.encode("utf-8", "surrogateescape")).hexdigest()[:6]
    return clean


def is_relative_safe(relative: str) -> bool:
    """Whether a path read from a dataset file is relative and cannot climb out of its folder."""
    if not relative or "\\" in relative or "\x00" in relative:
        return False
    path = PurePosixPath(relative)
    return not path.is_absolute() and ".." not in path.parts


def inside(root: str | Path, relative: str) -> Path:
    """``root / relative``, or :class:`LildataError` for a path that is absolute or climbs out with ``..``."""
    if not is_relative_safe(relative):
        raise LildataError(f"{relative!r} is not a path inside {root} (refused)")
    return Path(root) / relative


def pid_alive(pid: int) -> bool:
    """Whether a process of this number runs (or may: one of another user)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass
    return True


def clean_stale_temporaries(folder: str | Path) -> list[Path]:
    """Remove and return the temporary files of :func:`atomic_path` that processes now gone left in ``folder``."""
    removed = []
    for path in Path(folder).glob(".*.tmp*"):
        match = _TEMP.match(path.name)
        pid = int(match["pid"] or match["old_pid"]) if match else 0
        if match and path.is_file() and pid != os.getpid() and not pid_alive(pid):
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
                removed.append(path)
    return removed


def regular_files(folder: str | Path, skip: frozenset[str] = frozenset()) -> list[Path]:
    """Every regular file under ``folder``, sorted; a link inside is a :class:`LildataError`, never followed."""
    out = []
    for root, dirs, names in os.walk(folder, followlinks=False):
        here = Path(root)
        for path in (here / name for name in sorted(dirs + names)):
            if path.is_symlink():
                raise LildataError(f"{path}: is a link; lildata never follows links inside its folders (remove it)")
        dirs[:] = sorted(d for d in dirs if d not in skip)
        out += [here / n for n in names if n not in skip and (here / n).is_file()]
    return sorted(out)


def csv_cell(value: Any) -> str:
    """A CSV cell a spreadsheet may open: text that would start a formula gets a ``'`` first."""
    text = str(value)
    return "'" + text if text.startswith(("=", "+", "-", "@", "\t", "\r")) else text


def read_csv_rows(path: str | Path) -> list[dict[str, str]]:
    """Rows of a CSV file as dicts, read tolerantly: cells beyond the header joined by ``|`` under ``"_extra"``,
    missing cells ``""``, a missing or empty file ``[]``."""
    try:
        text = Path(path).read_text(encoding="utf-8", errors="replace")
    except FileNotFoundError:
        return []
    rows = list(csv.DictReader(io.StringIO(text), restkey="_extra", restval=""))
    for row in rows:
        if "_extra" in row:
            row["_extra"] = "|".join(row["_extra"])
    return rows


def append_csv_row(path: str | Path, row: dict[str, str], columns: tuple[str, ...]) -> None:
    """Add one row to a CSV file, rewritten atomically under a lock (concurrent writers lose nothing); the header
    is the file's, if any, followed by those of ``columns`` it lacks."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with filelock.FileLock(path.with_name(f".{path.name}.lock"), thread_local=False):
        header: list[str] = []
        if path.exists() and path.stat().st_size:
            with open(path, newline="", encoding="utf-8", errors="replace") as handle:
                header = next(csv.reader(handle), [])
        rows = read_csv_rows(path) + [{key: csv_cell(value) for key, value in row.items()}]
        names = header + [c for c in columns if c not in header]
        names += ["_extra"] if "_extra" not in names and any("_extra" in r for r in rows) else []
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=names, extrasaction="ignore", restval="")
        writer.writeheader()
        writer.writerows(rows)
        write_text(path, buffer.getvalue())
