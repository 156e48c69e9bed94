"""A ``tf.data`` pipeline that streams a prepared dataset from disk.

Only the clip indices live in memory; each batch is read from the shards'
memory maps in a parallel map, so the dataset can be far larger than memory.

Notebook: notebooks/02_classifier.ipynb
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .dataset import PreparedDataset

__all__ = ["clip_arrays", "make_tf_dataset"]


def clip_arrays(data: PreparedDataset, split: str | None = None,
                labels: list[str] | None = None) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Clip numbers and label indices for a split and a subset of labels.

    Args:
        data: A prepared dataset.
        split: ``train``, ``val``, ``test`` or ``None`` for all.
        labels: The labels to keep, in the order that gives their indices;
            ``None`` keeps all, sorted.

    Returns:
        ``(clips, label_indices, labels)``.
    """
    labels = list(labels) if labels is not None else data.labels
    chosen = data.select(split, labels)
    index = {label: i for i, label in enumerate(labels)}
    clips = np.array([c.clip for c in chosen], dtype=np.int64)
    targets = np.array([index[c.label] for c in chosen], dtype=np.int32)
    return clips, targets, labels


def make_tf_dataset(data: PreparedDataset | str | Path, split: str | None = "train",
                    labels: list[str] | None = None, batch_size: int = 32,
                    shuffle: bool = True, seed: int = 0, repeat: bool = False,
                    clips: np.ndarray | None = None, targets: np.ndarray | None = None):
    """A batched, prefetched ``tf.data.Dataset`` of ``(spectrogram, label)``.

    Spectrograms come as float32 ``(batch, n_bins, n_frames, 1)`` in [0, 1];
    labels as int32 indices into ``labels`` (re-indexed, so the paper's 4
    genres become 0..3).

    Args:
        data: A prepared dataset or its folder.
        split: The split to read (``None`` for all clips).
        labels: Labels to keep, in index order (``None``: all, sorted).
        batch_size: Clips per batch.
        shuffle: Shuffle the clips (again each epoch).
        seed: Shuffle seed.
        repeat: Repeat forever.
        clips, targets: Explicit clip numbers and label indices, instead of
            ``split`` and ``labels`` (for other ways of splitting).

    Returns:
        A ``tf.data.Dataset``.

    Notebook: notebooks/02_classifier.ipynb
    """
    import tensorflow as tf

    if not isinstance(data, PreparedDataset):
        data = PreparedDataset(data)
    if clips is None:
        clips, targets, labels = clip_arrays(data, split, labels)
    if len(clips) == 0:
        raise ValueError(f"no clips in split {split!r} for labels {labels}")
    shape = data.settings.shape
    shard_of = [c.shard for c in data.clips]
    row_of = np.array([c.row for c in data.clips], dtype=np.int64)

    def load(batch_clips: np.ndarray) -> np.ndarray:
        out = np.empty((len(batch_clips), *shape, 1), dtype=np.float32)
        for i, clip in enumerate(batch_clips):
            out[i, ..., 0] = data.shard(shard_of[clip])[row_of[clip]]
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
    dataset = dataset.batch(batch_size).map(tf_load, num_parallel_calls=tf.data.AUTOTUNE)
    return dataset.prefetch(tf.data.AUTOTUNE)
