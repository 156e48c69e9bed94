"""How fast the built-in music generator renders, per core.

    python benchmarks/bench_synth.py [--seconds 60] [--songs 2]

Prints the speed of each genre as a multiple of real time on one core, and
how long the paper-size dataset (8 genres x 61 songs x 100 s, about 13.5 h
of audio) would take on all cores at that speed. Also the average-spectrum
softmax baseline (5-fold, split by song) on a classroom-size dataset, the
figure that says the genres are not given away by their average spectrum.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

from lildata_utils import baseline, config, dataset, synth


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--songs", type=int, default=2)
    parser.add_argument("--skip-baseline", action="store_true")
    args = parser.parse_args()
    speeds = {}
    for genre in synth.GENRES:
        start = time.perf_counter()
        for index in range(args.songs):
            synth.make_song(genre, seed=0, index=index, seconds=args.seconds, sample_rate=22050)
        speeds[genre] = args.songs * args.seconds / (time.perf_counter() - start)
        print(f"{genre:<12} {speeds[genre]:6.1f}x real time (one core, 22050 Hz)")
    mean = len(speeds) / sum(1 / s for s in speeds.values())
    size = config.DATASET_SIZES["paper"]
    audio_s = len(synth.GENRES) * size.songs_per_genre * size.song_seconds
    cores = os.cpu_count() or 1
    print(f"all genres: {mean:.1f}x real time per core; paper-size dataset ({audio_s / 3600:.1f} h of audio) "
          f"in about {audio_s / mean / cores / 60:.1f} min on {cores} cores")
    if args.skip_baseline:
        return
    with tempfile.TemporaryDirectory() as tmp:
        size = config.DATASET_SIZES["classroom"]
        settings = config.get_preset("classroom")
        synth.make_dataset(Path(tmp) / "raw", songs_per_genre=size.songs_per_genre, seconds=size.song_seconds,
                           sample_rate=settings.sample_rate, progress=False)
        dataset.prepare(Path(tmp) / "raw", Path(tmp) / "prep", settings, progress=False, log=lambda line: None)
        scores = baseline.grouped_cv_accuracy(dataset.PreparedDataset(Path(tmp) / "prep"), folds=5)
    print(f"average-spectrum softmax, classroom dataset ({scores['n_songs']} songs, {scores['n_clips']} clips), "
          f"5-fold by song: {scores['accuracy']:.1%} (chance {1 / len(synth.GENRES):.1%})")


if __name__ == "__main__":
    main()
