"""Listening helpers for the notebooks: audio players beside spectrograms.

Notebook: notebooks/06_listening.ipynb
"""

from __future__ import annotations

import numpy as np

__all__ = ["audio_html", "player", "show_clip", "show_players"]


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


def audio_html(audio: np.ndarray, sample_rate: int, label: str = "") -> str:
    """An HTML ``<audio>`` player with the sound inside (a WAV in base64), under a label.

    It plays in Jupyter, JupyterLab, Colab and in a notebook exported to HTML.

    Notebook: notebooks/04_genre_transfer.ipynb
    """
    import base64
    import html
    import io

    import soundfile as sf

    buffer = io.BytesIO()
    peak = float(np.max(np.abs(audio))) if len(audio) else 0.0
    sf.write(buffer, np.asarray(audio, np.float32) / peak * 0.9 if peak > 0 else audio, sample_rate,
             format="WAV", subtype="PCM_16")
    data = base64.b64encode(buffer.getvalue()).decode("ascii")
    return (f"<figure style='display:inline-block;margin:4px 8px'><figcaption>{html.escape(label)}</figcaption>"
            f"<audio controls preload='metadata' src='data:audio/wav;base64,{data}'></audio></figure>")


def show_players(sounds: dict[str, np.ndarray], sample_rate: int) -> None:
    """Show labelled players side by side, one per sound.

    Notebook: notebooks/04_genre_transfer.ipynb
    """
    from IPython.display import HTML, display

    display(HTML("".join(audio_html(sound, sample_rate, name) for name, sound in sounds.items())))
