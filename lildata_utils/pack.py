"""Trained runs and prepared datasets as one file, with checksums: train once, hand out to a class.

``lildata pack RUN_DIR [RUN_DIR ...] [DATA_DIR] OUT.zip`` writes a zip that holds the folders and
``lildata-pack.json``: every file's size and SHA-256 (a runs folder, ``runs/classroom``, packs every
finished run in it). ``lildata unpack OUT.zip DEST`` checks the whole file against the SHA-256 that
``pack`` printed (when given) and checks the list before anything is written: every member is listed
with its size, no name leaves ``DEST``, no member is far larger than it is compressed, everything fits
the disk. Members are unpacked into a temporary folder, each cut off at its listed size and checked
against its SHA-256, and only then is each folder renamed into place. A folder that is already in
``DEST`` is kept when it is the same and refused when it differs: nothing is overwritten. An
``https://`` address is downloaded first with pooch (a SHA-256 is then required), with a progress bar
and an overall deadline, so a teacher can put the file online.

Notebook: notebooks/02_classifier.ipynb
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import shutil
import time
import zipfile
from pathlib import Path
from typing import Any

from .errors import LildataError, MachineError
from .files import (FolderLock, atomic_path, clean_stale_temporaries, is_relative_safe, regular_files,
                    sha256_file)
from .limits import LIMITS

__all__ = ["MANIFEST", "download", "pack", "pack_sources", "unpack"]

MANIFEST = "lildata-pack.json"
_SKIP = frozenset({".lildata.lock", ".lildata.lock.holder", "backup"})
_STAGING = ".unpack."
DOWNLOAD_SECONDS = float(os.environ.get("LILDATA_DOWNLOAD_SECONDS", 3600))
"""The longest a whole download may take (``LILDATA_DOWNLOAD_SECONDS`` changes it)."""


def _kind(folder: Path) -> str:
    try:
        config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        config = None
    if isinstance(config, dict) and "spectrogram" in config and (folder / "manifest.csv").exists():
        return "dataset"
    if isinstance(config, dict) and ("training" in config or "generator" in config):
        return "run"
    raise LildataError(f"{folder}: not a run or a prepared dataset of this course (no config.json of lildata)")


def _files(folder: Path) -> list[Path]:
    return [p for p in regular_files(folder, _SKIP) if ".tmp" not in p.name]


def pack_sources(sources: list[str | Path]) -> list[Path]:
    """The folders to pack: each run or dataset as given, and for a folder of runs (``runs/classroom``) every
    finished run in it (a run still training, with its ``backup/``, is left out)."""
    folders = []
    for source in map(Path, sources):
        if not source.is_dir():
            raise LildataError(f"{source}: no such folder")
        try:
            _kind(source)
            folders.append(source)
        except LildataError:
            inside_runs = sorted(p for p in source.iterdir() if p.is_dir() and not p.is_symlink()
                                 and (p / "config.json").exists() and (p / "metrics.json").exists()
                                 and not (p / "backup").exists())
            if not inside_runs:
                raise
            folders += inside_runs
    return folders


def pack(sources: list[str | Path], out_zip: str | Path) -> dict[str, Any]:
    """Write runs and datasets into one zip with a list of checksums.

    Args:
        sources: Run folders, prepared dataset folders, or a folder of runs (all its finished runs).
        out_zip: The file to write (atomically).

    Returns:
        ``{"items": [{"name", "kind", "files"}], "sha256", "bytes"}``.

    Raises:
        LildataError: A source is not a run or dataset, two share a name, or a folder holds a link
            (never followed).

    Notebook: notebooks/02_classifier.ipynb
    """
    folders = pack_sources(sources)
    names = [f.resolve().name for f in folders]
    if len(set(names)) != len(names):
        raise LildataError(f"two sources share a folder name ({', '.join(names)}); rename one")
    manifest: dict[str, Any] = {"format": 1, "items": [], "files": {}}
    entries = []
    for folder, name in zip(folders, names):
        files = _files(folder)
        manifest["items"].append({"name": name, "kind": _kind(folder), "files": len(files)})
        for path in files:
            arcname = f"{name}/{path.relative_to(folder).as_posix()}"
            manifest["files"][arcname] = {"size": path.stat().st_size, "sha256": sha256_file(path)}
            entries.append((path, arcname))
    out_zip = Path(out_zip)
    with atomic_path(out_zip) as tmp:
        with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
            archive.writestr(MANIFEST, json.dumps(manifest, indent=2))
            for path, arcname in entries:
                archive.write(path, arcname)
    return {"items": manifest["items"], "sha256": sha256_file(out_zip), "bytes": out_zip.stat().st_size}


def _deadline_downloader(seconds: float, max_bytes: int):
    """A pooch downloader that reads as bytes arrive, under an overall deadline and a size limit, with a bar."""
    import urllib.request

    from tqdm.auto import tqdm

    def download(url: str, output_file: str, pooch_object=None, check_only: bool = False) -> bool | None:
        start = time.monotonic()

        def left() -> float:
            remaining = seconds - (time.monotonic() - start)
            if remaining <= 0:
                raise LildataError(f"{url}: not downloaded within {seconds:g} s (the server is too slow, or "
                                   "stalls); nothing was kept")
            return remaining

        with urllib.request.urlopen(url, timeout=min(60.0, left())) as response:
            if check_only:
                return True
            total = int(response.headers.get("Content-Length") or 0)
            if total > max_bytes:
                raise LildataError(f"{url}: {total} bytes, more than a class pack may be ({max_bytes})")
            got = 0
            with open(output_file, "wb") as out, tqdm(total=total or None, unit="B", unit_scale=True,
                                                      desc="download", leave=False) as bar:
                while True:
                    block = response.read1(2**16)
                    left()
                    if not block:
                        return None
                    got += len(block)
                    if got > max_bytes:
                        raise LildataError(f"{url}: more than {max_bytes} bytes; nothing was kept")
                    out.write(block)
                    bar.update(len(block))

    return download


def download(url: str, target: str | Path, sha256: str, seconds: float | None = None) -> Path:
    """Download ``url`` to ``target`` with pooch and check its SHA-256; a file already there with the right
    checksum is kept (a cache).

    Args:
        url: An ``https://`` (or ``file://``) address.
        target: Where the file goes.
        sha256: Its SHA-256, as ``lildata pack`` printed it.
        seconds: The overall deadline (default :data:`DOWNLOAD_SECONDS`).

    Raises:
        LildataError: The download failed, took too long, was too large, or its checksum is not ``sha256``;
            nothing is kept then.
    """
    import pooch

    pooch.get_logger().setLevel("WARNING")  # the bar says what happens
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    seconds = DOWNLOAD_SECONDS if seconds is None else seconds
    for stale in target.parent.glob("tmp*"):  # pooch's temporary files of downloads killed long ago
        if stale.is_file() and time.time() - stale.stat().st_mtime > seconds:
            stale.unlink(missing_ok=True)
    try:
        got = pooch.retrieve(url, known_hash=f"sha256:{sha256.lower()}", fname=target.name, path=target.parent,
                             downloader=_deadline_downloader(seconds, int(LIMITS["unpack_bytes"][1])))
    except ValueError as error:  # pooch: the checksum differs
        raise LildataError(f"{url}: its SHA-256 is not {sha256} ({str(error).splitlines()[0][:120]}); "
                           "nothing was kept") from None
    except OSError as error:
        raise LildataError(f"{url}: could not download ({getattr(error, 'reason', None) or error})") from None
    mask = os.umask(0)
    os.umask(mask)
    os.chmod(got, 0o666 & ~mask)  # pooch's temporary file is private; the cache takes the umask's mode
    return Path(got)


def _same_tree(a: Path, b: Path) -> bool:
    files_a = {p.relative_to(a).as_posix(): p for p in _files(a)}
    files_b = {p.relative_to(b).as_posix(): p for p in _files(b)}
    return files_a.keys() == files_b.keys() and all(
        sha256_file(files_a[k]) == sha256_file(files_b[k]) for k in files_a)


def _read_list(archive: zipfile.ZipFile, source: Path) -> tuple[list[dict], dict[str, dict]]:
    """The pack's list, checked for shape: items with safe names, files with a size and a SHA-256 each."""
    try:
        manifest = json.loads(archive.read(MANIFEST))
        items, listed = manifest["items"], manifest["files"]
    except (KeyError, ValueError, TypeError):
        raise LildataError(f"{source}: has no readable {MANIFEST} (not made by `lildata pack`)") from None
    if not isinstance(items, list) or not isinstance(listed, dict):
        raise LildataError(f"{source}: its {MANIFEST} is not a list of folders and files (refused)")
    for item in items:
        name = item.get("name") if isinstance(item, dict) else None
        if not isinstance(name, str) or "/" in name or not is_relative_safe(name) or item.get("kind") not in (
                "run", "dataset"):
            raise LildataError(f"{source}: the folder {name!r} of its list is not allowed (refused)")
    for member, entry in listed.items():
        if not (isinstance(entry, dict) and isinstance(entry.get("size"), int) and entry["size"] >= 0
                and isinstance(entry.get("sha256"), str) and len(entry["sha256"]) == 64):
            raise LildataError(f"{source}: the entry of {member!r} in its list has no size and SHA-256 (refused)")
    return items, listed


