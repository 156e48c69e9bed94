"""experiments/: every script that makes a table of RESULTS.md, run here at tiny, and the header they share.

Each script's ``main`` is called on tiny data; the tests read what it writes: the header (command, machine,
date), the rows, and a second call that reuses every finished run and gives the same figures.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pytest
from conftest import ROOT, load_script

sys.path.insert(0, str(ROOT / "experiments"))  # as when a script runs: its folder is on the path (`from header ...`)


def script(name: str):
    return load_script(name, "experiments")


def files_of(folder: Path) -> dict[Path, int]:
    return {p: p.stat().st_mtime_ns for p in Path(folder).rglob("*") if p.is_file()}


def assert_header(result: dict, name: str, argv: list[str]) -> None:
    head = result["header"]
    assert head["command"].split()[:2] == ["python", f"experiments/{name}.py"]
    assert head["command"].endswith(argv[-1])  # the arguments as given
    assert {"cpu", "cores", "gpus", "memory_gib", "os", "python", "numpy", "tensorflow", "keras"} <= head["machine"].keys()
    assert head["machine"]["python"] == ".".join(map(str, sys.version_info[:3])) and head["machine"]["cores"] >= 1
    assert head["date"].endswith("+00:00") and head["date"][:2] == "20"  # UTC, ISO 8601


def test_the_header_names_the_command_the_machine_and_the_date_and_is_written_atomically(tmp_path, monkeypatch):
    header = script("header")
    head = header.header(ROOT / "experiments" / "x.py", ["--out", "a b.json"])
    assert head["command"] == "python experiments/x.py --out 'a b.json'"  # as run, quoted for a shell
    monkeypatch.delitem(sys.modules, "tensorflow", raising=False)
    assert header.machine()["gpus"] == "no GPU checked"  # TensorFlow is not imported just to look

    class Device:
        name = "/physical_device:GPU:0"

    class FakeTF:
        __version__ = "9.9"

        class config:
            @staticmethod
            def list_physical_devices(kind):
                return [Device()] if kind == "GPU" else []

    monkeypatch.setitem(sys.modules, "tensorflow", FakeTF)
    assert header.machine()["gpus"] == ["/physical_device:GPU:0"] and header.machine()["tensorflow"] == "9.9"
    out = tmp_path / "result.json"
    header.write_result(out, {"rows": [1, 2]}, ROOT / "experiments" / "x.py", ["--out", str(out)])
    written = json.loads(out.read_text())
    assert written["rows"] == [1, 2] and written["header"]["command"].startswith("python experiments/x.py")
    with pytest.raises(ValueError):
        header.write_result(out, {"rows": [float("nan")]}, ROOT / "experiments" / "x.py", [])
    assert json.loads(out.read_text()) == written  # the file is whole: the old one, not half a new one
    assert "`python experiments/x.py" in header.describe(written["header"])


@pytest.fixture(scope="module")
def small(tmp_path_factory) -> Path:
    """A smaller set than ``tiny_prepared`` for the generators (which measure every held-out clip as they finish):
    house, lo-fi and noise, 4 songs of 2 s each, at the tiny preset: 4 held-out lo-fi clips."""
    from conftest import write_song

    from lildata_utils.data import prepare
    from lildata_utils.settings import get_preset

    root = tmp_path_factory.mktemp("small")
    for genre in ("house", "lofi", "noise"):
        for index in range(4):
            write_song(root / "raw" / genre / f"{genre}_{index:03d}.wav", genre, index, 2.0, 8000)
    prepare(root / "raw", root / "prepared", get_preset("tiny"), jobs=1, progress=False, log=lambda line: None)
    return root / "prepared"


@pytest.fixture(scope="module")
def paper_work(tiny_prepared, tmp_path_factory) -> Path:
    """A work folder as experiments/classifiers.py --paper-setup leaves it: the three runs paper_size.py needs."""
    from lildata_utils.runs import classifier
    from lildata_utils.settings import train_preset

    work = tmp_path_factory.mktemp("paper_work")
    for name, model, paper_setup in (("lildata_8_song", "lildata", False), ("lildata_8_song_paper_setup", "lildata", True),
                                     ("softmax_8_song", "softmax", False)):
        settings = train_preset("tiny", model=model, epochs=1, paper_setup=paper_setup or None)
        classifier.train(tiny_prepared, work / "runs" / name, settings, verbose=0)
    return work


@pytest.mark.train
def test_the_paper_size_script_transfers_generates_judges_and_resumes(small, paper_work, tmp_path, capsys):
    paper = script("paper_size")
    argv = lambda work: ["--work", str(work), "--preset", "tiny", "--data", str(small), "--methods",  # noqa: E731
                         "lildata,random1d,modulation", "--iterations", "2", "--generators", "beat", "--style-genre",
                         "noise", "--classifiers", str(tmp_path / "none.json"), "--out", str(tmp_path / "paper.json")]
    assert paper.main(argv(tmp_path / "empty")) == 2  # no classifier runs yet: one clear line, nothing made
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "lildata_8_song" in err[0] and "experiments/classifiers.py" in err[0]
    assert not (tmp_path / "paper.json").exists()
    assert paper.main(argv(paper_work)) == 0
    printed = capsys.readouterr().out
    summary = json.loads((tmp_path / "paper.json").read_text())
    assert_header(summary, "paper_size", argv(paper_work))
    assert summary["judges"] == ["lildata_8_song", "softmax_8_song"]  # the paper's set-up lends its layers
    assert set(summary["transfers"]) == {"lildata", "random1d", "modulation"}
    for method, outcome in summary["transfers"].items():
        assert outcome["settings"]["iterations"] == (2 if method != "modulation" else 0)
        assert outcome["second_judge"]["model"] == "softmax" and "lofi" in outcome["content"]
        assert (paper_work / "transfer" / method / "result.wav").exists()
    beat = summary["generators"]["beat"]
    assert "judge_probability" in beat and 0 <= beat["judge_probability"] <= 1
    assert "### Transfer of the paper's pair" in printed and "### Generators" in printed
    made = files_of(paper_work)
    assert paper.main(argv(paper_work)) == 0  # everything is reused: nothing is trained or transferred again
    printed = capsys.readouterr().out
    assert printed.count("reusing the transfer") == 3 and "reusing the generator" in printed
    assert {p: p.stat().st_mtime_ns for p in made if p.exists()} == made
    again = json.loads((tmp_path / "paper.json").read_text())
    assert again["transfers"] == summary["transfers"] and again["generators"] == summary["generators"]


def test_the_classifier_plan_puts_the_song_split_first_then_the_chunk_split_then_the_papers_set_ups():
    from lildata_utils.settings import train_preset

    classifiers = script("classifiers")
    plan = classifiers.plan_of(["softmax", "lildata", "resnet50"], paper_setup=True)
    four = classifiers.PAPER_FOUR_GENRES
    seen = [(m, len(labels) if labels else 8, split, setup) for m, labels, split, setup in plan]
    assert seen[:6] == [(m, k, "song", False) for m in ("softmax", "lildata", "resnet50") for k in (4, 8)]
    assert seen[6:12] == [(m, k, "chunk", False) for m in ("softmax", "lildata", "resnet50") for k in (4, 8)]
    assert seen[12:] == [("lildata", 4, "song", True), ("lildata", 8, "song", True), ("resnet50", 8, "song", True)]
    assert all(labels in (four, None) for _, labels, _, _ in plan) and four == ("trap", "lofi", "hardstyle", "house")
    assert not any(setup for *_, setup in classifiers.plan_of(["softmax", "lildata"], paper_setup=False))
    args = classifiers.build_parser().parse_args(["--preset", "tiny", "--resnet-weights", "none", "--resnet-epochs",
                                                  "1", "--epochs", "2"])
    resnet = classifiers.settings_of(args, "resnet50", None, "song", True)
    assert (resnet.model, resnet.epochs, resnet.resnet_weights, resnet.paper_setup) == ("resnet50", 1, "none", True)
    paper = classifiers.settings_of(args, "lildata", four, "song", True)
    assert paper == train_preset("tiny", model="lildata", paper_setup=True, labels=four, epochs=2)
    softmax = classifiers.settings_of(args, "softmax", four, "chunk", False)
    assert (softmax.labels, softmax.split_by, softmax.resnet_weights) == (four, "chunk", "auto")  # as `lildata train`


@pytest.mark.train
def test_the_classifier_script_trains_every_row_as_lildata_train_and_resumes(tmp_path, capsys):
    """The first half of `make paper`, at tiny: built-in songs, every row of two models, both splits (the
    baselines, fitted in seconds: the networks' rows and settings are the plan test's above; other tests here
    train Lil Data through the same `ensure_run`)."""
    from lildata_utils.settings import train_preset

    classifiers = script("classifiers")
    work, out = tmp_path / "work", tmp_path / "classifiers.json"
    argv = ["--preset", "tiny", "--songs-per-genre", "3", "--seconds", "6", "--models", "softmax,statistics",
            "--work", str(work), "--out", str(out)]
    assert classifiers.main(argv) == 0
    result = json.loads(out.read_text())
    assert_header(result, "classifiers", argv)
    rows = result["runs"]
    assert [(r["model"], r["genres"], r["split_by"]) for r in rows] == \
        [(m, k, split) for split in ("song", "chunk") for m in ("softmax", "statistics") for k in (4, 8)]
    for row in rows:
        config = json.loads((Path(row["run"]) / "config.json").read_text())  # an absolute path outside the repo
        trained = config["training"]
        assert trained["split_by"] == row["split_by"] and trained["model"] == row["model"].split()[0]
        assert trained["paper_setup"] == ("paper's set-up" in row["model"])
        assert len(config["labels"]) == row["genres"]
        if row["genres"] == 4:
            assert tuple(config["labels"]) == classifiers.PAPER_FOUR_GENRES
        # trained as `lildata train [--paper-setup] [--epochs 1] --split-by SPLIT` trains it: the preset's settings
        expected = train_preset("tiny", model=trained["model"], split_by=row["split_by"])
        assert {k: v for k, v in trained.items() if k != "labels"} == \
            {k: v for k, v in json.loads(json.dumps(vars(expected))).items() if k != "labels"}
        assert 0 <= row["test_accuracy"] <= 1 and row["n_test"] > 0
    # the chunk split draws its test clips from nearly every song; the song split keeps whole songs apart
    songs = {(r["model"], r["genres"], r["split_by"]): r["n_songs"] for r in rows}
    assert all(songs[(m, k, "chunk")] > songs[(m, k, "song")] for m, k, split in songs if split == "song"
               and "set-up" not in m)
    printed = capsys.readouterr().out
    assert "| softmax (average spectrum) | 8 | chunk |" in printed
    assert "| statistics (mean, spread and change per bin) | 4 | song |" in printed
    made = {p: p.read_bytes() for p in work.rglob("*") if p.is_file()}
    runs = files_of(work / "runs")
    assert classifiers.main(argv) == 0  # everything is reused: no song made, no clip prepared, no run trained again
    assert capsys.readouterr().out.count("reusing the finished run") == len(rows)
    report = work / "prepared_tiny" / "prepare_report.json"
    assert json.loads(report.read_text())["reused"] == 8 * 3  # every song reused, none prepared again
    assert {p: p.read_bytes() for p in work.rglob("*") if p.is_file() and p != report} == \
        {p: data for p, data in made.items() if p != report}
    assert files_of(work / "runs") == runs  # the runs are not even rewritten
    assert json.loads(out.read_text())["runs"] == rows


def test_the_recorded_music_plan_fits_each_baseline_once_and_trains_a_network_per_seed():
    recorded = script("recorded_music")
    plan = recorded.plan_of(["softmax", "statistics", "lildata"], [0, 1, 2], True)
    assert plan == [("softmax", "softmax", False, 0, None), ("statistics", "statistics", False, 0, None),
                    *[("lildata", "lildata", False, s, None) for s in (0, 1, 2)],
                    *[("lildata_paper_setup", "lildata", True, s, None) for s in (0, 1, 2)]]
    # on other splits too: each split fits its baselines once and trains its networks once a seed
    plan = recorded.plan_of(["statistics", "lildata"], [0, 1], False, [None, 3])
    assert plan == [("statistics", "statistics", False, 0, None), ("lildata", "lildata", False, 0, None),
                    ("lildata", "lildata", False, 1, None), ("statistics", "statistics", False, 0, 3),
                    ("lildata", "lildata", False, 0, 3), ("lildata", "lildata", False, 1, 3)]


def test_the_recorded_music_table_over_splits_compares_each_split_with_its_own_baseline():
    """The network's gap is taken split by split against the baseline of the highest mean over splits."""
    recorded = script("recorded_music")

    def row(name, baseline, runs):
        return {"name": name, "baseline": baseline, "runs": [{"split": k, "seed": s, "clip": c} for k, s, c in runs]}

    rows = {"softmax": row("softmax", True, [(None, 0, 0.50), (1, 0, 0.70)]),
            "statistics": row("statistics", True, [(None, 0, 0.60), (1, 0, 0.80)]),
            "lildata": row("Lil Data", False, [(None, 0, 0.70), (None, 1, 0.60), (1, 0, 0.82)])}
    over = recorded.by_split(rows)
    assert over["lildata"]["splits"] == [None, 1]
    assert over["lildata"]["clip"] == pytest.approx([0.65, 0.82])  # each split: the mean over its seeds
    assert over["lildata"]["mean"] == pytest.approx(0.735)
    gap = over["lildata"]["over_best_baseline"]
    assert gap["baseline"] == "statistics"  # 0.70 over the splits, the softmax 0.60
    assert gap["by_split"] == pytest.approx([0.05, 0.02]) and gap["mean"] == pytest.approx(0.035)
    assert "over_best_baseline" not in over["statistics"]
    text = recorded.split_table(rows, over)
    assert "| Lil Data | 65.0 | 82.0 | 73.5% (65.0-82.0) | +3.5 points (+2.0 to +5.0) |" in text
    assert text.splitlines()[0].startswith("| model | prepare's | seed 1 |")


