"""The listening lab of notebook 06: every stage of a clip, a blind A/B test, live transfer.

:class:`ListeningLab` holds the logic (tested without a browser); :meth:`ListeningLab.widget`
puts it behind ipywidgets controls.

Notebook: notebooks/06_listening.ipynb
"""

from __future__ import annotations

import csv
import io
import time
from pathlib import Path
from typing import Any

import numpy as np

from .audio import AudioError, atomic_path, load_audio
from .dataset import PreparedDataset
from .spectrogram import audio_to_stored, stored_to_audio

__all__ = ["ANSWER_COLUMNS", "ListeningLab", "enable_widgets"]

ANSWER_COLUMNS = ("time", "clip", "genre", "question", "a", "b", "choice", "chosen")


def enable_widgets() -> bool:
    """Turn on Colab's widget manager (elsewhere widgets work as they are); returns whether on Colab.

    Notebook: notebooks/06_listening.ipynb
    """
    import sys

    if "google.colab" not in sys.modules:
        return False
    from google.colab import output  # type: ignore[import-not-found]

    output.enable_custom_widget_manager()
    return True


class ListeningLab:
    """Sounds of every stage for any clip of a prepared dataset, and a blind A/B test.

    Args:
        data: A prepared dataset.
        classifier_run: A Lil Data run (its net drives the transfer), or ``None``
            for the random 1-D net.
        generator_run: An autoregressive generator run (seeded by the clip), or ``None``.
        answers_csv: Where A/B answers are kept.
        style_genre: The genre of the transfer's style clip.
        transfer_iterations: Steps of the live transfer (small: it runs while you wait).
        seed: Seed of the A/B order and the sampling.

    Notebook: notebooks/06_listening.ipynb
    """

    def __init__(self, data: PreparedDataset, classifier_run=None, generator_run=None,
                 answers_csv: str | Path = "listening_answers.csv", style_genre: str = "future_bass",
                 transfer_iterations: int = 30, seed: int = 0):
        self.data = data
        self.settings = data.settings
        self.classifier_run, self.generator_run = classifier_run, generator_run
        self.answers_csv = Path(answers_csv)
        self.style_genre = style_genre if style_genre in data.labels else data.labels[-1]
        self.transfer_iterations = transfer_iterations
        self.rng = np.random.default_rng(seed)
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
        info = self.data.clips[clip]
        stored = self.data.spectrogram(clip)
        try:
            audio = load_audio(Path(self.data.config.get("raw_dir", "")) / info.song, self.settings.sample_rate,
                               info.start_s, self.settings.clip_seconds)[: self.settings.clip_samples]
        except AudioError:
            audio = stored_to_audio(stored, self.settings)
        return stored, audio

    def style_clip(self) -> int:
        """The clip whose style the transfer takes: the middle test clip of ``style_genre``."""
        clips = self.data.select("test", [self.style_genre]) or self.data.select(None, [self.style_genre])
        return clips[len(clips) // 2].clip

    def transfer(self, clip: int, alpha: float | None = None, beta: float | None = None,
                 iterations: int | None = None) -> tuple[np.ndarray, np.ndarray]:
        """``(stored, audio)`` of a short genre transfer of a clip towards ``style_genre``."""
        from .transfer import StyleTransfer, feature_extractor, transfer_settings

        net = "lildata" if self.classifier_run else "random1d"
        settings = transfer_settings(net, iterations=iterations or self.transfer_iterations, alpha=alpha, beta=beta,
                                     **({"filters": 1024} if net == "random1d" else {}))
        if net == "lildata" and self._classifier is None:
            from .training import load_run

            self._classifier = load_run(self.classifier_run)[0]
        extractor = feature_extractor(settings, self.settings.shape, self._classifier)
        run = StyleTransfer(extractor, settings, self.data.spectrogram(clip), self.data.spectrogram(self.style_clip()))
        audio = stored_to_audio(run.run(), self.settings)
        return audio_to_stored(audio, self.settings), audio

    def generated(self, clip: int) -> tuple[np.ndarray, np.ndarray] | None:
        """``(stored, audio)`` generated by the autoregressive model from the clip's first frames."""
        if self.generator_run is None:
            return None
        from .generate import generate, load_generator

        if self._generator is None:
            self._generator = load_generator(self.generator_run)[0]
        frames = np.asarray(self.data.spectrogram(clip), np.float32).T
        k = self._generator.settings.seed_frames
        stored = generate(self._generator, frames[:k], frames.shape[0], np.random.default_rng(clip))
        return stored, stored_to_audio(stored, self.settings)

    def sounds(self, clip: int) -> dict[str, tuple[np.ndarray, np.ndarray]]:
        """Every stage of a clip: ``{name: (stored, audio)}`` for original, control, transfer and generated."""
        if ("sounds", clip) not in self._cache:
            stored, audio = self.original(clip)
            control = stored_to_audio(stored, self.settings)
            out = {"original": (stored, audio), "Griffin-Lim control": (audio_to_stored(control, self.settings), control),
                   f"transfer towards {self.style_genre}": self.transfer(clip)}
            made = self.generated(clip)
            if made is not None:
                out["generated from its first frames"] = made
            self._cache[("sounds", clip)] = out
        return self._cache[("sounds", clip)]

    # the blind A/B test
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
        """Keep an answer (``"A"`` or ``"B"``) in the CSV, with what was compared.

        The file is rewritten whole to a temporary name and renamed, so an
        interrupted write never loses earlier answers.
        """
        if choice not in ("A", "B"):
            raise ValueError(f"choose 'A' or 'B', not {choice!r}")
        row = {"time": time.strftime("%Y-%m-%dT%H:%M:%S"), "clip": str(trial["clip"]), "genre": trial["genre"],
               "question": trial["question"], "a": trial["a"], "b": trial["b"], "choice": choice,
               "chosen": trial["a"] if choice == "A" else trial["b"]}
        rows = self.answers() + [row]
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=ANSWER_COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
        with atomic_path(self.answers_csv) as tmp:
            tmp.write_text(buffer.getvalue(), encoding="utf-8")
        return row

    def answers(self) -> list[dict[str, str]]:
        """The answers kept so far."""
        if not self.answers_csv.exists():
            return []
        with open(self.answers_csv, newline="", encoding="utf-8") as handle:
            return list(csv.DictReader(handle))

    def summary(self) -> dict[str, dict[str, int]]:
        """For each compared pair, how often each side was chosen."""
        out: dict[str, dict[str, int]] = {}
        for row in self.answers():
            pair = " vs ".join(sorted((row["a"], row["b"])))
            counts = out.setdefault(pair, {name: 0 for name in sorted((row["a"], row["b"]))})
            counts[row["chosen"]] = counts.get(row["chosen"], 0) + 1
        return out

    # the widgets
    def widget(self):
        """The lab as ipywidgets: choose a clip and hear every stage; blind A/B; live transfer sliders.

        Notebook: notebooks/06_listening.ipynb
        """
        import ipywidgets as w
        from IPython.display import HTML, display

        from .listen import audio_html

        genre = w.Dropdown(options=self.data.labels, description="genre")
        song = w.Dropdown(description="song", layout=w.Layout(width="420px"))
        clip = w.Dropdown(description="clip")
        stages = w.Output()

        def fill_songs(*_):
            song.options = self.songs(genre.value)
            song.value = song.options[0] if song.options else None

        def fill_clips(*_):
            clip.options = [(f"{self.data.clips[c].start_s:g} s", c) for c in self.clips(song.value)] if song.value else []
            clip.value = clip.options[0][1] if clip.options else None

        def show_stages(*_):
            if clip.value is None:
                return
            stages.clear_output(wait=True)
            with stages:
                self.show(self.sounds(clip.value))

        genre.observe(fill_songs, "value")
        song.observe(fill_clips, "value")
        fill_songs()
        clip.observe(show_stages, "value")  # after the first fill: nothing is computed until you choose
        with stages:
            print("choose a genre, a song and a clip")

        # blind A/B
        pairs = {"original / control": ("original", "Griffin-Lim control"),
                 "control / transfer": ("Griffin-Lim control", f"transfer towards {self.style_genre}")}
        pair = w.Dropdown(options=list(pairs), description="compare")
        new = w.Button(description="new pair")
        pick_a, pick_b = w.Button(description="A"), w.Button(description="B")
        ab_out, summary_out = w.Output(), w.Output()
        state: dict[str, Any] = {}

        def new_pair(*_):
            state["trial"] = self.new_trial(clip.value, pairs[pair.value])
            ab_out.clear_output(wait=True)
            with ab_out:
                t = state["trial"]
                display(HTML(audio_html(t["audio_a"], self.settings.sample_rate, "A")
                             + audio_html(t["audio_b"], self.settings.sample_rate, "B")))

        def choose(choice):
            def handler(*_):
                if "trial" not in state:
                    return
                self.answer(state.pop("trial"), choice)
                summary_out.clear_output(wait=True)
                with summary_out:
                    print(f"kept in {self.answers_csv}")
                    for compared, counts in self.summary().items():
                        print(f"{compared}: " + ", ".join(f"{k} {v}" for k, v in counts.items()))
            return handler

        new.on_click(new_pair)
        pick_a.on_click(choose("A"))
        pick_b.on_click(choose("B"))

        # live transfer
        alpha = w.FloatLogSlider(value=50, base=10, min=-2, max=4, description="alpha")
        beta = w.FloatLogSlider(value=500, base=10, min=0, max=5, description="beta")
        steps = w.IntSlider(value=self.transfer_iterations, min=1, max=300, description="iterations")
        run = w.Button(description="run transfer")
        live = w.Output()

        def run_transfer(*_):
            live.clear_output(wait=True)
            with live:
                print("running ...")
                stored, audio = self.transfer(clip.value, alpha.value, beta.value, steps.value)
                live.clear_output(wait=True)
                self.show({f"alpha {alpha.value:g}, beta {beta.value:g}, {steps.value} steps": (stored, audio)})

        run.on_click(run_transfer)
        tabs = w.Tab(children=[w.VBox([stages]),
                               w.VBox([w.HBox([pair, new]), ab_out, w.HBox([pick_a, pick_b]), summary_out]),
                               w.VBox([alpha, beta, steps, run, live])])
        for i, title in enumerate(("every stage", "blind A/B", "live transfer")):
            tabs.set_title(i, title)
        return w.VBox([w.HBox([genre, song, clip]), tabs])

    def show(self, sounds: dict[str, tuple[np.ndarray, np.ndarray]]) -> None:
        """Spectrograms side by side and a labelled player for each sound."""
        import matplotlib.pyplot as plt

        from .listen import show_players
        from .plots import plot_spectrograms

        plot_spectrograms({k: v[0] for k, v in sounds.items()}, self.settings)
        plt.show()
        show_players({k: v[1] for k, v in sounds.items()}, self.settings.sample_rate)
