"""scripts/results_paper.py: the paper-size transfers and generators, judged, resumable (run here at tiny)."""

from __future__ import annotations

import json

from conftest import load_script

from lildata_utils import training


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
