"""Pools of one-episode gradient estimates of one coordinate, and N-episode estimates from them.

The N explorer of book/monte_carlo shows the distribution of the N-episode estimate
g_hat_{N,j} = (1/N) sum_n g_j(tau^(n)) of one coordinate j = (s, a) (eq. `mc-estimate`,
book/monte_carlo) for N from 1 to 10,000. Drawing fresh episodes for every N would cost
millions of episodes per slider move. Instead one *pool* of one-episode estimates
g_j(tau^(1)), g_j(tau^(2)), ... is drawn once, and the means of its consecutive blocks of N
entries are the N-episode estimates: the episodes are independent and identically
distributed, so disjoint blocks give independent N-episode estimates, each with variance
sigma_j^2 / N (eq. `mc-variance`, book/monte_carlo).

A pool is drawn chunk by chunk (``chunk_size`` episodes at a time, from one generator) and
only coordinate j is kept, so its memory is 8 bytes per episode. It grows on demand by whole
chunks: the first n entries are the same whether the pool was grown to n at once or in steps.

The baseline here is a constant (``None`` or a real number, eq. `baseline`, book/baselines):
the N explorer passes the exact b*_j of :func:`pgtheory.optimal_baseline`, so its
one-episode estimates are well defined even at N = 1 (the leave-one-out estimate of b*
needs at least two episodes).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._validation import (
    check_baseline,
    check_estimator,
    check_index,
    check_positive_int,
    check_rng,
    check_theta,
)
from .estimators import gradient_samples
from .mdp import TabularMDP

__all__ = ["EstimatePool", "block_means"]


def block_means(samples: Any, n_episodes: int, *, max_blocks: int | None = None) -> np.ndarray:
    """Means of consecutive blocks of ``n_episodes`` samples: independent N-episode estimates.

    Implements eq. `mc-estimate` (book/monte_carlo) once per block: block r is
    ``samples[r N : (r + 1) N]``, and its mean is one N-episode estimate.

    Parameters
    ----------
    samples : array_like(float), shape (n,)
        One-episode estimates g_j(tau^(i)) of one coordinate.
    n_episodes : int
        N, the block length (1 <= N <= n).
    max_blocks : int, optional
        At most this many blocks (the first ones); default all ``n // N``.

    Returns
    -------
    ndarray(float), shape (R,)
        ``R = min(n // N, max_blocks)`` block means; leftover samples are not used.
    """
    samples = np.asarray(samples, dtype=float)
    if samples.ndim != 1:
        raise ValueError(f"samples must have shape (n,); got shape {samples.shape}")
    n_episodes = check_positive_int(n_episodes, "n_episodes")
    if n_episodes > len(samples):
        raise ValueError(
            f"n_episodes must be at most the number of samples {len(samples)}; got {n_episodes}"
        )
    blocks = len(samples) // n_episodes
    if max_blocks is not None:
        blocks = min(blocks, check_positive_int(max_blocks, "max_blocks"))
    return samples[: blocks * n_episodes].reshape(blocks, n_episodes).mean(axis=1)


class EstimatePool:
    """One-episode estimates g_j(tau^(i)) of one gradient coordinate, drawn on demand.

    Parameters
    ----------
    mdp : TabularMDP
    theta : array_like(float), shape (S, A)
        Logits of the policy that plays the episodes.
    coordinate : (int, int)
        The coordinate j = (s, a) kept from each episode's estimate.
    rng : None, int, SeedSequence, BitGenerator or Generator
        Every chunk is drawn from this one generator, in order.
    estimator : {"total_return", "reward_to_go"}
    baseline : None or float
        A constant b (eq. `baseline`, book/baselines); ``None`` is b = 0. A sample-based
        baseline (``"optimal"``) is refused: it would couple the episodes of a chunk.
    chunk_size : int
        Episodes per call to :func:`pgtheory.gradient_samples` (memory ~ 64 bytes x S x A
        per episode of a chunk while it is drawn).
    max_size : int
        Largest number of estimates asked for; the pool holds at most ``max_size`` rounded up
        to whole chunks (8 bytes per episode: 8 MB for a million).

    Examples
    --------
    >>> import numpy as np, pgtheory as pg
    >>> pool = pg.EstimatePool(pg.chain_mdp(), np.zeros((4, 2)), (0, 0), rng=0)
    >>> pool.samples(1000).shape
    (1000,)
    """

    def __init__(
        self,
        mdp: TabularMDP,
        theta: Any,
        coordinate: tuple[int, int],
        *,
        rng: Any = None,
        estimator: str = "total_return",
        baseline: float | None = None,
        chunk_size: int = 100_000,
        max_size: int = 1_000_000,
    ) -> None:
        if not isinstance(mdp, TabularMDP):
            raise TypeError(f"mdp must be a TabularMDP; got {type(mdp).__name__}")
        theta = check_theta(theta, mdp.n_states, mdp.n_actions).copy()
        if len(coordinate) != 2:
            raise ValueError(f"coordinate must be a pair (s, a); got {coordinate!r}")
        s = check_index(coordinate[0], "coordinate[0] (the state s)", mdp.n_states)
        a = check_index(coordinate[1], "coordinate[1] (the action a)", mdp.n_actions)
        baseline = check_baseline(baseline)
        if isinstance(baseline, str):
            raise ValueError(
                f"baseline must be None or a real number for a pool; got {baseline!r} (pass "
                "the exact b* of pg.optimal_baseline as a number instead)"
            )
        self.mdp, self.theta, self.coordinate = mdp, theta, (s, a)
        self.estimator, self.baseline = check_estimator(estimator), baseline
        self.chunk_size = check_positive_int(chunk_size, "chunk_size")
        self.max_size = check_positive_int(max_size, "max_size")
        self._rng = check_rng(rng)
        self._samples = np.empty(0)
        self._samples.flags.writeable = False

    @property
    def size(self) -> int:
        """Episodes drawn so far (a multiple of ``chunk_size``)."""
        return len(self._samples)

    def _grow(self, n: int) -> None:
        """Draw whole chunks until at least ``n`` episodes are in the pool."""
        s, a = self.coordinate
        chunks = [self._samples]
        drawn = self.size
        while drawn < n:
            chunk = gradient_samples(self.mdp, self.theta, self.chunk_size, rng=self._rng,
                                     estimator=self.estimator, baseline=self.baseline)
            chunks.append(chunk[:, s, a])
            drawn += self.chunk_size
        if len(chunks) > 1:
            self._samples = np.concatenate(chunks)
            self._samples.flags.writeable = False

    def samples(self, n: int) -> np.ndarray:
        """The first ``n`` one-episode estimates (read-only), drawing whole chunks as needed.

        Parameters
        ----------
        n : int
            1 <= n <= ``max_size``.

        Returns
        -------
        ndarray(float), shape (n,)
        """
        n = check_positive_int(n, "n")
        if n > self.max_size:
            raise ValueError(f"n must be at most max_size = {self.max_size}; got {n}")
        self._grow(n)
        return self._samples[:n]

    def n_episode_estimates(self, n_episodes: int, max_estimates: int) -> np.ndarray:
        """Up to ``max_estimates`` independent N-episode estimates (eq. `mc-estimate`).

        Uses ``min(max_size // N, max_estimates)`` disjoint blocks of the pool, drawing what
        they need.

        Returns
        -------
        ndarray(float), shape (R,)
        """
        n_episodes = check_positive_int(n_episodes, "n_episodes")
        max_estimates = check_positive_int(max_estimates, "max_estimates")
        if n_episodes > self.max_size:
            raise ValueError(
                f"n_episodes must be at most max_size = {self.max_size}; got {n_episodes}"
            )
        blocks = min(self.max_size // n_episodes, max_estimates)
        return block_means(self.samples(blocks * n_episodes), n_episodes)

    @property
    def nbytes(self) -> int:
        """Memory held by the pool's samples."""
        return int(self._samples.nbytes)
