"""``check_trajectory_log_prob_grad``: the score of a whole episode, eq. grad-log-traj
(book/factorization), each step's term given by eq. softmax-score:

    grad_theta log p_theta(tau) = sum_{t=1}^{H} grad_theta log pi_theta(a_t | s_t).

A function written for ONE episode (``states``, ``actions`` of shape ``(H,)``, returning
``(S, A)``) is accepted too: when the batch call fails or returns a single ``(S, A)`` array, the
check calls it episode by episode.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

from ..policy import score, softmax_policy
from .cases import Case, make_case
from .harness import CheckResult, Spec, run
from .mistakes import Mistake
from .shared import (
    describe_episodes,
    doubled_rows,
    episode_arrays,
    input_kinds,
    sampled_episodes,
    softmax_hessian,
)
from .time_limit import DEFAULT_TIME_LIMIT

__all__ = ["MISTAKES", "SPEC", "check_trajectory_log_prob_grad", "trajectory_log_prob_grad_case"]

CHECK = "check_trajectory_log_prob_grad"


def trajectory_log_prob_grad_case(theta: Any, states: Any, actions: Any, *,
                                  description: str | None = None,
                                  protected: Iterable[str] | None = None) -> Case:
    """A case for :func:`check_trajectory_log_prob_grad`: ``fn(theta, states, actions)`` is
    compared with eq. grad-log-traj (book/factorization).

    Parameters
    ----------
    theta : array_like(float), shape (S, A)
    states, actions : array_like(int), shape (n, H)
        ``states[i, t-1]`` is s_t of episode i. All three are passed to the student's function
        as given (lists stay lists).
    description : str, optional
        How messages show the case; default the shape, theta, and small batches in full.
    protected : collection of str, optional
        Arguments the function must not change; default all three.

    Returns
    -------
    Case
    """
    arrays = episode_arrays(theta, states, actions)
    names = ("theta", "states", "actions")
    n, horizon = arrays[1].shape
    text = describe_episodes(description, input_kinds(names, (theta, states, actions)),
                             *arrays)
    facts = {"n": n, "horizon": horizon, "n_states": arrays[0].shape[0],
             "n_actions": arrays[0].shape[1]}
    return make_case(CHECK, names, (theta, states, actions), arrays, text, protected=protected,
                     facts=facts)


def _default_cases() -> list[Case]:
    theta = np.array([[0.3, -0.2], [1.0, 0.0], [-0.5, 0.4]])
    states = np.array([[0, 0, 1, 2], [1, 1, 1, 1], [2, 0, 2, 0]])
    actions = np.array([[1, 1, 0, 1], [0, 0, 1, 0], [1, 0, 1, 0]])
    cases = [trajectory_log_prob_grad_case(
        theta, states, actions, description="3 hand-written episodes (S=3, A=2, H=4) that "
        "visit some state-action pairs more than once")]
    for what, _mdp, theta, episodes in sampled_episodes():
        cases.append(trajectory_log_prob_grad_case(theta, episodes.states, episodes.actions,
                                                   description=what))
    return cases


# --- a function written for one episode ------------------------------------------------------


def _episode_by_episode(fn: Callable[..., Any], theta: Any, states: np.ndarray,
                        actions: np.ndarray) -> np.ndarray | None:
    """``fn`` called on one episode at a time, stacked; None unless each call gives (S, A)."""
    results = []
    for i in range(len(states)):
        try:
            result = np.asarray(fn(theta, states[i], actions[i]), dtype=float)
        except Exception:  # then the batch call's result (or error) is judged instead
            return None
        if result.shape != np.shape(theta):
            return None
        results.append(result)
    return np.stack(results)


def _shape(x: Any) -> tuple[int, ...] | None:
    try:
        return np.shape(x)
    except ValueError:  # ragged nesting
        return None


def _call_batch_or_episodes(fn: Callable[..., Any], args: tuple) -> tuple[Any, str | None]:
    """``fn`` on the batch; episode by episode when that fails or gives one (S, A) array."""
    theta, states, actions = args
    try:
        batch, error = fn(theta, states, actions), None
    except Exception as raised:  # perhaps written for one episode: try that below
        batch, error = None, raised
    single = error is None and _shape(batch) == np.shape(theta) and len(states) > 1
    if error is None and not single:
        return batch, None
    one_by_one = (_episode_by_episode(fn, theta, np.asarray(states), np.asarray(actions))
                  if np.ndim(states) == 2 else None)
    if one_by_one is None:
        if error is not None:
            raise error
        return batch, None
    if error is not None:
        return one_by_one, ("your function works one episode at a time (states of shape "
                            "(H,)); that is fine.")
    try:
        summed = " (their sum)" if np.allclose(np.asarray(batch, dtype=float),
                                               one_by_one.sum(axis=0)) else ""
    except (TypeError, ValueError):  # not numbers: the note just says less
        summed = ""
    return one_by_one, (f"given a batch of n episodes, your function returns ONE (S, A) array"
                        f"{summed}, not one per episode; it is right for one episode at a "
                        "time. For a batch, return one (S, A) array per episode.")


# --- how students with each mistake answer --------------------------------------------------


def _counts(theta: np.ndarray, states: np.ndarray, actions: np.ndarray) -> np.ndarray:
    grad = np.zeros((len(states),) + theta.shape)
    np.add.at(grad, (np.arange(len(states))[:, None], states, actions), 1.0)
    return grad


def _counted_once(pairs_once: bool, states_once: bool) -> Callable[..., np.ndarray]:
    """``g[i, states, actions] += 1`` with fancy indexing adds a repeated index only once."""
    def answer(theta: np.ndarray, states: np.ndarray, actions: np.ndarray) -> np.ndarray:
        rows, pi = np.arange(len(states))[:, None], softmax_policy(theta)
        grad = np.zeros((len(states),) + theta.shape)
        if pairs_once:
            grad[rows, states, actions] += 1.0
        else:
            np.add.at(grad, (rows, states, actions), 1.0)
        if states_once:
            grad[rows, states] -= pi[states]
        else:
            np.add.at(grad, (rows, states), -pi[states])
        return grad
    return answer


def _needs_a_batch(combine: str) -> Callable[..., np.ndarray]:
    """One (S, A) array for the whole batch (fails on a single episode, as such code does)."""
    def answer(theta: np.ndarray, states: np.ndarray, actions: np.ndarray) -> np.ndarray:
        if states.ndim != 2:
            raise ValueError("states must be a batch (n, H)")
        return getattr(score(theta, states, actions), combine)(axis=0)
    return answer


def _doubled(theta: np.ndarray, states: np.ndarray, actions: np.ndarray) -> np.ndarray:
    return np.stack([sum(softmax_hessian(theta, s) for s in episode) for episode in states])


_COUNTED_ONCE = (
    "Repeated (state, action) pairs within an episode are counted only once. With fancy "
    "indexing, g[i, states, actions] += 1 adds 1 once per distinct index however often it "
    "repeats; every visit must count (numpy's np.add.at adds every occurrence). The same goes "
    "for the normaliser's term of each step.")

#: The typical mistakes, tried in this order.
MISTAKES: tuple[Mistake, ...] = (
    *doubled_rows(_doubled),
    Mistake("summed_batch", "You returned one (S, A) array for the whole batch: the SUM of the "
            "episodes' scores. Each episode has its own score: one (S, A) array per episode, "
            "shape $expected_shape.", _needs_a_batch("sum")),
    Mistake("mean_batch", "You returned one (S, A) array for the whole batch: the MEAN of the "
            "episodes' scores. Each episode has its own score: one (S, A) array per episode, "
            "shape $expected_shape.", _needs_a_batch("mean")),
    Mistake("counts_only", "Your scores count the pairs (s_t, a_t) and stop there: the "
            "normaliser's term of every step is missing (eq. softmax-score: log pi(a|s) "
            "contains log sum_b exp(theta[s, b]) too).", _counts),
    Mistake("sign", "Your scores have the right size but the opposite sign: raising "
            "theta[s_t, a_t] makes the action taken MORE likely.",
            lambda theta, states, actions: -score(theta, states, actions)),
    Mistake("mean_over_time", "Your scores are H = $horizon times too small: you AVERAGED over "
            "the steps. The log of a product is a sum, so eq. grad-log-traj SUMS the H step "
            "scores.", lambda theta, states, actions: score(theta, states, actions)
            / states.shape[1]),
    Mistake("counted_once", _COUNTED_ONCE, _counted_once(True, True)),
    Mistake("pairs_counted_once", _COUNTED_ONCE, _counted_once(True, False)),
    Mistake("states_counted_once", _COUNTED_ONCE, _counted_once(False, True)),
    Mistake("last_step", "Only the LAST step's score is there: each step overwrote the previous "
            "one. Eq. grad-log-traj accumulates the scores of all H steps.",
            lambda theta, states, actions: score(theta, states[:, -1:], actions[:, -1:])),
    Mistake("first_step", "Only the FIRST step's score is there; eq. grad-log-traj sums the "
            "scores of all H steps.",
            lambda theta, states, actions: score(theta, states[:, :1], actions[:, :1])),
)


def _worst_episode(got: np.ndarray, case: Case, call: Callable[..., Any]) -> str:
    """Which episode is furthest off, and whether its rows sum to zero as a score's must."""
    theta, states, actions = case.arrays
    error = np.abs(got - score(theta, states, actions)).reshape(len(states), -1).max(axis=1)
    bad = int(np.argmax(error))
    clue = f"\n  Episode {bad} (states {states[bad].tolist()}, actions " \
           f"{actions[bad].tolist()}) is the furthest off."
    if not np.allclose(got[bad].sum(axis=-1), 0.0, atol=1e-6):
        clue += ("\n  A clue: every row of a softmax score sums to 0 over the actions, because "
                 "sum_b pi(b|s) = 1; some rows of yours do not.")
    return clue


