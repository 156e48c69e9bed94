"""The one registry of the course's classifiers, generators, transfer methods and strategies, with their help.

Notebook: notebooks/02_classifier.ipynb
"""

from __future__ import annotations

__all__ = ["BEST_TRANSFER", "CLASSIFIERS", "GENERATORS", "NETS", "STRATEGIES", "TRANSFER_METHODS", "choices"]

CLASSIFIERS = {
    "lildata": "Lil Data as the course trains it (notebook 02, section 6); --paper-setup: the paper's network",
    "softmax": "the paper's baseline: one softmax layer on the average spectrum (scikit-learn's logistic "
               "regression, saved as a Keras model)",
    "statistics": "the statistics baseline: logistic regression on each bin's mean, spread and mean "
                  "frame-to-frame change",
    "resnet50": "ResNet50 (notebook 03); --paper-setup: the paper's set-up",
}

GENERATORS = {
    "paper": "the paper's one-to-many LSTM (notebook 05)",
    "autoregressive": "the next-frame LSTM with sampled quantised levels (notebook 05)",
    "beat": "the autoregressive LSTM that reads the beat's phase (notebook 05b)",
    "song": "the song generator: chords over bars, then frames (notebook 05c)",
}

NETS = ("vgg19", "lildata", "random1d")
"""Transfer methods that optimise a spectrogram against a network's costs (notebook 04)."""

TRANSFER_METHODS = {
    "vgg19": "Gatys et al. on VGG19, as in the paper",
    "lildata": "the same costs on a trained Lil Data (lildata:RUN_DIR)",
    "random1d": "a random 1-D convolution over time, after Ulyanov and Lebedev",
    "statistics": "per-bin AdaIN: each bin takes the style's mean and spread over time (notebook 04b)",
    "modulation": "the style's modulation spectrum at the content's moments, on the envelope (notebook 04b)",
}

BEST_TRANSFER = "modulation"
"""``--method best``: the method that came nearest the target on the grid of pairs (RESULTS.md)."""

STRATEGIES = ("auto", "default", "mirrored", "tpu", "multiworker")
"""``lildata train --strategy``: ``tf.distribute`` strategies (``auto``: a TPU, several GPUs, or one device)."""


def choices(table: dict[str, str]) -> str:
    """The names of a table and what each is, for a command's help."""
    return "; ".join(f"{name}: {what}" for name, what in table.items())
