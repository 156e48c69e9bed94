"""Neural genre transfer: style transfer on spectrograms, then back to audio.

Three networks can judge "content" and "style":

* ``vgg19``: Gatys et al. on keras.applications.VGG19, as in the paper: the
  1-channel spectrogram is scaled to 0..255, repeated to 3 channels and
  passed through VGG's preprocessing. Style from ``block1_conv1`` ..
  ``block4_conv1`` (weights 0.3, 0.4, 0.2, 0.1), content from
  ``block5_conv1``; alpha 100, beta 1000.
* ``lildata``: the same costs on a trained Lil Data classifier: style from
  ``conv1`` .. ``conv4`` (0.3, 0.4, 0.2, 0.1), content from ``conv4``; alpha 50,
  beta 500.
* ``random1d``: after Ulyanov and Lebedev's audio style transfer: the frequency
  bins are the channels of a 1 x T image, one random, untrained 1-D convolution
  over time (4096 filters, width 11) with ReLU; Gram matrices over time
  (``F^T F / T``), content = the same features; alpha 1e-2, beta 1. Texture
  statistics pooled over time, with every frequency seen at once, are what move
  timbre; 2-D image filters see a spectrogram as a picture of edges.

The costs (FACTS.md): ``J_content = 1/2 sum (a_C - a_G)^2``,
``J_style = sum_l lambda_l / (2 n_h n_w n_c)^2 sum (G_S - G_G)^2``,
``J = alpha J_content + beta J_style``. The generated spectrogram starts as the
content and is optimised with Adam (step size 0.01 in stored units, kept in
[0, 1]) by one compiled ``tf.function`` step; Adam rather than L-BFGS because
it runs the same on a CPU, a GPU and in a notebook slider.

Notebook: notebooks/04_genre_transfer.ipynb
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, replace
from typing import Any, Callable

import numpy as np

from .config import SpectrogramSettings

__all__ = ["FrameConv1D", "NETS", "NET_DEFAULTS", "SoundClip", "StyleTransfer", "TransferSettings", "band_levels", "feature_extractor",
           "genre_transfer", "load_sound_clip", "settings_dict",
           "spectral_centroid_hz", "transfer_settings"]

NETS = ("vgg19", "lildata", "random1d")

NET_DEFAULTS: dict[str, dict[str, Any]] = {
    "vgg19": {"style_layers": ("block1_conv1", "block2_conv1", "block3_conv1", "block4_conv1"),
              "style_weights": (0.3, 0.4, 0.2, 0.1), "content_layer": "block5_conv1",
              "alpha": 100.0, "beta": 1000.0, "iterations": 100, "paper_iterations": (10, 100)},
    "lildata": {"style_layers": ("conv1", "conv2", "conv3", "conv4"), "style_weights": (0.3, 0.4, 0.2, 0.1),
                "content_layer": "conv4", "alpha": 50.0, "beta": 500.0, "iterations": 500,
                "paper_iterations": (100, 500)},
    "random1d": {"style_layers": ("conv1d",), "style_weights": (1.0,), "content_layer": "conv1d",
                 "alpha": 1e-2, "beta": 1.0, "iterations": 300, "paper_iterations": (300,)},
}
"""The paper's layers, weights, alpha, beta and iterations for each net (random1d: Ulyanov's)."""


@dataclass(frozen=True)
class TransferSettings:
    """One transfer's settings; build with :func:`transfer_settings` to get a net's defaults.

    Attributes:
        net: ``vgg19``, ``lildata`` or ``random1d``.
        iterations: Optimisation steps.
        alpha: Weight of the content cost.
        beta: Weight of the style cost.
        learning_rate: Adam's step, in stored units (the spectrogram is in [0, 1]).
        style_layers, style_weights, content_layer: Where costs are measured.
        vgg_weights: ``auto``, ``imagenet``, ``none`` or a weights file (vgg19).
        filters, width: The random 1-D convolution (random1d).
        seed: Seed of random weights.
    """

    net: str = "vgg19"
    iterations: int = 100
    alpha: float = 100.0
    beta: float = 1000.0
    learning_rate: float = 0.01
    style_layers: tuple[str, ...] = NET_DEFAULTS["vgg19"]["style_layers"]
    style_weights: tuple[float, ...] = NET_DEFAULTS["vgg19"]["style_weights"]
    content_layer: str = "block5_conv1"
    vgg_weights: str = "auto"
    filters: int = 4096
    width: int = 11
    seed: int = 0


def transfer_settings(net: str, **changes) -> TransferSettings:
    """The settings of a net with the paper's defaults, with changes (``None`` values are ignored).

    Notebook: notebooks/04_genre_transfer.ipynb
    """
    if net not in NETS:
        raise ValueError(f"unknown net {net!r}: choose one of {', '.join(NETS)}")
    defaults = {k: v for k, v in NET_DEFAULTS[net].items() if k != "paper_iterations"}
    return replace(TransferSettings(net=net, **defaults), **{k: v for k, v in changes.items() if v is not None})


def _vgg_extractor(shape: tuple[int, int], settings: TransferSettings):
    import keras

    from .models import resolve_weights

    weights = resolve_weights(settings.vgg_weights, "vgg19")
    keras.utils.set_random_seed(settings.seed)
    vgg = keras.applications.VGG19(include_top=False, weights=weights, input_shape=(*shape, 3))
    vgg.trainable = False
    names = list(settings.style_layers) + [settings.content_layer]
    probe = keras.Model(vgg.input, [vgg.get_layer(n).output for n in names])
    inputs = keras.Input((*shape, 1))
    x = keras.layers.Concatenate()([inputs * 255.0] * 3)
    x = keras.applications.vgg19.preprocess_input(x)
    model = keras.Model(inputs, probe(x), name="vgg19_features")
    model.weights_source = "imagenet" if weights == "imagenet" else (weights or "random")
    return model


def _lildata_extractor(classifier, settings: TransferSettings):
    import keras

    names = list(settings.style_layers) + [settings.content_layer]
    model = keras.Model(classifier.input, [classifier.get_layer(n).output for n in names], name="lildata_features")
    model.trainable = False
    return model


def _random1d_extractor(shape: tuple[int, int], settings: TransferSettings):
    import keras

    bins, frames = shape
    rng = np.random.default_rng(settings.seed)
    std = np.sqrt(2.0) * np.sqrt(2.0 / ((bins + settings.filters) * settings.width))  # Ulyanov and Lebedev's
    kernel = (rng.standard_normal((settings.width, bins, settings.filters)) * std).astype(np.float32)
    inputs = keras.Input((*shape, 1))
    conv = FrameConv1D(settings.filters, settings.width, name="conv1d")
    features = conv(inputs)
    conv.set_weights([kernel.reshape(settings.width * bins, settings.filters)])
    model = keras.Model(inputs, [features, features], name="random1d_features")
    model.trainable = False
    return model


def _frame_conv_layer():
    import keras

    @keras.saving.register_keras_serializable(package="lildata")
    class FrameConv1D(keras.layers.Layer):
        """A 1-D convolution over time with the frequency bins as channels, then ReLU.

        ``(batch, bins, frames, 1) -> (batch, 1, frames - width + 1, filters)``. Written as the
        ``width`` shifted copies of the frames side by side times one matrix: the same numbers as a
        ``Conv2D`` of kernel ``(1, width)``, and its gradient with respect to the input costs about
        half of the convolution's on a CPU.
        """

        def __init__(self, filters: int, width: int, **kwargs):
            super().__init__(**kwargs)
            self.filters, self.width = filters, width

        def build(self, input_shape):
            self.kernel = self.add_weight(shape=(self.width * input_shape[1], self.filters), name="kernel",
                                          initializer="glorot_uniform")

        def call(self, inputs):
            from keras import ops

            x = ops.transpose(inputs[..., 0], (0, 2, 1))  # (batch, frames, bins)
            n = x.shape[1] - self.width + 1
            columns = ops.concatenate([x[:, i:i + n] for i in range(self.width)], axis=-1)
            return ops.relu(ops.matmul(columns, self.kernel))[:, None]

        def get_config(self):
            return {**super().get_config(), "filters": self.filters, "width": self.width}

    return FrameConv1D


FrameConv1D = _frame_conv_layer()


def feature_extractor(settings: TransferSettings, shape: tuple[int, int], classifier=None):
    """A Keras model from a stored spectrogram ``(1, bins, frames, 1)`` to its style and content features.

    Args:
        settings: The transfer settings (``net`` picks the network).
        shape: ``(n_bins, n_frames)``.
        classifier: A trained Lil Data model (``net="lildata"``).

    Returns:
        A model whose outputs are the style layers, then the content layer.

    Notebook: notebooks/04_genre_transfer.ipynb
    """
    if settings.net == "vgg19":
        return _vgg_extractor(shape, settings)
    if settings.net == "lildata":
        if classifier is None:
            raise ValueError("net lildata needs a trained Lil Data classifier (a run folder)")
        return _lildata_extractor(classifier, settings)
    if settings.net == "random1d":
        return _random1d_extractor(shape, settings)
    raise ValueError(f"unknown net {settings.net!r}")


class StyleTransfer:
    """Optimise a spectrogram towards a style while keeping a content.

    Example:
        >>> run = StyleTransfer(extractor, settings, content, style)  # doctest: +SKIP
        >>> result = run.run()                                        # doctest: +SKIP

    Notebook: notebooks/04_genre_transfer.ipynb
    """

    def __init__(self, extractor, settings: TransferSettings, content: np.ndarray, style: np.ndarray,
                 dual_gram: bool = True):
        import keras
        import tensorflow as tf

        self.extractor, self.settings, self.dual_gram = extractor, settings, dual_gram
        self.one_d = settings.net == "random1d"
        content = tf.constant(np.asarray(content, np.float32)[None, ..., None])
        style = tf.constant(np.asarray(style, np.float32)[None, ..., None])
        n_style = len(settings.style_layers)
        outputs = extractor(style)
        self.style_grams = [self._gram(f) for f in outputs[:n_style]]
        # With more channels than positions (random1d: 4096 filters, a few hundred frames), the style cost
        # is computed from position-by-position products instead of the channel-by-channel Gram matrix:
        #   sum (G - G_S)^2 = |F F^T|^2 / T^2 - 2 |F F_S^T|^2 / (T T_S) + |F_S F_S^T|^2 / T_S^2,
        # the same number for a fraction of the work (tested against the direct form).
        self.style_features = [tf.reshape(f, (-1, f.shape[-1])) for f in outputs[:n_style]]
        self.style_self = [tf.reduce_sum(tf.square(tf.matmul(f, f, transpose_b=True))) / float(f.shape[0]) ** 2
                           if self.one_d and f.shape[0] < f.shape[1] else None for f in self.style_features]
        self.content_target = extractor(content)[n_style]
        self.image = tf.Variable(content, name="generated", trainable=True)
        self.optimizer = keras.optimizers.Adam(settings.learning_rate)
        self.optimizer.build([self.image])  # its slots exist before the step is traced: one trace only
        self.weights = tf.constant(settings.style_weights, tf.float32)
        self.losses: dict[str, list[float]] = {"total": [], "content": [], "style": []}
        self.step = tf.function(self._step, reduce_retracing=True)

    def _gram(self, features):
        import tensorflow as tf

        channels = features.shape[-1]
        flat = tf.reshape(features, (-1, channels))
        gram = tf.matmul(flat, flat, transpose_a=True)
        return gram / tf.cast(tf.shape(flat)[0], tf.float32) if self.one_d else gram

    def _positions_first(self, features) -> bool:
        """Whether the position-by-position form is cheaper (fewer positions than channels)."""
        return self.dual_gram and int(np.prod(features.shape[1:-1])) < features.shape[-1]

    def costs(self, image):
        """``(total, content, style)`` costs of a ``(1, bins, frames, 1)`` image."""
        import tensorflow as tf

        n_style = len(self.settings.style_layers)
        outputs = self.extractor(image)
        style = 0.0
        for i, (weight, features) in enumerate(zip(tf.unstack(self.weights), outputs[:n_style])):
            if self.one_d and self._positions_first(features):
                flat = tf.reshape(features, (-1, features.shape[-1]))
                n, n_style_positions = float(flat.shape[0]), float(self.style_features[i].shape[0])
                diff = (tf.reduce_sum(tf.square(tf.matmul(flat, flat, transpose_b=True))) / n ** 2
                        - 2.0 * tf.reduce_sum(tf.square(tf.matmul(flat, self.style_features[i], transpose_b=True)))
                        / (n * n_style_positions) + self.style_self[i])
            else:
                diff = tf.reduce_sum(tf.square(self._gram(features) - self.style_grams[i]))
            if self.one_d:
                style += weight * diff
            else:
                _, h, w, c = features.shape
                style += weight * diff / float(2 * h * w * c) ** 2
        difference = tf.reduce_sum(tf.square(outputs[n_style] - self.content_target))
        content = difference if self.one_d else 0.5 * difference
        return self.settings.alpha * content + self.settings.beta * style, content, style

    def _step(self):
        import tensorflow as tf

        with tf.GradientTape() as tape:
            total, content, style = self.costs(self.image)
        grad = tape.gradient(total, self.image)
        self.optimizer.apply_gradients([(grad, self.image)])
        self.image.assign(tf.clip_by_value(self.image, 0.0, 1.0))
        return total, content, style

    def run(self, iterations: int | None = None, callback: Callable[[int, dict], None] | None = None) -> np.ndarray:
        """Run the optimisation; returns the generated stored spectrogram ``(bins, frames)``.

        Losses are recorded in :attr:`losses` (the first entry is before any step).
        """
        if not self.losses["total"]:
            self._record(*self.costs(self.image))
        for i in range(self.settings.iterations if iterations is None else iterations):
            self._record(*self.step())
            if callback:
                callback(i, {k: v[-1] for k, v in self.losses.items()})
        return self.result()

    def _record(self, total, content, style) -> None:
        for key, value in (("total", total), ("content", content), ("style", style)):
            self.losses[key].append(float(value))

    def result(self) -> np.ndarray:
        """The generated spectrogram now, ``(bins, frames)`` float32 in [0, 1]."""
        return self.image.numpy()[0, ..., 0]


def spectral_centroid_hz(stored: np.ndarray, settings: SpectrogramSettings) -> float:
    """The magnitude-weighted mean frequency of a stored spectrogram, in Hz ("brightness").

    Notebook: notebooks/04_genre_transfer.ipynb
    """
    from .spectrogram import stored_to_magnitude

    magnitude = stored_to_magnitude(stored, settings)
    freqs = np.linspace(0, settings.sample_rate / 2, settings.n_bins)
    return float((freqs[:, None] * magnitude).sum() / max(magnitude.sum(), 1e-12))


def band_levels(stored: np.ndarray, settings: SpectrogramSettings) -> dict[str, float]:
    """Mean level in dB of the low, middle and high thirds of the bins.

    Notebook: notebooks/04_genre_transfer.ipynb
    """
    decibels = settings.floor_db + np.asarray(stored, np.float32) * (settings.ceiling_db - settings.floor_db)
    thirds = np.array_split(decibels, 3, axis=0)
    return {name: float(part.mean()) for name, part in zip(("low_db", "mid_db", "high_db"), thirds)}


def settings_dict(settings: TransferSettings) -> dict[str, Any]:
    """The settings as plain JSON values."""
    return {k: list(v) if isinstance(v, tuple) else v for k, v in asdict(settings).items()}


@dataclass
class SoundClip:
    """A clip to transfer from or to: its audio, its stored spectrogram, its genre if known."""

    audio: np.ndarray
    stored: np.ndarray
    label: str | None = None
    source: str = ""


def load_sound_clip(source: str, settings: SpectrogramSettings, data=None, offset_seconds: float = 0.0) -> SoundClip:
    """A clip from an audio file (at ``offset_seconds``) or, with ``data``, a clip number of a prepared dataset.

    Raises:
        AudioError: The file cannot be read or is shorter than one clip.
        IndexError: No such clip in the dataset.
        ValueError: A negative offset.

    Notebook: notebooks/04_genre_transfer.ipynb
    """
    from .audio import AudioError, load_audio
    from .spectrogram import audio_to_stored

    if data is not None and str(source).isdigit():
        if int(source) >= len(data):
            raise IndexError(f"clip {source} out of range: {data.path} has {len(data)} clips (0 to {len(data) - 1})")
        clip = data.clips[int(source)]
        audio, _ = data.clip_audio(clip.clip)  # rebuilt from the spectrogram when the songs are not here
        return SoundClip(audio, data.spectrogram(clip.clip), clip.label, f"{data.path.name}:{clip.clip} "
                                                                        f"({clip.song} at {clip.start_s:g} s)")
    if offset_seconds < 0:
        raise ValueError(f"the offset into {source} must be 0 or more seconds, not {offset_seconds:g}")
    try:
        audio = load_audio(source, settings.sample_rate, offset_seconds, settings.clip_seconds)
    except AudioError as error:
        raise AudioError(f"{source}: {error}") from None
    if len(audio) < settings.clip_samples:
        raise AudioError(f"{source}: shorter than {settings.clip_seconds:g} s after {offset_seconds:g} s")
    return SoundClip(audio, audio_to_stored(audio, settings), None, f"{source} at {offset_seconds:g} s")


def genre_transfer(content: SoundClip, style: SoundClip, settings: SpectrogramSettings, transfer: TransferSettings,
                   out_dir=None, classifier=None, judge=None, style_genre: str | None = None,
                   callback: Callable[[int, dict], None] | None = None) -> dict[str, Any]:
    """Transfer, invert, judge and measure; write the sounds, the picture and ``outcome.json``.

    Args:
        content, style: The two clips (:func:`load_sound_clip`).
        settings: The spectrogram settings of both.
        transfer: The transfer settings.
        out_dir: Where to write ``content.wav``, ``style.wav``, ``control.wav``
            (the content through Griffin-Lim alone), ``result.wav``,
            ``spectrograms.png`` and ``outcome.json`` (``None``: write nothing).
        classifier: The trained Lil Data model for ``net="lildata"``.
        judge: ``(model, run_config)`` of a classifier the transfer did not
            optimise against, to judge the genre shift.
        style_genre: The genre to judge by (default: the style clip's label,
            else the judge's guess for the style clip).
        callback: Called after each step with the step and its losses.

    Returns:
        The outcome: losses at the start and end and their curves, the judged
        probability of the style genre for content, control and result, the
        log-spectral distances, brightness measures, and the arrays under
        ``"arrays"`` (not written to JSON).

    Notebook: notebooks/04_genre_transfer.ipynb
    """
    from .spectrogram import audio_to_stored, log_spectral_distance, stored_to_audio

    extractor = feature_extractor(transfer, settings.shape, classifier)
    run = StyleTransfer(extractor, transfer, content.stored, style.stored)
    start = time.perf_counter()
    generated = run.run(callback=callback)
    seconds = time.perf_counter() - start
    control = stored_to_audio(content.stored, settings)
    result = stored_to_audio(generated, settings)
    heard = {"content": content.stored, "style": style.stored, "control": audio_to_stored(control, settings),
             "result": audio_to_stored(result, settings)}
    outcome: dict[str, Any] = {
        "net": transfer.net, "settings": settings_dict(transfer), "spectrogram": settings.to_dict(),
        "content": content.source, "style": style.source,
        "weights": getattr(extractor, "weights_source", "trained" if transfer.net == "lildata" else "random"),
        "seconds": round(seconds, 2), "seconds_per_iteration": round(seconds / max(transfer.iterations, 1), 4),
        "losses": {"start": {k: v[0] for k, v in run.losses.items()}, "end": {k: v[-1] for k, v in run.losses.items()},
                   "curve": run.losses},
        "log_spectral_distance_db": {
            "result_to_content": log_spectral_distance(heard["result"], content.stored, settings),
            "result_to_style": log_spectral_distance(heard["result"], style.stored, settings),
            "control_to_content": log_spectral_distance(heard["control"], content.stored, settings),
            "content_to_style": log_spectral_distance(content.stored, style.stored, settings),
            "optimised_to_content": log_spectral_distance(generated, content.stored, settings)},
        "brightness": {name: {"centroid_hz": spectral_centroid_hz(s, settings), **band_levels(s, settings)}
                       for name, s in heard.items()},
    }
    if judge is not None:
        from .training import predict_stored

        model, config = judge
        labels = config["labels"]
        probs = predict_stored(model, np.stack([heard["style"], heard["content"], heard["control"], heard["result"]]))
        genre = style_genre or style.label or labels[int(probs[0].argmax())]
        if genre not in labels:
            raise ValueError(f"the judge does not know the genre {genre!r} (it knows {', '.join(labels)})")
        index = labels.index(genre)
        outcome["judge"] = {"run": config.get("run_dir", ""), "style_genre": genre,
                            "probability": {name: float(p[index]) for name, p in
                                            zip(("style", "content", "control", "result"), probs)},
                            "predicted": {name: labels[int(p.argmax())] for name, p in
                                          zip(("style", "content", "control", "result"), probs)}}
    if out_dir is not None:
        _write_outputs(out_dir, settings, content, style, control, result, heard, outcome)
    outcome["arrays"] = {"generated": generated, "control": control, "result": result, **{
        f"{k}_heard": v for k, v in heard.items()}}
    return outcome


def _write_outputs(out_dir, settings, content, style, control, result, heard, outcome) -> None:
    import json
    from pathlib import Path

    import matplotlib.pyplot as plt

    from .audio import write_wav
    from .files import save_figure, write_json
    from .plots import plot_spectrogram

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    for name, sound in (("content", content.audio), ("style", style.audio), ("control", control), ("result", result)):
        write_wav(out_dir / f"{name}.wav", sound, settings.sample_rate)
    fig, axes = plt.subplots(1, 4, figsize=(18, 3.8), constrained_layout=True)
    for ax, name in zip(axes, ("content", "style", "control", "result")):
        plot_spectrogram(heard[name], settings, ax=ax, title=name, colorbar=name == "result")
    fig.suptitle(f"genre transfer with {outcome['net']}")
    save_figure(fig, out_dir / "spectrograms.png")
    write_json(out_dir / "outcome.json", outcome)
