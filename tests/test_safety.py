"""Nothing lost, nothing injected: the commands on the folders people really have."""

from __future__ import annotations

import errno
import json
import multiprocessing
import os
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from lildata_utils import cli, data, files
from lildata_utils.course import report
from lildata_utils.data import shards
from lildata_utils.settings import get_preset
from lildata_utils.errors import LildataError, MachineError

from conftest import write_song

TINY = get_preset("tiny")
ROOT = Path(__file__).resolve().parents[1]


def _raw(root: Path, genres=("house", "lofi"), songs=3, seconds=3.0) -> Path:
    for genre in genres:
        for index in range(songs):
            write_song(root / genre / f"{genre}_{index:03d}.wav", genre, index, seconds, 8000)
    return root


def _prepare(raw, out, **kwargs):
    return data.prepare(raw, out, TINY, jobs=1, progress=False, log=lambda line: None, **kwargs)


def _run(args, capsys):
    code = cli.main(args)
    captured = capsys.readouterr()
    return code, captured.out + captured.err


# --- data loss ---------------------------------------------------------------------------------------------

def test_prepare_into_the_song_folder_itself_is_refused_and_deletes_nothing(tmp_path, capsys):
    raw = _raw(tmp_path / "music")
    mine = raw / "songs" / "my_song.wav"  # a label folder called songs/, as people have
    write_song(mine, "lofi", 7, 3.0, 8000)
    before = sorted(p.relative_to(raw) for p in raw.rglob("*"))
    code, out = _run(["prepare", str(raw), str(raw), "--preset", "tiny", "--jobs", "1", "--quiet"], capsys)
    assert code == 2 and "inside RAW_DIR" in out and len(out.strip().splitlines()) == 1
    assert sorted(p.relative_to(raw) for p in raw.rglob("*")) == before and mine.exists()


def test_prepare_refuses_a_folder_of_foreign_files_and_leaves_them(tmp_path, capsys):
    raw = _raw(tmp_path / "raw")
    out = tmp_path / "out"
    (out / "songs").mkdir(parents=True)
    (out / "songs" / "lyrics.txt").write_text("la la la")
    code, text = _run(["prepare", str(raw), str(out), "--preset", "tiny", "--jobs", "1", "--quiet"], capsys)
    assert code == 2 and "did not make" in text
    assert (out / "songs" / "lyrics.txt").read_text() == "la la la"


def test_a_dataset_keeps_foreign_files_and_another_raw_dir_needs_overwrite(tmp_path, capsys):
    raw_a, raw_b = _raw(tmp_path / "a"), _raw(tmp_path / "b", genres=("noise", "house"))
    out = tmp_path / "out"
    _prepare(raw_a, out)
    (out / "songs" / "notes.txt").write_text("mine")
    (out / "specs" / "keep.npy").write_bytes(b"mine")
    _prepare(raw_a, out)  # a rerun tidies only its own files
    assert (out / "songs" / "notes.txt").read_text() == "mine" and (out / "specs" / "keep.npy").exists()
    manifest = (out / "manifest.csv").read_text()
    code, text = _run(["prepare", str(raw_b), str(out), "--preset", "tiny", "--jobs", "1", "--quiet"], capsys)
    assert code == 2 and "--overwrite" in text and str(raw_a.resolve()) in text
    assert (out / "manifest.csv").read_text() == manifest, "the old dataset is untouched"
    assert data.PreparedDataset(out).labels == ["house", "lofi"]
    code, _ = _run(["prepare", str(raw_b), str(out), "--preset", "tiny", "--jobs", "1", "--quiet", "--overwrite"],
                   capsys)
    assert code == 0 and data.PreparedDataset(out).labels == ["house", "noise"]
    assert (out / "songs" / "notes.txt").exists() and (out / "specs" / "keep.npy").exists()


def test_train_refuses_a_folder_that_is_not_a_run_and_touches_nothing(tiny_prepared, tmp_path, capsys):
    run = tmp_path / "holiday"
    (run / "backup").mkdir(parents=True)
    (run / "backup" / "photo.jpg").write_bytes(b"precious")
    (run / "history.csv").write_text("my,own\n1,2\n")
    code, text = _run(["train", str(tiny_prepared), str(run), "--model", "softmax", "--epochs", "1", "--quiet"],
                      capsys)
    assert code == 2 and "holds files that lildata did not make (backup, history.csv)" in text
    assert (run / "backup" / "photo.jpg").read_bytes() == b"precious"
    assert (run / "history.csv").read_text() == "my,own\n1,2\n"