@pytest.mark.train
def test_the_recorded_music_script_trains_as_lildata_train_on_the_prepared_split_and_resumes(tiny_prepared, tmp_path,
                                                                                           capsys):
    from lildata_utils.data import PreparedDataset
    from lildata_utils.settings import train_preset

    recorded = script("recorded_music")
    work, out = tmp_path / "runs", tmp_path / "recorded.json"
    argv = [str(tiny_prepared), "--seeds", "0", "1", "--models", "softmax,lildata", "--epochs", "1",
            "--work", str(work), "--out", str(out)]
    assert recorded.main(argv) == 0
    printed = capsys.readouterr().out
    result = json.loads(out.read_text())
    assert_header(result, "recorded_music", argv)
    rows = result["rows"]
    assert list(rows) == ["softmax", "lildata"]
    assert [r["seed"] for r in rows["softmax"]["runs"]] == [0]  # fitted once: the same for every seed
    assert [r["seed"] for r in rows["lildata"]["runs"]] == [0, 1]
    data = PreparedDataset(tiny_prepared)
    test_clips = data.select("test")
    for name, row in rows.items():
        # the dataset's own split, the one `lildata prepare` wrote: every test clip, every test song
        assert row["n_test"] == len(test_clips) and row["n_songs"] == len({c.song for c in test_clips})
        for run in row["runs"]:
            config = json.loads((Path(run["run"]) / "config.json").read_text())
            expected = train_preset("tiny", model=row["model"], seed=run["seed"],
                                    epochs=None if row["baseline"] else 1)
            assert config["training"] == {k: v for k, v in json.loads(json.dumps(vars(expected))).items() if k != "labels"}
            assert config["data_fingerprint"] == data.fingerprint()
        clips = [r["clip"] for r in row["runs"]]
        assert row["clip"]["mean"] == pytest.approx(np.mean(clips))
        assert row["clip"]["min"] == min(clips) and row["clip"]["max"] == max(clips)
    assert rows["softmax"]["baseline"] and not rows["lildata"]["baseline"]
    lildata = rows["lildata"]["runs"]
    assert f"by seed {100 * lildata[0]['clip']:.1f}, {100 * lildata[1]['clip']:.1f}" in printed
    assert "softmax on the average spectrum" in printed and "fitted once" in printed
    assert "`python experiments/recorded_music.py" in printed and result["table"] in printed
    made = files_of(work)
    assert recorded.main(argv) == 0  # a second call trains nothing and gives the same figures
    assert capsys.readouterr().out.count("reusing the finished run") == 3
    assert files_of(work) == made
    assert json.loads(out.read_text())["rows"] == rows
    # on another split too: the dataset's own runs reused, new ones on the other songs, and the table over splits
    assert recorded.main([*argv, "--split-seeds", "1"]) == 0
    printed = capsys.readouterr().out
    assert printed.count("reusing the finished run") == 3
    result = json.loads(out.read_text())
    for name, row in result["rows"].items():
        assert [(r["split"], r["seed"]) for r in row["runs"]] == \
            ([(None, 0), (1, 0)] if row["baseline"] else [(None, 0), (None, 1), (1, 0), (1, 1)])
        for run in row["runs"]:
            config = json.loads((Path(run["run"]) / "config.json").read_text())
            assert config["training"]["split_seed"] == run["split"]
        other = [r for r in row["runs"] if r["split"] == 1]
        assert row["runs"][:len(rows[name]["runs"])] == [{**r, "n_test": row["n_test"], "n_songs": row["n_songs"]}
                                                         for r in rows[name]["runs"]]
        assert other and all(Path(r["run"]).name.endswith("_split1") for r in other)
        assert result["over_splits"][name]["clip"] == pytest.approx(
            [np.mean([r["clip"] for r in row["runs"] if r["split"] == k]) for k in (None, 1)])
    gap = result["over_splits"]["lildata"]["over_best_baseline"]
    assert gap["baseline"] == "softmax" and gap["by_split"] == pytest.approx(
        [a - b for a, b in zip(result["over_splits"]["lildata"]["clip"], result["over_splits"]["softmax"]["clip"])])
    assert "Over the 2 splits by song" in printed and result["table"] in printed


