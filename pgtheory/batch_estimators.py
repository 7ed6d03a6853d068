"""Batch estimators: gradient estimates that are not a mean of independent per-episode terms.

book/other_code ("Reading other people's code"). The Monte Carlo estimate of the book,
eq. `mc-estimate` (book/monte_carlo), is the mean of N independent per-episode terms

    g_n = sum_{t=1}^{T_n} grad log pi_theta(a_t | s_t) Psi_{n,t},

with Psi the return R (``estimator="total_return"``) or the reward-to-go G_t
(``"reward_to_go"``), so its expectation is that of one term, grad J. Two idioms of common
code break that structure; this module computes what they estimate, exactly.

**Averaging over pooled steps** (``average_over="steps"``). The loss
``-(logp * weights).mean()`` taken over every step of a batch divides by the number of steps
sum_n T_n instead of the number of episodes N:

    g_steps = sum_n g_n / sum_n T_n                                       (eq. `pooled-step`)

a ratio of two random sums. With a fixed horizon (T_n = H) its mean is grad J / H for every N.
With random lengths it is a *ratio estimator*: its mean depends on N, tends to
E[g] / E[T] = grad J / E[T] as N grows (the law of large numbers in numerator and
denominator), and for small N can point away from grad J. :func:`exact_pooled_step_mean`
gives the mean for any N by summing over the distribution of the other episodes' total
length: with m_l = E[g_1 1{T_1 = l}] and L_{N-1} the total length of N - 1 episodes,

    E[g_steps] = N sum_l sum_L m_l Pr(L_{N-1} = L) / (l + L).

**Weights computed from the whole batch** (``weighting``, with ``estimator="total_return"``).
The estimate is (1/N) sum_n w_n B_n with B_n = sum_t grad log pi_theta(a_t | s_t) and

* ``"raw"``: w_n = R_n, unbiased (eq. `mc-estimate`);
* ``"leave_one_out_mean"``: w_n = R_n - mean_{m != n} R_m, unbiased (eq. `baseline`);
* ``"mean_in_sample"``: w_n = R_n - mean_m R_m. Since R_n - mean_m R_m
  = ((N - 1) / N) (R_n - mean_{m != n} R_m), its mean is exactly ((N - 1) / N) grad J:
  the episode's share of its own baseline shrinks the estimate without turning it;
* ``"standardized"``: w_n = (R_n - mean_m R_m) / s with s the batch standard deviation
  of the returns (``ddof=0`` as ``numpy.std``, ``ddof=1`` as ``torch.std``), and w = 0 when
  every return of the batch is the same (the limit of the usual ``/ (std + eps)``). In every
  batch the estimate is ((N - 1) / (N s)) times the leave-one-out one: standardizing never
  turns a batch's step, it rescales it by about 1 / sd(R). But s depends on the batch, so the
  *mean* estimate, which weights each batch by 1 / s, is turned (eq. `standardized-returns`).

:func:`pgtheory.exact_batch_mean` and :func:`pgtheory.exact_batch_variance`
(:mod:`pgtheory.batch_weighting`) give the exact mean and per-coordinate variance of these
batch estimates for any N.

**Episode lengths.** A step taken in a terminal state (absorbing with reward 0 under every
action, :func:`pgtheory.terminal_states`) is not a decision: nothing the policy does there
matters. Every function here counts T_n as the steps before episode n first enters a terminal
state, and leaves the later steps out of every sum, as book/cartpole does with its absorbing
"fallen" state. In an MDP without terminal states T_n = H.

Time index convention: book step t = 1..H is array column t - 1.

References
----------
J. Achiam (2018), "Spinning Up in Deep Reinforcement Learning", OpenAI (the simplest policy
gradient, whose loss is a mean over the steps of a batch).

C. Nota and P. S. Thomas (2020), "Is the policy gradient a gradient?", AAMAS.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._validation import (
    AVERAGES,
    WEIGHTINGS,
    check_batch_options,
    check_estimator,
    check_live_start,
    check_mdp,
    check_mdp_theta,
    check_positive_int,
    check_rng,
    check_trajectories,
)
from .discounted import terminal_states
from .enumeration import enumerate_trajectories
from .episodes import leave_one_out_mean_kernel, reward_to_go_kernel
from .exact import state_distributions
from .mdp import TabularMDP
from .policy import score
from .sampling import Trajectories, sample_trajectories

__all__ = [
    "WEIGHTINGS",
    "AVERAGES",
    "episode_lengths",
    "expected_episode_length",
    "batch_gradient",
    "batch_gradient_samples",
    "exact_pooled_step_mean",
]

#: Why the pooled-step average needs every episode to take a step (:func:`check_live_start`).
_LIVE_START = ("an episode that starts there has length 0, and the pooled-step average of a "
               "batch of such episodes is 0 / 0")


def _terminal(mdp: TabularMDP, average_over: str) -> np.ndarray:
    """The terminal states; for the pooled-step average, after checking that T_n >= 1."""
    if average_over == "steps":
        return check_live_start(mdp, _LIVE_START)
    return terminal_states(mdp)


# --- episode lengths -----------------------------------------------------------------------


def _alive(terminal: np.ndarray, states: np.ndarray) -> np.ndarray:
    """mask[n, t-1]: step t of episode n happens before the first terminal state."""
    return np.cumsum(terminal[states], axis=-1) == 0


def episode_lengths(mdp: TabularMDP, trajectories: Trajectories) -> np.ndarray:
    """T_n, the number of decisions before each episode enters a terminal state.

    Parameters
    ----------
    mdp : TabularMDP
    trajectories : Trajectories
        n episodes of horizon ``mdp.horizon``.

    Returns
    -------
    ndarray(int), shape (n,)
        T_n in [0, H]; H for every episode of an MDP without terminal states.
    """
    mdp = check_mdp(mdp)
    trajectories = check_trajectories(mdp, trajectories)
    return _alive(terminal_states(mdp), trajectories.states).sum(axis=1)


def expected_episode_length(mdp: TabularMDP, theta: Any) -> float:
    """E[T], the expected number of decisions before a terminal state (at most H), exactly.

    E[T] = sum_{t=1}^{H} Pr(s_t is not terminal), from the forward recursion of
    :func:`pgtheory.state_distributions` (a terminal state is never left).

    Parameters
    ----------
    mdp : TabularMDP
    theta : array_like(float), shape (S, A)

    Returns
    -------
    float
    """
    mdp = check_mdp(mdp)
    distributions = state_distributions(mdp, theta)  # (H, S)
    return float(distributions[:, ~terminal_states(mdp)].sum())


# --- estimates from samples ------------------------------------------------------------------


def _episode_weights(returns: np.ndarray, weighting: str, ddof: int) -> np.ndarray:
    """w for returns of shape (M, N): one batch per row."""
    if weighting == "raw":
        return returns
    if weighting == "leave_one_out_mean":
        others = leave_one_out_mean_kernel(returns.T, np.ones(returns.T.shape, dtype=bool)).T
        return returns - others
    deviations = returns - returns.mean(axis=1, keepdims=True)
    if weighting == "mean_in_sample":
        return deviations
    n = returns.shape[1]
    spread = np.sqrt((deviations**2).sum(axis=1, keepdims=True) / (n - ddof))
    # Equal returns give s = 0 mathematically, but their computed mean can be off by an ulp,
    # leaving s ~ 1e-17 and weights of +-1: test equality itself.
    varied = (returns != returns[:, :1]).any(axis=1, keepdims=True)
    return np.divide(deviations, spread, out=np.zeros_like(deviations),
                     where=varied & (spread > 0))


def _batch_estimates(theta: np.ndarray, states: np.ndarray, actions: np.ndarray,
                     rewards: np.ndarray, discount: float, terminal: np.ndarray,
                     estimator: str, weighting: str, average_over: str,
                     ddof: int) -> np.ndarray:
    """One estimate per batch from validated (M, N, H) arrays; shape (M, S, A)."""
    n_batches, n_episodes, horizon = states.shape
    alive = _alive(terminal, states)
    flat_rewards = rewards.reshape(-1, horizon)
    if estimator == "total_return":
        if discount == 1.0:
            returns = flat_rewards.sum(axis=1)
        else:
            returns = flat_rewards @ (discount ** np.arange(horizon))
        w = _episode_weights(returns.reshape(n_batches, n_episodes), weighting, ddof)
        step_weights = np.where(alive, w[..., None], 0.0)
    else:
        to_go = reward_to_go_kernel(flat_rewards, discount).reshape(states.shape)
        step_weights = np.where(alive, to_go, 0.0)
    per_episode = score(theta, states.reshape(-1, horizon), actions.reshape(-1, horizon),
                        step_weights.reshape(-1, horizon))
    totals = per_episode.reshape((n_batches, n_episodes) + theta.shape).sum(axis=1)
    if average_over == "episodes":
        return totals / n_episodes
    return totals / alive.sum(axis=(1, 2))[:, None, None]


def batch_gradient(
    mdp: TabularMDP,
    theta: Any,
    trajectories: Trajectories,
    *,
    estimator: str = "total_return",
    weighting: str = "raw",
    average_over: str = "episodes",
    ddof: int = 0,
) -> np.ndarray:
    """The gradient estimate that one batch of episodes gives under a common code idiom.

    sum_n sum_{t <= T_n} grad log pi_theta(a_t | s_t) w_{n,t} / D, where w is Psi (R or G_t)
    transformed by ``weighting`` and D is N (``average_over="episodes"``, eq. `mc-estimate`
    in book/monte_carlo) or sum_n T_n (``"steps"``, eq. `pooled-step` in book/other_code);
    see the module docstring. Steps in terminal states are left out.

    Parameters
    ----------
    mdp : TabularMDP
    theta : array_like(float), shape (S, A)
        Logits of the policy that generated ``trajectories``.
    trajectories : Trajectories
        The batch: N episodes of horizon ``mdp.horizon``.
    estimator : {"total_return", "reward_to_go"}
    weighting : {"raw", "leave_one_out_mean", "mean_in_sample", "standardized"}
        Anything but ``"raw"`` needs ``estimator="total_return"`` and N >= 2.
    average_over : {"episodes", "steps"}
    ddof : {0, 1}
        Delta degrees of freedom of the batch standard deviation (``"standardized"``).

    Returns
    -------
    ndarray(float), shape (S, A)

    Raises
    ------
    ValueError
        For ``average_over="steps"`` when the MDP can start in a terminal state.
    """
    mdp, theta = check_mdp_theta(mdp, theta)
    trajectories = check_trajectories(mdp, trajectories)
    estimator, weighting, average_over, ddof = check_batch_options(
        estimator, weighting, average_over, ddof, trajectories.n_episodes)
    terminal = _terminal(mdp, average_over)
    arrays = (trajectories.states, trajectories.actions, trajectories.rewards)
    states, actions, rewards = (a[None] for a in arrays)
    return _batch_estimates(theta, states, actions, rewards, mdp.discount, terminal,
                            estimator, weighting, average_over, ddof)[0]


def batch_gradient_samples(
    mdp: TabularMDP,
    theta: Any,
    n_episodes: int,
    n_batches: int,
    *,
    rng: Any = None,
    estimator: str = "total_return",
    weighting: str = "raw",
    average_over: str = "episodes",
    ddof: int = 0,
) -> np.ndarray:
    """:func:`batch_gradient` of many independent batches of N episodes each.

    Draws ``n_batches * n_episodes`` episodes with :func:`pgtheory.sample_trajectories`
    (batch m is episodes m N, ..., m N + N - 1), so the same ``rng`` gives the same episodes
    whatever ``weighting`` and ``average_over`` are: estimators compared with one seed see
    the same batches.

    Parameters
    ----------
    mdp : TabularMDP
    theta : array_like(float), shape (S, A)
    n_episodes : int
        N, episodes per batch.
    n_batches : int
        M, independent batches.
    rng : None, int, SeedSequence, BitGenerator or Generator
    estimator, weighting, average_over, ddof
        As in :func:`batch_gradient`.

    Returns
    -------
    ndarray(float), shape (M, S, A)
        Row m is the estimate of batch m.
    """
    mdp, theta = check_mdp_theta(mdp, theta)
    n_episodes = check_positive_int(n_episodes, "n_episodes")
    n_batches = check_positive_int(n_batches, "n_batches")
    rng = check_rng(rng)
    estimator, weighting, average_over, ddof = check_batch_options(
        estimator, weighting, average_over, ddof, n_episodes)
    terminal = _terminal(mdp, average_over)
    batch = sample_trajectories(mdp, theta, n_batches * n_episodes, rng=rng)
    shape = (n_batches, n_episodes, mdp.horizon)
    states, actions, rewards = (a.reshape(shape) for a in
                                (batch.states, batch.actions, batch.rewards))
    return _batch_estimates(theta, states, actions, rewards, mdp.discount, terminal,
                            estimator, weighting, average_over, ddof)


# --- exact means ---------------------------------------------------------------------------


def enumerated_scores_kernel(mdp: TabularMDP, theta: np.ndarray, estimator: str,
                             terminal: np.ndarray
                             ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Probabilities (K,), returns (K,), lengths (K,), and g_k (K, S, A) of every trajectory.

    g_k = sum_{t <= T_k} score_t Psi_t; for ``"total_return"`` Psi = 1 is returned instead
    (the bare score sum B_k), since the batch weightings multiply it by their own w. A kernel
    (validated ``mdp`` and ``theta``, ``terminal`` from :func:`pgtheory.terminal_states`),
    shared with :mod:`pgtheory.batch_weighting`.
    """
    trajectories, probabilities = enumerate_trajectories(mdp, theta)
    alive = _alive(terminal, trajectories.states)
    if estimator == "total_return":
        weights = alive.astype(float)
    else:
        weights = np.where(alive, reward_to_go_kernel(trajectories.rewards, mdp.discount), 0.0)
    scores = score(theta, trajectories.states, trajectories.actions, weights)
    return probabilities, trajectories.returns, alive.sum(axis=1), scores


