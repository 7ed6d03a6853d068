"""check_surrogate_loss (pgtheory.checks.surrogate_loss), read through its table: a correct JAX
loss passes, every row's wrong loss fails with that row's message, the shared failures that a
loss can make are named, and wrong losses written here independently are recognised.

JAX is needed (the check differentiates the student's function); the module is skipped without
it. Each first call of a new shape makes JAX compile, so these tests take a few seconds each.
"""

from __future__ import annotations

import re
import string
import subprocess
import sys

import numpy as np
import pytest

jax = pytest.importorskip("jax")
import jax.numpy as jnp  # noqa: E402

import pgtheory as pg  # noqa: E402
from pgtheory import checks  # noqa: E402

CHECK = checks.check_surrogate_loss
MODULE = checks.surrogate_loss


def right(theta, states, actions, rewards, baseline):
    """The loss as a student writes it."""
    log_probs = jax.nn.log_softmax(theta, axis=-1)[states, actions]
    to_go = jnp.flip(jnp.cumsum(jnp.flip(rewards, axis=1), axis=1), axis=1)
    psi = jax.lax.stop_gradient(to_go - baseline(theta)[states])
    return -(log_probs * psi).sum() / states.shape[0]


def literal_parts(template: str) -> list[str]:
    return [part for part in re.split(r"\$\w+", template.replace("$$", "$")) if part.strip()]


def test_a_correct_loss_passes_and_says_what_was_checked(capsys):
    result = CHECK(right)
    printed = capsys.readouterr().out
    assert result and result.mistake is None, result.message
    assert printed.startswith("✓ check_surrogate_loss passed")
    assert "eq. surrogate-loss (book/surrogate)" in printed and "3 cases" in printed


def test_importing_the_checks_does_not_import_jax():
    code = "import sys; from pgtheory import checks; assert 'jax' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)


def test_the_check_works_whatever_the_callers_float_setting():
    before = jax.config.jax_enable_x64
    try:
        jax.config.update("jax_enable_x64", False)
        assert CHECK(right, verbose=False)
    finally:
        jax.config.update("jax_enable_x64", before)


@pytest.mark.parametrize("row", MODULE.MISTAKES, ids=lambda row: row.name)
def test_each_typical_mistake_fails_with_its_own_message(row):
    result = CHECK(row.answer, verbose=False)
    assert not result and result.mistake == row.name, result.message
    for part in literal_parts(row.message):
        assert part in result.message
    assert "Hint: re-read eqs. surrogate-loss and stop-gradient (book/surrogate)" \
        in result.message


def test_the_table_names_each_row_once_and_its_messages_are_templates():
    names = [row.name for row in MODULE.MISTAKES]
    generic = {row.name for row in checks.GENERIC_MISTAKES}
    assert len(names) == len(set(names)) and not set(names) & generic
    for row in MODULE.MISTAKES:
        assert string.Template(row.message).is_valid()


# --- the shared failures, made the way a student makes them with a JAX loss -------------------


def _mutating(theta, states, actions, rewards, baseline):
    value = right(theta, states, actions, rewards, baseline)
    rewards[0, 0] += 1.0
    return value


def _in_place_none(theta, states, actions, rewards, baseline):
    theta[0, 0] = float(right(theta, states, actions, rewards, baseline))


def _forever(*args):
    while True:
        pass


def _raises(*args):
    raise ValueError("shapes do not match")


def _stub(*args):
    raise NotImplementedError


def _log_of_zero(theta, states, actions, rewards, baseline):
    return right(theta, states, actions, rewards, baseline) + jnp.log(0.0)


SHARED = [
    (_stub, "stub", {}),
    (_raises, "exception", {}),
    (_forever, "timeout", {"time_limit": 0.5}),
    (_in_place_none, "none_in_place", {}),
    (lambda *args: None, "none", {}),
    (_mutating, "changed_input", {}),
    (lambda *args: [float(right(*args))], "list", {}),
    (lambda *args: "loss", "not_numbers", {}),
    (_log_of_zero, "not_finite", {}),
    (lambda *args: right(*args) + 0.05, "unrecognised", {}),
]


