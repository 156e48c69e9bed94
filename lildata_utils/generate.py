"""Generating spectrograms with LSTMs: the paper's one-to-many model, and an autoregressive one.

* ``paper``: one frame in, a whole clip out (one-to-many): the first frame is
  repeated over time into 2 to 4 LSTM layers of 50 units, and a dense layer
  writes each next frame. Trained with mean squared error, it can only learn
  the average continuation of a first frame: its frames are over-smoothed.
* ``autoregressive``: a next-frame LSTM. Trained with teacher forcing (the true
  previous frames in, the next frame out), with Gaussian noise on its inputs so
  that it learns to continue from imperfect frames, as it must when it feeds on
  its own output. Over-smoothing is fixed with **quantised bins**: each bin's
  level is one of ``levels`` steps and the network outputs a softmax over them
  per bin; generating *samples* a level instead of averaging them, so the
  frames keep the spread of real ones (the idea of WaveNet's and PixelRNN's
  softmax outputs). One random quantile is drawn per frame and every bin takes
  that quantile of its own distribution, so a frame rises or falls as a whole
  (a drum hit, a chord) instead of dissolving into independent grain.
* ``beat``: the autoregressive model that keeps time. It also reads the phase
  of the frame to write on the seed clip's beat grid (librosa's beat tracker).
  It samples nearer the median (``spread``) and trains with 4 clips a batch.
  ``hold=True`` adds a path that holds each bin's level (tried, and off: the
  clips hold too much).

Notebook: notebooks/05_lstm_generation.ipynb
"""

from __future__ import annotations

import json
import math
import time
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from .dataset import PreparedDataset
from .errors import LildataError, RunError
from .files import FolderLock, claim_folder, clean_stale_temporaries, read_json, save_figure, save_keras, write_json

__all__ = ["GENERATOR_MODELS", "GENERATOR_PRESETS", "Generator", "GeneratorSettings", "beat_grid", "build_generator",
           "ensure_generator", "fake_clips", "frame_stats", "frame_step", "generate", "generate_sound",
           "generator_preset", "held_out_clips", "initial_state", "load_generator", "measure", "music_measures",
           "train_generator"]

GENERATOR_MODELS = ("paper", "autoregressive", "beat")
GENERATOR_KIND = "lildata-generator-run"
"""The mark in a generator run's ``config.json`` that says ``train-generator`` made this folder."""


@dataclass(frozen=True)
class GeneratorSettings:
    """How a generator is built and trained.

    Attributes:
        model: ``paper``, ``autoregressive`` or ``beat``.
        label: The genre to learn (the paper: lo-fi).
        layers: LSTM layers (the paper: 2 to 4).
        units: Units per LSTM layer (the paper: 50).
        epochs: Training epochs.
        batch_size: Clips per batch.
        learning_rate: Adam's rate.
        overfit: Train on only this many clips (the paper's 2-example run), 0 for all.
        levels: Quantisation levels per bin (autoregressive).
        input_noise: Standard deviation of the noise on teacher-forced inputs.
        seed_frames: Real frames that start a generation (autoregressive).
        temperature: Sampling temperature (1: as learnt; lower: safer, smoother; 0.7 gave a
            variance ratio of 0.9 on the classroom preset).
        hold: The beat model's path that holds each bin's previous level (off by default).
        spread: How far from the median the shared quantile of a frame is drawn (1: uniformly, as the
            autoregressive model; 0: each bin's median).
        max_clips: Most training clips, 0 for all; only those are read into memory (the paper
            preset: the paper's 600 lo-fi clips, 0.95 GB at 631 x 631).
        seed: Seed of weights and sampling.
    """

    model: str = "autoregressive"
    label: str = "lofi"
    layers: int = 2
    units: int = 256
    epochs: int = 30
    batch_size: int = 16
    learning_rate: float = 2e-3
    overfit: int = 0
    levels: int = 16
    input_noise: float = 0.05
    seed_frames: int = 16
    temperature: float = 0.7
    spread: float = 1.0
    hold: bool = False
    max_clips: int = 0
    seed: int = 0

    def __post_init__(self) -> None:
        from .limits import bounded, bounded_int

        if self.model not in GENERATOR_MODELS:
            raise ValueError(f"unknown generator {self.model!r}: choose one of {', '.join(GENERATOR_MODELS)}")
        for name, flag in (("layers", "--layers"), ("units", "--units"), ("epochs", "--epochs"),
                           ("batch_size", "batch_size"), ("levels", "levels"), ("overfit", "--overfit"),
                           ("seed", "--seed")):
            bounded_int(name, getattr(self, name), flag)
        for name in ("seed_frames", "max_clips"):
            bounded_int(name, getattr(self, name))
        for name in ("learning_rate", "temperature", "input_noise", "spread"):
            bounded(name, getattr(self, name))


