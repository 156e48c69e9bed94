"""What every notebook sets up first: the accelerator, where files live, the dataset and earlier runs.

Each notebook can run on its own: it makes (or reuses) the built-in dataset
and the runs it builds on, so a student may start at any notebook. On Colab,
``USE_DRIVE`` keeps data and runs on Google Drive between sessions, and a
packed file of trained runs (``lildata pack``) spares a class the training.

Notebook: notebooks/01_data_prep.ipynb
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import config, dataset, synth
from .errors import RunError

__all__ = ["Storage", "check_accelerator", "dataset_dirs", "ensure_dataset", "ensure_run", "import_tensorflow",
           "local_copy", "offer_download", "runs_dir", "set_precision", "storage", "use_packed"]

DRIVE_MOUNT = "/content/drive"
DRIVE_ROOT = "/content/drive/MyDrive/lildata"
LOCAL_CACHE = "/content/lildata_local"
GPU_MEASURED = None
"""The measured time of the paper preset on a GPU, as ``(card, text)``, or ``None`` while unmeasured."""


def import_tensorflow():
    """Import TensorFlow without its start-up lines on the terminal or in the notebook.

    TensorFlow writes a few lines to the process's standard error while it
    starts (oneDNN, CPU instructions), before any Python setting can silence
    them. They go to a scratch file during the first import instead, and are
    shown only if the import fails.

    Raises:
        ImportError: TensorFlow is not installed (or fails to start; its lines are then shown).

    Notebook: notebooks/02_classifier.ipynb
    """
    import tempfile

    if "tensorflow" in sys.modules and sys.modules["tensorflow"] is not None:
        return sys.modules["tensorflow"]
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile() as sink:
        os.dup2(sink.fileno(), 2)
        try:
            import tensorflow as tf

            tf.constant(0.0) + 1.0  # the first operation prints the last start-up line
        except ImportError:
            os.dup2(saved, 2)
            sink.seek(0)
            sys.stderr.write(sink.read().decode("utf-8", "replace"))
            raise
        finally:
            os.dup2(saved, 2)
            os.close(saved)
    return tf


def check_accelerator(mixed_precision: bool = True) -> str:
    """Say which accelerator there is and what it means for this course; set the precision of training.

    Works without TensorFlow (notebook 01 needs none): it then says how to get it, the right way for the
    machine (a TPU runtime needs another TensorFlow than a GPU or a CPU). On a GPU, training uses Keras'
    ``mixed_float16`` policy (float16 arithmetic, float32 weights and outputs) unless ``mixed_precision``
    is false.

    Returns:
        ``"tpu"``, ``"gpu"``, ``"cpu"``, or ``"none"`` when TensorFlow is not installed.

    Notebook: notebooks/01_data_prep.ipynb
    """
    from .runtime import TPU_INSTALL, tpu_name

    tpu = tpu_name()
    try:
        tf = import_tensorflow()
    except ImportError:
        if tpu:
            print(f"A TPU runtime ({tpu}), without TensorFlow: notebook 01 runs as it is; notebooks 02-06 need "
                  "TensorFlow, which Colab's TPU runtimes do not include. The simplest: Runtime > Change runtime "
                  f"type > T4 GPU. To stay on the TPU: !{TPU_INSTALL}, then Runtime > Restart session.")
        else:
            print("TensorFlow is not installed (notebook 01 needs none). For notebooks 02-06: on Colab choose "
                  "Runtime > Change runtime type > T4 GPU, which comes with it; elsewhere run `pip install "
                  "tensorflow` (`make install` does it here).")
        return "none"
    if tpu:
        print(f"A TPU runtime ({tpu}): training uses a TPU strategy (--strategy auto); all notebooks run.")
        return "tpu"
    gpus = tf.config.list_physical_devices("GPU")
    if gpus:
        policy = set_precision(mixed_precision)
        timing = (f"the paper preset was measured at {GPU_MEASURED[1]} on {GPU_MEASURED[0]}" if GPU_MEASURED
                  else "the paper preset's time on a GPU has not been measured yet")
        print(f"{len(gpus)} GPU(s): {', '.join(g.name for g in gpus)}; training in {policy} "
              f"(MIXED_PRECISION = False for float32); {timing}.")
        return "gpu"
    set_precision(False)
    print("No GPU. The tiny and classroom presets run on a CPU in minutes; for the paper preset on Colab "
          "choose Runtime > Change runtime type > T4 GPU, then run the notebook again.")
    return "cpu"


def set_precision(mixed: bool) -> str:
    """Keras' global dtype policy for training: ``mixed_float16`` when ``mixed`` and a GPU is there (the course's
    models keep float32 outputs), else ``float32``. Returns the policy's name.

    Notebook: notebooks/02_classifier.ipynb
    """
    import keras

    from .runtime import gpu_count

    name = "mixed_float16" if mixed and gpu_count() else "float32"
    keras.mixed_precision.set_global_policy(name)
    return name


def offer_download(paths: list[str | Path], name: str) -> Path | None:
    """On Colab, put files or folders into ``NAME.zip`` and offer it for download (``google.colab.files``);
    elsewhere say where they are. Returns the zip, or ``None`` where nothing was offered.

    Notebook: notebooks/04_genre_transfer.ipynb
    """
    import zipfile

    from .files import atomic_path, slug

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
    """Where a notebook keeps its files.

    Attributes:
        data_root: Songs and prepared datasets.
        runs_root: Trained runs.
        local_cache: A fast local folder that prepared datasets are copied to
            before training (``None``: read them where they are).
    """

    data_root: Path
    runs_root: Path
    local_cache: Path | None = None


def storage(use_drive: bool, data_root: str | Path, runs_root: str | Path, drive_root: str | Path = DRIVE_ROOT,
            local_cache: str | Path = LOCAL_CACHE) -> Storage:
    """Put data and runs on Google Drive when asked and on Colab, so they outlast the Colab session.

    With ``use_drive`` on Colab, Drive is mounted (Colab asks for permission
    once), and ``DATA_ROOT`` and ``RUNS_ROOT`` become ``drive_root/data`` and
    ``drive_root/runs``; datasets are read from a copy on the local disk
    (``local_cache``), which is much faster than Drive. Elsewhere nothing
    changes.

    Notebook: notebooks/01_data_prep.ipynb
    """
    if not use_drive:
        return Storage(Path(data_root), Path(runs_root))
    if "google.colab" not in sys.modules:
        print("USE_DRIVE works on Colab only; here DATA_ROOT and RUNS_ROOT stay as they are.")
        return Storage(Path(data_root), Path(runs_root))
    from google.colab import drive  # type: ignore[import-not-found]

    drive.mount(DRIVE_MOUNT)
    root = Path(drive_root)
    (root / "data").mkdir(parents=True, exist_ok=True)
    (root / "runs").mkdir(parents=True, exist_ok=True)
    print(f"data and runs are kept on Google Drive in {root}; datasets are read from a copy in {local_cache}")
    return Storage(root / "data", root / "runs", Path(local_cache))


def local_copy(prepared: str | Path, cache_root: str | Path) -> Path:
    """Copy a prepared dataset to a local folder (only files that are new or changed); returns the copy.

    Notebook: notebooks/01_data_prep.ipynb
    """
    prepared = Path(prepared)
    target = Path(cache_root) / prepared.name
    for source in sorted(prepared.rglob("*")):
        rel = source.relative_to(prepared)
        if not source.is_file() or rel.name.startswith("."):
            continue
        copy = target / rel
        if copy.exists() and copy.stat().st_size == source.stat().st_size and \
                copy.stat().st_mtime_ns >= source.stat().st_mtime_ns:
            continue
        copy.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, copy)
    return target


def use_packed(packed: str | Path | None, runs_root: str | Path, preset: str, sha256: str | None = None) -> list:
    """Unpack a file of trained runs made by ``lildata pack`` into ``RUNS_ROOT/<preset>`` before anything
    trains, so that :func:`ensure_run` finds them finished. ``None`` does nothing.

    Notebook: notebooks/02_classifier.ipynb
    """
    if not packed:
        return []
    from .pack import unpack

    items = unpack(packed, runs_dir(runs_root, preset), sha256=sha256)
    for item in items:
        print(f"{item['kind']} {item['name']}: {item['status']} from {packed}")
    return items


def dataset_dirs(preset: str, data_root: str | Path = "../data", raw_dir: str | Path | None = None) -> tuple[Path, Path]:
    """Where a preset's songs and prepared dataset live.

    Returns:
        ``(raw_dir, prepared_dir)``: ``DATA_ROOT/raw/builtin_<preset>`` and
        ``DATA_ROOT/prepared/builtin_<preset>``, or for your own music
        ``raw_dir`` and ``DATA_ROOT/prepared/<folder name>_<preset>``.
    """
    data_root = Path(data_root)
    if raw_dir is None:
        return data_root / "raw" / f"builtin_{preset}", data_root / "prepared" / f"builtin_{preset}"
    raw_dir = Path(raw_dir)
    return raw_dir, data_root / "prepared" / f"{raw_dir.name}_{preset}"


def _unpacked_elsewhere(prepared: Path) -> bool:
    """Whether ``prepared`` holds a dataset made on another machine (unpacked; its songs are not here)."""
    try:
        raw = json.loads((prepared / "config.json").read_text())["raw_dir"]
    except (OSError, ValueError, KeyError, TypeError):
        return False
    return (prepared / "manifest.csv").exists() and not Path(raw).exists()


def ensure_dataset(preset: str, data_root: str | Path = "../data", raw_dir: str | Path | None = None,
                   seed: int = 0, jobs: int | None = None, progress: bool = True,
                   local_cache: str | Path | None = None) -> dataset.PreparedDataset:
    """The prepared dataset of a preset, made first when missing (songs and clips already made are reused).

    A dataset unpacked from ``lildata pack`` (its songs are on another machine)
    is used as it is.

    Args:
        preset: ``tiny``, ``classroom`` or ``paper``.
        data_root: The course's data folder.
        raw_dir: Your own music (one sub-folder per genre), or ``None`` for
            the built-in songs.
        seed: Seed of the built-in songs.
        jobs: Worker processes.
        progress: Show progress bars.
        local_cache: Read the dataset from a copy in this folder (Drive is slow).

    Notebook: notebooks/01_data_prep.ipynb
    """
    settings = config.get_preset(preset)
    raw, prepared = dataset_dirs(preset, data_root, raw_dir)
    if _unpacked_elsewhere(prepared):
        print(f"using the prepared dataset in {prepared} (unpacked; its songs are not on this machine)")
    else:
        if raw_dir is None:
            size = config.DATASET_SIZES[preset]
            wanted = size.songs_per_genre * len(synth.GENRES)
            have = len(list(raw.glob("*/*.json"))) if raw.is_dir() else 0
            if have < wanted:
                print(f"making the built-in songs in {raw}: {wanted - have} of {wanted} songs of "
                      f"{size.song_seconds:g} s to write (songs already there are kept)", flush=True)
            synth.make_dataset(raw, songs_per_genre=size.songs_per_genre, seconds=size.song_seconds, seed=seed,
                               jobs=jobs, sample_rate=settings.sample_rate, progress=progress)
        if not (prepared / "manifest.csv").exists():
            print(f"cutting the songs of {raw} into clips and spectrograms in {prepared}", flush=True)
        dataset.prepare(raw, prepared, settings, jobs=jobs, progress=progress)  # quick when nothing changed
    if local_cache is not None:
        prepared = local_copy(prepared, local_cache)
    return dataset.PreparedDataset(prepared)


def runs_dir(runs_root: str | Path, preset: str, raw_dir: str | Path | None = None) -> Path:
    """The folder of a preset's runs: ``RUNS_ROOT/<preset>``, or ``RUNS_ROOT/<folder name>_<preset>`` for
    the runs on your own music (``raw_dir``), so that runs on two datasets never meet."""
    return Path(runs_root) / (preset if raw_dir is None else f"{Path(raw_dir).name}_{preset}")


def ensure_run(data: dataset.PreparedDataset | str | Path, run_dir: str | Path, settings,
               verbose: int = 2) -> dict[str, Any]:
    """Train a classifier unless the run folder already holds the same finished run.

    A run folder with other settings is an error (choose a new folder); an
    interrupted one is resumed.

    Returns:
        The run's ``metrics.json``.

    Notebook: notebooks/02_classifier.ipynb
    """
    from dataclasses import asdict, fields, replace

    from .training import TrainSettings, open_run_folder, settings_of_run, train

    run_dir = Path(run_dir)
    data = data if isinstance(data, dataset.PreparedDataset) else dataset.PreparedDataset(data)
    data_path = data.path
    old = open_run_folder(run_dir)
    if old is not None:
        known = {f.name for f in fields(TrainSettings)} - {"labels"}
        before = TrainSettings(**{k: v for k, v in settings_of_run(old).items() if k in known})
        same_data = old.get("data_fingerprint") == data.fingerprint() if old.get("data_fingerprint") else \
            old.get("data_dir") == str(Path(data_path).resolve())
        same = json.loads(json.dumps(asdict(replace(before, labels=None)))) == \
            json.loads(json.dumps(asdict(replace(settings, labels=None)))) and \
            (settings.labels is None or list(settings.labels) == old["labels"]) and same_data
        if not same:
            raise RunError(f"{run_dir} holds a run with other settings or data (other parameters, or an older "
                           "version of the course): choose another folder, or move that one away and run again")
        if (run_dir / "metrics.json").exists() and not (run_dir / "backup").exists():
            print(f"reusing the finished run in {run_dir}")
            return json.loads((run_dir / "metrics.json").read_text())
        return train(data_path, run_dir, settings, resume=True, verbose=verbose)
    return train(data_path, run_dir, settings, verbose=verbose)