@pytest.mark.train
def test_the_transfer_grid_judges_every_method_and_the_fakes_on_the_pair_and_the_grid(tiny_prepared, paper_work,
                                                                                   softmax_run, tmp_path, capsys):
    grid = script("transfer_grid")
    out = tmp_path / "grid.json"
    runs = paper_work / "runs"
    with pytest.raises(SystemExit):  # the recipe has no conv1 to conv4 to lend: one line, nothing made
        grid.main([str(tiny_prepared), "--net-run", str(runs / "lildata_8_song"), "--judge", str(softmax_run),
                   "--second-judge", str(softmax_run), "--out", str(out)])
    assert "paper's set-up" in capsys.readouterr().err and not out.exists()
    argv = [str(tiny_prepared), "--net-run", str(runs / "lildata_8_song_paper_setup"), "--judge",
            str(runs / "lildata_8_song"), "--second-judge", str(softmax_run), "--pairs", "2",
            "--methods", "lildata,statistics,modulation", "--iterations", "2", "--envelopes", "0",
            "--style-genre", "noise", "--out", str(out)]
    assert grid.main(argv) == 0
    result = json.loads(out.read_text())
    assert_header(result, "transfer_grid", argv)
    names = ["control (Griffin-Lim only)", "lildata (2 iterations)", "statistics", "modulation",
             "modulation, envelope 0 Hz", *grid.FAKES]
    assert list(result["summaries"]) == names
    assert len(result["pairs"]) == 3 and result["pairs"][0].startswith("lofi") and "-> noise" in result["pairs"][0]
    for name, rows in result["outcomes"].items():
        assert len(rows) == 3 and "lofi" in rows[0]["content"]  # the paper's pair first, then the grid
        summary = result["summaries"][name]
        assert summary["pairs"] == 2 and summary["paper_pair_judge"] == rows[0]["judge"]["probability"]["result"]
        assert summary["judge"] == pytest.approx(np.mean([r["judge"]["probability"]["result"] for r in rows[1:]]))
        assert summary["target_met"] == (min(summary["judge"], summary["second_judge"], summary["paper_pair_judge"],
                                             summary["paper_pair_second_judge"]) >= 0.5
                                         and summary["chroma_to_content"] < summary["chroma_to_style"]
                                         and summary["onsets_to_content"] < summary["onsets_to_style"])
    assert [r["settings"]["envelope_hz"] for r in result["outcomes"]["modulation, envelope 0 Hz"]] == [0.0] * 3
    copy, control = result["summaries"][grid.FAKES[0]], result["summaries"]["control (Griffin-Lim only)"]
    assert copy["pairs_nearer_content_chroma"] == 0 and copy["chroma_to_style"] < copy["chroma_to_content"]
    assert control["chroma_to_content"] < control["chroma_to_style"]  # the content through Griffin-Lim stays it
    printed = capsys.readouterr().out
    assert "| modulation, envelope 0 Hz |" in printed and "texture" not in printed


