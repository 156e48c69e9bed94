"""A set of real, recorded music made from freely licensed game soundtracks in Debian's packages (fetched with
``apt-get download``): each label one game's soundtrack, each song its middle 60 s as mono FLAC, all cached.

Notebook: notebooks/02_classifier.ipynb
"""

from __future__ import annotations

import fnmatch
import io
import os
import shutil
import subprocess
import tarfile
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile
import soxr

from ..audio import write_audio
from ..errors import LildataError, MachineError
from ..files import slug, write_json

__all__ = ["CACHE", "RECIPES", "Soundtrack", "default_folder", "make_real_music", "soundtrack_members"]

CACHE = Path(os.environ.get("LILDATA_CACHE", Path.home() / ".cache" / "lildata"))
"""Where downloaded packages and the songs made from them are kept (``LILDATA_CACHE`` moves it)."""


@dataclass(frozen=True)
class Soundtrack:
    """One label: the members of a Debian ``package`` that match ``pattern`` (``fnmatch``; ``pk3!pattern`` looks
    inside the zip archives a game keeps its music in), and its ``style`` in a few words."""

    label: str
    package: str
    pattern: str
    style: str


RECIPES: dict[str, dict] = {
    "full": {"songs_per_label": 24, "seconds": 60.0, "min_seconds": 30.0, "soundtracks": (
        Soundtrack("wesnoth", "wesnoth-1.16-music", "*/data/core/music/*.ogg", "orchestral fantasy"),
        Soundtrack("ufoai", "ufoai-music", "*/0music.pk3!music/*.ogg", "cinematic sci-fi, orchestral and synth"),
        Soundtrack("warzone2100", "warzone2100-music", "*/music/albums/*.opus", "electronic and rock"),
        Soundtrack("nexuiz", "nexuiz-music", "*/music.pk3!sound/cdtracks/*.ogg", "techno, industrial, drum and bass"),
        Soundtrack("hyperrogue", "hyperrogue-music", "*/hyperrogue/music/*.ogg", "ambient, folk and world")),
    },
    "tiny": {"songs_per_label": 4, "seconds": 12.0, "min_seconds": 6.0, "pieces": True, "soundtracks": (
        Soundtrack("asc", "asc-music", "*/asc/music/*.mp3", "orchestral rock"),
        Soundtrack("lincity", "lincity-ng-data", "*/lincity-ng/music/default/*.ogg", "calm synth")),
    },
}
"""The sets: ``full`` for the lesson, ``tiny`` (two small packages, pieces of 12 s as songs) for the tests."""


def _download(package: str, debs: Path) -> Path:
    """The package's ``.deb`` in the cache, fetched with ``apt-get download`` when missing."""
    debs.mkdir(parents=True, exist_ok=True)
    if found := sorted(debs.glob(f"{package}_*.deb")):
        return found[-1]
    if shutil.which("apt-get") is None:
        raise LildataError(f"{package}: apt-get is not here; this set needs a Debian or Ubuntu machine "
                           f"(Colab is one), or put the package's .deb in {debs}")
    with tempfile.TemporaryDirectory(dir=debs) as tmp:
        done = subprocess.run(["apt-get", "download", package], cwd=tmp, capture_output=True, text=True)
        got = sorted(Path(tmp).glob(f"{package}_*.deb"))
        if done.returncode != 0 or not got:
            reason = (done.stderr.strip().splitlines() or ["no .deb came back"])[-1]
            raise MachineError(f"{package}: apt-get download failed ({reason}); "
                               "on a fresh machine run `apt-get update` first")
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(got[0], 0o666 & ~umask)
        os.replace(got[0], debs / got[0].name)
    return debs / got[0].name


def _data_tar(deb: Path) -> tarfile.TarFile:
    """The files of a ``.deb`` as a tar archive, by ``dpkg-deb`` where installed, else read here (not zstd)."""
    if shutil.which("dpkg-deb"):
        done = subprocess.run(["dpkg-deb", "--fsys-tarfile", str(deb)], capture_output=True)
        if done.returncode == 0:
            return tarfile.open(fileobj=io.BytesIO(done.stdout))
        raise LildataError(f"{deb}: not a Debian package dpkg-deb can read "
                           f"({done.stderr.decode('utf-8', 'replace').strip().splitlines()[-1:] or ['?']})")
    with open(deb, "rb") as handle:
        if handle.read(8) != b"!<arch>\n":
            raise LildataError(f"{deb}: not a Debian package (no ar header)")
        while header := handle.read(60):
            name, size = header[:16].decode().strip().rstrip("/"), int(header[48:58])
            body = handle.read(size)
            handle.read(size % 2)
            if name.startswith("data.tar") and name.endswith(".zst"):
                raise LildataError(f"{deb}: its files are compressed with zstd, which only dpkg-deb reads here; "
                                   "install dpkg (Debian and Ubuntu have it)")
            if name.startswith("data.tar"):
                return tarfile.open(fileobj=io.BytesIO(body))
    raise LildataError(f"{deb}: no data.tar member")


