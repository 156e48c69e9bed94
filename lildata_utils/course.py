"""What every notebook needs first: the dataset, trained runs, the accelerator.

Each notebook can run on its own: it makes (or reuses) the built-in dataset
and the runs it builds on, so a student may start at any notebook.

Notebook: notebooks/02_classifier.ipynb
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from . import config, dataset, synth

__all__ = ["check_accelerator", "collect_results", "dataset_dirs", "ensure_dataset", "ensure_run",
           "markdown_table_to_html", "results_table", "runs_dir"]


def check_accelerator() -> str:
    """Say which accelerator TensorFlow sees, and what to do when there is none.

    Returns:
        ``"tpu"``, ``"gpu"`` or ``"cpu"``.

    Notebook: notebooks/02_classifier.ipynb
    """
    import os

    import tensorflow as tf

    gpus = tf.config.list_physical_devices("GPU")
    if os.environ.get("COLAB_TPU_ADDR") or os.environ.get("TPU_NAME"):
        print("TPU runtime: training uses a TPU strategy (--strategy auto).")
        return "tpu"
    if gpus:
        print(f"{len(gpus)} GPU(s): {', '.join(g.name for g in gpus)}. The paper preset fits in Colab's time.")
        return "gpu"
    print("No GPU. The tiny and classroom presets run on a CPU in minutes; for the paper preset on Colab "
          "choose Runtime > Change runtime type > GPU, then run the notebook again.")
    return "cpu"


def dataset_dirs(preset: str, data_root: str | Path = "../data", raw_dir: str | Path | None = None) -> tuple[Path, Path]:
    """Where a preset's songs and prepared dataset live.

    Returns:
        ``(raw_dir, prepared_dir)``: ``DATA_ROOT/raw/builtin_<preset>`` and
        ``DATA_ROOT/prepared/builtin_<preset>``, or for your own music
        ``raw_dir`` and ``DATA_ROOT/prepared/<folder name>_<preset>``.
    """
    data_root = Path(data_root)
    if raw_dir is None:
        return data_root / "raw" / f"builtin_{preset}", data_root / "prepared" / f"builtin_{preset}"
    raw_dir = Path(raw_dir)
    return raw_dir, data_root / "prepared" / f"{raw_dir.name}_{preset}"


def ensure_dataset(preset: str, data_root: str | Path = "../data", raw_dir: str | Path | None = None,
                   seed: int = 0, jobs: int | None = None, progress: bool = True) -> dataset.PreparedDataset:
    """The prepared dataset of a preset, made first when missing (songs and clips already made are reused).

    Args:
        preset: ``tiny``, ``classroom`` or ``paper``.
        data_root: The course's data folder.
        raw_dir: Your own music (one sub-folder per genre), or ``None`` for
            the built-in songs.
        seed: Seed of the built-in songs.
        jobs: Worker processes.
        progress: Show progress bars.

    Notebook: notebooks/01_data_prep.ipynb
    """
    settings = config.get_preset(preset)
    raw, prepared = dataset_dirs(preset, data_root, raw_dir)
    if raw_dir is None:
        size = config.DATASET_SIZES[preset]
        synth.make_dataset(raw, songs_per_genre=size.songs_per_genre, seconds=size.song_seconds, seed=seed,
                           jobs=jobs, sample_rate=settings.sample_rate, progress=progress)
    dataset.prepare(raw, prepared, settings, jobs=jobs, progress=progress)  # quick when nothing changed
    return dataset.PreparedDataset(prepared)


def runs_dir(runs_root: str | Path, preset: str) -> Path:
    """The folder of a preset's runs: ``RUNS_ROOT/<preset>``."""
    return Path(runs_root) / preset