def test_a_full_disk_stops_prepare_and_a_rerun_retries_every_song(tmp_path, monkeypatch, capsys):
    raw = _raw(tmp_path / "raw", songs=4)
    out = tmp_path / "out"
    real_save = shards._save_shard
    calls = {"n": 0}

    def full_disk(path, clips):
        calls["n"] += 1
        if calls["n"] > 3:
            raise OSError(errno.ENOSPC, "No space left on device", str(path))
        real_save(path, clips)

    monkeypatch.setattr(shards, "_save_shard", full_disk)
    code, text = _run(["prepare", str(raw), str(out), "--preset", "tiny", "--jobs", "1", "--quiet"], capsys)
    assert code == 1 and "No space left on device" in text and "retries" in text
    records = [json.loads(p.read_text()) for p in (out / "songs").glob("*.json")]
    assert len(records) == 3 and all(r["status"] == "ok" for r in records), "nothing remembered as skipped"
    assert not list(out.rglob(".*.tmp*")), "no half-written file"
    monkeypatch.setattr(shards, "_save_shard", real_save)
    report_ = _prepare(raw, out)
    assert report_.files_processed == 8 and report_.reused == 3 and not report_.files_skipped


def test_a_second_prepare_on_the_same_folder_says_who_holds_it(tmp_path):
    raw = _raw(tmp_path / "raw", songs=1)
    out = tmp_path / "out"
    with files.FolderLock(out, "`lildata prepare /somewhere`"):
        with pytest.raises(data.DatasetError, match="in use by `lildata prepare /somewhere` \\(process"):
            _prepare(raw, out)
    _prepare(raw, out)  # once released, it runs


def test_loading_names_missing_and_wrong_shards(tmp_path, capsys):
    out = tmp_path / "out"
    _prepare(_raw(tmp_path / "raw"), out)
    shard = sorted((out / "specs").glob("*.npy"))[0]
    shard.unlink()
    with pytest.raises(data.DatasetError, match=f"missing from specs/ \\({shard.name}"):
        data.PreparedDataset(out)
    code, text = _run(["info", str(out)], capsys)
    assert code == 2 and shard.name in text and len(text.strip().splitlines()) == 1
    np.save(shard, np.zeros((1, 5, 5), np.float16))
    with pytest.raises(data.DatasetError, match="do not fit"):
        data.PreparedDataset(out)


def _answer_many(args):
    data_dir, csv_path, n, who = args
    from lildata_utils.course import stages as listening  # the listening lab (its answer sheet)

    lab = listening.ListeningLab(data.PreparedDataset(data_dir), answers_csv=csv_path)
    for i in range(n):
        lab.answer({"clip": i, "genre": who, "question": "q", "a": "original", "b": "control"}, "AB"[i % 2])


def test_two_writers_keep_all_400_answers_and_odd_files_lose_none(tiny_prepared, tmp_path):
    from lildata_utils.course import stages as listening  # the listening lab (its answer sheet)

    answers = tmp_path / "answers.csv"
    with multiprocessing.get_context("fork").Pool(2) as pool:
        pool.map(_answer_many, [(str(tiny_prepared), str(answers), 200, "w1"), (str(tiny_prepared), str(answers),
                                                                                 200, "w2")])
    lab = listening.ListeningLab(data.PreparedDataset(tiny_prepared), answers_csv=answers)
    rows = lab.answers()
    assert len(rows) == 400 and sum(r["genre"] == "w1" for r in rows) == 200
    assert lab.summary() == {"control vs original": {"control": 200, "original": 200}}
    # a file with an extra column, then one from an older version without "chosen"
    odd = tmp_path / "odd.csv"
    odd.write_text("time,clip,genre,question,a,b,choice,chosen\n1,2,x,q,original,control,A,original,EXTRA\n")
    lab = listening.ListeningLab(data.PreparedDataset(tiny_prepared), answers_csv=odd)
    lab.answer({"clip": 1, "genre": "x", "question": "q", "a": "control", "b": "original"}, "B")
    assert len(lab.answers()) == 2 and lab.summary()["control vs original"]["original"] == 2
    old = tmp_path / "old.csv"
    old.write_text("time,clip,question,a,b,choice\n1,2,q,original,control,B\n")
    lab = listening.ListeningLab(data.PreparedDataset(tiny_prepared), answers_csv=old)
    assert lab.summary() == {"control vs original": {"control": 1, "original": 0}}
    lab.answer({"clip": 1, "genre": "x", "question": "q", "a": "control", "b": "original"}, "A")
    assert len(lab.answers()) == 2 and lab.summary()["control vs original"]["control"] == 2


