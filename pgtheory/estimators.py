"""Monte Carlo estimators of the policy gradient and their exact moments.

Every estimator here has the form, for one episode tau_i and each coordinate
j = (s, a) of theta,

    g_ij = Y_ij - b_j B_ij,   B_i = grad log p_theta(tau_i) = sum_t score_t,

where score_t = e_{s_t} ⊗ (e_{a_t} - pi(. | s_t)) (eq. `softmax-score`) and

* ``estimator="total_return"``: Y_i = R(tau_i) B_i, the likelihood-ratio
  gradient (eq. `lr-gradient` in book/likelihood_ratio, obtained with eq.
  `log-derivative`) in the form of eq. `pg-theorem` (book/theorem), averaged over
  episodes as in eq. `mc-estimate` (book/monte_carlo);
* ``estimator="reward_to_go"``: Y_i = sum_t score_t G_t with
  G_t = sum_{t' >= t} gamma^(t'-1) r_{t'} (eq. `reward-to-go`, book/reward_to_go).

The baseline (eq. `baseline`, book/baselines) is ``None`` (b = 0), a real number b
(so g = (R - b) B or sum_t score_t (G_t - b)), ``"leave_one_out_mean"`` (b for
episode i is the mean of the other episodes' R, or of their G_t at the same step:
:func:`pgtheory.leave_one_out_mean`), or ``"optimal"``:
b_j* = E[Y_j B_j] / E[B_j^2] (eq. `optimal-baseline`, book/baselines), the constant that
minimises Var(g_j) because E[B_j] = 0. This per-coordinate form is usually
credited to Peters & Schaal (2008); Greensmith, Bartlett & Baxter (2004)
derive the single constant that minimises the total variance sum_j Var(g_j),
sum_j E[Y_j B_j] / sum_j E[B_j^2] (not implemented here).

Because E[B_j] = 0, any b that does not depend on episode i leaves g_i
unbiased. From samples, b_j* is therefore estimated *leave-one-out*: the
baseline of episode i uses the other n - 1 episodes of the batch only. The
in-sample ratio would correlate b with episode i and bias the estimate by
O(1/n). The leave-one-out sums are formed from prefix and suffix sums (not
total minus own term) so that no cancellation can occur; where the
denominator is 0 the baseline is 0.

Time index convention: book step t = 1..H is array column t - 1; the
discount factor gamma^(t-1) of G_t is counted from the start of the episode,
so reward-to-go is unbiased for the discounted objective. Note that
:func:`pgtheory.value_functions` discounts from step t instead (V_t, Q_t are
expected discounted rewards from step t on, weighting r_{t'} by
gamma^(t'-t)), so with gamma < 1, E[G_t | h_t, a_t] = gamma^(t-1) Q_t(s_t, a_t),
not Q_t(s_t, a_t). With gamma = 1 (as in most of the book) the two agree.

The exact moments (:func:`exact_estimator_mean`,
:func:`exact_estimator_variance`) are sums over every trajectory from
:func:`pgtheory.enumerate_trajectories` and are for tiny MDPs only. They give
the variance of ONE episode's estimate; the mean of N episodes has variance
1/N of that (eq. `mc-variance`, book/monte_carlo).

References
----------
E. Greensmith, P. L. Bartlett and J. Baxter (2004), "Variance reduction
techniques for gradient estimates in reinforcement learning", JMLR 5.

J. Peters and S. Schaal (2008), "Reinforcement learning of motor skills with
policy gradients", Neural Networks 21(4).

T. F. Chan, G. H. Golub and R. J. LeVeque (1979), "Updating formulae and a
pairwise algorithm for computing sample variances".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ._kernels import (
    leave_one_out_baseline,
    probability_moments,
    safe_ratio,
    softmax,
)
from ._validation import (
    as_finite_array,
    check_baseline,
    check_estimator,
    check_mdp_theta,
    check_optimal_batch,
    check_positive_int,
    check_rng,
    check_trajectories,
)
from .enumeration import enumerate_kernel
from .episodes import leave_one_out_mean_kernel, reward_to_go_kernel
from .mdp import TabularMDP
from .policy import score_kernel
from .sampling import Trajectories, sample_kernel

__all__ = [
    "GradientEstimate",
    "episode_gradients",
    "gradient_samples",
    "gradient_estimate",
    "optimal_baseline",
    "leave_one_out_optimal_baseline",
    "exact_estimator_mean",
    "exact_estimator_variance",
]

Baseline = float | str | None


# --- kernels (inputs already validated) ---------------------------------------------------


def estimator_parts_kernel(
    pi: np.ndarray, trajectories: Trajectories, estimator: str
) -> tuple[np.ndarray, np.ndarray]:
    """Y (n, S, A) and B (n, S, A) with g = Y - b B, for validated inputs (module docstring)."""
    states, actions = trajectories.states, trajectories.actions
    scores = score_kernel(pi, states, actions)
    if estimator == "total_return":
        return trajectories.returns[:, None, None] * scores, scores
    to_go = reward_to_go_kernel(trajectories.rewards, trajectories.discount)
    return score_kernel(pi, states, actions, to_go), scores


def episode_gradients_kernel(
    pi: np.ndarray, trajectories: Trajectories, estimator: str, baseline: Baseline
) -> np.ndarray:
    """:func:`episode_gradients` of validated inputs: g_i, shape (n, S, A)."""
    states, actions = trajectories.states, trajectories.actions
    if baseline == "optimal":
        y_part, b_part = estimator_parts_kernel(pi, trajectories, estimator)
        y_part -= leave_one_out_baseline(y_part, b_part) * b_part
        return y_part
    if baseline == "leave_one_out_mean":
        if estimator == "total_return":
            returns = trajectories.returns[:, None]
            b = leave_one_out_mean_kernel(returns, np.ones(returns.shape, dtype=bool))[:, 0]
        else:
            to_go = reward_to_go_kernel(trajectories.rewards, trajectories.discount)
            b = leave_one_out_mean_kernel(to_go, np.ones(to_go.shape, dtype=bool))
            return score_kernel(pi, states, actions, to_go - b)
    else:
        b = 0.0 if baseline is None else float(baseline)
    if estimator == "total_return":
        gradients = score_kernel(pi, states, actions)
        gradients *= (trajectories.returns - b)[:, None, None]
        return gradients
    to_go = reward_to_go_kernel(trajectories.rewards, trajectories.discount)
    return score_kernel(pi, states, actions, to_go - b if b else to_go)


# --- public functions --------------------------------------------------------------------


def episode_gradients(
    mdp: TabularMDP,
    theta: Any,
    trajectories: Trajectories,
    *,
    estimator: str = "total_return",
    baseline: Baseline = None,
) -> np.ndarray:
    """One policy-gradient estimate per episode.

    Implements eq. `mc-estimate` (book/monte_carlo) term by term, with the integrand
    of eq. `pg-theorem` (book/theorem; ``"total_return"``) or eq. `reward-to-go`
    (book/reward_to_go; ``"reward_to_go"``), minus a constant baseline (eq. `baseline`,
    book/baselines) or the leave-one-out estimate of eq. `optimal-baseline`
    (``"optimal"``); see the module docstring.

    Parameters
    ----------
    mdp : TabularMDP
    theta : array_like(float), shape (S, A)
        Logits of the policy that generated ``trajectories``.
    trajectories : Trajectories
        n episodes of horizon ``mdp.horizon``.
    estimator : {"total_return", "reward_to_go"}
    baseline : None, float, "leave_one_out_mean" or "optimal"
        The last two need n >= 2.

    Returns
    -------
    ndarray(float), shape (n, S, A)
        Row i is g_i; their mean is the Monte Carlo gradient estimate.
    """
    mdp, theta = check_mdp_theta(mdp, theta)
    trajectories = check_trajectories(mdp, trajectories)
    estimator = check_estimator(estimator)
    baseline = check_baseline(baseline)
    check_optimal_batch(baseline, trajectories.n_episodes)
    return episode_gradients_kernel(softmax(theta), trajectories, estimator, baseline)


def gradient_samples(
    mdp: TabularMDP,
    theta: Any,
    n_episodes: int,
    *,
    rng: Any = None,
    estimator: str = "total_return",
    baseline: Baseline = None,
) -> np.ndarray:
    """Sample N episodes and return one gradient estimate per episode.

    :func:`pgtheory.sample_trajectories` followed by :func:`episode_gradients`.

    Parameters
    ----------
    mdp : TabularMDP
    theta : array_like(float), shape (S, A)
    n_episodes : int
        Number of episodes N (>= 2 for ``baseline="optimal"`` or ``"leave_one_out_mean"``).
    rng : None, int, SeedSequence, BitGenerator or Generator
    estimator : {"total_return", "reward_to_go"}
    baseline : None, float, "leave_one_out_mean" or "optimal"

    Returns
    -------
    ndarray(float), shape (N, S, A)
    """
    mdp, theta = check_mdp_theta(mdp, theta)
    n_episodes = check_positive_int(n_episodes, "n_episodes")
    rng = check_rng(rng)
    estimator = check_estimator(estimator)
    baseline = check_baseline(baseline)
    check_optimal_batch(baseline, n_episodes)
    pi = softmax(theta)
    trajectories = sample_kernel(mdp, pi, n_episodes, rng)
    return episode_gradients_kernel(pi, trajectories, estimator, baseline)


@dataclass(frozen=True, eq=False)
class GradientEstimate:
    """Summary of n per-episode gradient estimates.

    Attributes
    ----------
    mean : ndarray(float), shape (S, A)
        The Monte Carlo estimate (1/n) sum_i g_i (eq. `mc-estimate`, book/monte_carlo).
    variance : ndarray(float), shape (S, A)
        Per-episode sample variance of g_ik (ddof = 1).
    standard_error : ndarray(float), shape (S, A)
        sqrt(variance / n), the spread of ``mean`` (eq. `mc-variance`).
    n_episodes : int
    """

    mean: np.ndarray
    variance: np.ndarray
    standard_error: np.ndarray
    n_episodes: int


def _chunk_sizes(n: int, chunk_size: int, baseline: Baseline) -> list[int]:
    sizes = [chunk_size] * (n // chunk_size)
    remainder = n % chunk_size
    if remainder:
        if remainder == 1 and baseline in ("optimal", "leave_one_out_mean") and sizes:
            sizes[-1] += 1  # a chunk of one episode has no leave-one-out baseline
        else:
            sizes.append(remainder)
    return sizes


def gradient_estimate(
    mdp: TabularMDP,
    theta: Any,
    n_episodes: int,
    *,
    rng: Any = None,
    estimator: str = "total_return",
    baseline: Baseline = None,
    chunk_size: int = 10_000,
) -> GradientEstimate:
    """Mean, variance and standard error of N per-episode estimates, in bounded memory.

    Episodes are simulated ``chunk_size`` at a time and each chunk's mean and
    sum of squared deviations are merged with Chan et al.'s parallel update

        delta = m_b - m_a,  m = m_a + delta n_b / (n_a + n_b),
        M2 = M2_a + M2_b + delta^2 n_a n_b / (n_a + n_b),

    so memory grows with ``chunk_size``, not with N. The standard error
    implements eq. `mc-variance` (book/monte_carlo).

    Parameters
    ----------
    mdp : TabularMDP
    theta : array_like(float), shape (S, A)
    n_episodes : int
        Number of episodes N >= 2.
    rng : None, int, SeedSequence, BitGenerator or Generator
        With an int seed the result is reproducible for a given ``chunk_size``
        (episodes are drawn chunk by chunk from one generator).
    estimator : {"total_return", "reward_to_go"}
    baseline : None, float, "leave_one_out_mean" or "optimal"
        The last two are estimated leave-one-out within each chunk (a final
        chunk of one episode is merged into the previous one).
    chunk_size : int
        Episodes per chunk (>= 2).

    Returns
    -------
    GradientEstimate
    """
    mdp, theta = check_mdp_theta(mdp, theta)
    n_episodes = check_positive_int(n_episodes, "n_episodes")
    if n_episodes < 2:
        raise ValueError(
            f"n_episodes must be at least 2 to estimate a variance; got {n_episodes}"
        )
    rng = check_rng(rng)
    estimator = check_estimator(estimator)
    baseline = check_baseline(baseline)
    chunk_size = check_positive_int(chunk_size, "chunk_size")
    if chunk_size < 2:
        raise ValueError(f"chunk_size must be at least 2; got {chunk_size}")

    pi = softmax(theta)
    count = 0
    mean = np.zeros_like(pi)
    sum_squares = np.zeros_like(pi)  # M2 = sum_i (g_i - mean)^2
    for size in _chunk_sizes(n_episodes, chunk_size, baseline):
        trajectories = sample_kernel(mdp, pi, size, rng)
        gradients = episode_gradients_kernel(pi, trajectories, estimator, baseline)
        chunk_mean = gradients.mean(axis=0)
        gradients -= chunk_mean
        chunk_sum_squares = np.einsum("ijk,ijk->jk", gradients, gradients)
        delta = chunk_mean - mean
        total = count + size
        mean = mean + delta * (size / total)
        sum_squares = sum_squares + chunk_sum_squares + delta**2 * (count * size / total)
        count = total

    variance = sum_squares / (count - 1)
    for array in (mean, variance):
        array.flags.writeable = False
    standard_error = np.sqrt(variance / count)
    standard_error.flags.writeable = False
    return GradientEstimate(mean, variance, standard_error, count)


def _exact_parts(
    mdp: TabularMDP, theta: np.ndarray, estimator: str
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Probabilities (K,), Y (K, S, A), B (K, S, A) over every trajectory."""
    trajectories, probabilities = enumerate_kernel(mdp, theta)
    y_part, b_part = estimator_parts_kernel(softmax(theta), trajectories, estimator)
    return probabilities, y_part, b_part


