"""The exercises' checks: each says "not done yet", "right", or what is wrong, never the answer itself.

Notebook: notebooks/01_data_prep.ipynb
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

from . import solutions as answers

__all__ = ["CHECKS", "FUNCTION_EXERCISES", "NOT_DONE", "check"]

NOT_DONE = "not done yet"


class _Wrong(Exception):
    """What is wrong with an answer, in one sentence."""


def _close(got, expected, what: str, hint: str) -> None:
    got, expected = np.asarray(got, np.float64), np.asarray(expected, np.float64)
    if got.shape != expected.shape:
        raise _Wrong(f"shape {got.shape}: {what} should have shape {expected.shape}")
    if not np.allclose(got, expected, rtol=1e-4, atol=1e-6):
        raise _Wrong(hint)


def _pair(got, what: str) -> None:
    if not isinstance(got, (tuple, list)) or len(got) != 2:
        raise _Wrong(f"give {what}")


def _shape(got, expected, case) -> None:
    _pair(got, "(bins, frames), two whole numbers")
    if int(got[0]) != expected[0]:
        raise _Wrong(f"bins: an FFT of {case[1]} samples has n_fft // 2 + 1 distinct frequencies, not {got[0]}")
    if int(got[1]) != expected[1]:
        raise _Wrong(f"frames, for {case[0]} samples and a hop of {case[2]}: a centred STFT has one frame per hop, "
                     f"and one more; {got[1]} is not it")


def _shift(got, expected, case) -> None:
    _pair(got, "(inputs, targets)")
    _close(got[0], expected[0], "the inputs", "the inputs are every frame but the last")
    _close(got[1], expected[1], "the targets", "the targets are every frame but the first")


def _like(what: str, hint: str) -> Callable:
    return lambda got, expected, case: _close(got, expected, what, hint)


def _crop_cases(rng) -> list[tuple]:
    weights = rng.normal(size=(7, 3))

    def predict(crops):  # any fixed function of a crop's values and its length will do
        z = crops.mean(-1) @ weights + crops.shape[-1] / 10
        return np.exp(z) / np.exp(z).sum(-1, keepdims=True)
    return [(predict, rng.random((4, 7, 20)), 8, 5), (predict, rng.random((2, 7, 11)), 11, 3),
            (predict, rng.random((3, 7, 30)), 6, 2)]


_FUNCTIONS: dict[str, tuple] = {  # exercise: (seed, the cases, how the answer is compared with the solution's)
    "01.1": (0, lambda rng: [(int(rng.integers(1000, 50000)), int(2 * rng.integers(64, 1024)),
                              int(rng.integers(32, 512))) for _ in range(5)], _shape),
    "01.2": (1, lambda rng: [(np.concatenate([[0.0], rng.random(20) * 10 ** rng.uniform(-4, 3)]),
                              float(rng.uniform(10, 400))) for _ in range(3)],
             _like("the decibels", "20 log10(magnitude / reference), with the magnitude at least 1e-10 (no -inf)")),
    "02.1": (2, lambda rng: [(rng.random((3, 7, 11)),), (rng.random((7, 13)),)], _like(
        "the statistics", "means over time first, then spreads (np.std), then the mean of np.abs(np.diff(..., "
        "axis=-1)); check each third against the cell above")),
    "02.2": (3, lambda rng: [(probs, songs % 3, songs.astype(str)) for probs, songs in
                             [(rng.dirichlet(np.ones(3), 24), rng.integers(0, 6, 24)) for _ in range(4)]],
             _like("the accuracy", "average each song's clips' probabilities first, then take the highest; the share "
                   "of songs named correctly, not of clips")),
    "02b.2": (10, _crop_cases, _like("the averaged probabilities (batch x labels)", "n crops of `frames` frames, "
                                     "starting at np.linspace(0, time - frames, n).astype(int); the mean of "
                                     "predict(crop) over them")),
    "03.1": (0, lambda rng: [(m, s) for m in (0.99, 0.9, 0.5) for s in (1, 10, 29, 299)],
             _like("the share", "each step keeps `momentum` of what was there")),
    "03.2": (4, lambda rng: [(rng.random((2, 5, 7, 1)),)],
             _like("the pictures", "scale to 0..255 and repeat the last axis three times")),
    "04.1": (5, lambda rng: [(rng.random((7, 5)),), (rng.random((3, 4)),)], _like(
        "a Gram matrix (channels x channels)", "the sum over positions of each pair of channels' products")),
    "04.2": (6, lambda rng: [(rng.random((1, 4, 5, 3)), rng.random((1, 4, 5, 3))) for _ in range(2)],
             _like("the cost (one number)", "one half of the sum of squared differences")),
    "04b.1": (7, lambda rng: [(rng.random((4, 16)), rng.random((4, 16)))], _like(
        "the levels", "np.abs of the style's rfft times np.exp(1j * np.angle(...)) of the content's")),
    "05.2": (8, lambda rng: [(rng.random((2, 6, 3)),)], _shift),
    "05.3": (9, lambda rng: [(p, t) for p in [rng.dirichlet(np.ones(5), 4)] for t in (0.7, 1.0, 2.0)],
             _like("the probabilities", "raise to 1 / temperature, then divide each row by its sum")),
    "05b.1": (0, lambda rng: [(10, 1.5, 4.0), (7, 0.0, 2.5)], _like(
        "the phase (n_frames x 2)", "the angle is 2 pi (t - first) / per_beat; sine first, then cosine")),
    "05c.1": (11, lambda rng: [([list(rng.integers(0, n, int(rng.integers(2, 9)))) for _ in range(3)], n)
                               for n in (3, 5)], _like("the transitions (n_chords x n_chords)", "row a, column b: "
                               "1 + how often b follows a, over all songs; then divide each row by its sum")),
    "05c.2": (12, lambda rng: [(rng.random((4, 6, 3)), [2, 0, 2, 3], np.array([0, 3, 7, 8, 12])),
                               (rng.random((2, 5, 4)), [1], np.array([0, 9]))],
              _like("the harmonic part (bins x frames)", "bar i is stretch(templates[chords[i]], edges[i + 1] - "
                    "edges[i]); the bars side by side (np.concatenate, axis=1)")),
}


def _function(exercise: str, seed: int, cases: Callable, compare: Callable) -> Callable:
    def check_(answer, **_):
        if not callable(answer):
            raise _Wrong("give your function itself (its name, no brackets)")
        for case in cases(np.random.default_rng(seed)):
            try:
                got = answer(*case)
            except Exception as error:  # a student's code can raise anything
                raise _Wrong(f"your function raised {type(error).__name__}: {error}") from None
            if got is None:
                return None
            compare(got, answers.SOLUTIONS[exercise](*case), case)
        return True
    return check_


_PREDICTIONS: dict[str, tuple[tuple[str, ...], Callable[[dict], str]]] = {  # exercise: (options, what was measured)
    "01.3": (("better", "worse"),
             lambda c: f"plain {c['measured']['plain']:.1f} dB against fast {c['measured']['fast']:.1f} dB"),
    "02.3": (("higher", "lower"), lambda c: f"the chunk split reads {100 * c['gap']:+.1f} points"),
    "02b.1": (("more", "less"),
              lambda c: f"the statistics baseline reads {100 * c['gain']:+.1f} points against the average"),
    "04.3": (("shifted", "other"),
             lambda c: f"to itself shifted {c['shifted_cost']:.3g}, to the other clip {c['other_cost']:.3g}"),
    "04b.2": (("judges", "content"),
              lambda c: ", ".join(f"{k}: {'passed' if v else 'failed'}" for k, v in c["passes"].items())),
    "05.1": (("more", "less"), lambda c: f"variance ratio {c['ratio']:.3f}"),
    "05.4": (("up", "down"), lambda c: f"variance ratio {c['ratios'][0.7]:.2f} at 0.7, {c['ratios'][1.0]:.2f} at 1.0"),
    "05b.2": (("noise", "frozen", "shuffled"), lambda c: ", ".join(f"{k} {v:.0%}" for k, v in c["tempo"].items())),
    "05c.3": (("noise", "frozen", "shuffled", "looped", "held chord", "training bars"),
              lambda c: "nearest-clip distance to real's: "
              + ", ".join(f"{k} {v:.2f}" for k, v in c["nearest"].items())),
}


def _predict(exercise: str, options: tuple[str, ...], said: Callable[[dict], str]) -> Callable:
    def check_(answer, **context):
        if answer not in options:
            raise _Wrong(f"answer one of {', '.join(repr(o) for o in options)}")
        if answer != answers.solution(exercise, **context):
            raise _Wrong(f"measured: {said(context)}")
        return f"right: {said(context)}"
    return check_


def _fixed(exercise: str, why: str) -> Callable:
    def check_(answer, **_):
        if answer != answers.solution(exercise):
            raise _Wrong(why)
        return "right"
    return check_


CHECKS: dict[str, Callable[..., Any]] = dict(sorted({
    **{name: _function(name, *spec) for name, spec in _FUNCTIONS.items()},
    **{name: _predict(name, *spec) for name, spec in _PREDICTIONS.items()},
    "06.1": _fixed("06.1", "run score_answers on 8 answers for one side and 2 for the other: is p below 0.05?"),
    "06.2": _fixed("06.2", "try n of n answers for n = 4, 5, 6 ... with binomtest"),
}.items()))
"""Every exercise of the course, by notebook and number."""

FUNCTION_EXERCISES = tuple(name for name, answer in answers.SOLUTIONS.items() if callable(answer))
"""The exercises that ask for a function body (the others ask for a prediction)."""


def check(exercise: str, answer: Any, **context) -> bool | None:
    """Check an answer (a prediction against ``context``, what the notebook measured) and print what is right or
    wrong; returns ``True`` right, ``False`` wrong, ``None`` not done yet (an answer left as it is).

    Notebook: notebooks/01_data_prep.ipynb
    """
    try:
        said = None if answer is None else CHECKS[exercise](answer, **context)
    except _Wrong as wrong:
        print(f"Exercise {exercise}: not yet: {wrong}")
        return False
    if said is None:
        print(f"Exercise {exercise}: {NOT_DONE}")
        return None
    print(f"Exercise {exercise}: {said if isinstance(said, str) else 'right'}")
    return True