@pytest.fixture(scope="module")
def ablation_run(small, softmax_run, tmp_path_factory):
    """experiments/generation.py ablation at tiny (1 epoch each): its work folder, its JSON and what it printed."""
    generation = script("generation")
    root = tmp_path_factory.mktemp("ablation")
    argv = ["ablation", str(small), "--judge", str(softmax_run), "--work", str(root / "work"), "--clips", "2",
            "--epochs", "1", "--out", str(root / "ablation.json")]
    assert generation.main(argv) == 0
    return root, argv


@pytest.mark.train
def test_the_generation_ablation_trains_each_variant_once_and_restores_the_beat_phase(ablation_run, capsys):
    from lildata_utils.lessons import beat
    from lildata_utils.runs.generator import load_generator

    generation = script("generation")
    root, argv = ablation_run
    result = json.loads((root / "ablation.json").read_text())
    assert_header(result, "generation", argv)
    rows = result["rows"]
    assert [r["generator"] for r in rows] == ["beat LSTM (the default)", "without the beat phase", "16 clips a batch"]
    settings = [load_generator(r["run"])[0].settings for r in rows]
    assert settings[0] == settings[1] and settings[2].batch_size == 16 and settings[0].batch_size == 4
    assert all(s.model == "beat" and s.epochs == 1 for s in settings)
    assert all(0 <= r["judge_probability"] <= 1 and r["n_clips"] == 2 for r in rows)
    assert beat.beat_phase.__module__ == "lildata_utils.lessons.beat"  # the patch was taken away again
    made = files_of(root / "work")
    assert generation.main(argv) == 0  # reused: nothing trained again, the same figures
    assert capsys.readouterr().out.count("reusing the generator") == 3
    assert files_of(root / "work") == made
    assert json.loads((root / "ablation.json").read_text())["rows"] == rows


