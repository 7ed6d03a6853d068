"""The harness every check shares: run the cases, catch the student's exceptions, compare, say
what is wrong, and return the :class:`CheckResult`.

A check (one module each, e.g. :mod:`pgtheory.checks.reward_to_go`) is a :class:`Spec`: what
the student's function computes, the reference answer (pgtheory's own implementation), the
equations to cite, its built-in cases, and a table of
:class:`~pgtheory.checks.mistakes.Mistake` rows, each a typical mistake with its message and a
function that answers the way a student with that mistake would. :func:`run` calls the
student's function on each :class:`~pgtheory.checks.cases.Case` and stops at the first case it
gets wrong, saying why, in this order:

1. the call: ``NotImplementedError`` (the stub), any other exception (with the student's line it
   came from), or no answer within the time limit (:mod:`pgtheory.checks.time_limit`);
2. the arguments: every call gets fresh copies, compared with the originals afterwards, so an
   argument changed in place is reported (or, for an argument the case allows to change, noted);
3. the type: None, a Python list or tuple, anything that is not an array of real numbers;
4. the answer: right when it matches the reference within the case's tolerance; otherwise the
   first row of the check's table that recognises it; failing that, a wrong shape, a NaN or an
   infinity, or how far and where it differs.

The failures of steps 1-4 that every check shares are the rows of
:data:`pgtheory.checks.mistakes.GENERIC_MISTAKES`. Messages say what is wrong and which
equation to re-read (rendered from :data:`pgtheory.checks.equations.EQUATIONS`); they never print
the answer.
"""

from __future__ import annotations

import copy
import numbers
import os
import string
import traceback
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from .cases import Case, format_array
from .equations import cite
from .mistakes import GENERIC_MISTAKES, Mistake
from .time_limit import DEFAULT_TIME_LIMIT, TimeLimitExceeded, call_with_time_limit

__all__ = ["CheckResult", "Spec", "run"]

_PACKAGE = os.path.dirname(os.path.abspath(__file__)) + os.sep


@dataclass(frozen=True)
class CheckResult:
    """The outcome of one check; truthy exactly when it passed.

    Attributes
    ----------
    check : str
        Name of the check, e.g. ``"check_reward_to_go"``.
    passed : bool
        True when every case matched the reference. ``bool(result)`` is ``passed``.
    message : str
        The pass summary, or what went wrong, on which case, and which equation to re-read.
    mistake : str or None
        The name of the table row that recognised the failure (a row of the check's
        ``MISTAKES`` or of :data:`GENERIC_MISTAKES`, e.g. ``"forward_cumsum"``, ``"timeout"``);
        None when passed.
    case : str or None
        The description of the failing case; None when passed.
    printed : bool
        Whether the message was printed when the check ran (``verbose=True``).
    """

    check: str
    passed: bool
    message: str
    mistake: str | None = None
    case: str | None = None
    printed: bool = field(default=False, repr=False, compare=False)

    def __bool__(self) -> bool:
        return self.passed

    def __repr__(self) -> str:
        return f"<CheckResult {self.check}: {'passed' if self.passed else 'failed'}>"

    def _ipython_display_(self) -> None:
        """Show nothing in Jupyter when the message was printed already (no ``Out[]`` line)."""
        if not self.printed:
            print(self.message)


@dataclass(frozen=True)
class Spec:
    """Everything :func:`run` needs to know about one check.

    Attributes
    ----------
    name : str
        ``"check_reward_to_go"``.
    what : str
        What the student's function returns, for messages: ``"reward-to-go"``.
    labels : tuple of str
        Equations the hint cites, the one tested first.
    reference : callable
        The right answer from :attr:`Case.arrays`, computed with pgtheory.
    mistakes : tuple of Mistake
        The table, tried in order.
    default_cases : callable
        ``() -> list[Case]``, the built-in cases.
    coverage : str
        Appended to the pass message when the built-in cases ran: ``", including H = 1"``.
    call : callable, optional
        ``call(fn, args) -> (result, note or None)`` instead of ``(fn(*args), None)``.
    clue : callable, optional
        ``clue(result, case, call) -> str``, appended to an unrecognised wrong answer;
        ``call(*args)`` calls the student's function safely (None on any failure).
    """

    name: str
    what: str
    labels: tuple[str, ...]
    reference: Callable[..., np.ndarray]
    mistakes: tuple[Mistake, ...]
    default_cases: Callable[[], list[Case]]
    coverage: str = ""
    call: Callable[..., tuple[Any, str | None]] | None = None
    clue: Callable[..., str] | None = None


_GENERIC = {row.name: row for row in GENERIC_MISTAKES}


