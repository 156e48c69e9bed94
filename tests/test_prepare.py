import csv
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from lildata_utils import cli
from lildata_utils.data import SPLITS, DatasetError, PreparedDataset, assign_splits, prepare
from lildata_utils.data.reader import MANIFEST_COLUMNS
from lildata_utils.data.splits import song_fraction, split_count
from lildata_utils.settings import DATASET_SIZES, get_preset

from conftest import write_song

TINY = get_preset("tiny")


def _manifest(out: Path) -> list[dict]:
    with open(out / "manifest.csv", newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="module")
def prepared(tiny_raw, tmp_path_factory):
    out = tmp_path_factory.mktemp("prepared")
    report = prepare(tiny_raw, out, TINY, jobs=1, progress=False, log=lambda line: None)
    return out, report


def test_manifest_config_and_report(prepared):
    out, report = prepared
    rows = _manifest(out)
    assert set(MANIFEST_COLUMNS) <= set(rows[0])
    assert [int(r["clip"]) for r in rows] == list(range(len(rows)))
    assert report.clips_written == len(rows) == 18 * 4  # 18 songs of 4 one-second clips
    assert json.loads((out / "config.json").read_text())["spectrogram"]["shape"] == [128, 65]
    saved = json.loads((out / "prepare_report.json").read_text())
    assert saved["files_processed"] == 18 and saved["clips_written"] == 72
    assert saved["seconds_of_audio"] == pytest.approx(72.0)
    assert {r["start_s"] for r in rows} == {"0.0", "1.0", "2.0", "3.0"}


def test_spectrograms_match_the_audio(prepared, tiny_raw):
    out, _ = prepared
    data = PreparedDataset(out)
    row = data.clips[5]
    from lildata_utils import audio
    wav = audio.load_audio(tiny_raw / row.song, TINY.sample_rate)
    start = int(row.start_s * TINY.sample_rate)
    expected = audio.audio_to_stored(wav[start:start + TINY.clip_samples], TINY)
    np.testing.assert_allclose(data.spectrogram(5).astype(np.float32), expected.astype(np.float32), atol=2e-3)
    assert isinstance(data.shard(row.shard), np.memmap)


def test_no_song_is_in_two_splits_and_every_split_is_used(prepared):
    out, _ = prepared
    rows = _manifest(out)
    split_of = {}
    for r in rows:
        assert split_of.setdefault(r["song"], r["split"]) == r["split"]
    for label in ("house", "lofi", "noise"):
        assert {split_of[s] for s in split_of if s.startswith(label)} == {"train", "val", "test"}


def _order(songs: list[str], seed=None) -> list[str]:
    return sorted(songs, key=lambda song: song_fraction(song, seed))


def _check_label(songs: list[str], splits: dict[str, str], seed=None) -> None:
    """One label's split: its first songs in hash order test, the next validation, the rest training."""
    n_test, n_val = split_count(len(songs), 0.1), split_count(len(songs), 0.1)
    expected = ["test"] * n_test + ["val"] * n_val + ["train"] * (len(songs) - n_test - n_val)
    assert [splits[song] for song in _order(songs, seed)] == expected


def test_each_label_is_split_on_its_own_by_a_stable_order_of_its_songs():
    songs = {k: [f"{k}/{i}.wav" for i in range(n)] for k, n in (("a", 40), ("b", 25), ("c", 60))}
    splits, notes = assign_splits(songs)
    assert notes == [] and set(splits) == {s for v in songs.values() for s in v}
    for label, own in songs.items():
        _check_label(own, splits)
    # the same songs listed in another order, or beside other labels, get the same split
    shuffled = {k: list(reversed(v)) for k, v in reversed(list(songs.items()))}
    assert assign_splits(shuffled)[0] == splits
    assert assign_splits({"a": songs["a"]})[0] == {s: splits[s] for s in songs["a"]}
    for extra in (1, 5, 25):
        more = {**songs, "a": songs["a"] + [f"a/new{i}.wav" for i in range(extra)], "d": ["d/0.wav", "d/1.wav"]}
        after, _ = assign_splits(more)
        # songs added to one label (or a new label) move no song of another label
        assert all(after[s] == splits[s] for k in ("b", "c") for s in songs[k])
        _check_label(more["a"], after)
    counts = {s: list(splits.values()).count(s) for s in SPLITS}
    assert counts["train"] > counts["val"] > 0 and counts["test"] > 0
    # another seed is another order of each label's songs, in the same proportions, the same every time
    seeded = assign_splits(songs, seed=1)[0]
    assert seeded == assign_splits(songs, seed=1)[0] and seeded != splits
    for own in songs.values():
        _check_label(own, seeded, seed=1)


