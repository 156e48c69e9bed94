"""What every notebook sets up first, without TensorFlow: accelerator, storage, dataset, a teacher's runs.

Notebook: notebooks/01_data_prep.ipynb
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import sys
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

from .. import data as music
from .. import settings as presets
from ..audio import load_audio
from ..files import atomic_path, slug
from ..files.pack import unpack
from .runtime import TPU_INSTALL, tpu_name

__all__ = ["Storage", "check_accelerator", "choose_song", "dataset_dirs", "ensure_dataset", "first_clip_of",
           "import_tensorflow", "local_copy", "offer_download", "runs_dir", "storage", "use_packed"]

DRIVE_MOUNT = "/content/drive"
DRIVE_ROOT = "/content/drive/MyDrive/lildata"
LOCAL_CACHE = "/content/lildata_local"
T4 = "Runtime > Change runtime type > T4 GPU"


def import_tensorflow(required: bool = True):
    """Import TensorFlow with its start-up lines on standard error held back, shown only if the import fails;
    ``required=False``: ``None`` where TensorFlow is not installed or does not start (else ``ImportError``).

    Notebook: notebooks/02_classifier.ipynb
    """
    if sys.modules.get("tensorflow") is not None:
        return sys.modules["tensorflow"]
    if not required and importlib.util.find_spec("tensorflow") is None:
        return None
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile() as sink:
        os.dup2(sink.fileno(), 2)
        try:
            import tensorflow as tf
            tf.constant(0.0) + 1.0  # the first operation prints the last start-up line
        except ImportError:
            if not required:
                return None
            os.dup2(saved, 2)
            sink.seek(0)
            sys.stderr.write(sink.read().decode("utf-8", "replace"))
            raise
        finally:
            os.dup2(saved, 2)
            os.close(saved)
    return tf


def check_accelerator() -> str:
    """Say which accelerator there is and what it means (without TensorFlow: how to get it); returns ``"tpu"``,
    ``"gpu"``, ``"cpu"``, or ``"none"`` without TensorFlow.

    Notebook: notebooks/01_data_prep.ipynb
    """
    tpu = tpu_name()
    try:
        tf = import_tensorflow()
    except ImportError:
        print(f"A TPU runtime ({tpu}), without TensorFlow: notebook 01 runs as it is; notebooks 02-06 need "
              f"TensorFlow, which Colab's TPU runtimes do not include. The simplest: {T4}. To stay on the TPU: "
              f"!{TPU_INSTALL}, then Runtime > Restart session." if tpu else
              f"TensorFlow is not installed (notebook 01 needs none). For notebooks 02-06: on Colab choose {T4}, "
              "which comes with it; elsewhere run `pip install tensorflow` (`make install` does it here).")
        return "none"
    if tpu:
        print(f"A TPU runtime ({tpu}): training uses a TPU strategy (--strategy auto); all notebooks run.")
        return "tpu"
    gpus = tf.config.list_physical_devices("GPU")
    if gpus:
        print(f"{len(gpus)} GPU(s): {', '.join(g.name for g in gpus)}; the paper preset's time on a GPU has not "
              "been measured yet.")
        return "gpu"
    print(f"No GPU. The tiny and classroom presets run on a CPU in minutes; for the paper preset on Colab choose {T4}, "
          "then run the notebook again.")
    return "cpu"


def offer_download(paths: list[str | Path], name: str) -> Path | None:
    """On Colab, zip files or folders into ``NAME.zip`` and offer it (returned); elsewhere say where they are.

    Notebook: notebooks/04_genre_transfer.ipynb
    """
    paths = [Path(p) for p in paths if Path(p).exists()]
    if not paths:
        print("nothing to download yet: run the cells above first")
        return None
    if "google.colab" not in sys.modules:
        print("your files: " + ", ".join(str(p) for p in paths))
        return None
    from google.colab import files as colab_files  # type: ignore[import-not-found]
    target = Path(LOCAL_CACHE).parent / f"{slug(name)}.zip"
    with atomic_path(target) as tmp, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in paths:
            for file in sorted(path.rglob("*")) if path.is_dir() else [path]:
                if file.is_file() and not file.is_symlink() and not file.name.startswith("."):
                    archive.write(file, file.relative_to(path.parent).as_posix())
    colab_files.download(str(target))
    return target


@dataclass(frozen=True)
class Storage:
    """Where a notebook keeps data and runs; ``local_cache``: a fast local folder datasets are read from a copy in."""

    data_root: Path
    runs_root: Path
    local_cache: Path | None = None


def storage(use_drive: bool, data_root: str | Path, runs_root: str | Path, drive_root: str | Path = DRIVE_ROOT,
            local_cache: str | Path = LOCAL_CACHE) -> Storage:
    """With ``use_drive`` on Colab, keep data and runs on Google Drive (datasets read from ``local_cache``).

    Notebook: notebooks/01_data_prep.ipynb
    """
    if use_drive and "google.colab" not in sys.modules:
        print("USE_DRIVE works on Colab only; here DATA_ROOT and RUNS_ROOT stay as they are.")
    if not use_drive or "google.colab" not in sys.modules:
        return Storage(Path(data_root), Path(runs_root))
    from google.colab import drive  # type: ignore[import-not-found]
    drive.mount(DRIVE_MOUNT)
    root = Path(drive_root)
    for folder in ("data", "runs"):
        (root / folder).mkdir(parents=True, exist_ok=True)
    print(f"data and runs are kept on Google Drive in {root}; datasets are read from a copy in {local_cache}")
    return Storage(root / "data", root / "runs", Path(local_cache))


def local_copy(prepared: str | Path, cache_root: str | Path) -> Path:
    """Copy a prepared dataset's new or changed files to a local folder; returns the copy.

    Notebook: notebooks/01_data_prep.ipynb
    """
    prepared = Path(prepared)
    target = Path(cache_root) / prepared.name
    for source in sorted(prepared.rglob("*")):
        copy = target / source.relative_to(prepared)
        if not source.is_file() or copy.name.startswith(".") or (
                copy.exists() and copy.stat().st_size == source.stat().st_size
                and copy.stat().st_mtime_ns >= source.stat().st_mtime_ns):
            continue
        copy.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, copy)
    return target


def use_packed(packed: str | Path | None, runs_root: str | Path, preset: str, sha256: str | None = None) -> list:
    """Unpack a file of trained runs from ``lildata pack`` into ``RUNS_ROOT/<preset>`` (``None``: nothing).

    Notebook: notebooks/02_classifier.ipynb
    """
    items = unpack(packed, runs_dir(runs_root, preset), sha256=sha256) if packed else []
    for item in items:
        print(f"{item['kind']} {item['name']}: {item['status']} from {packed}")
    return items


def dataset_dirs(preset: str, data_root: str | Path = "../data",
                 raw_dir: str | Path | None = None) -> tuple[Path, Path]:
    """``(raw_dir, prepared_dir)``: ``DATA_ROOT/raw/builtin_<preset>`` and ``DATA_ROOT/prepared/builtin_<preset>``,
    or for your own music ``raw_dir`` and ``DATA_ROOT/prepared/<folder name>_<preset>``."""
    raw = Path(data_root) / "raw" / f"builtin_{preset}" if raw_dir is None else Path(raw_dir)
    return raw, Path(data_root) / "prepared" / f"{'builtin' if raw_dir is None else raw.name}_{preset}"


def ensure_dataset(preset: str, data_root: str | Path = "../data", raw_dir: str | Path | None = None,
                   seed: int = 0, jobs: int | None = None, progress: bool = True,
                   local_cache: str | Path | None = None) -> music.PreparedDataset:
    """A preset's prepared dataset, made first where missing (one unpacked from ``lildata pack`` as it is), from
    ``raw_dir`` (one sub-folder per genre; ``None``: built-in songs), read from a copy in ``local_cache``.

    Notebook: notebooks/01_data_prep.ipynb
    """
    settings = presets.get_preset(preset)
    raw, prepared = dataset_dirs(preset, data_root, raw_dir)
    try:  # unpacked: made on another machine, its songs are not here
        elsewhere = (prepared / "manifest.csv").exists() and not Path(
            json.loads((prepared / "config.json").read_text())["raw_dir"]).exists()
    except (OSError, ValueError, KeyError, TypeError):
        elsewhere = False
    if elsewhere:
        print(f"using the prepared dataset in {prepared} (unpacked; its songs are not on this machine)")
    else:
        if raw_dir is None:
            size = presets.DATASET_SIZES[preset]
            wanted = size.songs_per_genre * len(music.GENRES)
            have = len(list(raw.glob("*/*.json"))) if raw.is_dir() else 0
            if have < wanted:
                print(f"making the built-in songs in {raw}: {wanted - have} of {wanted} songs of "
                      f"{size.song_seconds:g} s to write (songs already there are kept)", flush=True)
            music.make_dataset(raw, songs_per_genre=size.songs_per_genre, seconds=size.song_seconds, seed=seed,
                               jobs=jobs, sample_rate=settings.sample_rate, progress=progress)
        if not (prepared / "manifest.csv").exists():
            print(f"cutting the songs of {raw} into clips and spectrograms in {prepared}", flush=True)
        music.prepare(raw, prepared, settings, jobs=jobs, progress=progress)  # quick when nothing changed
    return music.PreparedDataset(prepared if local_cache is None else local_copy(prepared, local_cache))


def runs_dir(runs_root: str | Path, preset: str, raw_dir: str | Path | None = None) -> Path:
    """``RUNS_ROOT/<preset>``, or ``RUNS_ROOT/<folder name>_<preset>`` for your own music (``raw_dir``)."""
    return Path(runs_root) / (preset if raw_dir is None else f"{Path(raw_dir).name}_{preset}")


def choose_song(song: str | Path | None, data: music.PreparedDataset) -> Path:
    """``song`` when given; on Colab, a file you upload; else the dataset's first test song.

    Notebook: notebooks/02_classifier.ipynb
    """
    if song is None and "google.colab" in sys.modules:
        from google.colab import files as colab_files  # type: ignore[import-not-found]
        song = next(iter(colab_files.upload()), None)  # a button appears: choose an audio file
    return Path(song) if song is not None else data.audio_path(data.select("test")[0].clip)


def first_clip_of(song: str | Path, settings: presets.SpectrogramSettings, prediction: dict):
    """The audio of the first clip ``predict_file`` labelled in a song.

    Notebook: notebooks/02_classifier.ipynb
    """
    return load_audio(song, settings.sample_rate, prediction["clips"][0]["start_s"], settings.clip_seconds)
