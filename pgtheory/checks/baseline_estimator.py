"""``check_baseline_estimator``: the reward-to-go gradient estimate with a baseline that depends
on the step and the state, eq. baseline (book/baselines) with G_t from eq.
reward-to-go (book/reward_to_go):

    g_N = (1/N) sum_n sum_t grad log pi(a_t^n | s_t^n) (G_t^n - b_t(s_t^n)).

When a case knows its MDP, the messages also sum estimators exactly over every trajectory
(:func:`pgtheory.enumerate_trajectories`) to say whether they are biased.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

from .._validation import as_finite_array
from ..enumeration import enumerate_trajectories
from ..episodes import reward_to_go
from ..exact import exact_gradient
from ..policy import score
from .cases import Case, format_array, make_case
from .equations import section
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

__all__ = ["MISTAKES", "SPEC", "baseline_estimator_case", "check_baseline_estimator"]

CHECK = "check_baseline_estimator"

#: Largest number of trajectories over which an estimator's exact mean is summed (the
#: student's function is called once per trajectory).
MAX_EXACT_TRAJECTORIES = 2000


def baseline_estimator_case(theta: Any, states: Any, actions: Any, rewards: Any, baseline: Any,
                            *, mdp: Any = None, description: str | None = None,
                            protected: Iterable[str] | None = None) -> Case:
    """A case for :func:`check_baseline_estimator`: ``fn(theta, states, actions, rewards,
    baseline)`` is compared with eq. baseline (book/baselines).

    Parameters
    ----------
    theta : array_like(float), shape (S, A)
    states, actions : array_like(int), shape (N, H)
    rewards : array_like(float), shape (N, H)
        Episodes, e.g. from :func:`pgtheory.sample_trajectories`.
    baseline : array_like(float), shape (H, S)
        ``baseline[t-1, s]`` is b_t(s). All five are passed to the student's function as given
        (lists stay lists, float32 stays float32).
    mdp : TabularMDP, optional
        The MDP the episodes came from: with it, a failure also reports the exact mean of the
        student's estimator over every trajectory (is it biased?), when the MDP has at most
        :data:`MAX_EXACT_TRAJECTORIES` of them.
    description : str, optional
        How messages show the case; default the shape, theta, small batches, the baseline.
    protected : collection of str, optional
        Arguments the function must not change; default all five.

    Returns
    -------
    Case
    """
    theta_a, states_a, actions_a, rewards_a = episode_arrays(theta, states, actions, rewards)
    table = as_finite_array(baseline, "baseline", ndim=2)
    if table.shape != (states_a.shape[1], theta_a.shape[0]):
        raise ValueError(f"baseline must have shape (H, S) = "
                         f"{(states_a.shape[1], theta_a.shape[0])}; got {table.shape}")
    names = ("theta", "states", "actions", "rewards", "baseline")
    given = (theta, states, actions, rewards, baseline)
    text = (describe_episodes(description, input_kinds(names, given), theta_a, states_a,
                              actions_a)
            + f"\n    baseline (row t-1 = b_t(.)) =\n    {format_array(table)}")
    return make_case(CHECK, names, given, (theta_a, states_a, actions_a, rewards_a, table),
                     text, protected=protected, facts=episode_facts(theta_a, states_a, mdp))


def _default_cases() -> list[Case]:
    cases = []
    for index, (what, mdp, theta, e) in enumerate(sampled_episodes(seed_offset=10)):
        table = np.round(np.random.default_rng(20 + index).uniform(
            -1.0, 3.0, size=(e.horizon, mdp.n_states)), 1)
        cases.append(baseline_estimator_case(theta, e.states, e.actions, e.rewards, table,
                                             mdp=mdp, description=what))
    return cases


def _with_weights(weights: Callable[..., np.ndarray]) -> Callable[..., np.ndarray]:
    """The estimate (1/N) sum_n sum_t score_t W_t with W = ``weights(states, actions, rewards,
    baseline, steps)``: how most answers, right or wrong, are built."""
    def estimate(theta: np.ndarray, states: np.ndarray, actions: np.ndarray,
                 rewards: np.ndarray, baseline: np.ndarray) -> np.ndarray:
        steps = np.arange(states.shape[1])
        return score(theta, states, actions,
                     weights(states, actions, rewards, baseline, steps)).mean(axis=0)
    return estimate


_reference = _with_weights(lambda s, a, r, b, t: reward_to_go(r) - b[t, s])
_action_indexed = _with_weights(lambda s, a, r, b, t: reward_to_go(r) - b[t, a])


def _exact_bias(case: Case, estimator: Callable[..., Any]) -> float | None:
    """max |E[estimator of ONE episode] - grad J|, summed over every trajectory; None when the
    case has no MDP, too many trajectories, or the estimator fails on one of them."""
    mdp, theta, table = case.facts["mdp"], case.arrays[0], case.arrays[4]
    if mdp is None:
        return None
    try:
        every, probabilities = enumerate_trajectories(mdp, theta, MAX_EXACT_TRAJECTORIES)
    except ValueError:  # more trajectories than we are willing to call the function on
        return None
    total = np.zeros(theta.shape)
    for k, p in enumerate(probabilities):
        one = estimator(theta, every.states[k:k + 1], every.actions[k:k + 1],
                        every.rewards[k:k + 1], table)
        if one is None or np.shape(one) != theta.shape:
            return None
        total += p * np.asarray(one, dtype=float)
    return float(np.abs(total - exact_gradient(mdp, theta)).max())


def _action_bias(got: np.ndarray, case: Case) -> str:
    bias = _exact_bias(case, _action_indexed)
    return "" if bias is None else (
        f" Summed exactly over every trajectory of this MDP, the mean of that estimator misses "
        f"the true gradient by up to {bias:.3g}: it is biased.")


def _bias_verdict(got: np.ndarray, case: Case, call: Callable[..., Any]) -> str:
    """Whether the student's own estimator is biased, by its exact mean over every trajectory."""
    try:
        bias = _exact_bias(case, call)
    except Exception:  # the exact mean of an unusual function is a bonus, not a must
        return ""
    if bias is None:
        return ""
    if bias < 1e-8:  # rounding only: the exact mean IS the gradient
        return ("\n  Averaged exactly over every trajectory of this MDP, your estimator gives the "
                "true gradient (to within 1e-8), so it is unbiased, but it is not the "
                "estimator of eq. baseline.")
    return (f"\n  Averaged exactly over every trajectory of this MDP, your estimator misses the "
            f"true gradient by up to {bias:.3g}, so it is BIASED.")


