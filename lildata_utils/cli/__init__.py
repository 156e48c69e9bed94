"""The ``lildata`` command line: ``lildata --help`` or ``lildata COMMAND --help`` for the details.

Notebook: notebooks/01_data_prep.ipynb
"""

from __future__ import annotations

import argparse
import functools
import json
import math
import os
import sys
from pathlib import Path

from .. import data as music
from ..audio import stored_to_audio, write_wav
from ..course.report import collect_results
from ..course.setup import import_tensorflow
from ..errors import LildataError, MachineError, is_machine_error
from ..files.pack import pack, unpack
from ..registry import BEST_TRANSFER, CLASSIFIERS, GENERATORS, STRATEGIES, TRANSFER_METHODS, choices
from ..settings import PRESETS, get_preset

__all__ = ["MAX_GENERATE_SECONDS", "build_parser", "main", "run"]

MAX_GENERATE_SECONDS = 600.0  # the longest sound `lildata generate` makes


def _number(text: str, whole: bool = False, above_zero: bool = False, most: float = math.inf) -> float:
    """``text`` as a number of 0 or more (``whole``: 1 or more), else a one-line error for argparse to print."""
    try:
        value = int(text) if whole else float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a {'whole ' if whole else ''}number") from None
    problem = (f"must be at least 1, not {value}" if whole and value < 1 else
               f"must be a finite number of 0 or more, not {text}" if not math.isfinite(value) or value < 0 else
               f"must be more than 0, not {text}" if above_zero and value <= 0 else
               f"at most {most:g} s, not {text}" if value > most else None)
    if problem:
        raise argparse.ArgumentTypeError(problem)
    return value


_positive_int = functools.partial(_number, whole=True)
_non_negative_float = _number
_positive_float = functools.partial(_number, above_zero=True)
_seconds = functools.partial(_number, above_zero=True, most=MAX_GENERATE_SECONDS)


def _a_file(path: Path) -> Path:
    if path.is_dir():
        raise LildataError(f"{path}: is a folder; give a file name (for example {path / 'clip.wav'})")
    return path


def _cmd_synth(args: argparse.Namespace) -> None:
    paths = music.make_dataset(args.out_dir, genres=args.genres.split(",") if args.genres is not None else None,
                               songs_per_genre=args.songs_per_genre, seconds=args.seconds, seed=args.seed,
                               jobs=args.jobs, sample_rate=args.sample_rate, progress=not args.quiet)
    print(f"wrote {len(paths)} songs to {args.out_dir}")


def _cmd_prepare(args: argparse.Namespace) -> None:
    report = music.prepare(args.raw_dir, args.out_dir, get_preset(args.preset), jobs=args.jobs,
                           progress=not args.quiet, overwrite=args.overwrite)
    print(f"{report.clips_written} clips from {report.files_processed} songs, split by song within each label "
          f"({report.seconds_of_audio / 60:.1f} min of audio, {report.reused} reused, "
          f"{len(report.files_skipped)} skipped) in {args.out_dir}")
    if report.clips_written == 0:
        raise LildataError(f"no clips could be made from {args.raw_dir}: see the lines above")


def _cmd_info(args: argparse.Namespace) -> None:
    info = music.PreparedDataset(args.data_dir).info()
    if args.json:
        print(json.dumps(info, indent=2))
        return
    print(f"{info['path']}: {info['clips']} clips of {info['shape'][0]} x {info['shape'][1]} "
          f"(preset {info['settings']['name']}, {info['settings']['sample_rate']} Hz, "
          f"{info['settings']['clip_seconds']:g} s clips)")
    for label, counts in [("label", {"train": "train", "val": "val", "test": "test"}), *info["counts"].items(),
                          ("songs", info["songs"])]:
        print(f"{label:<14}{counts['train']:>8}{counts['val']:>8}{counts['test']:>8}")


def _cmd_invert(args: argparse.Namespace) -> None:
    out, data = _a_file(args.out_wav), music.PreparedDataset(args.data_dir)
    write_wav(out, stored_to_audio(data.spectrogram(args.clip), data.settings, n_iter=args.iterations),
              data.settings.sample_rate)
    print(f"wrote {args.out_wav} ({data.settings.clip_seconds:g} s at {data.settings.sample_rate} Hz)")


