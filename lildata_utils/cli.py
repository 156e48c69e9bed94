"""The ``lildata`` command line.

Run ``lildata --help`` or ``lildata COMMAND --help`` for the details.

Notebook: notebooks/01_data_prep.ipynb
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
from pathlib import Path

__all__ = ["MAX_GENERATE_SECONDS", "build_parser", "main"]

MAX_GENERATE_SECONDS = 600.0
"""The longest sound ``lildata generate`` makes (10 minutes)."""


def _fail(message: str) -> int:
    print(f"lildata: error: {message}", file=sys.stderr)
    return 2


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {value}")
    return value


def _non_negative_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not math.isfinite(value) or value < 0:
        raise argparse.ArgumentTypeError(f"must be a finite number of 0 or more, not {text}")
    return value


def _positive_float(text: str) -> float:
    value = _non_negative_float(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be more than 0, not {text}")
    return value


def _seconds(text: str) -> float:
    value = _positive_float(text)
    if value > MAX_GENERATE_SECONDS:
        raise argparse.ArgumentTypeError(f"at most {MAX_GENERATE_SECONDS:g} s, not {text}")
    return value


def _out_file(path: Path) -> str | None:
    """Why ``path`` cannot be written as a file, or ``None``."""
    if path.is_dir():
        return f"{path}: is a folder; give a file name (for example {path / 'clip.wav'})"
    return None


def _cmd_synth(args: argparse.Namespace) -> int:
    from . import synth

    genres = args.genres.split(",") if args.genres is not None else None
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
        report = prepare(args.raw_dir, args.out_dir, settings, jobs=args.jobs, progress=not args.quiet,
                         overwrite=args.overwrite)
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

    problem = _out_file(args.out_wav)
    if problem:
        return _fail(problem)
    try:
        data = PreparedDataset(args.data_dir)
        stored = data.spectrogram(args.clip)
    except (DatasetError, IndexError) as error:
        return _fail(str(error))
    audio = stored_to_audio(stored, data.settings, n_iter=args.iterations)
    write_wav(args.out_wav, audio, data.settings.sample_rate)
    print(f"wrote {args.out_wav} ({data.settings.clip_seconds:g} s at {data.settings.sample_rate} Hz)")
    return 0


def _cmd_train(args: argparse.Namespace) -> int:
    from .dataset import DatasetError, PreparedDataset
    from .training import open_run_folder, train, train_preset

    if args.labels is not None and not all(label.strip() for label in args.labels.split(",")):
        return _fail("--labels: a label is empty (give names separated by commas, e.g. trap,lofi)")
    if args.labels is not None and len(set(args.labels.split(","))) != len(args.labels.split(",")):
        return _fail(f"--labels: a label is given more than once ({args.labels})")
    if args.resume and args.model:
        old = open_run_folder(args.run_dir)
        if old is not None and old["training"].get("model") != args.model:
            return _fail(f"--resume: {args.run_dir} holds a {old['training'].get('model')} run, not {args.model}; "
                         "leave out --model or choose a new folder")
    try:
        preset = PreparedDataset(args.data_dir).settings.name
        changes = {k: v for k, v in {
            "model": args.model, "labels": tuple(args.labels.split(",")) if args.labels is not None else None,
            "epochs": args.epochs, "patience": args.patience, "batch_size": args.batch_size,
            "split_by": args.split_by, "seed": args.seed,
            "strategy": args.strategy, "learning_rate": args.learning_rate, "augment": args.augment or None,
            "resnet_weights": args.resnet_weights, "image_size": args.image_size,
            "paper_setup": args.paper_setup or None, "pool_time": args.pool_time or None}.items() if v is not None}
        settings = train_preset(preset if preset in ("paper", "classroom", "tiny") else "paper", **changes)
        metrics = train(args.data_dir, args.run_dir, settings, resume=args.resume, verbose=0 if args.quiet else 2)
    except (DatasetError, ValueError) as error:
        return _fail(str(error))
    print(f"{metrics['model']}: test accuracy {metrics['test_accuracy']:.1%} per clip, "
          f"{metrics['test_song_accuracy']:.1%} per song ({metrics['n_test']} clips, split by {metrics['split_by']}; "
          f"{metrics['epochs_run']} epochs) -> {args.run_dir}")
    if "leaky" in metrics:
        print(f"note: {metrics['leaky']}")
    return 0


def _cmd_evaluate(args: argparse.Namespace) -> int:
    from .dataset import DatasetError
    from .training import evaluate

    try:
        metrics = evaluate(args.model, args.data_dir, args.split)
    except (DatasetError, ValueError) as error:
        return _fail(str(error))
    if args.json:
        print(json.dumps(metrics, indent=2))
        return 0
    print(f"{args.split}: {metrics['test_accuracy']:.1%} of {metrics['n_clips']} clips, "
          f"{metrics['test_song_accuracy']:.1%} of {metrics['n_songs']} songs (split by {metrics['split_by']})")
    for label, accuracy in metrics["per_label_accuracy"].items():
        print(f"  {label:<14}{'-' if accuracy is None else f'{accuracy:.1%}':>8}")
    return 0


def _cmd_predict(args: argparse.Namespace) -> int:
    from .audio import AudioError
    from .training import predict_file

    try:
        result = predict_file(args.model, args.audio_file)
    except AudioError as error:
        return _fail(f"{args.audio_file}: {error}" if str(args.audio_file) not in str(error) else str(error))
    if args.json:
        print(json.dumps(result, indent=2))
        return 0
    labels = result["labels"]
    print(f"{'start (s)':>9}  " + "".join(f"{label[:10]:>11}" for label in labels) + "   genre")
    for clip in result["clips"]:
        print(f"{clip['start_s']:>9.1f}  " + "".join(f"{p:>11.2f}" for p in clip["probabilities"]) + f"   {clip['genre']}")
    print(f"{'song':>9}  " + "".join(f"{p:>11.2f}" for p in result["song_probabilities"]) + f"   {result['song_genre']}")
    return 0


def _cmd_transfer(args: argparse.Namespace) -> int:
    from .audio import AudioError
    from .config import get_preset, settings_from_dict
    from .dataset import DatasetError, PreparedDataset
    from .training import load_run
    from .transfer import genre_transfer, load_sound_clip, transfer_settings

    from .transfer import BEST_METHOD, METHODS

    try:
        from .transfer import claim_transfer_folder

        claim_transfer_folder(args.out_dir, create=False)  # first: a folder of other files is refused, untouched
        net, _, run_dir = args.method.partition(":")
        net = BEST_METHOD if net == "best" else net
        if net not in METHODS:
            return _fail(f"unknown method {args.method!r}: choose one of {', '.join(METHODS)} or best")
        if net == "lildata" and not run_dir:
            return _fail("--method lildata needs a trained run: --method lildata:RUN_DIR")
        classifier, config = load_run(run_dir) if net == "lildata" else (None, None)
        judge = load_run(args.judge) if args.judge else None
        second_judge = load_run(args.second_judge) if args.second_judge else None
        data = PreparedDataset(args.data) if args.data else None
        if data is not None:
            settings = data.settings
        elif config is not None:
            settings = settings_from_dict(config["data_settings"])
        elif judge is not None:
            settings = settings_from_dict(judge[1]["data_settings"])
        else:
            settings = get_preset(args.preset)
        for name, run in (("--method", config), ("--judge", judge[1] if judge else None),
                          ("--second-judge", second_judge[1] if second_judge else None)):
            if run is not None and settings_from_dict(run["data_settings"]).shape != settings.shape:
                return _fail(f"the model of {name} was trained on spectrograms of another shape than {settings.shape}")
        for who, where in ((judge, args.judge), (second_judge, args.second_judge)):
            if who is not None:
                who[1]["run_dir"] = str(where)
        for name, value in (("--content", args.content), ("--style", args.style)):
            if data is not None and not str(value).isdigit():
                return _fail(f"{name}: with --data, give a clip number (0 to {len(data) - 1}), not {value!r}")
            if data is not None and int(value) >= len(data):
                return _fail(f"{name}: clip {value} is out of range: {args.data} has {len(data)} clips "
                             f"(0 to {len(data) - 1})")
        content = load_sound_clip(args.content, settings, data, args.content_offset)
        style = load_sound_clip(args.style, settings, data, args.style_offset)
        if net in METHODS[:3] and args.envelope_hz is not None:
            return _fail("--envelope-hz is a setting of --method modulation")
        transfer = transfer_settings(net, iterations=args.iterations if net in METHODS[:3] else None, alpha=args.alpha,
                                     beta=args.beta, vgg_weights=args.vgg_weights, learning_rate=args.learning_rate,
                                     envelope_hz=args.envelope_hz)
        outcome = genre_transfer(content, style, settings, transfer, args.out_dir, classifier=classifier,
                                 judge=judge, style_genre=args.style_genre, second_judge=second_judge)
    except (AudioError, DatasetError, ValueError) as error:
        return _fail(str(error))
    distance = outcome["log_spectral_distance_db"]
    if outcome["losses"] is None:
        print(f"{net}: closed form, {outcome['seconds']:.2f} s")
    else:
        print(f"{net}: {transfer.iterations} iterations in {outcome['seconds']:.0f} s; loss "
              f"{outcome['losses']['start']['total']:.4g} -> {outcome['losses']['end']['total']:.4g}")
    print(f"log-spectral distance: result to content {distance['result_to_content']:.1f} dB, to style "
          f"{distance['result_to_style']:.1f} dB (content to style {distance['content_to_style']:.1f} dB)")
    kept = outcome["content_measures"]
    print(f"what should stay the content's: chroma distance to content {kept['chroma_db']['result_to_content']:.1f} dB, "
          f"to style {kept['chroma_db']['result_to_style']:.1f} dB; onset distance to content "
          f"{kept['onsets']['result_to_content']:.2f}, to style {kept['onsets']['result_to_style']:.2f}")
    for key, name in (("judge", "judge"), ("second_judge", "second judge")):
        if key in outcome:
            p = outcome[key]["probability"]
            print(f"{name}: P({outcome[key]['style_genre']}): content {p['content']:.2f}, control {p['control']:.2f}, "
                  f"result {p['result']:.2f}")
    print(f"wrote {args.out_dir}/content.wav, style.wav, control.wav, result.wav, spectrograms.png, outcome.json")
    return 0


def _cmd_train_generator(args: argparse.Namespace) -> int:
    from .dataset import DatasetError, PreparedDataset
    from .generate import generator_preset, train_generator

    try:
        preset = PreparedDataset(args.data_dir).settings.name
        settings = generator_preset(preset if preset in ("paper", "classroom", "tiny") else "paper", args.model,
                                    label=args.label, epochs=args.epochs, layers=args.layers, units=args.units,
                                    overfit=args.overfit, seed=args.seed)
        metrics = train_generator(args.data_dir, args.run_dir, settings, verbose=0 if args.quiet else 2)
        if args.judge:
            from .generate import ensure_generator
            from .training import load_run

            metrics = ensure_generator(args.data_dir, args.run_dir, settings, judge=load_run(args.judge))
    except (DatasetError, ValueError) as error:
        return _fail(str(error))
    print(f"{args.model}: frame error {metrics['frame_error_teacher_db']:.1f} dB with teacher forcing, "
          f"{metrics['frame_error_free_db']:.1f} dB free-running; variance ratio {metrics['variance_ratio']:.2f} "
          f"({metrics['measured_on']})" + (f"; judged P({args.label}) {metrics['judge_probability']:.2f}"
                                           if "judge_probability" in metrics else "")
          + (f"; tempo in range in {metrics['tempo_in_range']:.0%} of clips" if "tempo_in_range" in metrics else "")
          + f" -> {args.run_dir}")
    return 0


def _cmd_generate(args: argparse.Namespace) -> int:
    from .dataset import DatasetError
    from .generate import generate_sound
    from .training import load_run

    try:
        judge = load_run(args.judge) if args.judge else None
        result = generate_sound(args.run_dir, args.out_dir, seconds=args.seconds, seed=args.seed, judge=judge)
    except (DatasetError, ValueError) as error:
        return _fail(str(error))
    sound = result["metrics"]["this_sound"]
    judged = f", judged {sound['judge_probability']:.2f}" if "judge_probability" in sound else ""
    print(f"wrote {args.out_dir}/generated.wav ({sound['seconds']:.1f} s, variance ratio "
          f"{sound['variance_ratio']:.2f}{judged}, tempo {sound['tempo_bpm']:.0f} BPM), seed.wav, spectrogram.png, "
          "metrics.json")
    return 0


def _cmd_results(args: argparse.Namespace) -> int:
    from .report import collect_results

    if not args.runs_dir.is_dir():
        return _fail(f"{args.runs_dir} is not a folder of runs (make demo writes runs/<preset>)")
    skipped: list[str] = []
    tables = collect_results(args.runs_dir, skipped)
    for line in skipped:
        print(f"left out {line}", file=sys.stderr)
    if not tables:
        return _fail(f"no finished runs in {args.runs_dir}")
    for title, table in tables.items():
        print(f"### {title}\n\n{table}\n")
    return 0


def _add_data_commands(sub) -> None:
    """The commands of the built-in music and datasets: synth, prepare, info, invert."""
    p = sub.add_parser("synth", help="make the built-in dataset of electronic music")
    p.add_argument("out_dir", type=Path)
    p.add_argument("--genres", help="comma-separated genres (default: all 8)")
    p.add_argument("--songs-per-genre", type=int, default=10)
    p.add_argument("--seconds", type=float, default=60.0, help="length of each song")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--jobs", type=_positive_int, default=None, help="worker processes (default: all cores)")
    p.add_argument("--sample-rate", type=int, default=22050)
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=_cmd_synth)

    p = sub.add_parser("prepare", help="cut a folder of music into a spectrogram dataset")
    p.add_argument("raw_dir", type=Path, help="one sub-folder per label, each file one song")
    p.add_argument("out_dir", type=Path)
    p.add_argument("--preset", default="paper", help="paper, classroom or tiny")
    p.add_argument("--jobs", type=_positive_int, default=None, help="worker processes (default: all cores)")
    p.add_argument("--overwrite", action="store_true",
                   help="replace a dataset in OUT_DIR made from another RAW_DIR or with other settings")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=_cmd_prepare)

    p = sub.add_parser("info", help="clips per label and split of a prepared dataset")
    p.add_argument("data_dir", type=Path)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=_cmd_info)

    p = sub.add_parser("invert", help="turn one stored clip back into audio (Griffin-Lim)")
    p.add_argument("data_dir", type=Path)
    p.add_argument("--clip", type=int, required=True)
    p.add_argument("--iterations", type=_positive_int, default=None)
    p.add_argument("out_wav", type=Path)
    p.set_defaults(func=_cmd_invert)

    p = sub.add_parser("real-music", help="make a set of recorded music from game soundtracks in Debian's packages")
    p.add_argument("out_dir", nargs="?", type=Path, help="default: ~/.cache/lildata/real_music (real_music_tiny for --recipe tiny)")
    p.add_argument("--recipe", choices=["full", "tiny"], default="full",
                   help="full: 5 soundtracks, 107 songs of 60 s (about 600 MB of packages); tiny: for tests")
    p.add_argument("--quiet", action="store_true")
    p.set_defaults(func=_cmd_real_music)


def _cmd_real_music(args: argparse.Namespace) -> int:
    from .realmusic import make_real_music

    out = make_real_music(args.out_dir, recipe=args.recipe, quiet=args.quiet)
    print(f"real music in {out}; next: lildata prepare {out} data/prepared/{out.name}_classroom --preset classroom, "
          f"or RAW_DIR = \"{out}\" in a notebook")
    return 0


def _add_classifiers_commands(sub) -> None:
    """The commands of the classifiers: train, evaluate, predict."""
    p = sub.add_parser("train", help="train a genre classifier (Lil Data, softmax baseline or ResNet50)")
    p.add_argument("data_dir", type=Path)
    p.add_argument("run_dir", type=Path)
    p.add_argument("--model", choices=["lildata", "softmax", "resnet50"], help="default: lildata")
    p.add_argument("--labels", help="comma-separated genres (default: all in the dataset)")
    p.add_argument("--epochs", type=_positive_int)
    p.add_argument("--patience", type=_positive_int,
                   help="epochs without a better validation loss before stopping (the preset's by default; "
                        "the paper preset's 3 suits the built-in 8,000 clips, 8 a set of hundreds)")
    p.add_argument("--batch-size", type=_positive_int)
    p.add_argument("--learning-rate", type=_positive_float)
    p.add_argument("--split-by", choices=["song", "chunk"], help="song (honest, default) or chunk (leaky)")
    p.add_argument("--seed", type=int)
    p.add_argument("--resume", action="store_true", help="continue an interrupted run from its last epoch")
    p.add_argument("--strategy", choices=["auto", "default", "mirrored", "tpu", "multiworker"])
    p.add_argument("--augment", action="store_true", help="SpecAugment in front of Lil Data")
    p.add_argument("--pool-time", action="store_true",
                   help="Lil Data averages its last feature map over time before the dense layer")
    p.add_argument("--resnet-weights", help="auto, imagenet, none or a weights file (ResNet50)")
    p.add_argument("--image-size", type=int, help="ResNet50 input side in pixels (0: the spectrogram's)")
    p.add_argument("--paper-setup", action="store_true",
                   help="the paper's set-up: Lil Data without its per-frequency standardisation; ResNet50 with "
                        "random weights, no augmentation, no dropout")
    p.add_argument("--quiet", action="store_true")
    p.set_defaults(func=_cmd_train)

    p = sub.add_parser("evaluate", help="judge a trained classifier on a split of a prepared dataset")
    p.add_argument("model", type=Path, help="a run folder or its model.keras")
    p.add_argument("data_dir", type=Path)
    p.add_argument("--split", choices=["train", "val", "test"], default="test")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=_cmd_evaluate)

    p = sub.add_parser("predict", help="genre probabilities for every clip of an audio file")
    p.add_argument("model", type=Path, help="a run folder or its model.keras")
    p.add_argument("audio_file", type=Path)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=_cmd_predict)


def _add_transfer_commands(sub) -> None:
    """The commands of genre transfer: transfer."""
    p = sub.add_parser("transfer", help="neural genre transfer: the content of one clip in the style of another")
    p.add_argument("--content", required=True, help="an audio file, or a clip number with --data")
    p.add_argument("--style", required=True, help="an audio file, or a clip number with --data")
    p.add_argument("--method", "--net", dest="method", default="best",
                   help="vgg19, lildata:RUN_DIR or random1d (the paper's nets), statistics or modulation (closed "
                        "form), or best (modulation)")
    p.add_argument("--data", type=Path, help="a prepared dataset, to pick clips by number")
    p.add_argument("--preset", default="paper", help="spectrogram settings for audio files (default: paper)")
    p.add_argument("--content-offset", type=_non_negative_float, default=0.0, help="seconds into the content file")
    p.add_argument("--style-offset", type=_non_negative_float, default=0.0, help="seconds into the style file")
    p.add_argument("--iterations", type=_positive_int)
    p.add_argument("--alpha", type=_non_negative_float, help="content weight")
    p.add_argument("--beta", type=_non_negative_float, help="style weight")
    p.add_argument("--learning-rate", type=_positive_float)
    p.add_argument("--vgg-weights", help="auto, imagenet, none or a weights file")
    p.add_argument("--envelope-hz", type=_non_negative_float,
                   help="--method modulation: smoothing over frequency of the spectral envelope (default 64; 0: none)")
    p.add_argument("--judge", type=Path, help="a classifier run, to judge the genre shift")
    p.add_argument("--second-judge", type=Path, help="another classifier run (another family), to judge it too")
    p.add_argument("--style-genre", help="the genre to judge by (default: the style clip's)")
    p.add_argument("out_dir", type=Path)
    p.set_defaults(func=_cmd_transfer)


def _add_generation_commands(sub) -> None:
    """The commands of the generators: train-generator, generate."""
    p = sub.add_parser("train-generator", help="train an LSTM that generates spectrograms of one genre")
    p.add_argument("data_dir", type=Path)
    p.add_argument("run_dir", type=Path)
    p.add_argument("--model", choices=["paper", "autoregressive", "beat"], default="beat",
                   help="beat (the default): the LSTM that keeps time; autoregressive; paper: the paper's")
    p.add_argument("--label", default="lofi", help="the genre to learn (default: lofi)")
    p.add_argument("--epochs", type=_positive_int)
    p.add_argument("--layers", type=_positive_int, help="LSTM layers (the paper: 2 to 4)")
    p.add_argument("--units", type=_positive_int, help="units per LSTM layer (the paper: 50)")
    p.add_argument("--overfit", type=_positive_int, help="train on only this many clips (the paper's run on 2)")
    p.add_argument("--judge", type=Path, help="a classifier run: adds its probability of the genre to metrics.json")
    p.add_argument("--seed", type=int)
    p.add_argument("--quiet", action="store_true")
    p.set_defaults(func=_cmd_train_generator)

    p = sub.add_parser("generate", help="generate a sound with a trained generator")
    p.add_argument("run_dir", type=Path)
    p.add_argument("--seconds", type=_seconds, help=f"length (default: one clip; at most {MAX_GENERATE_SECONDS:g})")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--judge", type=Path, help="a classifier run, to judge the genre")
    p.add_argument("out_dir", type=Path)
    p.set_defaults(func=_cmd_generate)


def _add_runs_commands(sub) -> None:
    """The commands of finished runs: results, pack, unpack."""
    p = sub.add_parser("results", help="Markdown tables of every finished run in a runs folder")
    p.add_argument("runs_dir", type=Path, help="e.g. runs/classroom")
    p.set_defaults(func=_cmd_results)

    p = sub.add_parser("pack", help="put trained runs and/or a prepared dataset into one .zip with checksums")
    p.add_argument("sources", type=Path, nargs="+", help="run folders and/or a prepared dataset folder")
    p.add_argument("out_zip", type=Path)
    p.set_defaults(func=_cmd_pack)

    p = sub.add_parser("unpack", help="check and unpack a file made by `lildata pack` (or download one)")
    p.add_argument("pack", help="a .zip made by `lildata pack`, or an https:// address of one (needs --sha256)")
    p.add_argument("dest", type=Path, help="the folder to unpack into (e.g. runs/classroom)")
    p.add_argument("--sha256", help="the SHA-256 that `lildata pack` printed; checked before anything is unpacked")
    p.set_defaults(func=_cmd_unpack)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``lildata`` command."""
    parser = argparse.ArgumentParser(prog="lildata", description="Deep learning on music audio: the Lil Data course.")
    sub = parser.add_subparsers(dest="command", required=True)
    for add in (_add_data_commands, _add_classifiers_commands, _add_transfer_commands, _add_generation_commands,
                _add_runs_commands):
        add(sub)
    return parser


