"""``check_reinforce_estimator``: the Monte Carlo policy-gradient estimate from a batch of N
episodes, eq. mc-estimate (book/monte_carlo), the integrand of eq. pg-theorem (book/theorem)
averaged over the episodes:

    g_N = (1/N) sum_n R(tau_n) sum_t grad log pi(a_t^n | s_t^n),   R(tau) = sum_t r_t.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

from ..episodes import reward_to_go
from ..policy import score
from .cases import Case, make_case
from .equations import cite, section
from .harness import CheckResult, Spec, run
from .mistakes import Mistake
from .shared import (
    describe_episodes,
    doubled_rows,
    episode_arrays,
    episode_facts,
    input_kinds,
    per_episode_row,
    sampled_episodes,
    softmax_hessian,
)
from .time_limit import DEFAULT_TIME_LIMIT

__all__ = ["MISTAKES", "SPEC", "check_reinforce_estimator", "reinforce_estimator_case"]

CHECK = "check_reinforce_estimator"


def reinforce_estimator_case(theta: Any, states: Any, actions: Any, rewards: Any, *,
                             mdp: Any = None, description: str | None = None,
                             protected: Iterable[str] | None = None) -> Case:
    """A case for :func:`check_reinforce_estimator`: ``fn(theta, states, actions, rewards)`` is
    compared with eq. mc-estimate (book/monte_carlo).

    Parameters
    ----------
    theta : array_like(float), shape (S, A)
    states, actions : array_like(int), shape (N, H)
    rewards : array_like(float), shape (N, H)
        Episodes, e.g. from :func:`pgtheory.sample_trajectories`; passed to the student's
        function as given (lists stay lists, float32 stays float32).
    mdp : TabularMDP, optional
        The MDP the episodes came from (unused by this check; accepted for symmetry with
        :func:`pgtheory.checks.baseline_estimator_case`).
    description : str, optional
        How messages show the case; default the shape, theta, and small batches in full.
    protected : collection of str, optional
        Arguments the function must not change; default all four.

    Returns
    -------
    Case
    """
    arrays = episode_arrays(theta, states, actions, rewards)
    names, given = ("theta", "states", "actions", "rewards"), (theta, states, actions, rewards)
    text = describe_episodes(description, input_kinds(names, given), *arrays[:3])
    return make_case(CHECK, names, given, arrays, text, protected=protected,
                     facts=episode_facts(arrays[0], arrays[1], mdp))


def _default_cases() -> list[Case]:
    return [reinforce_estimator_case(theta, e.states, e.actions, e.rewards, mdp=mdp,
                                     description=what)
            for what, mdp, theta, e in sampled_episodes()]


def _reference(theta: np.ndarray, states: np.ndarray, actions: np.ndarray,
               rewards: np.ndarray) -> np.ndarray:
    """Eq. mc-estimate: every step's score weighted by the whole return, averaged over N."""
    return score(theta, states, actions, _returns_at_every_step(rewards)).mean(axis=0)


def _returns_at_every_step(rewards: np.ndarray) -> np.ndarray:
    return np.repeat(rewards.sum(axis=1, keepdims=True), rewards.shape[1], axis=1)


# --- how students with each mistake answer --------------------------------------------------


def _counts_weighted_by_return(theta: np.ndarray, states: np.ndarray, actions: np.ndarray,
                               rewards: np.ndarray) -> np.ndarray:
    counts = np.zeros((len(states),) + theta.shape)
    np.add.at(counts, (np.arange(len(states))[:, None], states, actions), 1.0)
    return (rewards.sum(axis=1)[:, None, None] * counts).mean(axis=0)


def _doubled(theta: np.ndarray, states: np.ndarray, actions: np.ndarray,
             rewards: np.ndarray) -> np.ndarray:
    hessians = [sum(softmax_hessian(theta, s) for s in episode) for episode in states]
    return np.mean([r * h for r, h in zip(rewards.sum(axis=1), hessians, strict=True)], axis=0)


