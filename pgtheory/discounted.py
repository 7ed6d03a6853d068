"""The discounted infinite-horizon objective, its exact gradient, and the estimator most code uses.

Chapter "The discounted policy gradient theorem" (book/discounted). For a tabular MDP, a
softmax policy pi_theta and a discount gamma in [0, 1], the objective is

    J_gamma(theta) = E[ sum_{t >= 1} gamma^(t-1) r_t ]                  (eq. `discounted-objective`)

with no horizon: episodes run until they enter a terminal state, or forever. The values solve
the Bellman equations (eq. `discounted-bellman`), a linear system,

    V_gamma = r_pi + gamma P_pi V_gamma,
    Q_gamma(s, a) = r(s, a) + gamma sum_s' P(s'|s, a) V_gamma(s'),

with P_pi[s, s'] = sum_a pi(a|s) P(s'|s, a) and r_pi[s] = sum_a pi(a|s) r(s, a), and
J_gamma = sum_s rho(s) V_gamma(s). The discounted state visitation

    d_gamma(s) = sum_{t >= 1} gamma^(t-1) Pr(s_t = s)                  (eq. `discounted-visitation`)

solves d_gamma = rho + gamma P_pi^T d_gamma. It is a measure, not a probability distribution:
its total is the expected discounted episode length (1 / (1 - gamma) when nothing
terminates). The policy gradient theorem of Sutton et al. (2000) (eq. `discounted-theorem`)
is

    grad J_gamma = sum_s d_gamma(s) sum_a grad pi_theta(a|s) Q_gamma(s, a),

which for the tabular softmax is dJ/dtheta[s, a] = d_gamma(s) pi(a|s) (Q_gamma(s, a) - V_gamma(s)).

**The MDP's own ``horizon`` and ``discount`` are not used** by anything in this module: the
discount is the keyword-only argument ``discount`` and there is no horizon. (The finite-horizon
objective of the same MDP is :func:`pgtheory.expected_return`.)

**Terminal states and discount = 1.** A state that is absorbing with zero reward under every
action (``transitions[s, a, s] == 1`` and ``rewards[s, a] == 0`` for every a, exactly) is
*terminal*: the episode ends on entering it. Values there are 0, and d_gamma counts only the
steps at which an action is taken, so it is 0 on terminal states; on every other state it is
the sum above. With ``discount=1.0`` the sums must be finite for the policy at hand; we accept
it exactly when every nonterminal state has a path of positive-probability transitions to a
terminal state (under *some* actions). A softmax policy gives every action positive
probability, so under every softmax policy each state then reaches a terminal state with
positive probability within S steps, and episodes end with probability 1 and have finite
expected length. That is our reading of "proper for every policy"; deterministic policies,
which a softmax only approaches, can still loop forever (the short corridor's do). Logits so
extreme that some probabilities round to 0 in floating point, or that make the linear system
numerically singular, get a ``ValueError`` too, never an inf or a NaN.

**The estimator most code computes** weights each step's score by the discounted reward-to-go
counted from that step, sum_t grad log pi(a_t|s_t) sum_{t' >= t} gamma^(t'-t) r_t', dropping the
factor gamma^(t-1) of the theorem. Its expectation (eq. `dropped-factor`) weights Q_gamma by the
*undiscounted* visitation d_1(s) = sum_t Pr(s_t = s), the expected number of visits, finite
only in episodic problems: :func:`biased_discounted_gradient`. It is not the gradient of
J_gamma, and in general not the gradient of any function (Thomas 2014; Nota and Thomas 2020).

**Sampling without a horizon.** :func:`geometric_stopping_samples` ends each episode after every
step with probability 1 - gamma (and at a terminal state): since Pr(step t is reached) =
gamma^(t-1), the undiscounted return of the stopped episode is unbiased for J_gamma and the
undiscounted REINFORCE estimator on it is unbiased for grad J_gamma (the stopping is part of the
environment and does not depend on theta). :func:`dropped_factor_samples` runs episodes to
termination. Both simulate at most ``max_steps`` steps; the probability that an episode is cut
there is exact: gamma^max_steps times :func:`termination_tail` for geometric stopping, and
:func:`termination_tail` alone for running to termination, and each batch reports how many of
its episodes were cut.

Time index convention: book steps t = 1, 2, ...; arrays count from 0.

References
----------
R. S. Sutton, D. McAllester, S. Singh and Y. Mansour (2000), "Policy gradient methods for
reinforcement learning with function approximation", NeurIPS 12.

R. S. Sutton and A. G. Barto (2018), "Reinforcement Learning: An Introduction", 2nd ed.,
section 13.2.

P. S. Thomas (2014), "Bias in natural actor-critic algorithms", ICML.

C. Nota and P. S. Thomas (2020), "Is the policy gradient a gradient?", AAMAS.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ._validation import check_positive_int, check_real, check_rng, check_theta
from .mdp import TabularMDP
from .policy import score, softmax_policy
from .sampling import sample_trajectories

__all__ = [
    "terminal_states",
    "discounted_values",
    "discounted_visitation",
    "discounted_return",
    "discounted_gradient",
    "biased_discounted_gradient",
    "termination_tail",
    "EpisodicGradientSamples",
    "geometric_stopping_samples",
    "dropped_factor_samples",
]

#: Largest accepted condition number of I - gamma P_pi (restricted to nonterminal states); past
#: it the solve could lose every digit, so we raise instead of returning noise.
MAX_CONDITION = 1e12

#: Episodes simulated at once by the samplers (bounds memory: about 24 bytes per step).
CHUNK_EPISODES = 20_000

#: Steps simulated per call of :func:`pgtheory.sample_trajectories` before the episodes still
#: running are continued from the states they reached.
SEGMENT_STEPS = 32


# --- validation ------------------------------------------------------------------------------


def _check_mdp(mdp: Any) -> TabularMDP:
    if not isinstance(mdp, TabularMDP):
        raise TypeError(f"mdp must be a TabularMDP; got {type(mdp).__name__}")
    return mdp


def _check_gamma(discount: Any) -> float:
    return check_real(discount, "discount", low=0.0, high=1.0)


def terminal_states(mdp: TabularMDP) -> np.ndarray:
    """Which states are terminal: absorbing with zero reward under every action.

    Parameters
    ----------
    mdp : TabularMDP

    Returns
    -------
    ndarray(bool), shape (S,)
        ``True`` where ``transitions[s, a, s] == 1`` and ``rewards[s, a] == 0`` for every
        action a (exact comparisons).
    """
    mdp = _check_mdp(mdp)
    states = np.arange(mdp.n_states)
    absorbing = (mdp.transitions[states, :, states] == 1.0).all(axis=1)
    return absorbing & (mdp.rewards == 0.0).all(axis=1)


def _reaches_terminal(support: np.ndarray, terminal: np.ndarray) -> np.ndarray:
    """States with a path to a terminal state in the graph ``support: (S, S)`` (bool)."""
    reach = terminal.copy()
    for _ in range(len(reach)):
        grown = reach | (support & reach[None, :]).any(axis=1)
        if (grown == reach).all():
            break
        reach = grown
    return reach


def _require_episodic(mdp: TabularMDP, terminal: np.ndarray, why: str) -> None:
    """ValueError unless every nonterminal state can reach a terminal state under some actions."""
    stuck = ~_reaches_terminal(mdp.transitions.max(axis=1) > 0, terminal)
    if stuck.any():
        if not terminal.any():
            detail = ("the MDP has no terminal state (one that is absorbing with reward 0 "
                      "under every action)")
        else:
            detail = (f"state(s) {np.flatnonzero(stuck).tolist()} cannot reach a terminal "
                      f"state {np.flatnonzero(terminal).tolist()}")
        raise ValueError(f"{why} needs every episode to end with probability 1, but {detail}; "
                         "use a discount < 1")


class _Solver:
    """I - gamma P_pi on the nonterminal states, checked once, for values and visitations."""

    def __init__(self, mdp: TabularMDP, pi: np.ndarray, discount: float, why: str) -> None:
        terminal = terminal_states(mdp)
        if discount == 1.0:
            _require_episodic(mdp, terminal, why)
        self.mdp, self.pi, self.discount = mdp, pi, discount
        self.live = np.flatnonzero(~terminal)
        p_pi = np.einsum("sa,sax->sx", pi, mdp.transitions)
        if discount == 1.0:  # floating-point probabilities can still be exactly 0
            stuck = ~_reaches_terminal(p_pi > 0, terminal)
            if stuck.any():
                raise ValueError(
                    f"theta gives some actions probability 0 in floating point, so state(s) "
                    f"{np.flatnonzero(stuck).tolist()} never reach a terminal state and "
                    "J is -inf or +inf with discount=1.0; use smaller logits (within a few "
                    "hundred of each other in each row) or a discount < 1")
        live = self.live
        self.matrix = np.eye(len(live)) - discount * p_pi[np.ix_(live, live)]
        if len(live):
            condition = np.linalg.cond(self.matrix)
            if not np.isfinite(condition) or condition > MAX_CONDITION:
                raise ValueError(
                    f"with discount={discount!r} the linear system for the values is "
                    f"numerically singular (condition number {condition:.3g} > "
                    f"{MAX_CONDITION:g}): the policy almost never ends its episodes; use "
                    "less extreme logits or a smaller discount")

    def _solve(self, matrix: np.ndarray, rhs: np.ndarray) -> np.ndarray:
        out = np.zeros(self.mdp.n_states)
        if len(self.live):
            out[self.live] = np.linalg.solve(matrix, rhs[self.live])
        return out

    def values(self) -> tuple[np.ndarray, np.ndarray]:
        r_pi = (self.pi * self.mdp.rewards).sum(axis=1)
        v = self._solve(self.matrix, r_pi)
        q = self.mdp.rewards + self.discount * (self.mdp.transitions @ v)
        return v, q

    def visitation(self) -> np.ndarray:
        return self._solve(self.matrix.T, self.mdp.initial)


def _prepare(mdp: Any, theta: Any, discount: Any) -> tuple[TabularMDP, np.ndarray, float]:
    mdp = _check_mdp(mdp)
    theta = check_theta(theta, mdp.n_states, mdp.n_actions)
    return mdp, softmax_policy(theta), _check_gamma(discount)


def _softmax_gradient(visitation: np.ndarray, pi: np.ndarray, v: np.ndarray,
                      q: np.ndarray) -> np.ndarray:
    """sum_s w(s) sum_a grad pi(a|s) Q(s, a) for the tabular softmax: w(s) pi (Q - V)."""
    return visitation[:, None] * pi * (q - v[:, None])


# --- exact quantities ------------------------------------------------------------------------


def discounted_values(mdp: TabularMDP, theta: Any, *, discount: float
                      ) -> tuple[np.ndarray, np.ndarray]:
    """V_gamma and Q_gamma of the softmax policy by one linear solve.

    Implements eq. `discounted-bellman` (book/discounted): V = r_pi + gamma P_pi V on the
    nonterminal states, V = 0 on terminal ones, Q(s, a) = r(s, a) + gamma sum_s' P(s'|s, a) V(s').
    ``mdp.horizon`` and ``mdp.discount`` are not used.

    Parameters
    ----------
    mdp : TabularMDP
    theta : array_like(float), shape (S, A)
        Softmax logits.
    discount : float
        gamma in [0, 1]; 1 only for episodic MDPs (see the module docstring).

    Returns
    -------
    values : ndarray(float), shape (S,)
        V_gamma(s) = E[sum_{t >= 1} gamma^(t-1) r_t | s_1 = s].
    action_values : ndarray(float), shape (S, A)
        Q_gamma(s, a), the same after taking a first.

    Raises
    ------
    ValueError
        For a discount outside [0, 1], for ``discount=1.0`` when some episodes need not end,
        and when the linear system is numerically singular.
    """
    mdp, pi, discount = _prepare(mdp, theta, discount)
    return _Solver(mdp, pi, discount, "discount=1.0").values()


def discounted_visitation(mdp: TabularMDP, theta: Any, *, discount: float) -> np.ndarray:
    """The discounted state visitation d_gamma(s) = sum_t gamma^(t-1) Pr(s_t = s), exactly.

    Implements eq. `discounted-visitation` (book/discounted) by one linear solve,
    d_gamma = rho + gamma P_pi^T d_gamma on the nonterminal states; 0 on terminal states (the
    episode has ended there). ``mdp.horizon`` and ``mdp.discount`` are not used.

    Parameters
    ----------
    mdp : TabularMDP
    theta : array_like(float), shape (S, A)
    discount : float
        gamma in [0, 1]; with 1, d_1(s) is the expected number of visits to s before
        termination (episodic MDPs only).

    Returns
    -------
    ndarray(float), shape (S,)
        An unnormalised measure: its total is E[sum_{t <= T} gamma^(t-1)], the expected
        discounted episode length (1 / (1 - gamma) if nothing terminates).
    """
    mdp, pi, discount = _prepare(mdp, theta, discount)
    return _Solver(mdp, pi, discount, "discount=1.0").visitation()


def discounted_return(mdp: TabularMDP, theta: Any, *, discount: float) -> float:
    """The discounted infinite-horizon objective J_gamma(theta), exactly.

    Implements eq. `discounted-objective` (book/discounted): J_gamma = sum_s rho(s) V_gamma(s)
    with V_gamma from :func:`discounted_values`. ``mdp.horizon`` and ``mdp.discount`` are not
    used.

    Parameters
    ----------
    mdp : TabularMDP
    theta : array_like(float), shape (S, A)
    discount : float
        gamma in [0, 1]; 1 only when every state can reach a terminal state.

    Returns
    -------
    float
    """
    values, _ = discounted_values(mdp, theta, discount=discount)
    return float(mdp.initial @ values)


def discounted_gradient(mdp: TabularMDP, theta: Any, *, discount: float) -> np.ndarray:
    """The exact gradient of J_gamma by the policy gradient theorem of Sutton et al. (2000).

    Implements eq. `discounted-theorem` (book/discounted),
    grad J_gamma = sum_s d_gamma(s) sum_a grad pi(a|s) Q_gamma(s, a), which for the tabular
    softmax (eq. `softmax-score` in book/factorization) is

        dJ_gamma / dtheta[s, a] = d_gamma(s) pi(a|s) (Q_gamma(s, a) - V_gamma(s)).

    ``mdp.horizon`` and ``mdp.discount`` are not used.

    Parameters
    ----------
    mdp : TabularMDP
    theta : array_like(float), shape (S, A)
    discount : float
        gamma in [0, 1]; 1 only for episodic MDPs.

    Returns
    -------
    ndarray(float), shape (S, A)
    """
    mdp, pi, discount = _prepare(mdp, theta, discount)
    solver = _Solver(mdp, pi, discount, "discount=1.0")
    values, action_values = solver.values()
    return _softmax_gradient(solver.visitation(), pi, values, action_values)


def biased_discounted_gradient(mdp: TabularMDP, theta: Any, *, discount: float) -> np.ndarray:
    """The expectation of the estimator that drops gamma^(t-1): not the gradient of J_gamma.

    The estimator sum_t grad log pi(a_t|s_t) sum_{t' >= t} gamma^(t'-t) r_t', over episodes run
    until termination, has expectation (eq. `dropped-factor` in book/discounted)

        sum_s d_1(s) sum_a grad pi(a|s) Q_gamma(s, a),   d_1(s) = sum_t Pr(s_t = s),

    the theorem's sum with the discounted visitation replaced by the undiscounted one (the
    expected number of visits). For the tabular softmax, entry [s, a] is
    d_1(s) pi(a|s) (Q_gamma(s, a) - V_gamma(s)). With ``discount=1.0`` it equals
    :func:`discounted_gradient`. See Thomas (2014) and Nota and Thomas (2020): in general it is
    not the gradient of any function. ``mdp.horizon`` and ``mdp.discount`` are not used.

    Parameters
    ----------
    mdp : TabularMDP
        Must be episodic: every state can reach a terminal state, else d_1 is infinite.
    theta : array_like(float), shape (S, A)
    discount : float
        gamma in [0, 1], the discount inside the reward-to-go.

    Returns
    -------
    ndarray(float), shape (S, A)

    Raises
    ------
    ValueError
        When some state cannot reach a terminal state (the expected number of visits is
        infinite), or for a discount outside [0, 1].
    """
    mdp, pi, discount = _prepare(mdp, theta, discount)
    why = "biased_discounted_gradient (it weights by the undiscounted visitation)"
    values, action_values = _Solver(mdp, pi, discount, why).values()
    visits = _Solver(mdp, pi, 1.0, why).visitation()
    return _softmax_gradient(visits, pi, values, action_values)


def termination_tail(mdp: TabularMDP, theta: Any, n_steps: int) -> float:
    """Pr(an episode has not ended after ``n_steps`` steps), exactly.

    The probability that s_{n+1} is not terminal, rho P_pi^n restricted to the nonterminal
    states, summed: the chance that a sampler capped at n steps cuts an episode that runs to
    termination. It bounds nothing by itself; it *is* the probability.

    Parameters
    ----------
    mdp : TabularMDP
    theta : array_like(float), shape (S, A)
    n_steps : int
        n >= 1.

    Returns
    -------
    float
        In [0, 1]; 1 when no terminal state is reachable.
    """
    mdp = _check_mdp(mdp)
    pi = softmax_policy(check_theta(theta, mdp.n_states, mdp.n_actions))
    n_steps = check_positive_int(n_steps, "n_steps")
    live = ~terminal_states(mdp)
    p_live = np.einsum("sa,sax->sx", pi, mdp.transitions)[np.ix_(live, live)]
    mass = mdp.initial[live]
    power, steps = p_live, n_steps  # mass @ p_live^n by repeated squaring
    while steps:
        if steps & 1:
            mass = mass @ power
        power = power @ power
        steps >>= 1
    return float(min(max(mass.sum(), 0.0), 1.0))


# --- sampling --------------------------------------------------------------------------------


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


def _simulate(mdp: TabularMDP, theta: np.ndarray, n_episodes: int, rng: np.random.Generator,
              max_steps: int, lifetimes: np.ndarray):
    """Episodes until termination, their lifetime or ``max_steps``, padded to a common width.

    Simulated in segments of :data:`SEGMENT_STEPS` steps by :func:`pgtheory.sample_trajectories`:
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
            batch = sample_trajectories(segment, theta, group.size, rng=rng)
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


