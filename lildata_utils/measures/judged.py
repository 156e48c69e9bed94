"""Measures that need a judge (a classifier no generator or transfer saw): embeddings and the Fréchet
distance, the music measures of a generator, and the grid of transfer pairs with its target.

Notebook: notebooks/05b_beat_lstm.ipynb
"""

from __future__ import annotations

import math
from typing import Any

import keras
import numpy as np
from scipy import linalg

from ..audio import stored_to_audio, stored_to_db
from ..lessons.beat import beat_grid
from . import music

__all__ = ["embeddings", "frechet_distance", "grid_of_pairs", "grid_summary", "judge_clips", "music_measures",
           "predict_stored"]


def embeddings(model, stored: np.ndarray, layer: str | None = None, batch_size: int = 32) -> np.ndarray:
    """A classifier's penultimate-layer output for stored spectrograms ``(clips, bins, frames)``.

    Args:
        model: A trained classifier (Lil Data: its 48-unit ``dense`` layer).
        stored: The clips.
        layer: The layer to read (default: the one before the output layer).

    Notebook: notebooks/05_lstm_generation.ipynb
    """
    name = layer or model.layers[-2].name
    probe = keras.Model(model.input, model.get_layer(name).output)
    stored = np.asarray(stored, np.float32)
    return np.concatenate([np.asarray(probe(stored[i:i + batch_size, ..., None], training=False))
                           for i in range(0, len(stored), batch_size)]).reshape(len(stored), -1)


def predict_stored(model, stored: np.ndarray, batch_size: int = 32) -> np.ndarray:
    """Genre probabilities of stored spectrograms ``(clips, bins, frames)``, batch by batch (``model.predict``
    would build a new function for every call)."""
    stored = np.asarray(stored, np.float32)
    stored = stored[None] if stored.ndim == 2 else stored
    return np.concatenate([np.asarray(model(stored[i:i + batch_size, ..., None], training=False), np.float32)
                           for i in range(0, len(stored), batch_size)])


def judge_clips(judge, stored: np.ndarray, genre: str | None = None) -> dict[str, Any]:
    """What a judge (a classifier that no transfer or generator optimised against) says of some clips.

    Args:
        judge: ``(model, run_config)`` from :func:`~lildata_utils.runs.classifier.load_run`.
        stored: Stored spectrograms ``(clips, bins, frames)``.
        genre: The genre to report the probability of (default: the judge's guess for the first clip).

    Returns:
        ``{"genre", "probability": [P(genre) per clip], "predicted": [label per clip]}``.

    Raises:
        ValueError: The judge does not know ``genre``.
    """
    model, config = judge
    labels, probs = config["labels"], predict_stored(model, stored)
    genre = genre or labels[int(probs[0].argmax())]
    if genre not in labels:
        raise ValueError(f"the judge does not know the genre {genre!r} (it knows {', '.join(labels)})")
    return {"genre": genre, "probability": [float(p[labels.index(genre)]) for p in probs],
            "predicted": [labels[int(p.argmax())] for p in probs]}


def frechet_distance(a: np.ndarray, b: np.ndarray) -> float:
    """The Fréchet distance between Gaussians fitted to two sets of embeddings ``(n, d)``:
    ``|mu_a - mu_b|^2 + tr(S_a + S_b - 2 (S_a S_b)^(1/2))`` (the Fréchet Audio Distance's method).

    Notebook: notebooks/05_lstm_generation.ipynb
    """
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    if len(a) < 2 or len(b) < 2:
        raise ValueError("the Fréchet distance needs at least 2 embeddings on each side")
    cov_a, cov_b = np.atleast_2d(np.cov(a, rowvar=False)), np.atleast_2d(np.cov(b, rowvar=False))
    root = np.real(linalg.sqrtm(cov_a @ cov_b))
    return float(max(((a.mean(0) - b.mean(0)) ** 2).sum() + np.trace(cov_a + cov_b - 2.0 * root), 0.0))


