"""Files written safely: whole or not at all, with the mode the umask allows.

Every file the course writes goes through :func:`atomic_path`: the data goes to
a temporary name beside the target (``.NAME.PID.TOKEN.tmp``) and is renamed
into place when whole, so a run killed at any moment never leaves a
half-written file under the final name. Temporary files of runs that were
killed are removed by :func:`clean_stale_temporaries` on the next run, and
only those: a command deletes nothing it cannot prove it made.

Notebook: notebooks/01_data_prep.ipynb
"""

from __future__ import annotations

import contextlib
import csv
import fcntl
import hashlib
import io
import json
import math
import os
import re
import secrets
import time
from collections.abc import Iterator
from pathlib import Path, PurePosixPath
from typing import Any

from .errors import LildataError, MachineError, ModelError, is_machine_error

__all__ = ["FolderLock", "append_csv_row", "atomic_path", "clean_stale_temporaries", "inside", "is_relative_safe",
           "load_keras", "read_csv_rows", "read_json", "save_figure", "save_keras", "sha256_file", "slug",
           "write_json", "write_text"]

_TEMP = re.compile(r"^\.(?P<name>.+)\.(?P<pid>\d+)\.[0-9a-f]{8}\.tmp(?P<suffix>\.[A-Za-z0-9]+)?$"
                   r"|^\.model\.(?P<old_pid>\d+)\.tmp\.keras$")  # the second: a checkpoint of an older version


def _temp_name(path: Path) -> Path:
    # the target's own suffix goes last, so tools that choose a format by name (Keras' .keras) still can
    suffix = path.suffix if path.suffix in (".keras", ".npy", ".wav", ".png", ".zip") else ""
    return path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp{suffix}")


@contextlib.contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """Give a new, empty temporary file beside ``path``; rename it into place on success.

    The temporary file is created with mode ``0o666`` less the umask, as
    ``open()`` would create the final file, so a dataset shared with a class is
    readable where the umask allows it. On any error the temporary file is
    removed and the target is left as it was.

    Example:
        >>> with atomic_path("out.npy") as tmp:  # doctest: +SKIP
        ...     np.save(tmp, array)
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = _temp_name(path)
    os.close(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
    try:
        yield tmp
        os.replace(tmp, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()


def write_text(path: str | Path, text: str) -> Path:
    """Write text (UTF-8) atomically."""
    path = Path(path)
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return path


def _finite(value: Any, where: str = "") -> None:
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError(f"{where or 'a value'} is {value}, which JSON cannot hold")
    if isinstance(value, dict):
        for key, item in value.items():
            _finite(item, f"{where}.{key}" if where else str(key))
    elif isinstance(value, (list, tuple)):
        for i, item in enumerate(value):
            _finite(item, f"{where}[{i}]")


def write_json(path: str | Path, data: Any) -> Path:
    """Write JSON, indented, atomically. ``NaN`` and infinities are refused (they are not JSON).

    Raises:
        ValueError: ``data`` holds a value JSON cannot represent, named by its key.
    """
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
        if is_machine_error(error):
            raise MachineError(f"{path}: cannot read: {error.strerror}") from None
        raise LildataError(f"{path}: cannot read: {error.strerror}") from None


def save_figure(fig, path: str | Path, dpi: int = 80) -> Path:
    """Save a Matplotlib figure as PNG, atomically, and close it."""
    import matplotlib.pyplot as plt

    path = Path(path)
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png", dpi=dpi, bbox_inches="tight")
    plt.close(fig)
    return path


def save_keras(model, path: str | Path) -> Path:
    """Save a Keras model to ``path`` (a ``.keras`` file), atomically."""
    path = Path(path)
    with atomic_path(path) as tmp:
        model.save(tmp)
    return path


def load_keras(path: str | Path):
    """Load a ``.keras`` model with Keras' safe mode on.

    Raises:
        ModelError: The file is missing, is not a Keras model, or holds code
            (a ``Lambda`` layer) that safe mode refuses to run.
    """
    import keras

    from . import models  # noqa: F401  (registers the course's own layers)

    path = Path(path)
    if not path.is_file():
        raise ModelError(f"{path}: no such model file")
    try:
        return keras.saving.load_model(path, safe_mode=True)
    except Exception as error:  # Keras raises many types for a bad file
        text = str(error)
        if "safe_mode" in text or "Lambda" in text:
            raise ModelError(f"{path}: refused: the model holds code (a Lambda layer), which safe mode does "
                             "not run; load only models you trust, with keras.saving.load_model(..., "
                             "safe_mode=False)") from None
        first = text.strip().splitlines()[0][:200] if text.strip() else type(error).__name__
        raise ModelError(f"{path}: not a Keras model that can be read ({first})") from None


def sha256_file(path: str | Path, chunk: int = 2**20) -> str:
    """The SHA-256 of a file, hex."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(chunk), b""):
            digest.update(block)
    return digest.hexdigest()