SPEC = Spec(name=CHECK, what="trajectory score",
            labels=("grad-log-traj", "softmax-score"), reference=score, mistakes=MISTAKES,
            default_cases=_default_cases, coverage=" (batches of episodes, one score per episode)",
            call=_call_batch_or_episodes, clue=_worst_episode)


def check_trajectory_log_prob_grad(fn: Callable[[np.ndarray, np.ndarray, np.ndarray], Any], *,
                                   cases: Iterable[Case] | None = None, defaults: bool = True,
                                   time_limit: float | None = DEFAULT_TIME_LIMIT,
                                   verbose: bool = True) -> CheckResult:
    """Check your trajectory score grad_theta log p_theta(tau) = sum_t grad log pi(a_t | s_t).

    Tests eq. grad-log-traj (book/factorization), each term given by eq. softmax-score
    (book/factorization).

    Parameters
    ----------
    fn : callable
        ``fn(theta, states, actions)`` with ``theta: (S, A)`` and int arrays ``states``,
        ``actions`` of shape ``(n, H)``; returns ``(n, S, A)``, one score per episode. A
        function written for ONE episode (``(H,)`` arrays in, ``(S, A)`` out) is accepted too:
        when the batch call fails or returns one ``(S, A)`` array, the check calls it episode
        by episode.
    cases : list of Case, optional
        More cases, from :func:`trajectory_log_prob_grad_case`, run after the built-in ones.
    defaults : bool
        Run the three built-in batches (default); False runs only ``cases``.
    time_limit : float or None
        Seconds each call of ``fn`` (a whole batch, or all its episodes) may take (default
        10); None for no limit.
    verbose : bool
        Print the result (default).

    Returns
    -------
    CheckResult
        Truthy exactly when every episode matched :func:`pgtheory.score`.

    Notes
    -----
    The mistakes it names are the rows of :data:`MISTAKES` (the doubled gradient; one array
    for the batch, summed or averaged; the normaliser missing; the sign flipped; the average
    over steps; repeated state-action pairs counted once by fancy indexing; only the last or
    the first step) and of :data:`pgtheory.checks.mistakes.GENERIC_MISTAKES`.
    """
    return run(SPEC, fn, cases, defaults=defaults, time_limit=time_limit, verbose=verbose)
