"""The Lil Data network, its loss and training, the baseline, song accuracy.

Generated from notebooks/02_classifier.ipynb (its cells marked ``#@save``) by scripts/export_lessons.py:
edit the notebook, then run `make lessons`.

Notebook: notebooks/02_classifier.ipynb
"""

from __future__ import annotations

import keras
import numpy as np
from keras import layers
from lildata_utils.layers import Standardise, TimeAverage
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

__all__ = ["average_spectrum", "bin_statistics", "compile_classifier", "fit_classifier", "lil_data", "softmax_baseline", "song_accuracy", "standardiser"]


def lil_data(input_shape, n_labels, filters=(16, 32, 64, 64), dropout=0.5, dense_units=48, front=None,
             spectrum=False, pool_time=False):
    """The paper's Lil Data CNN: four 3x3 convolutions named conv1..conv4, each followed by 4x4 max pooling;
    then dropout, a dense layer of 48 and a softmax over the genres. `front`: a layer in front (section 2b's
    standardisation, or augmentation), or None as in the paper. `spectrum`: the clip's average spectrum goes
    to the dense layer beside what the convolutions found (section 2b). `pool_time`: average the last
    feature map over time, so the dense layer reads what sounds, not when (section 2b)."""
    inputs = keras.Input((*input_shape, 1), name="spectrogram")
    seen = front(inputs) if front is not None else inputs
    x = seen
    for i, count in enumerate(filters):
        x = layers.Conv2D(count, 3, padding="same", activation="relu", name=f"conv{i + 1}")(x)
        x = layers.MaxPooling2D(4, padding="same", name=f"pool{i + 1}")(x)
    if pool_time:
        x = layers.AveragePooling2D((1, x.shape[2]), name="time_pool")(x)
    x = layers.Flatten(name="flatten")(x)
    if spectrum:
        x = layers.Concatenate(name="with_spectrum")([x, TimeAverage(name="average_spectrum")(seen)])
    x = layers.Dropout(dropout, name="dropout")(x)
    x = layers.Dense(dense_units, activation="relu", name="dense")(x)
    outputs = layers.Dense(n_labels, activation="softmax", name="genre", dtype="float32")(x)
    return keras.Model(inputs, outputs, name="lil_data")


def average_spectrum(stored):
    """A clip's average spectrum: the mean level of each frequency bin over time. Timbre and loudness, no
    rhythm, no change."""
    return np.asarray(stored, np.float32).mean(axis=-1)


def softmax_baseline(features, targets, strength=1.0):
    """The benchmark softmax classifier: standardised average spectra into a multinomial logistic regression
    (one softmax layer), fitted by scikit-learn in seconds."""
    model = make_pipeline(StandardScaler(), LogisticRegression(C=strength, max_iter=2000))
    return model.fit(features, targets)


def bin_statistics(clips):
    """Mean and variance of each frequency bin over every frame of every clip, summed one clip at a time."""
    count, total, squares = 0, 0.0, 0.0
    for clip in clips:
        clip = np.asarray(clip, np.float64)
        count, total, squares = count + clip.shape[1], total + clip.sum(axis=1), squares + (clip ** 2).sum(axis=1)
    mean = total / count
    return mean, squares / count - mean ** 2


def standardiser(mean, variance):
    """A layer that makes each frequency bin zero-mean and unit-variance: the treble counts as much as the bass."""
    return Standardise(mean, variance, name="standardise")  # (x - mean) / sqrt(variance), bin by bin


def compile_classifier(model, learning_rate=1e-3):
    """The loss (cross-entropy of the true genre's probability), the optimiser (Adam) and the metric."""
    model.compile(optimizer=keras.optimizers.Adam(learning_rate), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    return model


def fit_classifier(model, train_stream, val_stream, epochs, patience=4, callbacks=(), verbose=2):
    """Train with early stopping: stop when the validation loss has not improved for `patience` epochs, and go
    back to the weights of the best epoch. Returns Keras' history (loss and accuracy per epoch)."""
    stop = keras.callbacks.EarlyStopping(monitor="val_loss", patience=patience, restore_best_weights=True)
    return model.fit(train_stream, validation_data=val_stream, epochs=epochs, callbacks=[stop, *callbacks],
                     verbose=verbose, shuffle=False)  # shuffle=False: the tf.data pipeline shuffles each epoch


def song_accuracy(probabilities, targets, songs):
    """Accuracy per song: a song's genre is the one with the highest mean probability over its clips."""
    songs = np.asarray(songs)
    hits = [probabilities[songs == song].mean(axis=0).argmax() == targets[songs == song][0]
            for song in np.unique(songs)]
    return float(np.mean(hits))
