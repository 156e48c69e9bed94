"""Training, judging and predicting with the classifiers, on data the tests make."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import keras
import numpy as np
import pytest

from lildata_utils import cli, dataset, training

ROOT = Path(__file__).resolve().parents[1]



def test_song_split_keeps_songs_apart_and_chunk_split_leaks(tiny_prepared):
    data = dataset.PreparedDataset(tiny_prepared)
    for split_by, leaks in (("song", False), ("chunk", True)):
        splits = training.split_clips(data, data.labels, split_by, seed=0)
        songs = {s: {data.clips[c].song for c in clips} for s, (clips, _) in splits.items()}
        shared = (songs["train"] & songs["test"]) | (songs["train"] & songs["val"])
        assert bool(shared) == leaks, split_by
        assert sum(len(c) for c, _ in splits.values()) == len(data)
    chunk = training.split_clips(data, data.labels, "chunk", seed=0)
    assert len(chunk["train"][0]) == int(0.8 * len(data))
    assert not np.array_equal(chunk["test"][0], training.split_clips(data, data.labels, "chunk", seed=1)["test"][0])


def test_softmax_run_learns_and_writes_every_file(softmax_run):
    for name in ("model.keras", "config.json", "history.json", "metrics.json", "confusion.png", "curves.png"):
        assert (softmax_run / name).stat().st_size > 0, name
    assert not (softmax_run / "backup").exists()
    metrics = json.loads((softmax_run / "metrics.json").read_text())
    for key in ("labels", "test_accuracy", "test_song_accuracy", "per_label_accuracy", "confusion_matrix",
                "train_accuracy", "val_accuracy", "n_train", "n_val", "n_test", "epochs_run", "split_by"):
        assert key in metrics, key
    assert metrics["labels"] == ["house", "lofi", "noise"] and metrics["split_by"] == "song"
    confusion = np.array(metrics["confusion_matrix"])
    assert confusion.sum() == metrics["n_test"]
    assert np.trace(confusion) / confusion.sum() == pytest.approx(metrics["test_accuracy"])
    assert metrics["test_accuracy"] >= 0.7, "three distinct genres: far above chance (1/3)"
    assert metrics["train_accuracy"] >= 0.7
    history = json.loads((softmax_run / "history.json").read_text())
    assert history["epoch"] == list(range(1, metrics["epochs_run"] + 1))
    assert history["loss"][-1] < history["loss"][0]
    config = json.loads((softmax_run / "config.json").read_text())
    assert config["data_settings"]["name"] == "tiny" and config["training"]["model"] == "softmax"


def test_evaluate_command_agrees_with_the_run(softmax_run, tiny_prepared, capsys):
    assert cli.main(["evaluate", str(softmax_run), str(tiny_prepared), "--json"]) == 0
    metrics = json.loads(capsys.readouterr().out)
    saved = json.loads((softmax_run / "metrics.json").read_text())
    assert metrics["test_accuracy"] == pytest.approx(saved["test_accuracy"])
    assert metrics["confusion_matrix"] == saved["confusion_matrix"]


def test_predict_gives_every_clip_and_the_song(softmax_run, tiny_raw, capsys):
    song = tiny_raw / "noise" / "noise_000.wav"
    assert cli.main(["predict", str(softmax_run), str(song), "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert [c["start_s"] for c in result["clips"]] == [0.0, 1.0, 2.0, 3.0]
    for clip in result["clips"]:
        assert sum(clip["probabilities"]) == pytest.approx(1.0, abs=1e-3)
    assert result["song_genre"] == "noise"


def test_predict_on_a_bad_file_is_one_clear_line(softmax_run, tmp_path, capsys):
    bad = tmp_path / "broken.wav"
    bad.write_bytes(b"RIFF not really")
    assert cli.main(["predict", str(softmax_run), str(bad)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "broken.wav" in err[0] and err[0].startswith("lildata: error:")


def test_a_second_train_into_the_same_folder_is_refused(softmax_run, tiny_prepared, capsys):
    assert cli.main(["train", str(tiny_prepared), str(softmax_run), "--model", "softmax"]) == 2
    assert "--resume" in capsys.readouterr().err


def test_the_train_command_passes_epochs_and_patience_to_the_run(tiny_prepared, tmp_path):
    run = tmp_path / "run"
    assert cli.main(["train", str(tiny_prepared), str(run), "--model", "softmax", "--epochs", "2", "--patience", "7",
                     "--quiet"]) == 0
    saved = training.settings_of_run(json.loads((run / "config.json").read_text()))
    assert saved["epochs"] == 2 and saved["patience"] == 7
    assert training.train_preset("tiny").patience != 7  # not the preset's own
    assert saved["pool_time"] is False


def test_a_run_from_before_pooling_over_time_is_still_reused(softmax_run, tiny_prepared, tmp_path, capsys):
    import shutil

    from lildata_utils import course

    old = tmp_path / "old"
    shutil.copytree(softmax_run, old)
    config = json.loads((old / "config.json").read_text())
    del config["training"]["pool_time"]
    (old / "config.json").write_text(json.dumps(config))
    settings = training.train_preset("tiny", model="softmax", epochs=25, patience=25)
    metrics = course.ensure_run(tiny_prepared, old, settings)
    assert "reusing the finished run" in capsys.readouterr().out
    assert metrics == json.loads((softmax_run / "metrics.json").read_text())
    with pytest.raises(course.RunError):  # but a run asked to pool over time is another run
        course.ensure_run(tiny_prepared, old, replace(settings, pool_time=True))


def test_the_train_command_gives_lil_data_pooling_over_time(tiny_prepared, tmp_path):
    run = tmp_path / "pooled"
    assert cli.main(["train", str(tiny_prepared), str(run), "--epochs", "1", "--pool-time", "--quiet"]) == 0
    assert training.settings_of_run(json.loads((run / "config.json").read_text()))["pool_time"] is True
    model, _ = training.load_run(run)
    assert "time_pool" in {layer.name for layer in model.layers}


def test_unknown_labels_are_refused(tiny_prepared, tmp_path, capsys):
    assert cli.main(["train", str(tiny_prepared), str(tmp_path / "run"), "--labels", "house,polka"]) == 2
    assert "polka" in capsys.readouterr().err


class _Interrupt(keras.callbacks.Callback):
    def on_epoch_end(self, epoch, logs=None):
        if epoch == 1:
            raise KeyboardInterrupt


def test_an_interrupted_run_resumes_from_its_last_epoch(tiny_prepared, tmp_path):
    run = tmp_path / "run"
    settings = training.train_preset("tiny", epochs=4, patience=10, labels=("house", "noise"), split_by="chunk")
    with pytest.raises(KeyboardInterrupt):
        training.train(tiny_prepared, run, settings, verbose=0, callbacks=[_Interrupt()])
    assert (run / "backup").exists() and not (run / "metrics.json").exists()
    metrics = training.train(tiny_prepared, run, training.TrainSettings(), resume=True, verbose=0)
    history = json.loads((run / "history.json").read_text())
    assert history["epoch"] == [1, 2, 3, 4] and metrics["epochs_run"] == 4
    assert metrics["labels"] == ["house", "noise"] and metrics["split_by"] == "chunk"
    assert "leaky" in metrics
    assert not (run / "backup").exists()
    assert not list(run.glob(".*tmp*"))


MIRRORED = """
import json, sys, tensorflow as tf
cpu = tf.config.list_physical_devices("CPU")[0]
tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
from lildata_utils import training
m = training.train(sys.argv[1], sys.argv[2], training.train_preset("tiny", model="softmax", epochs=6,
                   strategy="mirrored"), verbose=0)
