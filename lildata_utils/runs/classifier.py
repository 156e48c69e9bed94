"""Training the genre classifiers the way ``lildata train`` does, into a run folder: ``model.keras`` (the best
epoch's), ``config.json`` (finished last), ``history.json``, ``metrics.json``, ``confusion.png``, ``curves.png``
and, while a network trains, ``backup/``. :mod:`.evaluate`'s names are here too, as the notebooks use them.

Notebook: notebooks/02_classifier.ipynb
"""

from __future__ import annotations

import dataclasses
import time
from pathlib import Path
from typing import Any, Callable

import keras
import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import tensorflow as tf

from ..course.plots import plot_confusion, plot_history, save_figure
from ..course.runtime import tpu_name
from ..data import PreparedDataset, split_clips
from ..data.stream import make_tf_dataset
from ..errors import RunError
from ..files import clean_stale_temporaries, read_json, write_json
from ..lessons import classifier as lesson02
from ..models.baselines import BASELINE_FEATURES, features
from ..models.classifiers import build_classifier, fit_baseline_model, mel_bands, uses_mixup
from ..models.saving import load_keras, save_keras
from ..registry import STRATEGIES
from ..settings import TrainSettings
from . import KINDS, RunFolder
from .backup import BACKUP, RunKeeper, epoch_lines, history, remove_backup, restore
from .evaluate import clip_predictions, evaluate, load_run, predict_file

__all__ = ["BASELINES", "baseline_score", "build_classifier", "clip_predictions", "ensure_run", "epoch_lines",
           "evaluate", "finished", "get_strategy", "history", "load_run", "mel_bands", "predict_file", "read_metrics",
           "save_run", "settings_of_run", "split_clips", "train"]

BASELINES = tuple(BASELINE_FEATURES)  # fitted (scikit-learn's logistic regression), not trained epoch by epoch


def get_strategy(name: str = "auto"):
    """A ``tf.distribute`` strategy by name (:data:`~lildata_utils.registry.STRATEGIES`); ``auto``: a TPU's on a TPU
    runtime, ``MirroredStrategy`` with several GPUs, else the default; ``multiworker`` reads ``TF_CONFIG``.

    Notebook: notebooks/02_classifier.ipynb
    """
    if name not in STRATEGIES:
        raise ValueError(f"unknown strategy {name!r}: choose one of {', '.join(STRATEGIES)}")
    if name == "auto":
        name = "tpu" if tpu_name() else "mirrored" if len(tf.config.list_logical_devices("GPU")) > 1 else "default"
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


def settings_of_run(config: dict[str, Any]) -> TrainSettings:
    """The training settings and labels in a run's ``config.json`` (older versions' keys left out, missing ones at
    their defaults); a :class:`RunError` for settings this version cannot read or a Lil Data from before the recipe.

    Notebook: notebooks/02_classifier.ipynb
    """
    training = config.get("training") if isinstance(config, dict) else None
    if not isinstance(training, dict) or not isinstance(config.get("labels"), list):
        raise RunError("its config.json holds no training settings")
    recipe = training.get("model") == "lildata" and not training.get("paper_setup")
    if recipe and not {"crop", "mixup"} & set(training):
        raise RunError("its Lil Data was trained before the recipe (another network)")
    known = {f.name for f in dataclasses.fields(TrainSettings)} - {"labels"}
    if recipe:  # a recipe from before the setting was trained at Keras' default
        training = {"bn_momentum": 0.99, **training}
    try:
        return TrainSettings(**{k: v for k, v in training.items() if k in known},
                             labels=tuple(str(label) for label in config["labels"]))
    except (TypeError, ValueError) as error:
        raise RunError(f"its training settings cannot be read by this version ({error})") from None


def finished(run_dir: str | Path) -> bool:
    """Whether ``run_dir`` holds a finished classifier run (its config says so, its files are there, no backup).

    Notebook: notebooks/02_classifier.ipynb
    """
    return RunFolder(run_dir, "classifier").finished("model.keras") and not (Path(run_dir) / BACKUP).exists()


def read_metrics(run_dir: str | Path) -> dict[str, Any]:
    """A run's ``metrics.json``, or one clear :class:`LildataError`.

    Notebook: notebooks/02_classifier.ipynb
    """
    return read_json(Path(run_dir) / "metrics.json", "the run's metrics")


