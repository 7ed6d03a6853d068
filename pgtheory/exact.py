"""Exact objective, value functions and policy gradient by backward induction.

Nothing here samples. For a finite-horizon MDP and a softmax policy pi_theta,
the values satisfy the backward recursion of eq. `backward-induction`
(book/objective, "Trajectories and the objective"), written with
array index t = 0..H-1 for book step t + 1:

    V_H(s)    = 0,
    Q_t(s, a) = r(s, a) + gamma * sum_{s'} P(s' | s, a) V_{t+1}(s'),
    V_t(s)    = sum_a pi_theta(a | s) Q_t(s, a),

and the objective (eq. `objective`) is J(theta) = E[R(tau)] = sum_s rho(s) V_0(s).
Shapes follow QuantEcon's ``backward_induction``: values ``(H+1, S)`` with a
final row of zeros, action values ``(H, S, A)``.

The state distributions d_t(s) = P(s_t = s) follow the forward recursion
d_{t+1}(s') = sum_{s, a} d_t(s) pi(a|s) P(s'|s, a), and the state-action form
of the policy gradient theorem (eq. `theorem-state-action` in book/theorem),
specialised to the tabular softmax policy, gives

    dJ/dtheta[s, a] = sum_t gamma^t d_t(s) pi(a|s) (Q_t(s, a) - V_t(s))

(array index t, so gamma^t is the book's gamma^(t-1)). The tests check this
against central finite differences of :func:`expected_return`, not against
the theorem. (The trajectory form, eq. `pg-theorem`, is the same gradient
written as an expectation over whole episodes; book/theorem checks the two
against each other by enumeration.)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ._kernels import softmax
from ._validation import check_mdp_theta, check_positive_int, check_real, freeze_float_fields
from .mdp import TabularMDP

__all__ = [
    "TrainingHistory",
    "value_functions",
    "expected_return",
    "state_distributions",
    "exact_gradient",
    "exact_gradient_ascent",
]


@dataclass(frozen=True, eq=False)
class TrainingHistory:
    """What happened during K updates of (stochastic or exact) gradient ascent.

    Returned by :func:`pgtheory.reinforce` and :func:`exact_gradient_ascent`
    (it lives here because the exact module is the lower of the two).

    Attributes
    ----------
    thetas : ndarray(float), shape (K+1, S, A)
        ``thetas[0]`` is the start and
        ``thetas[k+1] = thetas[k] + alpha * gradients[k]`` (array index k from 0;
        the book counts updates k = 1..K).
    expected_returns : ndarray(float), shape (K+1,)
        Exact J(thetas[k]) by backward induction.
    gradients : ndarray(float), shape (K, S, A)
        The gradient (estimate) used at step k.
    standard_errors : ndarray(float), shape (K, S, A)
        Standard error of each step's gradient estimate (zeros for exact ascent).
    sampled_returns : ndarray(float), shape (K,)
        Mean sampled return of the episodes drawn at step k (for exact ascent,
        where nothing is sampled, the exact J(thetas[k])).
    """

    thetas: np.ndarray
    expected_returns: np.ndarray
    gradients: np.ndarray
    standard_errors: np.ndarray
    sampled_returns: np.ndarray

    def __post_init__(self) -> None:
        freeze_float_fields(self)

    @property
    def n_updates(self) -> int:
        """Number of updates K."""
        return self.gradients.shape[0]


# --- kernels (inputs already validated) ---------------------------------------------------


def value_functions_kernel(mdp: TabularMDP, pi: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """:func:`value_functions` of a validated MDP and policy ``pi: (S, A)``: backward induction."""
    horizon, n_states, n_actions = mdp.horizon, mdp.n_states, mdp.n_actions
    values = np.zeros((horizon + 1, n_states))
    action_values = np.empty((horizon, n_states, n_actions))
    for t in reversed(range(horizon)):
        action_values[t] = mdp.rewards + mdp.discount * (mdp.transitions @ values[t + 1])
        values[t] = (pi * action_values[t]).sum(axis=1)
    return values, action_values


def expected_return_kernel(mdp: TabularMDP, pi: np.ndarray) -> float:
    """:func:`expected_return` of a validated MDP and policy ``pi: (S, A)``: rho @ V_0."""
    values, _ = value_functions_kernel(mdp, pi)
    return float(mdp.initial @ values[0])


def _state_distributions(mdp: TabularMDP, pi: np.ndarray) -> np.ndarray:
    """Forward recursion for d_t(s) with a validated MDP and policy."""
    n_states = mdp.n_states
    flat_transitions = mdp.transitions.reshape(-1, n_states)
    distributions = np.empty((mdp.horizon, n_states))
    distributions[0] = mdp.initial
    for t in range(mdp.horizon - 1):
        distributions[t + 1] = (distributions[t][:, None] * pi).ravel() @ flat_transitions
    return distributions


def _exact_gradient(mdp: TabularMDP, theta: np.ndarray) -> np.ndarray:
    pi = softmax(theta)
    values, action_values = value_functions_kernel(mdp, pi)
    distributions = _state_distributions(mdp, pi)
    weights = mdp.discount ** np.arange(mdp.horizon)
    advantages = action_values - values[:-1, :, None]  # (H, S, A)
    return np.einsum("t,ts,sa,tsa->sa", weights, distributions, pi, advantages)


def value_functions(mdp: TabularMDP, theta: Any) -> tuple[np.ndarray, np.ndarray]:
    """State and action values of the softmax policy by backward induction.

    Implements eq. `backward-induction` in book/objective.

    Parameters
    ----------
    mdp : TabularMDP
    theta : array_like(float), shape (S, A)

    Returns
    -------
    values : ndarray(float), shape (H+1, S)
        ``values[t, s]`` = V_t(s), expected discounted reward from array step t
        on (discount counted from t); ``values[H] = 0``.
    action_values : ndarray(float), shape (H, S, A)
        ``action_values[t, s, a]`` = Q_t(s, a).
    """
    mdp, theta = check_mdp_theta(mdp, theta)
    return value_functions_kernel(mdp, softmax(theta))


def expected_return(mdp: TabularMDP, theta: Any) -> float:
    """The objective J(theta) = E_{tau ~ p_theta}[R(tau)], exactly.

    Implements eq. `objective` in book/objective, evaluated by
    eq. `backward-induction`: J = sum_s rho(s) V_0(s). No sampling.

    Parameters
    ----------
    mdp : TabularMDP
    theta : array_like(float), shape (S, A)

    Returns
    -------
    float
    """
    mdp, theta = check_mdp_theta(mdp, theta)
    return expected_return_kernel(mdp, softmax(theta))


def state_distributions(mdp: TabularMDP, theta: Any) -> np.ndarray:
    """Probability d_t(s) of being in state s at each step.

    The state-visitation weights d_t(s) = P(s_t = s) of the softmax form of
    eq. `theorem-state-action` in book/theorem: d_0 = rho and
    d_{t+1}(s') = sum_{s,a} d_t(s) pi(a|s) P(s'|s,a).

    Parameters
    ----------
    mdp : TabularMDP
    theta : array_like(float), shape (S, A)

    Returns
    -------
    ndarray(float), shape (H, S)
        Row t (book step t + 1) is a probability vector.
    """
    mdp, theta = check_mdp_theta(mdp, theta)
    return _state_distributions(mdp, softmax(theta))


def exact_gradient(mdp: TabularMDP, theta: Any) -> np.ndarray:
    """The exact policy gradient grad_theta J(theta).

    Implements the state-action form of the policy gradient theorem, eq.
    `theorem-state-action` in book/theorem, for the tabular softmax policy
    (whose score is eq. `softmax-score`):

        dJ/dtheta[s, a] = sum_t gamma^t d_t(s) pi(a|s) (Q_t(s, a) - V_t(s)),

    with array index t = 0..H-1 (the book's gamma^(t-1)).

    Parameters
    ----------
    mdp : TabularMDP
    theta : array_like(float), shape (S, A)

    Returns
    -------
    ndarray(float), shape (S, A)
    """
    mdp, theta = check_mdp_theta(mdp, theta)
    return _exact_gradient(mdp, theta)


def exact_gradient_ascent(
    mdp: TabularMDP, theta0: Any, n_updates: int, learning_rate: float
) -> TrainingHistory:
    """Gradient ascent on J with the exact gradient: the noiseless twin of REINFORCE.

    Each step applies eq. `reinforce-update` in book/reinforce
    with the exact gradient in place of the estimate:
    theta <- theta + alpha * grad J(theta).

    Parameters
    ----------
    mdp : TabularMDP
    theta0 : array_like(float), shape (S, A)
    n_updates : int
        Number of updates K >= 1.
    learning_rate : float
        Step size alpha > 0.

    Returns
    -------
    TrainingHistory
        ``standard_errors`` are zeros; ``sampled_returns`` are the exact J at
        the parameters used for each step (nothing is sampled).
    """
    mdp, theta = check_mdp_theta(mdp, theta0, name="theta0")
    theta = theta.copy()
    n_updates = check_positive_int(n_updates, "n_updates")
    learning_rate = check_real(learning_rate, "learning_rate", low=0.0, low_inclusive=False)

    thetas = [theta]
    returns = [expected_return_kernel(mdp, softmax(theta))]
    gradients = []
    for _ in range(n_updates):
        gradient = _exact_gradient(mdp, theta)
        theta = theta + learning_rate * gradient
        gradients.append(gradient)
        thetas.append(theta)
        returns.append(expected_return_kernel(mdp, softmax(theta)))
    returns_array = np.array(returns)
    return TrainingHistory(
        thetas=np.stack(thetas),
        expected_returns=returns_array,
        gradients=np.stack(gradients),
        standard_errors=np.zeros((n_updates, mdp.n_states, mdp.n_actions)),
        sampled_returns=returns_array[:-1],
    )
