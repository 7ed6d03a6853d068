"""Points for an autograder: the checks of :mod:`pgtheory.checks`, and tests written for one
exercise, run on a student's function and added up, for the test cells of a graded assignment.

The graded assignments (``make assignments``, built with nbgrader) end every implementation
exercise with a test cell of this shape::

    from pgtheory.checks.grading import Score

    marks = Score("ex-reward_to_go-1", points=4, namespace=globals())
    marks.check(checks.check_reward_to_go, "my_reward_to_go", points=2)   # the self-check
    ### BEGIN HIDDEN TESTS
    marks.check(checks.check_reward_to_go, "my_reward_to_go", points=2, defaults=False,
                cases=[...])                                            # cases never shown
    ### END HIDDEN TESTS
    marks.total()

Each part prints a line with its points and, when it fails, the check's message (the same hint
the student's self-check gives); :meth:`Score.total` prints the sum and returns it, and nbgrader
reads that number, the cell's result, as the points of the exercise (partial credit). The
student's copy lacks the hidden part; its total then says how many points the hidden tests are
worth.

Nothing a student submits can stop the cell or make it give points it should not: a missing
name, an exception, an endless loop (stopped after ``time_limit`` seconds, see
:mod:`pgtheory.checks.time_limit`), a warning or text on standard error (which nbgrader would
count as a failed cell) all cost the part's points, with a message. The hidden cases themselves
live in the assignment's source notebook (test cells in the book's sources), not in this module.
"""

from __future__ import annotations

import contextlib
import numbers
import sys
import traceback
import warnings
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from .harness import CheckResult
from .mistakes import STUB_MESSAGE
from .time_limit import TimeLimitExceeded, call_with_time_limit

__all__ = ["DEFAULT_GRADING_TIME_LIMIT", "Part", "Score"]

#: Seconds each call of the student's function may take in a graded test (the checks' own
#: default, 10 s, is meant for a student's kernel; a grader runs 30 notebooks in a row).
DEFAULT_GRADING_TIME_LIMIT = 5.0


@dataclass(frozen=True)
class Part:
    """One graded part of an exercise: what was tested, the points earned and possible, and the
    message shown to the student."""

    description: str
    earned: float
    possible: float
    message: str

    @property
    def passed(self) -> bool:
        return self.earned == self.possible


@contextlib.contextmanager
def _quiet() -> Iterator[None]:
    """Warnings off and standard error sent to standard output: nbgrader gives a test cell no
    points as soon as anything appears on its standard error."""
    with warnings.catch_warnings(), np.errstate(all="ignore"), \
            contextlib.redirect_stderr(sys.stdout):
        warnings.simplefilter("ignore")
        yield


def _points(value: float) -> str:
    return f"{value:g} point{'' if value == 1 else 's'}"


