"""The ``lildata`` commands that need TensorFlow, imported by :mod:`lildata_utils.cli` only when one runs.

Notebook: notebooks/02_classifier.ipynb
"""

from __future__ import annotations

import argparse
import json

from ..data import PreparedDataset
from ..errors import LildataError
from ..registry import BEST_TRANSFER, NETS, TRANSFER_METHODS
from ..runs import RunFolder, classifier, generator, transfer
from ..settings import generator_preset, get_preset, settings_from_dict, train_preset

__all__ = ["COMMANDS"]


def _train(args: argparse.Namespace) -> None:
    old = RunFolder(args.run_dir, "classifier").config() if args.resume else None
    if old is not None and args.model and old["training"].get("model") != args.model:
        raise LildataError(f"--resume: {args.run_dir} holds a {old['training'].get('model')} run, not "
                           f"{args.model}; leave out --model or choose a new folder")
    changes = {name: getattr(args, name) for name in ("epochs", "patience", "batch_size", "split_by", "seed",
                                                      "strategy", "learning_rate", "resnet_weights", "image_size",
                                                      "bn_momentum", "split_seed")}
    settings = train_preset(PreparedDataset(args.data_dir).settings.name, model=args.model or "lildata",
                            labels=tuple(args.labels.split(",")) if args.labels is not None else None,
                            paper_setup=args.paper_setup or None, **changes)
    metrics = classifier.train(args.data_dir, args.run_dir, settings, resume=args.resume,
                               verbose=0 if args.quiet else 2)
    print(f"{metrics['model']}: test accuracy {metrics['test_accuracy']:.1%} per clip, "
          f"{metrics['test_song_accuracy']:.1%} per song ({metrics['n_test']} clips, split by "
          f"{metrics['split_by']}; {metrics['epochs_run']} epochs) -> {args.run_dir}")
    if "leaky" in metrics:
        print(f"note: {metrics['leaky']}")


def _evaluate(args: argparse.Namespace) -> None:
    metrics = classifier.evaluate(args.model, args.data_dir, args.split)
    if args.json:
        print(json.dumps(metrics, indent=2))
        return
    print(f"{args.split}: {metrics['test_accuracy']:.1%} of {metrics['n_clips']} clips, "
          f"{metrics['test_song_accuracy']:.1%} of {metrics['n_songs']} songs (split by {metrics['split_by']})")
    for label, accuracy in metrics["per_label_accuracy"].items():
        print(f"  {label:<14}{'-' if accuracy is None else f'{accuracy:.1%}':>8}")


def _predict(args: argparse.Namespace) -> None:
    result = classifier.predict_file(args.model, args.audio_file)
    if args.json:
        print(json.dumps(result, indent=2))
        return
    print(f"{'start (s)':>9}  " + "".join(f"{label[:10]:>11}" for label in result["labels"]) + "   genre")
    rows = [(f"{clip['start_s']:>9.1f}", clip["probabilities"], clip["genre"]) for clip in result["clips"]]
    for start, probabilities, genre in rows + [(f"{'song':>9}", result["song_probabilities"], result["song_genre"])]:
        print(f"{start}  " + "".join(f"{p:>11.2f}" for p in probabilities) + f"   {genre}")


def _transfer_inputs(args: argparse.Namespace):
    """The method, its network, the judges, the spectrogram settings and the two clips, each checked."""
    net, _, run_dir = args.method.partition(":")
    net = BEST_TRANSFER if net == "best" else net
    if net not in TRANSFER_METHODS:
        raise LildataError(f"unknown method {args.method!r}: choose one of {', '.join(TRANSFER_METHODS)} or best")
    if net == "lildata" and not run_dir:
        raise LildataError("--method lildata needs a trained run: --method lildata:RUN_DIR")
    if net in NETS and args.envelope_hz is not None:
        raise LildataError("--envelope-hz is a setting of --method modulation")
    net_run = classifier.load_run(run_dir) if net == "lildata" else None
    judges = [classifier.load_run(j) if j else None for j in (args.judge, args.second_judge)]
    data = PreparedDataset(args.data) if args.data else None
    known = [r[1] for r in (net_run, *judges) if r is not None]
    settings = data.settings if data else settings_from_dict(known[0]["data_settings"]) if known else \
        get_preset(args.preset)
    if any(settings_from_dict(c["data_settings"]).shape != settings.shape for c in known):
        raise LildataError(f"a model given was trained on spectrograms of another shape than {settings.shape}")
    for judge, where in zip(judges, (args.judge, args.second_judge)):
        if judge is not None:
            judge[1]["run_dir"] = str(where)
    for name, value in (("--content", args.content), ("--style", args.style)):
        if data is not None and (not str(value).isdigit() or int(value) >= len(data)):
            raise LildataError(f"{name}: with --data, give a clip number from 0 to {len(data) - 1}, not {value!r}")
    clips = [transfer.load_sound_clip(value, settings, data, offset) for value, offset in
             ((args.content, args.content_offset), (args.style, args.style_offset))]
    return net, net_run, judges, settings, clips


