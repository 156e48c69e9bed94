"""Run folders and the runs that fill them: classifiers, generators, transfers.

A folder is claimed (marked :data:`FOLDER_MARK`) before anything is written into it, and locked while it is;
someone's files, another kind of run or a dataset are refused untouched.

Notebook: notebooks/02_classifier.ipynb
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any, Callable

from ..errors import LildataError, RunError
from ..files import FolderLock, read_json, write_json

__all__ = ["FOLDER_MARK", "KINDS", "RunFolder", "claim_folder", "folder_kind"]

KINDS = {"classifier": "lildata-classifier-run", "generator": "lildata-generator-run",
         "transfer": "lildata-transfer", "sound": "lildata-generated-sound"}  # in each run's mark and config.json
FOLDER_MARK = ".lildata.json"  # {"kind": ...}, left in an output folder a command claimed
_WHAT = {"classifier": "a classifier run", "generator": "a generator run", "transfer": "a transfer's output folder",
         "sound": "a generated sound's folder"}


def folder_kind(folder: str | Path) -> str | None:
    """The kind of a folder lildata made (its mark, or a run's or dataset's ``config.json``), else ``None``."""
    for name in (FOLDER_MARK, "config.json"):
        try:
            data = json.loads((Path(folder) / name).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if isinstance(data, dict) and isinstance(data.get("kind"), str):
            return data["kind"]
    return None


def _foreign(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if not p.name.startswith(".lildata"))


def claim_folder(folder: str | Path, kind: str, what: str, ours: Callable[[Path], bool] | None = None,
                 create: bool = True) -> Path:
    """Make ``folder`` an output folder of ``kind`` (``what`` names it in messages), or refuse it with a one-line
    :class:`LildataError`.

    Args:
        ours: Recognises this command's outputs from before folders were marked (they are then marked).
        create: Make and mark the folder; ``False`` only checks that it could be claimed.
    """
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise LildataError(f"{folder}: is a file; give a folder for {what}")
    found = folder_kind(folder)
    if found == kind:
        return folder
    if found is not None:
        raise LildataError(f"{folder}: holds lildata's {found}, not {what}; choose another folder")
    foreign = _foreign(folder) if folder.is_dir() else []
    if foreign and not (ours is not None and ours(folder)):
        shown = ", ".join(foreign[:3]) + (" ..." if len(foreign) > 3 else "")
        raise LildataError(f"{folder}: holds files that lildata did not make ({shown}); choose an empty or "
                           f"new folder for {what}")
    if create:
        folder.mkdir(parents=True, exist_ok=True)
        write_json(folder / FOLDER_MARK, {"kind": kind})
    return folder


class RunFolder:
    """A run's folder (a classifier's, a generator's, a transfer's, a generated sound's): its kind (a key of
    :data:`KINDS`), its saved ``config.json``, its claim and its lock.

    Notebook: notebooks/02_classifier.ipynb
    """

    def __init__(self, folder: str | Path, kind: str, ours: Callable[[Path], bool] | None = None):
        if kind not in KINDS:
            raise ValueError(f"unknown kind of run {kind!r}: one of {', '.join(KINDS)}")
        self.path, self.kind, self.ours = Path(folder), kind, ours  # ours: see claim_folder

    def config(self) -> dict[str, Any] | None:
        """The run's ``config.json``, ``None`` for a new or empty folder; a :class:`RunError` for anything else."""
        path, what = self.path, _WHAT[self.kind]
        if path.exists() and not path.is_dir():
            raise RunError(f"{path}: is a file, not a run folder")
        if not path.is_dir() or not _foreign(path):
            return None
        try:
            config = read_json(path / "config.json", "the run's settings") if (path / "config.json").exists() \
                else None
        except LildataError as error:
            raise RunError(str(error)) from None
        if not isinstance(config, dict) or config.get("kind", KINDS[self.kind]) != KINDS[self.kind]:
            found = folder_kind(path)
            reason = f"it holds lildata's {found}" if found and found != KINDS[self.kind] else \
                f"it holds files that are not {what} ({', '.join(_foreign(path)[:3])})"
            raise RunError(f"{path}: {reason}; choose an empty or new folder")
        return config

    def claim(self, create: bool = True) -> Path:
        """Make the folder this kind's (its mark written first), or refuse it; see :func:`claim_folder`."""
        try:
            return claim_folder(self.path, KINDS[self.kind], _WHAT[self.kind], self.ours, create)
        except LildataError as error:
            raise RunError(str(error)) from None

    def lock(self, what: str) -> FolderLock:
        """The folder's lock, held while a command writes (``with run.lock("`lildata train d`"):``)."""
        return FolderLock(self.path, what)

    def set_aside(self) -> Path:
        """Rename the folder ``NAME.old-STAMP-N`` beside it (a run of other settings: never deleted); the new path."""
        stamp, n = time.strftime("%Y%m%d-%H%M%S"), 1
        while (kept := self.path.with_name(f"{self.path.name}.old-{stamp}-{n}")).exists():
            n += 1
        lock = self.lock("moving an older run aside")
        with lock:
            lock.holder_path.unlink(missing_ok=True)  # our own note of who holds the lock, not left in the old run
            try:
                self.path.rename(kept)
            except OSError as error:
                raise RunError(f"{self.path}: cannot be moved aside as {kept.name} ({error.strerror or error}); "
                               "move it yourself, or choose another folder") from None
            lock.holder_path = kept / lock.holder_path.name  # gone already: nothing at the old path is touched
        return kept

    def finished(self, *needed: str) -> bool:
        """Whether the folder holds a finished run: its config says so and ``metrics.json`` and ``needed`` exist."""
        try:
            config = self.config()
        except RunError:
            return False
        return config is not None and bool(config.get("finished", True)) and all(
            (self.path / name).exists() for name in ("metrics.json", *needed))
