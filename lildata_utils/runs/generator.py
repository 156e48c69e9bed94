"""Training a generator as ``lildata train-generator`` does, generating a sound with it, measuring it.

The networks, teacher forcing and samplers are the lessons' (notebooks 05, 05b, 05c): this module orchestrates them.

Notebook: notebooks/05_lstm_generation.ipynb
"""

from __future__ import annotations

import functools
import json
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import keras
import numpy as np
import tensorflow as tf

from ..audio import log_spectral_distance, stored_to_audio, stored_to_db, write_wav
from ..course.plots import plot_spectrograms, save_figure
from ..data import PreparedDataset
from ..errors import RunError
from ..files import clean_stale_temporaries, read_json, write_json
from ..lessons import beat as lesson05b, generators as lesson05, song as lesson05c
from ..limits import LIMITS, bounded
from ..measures import judged, music
from ..measures.spectral import variance_ratio
from ..models.saving import load_keras, save_keras
from ..settings import GeneratorSettings, SpectrogramSettings, settings_from_dict
from . import KINDS, RunFolder
from . import song as songs
from .backup import KeepBest, epoch_lines

__all__ = ["HELD_OUT", "Generator", "build_generator", "clips_of", "ensure_generator", "epoch_lines", "finished",
           "generate", "generate_sound", "load_generator", "measure", "read_metrics", "save_generator",
           "song_measures", "stepper", "to_audio", "train_generator"]

_TIMED = ("beat", "song")  # the generators that read the beat's phase beside each frame
HELD_OUT = ("val", "test")  # the splits a generator is measured on (validation and test songs)


@dataclass
class Generator:
    """A trained generator: its Keras model, settings, spectrogram settings, the song generator's chords.

    Notebook: notebooks/05_lstm_generation.ipynb
    """

    keras_model: Any
    settings: GeneratorSettings
    spectrogram: SpectrogramSettings
    chords: dict[str, Any] | None = None
    _stateful: Any = field(default=None, init=False, repr=False, compare=False)
    _one_frame: Any = field(default=None, init=False, repr=False, compare=False)

    @property
    def one_frame(self):
        """A compiled step, ``(1, 1, features) -> (bins, levels)``, of the network's stateful copy (built once)."""
        if self._one_frame is None:
            s, widths = self.settings, [int(x.shape[-1]) for x in self.keras_model.inputs]
            n_bins = widths[0]
            if s.model in _TIMED:
                model = lesson05b.beat_lstm(n_bins, widths[1], s.levels, s.layers, s.units, s.input_noise, True)
                call = lambda x: model([x[..., :n_bins], x[..., n_bins:]], training=False)  # noqa: E731
            else:
                model = lesson05.autoregressive_lstm(n_bins, s.levels, s.layers, s.units, s.input_noise, stateful=True)
                call = lambda x: model(x, training=False)  # noqa: E731
            self._stateful = model
            self._one_frame = tf.function(lambda x: call(x)[0, 0], reduce_retracing=True,
                                          input_signature=[tf.TensorSpec((1, 1, sum(widths)), tf.float32)])
        return self._one_frame


def build_generator(settings: GeneratorSettings, n_bins: int, n_frames: int):
    """The compiled Keras model of a generator, as the notebooks write it.

    Notebook: notebooks/05_lstm_generation.ipynb
    """
    s = settings
    keras.utils.set_random_seed(s.seed)
    if s.model == "paper":
        model = lesson05.paper_lstm(n_bins, n_frames, s.layers, s.units)
    elif s.model == "autoregressive":
        model = lesson05.autoregressive_lstm(n_bins, s.levels, s.layers, s.units, s.input_noise)
    elif s.model in _TIMED:
        model = lesson05b.beat_lstm(n_bins, 2 * len(lesson05b.BEAT_SCALES), s.levels, s.layers, s.units,
                                    s.input_noise)
    else:
        raise ValueError(f"unknown generator {s.model!r}")
    return lesson05.compile_generator(model, s.model, s.learning_rate)


