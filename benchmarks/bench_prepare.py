"""How fast `prepare` turns WAV files into a dataset, against the bare STFT.

    python benchmarks/bench_prepare.py [--songs 8] [--seconds 60] [--preset paper]

Prints seconds of audio prepared per wall-clock second (one worker, and all
cores) and the ratio of prepare's time (one worker) to the bare STFT
magnitude of the same clips already in memory (notebook 01's ``stft_magnitude``, the
one prepare computes): the limit prepare can reach.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

import numpy as np

from lildata_utils.audio import iter_clips
from lildata_utils.data import make_dataset, prepare
from lildata_utils.lessons.spectrograms import stft_magnitude
from lildata_utils.settings import get_preset


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--songs", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--preset", default="paper")
    args = parser.parse_args()
    settings = get_preset(args.preset)
    with tempfile.TemporaryDirectory() as tmp:
        raw = Path(tmp) / "raw"
        make_dataset(raw, genres=["house", "lofi"], songs_per_genre=args.songs // 2, seconds=args.seconds,
                           sample_rate=settings.sample_rate, jobs=None, progress=False)
        total = args.songs * args.seconds
        # warm up (first calls of librosa and numpy set things up), then time
        prepare(raw, Path(tmp) / "warm", settings, jobs=1, progress=False, log=lambda line: None)
        timings = {}
        for jobs in (1, os.cpu_count() or 1):
            out = Path(tmp) / f"out{jobs}"
            start = time.perf_counter()
            prepare(raw, out, settings, jobs=jobs, progress=False, log=lambda line: None)
            timings[jobs] = time.perf_counter() - start
        clips = np.stack([clip for wav in sorted(raw.rglob("*.wav"))
                          for _, clip in iter_clips(wav, settings.sample_rate, settings.clip_samples)])
        best = float("inf")
        for _ in range(3):
            start = time.perf_counter()
            for i in range(0, len(clips), 8):
                stft_magnitude(clips[i:i + 8], settings)  # notebook 01's STFT, as prepare's
            best = min(best, time.perf_counter() - start)
    print(f"preset {settings.name} {settings.shape}, {args.songs} WAV songs x {args.seconds:g} s = {total / 60:.1f} min "
          f"of audio, {len(clips)} clips")
    for jobs, seconds in timings.items():
        print(f"prepare, {jobs} worker(s): {seconds:.2f} s = {total / seconds:.0f} s of audio per second")
    print(f"bare STFT magnitude in memory: {best:.2f} s = {total / best:.0f} s of audio per second")
    print(f"ratio prepare (1 worker) / bare STFT: {timings[1] / best:.2f} (target: at most 2)")


if __name__ == "__main__":
    main()
