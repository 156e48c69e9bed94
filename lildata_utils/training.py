"""Training and judging the genre classifiers, the way ``lildata train`` does it.

A run folder holds everything a run made::

    RUN_DIR/model.keras      the model with the lowest validation loss
    RUN_DIR/config.json      data settings, training settings, labels, split
    RUN_DIR/history.json     loss and accuracy per epoch
    RUN_DIR/metrics.json     test accuracy per clip and per song, confusion matrix ...
    RUN_DIR/confusion.png, RUN_DIR/curves.png
    RUN_DIR/backup/          the last epoch's state while training (for --resume)

Notebook: notebooks/02_classifier.ipynb
"""

from __future__ import annotations

import csv
import re
import shutil
import time
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path
from typing import Any

import numpy as np

from .dataset import SPLITS, PreparedDataset
from .errors import LildataError, ModelError, RunError
from .files import (FolderLock, atomic_path, clean_stale_temporaries, load_keras, read_json, save_figure, save_keras,
                    write_json)

__all__ = ["epoch_lines", "judge_clips", "PAPER_FOUR_GENRES", "RESNET_EPOCHS", "RUN_KIND", "STRATEGIES", "TRAIN_PRESETS", "check_settings", "finished",
           "open_run_folder", "save_run", "settings_of_run", "build_classifier", "fit_stored", "TrainSettings", "clip_predictions", "evaluate", "get_strategy", "load_run", "most_confused",
           "predict_file", "predict_stored", "split_clips", "train", "train_preset"]

STRATEGIES = ("auto", "default", "mirrored", "tpu", "multiworker")
RUN_KIND = "lildata-classifier-run"
"""The mark in a run's ``config.json`` that says ``train`` made this folder."""
PAPER_FOUR_GENRES = ("trap", "lofi", "hardstyle", "house")
"""The 4-genre task (the paper does not name its 4; see :mod:`~lildata_utils.models`)."""

_WEIGHTS_NAME = re.compile(r"^epoch-\d{5}\.weights\.h5$")
_DEFAULT_RATE = {"lildata": 3e-4, "softmax": 1e-2, "resnet50": 1e-3}
PAPER_EPOCHS, PAPER_PATIENCE, PAPER_RATE = 20, 4, 1e-3
"""The paper's Lil Data: 20 epochs at Adam's default rate (and our early stopping, patience 4)."""


@dataclass(frozen=True)
class TrainSettings:
    """How a classifier is trained.

    Attributes:
        model: ``lildata``, ``softmax`` or ``resnet50``.
        labels: The genres to tell apart, in index order (``None``: all).
        epochs: Most epochs (early stopping may end sooner).
        batch_size: Clips per batch, over all replicas.
        split_by: ``song`` (the honest split of the prepared dataset) or
            ``chunk`` (clips shuffled at random: the leaky split, for the lesson).
        seed: Seed of weights, shuffling and the chunk split.
        learning_rate: Adam's rate (``None``: 3e-4 for Lil Data's recipe, 1e-3 for the
            paper's set-up and ResNet50, 1e-2 for the softmax).
        patience: Epochs without a better validation loss before stopping.
        strategy: One of :data:`STRATEGIES`.
        augment: SpecAugment in front of the network (ResNet50 always has it).
        standardise: Lil Data standardises each frequency bin over the
            training clips (notebook 02, section 2b): the course's recipe,
            which wins on recorded music. Off with ``paper_setup``.
        spectrum: Lil Data's dense layer also gets the clip's average
            spectrum (the recipe, as above).
        pool_time: Lil Data averages its last feature map over time before
            the dense layer (no change at the classroom size, where one
            position is left; see RESULTS.md for 631 x 631). Off with ``paper_setup``.
        resnet_weights: ``auto``, ``imagenet``, ``none`` or a weights file.
        image_size: ResNet50's input side in pixels.
        paper_setup: The paper's set-up: Lil Data without standardisation or
            augmentation; ResNet50 with random weights, no augmentation, no
            dropout, Keras' batch-normalisation momentum.
    """

    model: str = "lildata"
    labels: tuple[str, ...] | None = None
    epochs: int = 40
    batch_size: int = 32
    split_by: str = "song"
    seed: int = 0
    learning_rate: float | None = None
    patience: int = 8
    strategy: str = "auto"
    augment: bool = False
    standardise: bool = True
    spectrum: bool = True
    pool_time: bool = False
    resnet_weights: str = "auto"
    image_size: int = 224
    paper_setup: bool = False

    @property
    def rate(self) -> float:
        """The learning rate used."""
        if self.learning_rate:
            return self.learning_rate
        return PAPER_RATE if self.paper_setup and self.model == "lildata" else _DEFAULT_RATE.get(self.model, 1e-3)


