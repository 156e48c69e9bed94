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

from lildata_utils import cli, config, dataset

from conftest import write_song

TINY = config.get_preset("tiny")


def _manifest(out: Path) -> list[dict]:
    with open(out / "manifest.csv", newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="module")
def prepared(tiny_raw, tmp_path_factory):
    out = tmp_path_factory.mktemp("prepared")
    report = dataset.prepare(tiny_raw, out, TINY, jobs=1, progress=False, log=lambda line: None)
    return out, report


def test_manifest_config_and_report(prepared):
    out, report = prepared
    rows = _manifest(out)
    assert set(dataset.MANIFEST_COLUMNS) <= set(rows[0])
    assert [int(r["clip"]) for r in rows] == list(range(len(rows)))
    assert report.clips_written == len(rows) == 18 * 4  # 18 songs of 4 one-second clips
    assert json.loads((out / "config.json").read_text())["spectrogram"]["shape"] == [128, 65]
    saved = json.loads((out / "prepare_report.json").read_text())
    assert saved["files_processed"] == 18 and saved["clips_written"] == 72
    assert saved["seconds_of_audio"] == pytest.approx(72.0)
    assert {r["start_s"] for r in rows} == {"0.0", "1.0", "2.0", "3.0"}


def test_spectrograms_match_the_audio(prepared, tiny_raw):
    out, _ = prepared
    data = dataset.PreparedDataset(out)
    row = data.clips[5]
    from lildata_utils import audio, spectrogram
    wav = audio.load_audio(tiny_raw / row.song, TINY.sample_rate)
    start = int(row.start_s * TINY.sample_rate)
    expected = spectrogram.audio_to_stored(wav[start:start + TINY.clip_samples], TINY)
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


def _natural(song):
    u = dataset.song_fraction(song)
    return "train" if u < 0.8 else "val" if u < 0.9 else "test"


def test_adding_songs_moves_no_song_whose_split_came_from_its_hash():
    songs = {k: [f"{k}/{i}.wav" for i in range(n)] for k, n in (("a", 40), ("b", 25), ("c", 60))}
    before = dataset.assign_splits(songs)
    for extra in (1, 5, 25):
        more = {k: v + [f"{k}/new{i}.wav" for i in range(extra)] for k, v in songs.items()}
        after = dataset.assign_splits(more)
        moved = [s for s, split in before.items() if after[s] != split]
        # the only songs that ever move are stand-ins for a split the label lacked,
        # and they move back to train, never from train to evaluation
        assert all(_natural(s) == "train" and after[s] == "train" for s in moved)
        assert len(moved) <= 2 * len(songs)
        assert all(after[s] == before[s] for s in before if _natural(s) == before[s])
    counts = {s: list(after.values()).count(s) for s in dataset.SPLITS}
    assert counts["train"] > counts["val"] > 0 and counts["test"] > 0


def test_small_labels_get_every_split_and_never_move_a_song_from_train_to_evaluation():
    for n in range(3, 30):
        small = {"x": [f"x/{i}.wav" for i in range(n)]}
        grown = {"x": small["x"] + ["x/extra.wav"]}
        before, after = dataset.assign_splits(small), dataset.assign_splits(grown)
        assert set(before.values()) == {"train", "val", "test"}
        assert not [s for s in small["x"] if before[s] == "train" and after[s] != "train"]


def test_second_run_reuses_everything(prepared, tiny_raw):
    out, _ = prepared
    before = (out / "manifest.csv").read_text()
    report = dataset.prepare(tiny_raw, out, TINY, jobs=1, progress=False, log=lambda line: None)
    assert report.reused == 18 and report.files_processed == 18
    assert (out / "manifest.csv").read_text() == before


def test_another_preset_in_the_same_folder_is_refused(prepared, tiny_raw):
    out, _ = prepared
    with pytest.raises(dataset.DatasetError, match="other settings"):
        dataset.prepare(tiny_raw, out, config.get_preset("classroom"), jobs=1, progress=False)


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
    dataset.prepare(tiny_raw, clean, TINY, jobs=1, progress=False, log=lambda line: None)
    command = [sys.executable, "-m", "lildata_utils.cli", "prepare", str(tiny_raw), str(resumed),
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
    a, b = dataset.PreparedDataset(clean), dataset.PreparedDataset(resumed)
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
    from lildata_utils import pipeline
    data = dataset.PreparedDataset(out)
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
    dataset.prepare(Path(tiny_raw.name), tmp_path / "out", TINY, jobs=1, progress=False, log=lambda line: None)
    monkeypatch.chdir(tmp_path)
    data = dataset.PreparedDataset(tmp_path / "out")
    assert Path(data.config["raw_dir"]) == tiny_raw.resolve()
    assert (Path(data.config["raw_dir"]) / data.clips[0].song).exists()