def _cmd_real_music(args: argparse.Namespace) -> None:
    out = music.make_real_music(args.out_dir, recipe=args.recipe, quiet=args.quiet)
    print(f"real music in {out}; next: lildata prepare {out} data/prepared/{out.name}_classroom --preset classroom, "
          f"or RAW_DIR = \"{out}\" in a notebook")


def _cmd_results(args: argparse.Namespace) -> None:
    if not args.runs_dir.is_dir():
        raise LildataError(f"{args.runs_dir} is not a folder of runs (make demo writes runs/<preset>)")
    skipped: list[str] = []
    tables = collect_results(args.runs_dir, skipped)
    for line in skipped:
        print(f"left out {line}", file=sys.stderr)
    if not tables:
        raise LildataError(f"no finished runs in {args.runs_dir}")
    for title, table in tables.items():
        print(f"### {title}\n\n{table}\n")


def _cmd_pack(args: argparse.Namespace) -> None:
    result = pack(args.sources, _a_file(args.out_zip))
    print(f"wrote {args.out_zip}: {', '.join(item['name'] for item in result['items'])} "
          f"({result['bytes'] / 2**20:.1f} MiB)")
    print(f"sha256 {result['sha256']}  (give it to `lildata unpack --sha256`)")


def _cmd_unpack(args: argparse.Namespace) -> None:
    for item in unpack(args.pack, args.dest, sha256=args.sha256):
        print(f"{item['status']}: {item['kind']} {args.dest / item['name']}")