def clips_of(data: PreparedDataset, label: str, splits: tuple[str, ...], limit: int = 0) -> np.ndarray:
    """The stored clips ``(clips, bins, frames)`` of a genre in some splits, at most ``limit`` (0: all).

    Notebook: notebooks/05_lstm_generation.ipynb
    """
    clips = songs.clip_list(data, label, splits)[:limit or None]
    return np.stack([data.spectrogram(c.clip) for c in clips]).astype(np.float32)


def to_audio(stored: np.ndarray, settings: SpectrogramSettings, seed: int = 0) -> np.ndarray:
    """A stored spectrogram of any length back to audio (Griffin-Lim with the dataset's STFT).

    Notebook: notebooks/05_lstm_generation.ipynb
    """
    return stored_to_audio(np.clip(stored, 0, 1), settings, seed=seed)


def _phases(clips: np.ndarray, settings: SpectrogramSettings) -> np.ndarray:
    return np.stack([lesson05b.beat_phase(c.shape[1], songs.stored_grid(c, settings)) for c in clips])


def stepper(generator: Generator):
    """``step(x) -> probabilities`` for notebook 05's ``generate_frames``, from a fresh state.

    Notebook: notebooks/05_lstm_generation.ipynb
    """
    one_frame = generator.one_frame
    generator._stateful.set_weights(generator.keras_model.get_weights())
    for layer in generator._stateful.layers:
        if getattr(layer, "stateful", False):
            layer.reset_state()
    return lambda x: one_frame(tf.constant(np.asarray(x, np.float32)[None, None])).numpy()


def _free_run(generator: Generator, seed: np.ndarray, n_frames: int, rng, temperature: float, grid) -> np.ndarray:
    s = generator.settings
    if s.model == "paper":  # one clip a call; a longer sound continues from the last frame
        frames = [seed[0]]
        while len(frames) < n_frames:
            frames.extend(np.asarray(generator.keras_model(frames[-1][None], training=False))[0])
        return np.stack(frames[:n_frames]).T.copy()
    timed = {"extra": lesson05b.beat_phase(n_frames, grid),
             "sample": functools.partial(lesson05b.sample_near_median, spread=s.spread)} if s.model in _TIMED else {}
    return lesson05.generate_frames(stepper(generator), seed, n_frames, rng, temperature, **timed)


def generate(generator: Generator, seed: np.ndarray, n_frames: int, rng: np.random.Generator | None = None,
             info: dict | None = None, grid_of: np.ndarray | None = None,
             temperature: float | None = None) -> np.ndarray:
    """A stored spectrogram ``(bins, n_frames)`` from real seed frames ``(k, bins)`` (the paper's model reads the
    first), sampled with ``rng`` and ``temperature`` (default: the settings').

    Args:
        info: Filled with the song generator's ``chords`` (one a bar) and its two ``parts``, ``harmony`` and
            ``drums``, in dB ``(bins, n_frames)``, as they were before the grain was added.
        grid_of: ``beat`` and ``song`` (else a :class:`ValueError`): the stored clip whose beat grid runs on.

    Notebook: notebooks/05_lstm_generation.ipynb
    """
    s, settings = generator.settings, generator.spectrogram
    rng = rng or np.random.default_rng(s.seed)
    seed = np.atleast_2d(np.asarray(seed, np.float32))
    temperature = s.temperature if temperature is None else temperature
    if s.model in _TIMED and grid_of is None:
        raise ValueError(f"the {s.model} model needs the seed clip (grid_of) for its beat grid")
    clip = None if grid_of is None else np.asarray(grid_of, np.float32)
    grid = songs.stored_grid(clip, settings) if s.model in _TIMED else None
    if s.model != "song":
        return _free_run(generator, seed, n_frames, rng, temperature, grid)
    drums_seed = songs.drum_clips(clip[None], settings)[0].T[:len(seed)]
    drums = _free_run(generator, drums_seed, n_frames, rng, temperature, grid)
    harmony, chords = songs.harmony_for(generator.chords, clip, grid, n_frames, settings, rng)
    drums = stored_to_db(drums, settings)
    stored = songs.to_stored(lesson05c.mix_db(harmony, drums, settings.floor_db), settings)
    stored = lesson05c.add_grain(stored, generator.chords["grain"], rng).astype(np.float32)
    stored[:, :min(len(seed), n_frames)] = seed[:n_frames].T
    if info is not None:
        info.update(chords=chords, parts={"harmony": harmony, "drums": drums})
    return stored