TRAIN_PRESETS = {
    "paper": TrainSettings(epochs=10, patience=3, image_size=224),
    "classroom": TrainSettings(epochs=40, image_size=112),
    "tiny": TrainSettings(epochs=3, batch_size=16, patience=2, image_size=32),
}
"""Training settings that suit each spectrogram preset (epochs, ResNet50 input size).

At the paper's size an epoch holds about 9 times the classroom's clips (8,060 training clips against
about 850), so the recipe's 10 epochs there take more steps than its 40 at the classroom preset, and a
CPU finishes them in hours; measured on 4 genres at the paper's size, validation accuracy reached 100%
at epoch 5 (RESULTS.md, "At the paper's size")."""


RESNET_EPOCHS = {"tiny": 2, "classroom": 5, "paper": 20}
"""ResNet50's epochs at each preset (notebook 03; notebook 04 reuses that run as a judge)."""


def train_preset(preset: str, **changes) -> TrainSettings:
    """The training settings of a preset, with changes.

    With ``paper_setup=True`` and no ``epochs`` or ``patience`` given, the paper's 20 epochs (and a patience
    of 4) replace the recipe's 40 (and 8) at the paper and classroom presets.

    Notebook: notebooks/02_classifier.ipynb
    """
    base = TRAIN_PRESETS[preset]
    if changes.get("paper_setup") and preset != "tiny":
        base = replace(base, epochs=PAPER_EPOCHS, patience=PAPER_PATIENCE)
    return replace(base, **changes)


def settings_of_run(config: dict[str, Any]) -> dict[str, Any]:
    """The training settings in a run's ``config.json``; a run made before Lil Data standardised its input
    (no ``standardise`` key) did not, so it is not taken for the recipe."""
    known = {f.name for f in fields(TrainSettings)}
    training = config.get("training")
    if not isinstance(training, dict):
        raise RunError("its config.json holds no training settings")
    return {"standardise": False, "spectrum": False, **{k: v for k, v in training.items() if k in known}}


def check_settings(settings: TrainSettings) -> None:
    """Refuse settings that cannot train, each with a one-line reason.

    Raises:
        ValueError: Epochs or batch size below 1, an unknown model, split or
            strategy, labels given twice or fewer than 2 labels.

    Notebook: notebooks/02_classifier.ipynb
    """
    from .models import MODEL_NAMES

    if settings.model not in MODEL_NAMES:
        raise ValueError(f"--model: unknown model {settings.model!r}; choose one of {', '.join(MODEL_NAMES)}")
    from .limits import bounded, bounded_int

    bounded_int("epochs", settings.epochs, "--epochs")
    bounded_int("batch_size", settings.batch_size, "--batch-size")
    bounded_int("patience", settings.patience, "--patience")
    bounded_int("seed", settings.seed, "--seed")
    if settings.learning_rate is not None:
        bounded("learning_rate", settings.learning_rate, "--learning-rate")
    size = 0 if settings.image_size is None else bounded_int("image_size", settings.image_size, "--image-size")
    if 0 < size < 32:
        raise ValueError(f"--image-size must be 0 (the spectrogram's own size) or at least 32 (ResNet50's "
                         f"smallest input), not {size}")
    if settings.split_by not in ("song", "chunk"):
        raise ValueError(f"--split-by must be 'song' or 'chunk', not {settings.split_by!r}")
    if settings.strategy not in STRATEGIES:
        raise ValueError(f"--strategy: unknown strategy {settings.strategy!r}; choose one of {', '.join(STRATEGIES)}")
    if settings.labels is not None:
        if any(not str(label).strip() for label in settings.labels):
            raise ValueError("--labels: a label is empty (give names separated by commas, e.g. trap,lofi)")
        repeated = sorted({label for label in settings.labels if list(settings.labels).count(label) > 1})
        if repeated:
            raise ValueError(f"--labels: {', '.join(repeated)} given more than once")
        if len(settings.labels) < 2:
            raise ValueError(f"--labels: a classifier needs at least 2 labels, got {len(settings.labels)}")


def open_run_folder(run_dir: str | Path) -> dict[str, Any] | None:
    """The ``config.json`` of a run folder made by :func:`train`, or ``None`` for a new or empty folder.

    Raises:
        RunError: The path is a file, or the folder holds files that are not
            a run of this course (they are never touched).

    Notebook: notebooks/02_classifier.ipynb
    """
    run_dir = Path(run_dir)
    if run_dir.exists() and not run_dir.is_dir():
        raise RunError(f"{run_dir}: is a file, not a run folder")
    if not run_dir.exists():
        return None
    saved = run_dir / "config.json"
    if saved.exists():
        try:
            config = read_json(saved, "the run's settings")
        except LildataError as error:
            raise RunError(str(error)) from None
        if not isinstance(config, dict) or "training" not in config or "labels" not in config:
            raise RunError(f"{run_dir}: its config.json was not written by `lildata train`; choose an empty or "
                           "new folder")
        return config
    foreign = sorted(p.name for p in run_dir.iterdir() if not p.name.startswith(".lildata"))
    if foreign:
        raise RunError(f"{run_dir}: holds files that are not a lildata run ({', '.join(foreign[:3])}"
                       f"{' ...' if len(foreign) > 3 else ''}); choose an empty or new folder")
    return None