_BEAT = GeneratorSettings(model="beat", units=128, epochs=40, batch_size=4, spread=0.5)
GENERATOR_PRESETS = {
    "paper": {"paper": GeneratorSettings(model="paper", units=50, layers=2, epochs=50, learning_rate=1e-3,
                                         max_clips=600),
              "autoregressive": GeneratorSettings(epochs=30, max_clips=600),
              "beat": replace(_BEAT, epochs=20, max_clips=600)},
    "classroom": {"paper": GeneratorSettings(model="paper", units=50, layers=2, epochs=50, learning_rate=1e-3),
                  "autoregressive": GeneratorSettings(epochs=20),
                  "beat": _BEAT},
    "tiny": {"paper": GeneratorSettings(model="paper", units=50, layers=2, epochs=3, learning_rate=1e-3),
             "autoregressive": GeneratorSettings(units=32, epochs=3, seed_frames=4),
             "beat": replace(_BEAT, units=32, epochs=3, seed_frames=4)},
}
"""Settings per spectrogram preset and model (the paper: 50 units, 2 to 4 layers, 25 and 50 epochs)."""


def generator_preset(preset: str, model: str, **changes) -> GeneratorSettings:
    """The settings of a model at a preset, with changes (``None`` values are ignored).

    Notebook: notebooks/05_lstm_generation.ipynb
    """
    if model not in GENERATOR_MODELS:
        raise ValueError(f"unknown generator {model!r}: choose one of {', '.join(GENERATOR_MODELS)}")
    return replace(GENERATOR_PRESETS[preset][model], **{k: v for k, v in changes.items() if v is not None})


@dataclass
class Generator:
    """A trained generator: its Keras model, its settings and the spectrogram shape it writes.

    Attributes:
        keras_model: The model (notebook 05's ``paper_lstm`` or ``autoregressive_lstm``).
        settings: How it was built and trained.
        n_bins: Frequency bins of a frame.
        n_frames: Frames of one clip.
    """

    keras_model: Any
    settings: GeneratorSettings
    n_bins: int
    n_frames: int


def build_generator(settings: GeneratorSettings, n_bins: int, n_frames: int):
    """The compiled Keras model of a generator, as notebook 05 writes it.

    ``paper``: ``(batch, n_bins)`` first frames -> ``(batch, n_frames - 1, n_bins)`` frames in [0, 1].
    ``autoregressive``: ``(batch, time, n_bins)`` frames -> ``(batch, time, n_bins, levels)``
    probabilities of the next frame's levels. ``beat``: the same, with a second input, the
    ``(batch, time, 8)`` beat phase of the frames to write.

    Notebook: notebooks/05_lstm_generation.ipynb
    """
    import keras

    from .lessons import generators as lesson

    keras.utils.set_random_seed(settings.seed)
    if settings.model == "paper":
        model = lesson.paper_lstm(n_bins, n_frames, settings.layers, settings.units)
    elif settings.model == "autoregressive":
        model = lesson.autoregressive_lstm(n_bins, settings.levels, settings.layers, settings.units, settings.input_noise)
    elif settings.model == "beat":
        model = lesson.beat_lstm(n_bins, 2 * len(lesson.BEAT_SCALES), settings.levels, settings.layers, settings.units,
                                 settings.input_noise, settings.hold)
    else:
        raise ValueError(f"unknown generator {settings.model!r}")
    return lesson.compile_generator(model, settings.model, settings.learning_rate)


def quantise(frames: np.ndarray, levels: int) -> np.ndarray:
    """Stored values in [0, 1] to level indices ``0 .. levels - 1`` (notebook 05's)."""
    from .lessons.generators import quantise as lesson

    return lesson(frames, levels)


def level_values(levels: int) -> np.ndarray:
    """The stored value of each level, the middle of its step (notebook 05's)."""
    from .lessons.generators import level_values as lesson

    return lesson(levels)


def _clips_of(data: PreparedDataset, label: str, splits: tuple[str, ...], limit: int = 0) -> np.ndarray:
    """The stored clips of a label in some splits, at most ``limit`` of them (0: all): only those are read."""
    clips = [c for c in data.clips if c.label == label and c.split in splits]
    if not clips:
        raise ValueError(f"no {label!r} clips in the {'/'.join(splits)} split of {data.path} "
                         f"(labels: {', '.join(data.labels)})")
    return np.stack([data.spectrogram(c.clip) for c in clips[:limit or None]]).astype(np.float32)


