"""``check_surrogate_loss``: the surrogate loss in JAX, eq. surrogate-loss (book/surrogate),

    L(theta) = -(1/N) sum_n sum_t log pi_theta(a_t^(n) | s_t^(n)) sg[G_t^(n) - b_theta(s_t^(n))],

with the reward-to-go G_t and a baseline b_theta(s) that the caller computes from the CURRENT
policy (``baseline(theta) -> (S,)``), held fixed by the stop-gradient sg (eq. stop-gradient).

The student's function ``fn(theta, states, actions, rewards, baseline)`` returns L as a JAX
scalar. The check compares its value and its ``jax.grad`` with pgtheory's numpy answer (the
value, then the gradient -g_hat of eq. surrogate-gradient, in one vector), in 64-bit JAX
(``jax.enable_x64`` around each call, so the caller's setting does not matter). JAX is imported
when the check runs, never by ``import pgtheory.checks``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

from ..episodes import reward_to_go
from ..mdp import bandit, chain_mdp, random_mdp
from ..policy import log_softmax_policy, score
from ..sampling import sample_trajectories
from .cases import Case, make_case
from .harness import CheckResult, Spec, run
from .mistakes import Mistake
from .shared import describe_episodes, episode_arrays, episode_facts, input_kinds, random_theta

__all__ = ["JAX_TIME_LIMIT", "MISTAKES", "SPEC", "check_surrogate_loss",
           "expected_reward_baseline", "surrogate_loss_case"]

CHECK = "check_surrogate_loss"

#: Seconds each call may take by default: longer than the other checks' 10 s, because JAX
#: compiles every operation the first time it meets a new shape (seconds on a busy machine).
JAX_TIME_LIMIT = 60.0
_NAMES = ("theta", "states", "actions", "rewards", "baseline")


def _jax() -> Any:
    """JAX, imported on first use (the numpy checks must not need it)."""
    import jax

    return jax


def expected_reward_baseline(rewards: Any) -> Callable[[Any], Any]:
    """A baseline computed from the current policy: b_theta(s) = sum_a pi_theta(a|s) r(s, a).

    Parameters
    ----------
    rewards : array_like(float), shape (S, A)
        The MDP's reward table (``mdp.rewards``).

    Returns
    -------
    callable
        ``baseline(theta) -> (S,)``, written with ``jax.nn.softmax`` so that ``jax.grad``
        can (wrongly, without the stop-gradient) differentiate through it.
    """
    table = np.asarray(rewards, dtype=float)

    def baseline(theta: Any) -> Any:
        jax = _jax()
        return (jax.nn.softmax(theta, axis=-1) * table).sum(axis=-1)

    return baseline


def surrogate_loss_case(theta: Any, states: Any, actions: Any, rewards: Any,
                        baseline: Callable[[Any], Any], *, description: str | None = None,
                        protected: Iterable[str] | None = None) -> Case:
    """A case for :func:`check_surrogate_loss`: ``fn(theta, states, actions, rewards,
    baseline)`` and its ``jax.grad`` are compared with eq. surrogate-loss (book/surrogate).

    Parameters
    ----------
    theta : array_like(float), shape (S, A)
    states, actions : array_like(int), shape (N, H)
    rewards : array_like(float), shape (N, H)
        Passed to the student's function as given (lists stay lists, float32 stays float32).
    baseline : callable
        ``baseline(theta) -> (S,)``, written with JAX operations (for example
        :func:`expected_reward_baseline`); it may depend on theta.
    description : str, optional
        How messages show the case; default its sizes, theta and a small batch's episodes.
    protected : collection of str, optional
        Arguments the function must not change; default every array or list.

    Returns
    -------
    Case
    """
    theta_a, states_a, actions_a, rewards_a = episode_arrays(theta, states, actions, rewards)
    if not callable(baseline):
        raise TypeError(f"baseline must be a function theta -> (S,); got "
                        f"{type(baseline).__name__}")
    jax = _jax()
    with jax.enable_x64(True):
        values = np.asarray(baseline(theta_a), dtype=float)
    if values.shape != (theta_a.shape[0],) or not np.isfinite(values).all():
        raise ValueError(f"baseline(theta) must return {theta_a.shape[0]} finite numbers, one "
                         f"per state (shape (S,)); got shape {values.shape}")
    given = (theta, states, actions, rewards, baseline)
    text = describe_episodes(description, input_kinds(_NAMES, given), theta_a, states_a,
                             actions_a)
    return make_case(CHECK, _NAMES, given, (theta_a, states_a, actions_a, rewards_a, baseline),
                     text, protected=protected, facts=episode_facts(theta_a, states_a, None))


def _default_cases() -> list[Case]:
    chain, small, arms = chain_mdp(), random_mdp(3, 2, 4, rng=5), bandit([0.0, 0.5, 1.0])
    cases = []
    for mdp, theta, n, seed, name in ((chain, random_theta(4, 2, 7), 6, 11, "pg.chain_mdp()"),
                                      (small, random_theta(3, 2, 8), 5, 12,
                                       "pg.random_mdp(3, 2, 4, rng=5)"),
                                      (arms, random_theta(1, 3, 9), 4, 13,
                                       "pg.bandit([0, 0.5, 1]) (H = 1)")):
        episodes = sample_trajectories(mdp, theta, n, rng=seed)
        cases.append(surrogate_loss_case(
            theta, episodes.states, episodes.actions, episodes.rewards,
            expected_reward_baseline(mdp.rewards),
            description=f"{n} episodes of {name}, sampled with rng={seed}, baseline "
                        "b(s) = sum_a pi_theta(a|s) r(s, a) of the current policy"))
    return cases


def _reference(theta: np.ndarray, states: np.ndarray, actions: np.ndarray,
               rewards: np.ndarray, baseline: Callable[[Any], Any]) -> np.ndarray:
    """(L, then grad L flattened), with numpy: the weights held fixed by construction."""
    with _jax().enable_x64(True):
        b = np.asarray(baseline(theta), dtype=float)
    weights = reward_to_go(rewards) - b[states]
    n = states.shape[0]
    value = -(log_softmax_policy(theta)[states, actions] * weights).sum() / n
    gradient = -score(theta, states, actions, weights=weights).sum(axis=0) / n
    return np.concatenate([[value], gradient.ravel()])


def _value_and_gradient(fn: Callable[..., Any], args: tuple) -> tuple[Any, None]:
    """The student's loss and its jax.grad in one vector; other answers as they came."""
    jax = _jax()
    theta, rest = args[0], args[1:]
    with jax.enable_x64(True):
        raw = fn(*args)
        if raw is None or isinstance(raw, (list, tuple, str)):
            return raw, None  # the harness names these
        value = np.asarray(raw)
        if value.dtype.kind not in "iuf":
            return raw, None
        size = 1 + np.size(theta)
        if value.shape != ():
            raise TypeError(f"your loss has shape {value.shape}; a loss is ONE number (shape "
                            "()), summed over the steps and episodes")
        if not np.isfinite(value):
            return np.full(size, float(value)), None
        if not isinstance(raw, jax.Array):
            raise TypeError(f"your loss is a {type(raw).__name__}, computed with numpy, which "
                            "jax.grad cannot differentiate: use jax.numpy (jnp) and jax.nn "
                            "inside the loss")
        try:
            gradient = jax.grad(lambda th: fn(th, *rest))(jax.numpy.asarray(theta))
        except (jax.errors.TracerArrayConversionError, jax.errors.ConcretizationTypeError) as e:
            raise TypeError("jax.grad could not trace your loss: it turns a traced array into "
                            "a numpy array or a Python number (np.asarray, float(), .item()); "
                            "use jax.numpy (jnp) inside the loss") from e
    return np.concatenate([[float(value)], np.asarray(gradient, dtype=float).ravel()]), None


