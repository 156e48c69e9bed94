"""Plot helpers and the course's diagrams. Each takes ``ax=None`` and returns ``(fig, ax)``, so they compose.

Notebook: notebooks/01_data_prep.ipynb
"""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

from ..audio import stored_to_db
from ..files import atomic_path
from ..settings import SpectrogramSettings

__all__ = ["plot_confusion", "plot_genre_timeline", "plot_history", "plot_split_counts", "plot_spectrogram",
           "plot_spectrograms", "plot_stft_windows", "plot_style_transfer_loop", "plot_teacher_forcing",
           "plot_waveform", "save_figure"]


def save_figure(fig, path: str | Path, dpi: int = 80) -> Path:
    """Save a Matplotlib figure as PNG, atomically, and close it."""
    with atomic_path(Path(path)) as tmp:
        fig.savefig(tmp, format="png", dpi=dpi, bbox_inches="tight")
    plt.close(fig)
    return Path(path)


def _axes(ax, figsize=(8, 3)):
    return (ax.figure, ax) if ax is not None else plt.subplots(figsize=figsize)


def plot_waveform(audio: np.ndarray, sample_rate: int, ax=None, title: str | None = None):
    """Plot a waveform against time in seconds.

    Notebook: notebooks/01_data_prep.ipynb
    """
    fig, ax = _axes(ax)
    ax.plot(np.arange(len(audio)) / sample_rate, audio, linewidth=0.5)
    ax.set(xlabel="time (s)", ylabel="amplitude", xlim=(0, len(audio) / sample_rate), ylim=(-1, 1), title=title or "")
    return fig, ax


def plot_spectrogram(stored: np.ndarray, settings: SpectrogramSettings, ax=None, title: str | None = None,
                     colorbar: bool = True, cmap: str = "magma"):
    """Show a stored spectrogram (``(n_bins, n_frames)`` in [0, 1]) against time and frequency, in dB.

    Notebook: notebooks/01_data_prep.ipynb
    """
    fig, ax = _axes(ax, figsize=(6, 4))
    extent = (0, (stored.shape[-1] - 1) * settings.hop_length / settings.sample_rate, 0, settings.sample_rate / 2000)
    image = ax.imshow(stored_to_db(stored, settings), origin="lower", aspect="auto", extent=extent, cmap=cmap,
                      vmin=max(settings.floor_db, -90), vmax=settings.ceiling_db)
    ax.set(xlabel="time (s)", ylabel="frequency (kHz)", title=title or "")
    if colorbar:
        fig.colorbar(image, ax=ax, label="dB")
    return fig, ax


def plot_split_counts(counts: dict[str, dict[str, int]], ax=None, title: str = "clips per genre and split"):
    """Stacked bars of clips per label and split (``PreparedDataset.counts()``).

    Notebook: notebooks/01_data_prep.ipynb
    """
    fig, ax = _axes(ax, figsize=(8, 3))
    bottom = np.zeros(len(counts))
    for split in ("train", "val", "test"):
        values = np.array([by_split.get(split, 0) for by_split in counts.values()])
        ax.bar(list(counts), values, bottom=bottom, label=split)
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
    """Training and validation loss and accuracy per epoch (a run's ``history.json``).

    Notebook: notebooks/02_classifier.ipynb
    """
    fig, ax = _axes(ax, figsize=(7, 3))
    epochs = history.get("epoch") or list(range(1, len(history.get("loss", [])) + 1))
    twin = ax.twinx()
    for axes, measure, color in ((ax, "loss", "tab:red"), (twin, "accuracy", "tab:blue")):
        for key, style in ((measure, "-"), (f"val_{measure}", "--")):
            if key in history:
                axes.plot(epochs, history[key], style, color=color, label=key)
    ax.set(xlabel="epoch", ylabel="loss", title=title)
    twin.set(ylabel="accuracy", ylim=(0, 1.02))
    lines = ax.get_legend_handles_labels()[0] + twin.get_legend_handles_labels()[0]
    ax.legend(lines, [line.get_label() for line in lines], loc="center right", fontsize=8)
    return fig, ax


def plot_spectrograms(stored: dict[str, np.ndarray], settings: SpectrogramSettings, axes=None,
                      title: str | None = None):
    """Stored spectrograms side by side, one per name.

    Notebook: notebooks/04_genre_transfer.ipynb
    """
    if axes is None:
        axes = plt.subplots(1, len(stored), figsize=(4.4 * len(stored), 3.4), constrained_layout=True,
                            squeeze=False)[1][0]
    for ax, (name, spec) in zip(axes, stored.items()):
        plot_spectrogram(spec, settings, ax=ax, title=name, colorbar=False)
    if title:
        axes[0].figure.suptitle(title)
    return axes[0].figure, axes


