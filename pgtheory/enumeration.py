"""Brute force over every trajectory of a tiny MDP.

The probability of a trajectory tau = (s_1, a_1, ..., s_H, a_H) factorises as
(eq. `traj-prob`, book/factorization)

    p_theta(tau) = rho(s_1) prod_{t=1}^{H} pi_theta(a_t | s_t)
                   prod_{t=1}^{H-1} P(s_{t+1} | s_t, a_t),

and rewards are a function of (s_t, a_t). Listing every trajectory with
positive probability turns expectations into finite sums, which is how the
tests check the exact and Monte Carlo code independently.

Time index convention: book step t = 1..H is array column t - 1.

The number of trajectories grows like (S A)^H, so :func:`enumerate_trajectories`
refuses to list more than :data:`MAX_TRAJECTORIES`.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._kernels import log_softmax
from ._validation import check_mdp_theta, check_positive_int
from .factorization import trajectory_log_prob_terms
from .mdp import TabularMDP
from .sampling import Trajectories

__all__ = [
    "MAX_TRAJECTORIES",
    "enumerate_trajectories",
    "trajectory_log_prob",
    "expected_return_by_enumeration",
]

#: Largest number of positive-probability trajectories that will be listed.
MAX_TRAJECTORIES = 10**6


def enumerate_kernel(
    mdp: TabularMDP, theta: np.ndarray, max_trajectories: int = MAX_TRAJECTORIES
) -> tuple[Trajectories, np.ndarray]:
    """:func:`enumerate_trajectories` of validated inputs: grow every positive-probability
    prefix one decision at a time."""
    log_pi = log_softmax(theta)
    positive_pi = np.exp(log_pi) > 0
    positive_next = mdp.transitions > 0
    with np.errstate(divide="ignore"):
        log_transitions = np.log(mdp.transitions)
        log_initial = np.log(mdp.initial)

    def check_count(count: int) -> None:
        if count > max_trajectories:
            raise ValueError(
                f"the MDP has more than {max_trajectories} trajectories with positive "
                f"probability (at least {count}); enumeration is for tiny MDPs only"
            )

    start = np.flatnonzero(mdp.initial > 0)
    states = start[:, None]  # (K, t+1)
    actions = np.empty((start.size, 0), dtype=np.int64)  # (K, t)
    log_prob = log_initial[start]  # (K,)
    for t in range(mdp.horizon):
        current = states[:, -1]
        # Choose a_t: every action with pi(a | s_t) > 0.
        check_count(int(positive_pi[current].sum()))
        path, action = np.nonzero(positive_pi[current])
        states, actions = states[path], np.column_stack([actions[path], action])
        log_prob = log_prob[path] + log_pi[current[path], action]
        if t + 1 == mdp.horizon:
            break
        # Choose s_{t+1}: every next state with P(s' | s_t, a_t) > 0.
        current = states[:, -1]
        check_count(int(positive_next[current, action].sum()))
        path, next_state = np.nonzero(positive_next[current, action])
        states = np.column_stack([states[path], next_state])
        actions = actions[path]
        log_prob = log_prob[path] + log_transitions[current[path], action[path], next_state]

    states = states.astype(np.int64)
    rewards = mdp.rewards[states, actions]
    return Trajectories(states, actions, rewards, mdp.discount), np.exp(log_prob)


def enumerate_trajectories(
    mdp: TabularMDP, theta: Any, max_trajectories: int = MAX_TRAJECTORIES
) -> tuple[Trajectories, np.ndarray]:
    """Every trajectory with positive probability, and its probability.

    Implements eq. `traj-prob` (book/factorization) by brute force.

    Parameters
    ----------
    mdp : TabularMDP
    theta : array_like(float), shape (S, A)
    max_trajectories : int
        Raise ``ValueError`` rather than list more trajectories than this
        (default :data:`MAX_TRAJECTORIES` = 10^6).

    Returns
    -------
    trajectories : Trajectories
        K episodes, ``states``/``actions``/``rewards`` of shape (K, H).
    probabilities : ndarray(float), shape (K,)
        p_theta(tau_k); they sum to 1 up to rounding.
    """
    mdp, theta = check_mdp_theta(mdp, theta)
    max_trajectories = check_positive_int(max_trajectories, "max_trajectories")
    return enumerate_kernel(mdp, theta, max_trajectories)


def trajectory_log_prob(mdp: TabularMDP, theta: Any, states: Any, actions: Any) -> np.ndarray:
    """log p_theta(tau) for each episode, including rho and the transitions.

    Implements eq. `traj-prob` (book/factorization):
    log rho(s_1) + sum_t log pi_theta(a_t | s_t) + sum_{t<H} log P(s_{t+1} | s_t, a_t).

    Parameters
    ----------
    mdp : TabularMDP
    theta : array_like(float), shape (S, A)
    states, actions : array_like(int), shape (n, H)
        H must equal ``mdp.horizon``.

    Returns
    -------
    ndarray(float), shape (n,)
        ``-inf`` for an episode the MDP cannot produce.
    """
    initial, policy, dynamics = trajectory_log_prob_terms(mdp, theta, states, actions)
    return initial + policy.sum(axis=1) + dynamics.sum(axis=1)


def expected_return_by_enumeration(mdp: TabularMDP, theta: Any) -> float:
    """J(theta) = sum_tau p_theta(tau) R(tau) by listing every trajectory.

    Eq. `objective` (book/objective), evaluated by brute force;
    an independent check on :func:`pgtheory.expected_return`.

    Parameters
    ----------
    mdp : TabularMDP
    theta : array_like(float), shape (S, A)

    Returns
    -------
    float
    """
    trajectories, probabilities = enumerate_trajectories(mdp, theta)
    return float(probabilities @ trajectories.returns)
