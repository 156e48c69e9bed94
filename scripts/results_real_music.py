"""Lil Data against the average-spectrum softmax on a prepared dataset, by song, over several seeds.

Each seed draws its own song split (per label: 20% of the songs for test, 15% for validation, the
rest for training; no song in two splits), so the spread over seeds covers both the weights and
which songs are held out. Every model of a seed sees the same split. For each model it reports the
accuracy by clip and by song (a song's label is the one with the highest mean probability over its
clips) on the test songs.

    python scripts/results_real_music.py data/prepared/real --seeds 0 1 2 --out results/real_music.json

A long run can go one seed at a time (``--seeds 0 --out seed0.json``, and so on); ``--combine seed0.json
seed1.json seed2.json --out all.json`` then joins them into the same summary.

Models: ``softmax`` (the lesson's standardised average spectrum into a logistic regression),
``paper`` (Lil Data as the paper set it up: ``--paper-setup``) and ``recipe`` (Lil Data as
``lildata train`` trains it: standardised bins, the average spectrum beside the convolutions, Adam at
3e-4, up to 40 epochs with a patience of 8); ``--models`` picks, and ``--variant NAME:key=value,...`` adds a Lil Data with other recipe
settings (see ``lildata_utils.training.TrainSettings``) for the search.

Notebook: notebooks/02_classifier.ipynb
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from lildata_utils.course import import_tensorflow  # noqa: E402
from lildata_utils.dataset import PreparedDataset  # noqa: E402
from lildata_utils.files import write_json  # noqa: E402
from lildata_utils.lessons.classifier import average_spectrum, softmax_baseline, song_accuracy  # noqa: E402


def song_split(data: PreparedDataset, seed: int, test: float = 0.2, val: float = 0.15) -> dict[str, list[str]]:
    """Per label, shuffle the songs with the seed and give ``test`` and ``val`` of them to those splits."""
    rng = np.random.default_rng(seed)
    splits = {"train": [], "val": [], "test": []}
    for label in data.labels:
        songs = sorted({c.song for c in data.clips if c.label == label})
        rng.shuffle(songs)
        n_test, n_val = max(1, round(test * len(songs))), max(1, round(val * len(songs)))
        splits["test"] += songs[:n_test]
        splits["val"] += songs[n_test:n_test + n_val]
        splits["train"] += songs[n_test + n_val:]
    return splits


def arrays(data: PreparedDataset, songs: list[str]):
    keep = set(songs)
    chosen = [c for c in data.clips if c.song in keep]
    index = {label: i for i, label in enumerate(data.labels)}
    x = np.stack([data.spectrogram(c.clip) for c in chosen]).astype(np.float32)
    return x, np.array([index[c.label] for c in chosen], np.int32), np.array([c.song for c in chosen])


def scores(probabilities, targets, songs) -> dict[str, float]:
    return {"clip": float((probabilities.argmax(1) == targets).mean()),
            "song": song_accuracy(probabilities, targets, songs)}


def run_softmax(train, test) -> dict[str, float]:
    model = softmax_baseline(average_spectrum(train[0]), train[1])
    return scores(model.predict_proba(average_spectrum(test[0])), test[1], test[2])


def run_cnn(settings, data, train, val, test, seed: int) -> dict[str, float]:
    import keras

    from lildata_utils.training import build_classifier, fit_stored

    keras.utils.set_random_seed(seed)
    model = build_classifier(settings, data.settings.shape, len(data.labels), train[0])
    start = time.perf_counter()
    history = fit_stored(model, settings, train[0], train[1], val[0], val[1], seed=seed)
    result = scores(model.predict(test[0][..., None], batch_size=64, verbose=0), test[1], test[2])
    return {**result, "epochs": len(history.history["loss"]), "seconds": round(time.perf_counter() - start, 1)}


def parse_variant(text: str):
    from lildata_utils.training import TrainSettings

    name, _, body = text.partition(":")
    changes = {}
    for pair in filter(None, body.split(",")):
        key, value = pair.split("=")
        field = TrainSettings.__dataclass_fields__[key]
        kind = field.type if isinstance(field.type, str) else field.type.__name__
        changes[key] = (value.lower() in ("1", "true", "yes")) if "bool" in kind else \
            float(value) if "float" in kind else int(value) if "int" in kind else value
    return name, changes


def summarise(results: dict[str, list[dict]]) -> dict[str, dict]:
    """Mean, spread, lowest and highest over seeds of each model's clip and song accuracy; printed as a table."""
    summary = {name: {k: {"mean": float(np.mean([r[k] for r in rows])), "std": float(np.std([r[k] for r in rows])),
                          "min": float(np.min([r[k] for r in rows])), "max": float(np.max([r[k] for r in rows]))}
                      for k in ("clip", "song")} for name, rows in results.items()}
    print("\nmodel      clip accuracy (mean ± sd, min-max)   song accuracy")
    for name, row in summary.items():
        clip, song = row["clip"], row["song"]
        print(f"{name:10s} {100 * clip['mean']:5.1f} ± {100 * clip['std']:4.1f} ({100 * clip['min']:.1f}-{100 * clip['max']:.1f})"
              f"      {100 * song['mean']:5.1f} ± {100 * song['std']:4.1f}")
    return summary


