"""``check_reward_to_go``: the reward-to-go of every step of every episode, eq. reward-to-go
(book/reward_to_go), undiscounted:

    G_t = sum_{t'=t}^{H} r_{t'}.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

from .._validation import as_finite_array
from ..episodes import reward_to_go
from .cases import Case, format_array, make_case
from .harness import CheckResult, Spec, run
from .mistakes import Mistake
from .shared import input_kinds
from .time_limit import DEFAULT_TIME_LIMIT

__all__ = ["MISTAKES", "SPEC", "check_reward_to_go", "reward_to_go_case"]

CHECK = "check_reward_to_go"


def reward_to_go_case(rewards: Any, *, description: str | None = None,
                      protected: Iterable[str] | None = None) -> Case:
    """A case for :func:`check_reward_to_go`: ``fn(rewards)`` is compared with eq.
    reward-to-go (book/reward_to_go).

    Parameters
    ----------
    rewards : array_like(float), shape (n, H)
        ``rewards[i, t-1]`` is r_t of episode i; passed to the student's function as given
        (a list stays a list, float32 stays float32).
    description : str, optional
        How messages show the case; default its shape and the rewards themselves.
    protected : collection of str, optional
        Arguments the function must not change; default ``("rewards",)``.

    Returns
    -------
    Case
    """
    array = as_finite_array(rewards, "rewards", ndim=2)
    n, horizon = array.shape
    what = description or f"rewards (n={n} episode{'s' if n > 1 else ''}, H={horizon} " \
                          f"step{'s' if horizon > 1 else ''})"
    text = f"{what}{input_kinds(('rewards',), (rewards,))} =\n    {format_array(array)}"
    return make_case(CHECK, ("rewards",), (rewards,), (array,), text, protected=protected,
                     facts={"n": n, "horizon": horizon})


def _default_cases() -> list[Case]:
    return [
        reward_to_go_case(np.array([[1.0, 2.0, 3.0, 4.0], [0.0, 0.0, 5.0, 0.0]])),
        reward_to_go_case(np.round(np.random.default_rng(3).normal(size=(3, 5)), 2)),
        reward_to_go_case(np.array([[2.0], [-1.0]])),
        reward_to_go_case(np.array([[0.0, 1.0, 0.0, 0.0, 10.0, -3.0]])),
    ]


def _cumsum_forward(rewards: np.ndarray) -> np.ndarray:
    return np.cumsum(rewards, axis=1)


#: The typical mistakes, tried in this order.
MISTAKES: tuple[Mistake, ...] = (
    Mistake("returns_only", "Your function returned one number per episode, the return "
            "R(tau) = G_1. The reward-to-go has one entry per step, G_t for t = 1..H: shape "
            "$expected_shape.", lambda rewards: rewards.sum(axis=1)),
    Mistake("transposed", "Your function returned shape $shape, transposed: keep the episodes "
            "in rows and the steps in columns, $expected_shape.",
            lambda rewards: reward_to_go(rewards).T, "shape"),
    Mistake("extra_column", "Your function returned H+1 columns (perhaps with G_{H+1} = 0 "
            "appended); eq. reward-to-go defines G_1..G_H, shape $expected_shape.",
            lambda rewards: np.column_stack([reward_to_go(rewards), np.zeros(len(rewards))]),
            "shape"),
    Mistake("forward_cumsum", "You computed a FORWARD cumulative sum: your G_t holds the "
            "rewards from the start of the episode up to step t. Eq. reward-to-go sums the "
            "other way, from step t to the END of the episode.", _cumsum_forward),
    Mistake("rewards_before_t", "You summed the rewards BEFORE step t: exactly the terms that "
            "the reward-to-go drops (their products with the score of step t average to "
            "zero). Re-read which rewards eq. reward-to-go keeps.",
            lambda rewards: _cumsum_forward(rewards) - rewards),
    Mistake("excludes_r_t", "You left out the reward of step t itself: you computed G_{t+1}. "
            "The sum in eq. reward-to-go starts at t' = t.",
            lambda rewards: reward_to_go(rewards) - rewards),
    Mistake("return_everywhere", "Every entry is the whole return R(tau). The reward-to-go "
            "keeps only the rewards from step t on; the rewards before t are dropped.",
            lambda rewards: np.repeat(rewards.sum(axis=1, keepdims=True), rewards.shape[1],
                                      axis=1)),
    Mistake("not_reversed_back", "You cumulated the reversed rewards but did not reverse the "
            "result back: your columns run backwards in time (the last column holds G_1 and "
            "the first G_H).", lambda rewards: np.cumsum(rewards[:, ::-1], axis=1)),
    Mistake("over_episodes", "You summed over the EPISODES (axis 0) instead of the time steps "
            "(axis 1). Each episode has its own reward-to-go.",
            lambda rewards: np.cumsum(rewards[::-1], axis=0)[::-1]),
    Mistake("unchanged", "Your function returned the rewards unchanged.", lambda rewards: rewards),
)

SPEC = Spec(name=CHECK, what="reward-to-go", labels=("reward-to-go",), reference=reward_to_go,
            mistakes=MISTAKES, default_cases=_default_cases,
            coverage=", including H = 1 and a single episode")


def check_reward_to_go(fn: Callable[[np.ndarray], Any], *, cases: Iterable[Case] | None = None,
                       defaults: bool = True, time_limit: float | None = DEFAULT_TIME_LIMIT,
                       verbose: bool = True) -> CheckResult:
    """Check your reward-to-go G_t = sum_{t'=t}^{H} r_{t'} for every step of every episode.

    Tests eq. reward-to-go (book/reward_to_go), undiscounted.

    Parameters
    ----------
    fn : callable
        ``fn(rewards)`` with ``rewards: (n, H)``, ``rewards[i, t-1]`` = r_t of episode i;
        returns ``(n, H)``.
    cases : list of Case, optional
        More cases, from :func:`reward_to_go_case`, run after the built-in ones.
    defaults : bool
        Run the four built-in cases (default); False runs only ``cases``.
    time_limit : float or None
        Seconds each call of ``fn`` may take (default 10); None for no limit.
    verbose : bool
        Print the result (default).

    Returns
    -------
    CheckResult
        Truthy exactly when every case matched :func:`pgtheory.reward_to_go`.

    Notes
    -----
    The mistakes it names are the rows of :data:`MISTAKES` (the returns only; transposed; an
    extra column; the forward cumulative sum; the rewards strictly before t; G_{t+1}; the whole
    return at every step; a reversed cumulative sum not reversed back; the sum over episodes;
    the rewards unchanged) and of :data:`pgtheory.checks.mistakes.GENERIC_MISTAKES`; a function
    that changes ``rewards`` in place fails even when its result is right.
    """
    return run(SPEC, fn, cases, defaults=defaults, time_limit=time_limit, verbose=verbose)
