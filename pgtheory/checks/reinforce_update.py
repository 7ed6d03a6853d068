"""``check_reinforce_update``: one REINFORCE step, gradient ASCENT on J, eq. reinforce-update
(book/reinforce):

    theta <- theta + alpha * g.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

from .._validation import as_finite_array, check_real
from ..exact import exact_gradient, expected_return
from ..mdp import chain_mdp
from .cases import Case, format_array, make_case
from .harness import CheckResult, Spec, run
from .mistakes import Mistake
from .shared import check_mdp_for, input_kinds, random_theta
from .time_limit import DEFAULT_TIME_LIMIT

__all__ = ["MISTAKES", "SPEC", "check_reinforce_update", "reinforce_update_case"]

CHECK = "check_reinforce_update"


def reinforce_update_case(theta: Any, grad: Any, learning_rate: float, *, mdp: Any = None,
                          description: str | None = None,
                          protected: Iterable[str] = ("grad",)) -> Case:
    """A case for :func:`check_reinforce_update`: ``fn(theta, grad, learning_rate)`` is
    compared with eq. reinforce-update (book/reinforce).

    Parameters
    ----------
    theta, grad : array_like(float), shape (S, A)
        The parameters and the gradient estimate; passed to the student's function as given
        (lists stay lists, float32 stays float32).
    learning_rate : float
        alpha > 0.
    mdp : TabularMDP, optional
        When ``grad`` is the exact gradient of this MDP, a descent step is shown lowering J.
    description : str, optional
        How messages show the case; default the shape, alpha and theta.
    protected : collection of str
        Arguments the function must not change. Default ``("grad",)``: changing ``theta`` in
        place AND returning it passes, with a note; ``("theta", "grad")`` makes it a failure.

    Returns
    -------
    Case
    """
    theta_a = as_finite_array(theta, "theta", ndim=2)
    grad_a = as_finite_array(grad, "grad", ndim=2)
    if grad_a.shape != theta_a.shape:
        raise ValueError(f"grad must have the shape of theta, {theta_a.shape}; got "
                         f"{grad_a.shape}")
    alpha = check_real(learning_rate, "learning_rate", low=0.0, low_inclusive=False)
    names, given = ("theta", "grad", "learning_rate"), (theta, grad, learning_rate)
    what = description or f"theta and grad (S={theta_a.shape[0]}, A={theta_a.shape[1]})"
    text = (f"{what}{input_kinds(names, given)}, learning_rate={alpha:g}, theta =\n    "
            f"{format_array(theta_a)}")
    return make_case(CHECK, names, given, (theta_a, grad_a, alpha), text, protected=protected,
                     facts={"mdp": check_mdp_for(mdp, theta_a)})


def _default_cases() -> list[Case]:
    chain, theta_chain = chain_mdp(), random_theta(4, 2, 5)
    rng = np.random.default_rng(9)
    theta, grad = (np.round(rng.normal(size=(3, 2)), 2) for _ in range(2))
    return [
        reinforce_update_case(theta_chain, exact_gradient(chain, theta_chain), 0.5, mdp=chain,
                              description="pg.chain_mdp() with its exact gradient"),
        reinforce_update_case(theta, grad, 0.01, description="random theta and grad (S=3, A=2)"),
        reinforce_update_case(theta, grad, 2.0, description="random theta and grad (S=3, A=2)"),
    ]


def _reference(theta: np.ndarray, grad: np.ndarray, learning_rate: float) -> np.ndarray:
    return theta + learning_rate * grad


def _descent_lowers_j(got: np.ndarray, case: Case) -> str:
    """With the exact gradient of a known MDP: J before the step, after it, after the ascent."""
    mdp, (theta, grad, alpha) = case.facts["mdp"], case.arrays
    if mdp is None:
        return ""
    before, after = expected_return(mdp, theta), expected_return(mdp, theta - alpha * grad)
    ascent = expected_return(mdp, _reference(theta, grad, alpha))
    return (f" Here, with the exact gradient, your step takes J from {before:.4f} to "
            f"{after:.4f}; the step uphill would raise it to {ascent:.4f}.")


#: The typical mistakes, tried in this order.
MISTAKES: tuple[Mistake, ...] = (
    Mistake("descent", "Your update steps DOWNHILL: it is gradient descent. REINFORCE "
            "maximises the expected return J, so it climbs along the gradient.",
            lambda theta, grad, alpha: theta - alpha * grad, detail=_descent_lowers_j),
    Mistake("no_learning_rate", "Your update ignores the learning rate: your step is the same "
            "whatever alpha is.", lambda theta, grad, alpha: theta + grad),
    Mistake("divides", "Your update divides by the learning rate: your steps grow as alpha "
            "shrinks.", lambda theta, grad, alpha: theta + grad / alpha),
    Mistake("step_only", "You returned the step alpha * g alone; the new parameters are the old "
            "ones moved by that step.", lambda theta, grad, alpha: alpha * grad),
    Mistake("descent_no_rate", "Your update ignores the learning rate and steps downhill.",
            lambda theta, grad, alpha: theta - grad),
)

SPEC = Spec(name=CHECK, what="new theta", labels=("reinforce-update",), reference=_reference,
            mistakes=MISTAKES, default_cases=_default_cases, coverage=" (gradient ascent)")


def check_reinforce_update(fn: Callable[[np.ndarray, np.ndarray, float], Any], *,
                           cases: Iterable[Case] | None = None, defaults: bool = True,
                           time_limit: float | None = DEFAULT_TIME_LIMIT,
                           verbose: bool = True) -> CheckResult:
    """Check your REINFORCE parameter update theta <- theta + alpha * g.

    Tests eq. reinforce-update (book/reinforce): gradient ASCENT on J.

    Parameters
    ----------
    fn : callable
        ``fn(theta, grad, learning_rate)`` with ``theta``, ``grad: (S, A)`` and a float
        ``learning_rate`` alpha > 0; returns the new ``theta``, shape ``(S, A)``.
    cases : list of Case, optional
        More cases, from :func:`reinforce_update_case`, run after the built-in ones.
    defaults : bool
        Run the three built-in cases (default); False runs only ``cases``.
    time_limit : float or None
        Seconds each call of ``fn`` may take (default 10); None for no limit.
    verbose : bool
        Print the result (default).

    Returns
    -------
    CheckResult
        Truthy exactly when every case matched theta + alpha * grad.

    Notes
    -----
    The mistakes it names are the rows of :data:`MISTAKES` (descent instead of ascent, shown
    lowering the exact J of the chain; the learning rate left out or dividing; the step alone;
    descent without the learning rate) and of
    :data:`pgtheory.checks.mistakes.GENERIC_MISTAKES` (theta changed in place and None
    returned, among others). Changing theta in place AND returning it passes, with a note,
    unless the case protects theta.
    """
    return run(SPEC, fn, cases, defaults=defaults, time_limit=time_limit, verbose=verbose)
