"""How the autoregressive generator samples: one quantile per frame or per bin, and the temperature.

    python benchmarks/bench_generation_sampling.py runs/classroom/generator_autoregressive \
        --judge runs/classroom/lildata_8

(`make demo` trains both runs.) For each way of sampling, generates from the seed frames of 8 held-out
clips and prints the variance ratio (generated over real per-bin variance in time; 1 is right), the
free-running frame error, and the judge's verdict.
"""

from __future__ import annotations

import argparse
import os
from dataclasses import replace

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("run_dir")
    parser.add_argument("--judge", required=True)
    args = parser.parse_args()

    import numpy as np

    from lildata_utils import config, dataset, generate, training

    judge_model, judge_config = training.load_run(args.judge)
    generator, run_config = generate.load_generator(args.run_dir)
    data = dataset.PreparedDataset(run_config["data_dir"])
    settings = config.settings_from_dict(run_config["data_settings"])
    label = generator.settings.label
    held_out = np.stack([np.asarray(data.spectrogram(c.clip), np.float32).T for c in data.clips
                         if c.label == label and c.split in ("val", "test")])[:8]
    k = generator.settings.seed_frames
    span = settings.ceiling_db - settings.floor_db
    print(f"{'sampling':<28}{'variance ratio':>16}{'free error (dB)':>17}{'P(' + label + ')':>10}  judged as")
    for shared in (False, True):
        for temperature in (1.0, 0.7, 0.5):
            generator.settings = replace(generator.settings, temperature=temperature)
            made = np.stack([generate.generate(generator, f[:k], len(f), np.random.default_rng(i),
                                               shared_quantile=shared) for i, f in enumerate(held_out)])
            real = np.swapaxes(held_out, 1, 2)
            ratio = generate.frame_stats(made[..., k:]).mean() / generate.frame_stats(real[..., k:]).mean()
            error = np.sqrt(np.mean((made[..., k:] - real[..., k:]) ** 2)) * span
            probs = training.predict_stored(judge_model, made)
            judged = sorted({judge_config["labels"][i] for i in probs.argmax(1)})
            name = f"{'per frame' if shared else 'per bin'}, temperature {temperature}"
            print(f"{name:<28}{ratio:>16.2f}{error:>17.1f}{probs[:, judge_config['labels'].index(label)].mean():>10.3f}"
                  f"  {', '.join(judged)}")


if __name__ == "__main__":
    main()
