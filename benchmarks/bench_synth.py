"""How fast the built-in music generator renders, per core.

    python benchmarks/bench_synth.py [--seconds 60] [--songs 2]

Prints the speed of each genre as a multiple of real time on one core, and
how long the paper-size dataset (8 genres x 61 songs x 100 s, about 13.5 h
of audio) would take on all cores at that speed. (How much a clip's average
spectrum gives away is an experiment: ``experiments/genre_difficulty.py
average-spectrum``.)
"""

from __future__ import annotations

import argparse
import os
import time

from lildata_utils.data import GENRES, make_song
from lildata_utils.settings import DATASET_SIZES


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--songs", type=int, default=2)
    args = parser.parse_args()
    speeds = {}
    for genre in GENRES:
        start = time.perf_counter()
        for index in range(args.songs):
            make_song(genre, seed=0, index=index, seconds=args.seconds, sample_rate=22050)
        speeds[genre] = args.songs * args.seconds / (time.perf_counter() - start)
        print(f"{genre:<12} {speeds[genre]:6.1f}x real time (one core, 22050 Hz)")
    mean = len(speeds) / sum(1 / s for s in speeds.values())
    size = DATASET_SIZES["paper"]
    audio_s = len(GENRES) * size.songs_per_genre * size.song_seconds
    cores = os.cpu_count() or 1
    print(f"all genres: {mean:.1f}x real time per core; paper-size dataset ({audio_s / 3600:.1f} h of audio) "
          f"in about {audio_s / mean / cores / 60:.1f} min on {cores} cores")


if __name__ == "__main__":
    main()
