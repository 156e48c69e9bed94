"""The classifier figures of RESULTS.md: softmax, Lil Data and ResNet50, 4 and 8 genres, song and chunk split.

    python scripts/results_classifiers.py [--songs-per-genre 32] [--seconds 40] [--preset classroom]
        [--models softmax,lildata,resnet50] [--paper-setup] [--work results/work] [--out results/classifiers.json]

Lil Data is the course's recipe (what ``lildata train`` does); ``--paper-setup`` adds Lil Data (4 and
8 genres) and ResNet50 (8 genres) as the paper set them up, split by song. ``make paper`` runs it at
the paper's size.

Makes the built-in songs at the stated size, prepares them, trains every combination into
``WORK/runs/`` (finished runs are reused, so an interrupted run of this script picks up where it
stopped), then writes ``results/classifiers.json`` and prints the Markdown table of RESULTS.md.
"""

from __future__ import annotations

import argparse
import os
from dataclasses import replace
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from lildata_utils import config, course, dataset, models, synth, training  # noqa: E402
from lildata_utils.files import write_json  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
PAPER = {("lildata", 4): "96%", ("lildata", 8): "81%", ("resnet50", 8): "34%"}
NAMES = {"softmax": "softmax (average spectrum)", "lildata": "Lil Data, the recipe", "resnet50": "ResNet50",
         "lildata (paper's set-up)": "Lil Data, the paper's set-up",
         "resnet50 (paper's set-up)": "ResNet50, the paper's set-up"}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--songs-per-genre", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=40.0)
    parser.add_argument("--preset", default="classroom")
    parser.add_argument("--models", default="softmax,lildata,resnet50")
    parser.add_argument("--resnet-weights", default="auto")
    parser.add_argument("--resnet-epochs", type=int, default=8, help="most epochs of ResNet50 (a CPU is slow)")
    parser.add_argument("--paper-setup", action="store_true", help="also Lil Data and ResNet50 as the paper set them up")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--work", type=Path, default=ROOT / "results" / "work")
    parser.add_argument("--out", type=Path, default=ROOT / "results" / "classifiers.json")
    args = parser.parse_args(argv)

    settings = config.get_preset(args.preset)
    raw = args.work / "raw"
    prepared = args.work / f"prepared_{args.preset}"
    synth.make_dataset(raw, songs_per_genre=args.songs_per_genre, seconds=args.seconds, seed=args.seed,
                       sample_rate=settings.sample_rate)
    dataset.prepare(raw, prepared, settings)
    data = dataset.PreparedDataset(prepared)
    base = training.train_preset(args.preset, seed=args.seed, resnet_weights=args.resnet_weights)
    # the honest split first: an interrupted run has its song-split rows before the leaky ones
    plan = [(model, labels, split_by, False) for split_by in ("song", "chunk") for model in args.models.split(",")
            for labels in (models.PAPER_FOUR_GENRES, None)]
    if args.paper_setup:
        chosen = args.models.split(",")
        plan += [("lildata", labels, "song", True) for labels in (models.PAPER_FOUR_GENRES, None) if "lildata" in chosen]
        plan += [("resnet50", None, "song", True)] if "resnet50" in chosen else []
    rows = []
    for model, labels, split_by, paper_setup in plan:
        k = 4 if labels else 8
        run = args.work / "runs" / f"{model}_{k}_{split_by}{'_paper_setup' if paper_setup else ''}"
        print(f"== {run.name}", flush=True)
        settings = replace(base, model=model, labels=labels, split_by=split_by, paper_setup=paper_setup)
        if paper_setup and model == "lildata":  # the paper's 20 epochs, rate and patience
            settings = replace(training.train_preset(args.preset, seed=args.seed, paper_setup=True), labels=labels)
        if model == "resnet50":
            settings = replace(settings, epochs=args.resnet_epochs)
        metrics = course.ensure_run(data, run, settings)
        rows.append({"model": model + (" (paper's set-up)" if paper_setup else ""), "genres": k,
                     "split_by": split_by, "run": str(run.relative_to(ROOT))
                     if run.is_relative_to(ROOT) else str(run), **{key: metrics[key] for key in (
                         "test_accuracy", "test_song_accuracy", "train_accuracy", "n_train", "n_test",
                         "n_songs", "epochs_run", "seconds")}})
    info = data.info()
    summary = {"dataset": {"songs_per_genre": args.songs_per_genre, "song_seconds": args.seconds,
                           "preset": args.preset, "clips": info["clips"], "songs": info["songs"]},
               "runs": rows}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    write_json(args.out, summary)
    print(f"\nbuilt-in dataset: {args.songs_per_genre} songs x {args.seconds:g} s per genre, preset {args.preset}, "
          f"{info['clips']} clips; songs per split {info['songs']}\n")
    print("| model | genres | split | train acc. | test acc. (clips) | test acc. (songs) | paper |")
    print("| --- | ---: | --- | ---: | ---: | ---: | ---: |")
    for r in rows:
        paper = PAPER.get((r["model"], r["genres"]), "") if r["split_by"] == "chunk" else ""
        print(f"| {NAMES[r['model']]} | {r['genres']} | {r['split_by']} | {r['train_accuracy']:.1%} | "
              f"{r['test_accuracy']:.1%} ({r['n_test']}) | {r['test_song_accuracy']:.1%} ({r['n_songs']}) | {paper} |")


if __name__ == "__main__":
    main()
