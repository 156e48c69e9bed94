"""Listening helpers for the notebooks: audio players beside spectrograms.

Notebook: notebooks/06_listening.ipynb
"""

from __future__ import annotations

import numpy as np

__all__ = ["player", "show_clip"]


def player(audio: np.ndarray, sample_rate: int, normalize: bool = True):
    """An IPython audio player for a mono array.

    Notebook: notebooks/01_data_prep.ipynb
    """
    from IPython.display import Audio

    return Audio(np.asarray(audio, dtype=np.float32), rate=sample_rate, normalize=normalize)


def show_clip(stored: np.ndarray, audio: np.ndarray, settings, title: str = ""):
    """Show a spectrogram and, under it, a player for its audio.

    Notebook: notebooks/01_data_prep.ipynb
    """
    import matplotlib.pyplot as plt
    from IPython.display import display

    from .plots import plot_spectrogram

    fig, ax = plot_spectrogram(stored, settings, title=title)
    plt.show()
    display(player(audio, settings.sample_rate))
    return fig, ax