def test_small_labels_get_every_split_and_too_small_ones_all_train_with_a_note():
    for n in range(3, 30):
        splits, notes = assign_splits({"x": [f"x/{i}.wav" for i in range(n)]})
        tests = sum(1 for split in splits.values() if split == "test")
        vals = sum(1 for split in splits.values() if split == "val")
        assert notes == [] and set(splits.values()) == {"train", "val", "test"}
        assert tests == vals >= (3 if n >= 15 else 2 if n >= 10 else 1)
        assert n - tests - vals >= 1
    for n in (1, 2):
        splits, notes = assign_splits({"x": [f"x/{i}.wav" for i in range(n)], "y": [f"y/{i}.wav" for i in range(5)]})
        assert [splits[f"x/{i}.wav"] for i in range(n)] == ["train"] * n
        assert {splits[f"y/{i}.wav"] for i in range(5)} == {"train", "val", "test"}
        assert len(notes) == 1 and "label x" in notes[0] and "at least 3" in notes[0]


def test_at_the_classroom_size_every_genre_has_at_least_two_test_songs():
    from lildata_utils.data import GENRES

    per_genre = DATASET_SIZES["classroom"].songs_per_genre
    songs = {g: [f"{g}/{g}_{i:03d}.wav" for i in range(per_genre)] for g in GENRES}  # the names synth writes
    splits, notes = assign_splits(songs)
    assert notes == []
    for genre, own in songs.items():
        held = [splits[s] for s in own]
        assert held.count("test") >= 2 and held.count("val") >= 1 and held.count("train") > per_genre // 2, genre


def _split_raw(root: Path, songs_per_label: dict[str, int], seconds: float = 1.0) -> Path:
    """A RAW_DIR of short songs (``seconds`` one-second clips each at the tiny preset), so that only the split is
    at stake."""
    for label, n in songs_per_label.items():
        for index in range(n):
            write_song(root / label / f"{label}_{index:03d}.wav", "house", index, seconds, 8000, seed=len(label))
    return root


def test_prepare_splits_the_songs_of_each_label(tmp_path, capsys):
    raw = _split_raw(tmp_path / "raw", {"ambient": 15, "house": 15, "techno": 15}, seconds=2.0)
    out = tmp_path / "out"
    assert cli.main(["prepare", str(raw), str(out), "--preset", "tiny", "--jobs", "1", "--quiet"]) == 0
    printed = capsys.readouterr().out
    assert "45 songs, split by song within each label" in printed
    assert json.loads((out / "config.json").read_text())["split"].startswith("by song, within each label")
    rows = _manifest(out)
    split_of: dict[str, str] = {}
    for r in rows:
        assert split_of.setdefault(r["song"], r["split"]) == r["split"]  # no song in two splits
    assert len(split_of) == 45 and len(rows) == 45 * 2  # two clips a song, all of them in the song's split
    for label in ("ambient", "house", "techno"):
        held = [split for song, split in split_of.items() if song.startswith(f"{label}/")]
        assert len(held) == 15 and held.count("test") >= 3 and held.count("val") >= 1, (label, held)
    info = PreparedDataset(out).info()
    assert info["songs"]["test"] >= 9 and info["songs"]["val"] >= 3


def test_a_label_with_too_few_songs_is_named_once_and_the_others_are_split(tmp_path, capsys):
    raw = _split_raw(tmp_path / "raw", {"ambient": 6, "dub": 2, "techno": 6})
    out = tmp_path / "out"
    assert cli.main(["prepare", str(raw), str(out), "--preset", "tiny", "--jobs", "1", "--quiet"]) == 0
    captured = capsys.readouterr()
    lines = (captured.out + captured.err).splitlines()
    about_dub = [line for line in lines if "dub" in line]
    assert len(about_dub) == 1 and "at least 3" in about_dub[0] and "all of them train" in about_dub[0], lines
    split_of = {r["song"]: r["split"] for r in _manifest(out)}
    assert {split_of[f"dub/dub_{i:03d}.wav"] for i in range(2)} == {"train"}
    for label in ("ambient", "techno"):
        assert {split for song, split in split_of.items() if song.startswith(f"{label}/")} == set(SPLITS)
    report = json.loads((out / "prepare_report.json").read_text())
    assert [n["file"] for n in report["notes"]] == ["dub"]


