"""Trained runs and prepared datasets as one zip with every file's size and SHA-256: train once, hand out.

Notebook: notebooks/02_classifier.ipynb
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import shutil
import time
import urllib.request
import zipfile
from pathlib import Path
from typing import Any

import pooch
from tqdm.auto import tqdm

from ..errors import LildataError, MachineError
from ..limits import LIMITS
from .locks import FolderLock
from .safe import atomic_path, clean_stale_temporaries, is_relative_safe, pid_alive, regular_files, sha256_file

__all__ = ["MANIFEST", "check_ratio", "download", "pack", "pack_sources", "unpack"]

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


def _digests(folder: Path) -> dict[str, dict]:
    return {p.relative_to(folder).as_posix(): {"size": p.stat().st_size, "sha256": sha256_file(p)}
            for p in regular_files(folder, _SKIP) if ".tmp" not in p.name}


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
            runs = sorted(p for p in source.iterdir() if p.is_dir() and not p.is_symlink() and not (p / "backup")
                          .exists() and (p / "config.json").exists() and (p / "metrics.json").exists())
            if not runs:
                raise
            folders += runs
    return folders


def pack(sources: list[str | Path], out_zip: str | Path) -> dict[str, Any]:
    """Write runs, datasets or a folder of runs (:func:`pack_sources`) into one zip (atomically) with a list of
    checksums; returns ``{"items": [{"name", "kind", "files"}], "sha256", "bytes"}``.

    Notebook: notebooks/02_classifier.ipynb
    """
    folders = pack_sources(sources)
    names = [f.resolve().name for f in folders]
    if len(set(names)) != len(names):
        raise LildataError(f"two sources share a folder name ({', '.join(names)}); rename one")
    manifest: dict[str, Any] = {"format": 1, "items": [], "files": {}}
    entries = []
    for folder, name in zip(folders, names):
        files = _digests(folder)
        manifest["items"].append({"name": name, "kind": _kind(folder), "files": len(files)})
        manifest["files"].update({f"{name}/{relative}": entry for relative, entry in files.items()})
        entries += [(folder / relative, f"{name}/{relative}") for relative in files]
    out_zip = Path(out_zip)
    with atomic_path(out_zip) as tmp:
        with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
            archive.writestr(MANIFEST, json.dumps(manifest, indent=2))
            for path, arcname in entries:
                archive.write(path, arcname)
    return {"items": manifest["items"], "sha256": sha256_file(out_zip), "bytes": out_zip.stat().st_size}


def _deadline_downloader(seconds: float, max_bytes: int):
    """A pooch downloader that reads as bytes arrive, under an overall deadline and a size limit, with a bar."""
    def download(url: str, output_file: str, pooch_object=None, check_only: bool = False) -> bool | None:
        end = time.monotonic() + seconds
        with urllib.request.urlopen(url, timeout=min(60.0, seconds)) as response:
            if check_only:
                return True
            total = int(response.headers.get("Content-Length") or 0)
            if total > max_bytes:
                raise LildataError(f"{url}: {total} bytes, more than a class pack may be ({max_bytes})")
            with open(output_file, "wb") as out, tqdm(total=total or None, unit="B", unit_scale=True,
                                                      desc="download", leave=False) as bar:
                while block := response.read1(2**16):
                    if time.monotonic() >= end:
                        raise LildataError(f"{url}: not downloaded within {seconds:g} s (the server is too slow, "
                                           "or stalls); nothing was kept")
                    if bar.n + len(block) > max_bytes:
                        raise LildataError(f"{url}: more than {max_bytes} bytes; nothing was kept")
                    out.write(block)
                    bar.update(len(block))
        return None

    return download


def download(url: str, target: str | Path, sha256: str, seconds: float | None = None) -> Path:
    """Download ``url`` to ``target`` with pooch within ``seconds`` (default :data:`DOWNLOAD_SECONDS`) and check
    its SHA-256, or raise :class:`LildataError` and keep nothing; a file already there and right is kept."""
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


def _read_list(archive: zipfile.ZipFile, source: Path) -> tuple[list[dict], dict[str, dict]]:
    """The pack's list, checked: items with safe names, files with a size and a SHA-256 each."""
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


def check_ratio(member: zipfile.ZipInfo, where: Path, error: type[LildataError] = LildataError) -> None:
    """Refuse a zip member over 1 MiB that unpacks to more than ``LIMITS["member_ratio"]`` times its size (a bomb)."""
    ratio = LIMITS["member_ratio"][1]
    if member.file_size > 2**20 and member.file_size > ratio * max(member.compress_size, 1):
        raise error(f"{where}: the member {member.filename!r} unpacks to {member.file_size} bytes from "
                    f"{member.compress_size} (more than {ratio:g} times: refused)")


def _check_members(archive: zipfile.ZipFile, source: Path, dest: Path, listed: dict) -> list[zipfile.ZipInfo]:
    """Every member, checked: listed with its true size, inside ``dest``, not a bomb; all of it fits the disk."""
    members = [m for m in archive.infolist() if m.filename != MANIFEST and not m.is_dir()]
    for member in members:
        name = member.filename
        if not is_relative_safe(name):
            raise LildataError(f"{source}: the member {name!r} would land outside {dest} (refused)")
        if name not in listed:
            raise LildataError(f"{source}: the member {name!r} is not in its list of files (refused)")
        if member.file_size != listed[name]["size"]:
            raise LildataError(f"{source}: the member {name!r} claims {member.file_size} bytes, its "
                               f"list {listed[name]['size']} (refused)")
        check_ratio(member, source)
    missing = sorted(set(listed) - {m.filename for m in members})
    if missing:
        raise LildataError(f"{source}: files listed but missing from the zip: {', '.join(missing[:3])}")
    total, free = sum(m.file_size for m in members), shutil.disk_usage(dest).free
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
    """Check and unpack a file made by :func:`pack` (or its ``https://`` address, which needs ``sha256``) into
    ``dest``, through a staging folder; returns ``[{"name", "kind", "status"}]`` (``unpacked``, ``already there``).

    Raises:
        LildataError: A wrong checksum or list, a member that would leave ``dest``, is larger than listed or a
            bomb, or a folder in ``dest`` that differs.
        MachineError: Not enough disk space.

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
        for folder in dest.glob(f"{_STAGING}*"):  # left by a killed unpack: .unpack.<pid>.<token>, process gone
            pid = folder.name.split(".")[2]
            if folder.is_dir() and not folder.is_symlink() and folder.name.count(".") == 3 and pid.isdigit() \
                    and int(pid) != os.getpid() and not pid_alive(int(pid)):
                shutil.rmtree(folder, ignore_errors=True)
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
                there = final.exists()
                if there and _digests(final) != _digests(staged):
                    raise LildataError(f"{final}: already there and different; move it away to unpack {source.name}")
                if not there:
                    os.replace(staged, final)
                done.append({"name": item["name"], "kind": item["kind"], "status": "already there" if there
                             else "unpacked"})
            return done
        finally:
            shutil.rmtree(staging, ignore_errors=True)
