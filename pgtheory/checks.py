"""Self-checks for the exercises: run YOUR implementation against pgtheory's exact answers.

Each ``check_*`` function takes a function you wrote, calls it on a few small fixed cases
(hand-written arrays and episodes of tiny MDPs drawn with fixed seeds), compares what it returns
with the answer computed by :mod:`pgtheory`, and prints either a pass or a failure that says what
went wrong and which equation of the book to reread. The typical mistakes (a forgotten softmax
normaliser, a doubled gradient, a forward cumulative sum, an average over time steps instead of
episodes, a baseline that depends on the action, gradient descent instead of ascent) are each
recognised and named. An exception raised by your code is caught and reported with the case that
triggered it.

Every check returns a :class:`CheckResult`, which is truthy exactly when the check passed::

    from pgtheory import checks

    def my_reward_to_go(rewards):
        ...

    checks.check_reward_to_go(my_reward_to_go)

The checks, what your function takes and returns, and the equation each one tests:

- ``check_log_softmax_grad``: ``fn(theta, s, a) -> (S, A)``; eq. `softmax-score`
  (book/factorization).
- ``check_trajectory_log_prob_grad``: ``fn(theta, states, actions) -> (n, S, A)`` (or ``(S, A)``
  for one episode); eq. `grad-log-traj` (book/factorization).
- ``check_reinforce_estimator``: ``fn(theta, states, actions, rewards) -> (S, A)``; eq.
  `mc-estimate` (book/monte_carlo).
- ``check_reward_to_go``: ``fn(rewards) -> (n, H)``; eq. `reward-to-go`
  (book/variance_reduction).
- ``check_baseline_estimator``: ``fn(theta, states, actions, rewards, baseline) -> (S, A)``;
  eq. `baseline` (book/variance_reduction).
- ``check_reinforce_update``: ``fn(theta, grad, learning_rate) -> new theta``; eq.
  `reinforce-update` (book/reinforce).

Shapes follow the rest of the package: ``theta: (S, A)`` logits; ``states``, ``actions``,
``rewards: (n, H)`` with ``states[i, t-1]`` the state s_t of episode i (the book counts steps
t = 1..H, arrays count 0..H-1). Everything is undiscounted, as in the book.
"""

from __future__ import annotations

import os
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .enumeration import enumerate_trajectories
from .exact import exact_gradient, expected_return
from .mdp import TabularMDP, chain_mdp, random_mdp
from .policy import log_policy_grad, log_softmax_policy, score, softmax_policy
from .sampling import sample_trajectories

__all__ = [
    "CheckResult",
    "check_log_softmax_grad",
    "check_trajectory_log_prob_grad",
    "check_reinforce_estimator",
    "check_reward_to_go",
    "check_baseline_estimator",
    "check_reinforce_update",
]

#: Where each equation lives: label -> (chapter title, source path).
EQUATIONS = {
    "softmax-score": ("Factorizing the trajectory probability", "book/factorization"),
    "grad-log-traj": ("Factorizing the trajectory probability", "book/factorization"),
    "pg-theorem": ("The policy gradient theorem", "book/theorem"),
    "mc-estimate": ("The Monte Carlo estimate", "book/monte_carlo"),
    "reward-to-go": ("Variance reduction: reward-to-go and baselines",
                     "book/variance_reduction"),
    "baseline": ("Variance reduction: reward-to-go and baselines", "book/variance_reduction"),
    "reinforce-update": ("REINFORCE", "book/reinforce"),
}

# Agreement with the exact answer: as tight as float64 rounding of a short sum allows, loose
# enough for float32 intermediate results in a student's code.
_RTOL, _ATOL = 1e-5, 1e-7


def _see(*labels: str) -> str:
    """'Hint: see eq. (x) in the chapter "T" (book/x).', grouping equations of one chapter."""
    chapters: dict[tuple[str, str], list[str]] = {}
    for label in labels:
        chapters.setdefault(EQUATIONS[label], []).append(f"({label})")
    parts = [
        f'{"eq." if len(eqs) == 1 else "eqs."} {" and ".join(eqs)} in the chapter "{title}" '
        f"({path})"
        for (title, path), eqs in chapters.items()
    ]
    return "Hint: see " + "; and ".join(parts) + "."


# --- results and the machinery shared by every check -----------------------------------------


@dataclass(frozen=True)
class CheckResult:
    """The outcome of one check.

    Attributes
    ----------
    check : str
        Name of the check, e.g. ``"check_reward_to_go"``.
    passed : bool
        True when every case matched the exact answer. ``bool(result)`` is ``passed``.
    message : str
        What was printed: the pass summary, or what went wrong and where to read.
    """

    check: str
    passed: bool
    message: str

    def __bool__(self) -> bool:
        return self.passed

    def __repr__(self) -> str:  # short, so a notebook cell does not print the message twice
        return f"<CheckResult {self.check}: {'passed' if self.passed else 'failed'}>"


class _Failure(Exception):
    """Raised inside a check to stop at the first failing case with a message for the student."""


@dataclass
class _Case:
    """One set of arguments for the student's function and a description of it."""

    description: str
    args: tuple
    extra: dict = field(default_factory=dict)


def _require_callable(fn: Any, check: str) -> None:
    if not callable(fn):
        raise TypeError(
            f"fn must be callable: pass your function itself, e.g. {check}(my_function), "
            f"not the result of calling it; got {type(fn).__name__}"
        )


def _fmt(x: Any, indent: int = 4) -> str:
    """An array printed compactly, continuation lines indented."""
    text = np.array2string(np.asarray(x, dtype=float), precision=4, suppress_small=True,
                           separator=", ", max_line_width=88)
    return text.replace("\n", "\n" + " " * indent)


def _where(error: BaseException) -> str:
    """' (at line 3: g[s] = ...)' for the innermost frame outside numpy and this module."""
    frames = [
        frame for frame in traceback.extract_tb(error.__traceback__)
        if os.path.abspath(frame.filename) != os.path.abspath(__file__)
        and f"{os.sep}numpy{os.sep}" not in frame.filename
    ]
    if not frames:
        return ""
    frame = frames[-1]
    line = (frame.line or "").strip()
    return f" (at line {frame.lineno}: {line})" if line else f" (at line {frame.lineno})"