# --- injection and traversal ----------------------------------------------------------------------------

XSS = "x' onerror='window.pwned=1"


def test_a_label_with_markup_is_shown_as_text_and_files_get_safe_names(tmp_path):
    raw = tmp_path / "raw"
    _raw(raw, genres=("house",))
    for index in range(3):
        write_song(raw / XSS / f"song{index}.wav", "lofi", index, 3.0, 8000)
    _prepare(raw, tmp_path / "prep")
    index = report.write_report(tmp_path / "prep", tmp_path / "report")
    page = index.read_text()
    assert XSS not in page and "x&#x27; onerror=&#x27;window.pwned=1" in page
    for path in (tmp_path / "report").rglob("*"):
        assert path.resolve().is_relative_to((tmp_path / "report").resolve())
        assert "'" not in path.name and " " not in path.name


def test_a_crafted_manifest_cannot_read_or_write_outside(tmp_path):
    out = tmp_path / "prep"
    _prepare(_raw(tmp_path / "raw"), out)
    text = (out / "manifest.csv").read_text()
    lines = text.splitlines(keepends=True)
    cells = lines[1].split(",")
    for song in ("/etc/hostname", "../../etc/hostname"):
        cells[2] = song
        (out / "manifest.csv").write_text(lines[0] + ",".join(cells) + "".join(lines[2:]))
        with pytest.raises(data.DatasetError, match="not a path inside"):
            data.PreparedDataset(out)
    cells = lines[1].split(",")
    cells[5] = "../../x.npy"
    (out / "manifest.csv").write_text(lines[0] + ",".join(cells) + "".join(lines[2:]))
    with pytest.raises(data.DatasetError, match="not a shard name"):
        data.PreparedDataset(out)
    cells = lines[1].split(",")
    cells[1] = "../../X"  # a label is only ever text: the report names its files from a slug
    (out / "manifest.csv").write_text(lines[0] + ",".join(cells) + "".join(lines[2:]))
    report.write_report(out, tmp_path / "report")
    assert not (tmp_path / "X_original.png").exists() and not list(tmp_path.glob("X*"))
    (out / "manifest.csv").write_text(text[: len(text) - 7])  # cut mid-row
    with pytest.raises(data.DatasetError, match="cut short"):
        data.PreparedDataset(out)


def test_a_model_with_code_is_refused_in_one_line(tiny_prepared, tmp_path, capsys):
    import keras

    run = tmp_path / "run"
    run.mkdir()
    inputs = keras.Input((*TINY.shape, 1))
    outputs = keras.layers.Dense(2, activation="softmax")(keras.layers.Lambda(lambda x: x[:, 0, 0])(inputs))
    keras.Model(inputs, outputs).save(run / "model.keras")
    (run / "config.json").write_text(json.dumps({"kind": "lildata-classifier-run", "training": {},
                                                 "labels": ["a", "b"], "data_settings": TINY.to_dict()}))
    song = write_song(tmp_path / "song.wav", "house", 0, 3.0, 8000)
    code, text = _run(["predict", str(run), str(song)], capsys)
    assert code == 2 and "refused" in text and "Lambda" in text and "Traceback" not in text
    assert len(text.strip().splitlines()) == 1


# --- clear errors -------------------------------------------------------------------------------------------

