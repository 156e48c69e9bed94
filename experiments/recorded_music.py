"""Classifiers on a prepared dataset, over several seeds, trained exactly as ``lildata train`` trains them.

    python experiments/recorded_music.py DATA_DIR --seeds 0 1 2 [--models softmax,statistics,lildata]
        [--split-seeds 1 2 3 4] [--paper-setup] [--epochs E] [--patience P] [--bn-momentum M] [--work DIR]
        [--out results/X.json]

RESULTS.md, "Recorded music" (and the built-in set beside it, and "Recorded music at the paper's size"). For
each model and seed it trains what ``lildata train DATA_DIR RUN --model M --seed S`` trains
(:func:`lildata_utils.runs.classifier.train` with :func:`lildata_utils.settings.train_preset` of the dataset's
preset), on the split that ``lildata prepare`` wrote into the dataset (by song, within each label): every seed
sees the same songs held out, so the spread over seeds is the spread of the weights and the order of batches.
The baselines (``softmax``: the average spectrum; ``statistics``: each bin's mean, spread and change) are
fitted, not trained, and give the same figures for every seed on one split: they are fitted once (seed 0).
``--paper-setup`` adds Lil Data as the paper set it up (``lildata train --paper-setup``).

One split of a small set is a small sample: 15 test songs hold a figure within about 10 points. ``--split-seeds
K ...`` measures every model on other splits too, the one policy (by song, within each label) with another order of
each label's songs (``lildata train --split-seed K``), in folders ``..._splitK``; it prints a second table, each
split's test clips (the mean over seeds), their mean and spread, and each network's difference to the best
baseline split by split (the same songs on both sides, so the split's luck cancels).

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


def plan_of(models: list[str], seeds: list[int], paper_setup: bool,
            splits: list[int | None] = (None,)) -> list[tuple[str, str, bool, int, int | None]]:
    """(row, model, paper's set-up, seed, split seed) of every run: on each split (``None``: the dataset's own),
    a baseline once, with seed 0; a network once a seed."""
    rows = [(m, m, False) for m in models] + \
        [(f"{m}_paper_setup", m, True) for m in models if paper_setup and m in ("lildata", "resnet50")]
    return [(row, model, setup, seed, split) for split in splits for row, model, setup in rows
            for seed in ([0] if model in BASELINES else seeds)]


def by_split(rows: dict[str, dict]) -> dict[str, dict]:
    """Each row's test-clip accuracy on each split (its mean over seeds), their mean and spread over the splits,
    and each split's difference to the best baseline (the baseline of the highest mean over splits)."""
    out = {}
    for key, row in rows.items():
        splits = sorted({r["split"] for r in row["runs"]}, key=lambda k: -1 if k is None else k)
        out[key] = {"splits": splits, "clip": [float(np.mean([r["clip"] for r in row["runs"] if r["split"] == k]))
                                               for k in splits]}
        out[key].update(spread(out[key]["clip"]))
    baselines = [key for key in out if rows[key]["baseline"]]
    if baselines:
        best = max(baselines, key=lambda key: out[key]["mean"])
        for key, entry in out.items():
            if not rows[key]["baseline"] and entry["splits"] == out[best]["splits"]:
                entry["over_best_baseline"] = {"baseline": best, **spread(
                    [a - b for a, b in zip(entry["clip"], out[best]["clip"])])}
                entry["over_best_baseline"]["by_split"] = [a - b for a, b in zip(entry["clip"], out[best]["clip"])]
    return out


def split_table(rows: dict[str, dict], splits: dict[str, dict]) -> str:
    """The Markdown table over splits: each split's test clips (mean over seeds), the mean and the lowest and highest
    split, and a network's difference to the best baseline split by split."""
    names = ["prepare's" if k is None else f"seed {k}" for k in next(iter(splits.values()))["splits"]]
    lines = [f"| model | {' | '.join(names)} | mean over splits (lowest-highest) | over the best baseline |",
             "| --- |" + " ---: |" * (len(names) + 2)]
    for key, entry in splits.items():
        over = entry.get("over_best_baseline")
        gap = "" if over is None else f"{100 * over['mean']:+.1f} points ({100 * over['min']:+.1f} to " \
            f"{100 * over['max']:+.1f})"
        lines.append(f"| {rows[key]['name']} | {' | '.join(f'{100 * v:.1f}' for v in entry['clip'])} | "
                     f"{entry['mean']:.1%} ({100 * entry['min']:.1f}-{100 * entry['max']:.1f}) | {gap} |")
    return "\n".join(lines)


def spread(values: list[float]) -> dict[str, float]:
    return {"mean": float(np.mean(values)), "std": float(np.std(values)), "min": float(np.min(values)),
            "max": float(np.max(values))}


