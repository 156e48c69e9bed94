"""The listening lab: every stage of a clip, the blind A/B test and its answers, the widgets."""

from __future__ import annotations

import csv

import numpy as np
import pytest

from lildata_utils.course import listening, stages
from lildata_utils.data import PreparedDataset


@pytest.fixture(scope="module")
def lab(tiny_prepared, tmp_path_factory):
    answers = tmp_path_factory.mktemp("lab") / "answers.csv"
    return stages.ListeningLab(PreparedDataset(tiny_prepared), answers_csv=answers, style_genre="noise",
                               transfer_iterations=3, seed=1)


def test_every_stage_of_a_clip(lab):
    clip = lab.clips(lab.songs("lofi")[0])[1]
    sounds = lab.sounds(clip)
    assert list(sounds) == ["original", "Griffin-Lim control", "transfer towards noise", "modulation transfer towards noise"]
    for name, (stored, audio) in sounds.items():
        assert stored.shape == lab.settings.shape, name
        assert len(audio) == lab.settings.clip_samples, name
        assert np.isfinite(audio).all() and np.abs(audio).max() > 0, name
    # the original is the song's own audio at the clip's start, not a rebuilt one
    assert not np.allclose(sounds["original"][1], sounds["Griffin-Lim control"][1], atol=1e-3)
    # the modulation transfer takes the style's balance of bands: its mean spectrum moves most of the way there
    style = lab.data.spectrogram(lab.style_clip()).mean(1)
    far = lambda s: float(np.abs(s.mean(1) - style).mean())  # noqa: E731
    assert far(sounds["modulation transfer towards noise"][0]) < 0.5 * far(sounds["original"][0])


def test_songs_list_test_songs_first_and_clips_in_time_order(lab):
    songs = lab.songs("house")
    splits = [next(c.split for c in lab.data.clips if c.song == s) for s in songs]
    assert splits == sorted(splits, key=lambda s: s != "test")
    starts = [lab.data.clips[c].start_s for c in lab.clips(songs[0])]
    assert starts == sorted(starts) and len(starts) == 4


def test_ab_trials_are_blind_and_answers_are_kept(lab):
    clip = lab.clips(lab.songs("lofi")[0])[0]
    orders = set()
    for _ in range(12):
        trial = lab.new_trial(clip)
        orders.add((trial["a"], trial["b"]))
        sounds = lab.sounds(clip)
        assert np.array_equal(trial["audio_a"], sounds[trial["a"]][1])
    assert len(orders) == 2, "the order must change at random"
    first = lab.new_trial(clip)
    lab.answer(first, "A")
    second = lab.new_trial(clip)
    lab.answer(second, "B")
    with open(lab.answers_csv, newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert list(rows[0]) == list(listening.ANSWER_COLUMNS)
    assert [r["chosen"] for r in rows] == [first["a"], second["b"]]
    assert rows[0]["clip"] == str(clip) and rows[0]["genre"] == "lofi"
    summary = lab.summary()
    (pair, counts), = summary.items()
    assert sum(counts.values()) == 2 and pair == "Griffin-Lim control vs original"
    with pytest.raises(ValueError, match="'A' or 'B'"):
        lab.answer(first, "C")
    with pytest.raises(ValueError, match="no sound"):
        lab.new_trial(clip, ("original", "generated from its first frames"))


def test_widgets_drive_the_lab(lab):
    ui = lab.widget()
    selectors, tabs = ui.children
    genre, song, clip = selectors.children
    genre.value = "house"
    assert song.options and all("house" in s for s in song.options)
    assert clip.value is not None
    before = len(lab.answers())
    ab = tabs.children[1]
    new_button = ab.children[0].children[1]
    pick_a = ab.children[2].children[0]
    new_button.click()
    pick_a.click()
    assert len(lab.answers()) == before + 1
    assert lab.answers()[-1]["genre"] == "house"
