"""The classifier tables of RESULTS.md: softmax, Lil Data and ResNet50, 4 and 8 genres, song and chunk split.

    python experiments/classifiers.py [--songs-per-genre 32] [--seconds 40] [--preset classroom]
        [--models softmax,lildata,resnet50] [--paper-setup] [--epochs N] [--resnet-epochs N] [--resnet-image-size N]
        [--resnet-weights auto] [--work results/work] [--out results/classifiers.json]

RESULTS.md, "Genre classification" (the classroom size) and "At the paper's size (631 x 631)" (``make paper``:
``--preset paper --songs-per-genre 61 --seconds 100``). Lil Data is the course's recipe (what ``lildata train``
does); ``--paper-setup`` adds Lil Data (4 and 8 genres) and ResNet50 (8 genres) as the paper set them up, split
by song. Every run is trained as ``lildata train`` trains it (:func:`lildata_utils.settings.train_preset` of
the preset, with the model, labels, split and seed).

Makes the built-in songs at the stated size, prepares them, trains every combination into ``WORK/runs/``
(finished runs are reused and unfinished ones resumed, so an interrupted run of this script picks up where it
stopped), then writes ``--out`` (with the header: command, machine, date) and prints the Markdown table.
"""

from __future__ import annotations

import argparse
import os
from dataclasses import replace
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from header import ROOT, describe, header, write_result  # noqa: E402

from lildata_utils import data as music  # noqa: E402
from lildata_utils.settings import get_preset, train_preset  # noqa: E402

PAPER_FOUR_GENRES = ("trap", "lofi", "hardstyle", "house")
"""The paper's 4 genres."""
PAPER = {("lildata", 4): "96%", ("lildata", 8): "81%", ("resnet50", 8): "34%"}
"""The paper's figures (its clips split at random: beside the chunk split)."""
NAMES = {"softmax": "softmax (average spectrum)", "statistics": "statistics (mean, spread and change per bin)",
         "lildata": "Lil Data, the recipe", "resnet50": "ResNet50",
         "lildata (paper's set-up)": "Lil Data, the paper's set-up",
         "resnet50 (paper's set-up)": "ResNet50, the paper's set-up"}


def plan_of(models: list[str], paper_setup: bool) -> list[tuple[str, tuple[str, ...] | None, str, bool]]:
    """(model, labels, split, paper's set-up) of every row: the honest split first, so an interrupted run has its
    song-split rows before the leaky ones; then the paper's set-ups, split by song."""
    plan = [(model, labels, split_by, False) for split_by in ("song", "chunk") for model in models
            for labels in (PAPER_FOUR_GENRES, None)]
    if paper_setup:
        plan += [("lildata", labels, "song", True) for labels in (PAPER_FOUR_GENRES, None) if "lildata" in models]
        plan += [("resnet50", None, "song", True)] if "resnet50" in models else []
    return plan


def settings_of(args: argparse.Namespace, model: str, labels, split_by: str, paper_setup: bool):
    """A row's training settings: what ``lildata train --model MODEL [--paper-setup]`` trains at the preset, with
    the row's labels, split and seed (and ``--epochs``; for ResNet50 ``--resnet-*``)."""
    net = model in ("lildata", "resnet50")
    settings = train_preset(args.preset, model=model, labels=labels, split_by=split_by, seed=args.seed,
                            paper_setup=paper_setup or None, epochs=args.epochs if net else None)
    if model == "resnet50":
        settings = replace(settings, epochs=args.resnet_epochs or settings.epochs, resnet_weights=args.resnet_weights,
                           image_size=settings.image_size if args.resnet_image_size is None else args.resnet_image_size)
    return settings


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--songs-per-genre", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=40.0)
    parser.add_argument("--preset", default="classroom")
    parser.add_argument("--models", default="softmax,lildata,resnet50")
    parser.add_argument("--resnet-weights", default="auto")
    parser.add_argument("--resnet-epochs", type=int, help="most epochs of ResNet50 (default: the preset's)")
    parser.add_argument("--resnet-image-size", type=int, help="ResNet50's input side (default: the preset's)")
    parser.add_argument("--epochs", type=int, help="most epochs of every network (default: the preset's)")
    parser.add_argument("--paper-setup", action="store_true", help="also Lil Data and ResNet50 as the paper set them up")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--work", type=Path, default=ROOT / "results" / "work")
    parser.add_argument("--out", type=Path, default=ROOT / "results" / "classifiers.json")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)

    from lildata_utils.course import import_tensorflow

    import_tensorflow()
    from lildata_utils.runs import classifier

    spectrogram = get_preset(args.preset)
    raw = args.work / "raw"
    prepared = args.work / f"prepared_{args.preset}"
    music.make_dataset(raw, songs_per_genre=args.songs_per_genre, seconds=args.seconds, seed=args.seed,
                       sample_rate=spectrogram.sample_rate)
    music.prepare(raw, prepared, spectrogram)
    data = music.PreparedDataset(prepared)
    rows = []
    for model, labels, split_by, paper_setup in plan_of(args.models.split(","), args.paper_setup):
        k = len(labels or data.labels)
        run = args.work / "runs" / f"{model}_{k}_{split_by}{'_paper_setup' if paper_setup else ''}"
        print(f"== {run.name}", flush=True)
        metrics = classifier.ensure_run(data, run, settings_of(args, model, labels, split_by, paper_setup))
        rows.append({"model": model + (" (paper's set-up)" if paper_setup else ""), "genres": k,
                     "split_by": split_by, "run": str(run.relative_to(ROOT)) if run.resolve().is_relative_to(ROOT)
                     else str(run), **{key: metrics.get(key) for key in (
                         "test_accuracy", "test_song_accuracy", "train_accuracy", "n_train", "n_test", "n_songs",
                         "epochs_run", "best_epoch", "seconds")}})
    info = data.info()
    head = header(__file__, argv)
    summary = {"dataset": {"songs_per_genre": args.songs_per_genre, "song_seconds": args.seconds,
                           "preset": args.preset, "clips": info["clips"], "songs": info["songs"]}, "runs": rows}
    write_result(args.out, summary, __file__, argv)
    print(f"\n{describe(head)}\n\nbuilt-in dataset: {args.songs_per_genre} songs x {args.seconds:g} s per genre, "
          f"preset {args.preset}, {info['clips']} clips; songs per split {info['songs']}\n")
    print(table(rows))
    return 0


def table(rows: list[dict]) -> str:
    """The Markdown table of RESULTS.md (in brackets: test clips and test songs)."""
    lines = ["| model | genres | split | train acc. | test acc. (clips) | test acc. (songs) | epochs (best) | paper |",
             "| --- | ---: | --- | ---: | ---: | ---: | ---: | ---: |"]
    for r in rows:
        paper = PAPER.get((r["model"], r["genres"]), "") if r["split_by"] == "chunk" else ""
        epochs = f"{r['epochs_run']} ({r['best_epoch']})" if r.get("best_epoch") else "-"
        lines.append(f"| {NAMES[r['model']]} | {r['genres']} | {r['split_by']} | {r['train_accuracy']:.1%} | "
                     f"{r['test_accuracy']:.1%} ({r['n_test']}) | {r['test_song_accuracy']:.1%} ({r['n_songs']}) | "
                     f"{epochs} | {paper} |")
    return "\n".join(lines)


if __name__ == "__main__":
    raise SystemExit(main())