def _check_members(archive: zipfile.ZipFile, source: Path, dest: Path, listed: dict[str, dict]) -> list[zipfile.ZipInfo]:
    """Every member listed with its true size, inside ``dest``, not a bomb, and all of it fits the disk."""
    members = [m for m in archive.infolist() if m.filename != MANIFEST and not m.is_dir()]
    for member in members:
        if not is_relative_safe(member.filename):
            raise LildataError(f"{source}: the member {member.filename!r} would land outside {dest} (refused)")
        if member.filename not in listed:
            raise LildataError(f"{source}: the member {member.filename!r} is not in its list of files (refused)")
        if member.file_size != listed[member.filename]["size"]:
            raise LildataError(f"{source}: the member {member.filename!r} claims {member.file_size} bytes, its "
                               f"list {listed[member.filename]['size']} (refused)")
        if member.file_size > 2**20 and member.file_size > LIMITS["member_ratio"][1] * max(member.compress_size, 1):
            raise LildataError(f"{source}: the member {member.filename!r} unpacks to {member.file_size} bytes from "
                               f"{member.compress_size} (more than {LIMITS['member_ratio'][1]:g} times: refused)")
    missing = sorted(set(listed) - {m.filename for m in members})
    if missing:
        raise LildataError(f"{source}: files listed but missing from the zip: {', '.join(missing[:3])}")
    total = sum(m.file_size for m in members)
    free = shutil.disk_usage(dest).free
    if total > min(free, LIMITS["unpack_bytes"][1]):
        raise MachineError(f"{dest}: {source.name} unpacks to {total / 2**20:.0f} MiB, and only "
                           f"{free / 2**20:.0f} MiB are free")
    return members