def _frechet(generated: np.ndarray, seeds: np.ndarray, others: np.ndarray, model) -> dict[str, float]:
    """The generated clips and the real clips that seeded them, each against the real clips that seeded nothing."""
    if len(generated) < 2 or len(seeds) < 2 or len(others) < 2:
        return {}
    out = {"frechet_distance": frechet_distance(embeddings(model, generated), embeddings(model, others)),
           "frechet_floor": frechet_distance(embeddings(model, seeds), embeddings(model, others))}
    return {k: v for k, v in out.items() if math.isfinite(v)}


def music_measures(generated: np.ndarray, real: np.ndarray, all_real: np.ndarray, settings, label: str,
                   judge=None) -> dict[str, Any]:
    """The measures that noise and frozen frames fail, of stored clips ``generated`` (``(clips, bins, frames)``,
    clip-long) seeded by ``real``, the first clips of ``all_real``.

    Returns:
        ``modulation_distance`` and ``modulation_floor`` (real against real); for a genre with a tempo range
        ``tempo_in_range`` and ``beat_strength``; with a ``judge`` (``(model, run_config)``) the judge's mean
        probability of ``label`` and ``frechet_distance`` with its ``frechet_floor``.

    Notebook: notebooks/05b_beat_lstm.ipynb
    """
    half = len(all_real) // 2
    out: dict[str, Any] = {"modulation_distance": music.modulation_distance(generated, real, settings)}
    if half >= 1:
        out["modulation_floor"] = music.modulation_distance(all_real[:half], all_real[half:2 * half], settings)
    low, high = music.TEMPO_RANGES.get(label, (0, 0))
    if high:
        heard = [stored_to_audio(np.clip(g, 0, 1), settings, n_iter=16) for g in generated]
        bpms = [music.tempo(a, settings.sample_rate) for a in heard]
        out["tempo_in_range"] = float(np.mean([music.in_tempo_range(b, low, high) for b in bpms]))
        out["beat_strength"] = float(np.mean([music.beat_strength(a, settings.sample_rate, b) for a, b in zip(heard, bpms)]))
    if judge is not None:
        model, config = judge
        if label in config["labels"]:
            out["judge_probability"] = float(np.mean(judge_clips(judge, generated, label)["probability"]))
        out.update(_frechet(generated, real, all_real[len(real):], model))
    return out


