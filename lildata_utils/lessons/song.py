"""Generated songs: chords that move and stay, over bars.

Generated from notebooks/05c_song_generator.ipynb (its cells marked ``#@save``) by scripts/export_lessons.py:
edit the notebook, then run `make lessons`.

Notebook: notebooks/05c_song_generator.ipynb
"""

from __future__ import annotations

import librosa
import numpy as np
from sklearn.cluster import KMeans

__all__ = ["bar_edges", "bar_shape", "bar_spectra", "chord_model", "mix_db", "render_harmony", "sample_chords", "split_harmony"]


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


def bar_spectra(harmonic, edges):
    """Each bar's mean harmonic spectrum in dB, (bars, bins)."""
    return np.stack([harmonic[:, a:b].mean(axis=1) for a, b in zip(edges[:-1], edges[1:])])


def bar_shape(harmonic, edges, steps=16):
    """How loud the harmony is through a bar, on average: dB against the bar's mean, at `steps` points."""
    shapes = [np.interp(np.linspace(0, 1, steps), np.linspace(0, 1, b - a), level - level.mean())
              for a, b in zip(edges[:-1], edges[1:]) if b - a >= steps for level in [harmonic[:, a:b].mean(axis=0)]]
    return np.mean(shapes, axis=0) if shapes else np.zeros(steps)


def chord_model(bars_of_songs, n_chords=8, seed=0):
    """k-means over all the bars gives the chords; counting which follows which (plus one) gives the chain."""
    kmeans = KMeans(n_chords, n_init=4, random_state=seed).fit(np.concatenate(bars_of_songs))
    counts = np.ones((n_chords, n_chords))
    for bars in bars_of_songs:
        chords = kmeans.predict(bars)
        np.add.at(counts, (chords[:-1], chords[1:]), 1.0)
    return kmeans.cluster_centers_, counts / counts.sum(axis=1, keepdims=True)


def sample_chords(transitions, start, n_bars, rng):
    """A chord for each bar: the chain run from `start`."""
    chords = [int(start)]
    while len(chords) < n_bars:
        chords.append(int(rng.choice(len(transitions), p=transitions[chords[-1]])))
    return chords


# notebooks/05c_song_generator.ipynb, cell 17
def render_harmony(templates, chords, edges, shape=None):
    """Each bar its chord's spectrum (dB), through the bar `shape` (dB against the bar's mean, any length)."""
    parts = []
    for chord, a, b in zip(chords, edges[:-1], edges[1:]):
        level = np.zeros(b - a) if shape is None else np.interp(np.linspace(0, 1, b - a), np.linspace(0, 1, len(shape)), shape)
        parts.append(templates[chord][:, None] + level[None, :])
    return np.concatenate(parts, axis=1)
