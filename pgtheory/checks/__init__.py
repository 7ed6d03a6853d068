"""Self-checks for the exercises: run YOUR implementation against pgtheory's exact answers.

Each ``check_*`` function takes a function you wrote, calls it on a few small fixed cases
(hand-written arrays, and episodes of tiny MDPs drawn with fixed seeds), compares what it returns
with the answer computed by :mod:`pgtheory`, and prints either a pass or a failure that says what
is wrong, on which case, and which equation of the book to re-read (never the answer itself).
Every check returns a :class:`CheckResult`, truthy exactly when the check passed::

    from pgtheory import checks

    def my_reward_to_go(rewards):
        ...

    checks.check_reward_to_go(my_reward_to_go)

The checks, what your function takes and returns, and the equation each one tests:

- ``check_log_softmax_grad``: ``fn(theta, s, a) -> (S, A)``; eq. softmax-score
  (book/factorization).
- ``check_trajectory_log_prob_grad``: ``fn(theta, states, actions) -> (n, S, A)`` (or ``(S, A)``
  for one episode); eq. grad-log-traj (book/factorization).
- ``check_reinforce_estimator``: ``fn(theta, states, actions, rewards) -> (S, A)``; eq.
  mc-estimate (book/monte_carlo).
- ``check_reward_to_go``: ``fn(rewards) -> (n, H)``; eq. reward-to-go
  (book/reward_to_go).
- ``check_baseline_estimator``: ``fn(theta, states, actions, rewards, baseline) -> (S, A)``;
  eq. baseline (book/baselines).
- ``check_reinforce_update``: ``fn(theta, grad, learning_rate) -> new theta``; eq.
  reinforce-update (book/reinforce).
- ``check_surrogate_loss``: ``fn(theta, states, actions, rewards, baseline) -> L``, a JAX
  scalar whose value and ``jax.grad`` are checked; eqs. surrogate-loss and stop-gradient
  (book/surrogate). It needs JAX (imported when it runs; ``pip install "pgtheory[jax]"``).

Shapes follow the rest of the package: ``theta: (S, A)`` logits; ``states``, ``actions``,
``rewards: (n, H)`` with ``states[i, t-1]`` the state s_t of episode i (the book counts steps
t = 1..H, arrays count 0..H-1). Everything is undiscounted, as in the book.

**What every check catches.** Each check module has a table ``MISTAKES`` (e.g.
``checks.reward_to_go.MISTAKES``) of the typical mistakes of its exercise, each row a message and
a function answering the way a student with that mistake would; the rows every check shares are
:data:`pgtheory.checks.mistakes.GENERIC_MISTAKES`: the stub still raising
``NotImplementedError``, any exception (reported with the line that raised it), a call that does
not return within ``time_limit`` seconds (an infinite loop), None returned, an argument changed
in place, a Python list returned instead of an array, something that is not numbers, a wrong
shape, NaN or infinity. The tests feed every row to its check. ``result.mistake`` names the row
that failed.

**Options of every check** (keyword-only): ``cases`` (more cases, run after the built-in ones),
``defaults`` (``False`` runs only ``cases``), ``time_limit`` (seconds per call of your function,
default 10; ``None`` for none; how it is enforced: :mod:`pgtheory.checks.time_limit`) and
``verbose`` (print the message; default ``True``).

**Cases for a grader.** Each check has a public case constructor that validates its arguments
and passes them to the student's function *as given*, so a hidden test can try other MDPs and
seeds, float32 inputs, or lists instead of arrays. Every argument that is an array or a list is
also checked for changes in place (``protected=`` chooses which)::

    import numpy as np
    import pgtheory as pg
    from pgtheory import checks

    mdp = pg.random_mdp(4, 3, 5, rng=2024)
    theta = np.zeros((4, 3))
    episodes = pg.sample_trajectories(mdp, theta, 8, rng=7)
    cases = [
        checks.reward_to_go_case(episodes.rewards.astype(np.float32)),   # float32 in
        checks.reward_to_go_case([[1.0, -2.0, 3.0]]),                    # a list in
    ]
    assert checks.check_reward_to_go(student.my_reward_to_go, cases=cases, time_limit=5)
    assert checks.check_baseline_estimator(
        student.baseline_estimate, defaults=False, cases=[checks.baseline_estimator_case(
            theta, episodes.states, episodes.actions, episodes.rewards,
            np.ones((5, 4)), mdp=mdp)])

The constructors: :func:`log_softmax_grad_case` ``(theta, s, a)``,
:func:`trajectory_log_prob_grad_case` ``(theta, states, actions)``,
:func:`reinforce_estimator_case` ``(theta, states, actions, rewards)``,
:func:`reward_to_go_case` ``(rewards)``, :func:`baseline_estimator_case`
``(theta, states, actions, rewards, baseline, *, mdp=None)`` and :func:`reinforce_update_case`
``(theta, grad, learning_rate, *, mdp=None)``; each also takes ``description=`` and
``protected=``.

**In Jupyter**, a check called as the last line of a cell prints its message and leaves no
``Out[]`` line (the result displays nothing when its message was printed already).

Equation labels and the documents that define them are in :data:`EQUATIONS`
(:mod:`pgtheory.checks.equations`), the one place every message takes them from.
"""

from . import (
    baseline_estimator,
    log_softmax_grad,
    reinforce_estimator,
    reinforce_update,
    reward_to_go,
    surrogate_loss,
    trajectory_log_prob_grad,
)
from .baseline_estimator import baseline_estimator_case, check_baseline_estimator
from .cases import Case
from .equations import EQUATIONS
from .harness import CheckResult
from .log_softmax_grad import check_log_softmax_grad, log_softmax_grad_case
from .mistakes import GENERIC_MISTAKES, Mistake
from .reinforce_estimator import check_reinforce_estimator, reinforce_estimator_case
from .reinforce_update import check_reinforce_update, reinforce_update_case
from .reward_to_go import check_reward_to_go, reward_to_go_case
from .surrogate_loss import check_surrogate_loss, surrogate_loss_case
from .time_limit import DEFAULT_TIME_LIMIT
from .trajectory_log_prob_grad import check_trajectory_log_prob_grad, trajectory_log_prob_grad_case

#: Each check's module (its ``SPEC``, ``MISTAKES`` and case constructor), by check name.
MODULES = {
    "check_log_softmax_grad": log_softmax_grad,
    "check_trajectory_log_prob_grad": trajectory_log_prob_grad,
    "check_reinforce_estimator": reinforce_estimator,
    "check_reward_to_go": reward_to_go,
    "check_baseline_estimator": baseline_estimator,
    "check_reinforce_update": reinforce_update,
    "check_surrogate_loss": surrogate_loss,
}

__all__ = [
    "CheckResult",
    "check_log_softmax_grad",
    "check_trajectory_log_prob_grad",
    "check_reinforce_estimator",
    "check_reward_to_go",
    "check_baseline_estimator",
    "check_reinforce_update",
    "check_surrogate_loss",
    # cases for extra tests (a grader's hidden tests)
    "Case",
    "log_softmax_grad_case",
    "trajectory_log_prob_grad_case",
    "reinforce_estimator_case",
    "reward_to_go_case",
    "baseline_estimator_case",
    "reinforce_update_case",
    "surrogate_loss_case",
    # the tables
    "DEFAULT_TIME_LIMIT",
    "EQUATIONS",
    "GENERIC_MISTAKES",
    "MODULES",
    "Mistake",
]