def _doubled(theta: np.ndarray, states: np.ndarray, *rest: Any) -> np.ndarray:
    return np.mean([sum(softmax_hessian(theta, s) for s in episode) for episode in states], 0)


#: The typical mistakes, tried in this order.
MISTAKES: tuple[Mistake, ...] = (
    *doubled_rows(_doubled),
    per_episode_row(lambda theta, s, a, r, b: score(
        theta, s, a, reward_to_go(r) - b[np.arange(s.shape[1]), s]), "baseline"),
    Mistake("action_dependent", "Your baseline depends on the ACTION: you looked it up by the "
            "action a_t instead of the state s_t. A baseline may depend on the state (it is "
            "fixed before a_t is drawn, and the score of a_t has mean zero given s_t), but not "
            "on the action: then sum_a pi(a|s) b(s, a) grad log pi(a|s) is no longer zero. "
            f"See {section('state-not-action')}.",
            _action_indexed, detail=_action_bias),
    Mistake("ignored", "Your result does not change with the baseline: you computed the plain "
            "reward-to-go estimate, without b_t(s_t).",
            _with_weights(lambda s, a, r, b, t: reward_to_go(r))),
    Mistake("added", "You ADDED the baseline; eq. baseline subtracts it.",
            _with_weights(lambda s, a, r, b, t: reward_to_go(r) + b[t, s])),
    Mistake("total_return", "You used the whole return R(tau) in place of the reward-to-go G_t. "
            "Both give unbiased estimates, but this check asks for eq. baseline, which starts "
            "from G_t.", _with_weights(lambda s, a, r, b, t: r.sum(axis=1, keepdims=True)
                                       - b[t, s])),
    Mistake("indexed_s_t", "You indexed the baseline as baseline[s, t]; the table is "
            "baseline[t-1, s] = b_t(s), with a row for each step and a column for each state.",
            _with_weights(lambda s, a, r, b, t: reward_to_go(r) - b[s, t])),
    Mistake("pooled_steps", "Your estimate is H = $horizon times too small: you averaged over "
            "all N*H time steps instead of the N = $n episodes.",
            lambda *args: _reference(*args) / args[1].shape[1]),
    Mistake("sign", "Your estimate has the right size but the opposite sign: it points "
            "downhill. Compare the sign of each term with eq. baseline.",
            lambda *args: -_reference(*args)),
)

SPEC = Spec(name=CHECK, what="estimate", labels=("baseline", "reward-to-go"),
            reference=_reference, mistakes=MISTAKES, default_cases=_default_cases,
            coverage=" (batches of sampled episodes, a baseline that depends on the state)",
            clue=_bias_verdict)


def check_baseline_estimator(
    fn: Callable[[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray], Any], *,
    cases: Iterable[Case] | None = None, defaults: bool = True,
    time_limit: float | None = DEFAULT_TIME_LIMIT, verbose: bool = True,
) -> CheckResult:
    """Check your reward-to-go gradient estimate with a state-dependent baseline b_t(s_t).

    Tests eq. baseline (book/baselines) with G_t from eq. reward-to-go
    (book/reward_to_go) and the baseline a function of the step and the state:
    g_N = (1/N) sum_n sum_t grad log pi(a_t^n | s_t^n) (G_t^n - b_t(s_t^n)).

    Parameters
    ----------
    fn : callable
        ``fn(theta, states, actions, rewards, baseline)`` with ``theta: (S, A)``; ``states``,
        ``actions``, ``rewards`` of shape ``(N, H)``; ``baseline: (H, S)``, where
        ``baseline[t-1, s]`` is b_t(s). Returns ``(S, A)``.
    cases : list of Case, optional
        More cases, from :func:`baseline_estimator_case`, run after the built-in ones.
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
        :func:`pgtheory.score` and :func:`pgtheory.reward_to_go`. On an unrecognised failure
        of a case that knows its MDP, the message also reports the exact mean of YOUR
        estimator over every trajectory against the exact gradient: is it biased?

    Notes
    -----
    The mistakes it names are the rows of :data:`MISTAKES` (the doubled gradient; one estimate
    per episode; a baseline indexed by the action, with its exact bias; the baseline ignored,
    added, or indexed [s, t]; the whole return in place of G_t; the N*H average; the sign
    flipped) and of :data:`pgtheory.checks.mistakes.GENERIC_MISTAKES`.
    """
    return run(SPEC, fn, cases, defaults=defaults, time_limit=time_limit, verbose=verbose)