def _where(error: BaseException) -> str:
    """' (at line 3: g[s] = ...)': the innermost frame outside numpy and this package."""
    frames = [frame for frame in traceback.extract_tb(error.__traceback__)
              if not os.path.abspath(frame.filename).startswith(_PACKAGE)
              and f"{os.sep}numpy{os.sep}" not in frame.filename]
    if not frames:
        return ""
    line = (frames[-1].line or "").strip()
    return f" (at line {frames[-1].lineno}: {line})" if line else f" (at line {frames[-1].lineno})"


def _same(before: Any, after: Any) -> bool:
    if isinstance(before, np.ndarray):
        return (isinstance(after, np.ndarray) and before.shape == after.shape
                and before.dtype == after.dtype and bool(np.array_equal(before, after)))
    if isinstance(before, (list, tuple)):
        return (type(before) is type(after) and len(before) == len(after)
                and all(_same(b, a) for b, a in zip(before, after, strict=True)))
    return type(before) is type(after) and bool(before == after)


def _where_changed(name: str, before: Any, after: Any) -> str:
    if (isinstance(before, np.ndarray) and isinstance(after, np.ndarray)
            and before.shape == after.shape):
        index = tuple(int(i) for i in np.argwhere(before != after)[0])
        return (f"afterwards {name}[{', '.join(map(str, index))}] is {after[index]:.4g}; it "
                f"was {before[index]:.4g}")
    return "afterwards it is not what was passed in"


def _as_numbers(result: Any) -> np.ndarray | None:
    """The result as a float array, or None when it is no array of real numbers."""
    try:
        raw = np.asarray(result)
    except Exception:  # ragged nesting and other objects numpy cannot read
        return None
    return raw.astype(float) if raw.dtype.kind in "iuf" else None


def _close(got: np.ndarray, target: np.ndarray, case: Case) -> bool:
    return got.shape == target.shape and bool(
        np.allclose(got, target, rtol=case.rtol, atol=case.atol))


# --- judging one case -------------------------------------------------------------------------


@dataclass(frozen=True)
class _Verdict:
    mistake: str
    message: str
    shows_case: bool = True


def _generic(mistake: str, /, **facts: Any) -> _Verdict:
    row = _GENERIC[mistake]
    return _Verdict(mistake, string.Template(row.message).substitute(facts), row.shows_case)


def _call_student(spec: Spec, fn: Callable[..., Any], case: Case,
                  time_limit: float | None) -> tuple[Any, str | None, tuple] | _Verdict:
    given = copy.deepcopy(case.args)
    call = spec.call or (lambda fn, args: (fn(*args), None))
    try:
        result, note = call_with_time_limit(lambda: call(fn, given), time_limit)
    except NotImplementedError:
        return _generic("stub")
    except TimeLimitExceeded:
        return _generic("timeout", limit=f"{time_limit:g}")
    except (Exception, SystemExit) as error:  # the student's code may raise anything
        where = _where(error) or (f" (your function is called as fn({', '.join(case.names)}))"
                                  if isinstance(error, TypeError) else "")
        text = str(error)[:300]
        return _generic("exception", error_type=type(error).__name__,
                        error=f": {text}" if text else "", where=where)
    return result, note, given


def _judge(spec: Spec, fn: Callable[..., Any], case: Case,
           time_limit: float | None) -> tuple[_Verdict | None, list[str]]:
    """The verdict on one case (None if right) and notes for the pass message."""
    called = _call_student(spec, fn, case, time_limit)
    if isinstance(called, _Verdict):
        return called, []
    result, note, given = called
    notes = [note] if note else []
    changed = [(n, b, a) for n, b, a in zip(case.names, case.args, given, strict=True)
               if not _same(b, a)]
    if result is None:
        return _generic("none_in_place", name=changed[0][0]) if changed else _generic("none"), []
    for name, before, after in changed:
        if name in case.protected:
            return _generic("changed_input", name=name,
                            where_changed=_where_changed(name, before, after)), []
        notes.append(f"your function also changes the `{name}` passed in (in place). That is "
                     "allowed here, but it changes every other reference to that array too "
                     "(e.g. a list of past values); a new array avoids the surprise.")
    expected = np.asarray(spec.reference(*case.arrays), dtype=float)
    facts = {**case.facts, "what": spec.what, "expected_shape": expected.shape,
             "type": type(result).__name__}
    if isinstance(result, (list, tuple)):
        return _generic("list", **facts), []
    got = _as_numbers(result)
    if got is None:
        return _generic("not_numbers", **facts), []
    if _close(got, expected, case):
        return None, notes
    return _diagnose(spec, fn, case, got, expected, {**facts, "shape": got.shape},
                     time_limit), []


def _recognises(row: Mistake, got: np.ndarray, expected: np.ndarray, case: Case) -> bool:
    try:
        with np.errstate(all="ignore"):
            if callable(row.match):
                return bool(row.match(got, case))
            candidate = np.asarray(row.answer(*copy.deepcopy(case.arrays)), dtype=float)
    except Exception:  # this mistake cannot be made on this case (an index out of range, ...)
        return False
    if row.match == "shape":
        return got.shape == candidate.shape != expected.shape
    return _close(got, candidate, case) and not _close(expected, candidate, case)


