"""Baselines beyond a constant: per-step tables, and how the optimal constant is estimated.

The chapter book/baselines subtracts a baseline from the return that multiplies
each score. :mod:`pgtheory.estimators` covers a constant b and the optimal constant b*.
This module adds what the chapter needs to *test* the claims around them:

* a baseline that may change with the step, the state and (wrongly) the action,
  b_t(s_t, a_t), given as a table. The per-episode estimate is

      g_i = sum_{t=1}^{H} grad log pi_theta(a_t | s_t) (W_t - b_t(s_t, a_t)),

  with W_t = R(tau_i) (``estimator="total_return"``) or the reward-to-go G_t
  (``"reward_to_go"``, eq. `reward-to-go` in book/reward_to_go). A table that ignores the
  action keeps g unbiased (eq. `baseline`, book/baselines); one that uses the action in
  general does not.
  :func:`step_baseline_gradients` computes g from samples and
  :func:`exact_step_baseline_moments` its exact mean and variance by enumeration.
* :func:`optimal_baseline_batch_means`: the N-episode mean estimate with the optimal
  constant b* of eq. `optimal-baseline` estimated from the batch, either
  leave-one-out (as :func:`pgtheory.gradient_samples` does; unbiased) or in-sample
  (b estimated from all N episodes, the episode itself included; biased at small N),
  for many independent batches at once.
* :func:`total_variance`: the empirical total variance sum_j Var(g_j) of per-episode
  estimates and its standard error, for comparing with the exact value.

Time index convention: book step t = 1..H is array index t - 1; a baseline table of
shape (H, S, A) has ``baseline[t-1, s, a]`` = b_t(s, a).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._kernels import leave_one_out_baseline, probability_moments, safe_ratio, softmax
from ._validation import (
    as_finite_array,
    check_estimator,
    check_mdp_theta,
    check_positive_int,
    check_rng,
    check_trajectories,
)
from .enumeration import enumerate_kernel
from .episodes import reward_to_go_kernel
from .estimators import estimator_parts_kernel
from .mdp import TabularMDP
from .policy import score_kernel
from .sampling import Trajectories, sample_kernel

__all__ = [
    "step_baseline_gradients",
    "exact_step_baseline_moments",
    "optimal_baseline_batch_means",
    "total_variance",
]

#: Baselines of :func:`optimal_baseline_batch_means`: b* estimated leave-one-out or in-sample.
BATCH_BASELINES = ("optimal", "optimal_in_sample")


def _check_baseline_table(baseline: Any, mdp: TabularMDP) -> np.ndarray:
    """Return the table broadcast to (H, S, A), or raise with the accepted shapes."""
    table = as_finite_array(baseline, "baseline")
    shape = (mdp.horizon, mdp.n_states, mdp.n_actions)
    accepted = (
        "(S, 1) for b(s), (S, A) for b(s, a), (H, S, 1) for b_t(s) or (H, S, A) for b_t(s, a), "
        f"with H, S, A = {shape}"
    )
    if table.ndim not in (2, 3):
        raise ValueError(f"baseline must have shape {accepted}; got shape {table.shape}")
    try:
        return np.broadcast_to(table, shape)
    except ValueError:
        raise ValueError(f"baseline must have shape {accepted}; got shape {table.shape}") from None


def _step_gradients(
    pi: np.ndarray, trajectories: Trajectories, table: np.ndarray, estimator: str
) -> np.ndarray:
    """g_i = sum_t score_t (W_t - b_t(s_t, a_t)), shape (n, S, A); inputs validated."""
    states, actions = trajectories.states, trajectories.actions
    if estimator == "total_return":
        weights = np.repeat(trajectories.returns[:, None], trajectories.horizon, axis=1)
    else:
        weights = reward_to_go_kernel(trajectories.rewards, trajectories.discount)
    steps = np.arange(trajectories.horizon)[None, :]
    weights = weights - table[steps, states, actions]
    return score_kernel(pi, states, actions, weights)


def step_baseline_gradients(
    mdp: TabularMDP,
    theta: Any,
    trajectories: Trajectories,
    baseline: Any,
    *,
    estimator: str = "total_return",
) -> np.ndarray:
    """One gradient estimate per episode with a per-step baseline table b_t(s_t, a_t).

    Implements g_i = sum_t grad log pi_theta(a_t | s_t) (W_t - b_t(s_t, a_t)), with
    W_t = G_t (eq. `reward-to-go`, book/reward_to_go) or R(tau).
    If the table does not depend on the action this is unbiased (eq. `baseline`,
    book/baselines);
    if it does, in general it is not.

    Parameters
    ----------
    mdp : TabularMDP
    theta : array_like(float), shape (S, A)
        Logits of the policy that generated ``trajectories``.
    trajectories : Trajectories
        n episodes of horizon ``mdp.horizon``.
    baseline : array_like(float)
        Shape (S, 1) for b(s), (S, A) for b(s, a), (H, S, 1) for b_t(s) or (H, S, A);
        ``baseline[t-1, s, a]`` is b_t(s, a).
    estimator : {"total_return", "reward_to_go"}

    Returns
    -------
    ndarray(float), shape (n, S, A)
    """
    mdp, theta = check_mdp_theta(mdp, theta)
    trajectories = check_trajectories(mdp, trajectories)
    table = _check_baseline_table(baseline, mdp)
    estimator = check_estimator(estimator)
    return _step_gradients(softmax(theta), trajectories, table, estimator)


def exact_step_baseline_moments(
    mdp: TabularMDP, theta: Any, baseline: Any, *, estimator: str = "total_return"
) -> tuple[np.ndarray, np.ndarray]:
    """Exact mean and per-coordinate variance of one episode's estimate with a baseline table.

    Sums over every trajectory (:func:`pgtheory.enumerate_trajectories`; tiny MDPs only):
    E[g] = sum_tau p_theta(tau) g(tau) and Var[g_j] = sum_tau p_theta(tau) (g_j(tau) - E[g_j])^2,
    with g as in :func:`step_baseline_gradients`. E[g] equals
    :func:`pgtheory.exact_gradient` exactly when the table ignores the action (eq. `baseline`
    in book/baselines, and its state-dependent extension).

    Parameters
    ----------
    mdp : TabularMDP
    theta : array_like(float), shape (S, A)
    baseline : array_like(float)
        As in :func:`step_baseline_gradients`.
    estimator : {"total_return", "reward_to_go"}

    Returns
    -------
    mean : ndarray(float), shape (S, A)
    variance : ndarray(float), shape (S, A)
    """
    mdp, theta = check_mdp_theta(mdp, theta)
    table = _check_baseline_table(baseline, mdp)
    estimator = check_estimator(estimator)
    trajectories, probabilities = enumerate_kernel(mdp, theta)
    estimates = _step_gradients(softmax(theta), trajectories, table, estimator)
    return probability_moments(probabilities, estimates)


def optimal_baseline_batch_means(
    mdp: TabularMDP,
    theta: Any,
    n_episodes: int,
    n_batches: int,
    *,
    rng: Any = None,
    estimator: str = "total_return",
    baseline: str = "optimal",
) -> np.ndarray:
    """Batch-mean gradient estimates with the optimal constant baseline estimated per batch.

    For each of ``n_batches`` independent batches of N = ``n_episodes`` episodes, returns
    (1/N) sum_i (Y_i - b_i B_i) (notation of :mod:`pgtheory.estimators`), where b_i
    estimates b_j* = E[Y_j B_j] / E[B_j^2] (eq. `optimal-baseline`, book/baselines)
    coordinate by coordinate:

    * ``"optimal"``: b_i = sum_{n != i} Y_n B_n / sum_{n != i} B_n^2. It is
      independent of episode i, so E[b_i B_i] = E[b_i] E[B_i] = 0 and the batch mean is
      unbiased. This is what :func:`pgtheory.gradient_samples` does.
    * ``"optimal_in_sample"``: b = sum_n Y_n B_n / sum_n B_n^2 for every episode of the batch.
      b now depends on episode i, E[b B_i] != 0 in general, and the batch mean is
      biased by O(1/N).

    A coordinate whose denominator is 0 gets b = 0.

    Parameters
    ----------
    mdp : TabularMDP
    theta : array_like(float), shape (S, A)
    n_episodes : int
        N >= 2 episodes per batch.
    n_batches : int
        Number of independent batches M.
    rng : None, int, SeedSequence, BitGenerator or Generator
    estimator : {"total_return", "reward_to_go"}
    baseline : {"optimal", "optimal_in_sample"}

    Returns
    -------
    ndarray(float), shape (M, S, A)
        Row m is the gradient estimate of batch m.
    """
    mdp, theta = check_mdp_theta(mdp, theta)
    n_episodes = check_positive_int(n_episodes, "n_episodes")
    if n_episodes < 2:
        raise ValueError(f"n_episodes must be at least 2; got {n_episodes}")
    n_batches = check_positive_int(n_batches, "n_batches")
    rng = check_rng(rng)
    estimator = check_estimator(estimator)
    if baseline not in BATCH_BASELINES:
        raise ValueError(
            f"baseline must be one of {', '.join(repr(s) for s in BATCH_BASELINES)}; "
            f"got {baseline!r}"
        )
    pi = softmax(theta)
    trajectories = sample_kernel(mdp, pi, n_episodes * n_batches, rng)
    y_part, b_part = estimator_parts_kernel(pi, trajectories, estimator)
    # Episode j of batch m is row m * N + j; put the episode axis first: (N, M, S, A).
    shape = (n_batches, n_episodes) + pi.shape
    y_part = y_part.reshape(shape).swapaxes(0, 1)
    b_part = b_part.reshape(shape).swapaxes(0, 1)
    if baseline == "optimal":
        b = leave_one_out_baseline(y_part, b_part)
    else:
        b = safe_ratio((y_part * b_part).sum(axis=0), (b_part * b_part).sum(axis=0))
    return (y_part - b * b_part).mean(axis=0)


def total_variance(samples: Any) -> tuple[float, float]:
    """Empirical total variance sum_j Var(g_j) of per-episode estimates, with its standard error.

    With d_i = ||g_i - g_bar||^2 (summed over every coordinate), the estimate is
    sum_i d_i / (n - 1), the sum of the per-coordinate sample variances (ddof = 1). Its
    standard error is the standard deviation of the d_i over sqrt(n), the delta-method
    approximation Var(s^2) ~ (mu_4 - sigma^4) / n extended to a sum of coordinates; it is
    accurate to O(1/n) relative.

    Parameters
    ----------
    samples : array_like(float), shape (n, ...)
        One estimate per row, n >= 2 (e.g. the output of :func:`pgtheory.gradient_samples`).

    Returns
    -------
    estimate : float
    standard_error : float
    """
    samples = as_finite_array(samples, "samples")
    if samples.ndim < 1 or samples.shape[0] < 2:
        raise ValueError(
            f"samples must have shape (n, ...) with n >= 2 rows; got shape {samples.shape}"
        )
    n = samples.shape[0]
    deviations = samples - samples.mean(axis=0)
    squared = (deviations**2).reshape(n, -1).sum(axis=1)
    return float(squared.sum() / (n - 1)), float(squared.std(ddof=1) / np.sqrt(n))
