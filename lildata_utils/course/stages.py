"""The listening lab: any clip at every stage, a blind A/B test and live transfer, behind core ipywidgets.

Notebook: notebooks/06_listening.ipynb
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import ipywidgets as w
import matplotlib.pyplot as plt
import numpy as np
from IPython.display import HTML, display

from ..audio import audio_to_stored, stored_to_audio
from ..data import PreparedDataset
from ..lessons.style import style_transfer
from ..lessons.style_time import modulation_transfer
from ..runs.evaluate import load_run
from ..runs.generator import generate, load_generator
from ..runs.transfer import envelope_bins, feature_extractor, transfer_settings
from .listening import AnswerSheet, audio_html, save_sounds, show_players
from .plots import plot_spectrograms

__all__ = ["ListeningLab", "StageSounds", "build_widget"]

Sound = tuple[np.ndarray, np.ndarray]  # (stored spectrogram, audio)


class StageSounds:
    """Any clip at every stage: original, Griffin-Lim control, transfers (with the net of ``classifier_run``, or
    a random 1-D net), generated (by ``generator_run``, if any).

    Notebook: notebooks/06_listening.ipynb
    """

    def __init__(self, data: PreparedDataset, classifier_run=None, generator_run=None, style_genre: str = "future_bass",
                 transfer_iterations: int = 30):
        self.data, self.settings = data, data.settings
        self.classifier_run, self.generator_run = classifier_run, generator_run
        self.style_genre = style_genre if style_genre in data.labels else data.labels[-1]
        self.transfer_iterations = transfer_iterations
        self._classifier = self._generator = None
        self._cache: dict[int, dict[str, Sound]] = {}

    def songs(self, genre: str) -> list[str]:
        """The songs of a genre, test songs first (no model trained on them)."""
        split = {c.song: c.split for c in reversed(self.data.select(None, [genre]))}
        return sorted(split, key=lambda song: (split[song] != "test", song))

    def first_clip(self, genre: str) -> int:
        """The middle clip of the first test song of a genre."""
        clips = self.clips(self.songs(genre)[0])
        return clips[len(clips) // 2]

    def clips(self, song: str) -> list[int]:
        """The clip numbers of a song, in time order."""
        return [c.clip for c in sorted((c for c in self.data.clips if c.song == song), key=lambda c: c.start_s)]

    def original(self, clip: int) -> Sound:
        """``(stored, audio)`` of a clip, with the song's own audio."""
        return self.data.spectrogram(clip), self.data.clip_audio(clip)[0]

    def style_clip(self) -> int:
        """The transfer's style clip: the middle test clip of ``style_genre``."""
        clips = self.data.select("test", [self.style_genre]) or self.data.select(None, [self.style_genre])
        return clips[len(clips) // 2].clip

    def _heard(self, stored: np.ndarray) -> Sound:
        audio = stored_to_audio(stored, self.settings)
        return audio_to_stored(audio, self.settings), audio

    def transfer(self, clip: int, alpha: float | None = None, beta: float | None = None,
                 iterations: int | None = None) -> Sound:
        """``(stored, audio)`` of a short genre transfer towards ``style_genre``."""
        net = "lildata" if self.classifier_run else "random1d"
        settings = transfer_settings(net, iterations=iterations or self.transfer_iterations, alpha=alpha, beta=beta,
                                     **({"filters": 1024} if net == "random1d" else {}))
        if net == "lildata" and self._classifier is None:
            self._classifier = load_run(self.classifier_run)[0]
        extractor = feature_extractor(settings, self.settings.shape, self._classifier)
        return self._heard(style_transfer(extractor, self.data.spectrogram(clip),
                                          self.data.spectrogram(self.style_clip()), settings)[0])

    def modulation(self, clip: int) -> Sound:
        """``(stored, audio)`` of notebook 04b's modulation transfer towards ``style_genre``."""
        bins = envelope_bins(self.settings, transfer_settings("modulation").envelope_hz)
        return self._heard(modulation_transfer(self.data.spectrogram(clip), self.data.spectrogram(self.style_clip()),
                                               bins))

    def generated(self, clip: int) -> Sound | None:
        """``(stored, audio)`` generated from the clip's first frames (``None`` without a generator)."""
        if self.generator_run is None:
            return None
        if self._generator is None:
            self._generator = load_generator(self.generator_run)[0]
        frames = np.asarray(self.data.spectrogram(clip), np.float32).T
        stored = generate(self._generator, frames[:self._generator.settings.seed_frames], frames.shape[0],
                          np.random.default_rng(clip), grid_of=frames.T)
        return stored, stored_to_audio(stored, self.settings)

    def sounds(self, clip: int) -> dict[str, Sound]:
        """Every stage of a clip, ``{name: (stored, audio)}``."""
        if clip not in self._cache:
            original = self.original(clip)
            out = {"original": original, "Griffin-Lim control": self._heard(original[0]),
                   f"transfer towards {self.style_genre}": self.transfer(clip),
                   f"modulation transfer towards {self.style_genre}": self.modulation(clip)}
            if (made := self.generated(clip)) is not None:
                out["generated from its first frames"] = made
            self._cache[clip] = out
        return self._cache[clip]

    def save(self, clip: int, folder: str | Path) -> Path:
        """Write every stage of a clip as a WAV file in ``folder``."""
        return save_sounds(folder, {name: sound[1] for name, sound in self.sounds(clip).items()},
                           self.settings.sample_rate)

    def show(self, sounds: dict[str, Sound]) -> None:
        """Spectrograms side by side and a labelled player for each sound."""
        plot_spectrograms({k: v[0] for k, v in sounds.items()}, self.settings)
        plt.show()
        show_players({k: v[1] for k, v in sounds.items()}, self.settings.sample_rate)


class ListeningLab(StageSounds):
    """:class:`StageSounds` with a blind A/B test (answers kept in ``answers_csv``) and live transfer.

    Notebook: notebooks/06_listening.ipynb
    """

    def __init__(self, data: PreparedDataset, classifier_run=None, generator_run=None,
                 answers_csv: str | Path = "listening_answers.csv", style_genre: str = "future_bass",
                 transfer_iterations: int = 30, seed: int = 0):
        super().__init__(data, classifier_run, generator_run, style_genre, transfer_iterations)
        self.sheet = AnswerSheet(answers_csv)
        self.answers_csv = self.sheet.path
        self.rng = np.random.default_rng(seed)

    def new_trial(self, clip: int | None = None, pair: tuple[str, str] = ("original", "Griffin-Lim control"),
                  question: str = "Which sounds better?") -> dict[str, Any]:
        """Two sounds of a clip in random order: ``{"clip", "genre", "question", "a", "b", "audio_a", "audio_b"}``."""
        clip = int(self.rng.integers(len(self.data))) if clip is None else clip
        sounds = self.sounds(clip)
        missing = [name for name in pair if name not in sounds]
        if missing:
            raise ValueError(f"no sound {missing[0]!r} for clip {clip} (there are: {', '.join(sounds)})")
        a, b = pair if self.rng.random() < 0.5 else pair[::-1]
        return {"clip": clip, "genre": self.data.clips[clip].label, "question": question, "a": a, "b": b,
                "audio_a": sounds[a][1], "audio_b": sounds[b][1]}

    def answer(self, trial: dict[str, Any], choice: str) -> dict[str, str]:
        """Keep an answer (``"A"`` or ``"B"``)."""
        return self.sheet.add(trial, choice)

    def answers(self) -> list[dict[str, str]]:
        """The answers kept so far."""
        return self.sheet.rows()

    def summary(self) -> dict[str, dict[str, int]]:
        """For each compared pair, how often each side was chosen."""
        return {pair: dict(score["counts"]) for pair, score in self.sheet.score().items()}

    def widget(self):
        """The lab as ipywidgets (:func:`build_widget`).

        Notebook: notebooks/06_listening.ipynb
        """
        return build_widget(self)


def _chooser(lab: ListeningLab):
    genre = w.Dropdown(options=lab.data.labels, description="genre")
    song = w.Dropdown(description="song", layout=w.Layout(width="420px"))
    clip = w.Dropdown(description="clip")
    stages = w.Output()

    def fill_songs(*_):
        song.options = lab.songs(genre.value)
        song.value = song.options[0] if song.options else None

    def fill_clips(*_):
        clip.options = [(f"{lab.data.clips[c].start_s:g} s", c) for c in lab.clips(song.value)] if song.value else []
        clip.value = clip.options[0][1] if clip.options else None

    def show_stages(*_):
        if clip.value is not None:
            stages.clear_output(wait=True)
            with stages:
                lab.show(lab.sounds(clip.value))

    genre.observe(fill_songs, "value")
    song.observe(fill_clips, "value")
    fill_songs()
    clip.observe(show_stages, "value")  # after the first fill: nothing is computed until you choose
    with stages:
        print("choose a genre, a song and a clip")
    return w.HBox([genre, song, clip]), clip, w.VBox([stages])


def _ab_tab(lab: ListeningLab, clip):
    transfer, modulation = f"transfer towards {lab.style_genre}", f"modulation transfer towards {lab.style_genre}"
    pairs = {"original / control": ("original", "Griffin-Lim control"),
             "control / transfer": ("Griffin-Lim control", transfer),
             "transfer / modulation transfer": (transfer, modulation)}
    pair, new = w.Dropdown(options=list(pairs), description="compare"), w.Button(description="new pair")
    picks, ab_out, summary_out = [w.Button(description=side) for side in "AB"], w.Output(), w.Output()
    state: dict[str, Any] = {}

    def new_pair(*_):
        trial = state["trial"] = lab.new_trial(clip.value, pairs[pair.value])
        ab_out.clear_output(wait=True)
        with ab_out:
            display(HTML(audio_html(trial["audio_a"], lab.settings.sample_rate, "A")
                         + audio_html(trial["audio_b"], lab.settings.sample_rate, "B")))

    def choose(button):
        if "trial" not in state:
            return
        lab.answer(state.pop("trial"), button.description)
        summary_out.clear_output(wait=True)
        with summary_out:
            print(f"kept in {lab.answers_csv}")
            for compared, score in lab.sheet.score().items():
                counts = ", ".join(f"{k} {v}" for k, v in score["counts"].items())
                print(f"{compared}: {counts} (p = {score['p_value']:.3f})")

    new.on_click(new_pair)
    for pick in picks:
        pick.on_click(choose)
    return w.VBox([w.HBox([pair, new]), ab_out, w.HBox(picks), summary_out])


def _live_tab(lab: ListeningLab, clip):
    alpha = w.FloatLogSlider(value=50, base=10, min=-2, max=4, description="alpha")
    beta = w.FloatLogSlider(value=500, base=10, min=0, max=5, description="beta")
    steps = w.IntSlider(value=lab.transfer_iterations, min=1, max=300, description="iterations")
    run, live = w.Button(description="run transfer"), w.Output()

    def run_transfer(*_):
        live.clear_output(wait=True)
        with live:
            print("running ...")
            sound = lab.transfer(clip.value, alpha.value, beta.value, steps.value)
            live.clear_output(wait=True)
            lab.show({f"alpha {alpha.value:g}, beta {beta.value:g}, {steps.value} steps": sound})

    run.on_click(run_transfer)
    return w.VBox([alpha, beta, steps, run, live])


def build_widget(lab: ListeningLab):
    """A clip chooser over three tabs: every stage, blind A/B, live transfer.

    Notebook: notebooks/06_listening.ipynb
    """
    choose, clip, stages = _chooser(lab)
    tabs = w.Tab(children=[stages, _ab_tab(lab, clip), _live_tab(lab, clip)])
    for i, title in enumerate(("every stage", "blind A/B", "live transfer")):
        tabs.set_title(i, title)
    return w.VBox([choose, tabs])
