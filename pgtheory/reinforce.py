"""REINFORCE: stochastic gradient ascent with Monte Carlo policy gradients.

The algorithm of book/reinforce, for k = 1, ..., K:

1. sample N episodes tau_1..tau_N from p_theta;
2. estimate g_hat = (1/N) sum_i g_i (eq. `mc-estimate`, book/monte_carlo) with any
   estimator of :mod:`pgtheory.estimators` (book/reward_to_go, book/baselines);
3. update theta <- theta + alpha * g_hat (eq. `reinforce-update`).

The history also records the exact J(theta) after every update (by backward
induction, not sampling), so learning curves show the true objective.

Time index convention: book step t = 1..H is array column t - 1.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._kernels import softmax, standard_error
from ._validation import (
    check_baseline,
    check_estimator,
    check_mdp_theta,
    check_optimal_batch,
    check_positive_int,
    check_real,
    check_rng,
)
from .estimators import Baseline, episode_gradients_kernel
from .exact import TrainingHistory, expected_return_kernel
from .mdp import TabularMDP
from .sampling import sample_kernel

__all__ = ["TrainingHistory", "reinforce"]


def reinforce(
    mdp: TabularMDP,
    theta0: Any,
    n_episodes: int,
    n_updates: int,
    learning_rate: float,
    *,
    rng: Any = None,
    estimator: str = "total_return",
    baseline: Baseline = None,
) -> TrainingHistory:
    """Run REINFORCE for ``n_updates`` updates of ``n_episodes`` episodes each.

    Implements eq. `reinforce-update` (book/reinforce):
    theta_{k+1} = theta_k + alpha * g_hat(theta_k).

    Parameters
    ----------
    mdp : TabularMDP
    theta0 : array_like(float), shape (S, A)
        Starting logits (zeros = uniform policy).
    n_episodes : int
        Episodes per update N (>= 2 for ``baseline="optimal"`` or ``"leave_one_out_mean"``).
    n_updates : int
        Number of updates K.
    learning_rate : float
        Step size alpha > 0.
    rng : None, int, SeedSequence, BitGenerator or Generator
    estimator : {"total_return", "reward_to_go"}
    baseline : None, float, "leave_one_out_mean" or "optimal"

    Returns
    -------
    TrainingHistory
        ``thetas`` (K+1, S, A), exact ``expected_returns`` (K+1,),
        ``gradients`` (K, S, A), ``standard_errors`` (K, S, A) (NaN when
        N = 1, where no spread can be estimated), ``sampled_returns`` (K,).
    """
    mdp, theta = check_mdp_theta(mdp, theta0, name="theta0")
    theta = theta.copy()
    n_episodes = check_positive_int(n_episodes, "n_episodes")
    n_updates = check_positive_int(n_updates, "n_updates")
    learning_rate = check_real(learning_rate, "learning_rate", low=0.0, low_inclusive=False)
    rng = check_rng(rng)
    estimator = check_estimator(estimator)
    baseline = check_baseline(baseline)
    check_optimal_batch(baseline, n_episodes)

    thetas = [theta]
    expected_returns = [expected_return_kernel(mdp, softmax(theta))]
    gradients, standard_errors, sampled_returns = [], [], []
    for _ in range(n_updates):
        pi = softmax(theta)

        # --- 1. sample N episodes from the current policy -------------------------
        trajectories = sample_kernel(mdp, pi, n_episodes, rng)

        # --- 2. estimate the gradient: the mean of the per-episode estimates -------
        per_episode = episode_gradients_kernel(pi, trajectories, estimator, baseline)
        gradient = per_episode.mean(axis=0)

        # --- 3. take a gradient-ascent step -----------------------------------------
        theta = theta + learning_rate * gradient

        # --- bookkeeping: exact J of the new policy, sampled return of this batch ---
        thetas.append(theta)
        expected_returns.append(expected_return_kernel(mdp, softmax(theta)))
        gradients.append(gradient)
        standard_errors.append(standard_error(per_episode))
        sampled_returns.append(float(trajectories.returns.mean()))

    return TrainingHistory(
        thetas=np.stack(thetas),
        expected_returns=np.array(expected_returns),
        gradients=np.stack(gradients),
        standard_errors=np.stack(standard_errors),
        sampled_returns=np.array(sampled_returns),
    )