def _cmd_pack(args: argparse.Namespace) -> int:
    from .pack import pack

    problem = _out_file(args.out_zip)
    if problem:
        return _fail(problem)
    result = pack(args.sources, args.out_zip)
    print(f"wrote {args.out_zip}: {', '.join(item['name'] for item in result['items'])} "
          f"({result['bytes'] / 2**20:.1f} MiB)")
    print(f"sha256 {result['sha256']}  (give it to `lildata unpack --sha256`)")
    return 0


def _cmd_unpack(args: argparse.Namespace) -> int:
    from .pack import unpack

    items = unpack(args.pack, args.dest, sha256=args.sha256)
    for item in items:
        print(f"{item['status']}: {item['kind']} {args.dest / item['name']}")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Run the ``lildata`` command; returns the exit code.

    Every failure is one line on standard error: exit code 2 for a problem of
    the input (a file, a folder, an argument), 1 for a problem of the machine
    (no space, no permission), which a later run retries. ``LILDATA_DEBUG=1``
    shows the traceback instead.
    """
    from .errors import LildataError, MachineError, is_machine_error

    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    args = build_parser().parse_args(argv)
    debug = os.environ.get("LILDATA_DEBUG") == "1"
    try:
        if args.command in ("train", "evaluate", "predict", "transfer", "train-generator", "generate"):
            from .course import import_tensorflow

            import_tensorflow()  # without its start-up lines
        code = args.func(args)
    except KeyboardInterrupt:
        print("lildata: interrupted; run the same command again to continue", file=sys.stderr)
        code = 130
    except MachineError as error:
        if debug:
            raise
        print(f"lildata: error of the machine: {error}; nothing was remembered as a file's fault, so running "
              "the command again retries", file=sys.stderr)
        code = 1
    except LildataError as error:
        if debug:
            raise
        code = _fail(str(error))
    except OSError as error:
        if debug:
            raise
        where = f"{error.filename}: " if error.filename else ""
        kind = "error of the machine" if is_machine_error(error) else "error"
        print(f"lildata: {kind}: {where}{error.strerror or error}", file=sys.stderr)
        code = 1
    except Exception as error:  # a last resort: one line, not a traceback
        if debug:
            raise
        print(f"lildata: unexpected error: {type(error).__name__}: {error} (LILDATA_DEBUG=1 shows where)",
              file=sys.stderr)
        code = 1
    return code


def run() -> None:
    """The ``lildata`` console command: :func:`main`, then exit with its code.

    After a failure with TensorFlow loaded, the process leaves at once:
    TensorFlow's threads (a ``tf.data`` pipeline cut off by an error) can
    otherwise keep the interpreter from exiting.
    """
    code = main()
    sys.stdout.flush()
    sys.stderr.flush()
    if code and "tensorflow" in sys.modules:
        os._exit(code)
    sys.exit(code)


if __name__ == "__main__":  # pragma: no cover
    run()
