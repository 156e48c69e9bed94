"""The song generator's chords and drums: a dataset's songs fed to notebook 05c's lesson code, the chords fitted
over their bars and saved in the run (``bar_chords.npz``), the drums the beat LSTM learns, the harmony it plays.

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

__all__ = ["CHORDS_FILE", "N_CHORDS", "clip_list", "clips_of_songs", "drum_clips", "first_seconds", "fit_chords",
           "harmony_for", "load_chords", "save_chords", "song_spectrograms", "stored_grid", "to_stored"]

CHORDS_FILE = "song_chords.npz"  # its chords and grain (a run of the older chords, without a grain, is trained again)
N_CHORDS = 32  # chords the k-means finds (notebook 05c's N_CHORDS)
_ARRAYS = ("templates", "transitions", "grain")


def clip_list(data: PreparedDataset, label: str, splits: tuple[str, ...]) -> list:
    """The clips of a genre in some splits, in the dataset's order; a :class:`ValueError` where there are none."""
    clips = [c for c in data.clips if c.label == label and c.split in splits]
    if not clips:
        raise ValueError(f"no {label!r} clips in the {'/'.join(splits)} split of {data.path} "
                         f"(labels: {', '.join(data.labels)})")
    return clips


def song_spectrograms(data: PreparedDataset, label: str, splits: tuple[str, ...]) -> list[np.ndarray]:
    """Each song of a genre in some splits, ``(bins, frames)``: its clips in order, joined along time.

    Notebook: notebooks/05c_song_generator.ipynb
    """
    songs: dict[str, list] = {}
    for clip in clip_list(data, label, splits):
        songs.setdefault(clip.song, []).append(clip)
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
    """The chords of some songs (k-means over their harmonic parts' bars), their chain and grain (notebook 05c).

    Returns:
        ``{"templates": (chords, bins, steps) dB, each a real bar; "transitions": (chords, chords); "grain": each
        bin's mean frame-to-frame change; "bars", "n_chords"}`` (fewer chords than asked where there are fewer bars).

    Notebook: notebooks/05c_song_generator.ipynb
    """
    bars = []
    for song in songs:
        harmonic, _ = lesson05c.split_harmony(stored_to_db(song, settings))
        edges = lesson05c.bar_edges(song.shape[1], stored_grid(song, settings))
        bars.append(lesson05c.bar_steps(harmonic, edges))
    count = sum(len(b) for b in bars)
    if count < 2:
        raise ValueError("the song generator needs at least 2 bars of training songs to learn chords from")
    templates, transitions = lesson05c.chord_model(bars, min(n_chords, count), seed)
    grain = np.mean([lesson05c.frame_change(song) for song in songs], axis=0).astype(np.float32)
    return {"templates": templates.astype(np.float32), "transitions": transitions, "grain": grain, "bars": int(count),
            "n_chords": int(len(templates))}


def save_chords(path: str | Path, chords: dict[str, Any]) -> Path:
    """Write the arrays of :func:`fit_chords` to ``path`` (``.npz``), atomically.

    Notebook: notebooks/05c_song_generator.ipynb
    """
    with atomic_path(path) as tmp, open(tmp, "wb") as handle:
        np.savez(handle, **{name: np.asarray(chords[name]) for name in _ARRAYS}, bars=np.asarray(chords["bars"]))
    return Path(path)


def load_chords(path: str | Path) -> dict[str, Any]:
    """The chords :func:`save_chords` wrote; a :class:`RunError` where the file is missing or holds no such chords.

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
    if templates.ndim != 3 or transitions.shape != (len(templates),) * 2 or not np.all(np.isfinite(transitions)) \
            or chords["grain"].shape != templates.shape[1:2]:
        raise RunError(f"{path}: its chords, their chain and its grain do not fit together")
    return {**chords, "n_chords": int(len(templates))}


def drum_clips(clips: np.ndarray, settings: SpectrogramSettings) -> np.ndarray:
    """The percussive part (notebook 05c's HPSS) of stored clips ``(clips, bins, frames)``, stored.

    Notebook: notebooks/05c_song_generator.ipynb
    """
    return np.stack([to_stored(lesson05c.split_harmony(stored_to_db(c, settings))[1], settings) for c in clips])


def clips_of_songs(songs: list[np.ndarray], settings: SpectrogramSettings) -> np.ndarray:
    """Songs cut into clip-long pieces end to end, ``(clips, bins, n_frames)`` (a shorter last part left out).

    Notebook: notebooks/05c_song_generator.ipynb
    """
    frames = settings.n_frames
    clips = [song[:, i:i + frames] for song in songs for i in range(0, song.shape[1] - frames + 1, frames - 1)]
    if not clips:
        raise ValueError(f"no song is a clip long ({settings.clip_seconds:g} s)")
    return np.stack(clips).astype(np.float32)


def first_seconds(songs: list[np.ndarray], settings: SpectrogramSettings, seconds: float) -> np.ndarray:
    """The first ``seconds`` of each song, ``(songs, bins, frames)``, or as much as the shortest song has.

    Notebook: notebooks/05c_song_generator.ipynb
    """
    frames = min(int(round(seconds * settings.sample_rate / settings.hop_length)) + 1,
                 min(song.shape[1] for song in songs))
    return np.stack([song[:, :frames] for song in songs]).astype(np.float32)


def harmony_for(chords: dict[str, Any], clip: np.ndarray, grid: tuple[float, float], n_frames: int,
                settings: SpectrogramSettings, rng: np.random.Generator) -> tuple[np.ndarray, list[int]]:
    """A generated song's harmony in dB ``(bins, n_frames)`` and its chord per bar, from the seed ``clip``'s chord.

    Notebook: notebooks/05c_song_generator.ipynb
    """
    harmonic, _ = lesson05c.split_harmony(stored_to_db(clip, settings))
    templates = chords["templates"]
    first = lesson05c.bar_steps(harmonic, lesson05c.bar_edges(clip.shape[1], grid), templates.shape[2])[0]
    start = int(np.argmin(((templates - first[None]) ** 2).sum(axis=(1, 2))))
    edges = lesson05c.bar_edges(n_frames, grid)
    picked = lesson05c.sample_chords(chords["transitions"], start, len(edges) - 1, rng)
    return lesson05c.render_harmony(templates, picked, edges), picked
