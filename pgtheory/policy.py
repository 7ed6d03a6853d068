"""Tabular softmax policies and their score function.

The policy of book/factorization has one logit per state-action
pair, ``theta: (S, A)``, and

    pi_theta(a | s) = exp(theta[s, a]) / sum_b exp(theta[s, b]).

Its score is (eq. `softmax-score`, book/factorization)

    grad_theta log pi_theta(a | s) = e_s ⊗ (e_a - pi_theta(. | s)),

an ``(S, A)`` array that is zero outside row ``s``. Summed over the steps of
an episode it gives grad_theta log p_theta(tau) (eq. `grad-log-traj`): the
initial-state and transition probabilities do not depend on theta.

Time index convention: book steps t = 1..H are array columns 0..H-1.

Log-probabilities use the max-shifted log-sum-exp (as in
``scipy.special.log_softmax``), so logits of +-1e4 give finite results; we
never take ``log(softmax(theta))``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._kernels import log_softmax, softmax
from ._validation import as_finite_array, check_index, check_index_array

__all__ = ["log_softmax_policy", "softmax_policy", "log_policy_grad", "score"]


# --- kernel (inputs already validated) --------------------------------------------------


def score_kernel(
    pi: np.ndarray,
    states: np.ndarray,
    actions: np.ndarray,
    weights: np.ndarray | None = None,
) -> np.ndarray:
    """:func:`score` of validated inputs: sum_t w_{i,t} grad log pi(a_{i,t} | s_{i,t}) per episode.

    Because each score is e_s ⊗ (e_a - pi(.|s)), the weighted sum over time is

        C_i[s, a] - N_i[s] pi(a|s),

    where C_i[s, a] = sum_t w_{i,t} [s_{i,t} = s, a_{i,t} = a] is a weighted
    histogram, computed for all episodes at once with one ``np.bincount``
    over the flat indices ``(i S + s) A + a``, and N_i[s] = sum_a C_i[s, a].

    Parameters
    ----------
    pi : (S, A)
    states, actions : int (n, H)
    weights : float (n, H), optional
        Per-step weights; ``None`` means all ones (the plain score).

    Returns
    -------
    ndarray, shape (n, S, A)
    """
    n_episodes = states.shape[0]
    n_states, n_actions = pi.shape
    # Work on time-major (H, n) views: sampled trajectories are stored that way,
    # so ravel() needs no copy; any layout gives the same (consistent) order.
    episode_offset = (n_states * n_actions) * np.arange(n_episodes)
    flat_index = states.T * n_actions
    flat_index += actions.T
    flat_index += episode_offset
    pair_counts = np.bincount(
        flat_index.ravel(),
        weights=None if weights is None else weights.T.ravel(),
        minlength=n_episodes * n_states * n_actions,
    ).reshape(n_episodes, n_states, n_actions)
    state_counts = pair_counts.sum(axis=2, keepdims=True)
    # Without weights bincount counts in int64; the result is float either way.
    return pair_counts - state_counts * pi


# --- public functions --------------------------------------------------------------------


def _check_logits(theta: Any) -> np.ndarray:
    theta = as_finite_array(theta, "theta", ndim=2)
    if 0 in theta.shape:
        raise ValueError(f"theta must have shape (S, A) with S, A >= 1; got {theta.shape}")
    return theta


def log_softmax_policy(theta: Any) -> np.ndarray:
    """Log-probabilities log pi_theta(a | s) of the tabular softmax policy.

    Parameters
    ----------
    theta : array_like(float), shape (S, A)
        Logits, finite.

    Returns
    -------
    ndarray(float), shape (S, A)
        ``log_pi[s, a] = theta[s, a] - logsumexp(theta[s])``; finite for any
        finite logits (computed with a max shift).

    Notes
    -----
    The policy of eq. `softmax-score` (book/factorization).
    """
    return log_softmax(_check_logits(theta))


def softmax_policy(theta: Any) -> np.ndarray:
    """Action probabilities pi_theta(a | s) of the tabular softmax policy.

    Parameters
    ----------
    theta : array_like(float), shape (S, A)

    Returns
    -------
    ndarray(float), shape (S, A)
        Each row is a probability vector.
    """
    return softmax(_check_logits(theta))


def log_policy_grad(theta: Any, state: int, action: int) -> np.ndarray:
    """The score grad_theta log pi_theta(a | s) of one state-action pair.

    Implements eq. `softmax-score` (book/factorization):
    grad_theta log pi(a|s) = e_s ⊗ (e_a - pi(.|s)).

    Parameters
    ----------
    theta : array_like(float), shape (S, A)
    state : int
        s in [0, S).
    action : int
        a in [0, A).

    Returns
    -------
    ndarray(float), shape (S, A)
        Zero except row ``state``, which is ``e_action - pi(.|state)``.
    """
    theta = _check_logits(theta)
    n_states, n_actions = theta.shape
    s = check_index(state, "state", n_states)
    a = check_index(action, "action", n_actions)
    grad = np.zeros_like(theta)
    grad[s] = -softmax(theta[s : s + 1])[0]
    grad[s, a] += 1.0
    return grad


def score(theta: Any, states: Any, actions: Any, weights: Any = None) -> np.ndarray:
    """grad_theta log p_theta(tau) for each episode in a batch, optionally weighted per step.

    Implements eq. `grad-log-traj` (book/factorization) using
    eq. `softmax-score`: sum_{t=1}^{H} e_{s_t} ⊗ (e_{a_t} - pi(.|s_t)). With
    ``weights`` w it returns sum_t w_t grad log pi(a_t|s_t), the form of every
    estimator that weights each step's score separately: reward-to-go G_t
    (eq. `reward-to-go`, book/reward_to_go) or an advantage G_t - V_t(s_t)
    (eq. `advantage-gradient`, book/where_next).

    Parameters
    ----------
    theta : array_like(float), shape (S, A)
    states : array_like(int), shape (n, H)
        ``states[i, t-1]`` is s_t of episode i.
    actions : array_like(int), shape (n, H)
    weights : array_like(float), shape (n, H), optional
        ``weights[i, t-1]`` multiplies the score of step t of episode i; ``None``
        means all ones.

    Returns
    -------
    ndarray(float), shape (n, S, A)
    """
    theta = _check_logits(theta)
    n_states, n_actions = theta.shape
    states = check_index_array(states, "states", n_states, "states")
    actions = check_index_array(actions, "actions", n_actions, "actions")
    if states.shape != actions.shape:
        raise ValueError(
            f"states and actions must have the same shape (n, H); got {states.shape} and "
            f"{actions.shape}"
        )
    if weights is not None:
        weights = as_finite_array(weights, "weights", ndim=2)
        if weights.shape != states.shape:
            raise ValueError(
                f"weights must have the shape of states (n, H) = {states.shape}; "
                f"got {weights.shape}"
            )
    return score_kernel(softmax(theta), states, actions, weights)