def test_second_run_reuses_everything(prepared, tiny_raw):
    out, _ = prepared
    before = (out / "manifest.csv").read_text()
    report = prepare(tiny_raw, out, TINY, jobs=1, progress=False, log=lambda line: None)
    assert report.reused == 18 and report.files_processed == 18
    assert (out / "manifest.csv").read_text() == before


def test_another_preset_in_the_same_folder_is_refused(prepared, tiny_raw):
    out, _ = prepared
    with pytest.raises(DatasetError, match="other settings"):
        prepare(tiny_raw, out, get_preset("classroom"), jobs=1, progress=False)


def test_bad_inputs_are_reported_one_line_each_and_the_rest_is_processed(tmp_path, capsys):
    raw = tmp_path / "raw"
    write_song(raw / "house" / "good.wav", "house", 0, 3.0, 8000)
    (raw / "house" / "corrupt.wav").write_bytes(b"RIFF" + os.urandom(3000))
    (raw / "house" / "empty.flac").write_bytes(b"")
    (raw / "house" / "notes.txt").write_text("not music")
    (raw / "house" / "cover.jpg").write_bytes(b"\xff\xd8\xff\xe0" + os.urandom(100))
    sf.write(raw / "house" / "short.wav", np.zeros(4000) + 0.1, 8000)
    (raw / "lofi").mkdir()
    sf.write(raw / "lofi" / "silent.wav", np.zeros(8000 * 3), 8000)
    t = np.arange(96000 * 3) / 96000
    sf.write(raw / "lofi" / "quad96k.wav", np.stack([0.3 * np.sin(2 * np.pi * 300 * t)] * 4, 1), 96000)
    (raw / "empty_label").mkdir()
    (raw / "stray.wav").write_bytes(b"")
    code = cli.main(["prepare", str(raw), str(tmp_path / "out"), "--preset", "tiny", "--jobs", "1", "--quiet"])
    err = capsys.readouterr()
    assert code == 0
    lines = (err.out + err.err).splitlines()
    expect = {"house/corrupt.wav": "not readable audio", "house/empty.flac": "empty file",
              "house/notes.txt": "not an audio file (.txt)", "house/cover.jpg": "not an audio file (.jpg)",
              "house/short.wav": "too short", "lofi/silent.wav": "silent",
              "empty_label/": "empty label folder", "stray.wav": "not in a label folder"}
    for name, reason in expect.items():
        assert sum(1 for line in lines if name in line and reason in line) == 1, (name, lines)
    report = json.loads((tmp_path / "out" / "prepare_report.json").read_text())
    assert {e["file"] for e in report["files_skipped"]} == set(expect)
    assert any("quad96k" in n["file"] and "4 channels" in n["note"] for n in report["notes"])
    assert report["files_processed"] == 2 and report["clips_written"] == 6
    assert not list((tmp_path / "out").rglob("*.tmp"))


def test_missing_raw_dir_and_no_usable_audio_fail_clearly(tmp_path, capsys):
    assert cli.main(["prepare", str(tmp_path / "nope"), str(tmp_path / "out"), "--preset", "tiny"]) != 0
    assert "does not exist" in capsys.readouterr().err
    (tmp_path / "raw" / "x").mkdir(parents=True)
    (tmp_path / "raw" / "x" / "a.wav").write_bytes(b"")
    assert cli.main(["prepare", str(tmp_path / "raw"), str(tmp_path / "out2"), "--preset", "tiny", "--quiet"]) != 0
    assert "no clips could be made" in capsys.readouterr().err


