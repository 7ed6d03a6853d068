"""Sampling episodes from a tabular MDP under a softmax policy.

An episode tau = (s_1, a_1, r_1, ..., s_H, a_H, r_H) is drawn as in eq.
`traj-prob` (book/factorization): s_1 ~ rho,
a_t ~ pi_theta(. | s_t), r_t = r(s_t, a_t), s_{t+1} ~ P(. | s_t, a_t).

Time index convention: book step t = 1..H is array column t - 1.

All n episodes are simulated at once, looping only over time. Every uniform
is drawn up front (one per initial state, per action and per transition) and
turned into a state or action by inverse CDF over the cumulative
probabilities, as QuantEcon's ``MarkovChain.simulate`` does. The same seed
therefore gives bit-identical episodes.

The discount lives on :class:`Trajectories` (copied from the MDP), so
``trajectories.returns`` is the discounted return R(tau) of eq. `return`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ._kernels import cumulative_probabilities, inverse_cdf, softmax
from ._validation import check_discount, check_mdp_theta, check_positive_int, check_rng
from .mdp import TabularMDP

__all__ = ["Trajectories", "sample_trajectories"]


@dataclass(frozen=True, eq=False)
class Trajectories:
    """A batch of n episodes of length H.

    Attributes
    ----------
    states : ndarray(int), shape (n, H)
        ``states[i, t-1]`` is s_t of episode i.
    actions : ndarray(int), shape (n, H)
    rewards : ndarray(float), shape (n, H)
        Undiscounted rewards r_t.
    discount : float
        Discount gamma of the MDP the episodes came from, in (0, 1].

    Notes
    -----
    Arrays are stored as read-only views (no copy), so a Trajectories cannot
    be edited through its attributes.
    """

    states: np.ndarray
    actions: np.ndarray
    rewards: np.ndarray
    discount: float = 1.0

    def __post_init__(self) -> None:
        states = np.asarray(self.states)
        actions = np.asarray(self.actions)
        rewards = np.asarray(self.rewards)
        for name, array in (("states", states), ("actions", actions)):
            if array.dtype == bool or array.dtype.kind not in "iu":
                raise TypeError(f"{name} must be an integer array; got dtype {array.dtype}")
            if array.ndim != 2:
                raise ValueError(f"{name} must have shape (n, H); got shape {array.shape}")
        if rewards.dtype == bool or rewards.dtype.kind not in "iuf":
            raise TypeError(f"rewards must be a real array; got dtype {rewards.dtype}")
        if not (states.shape == actions.shape == rewards.shape):
            raise ValueError(
                "states, actions and rewards must share the shape (n, H); got "
                f"{states.shape}, {actions.shape} and {rewards.shape}"
            )
        if not np.isfinite(rewards).all():
            raise ValueError("rewards must be finite; found NaN or infinity")
        object.__setattr__(self, "discount", check_discount(self.discount))
        for name, array in (("states", states), ("actions", actions),
                            ("rewards", rewards.astype(float, copy=False))):
            view = array.view()
            view.flags.writeable = False
            object.__setattr__(self, name, view)

    @property
    def n_episodes(self) -> int:
        """Number of episodes n."""
        return self.states.shape[0]

    @property
    def horizon(self) -> int:
        """Episode length H."""
        return self.states.shape[1]

    @property
    def returns(self) -> np.ndarray:
        """R(tau_i) = sum_t gamma^(t-1) r_t for each episode (eq. `return`), shape (n,)."""
        if self.discount == 1.0:
            return self.rewards.sum(axis=1)
        return self.rewards @ (self.discount ** np.arange(self.horizon))


def sample_kernel(
    mdp: TabularMDP, pi: np.ndarray, n: int, rng: np.random.Generator
) -> Trajectories:
    """:func:`sample_trajectories` of validated inputs: n episodes of the policy ``pi: (S, A)``."""
    horizon, n_states, n_actions = mdp.horizon, mdp.n_states, mdp.n_actions

    # All randomness up front: initial states, actions, then transitions.
    u_initial = rng.random(n)
    u_action = rng.random((horizon, n))
    u_next = rng.random((max(horizon - 1, 0), n))

    # Inverse CDF: the draw is the number of cumulative probabilities <= u.
    # The last cumulative probability is exactly 1 and u < 1, so the count is
    # always a valid index, and an outcome of probability 0 (equal consecutive
    # cumulative sums) can never be drawn.
    initial_cdf = cumulative_probabilities(mdp.initial)[None, :-1].T  # (S-1, 1)
    policy_cdf = np.ascontiguousarray(cumulative_probabilities(pi).T[:-1])  # (A-1, S)
    transition_cdf = np.ascontiguousarray(  # (S-1, S*A), row index s * A + a
        cumulative_probabilities(mdp.transitions).reshape(n_states * n_actions, n_states).T[:-1]
    )
    flat_rewards = mdp.rewards.ravel()

    states = np.empty((horizon, n), dtype=np.int64)
    actions = np.empty((horizon, n), dtype=np.int64)
    rewards = np.empty((horizon, n))
    s = inverse_cdf(initial_cdf, np.zeros(n, dtype=np.int64), u_initial)
    for t in range(horizon):
        states[t] = s
        a = inverse_cdf(policy_cdf, s, u_action[t])  # a_t ~ pi(. | s_t)
        actions[t] = a
        pair = s * n_actions + a
        rewards[t] = flat_rewards.take(pair)  # r_t = r(s_t, a_t)
        if t + 1 < horizon:
            s = inverse_cdf(transition_cdf, pair, u_next[t])  # s_{t+1} ~ P(. | s_t, a_t)

    return Trajectories(states.T, actions.T, rewards.T, mdp.discount)


def sample_trajectories(
    mdp: TabularMDP, theta: Any, n_episodes: int, *, rng: Any = None
) -> Trajectories:
    """Draw N independent episodes from p_theta (eq. `traj-prob`, book/factorization).

    Parameters
    ----------
    mdp : TabularMDP
    theta : array_like(float), shape (S, A)
        Softmax logits.
    n_episodes : int
        Number of episodes N >= 1.
    rng : None, int, SeedSequence, BitGenerator or Generator
        Anything ``numpy.random.default_rng`` accepts (SPEC 7). The same int seed gives
        bit-identical episodes; a Generator is advanced.

    Returns
    -------
    Trajectories
        ``states``, ``actions``: int (N, H); ``rewards``: float (N, H).
    """
    mdp, theta = check_mdp_theta(mdp, theta)
    n_episodes = check_positive_int(n_episodes, "n_episodes")
    rng = check_rng(rng)
    return sample_kernel(mdp, softmax(theta), n_episodes, rng)
