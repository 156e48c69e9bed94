"""Genre transfer between two clips: its settings, the lesson's run (notebook 04's nets, 04b's closed forms), then
the result inverted, judged and measured beside the content through Griffin-Lim alone (the control), and written.

Notebook: notebooks/04_genre_transfer.ipynb
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any, Callable

import keras
import matplotlib.pyplot as plt
import numpy as np

from ..audio import AudioError, audio_to_stored, load_audio, log_spectral_distance, stored_to_audio, write_wav
from ..course.plots import plot_spectrogram, save_figure
from ..files import write_json
from ..lessons import style as lesson
from ..lessons.style_time import match_statistics, modulation_transfer
from ..limits import bounded, bounded_int
from ..measures.judged import judge_clips
from ..measures.spectral import band_levels, chroma_distance_db, onset_distance, spectral_centroid_hz
from ..models.pretrained import resolve_weights
from ..registry import BEST_TRANSFER, NETS, TRANSFER_METHODS
from ..settings import SpectrogramSettings
from . import RunFolder

__all__ = ["OUTPUT_FILES", "SoundClip", "TransferSettings", "claim_transfer_folder", "envelope_bins",
           "feature_extractor", "finish_transfer", "genre_transfer", "load_sound_clip", "middle_test_clip",
           "transfer_settings"]

OUTPUT_FILES = ("content.wav", "style.wav", "control.wav", "result.wav", "spectrograms.png", "outcome.json")
_CLOSED_FORM = {"style_layers": (), "style_weights": (), "content_layer": "", "alpha": 0.0, "beta": 0.0,
                "iterations": 0}  # a method with no network and no iterations (notebook 04b)
_VGG = lesson.NETS["vgg19"]


@dataclass(frozen=True)
class TransferSettings:
    """One transfer's settings; :func:`transfer_settings` gives a method's defaults.

    Attributes:
        net: A name of :data:`~lildata_utils.registry.TRANSFER_METHODS`: a net whose costs are optimised
            (``vgg19``, ``lildata``, ``random1d``) or a closed form (``statistics``, ``modulation``).
        alpha, beta: The weights of the content and style costs; ``learning_rate``: Adam's, in stored units.
        vgg_weights: ``auto``, ``imagenet``, ``none`` or a weights file; ``filters``, ``width``: random1d's.
        envelope_hz: ``modulation``'s smoothing over frequency into the envelope (0: all is transferred).

    Notebook: notebooks/04_genre_transfer.ipynb
    """

    net: str = "vgg19"
    iterations: int = _VGG["iterations"]
    alpha: float = _VGG["alpha"]
    beta: float = _VGG["beta"]
    learning_rate: float = 0.01
    style_layers: tuple[str, ...] = _VGG["style_layers"]
    style_weights: tuple[float, ...] = _VGG["style_weights"]
    content_layer: str = _VGG["content_layer"]
    vgg_weights: str = "auto"
    filters: int = 4096
    width: int = 11
    seed: int = 0
    envelope_hz: float = 64.0

    def __post_init__(self) -> None:
        if self.net not in TRANSFER_METHODS:
            raise ValueError(f"unknown method {self.net!r}: choose one of {', '.join(TRANSFER_METHODS)} or best")
        for name, flag in (("iterations", "--iterations"), ("filters", "filters"), ("width", "width"),
                           ("seed", "seed")):
            bounded_int(name, getattr(self, name), flag)
        for name, flag in (("alpha", "--alpha"), ("beta", "--beta"), ("envelope_hz", "--envelope-hz")):
            bounded(name, getattr(self, name), flag)
        bounded("transfer_learning_rate", self.learning_rate, "--learning-rate")
        if len(self.style_weights) != len(self.style_layers):
            raise ValueError(f"{len(self.style_layers)} style layers and {len(self.style_weights)} weights")


def transfer_settings(net: str, **changes) -> TransferSettings:
    """A method's settings (``best``: :data:`~lildata_utils.registry.BEST_TRANSFER`): its defaults, notebook 04's
    ``NETS``, with ``changes`` that are not ``None``; a :class:`ValueError` for an unknown method or bad number.

    Notebook: notebooks/04_genre_transfer.ipynb
    """
    net = BEST_TRANSFER if net == "best" else net
    defaults = lesson.NETS[net] if net in NETS else _CLOSED_FORM
    return replace(TransferSettings(net=net, **defaults), **{k: v for k, v in changes.items() if v is not None})


def feature_extractor(settings: TransferSettings, shape: tuple[int, int], classifier=None):
    """Notebook 04's extractor of a net: a Keras model from a stored spectrogram ``(1, bins, frames, 1)`` to its
    style layers' maps, then its content layer's; ``weights_source`` says where its weights came from.

    Raises:
        ValueError: A closed form, or ``lildata`` without its trained ``classifier``.
        LildataError: A VGG19 weights file that does not exist.

    Notebook: notebooks/04_genre_transfer.ipynb
    """
    layers = {"style_layers": settings.style_layers, "content_layer": settings.content_layer}
    if settings.net == "vgg19":
        weights = resolve_weights(settings.vgg_weights, "vgg19")
        keras.utils.set_random_seed(settings.seed)  # random weights (none, or not downloadable) by the seed
        model = lesson.vgg19_features(shape, layers, weights)
        model.weights_source = "imagenet" if weights == "imagenet" else (weights or "random")
    elif settings.net == "lildata":
        if classifier is None:
            raise ValueError("net lildata needs a trained Lil Data classifier (a run folder: lildata:RUN_DIR)")
        model = lesson.classifier_features(classifier, layers)
        model.weights_source = "trained"
    elif settings.net == "random1d":
        model = lesson.random_1d_net(shape, settings.filters, settings.width, settings.seed)
        model.weights_source = "random"
    else:
        raise ValueError(f"{settings.net} is a closed form: it has no network")
    return model


def envelope_bins(settings: SpectrogramSettings, envelope_hz: float) -> float:
    """The smoothing width of ``modulation`` in bins of these spectrograms (a bin is ``sample_rate / n_fft`` Hz).

    Notebook: notebooks/04b_statistics_over_time.ipynb
    """
    return float(envelope_hz) * settings.n_fft / settings.sample_rate


def middle_test_clip(data, genre: str) -> int:
    """The clip number of a genre's middle test clip (of all its clips without test clips), as in the paper's pair.

    Notebook: notebooks/04_genre_transfer.ipynb
    """
    clips = data.select("test", [genre]) or data.select(None, [genre])
    if not clips:
        raise ValueError(f"{data.path}: no clip of {genre!r}")
    return clips[len(clips) // 2].clip


@dataclass
class SoundClip:
    """A clip to transfer from or to: its audio, its stored spectrogram, its genre if known, where it is from.

    Notebook: notebooks/04_genre_transfer.ipynb
    """

    audio: np.ndarray
    stored: np.ndarray
    label: str | None = None
    source: str = ""


def load_sound_clip(source: str, settings: SpectrogramSettings, data=None, offset_seconds: float = 0.0) -> SoundClip:
    """A clip from an audio file (at ``offset_seconds``) or, with ``data``, a clip number of a prepared dataset.

    Raises:
        AudioError: The file cannot be read or is shorter than one clip.
        IndexError: No such clip in the dataset.

    Notebook: notebooks/04_genre_transfer.ipynb
    """
    if data is not None and str(source).isdigit():
        if int(source) >= len(data):
            raise IndexError(f"clip {source} out of range: {data.path} has {len(data)} clips (0 to {len(data) - 1})")
        clip = data.clips[int(source)]
        audio, _ = data.clip_audio(clip.clip)
        return SoundClip(audio, data.spectrogram(clip.clip), clip.label,
                         f"{data.path.name}:{clip.clip} ({clip.song} at {clip.start_s:g} s)")
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
    """Transfer with the lesson (notebook 04's ``style_transfer``, or 04b's closed forms), then invert, judge,
    measure and write: the outcome of :func:`finish_transfer`.

    Args:
        out_dir: Where to write :data:`OUTPUT_FILES` (``None``: nothing); refused before any work if it holds
            anything but a transfer's outputs.
        classifier: The trained Lil Data model of ``net="lildata"``.
        judge, second_judge: ``(model, run_config)`` of classifiers the transfer did not optimise against.
        style_genre: The genre to judge by (default: the style clip's label, else the judge's guess).
        callback: Called after each step with the step and its losses (the nets only).

    Notebook: notebooks/04_genre_transfer.ipynb
    """
    if out_dir is not None:
        claim_transfer_folder(out_dir)  # refused now, before the work, if it cannot be written
    start = time.perf_counter()
    if transfer.net in NETS:
        extractor = feature_extractor(transfer, settings.shape, classifier)
        generated, losses = lesson.style_transfer(extractor, content.stored, style.stored, transfer, callback)
        weights = extractor.weights_source
    else:
        c, s = np.asarray(content.stored, np.float32), np.asarray(style.stored, np.float32)
        generated = match_statistics(c, s) if transfer.net == "statistics" else \
            modulation_transfer(c, s, envelope_bins(settings, transfer.envelope_hz))
        losses, weights = {"total": [], "content": [], "style": []}, "none"
    return finish_transfer(content, style, generated, losses, settings, transfer, time.perf_counter() - start,
                           weights, judge, style_genre, out_dir, second_judge)


def _distances(heard: dict[str, np.ndarray], generated: np.ndarray, settings) -> dict[str, Any]:
    """The log-spectral distances, the content measures (what should stay the content's), the brightness."""
    pairs = [(f"{a}_to_{b}", heard[a], heard[b]) for a, b in
             (("result", "content"), ("result", "style"), ("control", "content"), ("content", "style"))]
    return {
        "log_spectral_distance_db": {**{name: log_spectral_distance(a, b, settings) for name, a, b in pairs},
                                     "optimised_to_content": log_spectral_distance(generated, heard["content"],
                                                                                   settings)},
        "content_measures": {name: {pair: measure(a, b, settings) for pair, a, b in pairs}
                             for name, measure in (("chroma_db", chroma_distance_db), ("onsets", onset_distance))},
        "brightness": {name: {"centroid_hz": spectral_centroid_hz(s, settings), **band_levels(s, settings)}
                       for name, s in heard.items()}}


def _verdicts(outcome: dict[str, Any], heard: dict[str, np.ndarray], judges, style_genre: str | None) -> None:
    """Each judge's probability of the style genre for each sound, into ``outcome`` (the genre: the first one's)."""
    names = ("style", "content", "control", "result")
    for key, who in zip(("judge", "second_judge"), judges):
        if who is None:
            continue
        verdict = judge_clips(who, np.stack([np.asarray(heard[n], np.float32) for n in names]), style_genre)
        outcome[key] = {"run": str(who[1].get("run_dir", "")), "model": who[1].get("training", {}).get("model", ""),
                        "style_genre": verdict["genre"], "probability": dict(zip(names, verdict["probability"])),
                        "predicted": dict(zip(names, verdict["predicted"]))}
        style_genre = verdict["genre"]


def finish_transfer(content: SoundClip, style: SoundClip, generated: np.ndarray, losses: dict, settings,
                    transfer: TransferSettings, seconds: float = 0.0, weights: str = "", judge=None,
                    style_genre: str | None = None, out_dir=None, second_judge=None) -> dict[str, Any]:
    """Invert a transferred spectrogram ``generated``, judge and measure it beside the Griffin-Lim control, and
    write the files (arguments as :func:`genre_transfer`'s; ``losses``: notebook 04's curves, empty lists for a
    closed form).

    Returns:
        The outcome: the settings, the losses (``None`` for a closed form), the log-spectral distances, the
        content measures, the brightness, each judge's verdicts, and the arrays under ``"arrays"`` (not in JSON).

    Notebook: notebooks/04_genre_transfer.ipynb
    """
    if out_dir is not None:
        claim_transfer_folder(out_dir)
    control, result = stored_to_audio(content.stored, settings), stored_to_audio(generated, settings)
    heard = {"content": content.stored, "style": style.stored, "control": audio_to_stored(control, settings),
             "result": audio_to_stored(result, settings)}
    outcome: dict[str, Any] = {
        "net": transfer.net, "settings": json.loads(json.dumps(asdict(transfer))), "spectrogram": settings.to_dict(),
        "content": content.source, "style": style.source, "weights": weights,
        "seconds": round(seconds, 2), "seconds_per_iteration": round(seconds / max(transfer.iterations, 1), 4),
        "losses": {"start": {k: v[0] for k, v in losses.items()}, "end": {k: v[-1] for k, v in losses.items()},
                   "curve": losses} if losses and all(losses.values()) else None,
        **_distances(heard, generated, settings)}
    _verdicts(outcome, heard, (judge, second_judge), style_genre or style.label)
    if out_dir is not None:
        _write_outputs(Path(out_dir), settings, {"content": content.audio, "style": style.audio, "control": control,
                                                 "result": result}, heard, outcome)
    outcome["arrays"] = {"generated": generated, "control": control, "result": result,
                         **{f"{k}_heard": v for k, v in heard.items()}}
    return outcome


def _older_transfer_folder(folder: Path) -> bool:
    """A transfer's folder from before folders were marked: only its files, and its outcome says so."""
    names = {p.name for p in folder.iterdir() if not p.name.startswith(".")}
    try:
        return names <= set(OUTPUT_FILES) and "net" in json.loads((folder / "outcome.json").read_text())
    except (OSError, ValueError, TypeError):
        return False


def claim_transfer_folder(out_dir, create: bool = False) -> Path:
    """Check that ``out_dir`` can be a transfer's output folder (new, empty, or a transfer's own), or refuse it with
    a :class:`LildataError`; ``create``: also make and mark it (only once the outputs are written).

    Notebook: notebooks/04_genre_transfer.ipynb
    """
    return RunFolder(out_dir, "transfer", ours=_older_transfer_folder).claim(create)


def _write_outputs(out_dir: Path, settings, sounds: dict[str, np.ndarray], heard: dict[str, np.ndarray],
                   outcome: dict[str, Any]) -> None:
    run = RunFolder(out_dir, "transfer", ours=_older_transfer_folder)
    run.claim()
    with run.lock("`lildata transfer`"):
        for name, sound in sounds.items():
            write_wav(out_dir / f"{name}.wav", sound, settings.sample_rate)
        fig, axes = plt.subplots(1, 4, figsize=(18, 3.8), constrained_layout=True)
        for ax, name in zip(axes, ("content", "style", "control", "result")):
            plot_spectrogram(heard[name], settings, ax=ax, title=name, colorbar=name == "result")
        fig.suptitle(f"genre transfer with {outcome['net']}")
        save_figure(fig, out_dir / "spectrograms.png")
        write_json(out_dir / "outcome.json", outcome)
