"""Genre transfer on a grid of pairs, judged by two classifiers no method saw: does the genre move?

    python benchmarks/bench_transfer_grid.py data/prepared/builtin_classroom --net-run runs/classroom/lildata_8 \\
        --judge runs/classroom/lildata_8_judge --second-judge runs/classroom/resnet50_8 \\
        --out results/transfer_grid_classroom.json

Runs every method of ``lildata transfer`` (the paper's three nets, then the closed-form ``statistics`` and
``modulation``) on the paper's pair (lo-fi content, future-bass style) and on ``--pairs`` pairs of test
songs of different genres drawn by ``--seed`` (:func:`lildata_utils.transfer.transfer_grid`), and two
fakes that show what the measures reward: the style clip itself, and the style clip with its timing
scrambled (random phases over time, as ``modulation`` on noise would give). Each result is inverted with
Griffin-Lim and then judged and measured (:func:`lildata_utils.transfer.finish_transfer`).

Target (per method): P(style genre) at least 0.5 by both judges on the paper's pair and on average over
the grid, while the result stays nearer the content than the style in chroma (the notes) and in onsets
(the hits), on average over the grid. Prints a Markdown table; ``--out`` also writes every outcome.
``--envelopes 0,21,43,107`` adds rows of ``modulation`` with other envelope widths (Hz); ``--seed 1``
draws another grid.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

FAKES = ("fake: the style clip", "fake: the style, timing scrambled")


def scrambled(stored, seed: int = 0):
    """The style with random phases over time in every bin: its modulation magnitudes, no timing."""
    import numpy as np

    rates = np.fft.rfft(np.asarray(stored, np.float64), axis=1)
    phase = np.exp(2j * np.pi * np.random.default_rng(seed).random(rates.shape))
    phase[:, 0] = 1.0
    return np.clip(np.fft.irfft(np.abs(rates) * phase, n=stored.shape[1], axis=1), 0, 1).astype(np.float32)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data_dir", type=Path)
    parser.add_argument("--net-run", required=True, help="the Lil Data run the lildata method transfers with")
    parser.add_argument("--judge", required=True, help="a Lil Data run no method saw (another seed)")
    parser.add_argument("--second-judge", required=True, help="a classifier of another family (ResNet50)")
    parser.add_argument("--pairs", type=int, default=8)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--methods", default="vgg19,lildata,random1d,statistics,modulation")
    parser.add_argument("--iterations", type=int, help="for the nets (default: the paper's)")
    parser.add_argument("--envelopes", default="", help="more rows of modulation with these envelope widths in Hz, "
                                                        "e.g. 0,21,43,107,215")
    parser.add_argument("--no-fakes", action="store_true")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()

    from lildata_utils import dataset, report, training, transfer

    data = dataset.PreparedDataset(args.data_dir)
    settings = data.settings
    classifier, _ = training.load_run(args.net_run)
    judges = []
    for run in (args.judge, args.second_judge):
        model, config = training.load_run(run)
        config["run_dir"] = str(run)
        judges.append((model, config))
    pairs = [transfer.paper_pair(data)] + transfer.transfer_grid(data, args.pairs, args.seed)
    clips = {i: transfer.load_sound_clip(str(i), settings, data) for pair in pairs for i in pair}
    outcomes: dict[str, list[dict]] = {}
    plan = [(m, None) for m in args.methods.split(",") if m] + \
        [("modulation", float(hz)) for hz in args.envelopes.split(",") if hz]
    for method, hz in plan:
        ts = transfer.transfer_settings(method, vgg_weights="none", envelope_hz=hz,
                                        iterations=args.iterations if method in transfer.NETS else None)
        name = f"{method} ({ts.iterations} iterations)" if method in transfer.NETS else \
            f"modulation, envelope {hz:g} Hz" if hz is not None else method
        for c, s in pairs:
            o = transfer.genre_transfer(clips[c], clips[s], settings, ts, classifier=classifier, judge=judges[0],
                                        second_judge=judges[1])
            o.pop("arrays")
            if o["losses"]:
                o["losses"].pop("curve")  # start and end are kept
            outcomes.setdefault(name, []).append(o)
            print(f"{name}: {clips[c].label} -> {clips[s].label}: P {o['judge']['probability']['result']:.2f} / "
                  f"{o['second_judge']['probability']['result']:.2f}", flush=True)
    for fake in () if args.no_fakes else FAKES:
        for c, s in pairs:
            start = time.perf_counter()
            made = clips[s].stored if fake == FAKES[0] else scrambled(clips[s].stored)
            o = transfer.finish_transfer(clips[c], clips[s], made, {"total": []}, settings,
                                         transfer.transfer_settings("statistics"), time.perf_counter() - start,
                                         judge=judges[0], second_judge=judges[1])
            o.pop("arrays")
            outcomes.setdefault(fake, []).append(o)
    summaries = {name: transfer.grid_summary(rows) for name, rows in outcomes.items()}
    control = {"control (Griffin-Lim only)": transfer.grid_summary(next(iter(outcomes.values())), of="control")}
    summaries = {**control, **summaries}
    pair_names = [f"{clips[c].label} ({clips[c].source}) -> {clips[s].label} ({clips[s].source})" for c, s in pairs]
    print(f"\n{len(pairs) - 1} pairs by seed {args.seed} and the paper's pair; judge {args.judge}, second judge "
          f"{args.second_judge}\n")
    print(report.transfer_grid_table(summaries))
    if args.out:
        from lildata_utils.files import write_json

        write_json(args.out, {
            "command": f"python benchmarks/bench_transfer_grid.py {args.data_dir} --net-run {args.net_run} "
                       f"--judge {args.judge} --second-judge {args.second_judge} --pairs {args.pairs} "
                       f"--seed {args.seed} --methods {args.methods}"
                       + (f" --envelopes {args.envelopes}" if args.envelopes else "") + (" --no-fakes" if args.no_fakes else ""),
            "machine": f"{os.cpu_count()} CPU cores, {platform.processor() or platform.machine()}",
            "date": time.strftime("%Y-%m-%d"), "pairs": pair_names, "summaries": summaries,
            "outcomes": {name: rows for name, rows in outcomes.items()}})


if __name__ == "__main__":
    main()