def _extract(archive: zipfile.ZipFile, member: zipfile.ZipInfo, target: Path, entry: dict, source: Path) -> None:
    """One member, cut off at its listed size, checked against its SHA-256."""
    target.parent.mkdir(parents=True, exist_ok=True)
    digest, written = hashlib.sha256(), 0
    with archive.open(member) as reader, open(target, "wb") as writer:
        for block in iter(lambda: reader.read(2**20), b""):
            written += len(block)
            if written > entry["size"]:
                raise LildataError(f"{source}: {member.filename} holds more than its listed {entry['size']} bytes "
                                   "(refused); nothing was unpacked")
            digest.update(block)
            writer.write(block)
    if digest.hexdigest() != entry["sha256"]:
        raise LildataError(f"{source}: {member.filename} is damaged (its checksum differs); nothing was unpacked")


def _remove_stale_staging(dest: Path) -> None:
    """Remove the temporary folders of unpacks that were killed (named ``.unpack.<pid>.<token>``, process gone)."""
    from .files import _pid_alive

    for folder in dest.glob(f"{_STAGING}*"):
        parts = folder.name.split(".")
        if folder.is_dir() and not folder.is_symlink() and len(parts) == 4 and parts[2].isdigit() \
                and int(parts[2]) != os.getpid() and not _pid_alive(int(parts[2])):
            shutil.rmtree(folder, ignore_errors=True)


def _source_file(source: str | Path, sha256: str | None) -> Path:
    text = str(source)
    if text.startswith(("https://", "http://")):
        if not sha256:
            raise LildataError(f"{text}: give --sha256 to download (the checksum `lildata pack` printed)")
        cache = Path(os.environ.get("LILDATA_CACHE", Path.home() / ".cache" / "lildata")) / "packs"
        return download(text, cache / f"{hashlib.sha1(text.encode()).hexdigest()[:12]}.zip", sha256)
    path = Path(source)
    if not path.is_file():
        raise LildataError(f"{path}: no such file")
    if sha256 and sha256_file(path) != sha256.lower():
        raise LildataError(f"{path}: its SHA-256 is {sha256_file(path)}, not {sha256}; nothing was unpacked")
    return path


def unpack(source: str | Path, dest: str | Path, sha256: str | None = None) -> list[dict[str, str]]:
    """Check and unpack a file made by :func:`pack` into ``dest``.

    Args:
        source: The zip, or an ``https://`` address of one.
        dest: The folder that receives the packed folders (created).
        sha256: The whole file's SHA-256, as :func:`pack` printed it.

    Returns:
        ``[{"name", "kind", "status"}]``, status ``unpacked`` or ``already there``.

    Raises:
        LildataError: Wrong checksum, a list that does not describe the zip, a name that would leave ``dest``,
            a member that is larger than listed or than a zip can honestly make it, or a folder already in
            ``dest`` that differs.
        MachineError: Not enough disk space for what the pack holds.

    Notebook: notebooks/02_classifier.ipynb
    """
    dest = Path(dest)
    source = _source_file(source, sha256)
    try:
        archive = zipfile.ZipFile(source)
    except zipfile.BadZipFile:
        raise LildataError(f"{source}: not a zip file made by `lildata pack`") from None
    dest.mkdir(parents=True, exist_ok=True)
    with archive, FolderLock(dest, f"`lildata unpack {source.name}`"):
        _remove_stale_staging(dest)
        clean_stale_temporaries(dest)
        items, listed = _read_list(archive, source)
        members = _check_members(archive, source, dest, listed)
        staging = dest / f"{_STAGING}{os.getpid()}.{secrets.token_hex(4)}"
        staging.mkdir()
        try:
            for member in members:
                _extract(archive, member, staging / member.filename, listed[member.filename], source)
            done = []
            for item in items:
                final, staged = dest / item["name"], staging / item["name"]
                staged.mkdir(exist_ok=True)
                if final.exists():
                    if not _same_tree(final, staged):
                        raise LildataError(f"{final}: already there and different; move it away to unpack "
                                           f"{source.name}")
                    done.append({"name": item["name"], "kind": item["kind"], "status": "already there"})
                    continue
                os.replace(staged, final)
                done.append({"name": item["name"], "kind": item["kind"], "status": "unpacked"})
            return done
        finally:
            shutil.rmtree(staging, ignore_errors=True)
