"""The per-epoch keeping of a classifier run that ``lildata train --resume`` continues from: each epoch,
``history.json``, the best ``model.keras``, ``backup/epoch-NNNNN.weights.h5`` and last ``backup/state.json``,
each written whole or not at all.

Notebook: notebooks/02_classifier.ipynb
"""

from __future__ import annotations

import csv
import re
import shutil
from pathlib import Path

import keras
import numpy as np

from ..errors import LildataError, RunError
from ..files import atomic_path, read_json, write_json
from ..models.saving import save_keras

__all__ = ["BACKUP", "KeepBest", "RunKeeper", "epoch_lines", "history", "remove_backup", "restore"]

BACKUP = "backup"  # the folder of a run's backup, inside the run while it trains
_WEIGHTS_NAME = re.compile(r"^epoch-\d{5}\.weights\.h5$")


def _history_csv(path: Path) -> dict[str, list[float]]:
    """An older version's ``history.csv``, each epoch once (a line cut short by a kill left out)."""
    rows: dict[int, dict[str, float]] = {}
    with open(path, newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            try:
                rows[int(row["epoch"])] = {k: float(v) for k, v in row.items() if k != "epoch"}
            except (KeyError, TypeError, ValueError):
                continue
    ordered = [rows[e] for e in sorted(rows)]
    keys = list(ordered[0]) if ordered else []
    return {"epoch": [e + 1 for e in sorted(rows)], **{k: [r[k] for r in ordered] for k in keys}}


def epoch_lines(every: int = 1):
    """A Keras callback that prints an epoch's losses and accuracies in one line, every ``every``-th epoch and the
    last (use it with ``verbose=0``).

    Notebook: notebooks/02_classifier.ipynb
    """
    def line(epoch, logs):
        total = (getattr(callback, "params", None) or {}).get("epochs")
        if (epoch + 1) % every == 0 or epoch + 1 == total:
            shown = ", ".join(f"{k} {v:.3f}" for k, v in (logs or {}).items() if "loss" in k or "accuracy" in k)
            print(f"epoch {epoch + 1}/{total or '?'}: {shown}", flush=True)

    callback = keras.callbacks.LambdaCallback(on_epoch_end=line)
    return callback


class KeepBest(keras.callbacks.Callback):
    """After each epoch of ``epochs``, ``score()`` (lower is better) into ``scores``; at the end of training the
    model holds the weights of the best, its epoch ``chosen``.

    Notebook: notebooks/05c_song_generator.ipynb
    """

    def __init__(self, score, epochs):
        super().__init__()
        self.score, self.epochs, self.scores, self.chosen, self._best = score, set(epochs), {}, None, None

    def on_epoch_end(self, epoch, logs=None):
        if epoch + 1 in self.epochs:
            self.scores[epoch + 1] = value = float(self.score())
            if self.chosen is None or value < self.scores[self.chosen]:
                self.chosen, self._best = epoch + 1, self.model.get_weights()

    def on_train_end(self, logs=None):
        if self._best is not None:
            self.model.set_weights(self._best)


def history(run_dir: str | Path) -> dict[str, list[float]]:
    """A run's loss and accuracy per epoch so far (``history.json``, or an older ``history.csv``), else ``{}``.

    Notebook: notebooks/02_classifier.ipynb
    """
    run_dir = Path(run_dir)
    try:
        saved = read_json(run_dir / "history.json", "the run's history")
        if isinstance(saved, dict) and all(isinstance(v, list) for v in saved.values()):
            return saved
    except LildataError:
        pass
    return _history_csv(run_dir / "history.csv") if (run_dir / "history.csv").is_file() else {}


class RunKeeper(keras.callbacks.Callback):
    """Writes a run's history, best model and backup after every epoch, extending a resumed run's ``history``.

    Notebook: notebooks/02_classifier.ipynb
    """

    def __init__(self, run_dir: str | Path, history: dict[str, list[float]] | None = None):
        super().__init__()
        self.run_dir = Path(run_dir)
        self.history = {k: list(v) for k, v in (history or {}).items()}
        self.best = min(self.history.get("val_loss") or [np.inf])

    def on_epoch_end(self, epoch, logs=None):
        logs = {k: float(v) for k, v in (logs or {}).items()}
        done = [e for e in self.history.get("epoch", []) if e <= epoch]  # an epoch run again replaces itself
        self.history = {k: v[:len(done)] for k, v in self.history.items()}
        self.history["epoch"] = done + [epoch + 1]
        for key, value in logs.items():
            self.history[key] = self.history.get(key, [])[:len(done)] + [value]
        write_json(self.run_dir / "history.json", self.history)
        if logs.get("val_loss", np.inf) < self.best:
            self.best = logs["val_loss"]
            save_keras(self.model, self.run_dir / "model.keras")
        folder, weights = self.run_dir / BACKUP, f"epoch-{epoch + 1:05d}.weights.h5"
        with atomic_path(folder / weights) as tmp:
            self.model.save_weights(tmp)  # the model's weights and the optimiser's state
        write_json(folder / "state.json", {"epoch": epoch + 1, "weights": weights})
        for old in folder.glob("epoch-*.weights.h5"):
            if old.name != weights:
                old.unlink(missing_ok=True)


def restore(run_dir: str | Path, model) -> int:
    """Load a run's last backup into ``model``: the epochs done (0: no backup), a :class:`RunError` if unreadable.

    Notebook: notebooks/02_classifier.ipynb
    """
    folder = Path(run_dir) / BACKUP
    if not folder.exists():
        return 0
    try:
        state = read_json(folder / "state.json", "the run's backup")
        weights, epoch = folder / str(state["weights"]), int(state["epoch"])
        if not _WEIGHTS_NAME.match(str(state["weights"])) or not weights.is_file():
            raise KeyError("its weights are missing")
        if model.optimizer is not None and not model.optimizer.built:
            model.optimizer.build(model.trainable_variables)
        model.load_weights(weights)
    except (LildataError, KeyError, TypeError, ValueError, OSError, AttributeError) as error:
        reason = str(error).strip().splitlines()[0][:80] if str(error).strip() else "missing"
        raise RunError(f"{folder}: the backup cannot be read ({reason})") from None
    return epoch


def remove_backup(run_dir: str | Path) -> None:
    """Remove a run's own ``backup/`` (a finished run, or one that starts again); nothing else.

    Notebook: notebooks/02_classifier.ipynb
    """
    shutil.rmtree(Path(run_dir) / BACKUP, ignore_errors=True)
