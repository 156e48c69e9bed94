"""Plot helpers. Each takes ``ax=None`` and returns ``(fig, ax)``, so they compose.

Notebook: notebooks/01_data_prep.ipynb
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from .config import SpectrogramSettings

__all__ = ["plot_waveform", "plot_spectrogram", "plot_split_counts"]


def _axes(ax, figsize=(8, 3)):
    if ax is None:
        fig, ax = plt.subplots(figsize=figsize)
    return ax.figure, ax


def plot_waveform(audio: np.ndarray, sample_rate: int, ax=None, title: str | None = None):
    """Plot a waveform against time in seconds.

    Notebook: notebooks/01_data_prep.ipynb
    """
    fig, ax = _axes(ax)
    ax.plot(np.arange(len(audio)) / sample_rate, audio, linewidth=0.5)
    ax.set(xlabel="time (s)", ylabel="amplitude", xlim=(0, len(audio) / sample_rate), ylim=(-1, 1))
    if title:
        ax.set_title(title)
    return fig, ax


def plot_spectrogram(stored: np.ndarray, settings: SpectrogramSettings, ax=None, title: str | None = None,
                     colorbar: bool = True, cmap: str = "magma"):
    """Show a stored spectrogram with time (s), frequency (Hz) and level (dB) axes.

    Args:
        stored: ``(n_bins, n_frames)`` array in [0, 1] (as stored in a dataset).
        settings: The settings that made it.
        ax: Axes to draw on (a new figure when ``None``).
        title: Title of the plot.
        colorbar: Add a colour bar in dB.
        cmap: Colour map.

    Notebook: notebooks/01_data_prep.ipynb
    """
    fig, ax = _axes(ax, figsize=(6, 4))
    decibels = settings.floor_db + np.asarray(stored, np.float32) * (settings.ceiling_db - settings.floor_db)
    extent = (0, settings.clip_seconds, 0, settings.sample_rate / 2 / 1000)
    image = ax.imshow(decibels, origin="lower", aspect="auto", extent=extent, cmap=cmap,
                      vmin=max(settings.floor_db, -90), vmax=settings.ceiling_db)
    ax.set(xlabel="time (s)", ylabel="frequency (kHz)")
    if title:
        ax.set_title(title)
    if colorbar:
        fig.colorbar(image, ax=ax, label="dB")
    return fig, ax


def plot_split_counts(counts: dict[str, dict[str, int]], ax=None, title: str = "clips per genre and split"):
    """Stacked bars of clips per label, one colour per split.

    Args:
        counts: ``{label: {split: clips}}`` (``PreparedDataset.counts()``).

    Notebook: notebooks/01_data_prep.ipynb
    """
    fig, ax = _axes(ax, figsize=(8, 3))
    labels = list(counts)
    bottom = np.zeros(len(labels))
    for split in ("train", "val", "test"):
        values = np.array([counts[label].get(split, 0) for label in labels])
        ax.bar(labels, values, bottom=bottom, label=split)
        bottom += values
    ax.set(ylabel="clips", title=title)
    ax.legend()
    ax.tick_params(axis="x", rotation=30)
    return fig, ax