def _frames(stored: np.ndarray) -> np.ndarray:
    """``(clips, bins, frames)`` -> ``(clips, frames, bins)`` (time first, as LSTMs read)."""
    return np.ascontiguousarray(np.swapaxes(stored, 1, 2))


def beat_grid(stored: np.ndarray, settings) -> tuple[float, float]:
    """The beat grid of a stored clip ``(bins, frames)``: (frame of one beat, frames per beat) (notebook 05's).

    Notebook: notebooks/05_lstm_generation.ipynb
    """
    from .lessons.generators import beat_grid as lesson
    from .spectrogram import stored_to_db

    return lesson(stored_to_db(np.asarray(stored, np.float32), settings), settings.sample_rate, settings.hop_length)


def _phases(clips: np.ndarray, settings) -> np.ndarray:
    """The beat phase of every frame of clips ``(clips, frames, bins)``, each on its own grid."""
    from .lessons.generators import beat_phase

    return np.stack([beat_phase(len(frames), beat_grid(frames.T, settings)) for frames in clips])


def train_generator(data_dir: str | Path, run_dir: str | Path, settings: GeneratorSettings,
                    verbose: int = 2) -> dict[str, Any]:
    """Train a generator on one genre's training clips; measure it on held-out clips.

    Writes ``model.keras``, ``config.json``, ``history.json`` and ``metrics.json``
    (see :func:`measure`) into ``run_dir``.

    Returns:
        The metrics.

    Notebook: notebooks/05_lstm_generation.ipynb
    """
    run_dir = Path(run_dir)
    data = PreparedDataset(data_dir)
    old = open_generator_folder(run_dir)
    if old is not None and generator_finished(run_dir):
        raise RunError(f"{run_dir}: already holds a finished generator; choose a new folder")
    if old is not None and old.get("generator") != _plain(asdict(settings)):
        raise RunError(f"{run_dir}: holds an unfinished generator with other settings; choose a new folder")
    with FolderLock(run_dir, f"`lildata train-generator {data_dir}`"):
        clean_stale_temporaries(run_dir)
        if old is not None:
            print(f"{run_dir}: its earlier training did not finish; training again", flush=True)
        write_json(run_dir / "config.json", {"kind": GENERATOR_KIND, "generator": asdict(settings), "finished": False})
        return _train_generator(data, run_dir, settings, verbose)


def _plain(value):
    """A value as JSON gives it back (tuples as lists), to compare settings with a saved config."""
    return json.loads(json.dumps(value))


def open_generator_folder(run_dir: str | Path) -> dict[str, Any] | None:
    """The ``config.json`` of a generator run folder, or ``None`` for a new or empty folder.

    Raises:
        RunError: A file, or a folder that holds anything but a generator run (never touched).

    Notebook: notebooks/05_lstm_generation.ipynb
    """
    run_dir = Path(run_dir)
    if run_dir.exists() and not run_dir.is_dir():
        raise RunError(f"{run_dir}: is a file, not a run folder")
    if not run_dir.is_dir() or not any(p for p in run_dir.iterdir() if not p.name.startswith(".lildata")):
        return None
    try:
        config = read_json(run_dir / "config.json", "the generator's settings")
    except LildataError:
        config = None
    if not isinstance(config, dict) or config.get("kind") != GENERATOR_KIND or "generator" not in config:
        raise RunError(f"{run_dir}: not an empty folder, and not a generator run (it may hold other runs or your "
                       "files); choose a new folder")
    return config


def generator_finished(run_dir: str | Path) -> bool:
    """Whether ``run_dir`` holds a finished generator run (its model, settings and metrics).

    Notebook: notebooks/05_lstm_generation.ipynb
    """
    run_dir = Path(run_dir)
    try:
        config = open_generator_folder(run_dir)
    except RunError:
        return False
    return config is not None and config.get("finished", True) and (run_dir / "metrics.json").exists() \
        and (run_dir / "model.keras").exists()