def combine(paths: list[str], out: str | None) -> int:
    """Join the outputs of runs with other seeds on the same dataset (each seed run on its own, resumably)."""
    from lildata_utils.files import LildataError, read_json

    try:
        parts = [read_json(p, "an --out file of this script") for p in paths]
        if not all(isinstance(part, dict) and {"seeds", "runs"} <= part.keys() for part in parts):
            raise LildataError(f"{', '.join(paths)}: not every file is an --out file of this script")
    except LildataError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    for key in ("data_fingerprint", "variants"):
        if any(part.get(key) != parts[0].get(key) for part in parts):
            print(f"error: {', '.join(paths)} differ in {key}: only runs on the same dataset with the same "
                  "variants can be joined", file=sys.stderr)
            return 2
    seeds = [seed for part in parts for seed in part["seeds"]]
    if len(set(seeds)) < len(seeds):
        print(f"error: a seed is in more than one of {', '.join(paths)}", file=sys.stderr)
        return 2
    results: dict[str, list[dict]] = {}
    for part in parts:
        for name, rows in part["runs"].items():
            results.setdefault(name, []).extend(rows)
    summary = summarise(results)
    if out:
        write_json(out, {**parts[0], "seeds": seeds, "summary": summary, "runs": results, "joined": list(paths)})
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("data_dir", nargs="?", help="the prepared dataset (not with --combine)")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--models", default="softmax,paper,recipe")
    parser.add_argument("--variant", action="append", default=[], help="NAME:key=value,... (a Lil Data)")
    parser.add_argument("--epochs", type=int, default=None, help="most epochs (default: the settings')")
    parser.add_argument("--out", default=None, help="JSON of every figure")
    parser.add_argument("--combine", nargs="+", metavar="JSON", help="join the --out files of other seeds instead")
    args = parser.parse_args(argv)
    if args.combine:
        return combine(args.combine, args.out)
    if not args.data_dir:
        parser.error("give the prepared dataset, or --combine with the JSON files to join")
    import_tensorflow()
    from lildata_utils.training import train_preset

    data = PreparedDataset(args.data_dir)
    preset = data.settings.name if data.settings.name in ("paper", "classroom", "tiny") else "paper"
    cnns = {"paper": {"paper_setup": True}, "recipe": {}}
    chosen = [m for m in args.models.split(",") if m]
    variants = {name: changes for name, changes in map(parse_variant, args.variant)}
    results: dict[str, list[dict]] = {}
    for seed in args.seeds:
        split = song_split(data, seed)
        train, val, test = (arrays(data, split[name]) for name in ("train", "val", "test"))
        print(f"seed {seed}: {len(split['train'])}/{len(split['val'])}/{len(split['test'])} songs, "
              f"{len(train[1])}/{len(val[1])}/{len(test[1])} clips", flush=True)
        for name in chosen + list(variants):
            if name == "softmax":
                figure = run_softmax(train, test)
            else:
                changes = cnns.get(name, variants.get(name, {}))
                if args.epochs:
                    changes = {**changes, "epochs": args.epochs}
                figure = run_cnn(train_preset(preset, seed=seed, **changes), data, train, val, test, seed)
            results.setdefault(name, []).append({"seed": seed, **figure})
            print(f"  {name}: {json.dumps(figure)}", flush=True)
    summary = summarise(results)
    if args.out:
        write_json(args.out, {"data_dir": str(args.data_dir), "data_fingerprint": data.fingerprint(),
                              "seeds": args.seeds, "machine": platform.platform(),
                              "processor": platform.processor() or platform.machine(), "summary": summary,
                              "runs": results, "variants": variants})
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
