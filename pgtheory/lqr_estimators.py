r"""Sampled LQR episodes and score-function estimates of the LQR gradient.

The Monte Carlo side of the chapter ``book/lqr``; the exact side is :mod:`pgtheory.lqr`.

**The infinite horizon, by geometric stopping.** The objective
:math:`C = \mathbb E[\sum_{t\ge1}\gamma^{t-1}c_t]` has no last step. We simulate each episode
for a random number of steps :math:`L` with :math:`P(L \ge t) = \gamma^{t-1}` (after every
step the episode continues with probability :math:`\gamma`, independently of everything
else), and sum the costs *without* discounting (eq. ``lqr-geometric``):

.. math::

    \mathbb E\Big[\sum_{t=1}^{L} c_t\Big] = \sum_{t\ge1} P(L \ge t)\,\mathbb E[c_t] = C .

The same argument makes the score-function estimates unbiased for :math:`\nabla C`
(eq. ``lqr-score-estimate``): with per-step scores :math:`s_t = \nabla\log\pi(u_t\mid x_t)`,

.. math::

    \hat g_{\text{total}} = \Big(\sum_{t=1}^{L} c_t - b\Big)\sum_{t=1}^{L} s_t, \qquad
    \hat g_{\text{to-go}} = \sum_{t=1}^{L} s_t\Big(\sum_{t'=t}^{L} c_{t'} - b\Big),

for any constant baseline b. There is no truncation bias and no horizon to choose; the price
is that L is random, which adds variance, and that the variance is finite only when the
fourth moments of the state stay summable against :math:`\gamma^{t}`: a sufficient
condition is :math:`\gamma\,\rho(A + BK)^4 < 1` (stronger than the
:math:`\gamma\,\rho(A + BK)^2 < 1` the cost needs).

**Truncation, for comparison.** With ``horizon=H`` every episode has H steps and step t's
cost is weighted by :math:`\gamma^{t-1}`; the estimates are then unbiased for the truncated
cost :math:`C_H` (:func:`pgtheory.lqr_cost` with ``horizon=H``), whose bias is exactly
:math:`C - C_H = \gamma^H\,\big[\operatorname{tr}(P_K \Sigma_{H+1}) + \frac{\gamma}{1-\gamma}
\operatorname{tr}(P_K W_K) + \frac{\operatorname{tr}(R\Sigma_u)}{1-\gamma}\big]`
(eq. ``lqr-truncation-bias``). ``horizon=1`` is the one-step problem whose estimator
variance has the closed form of :func:`lqr_one_step_score_variance`.

Time index convention: book step t = 1..L is array column t - 1; arrays are padded to the
longest episode of the batch and ``mask`` marks the real steps.

References
----------
.. [1] R. J. Williams, "Simple statistical gradient-following algorithms for connectionist
   reinforcement learning", Machine Learning 8, 229-256, 1992.
.. [2] M. Fazel, R. Ge, S. Kakade and M. Mesbahi, "Global convergence of policy gradient
   methods for the linear quadratic regulator", ICML 2018 (sec. 5 uses random-horizon
   rollouts for model-free estimates).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ._validation import (
    check_constant_baseline,
    check_estimator,
    check_instance,
    check_positive_int,
    check_rng,
)
from .episodes import length_mask, reward_to_go
from .gaussian_policy import linear_gaussian_log_prob_grad
from .lqr import LQR

__all__ = [
    "LQRTrajectories",
    "sample_lqr_trajectories",
    "lqr_episode_gradients",
    "lqr_gradient_samples",
    "lqr_one_step_score_variance",
]


def _check_horizon(horizon: Any) -> int | None:
    return None if horizon is None else check_positive_int(horizon, "horizon")


def _psd_root(covariance: np.ndarray) -> np.ndarray:
    """A matrix L with L L^T = covariance, for a symmetric PSD (possibly singular) matrix."""
    values, vectors = np.linalg.eigh(covariance)
    return vectors * np.sqrt(np.clip(values, 0.0, None))


@dataclass(frozen=True, eq=False)
class LQRTrajectories:
    r"""A batch of N sampled LQR episodes, padded to the longest one.

    Attributes
    ----------
    states : ndarray(float), shape (N, T, n)
        :math:`x_t` at column t - 1; 0 on padding.
    actions : ndarray(float), shape (N, T, m)
        :math:`u_t`; 0 on padding.
    costs : ndarray(float), shape (N, T)
        :math:`c_t = x_t^\top Q x_t + u_t^\top R u_t`, undiscounted; 0 on padding.
    lengths : ndarray(int), shape (N,)
        Episode lengths :math:`L_i \ge 1`.
    weights : ndarray(float), shape (T,)
        Weight of step t's cost in the objective: 1 under geometric stopping
        (``horizon=None``), :math:`\gamma^{t-1}` under truncation.
    """

    states: np.ndarray
    actions: np.ndarray
    costs: np.ndarray
    lengths: np.ndarray
    weights: np.ndarray

    def __post_init__(self) -> None:
        for name in ("states", "actions", "costs", "lengths", "weights"):
            array = np.asarray(getattr(self, name)).view()  # a read-only view, no copy
            array.flags.writeable = False
            object.__setattr__(self, name, array)

    @property
    def n_episodes(self) -> int:
        """Number of episodes N."""
        return self.costs.shape[0]

    @property
    def mask(self) -> np.ndarray:
        """ndarray(bool), shape (N, T): True on the steps t <= L_i of episode i."""
        return length_mask(self.lengths, self.costs.shape[1])

    @property
    def total_costs(self) -> np.ndarray:
        r"""ndarray(float), shape (N,): :math:`\sum_t w_t c_t`, unbiased for C (or C_H)."""
        return self.costs @ self.weights


def sample_lqr_trajectories(
    lqr: LQR,
    gain: Any,
    log_std: Any,
    n_episodes: int,
    *,
    rng: int | np.random.Generator | None = None,
    horizon: int | None = None,
) -> LQRTrajectories:
    r"""Simulate N episodes of the linear-Gaussian policy on the LQR, vectorized over episodes.

    Implements eq. ``lqr-dynamics`` and eq. ``lqr-policy`` (book/lqr), with the lengths of
    eq. ``lqr-geometric``.

    Parameters
    ----------
    lqr : LQR
    gain : array_like(float), shape (m, n)
        :math:`K`; for ``horizon=None`` it must stabilize the discounted closed loop.
    log_std : array_like(float), shape (m,)
    n_episodes : int
        N >= 1.
    rng : int, numpy.random.Generator or None
        Normalised with :func:`pgtheory._validation.check_rng`; the same seed gives the same
        bits.
    horizon : int, optional
        ``None`` (default): geometric stopping, :math:`P(L = l) = \gamma^{l-1}(1-\gamma)`,
        so the mean length is :math:`1/(1-\gamma)`. An int H: every episode has H steps.

    Returns
    -------
    LQRTrajectories

    Notes
    -----
    Draw order: the N lengths; the N initial states (N, n); then the action noise
    :math:`\varepsilon_t` of every step of every episode, (sum of lengths, m), and the
    process noise :math:`w_t`, (sum of lengths, n), both ordered by step t and, within a
    step, by episode, longest first. Episodes are simulated longest first, so the running
    ones are a prefix of the batch.
    Memory is O(N T (n + m)) with T the longest episode, about :math:`\log N / (1-\gamma)`
    under geometric stopping.
    """
    lqr = check_instance(lqr, LQR, "lqr", "an")
    horizon = _check_horizon(horizon)
    gain = lqr.check_stable_gain(gain) if horizon is None else lqr.check_gain(gain)
    log_std = lqr.check_log_std(log_std)
    n_episodes = check_positive_int(n_episodes, "n_episodes")
    rng = check_rng(rng)
    n, m, g = lqr.n_states, lqr.n_actions, lqr.discount

    if horizon is None:
        lengths = rng.geometric(1.0 - g, size=n_episodes)  # P(L >= t) = g^(t-1)
        n_steps = int(lengths.max())
        weights = np.ones(n_steps)
    else:
        lengths = np.full(n_episodes, horizon)
        n_steps = horizon
        weights = g ** np.arange(horizon)
    order = np.argsort(-lengths, kind="stable")  # longest first: running episodes = a prefix
    # running[t] = number of episodes with L > t, i.e. still running at book step t + 1: (T,)
    running = n_episodes - np.searchsorted(np.sort(lengths), np.arange(n_steps), side="right")

    std = np.exp(log_std)
    offsets = np.concatenate([[0], np.cumsum(running)])  # step t's noise: rows offsets[t]:[t+1]
    x = rng.standard_normal((n_episodes, n)) @ _psd_root(lqr.initial_covariance).T
    eps = std * rng.standard_normal((offsets[-1], m))  # sigma * epsilon_t, every running step
    w = rng.standard_normal((offsets[-1], n)) @ _psd_root(lqr.noise_covariance).T  # w_t
    states = np.zeros((n_episodes, n_steps, n))
    actions = np.zeros((n_episodes, n_steps, m))
    costs = np.zeros((n_episodes, n_steps))
    for t in range(n_steps):
        k, rows = running[t], slice(offsets[t], offsets[t + 1])
        x, episodes = x[:k], order[:k]
        u = x @ gain.T + eps[rows]  # eq. lqr-policy
        states[episodes, t], actions[episodes, t] = x, u
        costs[episodes, t] = ((x @ lqr.Q) * x).sum(axis=1) + ((u @ lqr.R) * u).sum(axis=1)
        x = x @ lqr.A.T + u @ lqr.B.T + w[rows]  # eq. lqr-dynamics
    return LQRTrajectories(states=states, actions=actions, costs=costs,
                           lengths=lengths.astype(np.int64), weights=weights)


def _check_trajectories(lqr: LQR, trajectories: Any) -> LQRTrajectories:
    check_instance(trajectories, LQRTrajectories, "trajectories", "an")
    n, m = lqr.n_states, lqr.n_actions
    if trajectories.states.shape[2:] != (n,) or trajectories.actions.shape[2:] != (m,):
        raise ValueError(
            f"trajectories have states {trajectories.states.shape} and actions "
            f"{trajectories.actions.shape}; expected (N, T, {n}) and (N, T, {m}) for this LQR"
        )
    return trajectories


def lqr_episode_gradients(
    lqr: LQR,
    gain: Any,
    log_std: Any,
    trajectories: LQRTrajectories,
    *,
    estimator: str = "total_return",
    baseline: float | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    r"""One score-function estimate of :math:`\nabla C` per episode, eq. ``lqr-score-estimate``.

    The per-step scores are :func:`pgtheory.linear_gaussian_log_prob_grad` (eq.
    ``lqr-policy-score``), computed from the recorded states and actions.

    Parameters
    ----------
    lqr : LQR
    gain : array_like(float), shape (m, n)
        The gain the episodes were sampled with.
    log_std : array_like(float), shape (m,)
    trajectories : LQRTrajectories
    estimator : {"total_return", "reward_to_go"}
        ``"total_return"``: every step's score is weighted by the episode's whole (weighted)
        cost; ``"reward_to_go"``: by the cost from that step on. Both are unbiased.
    baseline : float or None
        A constant b subtracted from the weight of every step; ``None`` means b = 0.

    Returns
    -------
    d_gain : ndarray(float), shape (N, m, n)
    d_log_std : ndarray(float), shape (N, m)
        Their means over episodes are unbiased for :func:`pgtheory.lqr_gradient` (geometric
        stopping) or for the gradient of the truncated cost (``horizon=H``).
    """
    lqr = check_instance(lqr, LQR, "lqr", "an")
    gain = lqr.check_gain(gain)
    log_std = lqr.check_log_std(log_std)
    trajectories = _check_trajectories(lqr, trajectories)
    estimator = check_estimator(estimator)
    b = check_constant_baseline(baseline)

    mask = trajectories.mask  # (N, T)
    weighted = trajectories.costs * trajectories.weights  # w_t c_t: (N, T)
    if estimator == "total_return":
        psi = np.broadcast_to(weighted.sum(axis=1, keepdims=True), mask.shape)
    else:
        psi = reward_to_go(weighted, mask=mask)  # sum_{t' >= t} w_t' c_t', 0 on padding
    psi = np.where(mask, psi - b, 0.0)  # (N, T); 0 on padding
    d_gain, d_log_std = linear_gaussian_log_prob_grad(gain, log_std, trajectories.states,
                                                      trajectories.actions)
    return (np.einsum("nt,ntij->nij", psi, d_gain), np.einsum("nt,nti->ni", psi, d_log_std))


def lqr_gradient_samples(
    lqr: LQR,
    gain: Any,
    log_std: Any,
    n_episodes: int,
    *,
    rng: int | np.random.Generator | None = None,
    estimator: str = "total_return",
    baseline: float | None = None,
    horizon: int | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    r"""Sample N episodes and return one gradient estimate per episode.

    :func:`sample_lqr_trajectories` followed by :func:`lqr_episode_gradients`; the same
    ``rng`` gives the same episodes as :func:`sample_lqr_trajectories`.

    Returns
    -------
    d_gain : ndarray(float), shape (N, m, n)
    d_log_std : ndarray(float), shape (N, m)
    """
    trajectories = sample_lqr_trajectories(lqr, gain, log_std, n_episodes, rng=rng,
                                           horizon=horizon)
    return lqr_episode_gradients(lqr, gain, log_std, trajectories, estimator=estimator,
                                 baseline=baseline)


def lqr_one_step_score_variance(
    lqr: LQR, gain: Any, log_std: Any, *, baseline: float | None = None
) -> tuple[float, float]:
    r"""Exact variance of one estimate for the scalar LQR with one step (``horizon=1``).

    Implements eq. ``lqr-one-step-variance`` (book/lqr). With n = m = 1, write
    :math:`x_1 = s\xi`, :math:`u_1 = kx_1 + \sigma\varepsilon` (:math:`\xi, \varepsilon` independent
    standard normals, :math:`s^2 = \Sigma_1`), :math:`\alpha = (q + rk^2)s^2` and
    :math:`\delta = r\sigma^2`. The estimates are
    :math:`\hat g_k = (c_1 - b)\,\varepsilon x_1/\sigma` and
    :math:`\hat g_{\log\sigma} = (c_1 - b)(\varepsilon^2 - 1)`, with means
    :math:`2rks^2` and :math:`2r\sigma^2`, and

    .. math::

        \operatorname{Var}\hat g_k = \frac{s^2}{\sigma^2}\Big[\big(b - 3(\alpha + \delta)\big)^2
          + 6\alpha^2\Big] + 6r^2\sigma^2 s^2 + 32 r^2k^2s^4, \qquad
        \operatorname{Var}\hat g_{\log\sigma} = 2(b - \alpha - 5\delta)^2 + 4\alpha^2
          + 40 r^2k^2s^2\sigma^2 + 24\delta^2 .

    The first grows like :math:`6\alpha^2 s^2/\sigma^2` as :math:`\sigma \to 0` whatever the
    constant b, while the gradient it estimates does not change; the second stays bounded,
    but the quantity it estimates, :math:`2r\sigma^2`, vanishes.

    Parameters
    ----------
    lqr : LQR
        With n = m = 1 (W and the discount do not enter one step).
    gain : array_like(float), shape (1, 1)
    log_std : array_like(float), shape (1,)
    baseline : float or None
        Constant b; ``None`` means 0.

    Returns
    -------
    var_gain, var_log_std : float

    Notes
    -----
    Expand :math:`c_1 - b = \alpha\xi^2 + \beta\xi\varepsilon + \delta\varepsilon^2 - b` with
    :math:`\beta = 2rks\sigma`, square, multiply by :math:`\xi^2\varepsilon^2` (or by
    :math:`(\varepsilon^2 - 1)^2`) and use :math:`\mathbb E\xi^{2,4,6} = 1, 3, 15`,
    :math:`\mathbb E(\varepsilon^2-1)^2 = 2`, :math:`\mathbb E\varepsilon^2(\varepsilon^2-1)^2
    = 10`, :math:`\mathbb E\varepsilon^4(\varepsilon^2-1)^2 = 78`; odd moments vanish. The
    derivation is written out in the chapter.
    """
    lqr = check_instance(lqr, LQR, "lqr", "an")
    if lqr.n_states != 1 or lqr.n_actions != 1:
        raise ValueError(f"lqr must be scalar (n = m = 1) for the closed form; got n = "
                         f"{lqr.n_states}, m = {lqr.n_actions}")
    k = float(lqr.check_gain(gain)[0, 0])
    sigma2 = float(np.exp(2.0 * lqr.check_log_std(log_std)[0]))
    b = check_constant_baseline(baseline)
    q, r, s2 = float(lqr.Q[0, 0]), float(lqr.R[0, 0]), float(lqr.initial_covariance[0, 0])
    alpha, delta = (q + r * k * k) * s2, r * sigma2
    var_gain = (s2 / sigma2 * ((b - 3.0 * (alpha + delta)) ** 2 + 6.0 * alpha**2)
                + 6.0 * r * r * sigma2 * s2 + 32.0 * r * r * k * k * s2 * s2)
    var_log_std = (2.0 * (b - alpha - 5.0 * delta) ** 2 + 4.0 * alpha**2
                   + 40.0 * r * r * k * k * s2 * sigma2 + 24.0 * delta**2)
    return var_gain, var_log_std