print(json.dumps({"replicas": m["replicas"], "acc": m["train_accuracy"]}))
"""


def test_the_distributed_path_runs_on_two_cpu_replicas(tiny_prepared, tmp_path):
    script = tmp_path / "mirrored.py"
    script.write_text(MIRRORED)
    done = subprocess.run([sys.executable, str(script), str(tiny_prepared), str(tmp_path / "run")], cwd=ROOT,
                          capture_output=True, text=True, timeout=300,
                          env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"})
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["replicas"] == 2
    assert result["acc"] > 0.5
    config = json.loads((tmp_path / "run" / "config.json").read_text())
    assert config["strategy"] == "MirroredStrategy"


def test_unknown_strategy_is_refused():
    with pytest.raises(ValueError, match="unknown strategy"):
        training.get_strategy("quantum")


def test_results_command_tabulates_finished_runs(softmax_run, capsys, tmp_path):
    assert cli.main(["results", str(softmax_run.parent)]) == 0
    out = capsys.readouterr().out
    assert "### classifiers" in out and f"| {softmax_run.name} | 3 | song |" in out
    assert cli.main(["results", str(tmp_path)]) == 2
    assert "no finished runs" in capsys.readouterr().err


def test_the_recipe_and_the_papers_set_up_differ_only_where_they_should(tiny_prepared):
    recipe, paper = training.train_preset("classroom"), training.train_preset("classroom", paper_setup=True)
    assert (recipe.epochs, recipe.patience, recipe.rate) == (40, 8, 3e-4)
    assert (paper.epochs, paper.patience, paper.rate) == (20, 4, 1e-3)
    big = training.train_preset("paper"), training.train_preset("paper", paper_setup=True)
    assert [(s.epochs, s.patience) for s in big] == [(10, 3), (20, 4)]  # the recipe is capped; the paper's is not
    assert training.train_preset("classroom", paper_setup=True, epochs=7).epochs == 7
    data = dataset.PreparedDataset(tiny_prepared)
    clips, _ = training.split_clips(data, data.labels, "song", 0)["train"]
    stored = np.stack([data.spectrogram(int(c)) for c in clips])
    built = {name: training.build_classifier(s, data.settings.shape, len(data.labels), list(stored))
             for name, s in (("recipe", recipe), ("paper", paper))}
    names = {name: {layer.name for layer in model.layers} for name, model in built.items()}
    assert {"standardise", "with_spectrum", "average_spectrum"} <= names["recipe"]
    assert not {"standardise", "with_spectrum"} & names["paper"]
    # the standardiser's statistics are the training clips' own, per frequency bin
    layer = built["recipe"].get_layer("standardise")
    assert np.allclose(np.ravel(layer.mean), stored.astype(np.float64).mean(axis=(0, 2)), atol=1e-5)
    assert np.allclose(np.ravel(layer.variance), stored.astype(np.float64).var(axis=(0, 2)), atol=1e-5)
    x = stored[:4, ..., None]
    standardised = np.asarray(layer(x))
    assert np.allclose(standardised.mean(axis=(0, 2, 3)), 0, atol=2.0)  # centred around zero, not around 0.5
    assert abs(float(np.asarray(layer(stored[..., None])).mean())) < 1e-3


def test_a_run_made_before_the_recipe_is_not_taken_for_it():
    old = {"training": {"model": "lildata", "epochs": 20, "patience": 4, "seed": 0}}
    assert training.settings_of_run(old)["standardise"] is False and training.settings_of_run(old)["spectrum"] is False
    new = {"training": {"model": "lildata", "standardise": True, "spectrum": True}}
    assert training.settings_of_run(new)["standardise"] is True
