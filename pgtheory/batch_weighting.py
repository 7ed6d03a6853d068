"""Exact moments of batch estimates whose weights depend on the whole batch.

book/other_code ("Reading other people's code"). The batch estimate of
:func:`pgtheory.batch_gradient` with ``weighting`` (and ``estimator="total_return"``) is

    g = (1/N) sum_n w_n B_n,    B_n = sum_{t <= T_n} grad log pi_theta(a_t | s_t),

where w_n depends on episode n's return R_n *and on the other returns of the batch*
(``"leave_one_out_mean"``, ``"mean_in_sample"``, ``"standardized"``; see
:mod:`pgtheory.batch_estimators`), so the N terms are not independent and no one-episode
formula gives the mean. This module gives the exact mean and per-coordinate variance for any N.

**By exchangeability and multisets.** Every weighting is a function of the episode's own
return and of the multiset of the batch's returns, so

    E[g] = E[w_1 B_1] = sum_v beta_v E[w(v; R_2, ..., R_N)],   beta_v = sum_{k: R_k = v} p_k B_k,

summed over the trajectories k of :func:`pgtheory.enumerate_trajectories` (probabilities
p_k), and the multiset of the other N - 1 returns is multinomial over the M distinct return
values. The variance needs, besides, E[w_1 w_2 B_1j B_2j], a sum over the pairs of returns of
two episodes and every multiset of the other N - 2. The cost grows like N^(M-1);
:func:`exact_batch_mean` and :func:`exact_batch_variance` refuse past :data:`MAX_EVALUATIONS`.

Steps in terminal states are left out of B_n, as in :mod:`pgtheory.batch_estimators`.

References
----------
C. Nota and P. S. Thomas (2020), "Is the policy gradient a gradient?", AAMAS.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ._validation import check_batch_options, check_mdp_theta, check_positive_int
from .batch_estimators import enumerated_scores_kernel
from .discounted import terminal_states
from .mdp import TabularMDP

__all__ = ["MAX_EVALUATIONS", "exact_batch_mean", "exact_batch_variance"]

#: Largest number of (multiset, return value) evaluations :func:`exact_batch_mean` and
#: :func:`exact_batch_variance` will make (about a second and 100 MB at this size).
MAX_EVALUATIONS = 10**7

#: Rows of multisets processed at once (bounds memory to a few tens of MB).
_CHUNK_ROWS = 100_000


def _multisets(n: int, log_q: np.ndarray, max_rows: int, what: str
               ) -> tuple[np.ndarray, np.ndarray]:
    """Every count vector of a Multinomial(n, q) over M values, and its probability.

    Returns
    -------
    counts : ndarray(int), shape (C(n + M - 1, M - 1), M)
    probabilities : ndarray(float), shape (C(n + M - 1, M - 1),)
    """
    m = log_q.size
    n_rows = math.comb(n + m - 1, m - 1)
    if n_rows > max_rows:
        raise ValueError(
            f"{what} would enumerate {n_rows:,} multisets of returns (n = {n} other episodes, "
            f"{m} distinct returns), more than the {max_rows:,} that MAX_EVALUATIONS allows; "
            "use a smaller N or estimate it from batch_gradient_samples")
    rows = np.zeros((1, 0), dtype=np.int64)
    remaining = np.array([n], dtype=np.int64)
    for _ in range(m - 1):  # append each count in turn: 0..remaining
        repeats = remaining + 1
        index = np.repeat(np.arange(rows.shape[0]), repeats)
        counts = np.arange(repeats.sum()) - np.repeat(np.cumsum(repeats) - repeats, repeats)
        rows = np.column_stack([rows[index], counts])
        remaining = remaining[index] - counts
    rows = np.column_stack([rows, remaining])
    log_factorial = np.concatenate([[0.0], np.cumsum(np.log(np.arange(1, n + 1)))])
    log_p = log_factorial[n] - log_factorial[rows].sum(axis=1) + rows @ log_q
    return rows, np.exp(log_p)


class _ReturnMultisets:
    """The returns of a batch, grouped by value: what the batch weightings depend on.

    Every weighting is a function of the episode's own return and of the multiset of the
    batch's returns, so E[w_1 B_1] = sum_v beta_v E[w(v; others)] with
    beta_v = sum_{k: R_k = v} p_k B_k, and the multiset of the others' returns is
    multinomial over the M distinct values.
    """

    def __init__(self, mdp: TabularMDP, theta: np.ndarray, n_episodes: int,
                 weighting: str, ddof: int) -> None:
        probabilities, returns, _, scores = enumerated_scores_kernel(
            mdp, theta, "total_return", terminal_states(mdp))
        values, index = np.unique(returns, return_inverse=True)
        value_probabilities = np.bincount(index, weights=probabilities, minlength=values.size)
        keep = value_probabilities > 0  # probabilities that underflowed to 0 contribute 0
        self.values = values[keep]
        self.log_q = np.log(value_probabilities[keep])
        remap = np.cumsum(keep) - 1
        self.beta = np.zeros((self.values.size,) + theta.shape)
        self.gamma = np.zeros_like(self.beta)
        index, mask = remap[index], keep[index]
        np.add.at(self.beta, index[mask], (probabilities[:, None, None] * scores)[mask])
        np.add.at(self.gamma, index[mask], (probabilities[:, None, None] * scores**2)[mask])
        # Standardization and the two mean baselines do not change when every return moves by
        # the same amount; centring keeps the variance formula clear of cancellation.
        centre = float(np.exp(self.log_q) @ self.values)
        self.centred = self.values - centre
        self.n, self.weighting, self.ddof = n_episodes, weighting, ddof

    @property
    def n_values(self) -> int:
        return self.values.size

    def multisets(self, n_others: int, per_row: int, what: str
                  ) -> tuple[np.ndarray, np.ndarray]:
        """(counts (C, M), probabilities (C,)) of the multisets of n_others returns."""
        return _multisets(n_others, self.log_q, MAX_EVALUATIONS // per_row, what)

    def weights(self, own: np.ndarray, total: np.ndarray, total_squares: np.ndarray,
                single: np.ndarray) -> np.ndarray:
        """w(own return; batch) from the batch's sums of centred returns and their squares.

        ``own`` holds indices of the episode's own value; ``total`` and ``total_squares``
        the sums over the whole batch (own return included), ``single`` whether every
        return of the batch is the same (then s = 0 and the standardized weight is 0).
        All four broadcast against each other.
        """
        n, centred = self.n, self.centred
        if self.weighting == "raw":
            return self.values[own] + 0.0 * total
        mean = total / n
        deviation = centred[own] - mean
        if self.weighting == "mean_in_sample":
            return deviation
        if self.weighting == "leave_one_out_mean":
            return deviation * (n / (n - 1))
        # Sum of squared deviations; the returns are centred, so no digits cancel unless
        # every return is equal, which ``single`` catches exactly.
        squares = np.maximum(total_squares - n * mean**2, 0.0)
        spread = np.sqrt(squares / (n - self.ddof))
        return np.where(single, 0.0, deviation / np.where(single, 1.0, spread))

    def first_moments(self, what: str) -> tuple[np.ndarray, np.ndarray]:
        """E[w(v; others)] and E[w(v; others)^2] for each own value v, shape (M,) each."""
        own = np.arange(self.n_values)[None, :]
        c = self.centred
        counts, probabilities = self.multisets(self.n - 1, self.n_values, what)
        total = (counts @ c)[:, None] + c[own]  # (C, M)
        total_squares = (counts @ c**2)[:, None] + c[own] ** 2
        single = counts == self.n - 1  # the others all share the own value
        w = self.weights(own, total, total_squares, single)  # (C, M)
        return probabilities @ w, probabilities @ w**2

    def cross_moments(self, what: str) -> np.ndarray:
        """E[w(u; v, rest) w(v; u, rest)] for every pair of values, shape (M, M)."""
        m, c = self.n_values, self.centred
        u, v = np.meshgrid(np.arange(m), np.arange(m), indexing="ij")  # (M, M) each
        psi = np.zeros((m, m))
        all_counts, all_probabilities = self.multisets(self.n - 2, m * m, what)
        step = max(_CHUNK_ROWS // (m * m), 1)
        for start in range(0, all_counts.shape[0], step):
            counts = all_counts[start:start + step]
            probabilities = all_probabilities[start:start + step]
            total = (counts @ c)[:, None, None] + c[u] + c[v]  # (C, M, M)
            total_squares = (counts @ c**2)[:, None, None] + c[u] ** 2 + c[v] ** 2
            single = (counts[:, u] == self.n - 2) & (u == v)  # the rest all equal u = v
            product = (self.weights(u, total, total_squares, single)
                       * self.weights(v, total, total_squares, single))
            psi += np.tensordot(probabilities, product, 1)
        return psi


def _check_exact(mdp: Any, theta: Any, n_episodes: Any, weighting: Any, ddof: Any,
                 minimum: int) -> tuple[TabularMDP, np.ndarray, int, str, int]:
    mdp, theta = check_mdp_theta(mdp, theta)
    n_episodes = check_positive_int(n_episodes, "n_episodes")
    _, weighting, _, ddof = check_batch_options("total_return", weighting, "episodes", ddof,
                                                n_episodes)
    if n_episodes < minimum:
        raise ValueError(f"n_episodes must be at least {minimum} here; got {n_episodes}")
    return mdp, theta, n_episodes, weighting, ddof


def exact_batch_mean(
    mdp: TabularMDP, theta: Any, n_episodes: int, *, weighting: str = "standardized",
    ddof: int = 0,
) -> np.ndarray:
    """The exact mean of the batch estimate (1/N) sum_n w_n B_n with batch-dependent weights.

    By exchangeability E = E[w_1 B_1] = sum_v beta_v E[w(v; R_2, ..., R_N)], summed over
    every trajectory and every multiset of the other N - 1 returns (module docstring). For
    ``"standardized"`` this is the mean of eq. `standardized-returns` (book/other_code);
    ``"raw"`` and ``"leave_one_out_mean"`` give grad J, ``"mean_in_sample"``
    ((N - 1) / N) grad J. Tiny MDPs and few distinct returns only.

    Parameters
    ----------
    mdp : TabularMDP
    theta : array_like(float), shape (S, A)
    n_episodes : int
        N (>= 2 unless ``weighting="raw"``).
    weighting : {"raw", "leave_one_out_mean", "mean_in_sample", "standardized"}
    ddof : {0, 1}

    Returns
    -------
    ndarray(float), shape (S, A)

    Raises
    ------
    ValueError
        When the enumeration would exceed :data:`MAX_EVALUATIONS`.
    """
    mdp, theta, n_episodes, weighting, ddof = _check_exact(mdp, theta, n_episodes, weighting,
                                                           ddof, 1)
    multisets = _ReturnMultisets(mdp, theta, n_episodes, weighting, ddof)
    phi, _ = multisets.first_moments("exact_batch_mean")
    return np.tensordot(phi, multisets.beta, 1)


def exact_batch_variance(
    mdp: TabularMDP, theta: Any, n_episodes: int, *, weighting: str = "standardized",
    ddof: int = 0,
) -> np.ndarray:
    """The exact per-coordinate variance of the batch estimate (1/N) sum_n w_n B_n.

    E[g_j^2] = (1/N) E[w_1^2 B_1j^2] + ((N - 1)/N) E[w_1 w_2 B_1j B_2j], each term a sum over
    the returns of the episodes named and every multiset of the rest; minus E[g_j]^2. With
    ``"raw"`` it is the one-episode variance over N (eq. `mc-variance`, book/monte_carlo).

    Parameters
    ----------
    mdp : TabularMDP
    theta : array_like(float), shape (S, A)
    n_episodes : int
        N >= 2.
    weighting : {"raw", "leave_one_out_mean", "mean_in_sample", "standardized"}
    ddof : {0, 1}

    Returns
    -------
    ndarray(float), shape (S, A)
        Var[g_j] of the N-episode estimate; sum it for the total variance.
    """
    mdp, theta, n_episodes, weighting, ddof = _check_exact(mdp, theta, n_episodes, weighting,
                                                           ddof, 2)
    multisets = _ReturnMultisets(mdp, theta, n_episodes, weighting, ddof)
    phi, phi_squared = multisets.first_moments("exact_batch_variance")
    psi = multisets.cross_moments("exact_batch_variance")
    beta, gamma = multisets.beta, multisets.gamma
    mean = np.tensordot(phi, beta, 1)
    second = (np.tensordot(phi_squared, gamma, 1) / n_episodes
              + (n_episodes - 1) / n_episodes * np.einsum("uv,usa,vsa->sa", psi, beta, beta))
    return np.maximum(second - mean**2, 0.0)
