"""Plot helpers. Each takes ``ax=None`` and returns ``(fig, ax)``, so they compose.

Notebook: notebooks/01_data_prep.ipynb
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from .config import SpectrogramSettings

__all__ = ["plot_confusion", "plot_genre_timeline", "plot_grad_cam", "plot_history", "plot_loss_curve", "plot_split_counts",
           "plot_spectrogram", "plot_spectrograms", "plot_waveform"]


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
    from .spectrogram import stored_to_db

    decibels = stored_to_db(stored, settings)
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


def plot_confusion(confusion, labels: list[str], ax=None, title: str = "confusion (rows: true genre)"):
    """A confusion matrix with counts in the cells.

    Notebook: notebooks/02_classifier.ipynb
    """
    confusion = np.asarray(confusion)
    fig, ax = _axes(ax, figsize=(1.0 + 0.6 * len(labels), 0.8 + 0.55 * len(labels)))
    ax.imshow(confusion, cmap="Blues")
    for (i, j), count in np.ndenumerate(confusion):
        ax.text(j, i, str(count), ha="center", va="center",
                color="white" if count > confusion.max() / 2 else "black", fontsize=8)
    ax.set_xticks(range(len(labels)), labels, rotation=45, ha="right")
    ax.set_yticks(range(len(labels)), labels)
    ax.set(xlabel="predicted", ylabel="true", title=title)
    return fig, ax


def plot_history(history: dict[str, list[float]], ax=None, title: str = "learning curves"):
    """Training and validation loss and accuracy per epoch.

    Args:
        history: ``history.json`` of a run (``loss``, ``val_loss``, ``accuracy``, ``val_accuracy``).

    Notebook: notebooks/02_classifier.ipynb
    """
    fig, ax = _axes(ax, figsize=(7, 3))
    epochs = history.get("epoch") or list(range(1, len(history.get("loss", [])) + 1))
    for key, style in (("loss", "-"), ("val_loss", "--")):
        if key in history:
            ax.plot(epochs, history[key], style, color="tab:red", label=key)
    ax.set(xlabel="epoch", ylabel="loss", title=title)
    twin = ax.twinx()
    for key, style in (("accuracy", "-"), ("val_accuracy", "--")):
        if key in history:
            twin.plot(epochs, history[key], style, color="tab:blue", label=key)
    twin.set(ylabel="accuracy", ylim=(0, 1.02))
    lines = ax.get_legend_handles_labels()[0] + twin.get_legend_handles_labels()[0]
    ax.legend(lines, [line.get_label() for line in lines], loc="center right", fontsize=8)
    return fig, ax


def plot_loss_curve(losses: dict[str, list[float]], ax=None, title: str = "loss", log: bool = True):
    """One line per named loss curve (for transfer and generation).

    Notebook: notebooks/04_genre_transfer.ipynb
    """
    fig, ax = _axes(ax, figsize=(6, 3))
    for name, values in losses.items():
        ax.plot(np.arange(1, len(values) + 1), values, label=name)
    ax.set(xlabel="step", ylabel="loss", title=title)
    if log:
        ax.set_yscale("log")
    ax.legend(fontsize=8)
    return fig, ax


def plot_grad_cam(stored: np.ndarray, heatmap: np.ndarray, settings: SpectrogramSettings, ax=None,
                  title: str | None = None, alpha: float = 0.45):
    """A spectrogram in grey with a Grad-CAM heat map over it.

    Args:
        stored: ``(n_bins, n_frames)`` stored spectrogram.
        heatmap: Same shape, in [0, 1] (:func:`lildata_utils.explain.grad_cam`).

    Notebook: notebooks/02_classifier.ipynb
    """
    fig, ax = plot_spectrogram(stored, settings, ax=ax, title=title, colorbar=False, cmap="gray")
    extent = (0, settings.clip_seconds, 0, settings.sample_rate / 2 / 1000)
    ax.imshow(heatmap, origin="lower", aspect="auto", extent=extent, cmap="jet", alpha=alpha, vmin=0, vmax=1)
    return fig, ax


def plot_spectrograms(stored: dict[str, np.ndarray], settings: SpectrogramSettings, axes=None, title: str | None = None):
    """Stored spectrograms side by side, one per name.

    Returns:
        ``(fig, axes)``.

    Notebook: notebooks/04_genre_transfer.ipynb
    """
    if axes is None:
        fig, axes = plt.subplots(1, len(stored), figsize=(4.4 * len(stored), 3.4), constrained_layout=True,
                                 squeeze=False)
        axes = axes[0]
    fig = axes[0].figure
    for ax, (name, spec) in zip(axes, stored.items()):
        plot_spectrogram(spec, settings, ax=ax, title=name, colorbar=False)
    if title:
        fig.suptitle(title)
    return fig, axes


def plot_genre_timeline(prediction: dict, clip_seconds: float, ax=None, title: str | None = None):
    """Each genre's probability over a whole song, clip by clip (``training.predict_file``'s result).

    Args:
        prediction: ``{"labels", "clips": [{"start_s", "probabilities"}], "song_genre"}``.
        clip_seconds: Length of a clip, to draw each clip's span.
        ax: Axes to draw on (a new figure when ``None``).
        title: Title of the plot.

    Notebook: notebooks/02_classifier.ipynb
    """
    fig, ax = _axes(ax, figsize=(10, 3.2))
    labels = prediction["labels"]
    starts = np.array([c["start_s"] for c in prediction["clips"]])
    probs = np.array([c["probabilities"] for c in prediction["clips"]])
    times = np.repeat(np.stack([starts, starts + clip_seconds], 1).ravel()[None], len(labels), 0)
    ax.stackplot(times[0], np.repeat(probs.T, 2, axis=1), labels=labels, alpha=0.9)
    ax.set(xlabel="time in the song (s)", ylabel="probability", ylim=(0, 1),
           xlim=(starts.min(), starts.max() + clip_seconds), title=title or f"song: {prediction['song_genre']}")
    ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=8)
    return fig, ax