def _same_as(answer: Callable[..., Any]) -> Callable[[np.ndarray, Case], bool]:
    """Recognise a result equal to what ``answer`` gives, value and gradient."""
    def match(got: np.ndarray, case: Case) -> bool:
        candidate, _ = _value_and_gradient(answer, case.arrays)
        return got.shape == candidate.shape and bool(
            np.allclose(got, candidate, rtol=case.rtol, atol=case.atol))
    return match


def _parts(theta: Any, states: Any, actions: Any, rewards: Any, *, log: bool = True,
           forward: bool = False, total: bool = False) -> tuple[Any, Any]:
    """log pi(a_t | s_t) (N, H) and G_t (N, H) in JAX, possibly done wrong."""
    jax = _jax()
    jnp = jax.numpy
    policy = jax.nn.log_softmax(theta, axis=-1) if log else jax.nn.softmax(theta, axis=-1)
    to_go = jnp.cumsum(rewards, axis=1) if forward else jnp.cumsum(rewards[:, ::-1], axis=1)[
        :, ::-1]
    if total:
        to_go = jnp.repeat(to_go[:, :1], rewards.shape[1], axis=1)
    return policy[states, actions], to_go


def _surrogate(sign: float = -1.0, divide: str = "episodes", stop: str = "weights",
               baseline_sign: float = -1.0, **parts: bool) -> Callable[..., Any]:
    """A surrogate loss in JAX; the defaults are right, each option is one mistake."""
    def loss(theta: Any, states: Any, actions: Any, rewards: Any, baseline: Any) -> Any:
        jax = _jax()
        log_probs, to_go = _parts(theta, states, actions, rewards, **parts)
        psi = to_go + baseline_sign * baseline(theta)[states]
        if stop == "weights":
            psi = jax.lax.stop_gradient(psi)
        elif stop == "log_probs":
            log_probs = jax.lax.stop_gradient(log_probs)
        total = (log_probs * psi).sum()
        count = {"episodes": states.shape[0], "steps": states.size, "none": 1}[divide]
        return sign * total / count
    return loss