def split_clips(data: PreparedDataset, labels: list[str], split_by: str = "song",
                seed: int = 0) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Clip numbers and label indices of each split.

    ``song`` uses the prepared dataset's split, made by song, so no song has
    clips on both sides. ``chunk`` shuffles all clips and cuts them 80/10/10,
    so clips of one song land in train and test: the leak that makes many
    published genre accuracies look better than they are.

    Returns:
        ``{"train": (clips, targets), "val": ..., "test": ...}``.

    Notebook: notebooks/02_classifier.ipynb
    """
    index = {label: i for i, label in enumerate(labels)}
    chosen = data.select(None, labels)
    if split_by == "song":
        return {s: (np.array([c.clip for c in chosen if c.split == s], np.int64),
                    np.array([index[c.label] for c in chosen if c.split == s], np.int32)) for s in SPLITS}
    if split_by != "chunk":
        raise ValueError(f"split_by must be 'song' or 'chunk', not {split_by!r}")
    order = np.random.default_rng(seed).permutation(len(chosen))
    clips = np.array([chosen[i].clip for i in order], np.int64)
    targets = np.array([index[chosen[i].label] for i in order], np.int32)
    n_train, n_val = int(0.8 * len(clips)), int(0.1 * len(clips))
    cuts = {"train": slice(0, n_train), "val": slice(n_train, n_train + n_val), "test": slice(n_train + n_val, None)}
    return {s: (clips[c], targets[c]) for s, c in cuts.items()}


def get_strategy(name: str = "auto"):
    """A ``tf.distribute`` strategy by name.

    ``auto`` picks a TPU strategy on a TPU runtime, ``MirroredStrategy`` when
    there are several GPUs, and the default (one device) otherwise.
    ``multiworker`` reads the cluster from ``TF_CONFIG``. The same training
    code runs under each.

    Notebook: notebooks/02_classifier.ipynb
    """
    import tensorflow as tf

    if name not in STRATEGIES:
        raise ValueError(f"unknown strategy {name!r}: choose one of {', '.join(STRATEGIES)}")
    if name == "auto":
        from .runtime import tpu_name

        if tpu_name():
            name = "tpu"
        elif len(tf.config.list_logical_devices("GPU")) > 1:
            name = "mirrored"
        else:
            name = "default"
    if name == "tpu":
        resolver = tf.distribute.cluster_resolver.TPUClusterResolver()
        tf.config.experimental_connect_to_cluster(resolver)
        tf.tpu.experimental.initialize_tpu_system(resolver)
        return tf.distribute.TPUStrategy(resolver)
    if name == "mirrored":
        devices = tf.config.list_logical_devices("GPU") or tf.config.list_logical_devices("CPU")
        return tf.distribute.MirroredStrategy([d.name for d in devices])
    if name == "multiworker":
        return tf.distribute.MultiWorkerMirroredStrategy()
    return tf.distribute.get_strategy()


def build_classifier(settings: TrainSettings, shape: tuple[int, int], n_labels: int, train_stored):
    """A compiled classifier for the settings; ``train_stored``: the training clips (an iterable of
    stored clips), for the statistics of the softmax's and Lil Data's standardisation."""
    from . import models
    from .lessons.classifier import average_spectrum, bin_statistics, compile_classifier

    if settings.model == "softmax":
        spectra = np.stack([average_spectrum(clip) for clip in train_stored])
        model = models.softmax_baseline(shape, n_labels, mean=spectra.mean(0), variance=spectra.var(0))
    elif settings.model == "resnet50":
        size = None if settings.image_size in (0, None) else (settings.image_size, settings.image_size)
        setup = dict(models.RESNET_SETUPS["paper" if settings.paper_setup else "ours"])
        if not settings.paper_setup:
            setup["weights"] = settings.resnet_weights
        model = models.resnet50(shape, n_labels, image_size=size, **setup)
    elif settings.paper_setup:
        model = models.build_model(settings.model, shape, n_labels)
    else:
        model = models.build_model(settings.model, shape, n_labels, augment=settings.augment, spectrum=settings.spectrum,
                                   pool_time=settings.pool_time,
                                   standardise=bin_statistics(train_stored) if settings.standardise else None)
    return compile_classifier(model, settings.rate)


def fit_stored(model, settings: TrainSettings, x, y, x_val, y_val, seed: int = 0, verbose: int = 0):
    """Train on clips held in memory (``(clips, bins, frames)`` arrays), with the early stopping of
    the lesson. Returns Keras' history."""
    import tensorflow as tf

    from .lessons.classifier import fit_classifier

    def stream(a, b, shuffle):
        dataset = tf.data.Dataset.from_tensor_slices((np.asarray(a, np.float32)[..., None], np.asarray(b, np.int32)))
        if shuffle:
            dataset = dataset.shuffle(len(a), seed=seed, reshuffle_each_iteration=True)
        return dataset.batch(settings.batch_size).prefetch(2)

    return fit_classifier(model, stream(x, y, True), stream(x_val, y_val, False), epochs=settings.epochs,
                          patience=settings.patience, verbose=verbose)


