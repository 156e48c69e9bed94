"""A ``tf.data`` pipeline that streams a prepared dataset from its shards' memory maps, in a parallel map, so the
dataset can be far larger than memory.

Notebook: notebooks/02_classifier.ipynb
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

import tensorflow as tf

from .reader import PreparedDataset
from .splits import clip_targets

__all__ = ["clip_arrays", "make_tf_dataset"]


def clip_arrays(data: PreparedDataset, split: str | None = None,
                labels: list[str] | None = None) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """``(clips, label_indices, labels)`` of a split (``None``: all) and of ``labels`` in the order that gives
    their indices (``None``: all, sorted)."""
    labels = list(labels) if labels is not None else data.labels
    return (*clip_targets(data.select(split, labels), labels), labels)


def make_tf_dataset(data: PreparedDataset | str | Path, split: str | None = "train",
                    labels: list[str] | None = None, batch_size: int = 32,
                    shuffle: bool = True, seed: int = 0, repeat: bool = False,
                    clips: np.ndarray | None = None, targets: np.ndarray | None = None):
    """A batched, prefetched ``tf.data.Dataset`` of float32 ``(batch, n_bins, n_frames, 1)`` spectrograms and int32
    indices into ``labels``; ``split=None`` reads all clips; ``clips`` and ``targets`` replace ``split`` and ``labels``.

    Notebook: notebooks/02_classifier.ipynb
    """
    if not isinstance(data, PreparedDataset):
        data = PreparedDataset(data)
    if clips is None:
        clips, targets, labels = clip_arrays(data, split, labels)
    if len(clips) == 0:
        raise ValueError(f"no clips in split {split!r} for labels {labels}")
    shape, where = data.settings.shape, [(c.shard, c.row) for c in data.clips]

    def load(batch_clips: np.ndarray) -> np.ndarray:
        out = np.empty((len(batch_clips), *shape, 1), dtype=np.float32)
        for i, clip in enumerate(batch_clips):
            shard, row = where[clip]
            out[i, ..., 0] = data.shard(shard)[row]
        return out

    def tf_load(batch_clips, batch_targets):
        images = tf.numpy_function(load, [batch_clips], tf.float32, stateful=False)
        images.set_shape((None, *shape, 1))
        return images, batch_targets

    dataset = tf.data.Dataset.from_tensor_slices((clips, np.asarray(targets, dtype=np.int32)))
    if shuffle:
        dataset = dataset.shuffle(len(clips), seed=seed, reshuffle_each_iteration=True)
    if repeat:
        dataset = dataset.repeat()
    return dataset.batch(batch_size).map(tf_load, num_parallel_calls=tf.data.AUTOTUNE).prefetch(tf.data.AUTOTUNE)
