"""The one split policy: by song, within each label, in a stable order of hashed paths (the first to test, the next
to validation, the rest to training); and the leaky split by chunk, which puts clips of one song on both sides.

Notebook: notebooks/01_data_prep.ipynb
"""

from __future__ import annotations

import hashlib

import numpy as np

__all__ = ["SPLITS", "assign_splits", "split_clips", "split_count", "song_fraction", "song_id"]

SPLITS = ("train", "val", "test")


def song_fraction(song: str, seed: int | None = None) -> float:
    """A stable number in [0, 1) from a song's relative path (and a seed): its place in its label's order."""
    text = song if seed is None else f"{seed}:{song}"
    return int.from_bytes(hashlib.sha1(text.encode("utf-8")).digest()[:8], "big") / 2.0**64


def song_id(song: str) -> str:
    """A short, stable file name for a song."""
    return hashlib.sha1(song.encode("utf-8")).hexdigest()[:16]


def split_count(n_songs: int, fraction: float) -> int:
    """How many of a label's ``n_songs`` a split of ``fraction`` gets: in proportion, and at least 3 songs for a
    label of 15 or more, 2 for 10 or more, 1 for 3 or more (0 for fewer: they all train)."""
    if fraction <= 0 or n_songs < 3:
        return 0
    return max(int(round(fraction * n_songs)), 3 if n_songs >= 15 else 2 if n_songs >= 10 else 1)


def assign_splits(songs_by_label: dict[str, list[str]], fractions: tuple[float, float, float] = (0.8, 0.1, 0.1),
                  seed: int | None = None) -> tuple[dict[str, str], list[str]]:
    """Give each song (relative to RAW_DIR) its split, label by label; ``seed`` gives another order of the songs.

    Returns:
        ``(splits, notes)``: every song's split, and one line per label too small to lend songs to evaluation.
    """
    if abs(sum(fractions) - 1.0) > 1e-9 or min(fractions) < 0:
        raise ValueError(f"split fractions must be non-negative and sum to 1, got {fractions}")
    splits, notes = {}, []
    for label, songs in sorted(songs_by_label.items()):
        n_test, n_val = split_count(len(songs), fractions[2]), split_count(len(songs), fractions[1])
        for i, song in enumerate(sorted(songs, key=lambda s: song_fraction(s, seed))):
            splits[song] = "test" if i < n_test else "val" if i < n_test + n_val else "train"
        if len(songs) < 3:
            notes.append(f"label {label}: {len(songs)} song{'s' if len(songs) != 1 else ''}, too few to split by "
                         "song; it needs at least 3 (1 test, 1 validation, 1 training), so all of them train")
    return splits, notes


def clip_targets(clips: list, labels: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Clip numbers (int64) and indices of their labels in ``labels`` (int32) of manifest rows."""
    index = {label: i for i, label in enumerate(labels)}
    return np.array([c.clip for c in clips], np.int64), np.array([index[c.label] for c in clips], np.int32)


def split_clips(data, labels: list[str], split_by: str = "song", seed: int = 0,
                split_seed: int | None = None) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Clip numbers and indices into ``labels`` of each split of a dataset: ``{"train": (clips, targets), ...}``, by
    ``song`` (the dataset's split, or another by ``split_seed``) or by ``chunk`` (leaky, shuffled by ``seed``).

    Notebook: notebooks/02_classifier.ipynb
    """
    chosen = data.select(None, labels)
    if split_by == "song":
        split_of = {c.song: c.split for c in chosen}
        if split_seed is not None:
            songs = {(c.label, c.song) for c in chosen}
            split_of = assign_splits({label: sorted(s for k, s in songs if k == label) for label in labels},
                                     seed=split_seed)[0]
        return {s: clip_targets([c for c in chosen if split_of[c.song] == s], labels) for s in SPLITS}
    if split_by != "chunk":
        raise ValueError(f"split_by must be 'song' or 'chunk', not {split_by!r}")
    clips, targets = clip_targets([chosen[i] for i in np.random.default_rng(seed).permutation(len(chosen))], labels)
    cuts = [int(0.8 * len(clips)), int(0.8 * len(clips)) + int(0.1 * len(clips))]
    return dict(zip(SPLITS, zip(np.split(clips, cuts), np.split(targets, cuts))))