def _length_sum_distribution(length_probabilities: np.ndarray, n: int) -> np.ndarray:
    """Pr(T_1 + ... + T_n = L) for L = 0..n H, by repeated squaring of a convolution."""
    result, power = np.array([1.0]), length_probabilities
    while n:
        if n & 1:
            result = np.convolve(result, power)
        n >>= 1
        if n:
            power = np.convolve(power, power)
    return result


def exact_pooled_step_mean(
    mdp: TabularMDP, theta: Any, n_episodes: int, *, estimator: str = "total_return"
) -> np.ndarray:
    """E[sum_n g_n / sum_n T_n], the exact mean of the pooled-step average of N episodes.

    Implements eq. `pooled-step` (book/other_code) summed over every trajectory of episode 1
    and over the distribution of the total length of the other N - 1 (the formula in the
    module docstring; the distribution is a convolution power). With a fixed horizon it is
    grad J / H; as N grows it tends to grad J / E[T]. Tiny MDPs only (enumeration).

    Parameters
    ----------
    mdp : TabularMDP
        No episode may start in a terminal state.
    theta : array_like(float), shape (S, A)
    n_episodes : int
        N >= 1.
    estimator : {"total_return", "reward_to_go"}

    Returns
    -------
    ndarray(float), shape (S, A)
    """
    mdp, theta = check_mdp_theta(mdp, theta)
    n_episodes = check_positive_int(n_episodes, "n_episodes")
    estimator = check_estimator(estimator)
    terminal = check_live_start(mdp, _LIVE_START)
    probabilities, returns, lengths, scores = enumerated_scores_kernel(mdp, theta,
                                                                   estimator, terminal)
    if estimator == "total_return":
        scores = scores * returns[:, None, None]
    horizon = mdp.horizon
    length_probabilities = np.bincount(lengths, weights=probabilities, minlength=horizon + 1)
    partial_means = np.zeros((horizon + 1,) + theta.shape)  # m_l = E[g 1{T = l}]
    np.add.at(partial_means, lengths, probabilities[:, None, None] * scores)
    others = _length_sum_distribution(length_probabilities, n_episodes - 1)
    totals = np.arange(horizon + 1)[:, None] + np.arange(others.size)[None, :]  # l + L
    factors = n_episodes * (others[None, :] / np.maximum(totals, 1)).sum(axis=1)
    factors[0] = 0.0  # T_1 >= 1 always (checked); m_0 = 0
    return np.einsum("l,lsa->sa", factors, partial_means)
