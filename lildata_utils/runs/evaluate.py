"""A classifier run read back and judged: its predictions on a split, their accuracy and confusion, the genres of
a whole audio file.

Notebook: notebooks/02_classifier.ipynb
"""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

import numpy as np

from ..audio import AudioError, audio_info, audio_to_stored, iter_clips
from ..data import PreparedDataset, split_clips
from ..data.stream import make_tf_dataset
from ..errors import LildataError, ModelError, RunError
from ..files import read_json
from ..lessons.classifier import song_accuracy
from ..measures.judged import judge_clips, predict_stored
from ..models.saving import load_keras
from ..settings import settings_from_dict
from . import KINDS

__all__ = ["clip_predictions", "evaluate", "judge_clips", "load_run", "most_confused", "predict_file",
           "predict_stored"]

LEAKY = ("split by chunk: clips of the same songs are in train and test, so these accuracies overstate how well "
         "the model does on new songs")


def _run_config(run_dir: Path) -> tuple[dict[str, Any], tuple[int, int]]:
    """A classifier run's ``config.json`` and its spectrograms' shape, or one clear :class:`RunError`."""
    try:
        config = read_json(run_dir / "config.json", "the run's settings")
        kind = config.get("kind", KINDS["classifier"])
        shape = settings_from_dict(config["data_settings"]).shape
        labels = [str(label) for label in config["labels"]]
    except LildataError as error:
        raise RunError(str(error)) from None
    except (AttributeError, KeyError, TypeError, ValueError, ZeroDivisionError):
        raise RunError(f"{run_dir / 'config.json'}: not the settings of a classifier run") from None
    if kind != KINDS["classifier"]:
        raise RunError(f"{run_dir}: holds lildata's {kind}, not a classifier run")
    if not isinstance(config.get("training"), dict) or len(labels) < 2:
        raise RunError(f"{run_dir / 'config.json'}: not the settings of a classifier run")
    return config, shape


def load_run(run: str | Path):
    """The model and ``config.json`` (with ``run_dir`` added) of a run folder, or of a ``model.keras`` in one.

    Raises:
        RunError: No such run folder, or its ``config.json`` is missing, damaged or another kind of run's.
        ModelError: ``model.keras`` is missing, not a safe Keras model, or does not take the run's spectrograms.

    Notebook: notebooks/02_classifier.ipynb
    """
    path = Path(run)
    run_dir, model_path = (path.parent, path) if path.suffix == ".keras" else (path, path / "model.keras")
    if not run_dir.is_dir():
        raise RunError(f"{run_dir}: no such run folder")
    config, shape = _run_config(run_dir)
    if not model_path.exists():
        raise ModelError(f"{model_path}: missing; train one with `lildata train`")
    model = load_keras(model_path)
    taken = tuple(model.input_shape)
    if len(taken) != 4 or taken[1] != shape[0] or taken[2] not in (None, shape[1]) or taken[3] != 1:
        raise ModelError(f"{model_path}: takes input of shape {taken[1:]}, but the run's spectrograms are {shape}; "
                         "the model and config.json do not belong together")
    if model.output_shape[-1] != len(config["labels"]):
        raise ModelError(f"{model_path}: has {model.output_shape[-1]} outputs for {len(config['labels'])} labels")
    config["run_dir"] = str(run_dir)
    return model, config


