"""Generated songs: chords that move and stay, over bars.

Generated from notebooks/05c_song_generator.ipynb (its cells marked ``#@save``) by scripts/export_lessons.py:
edit the notebook, then run `make lessons`.

Notebook: notebooks/05c_song_generator.ipynb
"""

from __future__ import annotations

import librosa
import numpy as np
from sklearn.cluster import KMeans

__all__ = ["add_grain", "bar_edges", "bar_steps", "chord_model", "frame_change", "mix_db", "render_harmony", "sample_chords", "split_harmony", "stretch"]


# notebooks/05c_song_generator.ipynb, cell 7
def split_harmony(decibels):
    """A dB spectrogram's harmonic part (held notes, chords) and percussive part (hits), in dB (librosa's HPSS)."""
    harmonic, percussive = librosa.decompose.hpss(10.0 ** (decibels / 10.0))
    return 10.0 * np.log10(np.maximum(harmonic, 1e-10)), 10.0 * np.log10(np.maximum(percussive, 1e-10))


def mix_db(a, b, floor_db=-100.0):
    """Two parts added in power, in dB; the floor where both are silent counted once (not 3 dB above it)."""
    floor = 10.0 ** (floor_db / 10.0)
    return 10.0 * np.log10(np.maximum(10.0 ** (a / 10.0) + 10.0 ** (b / 10.0) - floor, floor))


# notebooks/05c_song_generator.ipynb, cell 11
def bar_edges(n_frames, grid, beats_per_bar=4):
    """The first frame of each bar (4 beats of the grid), with 0 and n_frames at the ends."""
    first, per_beat = grid
    starts = np.round(np.arange(first % (beats_per_bar * per_beat), n_frames, beats_per_bar * per_beat))
    return np.unique(np.concatenate([[0], starts.astype(int), [n_frames]]))


def stretch(columns, n):
    """Columns (bins, m) stretched or squeezed to n columns: linear interpolation along time."""
    position = np.linspace(0, columns.shape[1] - 1, n)
    low = np.floor(position).astype(int)
    high, part = np.minimum(low + 1, columns.shape[1] - 1), position - low
    return columns[:, low] * (1 - part) + columns[:, high] * part


def bar_steps(harmonic, edges, steps=64):
    """Each bar of the harmonic part (dB) at `steps` points in time, (bars, bins, steps)."""
    return np.stack([stretch(harmonic[:, a:b], steps) for a, b in zip(edges[:-1], edges[1:])])


def chord_model(bars_of_songs, n_chords=32, seed=0):
    """k-means over all the bars; each chord the real bar nearest its centre; the chain counted (plus one)."""
    bars = np.concatenate(bars_of_songs)
    flat = bars.reshape(len(bars), -1)
    kmeans = KMeans(n_chords, n_init=4, random_state=seed).fit(flat)
    nearest = [np.argmin(((flat - centre) ** 2).sum(axis=1)) for centre in kmeans.cluster_centers_]
    counts = np.ones((n_chords, n_chords))
    for song in bars_of_songs:
        chords = kmeans.predict(song.reshape(len(song), -1))
        np.add.at(counts, (chords[:-1], chords[1:]), 1.0)
    return bars[nearest], counts / counts.sum(axis=1, keepdims=True)


def sample_chords(transitions, start, n_bars, rng):
    """A chord for each bar: the chain run from `start`."""
    chords = [int(start)]
    while len(chords) < n_bars:
        chords.append(int(rng.choice(len(transitions), p=transitions[chords[-1]])))
    return chords


# notebooks/05c_song_generator.ipynb, cell 17
def render_harmony(templates, chords, edges):
    """Each bar its chord's steps (dB), stretched over the bar's frames; the bars side by side."""
    return np.concatenate([stretch(templates[c], b - a) for c, a, b in zip(chords, edges[:-1], edges[1:])], axis=1)


def frame_change(stored):
    """Each bin's mean absolute change from one frame to the next: (..., bins, frames) -> (..., bins)."""
    return np.abs(np.diff(stored, axis=-1)).mean(axis=-1)


def add_grain(stored, target, rng):
    """Noise in each bin (stored levels), as much as brings its frame-to-frame change up to `target` (bins,)."""
    missing = np.maximum(np.asarray(target) ** 2 - frame_change(stored) ** 2, 0.0)
    return np.clip(stored + rng.normal(size=stored.shape) * np.sqrt(np.pi * missing / 4)[:, None], 0.0, 1.0)
