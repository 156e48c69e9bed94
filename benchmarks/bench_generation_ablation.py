"""What keeps the beat LSTM in time: each of its changes taken away, trained and measured.

    python benchmarks/bench_generation_ablation.py data/prepared/builtin_classroom \\
        --judge runs/classroom/lildata_8_judge --work results/work/generator_ablation

Trains the beat LSTM of the preset as ``lildata train-generator`` does, and three variants, each with one
change: no beat phase (its inputs are zeros, in training and in generation), the path that holds each bin's
level (``hold=True``), 16 clips a batch instead of 4. Each is measured over ``--clips`` generations seeded
by held-out clips with the judge (a classifier the generators never saw). Finished runs in ``--work`` with
the same settings are reused. Prints a Markdown table; ``--out`` also writes the rows as JSON (notebook 05
shows them).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
from dataclasses import asdict, replace
from pathlib import Path
from unittest import mock

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data_dir", type=Path)
    parser.add_argument("--judge", required=True)
    parser.add_argument("--work", type=Path, default=Path("results/work/generator_ablation"))
    parser.add_argument("--clips", type=int, default=16)
    parser.add_argument("--out", type=Path, help="write the rows here as JSON")
    args = parser.parse_args()

    import numpy as np

    from lildata_utils import course, dataset, generate, training
    from lildata_utils.lessons import generators as lesson

    course.import_tensorflow()
    data = dataset.PreparedDataset(args.data_dir)
    beat = generate.generator_preset(data.settings.name, "beat")
    zero_phase = lambda n, grid, scales=lesson.BEAT_SCALES: np.zeros((n, 2 * len(scales)), np.float32)  # noqa: E731
    variants = {
        "beat LSTM (the default)": (beat, []),
        "without the beat phase": (beat, [mock.patch.object(lesson, "beat_phase", zero_phase)]),
        "with the path that holds levels": (replace(beat, hold=True), []),
        "16 clips a batch": (replace(beat, batch_size=16), []),
    }
    judge = training.load_run(args.judge)
    held_out = generate._frames(generate._clips_of(data, beat.label, ("val", "test")))
    rows = []
    print("| generator | variance ratio | modulation distance (real-real) | tempo in range | beat strength | "
          "Fréchet distance (real-real) | judged P | training (s) |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for name, (settings, patches) in variants.items():
        run = args.work / "_".join(name.replace("(", "").replace(")", "").split())
        for patch in patches:
            patch.start()
        try:
            config = json.loads((run / "config.json").read_text()) if (run / "config.json").exists() else {}
            if not (run / "metrics.json").exists() or config.get("generator") != json.loads(json.dumps(asdict(settings))):
                if config.get("kind") == "lildata-generator-run":  # a generator run with other settings: remade
                    shutil.rmtree(run)
                elif run.exists() and any(run.iterdir()):
                    raise SystemExit(f"{run}: not a generator run; move it away")
                generate.train_generator(args.data_dir, run, settings, verbose=0)
            generator, config = generate.load_generator(run)
            m = generate.measure(generator, held_out, data.settings, n_clips=args.clips, judge=judge)
        finally:
            for patch in patches:
                patch.stop()
        print(f"| {name} | {m['variance_ratio']:.2f} | {m['modulation_distance']:.2f} ({m['modulation_floor']:.2f}) | "
              f"{m['tempo_in_range']:.0%} | {m['beat_strength']:.2f} | {m['frechet_distance']:.1f} "
              f"({m['frechet_floor']:.1f}) | {m['judge_probability']:.2f} | {config['seconds']:.0f} |", flush=True)
        rows.append({"generator": name, "training_seconds": config["seconds"], **{k: v for k, v in m.items() if k in (
            "variance_ratio", "modulation_distance", "modulation_floor", "tempo_in_range", "beat_strength",
            "frechet_distance", "frechet_floor", "judge_probability", "n_clips")}})
    if args.out:
        import platform

        from lildata_utils.files import write_json

        write_json(args.out, {"command": "python benchmarks/bench_generation_ablation.py " + " ".join(
            str(a) for a in (args.data_dir, "--judge", args.judge, "--clips", args.clips)),
            "judge": str(args.judge), "machine": f"{os.cpu_count()} CPU cores, {platform.processor() or platform.machine()}",
            "rows": rows})


if __name__ == "__main__":
    main()