def baseline_score(data: PreparedDataset, labels: list[str], feature: Callable, fit: Callable,
                   split_by: str = "song", seed: int = 0, split_seed: int | None = None) -> float:
    """The test accuracy per clip of ``fit`` on the training clips' ``feature``, its strength chosen on validation.

    Notebook: notebooks/02_classifier.ipynb
    """
    (train_, y_train), (val, y_val), (test, y_test) = split_clips(data, labels, split_by, seed, split_seed).values()
    fitted = fit(features(data, train_, feature), y_train, features(data, val, feature), y_val)
    return float(fitted.score(features(data, test, feature), y_test))


def _run_config(data: PreparedDataset, settings: TrainSettings, model, strategy=None) -> dict[str, Any]:
    return {"kind": KINDS["classifier"], "data_dir": str(data.path.resolve()), "data_fingerprint": data.fingerprint(),
            "data_settings": data.settings.to_dict(), "labels": list(settings.labels or data.labels),
            "training": {k: v for k, v in dataclasses.asdict(settings).items() if k != "labels"},
            "strategy": type(strategy).__name__ if strategy is not None else "default",
            "replicas": int(strategy.num_replicas_in_sync) if strategy is not None else 1,
            "weights": getattr(model, "weights_source", None), "parameters": int(model.count_params()),
            "finished": False}


def _claim(run_dir: Path, create: bool = True) -> Path:
    """A run folder claimed (an older version's run, without the mark, is ours too)."""
    return RunFolder(run_dir, "classifier", ours=lambda folder: (folder / "config.json").is_file()).claim(create)


def save_run(run_dir: str | Path, model, history_: dict, data: PreparedDataset, settings: TrainSettings,
             seconds: float | None = None, config: dict | None = None, splits: dict | None = None) -> dict[str, Any]:
    """Write a trained classifier as a run folder, the way ``lildata train`` does; returns the metrics written.

    Args:
        run_dir: A new or empty folder (or a classifier run's, which this run replaces).
        history_: Keras' ``History.history``.
        config: The run's ``config.json`` when already written (its model too).
        splits: The clips of each split (default: ``settings``' split).

    Notebook: notebooks/02_classifier.ipynb
    """
    run_dir = Path(run_dir)
    settings = dataclasses.replace(settings, labels=tuple(settings.labels or data.labels))
    if config is not None:
        return _judged(run_dir, model, history_, data, settings, seconds, config, splits)
    folder = RunFolder(run_dir, "classifier")
    folder.config()  # refuses a folder that holds anything but a classifier run
    _claim(run_dir)
    with folder.lock("saving a classifier run"):
        remove_backup(run_dir)  # an earlier, unfinished run's of this folder: this run replaces it
        config = _run_config(data, settings, model)
        write_json(run_dir / "config.json", config)
        save_keras(model, run_dir / "model.keras")
        return _judged(run_dir, model, history_, data, settings, seconds, config, splits)


def _judged(run_dir: Path, model, history_: dict, data: PreparedDataset, settings: TrainSettings,
            seconds: float | None, config: dict, splits: dict | None) -> dict[str, Any]:
    """Write a run's history, metrics and figures, then mark its ``config.json`` finished; returns the metrics."""
    splits = splits or split_clips(data, config["labels"], settings.split_by, settings.seed, settings.split_seed)
    kept = {k: [float(v) for v in values] for k, values in history_.items() if k != "epoch"}
    kept = {"epoch": list(range(1, len(kept.get("loss", [])) + 1)), **kept}
    write_json(run_dir / "history.json", kept)
    metrics = evaluate(model, data, "test", run_config=config)
    metrics["train_accuracy"] = evaluate(model, data, "train", run_config=config)["test_accuracy"]
    metrics["val_accuracy"] = evaluate(model, data, "val", run_config=config)["test_accuracy"]
    metrics.update({"n_train": len(splits["train"][0]), "n_val": len(splits["val"][0]),
                    "n_test": len(splits["test"][0]), "epochs_run": len(kept["epoch"]),
                    "best_epoch": int(np.argmin(kept["val_loss"])) + 1 if kept.get("val_loss") else None,
                    "model": settings.model, "paper_setup": settings.paper_setup,
                    "seconds": None if seconds is None else round(seconds, 1), "replicas": config.get("replicas", 1),
                    "parameters": int(model.count_params())})
    write_json(run_dir / "metrics.json", metrics)
    if matplotlib.get_backend().lower() not in ("agg", "module://matplotlib_inline.backend_inline"):
        plt.switch_backend("Agg")  # no window opens for a figure only saved
    save_figure(plot_confusion(metrics["confusion_matrix"], metrics["labels"])[0], run_dir / "confusion.png", dpi=90)
    save_figure(plot_history(kept)[0], run_dir / "curves.png", dpi=90)
    write_json(run_dir / "config.json", {**config, "finished": True})
    return metrics


