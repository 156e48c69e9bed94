"""The generation measures that noise cannot pass, for trained generators, on held-out clips.

    python benchmarks/bench_generation_measures.py runs/classroom/generator_paper \\
        runs/classroom/generator_autoregressive runs/classroom/generator_beat \\
        --judge runs/classroom/lildata_8_judge --clips 16 [--long 16]

For each generator: the variance ratio, the modulation distance to real clips (and real against real),
the share of generated clips whose tempo the beat tracker finds in the genre's range, the beat strength,
the Fréchet distance of the judge's embeddings (and real against real) and the judge's probability of the
genre, over ``--clips`` generations seeded by held-out clips. The same for the held-out clips themselves
and for three fakes (noise at the real clips' level, each clip's first frame frozen, real frames shuffled
in time), which the measures must fail. The Fréchet distance compares the generated clips, and the real clips
that seeded them (the floor), with the same other held-out clips. ``--long N``: N sounds of 4 clips (20 s at
5 s a clip) from the last generator, seeded by the held-out clips after the first ``--clips``, and the share
whose tempo, tracked on the whole, is in range.
"""

from __future__ import annotations

import argparse
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("runs", nargs="+")
    parser.add_argument("--judge", required=True)
    parser.add_argument("--clips", type=int, default=16)
    parser.add_argument("--long", type=int, default=0, help="sounds of 4 clips to generate with the last generator")
    args = parser.parse_args()

    import numpy as np

    from lildata_utils import course, generate, training
    from lildata_utils.config import settings_from_dict
    from lildata_utils.dataset import PreparedDataset

    course.import_tensorflow()
    judge = training.load_run(args.judge)
    rows = {}
    real = None
    for run in args.runs:
        generator, config = generate.load_generator(run)
        settings = settings_from_dict(config["data_settings"])
        data = PreparedDataset(config["data_dir"])
        held_out = generate._frames(generate._clips_of(data, generator.settings.label, ("val", "test")))
        real = held_out
        rows[os.path.basename(run.rstrip("/"))] = generate.measure(generator, held_out, settings,
                                                                   n_clips=args.clips, judge=judge)
    rng = np.random.default_rng(0)
    stored = np.swapaxes(real, 1, 2)[: args.clips]
    label = generator.settings.label
    fakes = {"real held-out clips": stored, **generate.fake_clips(stored, rng)}
    for name, clips in fakes.items():
        measured = generate.music_measures(clips, stored, np.swapaxes(real, 1, 2), settings, label, judge)
        verdict = training.judge_clips(judge, clips, label)
        rows[name] = {**measured, "judge_probability": float(np.mean(verdict["probability"])),
                      "variance_ratio": float(generate.frame_stats(clips).mean() / generate.frame_stats(stored).mean())}
    head = ("| clips | variance ratio | modulation distance (real-real) | tempo in range | beat strength | "
            "Fréchet distance (real-real) | judged P(genre) |")
    print(head + "\n| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for name, m in rows.items():
        get = lambda key, form: format(m[key], form) if m.get(key) is not None else "-"  # noqa: E731
        print(f"| {name} | {get('variance_ratio', '.2f')} | {get('modulation_distance', '.2f')} "
              f"({get('modulation_floor', '.2f')}) | {get('tempo_in_range', '.0%')} | {get('beat_strength', '.2f')} | "
              f"{get('frechet_distance', '.3g')} ({get('frechet_floor', '.3g')}) | {get('judge_probability', '.2f')} |")
    if args.long:
        tempos = []
        for seed in range(args.clips, args.clips + args.long):  # seeded by the held-out clips after the first ones
            sound = generate.generate_sound(args.runs[-1], seconds=4 * settings.clip_seconds, seed=seed, data=data)
            tempos.append(sound["metrics"]["this_sound"])
        share = np.mean([t["tempo_in_range"] for t in tempos])
        print(f"\n{args.runs[-1]}: {args.long} sounds of {4 * settings.clip_seconds:g} s, tempo in range in {share:.0%} "
              f"(BPM: {', '.join(format(t['tempo_bpm'], '.0f') for t in tempos)})")


if __name__ == "__main__":
    main()
