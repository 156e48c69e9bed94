"""The Lil Data network, the baselines, training, song accuracy and the recipe.

Generated from notebooks/02_classifier.ipynb (its cells marked ``#@save``) by scripts/export_lessons.py:
edit the notebook, then run `make lessons`.

Notebook: notebooks/02_classifier.ipynb
"""

from __future__ import annotations

import keras
import librosa
import numpy as np
import tensorflow as tf
from keras import layers, ops
from sklearn import linear_model, pipeline, preprocessing

__all__ = ["MelBands", "RandomTimeCrop", "average_spectrum", "compile_classifier", "fit_baseline", "fit_classifier", "lil_data", "mixup", "recipe", "song_accuracy", "summary_statistics"]


# notebooks/02_classifier.ipynb, cell 7
def lil_data(input_shape, n_labels, filters=(16, 32, 64, 64), dropout=0.5, dense_units=48):
    """The paper's Lil Data: conv1..conv4 (3x3, ReLU), each then 4x4 max pooling; dropout, dense 48, softmax."""
    x = inputs = keras.Input((*input_shape, 1), name="spectrogram")
    for i, count in enumerate(filters):
        x = layers.Conv2D(count, 3, padding="same", activation="relu", name=f"conv{i + 1}")(x)
        x = layers.MaxPooling2D(4, padding="same", name=f"pool{i + 1}")(x)
    x = layers.Dropout(dropout, name="dropout")(layers.Flatten(name="flatten")(x))
    x = layers.Dense(dense_units, activation="relu", name="dense")(x)
    outputs = layers.Dense(n_labels, activation="softmax", name="genre", dtype="float32")(x)
    return keras.Model(inputs, outputs, name="lil_data")


# notebooks/02_classifier.ipynb, cell 11
def average_spectrum(stored):
    """The mean level of each frequency bin over time: (..., bins, frames) -> (..., bins)."""
    return ops.mean(ops.cast(stored, "float32"), axis=-1)


def summary_statistics(stored):
    """Three numbers a bin: its mean over time, its spread, and its mean absolute change from frame to frame."""
    x = ops.cast(stored, "float32")
    moves = ops.mean(ops.abs(x[..., 1:] - x[..., :-1]), axis=-1)
    return ops.concatenate([ops.mean(x, axis=-1), ops.std(x, axis=-1), moves], axis=-1)


def fit_baseline(features, targets, val_features, val_targets, strengths=(0.01, 0.1, 1.0, 10.0)):
    """Standardised features, one softmax layer (scikit-learn's logistic regression), strength chosen on validation."""
    fits = [pipeline.make_pipeline(preprocessing.StandardScaler(), linear_model.LogisticRegression(C=c, max_iter=3000))
            .fit(features, targets) for c in strengths]
    return max(fits, key=lambda fit: fit.score(val_features, val_targets))


# notebooks/02_classifier.ipynb, cell 14
def compile_classifier(model, learning_rate=1e-3, loss="sparse_categorical_crossentropy"):
    """The loss (cross-entropy of the true genre's probability), the optimiser (Adam) and the metric."""
    model.compile(optimizer=keras.optimizers.Adam(learning_rate), loss=loss, metrics=["accuracy"])
    return model


