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
from typing import Any, Callable

import filelock

from .errors import LildataError, MachineError, ModelError, is_machine_error

__all__ = ["FOLDER_MARK", "FolderLock", "append_csv_row", "atomic_path", "claim_folder", "clean_stale_temporaries",
           "csv_cell", "inside", "is_relative_safe", "load_keras", "read_csv_rows", "read_json", "regular_files",
           "save_figure", "save_keras", "sha256_file", "slug", "write_json", "write_text"]

_TEMP = re.compile(r"^\.(?P<name>.+)\.(?P<pid>\d+)\.[0-9a-f]{8}\.tmp(?P<suffix>(\.[A-Za-z0-9]+)*)$"
                   r"|^\.model\.(?P<old_pid>\d+)\.tmp\.keras$")  # the second: a checkpoint of an older version


def _temp_name(path: Path) -> Path:
    # the target's own suffix goes last, so tools that choose a format by name (Keras' .keras) still can
    suffix = ".weights.h5" if path.name.endswith(".weights.h5") else \
        path.suffix if path.suffix in (".keras", ".npy", ".wav", ".png", ".zip") else ""
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
    _check_model_archive(path)
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


def _check_model_archive(path: Path) -> None:
    """A ``.keras`` file is a zip: its config must be small and no member far larger than it is compressed,
    so that a small file cannot fill memory or disk when it is read."""
    import zipfile

    from .limits import LIMITS

    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError):
        return  # not a zip: Keras says what it is not
    for member in members:
        if member.filename == "config.json" and member.file_size > LIMITS["model_config_bytes"][1]:
            raise ModelError(f"{path}: refused: its config is {member.file_size / 2**20:.0f} MiB, far more than a "
                             "model of this course needs")
        if member.file_size > 2**20 and member.file_size > LIMITS["member_ratio"][1] * max(member.compress_size, 1):
            raise ModelError(f"{path}: refused: {member.filename} unpacks to {member.file_size} bytes from "
                             f"{member.compress_size}")


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
"""Locks this process holds: their files are closed in forked children, so a child never keeps a lock alive
after its parent is gone (closing a child's copy does not release the parent's lock)."""


def _close_locks_in_child() -> None:
    for lock in _HELD:
        fd = getattr(getattr(lock, "_context", None), "lock_file_fd", None)
        if fd is not None:
            with contextlib.suppress(OSError):
                os.close(fd)
    _HELD.clear()


if hasattr(os, "register_at_fork"):  # not on Windows, which does not fork
    os.register_at_fork(after_in_child=_close_locks_in_child)


class FolderLock:
    """An exclusive lock on a folder (``FOLDER/.lildata.lock``), held by one process at a time.

    The lock is :mod:`filelock`'s, so it works on every system and goes away with the process, even one that
    was killed. Who holds it (process, command, time) is written beside it (``.lildata.lock.holder``), so that
    a second run can say who it is waiting for.

    Args:
        folder: The folder to lock (created if missing).
        what: What the holder is doing, for the message of a second run.
    """

    def __init__(self, folder: str | Path, what: str = "a lildata command"):
        self.folder, self.what = Path(folder), what
        self.path = self.folder / ".lildata.lock"
        self.holder_path = self.folder / ".lildata.lock.holder"
        self._lock: filelock.BaseFileLock | None = None

    def holder(self) -> str:
        """Who holds the lock, as written beside it."""
        try:
            return self.holder_path.read_text(encoding="utf-8").strip() or "another process"
        except OSError:
            return "another process"

    def acquire(self, wait: bool = False) -> "FolderLock":
        """Take the lock; without ``wait``, raise :class:`LildataError` naming the holder if it is taken."""
        self.folder.mkdir(parents=True, exist_ok=True)
        lock = filelock.FileLock(self.path, thread_local=False)
        try:
            lock.acquire(timeout=-1 if wait else 0)
        except filelock.Timeout:
            raise LildataError(f"{self.folder}: in use by {self.holder()}; wait for it to finish, "
                               "or use another folder") from None
        self._lock = lock
        _HELD.append(lock)
        with contextlib.suppress(OSError):
            write_text(self.holder_path, f"{self.what} (process {os.getpid()}, since "
                                         f"{time.strftime('%Y-%m-%d %H:%M:%S')})\n")
        return self

    def release(self) -> None:
        """Give the lock back."""
        if self._lock is not None:
            with contextlib.suppress(OSError):
                self.holder_path.unlink()
            self._lock.release()
            with contextlib.suppress(ValueError):
                _HELD.remove(self._lock)
            self._lock = None

    def __enter__(self) -> "FolderLock":
        return self.acquire()

    def __exit__(self, *exc) -> None:
        self.release()