def test_every_bad_argument_or_file_gets_one_line(tiny_prepared, softmax_run, tmp_path, capsys):
    song = write_song(tmp_path / "song.wav", "house", 0, 3.0, 8000)
    afile = tmp_path / "a_file"
    afile.write_text("x")
    garbage = tmp_path / "garbage"
    garbage.mkdir()
    (garbage / "model.keras").write_bytes(b"not a zip at all")
    (garbage / "config.json").write_text((softmax_run / "config.json").read_text())
    no_config = tmp_path / "no_config"
    no_config.mkdir()
    (no_config / "model.keras").write_bytes((softmax_run / "model.keras").read_bytes())
    broken = tmp_path / "broken"
    broken.mkdir()
    for name in ("manifest.csv",):
        (broken / name).write_text((Path(tiny_prepared) / name).read_text())
    (broken / "config.json").write_text("{not json")
    zero_hop = tmp_path / "zero_hop"
    zero_hop.mkdir()
    (zero_hop / "manifest.csv").write_text((Path(tiny_prepared) / "manifest.csv").read_text())
    (zero_hop / "config.json").write_text(json.dumps({"spectrogram": {**TINY.to_dict(), "hop_length": 0}}))
    cases = {
        "OUT_DIR is a file": (["prepare", str(tmp_path), str(afile), "--preset", "tiny"], "is a file"),
        "invert to a folder": (["invert", str(tiny_prepared), "--clip", "0", str(tmp_path)], "is a folder"),
        "info, corrupt config": (["info", str(broken)], "not valid JSON"),
        "info, missing config": (["info", str(no_config)], "not a prepared dataset"),
        "info, hop 0": (["info", str(zero_hop)], "hop_length must be from 1"),
        "batch size 0": (["train", str(tiny_prepared), str(tmp_path / "r1"), "--batch-size", "0"], "at least 1"),
        "epochs 0": (["train", str(tiny_prepared), str(tmp_path / "r2"), "--epochs", "0"], "at least 1"),
        "epochs negative": (["train", str(tiny_prepared), str(tmp_path / "r2"), "--epochs", "-3"], "at least 1"),
        "patience 0": (["train", str(tiny_prepared), str(tmp_path / "r2"), "--patience", "0"], "at least 1"),
        "duplicate labels": (["train", str(tiny_prepared), str(tmp_path / "r3"), "--labels", "house,house"],
                             "more than once"),
        "one label": (["train", str(tiny_prepared), str(tmp_path / "r4"), "--labels", "house"], "at least 2 labels"),
        "resume, other model": (["train", str(tiny_prepared), str(softmax_run), "--resume", "--model", "lildata"],
                                "holds a softmax run"),
        "predict, garbage model": (["predict", str(garbage), str(song)], "not a Keras model"),
        "predict, no config": (["predict", str(no_config), str(song)], "config.json: missing"),
        "transfer, clip out of range": (["transfer", "--data", str(tiny_prepared), "--content", "99999", "--style", "0",
                                         "--net", "random1d", str(tmp_path / "t")], "give a clip number from 0 to"),
        "transfer, negative offset": (["transfer", "--content", str(song), "--style", str(song), "--content-offset",
                                       "-1", str(tmp_path / "t")], "0 or more"),
        "transfer, iterations 0": (["transfer", "--content", str(song), "--style", str(song), "--iterations", "0",
                                    str(tmp_path / "t")], "at least 1"),
        "generate, inf seconds": (["generate", str(softmax_run), "--seconds", "inf", str(tmp_path / "g")], "finite"),
        "generate, 0 seconds": (["generate", str(softmax_run), "--seconds", "0", str(tmp_path / "g")], "0"),
        "generate, 1e9 seconds": (["generate", str(softmax_run), "--seconds", "1e9", str(tmp_path / "g")], "at most"),
    }
    for name, (args, reason) in cases.items():
        try:
            code = cli.main(args)
        except SystemExit as exit_:  # argparse: a usage line and one error line, exit 2
            code = exit_.code
        text = capsys.readouterr()
        lines = [line for line in (text.out + text.err).strip().splitlines() if line.startswith("lildata")
                 or "error" in line]
        assert code == 2, (name, code, text)
        assert "Traceback" not in text.err and reason in text.err, (name, text.err)
        assert len(lines) <= 2, (name, text.err)
    predicted = cli.main(["predict", str(softmax_run), str(write_song(tmp_path / "half.wav", "house", 0, 0.5, 8000))])
    assert predicted == 2 and "too short" in capsys.readouterr().err