def _copy(value: Any) -> Any:
    """A private copy of an argument, so the student's code cannot change our reference data."""
    return value.copy() if isinstance(value, np.ndarray) else value


def _call(fn: Callable, args: Sequence, case: _Case) -> Any:
    """Call the student's function; turn any exception into a friendly _Failure."""
    try:
        return fn(*args)
    except NotImplementedError:
        raise _Failure(
            "Your function raises NotImplementedError: it is still the stub. Replace "
            "`raise NotImplementedError` with your code and run the check again."
        ) from None
    except Exception as error:  # the student's code may raise anything; report it kindly
        raise _Failure(
            f"Your function raised {type(error).__name__}: {error}{_where(error)}\n"
            f"  on the case: {case.description}.\n"
            "  Read the error from the bottom up, and try your function on this case by hand."
        ) from None


def _as_array(result: Any, expected_shape: tuple[int, ...], what: str) -> np.ndarray:
    """The student's result as a float array, or a _Failure saying why it is not one."""
    if result is None:
        raise _Failure(
            "Your function returned None. Did you forget the `return` statement at the end?"
        )
    try:
        array = np.asarray(result, dtype=float)
    except (TypeError, ValueError) as error:
        raise _Failure(
            f"Could not read what your function returned ({type(result).__name__}) as an "
            f"array of numbers: {error}. It should return {what}, shape {expected_shape}."
        ) from None
    return array


def _close(got: np.ndarray, target: np.ndarray) -> bool:
    return got.shape == target.shape and bool(
        np.allclose(got, target, rtol=_RTOL, atol=_ATOL))


def _diagnose(got: np.ndarray, expected: np.ndarray,
              candidates: Sequence[tuple[np.ndarray, str]]) -> str | None:
    """The message of the first typical wrong answer that ``got`` equals (and the right one does
    not), or None."""
    for candidate, message in candidates:
        candidate = np.asarray(candidate, dtype=float)
        if _close(got, candidate) and not _close(expected, candidate):
            return message
    return None


def _doubled_shape(shape: tuple[int, ...], n_states: int, n_actions: int) -> bool:
    """Shape of a second derivative (one entry per pair of logits), with or without episodes."""
    k = n_states * n_actions
    pair = (n_states, n_actions, n_states, n_actions)
    with_episodes = len(shape) == 3 and shape[1:] == (k, k)
    return shape in (pair, (k, k)) or shape[-4:] == pair or with_episodes


def _doubled_message(shape: tuple[int, ...], expected: tuple[int, ...]) -> str:
    return (
        f"Your function returned an array of shape {shape}, one entry per PAIR of logits: that "
        "is a matrix of second derivatives, the 'doubled gradient' nabla_theta nabla_theta "
        "log pi. The score is a first derivative, one entry per logit, so it has the shape of "
        f"theta: {expected}. Differentiate log pi once; the warning 'A doubled gradient' in "
        'the chapter "The policy gradient theorem" (book/theorem) shows why.'
    )


def _not_finite_message(got: np.ndarray) -> str:
    return (
        f"Your result contains {'nan' if np.isnan(got).any() else 'inf'}. If you compute "
        "exp(theta) directly, large logits overflow: subtract the row maximum first, "
        "theta - theta.max(axis=1, keepdims=True), which leaves the softmax unchanged."
    )


def _shape_message(got: np.ndarray, expected_shape: tuple[int, ...], what: str) -> str:
    return f"Your function returned shape {got.shape}; {what} has shape {expected_shape}."


def _row_sum_hint(got: np.ndarray) -> str:
    """A clue for an unrecognised score: softmax scores have rows summing to zero."""
    if np.allclose(got.sum(axis=-1), 0.0, atol=1e-6):
        return ""
    return ("\n  A clue: every row of a softmax score sums to 0 over the actions, because "
            "sum_b pi(b|s) = 1; some rows of yours do not.")


def _run(check: str, body: Callable[[], str], verbose: bool) -> CheckResult:
    """Run a check's cases; print and return the result."""
    try:
        summary = body()
    except _Failure as failure:
        result = CheckResult(check, False, f"✗ {check} failed.\n  {failure}")
    else:
        result = CheckResult(check, True, f"✓ {check} passed: {summary}")
    if verbose:
        print(result.message)
    return result


def _random_theta(n_states: int, n_actions: int, seed: int) -> np.ndarray:
    """Logits rounded to two decimals, so a case prints readably; no symmetry to hide behind."""
    return np.round(np.random.default_rng(seed).normal(size=(n_states, n_actions)), 2)


def _episode_cases(seed_offset: int = 0) -> list[tuple[str, TabularMDP, np.ndarray, Any]]:
    """Episodes of two tiny MDPs at random logits: (description, mdp, theta, trajectories)."""
    cases = []
    chain = chain_mdp()
    theta = _random_theta(4, 2, 7 + seed_offset)
    cases.append(("6 episodes of pg.chain_mdp() (S=4, A=2, H=4), sampled with rng=11",
                  chain, theta, sample_trajectories(chain, theta, n_episodes=6, rng=11)))
    small = random_mdp(3, 2, 4, rng=5)
    theta = _random_theta(3, 2, 8 + seed_offset)
    cases.append(("5 episodes of pg.random_mdp(3, 2, 4, rng=5) (rewards of both signs), "
                  "sampled with rng=12", small, theta,
                  sample_trajectories(small, theta, n_episodes=5, rng=12)))
    return cases


def _reward_to_go(rewards: np.ndarray) -> np.ndarray:
    """G_t = sum_{t' >= t} r_t' (undiscounted), the reference answer."""
    return np.cumsum(rewards[:, ::-1], axis=1)[:, ::-1]


# --- eq. softmax-score ------------------------------------------------------------------------