def _build(settings: TrainSettings, data: PreparedDataset, labels: list[str], train_clips: np.ndarray):
    return build_classifier(settings, data.settings.shape, len(labels),
                            (data.spectrogram(int(c)) for c in train_clips))


def epoch_lines():
    """A Keras callback that prints one line per epoch (use it with ``verbose=0``).

    Notebook: notebooks/02_classifier.ipynb
    """
    import keras

    def line(epoch, logs):
        params = getattr(callback, "params", None) or {}
        shown = ", ".join(f"{k} {v:.3f}" for k, v in (logs or {}).items() if "loss" in k or "accuracy" in k)
        print(f"epoch {epoch + 1}/{params.get('epochs', '?')}: {shown}", flush=True)

    callback = keras.callbacks.LambdaCallback(on_epoch_end=line)
    return callback


def _history_of(run_dir: Path) -> dict[str, list[float]]:
    """The run's history so far: ``history.json`` (or the ``history.csv`` of an older version), each epoch once."""
    saved = run_dir / "history.json"
    if saved.exists():
        try:
            history = read_json(saved, "the run's history")
            if isinstance(history, dict) and all(isinstance(v, list) for v in history.values()):
                return history
        except LildataError:
            pass
    path = run_dir / "history.csv"
    if not path.exists():
        return {}
    rows: dict[int, dict[str, str]] = {}
    with open(path, newline="") as handle:
        for row in csv.DictReader(handle):
            try:
                rows[int(row["epoch"])] = {k: float(v) for k, v in row.items() if k != "epoch"}
            except (KeyError, TypeError, ValueError):
                continue  # a line cut short by a kill
    ordered = [rows[e] for e in sorted(rows)]
    keys = list(ordered[0]) if ordered else []
    return {"epoch": [e + 1 for e in sorted(rows)], **{k: [r[k] for r in ordered] for k in keys}}


def _run_keeper(run_dir: Path, history: dict[str, list[float]]):
    """A callback that, after each epoch and in this order, writes the history (``history.json``), the best
    model (``model.keras``) and the backup that ``--resume`` continues from (``backup/``). Each file is written
    whole or not at all, so a run killed at any moment resumes from its last backup with every epoch of its
    history, and one whose backup cannot be read starts again."""
    import keras

    class RunKeeper(keras.callbacks.Callback):
        def __init__(self):
            super().__init__()
            self.history = {k: list(v) for k, v in history.items()}
            self.best = min(self.history.get("val_loss") or [np.inf])

        def on_epoch_end(self, epoch, logs=None):
            logs = {k: float(v) for k, v in (logs or {}).items()}
            done = [e for e in self.history.get("epoch", []) if e <= epoch]  # an epoch run again replaces itself
            self.history = {k: v[:len(done)] for k, v in self.history.items()}
            self.history["epoch"] = done + [epoch + 1]
            for key, value in logs.items():
                self.history.setdefault(key, [])
                self.history[key] = self.history[key][:len(done)] + [value]
            write_json(run_dir / "history.json", self.history)
            if logs.get("val_loss", np.inf) < self.best:
                self.best = logs["val_loss"]
                save_keras(self.model, run_dir / "model.keras")
            backup = run_dir / "backup"
            weights = f"epoch-{epoch + 1:05d}.weights.h5"
            with atomic_path(backup / weights) as tmp:
                self.model.save_weights(tmp)  # the model's weights and the optimiser's state
            write_json(backup / "state.json", {"epoch": epoch + 1, "weights": weights})
            for old in backup.glob("epoch-*.weights.h5"):
                if old.name != weights:
                    old.unlink(missing_ok=True)

    return RunKeeper()


def _restore(run_dir: Path, model) -> int:
    """Load the last backup into ``model``; returns the epochs already done (0 when there is none).

    Raises:
        RunError: The backup is there but cannot be read (the caller starts the run again).
    """
    backup = run_dir / "backup"
    if not backup.exists():
        return 0
    try:
        state = read_json(backup / "state.json", "the run's backup")
        weights = backup / state["weights"]
        epoch = int(state["epoch"])
        if not _WEIGHTS_NAME.match(str(state["weights"])) or not weights.is_file():
            raise KeyError("weights")
        if model.optimizer is not None and not model.optimizer.built:
            model.optimizer.build(model.trainable_variables)
        model.load_weights(weights)
    except (LildataError, KeyError, TypeError, ValueError, OSError) as error:
        raise RunError(f"{backup}: the backup cannot be read ({str(error).splitlines()[0][:80] if str(error) else 'missing'})") from None
    return epoch