def soundtrack_members(deb: Path, pattern: str) -> dict[str, bytes]:
    """The songs of a package that match ``pattern`` (see :class:`Soundtrack`): member name -> bytes, sorted."""
    outer, _, inner = pattern.partition("!")
    songs: dict[str, bytes] = {}
    with _data_tar(deb) as tar:
        for member in tar.getmembers():
            if not (member.isfile() and fnmatch.fnmatch(member.name, outer)):
                continue
            data = tar.extractfile(member).read()
            if not inner:
                songs[member.name] = data
                continue
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                songs.update({f"{member.name}!{name}": archive.read(name) for name in archive.namelist()
                              if fnmatch.fnmatch(name, inner)})
    return dict(sorted(songs.items()))


def default_folder(recipe: str = "full") -> Path:
    """Where ``lildata real-music`` puts a recipe's set: ``~/.cache/lildata/real_music`` for ``full``."""
    return CACHE / ("real_music" if recipe == "full" else f"real_music_{recipe}")


def _label_songs(track: Soundtrack, deb: Path, folder: Path, spec: dict, sample_rate: int) -> tuple[list, list]:
    kept, short, piece = [], [], int(spec["seconds"] * sample_rate)
    for member, data in soundtrack_members(deb, track.pattern).items():
        if len(kept) >= spec["songs_per_label"]:
            break
        name = slug(member.rsplit("/", 1)[-1].rsplit(".", 1)[0], 60)
        if not spec.get("pieces") and (folder / f"{name}.flac").exists():  # made by an earlier run
            kept.append(f"{name}.flac")
            continue
        try:
            audio, rate = soundfile.read(io.BytesIO(data), dtype="float32", always_2d=True)
            audio = audio.mean(axis=1)
            if rate != sample_rate:
                audio = soxr.resample(audio, rate, sample_rate).astype(np.float32)
        except (RuntimeError, ValueError) as error:  # soundfile's "format not recognised"
            short.append(f"{member} (not readable: {error})")
            continue
        if len(audio) < spec["min_seconds"] * sample_rate:
            short.append(f"{member} ({len(audio) / sample_rate:.0f} s)")
            continue
        if spec.get("pieces"):  # pieces of one song become songs: for testing the pipeline only
            cuts = [(f"{name}-{i}.flac", audio[i * piece:(i + 1) * piece]) for i in range(len(audio) // piece)]
        else:
            start = max(0, (len(audio) - piece) // 2)
            cuts = [(f"{name}.flac", audio[start:start + piece])]
        for file_name, cut in cuts[:spec["songs_per_label"] - len(kept)]:
            if not (folder / file_name).exists():
                write_audio(folder / file_name, cut, sample_rate, "FLAC")
            kept.append(file_name)
    return kept, short


def make_real_music(out_dir: str | Path | None = None, recipe: str = "full", sample_rate: int = 22050,
                    quiet: bool = False) -> Path:
    """Make (or complete) a recipe's real-music set in ``out_dir`` (default: :func:`default_folder`), one folder per
    label, one FLAC per song; returns the folder. Songs shorter than ``min_seconds`` are left out and listed.

    Notebook: notebooks/02_classifier.ipynb
    """
    if recipe not in RECIPES:
        raise LildataError(f"unknown real-music recipe {recipe!r}; choose one of {', '.join(RECIPES)}")
    spec = RECIPES[recipe]
    out = Path(out_dir) if out_dir is not None else default_folder(recipe)
    if out.exists() and any(out.iterdir()) and not (out / "SOURCES.json").exists():
        raise LildataError(f"{out}: the folder holds other files; real-music writes only into its own folder")
    out.mkdir(parents=True, exist_ok=True)
    if not (out / "SOURCES.json").exists():  # the mark that this folder is ours, before any song
        write_json(out / "SOURCES.json", {"recipe": recipe, "complete": False})
    sources = []
    for track in spec["soundtracks"]:
        (out / track.label).mkdir(exist_ok=True)
        deb = _download(track.package, CACHE / "debs")
        kept, short = _label_songs(track, deb, out / track.label, spec, sample_rate)
        sources.append({"label": track.label, "package": track.package, "deb": deb.name, "style": track.style,
                        "songs": kept, "left_out": short})
        if not quiet:
            print(f"{track.label}: {len(kept)} songs from {deb.name}"
                  + (f"; left out {len(short)} too short or unreadable" if short else ""), flush=True)
    write_json(out / "SOURCES.json", {"recipe": recipe, "complete": True, "sample_rate": sample_rate,
                                      "seconds": spec["seconds"], "soundtracks": sources})
    return out