def _episodes(mdp: TabularMDP, theta: np.ndarray, n_episodes: int, rng: np.random.Generator,
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
            mdp, theta, size, rng, max_steps, lifetimes)
        mask = np.arange(rewards.shape[1])[None, :] < lengths[:, None]
        returns, weights = weights_of(rewards)
        gradients = score(theta, states, actions, np.where(mask, weights, 0.0))
        yield returns, gradients, lengths, truncated
        done += size


def _collect(mdp, theta, n_episodes, rng, max_steps, stop_discount, weights_of):
    parts = list(_episodes(mdp, theta, n_episodes, rng, max_steps, stop_discount, weights_of))
    returns, gradients, lengths, truncated = (np.concatenate(p) for p in zip(*parts, strict=True))
    return EpisodicGradientSamples(returns, gradients, lengths, int(truncated.sum()), max_steps)


def _check_sampling(mdp, theta, n_episodes, rng, discount, max_steps):
    mdp = _check_mdp(mdp)
    theta = check_theta(theta, mdp.n_states, mdp.n_actions)
    return (mdp, theta, check_positive_int(n_episodes, "n_episodes"), check_rng(rng),
            _check_gamma(discount), check_positive_int(max_steps, "max_steps"))


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
    mdp, theta, n_episodes, rng, discount, max_steps = _check_sampling(
        mdp, theta, n_episodes, rng, discount, max_steps)

    def weights_of(rewards: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        to_go = np.cumsum(rewards[:, ::-1], axis=1)[:, ::-1]
        return rewards.sum(axis=1), to_go

    return _collect(mdp, theta, n_episodes, rng, max_steps, discount, weights_of)


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
    mdp, theta, n_episodes, rng, discount, max_steps = _check_sampling(
        mdp, theta, n_episodes, rng, discount, max_steps)

    def weights_of(rewards: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        to_go = np.empty_like(rewards)  # G_t = r_t + gamma G_{t+1}, counted from step t
        running = np.zeros(rewards.shape[0])
        for t in reversed(range(rewards.shape[1])):
            running = rewards[:, t] + discount * running
            to_go[:, t] = running
        return to_go[:, 0], to_go

    return _collect(mdp, theta, n_episodes, rng, max_steps, None, weights_of)
