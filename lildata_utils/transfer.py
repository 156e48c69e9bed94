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

Two methods need no network and no iterations (notebook 04, section 5):
``statistics`` (per-bin AdaIN: each bin takes the style's mean and spread over
time) and ``modulation`` (the spectral envelope takes the style's modulation
spectrum with the content's phase over time; the content's harmonics stay),
:data:`BEST_METHOD`. Results are judged by two classifiers no method saw and
measured by what should stay the content's (:func:`chroma_distance_db`,
:func:`onset_distance`), on the paper's pair and a grid of pairs
(:func:`transfer_grid`, :func:`grid_summary`).

The Gram matrix, the costs (FACTS.md), the compiled step and the loop are
written in notebook 04 (:mod:`lildata_utils.lessons.style`):
``J_content = 1/2 sum (a_C - a_G)^2``,
``J_style = sum_l lambda_l / (2 n_h n_w n_c)^2 sum (G_S - G_G)^2``,
``J = alpha J_content + beta J_style``; the generated spectrogram starts as the
content and is optimised with Adam (step size 0.01 in stored units, kept in
[0, 1]). This module adds the plumbing: the feature extractors, fast twins of
the random 1-D net and its style cost (tested equal to the notebook's), and
:func:`genre_transfer`, which inverts, judges, measures and writes.

Notebook: notebooks/04_genre_transfer.ipynb
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, replace
from typing import Any, Callable

import numpy as np

from .config import SpectrogramSettings

__all__ = ["BEST_METHOD", "CLOSED_FORM", "METHODS", "NETS", "NET_DEFAULTS", "SoundClip", "TransferSettings",
           "band_levels", "chroma_distance_db", "envelope_bins", "fast_style_cost", "feature_extractor",
           "finish_transfer", "genre_transfer", "grid_summary", "load_sound_clip", "onset_distance", "paper_pair", "settings_dict",
           "spectral_centroid_hz", "transfer_grid", "transfer_settings"]

NETS = ("vgg19", "lildata", "random1d")
CLOSED_FORM = ("statistics", "modulation")
"""Methods with no network and no optimisation (notebook 04, section 5): ``statistics`` gives each
frequency bin the style's mean and spread over time (per-bin AdaIN); ``modulation`` gives the spectral
envelope the style's modulation spectrum with the content's timing (the phase over time)."""
METHODS = NETS + CLOSED_FORM
BEST_METHOD = "modulation"
"""The method that came nearest the target of two judges on the transfer grid (RESULTS.md)."""

NET_DEFAULTS: dict[str, dict[str, Any]] = {
    "vgg19": {"style_layers": ("block1_conv1", "block2_conv1", "block3_conv1", "block4_conv1"),
              "style_weights": (0.3, 0.4, 0.2, 0.1), "content_layer": "block5_conv1",
              "alpha": 100.0, "beta": 1000.0, "iterations": 100, "paper_iterations": (10, 100)},
    "lildata": {"style_layers": ("conv1", "conv2", "conv3", "conv4"), "style_weights": (0.3, 0.4, 0.2, 0.1),
                "content_layer": "conv4", "alpha": 50.0, "beta": 500.0, "iterations": 500,
                "paper_iterations": (100, 500)},
    # Ulyanov and Lebedev's alpha 1e-2 on sum (a_C - a_G)^2 is 2e-2 on the course's 1/2 sum (a_C - a_G)^2
    "random1d": {"style_layers": ("conv1d",), "style_weights": (1.0,), "content_layer": "conv1d",
                 "alpha": 2e-2, "beta": 1.0, "iterations": 300, "paper_iterations": (300,)},
    **{method: {"style_layers": (), "style_weights": (), "content_layer": "", "alpha": 0.0, "beta": 0.0,
                "iterations": 0, "paper_iterations": (0,)} for method in CLOSED_FORM},
}
"""The paper's layers, weights, alpha, beta and iterations for each net (random1d: Ulyanov's)."""


@dataclass(frozen=True)
class TransferSettings:
    """One transfer's settings; build with :func:`transfer_settings` to get a net's defaults.

    Attributes:
        net: The method: ``vgg19``, ``lildata`` or ``random1d`` (a network's costs, optimised), or
            ``statistics`` or ``modulation`` (closed form, no iterations); see :data:`METHODS`.
        iterations: Optimisation steps.
        alpha: Weight of the content cost.
        beta: Weight of the style cost.
        learning_rate: Adam's step, in stored units (the spectrogram is in [0, 1]).
        style_layers, style_weights, content_layer: Where costs are measured.
        vgg_weights: ``auto``, ``imagenet``, ``none`` or a weights file (vgg19).
        filters, width: The random 1-D convolution (random1d).
        seed: Seed of random weights.
        envelope_hz: ``modulation``: the width (standard deviation) of the smoothing over frequency that
            makes the spectral envelope (0: none, the whole spectrogram is transferred).
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
    envelope_hz: float = 64.0

    def __post_init__(self) -> None:
        from .limits import bounded, bounded_int

        if self.net not in METHODS:
            raise ValueError(f"unknown method {self.net!r}: choose one of {', '.join(METHODS)} or best")
        for name, flag in (("iterations", "--iterations"), ("filters", "filters"), ("width", "width"),
                           ("seed", "seed")):
            bounded_int(name, getattr(self, name), flag)
        for name, flag in (("alpha", "--alpha"), ("beta", "--beta"), ("envelope_hz", "--envelope-hz")):
            bounded(name, getattr(self, name), flag)
        bounded("transfer_learning_rate", self.learning_rate, "--learning-rate")
        if len(self.style_weights) != len(self.style_layers):
            raise ValueError(f"{len(self.style_layers)} style layers and {len(self.style_weights)} weights")


def transfer_settings(net: str, **changes) -> TransferSettings:
    """The settings of a method with its defaults (the paper's for the nets), with changes (``None`` values are
    ignored). ``best`` is :data:`BEST_METHOD`.

    Notebook: notebooks/04_genre_transfer.ipynb
    """
    net = BEST_METHOD if net == "best" else net
    if net not in METHODS:
        raise ValueError(f"unknown method {net!r}: choose one of {', '.join(METHODS)} or best")
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
    """The random 1-D net with :class:`~lildata_utils.layers.FrameConv1D`: the same numbers as notebook 04's
    ``random_1d_net`` (a ``Conv1D``), about twice as fast to differentiate on a CPU."""
    import keras

    from .layers import FrameConv1D

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


def fast_style_cost(style_grams, generated_features, weights, per_position=False):
    """Notebook 04's ``style_cost``, computed from position-by-position products where there are fewer
    positions than channels (random 1-D: a few hundred frames, 4096 filters), which costs far less::

        sum (G - G_S)^2 = |F F^T|^2 / T^2 - 2 |F F_S^T|^2 / (T T_S) + |F_S F_S^T|^2 / T_S^2

    Needs the style features rather than their Gram matrices: ``style_grams`` holds
    ``(features_S, |F_S F_S^T|^2 / T_S^2)`` pairs where that form is used (see ``_fast_style_for``).
    Tested equal to the notebook's form.

    Notebook: notebooks/04_genre_transfer.ipynb
    """
    import tensorflow as tf

    from .lessons.style import gram_matrix

    total = 0.0
    for weight, target, features in zip(weights, style_grams, generated_features):
        if isinstance(target, tuple):
            style_flat, style_self = target
            flat = tf.reshape(features, (-1, features.shape[-1]))
            n, n_style = float(flat.shape[0]), float(style_flat.shape[0])
            difference = (tf.reduce_sum(tf.square(tf.matmul(flat, flat, transpose_b=True))) / n ** 2
                          - 2.0 * tf.reduce_sum(tf.square(tf.matmul(flat, style_flat, transpose_b=True))) / (n * n_style)
                          + style_self)
        else:
            difference = tf.reduce_sum(tf.square(target - gram_matrix(features, per_position)))
        size = float(np.prod(features.shape[1:]))
        total += weight * (difference if per_position else difference / (2.0 * size) ** 2)
    return total


def _fast_style_for(extractor, style: np.ndarray, settings: TransferSettings):
    """A ``style_cost_fn`` for notebook 04's ``make_step`` that uses :func:`fast_style_cost` (random 1-D)."""
    import tensorflow as tf

    n_style = len(settings.style_layers)
    terms = []
    for features in extractor(np.asarray(style, np.float32)[None, ..., None])[:n_style]:
        flat = tf.reshape(features, (-1, features.shape[-1]))
        positions = float(flat.shape[0])
        if positions < flat.shape[1]:
            terms.append((flat, tf.reduce_sum(tf.square(tf.matmul(flat, flat, transpose_b=True))) / positions ** 2))
        else:
            terms.append(None)

    def style_cost_fn(style_grams, generated_features, weights, per_position=False):
        targets = [term if term is not None else gram for term, gram in zip(terms, style_grams)]
        return fast_style_cost(targets, generated_features, weights, per_position)

    return style_cost_fn


def envelope_bins(settings: SpectrogramSettings, envelope_hz: float) -> float:
    """The smoothing width of ``modulation`` in bins of these spectrograms (a bin is ``sample_rate / n_fft`` Hz).

    Notebook: notebooks/04_genre_transfer.ipynb
    """
    return float(envelope_hz) * settings.n_fft / settings.sample_rate


def _chroma_db(stored: np.ndarray, settings: SpectrogramSettings) -> np.ndarray:
    import librosa

    from .spectrogram import stored_to_magnitude

    magnitude = stored_to_magnitude(stored, settings)
    chroma = librosa.feature.chroma_stft(S=magnitude ** 2, sr=settings.sample_rate, n_fft=settings.n_fft, norm=None)
    chroma = chroma / np.maximum(chroma.max(axis=0, keepdims=True), 1e-10)  # each frame: its loudest pitch class = 1
    return np.maximum(10.0 * np.log10(np.maximum(chroma, 1e-10)), -40.0)


def chroma_distance_db(stored_a: np.ndarray, stored_b: np.ndarray, settings: SpectrogramSettings) -> float:
    """The log-spectral distance of two clips' chromagrams: which pitch classes sound, frame by frame.

    Each frame's chroma is scaled so that its loudest pitch class is 0 dB (floor -40 dB), so loudness and
    timbre do not count, only the notes; the distance is the RMS difference in dB over frames and pitch
    classes. A transfer that keeps the content's melody and chords stays near the content's chroma; copying
    the style clip moves to the style's.

    Notebook: notebooks/04_genre_transfer.ipynb
    """
    a, b = _chroma_db(stored_a, settings), _chroma_db(stored_b, settings)
    return float(np.sqrt(np.mean((a - b) ** 2)))


def _onset_envelope(stored: np.ndarray, settings: SpectrogramSettings) -> np.ndarray:
    from .spectrogram import stored_to_db

    flux = np.maximum(np.diff(stored_to_db(stored, settings), axis=1), 0.0).mean(axis=0)  # spectral flux
    return flux / max(float(flux.max()), 1e-9)


def onset_distance(stored_a: np.ndarray, stored_b: np.ndarray, settings: SpectrogramSettings) -> float:
    """The RMS difference of two clips' onset envelopes (spectral flux, each scaled to a peak of 1): where in
    time the hits are. 0 for the same clip; about 0.2 to 0.6 between clips of different songs.

    Notebook: notebooks/04_genre_transfer.ipynb
    """
    a, b = _onset_envelope(stored_a, settings), _onset_envelope(stored_b, settings)
    return float(np.sqrt(np.mean((a - b) ** 2)))


def _middle_test_clip(data, song: str) -> int:
    clips = [c for c in data.clips if c.song == song]
    return clips[len(clips) // 2].clip


def paper_pair(data, content_genre: str = "lofi", style_genre: str = "future_bass") -> tuple[int, int]:
    """The paper's pair: the middle clip of the middle test clips of a content genre and of a style genre.

    Notebook: notebooks/04_genre_transfer.ipynb
    """
    def middle(genre: str) -> int:
        clips = data.select("test", [genre]) or data.select(None, [genre])
        return clips[len(clips) // 2].clip

    return middle(content_genre), middle(style_genre)


def transfer_grid(data, n_pairs: int = 8, seed: int = 0) -> list[tuple[int, int]]:
    """A fixed grid of ``(content clip, style clip)`` pairs: the middle clips of test songs of two different
    genres, drawn by ``seed``, each ordered pair of genres at most once (fewer pairs if the test split has
    fewer).

    Notebook: notebooks/04_genre_transfer.ipynb
    """
    songs = sorted({(c.label, c.song) for c in data.select("test", None)})
    pairs_of_genres = [(a, b) for a in songs for b in songs if a[0] != b[0]]
    order = np.random.default_rng(seed).permutation(len(pairs_of_genres))
    grid, seen = [], set()
    for i in order:
        (genre_c, song_c), (genre_s, song_s) = pairs_of_genres[i]
        if (genre_c, genre_s) in seen:
            continue
        seen.add((genre_c, genre_s))
        grid.append((_middle_test_clip(data, song_c), _middle_test_clip(data, song_s)))
        if len(grid) == n_pairs:
            break
    return grid


def grid_summary(rows: list[dict[str, Any]], of: str = "result") -> dict[str, Any]:
    """One method's outcomes (:func:`finish_transfer` with both judges) on the paper's pair (the first row) and a
    grid (the rest), summed up: both judges' P(style) on the pair and on average over the grid, the content
    measures to content and to style (means, and how many pairs are nearer the content), the log-spectral
    distances, and whether the target of notebook 04 is met (both judges at least 0.5 on the pair and on
    average, nearer the content than the style in chroma and in onsets on average).
    ``of="control"`` sums up the Griffin-Lim control instead (its distances to the style are the content's).

    Notebook: notebooks/04_genre_transfer.ipynb
    """
    grid = rows[1:]
    key = {"content": f"{of}_to_content", "style": "result_to_style" if of == "result" else "content_to_style"}
    mean = lambda f: float(np.mean([f(r) for r in grid]))  # noqa: E731
    p1 = lambda r: r["judge"]["probability"][of]  # noqa: E731
    p2 = lambda r: r["second_judge"]["probability"][of]  # noqa: E731
    cm = lambda r, k, to: r["content_measures"][k][key[to]]  # noqa: E731
    out = {"paper_pair_judge": p1(rows[0]), "paper_pair_second_judge": p2(rows[0]),
           "grid_judge": mean(p1), "grid_second_judge": mean(p2),
           "chroma_to_content": mean(lambda r: cm(r, "chroma_db", "content")),
           "chroma_to_style": mean(lambda r: cm(r, "chroma_db", "style")),
           "onsets_to_content": mean(lambda r: cm(r, "onsets", "content")),
           "onsets_to_style": mean(lambda r: cm(r, "onsets", "style")),
           "pairs_nearer_content_chroma": sum(cm(r, "chroma_db", "content") < cm(r, "chroma_db", "style") for r in grid),
           "pairs_nearer_content_onsets": sum(cm(r, "onsets", "content") < cm(r, "onsets", "style") for r in grid),
           "lsd_to_content": mean(lambda r: r["log_spectral_distance_db"][key["content"]]),
           "lsd_to_style": mean(lambda r: r["log_spectral_distance_db"][key["style"]]),
           "seconds": mean(lambda r: r["seconds"]) if of == "result" else 0.0, "pairs": len(grid)}
    out["target_met"] = bool(min(out["paper_pair_judge"], out["paper_pair_second_judge"], out["grid_judge"],
                                 out["grid_second_judge"]) >= 0.5
                             and out["chroma_to_content"] < out["chroma_to_style"]
                             and out["onsets_to_content"] < out["onsets_to_style"])
    return out


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
    from .spectrogram import stored_to_db

    decibels = stored_to_db(stored, settings)
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
                   callback: Callable[[int, dict], None] | None = None, second_judge=None) -> dict[str, Any]:
    """Transfer with notebook 04's ``style_transfer``, then invert, judge, measure and write (:func:`finish_transfer`).

    Args:
        content, style: The two clips (:func:`load_sound_clip`).
        settings: The spectrogram settings of both.
        transfer: The transfer settings.
        out_dir: Where to write the sounds, the picture and ``outcome.json`` (``None``: nothing).
        classifier: The trained Lil Data model for ``net="lildata"``.
        judge: ``(model, run_config)`` of a classifier the transfer did not optimise against.
        style_genre: The genre to judge by (default: the style clip's label, else the judge's guess).
        callback: Called after each step with the step and its losses (the nets only).
        second_judge: Another such classifier, of another family (ResNet50 in notebook 04).

    Returns:
        The outcome (see :func:`finish_transfer`).

    Notebook: notebooks/04_genre_transfer.ipynb
    """
    from .lessons.style import match_statistics, modulation_transfer, style_transfer

    if out_dir is not None:
        claim_transfer_folder(out_dir, create=False)  # refused now, before the work, if it cannot be written
    start = time.perf_counter()
    if transfer.net in CLOSED_FORM:
        c, s = np.asarray(content.stored, np.float32), np.asarray(style.stored, np.float32)
        generated = match_statistics(c, s) if transfer.net == "statistics" else \
            modulation_transfer(c, s, envelope_bins(settings, transfer.envelope_hz))
        losses, weights = {"total": [], "content": [], "style": []}, "none"
    else:
        extractor = feature_extractor(transfer, settings.shape, classifier)
        fast = _fast_style_for(extractor, style.stored, transfer) if transfer.net == "random1d" else None
        generated, losses = style_transfer(extractor, content.stored, style.stored, transfer, callback=callback,
                                           style_cost_fn=fast)
        weights = getattr(extractor, "weights_source", "trained" if transfer.net == "lildata" else "random")
    return finish_transfer(content, style, generated, losses, settings, transfer, seconds=time.perf_counter() - start,
                           weights=weights, judge=judge, style_genre=style_genre, out_dir=out_dir,
                           second_judge=second_judge)


def finish_transfer(content: SoundClip, style: SoundClip, generated: np.ndarray, losses: dict, settings,
                    transfer: TransferSettings, seconds: float = 0.0, weights: str = "", judge=None,
                    style_genre: str | None = None, out_dir=None, second_judge=None) -> dict[str, Any]:
    """Invert a transferred spectrogram, judge and measure it beside the Griffin-Lim control; write the files.

    Writes ``content.wav``, ``style.wav``, ``control.wav`` (the content through
    Griffin-Lim alone), ``result.wav``, ``spectrograms.png`` and ``outcome.json``
    to ``out_dir`` (``None``: nothing).

    Returns:
        The outcome: losses at the start and end and their curves (``None`` for
        a closed-form method), the judged probability of the style genre for
        content, control and result (``judge``, and ``second_judge`` when
        given), the log-spectral distances, the distances of chroma and onsets
        (``content_measures``: what should stay the content's), brightness
        measures, and the arrays under ``"arrays"`` (not written to JSON).

    Notebook: notebooks/04_genre_transfer.ipynb
    """
    from .spectrogram import audio_to_stored, log_spectral_distance, stored_to_audio

    if out_dir is not None:
        claim_transfer_folder(out_dir, create=False)
    control = stored_to_audio(content.stored, settings)
    result = stored_to_audio(generated, settings)
    heard = {"content": content.stored, "style": style.stored, "control": audio_to_stored(control, settings),
             "result": audio_to_stored(result, settings)}
    distance = lambda a, b: log_spectral_distance(a, b, settings)  # noqa: E731
    outcome: dict[str, Any] = {
        "net": transfer.net, "settings": settings_dict(transfer), "spectrogram": settings.to_dict(),
        "content": content.source, "style": style.source, "weights": weights,
        "seconds": round(seconds, 2), "seconds_per_iteration": round(seconds / max(transfer.iterations, 1), 4),
        "losses": {"start": {k: v[0] for k, v in losses.items()}, "end": {k: v[-1] for k, v in losses.items()},
                   "curve": losses} if all(losses.values()) else None,
        "log_spectral_distance_db": {
            "result_to_content": distance(heard["result"], content.stored),
            "result_to_style": distance(heard["result"], style.stored),
            "control_to_content": distance(heard["control"], content.stored),
            "content_to_style": distance(content.stored, style.stored),
            "optimised_to_content": distance(generated, content.stored)},
        "content_measures": {
            name: {"result_to_content": measure(heard["result"], content.stored, settings),
                   "result_to_style": measure(heard["result"], style.stored, settings),
                   "control_to_content": measure(heard["control"], content.stored, settings),
                   "content_to_style": measure(content.stored, style.stored, settings)}
            for name, measure in (("chroma_db", chroma_distance_db), ("onsets", onset_distance))},
        "brightness": {name: {"centroid_hz": spectral_centroid_hz(s, settings), **band_levels(s, settings)}
                       for name, s in heard.items()},
    }
    for key, who in (("judge", judge), ("second_judge", second_judge)):
        if who is not None:
            from .training import judge_clips

            names = ("style", "content", "control", "result")
            verdict = judge_clips(who, np.stack([heard[n] for n in names]), style_genre or style.label)
            outcome[key] = {"run": who[1].get("run_dir", ""), "model": who[1].get("training", {}).get("model", ""),
                            "style_genre": verdict["genre"], "probability": dict(zip(names, verdict["probability"])),
                            "predicted": dict(zip(names, verdict["predicted"]))}
            style_genre = verdict["genre"]  # both judges judge by the same genre
    if out_dir is not None:
        _write_outputs(out_dir, settings, content, style, control, result, heard, outcome)
    outcome["arrays"] = {"generated": generated, "control": control, "result": result, **{
        f"{k}_heard": v for k, v in heard.items()}}
    return outcome


TRANSFER_KIND = "lildata-transfer"
_TRANSFER_FILES = {"content.wav", "style.wav", "control.wav", "result.wav", "spectrograms.png", "outcome.json"}


def _older_transfer_folder(folder) -> bool:
    """A folder a transfer wrote before output folders were marked: only its files, its outcome says so."""
    import json

    names = {p.name for p in folder.iterdir() if not p.name.startswith(".")}
    try:
        return names <= _TRANSFER_FILES and "net" in json.loads((folder / "outcome.json").read_text())
    except (OSError, ValueError, TypeError):
        return False


def claim_transfer_folder(out_dir, create: bool = True):
    """Make ``out_dir`` a transfer's output folder, or refuse it in one line (a folder of other files, another
    run): a transfer writes ``content.wav``, ``style.wav`` ... and would replace files of those names.

    Notebook: notebooks/04_genre_transfer.ipynb
    """
    from .files import claim_folder

    return claim_folder(out_dir, TRANSFER_KIND, "a transfer's output folder", ours=_older_transfer_folder,
                        create=create)


def _write_outputs(out_dir, settings, content, style, control, result, heard, outcome) -> None:
    from pathlib import Path

    import matplotlib.pyplot as plt

    from .audio import write_wav
    from .files import save_figure, write_json
    from .plots import plot_spectrogram

    out_dir = claim_transfer_folder(out_dir)
    for name, sound in (("content", content.audio), ("style", style.audio), ("control", control), ("result", result)):
        write_wav(out_dir / f"{name}.wav", sound, settings.sample_rate)
    fig, axes = plt.subplots(1, 4, figsize=(18, 3.8), constrained_layout=True)
    for ax, name in zip(axes, ("content", "style", "control", "result")):
        plot_spectrogram(heard[name], settings, ax=ax, title=name, colorbar=name == "result")
    fig.suptitle(f"genre transfer with {outcome['net']}")
    save_figure(fig, out_dir / "spectrograms.png")
    write_json(out_dir / "outcome.json", outcome)
