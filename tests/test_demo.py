"""The demo's listening report, made at the tiny preset."""

import re
from pathlib import Path

import numpy as np
import soundfile as sf

from lildata_utils import config, dataset, demo, synth


def test_report_has_a_decodable_image_and_a_playable_sound_for_each_stage(tmp_path):
    settings = config.get_preset("tiny")
    synth.make_dataset(tmp_path / "raw", genres=["house", "noise"], songs_per_genre=3, seconds=3.0,
                       sample_rate=settings.sample_rate, jobs=1, progress=False)
    dataset.prepare(tmp_path / "raw", tmp_path / "prep", settings, jobs=1, progress=False, log=lambda line: None)
    index = demo.write_report(tmp_path / "prep", tmp_path / "report")
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