def test_a_killed_run_resumes_to_the_same_dataset(tmp_path, tiny_raw):
    clean, resumed = tmp_path / "clean", tmp_path / "resumed"
    prepare(tiny_raw, clean, TINY, jobs=1, progress=False, log=lambda line: None)
    command = [sys.executable, "-m", "lildata_utils", "prepare", str(tiny_raw), str(resumed),
               "--preset", "tiny", "--jobs", "1", "--quiet"]
    killed_mid_run = False
    for delay in (0.5, 1.0, 1.5, 2.5):
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.time() + 60
        while time.time() < deadline and process.poll() is None:
            done = len(list((resumed / "songs").glob("*.json"))) if (resumed / "songs").exists() else 0
            if done >= 3:
                time.sleep(delay * 0.05)
                break
            time.sleep(0.01)
        if process.poll() is None:
            process.send_signal(signal.SIGKILL)
            killed_mid_run = True
        process.wait()
        if killed_mid_run:
            break
        shutil.rmtree(resumed)
    assert killed_mid_run, "the run finished before it could be killed"
    assert not (resumed / "manifest.csv").exists()
    assert subprocess.run(command).returncode == 0
    assert _manifest(resumed) == _manifest(clean)
    a, b = PreparedDataset(clean), PreparedDataset(resumed)
    for clip in range(len(a)):
        np.testing.assert_array_equal(a.spectrogram(clip), b.spectrogram(clip))
    assert sorted(p.name for p in (resumed / "specs").iterdir()) == sorted(p.name for p in (clean / "specs").iterdir())


def test_info_command(prepared, capsys):
    out, _ = prepared
    assert cli.main(["info", str(out), "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["shape"] == [128, 65] and info["clips"] == 72
    assert sum(info["counts"]["lofi"].values()) == 24
    assert cli.main(["info", str(out)]) == 0
    text = capsys.readouterr().out
    assert "lofi" in text and "128 x 65" in text


def test_invert_command_writes_a_wav_of_the_clip(tmp_path, capsys):
    raw = tmp_path / "raw"
    write_song(raw / "house" / "a.wav", "house", 0, 10.0, 22050)
    assert cli.main(["prepare", str(raw), str(tmp_path / "out"), "--preset", "paper", "--jobs", "1", "--quiet"]) == 0
    wav = tmp_path / "clip1.wav"
    assert cli.main(["invert", str(tmp_path / "out"), "--clip", "1", str(wav)]) == 0
    data, sr = sf.read(wav)
    assert sr == 22050 and len(data) == 5 * 22050 and np.abs(data).max() > 0.01
    assert cli.main(["invert", str(tmp_path / "out"), "--clip", "99", str(tmp_path / "x.wav")]) != 0
    assert "out of range" in capsys.readouterr().err


def test_tf_pipeline_reindexes_a_subset_of_labels(prepared):
    out, _ = prepared
    from lildata_utils.data import stream as pipeline
    data = PreparedDataset(out)
    labels = ["noise", "house"]
    clips, targets, _ = pipeline.clip_arrays(data, "train", labels)
    ds = pipeline.make_tf_dataset(data, "train", labels=labels, batch_size=5, shuffle=False)
    seen = 0
    for x, y in ds:
        assert x.shape[1:] == (128, 65, 1) and x.dtype.name == "float32"
        for i in range(len(y)):
            clip = clips[seen + i]
            assert labels[int(y[i])] == data.clips[clip].label
            np.testing.assert_array_equal(x[i, ..., 0].numpy(), data.spectrogram(clip).astype(np.float32))
        seen += len(y)
    assert seen == len(clips) == sum(1 for c in data.clips if c.split == "train" and c.label in labels)
    assert set(targets.tolist()) == {0, 1}
    shuffled = [int(v) for _, y in pipeline.make_tf_dataset(data, "train", labels=labels, seed=1) for v in y]
    assert sorted(shuffled) == sorted(targets.tolist())


def test_the_dataset_remembers_its_songs_wherever_it_is_opened_from(tiny_raw, tmp_path, monkeypatch):
    monkeypatch.chdir(tiny_raw.parent)
    prepare(Path(tiny_raw.name), tmp_path / "out", TINY, jobs=1, progress=False, log=lambda line: None)
    monkeypatch.chdir(tmp_path)
    data = PreparedDataset(tmp_path / "out")
    assert Path(data.config["raw_dir"]) == tiny_raw.resolve()
    assert (Path(data.config["raw_dir"]) / data.clips[0].song).exists()