@pytest.mark.train
def test_the_generation_measures_and_spread_measure_the_generator_beside_the_real_clips_and_fakes(
        ablation_run, softmax_run, paper_work, tmp_path, capsys):
    generation = script("generation")
    run = ablation_run[0] / "work" / "beat_LSTM_the_default"
    out = tmp_path / "measures.json"
    argv = ["measures", str(run), "--judge", str(softmax_run), "--clips", "2", "--long", "1", "--out", str(out)]
    assert generation.main(argv) == 0
    result = json.loads(out.read_text())
    assert_header(result, "generation", argv)
    rows = result["rows"]
    assert list(rows)[:2] == [run.name, "real held-out clips"]
    assert {"noise at the real level", "first frame frozen", "real frames shuffled in time"} <= set(rows)
    real = rows["real held-out clips"]
    assert real["variance_ratio"] == pytest.approx(1.0) and real["modulation_distance"] == pytest.approx(0.0)
    if "frechet_distance" in real:  # the real clips are their own floor
        assert real["frechet_distance"] == pytest.approx(real["frechet_floor"])
    assert rows["first frame frozen"]["variance_ratio"] == pytest.approx(0.0, abs=1e-6)
    assert len(result["long"]["sounds"]) == 1 and result["long"]["tempo_in_range"] in (0.0, 1.0)
    assert "| real held-out clips |" in capsys.readouterr().out

    out = tmp_path / "spread.json"
    argv = ["spread", str(run), "--select-judge", str(paper_work / "runs" / "lildata_8_song"), "--judge",
            str(softmax_run), "--clips", "2", "--grid", "0.7:0.5,1:1", "--out", str(out)]
    assert generation.main(argv) == 0
    rows = json.loads(out.read_text())["rows"]
    assert [(r["temperature"], r["spread"]) for r in rows] == [(0.7, 0.5), (1.0, 1.0)]
    assert generation.build_parser().parse_args(["spread", "r", "--select-judge", "a", "--judge", "b"]).grid == \
        generation.SPREAD_GRID and generation.SPREAD_GRID[0] == (0.7, 0.5)  # the default sampling first
    assert all(0 <= r[name]["judge_probability"] <= 1 for r in rows for name in ("selecting judge", "judge"))
    assert len({r["variance_ratio"] for r in rows}) > 1  # the sampling changes what is made


