"""The generator tables of RESULTS.md, one sub-command each: measures, ablation, spread, sampling, song.

    python experiments/generation.py measures RUN [RUN ...] --judge JUDGE [--clips 16] [--long 16]
    python experiments/generation.py ablation DATA_DIR --judge JUDGE [--work results/work/generator_ablation]
    python experiments/generation.py spread RUN --select-judge JUDGE --judge JUDGE [--clips 16] [--grid T:S,...]
    python experiments/generation.py sampling RUN --judge JUDGE [--clips 8]
    python experiments/generation.py song RUN --judge NAME=JUDGE --judge NAME=JUDGE [--sounds 16] [--seconds 20]
        [--splits val,test|test] [--reference DATA_DIR]

* ``measures`` (RESULTS.md, "The beat LSTM: generated lo-fi that keeps time" and "The generators at the
  paper's size"): for each trained generator, the variance ratio, the modulation distance to real clips (and
  real against real), the share of generated clips whose tempo the beat tracker finds in the genre's range,
  the beat strength, the Fréchet distance of the judge's embeddings (and its floor: the real clips that
  seeded the generations) and the judge's probability of the genre, over ``--clips`` generations seeded by
  held-out clips (:func:`lildata_utils.runs.generator.measure`). The same for the held-out clips themselves
  and for the fakes of :func:`lildata_utils.measures.music.fake_clips`, which the measures must fail.
  ``--long N``: N sounds of 4 clips from the last generator, seeded by the held-out clips after the first
  ``--clips``, and the share whose tempo, tracked on the whole, is in range.
* ``ablation`` ("Which change kept time"): the beat LSTM of the dataset's preset as ``lildata
  train-generator`` trains it, and its variants with one change each: no beat phase (its inputs are zeros,
  in training and in generation), 16 clips a batch instead of 4; each measured like ``measures``. Finished
  runs in ``--work`` with the same settings are reused.
* ``spread`` ("How it samples"): the beat LSTM's sampling, temperature and spread, judged by the judge that
  chose the default (``--select-judge``) and by one that took no part in the choice (``--judge``).
* ``sampling`` (the sampling table of "Generating spectrograms"): the autoregressive LSTM's temperature,
  with one quantile per frame (the lesson's sampler) or each bin its own.
* ``song`` ("A song generator", notebook 05c's table): the song generator's ``--sounds`` generations of
  ``--seconds``, seeded by the held-out songs in turn as :func:`lildata_utils.runs.generator.song_measures`
  makes them; each of its two parts over the other part of the real song it began from, and its drums alone
  (which part fails); the held-out songs themselves and the fakes of :func:`lildata_utils.measures.music.fake_songs`,
  with the training bars once more smoothed as the chords are and grained as the generator's songs are;
  each measured by every ``--judge`` (the first gives the Fréchet distance). ``--splits test``: only the test
  songs seed and judge (the validation songs chose the drums' epoch). ``--reference DATA_DIR``: every measure
  compares with the genre's songs of another prepared dataset (for example new built-in songs of another
  ``lildata synth --seed``) in place of the few held-out songs; the held-out songs still seed.

Every sub-command prints a Markdown table under its header; ``--out`` writes the rows as JSON with the header
(command, machine, date).
"""

from __future__ import annotations

import argparse
import os
from dataclasses import replace
from pathlib import Path
from unittest import mock

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from header import ROOT, run_table  # noqa: E402

FAKE_NAMES = {"noise": "noise at the real level", "frozen": "first frame frozen",
              "shuffled": "real frames shuffled in time", "looped": "a real clip's first second looped",
              "held chord": "the first frame's chord held, the clip's drums on top"}
SPREAD_GRID = ((0.7, 0.5), (1.0, 0.5), (0.85, 0.6), (1.0, 0.7), (0.7, 0.8), (1.0, 1.0))
"""(temperature, spread) of ``spread``: the default first."""
MEASURED = ("variance_ratio", "modulation_distance", "modulation_floor", "tempo_in_range", "beat_strength",
            "frechet_distance", "frechet_floor", "judge_probability", "n_clips")