def test_unusual_files_each_get_their_reason_and_the_rest_is_processed(tmp_path):
    raw = _raw(tmp_path / "raw", songs=3)
    house = raw / "house"
    os.mkfifo(house / "pipe.wav")
    os.symlink(tmp_path / "gone.wav", house / "dangling.wav")
    good = write_song(tmp_path / "x.wav", "house", 9, 3.0, 8000).read_bytes()
    (house / "cut.wav").write_bytes(good[: len(good) // 2])  # the header still claims 3 s
    sf.write(house / "inf.wav", np.full(8000 * 2, np.inf, np.float32), 8000, subtype="FLOAT")
    (house / "noise.wav").write_bytes(os.urandom(4000))
    bad_name = os.fsdecode(b"caf\xe9.wav")
    (house / bad_name).write_bytes(good)
    lines = []
    result = data.prepare(raw, tmp_path / "out", TINY, jobs=1, progress=False, log=lines.append)
    said = "\n".join(lines)
    assert "house/pipe.wav: not a regular file (a FIFO" in said
    assert "house/dangling.wav: dangling link" in said
    assert "house/inf.wav: holds samples that are not finite" in said
    assert "house/noise.wav: not readable audio" in said and "NoBackendError" not in said
    assert "caf\ufffd.wav: name is not valid UTF-8" in said
    assert "note house/cut.wav: cut short: its header claims 3.00 s, the file holds 1.50 s" in said
    assert result.files_processed == 7  # 6 songs and the cut one


def test_prepare_workers_end_with_their_parent(tmp_path):
    raw = _raw(tmp_path / "raw", songs=4)
    # each clip takes a second, so the workers are busy when their parent is killed
    script = (f"import time\nfrom lildata_utils.data import prepare, shards\nfrom lildata_utils.settings import get_preset\n"
              f"real = shards.audio_to_stored\n"
              f"shards.audio_to_stored = lambda clips, *a: (time.sleep(len(clips)), real(clips, *a))[1]\n"
              f"prepare({str(raw)!r}, {str(tmp_path / 'out')!r}, get_preset('tiny'), jobs=2, "
              f"progress=False)\n")
    parent = subprocess.Popen([sys.executable, "-c", script])
    children: set[int] = set()
    deadline = time.time() + 60
    while time.time() < deadline and len(children) < 2:
        time.sleep(0.2)
        children = {int(p.name) for p in Path("/proc").iterdir() if p.name.isdigit() and _ppid(p) == parent.pid
                    and b"resource_tracker" not in _cmdline(p)}
    assert len(children) >= 2, "the workers started"
    os.kill(parent.pid, signal.SIGKILL)
    parent.wait()
    deadline = time.time() + 10
    while time.time() < deadline and any(_alive(pid) for pid in children):
        time.sleep(0.2)
    assert not [pid for pid in children if _alive(pid)], "workers outlived their parent"
    out = tmp_path / "out"
    (out / "specs").mkdir(parents=True, exist_ok=True)
    (out / "specs" / f".x.npy.{2**22 + 7}.0123abcd.tmp.npy").write_bytes(b"left by a killed run")
    _prepare(raw, out)
    assert not list(out.rglob(".*.tmp*")), "the next run removed the killed run's temporary files"
    assert len(data.PreparedDataset(out).clips) == 24


def _ppid(proc: Path) -> int:
    try:
        return int((proc / "stat").read_text().rsplit(")", 1)[1].split()[1])
    except (OSError, IndexError, ValueError):
        return -1


def _cmdline(proc: Path) -> bytes:
    try:
        return (proc / "cmdline").read_bytes()
    except OSError:
        return b""


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def test_files_get_the_mode_the_umask_allows_and_json_refuses_nan(tmp_path):
    old = os.umask(0o022)
    try:
        _prepare(_raw(tmp_path / "raw", songs=1), tmp_path / "out")
        for path in (tmp_path / "out").rglob("*"):
            if path.is_file() and not path.name.startswith(".lildata.lock"):
                assert stat.S_IMODE(path.stat().st_mode) == 0o644, path
    finally:
        os.umask(old)
    with pytest.raises(ValueError, match="variance_ratio is nan"):
        files.write_json(tmp_path / "m.json", {"variance_ratio": float("nan")})
    assert not (tmp_path / "m.json").exists()


def test_stale_temporaries_of_dead_processes_are_removed_and_nothing_else(tmp_path):
    dead = 2**22 + 12345  # above the usual pid range: no such process
    stale = [tmp_path / f".model.{dead}.tmp.keras", tmp_path / f".manifest.csv.{dead}.0123abcd.tmp"]
    live = tmp_path / f".manifest.csv.{os.getpid()}.0123abcd.tmp"
    own = [tmp_path / "notes.tmp", tmp_path / ".hidden.tmp", tmp_path / "model.keras"]
    for path in stale + [live] + own:
        path.write_text("x")
    removed = files.clean_stale_temporaries(tmp_path)
    assert sorted(removed) == sorted(stale)
    assert live.exists() and all(p.exists() for p in own)


def test_machine_errors_are_told_apart_from_file_errors():
    from lildata_utils.errors import is_machine_error

    assert is_machine_error(OSError(errno.ENOSPC, "full")) and is_machine_error(PermissionError(errno.EACCES, "no"))
    assert not is_machine_error(OSError(errno.ENOENT, "gone")) and not is_machine_error(ValueError("x"))
    assert issubclass(MachineError, LildataError)