def clip_predictions(model, data: PreparedDataset, split: str,
                     run_config: dict) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Clip numbers, true label indices and predicted probabilities of one split of a run (its own split).

    Notebook: notebooks/02_classifier.ipynb
    """
    training = run_config["training"]
    clips, targets = split_clips(data, run_config["labels"], training.get("split_by", "song"),
                                 training.get("seed", 0), training.get("split_seed"))[split]
    if not len(clips):
        return clips, targets, np.zeros((0, len(run_config["labels"])), np.float32)
    stream = make_tf_dataset(data, batch_size=64, shuffle=False, clips=clips, targets=targets)
    # batch by batch: model.predict would build a new function for every call (and warn about retracing)
    return clips, targets, np.concatenate([np.asarray(model(x, training=False), np.float32) for x, _ in stream])


def evaluate(model, data: PreparedDataset | str | Path, split: str = "test",
             run_config: dict | None = None) -> dict[str, Any]:
    """Judge a model (or a run folder, a ``model.keras``) on one split of its run (``run_config``: its
    ``config.json``, read from the run when not given); a :class:`RunError` for spectrograms of another shape.

    Returns:
        ``labels``, ``split``, ``split_by``, ``test_accuracy``, ``test_song_accuracy`` (a song's genre: its highest
        mean probability), ``per_label_accuracy``, ``confusion_matrix`` (rows true), ``n_clips``, ``n_songs`` and,
        split by chunk, a ``leaky`` warning.

    Notebook: notebooks/02_classifier.ipynb
    """
    if isinstance(model, (str, Path)):
        model, run_config = load_run(model)
    data = data if isinstance(data, PreparedDataset) else PreparedDataset(data)
    if run_config is None:
        raise ValueError("pass run_config (the run's config.json) with a model object")
    labels, split_by = run_config["labels"], run_config["training"].get("split_by", "song")
    if settings_from_dict(run_config["data_settings"]).shape != data.settings.shape:
        raise RunError(f"{data.path}: its spectrograms are {data.settings.shape}, not of the shape the model was "
                       "trained on")
    clips, targets, probs = clip_predictions(model, data, split, run_config)
    predicted, k = probs.argmax(1), len(labels)
    confusion = np.zeros((k, k), int)
    np.add.at(confusion, (targets, predicted), 1)
    songs = [data.clips[int(clip)].song for clip in clips]
    metrics = {
        "labels": labels, "split": split, "split_by": split_by,
        "test_accuracy": float((predicted == targets).mean()) if len(clips) else None,
        "test_song_accuracy": song_accuracy(probs, targets, songs) if len(clips) else None,
        "per_label_accuracy": {label: float(confusion[i, i] / confusion[i].sum()) if confusion[i].sum() else None
                               for i, label in enumerate(labels)},
        "confusion_matrix": confusion.tolist(), "n_clips": int(len(clips)), "n_songs": len(set(songs))}
    if split_by == "chunk":
        metrics["leaky"] = LEAKY
    return metrics


def most_confused(confusion, labels: list[str], k: int = 3) -> list[tuple[str, str, int]]:
    """The ``k`` largest off-diagonal cells of a confusion matrix: ``(true genre, predicted genre, clips)``.

    Notebook: notebooks/02_classifier.ipynb
    """
    confusion = np.array(confusion)
    np.fill_diagonal(confusion, 0)
    order = np.argsort(confusion, axis=None)[::-1][:k]
    pairs = [(labels[i], labels[j], int(confusion[i, j])) for i, j in zip(*np.unravel_index(order, confusion.shape))]
    return [p for p in pairs if p[2] > 0]


def _file_probabilities(model, audio_path: str | Path, settings) -> tuple[list[float], np.ndarray]:
    """Clip starts (seconds) and probabilities of a file's clips that are not silent, 32 at a time."""
    starts, probs = [], []
    clips = iter_clips(audio_path, settings.sample_rate, settings.clip_samples, settings.silence_db)
    while batch := list(itertools.islice(clips, 32)):  # memory stays bounded, however long the file
        starts += [start / settings.sample_rate for start, _ in batch]
        probs.append(predict_stored(model, np.stack([audio_to_stored(clip, settings) for _, clip in batch])))
    if not starts:
        seconds = audio_info(audio_path).seconds
        if seconds < settings.clip_seconds:
            raise AudioError(f"too short: {seconds:.2f} s is less than one clip of {settings.clip_seconds:g} s")
        raise AudioError(f"silent: every {settings.clip_seconds:g}-second clip is below {settings.silence_db:g} dBFS")
    return starts, np.concatenate(probs)


def predict_file(run: str | Path, audio_path: str | Path) -> dict[str, Any]:
    """Genre probabilities for every clip of an audio file (with the run's settings) and the whole song's genre;
    an :class:`AudioError` where it cannot be read or every clip is silent.

    Returns:
        ``{"file", "labels", "clips": [{"start_s", "probabilities", "genre"}], "song_genre", "song_probabilities"}``.

    Notebook: notebooks/06_listening.ipynb
    """
    model, config = load_run(run)
    try:
        starts, probs = _file_probabilities(model, audio_path, settings_from_dict(config["data_settings"]))
    except AudioError as error:
        raise AudioError(f"{audio_path}: {error}") from None
    labels, song = config["labels"], probs.mean(0)
    return {"file": str(audio_path), "labels": labels,
            "clips": [{"start_s": s, "probabilities": p.round(4).tolist(), "genre": labels[int(p.argmax())]}
                      for s, p in zip(starts, probs)],
            "song_genre": labels[int(song.argmax())], "song_probabilities": song.round(4).tolist()}