#: The typical mistakes, tried in this order.
MISTAKES: tuple[Mistake, ...] = (
    *doubled_rows(_doubled),
    per_episode_row(lambda theta, states, actions, rewards: score(
        theta, states, actions, _returns_at_every_step(rewards)), "mc-estimate"),
    Mistake("pooled_steps", "Your estimate is H = $horizon times too small: you averaged over "
            "all N*H = $nh time steps instead of the N = $n episodes. The step terms of one "
            "episode are not separate samples; the episode is the unit of eq. mc-estimate. "
            f"See {section('episodes-not-steps')}.",
            lambda *args: _reference(*args) / args[1].shape[1]),
    Mistake("summed", "Your estimate is N = $n times too large: you summed over the episodes; "
            "eq. mc-estimate AVERAGES them.", lambda *args: _reference(*args) * len(args[1])),
    Mistake("own_step_reward", "You weighted each step's score by the reward of that step "
            "only, r_t. Eq. mc-estimate weights every score of an episode by its whole return "
            "R(tau) = r_1 + ... + r_H.",
            lambda theta, states, actions, rewards: score(
                theta, states, actions, rewards).mean(axis=0)),
    Mistake("reward_to_go", "You weighted each score by the reward-to-go G_t. That is the "
            f"estimator of {cite('reward-to-go')} (same expectation), not eq. mc-estimate, "
            "which weights every score by the whole return R(tau).",
            lambda theta, states, actions, rewards: score(
                theta, states, actions, reward_to_go(rewards)).mean(axis=0)),
    Mistake("counts", "Your scores count the pairs (s_t, a_t) but miss the term of the "
            f"softmax's normaliser at every step ({cite('softmax-score')}).",
            _counts_weighted_by_return),
    Mistake("sign", "Your estimate has the right size but the opposite sign: it points "
            "downhill. Compare the sign of each term with eq. mc-estimate.",
            lambda *args: -_reference(*args)),
    Mistake("product_of_means", "You multiplied the mean return by the mean score. Eq. "
            "mc-estimate is the mean of the PRODUCTS R(tau_n) * score(tau_n), episode by "
            "episode; the mean score alone is close to 0.",
            lambda theta, states, actions, rewards: rewards.sum(axis=1).mean()
            * score(theta, states, actions).mean(axis=0)),
)

SPEC = Spec(name=CHECK, what="estimate", labels=("mc-estimate", "pg-theorem"),
            reference=_reference, mistakes=MISTAKES, default_cases=_default_cases,
            coverage=" (batches of sampled episodes)")


def check_reinforce_estimator(
    fn: Callable[[np.ndarray, np.ndarray, np.ndarray, np.ndarray], Any], *,
    cases: Iterable[Case] | None = None, defaults: bool = True,
    time_limit: float | None = DEFAULT_TIME_LIMIT, verbose: bool = True,
) -> CheckResult:
    """Check your Monte Carlo policy-gradient estimate from a batch of episodes.

    Tests eq. mc-estimate (book/monte_carlo):
    g_N = (1/N) sum_n R(tau_n) sum_t grad log pi(a_t^n | s_t^n), the estimator of eq.
    pg-theorem (book/theorem) averaged over the N episodes, with R(tau) = sum_t r_t
    (undiscounted).

    Parameters
    ----------
    fn : callable
        ``fn(theta, states, actions, rewards)`` with ``theta: (S, A)``, int ``states``,
        ``actions`` and float ``rewards`` of shape ``(N, H)``; returns ``(S, A)``.
    cases : list of Case, optional
        More cases, from :func:`reinforce_estimator_case`, run after the built-in ones.
    defaults : bool
        Run the two built-in batches (default); False runs only ``cases``.
    time_limit : float or None
        Seconds each call of ``fn`` may take (default 10); None for no limit.
    verbose : bool
        Print the result (default).

    Returns
    -------
    CheckResult
        Truthy exactly when the estimate matched, on each batch, the average computed with
        :func:`pgtheory.score`.

    Notes
    -----
    The mistakes it names are the rows of :data:`MISTAKES` (the doubled gradient; one estimate
    per episode; the average over the N*H pooled steps; the sum over episodes; each score
    weighted by its own reward, or by the reward-to-go; the normaliser missing; the sign
    flipped; the product of the mean return and the mean score) and of
    :data:`pgtheory.checks.mistakes.GENERIC_MISTAKES`.
    """
    return run(SPEC, fn, cases, defaults=defaults, time_limit=time_limit, verbose=verbose)