def _checked(data: PreparedDataset, settings: TrainSettings) -> tuple[TrainSettings, dict]:
    """The settings with their labels, and the splits; a :class:`ValueError` for ones that cannot train."""
    labels = list(settings.labels or data.labels)
    missing = [label for label in labels if label not in data.labels]
    if missing:
        raise ValueError(f"labels {missing} are not in {data.path} (it has {', '.join(data.labels)})")
    splits = split_clips(data, labels, settings.split_by, settings.seed, settings.split_seed)
    for name, (clips, _) in splits.items():
        if len(clips) == 0:
            raise ValueError(f"the {name} split has no clips for labels {labels}: add songs")
    return dataclasses.replace(settings, labels=tuple(labels)), splits


def _old_run(folder: RunFolder, data: PreparedDataset, resume: bool) -> dict | None:
    """The run already in the folder (``None``: none), refused unless resumed and trained on this dataset."""
    _claim(folder.path, create=False)
    old = folder.config()
    if old is not None and not resume:
        state = "a finished run" if finished(folder.path) else "an unfinished run"
        raise RunError(f"{folder.path} already holds {state}: resume it (--resume) or choose a new folder")
    if old is not None and old.get("data_fingerprint") not in (None, data.fingerprint()):
        raise RunError(f"{folder.path}: its run was trained on another dataset ({old.get('data_dir')}); resume it "
                       f"with that dataset, or choose a new folder for {data.path}")
    return old


def train(data_dir: PreparedDataset | str | Path, run_dir: str | Path, settings: TrainSettings = TrainSettings(),
          resume: bool = False, verbose: int = 2, callbacks: list | None = None) -> dict[str, Any]:
    """Train a classifier (a baseline is fitted), keep its best epoch, judge it on each split; returns the metrics.

    It deletes only its own ``backup/`` once the run is over and temporary files of its own killed runs.

    Args:
        run_dir: A new or empty folder, or with ``resume`` (continue from the last finished epoch, with the
            settings saved there) a run of this function.
        verbose: 0 silent, 2 one line per epoch (1: Keras' progress bar).

    Raises:
        RunError: ``run_dir`` holds a run and ``resume`` is false, a run of another dataset, or other files.
        ValueError: Labels the dataset lacks, or a split without clips.

    Notebook: notebooks/02_classifier.ipynb
    """
    run_dir, folder = Path(run_dir), RunFolder(run_dir, "classifier")
    data = data_dir if isinstance(data_dir, PreparedDataset) else PreparedDataset(data_dir)
    old = _old_run(folder, data, resume)
    settings, splits = _checked(data, settings if old is None else settings_of_run(old))
    _claim(run_dir)
    with folder.lock(f"`lildata train {data.path}`"):
        clean_stale_temporaries(run_dir)
        clean_stale_temporaries(run_dir / BACKUP)
        if old is not None and finished(run_dir):
            print(f"{run_dir}: this run had already finished")
            return read_metrics(run_dir)
        if settings.model in BASELINES:
            start = time.perf_counter()
            model = fit_baseline_model(settings, data, splits, list(settings.labels))
            config = _run_config(data, settings, model)
            write_json(run_dir / "config.json", config)
            save_keras(model, run_dir / "model.keras")
            return _judged(run_dir, model, {}, data, settings, time.perf_counter() - start, config, splits)
        return _train_network(data, run_dir, settings, splits, old is not None, verbose, callbacks)


def _fresh_model(settings: TrainSettings, data: PreparedDataset, splits: dict, strategy):
    keras.utils.set_random_seed(settings.seed)
    with strategy.scope():
        return build_classifier(settings, data, list(settings.labels), splits["train"][0])