def _exact_optimal_baseline(
    probabilities: np.ndarray, y_part: np.ndarray, b_part: np.ndarray
) -> np.ndarray:
    numerator = np.einsum("k,kij,kij->ij", probabilities, y_part, b_part)
    denominator = np.einsum("k,kij,kij->ij", probabilities, b_part, b_part)
    return safe_ratio(numerator, denominator)


def _exact_estimates(
    mdp: TabularMDP, theta: Any, estimator: str, baseline: Any
) -> tuple[np.ndarray, np.ndarray]:
    mdp, theta = check_mdp_theta(mdp, theta)
    estimator = check_estimator(estimator)
    baseline = check_baseline(baseline)
    if baseline == "leave_one_out_mean":
        raise ValueError(
            "baseline='leave_one_out_mean' depends on the other episodes of a batch, so one "
            "episode's estimate has no exact moments of its own; it is unbiased, and "
            "pgtheory.exact_batch_mean / exact_batch_variance give the moments of a batch")
    probabilities, y_part, b_part = _exact_parts(mdp, theta, estimator)
    if baseline == "optimal":
        b = _exact_optimal_baseline(probabilities, y_part, b_part)
    else:
        b = 0.0 if baseline is None else float(baseline)
    return probabilities, y_part - b * b_part


def optimal_baseline(
    mdp: TabularMDP, theta: Any, *, estimator: str = "total_return"
) -> np.ndarray:
    """The exact variance-minimising constant baseline for each coordinate.

    Implements eq. `optimal-baseline` (book/baselines):
    b_j* = E[Y_j B_j] / E[B_j^2] (Peters & Schaal 2008), with expectations as sums over every
    trajectory (tiny MDPs only; see :func:`pgtheory.enumerate_trajectories`).
    Coordinates with E[B_j^2] = 0 get b_j* = 0.

    Parameters
    ----------
    mdp : TabularMDP
    theta : array_like(float), shape (S, A)
    estimator : {"total_return", "reward_to_go"}

    Returns
    -------
    ndarray(float), shape (S, A)
    """
    mdp, theta = check_mdp_theta(mdp, theta)
    estimator = check_estimator(estimator)
    return _exact_optimal_baseline(*_exact_parts(mdp, theta, estimator))


