"""Is the built-in music hard enough, and learnable? Lil Data and the average spectrum on it.

    python experiments/genre_difficulty.py cnn data/prepared/builtin_classroom [--epochs 20] [--seed 0]
    python experiments/genre_difficulty.py average-spectrum [DATA_DIR] [--folds 5]

experiments/README.md, "Hard enough, and learnable" (quoted by README.md's description of the built-in music):

* ``cnn``: Lil Data as the paper set it up (``lildata train --paper-setup``: four 3x3 convolutions with 16, 32,
  64, 64 filters, each followed by 4x4 max pooling; dropout 0.5; Dense 48; softmax), trained on the
  dataset's training songs with early stopping on the validation songs, beside the average-spectrum softmax
  (``lildata train --model softmax``) on the same split. Both runs go to ``--work`` and are reused when finished.
* ``average-spectrum``: how much a clip's average spectrum alone gives away: notebook 02's softmax on the
  average spectrum, cross-validated with folds by song (each fold's songs tested once, by a model fitted on
  the other folds, its strength chosen on the next fold). Without ``DATA_DIR``, on the built-in classroom
  dataset (16 songs of 40 s per genre), made and prepared in a temporary folder.

Each prints its table under its header; ``--out`` writes the figures as JSON with the header (command,
machine, date).
"""

from __future__ import annotations

import argparse
import os
import tempfile
from pathlib import Path

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from header import ROOT, run_table  # noqa: E402

from lildata_utils.data import PreparedDataset  # noqa: E402
from lildata_utils.settings import train_preset  # noqa: E402


def cnn(args) -> tuple[dict, str]:
    from lildata_utils.runs import classifier

    data = PreparedDataset(args.data_dir)
    work = args.work or ROOT / "results" / "work" / "genre_difficulty" / data.path.resolve().name
    preset = data.settings.name
    runs = {"Lil Data, the paper's set-up": (work / f"lildata_paper_setup_seed{args.seed}", train_preset(
                preset, model="lildata", paper_setup=True, epochs=args.epochs, seed=args.seed)),
            "average-spectrum softmax": (work / "softmax", train_preset(preset, model="softmax"))}
    rows = {}
    for name, (run, settings) in runs.items():
        metrics = classifier.ensure_run(data, run, settings)
        rows[name] = {"run": str(run), **{k: metrics.get(k) for k in (
            "test_accuracy", "test_song_accuracy", "n_test", "n_songs", "epochs_run", "best_epoch", "seconds")}}
    cnn_row, soft = rows.values()
    info = data.info()
    lines = [f"{args.data_dir}: {info['clips']} clips, {len(data.labels)} labels, songs per split {info['songs']}", "",
             "| model | test accuracy by clip | by song | epochs (best) | s |", "| --- | ---: | ---: | ---: | ---: |"]
    for name, r in rows.items():
        epochs = f"{r['epochs_run']} ({r['best_epoch']})" if r.get("best_epoch") else "-"
        seconds = "-" if r.get("seconds") is None else f"{r['seconds']:.0f}"
        lines.append(f"| {name} | {r['test_accuracy']:.1%} ({r['n_test']}) | {r['test_song_accuracy']:.1%} "
                     f"({r['n_songs']}) | {epochs} | {seconds} |")
    difference = 100 * (cnn_row["test_accuracy"] - soft["test_accuracy"])
    lines.append(f"| difference | {difference:.1f} points | | | |")
    return {"data_dir": str(args.data_dir), "rows": rows, "difference_points": difference}, "\n".join(lines)


def folds_by_song(data: PreparedDataset, folds: int) -> np.ndarray:
    """Each clip's fold: its song's place in the dataset's stable order of songs (every clip of a song in one)."""
    from lildata_utils.data.splits import song_fraction

    return np.array([int(song_fraction(c.song) * folds) for c in data.clips])


def cross_validated(data: PreparedDataset, folds: int) -> dict:
    """The average-spectrum softmax, cross-validated by song: fold k tested by a model fitted on the folds but
    k and k + 1, its strength chosen on fold k + 1 (notebook 02's ``fit_baseline``)."""
    from lildata_utils.lessons.classifier import fit_baseline
    from lildata_utils.models.baselines import features

    clips = np.arange(len(data))
    x = features(data, clips, "softmax")
    y = np.array([data.labels.index(c.label) for c in data.clips])
    fold = folds_by_song(data, folds)
    correct, scored = 0, 0
    for k in range(folds):
        test, val = fold == k, fold == (k + 1) % folds
        train = ~(test | val)
        if not test.any() or not val.any() or len(set(y[train].tolist())) < 2:
            continue
        model = fit_baseline(x[train], y[train], x[val], y[val])
        correct += int(np.sum(model.predict(x[test]) == y[test]))
        scored += int(test.sum())
    return {"accuracy": correct / scored if scored else None, "folds": folds, "n_clips": scored,
            "n_songs": len({c.song for c in data.clips}), "labels": len(data.labels), "chance": 1 / len(data.labels)}


def average_spectrum(args) -> tuple[dict, str]:
    if args.data_dir is not None:
        result = cross_validated(PreparedDataset(args.data_dir), args.folds)
        where = str(args.data_dir)
    else:
        from lildata_utils.data import make_dataset, prepare
        from lildata_utils.settings import DATASET_SIZES, get_preset

        size, settings = DATASET_SIZES["classroom"], get_preset("classroom")
        with tempfile.TemporaryDirectory() as tmp:
            make_dataset(Path(tmp) / "raw", songs_per_genre=size.songs_per_genre, seconds=size.song_seconds,
                         sample_rate=settings.sample_rate, progress=False)
            prepare(Path(tmp) / "raw", Path(tmp) / "prepared", settings, progress=False, log=lambda line: None)
            result = cross_validated(PreparedDataset(Path(tmp) / "prepared"), args.folds)
        where = f"the built-in classroom dataset ({size.songs_per_genre} songs of {size.song_seconds:g} s per genre)"
    text = (f"average-spectrum softmax, {where}: {result['n_songs']} songs, {result['n_clips']} clips scored, "
            f"{args.folds} folds by song: **{result['accuracy']:.1%}** (chance {result['chance']:.1%})")
    return {"data_dir": where, **result}, text


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="table", required=True)
    p = sub.add_parser("cnn", help="Lil Data (the paper's set-up) against the average-spectrum softmax")
    p.add_argument("data_dir", type=Path)
    p.add_argument("--epochs", type=int, default=20)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--work", type=Path, help="the runs' folder (default: results/work/genre_difficulty/NAME)")
    p.set_defaults(make=cnn)
    p = sub.add_parser("average-spectrum", help="the average-spectrum softmax, cross-validated by song")
    p.add_argument("data_dir", type=Path, nargs="?", help="a prepared dataset (default: the classroom's, made now)")
    p.add_argument("--folds", type=int, default=5)
    p.set_defaults(make=average_spectrum)
    for p in sub.choices.values():
        p.add_argument("--out", type=Path, help="write the figures here as JSON, with the header")
    args = parser.parse_args(argv)

    return run_table(args, argv, __file__)


if __name__ == "__main__":
    raise SystemExit(main())
