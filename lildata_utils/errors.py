"""The course's errors, each a sentence a person can act on: :class:`LildataError` for a problem of the input
(exit code 2), :class:`MachineError` for one of the machine (exit code 1: running again retries).

Notebook: notebooks/01_data_prep.ipynb
"""

from __future__ import annotations

import errno

__all__ = ["LildataError", "MachineError", "ModelError", "RunError", "is_machine_error"]

MACHINE_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EIO, errno.EACCES, errno.EPERM,
                            errno.ENOMEM, errno.EMFILE, errno.ENFILE})
"""OS errors that say something about the machine, not about the file being read."""


class LildataError(Exception):
    """A problem of the input, explained in one line."""


class MachineError(LildataError):
    """A problem of the machine (disk full, no permission, I/O error): stop, and retry on the next run."""


class RunError(LildataError):
    """A run folder that cannot be used (not a run, another run, settings that do not fit)."""


class ModelError(LildataError):
    """A model file that cannot be loaded safely."""


def is_machine_error(error: BaseException) -> bool:
    """Whether an exception is an error of the machine rather than of a file's content."""
    return isinstance(error, MachineError) or (isinstance(error, OSError) and error.errno in MACHINE_ERRNOS)
