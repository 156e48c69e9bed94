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


def texture_transfer(content, style, settings, widths=(3, 15, 63), filters=256, lags=(0, 4, 16, 64), steps=300,
                     content_weight=1.0, learning_rate=0.01, noise=0.05, seed=0, start=None):
    """An exploratory row (not in the course): optimise the spectrogram, from the content plus noise, with Adam so
    that several random 1-D nets (``widths`` frames, ``filters`` each) have the style's Gram matrices at several
    time lags (``lags`` frames: how features follow each other, up to about a bar), while the content's onset
    envelope and chromagram (computed differentiably from the stored levels) stay; ``start`` replaces the
    content as the starting point (for example modulation transfer's result). Returns the result."""
    import librosa
    import numpy as np
    import tensorflow as tf

    bins, frames = content.shape
    rng = np.random.default_rng(seed)
    kernels = [tf.constant((rng.standard_normal((w, bins, filters)) * np.sqrt(2.0 / (w * bins))).astype(np.float32))
               for w in widths]
    span, floor = settings.ceiling_db - settings.floor_db, settings.floor_db
    chroma_bank = tf.constant(librosa.filters.chroma(sr=settings.sample_rate, n_fft=settings.n_fft).astype(np.float32))

    def features(x):
        sequence = tf.transpose(x)[None]  # 1 x frames x bins
        return [tf.nn.relu(tf.nn.conv1d(sequence, k, 1, "VALID"))[0] for k in kernels]

    def grams(fs):
        return [tf.matmul(f[: f.shape[0] - lag], f[lag:], transpose_a=True) / float(f.shape[0] - lag)
                for f in fs for lag in lags]

    def onsets(x):
        db = x * span + floor
        flux = tf.reduce_mean(tf.nn.relu(db[:, 1:] - db[:, :-1]), axis=0)
        return flux / (tf.reduce_max(flux) + 1e-6)

    def chroma(x):
        energy = tf.matmul(chroma_bank, tf.pow(10.0, (x * span + floor) / 10.0))
        energy = energy / (tf.reduce_max(energy, axis=0, keepdims=True) + 1e-12)
        return tf.maximum(10.0 * tf.math.log(energy + 1e-4) / tf.math.log(10.0), -40.0) / 40.0

    c, s = tf.constant(np.asarray(content, np.float32)), tf.constant(np.asarray(style, np.float32))
    targets = grams(features(s))
    norms = [tf.reduce_sum(tf.square(g)) + 1e-12 for g in targets]
    onset_c, chroma_c = onsets(c), chroma(c)
    first = content if start is None else start
    image = tf.Variable(np.clip(first + noise * rng.standard_normal(content.shape), 0, 1).astype(np.float32))
    optimizer = tf.keras.optimizers.Adam(learning_rate)

    @tf.function
    def step():
        with tf.GradientTape() as tape:
            j_style = tf.add_n([tf.reduce_sum(tf.square(g - t)) / n for g, t, n in zip(grams(features(image)), targets, norms)])
            j_content = tf.reduce_mean(tf.square(onsets(image) - onset_c)) + tf.reduce_mean(tf.square(chroma(image) - chroma_c))
            total = j_style / len(targets) + content_weight * j_content
        optimizer.apply_gradients([(tape.gradient(total, image), image)])
        image.assign(tf.clip_by_value(image, 0.0, 1.0))
        return total

    for _ in range(steps):
        step()
    return image.numpy()


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
    parser.add_argument("--texture", default="", help="exploratory rows of texture_transfer, one per content weight, "
                                                      "e.g. 1,10")
    parser.add_argument("--refine", default="", help="exploratory rows of texture_transfer (200 steps) started from "
                                                     "modulation transfer's result, one per content weight")
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
    from lildata_utils.lessons.style import modulation_transfer

    textures = [(float(w), False) for w in args.texture.split(",") if w] + \
        [(float(w), True) for w in args.refine.split(",") if w]
    for weight, refine in textures:
        name = (f"modulation, then texture x {weight:g} (exploratory)" if refine else
                f"texture: lagged Grams of random 1-D nets, content cost on onsets and chroma x {weight:g} (exploratory)")
        for c, s in pairs:
            start = time.perf_counter()
            first = modulation_transfer(clips[c].stored, clips[s].stored, transfer.envelope_bins(settings, 64.0)) \
                if refine else None
            made = texture_transfer(clips[c].stored, clips[s].stored, settings, content_weight=weight, start=first,
                                    noise=0.0 if refine else 0.05, steps=200 if refine else 300)
            o = transfer.finish_transfer(clips[c], clips[s], made, {"total": []}, settings,
                                         transfer.transfer_settings("statistics"), time.perf_counter() - start,
                                         judge=judges[0], second_judge=judges[1])
            o.pop("arrays")
            outcomes.setdefault(name, []).append(o)
            print(f"{name}: {clips[c].label} -> {clips[s].label}: P {o['judge']['probability']['result']:.2f} / "
                  f"{o['second_judge']['probability']['result']:.2f} ({o['seconds']:.0f} s)", flush=True)
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
                       + (f" --envelopes {args.envelopes}" if args.envelopes else "") + (" --no-fakes" if args.no_fakes else "")
                       + (f" --texture {args.texture}" if args.texture else "")
                       + (f" --refine {args.refine}" if args.refine else ""),
            "machine": f"{os.cpu_count()} CPU cores, {platform.processor() or platform.machine()}",
            "date": time.strftime("%Y-%m-%d"), "pairs": pair_names, "summaries": summaries,
            "outcomes": {name: rows for name, rows in outcomes.items()}})


if __name__ == "__main__":
    main()
