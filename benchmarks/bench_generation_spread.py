"""How the beat LSTM samples: temperature and spread, judged by two classifiers.

    python benchmarks/bench_generation_spread.py runs/classroom/generator_beat \\
        --select-judge runs/classroom/lildata_8 --judge runs/classroom/lildata_8_judge

(`make demo` trains the runs.) For each (temperature, spread), generates from the seed frames of ``--clips``
held-out clips and prints the measures of :func:`lildata_utils.generate.measure`: variance ratio,
modulation distance, tempo in range, beat strength, and for each judge the Fréchet distance (with its
real-against-real floor) and the probability of the genre. The default sampling of the beat LSTM was chosen
with ``--select-judge`` (the one notebook 05 uses); ``--judge`` (a Lil Data trained with another seed) took
no part in the choice, so its figures are the honest ones.
"""

from __future__ import annotations

import argparse
import os
from dataclasses import replace

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

GRID = ((0.7, 0.5), (1.0, 0.5), (0.85, 0.6), (1.0, 0.7), (0.7, 0.8), (1.0, 1.0))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("run_dir")
    parser.add_argument("--select-judge", required=True)
    parser.add_argument("--judge", required=True)
    parser.add_argument("--clips", type=int, default=16)
    args = parser.parse_args()

    from lildata_utils import course, dataset, generate, training
    from lildata_utils.config import settings_from_dict

    course.import_tensorflow()
    generator, run_config = generate.load_generator(args.run_dir)
    settings = settings_from_dict(run_config["data_settings"])
    data = dataset.PreparedDataset(run_config["data_dir"])
    held_out = generate._frames(generate._clips_of(data, generator.settings.label, ("val", "test")))
    judges = {"selecting judge": training.load_run(args.select_judge), "judge": training.load_run(args.judge)}
    print("| temperature | spread | variance ratio | modulation distance | tempo in range | beat strength | "
          + " | ".join(f"{name}: Fréchet (floor) | {name}: P" for name in judges) + " |")
    print("| ---: | ---: | ---: | ---: | ---: | ---: | " + " | ".join("---: | ---:" for _ in judges) + " |")
    for temperature, spread in GRID:
        generator.settings = replace(generator.settings, temperature=temperature, spread=spread)
        judged = []
        for judge in judges.values():
            m = generate.measure(generator, held_out, settings, n_clips=args.clips, judge=judge)
            judged.append(f"{m['frechet_distance']:.1f} ({m['frechet_floor']:.1f}) | {m['judge_probability']:.2f}")
        print(f"| {temperature} | {spread} | {m['variance_ratio']:.2f} | {m['modulation_distance']:.2f} | "
              f"{m['tempo_in_range']:.0%} | {m['beat_strength']:.2f} | " + " | ".join(judged) + " |", flush=True)


if __name__ == "__main__":
    main()
