"""Listening: audio players beside spectrograms, and the listening lab of notebook 06.

* players for every notebook: :func:`player`, :func:`show_clip`, :func:`show_players`,
  :func:`audio_html` (HTML players that survive an export to HTML);
* :class:`StageSounds`: any clip of a dataset at every stage of the course (the
  original, the Griffin-Lim control, a genre transfer, a generation);
* :class:`AnswerSheet`: blind A/B answers kept in a CSV that concurrent writers
  never lose, scored with notebook 06's ``score_answers``;
* :class:`ListeningLab`: both, with :meth:`ListeningLab.widget`, the ipywidgets
  front end (core widgets only, which Colab shows without its custom manager).

Notebook: notebooks/06_listening.ipynb
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import numpy as np

from .dataset import PreparedDataset
from .files import append_csv_row, read_csv_rows
from .spectrogram import audio_to_stored, stored_to_audio

__all__ = ["ANSWER_COLUMNS", "AnswerSheet", "ListeningLab", "StageSounds", "audio_html", "player", "show_clip",
           "show_players"]

ANSWER_COLUMNS = ("time", "clip", "genre", "question", "a", "b", "choice", "chosen")


def player(audio: np.ndarray, sample_rate: int, normalize: bool = True):
    """An IPython audio player for a mono array.

    Notebook: notebooks/01_data_prep.ipynb
    """
    from IPython.display import Audio

    return Audio(np.asarray(audio, dtype=np.float32), rate=sample_rate, normalize=normalize)


def show_clip(stored: np.ndarray, audio: np.ndarray, settings, title: str = "") -> None:
    """Show a spectrogram and, under it, a player for its audio (nothing returned: no figure repr in the notebook).

    Notebook: notebooks/01_data_prep.ipynb
    """
    import matplotlib.pyplot as plt
    from IPython.display import display

    from .plots import plot_spectrogram

    plot_spectrogram(stored, settings, title=title)
    plt.show()
    display(player(audio, settings.sample_rate))


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


class AnswerSheet:
    """Blind A/B answers in a CSV file: appended under a lock, read tolerantly, never dropped.

    Args:
        path: The CSV file (created when the first answer comes).

    Notebook: notebooks/06_listening.ipynb
    """

    def __init__(self, path: str | Path):
        self.path = Path(path)

    def add(self, trial: dict[str, Any], choice: str) -> dict[str, str]:
        """Keep an answer (``"A"`` or ``"B"``) with what was compared.

        The row is appended under a lock, so answers given at the same time
        (two notebooks, two students on one shared file) are all kept; a file
        from an older version, or with an extra column, is kept as it is and
        extended.
        """
        if choice not in ("A", "B"):
            raise ValueError(f"choose 'A' or 'B', not {choice!r}")
        row = {"time": time.strftime("%Y-%m-%dT%H:%M:%S"), "clip": str(trial["clip"]), "genre": trial["genre"],
               "question": trial["question"], "a": trial["a"], "b": trial["b"], "choice": choice,
               "chosen": trial["a"] if choice == "A" else trial["b"]}
        append_csv_row(self.path, row, ANSWER_COLUMNS)
        return row

    def rows(self) -> list[dict[str, str]]:
        """The answers kept so far (read tolerantly: extra or missing columns never lose a row)."""
        return read_csv_rows(self.path)

    def usable(self) -> list[dict[str, str]]:
        """The answers that name both sounds and which was chosen (an older file's ``choice`` column is read too)."""
        out = []
        for row in self.rows():
            a, b, chosen = row.get("a", ""), row.get("b", ""), row.get("chosen", "")
            if not chosen and row.get("choice") in ("A", "B"):
                chosen = a if row["choice"] == "A" else b
            if a and b and chosen in (a, b):
                out.append({"a": a, "b": b, "chosen": chosen})
        return out

    def score(self) -> dict[str, dict[str, Any]]:
        """Notebook 06's ``score_answers`` of the usable answers: counts and a binomial test's p-value per pair."""
        from .lessons.ab_test import score_answers

        return score_answers(self.usable())


class StageSounds:
    """Any clip of a prepared dataset at every stage of the course.

    Args:
        data: A prepared dataset.
        classifier_run: A Lil Data run (its net drives the transfer), or ``None``
            for the random 1-D net.
        generator_run: An autoregressive or beat generator run (seeded by the clip), or ``None``.
        style_genre: The genre of the transfer's style clip.
        transfer_iterations: Steps of the live transfer (small: it runs while you wait).

    Notebook: notebooks/06_listening.ipynb
    """

    def __init__(self, data: PreparedDataset, classifier_run=None, generator_run=None, style_genre: str = "future_bass",
                 transfer_iterations: int = 30):
        self.data = data
        self.settings = data.settings
        self.classifier_run, self.generator_run = classifier_run, generator_run
        self.style_genre = style_genre if style_genre in data.labels else data.labels[-1]
        self.transfer_iterations = transfer_iterations
        self._classifier = None
        self._generator = None
        self._cache: dict[tuple, dict[str, tuple[np.ndarray, np.ndarray]]] = {}

    # what there is to choose from
    def songs(self, genre: str) -> list[str]:
        """The songs of a genre, test songs first (no model trained on them)."""
        clips = self.data.select(None, [genre])
        return sorted({c.song for c in clips}, key=lambda s: (next(c.split for c in clips if c.song == s) != "test", s))

    def clips(self, song: str) -> list[int]:
        """The clip numbers of a song, in time order."""
        return [c.clip for c in sorted((c for c in self.data.clips if c.song == song), key=lambda c: c.start_s)]

    # the sounds
    def original(self, clip: int) -> tuple[np.ndarray, np.ndarray]:
        """``(stored, audio)`` of a clip: the song's own audio when it is still there."""
        return self.data.spectrogram(clip), self.data.clip_audio(clip)[0]

    def style_clip(self) -> int:
        """The clip whose style the transfer takes: the middle test clip of ``style_genre``."""
        clips = self.data.select("test", [self.style_genre]) or self.data.select(None, [self.style_genre])
        return clips[len(clips) // 2].clip

    def transfer(self, clip: int, alpha: float | None = None, beta: float | None = None,
                 iterations: int | None = None) -> tuple[np.ndarray, np.ndarray]:
        """``(stored, audio)`` of a short genre transfer of a clip towards ``style_genre``."""
        from .lessons.style import style_transfer
        from .transfer import feature_extractor, transfer_settings

        net = "lildata" if self.classifier_run else "random1d"
        settings = transfer_settings(net, iterations=iterations or self.transfer_iterations, alpha=alpha, beta=beta,
                                     **({"filters": 1024} if net == "random1d" else {}))
        if net == "lildata" and self._classifier is None:
            from .training import load_run

            self._classifier = load_run(self.classifier_run)[0]
        extractor = feature_extractor(settings, self.settings.shape, self._classifier)
        generated, _ = style_transfer(extractor, self.data.spectrogram(clip), self.data.spectrogram(self.style_clip()),
                                      settings)
        audio = stored_to_audio(generated, self.settings)
        return audio_to_stored(audio, self.settings), audio

    def modulation(self, clip: int) -> tuple[np.ndarray, np.ndarray]:
        """``(stored, audio)`` of notebook 04's modulation transfer (section 5) of a clip towards ``style_genre``."""
        from .lessons.style import modulation_transfer
        from .transfer import envelope_bins, transfer_settings

        generated = modulation_transfer(self.data.spectrogram(clip), self.data.spectrogram(self.style_clip()),
                                        envelope_bins(self.settings, transfer_settings("modulation").envelope_hz))
        audio = stored_to_audio(generated, self.settings)
        return audio_to_stored(audio, self.settings), audio

    def generated(self, clip: int) -> tuple[np.ndarray, np.ndarray] | None:
        """``(stored, audio)`` generated by the generator from the clip's first frames."""
        if self.generator_run is None:
            return None
        from .generate import beat_grid, generate, load_generator

        if self._generator is None:
            self._generator = load_generator(self.generator_run)[0]
        frames = np.asarray(self.data.spectrogram(clip), np.float32).T
        k = self._generator.settings.seed_frames
        grid = beat_grid(frames.T, self.settings) if self._generator.settings.model == "beat" else None
        stored = generate(self._generator, frames[:k], frames.shape[0], np.random.default_rng(clip), grid=grid)
        return stored, stored_to_audio(stored, self.settings)

    def sounds(self, clip: int) -> dict[str, tuple[np.ndarray, np.ndarray]]:
        """Every stage of a clip: ``{name: (stored, audio)}`` for original, control, the two transfers (Lil Data's
        layers, short; modulation) and generated."""
        if ("sounds", clip) not in self._cache:
            stored, audio = self.original(clip)
            control = stored_to_audio(stored, self.settings)
            out = {"original": (stored, audio), "Griffin-Lim control": (audio_to_stored(control, self.settings), control),
                   f"transfer towards {self.style_genre}": self.transfer(clip),
                   f"modulation transfer towards {self.style_genre}": self.modulation(clip)}
            made = self.generated(clip)
            if made is not None:
                out["generated from its first frames"] = made
            self._cache[("sounds", clip)] = out
        return self._cache[("sounds", clip)]

    def show(self, sounds: dict[str, tuple[np.ndarray, np.ndarray]]) -> None:
        """Spectrograms side by side and a labelled player for each sound."""
        import matplotlib.pyplot as plt

        from .plots import plot_spectrograms

        plot_spectrograms({k: v[0] for k, v in sounds.items()}, self.settings)
        plt.show()
        show_players({k: v[1] for k, v in sounds.items()}, self.settings.sample_rate)


class ListeningLab(StageSounds):
    """Every stage of any clip, a blind A/B test, and live transfer, behind ipywidgets.

    Args:
        data, classifier_run, generator_run, style_genre, transfer_iterations: See :class:`StageSounds`.
        answers_csv: Where A/B answers are kept (an :class:`AnswerSheet`).
        seed: Seed of the A/B order.

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
        """Two sounds of a clip in random order.

        Returns:
            ``{"clip", "genre", "question", "a", "b", "audio_a", "audio_b"}``.
        """
        if clip is None:
            clip = int(self.rng.integers(len(self.data)))
        sounds = self.sounds(clip)
        missing = [name for name in pair if name not in sounds]
        if missing:
            raise ValueError(f"no sound {missing[0]!r} for clip {clip} (there are: {', '.join(sounds)})")
        a, b = pair if self.rng.random() < 0.5 else pair[::-1]
        return {"clip": clip, "genre": self.data.clips[clip].label, "question": question, "a": a, "b": b,
                "audio_a": sounds[a][1], "audio_b": sounds[b][1]}

    def answer(self, trial: dict[str, Any], choice: str) -> dict[str, str]:
        """Keep an answer (``"A"`` or ``"B"``); see :meth:`AnswerSheet.add`."""
        return self.sheet.add(trial, choice)

    def answers(self) -> list[dict[str, str]]:
        """The answers kept so far."""
        return self.sheet.rows()

    def summary(self) -> dict[str, dict[str, int]]:
        """For each compared pair, how often each side was chosen (rows that name no pair are left out)."""
        return {pair: dict(score["counts"]) for pair, score in self.sheet.score().items()}

    def widget(self):
        """The lab as ipywidgets: choose a clip and hear every stage; blind A/B; live transfer sliders.

        Notebook: notebooks/06_listening.ipynb
        """
        return build_widget(self)


def _chooser(lab: "ListeningLab"):
    """Genre, song and clip drop-downs, and the "every stage" tab that shows the chosen clip."""
    import ipywidgets as w

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
        if clip.value is None:
            return
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


def _ab_tab(lab: "ListeningLab", clip):
    """The "blind A/B" tab: two sounds of the chosen clip in random order, an answer button each."""
    import ipywidgets as w
    from IPython.display import HTML, display

    pairs = {"original / control": ("original", "Griffin-Lim control"),
             "control / transfer": ("Griffin-Lim control", f"transfer towards {lab.style_genre}"),
             "transfer / modulation transfer": (f"transfer towards {lab.style_genre}",
                                                f"modulation transfer towards {lab.style_genre}")}
    pair = w.Dropdown(options=list(pairs), description="compare")
    new = w.Button(description="new pair")
    pick_a, pick_b = w.Button(description="A"), w.Button(description="B")
    ab_out, summary_out = w.Output(), w.Output()
    state: dict[str, Any] = {}

    def new_pair(*_):
        state["trial"] = lab.new_trial(clip.value, pairs[pair.value])
        ab_out.clear_output(wait=True)
        with ab_out:
            t = state["trial"]
            display(HTML(audio_html(t["audio_a"], lab.settings.sample_rate, "A")
                         + audio_html(t["audio_b"], lab.settings.sample_rate, "B")))

    def choose(choice):
        def handler(*_):
            if "trial" not in state:
                return
            lab.answer(state.pop("trial"), choice)
            summary_out.clear_output(wait=True)
            with summary_out:
                print(f"kept in {lab.answers_csv}")
                for compared, score in lab.sheet.score().items():
                    counts = ", ".join(f"{k} {v}" for k, v in score["counts"].items())
                    print(f"{compared}: {counts} (p = {score['p_value']:.3f})")
        return handler

    new.on_click(new_pair)
    pick_a.on_click(choose("A"))
    pick_b.on_click(choose("B"))
    return w.VBox([w.HBox([pair, new]), ab_out, w.HBox([pick_a, pick_b]), summary_out])


def _live_tab(lab: "ListeningLab", clip):
    """The "live transfer" tab: alpha, beta and iterations sliders and a button that runs a short transfer."""
    import ipywidgets as w

    alpha = w.FloatLogSlider(value=50, base=10, min=-2, max=4, description="alpha")
    beta = w.FloatLogSlider(value=500, base=10, min=0, max=5, description="beta")
    steps = w.IntSlider(value=lab.transfer_iterations, min=1, max=300, description="iterations")
    run = w.Button(description="run transfer")
    live = w.Output()

    def run_transfer(*_):
        live.clear_output(wait=True)
        with live:
            print("running ...")
            stored, audio = lab.transfer(clip.value, alpha.value, beta.value, steps.value)
            live.clear_output(wait=True)
            lab.show({f"alpha {alpha.value:g}, beta {beta.value:g}, {steps.value} steps": (stored, audio)})

    run.on_click(run_transfer)
    return w.VBox([alpha, beta, steps, run, live])


def build_widget(lab: "ListeningLab"):
    """The listening lab as core ipywidgets: a clip chooser over three tabs (every stage, blind A/B, live transfer).

    Notebook: notebooks/06_listening.ipynb
    """
    import ipywidgets as w

    choose, clip, stages = _chooser(lab)
    tabs = w.Tab(children=[stages, _ab_tab(lab, clip), _live_tab(lab, clip)])
    for i, title in enumerate(("every stage", "blind A/B", "live transfer")):
        tabs.set_title(i, title)
    return w.VBox([choose, tabs])