def fit_classifier(model, train_stream, val_stream, epochs, patience=4, callbacks=(), verbose=2):
    """Train until the validation loss stops improving: the learning rate halves after `patience` // 2 epochs
    without progress, training stops after `patience`, and the best epoch's weights are kept."""
    schedule = [keras.callbacks.ReduceLROnPlateau(patience=max(1, patience // 2), factor=0.5, min_lr=1e-5),
                keras.callbacks.EarlyStopping(patience=patience, restore_best_weights=True)]
    return model.fit(train_stream, validation_data=val_stream, epochs=epochs, callbacks=[*schedule, *callbacks],
                     verbose=verbose, shuffle=False)  # shuffle=False: the tf.data pipeline shuffles each epoch


# notebooks/02_classifier.ipynb, cell 18
def song_accuracy(probabilities, targets, songs):
    """Accuracy per song: a song's genre is the one with the highest mean probability over its clips."""
    songs = np.asarray(songs)
    hits = [probabilities[songs == song].mean(axis=0).argmax() == targets[songs == song][0]
            for song in np.unique(songs)]
    return float(np.mean(hits))


# notebooks/02_classifier.ipynb, cell 24
@keras.saving.register_keras_serializable(package="lildata")
class MelBands(layers.Layer):
    """Stored levels (dB in [0, 1]) -> each mel band's power in dB, standardised band by band (in float32)."""

    def __init__(self, sample_rate, n_fft, floor_db, ceiling_db, mean, variance, **kwargs):
        super().__init__(**{"dtype": "float32", **kwargs})
        self.config = dict(sample_rate=sample_rate, n_fft=n_fft, floor_db=floor_db, ceiling_db=ceiling_db,
                           mean=[float(v) for v in mean], variance=[float(v) for v in variance])
        self.bands = librosa.filters.mel(sr=sample_rate, n_fft=n_fft, n_mels=len(mean), fmin=30.0).T
        self.mean, self.scale = np.float32(mean), np.float32(1 / np.sqrt(np.maximum(variance, 1e-6)))

    def call(self, stored):
        decibels = self.config["floor_db"] + stored[..., 0] * (self.config["ceiling_db"] - self.config["floor_db"])
        power = ops.einsum("bft,fm->bmt", ops.power(10.0, decibels / 10.0), self.bands)
        return ((10.0 * ops.log10(power + 1e-10) - self.mean[:, None]) * self.scale[:, None])[..., None]

    def get_config(self):
        return {**super().get_config(), **self.config}


@keras.saving.register_keras_serializable(package="lildata")
class RandomTimeCrop(layers.Layer):
    """In training, a random stretch of `frames` frames of each batch; when predicting, the whole clip."""

    def __init__(self, frames, **kwargs):
        super().__init__(**kwargs)
        self.frames, self.seed = frames, keras.random.SeedGenerator(0)

    def call(self, x, training=False):
        start = keras.random.randint((), 0, ops.shape(x)[2] - self.frames + 1, seed=self.seed)
        return ops.slice(x, (0, 0, start, 0), (ops.shape(x)[0], x.shape[1], self.frames, 1)) if training else x

    def get_config(self):
        return {**super().get_config(), "frames": self.frames}


def recipe(input_shape, n_labels, bands, filters=(16, 32, 64, 64), crop=0.6, dropout=0.5, momentum=0.9):
    """The course's Lil Data: a crop, mel bands, 2x2 poolings with batch normalisation, time mean, max, statistics."""
    inputs = keras.Input((input_shape[0], None, 1), name="spectrogram")  # any length: crops, then whole clips
    x = seen = bands(RandomTimeCrop(int(crop * input_shape[1]), name="crop")(inputs))
    for i, count in enumerate(filters):
        normalise = layers.BatchNormalization(momentum=momentum)
        x = layers.ReLU()(normalise(layers.Conv2D(count, 3, padding="same", use_bias=False)(x)))
        x = layers.MaxPooling2D(2)(x) if i < len(filters) - 1 else ops.mean(x, axis=1)  # last: mean over bands
    x = layers.Concatenate()([layers.GlobalAveragePooling1D()(x), layers.GlobalMaxPooling1D()(x),
                              summary_statistics(seen[..., 0])])
    outputs = layers.Dense(n_labels, activation="softmax", name="genre", dtype="float32")(layers.Dropout(dropout)(x))
    return keras.Model(inputs, outputs, name="lil_data_recipe")


def mixup(stream, n_labels, alpha=0.4):
    """Each batch blended with itself in another order, weight w ~ Beta(alpha, alpha), and the labels alike."""
    def blend(x, y):
        a, b = (tf.random.gamma((tf.shape(x)[0], 1), alpha) for _ in range(2))
        w, order, y = a / (a + b), tf.random.shuffle(tf.range(tf.shape(x)[0])), tf.one_hot(y, n_labels)
        mix = lambda v, share: share * v + (1 - share) * tf.gather(v, order)  # noqa: E731
        return mix(x, w[:, :, None, None]), mix(y, w)
    return stream.map(blend)
