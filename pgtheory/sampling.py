"""Sampling episodes from a tabular MDP under a softmax policy.

An episode tau = (s_1, a_1, r_1, ..., s_H, a_H, r_H) is drawn as in eq.
`traj-prob` of chapter 3 (book/factorization): s_1 ~ rho,
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

from ._validation import check_discount, check_positive_int, check_rng, check_theta
from .mdp import TabularMDP, _check_mdp
from .policy import _softmax

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


def _cumulative(probabilities: np.ndarray) -> np.ndarray:
    """Cumulative sums along the last axis, exactly 1 from the last positive entry on.

    Rounding can leave a cumulative sum at 1 - 1e-16; setting every entry
    whose later probabilities are all zero to exactly 1.0 means that with
    u in [0, 1), ``(u >= cdf).sum()`` is always in range and never selects a
    trailing outcome of probability 0.
    """
    cdf = np.cumsum(probabilities, axis=-1)
    later = np.zeros_like(probabilities)  # later[..., k] = sum_{j > k} p_j
    later[..., :-1] = np.flip(np.cumsum(np.flip(probabilities[..., 1:], -1), -1), -1)
    cdf[later == 0.0] = 1.0
    return cdf


def _inverse_cdf(cdf_columns: np.ndarray, rows: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Inverse-CDF draws: the number of cumulative probabilities <= u in each row.

    Parameters
    ----------
    cdf_columns : (K-1, R)
        ``cdf_columns[j, r]`` is P(outcome <= j) in row r; the last column
        (exactly 1 > u) is left out.
    rows : int (n,)
        Which row (distribution) each draw uses.
    u : (n,)
        Uniforms in [0, 1).

    Returns
    -------
    int64 (n,)
        Outcome indices in [0, K).

    Notes
    -----
    Looping over the K-1 outcomes (never over episodes) and gathering one
    column at a time is several times faster than gathering whole rows of
    shape (n, K) and summing along the short axis.
    """
    draws = np.zeros(u.shape, dtype=np.int64)
    for column in cdf_columns:
        draws += column.take(rows) <= u
    return draws


def _sample(
    mdp: TabularMDP, pi: np.ndarray, n: int, rng: np.random.Generator
) -> Trajectories:
    """Simulate n episodes; inputs already validated."""
    horizon, n_states, n_actions = mdp.horizon, mdp.n_states, mdp.n_actions

    # All randomness up front: initial states, actions, then transitions.
    u_initial = rng.random(n)
    u_action = rng.random((horizon, n))
    u_next = rng.random((max(horizon - 1, 0), n))

    # Inverse CDF: the draw is the number of cumulative probabilities <= u.
    # The last cumulative probability is exactly 1 and u < 1, so the count is
    # always a valid index, and an outcome of probability 0 (equal consecutive
    # cumulative sums) can never be drawn.
    initial_cdf = _cumulative(mdp.initial)[None, :-1].T  # (S-1, 1)
    policy_cdf = np.ascontiguousarray(_cumulative(pi).T[:-1])  # (A-1, S)
    transition_cdf = np.ascontiguousarray(  # (S-1, S*A), row index s * A + a
        _cumulative(mdp.transitions).reshape(n_states * n_actions, n_states).T[:-1]
    )
    flat_rewards = mdp.rewards.ravel()

    states = np.empty((horizon, n), dtype=np.int64)
    actions = np.empty((horizon, n), dtype=np.int64)
    rewards = np.empty((horizon, n))
    s = _inverse_cdf(initial_cdf, np.zeros(n, dtype=np.int64), u_initial)
    for t in range(horizon):
        states[t] = s
        a = _inverse_cdf(policy_cdf, s, u_action[t])  # a_t ~ pi(. | s_t)
        actions[t] = a
        pair = s * n_actions + a
        rewards[t] = flat_rewards.take(pair)  # r_t = r(s_t, a_t)
        if t + 1 < horizon:
            s = _inverse_cdf(transition_cdf, pair, u_next[t])  # s_{t+1} ~ P(. | s_t, a_t)

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
    mdp = _check_mdp(mdp)
    theta = check_theta(theta, mdp.n_states, mdp.n_actions)
    n_episodes = check_positive_int(n_episodes, "n_episodes")
    rng = check_rng(rng)
    return _sample(mdp, _softmax(theta), n_episodes, rng)