def _streams(data: PreparedDataset, settings: TrainSettings, splits: dict):
    """The training and validation streams; the recipe's training batches mixed up, its labels one-hot."""
    train_, val = (make_tf_dataset(data, batch_size=settings.batch_size, shuffle=split == "train",
                                   seed=settings.seed, clips=splits[split][0], targets=splits[split][1])
                   for split in ("train", "val"))
    if not uses_mixup(settings):
        return train_, val
    n = len(settings.labels)
    return lesson02.mixup(train_, n, settings.mixup), val.map(lambda x, y: (x, tf.one_hot(y, n)))


def _resumed(run_dir: Path, settings: TrainSettings, data: PreparedDataset, splits: dict, strategy, model):
    """The model and history to continue from: the last backup's, or a fresh start when it cannot be read."""
    try:
        done = restore(run_dir, model)
    except RunError as error:
        print(f"{error}: a run killed while writing it; it starts again from its first epoch", flush=True)
        remove_backup(run_dir)  # ours: this run's backup
        return _fresh_model(settings, data, splits, strategy), {}, 0
    if done:
        print(f"resuming {run_dir} after epoch {done} of {settings.epochs} (a resumed run's figures can differ a "
              "little from an uninterrupted run's: the early-stopping counter and the random draws start anew)",
              flush=True)
    return model, {k: v[:done] for k, v in history(run_dir).items()}, done


def _train_network(data: PreparedDataset, run_dir: Path, settings: TrainSettings, splits: dict, resume: bool,
                   verbose: int, callbacks: list | None) -> dict[str, Any]:
    strategy = get_strategy(settings.strategy)
    model = _fresh_model(settings, data, splits, strategy)
    config = _run_config(data, settings, model, strategy)
    write_json(run_dir / "config.json", config)
    model, done_history, done = _resumed(run_dir, settings, data, splits, strategy, model) if resume else \
        (model, {}, 0)
    keeper = RunKeeper(run_dir, done_history)
    model._initial_epoch = done  # where fit starts, as Keras' own BackupAndRestore sets it
    lines = [epoch_lines()] if verbose == 2 else []  # one line per epoch, not Keras' two
    start = time.perf_counter()
    lesson02.fit_classifier(model, *_streams(data, settings, splits), epochs=settings.epochs,
                            patience=settings.patience, callbacks=[keeper, *lines, *(callbacks or [])],
                            verbose=0 if verbose == 2 else verbose)
    seconds = time.perf_counter() - start
    best = load_keras(run_dir / "model.keras") if (run_dir / "model.keras").exists() else model
    metrics = _judged(run_dir, best, keeper.history, data, settings, seconds, config, splits)
    remove_backup(run_dir)  # ours: this run's backup, no longer needed
    return metrics


def _same_run(old: dict, settings: TrainSettings, data: PreparedDataset) -> bool:
    """Whether a run's ``config.json`` is of these settings (its labels: all the dataset's when ``None``) and data."""
    try:
        before = settings_of_run(old)
    except RunError:
        return False
    same_data = old.get("data_fingerprint") == data.fingerprint() if old.get("data_fingerprint") else \
        old.get("data_dir") == str(data.path.resolve())
    return same_data and dataclasses.replace(before, labels=None) == dataclasses.replace(settings, labels=None) and \
        list(settings.labels or data.labels) == list(before.labels)


def ensure_run(data: PreparedDataset | str | Path, run_dir: str | Path, settings: TrainSettings,
               verbose: int = 2) -> dict[str, Any]:
    """The metrics of the run in ``run_dir``, trained first unless it holds this finished run: an interrupted one is
    resumed, one of other settings or data moved aside as ``RUN_DIR.old-...`` (never deleted).

    Notebook: notebooks/02_classifier.ipynb
    """
    run_dir = Path(run_dir)
    data = data if isinstance(data, PreparedDataset) else PreparedDataset(data)
    old = RunFolder(run_dir, "classifier").config()
    if old is not None and _same_run(old, settings, data):
        if finished(run_dir):
            print(f"reusing the finished run in {run_dir}")
            return read_metrics(run_dir)
        return train(data, run_dir, settings, resume=True, verbose=verbose)
    if old is not None:
        kept = RunFolder(run_dir, "classifier").set_aside()
        print(f"{run_dir}: holds a run of other settings or data; kept as {kept.name}, trained anew", flush=True)
    return train(data, run_dir, settings, verbose=verbose)
