"""The discounted infinite-horizon objective, its exact gradient, and the estimator most code uses.

The objective of book/discounted ("The discounted policy gradient theorem"). For a tabular MDP, a
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

**Sampling without a horizon** (geometric stopping, running to termination) is in
:mod:`pgtheory.discounted_samples`; :func:`termination_tail` gives the exact probability that
its samplers cut an episode.

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

from typing import Any

import numpy as np

from ._kernels import softmax
from ._validation import check_mdp, check_mdp_theta, check_positive_int, check_real
from .mdp import TabularMDP

__all__ = [
    "terminal_states",
    "discounted_values",
    "discounted_visitation",
    "discounted_return",
    "discounted_gradient",
    "biased_discounted_gradient",
    "termination_tail",
]

#: Largest accepted condition number of I - gamma P_pi (restricted to nonterminal states); past
#: it the solve could lose every digit, so we raise instead of returning noise.
MAX_CONDITION = 1e12


# --- validation ------------------------------------------------------------------------------


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
    mdp = check_mdp(mdp)
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
    mdp, theta = check_mdp_theta(mdp, theta)
    return mdp, softmax(theta), _check_gamma(discount)


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
    mdp, theta = check_mdp_theta(mdp, theta)
    pi = softmax(theta)
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