def test_the_per_bin_sampler_draws_a_quantile_a_bin_where_the_lessons_draws_one_a_frame():
    from lildata_utils.lessons.generators import sample_frame

    generation = script("generation")
    uniform = np.full((500, 16), 1 / 16)
    per_frame = sample_frame(uniform, np.random.default_rng(0), 1.0)
    per_bin = generation.sample_per_bin(uniform, np.random.default_rng(0), 1.0)
    assert np.ptp(per_frame) == 0 and np.ptp(per_bin) > 0.5  # one level for the frame; each bin its own
    assert per_bin.shape == (500,) and set(np.unique(per_bin)) <= set((np.arange(16) + 0.5) / 16)
    sharp = np.zeros((500, 16))
    sharp[:, 3] = 1.0
    assert np.all(generation.sample_per_bin(sharp, np.random.default_rng(1), 0.5) == (3 + 0.5) / 16)


@pytest.mark.train
def test_the_generation_sampling_table_samples_the_autoregressive_lstm_both_ways(small, softmax_run, tmp_path):
    from lildata_utils.runs.generator import train_generator
    from lildata_utils.settings import generator_preset

    generation = script("generation")
    run = tmp_path / "autoregressive"
    train_generator(small, run, generator_preset("tiny", "autoregressive", epochs=1), verbose=0)
    out = tmp_path / "sampling.json"
    argv = ["sampling", str(run), "--judge", str(softmax_run), "--clips", "2", "--out", str(out)]
    assert generation.main(argv) == 0
    rows = json.loads(out.read_text())["rows"]
    assert [(r["per_bin"], r["temperature"]) for r in rows] == [(b, t) for b in (True, False) for t in (1.0, 0.7, 0.5)]
    assert all(0 <= r["judge_probability"] <= 1 and set(r["judged_as"]) <= {"house", "lofi", "noise"} for r in rows)
    assert all(r["frame_error_free_db"] > 0 for r in rows)


