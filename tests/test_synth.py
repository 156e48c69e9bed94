import json

import librosa
import numpy as np
import pytest
import soundfile as sf

from lildata_utils import cli
from lildata_utils.data import PreparedDataset, prepare, synth
from lildata_utils.data.songs import NOTE_NAMES
from lildata_utils.data.splits import song_fraction
from lildata_utils.settings import get_preset

BEAT_GENRES = [g for g in synth.GENRES if g != "noise"]


def pulse_clarity(audio: np.ndarray, sr: int) -> float:
    """Strongest normalised onset autocorrelation between 50 and 220 BPM."""
    onset = librosa.onset.onset_strength(y=audio, sr=sr)
    ac = librosa.autocorrelate(onset - onset.mean())
    fps = sr / 512
    return float((ac / ac[0])[int(fps * 60 / 220): int(fps * 60 / 50)].max())


def test_same_seed_same_bytes_whatever_the_number_of_workers(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    args = ["--genres", "trap,noise", "--songs-per-genre", "2", "--seconds", "3", "--quiet"]
    assert cli.main(["synth", str(a), "--jobs", "1", *args]) == 0
    assert cli.main(["synth", str(b), "--jobs", "2", *args]) == 0
    files = sorted(p.relative_to(a) for p in a.rglob("*") if p.is_file() and not p.name.startswith(".lildata"))
    assert [str(f) for f in files] == ["noise/noise_000.json", "noise/noise_000.wav", "noise/noise_001.json",
                                       "noise/noise_001.wav", "trap/trap_000.json", "trap/trap_000.wav",
                                       "trap/trap_001.json", "trap/trap_001.wav"]
    for f in files:
        assert (a / f).read_bytes() == (b / f).read_bytes()
    assert (a / "trap/trap_000.wav").read_bytes() != (a / "trap/trap_001.wav").read_bytes()
    c = tmp_path / "c"
    assert cli.main(["synth", str(c), "--seed", "1", "--jobs", "1", *args]) == 0
    assert (a / "trap/trap_000.wav").read_bytes() != (c / "trap/trap_000.wav").read_bytes()


@pytest.fixture(scope="module")
def songs(tmp_path_factory):
    out = tmp_path_factory.mktemp("synth")
    synth.make_dataset(out, songs_per_genre=3, seconds=20.0, seed=7, jobs=2, progress=False)
    return out


def test_files_are_22050_hz_mono_16_bit_exact_length_and_clean(songs):
    for genre in synth.GENRES:
        for index in range(3):
            wav = songs / genre / f"{genre}_{index:03d}.wav"
            info = sf.info(wav)
            assert (info.samplerate, info.channels, info.subtype, info.frames) == (22050, 1, "PCM_16", 20 * 22050)
            audio, sr = sf.read(wav)
            assert np.all(np.isfinite(audio)) and np.max(np.abs(audio)) <= 1.0
            # no silence longer than one second anywhere
            frames = librosa.util.frame(audio, frame_length=sr, hop_length=sr // 4)
            assert 20 * np.log10(np.sqrt(np.mean(frames ** 2, axis=0)).min() + 1e-12) > -50, wav
            params = json.loads(wav.with_suffix(".json").read_text())
            assert params["genre"] == genre and params["index"] == index
            if genre != "noise":
                low, high = synth.TEMPO_RANGES[genre]
                assert low <= params["tempo"] <= high
                assert params["key"] in NOTE_NAMES and len(params["chords"]) == 4
                assert {kind for kind, _ in params["arrangement"]} >= {"intro"}


def test_beat_tracker_finds_each_songs_tempo(songs):
    hits = []
    for genre in BEAT_GENRES:
        for index in range(3):
            wav = songs / genre / f"{genre}_{index:03d}.wav"
            audio, sr = sf.read(wav)
            tempo = float(np.atleast_1d(librosa.beat.beat_track(y=audio, sr=sr)[0])[0])
            truth = json.loads(wav.with_suffix(".json").read_text())["tempo"]
            hits.append(min(abs(tempo * m / truth - 1) for m in (1, 2, 0.5)) <= 0.08)
    assert np.mean(hits) >= 0.8, hits


def test_noise_has_no_steady_beat_and_the_beat_genres_do(songs):
    def clarity(genre):
        return [pulse_clarity(sf.read(songs / genre / f"{genre}_{i:03d}.wav")[0], 22050) for i in range(3)]
    noise = clarity("noise")
    beats = [c for genre in BEAT_GENRES for c in clarity(genre)]
    assert max(noise) < 0.15 < min(beats), (noise, beats)


def test_clips_of_one_song_differ_over_its_arrangement(songs):
    audio, sr = sf.read(songs / "house" / "house_000.wav")
    settings = get_preset("classroom")
    clips = [audio[i * 5 * sr:(i + 1) * 5 * sr] for i in range(4)]
    levels = [float(np.sqrt(np.mean(c ** 2))) for c in clips]
    centroids = [float(librosa.feature.spectral_centroid(y=c, sr=sr).mean()) for c in clips]
    assert max(levels) / min(levels) > 1.1 or max(centroids) / min(centroids) > 1.1
    assert settings.clip_seconds == 5.0


def grouped_cv_accuracy(data: PreparedDataset, folds: int = 5) -> float:
    """Accuracy of notebook 02's softmax baseline (its ``average_spectrum`` into its ``fit_baseline``, at a fixed
    strength) over ``folds`` folds by song: each song in one fold by its stable hash, every clip scored once."""
    from lildata_utils.lessons.classifier import average_spectrum, fit_baseline

    clips = data.select(None)
    features = np.asarray(average_spectrum(np.stack([data.spectrogram(c.clip) for c in clips])))
    targets = np.array([data.labels.index(c.label) for c in clips])
    fold_of = np.array([int(song_fraction(c.song) * folds) for c in clips])
    correct = 0
    for fold in range(folds):
        test = fold_of == fold
        if not test.any() or test.all():
            continue
        train = ~test
        model = fit_baseline(features[train], targets[train], features[train], targets[train], strengths=(1.0,))
        correct += int(np.sum(model.predict(features[test]) == targets[test]))
    return correct / len(targets)


@pytest.mark.slow
def test_average_spectrum_does_not_give_the_genre_away(tmp_path):
    raw, out = tmp_path / "raw", tmp_path / "prepared"
    synth.make_dataset(raw, songs_per_genre=10, seconds=10.0, seed=11, jobs=2, sample_rate=8000, progress=False)
    prepare(raw, out, get_preset("tiny"), jobs=2, progress=False, log=lambda line: None)
    accuracy = grouped_cv_accuracy(PreparedDataset(out), folds=5)
    chance = 1 / len(synth.GENRES)
    # distinguishable (well above chance), yet far from solved by the average spectrum alone
    assert 2 * chance < accuracy < 0.85, accuracy


def test_unknown_genre_is_a_clear_error(tmp_path, capsys):
    assert cli.main(["synth", str(tmp_path), "--genres", "polka", "--quiet"]) != 0
    assert "unknown genre" in capsys.readouterr().err


def test_a_second_run_keeps_finished_songs_and_remakes_changed_ones(tmp_path):
    first = synth.make_dataset(tmp_path, genres=["house"], songs_per_genre=2, seconds=2.0, jobs=1, progress=False)
    stamp = first[0].stat().st_mtime_ns
    first[1].unlink()  # as if the run had been killed before this song
    synth.make_dataset(tmp_path, genres=["house"], songs_per_genre=2, seconds=2.0, jobs=1, progress=False)
    assert first[0].stat().st_mtime_ns == stamp and first[1].exists()
    synth.make_dataset(tmp_path, genres=["house"], songs_per_genre=2, seconds=3.0, jobs=1, progress=False)
    assert sf.info(first[0]).frames == 3 * 22050
