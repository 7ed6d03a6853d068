r"""REINFORCE and exact gradient descent on the gain of an LQR.

The learning part of the chapter ``book/lqr``. The cost is minimized, so the update is a
descent step (eq. ``lqr-reinforce-update``), for k = 1, ..., K:

1. sample N episodes with the current gain :math:`K_k` (geometric stopping,
   :func:`pgtheory.sample_lqr_trajectories`);
2. average their score-function estimates (:func:`pgtheory.lqr_episode_gradients`) into
   :math:`\hat g_k`, an unbiased estimate of :math:`\nabla_K C(K_k, \sigma)`;
3. update :math:`K_{k+1} = K_k - \alpha_k \hat g_k`.

Only the gain is learned; :math:`\sigma` stays fixed. The exact cost falls as
:math:`\sigma \to 0` (:math:`\partial C/\partial\log\sigma > 0` always), so descending on
``log_std`` too would drive :math:`\sigma` to 0, where the variance of the gain's score
estimate grows like :math:`1/\sigma^2` (:func:`pgtheory.lqr_one_step_score_variance`). The
optimal gain :math:`K^\star` is the same for every :math:`\sigma`.

The history records the exact cost :math:`C(K_k, \sigma)` of every iterate
(:func:`pgtheory.lqr_cost`), so learning curves show the true objective.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ._kernels import standard_error
from ._validation import (
    as_finite_array,
    check_constant_baseline,
    check_estimator,
    check_instance,
    check_positive_int,
    check_rng,
    freeze_float_fields,
)
from .lqr import LQR, lqr_cost, lqr_gradient
from .lqr_estimators import lqr_episode_gradients, sample_lqr_trajectories

__all__ = ["LQRTrainingHistory", "lqr_reinforce", "lqr_gradient_descent"]


@dataclass(frozen=True, eq=False)
class LQRTrainingHistory:
    r"""What happened during K updates of the gain.

    Attributes
    ----------
    gains : ndarray(float), shape (K+1, m, n)
        ``gains[0]`` is the start; ``gains[k] = gains[k-1] - learning_rate[k-1] *
        gradients[k-1]`` (array index from 0; the book counts updates k = 1..K).
    costs : ndarray(float), shape (K+1,)
        Exact :math:`C(K_k, \sigma)`.
    gradients : ndarray(float), shape (K, m, n)
        The gradient (estimate) used by each update.
    standard_errors : ndarray(float), shape (K, m, n)
        Standard error of each estimate (NaN when N = 1; zeros for exact descent).
    sampled_costs : ndarray(float), shape (K,)
        Mean sampled total cost of each update's episodes (for exact descent, the exact cost
        of the gain the update started from).
    """

    gains: np.ndarray
    costs: np.ndarray
    gradients: np.ndarray
    standard_errors: np.ndarray
    sampled_costs: np.ndarray

    def __post_init__(self) -> None:
        freeze_float_fields(self)

    @property
    def n_updates(self) -> int:
        """Number of updates K."""
        return self.gradients.shape[0]


def _check_learning_rates(learning_rate: Any, n_updates: int) -> np.ndarray:
    """A positive float, or an array (K,) of positive step sizes, as an array (K,)."""
    rates = as_finite_array(learning_rate, "learning_rate")
    if rates.ndim == 0:
        rates = np.full(n_updates, float(rates))
    elif rates.shape != (n_updates,):
        raise ValueError(f"learning_rate has shape {rates.shape}; expected a float or an array "
                         f"of shape (n_updates,) = ({n_updates},)")
    if np.any(rates <= 0):
        k = int(np.argmax(rates <= 0))
        raise ValueError(f"learning_rate must be > 0; entry {k} is {rates[k]}")
    return rates


def _exact_cost_or_raise(lqr: LQR, gain: np.ndarray, log_std: np.ndarray, k: int) -> float:
    radius = lqr.closed_loop_radius(gain)
    if radius >= 1.0:
        raise ValueError(
            f"update k = {k} left the stabilizing set: the spectral radius of sqrt(discount) * "
            f"(A + B K_{k + 1}) is {radius:.6g} >= 1 (infinite cost); lower learning_rate or "
            "raise n_episodes"
        )
    return lqr_cost(lqr, gain, log_std)


def lqr_reinforce(
    lqr: LQR,
    gain0: Any,
    log_std: Any,
    n_episodes: int,
    n_updates: int,
    learning_rate: Any,
    *,
    rng: int | np.random.Generator | None = None,
    estimator: str = "total_return",
    baseline: float | None = None,
) -> LQRTrainingHistory:
    r"""REINFORCE on the gain: K updates of N episodes each, eq. ``lqr-reinforce-update``.

    Parameters
    ----------
    lqr : LQR
    gain0 : array_like(float), shape (m, n)
        Starting gain; it must stabilize the discounted closed loop.
    log_std : array_like(float), shape (m,)
        Fixed :math:`\log\sigma` of the policy.
    n_episodes : int
        N episodes per update (>= 1).
    n_updates : int
        K updates (>= 1).
    learning_rate : float or array_like(float), shape (K,)
        A constant step size :math:`\alpha`, or one :math:`\alpha_k` per update.
    rng : int, numpy.random.Generator or None
    estimator : {"total_return", "reward_to_go"}
    baseline : float or None
        A constant baseline b (``None``: b = 0).

    Returns
    -------
    LQRTrainingHistory

    Raises
    ------
    ValueError
        If an update produces a gain with infinite cost (the message names the update and
        the spectral radius), besides the usual bad inputs.
    """
    lqr = check_instance(lqr, LQR, "lqr", "an")
    gain = lqr.check_stable_gain(gain0, "gain0").copy()
    log_std = lqr.check_log_std(log_std)
    n_episodes = check_positive_int(n_episodes, "n_episodes")
    n_updates = check_positive_int(n_updates, "n_updates")
    rates = _check_learning_rates(learning_rate, n_updates)
    rng = check_rng(rng)
    estimator = check_estimator(estimator)
    baseline = check_constant_baseline(baseline)

    gains, costs = [gain], [lqr_cost(lqr, gain, log_std)]
    gradients, standard_errors, sampled_costs = [], [], []
    for k in range(n_updates):
        # --- 1. sample N episodes with the current gain (geometric stopping) ----------------
        trajectories = sample_lqr_trajectories(lqr, gain, log_std, n_episodes, rng=rng)

        # --- 2. estimate the gradient: the mean of the per-episode estimates ----------------
        per_episode, _ = lqr_episode_gradients(lqr, gain, log_std, trajectories,
                                               estimator=estimator, baseline=baseline)
        gradient = per_episode.mean(axis=0)

        # --- 3. take a gradient-descent step on the cost ------------------------------------
        gain = gain - rates[k] * gradient

        # --- bookkeeping: exact cost of the new gain, sampled cost of this batch -------------
        gains.append(gain)
        costs.append(_exact_cost_or_raise(lqr, gain, log_std, k + 1))
        gradients.append(gradient)
        standard_errors.append(standard_error(per_episode))  # NaN when N = 1
        sampled_costs.append(float(trajectories.total_costs.mean()))

    return LQRTrainingHistory(gains=np.stack(gains), costs=np.array(costs),
                              gradients=np.stack(gradients),
                              standard_errors=np.stack(standard_errors),
                              sampled_costs=np.array(sampled_costs))


def lqr_gradient_descent(
    lqr: LQR, gain0: Any, log_std: Any, n_updates: int, learning_rate: Any
) -> LQRTrainingHistory:
    r"""Exact gradient descent on the gain, :math:`K_{k+1} = K_k - \alpha_k \nabla_K C(K_k)`.

    The noiseless reference for :func:`lqr_reinforce`, with the exact gradient of
    :func:`pgtheory.lqr_gradient`.

    Parameters
    ----------
    lqr : LQR
    gain0 : array_like(float), shape (m, n)
        A stabilizing start.
    log_std : array_like(float), shape (m,)
    n_updates : int
    learning_rate : float or array_like(float), shape (K,)

    Returns
    -------
    LQRTrainingHistory
        ``standard_errors`` are zeros and ``sampled_costs`` the exact costs of the starting
        gains of each update.
    """
    lqr = check_instance(lqr, LQR, "lqr", "an")
    gain = lqr.check_stable_gain(gain0, "gain0").copy()
    log_std = lqr.check_log_std(log_std)
    n_updates = check_positive_int(n_updates, "n_updates")
    rates = _check_learning_rates(learning_rate, n_updates)
    gains, costs, gradients = [gain], [lqr_cost(lqr, gain, log_std)], []
    for k in range(n_updates):
        gradient = lqr_gradient(lqr, gain, log_std)[0]
        gain = gain - rates[k] * gradient
        gains.append(gain)
        costs.append(_exact_cost_or_raise(lqr, gain, log_std, k + 1))
        gradients.append(gradient)
    gradients = np.stack(gradients)
    return LQRTrainingHistory(gains=np.stack(gains), costs=np.array(costs),
                              gradients=gradients, standard_errors=np.zeros_like(gradients),
                              sampled_costs=np.array(costs[:-1]))
