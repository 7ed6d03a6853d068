"""Unvalidated array kernels: the numerical formulas several pgtheory modules share, written once.

Every public function of :mod:`pgtheory` validates its arguments (with
:mod:`pgtheory._validation`) and then calls kernels. A kernel trusts its inputs: it checks no
shape, type or value, and it may return a view. Call one only with arrays a public function has
validated.

Two kinds of kernel, and where each lives:

* the short numerical formulas of this module, which several modules need and none owns: the
  max-shifted log-softmax, inverse-CDF draws, a ratio that is 0 where its denominator is 0,
  leave-one-out sums, and moments under a probability vector (over the trajectories that
  :func:`pgtheory.enumerate_trajectories` lists), the standard error of a sample mean, and
  the value of the surrogate loss (for numpy and JAX arrays alike);
* the kernel of one public function that other modules call too, kept beside that function and
  named after it with a ``_kernel`` suffix (``episodes.reward_to_go_kernel``,
  ``policy.score_kernel``, ``exact.expected_return_kernel``, ``sampling.sample_kernel``, ...).
  Those names are public (importable, not in ``__all__``); no module imports another module's
  ``_private`` name.
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = [
    "log_softmax",
    "softmax",
    "cumulative_probabilities",
    "inverse_cdf",
    "categorical_draws",
    "safe_ratio",
    "exclusive_sum",
    "leave_one_out_baseline",
    "probability_moments",
    "standard_error",
    "surrogate_loss_kernel",
]


# --- softmax --------------------------------------------------------------------------------


def log_softmax(logits: np.ndarray) -> np.ndarray:
    """log softmax along the last axis, with a max shift (as ``scipy.special.log_softmax``).

    ``logits - max - log(sum(exp(logits - max)))``: finite for any finite logits, even +-1e4;
    never ``log(softmax(logits))``.
    """
    shifted = logits - logits.max(axis=-1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))


def softmax(logits: np.ndarray) -> np.ndarray:
    """softmax along the last axis, as ``exp(log_softmax(logits))``."""
    return np.exp(log_softmax(logits))


# --- inverse-CDF draws ----------------------------------------------------------------------


def cumulative_probabilities(probabilities: np.ndarray) -> np.ndarray:
    """Cumulative sums along the last axis, exactly 1 from the last positive entry on.

    Rounding can leave a cumulative sum at 1 - 1e-16; setting every entry whose later
    probabilities are all zero to exactly 1.0 means that with u in [0, 1),
    ``(cdf[:-1] <= u).sum()`` is always in range and never selects a trailing outcome of
    probability 0.
    """
    cdf = np.cumsum(probabilities, axis=-1)
    later = np.zeros_like(probabilities)  # later[..., k] = sum_{j > k} p_j
    later[..., :-1] = np.flip(np.cumsum(np.flip(probabilities[..., 1:], -1), -1), -1)
    cdf[later == 0.0] = 1.0
    return cdf


def inverse_cdf(cdf_columns: np.ndarray, rows: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Inverse-CDF draws: the number of cumulative probabilities <= u in each draw's row.

    Parameters
    ----------
    cdf_columns : (K-1, R)
        ``cdf_columns[j, r]`` is P(outcome <= j) in row r, from
        :func:`cumulative_probabilities`; the last column (exactly 1 > u) is left out.
    rows : int (n,)
        Which row (distribution) each draw uses.
    u : (n,)
        Uniforms in [0, 1).

    Returns
    -------
    int64 (n,)
        Outcome indices in [0, K); an outcome of probability 0 (equal consecutive cumulative
        sums) is never drawn.

    Notes
    -----
    Looping over the K-1 outcomes (never over draws) and gathering one column at a time is
    several times faster than gathering whole rows of shape (n, K) and summing along the short
    axis.
    """
    draws = np.zeros(u.shape, dtype=np.int64)
    for column in cdf_columns:
        draws += column.take(rows) <= u
    return draws


def categorical_draws(probabilities: np.ndarray, u: np.ndarray) -> np.ndarray:
    """One draw from each row of ``probabilities: (n, K)``, by inverse CDF with ``u: (n,)``."""
    cdf_columns = np.ascontiguousarray(cumulative_probabilities(probabilities).T[:-1])
    return inverse_cdf(cdf_columns, np.arange(probabilities.shape[0]), u)


