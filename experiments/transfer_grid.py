"""Genre transfer on a grid of pairs, judged by two classifiers no method saw: does the genre move?

    python experiments/transfer_grid.py data/prepared/builtin_classroom --net-run runs/classroom/lildata_paper_8 \\
        --judge runs/classroom/lildata_8_judge --second-judge runs/classroom/resnet50_8 \\
        --out results/transfer_grid_classroom.json

RESULTS.md, "Neural genre transfer (notebook 04)": the table of every method, and with ``--methods
statistics,modulation --envelopes 0,21,43,107,215 --seed 1`` the table of envelope widths. Runs every method of
``lildata transfer`` (the paper's three nets, then the closed-form ``statistics`` and ``modulation``) on the
paper's pair (the middle test clip of ``--content-genre``, lo-fi, and of ``--style-genre``, future bass) and on
``--pairs`` pairs of test songs of different genres drawn by ``--seed``
(:func:`lildata_utils.measures.judged.grid_of_pairs`), and two fakes that show what the measures reward: the
style clip itself, and the style clip with its timing scrambled (random phases over time, as ``modulation``
on noise would give). Each result is inverted with Griffin-Lim and then judged and measured
(:func:`lildata_utils.runs.transfer.finish_transfer`: chroma and onsets by :mod:`lildata_utils.measures`).

Target (per method): P(style genre) at least 0.5 by both judges on the paper's pair and on average over the
grid, while the result stays nearer the content than the style in chroma (the notes) and in onsets (the
hits), on average over the grid. Prints a Markdown table; ``--out`` also writes every outcome, with the header
(command, machine, date).
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from header import describe, header, write_result  # noqa: E402

from lildata_utils.data import PreparedDataset  # noqa: E402
from lildata_utils.registry import NETS  # noqa: E402

FAKES = ("fake: the style clip", "fake: the style, timing scrambled")


def scrambled(stored, seed: int = 0):
    """The style with random phases over time in every bin: its modulation magnitudes, no timing."""
    rates = np.fft.rfft(np.asarray(stored, np.float64), axis=1)
    phase = np.exp(2j * np.pi * np.random.default_rng(seed).random(rates.shape))
    phase[:, 0] = 1.0
    return np.clip(np.fft.irfft(np.abs(rates) * phase, n=stored.shape[1], axis=1), 0, 1).astype(np.float32)


def summarise(rows: list[dict], of: str = "result") -> dict:
    """One method's outcomes on the paper's pair (the first row) and the grid (the rest): the grid's
    :func:`~lildata_utils.measures.judged.grid_summary`, both judges on the paper's pair, the log-spectral
    distances, seconds per pair, and the target (both judges at least 0.5 on the pair and on the grid's mean,
    nearer the content than the style in chroma and in onsets). ``of="control"``: the Griffin-Lim control."""
    from lildata_utils.measures.judged import grid_summary

    pair, grid = rows[0], rows[1:]
    to_style = "result_to_style" if of == "result" else "content_to_style"
    out = {**grid_summary(grid, of), "paper_pair_judge": pair["judge"]["probability"][of],
           "paper_pair_second_judge": pair["second_judge"]["probability"][of],
           "lsd_to_content": float(np.mean([r["log_spectral_distance_db"][f"{of}_to_content"] for r in grid])),
           "lsd_to_style": float(np.mean([r["log_spectral_distance_db"][to_style] for r in grid])),
           "seconds": float(np.mean([r["seconds"] for r in grid])) if of == "result" else 0.0}
    out["target_met"] = bool(out["target_met"] and min(out["paper_pair_judge"], out["paper_pair_second_judge"]) >= 0.5)
    return out


def table(summaries: dict[str, dict]) -> str:
    """The Markdown table of RESULTS.md, one row per :func:`summarise`."""
    lines = ["| method | P(style), paper's pair: judge / second judge | P(style), grid mean: judge / second judge | "
             "chroma distance to content / style (dB) | onset distance to content / style | "
             "pairs nearer the content: chroma, onsets | LSD to content / style (dB) | s per pair | target |",
             "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |"]
    for name, s in summaries.items():
        lines.append(
            f"| {name} | {s['paper_pair_judge']:.2f} / {s['paper_pair_second_judge']:.2f} | "
            f"{s['judge']:.2f} / {s['second_judge']:.2f} | {s['chroma_to_content']:.1f} / "
            f"{s['chroma_to_style']:.1f} | {s['onsets_to_content']:.2f} / {s['onsets_to_style']:.2f} | "
            f"{s['pairs_nearer_content_chroma']}, {s['pairs_nearer_content_onsets']} of {s['pairs']} | "
            f"{s['lsd_to_content']:.1f} / {s['lsd_to_style']:.1f} | {s['seconds']:.3g} | "
            f"{'met' if s['target_met'] else 'not met'} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data_dir", type=Path)
    parser.add_argument("--net-run", required=True, help="the Lil Data run the lildata method transfers with (the "
                                                         "paper's set-up: notebook 04's lildata_paper_8)")
    parser.add_argument("--judge", required=True, help="a Lil Data run no method saw (another seed)")
    parser.add_argument("--second-judge", required=True, help="a classifier of another family (ResNet50)")
    parser.add_argument("--pairs", type=int, default=8)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--methods", default="vgg19,lildata,random1d,statistics,modulation")
    parser.add_argument("--iterations", type=int, help="for the nets (default: the paper's)")
    parser.add_argument("--envelopes", default="", help="more rows of modulation with these envelope widths in Hz, "
                                                        "e.g. 0,21,43,107,215")
    parser.add_argument("--content-genre", default="lofi", help="the paper's pair: lo-fi content ...")
    parser.add_argument("--style-genre", default="future_bass", help="... in the style of future bass")
    parser.add_argument("--no-fakes", action="store_true")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args(argv)

    from lildata_utils.course import import_tensorflow

    import_tensorflow()
    from lildata_utils.measures.judged import grid_of_pairs
    from lildata_utils.runs import transfer
    from lildata_utils.runs.evaluate import load_run

    data = PreparedDataset(args.data_dir)
    settings = data.settings
    classifier, _ = load_run(args.net_run)
    if not {"conv1", "conv2", "conv3", "conv4"} <= {layer.name for layer in classifier.layers}:
        parser.error(f"--net-run {args.net_run}: not a Lil Data of the paper's set-up (`lildata train --paper-setup`): "
                     "the lildata method reads its layers conv1 to conv4, which the recipe does not have")
    judges = [load_run(run) for run in (args.judge, args.second_judge)]
    paper_pair = (transfer.middle_test_clip(data, args.content_genre), transfer.middle_test_clip(data, args.style_genre))
    pairs = [paper_pair] + grid_of_pairs(data, args.pairs, args.seed)
    if len(pairs) < 2:
        parser.error(f"{args.data_dir}: no pair of test songs of two genres for the grid")
    clips = {i: transfer.load_sound_clip(str(i), settings, data) for pair in pairs for i in pair}
    outcomes: dict[str, list[dict]] = {}
    plan = [(m, None) for m in args.methods.split(",") if m] + \
        [("modulation", float(hz)) for hz in args.envelopes.split(",") if hz]
    for method, hz in plan:
        ts = transfer.transfer_settings(method, vgg_weights="none", envelope_hz=hz,
                                        iterations=args.iterations if method in NETS else None)
        name = f"{method} ({ts.iterations} iterations)" if method in NETS else \
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
    if not outcomes:
        parser.error("nothing to run: give --methods or --envelopes, or leave out --no-fakes")
    summaries = {"control (Griffin-Lim only)": summarise(next(iter(outcomes.values())), of="control"),
                 **{name: summarise(rows) for name, rows in outcomes.items()}}
    pair_names = [f"{clips[c].label} ({clips[c].source}) -> {clips[s].label} ({clips[s].source})" for c, s in pairs]
    text = table(summaries)
    print(f"\n{describe(header(__file__, argv))}\n\n{len(pairs) - 1} pairs by seed {args.seed} and the paper's pair; "
          f"judge {args.judge}, second judge {args.second_judge}\n\n{text}")
    if args.out:
        write_result(args.out, {"pairs": pair_names, "judges": [str(args.judge), str(args.second_judge)],
                                "net_run": str(args.net_run), "summaries": summaries, "outcomes": outcomes},
                     __file__, argv)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
