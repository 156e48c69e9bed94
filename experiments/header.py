"""The header every result file of ``experiments/`` carries: the command as run, the machine, the date.

    from header import header, write_result

    write_result("results/X.json", {"rows": rows}, __file__, argv)

:func:`header` says what made a figure and where: the command line (``python experiments/NAME.py ...``),
the machine (CPU model and cores, the GPUs when TensorFlow is already imported, else ``no GPU checked``,
memory, operating system, Python, numpy, TensorFlow and Keras versions) and the date in UTC.
:func:`write_result` writes a result JSON atomically (:func:`lildata_utils.files.write_json`) with that header
under ``"header"``. Nothing here imports TensorFlow.
"""

from __future__ import annotations

import datetime
import importlib.metadata
import os
import platform
import shlex
import sys
from pathlib import Path
from typing import Any

from lildata_utils.files import write_json

ROOT = Path(__file__).resolve().parents[1]

__all__ = ["command_line", "describe", "header", "machine", "run_table", "write_result"]


def command_line(script: str | Path, argv: list[str] | None = None) -> str:
    """The command as run: ``python experiments/NAME.py ARGS`` (``argv``: the arguments, default ``sys.argv[1:]``)."""
    path = Path(script).resolve()
    shown = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path
    args = sys.argv[1:] if argv is None else list(argv)
    return shlex.join(["python", str(shown), *map(str, args)])


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _memory_gib() -> float | None:
    try:
        return round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1)
    except (AttributeError, OSError, ValueError):
        return None


def _version(*names: str) -> str | None:
    for name in names:
        try:
            return importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            continue
    return None


def _gpus() -> list[str] | str:
    """The GPUs TensorFlow sees, only when it is already imported (importing it takes seconds)."""
    tf = sys.modules.get("tensorflow")
    if tf is None or not hasattr(tf, "config"):
        return "no GPU checked"
    try:
        return [device.name for device in tf.config.list_physical_devices("GPU")]
    except Exception as error:  # a broken driver: say so rather than fail the result
        return f"GPU check failed: {type(error).__name__}"


def machine() -> dict[str, Any]:
    """The machine a result was made on."""
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:
        usable = os.cpu_count()
    tf = sys.modules.get("tensorflow")
    return {"cpu": _cpu_model(), "cores": os.cpu_count(), "cores_usable": usable,
            "intra_op_threads": os.environ.get("TF_NUM_INTRAOP_THREADS"), "gpus": _gpus(),
            "memory_gib": _memory_gib(), "os": platform.platform(), "python": platform.python_version(),
            "numpy": _version("numpy"),
            "tensorflow": getattr(tf, "__version__", None) or _version("tensorflow", "tensorflow-cpu"),
            "keras": _version("keras")}


def header(script: str | Path, argv: list[str] | None = None) -> dict[str, Any]:
    """The header of a result file: ``command``, ``machine`` and ``date`` (UTC, ISO 8601)."""
    return {"command": command_line(script, argv), "machine": machine(),
            "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")}


def describe(head: dict[str, Any]) -> str:
    """A header in two Markdown lines, to print above a table."""
    m = head["machine"]
    gpus = m["gpus"] if isinstance(m["gpus"], str) else ", ".join(m["gpus"]) or "no GPU"
    versions = ", ".join(f"{name} {m[key]}" for name, key in (("Python", "python"), ("numpy", "numpy"),
                         ("TensorFlow", "tensorflow"), ("Keras", "keras")) if m.get(key))
    return (f"`{head['command']}`, {head['date']}\n\n{m['cpu']}, {m['cores_usable']} of {m['cores']} cores, {gpus}, "
            f"{m['memory_gib']} GiB, {m['os']}; {versions}")


def write_result(path: str | Path, body: dict[str, Any], script: str | Path, argv: list[str] | None = None) -> Path:
    """Write a result JSON atomically: ``{"header": header(script, argv), **body}``."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    return write_json(path, {"header": header(script, argv), **body})


def run_table(args, argv: list[str] | None, script: str | Path) -> int:
    """Make the table a sub-command chose (``args.make`` gives its figures and text), print it under the header
    and, with ``--out``, write its figures; TensorFlow started quietly first. Returns the exit code."""
    from lildata_utils.course import import_tensorflow  # the scripts' help and errors come without TensorFlow

    import_tensorflow()
    body, text = args.make(args)
    print(f"\n{describe(header(script, argv))}\n\n{text}")
    if args.out:
        write_result(args.out, {"table": args.table, **body}, script, argv)
    return 0
