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

:func:`exact_batch_mean` and :func:`exact_batch_variance` give the exact mean and
per-coordinate variance of these batch estimates for any N, by enumerating every trajectory
(:func:`pgtheory.enumerate_trajectories`) and every multiset of the other episodes' returns.
The cost grows like N^(M-1) for M distinct return values; both functions refuse past
:data:`MAX_EVALUATIONS`.

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

import math
from typing import Any

import numpy as np

from ._validation import check_estimator, check_positive_int, check_rng, check_theta
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
    "MAX_EVALUATIONS",
    "episode_lengths",
    "expected_episode_length",
    "batch_gradient",
    "batch_gradient_samples",
    "exact_pooled_step_mean",
    "exact_batch_mean",
    "exact_batch_variance",
]

#: Names accepted by ``weighting``: how each episode's return is turned into its weight.
WEIGHTINGS = ("raw", "leave_one_out_mean", "mean_in_sample", "standardized")

#: Names accepted by ``average_over``: divide the batch's sum by N or by sum_n T_n.
AVERAGES = ("episodes", "steps")

#: Largest number of (multiset, return value) evaluations :func:`exact_batch_mean` and
#: :func:`exact_batch_variance` will make (about a second and 100 MB at this size).
MAX_EVALUATIONS = 10**7

#: Rows of multisets processed at once (bounds memory to a few tens of MB).
_CHUNK_ROWS = 100_000


# --- validation --------------------------------------------------------------------------------


def _check_mdp(mdp: Any) -> TabularMDP:
    if not isinstance(mdp, TabularMDP):
        raise TypeError(f"mdp must be a TabularMDP; got {type(mdp).__name__}")
    return mdp


def _check_choice(value: Any, name: str, choices: tuple[str, ...]) -> str:
    if not isinstance(value, str) or value not in choices:
        raise ValueError(
            f"{name} must be one of {', '.join(repr(c) for c in choices)}; got {value!r}")
    return value


def _check_ddof(ddof: Any) -> int:
    if isinstance(ddof, (bool, np.bool_)) or not isinstance(ddof, (int, np.integer)) or \
            ddof not in (0, 1):
        raise ValueError(f"ddof must be 0 (numpy.std) or 1 (torch.std); got {ddof!r}")
    return int(ddof)


def _check_options(estimator: Any, weighting: Any, average_over: Any, ddof: Any,
                   n_episodes: int) -> tuple[str, str, str, int]:
    estimator = check_estimator(estimator)
    weighting = _check_choice(weighting, "weighting", WEIGHTINGS)
    average_over = _check_choice(average_over, "average_over", AVERAGES)
    ddof = _check_ddof(ddof)
    if weighting != "raw":
        if estimator != "total_return":
            raise ValueError(
                f"weighting={weighting!r} is defined for estimator='total_return' (one return "
                f"per episode, compared across the batch); got estimator={estimator!r}")
        if n_episodes < 2:
            raise ValueError(
                f"weighting={weighting!r} compares the episodes of a batch and needs "
                f"n_episodes >= 2; got {n_episodes}")
    return estimator, weighting, average_over, ddof


def _check_trajectories(mdp: TabularMDP, trajectories: Any) -> Trajectories:
    if not isinstance(trajectories, Trajectories):
        raise TypeError(f"trajectories must be a Trajectories; got {type(trajectories).__name__}")
    if trajectories.horizon != mdp.horizon:
        raise ValueError(f"trajectories have horizon {trajectories.horizon}; expected "
                         f"mdp.horizon = {mdp.horizon}")
    if trajectories.discount != mdp.discount:
        raise ValueError(f"trajectories.discount is {trajectories.discount}; expected "
                         f"mdp.discount = {mdp.discount}")
    for name in ("states", "actions"):
        array = getattr(trajectories, name)
        upper = mdp.n_states if name == "states" else mdp.n_actions
        if array.size and (array.min() < 0 or array.max() >= upper):
            raise ValueError(f"trajectories.{name} must lie in [0, {upper}) for this MDP")
    return trajectories


def _require_live_start(mdp: TabularMDP) -> np.ndarray:
    """The terminal states, after checking that no episode starts in one (T_n >= 1)."""
    terminal = terminal_states(mdp)
    if (mdp.initial[terminal] > 0).any():
        bad = np.flatnonzero(terminal & (mdp.initial > 0)).tolist()
        raise ValueError(
            f"mdp.initial puts probability on the terminal state(s) {bad}; an episode that "
            "starts there has length 0, and the pooled-step average of a batch of such "
            "episodes is 0 / 0")
    return terminal


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
    mdp = _check_mdp(mdp)
    trajectories = _check_trajectories(mdp, trajectories)
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
    mdp = _check_mdp(mdp)
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
    mdp = _check_mdp(mdp)
    theta = check_theta(theta, mdp.n_states, mdp.n_actions)
    trajectories = _check_trajectories(mdp, trajectories)
    estimator, weighting, average_over, ddof = _check_options(
        estimator, weighting, average_over, ddof, trajectories.n_episodes)
    terminal = _require_live_start(mdp) if average_over == "steps" else terminal_states(mdp)
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
    mdp = _check_mdp(mdp)
    theta = check_theta(theta, mdp.n_states, mdp.n_actions)
    n_episodes = check_positive_int(n_episodes, "n_episodes")
    n_batches = check_positive_int(n_batches, "n_batches")
    rng = check_rng(rng)
    estimator, weighting, average_over, ddof = _check_options(
        estimator, weighting, average_over, ddof, n_episodes)
    terminal = _require_live_start(mdp) if average_over == "steps" else terminal_states(mdp)
    batch = sample_trajectories(mdp, theta, n_batches * n_episodes, rng=rng)
    shape = (n_batches, n_episodes, mdp.horizon)
    states, actions, rewards = (a.reshape(shape) for a in
                                (batch.states, batch.actions, batch.rewards))
    return _batch_estimates(theta, states, actions, rewards, mdp.discount, terminal,
                            estimator, weighting, average_over, ddof)


# --- exact means ---------------------------------------------------------------------------


def _enumerated(mdp: TabularMDP, theta: np.ndarray, estimator: str,
                terminal: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Probabilities (K,), returns (K,), lengths (K,), and g_k (K, S, A) of every trajectory.

    g_k = sum_{t <= T_k} score_t Psi_t; for ``"total_return"`` Psi = 1 is returned instead
    (the bare score sum B_k), since the batch weightings multiply it by their own w.
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
    mdp = _check_mdp(mdp)
    theta = check_theta(theta, mdp.n_states, mdp.n_actions)
    n_episodes = check_positive_int(n_episodes, "n_episodes")
    estimator = check_estimator(estimator)
    terminal = _require_live_start(mdp)
    probabilities, returns, lengths, scores = _enumerated(mdp, theta, estimator, terminal)
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
        probabilities, returns, _, scores = _enumerated(mdp, theta, "total_return",
                                                        terminal_states(mdp))
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
    mdp = _check_mdp(mdp)
    theta = check_theta(theta, mdp.n_states, mdp.n_actions)
    n_episodes = check_positive_int(n_episodes, "n_episodes")
    _, weighting, _, ddof = _check_options("total_return", weighting, "episodes", ddof,
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
