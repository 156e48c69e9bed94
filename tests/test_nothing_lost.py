"""Nothing lost, nothing injected, nothing hangs: the commands besides `prepare`, tried as a hostile or
unlucky user would (the findings of the second round of probes, each with the rule behind its fix)."""

from __future__ import annotations

import errno
import functools
import http.server
import json
import os
import shutil
import threading
import time
import zipfile
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from conftest import write_song
from lildata_utils import audio, cli, data, files
from lildata_utils.audio import io as audio_io
from lildata_utils.course import report
from lildata_utils.data import synth
from lildata_utils.files import pack
from lildata_utils.models.saving import load_keras
from lildata_utils.runs import KINDS
from lildata_utils.settings import generator_preset, get_preset, train_preset
from lildata_utils.errors import LildataError

TINY = get_preset("tiny")


def _run(args, capsys):
    try:
        code = cli.main([str(a) for a in args])
    except SystemExit as exit_:  # argparse: a usage line and one error line
        code = exit_.code
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def _one_clear_line(code, text, reason, exit_code=2):
    lines = [line for line in text.strip().splitlines() if line.startswith("lildata") or "error" in line]
    assert code == exit_code and reason in text and "Traceback" not in text, text
    assert len(lines) <= 2, text


# --- a command writes only names it creates, in a folder it claimed ----------------------------------------

def test_transfer_never_writes_over_the_users_own_files(tmp_path, capsys):
    mine = tmp_path / "d"
    content = write_song(mine / "content.wav", "lofi", 0, 12.0, 8000)
    style = write_song(mine / "style.wav", "house", 0, 3.0, 8000)
    before = {p.name: p.read_bytes() for p in mine.iterdir()}
    code, text = _run(["transfer", "--content", content, "--style", style, "--preset", "tiny", "--method",
                       "statistics", mine], capsys)
    _one_clear_line(code, text, "holds files that lildata did not make")
    assert {p.name: p.read_bytes() for p in mine.iterdir()} == before, "the user's files are untouched"
    code, text = _run(["transfer", "--content", content, "--style", style, "--preset", "tiny", "--method",
                       "statistics", tmp_path / "out"], capsys)
    assert code == 0 and (tmp_path / "out" / "result.wav").exists()
    code, _ = _run(["transfer", "--content", content, "--style", style, "--preset", "tiny", "--method",
                    "modulation", tmp_path / "out"], capsys)
    assert code == 0, "its own folder is written again"


def test_generate_never_writes_into_a_classifier_run(softmax_run, tmp_path, capsys):
    before = (softmax_run / "metrics.json").read_bytes()
    code, text = _run(["generate", softmax_run, softmax_run], capsys)
    _one_clear_line(code, text, "holds lildata's lildata-classifier-run")
    assert (softmax_run / "metrics.json").read_bytes() == before


# --- names and text from files ------------------------------------------------------------------------------

def test_a_song_name_with_a_unicode_line_separator_makes_a_dataset_that_reads(tmp_path, capsys):
    raw = tmp_path / "raw"
    for genre in ("house", "lofi"):
        for index in range(3):
            write_song(raw / genre / f"{genre}_{index}.wav", genre, index, 3.0, 8000)
    write_song(raw / "lofi" / "side\u2028b\x85c.wav", "lofi", 9, 3.0, 8000)
    out = tmp_path / "out"
    data.prepare(raw, out, TINY, jobs=1, progress=False, log=lambda line: None)
    prepared = data.PreparedDataset(out)
    assert "lofi/side\u2028b\x85c.wav" in {c.song for c in prepared.clips}
    code, text = _run(["info", out], capsys)
    assert code == 0 and "lofi" in text


