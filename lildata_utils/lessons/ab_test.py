"""Scoring a blind A/B listening test.

Generated from notebooks/06_listening.ipynb (its cells marked ``#@save``) by scripts/export_lessons.py:
edit the notebook, then run `make lessons`.

Notebook: notebooks/06_listening.ipynb
"""

from __future__ import annotations

from scipy.stats import binomtest

__all__ = ["score_answers"]


# notebooks/06_listening.ipynb, cell 14
def score_answers(rows):
    """Score blind A/B answers. For each compared pair: how often each side was chosen, and the p-value of a
    two-sided binomial test, the chance of a split at least this uneven if the listeners heard no difference
    and picked at random (p = 1/2)."""
    scores = {}
    for row in rows:
        a, b, chosen = row["a"], row["b"], row["chosen"]
        pair = " vs ".join(sorted((a, b)))
        counts = scores.setdefault(pair, {"counts": {name: 0 for name in sorted((a, b))}})["counts"]
        counts[chosen] += 1
    for score in scores.values():
        first, second = score["counts"].values()
        score["p_value"] = float(binomtest(first, first + second, 0.5).pvalue)
    return scores
