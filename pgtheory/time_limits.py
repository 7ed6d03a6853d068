"""Time limits: ``truncated`` versus ``terminated``, and bootstrapping at the limit.

book/other_code. Gymnasium's ``step`` reports two different ends of an episode:
``terminated`` (the task reached a terminal state) and ``truncated`` (a time limit T cut it).
What the estimator should do at a truncation depends on which problem is being solved.

* **The limit is part of the task** (the book's finite-horizon view, H = T). The objective is
  J_T = E[sum_{t=1}^{T} gamma^(t-1) r_t]; the return cut at the limit is the whole
  reward-to-go, and there is nothing to bootstrap.
* **The limit only cuts a task without one**, whose objective is the discounted
  J_gamma = E[sum_{t >= 1} gamma^(t-1) r_t] (eq. `discounted-objective`, book/discounted).
  The cut reward-to-go counted from step t,

      Psi_t = sum_{t'=t}^{T} gamma^(t'-t) r_t',

  then misses everything after the limit: E[Psi_t | s_t, a_t] = Q_gamma(s_t, a_t)
  - gamma^(T-t+1) E[V_gamma(s_{T+1}) | s_t, a_t] (eq. `cut-return-bias`), an underestimate
  that grows towards the limit. Adding gamma^(T-t+1) V_gamma(s_{T+1}), the value of the state
  at which the episode was cut (Gymnasium's final observation), removes it exactly:
  *bootstrapping* (Pardo et al. 2018).

The gradient estimate of one episode cut at the limit is

    g = sum_{t=1}^{T} gamma^(t-1) grad log pi_theta(a_t | s_t) Psi_t    (eq. `time-limit-estimator`)

with or without the bootstrap. Without it, E[g] = grad J_T exactly: it is REINFORCE's
reward-to-go estimator of the finite-horizon problem (eq. `reward-to-go`). With it,

    E[g] = sum_{t=1}^{T} gamma^(t-1) sum_s Pr(s_t = s) sum_a grad pi_theta(a|s) Q_gamma(s, a),

the first T terms of eq. `discounted-state-action` (book/discounted): the weights are right,
and what is still missing is the visitation after T, which episodes restarted at the limit
never see. :func:`time_limit_gradient` computes both exactly, :func:`time_limit_weight_bias`
the bias of the cut weights, and :func:`time_limit_samples` the sampled estimates.

A terminal state (absorbing with reward 0, :func:`pgtheory.terminal_states`) ends an episode
before the limit; V_gamma is 0 there, so bootstrapping from it adds nothing, as it should.
**The MDP's own ``horizon`` and ``discount`` are not used**: the limit is ``time_limit`` and
the discount the keyword-only ``discount``.

Time index convention: book steps t = 1..T are array index t - 1.

References
----------
F. Pardo, A. Tavakoli, V. Levdik and P. Kormushev (2018), "Time limits in reinforcement
learning", ICML.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._validation import (
    as_finite_array,
    check_bool,
    check_discount,
    check_live_start,
    check_mdp_theta,
    check_positive_int,
    check_rng,
    check_step_values,
)
from .discounted import discounted_values
from .exact import exact_gradient, state_distributions, value_functions
from .mdp import TabularMDP
from .policy import score, softmax_policy
from .sampling import sample_trajectories

__all__ = [
    "time_limit_returns",
    "time_limit_weight_bias",
    "time_limit_gradient",
    "time_limit_samples",
]


def _limited(mdp: TabularMDP, horizon: int, discount: float) -> TabularMDP:
    """The same dynamics with the finite horizon ``horizon`` and discount gamma."""
    return TabularMDP(mdp.transitions, mdp.rewards, mdp.initial, horizon, discount)


def time_limit_returns(
    rewards: Any, *, discount: float, final_values: Any = None, mask: Any = None
) -> np.ndarray:
    """The weights Psi_t of eq. `time-limit-estimator`: reward-to-go cut at the end, plus a
    bootstrap.

    For episode n with T_n steps,

        Psi_t = sum_{t'=t}^{T_n} gamma^(t'-t) r_t' + gamma^(T_n-t+1) v_n,
        i.e. Psi_t = r_t + gamma Psi_{t+1},  Psi_{T_n+1} = v_n,

    discounted from step t (as most code computes it). ``v_n`` is the value of the state that
    follows the last step: V_gamma(s_{T_n+1}) for an episode cut by a time limit
    (``truncated``), 0 for one that reached a terminal state (``terminated``). Leaving
    ``final_values`` out treats every end as ``terminated``: the cut return.

    Parameters
    ----------
    rewards : array_like(float), shape (N, T)
    discount : float
        gamma in (0, 1].
    final_values : array_like(float), shape (N,), optional
        v_n; default 0 for every episode.
    mask : array_like(bool), shape (N, T), optional
        True on the steps of each episode (see :func:`pgtheory.length_mask`); padded entries
        of ``rewards`` are ignored and Psi is 0 there.

    Returns
    -------
    ndarray(float), shape (N, T)
    """
    rewards, mask = check_step_values(rewards, "rewards", mask, full_mask=True)
    discount = check_discount(discount)
    n_episodes, n_steps = rewards.shape
    if final_values is None:
        running = np.zeros(n_episodes)
    else:
        running = as_finite_array(final_values, "final_values", ndim=1, copy=True)
        if running.shape != (n_episodes,):
            raise ValueError(f"final_values has shape {running.shape}; expected "
                             f"({n_episodes},), one value per episode")
    out = np.zeros_like(rewards)
    for t in reversed(range(n_steps)):
        running = np.where(mask[:, t], rewards[:, t] + discount * running, running)
        out[:, t] = np.where(mask[:, t], running, 0.0)
    return out


def time_limit_weight_bias(
    mdp: TabularMDP, theta: Any, time_limit: int, *, discount: float
) -> np.ndarray:
    """E[Psi_t | s_t = s, a_t = a] - Q_gamma(s, a) for the cut return, at every step.

    Implements eq. `cut-return-bias` (book/other_code): the cut reward-to-go has conditional
    mean Q_t(s, a) of the finite-horizon problem with horizon T (backward induction,
    :func:`pgtheory.value_functions`, discounted from step t), so the bias is
    Q_t - Q_gamma = -gamma^(T-t+1) E[V_gamma(s_{T+1}) | s_t = s, a_t = a]. With the bootstrap
    the bias is 0.

    Parameters
    ----------
    mdp : TabularMDP
    theta : array_like(float), shape (S, A)
    time_limit : int
        T >= 1.
    discount : float
        gamma in (0, 1); 1 only when every episode ends (see :mod:`pgtheory.discounted`).

    Returns
    -------
    ndarray(float), shape (T, S, A)
        Entry [t-1, s, a] is the bias at book step t; it is <= 0 when rewards are >= 0.
    """
    mdp, theta = check_mdp_theta(mdp, theta)
    time_limit = check_positive_int(time_limit, "time_limit")
    discount = check_discount(discount)
    _, q_gamma = discounted_values(mdp, theta, discount=discount)
    _, q_cut = value_functions(_limited(mdp, time_limit, discount), theta)
    return q_cut - q_gamma[None]


def time_limit_gradient(
    mdp: TabularMDP, theta: Any, time_limit: int, *, discount: float, bootstrap: bool
) -> np.ndarray:
    """The exact mean of eq. `time-limit-estimator` over episodes cut at the time limit.

    ``bootstrap=False``: grad J_T, the gradient of the finite-horizon objective with horizon
    T (:func:`pgtheory.exact_gradient`). ``bootstrap=True``:
    sum_s w(s) pi(a|s) (Q_gamma(s, a) - V_gamma(s)) with w(s) = sum_{t <= T} gamma^(t-1)
    Pr(s_t = s), the first T terms of the discounted theorem (module docstring).

    Parameters
    ----------
    mdp : TabularMDP
        ``mdp.horizon`` and ``mdp.discount`` are not used.
    theta : array_like(float), shape (S, A)
    time_limit : int
        T >= 1.
    discount : float
        gamma in (0, 1]; with 1 and ``bootstrap=True`` every episode must end.
    bootstrap : bool

    Returns
    -------
    ndarray(float), shape (S, A)
    """
    mdp, theta = check_mdp_theta(mdp, theta)
    time_limit = check_positive_int(time_limit, "time_limit")
    discount = check_discount(discount)
    limited = _limited(mdp, time_limit, discount)
    if not check_bool(bootstrap, "bootstrap"):
        return exact_gradient(limited, theta)
    values, action_values = discounted_values(mdp, theta, discount=discount)
    visits = discount ** np.arange(time_limit) @ state_distributions(limited, theta)  # (S,)
    pi = softmax_policy(theta)
    return visits[:, None] * pi * (action_values - values[:, None])


def time_limit_samples(
    mdp: TabularMDP,
    theta: Any,
    n_episodes: int,
    time_limit: int,
    *,
    rng: Any = None,
    discount: float,
    bootstrap: bool,
) -> np.ndarray:
    """Per-episode estimates of eq. `time-limit-estimator` from episodes cut at the limit.

    Each episode is simulated for T + 1 steps of :func:`pgtheory.sample_trajectories`, of which
    the first T are kept (up to a terminal state) and the state s_{T+1} is the one at which the
    time limit cuts it; with ``bootstrap=True`` the weights get gamma^(T_n - t + 1)
    V_gamma(s_{T_n + 1}) with the exact V_gamma of :func:`pgtheory.discounted_values` (a
    perfect critic). The mean is :func:`time_limit_gradient`.

    Parameters
    ----------
    mdp : TabularMDP
        ``mdp.horizon`` and ``mdp.discount`` are not used.
    theta : array_like(float), shape (S, A)
    n_episodes : int
    time_limit : int
        T >= 1.
    rng : None, int, SeedSequence, BitGenerator or Generator
    discount : float
        gamma in (0, 1].
    bootstrap : bool

    Returns
    -------
    ndarray(float), shape (N, S, A)
    """
    mdp, theta = check_mdp_theta(mdp, theta)
    n_episodes = check_positive_int(n_episodes, "n_episodes")
    time_limit = check_positive_int(time_limit, "time_limit")
    rng = check_rng(rng)
    discount = check_discount(discount)
    bootstrap = check_bool(bootstrap, "bootstrap")
    terminal = check_live_start(mdp, "every episode must take at least one step")
    batch = sample_trajectories(_limited(mdp, time_limit + 1, discount), theta, n_episodes,
                                rng=rng)
    states = batch.states[:, :time_limit]
    alive = np.cumsum(terminal[states], axis=1) == 0
    final_values = None
    if bootstrap:
        values, _ = discounted_values(mdp, theta, discount=discount)
        after = batch.states[np.arange(n_episodes), alive.sum(axis=1)]  # s_{T_n + 1}
        final_values = values[after]
    psi = time_limit_returns(batch.rewards[:, :time_limit], discount=discount,
                             final_values=final_values, mask=alive)
    weights = np.where(alive, discount ** np.arange(time_limit) * psi, 0.0)
    return score(theta, states, batch.actions[:, :time_limit], weights)