def _seed_frames(generator: Generator) -> int:
    return 1 if generator.settings.model == "paper" else generator.settings.seed_frames


def _teacher_error(generator: Generator, clip: np.ndarray, settings: SpectrogramSettings) -> float:
    """RMS dB error of the expected next frames given the true ones (the song generator: of its drums)."""
    s = generator.settings
    frames = (songs.drum_clips(clip[None], settings)[0] if s.model == "song" else clip).T[None]
    inputs = [frames[:, :-1], _phases(clip[None], settings)[:, 1:]] if s.model in _TIMED else frames[:, :-1]
    sharp = lesson05.sharpen(np.asarray(generator.keras_model(inputs, training=False))[0], s.temperature)
    expected = sharp @ lesson05.level_values(s.levels)
    return float(np.sqrt(np.mean((expected - frames[0, 1:]) ** 2)) * (settings.ceiling_db - settings.floor_db))


def measure(generator: Generator, clips: np.ndarray, settings: SpectrogramSettings, n_clips: int = 16,
            judge=None, label: str | None = None) -> dict[str, Any]:
    """A generator against real stored clips ``(clips, bins, frames)``, the first ``n_clips`` each seeding one.

    Returns:
        ``frame_error_teacher_db`` (given the true frames; the paper's model: its free-running error),
        ``frame_error_free_db``, ``variance_ratio`` (far below 1: over-smoothed), ``log_spectral_distance_db``,
        ``n_clips`` and :func:`~lildata_utils.measures.judged.music_measures` (with a ``judge``'s verdict).

    Notebook: notebooks/05_lstm_generation.ipynb
    """
    rng, chosen, k = np.random.default_rng(generator.settings.seed), clips[:n_clips], _seed_frames(generator)
    span = settings.ceiling_db - settings.floor_db
    generated = np.stack([generate(generator, c.T[:k], c.shape[1], rng, grid_of=c) for c in chosen])
    free = [float(np.sqrt(np.mean((g[:, k:] - c[:, k:]) ** 2)) * span) for g, c in zip(generated, chosen)]
    teacher = free if generator.settings.model == "paper" else [_teacher_error(generator, c, settings) for c in chosen]
    label = label or generator.settings.label
    metrics = {"frame_error_teacher_db": float(np.mean(teacher)), "frame_error_free_db": float(np.mean(free)),
               "variance_ratio": variance_ratio(generated[..., k:], chosen[..., k:]),
               "log_spectral_distance_db": float(np.mean([log_spectral_distance(g, c, settings)
                                                          for g, c in zip(generated, chosen)])),
               "n_clips": int(len(chosen)),
               **judged.music_measures(generated, chosen, clips, settings, label, judge)}
    if "judge_probability" in metrics:
        metrics["judged_label"] = label
    return metrics


def _dataset(data: PreparedDataset | str | Path) -> PreparedDataset:
    return data if isinstance(data, PreparedDataset) else PreparedDataset(data)


def _same(config: dict, settings: GeneratorSettings) -> bool:
    """Whether a run's config is of these settings (compared as JSON gives them back); a finished song generator's
    only if its drums' epoch was chosen (``chosen_epoch``, ``None`` without validation songs), as since 2026-12-04."""
    chosen = settings.model != "song" or bool(settings.overfit) or "chosen_epoch" in config \
        or not config.get("finished", True)
    return chosen and config.get("generator") == json.loads(json.dumps(asdict(settings)))


