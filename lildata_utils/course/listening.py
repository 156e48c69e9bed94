"""Listening: audio players beside spectrograms, and the answer sheet of a blind A/B test.

Notebook: notebooks/06_listening.ipynb
"""

from __future__ import annotations

import base64
import html
import io
import time
from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import soundfile as sf
from IPython.display import HTML, display

from ..audio import audio_to_stored, write_wav
from ..files import append_csv_row, read_csv_rows, slug
from ..lessons.ab_test import score_answers
from .plots import plot_spectrogram

__all__ = ["ANSWER_COLUMNS", "AnswerSheet", "audio_html", "save_sounds", "show_clip", "show_players", "show_sound"]

ANSWER_COLUMNS = ("time", "clip", "genre", "question", "a", "b", "choice", "chosen")


def show_clip(stored: np.ndarray, audio: np.ndarray, settings, title: str = "") -> None:
    """Show a spectrogram and a player for its audio under it.

    Notebook: notebooks/01_data_prep.ipynb
    """
    plot_spectrogram(stored, settings, title=title)
    plt.show()
    show_players({title or "listen": audio}, settings.sample_rate)


def show_sound(audio: np.ndarray, settings, title: str = "") -> None:
    """Show any sound's spectrogram and a player under it.

    Notebook: notebooks/01_data_prep.ipynb
    """
    show_clip(audio_to_stored(audio, settings), audio, settings, title)


def save_sounds(folder: str | Path, sounds: dict[str, np.ndarray], sample_rate: int) -> Path:
    """Write sounds as WAV files named from their labels (safe names).

    Notebook: notebooks/05_lstm_generation.ipynb
    """
    for name, sound in sounds.items():
        write_wav(Path(folder) / f"{slug(name)}.wav", sound, sample_rate)
    return Path(folder)


def audio_html(audio: np.ndarray, sample_rate: int, label: str = "") -> str:
    """An HTML ``<audio>`` player with the sound inside (a base64 WAV) under a label; it survives export to HTML.

    Notebook: notebooks/04_genre_transfer.ipynb
    """
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
    display(HTML("".join(audio_html(sound, sample_rate, name) for name, sound in sounds.items())))


class AnswerSheet:
    """Blind A/B answers in a CSV file, appended under a lock and read tolerantly (older files are extended).

    Notebook: notebooks/06_listening.ipynb
    """

    def __init__(self, path: str | Path):
        self.path = Path(path)

    def add(self, trial: dict[str, Any], choice: str) -> dict[str, str]:
        """Keep an answer (``"A"`` or ``"B"``) with what was compared; returns the row."""
        if choice not in ("A", "B"):
            raise ValueError(f"choose 'A' or 'B', not {choice!r}")
        row = {"time": time.strftime("%Y-%m-%dT%H:%M:%S"), "clip": str(trial["clip"]),
               **{k: trial[k] for k in ("genre", "question", "a", "b")}, "choice": choice,
               "chosen": trial["a"] if choice == "A" else trial["b"]}
        append_csv_row(self.path, row, ANSWER_COLUMNS)
        return row

    def rows(self) -> list[dict[str, str]]:
        """The answers kept so far."""
        return read_csv_rows(self.path)

    def usable(self) -> list[dict[str, str]]:
        """The answers that name both sounds and the one chosen (or an older file's ``choice``)."""
        out = []
        for row in self.rows():
            a, b, chosen = row.get("a", ""), row.get("b", ""), row.get("chosen", "")
            if not chosen and row.get("choice") in ("A", "B"):
                chosen = a if row["choice"] == "A" else b
            if a and b and chosen in (a, b):
                out.append({"a": a, "b": b, "chosen": chosen})
        return out

    def score(self) -> dict[str, dict[str, Any]]:
        """Notebook 06's ``score_answers`` of the usable answers: counts and a p-value per pair."""
        return score_answers(self.usable())