def train(data_dir: str | Path, run_dir: str | Path, settings: TrainSettings = TrainSettings(),
          resume: bool = False, verbose: int = 2, callbacks: list | None = None) -> dict[str, Any]:
    """Train a classifier, keep its best epoch, judge it on the test split.

    What it may delete: in a run folder it made (marked by its ``config.json``),
    its own ``backup/`` when the run is over, and temporary files of its own
    killed runs. A folder that holds anything else is refused.

    Args:
        data_dir: A prepared dataset.
        run_dir: Where the run's files go (see the module docstring): a new or
            empty folder, or with ``resume`` a run of this function.
        settings: Training settings. With ``resume`` those saved in the run
            folder are used instead.
        resume: Continue an interrupted run from its last finished epoch.
        verbose: Keras' verbosity (0 silent, 2 one line per epoch).
        callbacks: More Keras callbacks.

    Returns:
        The metrics written to ``metrics.json``.

    Raises:
        RunError: ``run_dir`` holds a run and ``resume`` is false, or holds
            files that are not a run.
        ValueError: Settings that cannot train (see :func:`check_settings`).

    Notebook: notebooks/02_classifier.ipynb
    """
    run_dir = Path(run_dir)
    check_settings(settings)
    data = PreparedDataset(data_dir)
    old = open_run_folder(run_dir)
    if old is not None and not resume:
        state = "a finished run" if finished(run_dir) else "an unfinished run"
        raise RunError(f"{run_dir} already holds {state}: resume it (--resume) or choose a new folder")
    if old is not None and old.get("data_fingerprint") not in (None, data.fingerprint()):
        raise RunError(f"{run_dir}: its run was trained on another dataset ({old.get('data_dir')}); resume it "
                       f"with that dataset, or choose a new folder for {data.path}")
    run_dir.mkdir(parents=True, exist_ok=True)
    with FolderLock(run_dir, f"`lildata train {data_dir}`"):
        clean_stale_temporaries(run_dir)
        clean_stale_temporaries(run_dir / "backup")
        if old is not None:
            settings = TrainSettings(**{**settings_of_run(old), "labels": tuple(old["labels"])})
            check_settings(settings)
            if (run_dir / "metrics.json").exists() and not (run_dir / "backup").exists():
                print(f"{run_dir}: this run had already finished")
                return read_json(run_dir / "metrics.json", "the run's metrics")
        return _train(data, run_dir, settings, old, verbose, callbacks)


def _train(data: PreparedDataset, run_dir: Path, settings: TrainSettings, old: dict | None, verbose: int,
           callbacks: list | None) -> dict[str, Any]:
    from .lessons.classifier import fit_classifier

    labels = list(settings.labels) if settings.labels else data.labels
    missing = [label for label in labels if label not in data.labels]
    if missing:
        raise ValueError(f"labels {missing} are not in {data.path} (it has {', '.join(data.labels)})")
    settings = replace(settings, labels=tuple(labels))
    check_settings(settings)
    splits = split_clips(data, labels, settings.split_by, settings.seed)
    for name, (clips, _) in splits.items():
        if len(clips) == 0:
            raise ValueError(f"the {name} split has no clips for labels {labels}: add songs")

    strategy = get_strategy(settings.strategy)
    model = _fresh_model(settings, data, labels, splits, strategy)
    config = _run_config(data, settings, model, strategy)
    write_json(run_dir / "config.json", config)
    history, done = (_history_of(run_dir), 0) if old is not None else ({}, 0)
    if old is not None:
        try:
            done = _restore(run_dir, model)
        except RunError as error:
            print(f"{error}: a run killed while writing it; it starts again from its first epoch", flush=True)
            shutil.rmtree(run_dir / "backup", ignore_errors=True)  # ours: this run's backup
            model, history = _fresh_model(settings, data, labels, splits, strategy), {}
        if done:
            print(f"resuming {run_dir} after epoch {done} of {settings.epochs} (a resumed run's figures can differ "
                  "a little from an uninterrupted run's: the early-stopping counter and the random draws start anew)",
                  flush=True)
    history = {k: v[:done] for k, v in history.items()}

    from .pipeline import make_tf_dataset

    def stream(split: str, shuffle: bool):
        clips, targets = splits[split]
        return make_tf_dataset(data, batch_size=settings.batch_size, shuffle=shuffle, seed=settings.seed,
                               clips=clips, targets=targets)

    keeper = _run_keeper(run_dir, history)
    model._initial_epoch = done  # where fit starts, as Keras' own BackupAndRestore sets it
    start = time.perf_counter()
    lines = [epoch_lines()] if verbose == 2 else []  # one line per epoch, not Keras' two
    fit_classifier(model, stream("train", True), stream("val", False), epochs=settings.epochs,
                   patience=settings.patience, callbacks=[keeper] + lines + list(callbacks or []),
                   verbose=0 if verbose == 2 else verbose)
    seconds = time.perf_counter() - start
    best_model = load_keras(run_dir / "model.keras") if (run_dir / "model.keras").exists() else model
    metrics = save_run(run_dir, best_model, keeper.history, data, settings, seconds=seconds, config=config,
                       splits=splits)
    shutil.rmtree(run_dir / "backup", ignore_errors=True)  # ours: this run's backup, no longer needed
    return metrics


