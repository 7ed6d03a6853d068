"""Sampling episodes without a horizon: geometric stopping, and running to termination.

The samplers of the discounted infinite-horizon objective J_gamma of :mod:`pgtheory.discounted`
(book/discounted), whose exact values, gradients and termination probabilities that module
computes.

:func:`geometric_stopping_samples` ends each episode after every step with probability
1 - gamma (and at a terminal state): since Pr(step t is reached) = gamma^(t-1), the undiscounted
return of the stopped episode is unbiased for J_gamma and the undiscounted REINFORCE estimator
on it is unbiased for grad J_gamma (the stopping is part of the environment and does not depend
on theta). :func:`dropped_factor_samples` runs episodes to termination. Both simulate at most
``max_steps`` steps; the probability that an episode is cut there is exact: gamma^max_steps times
:func:`pgtheory.termination_tail` for geometric stopping, and :func:`pgtheory.termination_tail`
alone for running to termination, and each batch reports how many of its episodes were cut.

**The MDP's own ``horizon`` and ``discount`` are not used**: the discount is the keyword-only
argument ``discount``, and episodes end at a terminal state (one that is absorbing with reward 0
under every action, :func:`pgtheory.terminal_states`), by geometric stopping, or at
``max_steps``.

Time index convention: book steps t = 1, 2, ...; arrays count from 0.

References
----------
R. S. Sutton and A. G. Barto (2018), "Reinforcement Learning: An Introduction", 2nd ed.,
section 13.2.

P. S. Thomas (2014), "Bias in natural actor-critic algorithms", ICML.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ._kernels import softmax
from ._validation import check_mdp_theta, check_positive_int, check_real, check_rng
from .discounted import terminal_states
from .episodes import reward_to_go_kernel
from .mdp import TabularMDP
from .policy import score_kernel
from .sampling import sample_kernel

__all__ = [
    "EpisodicGradientSamples",
    "geometric_stopping_samples",
    "dropped_factor_samples",
]

#: Episodes simulated at once by the samplers (bounds memory: about 24 bytes per step).
CHUNK_EPISODES = 20_000

#: Steps simulated per call of the tabular sampler before the episodes still running are
#: continued from the states they reached.
SEGMENT_STEPS = 32


@dataclass(frozen=True, eq=False)
class EpisodicGradientSamples:
    """Per-episode returns and gradient estimates from episodes of random length.

    Attributes
    ----------
    returns : ndarray(float), shape (n,)
        Each episode's return (which one: see the function that made it).
    gradients : ndarray(float), shape (n, S, A)
        Each episode's gradient estimate.
    lengths : ndarray(int), shape (n,)
        T_i, the number of actions taken (0 if the episode started in a terminal state).
    n_truncated : int
        Episodes still running after ``max_steps`` steps and cut there.
    max_steps : int
        The cap.
    """

    returns: np.ndarray
    gradients: np.ndarray
    lengths: np.ndarray
    n_truncated: int
    max_steps: int

    def __post_init__(self) -> None:
        for name in ("returns", "gradients", "lengths"):
            array = np.asarray(getattr(self, name))
            array.flags.writeable = False
            object.__setattr__(self, name, array)

    @property
    def n_episodes(self) -> int:
        """Number of episodes n."""
        return self.returns.shape[0]


def _simulate(mdp: TabularMDP, pi: np.ndarray, n_episodes: int, rng: np.random.Generator,
              max_steps: int, lifetimes: np.ndarray):
    """Episodes until termination, their lifetime or ``max_steps``, padded to a common width.

    Simulated in segments of :data:`SEGMENT_STEPS` steps by the sampler of
    :func:`pgtheory.sample_trajectories`:
    the first segment starts from rho, and the episodes still running after a segment continue
    from the state they reached (sampled as the segment's extra last step), grouped by that
    state. By the Markov property this is the same process as one long simulation, and no step
    after an episode's end is simulated beyond the end of its segment.

    Returns
    -------
    states, actions : int (n, W); rewards : float (n, W), 0 on padding
    lengths : int (n,); truncated : bool (n,), still running when cut at ``max_steps``
    """
    terminal = terminal_states(mdp)
    limit = np.minimum(lifetimes, max_steps)
    lengths = np.zeros(n_episodes, dtype=np.int64)
    truncated = np.zeros(n_episodes, dtype=bool)
    pieces = []
    ids, starts, offset, h = np.arange(n_episodes), None, 0, SEGMENT_STEPS
    while ids.size:
        if starts is None:
            groups = [(ids, mdp.initial)]
        else:
            groups = [(ids[starts == x], np.eye(mdp.n_states)[x]) for x in np.unique(starts)]
        next_ids, next_starts = [], []
        for group, initial in groups:
            segment = TabularMDP(mdp.transitions, mdp.rewards, initial, horizon=h + 1)
            batch = sample_kernel(segment, pi, group.size, rng)
            at_terminal = terminal[batch.states]  # (m, h + 1)
            live_steps = np.where(at_terminal.any(axis=1), at_terminal.argmax(axis=1), h + 1)
            allowed = limit[group] - offset  # >= 1 for every episode still running
            steps = np.minimum(np.minimum(live_steps, h), allowed)
            pieces.append((group, offset, batch.states[:, :h], batch.actions[:, :h],
                           batch.rewards[:, :h]))
            lengths[group] += steps
            cut = (allowed <= h) & (live_steps > allowed)  # stopped by the limit, not the MDP
            truncated[group] = cut & (lifetimes[group] > max_steps)
            going = (live_steps > h) & (allowed > h)
            next_ids.append(group[going])
            next_starts.append(batch.states[going, h])
        ids, starts, offset = np.concatenate(next_ids), np.concatenate(next_starts), offset + h
    width = max(int(lengths.max()), 1)
    states = np.zeros((n_episodes, width), dtype=np.int64)
    actions = np.zeros((n_episodes, width), dtype=np.int64)
    rewards = np.zeros((n_episodes, width))
    for group, first, seg_states, seg_actions, seg_rewards in pieces:
        last = min(first + h, width)
        states[group, first:last] = seg_states[:, : last - first]
        actions[group, first:last] = seg_actions[:, : last - first]
        rewards[group, first:last] = seg_rewards[:, : last - first]
    mask = np.arange(width)[None, :] < lengths[:, None]
    return states, actions, np.where(mask, rewards, 0.0), lengths, truncated


def _episodes(mdp: TabularMDP, pi: np.ndarray, n_episodes: int, rng: np.random.Generator,
              max_steps: int, stop_discount: float | None, weights_of):
    """Yield (returns, gradients, lengths, truncated) for chunks of at most CHUNK_EPISODES.

    With ``stop_discount`` gamma, each episode may take at most a Geometric(1 - gamma) number
    of steps, drawn first and independently of the trajectory.
    """
    done = 0
    while done < n_episodes:
        size = min(CHUNK_EPISODES, n_episodes - done)
        if stop_discount is not None and stop_discount < 1.0:
            lifetimes = rng.geometric(1.0 - stop_discount, size=size)
        else:
            lifetimes = np.full(size, max_steps + 1, dtype=np.int64)
        states, actions, rewards, lengths, truncated = _simulate(
            mdp, pi, size, rng, max_steps, lifetimes)
        mask = np.arange(rewards.shape[1])[None, :] < lengths[:, None]
        returns, weights = weights_of(rewards)
        gradients = score_kernel(pi, states, actions, np.where(mask, weights, 0.0))
        yield returns, gradients, lengths, truncated
        done += size


def _collect(mdp, pi, n_episodes, rng, max_steps, stop_discount, weights_of):
    parts = list(_episodes(mdp, pi, n_episodes, rng, max_steps, stop_discount, weights_of))
    returns, gradients, lengths, truncated = (np.concatenate(p) for p in zip(*parts, strict=True))
    return EpisodicGradientSamples(returns, gradients, lengths, int(truncated.sum()), max_steps)


def _check_sampling(mdp, theta, n_episodes, rng, discount, max_steps):
    """Validated (mdp, pi, n_episodes, rng, discount, max_steps); pi = softmax(theta)."""
    mdp, theta = check_mdp_theta(mdp, theta)
    return (mdp, softmax(theta), check_positive_int(n_episodes, "n_episodes"), check_rng(rng),
            check_real(discount, "discount", low=0.0, high=1.0),
            check_positive_int(max_steps, "max_steps"))


def geometric_stopping_samples(
    mdp: TabularMDP,
    theta: Any,
    n_episodes: int,
    *,
    rng: Any = None,
    discount: float,
    max_steps: int = 10_000,
) -> EpisodicGradientSamples:
    """Unbiased samples of J_gamma and grad J_gamma: stop each episode with probability 1 - gamma.

    After each step the episode continues with probability gamma (independently of everything
    else) and ends at a terminal state. Because step t is reached with probability
    gamma^(t-1) Pr(s_t nonterminal), the *undiscounted* return of the stopped episode has
    expectation J_gamma (eq. `discounted-objective`), and

        g = sum_{t <= T} grad log pi(a_t|s_t) sum_{t'=t}^{T} r_t'

    is the undiscounted REINFORCE estimator (reward-to-go form) of an MDP whose dynamics
    include the stopping; the stopping does not depend on theta, so E[g] = grad J_gamma
    (eq. `discounted-theorem` in book/discounted).

    Parameters
    ----------
    mdp : TabularMDP
        ``mdp.horizon`` and ``mdp.discount`` are not used.
    theta : array_like(float), shape (S, A)
    n_episodes : int
        N >= 1.
    rng : int, numpy.random.Generator or None
        Seed or generator; the same seed gives the same bits.
    discount : float
        gamma in [0, 1]; with 1 episodes stop only at terminal states.
    max_steps : int
        Cap on the simulated steps; an episode is cut there with probability
        gamma^max_steps * termination_tail(mdp, theta, max_steps) (counted in
        ``n_truncated``).

    Returns
    -------
    EpisodicGradientSamples
        ``returns`` undiscounted sums of the stopped episodes; ``gradients`` (N, S, A).
    """
    mdp, pi, n_episodes, rng, discount, max_steps = _check_sampling(
        mdp, theta, n_episodes, rng, discount, max_steps)

    def weights_of(rewards: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return rewards.sum(axis=1), reward_to_go_kernel(rewards, 1.0)  # undiscounted G_t

    return _collect(mdp, pi, n_episodes, rng, max_steps, discount, weights_of)


def dropped_factor_samples(
    mdp: TabularMDP,
    theta: Any,
    n_episodes: int,
    *,
    rng: Any = None,
    discount: float,
    max_steps: int = 10_000,
) -> EpisodicGradientSamples:
    """The estimator most code computes, on episodes run until termination.

    g = sum_{t <= T} grad log pi(a_t|s_t) sum_{t'=t}^{T} gamma^(t'-t) r_t' (eq. `dropped-factor`
    in book/discounted): the reward-to-go discounted from step t, with no gamma^(t-1) in front.
    Its expectation is :func:`biased_discounted_gradient`, not grad J_gamma (unless gamma = 1,
    when this is REINFORCE's unbiased reward-to-go estimator for the episodic objective).

    Parameters
    ----------
    mdp : TabularMDP
        Episodic (every state can reach a terminal state), or episodes are cut at
        ``max_steps``. ``mdp.horizon`` and ``mdp.discount`` are not used.
    theta : array_like(float), shape (S, A)
    n_episodes : int
    rng : int, numpy.random.Generator or None
    discount : float
        gamma in [0, 1].
    max_steps : int
        Cap; an episode is cut with probability termination_tail(mdp, theta, max_steps)
        (counted in ``n_truncated``).

    Returns
    -------
    EpisodicGradientSamples
        ``returns`` the discounted returns sum_t gamma^(t-1) r_t (unbiased for J_gamma when
        nothing is cut); ``gradients`` (N, S, A).
    """
    mdp, pi, n_episodes, rng, discount, max_steps = _check_sampling(
        mdp, theta, n_episodes, rng, discount, max_steps)

    def weights_of(rewards: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        to_go = np.empty_like(rewards)  # G_t = r_t + gamma G_{t+1}, counted from step t
        running = np.zeros(rewards.shape[0])
        for t in reversed(range(rewards.shape[1])):
            running = rewards[:, t] + discount * running
            to_go[:, t] = running
        return to_go[:, 0], to_go

    return _collect(mdp, pi, n_episodes, rng, max_steps, None, weights_of)
