"""The rest of the paper's table at the paper's size: the paper's transfer pair with every method, the generators.

    python scripts/results_paper.py [--work results/work_paper] [--preset paper] [--out results/paper.json]
        [--methods vgg19,lildata,random1d,statistics,modulation] [--generators beat,paper]

Run it after ``scripts/results_classifiers.py --paper-setup`` on the same ``--work`` folder (``make paper``
runs both): it uses that script's prepared dataset and runs. The ``lildata`` transfer uses the recipe's
8-genre Lil Data (``lildata_8_song``); two classifiers that no transfer or generator saw judge: the
paper's set-up of Lil Data (``lildata_8_song_paper_setup``) and a classifier of another family, ResNet50
(``resnet50_8_song``) when it was trained (on a GPU: ``PAPER_MODELS=softmax,lildata,resnet50``), else the
softmax (``softmax_8_song``). Resumable: a transfer whose ``outcome.json`` has the same settings and a
generator with the same settings are reused. Prints a summary of every part and writes it to ``--out``.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from lildata_utils import dataset, generate, report, training, transfer  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--work", type=Path, default=ROOT / "results" / "work_paper")
    parser.add_argument("--preset", default="paper")
    parser.add_argument("--data", type=Path, help="the prepared dataset (default: WORK/prepared_PRESET)")
    parser.add_argument("--methods", default=",".join(transfer.METHODS))
    parser.add_argument("--iterations", type=int, help="for the nets (default: the paper's)")
    parser.add_argument("--vgg-weights", default="auto")
    parser.add_argument("--content-genre", default="lofi", help="the paper's pair: lo-fi content ...")
    parser.add_argument("--style-genre", default="future_bass", help="... in the style of future bass")
    parser.add_argument("--generators", default="beat,paper")
    parser.add_argument("--classifiers", type=Path, default=ROOT / "results" / "classifiers_paper.json",
                        help="the classifier summary of results_classifiers.py, printed with the rest")
    parser.add_argument("--out", type=Path, default=ROOT / "results" / "paper.json")
    args = parser.parse_args(argv)

    data = dataset.PreparedDataset(args.data or args.work / f"prepared_{args.preset}")
    settings = data.settings
    runs = args.work / "runs"
    second = "resnet50_8_song" if (runs / "resnet50_8_song" / "metrics.json").exists() else "softmax_8_song"
    needed = ("lildata_8_song", "lildata_8_song_paper_setup", second)
    missing = [name for name in needed if not (runs / name / "metrics.json").exists()]
    if missing:
        print(f"error: {runs} has no finished {', '.join(missing)}: run scripts/results_classifiers.py "
              f"--paper-setup --work {args.work} first", file=sys.stderr)
        return 2
    classifier, _ = training.load_run(runs / "lildata_8_song")
    judges = []
    for name in needed[1:]:
        model, config = training.load_run(runs / name)
        config["run_dir"] = str(runs / name)
        judges.append((model, config))
    content_clip, style_clip = transfer.paper_pair(data, args.content_genre, args.style_genre)
    content, style = (transfer.load_sound_clip(str(i), settings, data) for i in (content_clip, style_clip))

    outcomes = {}
    for method in [m for m in args.methods.split(",") if m]:
        ts = transfer.transfer_settings(method, vgg_weights=args.vgg_weights,
                                        iterations=args.iterations if method in transfer.NETS else None)
        out_dir = args.work / "transfer" / method
        saved = out_dir / "outcome.json"
        if saved.exists():
            old = json.loads(saved.read_text())
            same_judges = [old.get(key, {}).get("run") for key in ("judge", "second_judge")] == \
                [str(runs / name) for name in needed[1:]]
            if old.get("settings") == transfer.settings_dict(ts) and old.get("content") == content.source \
                    and old.get("style") == style.source and same_judges:
                print(f"reusing the transfer in {out_dir}")
                outcomes[method] = old
                continue
        print(f"== transfer: {method}", flush=True)
        outcome = transfer.genre_transfer(content, style, settings, ts, out_dir, classifier=classifier,
                                          judge=judges[0], second_judge=judges[1])
        outcome.pop("arrays")
        outcomes[method] = outcome

    generators = {}
    for model in [m for m in args.generators.split(",") if m]:
        gs = generate.generator_preset(args.preset, model)
        print(f"== generator: {model}", flush=True)
        start = time.perf_counter()
        generators[model] = generate.ensure_generator(data.path, runs / f"generator_{model}", gs, judge=judges[0],
                                                      verbose=2)
        generators[model].setdefault("seconds", round(time.perf_counter() - start, 1))

    classifiers = json.loads(args.classifiers.read_text()) if args.classifiers.exists() else None
    print(f"\n## At the {args.preset} preset ({settings.shape[0]} x {settings.shape[1]}), {len(data)} clips")
    if classifiers:
        print("\n### Classifiers (scripts/results_classifiers.py)\n")
        print("| model | genres | split | test acc. (clips) | test acc. (songs) | epochs | s |")
        print("| --- | ---: | --- | ---: | ---: | ---: | ---: |")
        for r in classifiers["runs"]:
            print(f"| {r['model']} | {r['genres']} | {r['split_by']} | {r['test_accuracy']:.1%} | "
                  f"{r['test_song_accuracy']:.1%} | {r['epochs_run']} | {r['seconds']:.0f} |")
    if outcomes:
        print(f"\n### Transfer of the paper's pair ({content.source} -> {style.source}); judges {needed[1]}, "
              f"{second}\n")
        print(report.outcome_table(outcomes))
        print("\n| method | P(style) by the second judge: control / result | chroma distance to content / style (dB) "
              "| onset distance to content / style | s |\n| --- | ---: | ---: | ---: | ---: |")
        for method, o in outcomes.items():
            kept, p = o["content_measures"], o["second_judge"]["probability"]
            print(f"| {method} | {p['control']:.2g} / {p['result']:.2g} | {kept['chroma_db']['result_to_content']:.1f}"
                  f" / {kept['chroma_db']['result_to_style']:.1f} | {kept['onsets']['result_to_content']:.2f} / "
                  f"{kept['onsets']['result_to_style']:.2f} | {o['seconds']:.0f} |")
    if generators:
        print(f"\n### Generators (judge {needed[1]})\n")
        print(report.metrics_table(generators))
    if args.out:
        from lildata_utils.files import write_json

        write_json(args.out, {"preset": args.preset, "clips": len(data), "judges": list(needed[1:]),
                              "machine": f"{os.cpu_count()} CPU cores", "date": time.strftime("%Y-%m-%d"),
                              "classifiers": classifiers, "transfers": outcomes, "generators": generators})
    return 0


if __name__ == "__main__":
    sys.exit(main())