def test_every_table_escapes_what_runs_files_say(tmp_path, capsys):
    evil = "<script>alert(1)</script>"
    rows = {"x": {"labels": ["a", "b"], "split_by": evil, "train_accuracy": 1.0, "test_accuracy": 0.5,
                  "test_song_accuracy": 0.5, "n_songs": evil}}
    table = report.results_table(rows)
    assert evil not in table and "&lt;script&gt;" in table
    outcome = {"settings": {"iterations": evil}, "judge": {"probability": {"content": 0.1}, "predicted": {"result": evil}},
               "log_spectral_distance_db": {"result_to_content": 1.0, "result_to_style": 2.0, "control_to_content": 3.0},
               "brightness": {k: {"centroid_hz": 100.0, "high_db": -50.0} for k in ("content", "result", "style")}}
    assert evil not in report.outcome_table({"t": outcome})
    assert evil not in report.metrics_table({"g": {"measured_on": evil, "variance_ratio": evil}})
    runs = tmp_path / "runs"
    for name, labels in (("good", ["a", "b"]), ("no_labels", None)):
        (runs / name).mkdir(parents=True)
        (runs / name / "config.json").write_text(json.dumps({"training": {"model": "softmax"}}))
        (runs / name / "metrics.json").write_text(json.dumps({**rows["x"], "labels": labels} if labels else
                                                             {"split_by": "song", "test_accuracy": "?"}))
    code, text = _run(["results", runs], capsys)
    assert code == 0 and evil not in text and "| good |" in text
    assert "| no_labels | - | - | song | - | - |" in text, "a run that lacks its labels is a row of dashes, not no table"


def test_a_label_that_starts_a_formula_is_written_as_text(tmp_path):
    sheet = tmp_path / "answers.csv"
    files.append_csv_row(sheet, {"genre": "=HYPERLINK(\"http://x\")", "chosen": "+1", "clip": "3"},
                         ("genre", "chosen", "clip"))
    text = sheet.read_text()
    assert "'=HYPERLINK" in text and "'+1" in text and "\n=" not in text and ",=" not in text
    assert files.read_csv_rows(sheet)[0]["clip"] == "3"


# --- every path read from a dataset, run or pack stays inside it -------------------------------------------

def test_a_dataset_that_points_elsewhere_cannot_read_a_private_file_out(tiny_prepared, tmp_path, capsys):
    private = tmp_path / "home" / "secret.wav"
    write_song(private, "noise", 5, 3.0, 8000)
    crafted = tmp_path / "crafted"
    shutil.copytree(tiny_prepared, crafted)
    cfg = json.loads((crafted / "config.json").read_text())
    (crafted / "config.json").write_text(json.dumps({**cfg, "raw_dir": "/"}))
    manifest = (crafted / "manifest.csv").read_text().splitlines()
    first = manifest[1].split(",")
    first[2], first[3] = str(private.relative_to("/")), "0.0"
    (crafted / "manifest.csv").write_text("\n".join([manifest[0], ",".join(first), *manifest[2:]]) + "\n")
    code, text = _run(["transfer", "--data", crafted, "--content", "0", "--style", "1", "--method", "statistics",
                       tmp_path / "out"], capsys)
    assert code == 0, text
    copied, _ = sf.read(tmp_path / "out" / "content.wav")
    secret = audio.load_audio(private, 8000, 0.0, 1.0)
    assert abs(np.corrcoef(copied[:len(secret)], secret[:len(copied)])[0, 1]) < 0.5, "the private file came out"
    prepared = data.PreparedDataset(crafted)
    assert prepared.clip_audio(0)[1] is False, "rebuilt from the spectrogram, not read from the file"
    assert data.PreparedDataset(tiny_prepared).clip_audio(0)[1] is True, "a real dataset still plays its songs"