def _diagnose(spec: Spec, fn: Callable[..., Any], case: Case, got: np.ndarray,
              expected: np.ndarray, facts: dict[str, Any], time_limit: float | None) -> _Verdict:
    for row in spec.mistakes:
        if _recognises(row, got, expected, case):
            detail = row.detail(got, case) if row.detail else ""
            return _Verdict(row.name, string.Template(row.message).substitute(facts) + detail)
    if got.shape != expected.shape:
        return _generic("shape", **facts)
    if not np.isfinite(got).all():
        return _generic("not_finite", bad="nan" if np.isnan(got).any() else "inf")
    difference = np.abs(got - expected)
    index = np.unravel_index(int(np.argmax(difference)), got.shape)
    verdict = _generic("unrecognised", **facts, equation=f"eq. {spec.labels[0]}",
                       diff=f"{difference.max():.3g}", index=list(map(int, index)))
    message = verdict.message
    if got.size <= 16:
        message += f"\n  Yours:\n    {format_array(got)}"
    if spec.clue:
        message += spec.clue(got, case, _safe_call(fn, time_limit))
    return replace(verdict, message=message)


def _safe_call(fn: Callable[..., Any], time_limit: float | None) -> Callable[..., Any]:
    def call(*args: Any) -> Any:
        try:
            return call_with_time_limit(lambda: fn(*copy.deepcopy(args)), time_limit)
        except (Exception, TimeLimitExceeded):  # a clue is a bonus: any failure means no clue
            return None
    return call


# --- running a check --------------------------------------------------------------------------


def _check_arguments(spec: Spec, fn: Any, cases: Any, defaults: Any,
                     time_limit: Any) -> list[Case]:
    """The cases to run; TypeError/ValueError naming the argument that is wrong."""
    if not callable(fn):
        raise TypeError(f"fn must be callable: pass your function itself, e.g. "
                        f"{spec.name}(my_function), not the result of calling it; got "
                        f"{type(fn).__name__}")
    if not isinstance(defaults, bool):
        raise TypeError(f"defaults must be True or False; got {defaults!r}")
    if time_limit is not None:
        if isinstance(time_limit, bool) or not isinstance(time_limit, numbers.Real):
            raise TypeError(f"time_limit must be a number of seconds or None; got "
                            f"{time_limit!r} of type {type(time_limit).__name__}")
        if not 0 < time_limit < float("inf"):
            raise ValueError(f"time_limit must be a positive, finite number of seconds; got "
                             f"{time_limit!r}")
    given = [] if cases is None else list(cases) if isinstance(cases, Iterable) else None
    if given is None or isinstance(cases, Case):
        raise TypeError(f"cases must be a list of cases (e.g. from the {spec.name} case "
                        f"constructor); got {type(cases).__name__}")
    for index, case in enumerate(given):
        if not isinstance(case, Case) or case.check != spec.name:
            made_for = case.check if isinstance(case, Case) else type(case).__name__
            raise TypeError(f"cases[{index}] must be a case for {spec.name}; got one for "
                            f"{made_for}")
    if not defaults and not given:
        raise ValueError("cases must hold at least one case when defaults=False")
    return (spec.default_cases() if defaults else []) + given


def run(spec: Spec, fn: Callable[..., Any], cases: Iterable[Case] | None = None, *,
        defaults: bool = True, time_limit: float | None = DEFAULT_TIME_LIMIT,
        verbose: bool = True) -> CheckResult:
    """Run ``fn`` on the built-in cases (unless ``defaults=False``) and then on ``cases``;
    print (if ``verbose``) and return the :class:`CheckResult`."""
    todo = _check_arguments(spec, fn, cases, defaults, time_limit)
    notes: list[str] = []
    hint = f"Hint: re-read {cite(*spec.labels)}."
    result = None
    for case in todo:
        verdict, case_notes = _judge(spec, fn, case, time_limit)
        if verdict is not None:
            where = f"\n  Case: {case.description}" if verdict.shows_case else ""
            result = CheckResult(spec.name, False, f"✗ {spec.name} failed.\n  "
                                 f"{verdict.message}{where}\n  {hint}", verdict.mistake,
                                 case.description)
            break
        notes += [note for note in case_notes if note not in notes]
    if result is None:
        count = f"{len(todo)} case{'s' if len(todo) > 1 else ''}"
        note = "".join(f"\n  Note: {note}" for note in notes)
        result = CheckResult(spec.name, True, f"✓ {spec.name} passed: your {spec.what} matches "
                             f"{cite(spec.labels[0])} on {count}"
                             f"{spec.coverage if defaults else ''}.{note}")
    if verbose:
        print(result.message)
    return replace(result, printed=bool(verbose))
