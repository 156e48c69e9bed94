"""The ``lildata`` command line.

Run ``lildata --help`` or ``lildata COMMAND --help`` for the details.

Notebook: notebooks/01_data_prep.ipynb
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

__all__ = ["main"]


def _fail(message: str) -> int:
    print(f"lildata: error: {message}", file=sys.stderr)
    return 2


def _cmd_synth(args: argparse.Namespace) -> int:
    from . import synth

    genres = args.genres.split(",") if args.genres else None
    try:
        paths = synth.make_dataset(args.out_dir, genres=genres, songs_per_genre=args.songs_per_genre,
                                   seconds=args.seconds, seed=args.seed, jobs=args.jobs,
                                   sample_rate=args.sample_rate, progress=not args.quiet)
    except ValueError as error:
        return _fail(str(error))
    print(f"wrote {len(paths)} songs to {args.out_dir}")
    return 0


def _cmd_prepare(args: argparse.Namespace) -> int:
    from .config import get_preset
    from .dataset import DatasetError, prepare

    try:
        settings = get_preset(args.preset)
        report = prepare(args.raw_dir, args.out_dir, settings, jobs=args.jobs, progress=not args.quiet)
    except (DatasetError, ValueError) as error:
        return _fail(str(error))
    print(f"{report.clips_written} clips from {report.files_processed} songs "
          f"({report.seconds_of_audio / 60:.1f} min of audio, {report.reused} reused, "
          f"{len(report.files_skipped)} skipped) in {args.out_dir}")
    if report.clips_written == 0:
        return _fail(f"no clips could be made from {args.raw_dir}: see the lines above")
    return 0


def _cmd_info(args: argparse.Namespace) -> int:
    from .dataset import DatasetError, PreparedDataset

    try:
        info = PreparedDataset(args.data_dir).info()
    except DatasetError as error:
        return _fail(str(error))
    if args.json:
        print(json.dumps(info, indent=2))
        return 0
    print(f"{info['path']}: {info['clips']} clips of {info['shape'][0]} x {info['shape'][1]} "
          f"(preset {info['settings']['name']}, {info['settings']['sample_rate']} Hz, "
          f"{info['settings']['clip_seconds']:g} s clips)")
    print(f"{'label':<14}{'train':>8}{'val':>8}{'test':>8}")
    for label, counts in info["counts"].items():
        print(f"{label:<14}{counts['train']:>8}{counts['val']:>8}{counts['test']:>8}")
    songs = info["songs"]
    print(f"{'songs':<14}{songs['train']:>8}{songs['val']:>8}{songs['test']:>8}")
    return 0


def _cmd_invert(args: argparse.Namespace) -> int:
    from .audio import write_wav
    from .dataset import DatasetError, PreparedDataset
    from .spectrogram import stored_to_audio

    try:
        data = PreparedDataset(args.data_dir)
        stored = data.spectrogram(args.clip)
    except (DatasetError, IndexError) as error:
        return _fail(str(error))
    audio = stored_to_audio(stored, data.settings, n_iter=args.iterations)
    write_wav(args.out_wav, audio, data.settings.sample_rate)
    print(f"wrote {args.out_wav} ({data.settings.clip_seconds:g} s at {data.settings.sample_rate} Hz)")
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``lildata`` command."""
    parser = argparse.ArgumentParser(prog="lildata", description="Deep learning on music audio: the Lil Data course.")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("synth", help="make the built-in dataset of electronic music")
    p.add_argument("out_dir", type=Path)
    p.add_argument("--genres", help="comma-separated genres (default: all 8)")
    p.add_argument("--songs-per-genre", type=int, default=10)
    p.add_argument("--seconds", type=float, default=60.0, help="length of each song")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--jobs", type=int, default=None, help="worker processes (default: all cores)")
    p.add_argument("--sample-rate", type=int, default=22050)
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=_cmd_synth)

    p = sub.add_parser("prepare", help="cut a folder of music into a spectrogram dataset")
    p.add_argument("raw_dir", type=Path, help="one sub-folder per label, each file one song")
    p.add_argument("out_dir", type=Path)
    p.add_argument("--preset", default="paper", help="paper, classroom or tiny")
    p.add_argument("--jobs", type=int, default=None, help="worker processes (default: all cores)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=_cmd_prepare)

    p = sub.add_parser("info", help="clips per label and split of a prepared dataset")
    p.add_argument("data_dir", type=Path)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=_cmd_info)

    p = sub.add_parser("invert", help="turn one stored clip back into audio (Griffin-Lim)")
    p.add_argument("data_dir", type=Path)
    p.add_argument("--clip", type=int, required=True)
    p.add_argument("--iterations", type=int, default=None)
    p.add_argument("out_wav", type=Path)
    p.set_defaults(func=_cmd_invert)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the ``lildata`` command; returns the exit code."""
    args = build_parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
