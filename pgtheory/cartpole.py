"""REINFORCE with a linear softmax policy on Gymnasium's CartPole-v1.

book/cartpole. Each update k = 1, ..., K:

1. run the policy pi_W in ``n_episodes`` copies of CartPole-v1 at once (a
   Gymnasium vector environment) until each copy has finished one episode
   (:func:`pgtheory.gym_env.collect_episodes`);
2. estimate the gradient by the mean over those N = ``n_episodes`` episodes of
   sum_t grad log pi_W(a_t | x_t) (G_t - b_t)
   (:func:`pgtheory.linear_policy.episodic_gradient`);
3. step W <- W + alpha * g_hat (eq. `reinforce-update`, book/reinforce).

The agent calls only ``reset`` and ``step``; it never sees CartPole's
equations of motion.

Features: x = (cart position / 2.4, cart velocity / 3, pole angle / 0.21,
pole angular velocity / 3, 1). The first and third scales are the limits at
which CartPole-v1 terminates an episode (2.4 and 12 degrees = 0.2094 rad);
the velocities have no limit and 3 is a typical magnitude. With the scaling
every feature is of order 1, so a single learning rate suits all weights.

CartPole-v1 pays 1 per step and stops after at most 500 steps (``truncated``
at the time limit). We treat that limit as the horizon of a finite-horizon
problem, H = 500, so the objective is J(W) = E[T], the expected episode
length, and no bootstrapping is needed at the limit. The task counts as
solved when the mean return of 100 consecutive episodes reaches 475.

gymnasium is imported inside :func:`train_cartpole` only, so the helpers
:func:`moving_average` and :func:`episodes_to_solve` need numpy alone.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ._validation import (
    as_finite_array,
    check_estimator,
    check_positive_int,
    check_real,
    check_rng,
)
from .linear_policy import add_bias, episodic_gradient

__all__ = [
    "CARTPOLE_FEATURE_SCALE",
    "SOLVED_THRESHOLD",
    "SOLVED_WINDOW",
    "CartPoleHistory",
    "cartpole_features",
    "moving_average",
    "episodes_to_solve",
    "train_cartpole",
]

#: Divisors of CartPole's four observations (position, velocity, angle, angular velocity).
CARTPOLE_FEATURE_SCALE = np.array([2.4, 3.0, 0.21, 3.0])

#: CartPole-v1 is solved when the mean of SOLVED_WINDOW consecutive returns reaches this.
SOLVED_THRESHOLD = 475.0
SOLVED_WINDOW = 100


def cartpole_features(observations: Any) -> np.ndarray:
    """Scaled observations with a bias: (n, 4) -> (n, 5), see the module docstring."""
    return add_bias(np.asarray(observations, dtype=float) / CARTPOLE_FEATURE_SCALE)


def moving_average(returns: Any, window: int = SOLVED_WINDOW) -> np.ndarray:
    """Means of every run of ``window`` consecutive returns.

    Parameters
    ----------
    returns : array_like(float), shape (n,)
    window : int

    Returns
    -------
    ndarray(float), shape (max(n - window + 1, 0),)
        Entry k is the mean of ``returns[k : k + window]``, i.e. the average
        over episodes k + 1, ..., k + window.
    """
    returns = as_finite_array(returns, "returns", ndim=1)
    window = check_positive_int(window, "window")
    if returns.size < window:
        return np.empty(0)
    sums = np.cumsum(np.concatenate([[0.0], returns]))
    return (sums[window:] - sums[:-window]) / window


def episodes_to_solve(
    returns: Any, threshold: float = SOLVED_THRESHOLD, window: int = SOLVED_WINDOW
) -> int | None:
    """The number of episodes k after which the last ``window`` returns first average >= threshold.

    Returns ``None`` if that never happens. The smallest possible answer is ``window``.
    """
    threshold = check_real(threshold, "threshold")
    averages = moving_average(returns, window)
    hits = np.flatnonzero(averages >= threshold)
    return None if hits.size == 0 else int(hits[0]) + window


@dataclass(frozen=True, eq=False)
class CartPoleHistory:
    """What happened during K updates of REINFORCE on CartPole-v1.

    Attributes
    ----------
    weights : ndarray(float), shape (K+1, 5, 2)
        ``weights[0]`` is the start (zeros: the uniform policy), ``weights[k]``
        the weights after update k.
    episode_returns : ndarray(float), shape (K * N,)
        Returns of the completed episodes, update by update (within an
        update, in the order of the sub-environments).
    episode_updates : ndarray(int), shape (K * N,)
        The update (0-based) whose policy played each episode.
    episodes_to_solve : int or None
        :func:`episodes_to_solve` of ``episode_returns``.
    """

    weights: np.ndarray
    episode_returns: np.ndarray
    episode_updates: np.ndarray
    episodes_to_solve: int | None

    @property
    def n_updates(self) -> int:
        """Number of updates K."""
        return self.weights.shape[0] - 1


def train_cartpole(
    *,
    rng: Any = None,
    n_episodes: int = 10,
    n_updates: int = 100,
    learning_rate: float = 0.002,
    estimator: str = "reward_to_go",
    baseline: Any = "leave_one_out_mean",
    stop_when_solved: bool = False,
) -> CartPoleHistory:
    """REINFORCE on CartPole-v1 with a linear softmax policy (see the module docstring).

    Parameters
    ----------
    rng : None, int, SeedSequence, BitGenerator or Generator
        Two independent streams are spawned from it: one for the agent's action
        draws, one for the N seeds of the sub-environments at the first reset.
        Same seed, same history.
    n_episodes : int
        N, episodes per gradient estimate; they run side by side in a
        ``gymnasium.make_vec(..., vectorization_mode="sync")`` environment.
    n_updates : int
        Number of updates K.
    learning_rate : float
        Step size alpha > 0.
    estimator, baseline
        Passed to :func:`pgtheory.episodic_gradient`.
    stop_when_solved : bool
        Stop after the update in which the task is first solved.

    Returns
    -------
    CartPoleHistory
    """
    import gymnasium as gym

    from .gym_env import collect_episodes

    agent_rng, env_rng = check_rng(rng).spawn(2)
    n_episodes = check_positive_int(n_episodes, "n_episodes")
    n_updates = check_positive_int(n_updates, "n_updates")
    learning_rate = check_real(learning_rate, "learning_rate", low=0.0, low_inclusive=False)
    estimator = check_estimator(estimator)

    envs = gym.make_vec("CartPole-v1", num_envs=n_episodes, vectorization_mode="sync")
    env_seeds = env_rng.integers(2**31, size=n_episodes).tolist()
    W = np.zeros((CARTPOLE_FEATURE_SCALE.size + 1, 2))
    weights, returns, updates = [W], [], []
    try:
        for k in range(n_updates):
            # --- 1. play N episodes with the current policy (reset + step only) ---------------
            episodes = collect_episodes(envs, W, cartpole_features, rng=agent_rng,
                                        env_seeds=env_seeds if k == 0 else None)
            returns.append(episodes.returns)
            updates.append(np.full(n_episodes, k))
            # --- 2. estimate the gradient: mean over episodes ------------------------------
            gradient = episodic_gradient(W, episodes.features, episodes.actions,
                                         episodes.rewards, episodes.mask,
                                         estimator=estimator, baseline=baseline)
            # --- 3. gradient ascent step ---------------------------------------------------
            W = W + learning_rate * gradient
            weights.append(W)
            if stop_when_solved and episodes_to_solve(np.concatenate(returns)) is not None:
                break
    finally:
        envs.close()
    all_returns = np.concatenate(returns)
    return CartPoleHistory(
        weights=np.stack(weights),
        episode_returns=all_returns,
        episode_updates=np.concatenate(updates),
        episodes_to_solve=episodes_to_solve(all_returns),
    )