def grid_of_pairs(data, n_pairs: int = 8, seed: int = 0) -> list[tuple[int, int]]:
    """A fixed grid of ``(content clip, style clip)`` pairs: the middle clips of test songs of two different
    genres, drawn by ``seed``, each ordered pair of genres at most once.

    Notebook: notebooks/04b_statistics_over_time.ipynb
    """
    def middle(song: str) -> int:
        clips = [c for c in data.clips if c.song == song]
        return clips[len(clips) // 2].clip

    songs = sorted({(c.label, c.song) for c in data.select("test", None)})
    pairs = [(a, b) for a in songs for b in songs if a[0] != b[0]]
    grid, seen = [], set()
    for i in np.random.default_rng(seed).permutation(len(pairs)):
        (genre_c, song_c), (genre_s, song_s) = pairs[i]
        if (genre_c, genre_s) not in seen and len(grid) < n_pairs:
            seen.add((genre_c, genre_s))
            grid.append((middle(song_c), middle(song_s)))
    return grid


def grid_summary(rows: list[dict[str, Any]], of: str = "result") -> dict[str, Any]:
    """One method's outcomes on a grid of pairs (``finish_transfer`` with both judges), summed up: both judges'
    mean probability of the style genre, the content measures to the content and to the style, the pairs nearer
    the content, and whether the course's target is met (both judges at least 0.5, nearer the content than the
    style in chroma and in onsets). ``of="control"``: the Griffin-Lim control instead.

    Notebook: notebooks/04b_statistics_over_time.ipynb
    """
    to_style = "result_to_style" if of == "result" else "content_to_style"
    mean = lambda f: float(np.mean([f(r) for r in rows]))  # noqa: E731
    measure = lambda r, name, key: r["content_measures"][name][key]  # noqa: E731
    out = {"judge": mean(lambda r: r["judge"]["probability"][of]),
           "second_judge": mean(lambda r: r["second_judge"]["probability"][of]), "pairs": len(rows)}
    for name, short in (("chroma_db", "chroma"), ("onsets", "onsets")):
        out[f"{short}_to_content"] = mean(lambda r: measure(r, name, f"{of}_to_content"))
        out[f"{short}_to_style"] = mean(lambda r: measure(r, name, to_style))
        out[f"pairs_nearer_content_{short}"] = sum(measure(r, name, f"{of}_to_content") < measure(r, name, to_style)
                                                   for r in rows)
    out["target_met"] = bool(min(out["judge"], out["second_judge"]) >= 0.5 and
                             out["chroma_to_content"] < out["chroma_to_style"] and
                             out["onsets_to_content"] < out["onsets_to_style"])
    return out


def _windows(sounds: np.ndarray, frames: int) -> np.ndarray:
    """Every clip-long window of each sound, end to end: ``(windows, bins, frames)``."""
    return np.concatenate([sounds[:, :, k * frames:(k + 1) * frames] for k in range(sounds.shape[2] // frames)])


def song_measures(sounds: np.ndarray, real: np.ndarray, training: np.ndarray, settings, label: str,
                  judges: dict | None = None) -> dict[str, Any]:
    """The measures of notebook 05c for sounds ``(n, bins, frames)`` of a few clips' length, against real sounds of
    the same length (``real``, held out) and the training clips (``training``, clip-long).

    Returns:
        ``judge_probability`` (each judge's mean probability of ``label`` over the clip-long windows),
        ``tempo_in_range`` and ``beat_strength``, ``harmonic_ratio`` (the harmonic share of the last 5 s over
        the first 5 s), ``bar_movement`` and its ``bar_movement_ratio`` to the real sounds', ``nearest_ratio``
        (each window's distance to its nearest training clip, over the real windows'), and with judges the
        ``frechet_ratio`` of the first judge's embeddings against the real-against-real floor.

    Notebook: notebooks/05c_song_generator.ipynb
    """
    frames = training.shape[2]
    windows, real_windows = _windows(sounds, frames), _windows(real, frames)
    seconds = min(5.0, sounds.shape[2] * settings.hop_length / settings.sample_rate / 2)
    low, high = music.TEMPO_RANGES.get(label, (0, 0))
    heard = [stored_to_audio(np.clip(s, 0, 1), settings, n_iter=16) for s in sounds]
    bpms = [music.tempo(a, settings.sample_rate) for a in heard]
    shares = [music.harmonic_share(s, settings, seconds) for s in sounds]
    movement = lambda group: float(np.mean([music.bar_chroma_movement(s, settings, 4 * _per_beat(s, settings))  # noqa: E731
                                            for s in group]))
    out: dict[str, Any] = {
        "n_sounds": len(sounds), "seconds": round(sounds.shape[2] * settings.hop_length / settings.sample_rate, 1),
        "tempo_in_range": float(np.mean([music.in_tempo_range(b, low, high) for b in bpms])) if high else None,
        "beat_strength": float(np.mean([music.beat_strength(a, settings.sample_rate, b) for a, b in zip(heard, bpms)])),
        "harmonic_ratio": float(np.mean([last / max(first, 1e-9) for first, last in shares])),
        "bar_movement": movement(sounds)}
    out["bar_movement_ratio"] = out["bar_movement"] / max(movement(real), 1e-9)
    out["nearest_ratio"] = music.nearest_distance(windows, training) / max(music.nearest_distance(real_windows, training),
                                                                           1e-9)
    for name, judge in (judges or {}).items():
        if label in judge[1]["labels"]:
            out.setdefault("judge_probability", {})[name] = float(np.mean(judge_clips(judge, windows, label)["probability"]))
    if judges and len(real_windows) >= 4:
        embed = lambda x: embeddings(next(iter(judges.values()))[0], x)  # noqa: E731
        half = len(real_windows) // 2
        floor = frechet_distance(embed(real_windows[:half]), embed(real_windows[half:2 * half]))
        out["frechet_ratio"] = frechet_distance(embed(windows), embed(real_windows)) / max(floor, 1e-9)
    return out


def _per_beat(stored: np.ndarray, settings) -> float:
    """Frames per beat, by notebook 05b's beat grid of a sound."""
    return beat_grid(stored_to_db(stored, settings), settings.sample_rate, settings.hop_length)[1]