@pytest.mark.parametrize("wrong, mistake, options", SHARED, ids=[m for _, m, _ in SHARED])
def test_the_shared_failures_of_a_loss_are_named(wrong, mistake, options):
    result = CHECK(wrong, verbose=False, **options)
    assert not result and result.mistake == mistake, result.message


def test_a_loss_that_is_not_one_number_or_not_jax_is_told_what_to_change():
    per_step = CHECK(lambda th, s, a, r, b: jax.nn.log_softmax(th)[s, a], verbose=False)
    assert not per_step and "a loss is ONE number" in per_step.message
    with_numpy = CHECK(lambda th, s, a, r, b: float(-np.asarray(th)[s, a].sum()), verbose=False)
    assert not with_numpy and "use jax.numpy" in with_numpy.message

    def converts(theta, states, actions, rewards, baseline):
        return right(np.asarray(theta), states, actions, rewards, baseline)

    traced = CHECK(converts, verbose=False)
    assert not traced and "could not trace your loss" in traced.message


def test_an_unrecognised_answer_says_whether_the_value_or_the_gradient_is_off():
    result = CHECK(lambda *args: right(*args) + 0.05, verbose=False)
    assert "its value differs, its gradient does not" in result.message


# --- wrong losses written independently of the table -------------------------------------------


def mean_of_everything(theta, states, actions, rewards, baseline):
    log_probs = jax.nn.log_softmax(theta, axis=-1)[states, actions]
    to_go = rewards[:, ::-1].cumsum(axis=1)[:, ::-1]
    return -jnp.mean(log_probs * jax.lax.stop_gradient(to_go - baseline(theta)[states]))


def baseline_inside(theta, states, actions, rewards, baseline):
    log_probs = jax.nn.log_softmax(theta, axis=-1)[states, actions]
    to_go = jnp.flip(jnp.cumsum(jnp.flip(rewards, axis=1), axis=1), axis=1)
    psi = jax.lax.stop_gradient(to_go) - baseline(theta)[states]  # sg on G only
    return -(log_probs * psi).sum() / states.shape[0]


def ascent_objective(theta, states, actions, rewards, baseline):
    return -right(theta, states, actions, rewards, baseline)


@pytest.mark.parametrize("wrong, mistake", [(mean_of_everything, "mean_over_steps"),
                                            (baseline_inside, "no_stop_gradient"),
                                            (ascent_objective, "sign")])
def test_independent_wrong_losses_are_recognised(wrong, mistake):
    result = CHECK(wrong, verbose=False)
    assert not result and result.mistake == mistake, result.message


# --- cases for a grader ------------------------------------------------------------------------


def test_extra_cases_float32_and_lists():
    mdp = pg.random_mdp(4, 3, 5, rng=2024)
    theta = np.random.default_rng(0).normal(size=(4, 3))
    episodes = pg.sample_trajectories(mdp, theta, 8, rng=7)
    baseline = MODULE.expected_reward_baseline(mdp.rewards)
    cases = [
        checks.surrogate_loss_case(theta.astype(np.float32), episodes.states, episodes.actions,
                                   episodes.rewards.astype(np.float32), baseline),
        checks.surrogate_loss_case(theta, episodes.states, episodes.actions,
                                   episodes.rewards, lambda th: jnp.zeros(4)),
    ]
    assert CHECK(right, cases=cases, defaults=False, verbose=False)
    wrong = CHECK(MODULE.MISTAKES[0].answer, cases=cases[:1], defaults=False, verbose=False)
    assert not wrong and wrong.mistake == "no_stop_gradient"


def test_case_constructor_names_bad_arguments():
    theta, states = np.zeros((2, 2)), np.zeros((3, 4), dtype=int)
    rewards = np.ones((3, 4))
    with pytest.raises(TypeError, match="baseline must be a function"):
        checks.surrogate_loss_case(theta, states, states, rewards, np.zeros(2))
    with pytest.raises(ValueError, match=r"one per state \(shape \(S,\)\)"):
        checks.surrogate_loss_case(theta, states, states, rewards, lambda th: jnp.zeros(3))
    with pytest.raises(ValueError, match="rewards"):
        checks.surrogate_loss_case(theta, states, states, rewards[:, :2], lambda th: th[:, 0])
    with pytest.raises(ValueError, match="states"):
        checks.surrogate_loss_case(theta, states + 5, states, rewards, lambda th: th[:, 0])