def check_log_softmax_grad(fn: Callable[[np.ndarray, int, int], Any], *,
                           verbose: bool = True) -> CheckResult:
    """Check your score of the tabular softmax policy, grad_theta log pi_theta(a | s).

    Tests eq. `softmax-score` in chapter 3 (book/factorization):
    grad_theta log pi_theta(a | s) = e_s ⊗ (e_a - pi_theta(. | s)), an (S, A) array that is zero
    outside row s.

    Parameters
    ----------
    fn : callable
        ``fn(theta, s, a)`` with ``theta: (S, A)`` logits and ints ``s``, ``a``; returns an
        ``(S, A)`` array.
    verbose : bool
        Print the result (default). The message is also in the returned result.

    Returns
    -------
    CheckResult
        Truthy exactly when every case matched :func:`pgtheory.log_policy_grad`.

    Notes
    -----
    Recognises: e_a without the normaliser's -pi; the sign flipped; the doubled gradient (a
    second derivative of shape (S, A, S, A)); only row s returned; rows of other states filled
    in; grad pi instead of grad log pi; normalising over states or over all logits; overflow
    for large logits.
    """
    check = "check_log_softmax_grad"
    _require_callable(fn, check)
    theta_random = _random_theta(3, 4, 1)
    cases = [
        (theta_random, 1, 2, "a random theta (S=3, A=4)"),
        (theta_random, 0, 0, "a random theta (S=3, A=4)"),
        (theta_random, 2, 3, "a random theta (S=3, A=4)"),
        (np.array([[0.5, 0.0, -0.5]]), 0, 2, "the bandit of chapter 4 (one state, three arms)"),
        (np.zeros((4, 2)), 3, 1, "theta = 0 on the chain's shape (S=4, A=2)"),
        (np.array([[800.0, 801.0, 799.0], [0.0, 1000.0, -1000.0]]), 0, 1,
         "large logits (up to 1000), where exp(theta) overflows"),
    ]

    def body() -> str:
        for theta, s, a, what in cases:
            n_states, n_actions = theta.shape
            case = _Case(f"{what}, state s={s}, action a={a}, theta =\n    {_fmt(theta)}",
                         (theta, s, a))
            expected = log_policy_grad(theta, s, a)
            got = _as_array(_call(fn, (theta.copy(), s, a), case), expected.shape,
                            "the score grad log pi(a|s)")
            if _close(got, expected):
                continue
            pi = softmax_policy(theta)
            onehot = np.zeros_like(theta)
            onehot[s, a] = 1.0
            if got.shape != expected.shape:
                if _doubled_shape(got.shape, n_states, n_actions):
                    message = _doubled_message(got.shape, expected.shape)
                elif got.shape == (n_actions,) and n_states > 1:
                    right_row = np.allclose(got, expected[s], rtol=_RTOL, atol=_ATOL)
                    message = (
                        f"Your function returned shape {got.shape}, only the row of state s"
                        f"{' (and that row is right)' if right_row else ''}. The gradient is "
                        f"taken with respect to ALL of theta, shape {expected.shape}: put "
                        "e_a - pi(.|s) in row s and zeros in the other rows."
                    )
                elif got.ndim == 0 and np.isclose(got, log_softmax_policy(theta)[s, a]):
                    message = ("Your function returned the number log pi(a|s) itself; the "
                               "check wants its gradient with respect to theta, shape "
                               f"{expected.shape}.")
                elif got.shape == expected.shape[::-1]:
                    message = (f"Your function returned shape {got.shape}, theta's shape "
                               f"transposed; return an array shaped like theta, "
                               f"{expected.shape}.")
                else:
                    message = _shape_message(got, expected.shape, "grad_theta log pi(a|s)")
                raise _Failure(f"{message}\n  Case: {case.description}\n  "
                               + _see("softmax-score"))
            if not np.isfinite(got).all():
                raise _Failure(f"{_not_finite_message(got)}\n  Case: {case.description}\n  "
                               + _see("softmax-score"))
            by_column = np.exp(theta - theta.max(axis=0))
            by_column /= by_column.sum(axis=0)
            everything = np.exp(theta - theta.max())
            everything /= everything.sum()
            other_rows = onehot - pi
            message = _diagnose(got, expected, [
                (onehot, "Your function returned e_s ⊗ e_a: a 1 at (s, a) and nothing else. "
                         "The normaliser of the softmax is missing: log pi(a|s) = "
                         "theta[s, a] - log sum_b exp(theta[s, b]), and the derivative of the "
                         "second term is -pi(.|s). The score is e_a - pi(.|s) in row s."),
                (-expected, "Your result has the right size but the opposite sign: it is "
                            "pi(.|s) - e_a. The score is e_a - pi(.|s): raising theta[s, a] "
                            "makes action a MORE likely."),
                (other_rows, "Row s is right, but the other rows are not zero: you returned "
                             "e_s ⊗ e_a - pi for every state. Logits of other states do not "
                             "appear in pi(a|s), so their derivatives are 0 (e.g. start from "
                             "np.zeros_like(theta) and fill only row s)."),
                (pi[s, a] * expected, "Your function returned grad pi(a|s) = pi(a|s) "
                                      "grad log pi(a|s), the gradient of the probability. The "
                                      "score is the gradient of its LOGARITHM: divide by "
                                      "pi(a|s)."),
                (onehot - np.outer(np.arange(n_states) == s, by_column[s]),
                 "Your softmax is normalised over states (axis 0) instead of actions: "
                 "pi(.|s) is row s of softmax(theta) with each ROW summing to 1 (axis=1)."),
                (onehot - everything, "Your softmax is normalised over all S*A logits at "
                                      "once; each state has its own distribution over "
                                      "actions, normalised along axis=1."),
            ])
            if message is None:
                message = (f"Row s of your result differs from e_a - pi(.|s) by up to "
                           f"{np.abs(got - expected).max():.3g}.\n  Expected:\n    "
                           f"{_fmt(expected)}\n  Yours:\n    {_fmt(got)}{_row_sum_hint(got)}")
            raise _Failure(f"{message}\n  Case: {case.description}\n  "
                           + _see("softmax-score"))
        return (f"your score matches eq. (softmax-score) on {len(cases)} cases, including "
                "large logits.")

    return _run(check, body, verbose)


# --- eq. grad-log-traj ------------------------------------------------------------------------


