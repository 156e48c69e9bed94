"""The statistics baseline on three views of the same clips, over several splits by song: what its figure rests on.

    python experiments/statistics_views.py DATA_DIR [--split-seeds 1 2 3 4] [--out results/X.json]

RESULTS.md, "Over five splits by song". Notebook 02's statistics baseline (``summary_statistics``: each row's
mean, spread and mean frame-to-frame change; ``fit_baseline``: standardised, scikit-learn's logistic regression,
its strength chosen on the validation songs), fitted on three views of every clip:

- ``bins``: every stored frequency bin, as ``lildata train --model statistics`` fits it;
- ``pairs``: each two neighbouring bins averaged (their stored levels), half the frequency resolution;
- ``mel``: the 64 mel bands in dB that the course's recipe reads first (notebook 02's ``MelBands``).

Each on the dataset's own split and on the other splits of ``--split-seeds`` (``lildata train --split-seed``:
by song, within each label, another order of each label's songs). Prints the Markdown table (each split's
validation and test clips, the mean over splits) under its header; ``--out`` writes it as JSON with the header.
Fitted, not trained: the same figures on every run, about a minute a view at the paper's size on 2 cores.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from header import describe, header, write_result  # noqa: E402

from lildata_utils.data import PreparedDataset, split_clips  # noqa: E402
from lildata_utils.lessons import classifier as lesson  # noqa: E402
from lildata_utils.models.baselines import features  # noqa: E402

N_MELS = 64
"""The recipe's mel bands (``lildata_utils.models.classifiers.mel_bands``)."""


def views(data: PreparedDataset) -> dict[str, callable]:
    """``name: stored clips (batch, bins, frames) -> rows (batch, rows, frames)`` of each view."""
    s = data.settings
    mel = lesson.MelBands(s.sample_rate, s.n_fft, s.floor_db, s.ceiling_db, np.zeros(N_MELS), np.ones(N_MELS))

    def pairs(stored):
        half = stored.shape[1] // 2
        return stored[:, :2 * half].reshape(stored.shape[0], half, 2, stored.shape[2]).mean(axis=2)

    return {"bins": lambda stored: stored, "pairs": pairs,
            "mel": lambda stored: np.asarray(mel(stored[..., None]))[..., 0]}


def view_scores(data: PreparedDataset, splits: list[int | None]) -> dict[str, dict]:
    """Every view's validation and test accuracy (clips) on each split."""
    everything = np.arange(len(data.clips))
    rows = {}
    for name, view in views(data).items():
        table = features(data, everything, lambda stored, view=view: lesson.summary_statistics(view(stored)))
        entry = rows[name] = {"rows": table.shape[1] // 3, "splits": splits, "val": [], "test": []}
        for split in splits:
            parts = split_clips(data, data.labels, split_seed=split)
            (train, y_train), (val, y_val), (test, y_test) = (parts[k] for k in ("train", "val", "test"))
            fit = lesson.fit_baseline(table[train], y_train, table[val], y_val)
            entry["val"].append(float(fit.score(table[val], y_val)))
            entry["test"].append(float(fit.score(table[test], y_test)))
        entry["mean_test"], entry["mean_val"] = float(np.mean(entry["test"])), float(np.mean(entry["val"]))
    return rows


def table(rows: dict[str, dict]) -> str:
    splits = next(iter(rows.values()))["splits"]
    names = ["prepare's" if k is None else f"seed {k}" for k in splits]
    lines = [f"| view (rows a clip) | {' | '.join(names)} | test, mean over splits | validation, mean |",
             "| --- |" + " ---: |" * (len(names) + 2)]
    for name, entry in rows.items():
        cells = " | ".join(f"{100 * t:.1f}" for t in entry["test"])
        lines.append(f"| {name} ({entry['rows']}) | {cells} | {entry['mean_test']:.1%} | {entry['mean_val']:.1%} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("data_dir", type=Path, help="a dataset prepared by `lildata prepare`")
    parser.add_argument("--split-seeds", type=int, nargs="+", default=[],
                        help="other splits by song, beside the dataset's own (`lildata train --split-seed`)")
    parser.add_argument("--out", type=Path, help="JSON of every figure, with the header")
    args = parser.parse_args(argv)
    data = PreparedDataset(args.data_dir)
    rows = view_scores(data, [None, *dict.fromkeys(args.split_seeds)])
    head, text = header(__file__, argv), table(rows)
    print(f"\n{describe(head)}\n\n{args.data_dir}: {len(data.clips)} clips, {len(data.labels)} labels, "
          f"{data.settings.shape[0]} bins a clip; test clips right on each split\n\n{text}")
    if args.out:
        write_result(args.out, {"data_dir": str(args.data_dir), "data_fingerprint": data.fingerprint(),
                                "preset": data.settings.name, "rows": rows, "table": text}, __file__, argv)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