def cell(figures: dict, runs: list[dict], key: str) -> str:
    if len(runs) == 1:
        return f"{figures['mean']:.1%}"
    several = len({r.get("split") for r in runs}) > 1
    seeds = ", ".join(f"{100 * r[key]:.1f}" for r in runs)
    return f"{figures['mean']:.1%} ({100 * figures['min']:.1f}-{100 * figures['max']:.1f}; by " \
           f"{'run, split by split' if several else 'seed'} {seeds})"


def span(values: list[int]) -> str:
    """``"a"``, or ``"lowest-highest"`` where the values differ (the splits' sizes)."""
    return f"{min(values)}" if min(values) == max(values) else f"{min(values)}-{max(values)}"


def table(rows: dict[str, dict]) -> str:
    """The Markdown table: per model, test-clip and test-song accuracy over seeds, the test clips and songs."""
    lines = ["| model | seeds | test clips | test songs | test clips, songs |", "| --- | --- | ---: | ---: | ---: |"]
    for row in rows.values():
        runs = row["runs"]
        several = len({r.get("split") for r in runs}) > 1
        seeds = ("0 (fitted once a split)" if several else "0 (fitted once: the same for every seed)") \
            if row["baseline"] else ", ".join(str(k) for k in dict.fromkeys(r["seed"] for r in runs)) + \
            (" on each split" if several else "")
        size = ", ".join(span([r.get(key, row[key]) for r in runs]) for key in ("n_test", "n_songs"))
        lines.append(f"| {row['name']} | {seeds} | {cell(row['clip'], runs, 'clip')} | {cell(row['song'], runs, 'song')} "
                     f"| {size} |")
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
    parser.add_argument("--split-seeds", type=int, nargs="+",
                        help="train and judge on these other splits by song too (`lildata train --split-seed`), "
                             "each within every label, beside the dataset's own")
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
    splits = [None] + [k for k in dict.fromkeys(args.split_seeds or [])]
    for row, model, paper_setup, seed, split in plan_of(models, args.seeds, args.paper_setup, splits):
        net = model not in BASELINES
        momentum = args.bn_momentum if model == "lildata" and not paper_setup else None
        variant = (("epochs", args.epochs), ("patience", args.patience), ("bnmomentum", momentum))
        changed = "".join(f"_{key}{value}" for key, value in variant
                          if net and value is not None)  # other settings, another folder: no run is replaced
        changed += "" if split is None else f"_split{split}"
        run = work / f"{row}_seed{seed}{changed}"
        print(f"== {run.name}", flush=True)
        settings = train_preset(data.settings.name, model=model, seed=seed, paper_setup=paper_setup or None,
                                epochs=args.epochs if net else None, patience=args.patience if net else None,
                                bn_momentum=momentum, split_seed=split)
        metrics = classifier.ensure_run(data, run, settings)
        name = NAMES.get(row, row) if momentum is None else \
            f"Lil Data, the recipe at batch-normalisation momentum {momentum:g} (`--bn-momentum {momentum:g}`)"
        entry = rows.setdefault(row, {"name": name, "model": model, "paper_setup": paper_setup,
                                      "baseline": model in BASELINES, "n_test": metrics["n_test"],
                                      "n_songs": metrics["n_songs"], "runs": []})
        entry["runs"].append({"seed": seed, "split": split, "run": str(run), "n_test": metrics["n_test"],
                              "n_songs": metrics["n_songs"], "clip": metrics["test_accuracy"],
                              "song": metrics["test_song_accuracy"], "val": metrics.get("val_accuracy"),
                              "epochs_run": metrics.get("epochs_run"),
                              "best_epoch": metrics.get("best_epoch"), "seconds": metrics.get("seconds")})
    for entry in rows.values():
        entry.update({key: spread([r[key] for r in entry["runs"]]) for key in ("clip", "song")})
    info = data.info()
    head = header(__file__, argv)
    over_splits = by_split(rows) if len(splits) > 1 else None
    text = table(rows) if over_splits is None else \
        f"{table(rows)}\n\nOver the {len(splits)} splits by song, test clips:\n\n{split_table(rows, over_splits)}"
    print(f"\n{describe(head)}\n\n{args.data_dir}: {info['clips']} clips, {len(data.labels)} labels; the split "
          f"`lildata prepare` wrote (songs per split {info['songs']})\n\n{text}")
    if args.out:
        write_result(args.out, {"data_dir": str(args.data_dir), "data_fingerprint": data.fingerprint(),
                                "preset": data.settings.name, "songs": info["songs"], "clips": info["clips"],
                                "seeds": args.seeds, "bn_momentum": args.bn_momentum, "split_seeds": args.split_seeds,
                                "over_splits": over_splits, "rows": rows,
                                "table": text}, __file__, argv)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