def ensure_run(data: dataset.PreparedDataset | str | Path, run_dir: str | Path, settings,
               verbose: int = 2) -> dict[str, Any]:
    """Train a classifier unless the run folder already holds the same finished run.

    A run folder with other settings is an error (choose a new folder); an
    interrupted one is resumed.

    Returns:
        The run's ``metrics.json``.

    Notebook: notebooks/02_classifier.ipynb
    """
    from dataclasses import asdict, fields, replace

    from .training import TrainSettings, train

    run_dir = Path(run_dir)
    data_path = data.path if isinstance(data, dataset.PreparedDataset) else Path(data)
    saved = run_dir / "config.json"
    if saved.exists():
        old = json.loads(saved.read_text())
        known = {f.name for f in fields(TrainSettings)} - {"labels"}
        before = TrainSettings(**{k: v for k, v in old["training"].items() if k in known})
        same = json.loads(json.dumps(asdict(replace(before, labels=None)))) == \
            json.loads(json.dumps(asdict(replace(settings, labels=None)))) and \
            (settings.labels is None or list(settings.labels) == old["labels"]) and \
            old["data_dir"] == str(Path(data_path).resolve())
        if not same:
            raise FileExistsError(f"{run_dir} holds a run with other settings: choose another folder or delete it")
        if (run_dir / "metrics.json").exists() and not (run_dir / "backup").exists():
            print(f"reusing the finished run in {run_dir}")
            return json.loads((run_dir / "metrics.json").read_text())
        return train(data_path, run_dir, settings, resume=True, verbose=verbose)
    return train(data_path, run_dir, settings, verbose=verbose)


def results_table(rows: dict[str, dict[str, Any]], paper: dict[str, str] | None = None) -> str:
    """A Markdown table of runs: clip and song test accuracy, train accuracy, split.

    Args:
        rows: ``{row name: metrics}``.
        paper: ``{row name: the paper's figure}`` for a last column.

    Notebook: notebooks/02_classifier.ipynb
    """
    head = "| run | genres | split | train acc. | test acc. (clips) | test acc. (songs) |"
    line = "| --- | ---: | --- | ---: | ---: | ---: |"
    if paper:
        head, line = head + " paper |", line + " ---: |"
    out = [head, line]
    for name, m in rows.items():
        row = (f"| {name} | {len(m['labels'])} | {m['split_by']} | {m['train_accuracy']:.1%} | "
               f"{m['test_accuracy']:.1%} | {m['test_song_accuracy']:.1%} ({m.get('n_songs', '?')} songs) |")
        out.append(row + (f" {paper.get(name, '')} |" if paper else ""))
    return "\n".join(out)


def collect_results(runs: str | Path) -> dict[str, str]:
    """Markdown tables of every finished run in a preset's runs folder.

    Returns:
        ``{"classifiers": ..., "genre transfer": ..., "generators": ...}``, each
        present only when such runs exist.

    Notebook: notebooks/06_listening.ipynb
    """
    from .generate import metrics_table
    from .transfer import outcome_table

    runs = Path(runs)
    classifiers, generators = {}, {}
    for metrics_path in sorted(runs.glob("*/metrics.json")):
        config_path = metrics_path.parent / "config.json"
        if not config_path.exists():
            continue
        config = json.loads(config_path.read_text())
        metrics = json.loads(metrics_path.read_text())
        if "training" in config:
            classifiers[metrics_path.parent.name] = metrics
        elif "generator" in config:
            generators[metrics_path.parent.name] = metrics
    transfers = {p.parent.name: json.loads(p.read_text()) for p in sorted(runs.glob("transfer/*/outcome.json"))}
    out = {}
    if classifiers:
        out["classifiers"] = results_table(classifiers)
    if transfers:
        out["genre transfer"] = outcome_table(transfers)
    if generators:
        out["generators"] = metrics_table(generators)
    return out


def markdown_table_to_html(table: str) -> str:
    """A Markdown table (as the helpers here write them) as an HTML ``<table>``."""
    import html

    lines = [line.strip().strip("|").split("|") for line in table.strip().splitlines()]
    head, body = lines[0], lines[2:]
    cells = "".join(f"<th>{html.escape(c.strip())}</th>" for c in head)
    rows = "".join("<tr>" + "".join(f"<td>{html.escape(c.strip())}</td>" for c in row) + "</tr>" for row in body)
    return f"<table><tr>{cells}</tr>{rows}</table>"