@pytest.mark.train
def test_the_genre_difficulty_script_compares_lil_data_with_the_average_spectrum_and_cross_validates_by_song(
        tiny_prepared, tmp_path, capsys):
    from lildata_utils.data import PreparedDataset

    difficulty = script("genre_difficulty")
    out = tmp_path / "cnn.json"
    argv = ["cnn", str(tiny_prepared), "--epochs", "1", "--work", str(tmp_path / "work"), "--out", str(out)]
    assert difficulty.main(argv) == 0
    result = json.loads(out.read_text())
    assert_header(result, "genre_difficulty", argv)
    cnn, soft = result["rows"]["Lil Data, the paper's set-up"], result["rows"]["average-spectrum softmax"]
    assert cnn["epochs_run"] == 1 and json.loads((Path(cnn["run"]) / "config.json").read_text())["training"]["paper_setup"]
    assert result["difference_points"] == pytest.approx(100 * (cnn["test_accuracy"] - soft["test_accuracy"]))
    assert cnn["n_test"] == soft["n_test"] == len(PreparedDataset(tiny_prepared).select("test"))  # the same split
    made = files_of(tmp_path / "work")
    assert difficulty.main(argv) == 0 and capsys.readouterr().out.count("reusing the finished run") == 2
    assert files_of(tmp_path / "work") == made

    data = PreparedDataset(tiny_prepared)
    fold = difficulty.folds_by_song(data, 3)
    for song in {c.song for c in data.clips}:  # every clip of a song in one fold
        assert len({int(f) for f, c in zip(fold, data.clips) if c.song == song}) == 1
    out = tmp_path / "cv.json"
    argv = ["average-spectrum", str(tiny_prepared), "--folds", "3", "--out", str(out)]
    assert difficulty.main(argv) == 0
    result = json.loads(out.read_text())
    assert result["n_clips"] == len(data) and result["n_songs"] == 18 and 0 <= result["accuracy"] <= 1
    assert result["chance"] == pytest.approx(1 / 3)


