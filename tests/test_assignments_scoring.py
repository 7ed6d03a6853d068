"""pgtheory.checks.grading.Score: the points a test cell gives, and that nothing a student
writes stops it or reaches standard error (where nbgrader would read a failed cell)."""

from __future__ import annotations

import contextlib
import io
import sys
import warnings

import numpy as np
import pytest

import pgtheory as pg
from pgtheory import checks
from pgtheory.checks.grading import Score


def right(rewards):
    return pg.reward_to_go(np.asarray(rewards, dtype=float))


def run(namespace, **options):
    """A test cell worth 4 points: the check (2), an own test (1), hidden cases (1)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        score = Score("ex-test-1", points=4, namespace=namespace, **options)
        score.check(checks.check_reward_to_go, "fn", points=2)

        def first_column(fn):
            """the first column is the return"""
            rewards = np.array([[1.0, 2.0], [3.0, -1.0]])
            assert np.allclose(np.asarray(fn(rewards))[:, 0], [3.0, 2.0]), "G_1 is not R"

        score.test(first_column, "fn", points=1)
        score.check(checks.check_reward_to_go, "fn", points=1, defaults=False,
                    cases=[checks.reward_to_go_case([[1.0, 2.0, 3.0]])])
        total = score.total()
    return total, score, out.getvalue(), err.getvalue()


def test_right_answer_gets_every_point() -> None:
    total, score, out, err = run({"fn": right})
    assert total == 4 and [p.earned for p in score.parts] == [2, 1, 1]
    assert "ex-test-1: 4 of 4 points." in out and err == ""


def test_stub_gets_nothing_and_says_so() -> None:
    def stub(rewards):
        raise NotImplementedError

    total, score, out, _ = run({"fn": stub})
    assert total == 0
    assert len(score.parts) == 3 and all("still the stub" in p.message for p in score.parts)


def test_wrong_answer_gets_the_checks_hint() -> None:
    total, score, out, _ = run({"fn": lambda r: np.cumsum(np.asarray(r, dtype=float), axis=1)})
    assert total == 0
    assert "FORWARD cumulative sum" in out and "G_1 is not R" in out


def test_right_only_for_arrays_loses_the_hidden_point() -> None:
    total, score, out, _ = run({"fn": lambda r: np.cumsum(r[:, ::-1], axis=1)[:, ::-1]})
    assert total == 3 and score.parts[-1].earned == 0
    assert "TypeError" in out


def test_missing_function_and_not_a_function() -> None:
    total, _, out, _ = run({})
    assert total == 0 and "No function `fn` is defined" in out
    total, _, out, _ = run({"fn": 3})
    assert total == 0 and "`fn` is not a function; it is of type int" in out


def test_endless_loop_costs_points_within_the_time_limit() -> None:
    def forever(rewards):
        while True:
            pass

    total, _, out, _ = run({"fn": forever}, time_limit=0.2)
    assert total == 0 and "did not return within 0.2 s" in out


def test_warnings_and_stderr_of_the_student_never_reach_stderr() -> None:
    def noisy(rewards):
        print("debug", file=sys.stderr)
        warnings.warn("careful", RuntimeWarning, stacklevel=1)
        np.log(np.zeros(1))
        return right(rewards)

    total, _, out, err = run({"fn": noisy})
    assert total == 4 and err == "" and "debug" in out


def test_exceptions_inside_own_tests_are_reported() -> None:
    score = Score("ex-test-1", points=2, namespace={"fn": lambda: None})
    with contextlib.redirect_stdout(io.StringIO()) as out:
        score.test(lambda fn: fn(1, 2, 3), "fn", points=2, description="a call")
    assert score.earned == 0 and "TypeError" in out.getvalue()
    with contextlib.redirect_stdout(io.StringIO()) as out:
        Score("ex-test-1", points=2, namespace={"fn": lambda: None}).test(
            lambda fn: sys.exit(1), "fn", points=2, description="exit")
    assert "SystemExit" in out.getvalue()


def test_the_students_copy_says_what_the_hidden_tests_are_worth() -> None:
    score = Score("ex-test-1", points=4, namespace={"fn": right})
    with contextlib.redirect_stdout(io.StringIO()) as out:
        score.check(checks.check_reward_to_go, "fn", points=3)
        assert score.total() == 3
    assert "3 of 3 points; 1 point more for tests that run when the assignment is graded" \
        in out.getvalue()


def test_bad_arguments_name_themselves() -> None:
    with pytest.raises(ValueError, match="points must be a positive number"):
        Score("ex-test-1", points=0, namespace={})
    with pytest.raises(TypeError, match="namespace must be a mapping"):
        Score("ex-test-1", points=1, namespace=[])
    score = Score("ex-test-1", points=1, namespace={"fn": right})
    with contextlib.redirect_stdout(io.StringIO()):
        score.check(checks.check_reward_to_go, "fn", points=1)
    with pytest.raises(ValueError, match="worth more than its 1 points"):
        score.check(checks.check_reward_to_go, "fn", points=1)
