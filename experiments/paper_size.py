"""The rest of the paper's table at the paper's size: the paper's transfer pair with every method, the generators.

    python experiments/paper_size.py [--work results/work_paper] [--preset paper] [--out results/paper.json]
        [--methods vgg19,lildata,random1d,statistics,modulation] [--generators beat,paper]

RESULTS.md, "The paper's pair at the paper's size (631 x 631)" and "The generators at the paper's size"
(the second step of ``make paper``). Run it after ``experiments/classifiers.py --paper-setup`` on the same
``--work`` folder: it uses that script's prepared dataset and runs. The ``lildata`` transfer uses the paper's
set-up of the 8-genre Lil Data (``lildata_8_song_paper_setup``: its layers conv1 to conv4, as notebook 04); two
classifiers that no transfer or generator saw judge: the recipe's Lil Data (``lildata_8_song``) and a
classifier of another family, ResNet50
(``resnet50_8_song``) when it was trained (on a GPU: ``PAPER_MODELS=softmax,lildata,resnet50``), else the
softmax (``softmax_8_song``). Resumable: a transfer whose ``outcome.json`` has the same settings, clips and
judges, and a generator with the same settings, are reused. Prints a summary of every part and writes it,
with the header (command, machine, date), to ``--out``.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from dataclasses import asdict
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from header import ROOT, describe, header, write_result  # noqa: E402

from lildata_utils.data import PreparedDataset  # noqa: E402
from lildata_utils.registry import NETS, TRANSFER_METHODS  # noqa: E402
from lildata_utils.settings import generator_preset  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--work", type=Path, default=ROOT / "results" / "work_paper")
    parser.add_argument("--preset", default="paper")
    parser.add_argument("--data", type=Path, help="the prepared dataset (default: WORK/prepared_PRESET)")
    parser.add_argument("--methods", default=",".join(TRANSFER_METHODS))
    parser.add_argument("--iterations", type=int, help="for the nets (default: the paper's)")
    parser.add_argument("--vgg-weights", default="auto")
    parser.add_argument("--content-genre", default="lofi", help="the paper's pair: lo-fi content ...")
    parser.add_argument("--style-genre", default="future_bass", help="... in the style of future bass")
    parser.add_argument("--generators", default="beat,paper")
    parser.add_argument("--classifiers", type=Path, default=ROOT / "results" / "classifiers_paper.json",
                        help="the classifier summary of experiments/classifiers.py, printed with the rest")
    parser.add_argument("--out", type=Path, default=ROOT / "results" / "paper.json")
    args = parser.parse_args(argv)

    data = PreparedDataset(args.data or args.work / f"prepared_{args.preset}")
    settings = data.settings
    runs = args.work / "runs"
    second = "resnet50_8_song" if (runs / "resnet50_8_song" / "metrics.json").exists() else "softmax_8_song"
    needed = ("lildata_8_song_paper_setup", "lildata_8_song", second)
    missing = [name for name in needed if not (runs / name / "metrics.json").exists()]
    if missing:
        print(f"error: {runs} has no finished {', '.join(missing)}: run experiments/classifiers.py "
              f"--paper-setup --work {args.work} first", file=sys.stderr)
        return 2
    from lildata_utils.course import import_tensorflow, report

    import_tensorflow()
    from lildata_utils.runs import generator, transfer
    from lildata_utils.runs.evaluate import load_run

    classifier, _ = load_run(runs / needed[0])
    judges = [load_run(runs / name) for name in needed[1:]]  # load_run puts the run folder in its config
    pair = (transfer.middle_test_clip(data, args.content_genre), transfer.middle_test_clip(data, args.style_genre))
    content, style = (transfer.load_sound_clip(str(i), settings, data) for i in pair)

    outcomes = {}
    for method in [m for m in args.methods.split(",") if m]:
        ts = transfer.transfer_settings(method, vgg_weights=args.vgg_weights,
                                        iterations=args.iterations if method in NETS else None)
        out_dir = args.work / "transfer" / method
        saved = out_dir / "outcome.json"
        if saved.exists():
            old = json.loads(saved.read_text())
            same_judges = [old.get(key, {}).get("run") for key in ("judge", "second_judge")] == \
                [judge[1]["run_dir"] for judge in judges]
            if old.get("settings") == json.loads(json.dumps(asdict(ts))) and old.get("content") == content.source \
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
        gs = generator_preset(args.preset, model)
        print(f"== generator: {model}", flush=True)
        start = time.perf_counter()
        generators[model] = generator.ensure_generator(data, runs / f"generator_{model}", gs, judge=judges[0])
        generators[model].setdefault("seconds", round(time.perf_counter() - start, 1))

    classifiers = json.loads(args.classifiers.read_text()) if args.classifiers.exists() else None
    print(f"\n{describe(header(__file__, argv))}")
    print(f"\n## At the {args.preset} preset ({settings.shape[0]} x {settings.shape[1]}), {len(data)} clips")
    if classifiers:
        print("\n### Classifiers (experiments/classifiers.py)\n")
        print("| model | genres | split | test acc. (clips) | test acc. (songs) | epochs | s |")
        print("| --- | ---: | --- | ---: | ---: | ---: | ---: |")
        for r in classifiers["runs"]:
            seconds = "-" if r.get("seconds") is None else f"{r['seconds']:.0f}"
            print(f"| {r['model']} | {r['genres']} | {r['split_by']} | {r['test_accuracy']:.1%} | "
                  f"{r['test_song_accuracy']:.1%} | {r['epochs_run']} | {seconds} |")
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
        write_result(args.out, {"preset": args.preset, "clips": len(data), "judges": list(needed[1:]),
                                "classifiers": classifiers, "transfers": outcomes, "generators": generators},
                     __file__, argv)
    return 0


if __name__ == "__main__":
    sys.exit(main())