def _fresh_model(settings: TrainSettings, data: PreparedDataset, labels: list[str], splits, strategy):
    import keras

    keras.utils.set_random_seed(settings.seed)
    with strategy.scope():
        return _build(settings, data, labels, splits["train"][0])


def _run_config(data: PreparedDataset, settings: TrainSettings, model, strategy=None) -> dict[str, Any]:
    return {"kind": RUN_KIND, "data_dir": str(data.path.resolve()), "data_fingerprint": data.fingerprint(),
            "data_settings": data.settings.to_dict(), "labels": list(settings.labels or data.labels),
            "training": {k: v for k, v in asdict(settings).items() if k != "labels"},
            "strategy": type(strategy).__name__ if strategy is not None else "default",
            "replicas": int(strategy.num_replicas_in_sync) if strategy is not None else 1,
            "weights": getattr(model, "weights_source", None), "parameters": int(model.count_params())}


def finished(run_dir: str | Path) -> bool:
    """Whether ``run_dir`` holds a finished classifier run (its model, settings and metrics).

    Notebook: notebooks/02_classifier.ipynb
    """
    run_dir = Path(run_dir)
    config = open_run_folder(run_dir) if run_dir.is_dir() else None
    return config is not None and (run_dir / "metrics.json").exists() and (run_dir / "model.keras").exists() \
        and not (run_dir / "backup").exists()


def save_run(run_dir: str | Path, model, history: dict, data: PreparedDataset, settings: TrainSettings,
             seconds: float | None = None, config: dict | None = None, splits: dict | None = None) -> dict[str, Any]:
    """Write a trained classifier as a run folder, the way ``lildata train`` does, so that later notebooks,
    ``evaluate`` and ``predict`` find it: ``model.keras``, ``config.json``, ``history.json``, ``metrics.json``
    and the two figures.

    Args:
        run_dir: A new or empty folder (or this run's own).
        model: The trained model (its best epoch).
        history: Loss and accuracy per epoch (Keras' ``History.history``, or the run's CSV).
        data: The dataset it was trained on.
        settings: Its training settings.
        seconds: Training time.
        config: The run's ``config.json`` when already written.
        splits: The clips of each split (default: ``settings``' split).

    Returns:
        The metrics written to ``metrics.json``.

    Notebook: notebooks/02_classifier.ipynb
    """
    run_dir = Path(run_dir)
    if config is None:
        if open_run_folder(run_dir) is not None and not (run_dir / "config.json").exists():
            raise RunError(f"{run_dir}: not an empty folder")
        labels = list(settings.labels or data.labels)
        settings = replace(settings, labels=tuple(labels))
        config = _run_config(data, settings, model)
        run_dir.mkdir(parents=True, exist_ok=True)
        write_json(run_dir / "config.json", config)
        save_keras(model, run_dir / "model.keras")
    labels = config["labels"]
    splits = splits or split_clips(data, labels, settings.split_by, settings.seed)
    history = {k: [float(v) for v in values] for k, values in history.items() if k != "epoch"}
    history = {"epoch": list(range(1, len(history.get("loss", [])) + 1)), **history}
    write_json(run_dir / "history.json", history)
    metrics = evaluate(model, data, "test", run_config=config)
    metrics["train_accuracy"] = evaluate(model, data, "train", run_config=config)["test_accuracy"]
    metrics["val_accuracy"] = evaluate(model, data, "val", run_config=config)["test_accuracy"]
    metrics.update({"n_train": len(splits["train"][0]), "n_val": len(splits["val"][0]),
                    "n_test": len(splits["test"][0]), "epochs_run": len(history["epoch"]),
                    "best_epoch": int(np.argmin(history["val_loss"])) + 1 if history.get("val_loss") else None,
                    "model": settings.model, "seconds": None if seconds is None else round(seconds, 1),
                    "replicas": config.get("replicas", 1)})
    write_json(run_dir / "metrics.json", metrics)
    _save_figures(run_dir, history, metrics)
    return metrics