def _no_baseline(theta: Any, states: Any, actions: Any, rewards: Any, baseline: Any) -> Any:
    jax = _jax()
    log_probs, to_go = _parts(theta, states, actions, rewards)
    return -(log_probs * jax.lax.stop_gradient(to_go)).sum() / states.shape[0]


_WEIGHTS = "the weights Psi_t = G_t - b(s_t)"

#: The typical mistakes, tried in this order.
MISTAKES: tuple[Mistake, ...] = (
    Mistake("no_stop_gradient", "The value of your loss is right, but its gradient is not: "
            "jax.grad also differentiated " + _WEIGHTS + " through the baseline, which is "
            "computed from theta. The weights are data: hold them fixed with "
            "jax.lax.stop_gradient (eq. stop-gradient).", _surrogate(stop="none"),
            _same_as(_surrogate(stop="none"))),
    Mistake("mean_over_steps", "Your loss is the right one divided by H = $horizon: it "
            "averages over all N*H = $nh steps. The surrogate sums over the steps of each "
            "episode and divides by the number of episodes, N = $n.",
            _surrogate(divide="steps"), _same_as(_surrogate(divide="steps"))),
    Mistake("sign", "Your loss has the wrong sign: its gradient is +g_hat, so a minimizing "
            "optimizer (theta - alpha * grad) would walk DOWN the expected return. The loss is "
            "minus the objective whose gradient is the estimate.", _surrogate(sign=1.0),
            _same_as(_surrogate(sign=1.0))),
    Mistake("sign_and_mean", "Your loss has the wrong sign AND averages over all N*H = $nh "
            "steps: its gradient points the wrong way and is H = $horizon times too small.",
            _surrogate(sign=1.0, divide="steps"), _same_as(_surrogate(sign=1.0, divide="steps"))),
    Mistake("no_average", "Your loss is the right one times N = $n: it sums over the episodes "
            "instead of averaging over them.", _surrogate(divide="none"),
            _same_as(_surrogate(divide="none"))),
    Mistake("probabilities", "Your loss weights the probabilities pi(a_t | s_t), not their "
            "logarithms: use jax.nn.log_softmax, not jax.nn.softmax.", _surrogate(log=False),
            _same_as(_surrogate(log=False))),
    Mistake("stop_gradient_log_probs", "The value of your loss is right, but its gradient is "
            "zero: the stop-gradient went around the log-probabilities. It belongs on "
            + _WEIGHTS + "; the log-probabilities carry the dependence on theta.",
            _surrogate(stop="log_probs"), _same_as(_surrogate(stop="log_probs"))),
    Mistake("total_return", "Your weights use the whole return R(tau) at every step; this "
            "exercise asks for the reward-to-go G_t (eq. reward-to-go) minus the baseline.",
            _surrogate(total=True), _same_as(_surrogate(total=True))),
    Mistake("forward_cumsum", "Your G_t is a FORWARD cumulative sum, the rewards up to step t. "
            "The reward-to-go sums the rewards from step t to the end of the episode "
            "(eq. reward-to-go).", _surrogate(forward=True), _same_as(_surrogate(forward=True))),
    Mistake("no_baseline", "Your weights are G_t alone: the baseline b(s_t) was not "
            "subtracted.", _no_baseline, _same_as(_no_baseline)),
    Mistake("baseline_added", "Your weights ADD the baseline, G_t + b(s_t); it is subtracted.",
            _surrogate(baseline_sign=1.0), _same_as(_surrogate(baseline_sign=1.0))),
)


