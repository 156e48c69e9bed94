"""Trained runs and prepared datasets as one file, with checksums: train once, hand out to a class.

``lildata pack RUN_DIR [RUN_DIR ...] [DATA_DIR] OUT.zip`` writes a zip that
holds the folders and ``lildata-pack.json``: every file's size and SHA-256.
``lildata unpack OUT.zip DEST`` checks the whole file against the SHA-256 that
``pack`` printed (when given), checks every member against the list, refuses
any name that would land outside ``DEST``, unpacks into a temporary folder and
only then renames each folder into place. A folder that is already in ``DEST``
is kept when it is the same and refused when it differs: nothing is
overwritten. An ``https://`` address is downloaded first (a SHA-256 is then
required), so a teacher can put the file online.

Notebook: notebooks/02_classifier.ipynb
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import zipfile
from pathlib import Path
from typing import Any

from .errors import LildataError
from .files import atomic_path, is_relative_safe, sha256_file

__all__ = ["MANIFEST", "download", "pack", "unpack"]

MANIFEST = "lildata-pack.json"
_SKIP = {".lildata.lock", "backup"}


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
    out = []
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder)
        if path.is_file() and not any(part in _SKIP or part.endswith(".tmp") or ".tmp." in part
                                      for part in rel.parts):
            out.append(path)
    return out


def pack(sources: list[str | Path], out_zip: str | Path) -> dict[str, Any]:
    """Write runs and datasets into one zip with a list of checksums.

    Args:
        sources: Run folders and prepared dataset folders.
        out_zip: The file to write (atomically).

    Returns:
        ``{"items": [{"name", "kind", "files"}], "sha256", "bytes"}``.

    Raises:
        LildataError: A source is not a run or dataset, or two share a name.

    Notebook: notebooks/02_classifier.ipynb
    """
    folders = [Path(s) for s in sources]
    names = [f.resolve().name for f in folders]
    if len(set(names)) != len(names):
        raise LildataError(f"two sources share a folder name ({', '.join(names)}); rename one")
    manifest: dict[str, Any] = {"format": 1, "items": [], "files": {}}
    entries = []
    for folder, name in zip(folders, names):
        if not folder.is_dir():
            raise LildataError(f"{folder}: no such folder")
        kind = _kind(folder)
        files = _files(folder)
        manifest["items"].append({"name": name, "kind": kind, "files": len(files)})
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


def download(url: str, target: str | Path, sha256: str) -> Path:
    """Download ``url`` to ``target`` (atomically) and check its SHA-256 (d2l's DATA_HUB way).

    A file already at ``target`` with the right checksum is kept (a cache).

    Raises:
        LildataError: The download failed, or its checksum is not ``sha256``.
    """
    import urllib.request

    target = Path(target)
    if target.exists() and sha256_file(target) == sha256.lower():
        return target
    try:
        with atomic_path(target) as tmp:
            with urllib.request.urlopen(url, timeout=60) as response, open(tmp, "wb") as handle:
                shutil.copyfileobj(response, handle)
            got = sha256_file(tmp)
            if got != sha256.lower():
                raise LildataError(f"{url}: its SHA-256 is {got}, not {sha256}; nothing was kept")
    except OSError as error:
        raise LildataError(f"{url}: could not download ({getattr(error, 'reason', None) or error})") from None
    return target


def _same_tree(a: Path, b: Path) -> bool:
    files_a = {p.relative_to(a).as_posix(): p for p in _files(a)}
    files_b = {p.relative_to(b).as_posix(): p for p in _files(b)}
    return files_a.keys() == files_b.keys() and all(
        sha256_file(files_a[k]) == sha256_file(files_b[k]) for k in files_a)


def unpack(source: str | Path, dest: str | Path, sha256: str | None = None) -> list[dict[str, str]]:
    """Check and unpack a file made by :func:`pack` into ``dest``.

    Args:
        source: The zip, or an ``https://`` address of one.
        dest: The folder that receives the packed folders (created).
        sha256: The whole file's SHA-256, as :func:`pack` printed it.

    Returns:
        ``[{"name", "kind", "status"}]``, status ``unpacked`` or ``already there``.

    Raises:
        LildataError: Wrong checksum, a member not in the list or whose
            checksum differs, a name that would leave ``dest``, or a folder
            already in ``dest`` that differs.

    Notebook: notebooks/02_classifier.ipynb
    """
    dest = Path(dest)
    text = str(source)
    if text.startswith(("https://", "http://")):
        if not sha256:
            raise LildataError(f"{text}: give --sha256 to download (the checksum `lildata pack` printed)")
        cache = Path(os.environ.get("LILDATA_CACHE", Path.home() / ".cache" / "lildata"))
        source = download(text, cache / f"{hashlib.sha1(text.encode()).hexdigest()[:12]}.zip", sha256)
    source = Path(source)
    if not source.is_file():
        raise LildataError(f"{source}: no such file")
    if sha256 and sha256_file(source) != sha256.lower():
        raise LildataError(f"{source}: its SHA-256 is {sha256_file(source)}, not {sha256}; nothing was unpacked")
    try:
        archive = zipfile.ZipFile(source)
    except zipfile.BadZipFile:
        raise LildataError(f"{source}: not a zip file made by `lildata pack`") from None
    with archive:
        try:
            manifest = json.loads(archive.read(MANIFEST))
            items, listed = manifest["items"], manifest["files"]
        except (KeyError, ValueError, TypeError):
            raise LildataError(f"{source}: has no {MANIFEST} (not made by `lildata pack`)") from None
        names = [m for m in archive.namelist() if m != MANIFEST and not m.endswith("/")]
        for member in names:
            if not is_relative_safe(member):
                raise LildataError(f"{source}: the member {member!r} would land outside {dest} (refused)")
            if member not in listed:
                raise LildataError(f"{source}: the member {member!r} is not in its list of files (refused)")
        for item in items:
            if not isinstance(item.get("name"), str) or "/" in item["name"] or not is_relative_safe(item["name"]):
                raise LildataError(f"{source}: the folder name {item.get('name')!r} is not allowed (refused)")
        if sorted(listed) != sorted(names):
            raise LildataError(f"{source}: files listed but missing from the zip: "
                               f"{', '.join(sorted(set(listed) - set(names))[:3])}")
        dest.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=".unpack.", dir=dest))
        try:
            for member in names:
                target = staging / member
                target.parent.mkdir(parents=True, exist_ok=True)
                digest = hashlib.sha256()
                with archive.open(member) as reader, open(target, "wb") as writer:
                    for block in iter(lambda: reader.read(2**20), b""):
                        digest.update(block)
                        writer.write(block)
                if digest.hexdigest() != listed[member]["sha256"]:
                    raise LildataError(f"{source}: {member} is damaged (its checksum differs); nothing was unpacked")
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
