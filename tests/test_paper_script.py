"""scripts/results_paper.py: the paper-size transfers and generators, judged, resumable (run here at tiny)."""

from __future__ import annotations

import json

from conftest import load_script

from lildata_utils import models, training


def test_the_paper_script_transfers_generates_judges_and_resumes(tiny_prepared, tmp_path, capsys):
    script = load_script("results_paper")
    work = tmp_path / "work"
    argv = ["--work", str(work), "--preset", "tiny", "--data", str(tiny_prepared), "--methods",
            "lildata,random1d,modulation", "--iterations", "2", "--generators", "beat", "--style-genre", "noise",
            "--classifiers", str(tmp_path / "none.json"), "--out", str(tmp_path / "paper.json")]
    assert script.main(argv) == 2  # no classifier runs yet: one clear line, nothing made
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "lildata_8_song" in err[0] and not (tmp_path / "paper.json").exists()
    for name, model, paper_setup in (("lildata_8_song", "lildata", False), ("lildata_8_song_paper_setup", "lildata", True),
                                     ("softmax_8_song", "softmax", False)):
        settings = training.train_preset("tiny", model=model, epochs=1, paper_setup=paper_setup)
        training.train(tiny_prepared, work / "runs" / name, settings, verbose=0)
    assert script.main(argv) == 0
    printed = capsys.readouterr().out
    summary = json.loads((tmp_path / "paper.json").read_text())
    assert summary["judges"] == ["lildata_8_song_paper_setup", "softmax_8_song"]
    assert set(summary["transfers"]) == {"lildata", "random1d", "modulation"}
    for method, outcome in summary["transfers"].items():
        assert outcome["settings"]["iterations"] == (2 if method != "modulation" else 0)
        assert outcome["second_judge"]["model"] == "softmax" and "lofi" in outcome["content"]
        assert (work / "transfer" / method / "result.wav").exists()
    beat = summary["generators"]["beat"]
    assert "judge_probability" in beat and 0 <= beat["judge_probability"] <= 1
    assert "### Transfer of the paper's pair" in printed and "### Generators" in printed
    made = {p: p.stat().st_mtime_ns for p in work.rglob("*") if p.is_file()}
    assert script.main(argv) == 0  # everything is reused: nothing is trained or transferred again
    printed = capsys.readouterr().out
    assert printed.count("reusing the transfer") == 3 and "reusing the generator" in printed
    assert {p: p.stat().st_mtime_ns for p in made if p.exists()} == made


def test_the_classifier_script_trains_every_row_song_split_first_and_resumes(tmp_path, capsys):
    """The first half of `make paper`, at tiny: built-in songs, every model, both splits, the paper's set-ups."""
    script = load_script("results_classifiers")
    work, out = tmp_path / "work", tmp_path / "classifiers.json"
    argv = ["--preset", "tiny", "--songs-per-genre", "3", "--seconds", "12", "--models", "softmax,lildata,resnet50",
            "--paper-setup", "--resnet-weights", "none", "--resnet-epochs", "1", "--work", str(work), "--out", str(out)]
    script.main(argv)
    rows = json.loads(out.read_text())["runs"]
    seen = [(r["model"], r["genres"], r["split_by"]) for r in rows]
    assert seen[:6] == [(m, k, "song") for m in ("softmax", "lildata", "resnet50") for k in (4, 8)]
    assert seen[6:12] == [(m, k, "chunk") for m in ("softmax", "lildata", "resnet50") for k in (4, 8)]
    assert seen[12:] == [("lildata (paper's set-up)", 4, "song"), ("lildata (paper's set-up)", 8, "song"),
                         ("resnet50 (paper's set-up)", 8, "song")]
    for row in rows:
        config = json.loads((tmp_path / row["run"] / "config.json").read_text())  # an absolute path outside the repo
        trained = config["training"]
        assert trained["split_by"] == row["split_by"] and trained["model"] == row["model"].split()[0]
        assert trained["paper_setup"] == ("paper's set-up" in row["model"])
        assert len(config["labels"]) == row["genres"]
        if row["genres"] == 4:
            assert tuple(config["labels"]) == models.PAPER_FOUR_GENRES
        if trained["model"] == "resnet50":
            assert trained["epochs"] == 1 and trained["resnet_weights"] == "none"
        assert 0 <= row["test_accuracy"] <= 1 and row["n_test"] > 0
    # the chunk split draws its test clips from nearly every song; the song split keeps whole songs apart
    songs = {(r["model"], r["genres"], r["split_by"]): r["n_songs"] for r in rows}
    assert all(songs[(m, k, "chunk")] > songs[(m, k, "song")] for m, k, split in songs if split == "song"
               and "set-up" not in m)
    made = {p: p.read_bytes() for p in work.rglob("*") if p.is_file()}
    runs = {p: p.stat().st_mtime_ns for p in (work / "runs").rglob("*") if p.is_file()}
    capsys.readouterr()
    script.main(argv)  # everything is reused: no song made, no clip prepared, no run trained again
    assert capsys.readouterr().out.count("reusing the finished run") == len(rows)
    report = work / "prepared_tiny" / "prepare_report.json"
    assert json.loads(report.read_text())["reused"] == 8 * 3  # every song reused, none prepared again
    assert {p: p.read_bytes() for p in work.rglob("*") if p.is_file() and p != report} == \
        {p: data for p, data in made.items() if p != report}
    assert {p: p.stat().st_mtime_ns for p in runs} == runs  # the runs are not even rewritten