def _hand_written_episodes() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Three episodes (S=3, A=2, H=4) that revisit state-action pairs, and fixed logits."""
    theta = np.array([[0.3, -0.2], [1.0, 0.0], [-0.5, 0.4]])
    states = np.array([[0, 0, 1, 2], [1, 1, 1, 1], [2, 0, 2, 0]])
    actions = np.array([[1, 1, 0, 1], [0, 0, 1, 0], [1, 0, 1, 0]])
    return theta, states, actions


def _counted_once(pi: np.ndarray, states: np.ndarray, actions: np.ndarray) -> list[np.ndarray]:
    """What `g[i, s, a] += 1` with fancy indexing gives: a repeated index is added only once."""
    n, (n_states, n_actions) = states.shape[0], pi.shape
    rows = np.arange(n)[:, None]
    variants = []
    for pairs_once, states_once in ((True, True), (True, False), (False, True)):
        g = np.zeros((n, n_states, n_actions))
        if pairs_once:
            g[rows, states, actions] += 1.0
        else:
            np.add.at(g, (rows, states, actions), 1.0)
        if states_once:
            g[rows, states] -= pi[states]
        else:
            np.add.at(g, (rows, states), -pi[states])
        variants.append(g)
    return variants


def check_trajectory_log_prob_grad(fn: Callable[[np.ndarray, np.ndarray, np.ndarray], Any], *,
                                   verbose: bool = True) -> CheckResult:
    """Check your trajectory score grad_theta log p_theta(tau) = sum_t grad log pi(a_t | s_t).

    Tests eq. `grad-log-traj` in chapter 3 (book/factorization), with each term given by eq.
    `softmax-score`.

    Parameters
    ----------
    fn : callable
        ``fn(theta, states, actions)`` with ``theta: (S, A)`` and int arrays ``states``,
        ``actions`` of shape ``(n, H)``; returns ``(n, S, A)``, one score per episode. A
        function written for ONE episode (``states``, ``actions`` of shape ``(H,)``, returning
        ``(S, A)``) is accepted too: when the batch call fails or returns a single ``(S, A)``
        array, the check calls it episode by episode.
    verbose : bool
        Print the result (default).

    Returns
    -------
    CheckResult
        Truthy exactly when every episode matched :func:`pgtheory.score`.

    Notes
    -----
    Recognises: the normaliser -pi(.|s_t) left out; the sign flipped; the doubled gradient;
    the average over steps instead of the sum; only one step's score; repeated state-action
    pairs counted once (``g[idx] += 1`` with fancy indexing, where ``np.add.at`` is needed);
    one array for the whole batch (summed or averaged over episodes).
    """
    check = "check_trajectory_log_prob_grad"
    _require_callable(fn, check)
    theta, states, actions = _hand_written_episodes()
    cases = [_Case("3 hand-written episodes (S=3, A=2, H=4) that visit some state-action pairs "
                   f"more than once,\n    theta =\n    {_fmt(theta)}\n    states  = "
                   f"{states.tolist()}\n    actions = {actions.tolist()}",
                   (theta, states, actions))]
    for what, _mdp, theta, episodes in _episode_cases():
        cases.append(_Case(f"{what}, theta =\n    {_fmt(theta)}",
                           (theta, episodes.states, episodes.actions)))
    notes: list[str] = []

    def per_episode(case: _Case) -> np.ndarray | None:
        """Call fn one episode at a time; None if that does not give (S, A) arrays."""
        theta, states, actions = case.args
        results = []
        for i in range(states.shape[0]):
            try:
                result = np.asarray(fn(theta.copy(), states[i].copy(), actions[i].copy()),
                                    dtype=float)
            except Exception:  # the batch result (or error) is reported instead
                return None
            if result.shape != theta.shape:
                return None
            results.append(result)
        return np.stack(results)

    def body() -> str:
        for case in cases:
            theta, states, actions = case.args
            n, horizon = states.shape
            n_states, n_actions = theta.shape
            expected = score(theta, states, actions)
            try:
                got = _as_array(_call(fn, tuple(_copy(x) for x in case.args), case),
                                expected.shape, "one score per episode")
            except _Failure:
                # Perhaps written for one episode: judge it episode by episode.
                one_by_one = per_episode(case)
                if one_by_one is None:
                    raise
                got = one_by_one
                if "one episode at a time" not in " ".join(notes):
                    notes.append("your function works one episode at a time (states of shape "
                                 "(H,)); that is fine.")
            if _close(got, expected):
                continue
            if got.shape == theta.shape and n > 1:
                one_by_one = per_episode(case)
                if one_by_one is not None and _close(one_by_one, expected):
                    if not notes:
                        their_sum = " (their sum)" if _close(got, expected.sum(0)) else ""
                        notes.append(
                            f"given a batch of n episodes, your function returns ONE "
                            f"{theta.shape} array{their_sum}, not one per episode; it is right "
                            "for one episode at a time. For a batch, accumulate one (S, A) "
                            "array per episode.")
                    continue
            onehot = np.zeros_like(expected)
            np.add.at(onehot, (np.arange(n)[:, None], states, actions), 1.0)
            pi = softmax_policy(theta)
            per_step = np.zeros((horizon, n, n_states, n_actions))
            for t in range(horizon):
                per_step[t] = score(theta, states[:, t:t + 1], actions[:, t:t + 1])
            if got.shape != expected.shape:
                if _doubled_shape(got.shape, n_states, n_actions):
                    message = _doubled_message(got.shape, expected.shape)
                else:
                    message = _diagnose(got, expected, [
                        (expected.sum(axis=0), "You returned one (S, A) array for the whole "
                                               "batch: the SUM of the episodes' scores. Each "
                                               "episode has its own score; index your "
                                               "accumulator by the episode too, shape "
                                               "(n, S, A)."),
                        (expected.mean(axis=0), "You returned one (S, A) array for the whole "
                                                "batch: the MEAN of the episodes' scores. "
                                                "Return one score per episode, shape (n, S, A)."),
                    ]) or _shape_message(got, expected.shape,
                                         "one score per episode, (n, S, A),")
                raise _Failure(f"{message}\n  Case: {case.description}\n  "
                               + _see("grad-log-traj"))
            once = "Repeated (state, action) pairs within an episode are counted only once. " \
                   "With fancy indexing, g[i, states, actions] += 1 adds 1 once per distinct " \
                   "index however often it repeats; np.add.at(g, (i, states, actions), 1) " \
                   "adds every occurrence. The same goes for the -pi(.|s_t) term."
            candidates = [
                (onehot, "Your scores count the pairs (s_t, a_t) and stop there: the "
                         "normaliser's term -pi(.|s_t) of every step is missing. Each step "
                         "contributes e_{s_t} ⊗ (e_{a_t} - pi(.|s_t))."),
                (-expected, "Your scores have the right size but the opposite sign. Each step "
                            "contributes e_{a_t} - pi(.|s_t) to row s_t, not pi - e_a."),
                (expected / horizon, f"Your scores are {horizon} = H times too small: you "
                                     "AVERAGED over the steps. grad log p(tau) is the SUM of "
                                     "the H step scores (the log of a product is a sum)."),
            ]
            candidates += [(variant, once) for variant in _counted_once(pi, states, actions)]
            candidates += [
                (per_step[-1], "Only the LAST step's score is there: each step overwrote the "
                               "previous one. Accumulate (+=) over all H steps."),
                (per_step[0], "Only the FIRST step's score is there; eq. (grad-log-traj) sums "
                              "the scores of all H steps."),
            ]
            message = _diagnose(got, expected, candidates)
            if message is None:
                bad = int(np.argmax(np.abs(got - expected).reshape(n, -1).max(axis=1)))
                message = (f"Episode {bad} (states {states[bad].tolist()}, actions "
                           f"{actions[bad].tolist()}) differs by up to "
                           f"{np.abs(got[bad] - expected[bad]).max():.3g}.\n  Expected:\n    "
                           f"{_fmt(expected[bad])}\n  Yours:\n    {_fmt(got[bad])}"
                           f"{_row_sum_hint(got[bad])}")
            raise _Failure(f"{message}\n  Case: {case.description}\n  "
                           + _see("grad-log-traj", "softmax-score"))
        note = f"\n  Note: {' '.join(notes)}" if notes else ""
        return (f"your trajectory scores match eq. (grad-log-traj) on {len(cases)} batches of "
                f"episodes.{note}")

    return _run(check, body, verbose)


# --- eq. mc-estimate --------------------------------------------------------------------------


def _estimator_case_description(what: str, theta: np.ndarray) -> str:
    return f"{what}, theta =\n    {_fmt(theta)}"


def _estimator_shape_failure(got: np.ndarray, expected: np.ndarray,
                             per_episode: np.ndarray, case: _Case, label: str) -> _Failure:
    n_states, n_actions = expected.shape
    if _doubled_shape(got.shape, n_states, n_actions):
        message = _doubled_message(got.shape, expected.shape)
    elif got.shape == per_episode.shape:
        message = (f"Your function returned shape {got.shape}, one estimate per episode. The "
                   "Monte Carlo estimate is their average over the episodes: take "
                   ".mean(axis=0) to get one (S, A) array.")
    else:
        message = _shape_message(got, expected.shape, "the gradient estimate")
    return _Failure(f"{message}\n  Case: {case.description}\n  " + _see(label))


def check_reinforce_estimator(
    fn: Callable[[np.ndarray, np.ndarray, np.ndarray, np.ndarray], Any], *,
    verbose: bool = True,
) -> CheckResult:
    """Check your Monte Carlo policy-gradient estimate from a batch of episodes.

    Tests eq. `mc-estimate` in chapter 5 (book/monte_carlo):
    g_N = (1/N) sum_n R(tau_n) sum_t grad log pi(a_t^n | s_t^n), the estimator of eq.
    `pg-theorem` averaged over the N episodes, with R(tau) = sum_t r_t (undiscounted).

    Parameters
    ----------
    fn : callable
        ``fn(theta, states, actions, rewards)`` with ``theta: (S, A)``, int ``states``,
        ``actions`` and float ``rewards`` of shape ``(N, H)``; returns ``(S, A)``.
    verbose : bool
        Print the result (default).

    Returns
    -------
    CheckResult
        Truthy exactly when the estimate matched, on each batch, the average computed with
        :func:`pgtheory.score`.

    Notes
    -----
    Recognises: dividing by N*H (averaging over pooled time steps) instead of N; the sum over
    episodes without 1/N; per-episode estimates not averaged; the doubled gradient; each score
    weighted by its own step's reward only, or by the reward-to-go; the scores without the
    normaliser; the sign flipped; the product of the mean return and the mean score.
    """
    check = "check_reinforce_estimator"
    _require_callable(fn, check)

    def body() -> str:
        cases = _episode_cases()
        for what, _mdp, theta, episodes in cases:
            states, actions, rewards = episodes.states, episodes.actions, episodes.rewards
            n, horizon = states.shape
            case = _Case(_estimator_case_description(what, theta),
                         (theta, states, actions, rewards))
            scores = score(theta, states, actions)
            returns = rewards.sum(axis=1)
            per_episode = returns[:, None, None] * scores
            expected = per_episode.mean(axis=0)
            got = _as_array(_call(fn, tuple(_copy(np.asarray(x)) for x in case.args), case),
                            expected.shape, "the gradient estimate")
            if _close(got, expected):
                continue
            if got.shape != expected.shape:
                raise _estimator_shape_failure(got, expected, per_episode, case, "mc-estimate")
            counts = np.zeros_like(scores)
            np.add.at(counts, (np.arange(n)[:, None], states, actions), 1.0)
            message = _diagnose(got, expected, [
                (expected / horizon,
                 f"Your estimate is H = {horizon} times too small: you averaged over all "
                 f"N*H = {n * horizon} time steps instead of the N = {n} episodes. The step "
                 "terms of one episode are not separate samples; the episode is the unit, so "
                 "divide the sum by N (see 'The average runs over episodes, not over time "
                 "steps')."),
                (expected * n, f"Your estimate is N = {n} times too large: you summed over the "
                               "episodes. Eq. (mc-estimate) AVERAGES them: divide by N."),
                (score(theta, states, actions, rewards).mean(axis=0),
                 "You weighted each step's score by the reward of that step only, r_t. Eq. "
                 "(mc-estimate) weights every score of an episode by its whole return "
                 "R(tau) = r_1 + ... + r_H."),
                (score(theta, states, actions, _reward_to_go(rewards)).mean(axis=0),
                 "You weighted each score by the reward-to-go G_t. That is the reward-to-go "
                 "estimator of chapter 7 (same expectation, eq. (reward-to-go)), not eq. "
                 "(mc-estimate), which weights every score by the whole return R(tau)."),
                ((returns[:, None, None] * counts).mean(axis=0),
                 "Your scores count the pairs (s_t, a_t) but miss the normaliser's term "
                 "-pi(.|s_t): each step's score is e_{s_t} ⊗ (e_{a_t} - pi(.|s_t)) "
                 "(eq. (softmax-score))."),
                (-expected, "Your estimate has the right size but the opposite sign. It is "
                            "R(tau) times grad log p(tau), not minus it."),
                (returns.mean() * scores.mean(axis=0),
                 "You multiplied the mean return by the mean score. The estimate is the mean "
                 "of the PRODUCTS R(tau_n) * score(tau_n), episode by episode; the mean "
                 "score alone is close to 0."),
            ])
            if message is None:
                message = (f"Your estimate differs from eq. (mc-estimate) by up to "
                           f"{np.abs(got - expected).max():.3g}.\n  Expected:\n    "
                           f"{_fmt(expected)}\n  Yours:\n    {_fmt(got)}")
            raise _Failure(f"{message}\n  Case: {case.description}\n  "
                           + _see("mc-estimate", "pg-theorem"))
        return (f"your estimate matches eq. (mc-estimate) on {len(cases)} batches of sampled "
                "episodes.")

    return _run(check, body, verbose)


# --- eq. reward-to-go -------------------------------------------------------------------------


def check_reward_to_go(fn: Callable[[np.ndarray], Any], *, verbose: bool = True) -> CheckResult:
    """Check your reward-to-go G_t = sum_{t'=t}^{H} r_{t'} for every step of every episode.

    Tests eq. `reward-to-go` in chapter 7 (book/variance_reduction), undiscounted.

    Parameters
    ----------
    fn : callable
        ``fn(rewards)`` with ``rewards: (n, H)``, ``rewards[i, t-1]`` = r_t of episode i;
        returns ``(n, H)``.
    verbose : bool
        Print the result (default).

    Returns
    -------
    CheckResult
        Truthy exactly when every case matched :func:`pgtheory.reward_to_go`.

    Notes
    -----
    Recognises: the forward cumulative sum (rewards up to t); the rewards strictly before t;
    G_{t+1} (leaving out r_t); the whole return at every step; a reversed cumulative sum not
    reversed back; the sum over episodes (axis 0) instead of time; the returns only.
    """
    check = "check_reward_to_go"
    _require_callable(fn, check)
    rng = np.random.default_rng(3)
    cases = [
        np.array([[1.0, 2.0, 3.0, 4.0], [0.0, 0.0, 5.0, 0.0]]),
        np.round(rng.normal(size=(3, 5)), 2),
        np.array([[2.0], [-1.0]]),
        np.array([[0.0, 1.0, 0.0, 0.0, 10.0, -3.0]]),
    ]

    def body() -> str:
        for rewards in cases:
            case = _Case(f"rewards (n={rewards.shape[0]} episodes, H={rewards.shape[1]} "
                         f"steps) =\n    {_fmt(rewards)}", (rewards,))
            expected = _reward_to_go(rewards)
            got = _as_array(_call(fn, (rewards.copy(),), case), expected.shape,
                            "the reward-to-go")
            if _close(got, expected):
                continue
            returns = rewards.sum(axis=1)
            if got.shape != expected.shape:
                if got.shape == (rewards.shape[0],) and np.allclose(got, returns):
                    message = ("Your function returned one number per episode, the return "
                               "R(tau) = G_1. Reward-to-go has one entry per step: G_t for "
                               "t = 1..H, shape (n, H).")
                elif got.shape == expected.shape[::-1]:
                    message = (f"Your function returned shape {got.shape}, transposed; keep "
                               f"episodes in rows and steps in columns, {expected.shape}.")
                elif got.shape == (rewards.shape[0], rewards.shape[1] + 1):
                    message = ("Your function returned H+1 columns (perhaps with G_{H+1} = 0 "
                               "appended); return G_1..G_H only, shape (n, H).")
                else:
                    message = _shape_message(got, expected.shape, "the reward-to-go")
                raise _Failure(f"{message}\n  Case: {case.description}\n  "
                               + _see("reward-to-go"))
            forward = np.cumsum(rewards, axis=1)
            message = _diagnose(got, expected, [
                (forward, "You computed a FORWARD cumulative sum, the rewards from the start "
                          "up to step t. Reward-to-go sums the rewards from t to the END, "
                          "G_t = r_t + r_{t+1} + ... + r_H: cumulate the reversed rows and "
                          "reverse back, np.cumsum(rewards[:, ::-1], axis=1)[:, ::-1]."),
                (forward - rewards, "You summed the rewards BEFORE step t, exactly the terms "
                                    "that reward-to-go drops (their products with the score "
                                    "of step t average to zero). G_t = r_t + ... + r_H."),
                (expected - rewards, "You left out the reward of step t itself: you computed "
                                     "G_{t+1} = r_{t+1} + ... + r_H. The sum in eq. "
                                     "(reward-to-go) starts at t' = t."),
                (np.repeat(returns[:, None], rewards.shape[1], axis=1),
                 "Every entry is the whole return R(tau). Reward-to-go keeps only the rewards "
                 "from step t on; the rewards before t are dropped."),
                (np.cumsum(rewards[:, ::-1], axis=1),
                 "You cumulated the reversed rewards but did not reverse the result back: "
                 "your columns run backwards in time (the last column holds G_1). Add "
                 "[:, ::-1] after the cumsum."),
                (np.cumsum(rewards[::-1], axis=0)[::-1],
                 "You summed over the EPISODES (axis 0) instead of the time steps (axis 1). "
                 "Each episode has its own reward-to-go."),
                (rewards, "Your function returned the rewards unchanged."),
            ])
            if message is None:
                message = (f"Your reward-to-go differs by up to "
                           f"{np.abs(got - expected).max():.3g}.\n  Expected:\n    "
                           f"{_fmt(expected)}\n  Yours:\n    {_fmt(got)}")
            raise _Failure(f"{message}\n  Case: {case.description}\n  " + _see("reward-to-go"))
        return (f"your reward-to-go matches eq. (reward-to-go) on {len(cases)} cases, "
                "including H = 1 and a single episode.")

    return _run(check, body, verbose)


# --- eq. baseline -----------------------------------------------------------------------------


def _exact_mean(mdp: TabularMDP, theta: np.ndarray,
                one_episode: Callable[[Any], np.ndarray]) -> np.ndarray:
    """E over every trajectory of an estimator of ONE episode (a 1-episode batch)."""
    every, probabilities = enumerate_trajectories(mdp, theta)
    total = np.zeros_like(theta, dtype=float)
    for k, p in enumerate(probabilities):
        total += p * one_episode(every, k)
    return total


def check_baseline_estimator(
    fn: Callable[[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray], Any], *,
    verbose: bool = True,
) -> CheckResult:
    """Check your reward-to-go gradient estimate with a state-dependent baseline b_t(s_t).

    Tests eq. `baseline` in chapter 7 (book/variance_reduction), with the baseline a function
    of the step and the state as in the section "A baseline may depend on the state, not on
    the action":
    g_N = (1/N) sum_n sum_t grad log pi(a_t^n | s_t^n) (G_t^n - b_t(s_t^n)).

    Parameters
    ----------
    fn : callable
        ``fn(theta, states, actions, rewards, baseline)`` with ``theta: (S, A)``; ``states``,
        ``actions``, ``rewards`` of shape ``(N, H)``; ``baseline: (H, S)``, where
        ``baseline[t-1, s]`` is b_t(s). Returns ``(S, A)``.
    verbose : bool
        Print the result (default).

    Returns
    -------
    CheckResult
        Truthy exactly when the estimate matched, on each batch, the average computed with
        :func:`pgtheory.score` and :func:`pgtheory.reward_to_go`. On a failure the message
        also reports the exact mean of YOUR estimator over every trajectory of the MDP,
        against the exact gradient, so you can see whether your version is biased.

    Notes
    -----
    Recognises: a baseline indexed by the action a_t instead of the state s_t (biased; the
    message shows by how much); the baseline ignored, added, or indexed [s, t]; the whole
    return R(tau) in place of G_t; the N*H average; the sign flipped; per-episode estimates.
    """
    check = "check_baseline_estimator"
    _require_callable(fn, check)

    def estimate(theta: np.ndarray, states: np.ndarray, actions: np.ndarray,
                 weights: np.ndarray) -> np.ndarray:
        return score(theta, states, actions, weights).mean(axis=0)

    def body() -> str:
        cases = _episode_cases(seed_offset=10)
        for index, (what, mdp, theta, episodes) in enumerate(cases):
            states, actions, rewards = episodes.states, episodes.actions, episodes.rewards
            n, horizon = states.shape
            steps = np.arange(horizon)
            table = np.round(np.random.default_rng(20 + index).uniform(
                -1.0, 3.0, size=(horizon, mdp.n_states)), 1)
            case = _Case(f"{_estimator_case_description(what, theta)}\n    baseline "
                         f"(row t-1 = b_t(.)) =\n    {_fmt(table)}",
                         (theta, states, actions, rewards, table))
            to_go = _reward_to_go(rewards)
            weights = to_go - table[steps, states]
            expected = estimate(theta, states, actions, weights)
            got = _as_array(_call(fn, tuple(_copy(np.asarray(x)) for x in case.args), case),
                            expected.shape, "the gradient estimate")
            if _close(got, expected):
                continue
            if got.shape != expected.shape:
                per_episode = score(theta, states, actions, weights)
                raise _estimator_shape_failure(got, expected, per_episode, case, "baseline")
            gradient = exact_gradient(mdp, theta)
            candidates: list[tuple[np.ndarray, str]] = []
            if mdp.n_actions <= mdp.n_states:  # indexing by the action raised no IndexError

                def action_indexed(every: Any, k: int, theta: np.ndarray = theta,
                                   table: np.ndarray = table,
                                   steps: np.ndarray = steps) -> np.ndarray:
                    s, a = every.states[k:k + 1], every.actions[k:k + 1]
                    g = _reward_to_go(every.rewards[k:k + 1])
                    return score(theta, s, a, g - table[steps, a])[0]

                bias = np.abs(_exact_mean(mdp, theta, action_indexed) - gradient).max()
                candidates.append((
                    estimate(theta, states, actions, to_go - table[steps, actions]),
                    "Your baseline depends on the ACTION: you subtracted baseline[t, a_t] "
                    "instead of baseline[t, s_t]. A baseline may depend on the state (it is "
                    "fixed before a_t is drawn, and the score of a_t has mean zero given "
                    "s_t), but not on the action: then "
                    "sum_a pi(a|s) b(s, a) grad log pi(a|s) is not zero. Summed exactly over "
                    "every trajectory of this MDP, the mean of that estimator misses the "
                    f"true gradient by up to {bias:.3g}: it is biased."))
            candidates += [
                (estimate(theta, states, actions, to_go),
                 "Your result does not change with the baseline: you computed the plain "
                 "reward-to-go estimate. Subtract b_t(s_t) = baseline[t-1, s_t] from each "
                 "G_t."),
                (estimate(theta, states, actions, to_go + table[steps, states]),
                 "You ADDED the baseline; eq. (baseline) subtracts it: G_t - b_t(s_t)."),
                (estimate(theta, states, actions,
                          rewards.sum(axis=1, keepdims=True) - table[steps, states]),
                 "You used the whole return R(tau) in place of the reward-to-go G_t. Both "
                 "are unbiased, but this check asks for sum_t score_t (G_t - b_t(s_t))."),
            ]
            if mdp.n_states == horizon:
                candidates.append((
                    estimate(theta, states, actions, to_go - table.T[steps, states]),
                    "You indexed the baseline as baseline[s, t]; the table is baseline[t-1, s] "
                    "= b_t(s), with rows for steps and columns for states."))
            candidates += [
                (expected / horizon,
                 f"Your estimate is H = {horizon} times too small: you averaged over all N*H "
                 f"time steps instead of the N = {n} episodes."),
                (-expected, "Your estimate has the opposite sign: each term is "
                            "score_t * (G_t - b_t(s_t))."),
            ]
            message = _diagnose(got, expected, candidates)
            if message is None:
                message = (f"Your estimate differs by up to {np.abs(got - expected).max():.3g}."
                           f"\n  Expected:\n    {_fmt(expected)}\n  Yours:\n    {_fmt(got)}")
                try:
                    def yours(every: Any, k: int, theta: np.ndarray = theta,
                              table: np.ndarray = table) -> np.ndarray:
                        return np.asarray(fn(theta.copy(), every.states[k:k + 1].copy(),
                                             every.actions[k:k + 1].copy(),
                                             every.rewards[k:k + 1].copy(), table.copy()),
                                          dtype=float).reshape(theta.shape)
                    bias = np.abs(_exact_mean(mdp, theta, yours) - gradient).max()
                except Exception:  # the mean of an unusual function is a bonus, not a must
                    pass
                else:
                    verdict = ("so it is unbiased, but it is not the estimator of eq. "
                               "(baseline)" if bias < 1e-8 else "so it is BIASED")
                    message += (f"\n  Averaged exactly over every trajectory of this MDP, your "
                                f"estimator misses the true gradient by up to {bias:.3g}, "
                                f"{verdict}.")
            raise _Failure(f"{message}\n  Case: {case.description}\n  "
                           + _see("baseline", "reward-to-go"))
        return (f"your estimate matches eq. (baseline) with a state-dependent baseline on "
                f"{len(cases)} batches of sampled episodes.")

    return _run(check, body, verbose)


# --- eq. reinforce-update ---------------------------------------------------------------------


def check_reinforce_update(fn: Callable[[np.ndarray, np.ndarray, float], Any], *,
                           verbose: bool = True) -> CheckResult:
    """Check your REINFORCE parameter update theta <- theta + alpha * g.

    Tests eq. `reinforce-update` in chapter 6 (book/reinforce): gradient ASCENT on J.

    Parameters
    ----------
    fn : callable
        ``fn(theta, grad, learning_rate)`` with ``theta``, ``grad: (S, A)`` and a float
        ``learning_rate`` alpha > 0; returns the new ``theta``, shape ``(S, A)``.
    verbose : bool
        Print the result (default).

    Returns
    -------
    CheckResult
        Truthy exactly when every case matched theta + alpha * grad.

    Notes
    -----
    Recognises: descent instead of ascent (with the exact gradient of the chain, showing J
    going down); the learning rate left out or dividing; the step returned without theta;
    theta updated in place and None returned. Updating theta in place AND returning it passes,
    with a note.
    """
    check = "check_reinforce_update"
    _require_callable(fn, check)
    chain = chain_mdp()
    theta_chain = _random_theta(4, 2, 5)
    rng = np.random.default_rng(9)
    theta_random, grad_random = (np.round(rng.normal(size=(3, 2)), 2) for _ in range(2))
    cases = [
        _Case(f"pg.chain_mdp() with its exact gradient, learning_rate=0.5, theta =\n    "
              f"{_fmt(theta_chain)}", (theta_chain, exact_gradient(chain, theta_chain), 0.5),
              {"mdp": chain}),
        _Case("random theta and grad (S=3, A=2), learning_rate=0.01",
              (theta_random, grad_random, 0.01)),
        _Case("random theta and grad (S=3, A=2), learning_rate=2.0",
              (theta_random, grad_random, 2.0)),
    ]
    notes: list[str] = []

    def body() -> str:
        for case in cases:
            theta, grad, alpha = case.args
            expected = theta + alpha * grad
            theta_arg = theta.copy()
            result = _call(fn, (theta_arg, grad.copy(), alpha), case)
            in_place = not np.array_equal(theta_arg, theta)
            if result is None and in_place and _close(theta_arg, expected):
                raise _Failure(
                    "Your function changed theta in place and returned None. Return the new "
                    "parameters: `return theta + learning_rate * grad`.\n  "
                    + _see("reinforce-update"))
            got = _as_array(result, expected.shape, "the new theta")
            if _close(got, expected):
                if in_place and not notes:
                    notes.append("your function also changes the theta passed in (in place). "
                                 "That is fine in a loop `theta = update(theta, ...)`, but "
                                 "it also changes any earlier reference, e.g. a list of past "
                                 "thetas; `theta + learning_rate * grad` makes a new array.")
                continue
            if got.shape != expected.shape:
                raise _Failure(
                    f"{_shape_message(got, expected.shape, 'the new theta')}\n  Case: "
                    f"{case.description}\n  " + _see("reinforce-update"))
            descent = "Your update steps DOWNHILL: theta - alpha * g is gradient descent. " \
                      "REINFORCE maximises the expected return J, so it climbs: " \
                      "theta + alpha * g."
            if "mdp" in case.extra:
                mdp = case.extra["mdp"]
                descent += (f" Here, with the exact gradient, your step takes J from "
                            f"{expected_return(mdp, theta):.4f} to "
                            f"{expected_return(mdp, theta - alpha * grad):.4f}; the ascent "
                            f"step would give {expected_return(mdp, expected):.4f}.")
            message = _diagnose(got, expected, [
                (theta - alpha * grad, descent),
                (theta + grad, "Your update ignores the learning rate: theta + g. The step is "
                               "alpha * g, with alpha = learning_rate."),
                (theta + grad / alpha, "Your update divides by the learning rate; it "
                                       "multiplies: theta + alpha * g."),
                (alpha * grad, "You returned the step alpha * g alone; the new parameters are "
                               "the old ones plus the step, theta + alpha * g."),
                (theta - grad, "Your update ignores the learning rate and steps downhill; "
                               "use theta + alpha * g."),
            ])
            if message is None:
                message = (f"Your new theta differs from theta + alpha * g by up to "
                           f"{np.abs(got - expected).max():.3g}.\n  Expected:\n    "
                           f"{_fmt(expected)}\n  Yours:\n    {_fmt(got)}")
            raise _Failure(f"{message}\n  Case: {case.description}\n  "
                           + _see("reinforce-update"))
        note = f"\n  Note: {' '.join(notes)}" if notes else ""
        return (f"your update is gradient ascent, eq. (reinforce-update), on {len(cases)} "
                f"cases.{note}")

    return _run(check, body, verbose)
