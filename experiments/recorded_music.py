"""Classifiers on a prepared dataset, over several seeds, trained exactly as ``lildata train`` trains them.

    python experiments/recorded_music.py DATA_DIR --seeds 0 1 2 [--models softmax,statistics,lildata]
        [--paper-setup] [--epochs E] [--patience P] [--bn-momentum M] [--work DIR] [--out results/X.json]

RESULTS.md, "Recorded music" (and the built-in set beside it, and "Recorded music at the paper's size"). For
each model and seed it trains what ``lildata train DATA_DIR RUN --model M --seed S`` trains
(:func:`lildata_utils.runs.classifier.train` with :func:`lildata_utils.settings.train_preset` of the dataset's
preset), on the split that ``lildata prepare`` wrote into the dataset (by song, within each label): every seed
sees the same songs held out, so the spread over seeds is the spread of the weights and the order of batches.
The baselines (``softmax``: the average spectrum; ``statistics``: each bin's mean, spread and change) are
fitted, not trained, and give the same figures for every seed on one split: they are fitted once (seed 0).
``--paper-setup`` adds Lil Data as the paper set it up (``lildata train --paper-setup``).

Runs go to ``WORK/MODEL_seedS`` (default ``results/work/recorded_music/<dataset name>``; with ``--epochs`` or
``--patience``, ``MODEL_seedS_epochsE_patienceP``): finished runs are reused and unfinished ones resumed, so the
script can be stopped and started again, one seed or all. ``--bn-momentum M`` trains the recipe with its batch
normalisation's moving averages at momentum ``M`` (``lildata train --bn-momentum``; the lesson's default is 0.9,
Keras' own 0.99), in folders of their own (``..._bnmomentumM``): a variant, to be chosen by the validation
accuracy that the JSON gives for each run. Prints the Markdown table (test clips and test songs: the mean over
seeds, the lowest and highest seed, each seed's figure) under its header, and with ``--out`` writes it all as JSON with
the header (command, machine, date).
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from header import ROOT, describe, header, write_result  # noqa: E402

from lildata_utils.data import PreparedDataset  # noqa: E402
from lildata_utils.settings import train_preset  # noqa: E402

BASELINES = ("softmax", "statistics")
"""Fitted by scikit-learn on the split: the same figures for every seed."""
NAMES = {"softmax": "softmax on the average spectrum (`--model softmax`)",
         "statistics": "logistic regression on each bin's mean, spread and change (`--model statistics`)",
         "lildata": "Lil Data, the course's recipe (`lildata train`)",
         "lildata_paper_setup": "Lil Data, the paper's set-up (`--paper-setup`)",
         "resnet50": "ResNet50 (`--model resnet50`)", "resnet50_paper_setup": "ResNet50, the paper's set-up"}


def plan_of(models: list[str], seeds: list[int], paper_setup: bool) -> list[tuple[str, str, bool, int]]:
    """(row, model, paper's set-up, seed) of every run: a baseline once, with seed 0; a network once a seed."""
    rows = [(m, m, False) for m in models] + \
        [(f"{m}_paper_setup", m, True) for m in models if paper_setup and m in ("lildata", "resnet50")]
    return [(row, model, setup, seed) for row, model, setup in rows
            for seed in ([0] if model in BASELINES else seeds)]


def spread(values: list[float]) -> dict[str, float]:
    return {"mean": float(np.mean(values)), "std": float(np.std(values)), "min": float(np.min(values)),
            "max": float(np.max(values))}


def cell(figures: dict, runs: list[dict], key: str) -> str:
    if len(runs) == 1:
        return f"{figures['mean']:.1%}"
    seeds = ", ".join(f"{100 * r[key]:.1f}" for r in runs)
    return f"{figures['mean']:.1%} ({100 * figures['min']:.1f}-{100 * figures['max']:.1f}; by seed {seeds})"


def table(rows: dict[str, dict]) -> str:
    """The Markdown table: per model, test-clip and test-song accuracy over seeds, the test clips and songs."""
    lines = ["| model | seeds | test clips | test songs | test clips, songs |", "| --- | --- | ---: | ---: | ---: |"]
    for row in rows.values():
        runs = row["runs"]
        seeds = "0 (fitted once: the same for every seed)" if row["baseline"] else ", ".join(str(r["seed"]) for r in runs)
        lines.append(f"| {row['name']} | {seeds} | {cell(row['clip'], runs, 'clip')} | {cell(row['song'], runs, 'song')} "
                     f"| {row['n_test']}, {row['n_songs']} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("data_dir", type=Path, help="a dataset prepared by `lildata prepare`")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--models", default="softmax,statistics,lildata")
    parser.add_argument("--paper-setup", action="store_true", help="also Lil Data as the paper set it up")
    parser.add_argument("--epochs", type=int, help="most epochs of the networks (default: the preset's)")
    parser.add_argument("--patience", type=int, help="the networks' early-stopping patience (default: the preset's)")
    parser.add_argument("--bn-momentum", type=float, help="the recipe's batch-normalisation momentum (a variant)")
    parser.add_argument("--work", type=Path, help="the runs' folder (default: results/work/recorded_music/NAME)")
    parser.add_argument("--out", type=Path, help="JSON of every figure, with the header")
    args = parser.parse_args(argv)

    from lildata_utils.course import import_tensorflow

    import_tensorflow()
    from lildata_utils.runs import classifier

    data = PreparedDataset(args.data_dir)
    work = args.work or ROOT / "results" / "work" / "recorded_music" / data.path.resolve().name
    models = [m for m in args.models.split(",") if m]
    rows: dict[str, dict] = {}
    for row, model, paper_setup, seed in plan_of(models, args.seeds, args.paper_setup):
        net = model not in BASELINES
        momentum = args.bn_momentum if model == "lildata" and not paper_setup else None
        variant = (("epochs", args.epochs), ("patience", args.patience), ("bnmomentum", momentum))
        changed = "".join(f"_{key}{value}" for key, value in variant
                          if net and value is not None)  # other settings, another folder: no run is replaced
        run = work / f"{row}_seed{seed}{changed}"
        print(f"== {run.name}", flush=True)
        settings = train_preset(data.settings.name, model=model, seed=seed, paper_setup=paper_setup or None,
                                epochs=args.epochs if net else None, patience=args.patience if net else None,
                                bn_momentum=momentum)
        metrics = classifier.ensure_run(data, run, settings)
        name = NAMES.get(row, row) if momentum is None else \
            f"Lil Data, the recipe at batch-normalisation momentum {momentum:g} (`--bn-momentum {momentum:g}`)"
        entry = rows.setdefault(row, {"name": name, "model": model, "paper_setup": paper_setup,
                                      "baseline": model in BASELINES, "n_test": metrics["n_test"],
                                      "n_songs": metrics["n_songs"], "runs": []})
        entry["runs"].append({"seed": seed, "run": str(run), "clip": metrics["test_accuracy"],
                              "song": metrics["test_song_accuracy"], "val": metrics.get("val_accuracy"),
                              "epochs_run": metrics.get("epochs_run"),
                              "best_epoch": metrics.get("best_epoch"), "seconds": metrics.get("seconds")})
    for entry in rows.values():
        entry.update({key: spread([r[key] for r in entry["runs"]]) for key in ("clip", "song")})
    info = data.info()
    head = header(__file__, argv)
    text = table(rows)
    print(f"\n{describe(head)}\n\n{args.data_dir}: {info['clips']} clips, {len(data.labels)} labels; the split "
          f"`lildata prepare` wrote (songs per split {info['songs']})\n\n{text}")
    if args.out:
        write_result(args.out, {"data_dir": str(args.data_dir), "data_fingerprint": data.fingerprint(),
                                "preset": data.settings.name, "songs": info["songs"], "clips": info["clips"],
                                "seeds": args.seeds, "bn_momentum": args.bn_momentum, "rows": rows,
                                "table": text}, __file__, argv)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