def _positive(value: Any, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not value > 0 \
            or value == float("inf"):
        raise ValueError(f"{name} must be a positive number of points; got {value!r}")
    return float(value)


class Score:
    """The points of one exercise, part by part.

    Parameters
    ----------
    exercise : str
        The exercise's label, e.g. ``"ex-reward_to_go-1"``; printed in every line.
    points : float
        What the whole exercise is worth: the ``points`` of its nbgrader test cell. The parts
        may add up to less in the student's copy (the hidden parts are missing there), never to
        more.
    namespace : mapping
        Where the student's functions are looked up by name (pass ``globals()``).
    time_limit : float or None
        Seconds per call of the student's function (default
        :data:`DEFAULT_GRADING_TIME_LIMIT`); None for none.
    """

    def __init__(self, exercise: str, *, points: float, namespace: Mapping[str, Any],
                 time_limit: float | None = DEFAULT_GRADING_TIME_LIMIT) -> None:
        if not isinstance(exercise, str) or not exercise:
            raise TypeError(f"exercise must be the exercise's label, a non-empty str; got "
                            f"{exercise!r}")
        if not isinstance(namespace, Mapping):
            raise TypeError(f"namespace must be a mapping of names (pass globals()); got "
                            f"{type(namespace).__name__}")
        self.exercise = exercise
        self.points = _positive(points, "points")
        self.namespace = namespace
        self.time_limit = None if time_limit is None else _positive(time_limit, "time_limit")
        self.parts: list[Part] = []

    # --- the parts --------------------------------------------------------------------------

    def _function(self, name: str) -> Callable[..., Any] | str:
        """The student's function called ``name``, or the message saying why there is none."""
        if not isinstance(name, str):
            raise TypeError(f"name must be the name of the student's function, a str; got "
                            f"{type(name).__name__}")
        if name not in self.namespace:
            return (f"No function `{name}` is defined. Keep the name the exercise gives, and run "
                    f"the cell that defines it (a cell that raises stops before the `def`).")
        fn = self.namespace[name]
        if not callable(fn):
            return f"`{name}` is not a function; it is of type {type(fn).__name__}."
        return fn

    def _add(self, description: str, points: float, earned: bool, message: str) -> Part:
        points = _positive(points, "points")
        already = sum(part.possible for part in self.parts)
        if already + points > self.points + 1e-9:
            raise ValueError(f"the parts of {self.exercise} are worth more than its "
                             f"{self.points:g} points ({already:g} + {points:g})")
        part = Part(description, points if earned else 0.0, points, message.rstrip())
        self.parts.append(part)
        mark = "✓" if earned else "✗"
        print(f"{mark} {self.exercise}, {description}: {part.earned:g} of {_points(points)}")
        if part.message and not earned:
            print("  " + part.message.replace("\n", "\n  "))
        return part

    def check(self, check: Callable[..., CheckResult], name: str, *, points: float,
              description: str | None = None, **options: Any) -> Part:
        """Run ``check`` (a ``pgtheory.checks.check_*`` function) on the student's function
        ``name``; all of ``points`` when it passes, none otherwise.

        ``options`` go to the check (``cases=``, ``defaults=``); ``time_limit`` and ``verbose``
        are set here. The check's message is printed when it fails.
        """
        what = description or (f"{check.__name__}" if options.get("defaults", True)
                               else f"{check.__name__}, further cases")
        fn = self._function(name)
        if isinstance(fn, str):
            return self._add(what, points, False, fn)
        try:
            with _quiet():
                result = check(fn, time_limit=self.time_limit, verbose=False, **options)
        except (Exception, SystemExit, TimeLimitExceeded) as error:  # never stop the grader
            return self._add(what, points, False, f"The check could not run your function: "
                             f"{type(error).__name__}: {str(error)[:300]}")
        return self._add(what, points, bool(result), "" if result else result.message)

    def test(self, test: Callable[[Callable[..., Any]], Any], name: str, *, points: float,
             description: str | None = None) -> Part:
        """Run ``test(fn)`` on the student's function ``name``; all of ``points`` when it
        returns, none when it raises.

        ``test`` is an exercise's own test: it calls ``fn`` and compares with pgtheory's exact
        answer, raising ``AssertionError("what is wrong and what to re-read")`` when they
        differ. Any other exception, from the student's code or from using what it returned,
        is reported with its type and message; so is a call that takes longer than the time
        limit.
        """
        what = description or (test.__doc__ or test.__name__).strip().splitlines()[0]
        fn = self._function(name)
        if isinstance(fn, str):
            return self._add(what, points, False, fn)
        try:
            with _quiet():
                call_with_time_limit(lambda: test(fn), self.time_limit)
        except AssertionError as error:
            return self._add(what, points, False, str(error) or "A comparison failed.")
        except TimeLimitExceeded:
            return self._add(what, points, False, f"Your function did not return within "
                             f"{self.time_limit:g} s. Does every loop end?")
        except NotImplementedError:
            return self._add(what, points, False, STUB_MESSAGE)
        except (Exception, SystemExit) as error:  # the student's code may raise anything
            where = traceback.extract_tb(error.__traceback__)[-1]
            return self._add(what, points, False, f"{type(error).__name__}: "
                             f"{str(error)[:300]} (at line {where.lineno}: "
                             f"{(where.line or '').strip()})")
        return self._add(what, points, True, "")

    # --- the sum ----------------------------------------------------------------------------

    @property
    def earned(self) -> float:
        return float(sum(part.earned for part in self.parts))

    def total(self) -> float:
        """Print the sum and return it: the points nbgrader gives this exercise."""
        tested = sum(part.possible for part in self.parts)
        untested = self.points - tested
        line = f"{self.exercise}: {self.earned:g} of {_points(tested)}"
        if untested > 1e-9:
            line += (f"; {_points(untested)} more for tests that run when the assignment is "
                     f"graded")
        print(line + ".")
        return self.earned

    def __repr__(self) -> str:
        return f"<Score {self.exercise}: {self.earned:g} of {self.points:g} points>"