def finished(run_dir: str | Path) -> bool:
    """Whether ``run_dir`` holds a finished generator run (model, the song generator's chords, config, measures).

    Notebook: notebooks/05_lstm_generation.ipynb
    """
    run = RunFolder(run_dir, "generator")
    try:
        model = (run.config() or {}).get("generator")
    except RunError:
        return False
    song = isinstance(model, dict) and model.get("model") == "song"
    return isinstance(model, dict) and run.finished("model.keras", *((songs.CHORDS_FILE,) if song else ()))


def read_metrics(run_dir: str | Path) -> dict[str, Any]:
    """The measures of a generator run (its ``metrics.json``).

    Notebook: notebooks/05_lstm_generation.ipynb
    """
    return read_json(Path(run_dir) / "metrics.json", "the generator's measures")


def _fit_data(settings: GeneratorSettings, clips: np.ndarray, spectrogram: SpectrogramSettings):
    """Inputs and targets of a generator's training (teacher forcing, 05b's phase beside)."""
    timed = songs.drum_clips(clips, spectrogram) if settings.model == "song" else clips
    frames = np.ascontiguousarray(np.swapaxes(timed, 1, 2))
    if settings.model == "paper":
        return frames[:, 0], frames[:, 1:]
    x, y = lesson05.teacher_forcing(frames, settings.levels)
    return ([x, _phases(clips, spectrogram)[:, 1:]] if settings.model in _TIMED else x), y


def _reference(data: PreparedDataset, settings: GeneratorSettings) -> np.ndarray:
    """The clips a generator is measured on: held out, or the training clips of an overfit run."""
    return clips_of(data, settings.label, ("train",), settings.overfit) if settings.overfit \
        else clips_of(data, settings.label, HELD_OUT)


def _open(run: RunFolder, settings: GeneratorSettings) -> dict | None:
    """The config of a killed run of these settings, ``None`` for a new folder; a :class:`RunError` for the rest."""
    old = run.config()
    if old is not None and finished(run.path):
        raise RunError(f"{run.path}: already holds a finished generator; choose a new folder")
    if old is not None and not _same(old, settings):
        raise RunError(f"{run.path}: holds an unfinished generator with other settings; choose a new folder")
    return old


def _chords(data: PreparedDataset, settings: GeneratorSettings) -> dict | None:
    return songs.fit_chords(songs.song_spectrograms(data, settings.label, ("train",)), data.settings,
                            seed=settings.seed) if settings.model == "song" else None