def slug(text: str, max_length: int = 40) -> str:
    """A safe file-name part made from any text: lower-case letters, digits, ``_`` and ``-``, plus a short
    hash of the text when anything had to change (so two labels never share a slug)."""
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
    """``root / relative``, refusing a path that would leave ``root``.

    Raises:
        LildataError: ``relative`` is absolute or climbs out with ``..``.
    """
    if not is_relative_safe(relative):
        raise LildataError(f"{relative!r} is not a path inside {root} (refused)")
    return Path(root) / relative


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def clean_stale_temporaries(folder: str | Path, recursive: bool = False) -> list[Path]:
    """Remove the temporary files that killed runs left in ``folder`` (only names :func:`atomic_path`
    makes, and only of processes that are gone). Returns what was removed."""
    folder = Path(folder)
    removed = []
    if not folder.is_dir():
        return removed
    for path in (folder.rglob(".*.tmp*") if recursive else folder.glob(".*.tmp*")):
        match = _TEMP.match(path.name)
        pid = int(match["pid"] or match["old_pid"]) if match else 0
        if match and path.is_file() and pid != os.getpid() and not _pid_alive(pid):
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
                removed.append(path)
    return removed


_HELD: list = []
"""Lock files this process holds: closed in forked children, so a child never keeps a lock alive after its
parent is gone (closing a child's copy does not release the parent's lock)."""


def _close_locks_in_child() -> None:
    for handle in _HELD:
        with contextlib.suppress(OSError):
            handle.close()
    _HELD.clear()


os.register_at_fork(after_in_child=_close_locks_in_child)


class FolderLock:
    """An exclusive lock on a folder (``FOLDER/.lildata.lock``), held by one process at a time.

    The lock file names its holder (process, command, time) so that a second
    run can say who holds it. The lock goes away with the process, even one
    that was killed.

    Args:
        folder: The folder to lock (created if missing).
        what: What the holder is doing, for the message of a second run.
    """

    def __init__(self, folder: str | Path, what: str = "a lildata command"):
        self.folder, self.what = Path(folder), what
        self.path = self.folder / ".lildata.lock"
        self._handle = None

    def holder(self) -> str:
        """Who holds the lock, as written in the lock file."""
        try:
            return self.path.read_text(encoding="utf-8").strip() or "another process"
        except OSError:
            return "another process"

    def acquire(self, wait: bool = False) -> "FolderLock":
        """Take the lock; without ``wait``, raise :class:`LildataError` naming the holder if it is taken."""
        self.folder.mkdir(parents=True, exist_ok=True)
        handle = open(self.path, "a+", encoding="utf-8")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except BlockingIOError:
            handle.close()
            raise LildataError(f"{self.folder}: in use by {self.holder()}; wait for it to finish, "
                               "or use another folder") from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"{self.what} (process {os.getpid()}, since {time.strftime('%Y-%m-%d %H:%M:%S')})\n")
        handle.flush()
        self._handle = handle
        _HELD.append(handle)
        return self

    def release(self) -> None:
        """Give the lock back."""
        if self._handle is not None:
            with contextlib.suppress(OSError):
                self._handle.truncate(0)
            fcntl.flock(self._handle, fcntl.LOCK_UN)
            self._handle.close()
            with contextlib.suppress(ValueError):
                _HELD.remove(self._handle)
            self._handle = None

    def __enter__(self) -> "FolderLock":
        return self.acquire()

    def __exit__(self, *exc) -> None:
        self.release()


def read_csv_rows(path: str | Path) -> list[dict[str, str]]:
    """Rows of a CSV file as dicts, read tolerantly.

    Extra cells (a row longer than the header) are kept under ``"_extra"``
    joined by ``|``; missing cells are ``""``; a file that is missing or empty
    gives ``[]``. A header from an older version is read as it is.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except FileNotFoundError:
        return []
    reader = csv.DictReader(io.StringIO(text), restkey="_extra", restval="")
    rows = []
    for row in reader:
        if "_extra" in row:
            row["_extra"] = "|".join(str(v) for v in row["_extra"])
        rows.append({str(k): (v if v is not None else "") for k, v in row.items()})
    return rows


def append_csv_row(path: str | Path, row: dict[str, str], columns: tuple[str, ...]) -> None:
    """Add one row to a CSV file under a lock, so that concurrent writers lose nothing.

    A new file gets the header ``columns``. An existing file whose header
    lacks some of ``columns`` (an older version's) is rewritten once, under the
    same lock, with the union of both headers, keeping every row.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    lock_path = path.with_name(f".{path.name}.lock")
    with open(lock_path, "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            header: list[str] = []
            if path.exists() and path.stat().st_size:
                with open(path, newline="", encoding="utf-8", errors="replace") as handle:
                    header = next(csv.reader(handle), [])
            if header and all(c in header for c in columns):
                buffer = io.StringIO()
                csv.DictWriter(buffer, fieldnames=header, extrasaction="ignore", restval="").writerow(row)
                with open(path, "rb+") as handle:  # a file cut without its last newline gets one first
                    handle.seek(0, os.SEEK_END)
                    if handle.tell():
                        handle.seek(-1, os.SEEK_END)
                        if handle.read(1) not in (b"\n", b"\r"):
                            handle.write(b"\n")
                    handle.write(buffer.getvalue().encode("utf-8"))
                    handle.flush()
                    os.fsync(handle.fileno())
                return
            rows = read_csv_rows(path) + [row]
            names = header + [c for c in columns if c not in header]
            if any("_extra" in r for r in rows):
                names.append("_extra")
            buffer = io.StringIO()
            writer = csv.DictWriter(buffer, fieldnames=names, extrasaction="ignore", restval="")
            writer.writeheader()
            writer.writerows(rows)
            write_text(path, buffer.getvalue())
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