def _get(m: dict, key: str, form: str) -> str:
    return format(m[key], form) if m.get(key) is not None else "-"


def _held_out(run) -> tuple:
    """A finished generator, its dataset and its genre's held-out clips (validation and test songs)."""
    from lildata_utils.data import PreparedDataset
    from lildata_utils.runs import generator as gen

    model, config = gen.load_generator(run)
    data = PreparedDataset(config["data_dir"])
    return model, config, data, gen.clips_of(data, model.settings.label, ("val", "test"))


def measures(args) -> tuple[dict, str]:
    from lildata_utils.measures.judged import music_measures
    from lildata_utils.measures.music import fake_clips
    from lildata_utils.measures.spectral import variance_ratio
    from lildata_utils.runs import generator as gen
    from lildata_utils.runs.evaluate import load_run

    judge = load_run(args.judge)
    rows = {}
    for run in args.runs:
        model, _, data, held = _held_out(run)
        rows[Path(run).name] = gen.measure(model, held, data.settings, n_clips=args.clips, judge=judge)
    settings, label = data.settings, model.settings.label
    real = held[: args.clips]
    fakes = {"real held-out clips": real, **{FAKE_NAMES.get(k, k): v for k, v in
                                             fake_clips(real, np.random.default_rng(0)).items()}}
    for name, clips in fakes.items():
        rows[name] = {**music_measures(clips, real, held, settings, label, judge),
                      "variance_ratio": variance_ratio(clips, real), "n_clips": len(clips)}
    lines = ["| clips | variance ratio | modulation distance (real-real) | tempo in range | beat strength | "
             f"Fréchet distance (real-real) | judged P({label}) |", "| --- | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for name, m in rows.items():
        lines.append(f"| {name} | {_get(m, 'variance_ratio', '.2f')} | {_get(m, 'modulation_distance', '.2f')} "
                     f"({_get(m, 'modulation_floor', '.2f')}) | {_get(m, 'tempo_in_range', '.0%')} | "
                     f"{_get(m, 'beat_strength', '.2f')} | {_get(m, 'frechet_distance', '.3g')} "
                     f"({_get(m, 'frechet_floor', '.3g')}) | {_get(m, 'judge_probability', '.2f')} |")
    body = {"runs": [str(r) for r in args.runs], "judge": str(args.judge), "rows": rows}
    if args.long:
        sounds = []
        for seed in range(args.clips, args.clips + args.long):  # seeded by the held-out clips after the first ones
            sound = gen.generate_sound(args.runs[-1], seconds=4 * settings.clip_seconds, seed=seed, data=data)
            sounds.append({k: sound["metrics"]["this_sound"].get(k) for k in ("seed", "tempo_bpm", "tempo_in_range")})
        share = float(np.mean([bool(s["tempo_in_range"]) for s in sounds]))
        body["long"] = {"run": str(args.runs[-1]), "seconds": 4 * settings.clip_seconds, "sounds": sounds,
                        "tempo_in_range": share}
        lines.append(f"\n{args.runs[-1]}: {args.long} sounds of {4 * settings.clip_seconds:g} s, tempo in range in "
                     f"{share:.0%} (BPM: {', '.join(format(s['tempo_bpm'], '.0f') for s in sounds)})")
    return body, "\n".join(lines)


def _zero_phase(n_frames, grid, scales=None):
    """The beat phase taken away: zeros in its place."""
    from lildata_utils.lessons import beat

    return np.zeros((n_frames, 2 * len(scales or beat.BEAT_SCALES)), np.float32)


def ablation(args) -> tuple[dict, str]:
    from lildata_utils.data import PreparedDataset
    from lildata_utils.lessons import beat
    from lildata_utils.runs import generator as gen
    from lildata_utils.runs.evaluate import load_run
    from lildata_utils.settings import generator_preset

    data = PreparedDataset(args.data_dir)
    default = generator_preset(data.settings.name, "beat", epochs=args.epochs)
    variants = {"beat LSTM (the default)": (default, []),
                "without the beat phase": (default, [mock.patch.object(beat, "beat_phase", _zero_phase)]),
                "16 clips a batch": (replace(default, batch_size=16), [])}
    judge = load_run(args.judge)
    held = gen.clips_of(data, default.label, ("val", "test"))
    rows = []
    lines = ["| generator | variance ratio | modulation distance (real-real) | tempo in range | beat strength | "
             "Fréchet distance (real-real) | judged P | training (s) |",
             "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for name, (settings, patches) in variants.items():
        run = args.work / "_".join(name.replace("(", "").replace(")", "").split())
        print(f"== {name}: {run}", flush=True)
        for patch in patches:
            patch.start()
        try:
            gen.ensure_generator(data, run, settings, verbose=0)
            model, config = gen.load_generator(run)
            m = gen.measure(model, held, data.settings, n_clips=args.clips, judge=judge)
        finally:
            for patch in patches:
                patch.stop()
        rows.append({"generator": name, "run": str(run), "training_seconds": config.get("seconds"),
                     **{k: m.get(k) for k in MEASURED}})
        lines.append(f"| {name} | {_get(m, 'variance_ratio', '.2f')} | {_get(m, 'modulation_distance', '.2f')} "
                     f"({_get(m, 'modulation_floor', '.2f')}) | {_get(m, 'tempo_in_range', '.0%')} | "
                     f"{_get(m, 'beat_strength', '.2f')} | {_get(m, 'frechet_distance', '.1f')} "
                     f"({_get(m, 'frechet_floor', '.1f')}) | {_get(m, 'judge_probability', '.2f')} | "
                     f"{_get(config, 'seconds', '.0f')} |")
    return {"data_dir": str(args.data_dir), "judge": str(args.judge), "rows": rows}, "\n".join(lines)


def spread(args) -> tuple[dict, str]:
    from lildata_utils.runs import generator as gen
    from lildata_utils.runs.evaluate import load_run

    model, _, data, held = _held_out(args.run_dir)
    judges = {"selecting judge": load_run(args.select_judge), "judge": load_run(args.judge)}
    lines = ["| temperature | spread | variance ratio | modulation distance | tempo in range | beat strength | "
             + " | ".join(f"{name}: Fréchet (floor) | {name}: P" for name in judges) + " |",
             "| ---: | ---: | ---: | ---: | ---: | ---: | " + " | ".join("---: | ---:" for _ in judges) + " |"]
    rows = []
    for temperature, width in args.grid:
        model.settings = replace(model.settings, temperature=temperature, spread=width)
        judged = {name: gen.measure(model, held, data.settings, n_clips=args.clips, judge=judge)
                  for name, judge in judges.items()}
        m = judged["judge"]
        rows.append({"temperature": temperature, "spread": width, **{k: m.get(k) for k in MEASURED[:5]},
                     **{name: {k: j.get(k) for k in ("frechet_distance", "frechet_floor", "judge_probability")}
                        for name, j in judged.items()}})
        lines.append(f"| {temperature} | {width} | {_get(m, 'variance_ratio', '.2f')} | "
                     f"{_get(m, 'modulation_distance', '.2f')} | {_get(m, 'tempo_in_range', '.0%')} | "
                     f"{_get(m, 'beat_strength', '.2f')} | " + " | ".join(
                         f"{_get(j, 'frechet_distance', '.1f')} ({_get(j, 'frechet_floor', '.1f')}) | "
                         f"{_get(j, 'judge_probability', '.2f')}" for j in judged.values()) + " |")
        print(lines[-1], flush=True)
    return {"run": str(args.run_dir), "judges": {"selecting judge": str(args.select_judge), "judge": str(args.judge)},
            "rows": rows}, "\n".join(lines)


def sample_per_bin(probabilities, rng, temperature=0.7):
    """Each bin its own quantile: the lesson's sampler (``sample_frame``) with one draw a bin, not one a frame."""
    from lildata_utils.lessons.generators import level_values

    sharp = np.asarray(probabilities, np.float64) ** (1.0 / max(temperature, 1e-3))
    sharp /= sharp.sum(axis=1, keepdims=True)
    picks = (sharp.cumsum(axis=1) < rng.random((sharp.shape[0], 1))).sum(axis=1).clip(0, sharp.shape[1] - 1)
    return level_values(sharp.shape[1])[picks]


def sampling(args) -> tuple[dict, str]:
    from lildata_utils.lessons import generators as lesson05
    from lildata_utils.measures.judged import predict_stored
    from lildata_utils.measures.spectral import variance_ratio
    from lildata_utils.runs import generator as gen
    from lildata_utils.runs.evaluate import load_run

    model, _, data, held = _held_out(args.run_dir)
    if model.settings.model != "autoregressive":
        raise SystemExit(f"{args.run_dir}: a {model.settings.model} generator; `sampling` is of the autoregressive one")
    judge_model, judge_config = load_run(args.judge)
    settings, label = data.settings, model.settings.label
    real, k = held[: args.clips], model.settings.seed_frames
    span = settings.ceiling_db - settings.floor_db
    lines = ["| sampling | variance ratio | free-running error (dB) | judged P(" + label + ") | judged as |",
             "| --- | ---: | ---: | ---: | --- |"]
    rows = []
    for per_bin in (True, False):
        for temperature in (1.0, 0.7, 0.5):
            sample = sample_per_bin if per_bin else lesson05.sample_frame
            made = np.stack([lesson05.generate_frames(gen.stepper(model), c.T[:k], c.shape[1],  # a fresh state a clip
                                                      np.random.default_rng(i), temperature, sample=sample)
                             for i, c in enumerate(real)])
            probs = predict_stored(judge_model, made)
            name = f"{'each bin its own quantile' if per_bin else 'one quantile per frame'}, temperature {temperature}"
            row = {"sampling": name, "per_bin": per_bin, "temperature": temperature,
                   "variance_ratio": variance_ratio(made[..., k:], real[..., k:]),
                   "frame_error_free_db": float(np.sqrt(np.mean((made[..., k:] - real[..., k:]) ** 2)) * span),
                   "judge_probability": float(probs[:, judge_config["labels"].index(label)].mean())
                   if label in judge_config["labels"] else None,
                   "judged_as": sorted({judge_config["labels"][i] for i in probs.argmax(1)})}
            rows.append(row)
            lines.append(f"| {name} | {row['variance_ratio']:.2f} | {row['frame_error_free_db']:.1f} | "
                         f"{_get(row, 'judge_probability', '.3f')} | {', '.join(row['judged_as'])} |")
    return {"run": str(args.run_dir), "judge": str(args.judge), "clips": len(real), "rows": rows}, "\n".join(lines)


GRAINED = "training bars, smoothed and grained"


def _smoothed_and_grained(sound, grain, settings, rng):
    """A copy made to look generated: each 3-s piece squeezed to 64 steps and stretched back, as the song generator's
    chords are, then the generator's grain (``song``'s row :data:`GRAINED`: can smoothing and noise hide a copy?)."""
    from lildata_utils.lessons import song as lesson05c

    bar = int(round(3.0 * settings.sample_rate / settings.hop_length))
    edges = np.unique(np.append(np.arange(0, sound.shape[1], bar), sound.shape[1]))
    smooth = np.concatenate([lesson05c.stretch(lesson05c.stretch(sound[:, a:b], 64), b - a)
                             for a, b in zip(edges[:-1], edges[1:])], axis=1)
    return lesson05c.add_grain(smooth, grain, rng).astype(np.float32)


def song(args) -> tuple[dict, str]:
    from lildata_utils.audio import stored_to_db
    from lildata_utils.course import report
    from lildata_utils.data import PreparedDataset
    from lildata_utils.lessons import song as lesson05c
    from lildata_utils.measures import judged, music
    from lildata_utils.runs import generator as gen, song as songs
    from lildata_utils.runs.evaluate import load_run

    model, _, data, _ = _held_out(args.run)
    settings, label = data.settings, model.settings.label
    training = songs.song_spectrograms(data, label, ("train",))
    held_out = songs.song_spectrograms(data, label, tuple(args.splits.split(",")))
    judges = {name: load_run(path) for name, path in args.judge}
    real, clips = songs.first_seconds(held_out, settings, args.seconds), songs.clips_of_songs(training, settings)
    reference, fingerprint = real, None  # what every measure compares with: the held-out songs, or --reference's
    if args.reference:
        other = PreparedDataset(args.reference)
        if other.settings != settings:
            raise SystemExit(f"--reference {args.reference}: its spectrograms are not made as the generator's are "
                             f"(prepare it with `lildata prepare RAW_DIR {args.reference} --preset {settings.name}`)")
        reference = songs.first_seconds(songs.song_spectrograms(other, label, ("train", "val", "test")), settings,
                                        args.seconds)
        if reference.shape[2] < real.shape[2]:
            raise SystemExit(f"--reference {args.reference}: its {label} songs are shorter than {args.seconds:g} s")
        reference, fingerprint = reference[:, :, :real.shape[2]], other.fingerprint()
    rng, k, sounds, parts = np.random.default_rng(model.settings.seed), model.settings.seed_frames, [], []
    for i in range(args.sounds):  # as gen.song_measures makes them (notebook 05c), keeping each one's two parts
        info, song = {}, real[i % len(real)]
        sounds.append(gen.generate(model, song.T[:k], real.shape[2], rng, info, grid_of=song[:, :settings.n_frames]))
        parts.append((info["parts"]["harmony"], info["parts"]["drums"],
                      lesson05c.split_harmony(stored_to_db(song, settings))))
    rows = {"song generator": {**judged.song_measures(np.stack(sounds), reference, clips, settings, label, judges),
                               "n_sounds": len(sounds)}}
    swapped = {  # which part fails: each of the generator's two parts over the other part of the song it began from
        "its harmony over the real drums": [(harmony, real_drums) for harmony, _, (_, real_drums) in parts],
        "the real harmony over its drums": [(real_harmony, drums) for _, drums, (real_harmony, _) in parts],
        "its drums alone": [(np.full_like(drums, settings.floor_db), drums) for _, drums, _ in parts]}
    for name, pairs in swapped.items():  # with the grain, and the seed's first frames, as in generate()
        made = np.stack([lesson05c.add_grain(songs.to_stored(lesson05c.mix_db(h, d, settings.floor_db), settings),
                                             model.chords["grain"], rng) for h, d in pairs]).astype(np.float32)
        made[:, :, :k] = np.stack([real[i % len(real)] for i in range(len(made))])[:, :, :k]
        rows[name] = judged.song_measures(made, reference, clips, settings, label, judges)
    fakes = music.fake_songs(real, clips, settings, np.random.default_rng(args.seed))
    fakes[GRAINED] = np.stack([_smoothed_and_grained(s, model.chords["grain"], settings, rng)
                               for s in fakes["training bars"]])
    for name, sounds in {"real held-out " + label: real, **fakes}.items():
        rows[name] = {**judged.song_measures(sounds, reference, clips, settings, label, judges), "n_sounds": len(sounds)}
    body = {"run": str(args.run), "judges": {name: str(path) for name, path in args.judge},
            "splits": args.splits, "held_out_songs": len(held_out), "training_songs": len(training),
            "reference": str(args.reference) if args.reference else None, "reference_fingerprint": fingerprint,
            "reference_songs": len(reference),
            "rows": rows}
    against = (f"; every row measured against the first {args.seconds:g} s of the {len(reference)} {label} songs of "
               f"{args.reference}" if args.reference else "")
    return body, (f"{rows['song generator']['n_sounds']} generations of {args.seconds:g} s seeded by the "
                  f"{len(held_out)} held-out {label} songs in turn; the real row and the fakes: those "
                  f"{len(real)} songs{against}\n\n" + report.song_table(rows))


def _judge(text: str) -> tuple[str, Path]:
    name, _, path = text.rpartition("=")
    if not name or not path:
        raise argparse.ArgumentTypeError(f"{text!r}: give NAME=RUN_DIR (for example statistics=runs/x)")
    return name, Path(path)


def _grid(text: str) -> tuple[tuple[float, float], ...]:
    try:
        return tuple((float(t), float(s)) for t, s in (pair.split(":") for pair in text.split(",")))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r}: give TEMPERATURE:SPREAD pairs separated by commas") from None


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="table", required=True)
    p = sub.add_parser("measures", help="trained generators, the held-out clips and the fakes, measured")
    p.add_argument("runs", nargs="+")
    p.add_argument("--judge", required=True)
    p.add_argument("--clips", type=int, default=16)
    p.add_argument("--long", type=int, default=0, help="sounds of 4 clips to generate with the last generator")
    p.set_defaults(make=measures)
    p = sub.add_parser("ablation", help="the beat LSTM with each of its changes taken away")
    p.add_argument("data_dir", type=Path)
    p.add_argument("--judge", required=True)
    p.add_argument("--work", type=Path, default=ROOT / "results" / "work" / "generator_ablation")
    p.add_argument("--clips", type=int, default=16)
    p.add_argument("--epochs", type=int, help="epochs of every variant (default: the preset's)")
    p.set_defaults(make=ablation)
    p = sub.add_parser("spread", help="the beat LSTM's temperature and spread, judged twice")
    p.add_argument("run_dir")
    p.add_argument("--select-judge", required=True)
    p.add_argument("--judge", required=True)
    p.add_argument("--clips", type=int, default=16)
    p.add_argument("--grid", type=_grid, default=SPREAD_GRID,
                   help="TEMPERATURE:SPREAD,... (default: " + ",".join(f"{t}:{s}" for t, s in SPREAD_GRID) + ")")
    p.set_defaults(make=spread)
    p = sub.add_parser("sampling", help="the autoregressive LSTM: one quantile per frame or per bin, temperature")
    p.add_argument("run_dir")
    p.add_argument("--judge", required=True)
    p.add_argument("--clips", type=int, default=8)
    p.set_defaults(make=sampling)
    p = sub.add_parser("song", help="the song generator, the held-out songs and the fakes: notebook 05c's table")
    p.add_argument("run")
    p.add_argument("--judge", type=_judge, action="append", required=True, help="NAME=RUN_DIR, once per judge")
    p.add_argument("--sounds", type=int, default=16)
    p.add_argument("--seconds", type=float, default=20.0)
    p.add_argument("--seed", type=int, default=0, help="the fakes' random numbers")
    p.add_argument("--splits", default="val,test", choices=("val,test", "test"), help="the held-out songs that seed and judge: val,test or test "
                   "(the song generator chooses its drums' epoch on the validation songs)")
    p.add_argument("--reference", type=Path, help="a dataset prepared at the generator's preset whose songs of the "
                   "genre (all its splits) every measure compares with, in place of the held-out songs: more songs, "
                   "a steadier floor (the built-in generator makes new ones with another --seed)")
    p.set_defaults(make=song)
    for p in sub.choices.values():
        p.add_argument("--out", type=Path, help="write the rows here as JSON, with the header")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return run_table(args, argv, __file__)


if __name__ == "__main__":
    raise SystemExit(main())