FOLDER_MARK = ".lildata.json"
"""The mark a command leaves in an output folder it claimed: ``{"kind": ...}``."""


def _lildata_kind(folder: Path) -> str | None:
    """The kind of a folder lildata made (its mark, or a run's or dataset's ``config.json``), else ``None``."""
    for name in (FOLDER_MARK, "config.json"):
        try:
            data = json.loads((folder / name).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if isinstance(data, dict) and isinstance(data.get("kind"), str):
            return data["kind"]
    return None


def claim_folder(folder: str | Path, kind: str, what: str, ours: Callable[[Path], bool] | None = None,
                 create: bool = True) -> Path:
    """Make ``folder`` an output folder of ``kind`` that a command may write its own names into, or refuse it.

    A new or empty folder is claimed (its mark :data:`FOLDER_MARK` is written first); a folder with the mark
    of ``kind`` is this command's own, from an earlier run. Anything else is refused and left as it is: a file,
    a folder of someone's files, a folder lildata made for something else (a classifier run, a dataset).

    Args:
        folder: The output folder.
        kind: The kind of output, for example ``lildata-transfer``.
        what: How a message names it, for example ``a transfer's output folder``.
        ours: Recognises this command's outputs from before folders were marked (they are then marked).
        create: Make and mark the folder; ``False`` only checks that it could be claimed (a command checks
            before its work, and claims when it writes).

    Raises:
        LildataError: The folder cannot be used, in one line.
    """
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise LildataError(f"{folder}: is a file; give a folder for {what}")
    found = _lildata_kind(folder) if folder.is_dir() else None
    if found == kind:
        return folder
    if found is not None:
        raise LildataError(f"{folder}: holds lildata's {found}, not {what}; choose another folder")
    if folder.is_dir():
        foreign = sorted(p.name for p in folder.iterdir() if not p.name.startswith(".lildata"))
        if foreign and not (ours is not None and ours(folder)):
            shown = ", ".join(foreign[:3]) + (" ..." if len(foreign) > 3 else "")
            raise LildataError(f"{folder}: holds files that lildata did not make ({shown}); choose an empty or "
                               f"new folder for {what}")
    if create:
        folder.mkdir(parents=True, exist_ok=True)
        write_json(folder / FOLDER_MARK, {"kind": kind})
    return folder


def regular_files(folder: str | Path, skip: frozenset[str] = frozenset()) -> list[Path]:
    """Every regular file under ``folder``, sorted, never through a link.

    Raises:
        LildataError: A link inside (lildata makes none: it is never followed, its target never read).
    """
    folder = Path(folder)
    out = []
    for root, dirs, names in os.walk(folder, followlinks=False):
        here = Path(root)
        for name in sorted(dirs + names):
            path = here / name
            if path.is_symlink():
                raise LildataError(f"{path}: is a link; lildata never follows links inside its folders (remove it)")
        dirs[:] = sorted(d for d in dirs if d not in skip)
        out += [here / n for n in sorted(names) if n not in skip and (here / n).is_file()]
    return sorted(out)


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: Any) -> str:
    """A cell for a CSV file that a spreadsheet may open: text that would start a formula gets a ``'`` first."""
    text = str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


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
    row = {key: csv_cell(value) for key, value in row.items()}
    with filelock.FileLock(path.with_name(f".{path.name}.lock"), thread_local=False):
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