def _which_part(got: np.ndarray, case: Case, call: Callable[..., Any]) -> str:
    """Which of the two is off: the value of the loss, or its gradient."""
    expected = _reference(*case.arrays)
    if got.shape != expected.shape:
        return ""
    off_value = abs(got[0] - expected[0]) > case.atol + case.rtol * abs(expected[0])
    off_gradient = not np.allclose(got[1:], expected[1:], rtol=case.rtol, atol=case.atol)
    which = {(True, False): "its value differs, its gradient does not",
             (False, True): "its value is right, its gradient differs",
             (True, True): "both differ"}.get((off_value, off_gradient), "")
    return f"\n  (Index 0 is the value of your loss, the rest its gradient, flattened: {which}.)"


SPEC = Spec(name=CHECK, what="surrogate loss",
            labels=("surrogate-loss", "stop-gradient"), reference=_reference, mistakes=MISTAKES,
            default_cases=_default_cases,
            coverage=" (value and jax.grad, with a baseline from the current policy)",
            call=_value_and_gradient, clue=_which_part)


def check_surrogate_loss(fn: Callable[..., Any], *, cases: Iterable[Case] | None = None,
                         defaults: bool = True, time_limit: float | None = JAX_TIME_LIMIT,
                         verbose: bool = True) -> CheckResult:
    """Check your surrogate loss, written in JAX, and its gradient.

    Tests eq. surrogate-loss and eq. stop-gradient (book/surrogate): the value of your loss and
    its ``jax.grad`` with respect to theta, against pgtheory's numpy answer.

    Parameters
    ----------
    fn : callable
        ``fn(theta, states, actions, rewards, baseline)`` with logits ``theta: (S, A)``, integer
        ``states``, ``actions: (N, H)``, ``rewards: (N, H)`` and ``baseline``, a function
        ``theta -> (S,)`` computed from the current policy; returns L(theta) as a JAX scalar,
        with the weights G_t - baseline(theta)[s_t] held fixed.
    cases : list of Case, optional
        More cases, from :func:`surrogate_loss_case`, run after the built-in ones.
    defaults : bool
        Run the three built-in cases (default); False runs only ``cases``.
    time_limit : float or None
        Seconds each call of ``fn`` may take, including its ``jax.grad`` and JAX's compilation
        of each operation on first use (default :data:`JAX_TIME_LIMIT`, 60); None for no limit.
    verbose : bool
        Print the result (default).

    Returns
    -------
    CheckResult
        Truthy exactly when the value and the gradient match on every case.

    Notes
    -----
    The mistakes it names are the rows of :data:`MISTAKES`: the stop-gradient forgotten (the
    baseline differentiated), ``.mean()`` over all steps instead of the sum over steps divided
    by N, the sign, a sum over episodes, probabilities instead of log-probabilities, the
    stop-gradient on the log-probabilities, the total return, a forward cumulative sum, the
    baseline left out or added; and those of :data:`pgtheory.checks.mistakes.GENERIC_MISTAKES`
    that apply to a loss. A loss computed with numpy (not differentiable by JAX) or of a shape
    other than () is reported with what to change.
    """
    return run(SPEC, fn, cases, defaults=defaults, time_limit=time_limit, verbose=verbose)
