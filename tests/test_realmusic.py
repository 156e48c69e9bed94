"""The real-music set from Debian's packages: reading packages the tests make, and the pipeline on real recordings.

The packages here are made by the tests (an ``ar`` archive holding ``data.tar.xz``); nothing is downloaded.
The last tests use the tiny real set that ``make test`` makes before pytest (``lildata real-music --recipe
tiny``, two small packages of game music); they are skipped where it could not be made.
"""

from __future__ import annotations

import io
import json
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import numpy as np
import pytest
import soundfile

from lildata_utils.data import realmusic
from lildata_utils.errors import LildataError

RATE = 8000


def _ogg(seconds: float, frequency: float) -> bytes:
    buffer = io.BytesIO()
    t = np.arange(int(seconds * RATE)) / RATE
    stereo = np.stack([np.sin(2 * np.pi * frequency * t), np.sin(2 * np.pi * frequency * t + 0.3)], axis=1)
    soundfile.write(buffer, (0.3 * stereo).astype(np.float32), RATE, format="OGG", subtype="VORBIS")
    return buffer.getvalue()


def _ar_member(name: str, data: bytes) -> bytes:
    header = f"{name + '/':<16}{0:<12}{0:<6}{0:<6}{'100644':<8}{len(data):<10}`\n".encode()
    return header + data + (b"\n" if len(data) % 2 else b"")


