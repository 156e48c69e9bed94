"""Folder locks: one command at a time writes a folder, and a second one says who holds it.

Notebook: notebooks/01_data_prep.ipynb
"""

from __future__ import annotations

import contextlib
import os
import time
from pathlib import Path

import filelock

from ..errors import LildataError
from .safe import write_text

__all__ = ["FolderLock"]


_HELD: list = []  # locks this process holds: closed in forked children, which must not outlive them


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
    """An exclusive lock on ``FOLDER/.lildata.lock`` (:mod:`filelock`'s: it goes away with its process, even a
    killed one); who holds it, doing ``what``, is written beside it for the message of a second run."""

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
            if self._lock in _HELD:
                _HELD.remove(self._lock)
            self._lock = None

    def __enter__(self) -> "FolderLock":
        return self.acquire()

    def __exit__(self, *exc) -> None:
        self.release()


