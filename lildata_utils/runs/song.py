"""The song generator's chords and drums (notebook 05c): whole songs of a dataset, the chords fitted over their
bars and saved in the run (``chords.npz``), the drums (the percussive part) the beat LSTM is trained on, and the
harmony a generation plays.

The lesson code of notebook 05c (:mod:`~lildata_utils.lessons.song`) does the work: HPSS, bars, the k-means
chords and their Markov chain, the rendering; this module only feeds it a dataset's songs.

Notebook: notebooks/05c_song_generator.ipynb
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from ..audio import stored_to_db
from ..data import PreparedDataset
from ..errors import RunError
from ..files import atomic_path
from ..lessons import beat as lesson05b, song as lesson05c
from ..settings import SpectrogramSettings

__all__ = ["CHORDS_FILE", "N_CHORDS", "clips_of_songs", "drum_clips", "first_seconds", "fit_chords", "harmony_for",
           "load_chords", "save_chords", "song_spectrograms", "stored_grid", "to_stored"]

CHORDS_FILE = "chords.npz"
"""The song generator's chords in its run folder, beside the drums LSTM's ``model.keras``."""

N_CHORDS = 8
"""Chords the k-means finds (notebook 05c's ``N_CHORDS``)."""

_ARRAYS = ("templates", "transitions", "shape")


def song_spectrograms(data: PreparedDataset, label: str, splits: tuple[str, ...]) -> list[np.ndarray]:
    """Each song of a genre in some splits: its clips in order, joined along time, ``(bins, frames)`` each (a
    clip's last frame is the next clip's first, so it is kept only at the song's end).

    Raises:
        ValueError: The genre has no clips in those splits.

    Notebook: notebooks/05c_song_generator.ipynb
    """
    songs: dict[str, list] = {}
    for clip in data.clips:
        if clip.label == label and clip.split in splits:
            songs.setdefault(clip.song, []).append(clip)
    if not songs:
        raise ValueError(f"no {label!r} clips in the {'/'.join(splits)} split of {data.path} "
                         f"(labels: {', '.join(data.labels)})")
    out = []
    for clips in songs.values():
        parts = [np.asarray(data.spectrogram(c.clip), np.float32) for c in sorted(clips, key=lambda c: c.start_s)]
        out.append(np.concatenate([p[:, :-1] for p in parts[:-1]] + [parts[-1]], axis=1))
    return out


def to_stored(decibels: np.ndarray, settings: SpectrogramSettings) -> np.ndarray:
    """Decibels back to stored values: clipped to ``[floor_db, ceiling_db]``, scaled to [0, 1] (float32).

    Notebook: notebooks/05c_song_generator.ipynb
    """
    span = settings.ceiling_db - settings.floor_db
    return np.clip((np.asarray(decibels, np.float32) - settings.floor_db) / span, 0.0, 1.0).astype(np.float32)


def stored_grid(stored: np.ndarray, settings: SpectrogramSettings) -> tuple[float, float]:
    """Notebook 05b's beat grid of a stored spectrogram ``(bins, frames)``: (frame of a beat, frames per beat).

    Notebook: notebooks/05b_beat_lstm.ipynb
    """
    return lesson05b.beat_grid(stored_to_db(stored, settings), settings.sample_rate, settings.hop_length)


def fit_chords(songs: list[np.ndarray], settings: SpectrogramSettings, n_chords: int = N_CHORDS,
               seed: int = 0) -> dict[str, Any]:
    """The chords of some songs and how they follow each other: each song's harmonic part cut into bars on its
    beat grid, k-means over all the bars, the Markov chain of the bars' chords (notebook 05c, section 2).

    Returns:
        ``{"templates": (chords, bins) dB, "transitions": (chords, chords), "shape": the average bar's loudness
        through the bar (dB), "bars": bars counted, "n_chords"}`` (fewer chords than asked where there are
        fewer bars).

    Notebook: notebooks/05c_song_generator.ipynb
    """
    bars, shapes = [], []
    for song in songs:
        harmonic, _ = lesson05c.split_harmony(stored_to_db(song, settings))
        edges = lesson05c.bar_edges(song.shape[1], stored_grid(song, settings))
        bars.append(lesson05c.bar_spectra(harmonic, edges))
        shapes.append(lesson05c.bar_shape(harmonic, edges))
    count = sum(len(b) for b in bars)
    if count < 2:
        raise ValueError("the song generator needs at least 2 bars of training songs to learn chords from")
    templates, transitions = lesson05c.chord_model(bars, min(n_chords, count), seed)
    return {"templates": templates.astype(np.float32), "transitions": transitions, "bars": int(count),
            "shape": np.mean(shapes, axis=0).astype(np.float32), "n_chords": int(len(templates))}


def save_chords(path: str | Path, chords: dict[str, Any]) -> Path:
    """Write the arrays of :func:`fit_chords` to ``path`` (``.npz``), atomically.

    Notebook: notebooks/05c_song_generator.ipynb
    """
    with atomic_path(path) as tmp, open(tmp, "wb") as handle:
        np.savez(handle, **{name: np.asarray(chords[name]) for name in _ARRAYS}, bars=np.asarray(chords["bars"]))
    return Path(path)


def load_chords(path: str | Path) -> dict[str, Any]:
    """The chords :func:`save_chords` wrote.

    Raises:
        RunError: The file is missing or not the chords of a song generator, in one line.

    Notebook: notebooks/05c_song_generator.ipynb
    """
    try:
        with np.load(path, allow_pickle=False) as saved:
            chords = {name: np.asarray(saved[name]) for name in _ARRAYS}
            chords["bars"] = int(saved["bars"])
    except (OSError, KeyError, ValueError, EOFError) as error:
        raise RunError(f"{path}: not the chords of a song generator ({type(error).__name__}); train it again "
                       "with `lildata train-generator --model song`") from None
    templates, transitions = chords["templates"], chords["transitions"]
    if templates.ndim != 2 or transitions.shape != (len(templates),) * 2 or not np.all(np.isfinite(transitions)):
        raise RunError(f"{path}: its chords and their chain do not fit together")
    return {**chords, "n_chords": int(len(templates))}


def drum_clips(clips: np.ndarray, settings: SpectrogramSettings) -> np.ndarray:
    """The percussive part (notebook 05c's HPSS) of stored clips ``(clips, bins, frames)``, stored.

    Notebook: notebooks/05c_song_generator.ipynb
    """
    return np.stack([to_stored(lesson05c.split_harmony(stored_to_db(c, settings))[1], settings) for c in clips])


def clips_of_songs(songs: list[np.ndarray], settings: SpectrogramSettings) -> np.ndarray:
    """Songs cut into clip-long pieces end to end, ``(clips, bins, n_frames)`` (a song's last part, shorter than
    a clip, is left out).

    Notebook: notebooks/05c_song_generator.ipynb
    """
    frames = settings.n_frames
    clips = [song[:, i:i + frames] for song in songs for i in range(0, song.shape[1] - frames + 1, frames - 1)]
    if not clips:
        raise ValueError(f"no song is a clip long ({settings.clip_seconds:g} s)")
    return np.stack(clips).astype(np.float32)


def first_seconds(songs: list[np.ndarray], settings: SpectrogramSettings, seconds: float) -> np.ndarray:
    """The first ``seconds`` of each song, ``(songs, bins, frames)``: as long as the shortest song where one is
    shorter (the tiny preset's songs last 3 seconds).

    Notebook: notebooks/05c_song_generator.ipynb
    """
    frames = min(int(round(seconds * settings.sample_rate / settings.hop_length)) + 1,
                 min(song.shape[1] for song in songs))
    return np.stack([song[:, :frames] for song in songs]).astype(np.float32)


def harmony_for(chords: dict[str, Any], clip: np.ndarray, grid: tuple[float, float], n_frames: int,
                settings: SpectrogramSettings, rng: np.random.Generator) -> tuple[np.ndarray, list[int]]:
    """The harmony of a generated song, in dB ``(bins, n_frames)``, and its chord per bar: the chain started from
    the chord nearest the first bar of the seed ``clip`` (stored), each bar on ``grid`` its chord's spectrum
    through the average bar's shape (notebook 05c, section 4).

    Notebook: notebooks/05c_song_generator.ipynb
    """
    harmonic, _ = lesson05c.split_harmony(stored_to_db(clip, settings))
    first = lesson05c.bar_spectra(harmonic, lesson05c.bar_edges(clip.shape[1], grid))[0]
    start = int(np.argmin(((chords["templates"] - first[None]) ** 2).sum(axis=1)))
    edges = lesson05c.bar_edges(n_frames, grid)
    picked = lesson05c.sample_chords(chords["transitions"], start, len(edges) - 1, rng)
    return lesson05c.render_harmony(chords["templates"], picked, edges, chords["shape"]), picked
