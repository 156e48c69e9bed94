"""Answers to the notebooks' exercises, kept apart from the notebooks. Try first!

Each value is the answer, or a function of the check's context for an answer
that depends on what the notebook built (``Derived``).

Notebook: notebooks/01_data_prep.ipynb
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Callable

__all__ = ["Derived", "SOLUTIONS", "solution"]


@dataclass(frozen=True)
class Derived:
    """An answer computed from the check's context."""

    compute: Callable[[dict], Any]


def _gram(features):
    return features.T @ features


SOLUTIONS: dict[str, Any] = {
    "01.1": (129, 126),                     # 256 // 2 + 1 bins; 16000 // 128 + 1 frames
    "01.2": 20 * math.log10(0.5),           # -6.02 dB
    "01.3": Derived(lambda c: "better" if c["measured"]["plain"] < c["measured"]["fast"] else "worse"),
    "02.1": Derived(lambda c: int(c["model"].get_layer("conv1").count_params())),  # 3*3*1*16 + 16 = 160
    "02.2": 1,
    "02.3": "higher",
    "02.4": "leak",
    "03.1": math.ceil(math.log(0.05) / math.log(0.99)),  # 299 steps (with momentum 0.9: 29)
    "03.2": Derived(lambda c: c["resnet_params"] / c["lildata_params"]),
    "04.1": _gram,
    "04.2": Derived(lambda c: "shifted" if c["shifted_cost"] > c["other_cost"] else "other"),
    "04.3": Derived(lambda c: next((k for k, v in c["passes"].items() if v), "judges")),
    "05.1": Derived(lambda c: "up" if c["ratios"][1.0] > c["ratios"][0.7] else "down"),
    "05.2": "same",
    "06.1": "no",                           # binomtest(8, 10).pvalue = 0.109
    "06.2": 6,                              # 6 of 6: p = 0.031; 5 of 5: p = 0.0625
}


def solution(exercise: str, **context) -> Any:
    """The answer to an exercise (computed from ``context`` where it depends on it)."""
    answer = SOLUTIONS[exercise]
    return answer.compute(context) if isinstance(answer, Derived) else answer