@pytest.mark.train
def test_the_song_table_measures_the_song_generator_its_parts_the_real_songs_and_every_fake(
        small, softmax_run, paper_work, tmp_path, capsys):
    from lildata_utils.runs.generator import train_generator
    from lildata_utils.settings import generator_preset

    generation = script("generation")
    run = tmp_path / "song"
    trained = train_generator(small, run, generator_preset("tiny", "song", epochs=2), verbose=0)
    scores = {int(e): v for e, v in trained["epoch_modulation"].items()}  # its drums chosen on validation songs
    assert list(scores) == [1, 2] and trained["chosen_epoch"] == min(scores, key=scores.get)
    assert all(0 < v <= 2 for v in scores.values())
    out = tmp_path / "song.json"
    argv = ["song", str(run), "--judge", f"lildata={paper_work / 'runs' / 'lildata_8_song'}",
            "--judge", f"statistics={softmax_run}", "--sounds", "3", "--seconds", "2", "--out", str(out)]
    assert generation.main(argv) == 0
    result = json.loads(out.read_text())
    assert_header(result, "generation", argv)
    rows = result["rows"]
    assert list(rows)[:5] == ["song generator", "its harmony over the real drums", "the real harmony over its drums",
                              "its drums alone", "real held-out lofi"]
    assert {"noise", "frozen", "shuffled", "looped", "held chord", "training bars", generation.GRAINED} <= set(rows)
    # 3 generations from 2 held-out songs: each seeds one in turn; the real row is those 2 songs
    assert result["held_out_songs"] == 2 and rows["song generator"]["n_sounds"] == 3 and result["splits"] == "val,test"
    assert rows["real held-out lofi"]["n_sounds"] == 2 and rows["its drums alone"]["n_sounds"] == 3
    real = rows["real held-out lofi"]
    for measure in ("nearest_ratio", "piece_nearest_ratio"):  # (2 s hold less than two bars: no movement here)
        assert real[measure] == pytest.approx(1.0), measure  # the real songs are their own reference
    assert rows["looped"]["nearest_ratio"] < 0.05  # a training clip over again: its 1-s clip is in training
    assert real["change_ratio"] == pytest.approx(1.0) and rows["frozen"]["change_ratio"] == 0.0
    assert rows["song generator"]["change_ratio"] > 0.5  # its grain: as much frame-to-frame change as training's
    for fake in ("looped", "training bars"):  # pieces a clip long: those across two pasted clips are new
        assert rows[fake]["piece_nearest_ratio"] < 0.7 * rows["noise"]["piece_nearest_ratio"], fake
    assert all(set(rows[name]["judge_probability"]) == {"lildata", "statistics"} for name in rows)
    assert all(0 <= p <= 1 for m in rows.values() for p in m["judge_probability"].values())
    said = capsys.readouterr().out
    assert "3 generations of 2 s seeded by the 2 held-out lofi songs in turn" in said
    assert "| its drums alone |" in said and "no second a copy" in said and "frame-to-frame change" in said

    # --reference: every row measured against another dataset's lo-fi songs; the held-out songs still seed
    from dataclasses import replace

    from conftest import write_song

    from lildata_utils.data import PreparedDataset, prepare
    from lildata_utils.settings import get_preset

    for index in range(10, 13):  # 3 new lo-fi songs, none of them in the generator's dataset
        write_song(tmp_path / "ref_raw" / "lofi" / f"lofi_{index:03d}.wav", "lofi", index, 2.0, 8000)
    for name, preset in (("ref", get_preset("tiny")), ("other", replace(get_preset("tiny"), hop_length=64))):
        prepare(tmp_path / "ref_raw", tmp_path / name, preset, jobs=1, progress=False, log=lambda line: None)
    out = tmp_path / "reference.json"
    assert generation.main([*argv[:-2], "--reference", str(tmp_path / "ref"), "--out", str(out)]) == 0
    result = json.loads(out.read_text())
    assert result["reference_songs"] == 3 and result["held_out_songs"] == 2 and result["reference"] == str(tmp_path / "ref")
    assert result["reference_fingerprint"] == PreparedDataset(tmp_path / "ref").fingerprint()
    measured = result["rows"]["real held-out lofi"]
    assert measured["n_sounds"] == 2  # the held-out songs, now measured against the 3 others, not against themselves
    assert measured["nearest_ratio"] != pytest.approx(1.0) and measured["change_ratio"] != pytest.approx(1.0)
    assert result["rows"]["looped"]["nearest_ratio"] < 0.05 and result["rows"]["frozen"]["change_ratio"] == 0.0
    assert "measured against the first 2 s of the 3 lofi songs of" in capsys.readouterr().out
    with pytest.raises(SystemExit, match="its spectrograms are not made as the generator's are"):
        generation.main([*argv[:-2], "--reference", str(tmp_path / "other")])


def test_the_statistics_views_fit_the_lessons_baseline_on_each_view_and_split(tiny_prepared, tmp_path, capsys):
    """``bins`` is ``lildata train --model statistics``'s own fit; ``pairs`` halves the rows, ``mel`` reads 64 bands;
    every view is judged on the dataset's split and on another."""
    from lildata_utils.data import PreparedDataset, split_clips
    from lildata_utils.lessons.classifier import fit_baseline, summary_statistics
    from lildata_utils.runs.classifier import baseline_score

    views = script("statistics_views")
    data = PreparedDataset(tiny_prepared)
    out = tmp_path / "views.json"
    argv = [str(tiny_prepared), "--split-seeds", "1", "--out", str(out)]
    assert views.main(argv) == 0
    printed = capsys.readouterr().out
    result = json.loads(out.read_text())
    assert_header(result, "statistics_views", argv)
    rows, bins = result["rows"], data.settings.shape[0]
    assert {name: row["rows"] for name, row in rows.items()} == {"bins": bins, "pairs": bins // 2, "mel": 64}
    for split in (None, 1):  # the lesson's own baseline on the same split, clip for clip
        assert rows["bins"]["test"][rows["bins"]["splits"].index(split)] == pytest.approx(baseline_score(
            data, data.labels, summary_statistics, fit_baseline, split_seed=split))
    stored = np.stack([data.spectrogram(i) for i in range(2)]).astype(np.float32)
    pairs = views.views(data)["pairs"](stored)
    assert pairs.shape == (2, bins // 2, stored.shape[2]) and np.allclose(pairs[:, 0], stored[:, :2].mean(axis=1))
    assert split_clips(data, data.labels, split_seed=1)["test"][0].tolist() != \
        split_clips(data, data.labels)["test"][0].tolist()  # two splits, not one twice
    for row in rows.values():
        assert row["mean_test"] == pytest.approx(np.mean(row["test"])) and all(0 <= v <= 1 for v in row["val"])
    assert result["table"] in printed and "| mel (64) |" in printed