_QUIET = ("--quiet", {"action": "store_true", "help": "no progress bar"})
_JOBS = ("--jobs", {"type": _positive_int, "default": None, "help": "worker processes (default: all cores)"})
_FLAG = {"action": "store_true"}
_RUN = {"type": Path, "help": "a run folder or its model.keras"}
_COMMANDS = (
    ("synth", "make the built-in dataset of electronic music", _cmd_synth, (
        "out_dir", ("--genres", {"help": "comma-separated genres (default: all 8)"}),
        ("--songs-per-genre", {"type": int, "default": 10}),
        ("--seconds", {"type": float, "default": 60.0, "help": "length of each song"}),
        ("--seed", {"type": int, "default": 0}), _JOBS, ("--sample-rate", {"type": int, "default": 22050}), _QUIET)),
    ("prepare", "cut a folder of music into a spectrogram dataset", _cmd_prepare, (
        ("raw_dir", {"type": Path, "help": "one sub-folder per label, each file one song"}), "out_dir",
        ("--preset", {"default": "paper", "choices": list(PRESETS)}), _JOBS,
        ("--overwrite", {**_FLAG, "help": "replace a dataset in OUT_DIR made from another RAW_DIR or with other "
                         "settings"}), _QUIET)),
    ("info", "clips per label and split of a prepared dataset", _cmd_info, ("data_dir", ("--json", _FLAG))),
    ("invert", "turn one stored clip back into audio (Griffin-Lim)", _cmd_invert, (
        "data_dir", ("--clip", {"type": int, "required": True}),
        ("--iterations", {"type": _positive_int, "default": None}), "out_wav")),
    ("real-music", "make a set of recorded music from game soundtracks in Debian's packages", _cmd_real_music, (
        ("out_dir", {"nargs": "?", "type": Path,
                     "help": "default: ~/.cache/lildata/real_music (real_music_tiny for --recipe tiny)"}),
        ("--recipe", {"choices": ["full", "tiny"], "default": "full",
                      "help": "full: 5 soundtracks, 107 songs of 60 s (about 600 MB of packages); tiny: for tests"}),
        ("--quiet", _FLAG))),
    ("train", "train a genre classifier (Lil Data, a baseline or ResNet50)", None, (
        "data_dir", "run_dir", ("--model", {"choices": list(CLASSIFIERS), "help": f"default lildata. "
                                            f"{choices(CLASSIFIERS)}"}),
        ("--labels", {"help": "comma-separated genres (default: all in the dataset)"}), ("--epochs", _positive_int),
        ("--patience", {"type": _positive_int,
                        "help": "epochs without a better validation loss before stopping (the preset's by default)"}),
        ("--batch-size", _positive_int), ("--learning-rate", _positive_float),
        ("--bn-momentum", {"type": _non_negative_float, "help": "the recipe's batch-normalisation momentum "
                           "(default 0.9; Keras' own is 0.99)"}),
        ("--split-by", {"choices": ["song", "chunk"], "help": "song (honest, default) or chunk (leaky)"}),
        ("--seed", int), ("--split-seed", {"type": int, "help": "another split by song within each label"}),
        ("--resume", {**_FLAG, "help": "continue an interrupted run from its last epoch"}),
        ("--strategy", {"choices": list(STRATEGIES)}),
        ("--resnet-weights", {"help": "auto, imagenet, none or a weights file (ResNet50)"}),
        ("--image-size", {"type": int, "help": "ResNet50 input side in pixels (0: the spectrogram's)"}),
        ("--paper-setup", {**_FLAG, "help": "the paper's set-up: its Lil Data (notebook 02, section 1); ResNet50 "
                           "with random weights, no augmentation, no dropout"}), ("--quiet", _FLAG))),
    ("evaluate", "judge a trained classifier on a split of a prepared dataset", None, (
        ("model", _RUN), "data_dir", ("--split", {"choices": ["train", "val", "test"], "default": "test"}),
        ("--json", _FLAG))),
    ("predict", "genre probabilities for every clip of an audio file", None,
     (("model", _RUN), "audio_file", ("--json", _FLAG))),
    ("transfer", "neural genre transfer: the content of one clip in the style of another", None, (
        ("--content", {"required": True, "help": "an audio file, or a clip number with --data"}),
        ("--style", {"required": True, "help": "an audio file, or a clip number with --data"}),
        ("--method --net", {"dest": "method", "default": "best",
                            "help": f"default best ({BEST_TRANSFER}). {choices(TRANSFER_METHODS)}"}),
        ("--data", {"type": Path, "help": "a prepared dataset, to pick clips by number"}),
        ("--preset", {"default": "paper", "choices": list(PRESETS), "help": "spectrogram settings for audio files"}),
        ("--content-offset", {"type": _non_negative_float, "default": 0.0, "help": "seconds into the content file"}),
        ("--style-offset", {"type": _non_negative_float, "default": 0.0, "help": "seconds into the style file"}),
        ("--iterations", _positive_int), ("--alpha", {"type": _non_negative_float, "help": "content weight"}),
        ("--beta", {"type": _non_negative_float, "help": "style weight"}), ("--learning-rate", _positive_float),
        ("--vgg-weights", {"help": "auto, imagenet, none or a weights file"}),
        ("--envelope-hz", {"type": _non_negative_float, "help": "--method modulation: smoothing over frequency of "
                           "the spectral envelope (default 64; 0: none)"}),
        ("--judge", {"type": Path, "help": "a classifier run, to judge the genre shift"}),
        ("--second-judge", {"type": Path, "help": "another classifier run (another family), to judge it too"}),
        ("--style-genre", {"help": "the genre to judge by (default: the style clip's)"}), "out_dir")),
    ("train-generator", "train an LSTM that generates spectrograms of one genre", None, (
        "data_dir", "run_dir",
        ("--model", {"choices": list(GENERATORS), "default": "beat", "help": f"default beat. {choices(GENERATORS)}"}),
        ("--label", {"default": "lofi", "help": "the genre to learn (default: lofi)"}), ("--epochs", _positive_int),
        ("--layers", {"type": _positive_int, "help": "LSTM layers (the paper: 2 to 4)"}),
        ("--units", {"type": _positive_int, "help": "units per LSTM layer (the paper: 50)"}),
        ("--overfit", {"type": _positive_int, "help": "train on only this many clips (the paper's run on 2)"}),
        ("--judge", {"type": Path, "help": "a classifier run: adds its probability of the genre to metrics.json"}),
        ("--seed", int), ("--quiet", _FLAG))),
    ("generate", "generate a sound with a trained generator", None, (
        "run_dir", ("--seconds", {"type": _seconds, "help": f"length (default: one clip; at most "
                                                            f"{MAX_GENERATE_SECONDS:g})"}),
        ("--seed", {"type": int, "default": 0}),
        ("--judge", {"type": Path, "help": "a classifier run, to judge the genre"}), "out_dir")),
    ("results", "Markdown tables of every finished run in a runs folder", _cmd_results,
     (("runs_dir", {"type": Path, "help": "e.g. runs/classroom"}),)),
    ("pack", "put trained runs and/or a prepared dataset into one .zip with checksums", _cmd_pack, (
        ("sources", {"type": Path, "nargs": "+",
                     "help": "run folders, a prepared dataset folder, or a folder of runs (all its finished runs)"}),
        "out_zip")),
    ("unpack", "check and unpack a file made by `lildata pack` (or download one)", _cmd_unpack, (
        ("pack", {"help": "a .zip made by `lildata pack`, or an https:// address of one (needs --sha256)"}),
        ("dest", {"type": Path, "help": "the folder to unpack into (e.g. runs/classroom)"}),
        ("--sha256", {"help": "the SHA-256 that `lildata pack` printed; checked before anything is unpacked"}))),
)
"""Every command: name, help, function (``None``: one of :mod:`lildata_utils.cli.deep`) and arguments, each
``(flags, options)``, ``(flags, type)`` or the name of a positional folder or file (a :class:`~pathlib.Path`)."""


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``lildata`` command."""
    parser = argparse.ArgumentParser(prog="lildata", description="Deep learning on music audio: the Lil Data course.")
    sub = parser.add_subparsers(dest="command", required=True)
    for name, text, func, arguments in _COMMANDS:
        command = sub.add_parser(name, help=text)
        for argument in arguments:
            flags, options = (argument, Path) if isinstance(argument, str) else argument
            command.add_argument(*flags.split(), **(options if isinstance(options, dict) else {"type": options}))
        command.set_defaults(func=func)
    return parser


def _dispatch(args: argparse.Namespace) -> None:
    """Run a command: the data ones here, those of :mod:`.deep` with TensorFlow, imported only then."""
    if args.func is not None:
        return args.func(args)
    import_tensorflow()  # without its start-up lines
    from . import deep  # the one place the command line reaches TensorFlow
    deep.COMMANDS[args.command](args)


def main(argv: list[str] | None = None) -> int:
    """Run the ``lildata`` command; returns the exit code: every failure is one line on standard error, code 2 for
    the input, 1 for the machine (a later run retries); ``LILDATA_DEBUG=1`` shows the traceback instead."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    args = build_parser().parse_args(argv)
    try:
        _dispatch(args)
        return 0
    except KeyboardInterrupt:
        print("lildata: interrupted; run the same command again to continue", file=sys.stderr)
        return 130
    except Exception as error:  # one line, not a traceback
        if os.environ.get("LILDATA_DEBUG") == "1":
            raise
        code, line = 1, f"unexpected error: {type(error).__name__}: {error} (LILDATA_DEBUG=1 shows where)"
        if isinstance(error, MachineError):
            line = (f"error of the machine: {error}; nothing was remembered as a file's fault, so running the "
                    "command again retries")
        elif isinstance(error, (LildataError, ValueError, IndexError)):
            code, line = 2, f"error: {error}"
        elif isinstance(error, OSError):
            line = (f"{'error of the machine' if is_machine_error(error) else 'error'}: "
                    f"{f'{error.filename}: ' if error.filename else ''}{error.strerror or error}")
        print(f"lildata: {line}", file=sys.stderr)
        return code


def run() -> None:
    """The ``lildata`` console command: :func:`main`, then exit with its code; after a failure with TensorFlow
    loaded, at once (its threads can keep Python from exiting)."""
    code = main()
    sys.stdout.flush()
    sys.stderr.flush()
    if code and "tensorflow" in sys.modules:
        os._exit(code)
    sys.exit(code)


if __name__ == "__main__":  # pragma: no cover
    run()
