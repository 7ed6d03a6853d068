"""The log-probability of a trajectory, term by term.

The chapter book/factorization splits the log-probability of an episode
tau = (s_1, a_1, r_1, ..., s_H, a_H, r_H) into three kinds of terms
(eq. `log-traj-prob`):

    log p_theta(tau) = log p(s_1)
                       + sum_{t=1}^{H}   log pi_theta(a_t | s_t)
                       + sum_{t=1}^{H-1} log p(s_{t+1} | s_t, a_t).

Only the middle sum depends on theta; the other two depend only on the MDP.
:func:`pgtheory.trajectory_log_prob` returns the total; this module returns
the parts, so that the chapter can show which part changes when theta or the
dynamics change.

Time index convention: book step t = 1..H is array column t - 1.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._kernels import log_softmax
from ._validation import check_index_array, check_mdp_theta
from .mdp import TabularMDP

__all__ = ["trajectory_log_prob_terms"]


def trajectory_log_prob_terms(
    mdp: TabularMDP, theta: Any, states: Any, actions: Any
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The initial, policy and dynamics terms of log p_theta(tau) for each episode.

    Implements eq. `log-traj-prob` (book/factorization). The three
    arrays add up to :func:`pgtheory.trajectory_log_prob`:
    ``initial + policy.sum(1) + dynamics.sum(1)``.

    Parameters
    ----------
    mdp : TabularMDP
    theta : array_like(float), shape (S, A)
    states, actions : array_like(int), shape (n, H)
        ``states[i, t-1]`` is s_t of episode i; H must equal ``mdp.horizon``.

    Returns
    -------
    initial : ndarray(float), shape (n,)
        log p(s_1); independent of theta.
    policy : ndarray(float), shape (n, H)
        ``policy[i, t-1] = log pi_theta(a_t | s_t)``; the only theta-dependent term.
    dynamics : ndarray(float), shape (n, H-1)
        ``dynamics[i, t-1] = log p(s_{t+1} | s_t, a_t)`` for t = 1..H-1; independent
        of theta. There is no column for t = H: the episode ends after a_H.

    Notes
    -----
    A term is ``-inf`` where the MDP gives the episode probability zero (the
    logarithm of eq. `log-traj-prob` needs p_theta(tau) > 0).
    """
    mdp, theta = check_mdp_theta(mdp, theta)
    states = check_index_array(states, "states", mdp.n_states, "states")
    actions = check_index_array(actions, "actions", mdp.n_actions, "actions")
    expected = (states.shape[0], mdp.horizon)
    for name, array in (("states", states), ("actions", actions)):
        if array.shape != expected:
            raise ValueError(
                f"{name} has shape {array.shape}; expected (n, H) = {expected} "
                "with H = mdp.horizon and the same n for states and actions"
            )
    policy = log_softmax(theta)[states, actions]
    with np.errstate(divide="ignore"):
        initial = np.log(mdp.initial[states[:, 0]])
        dynamics = np.log(mdp.transitions[states[:, :-1], actions[:, :-1], states[:, 1:]])
    return initial, policy, dynamics
