"""Measures that need a judge (a classifier no generator or transfer saw): embeddings and the Fréchet distance,
the music measures of a generator, and the grid of transfer pairs with its target.

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
from ..lessons.song import frame_change
from . import music

__all__ = ["embeddings", "frechet_distance", "grid_of_pairs", "grid_summary", "judge_clips", "music_measures",
           "predict_stored"]


def embeddings(model, stored: np.ndarray, layer: str | None = None, batch_size: int = 32) -> np.ndarray:
    """A classifier's output at ``layer`` (default: the one before the output layer) for stored spectrograms
    ``(clips, bins, frames)``.

    Notebook: notebooks/05_lstm_generation.ipynb
    """
    probe = keras.Model(model.input, model.get_layer(layer or model.layers[-2].name).output)
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
    """What a judge ``(model, run_config)`` says of stored clips: ``{"genre", "probability": [P(genre) per clip],
    "predicted": [label per clip]}``, ``genre`` by default its guess for the first clip (a ``ValueError`` if it does
    not know ``genre``)."""
    model, config = judge
    labels, probs = config["labels"], predict_stored(model, stored)
    genre = genre or labels[int(probs[0].argmax())]
    if genre not in labels:
        raise ValueError(f"the judge does not know the genre {genre!r} (it knows {', '.join(labels)})")
    return {"genre": genre, "probability": [float(p[labels.index(genre)]) for p in probs],
            "predicted": [labels[int(p.argmax())] for p in probs]}


def frechet_distance(a: np.ndarray, b: np.ndarray) -> float:
    """The Fréchet distance between Gaussians fitted to two sets of embeddings ``(n, d)``:
    ``|mu_a - mu_b|^2 + tr(S_a + S_b - 2 (S_a S_b)^(1/2))``.

    Notebook: notebooks/05_lstm_generation.ipynb
    """
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    if len(a) < 2 or len(b) < 2:
        raise ValueError("the Fréchet distance needs at least 2 embeddings on each side")
    cov_a, cov_b = np.atleast_2d(np.cov(a, rowvar=False)), np.atleast_2d(np.cov(b, rowvar=False))
    root = np.real(linalg.sqrtm(cov_a @ cov_b))
    return float(max(((a.mean(0) - b.mean(0)) ** 2).sum() + np.trace(cov_a + cov_b - 2.0 * root), 0.0))


def _beat_measures(sounds: np.ndarray, settings, label: str) -> dict[str, float | None]:
    low, high = music.TEMPO_RANGES.get(label, (0, 0))
    heard = [stored_to_audio(np.clip(s, 0, 1), settings, n_iter=16) for s in sounds]
    bpms = [music.tempo(a, settings.sample_rate) for a in heard]
    return {"tempo_in_range": float(np.mean([music.in_tempo_range(b, low, high) for b in bpms])) if high else None,
            "beat_strength": float(np.mean([music.beat_strength(a, settings.sample_rate, b)
                                            for a, b in zip(heard, bpms)]))}


def music_measures(generated: np.ndarray, real: np.ndarray, all_real: np.ndarray, settings, label: str,
                   judge=None) -> dict[str, Any]:
    """The measures that noise and frozen frames fail, of clip-long stored clips ``generated`` seeded by ``real``,
    the first clips of ``all_real``: ``modulation_distance`` and its real-against-real ``modulation_floor``; for a
    genre with a tempo range ``tempo_in_range`` and ``beat_strength``; with a ``judge`` ``(model, run_config)``, its
    mean ``judge_probability`` of ``label`` and ``frechet_distance`` and ``frechet_floor`` (of the seeds) against
    the real clips that seeded nothing.

    Notebook: notebooks/05b_beat_lstm.ipynb
    """
    half = len(all_real) // 2
    out: dict[str, Any] = {"modulation_distance": music.modulation_distance(generated, real, settings)}
    if half >= 1:
        out["modulation_floor"] = music.modulation_distance(all_real[:half], all_real[half:2 * half], settings)
    if music.TEMPO_RANGES.get(label, (0, 0))[1]:
        out.update(_beat_measures(generated, settings, label))
    if judge is not None:
        model, others = judge[0], all_real[len(real):]
        if label in judge[1]["labels"]:
            out["judge_probability"] = float(np.mean(judge_clips(judge, generated, label)["probability"]))
        if min(len(generated), len(real), len(others)) >= 2:
            found = {"frechet_distance": frechet_distance(embeddings(model, generated), embeddings(model, others)),
                     "frechet_floor": frechet_distance(embeddings(model, real), embeddings(model, others))}
            out.update({k: v for k, v in found.items() if math.isfinite(v)})
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
    """One method's outcomes on a grid of pairs (``finish_transfer`` with both judges) summed up: both judges' mean
    probability of the style genre, the chroma and onset distances to the content and to the style, the pairs
    nearer the content, and ``target_met`` (both judges at least 0.5, nearer the content in both measures).
    ``of="control"``: the Griffin-Lim control instead.

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
    return np.concatenate([sounds[:, :, k * frames:(k + 1) * frames] for k in range(sounds.shape[2] // frames)])


def song_measures(sounds: np.ndarray, real: np.ndarray, training: np.ndarray, settings, label: str,
                  judges: dict | None = None) -> dict[str, Any]:
    """Notebook 05c's measures of sounds ``(n, bins, frames)`` a few clips long, against held-out ``real`` sounds as
    long and the clip-long ``training`` clips: ``tempo_in_range``, ``beat_strength``, ``harmonic_ratio`` (the
    harmonic share of the last 5 s over the first 5 s), ``bar_movement`` and its ``bar_movement_ratio`` to the real
    sounds', ``nearest_ratio`` (the distance to the nearest training clip, over the real windows'),
    ``piece_nearest_ratio`` (the same for every second against every second of training), ``change_ratio`` (each
    bin's mean frame-to-frame change, over the real sounds'; the statistics judge reads it); with ``judges``,
    each one's mean ``judge_probability`` of ``label`` over the clip-long windows and the first one's
    ``frechet_ratio`` against the real-against-real floor.

    Notebook: notebooks/05c_song_generator.ipynb
    """
    windows, real_windows = _windows(sounds, training.shape[2]), _windows(real, training.shape[2])
    seconds = min(5.0, sounds.shape[2] * settings.hop_length / settings.sample_rate / 2)
    shares = [music.harmonic_share(s, settings, seconds) for s in sounds]

    def movement(group: np.ndarray) -> float:  # bars of 4 beats of notebook 05b's beat grid
        per_beat = [beat_grid(stored_to_db(s, settings), settings.sample_rate, settings.hop_length)[1] for s in group]
        return float(np.mean([music.bar_chroma_movement(s, settings, 4 * f) for s, f in zip(group, per_beat)]))

    out: dict[str, Any] = {
        "n_sounds": len(sounds), "seconds": round(sounds.shape[2] * settings.hop_length / settings.sample_rate, 1),
        **_beat_measures(sounds, settings, label),
        "harmonic_ratio": float(np.mean([last / max(first, 1e-9) for first, last in shares])),
        "bar_movement": movement(sounds)}
    out["bar_movement_ratio"] = out["bar_movement"] / max(movement(real), 1e-9)
    out["change_ratio"] = float(frame_change(windows).mean() / max(frame_change(real_windows).mean(), 1e-9))
    out["nearest_ratio"] = (music.nearest_distance(windows, training)
                            / max(music.nearest_distance(real_windows, training), 1e-9))
    second = min(training.shape[2], int(round(settings.sample_rate / settings.hop_length)))  # pieces of 1 s
    out["piece_nearest_ratio"] = (music.nearest_piece_distance(sounds, training, second)
                                  / max(music.nearest_piece_distance(real, training, second), 1e-9))
    for name, judge in (judges or {}).items():
        if label in judge[1]["labels"]:
            probability = judge_clips(judge, windows, label)["probability"]
            out.setdefault("judge_probability", {})[name] = float(np.mean(probability))
    if judges and len(real_windows) >= 4:
        embed = lambda x: embeddings(next(iter(judges.values()))[0], x)  # noqa: E731
        half = len(real_windows) // 2
        floor = frechet_distance(embed(real_windows[:half]), embed(real_windows[half:2 * half]))
        out["frechet_ratio"] = frechet_distance(embed(windows), embed(real_windows)) / max(floor, 1e-9)
    return out