def leave_one_out_optimal_baseline(weighted_scores: Any, scores: Any) -> np.ndarray:
    """The leave-one-out estimate of the optimal constant baseline, for every episode.

    Implements the sample version of eq. `optimal-baseline` (book/baselines) that
    ``baseline="optimal"`` uses everywhere in pgtheory: for episode i and coordinate j,

        b_ij = sum_{n != i} Y_nj B_nj / sum_{n != i} B_nj^2   (0 where the denominator is 0),

    where Y_n is episode n's estimate without a baseline and B_n its score (notation of the
    module docstring). b_i uses the other episodes only, so the estimate
    (1/N) sum_i (Y_i - b_i B_i) stays unbiased. Exposed so that per-episode gradients computed
    another way (by automatic differentiation, :mod:`pgtheory.autodiff`) can be combined with
    the same baseline.

    Parameters
    ----------
    weighted_scores : array_like(float), shape (N, ...)
        Y_n, one row per episode (for the tabular policy (N, S, A)).
    scores : array_like(float), shape (N, ...)
        B_n = sum_t grad log pi(a_t | s_t), the same shape.

    Returns
    -------
    ndarray(float), shape (N, ...)
        b_n for every episode and coordinate.
    """
    y_parts = as_finite_array(weighted_scores, "weighted_scores")
    b_parts = as_finite_array(scores, "scores")
    if y_parts.ndim < 1 or y_parts.shape != b_parts.shape:
        raise ValueError(
            "weighted_scores and scores must share one shape (N, ...), one row per episode; "
            f"got {y_parts.shape} and {b_parts.shape}"
        )
    if y_parts.shape[0] < 2:
        raise ValueError(
            "a leave-one-out baseline needs at least 2 episodes; got "
            f"{y_parts.shape[0]}"
        )
    return leave_one_out_baseline(y_parts, b_parts)


