"""The cases a check runs: the arguments of one call of the student's function, validated, and
how to describe them in a message.

Each check module has a public constructor (``reward_to_go_case(rewards)`` ...) that validates
its arguments and calls :func:`make_case`.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = ["ATOL", "RTOL", "Case", "format_array", "make_case"]

#: Agreement with the reference for float64 inputs: as tight as rounding of a short sum allows,
#: loose enough for float32 intermediate results in the student's code.
RTOL, ATOL = 1e-5, 1e-7


@dataclass(frozen=True, eq=False)
class Case:
    """One call of the student's function: its arguments and how to describe them.

    Build cases with the public constructors (``checks.reward_to_go_case(rewards)`` etc.), which
    validate their arguments; this class is what they return.

    Attributes
    ----------
    check : str
        The check this case belongs to, e.g. ``"check_reward_to_go"``.
    names : tuple of str
        The argument names, in order.
    args : tuple
        The arguments as given (lists stay lists, float32 stays float32); each call of the
        student's function receives fresh deep copies.
    arrays : tuple
        The same arguments validated: float64 or int64 arrays, Python ints and floats. The
        reference answer and the table's wrong answers are computed from these.
    description : str
        How a message shows the case.
    protected : frozenset of str
        Arguments the function must leave unchanged; changing another one is only noted.
    facts : mapping
        Values for the message templates (``n``, ``horizon``, ...) and extras such as ``mdp``.
    rtol, atol : float
        Tolerance of the comparison with the reference.
    """

    check: str
    names: tuple[str, ...]
    args: tuple
    arrays: tuple
    description: str
    protected: frozenset[str]
    facts: Mapping[str, Any]
    rtol: float = RTOL
    atol: float = ATOL


def make_case(check: str, names: Iterable[str], args: Iterable[Any], arrays: Iterable[Any],
              description: str, *, protected: Iterable[str] | None = None,
              facts: Mapping[str, Any] | None = None) -> Case:
    """A :class:`Case`, with copies of ``args`` and ``arrays`` (the caller may change theirs
    afterwards) and a tolerance for the float precision of ``args``.

    ``protected=None`` protects every argument that is an array or a list. Float inputs of less
    than 64 bits (float32) loosen the tolerance to ``rtol = 1e-4`` and ``atol = 1e-4`` times
    the largest input magnitude (at least 1).
    """
    names, args, arrays = tuple(names), copy.deepcopy(tuple(args)), copy.deepcopy(tuple(arrays))
    if protected is None:
        protected = [n for n, a in zip(names, args, strict=True)
                     if isinstance(a, (np.ndarray, list, tuple))]
    elif isinstance(protected, str) or not all(isinstance(p, str) for p in protected):
        raise TypeError(f"protected must be a collection of argument names; got {protected!r}")
    unknown = set(protected) - set(names)
    if unknown:
        raise ValueError(f"protected names {sorted(unknown)}, which are not arguments; the "
                         f"arguments are {list(names)}")
    rtol, atol = RTOL, ATOL
    floats = [np.asarray(a) for a in args if np.asarray(a).dtype.kind == "f"]
    if any(a.dtype.itemsize < 8 for a in floats):
        scale = max([1.0] + [float(np.abs(a).max()) for a in floats if a.size])
        rtol, atol = 1e-4, 1e-4 * scale
    return Case(check, names, args, arrays, description, frozenset(protected),
                dict(facts or {}), rtol, atol)


def format_array(x: Any, indent: int = 4) -> str:
    """An array printed compactly (4 decimals), continuation lines indented."""
    text = np.array2string(np.asarray(x, dtype=float), precision=4, suppress_small=True,
                           separator=", ", max_line_width=88)
    return text.replace("\n", "\n" + " " * indent)
