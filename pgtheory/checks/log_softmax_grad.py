"""``check_log_softmax_grad``: the score of the tabular softmax policy, eq. softmax-score
(book/factorization):

    grad_theta log pi_theta(a | s) = e_s ⊗ (e_a - pi_theta(. | s)),

an ``(S, A)`` array that is zero outside row s.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

from .._validation import as_finite_array, check_index
from ..policy import log_policy_grad, log_softmax_policy, softmax_policy
from .cases import Case, format_array, make_case
from .harness import CheckResult, Spec, run
from .mistakes import Mistake
from .shared import doubled_rows, input_kinds, random_theta, softmax_hessian
from .time_limit import DEFAULT_TIME_LIMIT

__all__ = ["MISTAKES", "SPEC", "check_log_softmax_grad", "log_softmax_grad_case"]

CHECK = "check_log_softmax_grad"

#: |logits| above which exp(theta) overflows in float64.
_OVERFLOW = 709.0


def log_softmax_grad_case(theta: Any, s: int, a: int, *, description: str | None = None,
                          protected: Iterable[str] | None = None) -> Case:
    """A case for :func:`check_log_softmax_grad`: ``fn(theta, s, a)`` is compared with eq.
    softmax-score (book/factorization).

    Parameters
    ----------
    theta : array_like(float), shape (S, A)
        Logits, passed to the student's function as given (a list stays a list, float32 stays
        float32).
    s, a : int
        The state and the action, ``0 <= s < S``, ``0 <= a < A``.
    description : str, optional
        How messages show the case; default the shape and theta itself.
    protected : collection of str, optional
        Arguments the function must not change; default ``("theta",)``.

    Returns
    -------
    Case
    """
    array = as_finite_array(theta, "theta", ndim=2)
    n_states, n_actions = array.shape
    s, a = check_index(s, "s", n_states), check_index(a, "a", n_actions)
    what = description or f"theta (S={n_states}, A={n_actions})"
    text = (f"{what}{input_kinds(('theta',), (theta,))}, state s={s}, action a={a}, theta =\n"
            f"    {format_array(array)}")
    facts = {"n_states": n_states, "n_actions": n_actions,
             "large_logits": bool(np.abs(array).max() > _OVERFLOW)}
    return make_case(CHECK, ("theta", "s", "a"), (theta, s, a), (array, s, a), text,
                     protected=protected, facts=facts)


def _default_cases() -> list[Case]:
    theta = random_theta(3, 4, 1)
    return [
        log_softmax_grad_case(theta, 1, 2, description="a random theta (S=3, A=4)"),
        log_softmax_grad_case(theta, 0, 0, description="a random theta (S=3, A=4)"),
        log_softmax_grad_case(theta, 2, 3, description="a random theta (S=3, A=4)"),
        log_softmax_grad_case(np.array([[0.5, 0.0, -0.5]]), 0, 2,
                              description="a bandit (one state, three arms)"),
        log_softmax_grad_case(np.zeros((4, 2)), 3, 1,
                              description="theta = 0 on the chain's shape (S=4, A=2)"),
        log_softmax_grad_case(np.array([[800.0, 801.0, 799.0], [0.0, 1000.0, -1000.0]]), 0, 1,
                              description="large logits (up to 1000), where exp(theta) "
                                          "overflows"),
    ]


# --- how students with each mistake answer --------------------------------------------------


def _one_hot(theta: np.ndarray, s: int, a: int) -> np.ndarray:
    grad = np.zeros_like(theta, dtype=float)
    grad[s, a] = 1.0
    return grad


def _normalised_over(theta: np.ndarray, s: int, a: int, axis: int | None) -> np.ndarray:
    """e_s ⊗ e_a minus a softmax normalised along the wrong axis (0: states, None: all)."""
    e = np.exp(theta - theta.max(axis=axis, keepdims=True))
    probabilities = e / e.sum(axis=axis, keepdims=True)
    grad = -probabilities if axis is None else np.zeros_like(theta, dtype=float)
    if axis is not None:
        grad[s] = -probabilities[s]
    grad[s, a] += 1.0
    return grad


def _every_row(theta: np.ndarray, s: int, a: int) -> np.ndarray:
    grad = -softmax_policy(theta)
    grad[s, a] += 1.0
    return grad


def _naive_exp(theta: np.ndarray, s: int, a: int) -> np.ndarray:
    with np.errstate(over="ignore", invalid="ignore"):  # the overflow is the mistake shown
        e = np.exp(theta)  # overflows for logits above 709
        probabilities = e / e.sum(axis=1, keepdims=True)
    grad = np.zeros_like(theta, dtype=float)
    grad[s] = -probabilities[s]
    grad[s, a] += 1.0
    return grad


def _only_row_s(got: np.ndarray, case: Case) -> bool:
    return got.shape == (case.facts["n_actions"],) and case.facts["n_states"] > 1


def _row_is_right(got: np.ndarray, case: Case) -> str:
    theta, s, a = case.arrays
    right = np.allclose(got, log_policy_grad(theta, s, a)[s], rtol=case.rtol, atol=case.atol)
    return " (Your row s itself is right.)" if right else ""


def _is_log_pi(got: np.ndarray, case: Case) -> bool:
    theta, s, a = case.arrays
    return got.ndim == 0 and bool(np.isclose(got, log_softmax_policy(theta)[s, a]))


def _overflowed(got: np.ndarray, case: Case) -> bool:
    return case.facts["large_logits"] and not np.isfinite(got).all()


#: The typical mistakes, tried in this order.
MISTAKES: tuple[Mistake, ...] = (
    *doubled_rows(lambda theta, s, a: softmax_hessian(theta, s)),
    Mistake("row_only", "Your function returned shape $shape, only the row of state s. The "
            "score is a derivative with respect to ALL of theta, so it has the shape of theta, "
            "$expected_shape, with a row for every state.",
            lambda theta, s, a: log_policy_grad(theta, s, a)[s], _only_row_s, _row_is_right),
    Mistake("log_pi", "Your function returned the number log pi(a|s) itself; the check wants "
            "its gradient with respect to theta, an array of shape $expected_shape.",
            lambda theta, s, a: log_softmax_policy(theta)[s, a], _is_log_pi),
    Mistake("transposed", "Your function returned shape $shape, the shape of theta transposed; "
            "the score has one row per state and one column per action, $expected_shape.",
            lambda theta, s, a: log_policy_grad(theta, s, a).T, "shape"),
    Mistake("overflow", "Your result contains nan or inf for logits as large as 1000, where "
            "exp(theta) overflows. A softmax does not change when the same number is "
            "subtracted from every logit of a state: choose that number so that no exponential "
            "can overflow.", _naive_exp, _overflowed),
    Mistake("one_hot", "Your function returned e_s ⊗ e_a: a 1 at (s, a) and nothing else. The "
            "normaliser of the softmax is missing: log pi(a|s) contains log sum_b "
            "exp(theta[s, b]) too, and its derivative is part of the score.", _one_hot),
    Mistake("sign", "Your result has the right size but the opposite sign. Raising theta[s, a] "
            "makes action a MORE likely, so the (s, a) entry of the score is positive.",
            lambda theta, s, a: -log_policy_grad(theta, s, a)),
    Mistake("every_row", "Row s is right, but the rows of the other states are not zero. The "
            "logits of other states do not appear in pi(a|s), so the derivatives with respect "
            "to them vanish.", _every_row),
    Mistake("grad_pi", "Your function returned the gradient of the probability, grad pi(a|s). "
            "The score is the gradient of its LOGARITHM, log pi(a|s) (the two differ by the "
            "factor pi(a|s)).",
            lambda theta, s, a: softmax_policy(theta)[s, a] * log_policy_grad(theta, s, a)),
    Mistake("wrong_axis", "Your softmax is normalised over the states (axis 0) instead of the "
            "actions: each state s has its own distribution pi(.|s) over the actions, and it "
            "is the rows that sum to 1.", lambda theta, s, a: _normalised_over(theta, s, a, 0)),
    Mistake("all_logits", "Your softmax is normalised over all S*A logits at once; each state "
            "has its own distribution over the actions, normalised over its own row.",
            lambda theta, s, a: _normalised_over(theta, s, a, None)),
)


def _row_sum_clue(got: np.ndarray, case: Case, call: Callable[..., Any]) -> str:
    """Every row of a softmax score sums to 0 over the actions; say so if some rows do not."""
    if np.allclose(got.sum(axis=-1), 0.0, atol=1e-6):
        return ""
    return ("\n  A clue: every row of a softmax score sums to 0 over the actions, because "
            "sum_b pi(b|s) = 1; some rows of yours do not.")


SPEC = Spec(name=CHECK, what="score grad log pi(a|s)", labels=("softmax-score",),
            reference=log_policy_grad, mistakes=MISTAKES, default_cases=_default_cases,
            coverage=", including large logits", clue=_row_sum_clue)


def check_log_softmax_grad(fn: Callable[[np.ndarray, int, int], Any], *,
                           cases: Iterable[Case] | None = None, defaults: bool = True,
                           time_limit: float | None = DEFAULT_TIME_LIMIT,
                           verbose: bool = True) -> CheckResult:
    """Check your score of the tabular softmax policy, grad_theta log pi_theta(a | s).

    Tests eq. softmax-score (book/factorization): e_s ⊗ (e_a - pi_theta(. | s)), an (S, A)
    array that is zero outside row s.

    Parameters
    ----------
    fn : callable
        ``fn(theta, s, a)`` with ``theta: (S, A)`` logits and ints ``s``, ``a``; returns an
        ``(S, A)`` array.
    cases : list of Case, optional
        More cases, from :func:`log_softmax_grad_case`, run after the built-in ones.
    defaults : bool
        Run the six built-in cases (default); False runs only ``cases``.
    time_limit : float or None
        Seconds each call of ``fn`` may take (default 10); None for no limit.
    verbose : bool
        Print the result (default). The message is also in the returned result.

    Returns
    -------
    CheckResult
        Truthy exactly when every case matched :func:`pgtheory.log_policy_grad`.

    Notes
    -----
    The mistakes it names are the rows of :data:`MISTAKES` (the doubled gradient, only row s,
    log pi itself, theta transposed, overflow for large logits, the normaliser missing, the
    sign flipped, the other rows filled in, grad pi, the softmax normalised over states or
    over all logits) and of :data:`pgtheory.checks.mistakes.GENERIC_MISTAKES`.
    """
    return run(SPEC, fn, cases, defaults=defaults, time_limit=time_limit, verbose=verbose)