def test_pack_never_follows_a_link_inside_a_run(softmax_run, tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("private")
    run = tmp_path / "run"
    shutil.copytree(softmax_run, run)
    os.symlink(secret, run / "notes.txt")
    with pytest.raises(LildataError, match="is a link"):
        pack.pack([run], tmp_path / "out.zip")
    assert not (tmp_path / "out.zip").exists()


def _crafted_pack(path: Path, members: dict[str, bytes], listed: dict | None = None, items=None) -> Path:
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        files_ = listed if listed is not None else {
            name: {"size": len(data), "sha256": __import__("hashlib").sha256(data).hexdigest()}
            for name, data in members.items()}
        archive.writestr(pack.MANIFEST, json.dumps({"items": items if items is not None else
                                                    [{"name": "r", "kind": "run"}], "files": files_}))
        for name, data in members.items():
            archive.writestr(name, data)
    return path


def test_unpack_refuses_bombs_liars_and_crafted_lists(tmp_path):
    bomb = _crafted_pack(tmp_path / "bomb.zip", {"r/zeros.npy": bytes(64 * 2**20)})
    with pytest.raises(LildataError, match="more than 200 times"):
        pack.unpack(bomb, tmp_path / "a")
    big = bytes(3 * 2**20)
    liar = _crafted_pack(tmp_path / "liar.zip", {"r/x.npy": big},
                         listed={"r/x.npy": {"size": 10, "sha256": "0" * 64}})
    with pytest.raises(LildataError, match="claims"):
        pack.unpack(liar, tmp_path / "b")
    for listed, items in (([1, 2], None), ({"r/x": {"size": "a lot", "sha256": "x"}}, None),
                          ({}, [{"name": "../up", "kind": "run"}]), ({}, "runs")):
        crafted = _crafted_pack(tmp_path / "c.zip", {}, listed=listed, items=items)
        with pytest.raises(LildataError, match="refused|not a list"):
            pack.unpack(crafted, tmp_path / "c")
    for dest in ("a", "b", "c"):
        assert not [p for p in (tmp_path / dest).rglob("*") if p.is_file() and not p.name.startswith(".lildata")]


def test_a_killed_unpack_leaves_nothing_the_next_one_does_not_remove(softmax_run, tmp_path):
    made = pack.pack([softmax_run], tmp_path / "class.zip")
    dest = tmp_path / "dest"
    stale = dest / ".unpack.999999.abcd1234"
    (stale / "softmax").mkdir(parents=True)
    (stale / "softmax" / "model.keras").write_bytes(b"half")
    mine = dest / ".unpack.notes"
    mine.mkdir()
    pack.unpack(tmp_path / "class.zip", dest, sha256=made["sha256"])
    assert not stale.exists() and mine.exists() and (dest / softmax_run.name / "model.keras").exists()


# --- downloads and archives have a deadline and a size limit -----------------------------------------------

class _Trickle(http.server.BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802
        self.send_response(200)
        self.send_header("Content-Length", "1000000")
        self.end_headers()
        try:
            for _ in range(1000):
                self.wfile.write(b"x")
                self.wfile.flush()
                time.sleep(0.2)
        except OSError:
            pass

    def log_message(self, *args):
        pass


def test_a_download_that_trickles_stops_at_its_deadline_and_keeps_nothing(tmp_path, monkeypatch, capsys):
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Trickle)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    monkeypatch.setattr(pack, "DOWNLOAD_SECONDS", 1.5)
    monkeypatch.setenv("LILDATA_CACHE", str(tmp_path / "cache"))
    start = time.monotonic()
    try:
        code, text = _run(["unpack", f"http://127.0.0.1:{server.server_address[1]}/class.zip", tmp_path / "dest",
                           "--sha256", "0" * 64], capsys)
    finally:
        server.shutdown()
    assert time.monotonic() - start < 30
    _one_clear_line(code, text, "not downloaded within 1.5 s")
    assert not [p for p in (tmp_path / "cache").rglob("*") if p.is_file()], "no half-downloaded file"


# --- run folders: locked, resumable, never stuck ------------------------------------------------------------

def _interrupt_at(epoch: int):
    import keras

    class Stop(keras.callbacks.Callback):
        def on_epoch_end(self, e, logs=None):
            if e + 1 == epoch:
                raise KeyboardInterrupt

    return Stop()


@pytest.mark.slow
def test_a_run_whose_backup_cannot_be_read_starts_again_and_finishes(tiny_prepared, tmp_path, capsys):
    from lildata_utils.runs import classifier as training

    run = tmp_path / "run"
    settings = train_preset("tiny", model="lildata", paper_setup=True, epochs=3, patience=3)
    with pytest.raises(KeyboardInterrupt):
        training.train(tiny_prepared, run, settings, verbose=0, callbacks=[_interrupt_at(1)])
    code, text = _run(["train", tiny_prepared, run], capsys)
    _one_clear_line(code, text, "--resume")
    for weights in (run / "backup").glob("*.weights.h5"):
        weights.write_bytes(weights.read_bytes()[:100])  # as a kill or a full disk in the first backup leaves it
    code, text = _run(["train", tiny_prepared, run, "--resume", "--quiet"], capsys)
    assert code == 0 and "cannot be read" in text and "starts again" in text, text
    history = json.loads((run / "history.json").read_text())
    assert history["epoch"] == list(range(1, len(history["epoch"]) + 1)) and training.finished(run)


@pytest.mark.slow
def test_a_kill_between_the_history_and_the_backup_loses_no_epoch(tiny_prepared, tmp_path, monkeypatch, capsys):
    from lildata_utils.runs import backup, classifier as training  # backup/state.json is written by runs.backup

    run = tmp_path / "run"
    settings = train_preset("tiny", model="lildata", paper_setup=True, epochs=4, patience=4)
    real = backup.write_json

    def killed_at_the_second_backup(path, data):
        if Path(path).name == "state.json" and data.get("epoch") == 2:
            raise KeyboardInterrupt
        return real(path, data)

    monkeypatch.setattr(backup, "write_json", killed_at_the_second_backup)
    with pytest.raises(KeyboardInterrupt):
        training.train(tiny_prepared, run, settings, verbose=0)
    monkeypatch.setattr(backup, "write_json", real)
    code, text = _run(["train", tiny_prepared, run, "--resume", "--quiet"], capsys)
    assert code == 0, text
    assert "after epoch 1" in text and "can differ" in text, "a resumed run says its figures may differ"
    history = json.loads((run / "history.json").read_text())
    assert history["epoch"] == list(range(1, len(history["epoch"]) + 1)) and len(history["loss"]) == len(history["epoch"])


def test_resume_against_another_dataset_is_refused(tiny_prepared, tmp_path, capsys):
    from lildata_utils.runs import classifier as training

    run = tmp_path / "run"
    with pytest.raises(KeyboardInterrupt):
        training.train(tiny_prepared, run, train_preset("tiny", model="lildata", paper_setup=True, epochs=3), verbose=0,
                       callbacks=[_interrupt_at(1)])
    other = tmp_path / "other"
    raw = tmp_path / "raw"
    for genre in ("house", "lofi", "noise"):
        for index in range(3):
            write_song(raw / genre / f"{genre}_{index}.wav", genre, index + 10, 3.0, 8000)
    data.prepare(raw, other, TINY, jobs=1, progress=False, log=lambda line: None)
    before = (run / "config.json").read_bytes()
    code, text = _run(["train", other, run, "--resume"], capsys)
    _one_clear_line(code, text, "trained on another dataset")
    assert (run / "config.json").read_bytes() == before


def test_numbers_without_bounds_are_refused_before_anything_is_written(tiny_prepared, tmp_path, capsys):
    cases = [
        (["train", tiny_prepared, tmp_path / "r", "--learning-rate", "1e300"], "--learning-rate must be from"),
        (["train", tiny_prepared, tmp_path / "r", "--model", "resnet50", "--image-size", "-5"], "--image-size"),
        (["train", tiny_prepared, tmp_path / "r", "--labels", ""], "a label is empty"),
        (["train-generator", tiny_prepared, tmp_path / "g", "--layers", "100000"], "--layers must be from 1 to 8"),
        (["synth", tmp_path / "s", "--seconds", "1e9"], "--seconds must be from"),
        (["synth", tmp_path / "s", "--seconds", "nan"], "finite"),
        (["synth", tmp_path / "s", "--sample-rate", "0"], "--sample-rate must be from"),
        (["synth", tmp_path / "s", "--jobs", "-1"], "at least 1"),
        (["synth", tmp_path / "s", "--genres", ""], "--genres"),
        (["synth", tmp_path / "s", "--genres", "house,house"], "more than once"),
        (["transfer", "--content", "0", "--style", "1", "--data", tiny_prepared, "--method", "vgg19", "--alpha",
          "1e308", tmp_path / "t"], "--alpha must be from"),
    ]
    for args, reason in cases:
        code, text = _run(args, capsys)
        _one_clear_line(code, text, reason)
    assert not (tmp_path / "r").exists() and not (tmp_path / "g").exists() and not list((tmp_path / "s").rglob("*.wav"))


def test_settings_and_clips_read_from_a_dataset_are_bounded(tiny_prepared, tmp_path, capsys):
    for name, change, reason in (("iters", {"griffin_lim_iters": 10**9}, "griffin_lim_iters must be from"),
                                 ("floor", {"floor_db": "-Infinity"}, "floor_db must be a finite number")):
        crafted = tmp_path / name
        shutil.copytree(tiny_prepared, crafted)
        cfg = json.loads((crafted / "config.json").read_text())
        cfg["spectrogram"].update({k: (float(v) if isinstance(v, str) else v) for k, v in change.items()})
        (crafted / "config.json").write_text(json.dumps(cfg))
        code, text = _run(["invert", crafted, "--clip", "0", tmp_path / "x.wav"], capsys)
        _one_clear_line(code, text, reason)
    crafted = tmp_path / "start"
    shutil.copytree(tiny_prepared, crafted)
    lines = (crafted / "manifest.csv").read_text().splitlines()
    cells = lines[1].split(",")
    cells[3] = "nan"
    (crafted / "manifest.csv").write_text("\n".join([lines[0], ",".join(cells), *lines[2:]]) + "\n")
    code, text = _run(["info", crafted], capsys)
    _one_clear_line(code, text, "is not a time in a song")
    assert not (tmp_path / "x.wav").exists()


def test_a_model_file_with_a_huge_config_is_refused(tmp_path):
    model = tmp_path / "model.keras"
    with zipfile.ZipFile(model, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("config.json", "{" + " " * (32 * 2**20) + "}")
        archive.writestr("metadata.json", "{}")
    with pytest.raises(LildataError, match="its config is 32 MiB"):
        load_keras(model)


def test_an_audio_header_that_claims_an_absurd_rate_is_skipped(tmp_path):
    raw = tmp_path / "raw"
    for genre in ("house", "lofi"):
        for index in range(3):
            write_song(raw / genre / f"{genre}_{index}.wav", genre, index, 3.0, 8000)
    sf.write(raw / "house" / "slow.wav", np.zeros(200, np.float32) + 0.1, 1)  # 200 s at 1 Hz in 400 bytes
    lines = []
    result = data.prepare(raw, tmp_path / "out", TINY, jobs=1, progress=False, log=lines.append)
    assert any("house/slow.wav" in line and "sample rate of 1 Hz" in line for line in lines), lines
    assert result.files_processed == 6


def test_reading_a_clip_deep_in_a_long_file_decodes_little_of_it(tmp_path, monkeypatch):
    path = tmp_path / "long.wav"
    sf.write(path, np.random.default_rng(0).uniform(-0.3, 0.3, 8000 * 120).astype(np.float32), 8000)
    read = {"frames": 0}
    real = sf.SoundFile.read

    def counting(self, frames=-1, *args, **kwargs):
        block = real(self, frames, *args, **kwargs)
        read["frames"] += len(block)
        return block

    monkeypatch.setattr(sf.SoundFile, "read", counting)
    clip = audio.load_audio(path, 8000, 100.0, 1.0)
    assert len(clip) == 8000 and read["frames"] < 8000 * 35, read


# --- one clear line, and the rest goes on ------------------------------------------------------------------

def test_a_looping_link_an_unreadable_song_and_a_link_back_to_raw_are_skipped(tmp_path, monkeypatch):
    raw = tmp_path / "raw"
    for genre in ("house", "lofi"):
        for index in range(3):
            write_song(raw / genre / f"{genre}_{index}.wav", genre, index, 3.0, 8000)
    os.symlink(raw / "house" / "loop.wav", raw / "house" / "loop.wav")
    os.symlink(raw, raw / "again")
    locked = raw / "lofi" / "locked.wav"
    write_song(locked, "lofi", 7, 3.0, 8000)
    real_access = os.access
    monkeypatch.setattr(audio_io.os, "access", lambda p, mode: False if Path(p) == locked else real_access(p, mode))
    lines = []
    result = data.prepare(raw, tmp_path / "out", TINY, jobs=1, progress=False, log=lines.append)
    said = "\n".join(lines)
    assert "house/loop.wav: a link in a loop" in said
    assert "lofi/locked.wav: cannot read: permission denied (skipped this time" in said
    assert "again/: a link to RAW_DIR itself" in said
    assert result.files_processed == 6 and not (tmp_path / "out" / "songs" / f"{data.song_id('lofi/locked.wav')}.json").exists()


def test_synth_on_a_full_disk_is_an_error_of_the_machine_and_a_rerun_makes_every_song(tmp_path, monkeypatch, capsys):
    real = Path.write_bytes
    calls = {"n": 0}

    def full(self, data):
        if self.name.endswith(".tmp.wav"):
            calls["n"] += 1
            if calls["n"] == 2:
                raise OSError(errno.ENOSPC, "No space left on device", str(self))
        return real(self, data)

    monkeypatch.setattr(Path, "write_bytes", full)
    code, text = _run(["synth", tmp_path / "s", "--genres", "house", "--songs-per-genre", "3", "--seconds", "2",
                       "--sample-rate", "8000", "--jobs", "1", "--quiet"], capsys)
    _one_clear_line(code, text, "No space left on device", exit_code=1)
    assert "error of the machine" in text
    monkeypatch.setattr(Path, "write_bytes", real)
    assert not list((tmp_path / "s").rglob(".*.tmp*")), "no half-written file"
    paths = synth.make_dataset(tmp_path / "s", genres=["house"], songs_per_genre=3, seconds=2.0, sample_rate=8000,
                               jobs=1, progress=False)
    assert all(p.exists() and p.with_suffix(".json").exists() for p in paths)


def test_synth_writes_the_sound_before_the_json_that_says_it_is_whole(tmp_path, monkeypatch):
    out = tmp_path / "s"
    synth.make_dataset(out, genres=["lofi"], songs_per_genre=1, seconds=2.0, seed=0, sample_rate=8000, jobs=1,
                       progress=False)
    real = synth.write_wav

    def killed(path, *args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(synth, "write_wav", killed)
    with pytest.raises(KeyboardInterrupt):
        synth.make_dataset(out, genres=["lofi"], songs_per_genre=1, seconds=2.0, seed=1, sample_rate=8000, jobs=1,
                           progress=False)
    monkeypatch.setattr(synth, "write_wav", real)
    path = synth.make_dataset(out, genres=["lofi"], songs_per_genre=1, seconds=2.0, seed=1, sample_rate=8000,
                              jobs=1, progress=False)[0]
    wanted, _ = synth.make_song("lofi", seed=1, index=0, seconds=2.0, sample_rate=8000)
    got, _ = sf.read(path)
    assert np.abs(got - wanted).max() < 1e-3, "the seed-1 song, not the old sound under the new JSON"


def test_two_commands_on_one_folder_are_refused_in_one_line(tiny_prepared, tmp_path, capsys):
    for args, folder in ((["synth", tmp_path / "s", "--genres", "house", "--songs-per-genre", "1", "--seconds", "1",
                           "--sample-rate", "8000", "--quiet"], tmp_path / "s"),
                         (["train-generator", tiny_prepared, tmp_path / "g", "--label", "lofi", "--quiet"],
                          tmp_path / "g")):
        with files.FolderLock(folder, "`lildata something` in another terminal"):
            code, text = _run(args, capsys)
        _one_clear_line(code, text, "in use by `lildata something` in another terminal")


@pytest.mark.slow
def test_a_killed_generator_run_is_trained_again_and_never_used_half_made(tiny_prepared, tmp_path, capsys):
    from lildata_utils.runs import generator as generate

    run = tmp_path / "g"
    settings = generator_preset("tiny", "paper", label="lofi", epochs=1)  # the quickest to measure
    run.mkdir()
    (run / "config.json").write_text(json.dumps({"kind": KINDS["generator"], "finished": False,
                                                 "generator": json.loads(json.dumps(
                                                     __import__("dataclasses").asdict(settings)))}))
    (run / "model.keras").write_bytes(b"half written by a killed run")
    code, text = _run(["generate", run, tmp_path / "sound"], capsys)
    _one_clear_line(code, text, "did not finish")
    generate.train_generator(tiny_prepared, run, settings, verbose=0)
    assert generate.finished(run)
    code, text = _run(["generate", run, tmp_path / "sound"], capsys)
    assert code == 0 and (tmp_path / "sound" / "generated.wav").exists(), text
    with pytest.raises(LildataError, match="already holds a finished generator"):
        generate.train_generator(tiny_prepared, run, settings, verbose=0)
