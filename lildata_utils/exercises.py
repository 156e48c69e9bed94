"""The notebooks' exercises: each check says "not done yet", "right", or what is wrong.

An exercise cell holds ``ANSWER = None``; the check cell below it calls
:func:`check` with the answer and whatever it needs from the notebook (the
model you built, the clips you have), so an exercise follows your changes: if
you give Lil Data other filters, the right number of weights changes with them.
The answers are in :mod:`lildata_utils.solutions`, apart, and the tests run
every check against them.

Notebook: notebooks/01_data_prep.ipynb
"""

from __future__ import annotations

import math
from typing import Any, Callable

import numpy as np

__all__ = ["CHECKS", "check"]

NOT_DONE = "not done yet: put your answer in the cell above and run both cells"


def _number(answer: Any) -> float | None:
    try:
        value = float(answer)
    except (TypeError, ValueError):
        return None
    return value if math.isfinite(value) else None


def _near(answer: Any, expected: float, tolerance: float, what: str) -> tuple[bool, str]:
    value = _number(answer)
    if value is None:
        return False, f"give {what} as a number, not {answer!r}"
    if abs(value - expected) <= tolerance:
        return True, f"right: {expected:.4g}"
    direction = "too high" if value > expected else "too low"
    return False, f"{value:.4g} is {direction}; look again at {what}"


