"""Mistakes as rows of tables: :class:`Mistake` (one check's typical mistakes, in that check's
module) and :data:`GENERIC_MISTAKES`, the failures every check recognises the same way.

Each row carries its message (a ``string.Template``; it says what is wrong and which equation to
re-read, never the answer) and a way to make the mistake, which the tests feed to the checks.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from .cases import Case

__all__ = ["GENERIC_MISTAKES", "GenericMistake", "Mistake"]


@dataclass(frozen=True)
class Mistake:
    """One typical mistake of one check: a row of that check's table.

    Attributes
    ----------
    name : str
        Short identifier, reported as :attr:`CheckResult.mistake`.
    message : str
        What is wrong and what to re-read, as a ``string.Template`` over the case's facts and
        ``$shape``, ``$expected_shape``, ``$what`` (never the answer itself).
    answer : callable
        How a student with this mistake answers: a function with the student's signature. The
        check compares the student's result with it; the tests feed it to the check.
    match : {"value", "shape"} or callable
        ``"value"``: recognised when the result equals ``answer``'s (and the right answer does
        not); ``"shape"``: when it has the shape of ``answer``'s, a wrong one; or a predicate
        ``match(result, case) -> bool``.
    detail : callable, optional
        ``detail(result, case) -> str``, appended to the message (e.g. the exact bias).
    """

    name: str
    message: str
    answer: Callable[..., Any]
    match: str | Callable[[np.ndarray, Case], bool] = "value"
    detail: Callable[[np.ndarray, Case], str] | None = None


@dataclass(frozen=True)
class GenericMistake:
    """A failure every check recognises the same way (a row of :data:`GENERIC_MISTAKES`).

    ``example(right)`` turns a correct function into one that makes this mistake, for the tests.
    """

    name: str
    message: str
    example: Callable[[Callable[..., Any]], Callable[..., Any]]
    shows_case: bool = True


def _raise(error: BaseException) -> Any:
    raise error


def _first_array(args: tuple, kinds: str = "f", last: bool = False) -> np.ndarray:
    arrays = [a for a in args if isinstance(a, np.ndarray) and a.dtype.kind in kinds]
    return arrays[-1 if last else 0]


def _change_in_place_and_return_none(right: Callable[..., Any]) -> Callable[..., Any]:
    def fn(*args: Any) -> None:
        answer, target = np.asarray(right(*args)), _first_array(args)
        target[...] = answer if answer.shape == target.shape else target + 1.0
    return fn


def _right_but_changes_an_input(right: Callable[..., Any]) -> Callable[..., Any]:
    def fn(*args: Any) -> Any:
        answer = right(*args)
        target = _first_array(args, "iuf", last=True)
        target.flat[0] += 1
        return answer
    return fn


def _loop_forever(right: Callable[..., Any]) -> Callable[..., Any]:
    def fn(*args: Any) -> Any:
        while True:
            pass
    return fn


def _first_nan(right: Callable[..., Any]) -> Callable[..., Any]:
    def fn(*args: Any) -> Any:
        answer = np.array(right(*args), dtype=float)
        answer.flat[0] = np.nan
        return answer
    return fn


#: What a student reads when the function still raises NotImplementedError (the checks, and
#: the graded tests of :mod:`pgtheory.checks.grading`).
STUB_MESSAGE = ("Your function raises NotImplementedError: it is still the stub. Replace "
                "`raise NotImplementedError` with your code and run the check again.")

#: The failures every check recognises, in the order the harness looks for them.
GENERIC_MISTAKES: tuple[GenericMistake, ...] = (
    GenericMistake("stub", STUB_MESSAGE,
                   lambda right: lambda *args: _raise(NotImplementedError()), shows_case=False),
    GenericMistake("exception", "Your function raised $error_type$error$where. Read the error "
                   "from the bottom up, and try your function on this case by hand.",
                   lambda right: lambda *args: _raise(ValueError("shapes do not match"))),
    GenericMistake("timeout", "Your function did not return within $limit s on this case. Does "
                   "every loop end? (A `while` whose condition never becomes false, or a counter "
                   "that is never updated, runs forever.)", _loop_forever),
    GenericMistake("none_in_place", "Your function changed `$name` in place and returned None. "
                   "The check, like the code that will call your function, uses what it "
                   "returns: return the result.", _change_in_place_and_return_none),
    GenericMistake("none", "Your function returned None. Did you forget the `return` statement "
                   "at the end?", lambda right: lambda *args: None),
    GenericMistake("changed_input", "Your function changed its argument `$name` in place "
                   "($where_changed). The caller still needs it: the same arrays are used again "
                   "after your function returns. Work on a copy, or build a new array.",
                   _right_but_changes_an_input),
    GenericMistake("list", "Your function returned a Python $type; the $what should be a numpy "
                   "array of shape $expected_shape. A list does no arithmetic element by "
                   "element "
                   "([1, 2] * 2 is [1, 2, 1, 2]), so build the result as an array.",
                   lambda right: lambda *args: np.asarray(right(*args)).tolist()),
    GenericMistake("not_numbers", "Could not read what your function returned ($type) as an "
                   "array of real numbers. It should return the $what, a numpy array of shape "
                   "$expected_shape.", lambda right: lambda *args: "gradient"),
    GenericMistake("shape", "Your function returned shape $shape; the $what has shape "
                   "$expected_shape.", lambda right: lambda *args: np.ravel(right(*args))),
    GenericMistake("not_finite", "Your result contains $bad. Look for a division by zero, the "
                   "log of 0, or exp of a large number.", _first_nan),
    GenericMistake("unrecognised", "Your $what differs from $equation by up to $diff (largest "
                   "at index $index).",
                   lambda right: lambda *args: np.asarray(right(*args), dtype=float) + 0.05),
)