def _save_figures(run_dir: Path, history: dict, metrics: dict) -> None:
    import matplotlib

    if matplotlib.get_backend().lower() not in ("agg", "module://matplotlib_inline.backend_inline"):
        matplotlib.use("Agg")
    from .plots import plot_confusion, plot_history

    fig, _ = plot_confusion(metrics["confusion_matrix"], metrics["labels"])
    save_figure(fig, run_dir / "confusion.png", dpi=90)
    fig, _ = plot_history(history)
    save_figure(fig, run_dir / "curves.png", dpi=90)


def load_run(run: str | Path):
    """The model and ``config.json`` of a run folder (or of a ``model.keras`` inside one).

    Raises:
        RunError: No such run folder, or its ``config.json`` is missing or damaged.
        ModelError: ``model.keras`` is missing, is not a Keras model, holds code
            (refused by safe mode), or does not take the run's spectrogram shape.

    Notebook: notebooks/02_classifier.ipynb
    """
    from .config import settings_from_dict

    path = Path(run)
    run_dir = path.parent if path.suffix == ".keras" else path
    model_path = path if path.suffix == ".keras" else path / "model.keras"
    if not run_dir.is_dir():
        raise RunError(f"{run_dir}: no such run folder")
    try:
        config = read_json(run_dir / "config.json", "the run's settings")
        shape = settings_from_dict(config["data_settings"]).shape
        config["labels"]
    except LildataError as error:
        raise RunError(str(error)) from None
    except (KeyError, TypeError, ValueError, ZeroDivisionError):
        raise RunError(f"{run_dir / 'config.json'}: not the settings of a classifier run") from None
    if not model_path.exists():
        raise ModelError(f"{model_path}: missing; train one with `lildata train`")
    model = load_keras(model_path)
    expected = (None, *shape, 1)
    if tuple(model.input_shape) != expected:
        raise ModelError(f"{model_path}: takes input of shape {tuple(model.input_shape)[1:]}, but the run's "
                         f"spectrograms are {shape}; the model and config.json do not belong together")
    if model.output_shape[-1] != len(config["labels"]):
        raise ModelError(f"{model_path}: has {model.output_shape[-1]} outputs for {len(config['labels'])} labels")
    config["run_dir"] = str(run_dir)
    return model, config


def predict_stored(model, stored: np.ndarray, batch_size: int = 32) -> np.ndarray:
    """Genre probabilities of stored spectrograms ``(clips, bins, frames)``.

    Notebook: notebooks/02_classifier.ipynb
    """
    stored = np.asarray(stored, np.float32)
    if stored.ndim == 2:
        stored = stored[None]
    # batch by batch: model.predict would build a new function for every call (and warn about retracing)
    return np.concatenate([np.asarray(model(stored[i:i + batch_size, ..., None], training=False))
                           for i in range(0, len(stored), batch_size)])


def judge_clips(judge, stored: np.ndarray, genre: str | None = None) -> dict[str, Any]:
    """What a judge (a classifier no transfer or generator optimised against) says of some clips.

    Args:
        judge: ``(model, run_config)`` from :func:`load_run`.
        stored: Stored spectrograms ``(clips, bins, frames)``.
        genre: The genre to report the probability of (default: the judge's guess for the first clip).

    Returns:
        ``{"genre", "probability": [P(genre) per clip], "predicted": [label per clip]}``.

    Raises:
        ValueError: The judge does not know ``genre``.

    Notebook: notebooks/04_genre_transfer.ipynb
    """
    model, config = judge
    labels = config["labels"]
    probs = predict_stored(model, stored)
    genre = genre or labels[int(probs[0].argmax())]
    if genre not in labels:
        raise ValueError(f"the judge does not know the genre {genre!r} (it knows {', '.join(labels)})")
    index = labels.index(genre)
    return {"genre": genre, "probability": [float(p[index]) for p in probs],
            "predicted": [labels[int(p.argmax())] for p in probs]}