def exact_estimator_mean(
    mdp: TabularMDP, theta: Any, *, estimator: str = "total_return", baseline: Baseline = None
) -> np.ndarray:
    """E[g] for one episode's estimate, summed over every trajectory.

    Equals :func:`pgtheory.exact_gradient` for every estimator and baseline
    (the estimators are unbiased); ``"optimal"`` uses the exact b*.

    Parameters
    ----------
    mdp : TabularMDP
    theta : array_like(float), shape (S, A)
    estimator : {"total_return", "reward_to_go"}
    baseline : None, float or "optimal"

    Returns
    -------
    ndarray(float), shape (S, A)
    """
    mean, _ = probability_moments(*_exact_estimates(mdp, theta, estimator, baseline))
    return mean


def exact_estimator_variance(
    mdp: TabularMDP, theta: Any, *, estimator: str = "total_return", baseline: Baseline = None
) -> np.ndarray:
    """Var[g_j] of ONE episode's estimate, per coordinate, summed over every trajectory.

    The N-episode mean has variance ``exact_estimator_variance(...) / N``
    (eq. `mc-variance`, book/monte_carlo). ``"optimal"`` uses
    the exact b* of :func:`optimal_baseline`, which the leave-one-out sample
    version approaches as the batch grows.

    Parameters
    ----------
    mdp : TabularMDP
    theta : array_like(float), shape (S, A)
    estimator : {"total_return", "reward_to_go"}
    baseline : None, float or "optimal"

    Returns
    -------
    ndarray(float), shape (S, A)
    """
    _, variance = probability_moments(*_exact_estimates(mdp, theta, estimator, baseline))
    return variance
