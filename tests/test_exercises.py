"""Every exercise says "not done yet" when left as it is, "right" for the solution, and what is wrong otherwise."""

from __future__ import annotations

import numpy as np
import pytest

from lildata_utils.course import exercises, solutions

CONTEXTS = {
    "01.3": {"measured": {"fast": -28.0, "plain": -21.0}}, "02.3": {"gap": 0.12},
    "02b.1": {"gain": 0.12}, "04.3": {"shifted_cost": 0.01, "other_cost": 3.2}, "04b.2": {"passes": {"judges": True, "content": False}},
    "05.1": {"ratio": 0.4}, "05.4": {"ratios": {0.7: 0.95, 1.0: 1.4}},
    "05b.2": {"tempo": {"noise": 0.1, "frozen": 0.0, "shuffled": 0.6}},
    "05c.3": {"nearest": {"noise": 2.1, "frozen": 1.3, "shuffled": 0.9, "looped": 0.0, "held chord": 0.7}},
}
WRONG = {  # a plausible mistake for each exercise
    "01.1": lambda n, n_fft, hop: (n_fft // 2, n // hop + 1),
    "01.2": lambda magnitude, reference: 10 * np.log10(np.maximum(magnitude, 1e-10) / reference),
    "01.3": "better",
    "02.1": lambda stored: np.concatenate([stored.mean(-1), stored.std(-1)], -1),
    "02.2": lambda p, t, s: float(np.mean(p.argmax(1) == t)),  # clips, not songs
    "02.3": "lower",
    "02b.1": "less",
    "02b.2": lambda predict, clips, frames, n: predict(clips[..., :frames]),
    "03.1": lambda momentum, steps: 1 - momentum ** steps,
    "03.2": lambda stored: np.asarray(stored) * 255.0,
    "04.1": lambda f: f @ f.T,
    "04.2": lambda c, g: np.sum((c - g) ** 2),
    "04.3": "shifted",
    "04b.1": lambda c, s: s,
    "04b.2": "content",
    "05.1": "more",
    "05.2": lambda clips: (clips[:, 1:], clips[:, :-1]),
    "05.3": lambda p, t: p ** t,
    "05.4": "down",
    "05b.1": lambda n, first, per_beat: np.zeros((n, 2)),
    "05b.2": "noise",
    "05c.1": lambda chords, n: np.ones((n, n)) / n,  # the plus one alone, no counting
    "05c.2": lambda templates, chords, edges: np.concatenate(  # each step's column repeated: not stretched linearly
        [np.repeat(templates[c], -(-(b - a) // templates.shape[2]), axis=1)[:, :b - a]
         for c, a, b in zip(chords, edges[:-1], edges[1:])], axis=1),
    "05c.3": "frozen",
    "06.1": "yes",
    "06.2": 4,
}


def test_every_exercise_has_a_check_a_solution_and_a_wrong_answer_here():
    assert set(exercises.CHECKS) == set(solutions.SOLUTIONS) == set(WRONG)


@pytest.mark.parametrize("exercise", sorted(exercises.CHECKS))
def test_an_exercise_says_not_done_right_or_what_is_wrong(exercise, capsys):
    context = CONTEXTS.get(exercise, {})
    assert exercises.check(exercise, None, **context) is None
    assert f"Exercise {exercise}: not done yet" in capsys.readouterr().out
    answer = solutions.solution(exercise, **context)
    assert exercises.check(exercise, answer, **context) is True, exercise
    assert "right" in capsys.readouterr().out
    assert exercises.check(exercise, WRONG[exercise], **context) is False, exercise
    said = capsys.readouterr().out
    assert said.startswith(f"Exercise {exercise}: not yet: ") and "right" not in said and len(said) > 40, said
    if exercise in exercises.FUNCTION_EXERCISES:  # an unwritten function (the notebook's `return None`)
        assert exercises.check(exercise, lambda *args: None, **context) is None
        assert "not done yet" in capsys.readouterr().out


@pytest.mark.parametrize("exercise", exercises.FUNCTION_EXERCISES)
def test_a_function_that_raises_or_is_called_is_explained(exercise, capsys):
    def broken(*args):
        raise KeyError("oops")

    assert exercises.check(exercise, broken) is False
    assert "your function raised KeyError" in capsys.readouterr().out
    assert exercises.check(exercise, 3.0) is False
    assert "give your function itself" in capsys.readouterr().out


def test_the_checks_do_not_give_the_answer_away(capsys):
    for exercise, context in CONTEXTS.items():
        exercises.check(exercise, "neither", **context)
        said = capsys.readouterr().out
        assert "answer one of" in said
        assert "measured" not in said, "a prediction's check says what was measured only once answered"


def test_a_right_answer_to_a_function_exercise_is_found_on_random_inputs_not_one_case(capsys):
    calls = []

    def right_once(*args):  # right on the first case only
        calls.append(args)
        return solutions.SOLUTIONS["02.2"](*args) if len(calls) == 1 else 0.0

    assert exercises.check("02.2", right_once) is False
    assert len(calls) >= 2


def test_the_lessons_own_renderer_is_the_right_answer_to_exercise_2_of_05c(capsys):
    from lildata_utils.lessons import song as lesson05c

    assert exercises.check("05c.2", lambda t, c, e: lesson05c.render_harmony(t, c, e)) is True