def clip_predictions(model, data: PreparedDataset, split: str,
                     run_config: dict) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Clip numbers, true label indices and predicted probabilities of one split of a run.

    Notebook: notebooks/02_classifier.ipynb
    """
    from .pipeline import make_tf_dataset

    training = run_config["training"]
    clips, targets = split_clips(data, run_config["labels"], training["split_by"], training["seed"])[split]
    if not len(clips):
        return clips, targets, np.zeros((0, len(run_config["labels"])), np.float32)
    stream = make_tf_dataset(data, batch_size=64, shuffle=False, clips=clips, targets=targets)
    # batch by batch: model.predict would build a new function for every call (and warn about retracing)
    return clips, targets, np.concatenate([np.asarray(model(x, training=False)) for x, _ in stream])


def evaluate(model, data: PreparedDataset | str | Path, split: str = "test",
             run_config: dict | None = None) -> dict[str, Any]:
    """Judge a model on one split: accuracy per clip and per song, per label, confusion.

    A song's prediction is the genre with the highest mean probability over
    its clips in the split.

    Args:
        model: A Keras model, a run folder or a ``model.keras`` path.
        data: The prepared dataset (or its folder).
        split: ``train``, ``val`` or ``test``.
        run_config: The run's ``config.json`` (read from the run folder when
            ``model`` is a path).

    Returns:
        A dict with ``labels``, ``split``, ``split_by``, ``test_accuracy``,
        ``test_song_accuracy``, ``per_label_accuracy``, ``confusion_matrix``
        (rows true, columns predicted), ``n_clips``, ``n_songs`` and, for the
        chunk split, a ``leaky`` warning.

    Notebook: notebooks/02_classifier.ipynb
    """
    if not hasattr(model, "predict"):
        model, run_config = load_run(model)
    if not isinstance(data, PreparedDataset):
        data = PreparedDataset(data)
    if run_config is None:
        raise ValueError("pass run_config (the run's config.json) with a model object")
    labels = run_config["labels"]
    training = run_config["training"]
    from .config import settings_from_dict

    if settings_from_dict(run_config["data_settings"]).shape != data.settings.shape:
        raise ValueError(f"the model was trained on spectrograms of another shape than {data.settings.shape}")
    clips, targets, probs = clip_predictions(model, data, split, run_config)
    predicted = probs.argmax(1)
    k = len(labels)
    confusion = np.zeros((k, k), int)
    np.add.at(confusion, (targets, predicted), 1)
    from .lessons.classifier import song_accuracy

    songs = [data.clips[int(clip)].song for clip in clips]
    metrics = {
        "labels": labels, "split": split, "split_by": training["split_by"],
        "test_accuracy": float((predicted == targets).mean()) if len(clips) else None,
        "test_song_accuracy": song_accuracy(probs, targets, songs) if len(clips) else None,
        "per_label_accuracy": {label: float(confusion[i, i] / confusion[i].sum()) if confusion[i].sum() else None
                               for i, label in enumerate(labels)},
        "confusion_matrix": confusion.tolist(), "n_clips": int(len(clips)), "n_songs": len(set(songs)),
    }
    if training["split_by"] == "chunk":
        metrics["leaky"] = ("split by chunk: clips of the same songs are in train and test, so these "
                            "accuracies overstate how well the model does on new songs")
    return metrics


def most_confused(confusion, labels: list[str], k: int = 3) -> list[tuple[str, str, int]]:
    """The ``k`` largest off-diagonal cells: ``(true genre, predicted genre, clips)``.

    Notebook: notebooks/02_classifier.ipynb
    """
    confusion = np.array(confusion)
    np.fill_diagonal(confusion, 0)
    order = np.argsort(confusion, axis=None)[::-1][:k]
    pairs = [(labels[i], labels[j], int(confusion[i, j])) for i, j in zip(*np.unravel_index(order, confusion.shape))]
    return [p for p in pairs if p[2] > 0]


def predict_file(run: str | Path, audio_path: str | Path) -> dict[str, Any]:
    """Genre probabilities for every clip of an audio file, and the whole song's genre.

    The file is cut and turned into spectrograms with the settings the model
    was trained on.

    Returns:
        ``{"file", "labels", "clips": [{"start_s", "probabilities", "genre"}],
        "song_genre", "song_probabilities"}``.

    Raises:
        AudioError: The file cannot be read or holds no clip that is not silent.

    Notebook: notebooks/02_classifier.ipynb
    """
    from .audio import AudioError, audio_info, iter_clips
    from .config import settings_from_dict
    from .spectrogram import audio_to_stored

    model, config = load_run(run)
    settings = settings_from_dict(config["data_settings"])
    starts, batch, probs = [], [], []
    try:
        for start, clip in iter_clips(audio_path, settings.sample_rate, settings.clip_samples, settings.silence_db):
            starts.append(start / settings.sample_rate)
            batch.append(audio_to_stored(clip, settings))
            if len(batch) == 32:  # a batch at a time: memory stays bounded, however long the file
                probs.append(predict_stored(model, np.stack(batch)))
                batch = []
        if batch:
            probs.append(predict_stored(model, np.stack(batch)))
        if not starts:
            seconds = audio_info(audio_path).seconds
            if seconds < settings.clip_seconds:
                raise AudioError(f"too short: {seconds:.2f} s is less than one clip of {settings.clip_seconds:g} s")
            raise AudioError(f"silent: every {settings.clip_seconds:g}-second clip is below "
                             f"{settings.silence_db:g} dBFS")
    except AudioError as error:
        raise AudioError(f"{audio_path}: {error}") from None
    probs = np.concatenate(probs)
    labels = config["labels"]
    song = probs.mean(0)
    return {"file": str(audio_path), "labels": labels,
            "clips": [{"start_s": s, "probabilities": p.round(4).tolist(), "genre": labels[int(p.argmax())]}
                      for s, p in zip(starts, probs)],
            "song_genre": labels[int(song.argmax())], "song_probabilities": song.round(4).tolist()}