def train_generator(data_dir: PreparedDataset | str | Path, run_dir: str | Path, settings: GeneratorSettings,
                    verbose: int = 2) -> dict[str, Any]:
    """Train and measure a generator of a genre; a killed run of these settings is redone, anything else refused.

    Notebook: notebooks/05_lstm_generation.ipynb
    """
    data, run = _dataset(data_dir), RunFolder(run_dir, "generator")
    for splits in (("train",), ("val", "test")):  # a genre without clips is refused before the folder is made
        songs.clip_list(data, settings.label, splits)
    old = _open(run, settings)
    with run.lock(f"`lildata train-generator {data.path}`"):
        run.claim()
        clean_stale_temporaries(run.path)
        if old is not None:
            print(f"{run_dir}: its earlier training did not finish; training again", flush=True)
        write_json(run.path / "config.json", {"kind": KINDS["generator"], "generator": asdict(settings),
                                              "finished": False})
        train = clips_of(data, settings.label, ("train",), settings.overfit or settings.max_clips)
        model = build_generator(settings, *train.shape[1:])
        validation = None if settings.overfit else _fit_data(settings, clips_of(data, settings.label, HELD_OUT),
                                                             data.settings)
        chords, start = _chords(data, settings), time.perf_counter()
        keep = _keep_best(Generator(model, settings, data.settings, chords), data)
        fit = model.fit(*_fit_data(settings, train, data.settings), validation_data=validation, shuffle=True,
                        epochs=settings.epochs, batch_size=settings.batch_size, verbose=0 if verbose == 2 else verbose,
                        callbacks=([epoch_lines(max(1, settings.epochs // 10) if settings.epochs > 30 else 1)]
                                   if verbose == 2 else []) + ([keep] if keep else []))
        facts = {"n_train": len(train), "seconds": round(time.perf_counter() - start, 1)}
        if settings.model == "song" and not settings.overfit:  # None: no validation songs to choose by
            facts["chosen_epoch"] = keep.chosen if keep else None
        if keep and keep.chosen:
            facts["epoch_modulation"] = {str(e): v for e, v in keep.scores.items()}
            if verbose:
                print(f"kept the drums of epoch {keep.chosen}: the modulation distance of its 20-s songs to the "
                      f"validation songs, {keep.scores[keep.chosen]:.3f}, the smallest of epochs "
                      f"{', '.join(map(str, keep.scores))}", flush=True)
        return _save(run.path, model, fit.history, data, settings, chords, facts)


def _keep_best(generator: Generator, data: PreparedDataset, seconds: float = 20.0) -> KeepBest | None:
    """The song generator's choice of epoch (7 of its last three quarters): 2 songs of ``seconds`` seeded by each
    validation song, their modulation distance to those songs, each time drawn alike; ``None`` for the rest."""
    s, settings = generator.settings, data.settings
    if s.model != "song" or s.overfit or not any(c.label == s.label and c.split == "val" for c in data.clips):
        return None
    real = songs.first_seconds(songs.song_spectrograms(data, s.label, ("val",)), settings, seconds)

    def score() -> float:
        rng = np.random.default_rng(s.seed)
        sounds = [generate(generator, r.T[:s.seed_frames], r.shape[1], rng, grid_of=r[:, :settings.n_frames])
                  for r in real for _ in range(2)]
        return music.modulation_distance(np.stack(sounds), real, settings)
    return KeepBest(score, np.unique(np.linspace(max(1, s.epochs // 4), s.epochs, 7).round().astype(int)).tolist())


def _save(run_dir: Path, model, history: dict, data: PreparedDataset, settings: GeneratorSettings,
          chords: dict | None, facts: dict) -> dict[str, Any]:
    """Write a trained generator's files and measures, and last its finished ``config.json``."""
    save_keras(model, run_dir / "model.keras")
    if chords is not None:
        songs.save_chords(run_dir / songs.CHORDS_FILE, chords)
    write_json(run_dir / "history.json", {"epoch": list(range(1, len(history.get("loss", [])) + 1)),
                                          **{k: [float(v) for v in values] for k, values in history.items()}})
    generator = Generator(model, settings, data.settings, chords)
    measured = measure(generator, _reference(data, settings), data.settings)
    metrics = {**measured, "model": settings.model, "epochs": settings.epochs, **facts,
               "measured_on": "training clips (overfit run)" if settings.overfit else "held-out clips"}
    if not settings.overfit:  # notebook 05c's measures of 20-s sounds, for every generator: 4 a held-out song, 16 at most
        held_out, training = (songs.song_spectrograms(data, settings.label, s) for s in (HELD_OUT, ("train",)))
        sounds = song_measures(generator, held_out, training, data.settings, n=min(16, 4 * len(held_out)))
        metrics["song_measures"] = {k: v for k, v in sounds.items() if k != "sounds"}
    write_json(run_dir / "metrics.json", metrics)
    write_json(run_dir / "config.json", {
        "kind": KINDS["generator"], "data_dir": str(data.path.resolve()), "data_fingerprint": data.fingerprint(),
        "data_settings": data.settings.to_dict(), "generator": asdict(settings), **facts,
        "n_held_out": len(songs.clip_list(data, settings.label, ("val", "test"))),
        "parameters": int(model.count_params()), "finished": True})
    return metrics


def save_generator(run_dir: str | Path, model, history: dict, data: PreparedDataset | str | Path,
                   settings: GeneratorSettings, chords: dict | None = None) -> dict[str, Any]:
    """Save and measure a generator trained in a notebook as ``lildata train-generator`` would.

    Notebook: notebooks/05_lstm_generation.ipynb
    """
    data, run = _dataset(data), RunFolder(run_dir, "generator")
    _open(run, settings)
    chords = _chords(data, settings) if chords is None else chords
    n_train = len(songs.clip_list(data, settings.label, ("train",))[:settings.overfit or settings.max_clips or None])
    with run.lock("saving a generator"):
        run.claim()
        return _save(run.path, model, dict(history), data, settings, chords, {"n_train": n_train, "seconds": None})


def load_generator(run_dir: str | Path) -> tuple[Generator, dict[str, Any]]:
    """A finished generator (the song generator with its chords) and its ``config.json``; else a :class:`RunError`.

    Notebook: notebooks/05_lstm_generation.ipynb
    """
    run = RunFolder(run_dir, "generator")
    if not run.path.is_dir():
        raise RunError(f"{run_dir}: no such generator run folder; train one with `lildata train-generator`")
    config = run.config()
    if config is None:
        raise RunError(f"{run_dir}: holds no generator; train one with `lildata train-generator`")
    if not finished(run_dir):
        raise RunError(f"{run_dir}: its training did not finish; run `lildata train-generator` into it again")
    try:
        settings = GeneratorSettings(**config["generator"])
        spectrogram = settings_from_dict(config["data_settings"])
    except (KeyError, TypeError, ValueError, ZeroDivisionError):
        raise RunError(f"{run.path / 'config.json'}: not the settings of a generator run") from None
    chords = songs.load_chords(run.path / songs.CHORDS_FILE) if settings.model == "song" else None
    return Generator(load_keras(run.path / "model.keras"), settings, spectrogram, chords), config


def _this_sound(generator: Generator, stored: np.ndarray, clip: np.ndarray, audio: np.ndarray, judge) -> dict:
    """One sound's length, variance ratio, tempo (in the genre's range?) and the judge's verdict."""
    settings, label, k = generator.spectrogram, generator.settings.label, _seed_frames(generator)
    frames = settings.n_frames
    bpm, beat_times = music.beats(audio, settings.sample_rate)
    sound = {"seconds": (stored.shape[1] - 1) * settings.hop_length / settings.sample_rate, "tempo_bpm": bpm,
             "variance_ratio": variance_ratio(stored[None, :, k:], clip[None, :, k:]), "beat_times": beat_times}
    low, high = music.TEMPO_RANGES.get(label, (0, 0))
    if high:
        sound["tempo_in_range"] = bool(music.in_tempo_range(bpm, low, high))
    if judge is not None and label in judge[1]["labels"] and stored.shape[1] >= frames:
        windows = np.stack([stored[:, i:i + frames] for i in range(0, stored.shape[1] - frames + 1, frames)])
        sound["judge_probability"] = float(np.mean(judged.judge_clips(judge, windows, label)["probability"]))
    return sound


def generate_sound(run_dir: str | Path, out_dir: str | Path | None = None, seconds: float | None = None,
                   seed: int = 0, judge=None, data: PreparedDataset | None = None) -> dict[str, Any]:
    """``{"stored", "audio", "seed_stored", "metrics"}`` of a sound seeded by a held-out clip (``lildata generate``);
    with ``out_dir`` (claimed, or refused before any work) written there as ``generated.wav``, ``seed.wav``,
    ``spectrogram.png`` and ``metrics.json`` (the run's measures, this sound's under ``this_sound``).

    Args:
        seconds: Length (default: a clip); ``seed``: picks the seed clip and the sampling.
        judge: ``(model, run_config)`` of a genre classifier; ``data``: default the run's own dataset.

    Notebook: notebooks/05_lstm_generation.ipynb
    """
    folder = None if out_dir is None else RunFolder(out_dir, "sound")
    if folder is not None:
        folder.claim(create=False)
    generator, config = load_generator(run_dir)
    settings, k = generator.spectrogram, _seed_frames(generator)
    if seconds is not None:
        bounded("generate_seconds", seconds, "--seconds", low=(k + 1) * settings.hop_length / settings.sample_rate,
                high=LIMITS["generate_seconds"][1])
    held_out = clips_of(data or PreparedDataset(config["data_dir"]), generator.settings.label, HELD_OUT)
    clip, info = held_out[seed % len(held_out)], {"seed": seed}
    n_frames = settings.n_frames if seconds is None else round(seconds * settings.sample_rate / settings.hop_length) + 1
    stored = generate(generator, clip.T[:k], n_frames, np.random.default_rng(seed), info=info, grid_of=clip)
    audio = to_audio(stored, settings, seed=seed)
    metrics = read_metrics(run_dir) if (Path(run_dir) / "metrics.json").exists() else {}
    info.pop("parts", None)  # arrays: not for metrics.json
    metrics["this_sound"] = {**_this_sound(generator, stored, clip, audio, judge), **info}
    result = {"stored": stored, "audio": audio, "seed_stored": clip, "metrics": metrics}
    if folder is not None:
        with folder.lock("`lildata generate`"):
            out = folder.claim()
            write_wav(out / "generated.wav", audio, settings.sample_rate)
            write_wav(out / "seed.wav", to_audio(clip, settings), settings.sample_rate)
            save_figure(plot_spectrograms({"real clip (its first frames seed the model)": clip,
                                           f"generated ({generator.settings.model})": stored}, settings)[0],
                        out / "spectrogram.png")
            write_json(out / "metrics.json", metrics)
    return result


def ensure_generator(data: PreparedDataset | str | Path, run_dir: str | Path, settings: GeneratorSettings,
                     judge=None, verbose: int = 2) -> dict[str, Any]:
    """The measures of a generator (trained unless ``run_dir`` holds this finished one), with a judge's verdict; a
    run of other settings is moved aside as ``RUN_DIR.old-...`` (never deleted).

    Notebook: notebooks/05_lstm_generation.ipynb
    """
    data, run = _dataset(data), RunFolder(run_dir, "generator")
    old = run.config()
    if old is not None and (not _same(old, settings) or old.get("data_fingerprint", data.fingerprint())
                            != data.fingerprint()):
        print(f"{run_dir}: holds a generator of other settings or data; kept as {run.set_aside().name}, trained "
              "anew", flush=True)
    if finished(run_dir):
        print(f"reusing the generator in {run_dir}")
        metrics = read_metrics(run_dir)
    else:
        metrics = train_generator(data, run_dir, settings, verbose=verbose)
    if judge is not None and "judge_probability" not in metrics:
        verdict = measure(load_generator(run_dir)[0], _reference(data, settings), data.settings, judge=judge)
        metrics.update({k: v for k, v in verdict.items() if k.startswith(("judge", "frechet"))})
        with run.lock("adding a judge's verdict"):
            write_json(run.path / "metrics.json", metrics)
    return metrics


def song_measures(generator: Generator, held_out: list[np.ndarray], training: list[np.ndarray],
                  settings: SpectrogramSettings, judges: dict | None = None, n: int = 16,
                  seconds: float = 20.0) -> dict[str, Any]:
    """Notebook 05c's measures of ``n`` sounds, seeded by the held-out songs in turn, and the ``sounds`` (not for
    JSON); the real songs' first ``seconds`` are the reference.

    Notebook: notebooks/05c_song_generator.ipynb
    """
    real = songs.first_seconds(held_out, settings, seconds)[:n]
    rng, k, clip = np.random.default_rng(generator.settings.seed), _seed_frames(generator), settings.n_frames
    sounds = np.stack([generate(generator, real[i % len(real)].T[:k], real.shape[2], rng, grid_of=real[i % len(real)][
        :, :clip]) for i in range(n)])
    out = judged.song_measures(sounds, real, songs.clips_of_songs(training, settings), settings,
                               generator.settings.label, judges)
    return {**out, "sounds": sounds}