def _shape(answer, settings=None, seconds=2.0, sample_rate=8000, n_fft=256, hop_length=128, **_) -> tuple[bool, str]:
    """01.1: the shape of a spectrogram from n_fft, hop and the clip's length."""
    samples = int(round(seconds * sample_rate))
    expected = (n_fft // 2 + 1, samples // hop_length + 1)
    if not isinstance(answer, (tuple, list)) or len(answer) != 2:
        return False, "give (bins, frames), two whole numbers"
    bins, frames = (int(a) for a in answer)
    wrong = []
    if bins != expected[0]:
        wrong.append(f"bins: an FFT of {n_fft} samples gives n_fft // 2 + 1 frequencies, not {bins}")
    if frames != expected[1]:
        wrong.append(f"frames: a centred STFT has one frame per hop of {hop_length} samples, plus one "
                     f"({samples} samples), not {frames}")
    return (True, f"right: {expected}") if not wrong else (False, "; ".join(wrong))


def _half_sine_db(answer, to_unit=None, stft_magnitude=None, settings=None, **_) -> tuple[bool, str]:
    """01.2: what a sine of amplitude 0.5 reads in dB against the full-scale reference."""
    expected = 20 * math.log10(0.5)
    if to_unit is not None and settings is not None:  # measure it with the notebook's own functions
        t = np.arange(settings.clip_samples) / settings.sample_rate
        sine = 0.5 * np.sin(2 * np.pi * settings.sample_rate / settings.n_fft * 20 * t)
        stored = to_unit(stft_magnitude(sine, settings), settings)
        expected = settings.floor_db + float(stored.max()) * (settings.ceiling_db - settings.floor_db)
    return _near(answer, expected, 0.5, "20 log10(amplitude / full scale)")


def _plain_griffin_lim(answer, measured: dict | None = None, **_) -> tuple[bool, str]:
    """01.3: is plain Griffin-Lim (momentum 0) better or worse than fast Griffin-Lim (0.99)?"""
    if answer not in ("better", "worse"):
        return False, "answer 'better' or 'worse'"
    fast, plain = (measured or {}).get("fast", -25.0), (measured or {}).get("plain", -20.0)
    truth = "better" if plain < fast else "worse"
    said = f"plain {plain:.1f} dB against fast {fast:.1f} dB (lower is better)"
    return (True, f"right: {said}") if answer == truth else (False, f"measured: {said}")


def _conv1_weights(answer, model=None, **_) -> tuple[bool, str]:
    """02.1: how many weights (kernel and biases) has conv1?"""
    expected = int(model.get_layer("conv1").count_params()) if model is not None else 160
    value = _number(answer)
    if value is None:
        return False, "give a whole number"
    if value == expected:
        return True, f"right: {expected}"
    if model is not None:
        kernel = model.get_layer("conv1").kernel.shape
        return False, (f"a 3x3 kernel over {kernel[2]} input channel(s) for each of {kernel[3]} filters, "
                       f"plus one bias per filter; not {value:g}")
    return False, f"not {value:g}"


def _song_from_clips(answer, **_) -> tuple[bool, str]:
    """02.2: a song's genre from its clips' probabilities (mean, then the highest)."""
    clips = np.array([[0.6, 0.3, 0.1], [0.2, 0.7, 0.1], [0.4, 0.5, 0.1]])
    expected = int(clips.mean(0).argmax())
    if answer == expected:
        return True, f"right: the mean probabilities are {clips.mean(0).round(2).tolist()}"
    if answer == 0:
        return False, "genre 0 wins one clip; the song is the genre with the highest mean probability"
    return False, f"average each column first: {clips.mean(0).round(2).tolist()}"


def _chunk_vs_song(answer, gap: float | None = None, **_) -> tuple[bool, str]:
    """02.3: will the softmax score higher with the chunk split than with the song split?"""
    if answer not in ("higher", "lower"):
        return False, "answer 'higher' or 'lower'"
    truth = "higher" if (gap if gap is not None else 1.0) > 0 else "lower"
    said = f"measured above: {gap * 100:+.1f} points" if gap is not None else ""
    return (True, f"right. {said}") if answer == truth else (
        False, f"clips of one song sound alike, and the chunk split puts them on both sides. {said}")


def _standardise_leak(answer, **_) -> tuple[bool, str]:
    """02.4: why the standardiser's statistics come from the training clips only."""
    if answer not in ("leak", "slow"):
        return False, "answer 'leak' or 'slow'"
    if answer == "leak":
        return True, "right: the test clips would shape the model, and its test score would no longer be honest"
    return False, "the cost is the same; what changes is that the test clips would shape the model"


def _bn_steps(answer, momentum: float = 0.99, **_) -> tuple[bool, str]:
    """03.1: steps until a running mean keeps less than 5% of its start: momentum ** n < 0.05."""
    expected = math.ceil(math.log(0.05) / math.log(momentum))
    return _near(answer, expected, max(1.0, 0.03 * expected), f"momentum ** steps < 0.05 with momentum {momentum}")


def _weights_ratio(answer, resnet_params: int | None = None, lildata_params: int | None = None, **_):
    """03.2: how many times more weights has ResNet50 than Lil Data?"""
    if not resnet_params or not lildata_params:
        return False, "run the cell that builds both networks first"
    expected = resnet_params / lildata_params
    return _near(answer, expected, 0.1 * expected, "the two parameter counts printed above")


def _gram_function(answer, gram_matrix: Callable | None = None, **_) -> tuple[bool, str]:
    """04.1: write a Gram matrix of features (positions x channels) in numpy."""
    if not callable(answer):
        return False, "define a function my_gram(features) and give it"
    rng = np.random.default_rng(0)
    features = rng.random((7, 5)).astype(np.float32)
    got = answer(features)
    if got is None:
        return False, NOT_DONE
    got = np.asarray(got)
    expected = features.T @ features
    if got.shape != expected.shape:
        return False, f"shape {got.shape}: a Gram matrix is channels x channels, {expected.shape}"
    if not np.allclose(got, expected, rtol=1e-4):
        return False, "the sum over positions of each pair of channels' products: F^T F"
    return True, "right: F^T F (channels x channels)"


def _shift_style(answer, shifted_cost: float | None = None, other_cost: float | None = None, **_):
    """04.2: which style cost is larger, to the clip shifted in time or to another genre's clip?"""
    if answer not in ("shifted", "other"):
        return False, "answer 'shifted' or 'other'"
    if shifted_cost is None or other_cost is None:
        return False, "run the cell that measures both first"
    truth = "shifted" if shifted_cost > other_cost else "other"
    said = f"to itself shifted: {shifted_cost:.3g}, to the other clip: {other_cost:.3g}"
    return (True, f"right: a Gram matrix sums over positions, so moving the music in time hardly changes it ({said})"
            ) if answer == truth else (False, f"measured: {said}")


def _copy_passes(answer, passes: dict | None = None, **_) -> tuple[bool, str]:
    """04.3: the style clip copied as the "result": which test does it pass, the judges' or the content's?"""
    if answer not in ("judges", "content"):
        return False, "answer 'judges' or 'content'"
    if not passes:
        return False, "run the cell that measures the copy first"
    said = ", ".join(f"{k}: {'passed' if v else 'failed'}" for k, v in passes.items())
    if passes[answer] and not passes["judges" if answer == "content" else "content"]:
        return True, f"right ({said}): a judge's probability alone rewards copying the style; the notes and hits do not"
    return False, f"measured: {said}"


def _temperature(answer, ratios: dict | None = None, **_) -> tuple[bool, str]:
    """05.1: does the variance ratio go up or down at temperature 1.0 (from 0.7)?"""
    if answer not in ("up", "down"):
        return False, "answer 'up' or 'down'"
    if not ratios:
        return False, "run the cell that samples at both temperatures first"
    truth = "up" if ratios[1.0] > ratios[0.7] else "down"
    said = f"variance ratio {ratios[0.7]:.2f} at 0.7, {ratios[1.0]:.2f} at 1.0"
    return (True, f"right: a flatter distribution spreads the levels ({said})") if answer == truth else (
        False, f"measured: {said}")


def _paper_deterministic(answer, same: bool | None = None, **_) -> tuple[bool, str]:
    """05.2: does the paper's model give the same clip twice for the same first frame?"""
    if answer not in ("same", "different"):
        return False, "answer 'same' or 'different'"
    truth = "same" if same in (None, True) else "different"
    return (True, "right: it has no randomness, so one first frame always gives one clip") if answer == truth else (
        False, "it computes the same numbers for the same input: nothing in it is random")


def _binomial(answer, score: Callable | None = None, **_) -> tuple[bool, str]:
    """06.1: 8 of 10 answers for one side: is that evidence (p < 0.05) of hearing a difference?"""
    if answer not in ("yes", "no"):
        return False, "answer 'yes' or 'no'"
    from scipy.stats import binomtest

    p = binomtest(8, 10, 0.5).pvalue
    truth = "yes" if p < 0.05 else "no"
    return (True, f"right: p = {p:.3f}: a coin gives 8 of 10 or more uneven that often") if answer == truth else (
        False, f"p = {p:.3f}, which is not below 0.05: a coin does that often enough")


def _fewest_answers(answer, **_) -> tuple[bool, str]:
    """06.2: the fewest answers, all for one side, that give p < 0.05."""
    from scipy.stats import binomtest

    expected = next(n for n in range(1, 30) if binomtest(n, n, 0.5).pvalue < 0.05)
    value = _number(answer)
    if value is None:
        return False, "give a whole number"
    if value == expected:
        return True, f"right: {expected} of {expected} gives p = {binomtest(expected, expected, 0.5).pvalue:.3f}"
    p = binomtest(int(value), int(value), 0.5).pvalue if value >= 1 else 1.0
    return False, f"{value:g} of {value:g} gives p = {p:.3f}"


CHECKS: dict[str, Callable[..., tuple[bool, str]]] = {
    "01.1": _shape, "01.2": _half_sine_db, "01.3": _plain_griffin_lim,
    "02.1": _conv1_weights, "02.2": _song_from_clips, "02.3": _chunk_vs_song, "02.4": _standardise_leak,
    "03.1": _bn_steps, "03.2": _weights_ratio,
    "04.1": _gram_function, "04.2": _shift_style, "04.3": _copy_passes,
    "05.1": _temperature, "05.2": _paper_deterministic,
    "06.1": _binomial, "06.2": _fewest_answers,
}
"""Every exercise of the course, by notebook and number."""


def check(exercise: str, answer: Any, **context) -> bool | None:
    """Check an answer and print what is right or wrong; ``None`` (not answered) prints "not done yet".

    Args:
        exercise: ``"01.1"`` and so on (see :data:`CHECKS`).
        answer: The student's answer.
        **context: What the check measures with (the notebook's model, functions, results).

    Returns:
        ``True`` right, ``False`` wrong, ``None`` not done yet.

    Notebook: notebooks/01_data_prep.ipynb
    """
    if answer is None:
        print(f"Exercise {exercise}: {NOT_DONE}")
        return None
    ok, message = CHECKS[exercise](answer, **context)
    print(f"Exercise {exercise}: {message}")
    return ok if message != NOT_DONE else None