def _train_generator(data: PreparedDataset, run_dir: Path, settings: GeneratorSettings, verbose: int) -> dict[str, Any]:
    data_dir = data.path
    train = _frames(_clips_of(data, settings.label, ("train",), settings.overfit or settings.max_clips))
    held_out = _frames(_clips_of(data, settings.label, ("val", "test")))
    n_frames, n_bins = train.shape[1:]
    model = build_generator(settings, n_bins, n_frames)
    if settings.model == "paper":
        x, y = train[:, 0], train[:, 1:]
        validation = (held_out[:, 0], held_out[:, 1:])
    elif settings.model == "beat":  # the previous frame and the phase of the frame to write
        phase, held_phase = _phases(train, data.settings), _phases(held_out, data.settings)
        x, y = [train[:, :-1], phase[:, 1:]], quantise(train[:, 1:], settings.levels)
        validation = ([held_out[:, :-1], held_phase[:, 1:]], quantise(held_out[:, 1:], settings.levels))
    else:
        x, y = train[:, :-1], quantise(train[:, 1:], settings.levels)
        validation = (held_out[:, :-1], quantise(held_out[:, 1:], settings.levels))
    start = time.perf_counter()
    # one line per epoch, or one in ten epochs for a long run
    every = max(1, settings.epochs // 10) if settings.epochs > 30 else 1
    fit = model.fit(x, y, validation_data=None if settings.overfit else validation, epochs=settings.epochs,
                    batch_size=settings.batch_size, verbose=0 if verbose == 2 else verbose, shuffle=True,
                    callbacks=[_every_nth_epoch(every, settings.epochs)] if verbose == 2 else [])
    seconds = time.perf_counter() - start
    save_keras(model, run_dir / "model.keras")
    config = {"kind": GENERATOR_KIND, "data_dir": str(Path(data_dir).resolve()),
              "data_fingerprint": data.fingerprint(), "data_settings": data.settings.to_dict(),
              "generator": asdict(settings), "n_train": int(len(train)), "n_held_out": int(len(held_out)),
              "parameters": int(model.count_params()), "seconds": round(seconds, 1), "finished": True}
    history = {"epoch": list(range(1, len(fit.history["loss"]) + 1)),
               **{k: [float(v) for v in values] for k, values in fit.history.items()}}
    write_json(run_dir / "history.json", history)
    generator = Generator(model, settings, n_bins, n_frames)
    reference = train if settings.overfit else held_out
    metrics = {**measure(generator, reference, data.settings), "model": settings.model,
               "measured_on": "training clips (overfit run)" if settings.overfit else "held-out clips",
               "n_train": int(len(train)), "epochs": settings.epochs, "seconds": round(seconds, 1)}
    write_json(run_dir / "metrics.json", metrics)
    write_json(run_dir / "config.json", config)  # last: its "finished" says everything above is there
    return metrics


def _every_nth_epoch(every: int, epochs: int):
    """A callback that prints one line every ``every`` epochs (and the last)."""
    import keras

    def report(epoch, logs):
        if (epoch + 1) % every == 0 or epoch + 1 == epochs:
            print(f"epoch {epoch + 1}/{epochs}: " + ", ".join(f"{k} {v:.4f}" for k, v in (logs or {}).items()))

    return keras.callbacks.LambdaCallback(on_epoch_end=report)


def load_generator(run_dir: str | Path) -> tuple[Generator, dict[str, Any]]:
    """A trained generator and its ``config.json``.

    Notebook: notebooks/05_lstm_generation.ipynb
    """
    from .config import settings_from_dict
    from .files import load_keras

    run_dir = Path(run_dir)
    if not run_dir.is_dir():
        raise RunError(f"{run_dir}: no such generator run folder; train one with `lildata train-generator`")
    if open_generator_folder(run_dir) is not None and not generator_finished(run_dir):
        raise RunError(f"{run_dir}: its training did not finish; run `lildata train-generator` into it again")
    try:
        config = read_json(run_dir / "config.json", "the generator's settings")
        settings = GeneratorSettings(**config["generator"])
        shape = settings_from_dict(config["data_settings"]).shape
    except LildataError as error:
        raise RunError(str(error)) from None
    except (KeyError, TypeError, ValueError, ZeroDivisionError):
        raise RunError(f"{run_dir / 'config.json'}: not the settings of a generator run") from None
    model = load_keras(run_dir / "model.keras")
    return Generator(model, settings, shape[0], shape[1]), config


def _step_function(generator: Generator):
    """A compiled one-frame step of the autoregressive models: (x, states) -> (scores, states), where x is the
    frame (``beat``: the frame, then the phase of the frame to write)."""
    import tensorflow as tf

    model = generator.keras_model
    project = model.get_layer("project")
    cells = [model.get_layer(f"lstm{i + 1}").cell for i in range(generator.settings.layers)]
    head = model.get_layer("levels")
    levels, n_bins = generator.settings.levels, generator.n_bins
    names = {layer.name for layer in model.layers}
    stay = (model.get_layer("previous_level"), model.get_layer("stay")) if "stay" in names else None

    @tf.function(reduce_retracing=True, autograph=False)  # plain Python: nothing for autograph to convert
    def step(x, states):
        frame = x[:, :n_bins]
        x = project(x)
        new_states = []
        for cell, state in zip(cells, states):
            x, state = cell(x, state)
            new_states.append(state)
        logits = tf.reshape(head(x), (-1, n_bins, levels))
        if stay is not None:  # the path that holds each bin's level (beat model, hold=True)
            logits = logits + stay[1](stay[0](frame))
        return logits, new_states

    return step


def frame_step(generator: Generator):
    """The ``step(x, state) -> (scores, state)`` that notebook 05's ``generate_frames`` calls: one frame (for
    ``beat``, the frame and the next phase) through the trained LSTMs (their cells taken out of the model,
    compiled), scores as numpy.

    Notebook: notebooks/05_lstm_generation.ipynb
    """
    import tensorflow as tf

    step = _step_function(generator)

    def numpy_step(frame, state):
        logits, state = step(tf.constant(np.asarray(frame, np.float32)[None]), state)
        return logits.numpy()[0], state

    return numpy_step


def initial_state(generator: Generator) -> list:
    """Zero states for every LSTM layer, where generation starts.

    Notebook: notebooks/05_lstm_generation.ipynb
    """
    import tensorflow as tf

    units = generator.settings.units
    return [[tf.zeros((1, units)), tf.zeros((1, units))] for _ in range(generator.settings.layers)]


def generate(generator: Generator, seed: np.ndarray, n_frames: int, rng: np.random.Generator | None = None,
             temperature: float | None = None, teacher: np.ndarray | None = None,
             shared_quantile: bool = True, grid: tuple[float, float] | None = None) -> np.ndarray:
    """Generate frames (notebook 05's ``generate_frames``; for the paper's model, its one-to-many call).

    Args:
        generator: From :func:`load_generator` (or :func:`train_generator`'s run).
        seed: Real frames to start from, ``(k, n_bins)`` (the paper's model uses the first).
        n_frames: Frames to return, seed included.
        rng: Random generator for sampling levels.
        temperature: Sampling temperature (``None``: the settings').
        teacher: With the autoregressive model, true frames ``(n_frames, n_bins)``
            to feed instead of its own output (teacher forcing); the returned
            frames are then the expected next frames.
        shared_quantile: One random quantile per frame for all bins (``False``:
            each bin draws its own, which turns frames into grain).
        grid: The ``beat`` model's beat grid (:func:`beat_grid` of the seed clip),
            continued for as long as asked; ``None``: the seed frames' own.

    Returns:
        ``(n_bins, n_frames)`` stored spectrogram in [0, 1].

    Notebook: notebooks/05_lstm_generation.ipynb
    """
    from .lessons.generators import generate_frames

    settings = generator.settings
    rng = rng or np.random.default_rng(settings.seed)
    seed = np.atleast_2d(np.asarray(seed, np.float32))
    if settings.model == "paper":
        frames = [seed[0]]
        while len(frames) < n_frames:  # one clip per call; a longer sound continues from the last frame
            out = np.asarray(generator.keras_model(frames[-1][None], training=False))[0]
            frames.extend(out)
        return np.stack(frames[:n_frames]).T.copy()
    temperature = settings.temperature if temperature is None else temperature
    step = frame_step(generator)
    phase = None
    if settings.model == "beat":
        from .lessons.generators import beat_phase

        if grid is None:
            raise ValueError("the beat model needs the seed clip's beat grid (generate.beat_grid)")
        phase = beat_phase(n_frames, grid)
    if teacher is None:
        return generate_frames(step, initial_state(generator), seed, n_frames, rng, temperature,
                               shared_quantile, settings.spread, phase).copy()
    values = level_values(settings.levels)
    frames, state = [seed[0]], initial_state(generator)
    for t in range(n_frames - 1):  # teacher forcing: the true frames in, the expected next frames out
        x = teacher[t] if phase is None else np.concatenate([teacher[t], phase[t + 1]])
        logits, state = step(x, state)
        scaled = logits / max(temperature, 1e-6)
        probs = np.exp(scaled - scaled.max(axis=1, keepdims=True))
        frames.append((probs / probs.sum(axis=1, keepdims=True)) @ values)
    return np.stack(frames[:n_frames]).T.copy()


def frame_stats(stored: np.ndarray) -> np.ndarray:
    """Per-bin variance over time of stored spectrograms ``(..., bins, frames)``, averaged over clips."""
    stored = np.asarray(stored, np.float32)
    return stored.var(axis=-1).reshape(-1, stored.shape[-2]).mean(axis=0)


def measure(generator: Generator, clips: np.ndarray, settings, n_clips: int = 16,
            judge=None, label: str | None = None) -> dict[str, Any]:
    """Quality of a generator against real clips ``(clips, frames, bins)``.

    Returns:
        ``frame_error_teacher_db`` (RMS dB error of the next frame given the true
        previous ones; for the paper's model, which reads no frames after the
        first, the same as free running), ``frame_error_free_db`` (generated from
        the clip's seed frames against the clip's true continuation),
        ``variance_ratio`` (per-bin variance over time of generated frames over
        that of real frames: about 1 is good, much below 1 is over-smoothed),
        ``log_spectral_distance_db`` (generated clip to its real clip),
        ``modulation_distance`` and ``modulation_floor`` (how the bands' envelopes
        move, generated against real, and real against real: see
        :mod:`~lildata_utils.measures`), ``tempo_in_range`` and ``beat_strength``
        (the beat tracker on the generated audio, for a genre with a tempo
        range), and with a ``judge`` the mean probability of ``label`` and the
        Fréchet distance of the judge's embeddings with its real-against-real floor
        (the generated clips, and the real clips that seeded them, each against
        the other real clips, where there are at least 2 of those).

    Notebook: notebooks/05_lstm_generation.ipynb
    """
    span = settings.ceiling_db - settings.floor_db
    rng = np.random.default_rng(generator.settings.seed)
    chosen = clips[:n_clips]
    k = 1 if generator.settings.model == "paper" else generator.settings.seed_frames
    from .spectrogram import log_spectral_distance

    free, teacher, generated, distance = [], [], [], []
    for frames in chosen:
        real = frames.T
        grid = beat_grid(frames.T, settings) if generator.settings.model == "beat" else None
        made = generate(generator, frames[:k], len(frames), rng, grid=grid)
        generated.append(made)
        distance.append(log_spectral_distance(made, real, settings))
        free.append(np.sqrt(np.mean((made[:, k:] - real[:, k:]) ** 2)) * span)
        if generator.settings.model == "paper":
            teacher.append(free[-1])
        else:
            expected = generate(generator, frames[:1], len(frames), rng, teacher=frames, grid=grid)
            teacher.append(np.sqrt(np.mean((expected[:, 1:] - real[:, 1:]) ** 2)) * span)
    generated = np.stack(generated)
    real = np.swapaxes(chosen, 1, 2)
    continuation = (slice(None), slice(None), slice(k, None))
    metrics = {
        "frame_error_teacher_db": float(np.mean(teacher)),
        "frame_error_free_db": float(np.mean(free)),
        "variance_ratio": float(frame_stats(generated[continuation]).mean() / frame_stats(real[continuation]).mean()),
        "log_spectral_distance_db": float(np.mean(distance)),
        "n_clips": int(len(chosen)),
    }
    metrics.update(music_measures(generated, real, np.swapaxes(clips, 1, 2), settings,
                                   label or generator.settings.label, judge))
    label = label or generator.settings.label
    if judge is not None and label in judge[1]["labels"]:
        from .training import judge_clips

        metrics["judge_probability"] = float(np.mean(judge_clips(judge, generated, label)["probability"]))
        metrics["judged_label"] = label
    return metrics


def held_out_clips(data: PreparedDataset, label: str) -> np.ndarray:
    """The stored held-out clips (validation and test songs) of a label, ``(clips, bins, frames)``, in the
    order every measure here takes them (the first seed the generators).

    Notebook: notebooks/05_lstm_generation.ipynb
    """
    return _clips_of(data, label, ("val", "test"))


def fake_clips(real: np.ndarray, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Three fakes of stored clips ``(clips, bins, frames)`` that the music measures must fail: noise at the
    real clips' level, each clip's first frame frozen, and each clip's frames shuffled in time.

    Notebook: notebooks/05_lstm_generation.ipynb
    """
    real = np.asarray(real, np.float32)
    return {"noise at the real level": np.clip(real.mean() + 0.3 * (rng.random(real.shape) - 0.5), 0, 1),
            "first frame frozen": np.repeat(real[:, :, :1], real.shape[2], axis=2),
            "real frames shuffled in time": np.stack([c[:, rng.permutation(c.shape[1])] for c in real])}


def music_measures(generated: np.ndarray, real: np.ndarray, all_real: np.ndarray, settings, label: str,
                   judge=None) -> dict[str, Any]:
    """The measures that noise and frozen frames fail (see :mod:`~lildata_utils.measures`), of stored clips
    ``generated`` seeded by ``real``, the first clips of ``all_real`` (all ``(clips, bins, frames)``).

    Returns:
        ``modulation_distance`` and ``modulation_floor``; for a genre with a tempo range ``tempo_in_range``
        and ``beat_strength``; with a ``judge`` (``(model, run_config)``), ``frechet_distance`` and
        ``frechet_floor`` (see :func:`measure`).

    Notebook: notebooks/05_lstm_generation.ipynb
    """
    from . import measures
    from .spectrogram import stored_to_audio
    from .synth import TEMPO_RANGES

    half = len(all_real) // 2
    out: dict[str, Any] = {"modulation_distance": measures.modulation_distance(generated, real, settings)}
    if half >= 1:
        out["modulation_floor"] = measures.modulation_distance(all_real[:half], all_real[half:2 * half], settings)
    low, high = TEMPO_RANGES.get(label, (0, 0))
    if high:
        heard = [stored_to_audio(np.clip(g, 0, 1), settings, n_iter=16) if g.shape[-1] == settings.n_frames
                 else None for g in generated]
        bpms = [measures.tempo(a, settings.sample_rate) for a in heard if a is not None]
        if bpms:
            out["tempo_in_range"] = float(np.mean([measures.in_tempo_range(b, low, high) for b in bpms]))
            out["beat_strength"] = float(np.mean([measures.beat_strength(a, settings.sample_rate, b)
                                                  for a, b in zip([a for a in heard if a is not None], bpms)]))
    if judge is not None and len(generated) >= 2 and half >= 2:
        model = judge[0]
        embed = lambda clips: measures.embeddings(model, clips)  # noqa: E731
        full = [g for g in generated if g.shape[-1] == settings.n_frames]
        others = all_real[len(real):]  # real clips that seeded nothing: both sides are compared with the same set
        if len(full) >= 2 and len(others) >= 2 and len(real) >= 2:
            out["frechet_distance"] = measures.frechet_distance(embed(np.stack(full)), embed(others))
            out["frechet_floor"] = measures.frechet_distance(embed(real), embed(others))
        elif len(full) >= 2:
            out["frechet_distance"] = measures.frechet_distance(embed(np.stack(full)), embed(all_real))
            out["frechet_floor"] = measures.frechet_distance(embed(all_real[:half]), embed(all_real[half:2 * half]))
        if len(full) >= 2:
            for key in ("frechet_distance", "frechet_floor"):  # too few clips for a covariance: not measured
                if out[key] is None or not math.isfinite(out[key]):
                    out.pop(key)
    return out


def generate_sound(run_dir: str | Path, out_dir: str | Path | None = None, seconds: float | None = None,
                   seed: int = 0, judge=None, data: PreparedDataset | None = None) -> dict[str, Any]:
    """Generate a sound from a trained generator, seeded by a held-out clip of its genre.

    Writes ``generated.wav`` (Griffin-Lim with the dataset's STFT), ``seed.wav``
    (the real clip whose first frames started it), ``spectrogram.png`` and
    ``metrics.json`` (the run's quality measures plus this sound's) to ``out_dir``.

    Args:
        run_dir: A run of :func:`train_generator`.
        out_dir: Where to write (``None``: nothing is written).
        seconds: Length (default: one clip).
        seed: Picks the held-out seed clip and the sampling.
        judge: ``(model, run_config)`` of a genre classifier.
        data: The dataset it was trained on (default: the one its config names).

    Returns:
        ``{"stored", "audio", "seed_stored", "metrics"}``.

    Raises:
        ValueError: ``seconds`` is not a finite number between the seed's
            length and 600.

    Notebook: notebooks/05_lstm_generation.ipynb
    """
    import math

    from .config import settings_from_dict

    if out_dir is not None:  # refused now, before the work, if it cannot be written
        claim_folder(out_dir, SOUND_KIND, "a generated sound's folder", ours=_older_sound_folder, create=False)
    generator, config = load_generator(run_dir)
    settings = settings_from_dict(config["data_settings"])
    k = 1 if generator.settings.model == "paper" else generator.settings.seed_frames
    shortest = (k + 1) * settings.hop_length / settings.sample_rate
    if seconds is not None and not (math.isfinite(seconds) and shortest <= seconds <= 600):
        raise ValueError(f"--seconds must be a number from {shortest:.2f} (the seed frames and one more) to 600, "
                         f"not {seconds}")
    data = data or PreparedDataset(config["data_dir"])
    held_out = _frames(_clips_of(data, generator.settings.label, ("val", "test")))
    frames = held_out[seed % len(held_out)]
    n_frames = generator.n_frames if seconds is None else \
        int(round(seconds * settings.sample_rate / settings.hop_length)) + 1
    grid = beat_grid(frames.T, settings) if generator.settings.model == "beat" else None
    stored = generate(generator, frames[:k], n_frames, np.random.default_rng(seed), grid=grid)
    clip_frames = generator.n_frames
    metrics = json.loads((Path(run_dir) / "metrics.json").read_text()) if (Path(run_dir) / "metrics.json").exists() \
        else {}
    metrics["this_sound"] = {"seconds": (n_frames - 1) * settings.hop_length / settings.sample_rate,
                             "seed": seed, "variance_ratio": float(frame_stats(stored[:, k:]).mean()
                                                                   / frame_stats(frames[k:].T).mean())}
    if judge is not None and generator.settings.label in judge[1]["labels"] and n_frames >= clip_frames:
        from .training import judge_clips

        windows = [stored[:, i:i + clip_frames] for i in range(0, n_frames - clip_frames + 1, clip_frames)]
        verdict = judge_clips(judge, np.stack(windows), generator.settings.label)
        metrics["this_sound"]["judge_probability"] = float(np.mean(verdict["probability"]))
    from .lessons.spectrograms import griffin_lim

    audio = griffin_lim(stored, settings, seed=seed, length=(n_frames - 1) * settings.hop_length)
    from . import measures
    from .synth import TEMPO_RANGES

    bpm, beat_times = measures.beats(audio, settings.sample_rate)  # the beat tracker on the whole sound
    metrics["this_sound"].update({"tempo_bpm": bpm, "beat_times": beat_times})
    low, high = TEMPO_RANGES.get(generator.settings.label, (0, 0))
    if high:
        metrics["this_sound"]["tempo_in_range"] = bool(measures.in_tempo_range(bpm, low, high))
    result = {"stored": stored, "audio": audio, "seed_stored": frames.T, "metrics": metrics}
    if out_dir is not None:
        _write_sound(Path(out_dir), result, settings, frames, generator.settings)
    return result


SOUND_KIND = "lildata-generated-sound"
_SOUND_FILES = {"generated.wav", "seed.wav", "spectrogram.png", "metrics.json"}


def _older_sound_folder(folder: Path) -> bool:
    """A folder ``generate`` wrote before output folders were marked: only its files, its metrics say so."""
    names = {p.name for p in folder.iterdir() if not p.name.startswith(".")}
    try:
        return names <= _SOUND_FILES and "this_sound" in json.loads((folder / "metrics.json").read_text())
    except (OSError, ValueError, TypeError):
        return False


def _write_sound(out_dir: Path, result: dict, settings, frames: np.ndarray, generator_settings) -> None:
    from .audio import write_wav
    from .plots import plot_spectrograms
    from .spectrogram import stored_to_audio

    claim_folder(out_dir, SOUND_KIND, "a generated sound's folder", ours=_older_sound_folder)
    write_wav(out_dir / "generated.wav", result["audio"], settings.sample_rate)
    write_wav(out_dir / "seed.wav", stored_to_audio(frames.T, settings), settings.sample_rate)
    fig, _ = plot_spectrograms({"real clip (its first frames seed the model)": frames.T,
                                f"generated ({generator_settings.model})": result["stored"]}, settings)
    save_figure(fig, out_dir / "spectrogram.png")
    write_json(out_dir / "metrics.json", result["metrics"])


def ensure_generator(data_dir: str | Path, run_dir: str | Path, settings: GeneratorSettings,
                     judge=None, verbose: int = 2) -> dict[str, Any]:
    """Train a generator unless ``run_dir`` holds one with the same settings; add the judge's verdict.

    Returns:
        The run's metrics.

    Notebook: notebooks/05_lstm_generation.ipynb
    """
    run_dir = Path(run_dir)
    if generator_finished(run_dir):
        config = read_json(run_dir / "config.json", "the generator's settings")
        if config.get("generator") != _plain(asdict(settings)):
            raise RunError(f"{run_dir} holds a generator with other settings: choose another folder")
        print(f"reusing the generator in {run_dir}")
        metrics = read_json(run_dir / "metrics.json", "the generator's measures")
    else:
        metrics = train_generator(data_dir, run_dir, settings, verbose=verbose)
    if judge is not None and "judge_probability" not in metrics:
        generator, config = load_generator(run_dir)
        data = PreparedDataset(config["data_dir"])
        from .config import settings_from_dict

        reference = _frames(_clips_of(data, settings.label, ("train",) if settings.overfit else ("val", "test")))
        if settings.overfit:
            reference = reference[: settings.overfit]
        judged = measure(generator, reference, settings_from_dict(config["data_settings"]), judge=judge)
        metrics.update({k: v for k, v in judged.items() if k.startswith(("judge", "frechet"))})
        with FolderLock(run_dir, "adding a judge's verdict"):
            write_json(run_dir / "metrics.json", metrics)
    return metrics