# --- ratios and leave-one-out sums ----------------------------------------------------------


def safe_ratio(numerator: np.ndarray, denominator: np.ndarray) -> np.ndarray:
    """numerator / denominator where the denominator is > 0, and 0 elsewhere (no warning)."""
    return np.divide(numerator, denominator, out=np.zeros_like(numerator),
                     where=denominator > 0)


def exclusive_sum(x: np.ndarray) -> np.ndarray:
    """sum_{j != i} x_j for every i along axis 0, from prefix and suffix sums.

    Not the total minus x_i, so that no cancellation can occur.
    """
    out = np.zeros_like(x)
    np.cumsum(x[:-1], axis=0, out=out[1:])
    suffix = np.cumsum(x[:0:-1], axis=0)[::-1]  # suffix[i] = sum_{j > i} x_j, i < n-1
    out[:-1] += suffix
    return out


def leave_one_out_baseline(y_parts: np.ndarray, b_parts: np.ndarray) -> np.ndarray:
    """b_ij = sum_{n != i} Y_nj B_nj / sum_{n != i} B_nj^2, 0 where the sum is 0.

    The sample version of eq. `optimal-baseline` (book/baselines) that uses, for episode i,
    only the other episodes of the batch (axis 0). ``y_parts`` are the estimates without a
    baseline, ``b_parts`` the scores (notation of :mod:`pgtheory.estimators`).
    """
    return safe_ratio(exclusive_sum(y_parts * b_parts), exclusive_sum(b_parts * b_parts))


# --- moments --------------------------------------------------------------------------------


def probability_moments(probabilities: np.ndarray, values: np.ndarray
                        ) -> tuple[np.ndarray, np.ndarray]:
    """Mean and variance of ``values: (K, ...)`` under the probabilities ``(K,)`` of its rows.

    E[X] = sum_k p_k x_k and Var[X] = sum_k p_k (x_k - E[X])^2, entry by entry: the exact
    moments of an estimator whose value on each of the K trajectories of
    :func:`pgtheory.enumerate_trajectories` is a row of ``values``.
    """
    axes = "abcdefghij"[: values.ndim - 1]
    mean = np.einsum(f"k,k{axes}->{axes}", probabilities, values)
    deviations = values - mean
    variance = np.einsum(f"k,k{axes},k{axes}->{axes}", probabilities, deviations, deviations)
    return mean, variance


def standard_error(samples: np.ndarray) -> np.ndarray:
    """The standard error of the mean of ``samples: (n, ...)`` along axis 0, entry by entry.

    sqrt(s^2 / n) with the sample variance s^2 (ddof = 1), as in eq. `mc-variance`
    (book/monte_carlo); NaN when n = 1, where no spread can be estimated.
    """
    n = samples.shape[0]
    if n < 2:
        return np.full(samples.shape[1:], np.nan)
    return samples.std(axis=0, ddof=1) / np.sqrt(n)


# --- the surrogate loss ---------------------------------------------------------------------


def surrogate_loss_kernel(log_probs: Any, weights: Any) -> Any:
    """-(1/N) sum_n sum_t log_probs[n, t] weights[n, t], eq. `surrogate-loss` (book/surrogate).

    ``log_probs: (N, T)`` holds log pi_theta(a_t | s_t) of the actions taken (0 on any
    padding), ``weights: (N, T)`` the weights Psi: the sum runs over each episode's steps and
    is divided by the number of EPISODES N, not of steps. Written with the array methods
    numpy and JAX share, it is the one implementation behind :func:`pgtheory.surrogate_loss`
    (numpy) and ``pgtheory.autodiff.surrogate_loss`` (JAX, which passes the weights through
    ``jax.lax.stop_gradient`` first). ``pgtheory.mlp_network.surrogate_loss`` writes the same
    sum out with its mask on purpose: book/surrogate prints that function's source as the loss
    "as you would type it".
    """
    return -(log_probs * weights).sum() / log_probs.shape[0]