def make_deb(path: Path, files: dict[str, bytes]) -> Path:
    """A minimal Debian package: ``debian-binary``, an empty control and ``data.tar.xz`` with ``files``."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:xz") as tar:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    empty = io.BytesIO()
    tarfile.open(fileobj=empty, mode="w:xz").close()
    path.write_bytes(b"!<arch>\n" + _ar_member("debian-binary", b"2.0\n") + _ar_member("control.tar.xz", empty.getvalue())
                     + _ar_member("data.tar.xz", buffer.getvalue()))
    return path


def _pk3(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


@pytest.fixture()
def cache(tmp_path, monkeypatch):
    """A cache with two packages in it, and a recipe that uses them."""
    debs = tmp_path / "cache" / "debs"
    debs.mkdir(parents=True)
    make_deb(debs / "game-music_1.0_all.deb", {
        "./usr/share/games/game/music/battle.ogg": _ogg(10, 440),
        "./usr/share/games/game/music/jingle.ogg": _ogg(2, 660),  # too short: left out
        "./usr/share/games/game/music/readme.txt": b"not a song",
    })
    make_deb(debs / "arena-data_2.0_all.deb", {
        "./usr/share/games/arena/data/music.pk3": _pk3({"sound/cdtracks/pulse.ogg": _ogg(9, 220),
                                                        "sound/misc/click.ogg": _ogg(9, 880)}),
    })
    monkeypatch.setattr(realmusic, "CACHE", tmp_path / "cache")
    monkeypatch.setitem(realmusic.RECIPES, "test", {"songs_per_label": 5, "seconds": 4.0, "min_seconds": 3.0,
                                                    "soundtracks": (
        realmusic.Soundtrack("orchestra", "game-music", "*/game/music/*.ogg", "test"),
        realmusic.Soundtrack("techno", "arena-data", "*/music.pk3!sound/cdtracks/*.ogg", "test"))})
    monkeypatch.setattr(realmusic.shutil, "which", lambda name: None)  # any download attempt fails loudly
    return tmp_path


def test_members_of_a_package_and_of_the_archive_inside(cache):
    debs = cache / "cache" / "debs"
    plain = realmusic.soundtrack_members(debs / "game-music_1.0_all.deb", "*/game/music/*.ogg")
    assert list(plain) == ["./usr/share/games/game/music/battle.ogg", "./usr/share/games/game/music/jingle.ogg"]
    inner = realmusic.soundtrack_members(debs / "arena-data_2.0_all.deb", "*/music.pk3!sound/cdtracks/*.ogg")
    assert list(inner) == ["./usr/share/games/arena/data/music.pk3!sound/cdtracks/pulse.ogg"]
    audio, rate = soundfile.read(io.BytesIO(inner[next(iter(inner))]))
    assert rate == RATE and len(audio) == 9 * RATE


def test_the_set_is_cut_from_the_middle_mono_and_lists_what_it_left_out(cache):
    out = realmusic.make_real_music(cache / "set", recipe="test", sample_rate=RATE, quiet=True)
    songs = sorted(p.relative_to(out).as_posix() for p in out.rglob("*.flac"))
    assert songs == ["orchestra/battle.flac", "techno/pulse.flac"]
    audio, rate = soundfile.read(out / "orchestra" / "battle.flac")
    assert rate == RATE and audio.ndim == 1 and len(audio) == 4 * RATE
    t = (np.arange(4 * RATE) + 3 * RATE) / RATE  # the middle 4 s of 10 s start at 3 s
    assert np.corrcoef(audio, np.sin(2 * np.pi * 440 * t))[0, 1] > 0.9
    sources = json.loads((out / "SOURCES.json").read_text())
    assert sources["complete"] is True
    assert [s["label"] for s in sources["soundtracks"]] == ["orchestra", "techno"]
    assert sources["soundtracks"][0]["left_out"] == ["./usr/share/games/game/music/jingle.ogg (2 s)"]


def test_a_second_run_keeps_the_songs_and_a_foreign_folder_is_refused(cache):
    out = realmusic.make_real_music(cache / "set", recipe="test", sample_rate=RATE, quiet=True)
    song = out / "orchestra" / "battle.flac"
    stamp = song.stat().st_mtime_ns
    realmusic.make_real_music(cache / "set", recipe="test", sample_rate=RATE, quiet=True)
    assert song.stat().st_mtime_ns == stamp
    foreign = cache / "mine"
    foreign.mkdir()
    (foreign / "holiday.wav").write_bytes(b"RIFF")
    with pytest.raises(LildataError, match="holds other files"):
        realmusic.make_real_music(foreign, recipe="test", quiet=True)
    assert sorted(p.name for p in foreign.iterdir()) == ["holiday.wav"]


def test_a_package_that_cannot_be_fetched_is_named(cache):
    with pytest.raises(LildataError, match="missing-music: apt-get is not here"):
        realmusic._download("missing-music", cache / "cache" / "debs")
    bad = cache / "cache" / "debs" / "broken_1_all.deb"
    bad.write_bytes(b"not an archive")
    with pytest.raises(LildataError, match="not a Debian package"):
        realmusic.soundtrack_members(bad, "*")


TINY_SET = realmusic.default_folder("tiny")


@pytest.mark.slow
@pytest.mark.skipif(not (TINY_SET / "SOURCES.json").exists(),
                    reason="the tiny real set is made by `make test` (lildata real-music --recipe tiny)")
def test_recorded_music_through_prepare_and_train(tmp_path):
    """Real recordings (MP3 and Ogg Vorbis from Debian's game packages) through the course's commands at `tiny`:
    the recipe's model crops in time and standardises each mel band over the training clips, the paper's set-up
    does neither."""
    from lildata_utils.models.saving import load_keras

    data = tmp_path / "real"
    cli = [sys.executable, "-m", "lildata_utils"]
    done = subprocess.run([*cli, "prepare", str(TINY_SET), str(data), "--preset", "tiny", "--quiet"],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    info = json.loads((data / "config.json").read_text())
    assert info["spectrogram"]["name"] == "tiny"
    for name, extra in (("recipe", []), ("paper", ["--paper-setup"])):
        run = tmp_path / name
        done = subprocess.run([*cli, "train", str(data), str(run), "--epochs", "2", "--quiet", *extra],
                              capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
        metrics = json.loads((run / "metrics.json").read_text())
        assert metrics["labels"] == ["asc", "lincity"]
        assert metrics["n_test"] > 0 and 0.0 <= metrics["test_accuracy"] <= 1.0
        assert json.loads((run / "config.json").read_text())["training"]["paper_setup"] is (name == "paper")
        model = load_keras(run / "model.keras")  # safe mode on, the course's layers registered
        names = {layer.name for layer in model.layers}
        assert ({"crop", "mel_bands"} <= names) is (name == "recipe")
        assert (not ({"crop", "mel_bands"} & names)) is (name == "paper")
        if name == "recipe":  # standardised with the training clips' own mean and variance, not left at 0 and 1
            bands = model.get_layer("mel_bands").get_config()
            assert np.ptp(bands["mean"]) > 0 and not np.allclose(bands["variance"], 1.0)


def test_another_song_split_by_seed_holds_out_songs_of_every_label(tiny_prepared):
    """A result measured over several splits (``split_clips(..., split_seed=)``, the one split policy with
    another order of each label's songs): by song, every label in test and validation, another split a seed."""
    from lildata_utils.data import PreparedDataset, split_clips

    data = PreparedDataset(tiny_prepared)
    splits = [split_clips(data, data.labels, split_seed=seed) for seed in (0, 1)]
    for split in splits:
        sets = {name: {data.clips[int(c)].song for c in clips} for name, (clips, _) in split.items()}
        assert not (sets["train"] & sets["test"]) and not (sets["train"] & sets["val"]) and not (sets["val"] & sets["test"])
        assert set().union(*sets.values()) == {c.song for c in data.clips}
        assert sum(len(clips) for clips, _ in split.values()) == len(data.clips)  # every clip of a song goes with it
        for label in data.labels:  # every label has test and validation songs
            assert any(s.startswith(f"{label}/") for s in sets["test"]) and any(s.startswith(f"{label}/") for s in sets["val"])
        for clips, targets in split.values():
            assert [data.labels[t] for t in targets] == [data.clips[int(c)].label for c in clips]
    tests = [{data.clips[int(c)].song for c in split["test"][0]} for split in splits]
    assert tests[0] != tests[1]
    assert split_clips(data, data.labels, split_seed=1)["test"][0].tolist() == splits[1]["test"][0].tolist()