def _transfer(args: argparse.Namespace) -> None:
    transfer.claim_transfer_folder(args.out_dir)  # first: a folder of other files is refused, untouched
    net, net_run, judges, settings, (content, style) = _transfer_inputs(args)
    chosen = transfer.transfer_settings(net, iterations=args.iterations if net in NETS else None,
                                        alpha=args.alpha, beta=args.beta, vgg_weights=args.vgg_weights,
                                        learning_rate=args.learning_rate, envelope_hz=args.envelope_hz)
    outcome = transfer.genre_transfer(content, style, settings, chosen, args.out_dir, net_run and net_run[0],
                                      judges[0], args.style_genre, second_judge=judges[1])
    d, kept, losses = outcome["log_spectral_distance_db"], outcome["content_measures"], outcome["losses"]
    print(f"{net}: closed form, {outcome['seconds']:.2f} s" if losses is None else
          f"{net}: {chosen.iterations} iterations in {outcome['seconds']:.0f} s; loss {losses['start']['total']:.4g}"
          f" -> {losses['end']['total']:.4g} (style cost {losses['end']['style']:.4g})")
    print(f"log-spectral distance: result to content {d['result_to_content']:.1f} dB, to style "
          f"{d['result_to_style']:.1f} dB (content to style {d['content_to_style']:.1f} dB)")
    chroma, onsets = kept["chroma_db"], kept["onsets"]
    print(f"what should stay the content's: chroma distance to content {chroma['result_to_content']:.1f} dB, "
          f"to style {chroma['result_to_style']:.1f} dB; onset distance to content "
          f"{onsets['result_to_content']:.2f}, to style {onsets['result_to_style']:.2f}")
    for key, name in (("judge", "judge"), ("second_judge", "second judge")):
        if key in outcome:
            p = outcome[key]["probability"]
            print(f"{name}: P({outcome[key]['style_genre']}): content {p['content']:.2f}, control {p['control']:.2f}, "
                  f"result {p['result']:.2f}")
    print(f"wrote {args.out_dir}/content.wav, style.wav, control.wav, result.wav, spectrograms.png, outcome.json")


def _train_generator(args: argparse.Namespace) -> None:
    preset = PreparedDataset(args.data_dir).settings.name
    settings = generator_preset(preset, args.model, label=args.label, epochs=args.epochs, layers=args.layers,
                                units=args.units, overfit=args.overfit, seed=args.seed)
    metrics = generator.train_generator(args.data_dir, args.run_dir, settings, verbose=0 if args.quiet else 2)
    if args.judge:
        metrics = generator.ensure_generator(PreparedDataset(args.data_dir), args.run_dir, settings,
                                             judge=classifier.load_run(args.judge))
    extra = (f"; judged P({args.label}) {metrics['judge_probability']:.2f}" if "judge_probability" in metrics
             else "") + (f"; tempo in range in {metrics['tempo_in_range']:.0%} of clips" if "tempo_in_range" in
                         metrics else "")
    print(f"{args.model}: frame error {metrics['frame_error_teacher_db']:.1f} dB with teacher forcing, "
          f"{metrics['frame_error_free_db']:.1f} dB free-running; variance ratio {metrics['variance_ratio']:.2f} "
          f"({metrics['measured_on']}){extra} -> {args.run_dir}")


def _generate(args: argparse.Namespace) -> None:
    judge = classifier.load_run(args.judge) if args.judge else None
    sound = generator.generate_sound(args.run_dir, args.out_dir, seconds=args.seconds, seed=args.seed,
                                     judge=judge)["metrics"]["this_sound"]
    judged = f", judged {sound['judge_probability']:.2f}" if "judge_probability" in sound else ""
    print(f"wrote {args.out_dir}/generated.wav ({sound['seconds']:.1f} s, variance ratio "
          f"{sound['variance_ratio']:.2f}{judged}, tempo {sound['tempo_bpm']:.0f} BPM), seed.wav, spectrogram.png, "
          "metrics.json")


COMMANDS = {"train": _train, "evaluate": _evaluate, "predict": _predict, "transfer": _transfer,
            "train-generator": _train_generator, "generate": _generate}