def plot_genre_timeline(prediction: dict, clip_seconds: float, ax=None, title: str | None = None):
    """Each genre's probability over a whole song, clip by clip (``predict_file``'s result).

    Notebook: notebooks/02_classifier.ipynb
    """
    fig, ax = _axes(ax, figsize=(10, 3.2))
    starts = np.array([c["start_s"] for c in prediction["clips"]])
    probs = np.array([c["probabilities"] for c in prediction["clips"]])
    ax.stackplot(np.stack([starts, starts + clip_seconds], 1).ravel(), np.repeat(probs.T, 2, axis=1),
                 labels=prediction["labels"], alpha=0.9)
    ax.set(xlabel="time in the song (s)", ylabel="probability", ylim=(0, 1),
           xlim=(starts.min(), starts.max() + clip_seconds), title=title or f"song: {prediction['song_genre']}")
    ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=8)
    return fig, ax


def plot_stft_windows(settings: SpectrogramSettings, windows: int = 5, ax=None):
    """Diagram: Hann windows of ``n_fft`` samples sliding ``hop_length`` apart, one per frame.

    Notebook: notebooks/01_data_prep.ipynb
    """
    fig, ax = _axes(ax, figsize=(9, 2.6))
    n_fft, hop = settings.n_fft, settings.hop_length
    t = np.arange(n_fft + (windows - 1) * hop) / settings.sample_rate * 1000
    ax.plot(t, 0.3 * np.sin(2 * np.pi * 220 * t / 1000) * np.exp(-t / t[-1]), color="0.6", lw=0.8, label="the clip")
    for k in range(windows):
        ax.plot(t[k * hop:k * hop + n_fft], np.hanning(n_fft) * (1 - 0.12 * k), lw=1.5,
                label=f"window of frame {k}" if k < 3 else None)
    ax.set(xlabel="time (ms)", yticks=[], title=f"n_fft = {n_fft} samples, hop_length = {hop} samples "
                                                f"({1000 * hop / settings.sample_rate:.0f} ms)")
    ax.legend(loc="upper right", fontsize=8)
    return fig, ax


def plot_style_transfer_loop(ax=None):
    """Diagram: the loop of style transfer (network, costs, gradient, one Adam step on the pixels).

    Notebook: notebooks/04_genre_transfer.ipynb
    """
    fig, ax = _axes(ax, figsize=(9, 3))
    picture, net, cost = "generated spectrogram\n(the variables)", "fixed network\n(feature maps)", \
        "J = alpha J_content\n+ beta J_style"
    gradient, targets = "gradient dJ / d pixels\n(GradientTape)", "content clip's maps\nstyle clip's Gram matrices"
    boxes = {picture: (0.15, 0.5), net: (0.45, 0.78), cost: (0.78, 0.5), gradient: (0.45, 0.2), targets: (0.85, 0.9)}
    for name, (x, y) in boxes.items():
        ax.text(x, y, name, ha="center", va="center", fontsize=9,
                bbox={"boxstyle": "round", "facecolor": "#eef", "edgecolor": "#446"})
    for a, b, label in ((picture, net, "through"), (net, cost, "compared with"), (targets, cost, ""),
                        (cost, gradient, "differentiated"), (gradient, picture, "one Adam step, clipped to [0, 1]")):
        (xa, ya), (xb, yb) = boxes[a], boxes[b]
        ax.annotate("", xy=(xb, yb), xytext=(xa, ya), arrowprops={"arrowstyle": "->", "shrinkA": 22, "shrinkB": 22})
        ax.text((xa + xb) / 2, (ya + yb) / 2 + 0.05, label, ha="center", fontsize=8, color="#446")
    ax.set(xlim=(0, 1), ylim=(0, 1))
    ax.axis("off")
    return fig, ax


def plot_teacher_forcing(ax=None):
    """Diagram: teacher forcing (the true previous frame in) against free running (the model's own frame in).

    Notebook: notebooks/05_lstm_generation.ipynb
    """
    fig, ax = _axes(ax, figsize=(10, 3.2))
    for row, (title, feed) in enumerate((("teacher forcing (training)", "true"), ("free running (generating)", "own"))):
        y = 0.72 - 0.5 * row
        ax.text(0.0, y + 0.17, title, fontsize=10, weight="bold")
        for t in range(4):
            x = 0.1 + 0.22 * t
            ax.text(x, y, f"LSTM\nstep {t + 1}", ha="center", va="center", fontsize=8,
                    bbox={"boxstyle": "round", "facecolor": "#eef"})
            given = f"true frame {t}" if feed == "true" or t == 0 else f"its frame {t}"
            ax.text(x, y - 0.17, given, ha="center", fontsize=8, color="#070" if "true" in given else "#a40")
            ax.text(x, y + 0.1, f"-> frame {t + 1}", ha="center", fontsize=8)
            if feed == "own" and t < 3:
                ax.annotate("", xy=(x + 0.16, y - 0.14), xytext=(x + 0.04, y + 0.09),
                            arrowprops={"arrowstyle": "->", "color": "#a40"})
    ax.set(xlim=(-0.02, 1), ylim=(0, 1))
    ax.axis("off")
    return fig, ax
