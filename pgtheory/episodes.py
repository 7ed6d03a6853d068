"""Episodes as arrays: reward-to-go, and episodes of unequal length padded with a mask.

Numpy only. The tabular sampler (:mod:`pgtheory.sampling`) returns episodes that all last
exactly H steps; an environment such as CartPole ends each episode when it says so, so a batch of
N episodes has lengths T_1, ..., T_N. Such a batch is stored padded to T = max_n T_n with a
boolean mask: ``mask[n, t-1]`` is True for the steps t = 1..T_n of episode n and False for the
padding after it. Padded entries are never read.

Time index convention: book step t = 1..T is array column t - 1.

The reward-to-go (eq. `reward-to-go`, book/reward_to_go) is written once, here, for both:

    G_t = sum_{t' >= t} gamma^(t'-1) r_{t'},   i.e.  G_t = gamma^(t-1) r_t + G_{t+1}.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ._kernels import exclusive_sum, safe_ratio
from ._validation import check_discount, check_step_values

__all__ = ["Episodes", "length_mask", "leave_one_out_mean", "reward_to_go"]


def reward_to_go(rewards: Any, discount: float = 1.0, *, mask: Any = None) -> np.ndarray:
    """Discounted reward-to-go G_t for every step of every episode.

    Implements eq. `reward-to-go` (book/reward_to_go):

        G_t = sum_{t'=t}^{T} gamma^(t'-1) r_{t'},   i.e.  G_t = gamma^(t-1) r_t + G_{t+1}.

    The factor gamma^(t'-1) is counted from the first step, not from t, so
    that sum_t score_t G_t is unbiased for the gradient of the discounted
    objective. With gamma = 1 (the default) it is the plain sum of the
    rewards still to come, and G_1 = R(tau). Because of this convention, with
    gamma < 1 G_t is NOT an unbiased sample of the Q_t of
    :func:`pgtheory.value_functions`, which discounts from step t:
    E[G_t | h_t, a_t] = gamma^(t-1) Q_t(s_t, a_t).

    Parameters
    ----------
    rewards : array_like(float), shape (N, T)
        ``rewards[i, t-1]`` is r_t of episode i.
    discount : float
        gamma in (0, 1].
    mask : array_like(bool), shape (N, T), optional
        For episodes of unequal length (see :func:`length_mask`): padded entries of
        ``rewards`` are ignored and G is 0 there, so each episode is summed up to its own end.

    Returns
    -------
    ndarray(float), shape (N, T)
    """
    rewards, mask = check_step_values(rewards, "rewards", mask)
    discount = check_discount(discount)
    to_go = reward_to_go_kernel(rewards, discount)
    return to_go if mask is None else np.where(mask, to_go, 0.0)


def reward_to_go_kernel(rewards: np.ndarray, discount: float) -> np.ndarray:
    """:func:`reward_to_go` of validated (N, T) float rewards (zeros on any padding)."""
    weighted = rewards if discount == 1.0 else rewards * discount ** np.arange(rewards.shape[1])
    return np.cumsum(weighted[:, ::-1], axis=1)[:, ::-1]


def leave_one_out_mean(weights: Any, mask: Any = None) -> np.ndarray:
    """For every episode and step, the mean weight of the OTHER episodes at that step.

    The baseline ``"leave_one_out_mean"`` (eq. `baseline`, book/baselines):

        b_{n,t} = sum_{m in M_t, m != n} Psi_{m,t} / (|M_t| - [n in M_t]),

    where M_t is the set of episodes still running at step t (every episode, without a
    mask) and Psi is the weight of each step's score (the return R, or the reward-to-go
    G_t). It is 0 where no other episode is running. b_{n,t} uses no data of episode n, so
    subtracting it leaves each episode's estimate unbiased; the in-sample mean (episode n
    included) does not (book/other_code).

    Parameters
    ----------
    weights : array_like(float), shape (N, T)
        ``weights[n, t-1]`` is Psi_t of episode n; a single weight per episode (R) is a
        column, shape (N, 1).
    mask : array_like(bool), shape (N, T), optional
        True on the steps of each episode (see :func:`length_mask`); padded entries of
        ``weights`` are ignored, and the result is 0 there.

    Returns
    -------
    ndarray(float), shape (N, T)
    """
    weights, mask = check_step_values(weights, "weights", mask, full_mask=True)
    return leave_one_out_mean_kernel(weights, mask)


def leave_one_out_mean_kernel(weights: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """:func:`leave_one_out_mean` of validated (N, T) weights that are 0 on the padding.

    The sum over the others is :func:`pgtheory._kernels.exclusive_sum` (prefix and suffix
    sums, not the total minus the episode's own term, so that a large weight cannot cancel the
    others' digits), divided by the number of other episodes running at that step.
    """
    others = (mask.sum(axis=0, keepdims=True) - mask).astype(float)
    return np.where(mask, safe_ratio(exclusive_sum(weights), others), 0.0)


def length_mask(lengths: Any, horizon: int | None = None) -> np.ndarray:
    """The padding mask of episodes with the given lengths.

    Parameters
    ----------
    lengths : array_like(int), shape (N,)
        T_n >= 1 for each episode.
    horizon : int, optional
        Padded length T >= max(lengths); default max(lengths).

    Returns
    -------
    ndarray(bool), shape (N, T)
        ``mask[n, t-1]`` is True exactly when t <= T_n.
    """
    lengths = np.asarray(lengths)
    if lengths.dtype == bool or lengths.dtype.kind not in "iu" or lengths.ndim != 1:
        raise TypeError(
            f"lengths must be a 1-d integer array; got dtype {lengths.dtype}, shape "
            f"{lengths.shape}"
        )
    if lengths.size == 0 or lengths.min() < 1:
        raise ValueError(f"lengths must be a nonempty array of ints >= 1; got {lengths}")
    horizon = int(lengths.max()) if horizon is None else int(horizon)
    if horizon < lengths.max():
        raise ValueError(f"horizon is {horizon}; it must be at least max(lengths) = "
                         f"{int(lengths.max())}")
    return np.arange(horizon)[None, :] < lengths[:, None]


@dataclass(frozen=True, eq=False)
class Episodes:
    """N episodes of unequal length, padded to T = max_n T_n.

    Attributes
    ----------
    features : ndarray(float), shape (N, T, d)
        ``features[n, t-1]`` = x_t, the features of the observation acted on at step t.
    actions : ndarray(int), shape (N, T)
    rewards : ndarray(float), shape (N, T)
        0 on padding.
    mask : ndarray(bool), shape (N, T)
        True on the T_n steps of episode n.
    truncated : ndarray(bool), shape (N,)
        Whether episode n ended by ``truncated`` (a time limit) rather than ``terminated``.
    """

    features: np.ndarray
    actions: np.ndarray
    rewards: np.ndarray
    mask: np.ndarray
    truncated: np.ndarray

    @property
    def n_episodes(self) -> int:
        """N."""
        return self.mask.shape[0]

    @property
    def lengths(self) -> np.ndarray:
        """T_n for each episode, shape (N,)."""
        return self.mask.sum(axis=1)

    @property
    def returns(self) -> np.ndarray:
        """R(tau_n) = sum_{t=1}^{T_n} r_t, shape (N,)."""
        return self.rewards.sum(axis=1)
