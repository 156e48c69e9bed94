"""The demo's listening report, made at the tiny preset."""

import functools
import http.server
import re
import shutil
import threading
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from lildata_utils.course import report
from lildata_utils.data import make_dataset, make_song, prepare
from lildata_utils.settings import get_preset


def test_report_has_a_decodable_image_and_a_playable_sound_for_each_stage(tmp_path):
    settings = get_preset("tiny")
    make_dataset(tmp_path / "raw", genres=["house", "noise"], songs_per_genre=3, seconds=3.0,
                       sample_rate=settings.sample_rate, jobs=1, progress=False)
    prepare(tmp_path / "raw", tmp_path / "prep", settings, jobs=1, progress=False, log=lambda line: None)
    index = report.write_report(tmp_path / "prep", tmp_path / "report")
    page = index.read_text()
    images = re.findall(r"<img src='([^']+)'", page)
    sounds = re.findall(r"<audio controls preload='metadata' src='([^']+)'", page)
    assert len(images) == len(sounds) == 4  # 2 genres x (original, control)
    import matplotlib.image

    for image in images:
        pixels = matplotlib.image.imread(index.parent / image)
        assert pixels.shape[0] > 50 and pixels.shape[1] > 50
    for sound in sounds:
        data, rate = sf.read(index.parent / sound)
        assert rate == settings.sample_rate and len(data) == settings.clip_samples and np.abs(data).max() > 0.001
    assert "spectral convergence" in page and "<td>house</td>" in page


@pytest.fixture(scope="session")
def tiny_demo(course_run) -> Path:
    """The report of the one run of the course at `tiny` (tests/conftest.py)."""
    return course_run / "index.html"


def test_the_demo_report_has_every_stage(tiny_demo):
    page = tiny_demo.read_text()
    for heading in ("notebook 01", "notebooks 02 and 03", "notebook 04", "notebook 05"):
        assert heading in page, heading
    for name in ("01_data_prep", "02_classifier", "03_resnet", "04_genre_transfer", "05_lstm_generation",
                 "06_listening"):
        assert (tiny_demo.parent / "notebooks" / f"{name}.ipynb").exists()
        assert (tiny_demo.parent / "notebooks" / f"{name}.html").stat().st_size > 10_000
    images = re.findall(r"<img src='([^']+)'", page)
    sounds = re.findall(r"<audio controls preload='metadata' src='([^']+)'", page)
    assert len(images) >= 16 + 4 + 3 + 2 and len(sounds) >= 16 + 12 + 4
    import matplotlib.image

    for image in images:
        assert matplotlib.image.imread(tiny_demo.parent / image).shape[0] > 50, image
    for sound in sounds:
        data, rate = sf.read(tiny_demo.parent / sound)
        assert len(data) > 0 and rate == 8000, sound
    assert "<table>" in page and "P(style)" in page and "variance ratio" in page


BROWSER_CHECK = """async () => {
  const images = [...document.images];
  await Promise.all(images.map(i => i.decode().catch(() => null)));
  const audios = [...document.querySelectorAll('audio')];
  const durations = await Promise.all(audios.map(a => new Promise(done => {
    if (a.readyState >= 1) { done(a.duration); return; }
    a.addEventListener('loadedmetadata', () => done(a.duration));
    a.addEventListener('error', () => done(-1));
    a.load();
  })));
  return {images: images.map(i => [i.getAttribute('src'), i.complete && i.naturalWidth > 0]),
          audios: audios.map((a, k) => [a.getAttribute('src'), durations[k]])};
}"""


def _open_in_browser(folder: Path, script: str):
    """Serve ``folder`` on the loopback address, open its index.html in Debian's Chromium, evaluate ``script``."""
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        pytest.skip("no chromium: `make test` installs Debian's package where apt-get can")
    sync_api = pytest.importorskip("playwright.sync_api")
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(folder))
    handler.log_message = lambda *args: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        with sync_api.sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
            page = browser.new_page()
            page.goto(f"http://127.0.0.1:{server.server_address[1]}/index.html")
            page.wait_for_load_state("load")
            result = page.evaluate(script)
            browser.close()
    finally:
        server.shutdown()
    return result


def test_a_label_with_script_runs_no_script_in_the_browser(tmp_path):
    label = "x' onerror='window.pwned=1"
    settings = get_preset("tiny")
    for genre in ("house", label):
        for index in range(3):
            audio, _ = make_song("house" if genre == "house" else "lofi", index=index, seconds=3.0,
                                       sample_rate=settings.sample_rate)
            (tmp_path / "raw" / genre).mkdir(parents=True, exist_ok=True)
            sf.write(tmp_path / "raw" / genre / f"song{index}.wav", audio, settings.sample_rate)
    prepare(tmp_path / "raw", tmp_path / "prep", settings, jobs=1, progress=False, log=lambda line: None)
    report.write_report(tmp_path / "prep", tmp_path / "report")
    result = _open_in_browser(tmp_path / "report", "() => ({pwned: window.pwned === undefined ? null : window.pwned,"
                                                   " text: document.body.innerText})")
    assert result["pwned"] is None, "a label ran script in the report"
    assert label in result["text"], "the label is shown as text"


def test_the_report_plays_in_a_real_browser(tiny_demo):
    result = _open_in_browser(tiny_demo.parent, BROWSER_CHECK)
    assert len(result["images"]) >= 25 and len(result["audios"]) >= 32
    assert [src for src, ok in result["images"] if not ok] == []
    assert [(src, d) for src, d in result["audios"] if not d > 0] == []


def test_the_demo_times_every_notebook_it_ran(course_run):
    import json

    timings = json.loads((course_run / "timings.json").read_text())
    ran = sorted(p.stem for p in (Path(__file__).resolve().parents[1] / "notebooks").glob("[0-9][0-9]*_*.ipynb"))
    assert timings["preset"] == "tiny" and sorted(timings["seconds"]) == ran
    assert all(seconds > 0 for seconds in timings["seconds"].values()) and timings["failed"] == []


def test_a_notebook_that_fails_does_not_stop_the_next_and_the_demo_says_so(tmp_path, capsys):
    import nbformat

    from lildata_utils.course import demo

    folder = tmp_path / "notebooks"
    folder.mkdir()
    for name, code in (("01_first.ipynb", "raise ValueError('a broken cell')"), ("02_second.ipynb", "print('ran')")):
        nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("PRESET = 'x'", metadata={"tags": ["parameters"]}),
                                             nbformat.v4.new_code_cell(code)])
        nbformat.write(nb, folder / name)
    seconds, failed = demo.run_notebooks("tiny", tmp_path / "data", tmp_path / "out", tmp_path / "runs",
                                         notebooks=folder)
    assert failed == ["01_first.ipynb"] and set(seconds) == {"01_first", "02_second"}
    said = capsys.readouterr().out
    assert "01_first.ipynb stopped with an error" in said and "a broken cell" in said
    second = nbformat.read(tmp_path / "out" / "notebooks" / "02_second.ipynb", as_version=4)
    assert second.cells[-1].outputs[0]["text"].strip() == "ran"
    first = nbformat.read(tmp_path / "out" / "notebooks" / "01_first.ipynb", as_version=4)
    assert first.cells[-1].outputs[0]["output_type"] == "error", "the executed copy keeps the error"
