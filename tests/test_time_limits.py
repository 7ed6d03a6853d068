"""Tests for pgtheory.time_limits: cut returns, bootstrapping at a time limit, and the exact
means of the time-limited estimator.

References are independent of the code under test: explicit loops, matrix powers of the
dynamics, the finite-horizon exact gradient, enumeration, and samples. Statistical tests use
fixed seeds and tolerances in standard errors, with the false-alarm rate stated beside each.
"""

import numpy as np
import pytest

import pgtheory as pg
from pgtheory.time_limits import (
    time_limit_gradient,
    time_limit_returns,
    time_limit_samples,
    time_limit_weight_bias,
)


def test_time_limit_returns_by_hand():
    rewards = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 0.0]])
    mask = pg.length_mask(np.array([3, 2]))
    got = time_limit_returns(rewards, discount=0.5, final_values=np.array([8.0, 2.0]),
                             mask=mask)
    # episode 0: Psi_3 = 3 + 0.5 * 8 = 7, Psi_2 = 2 + 3.5 = 5.5, Psi_1 = 1 + 2.75 = 3.75
    # episode 1: Psi_2 = 5 + 0.5 * 2 = 6, Psi_1 = 4 + 3 = 7, padding 0
    np.testing.assert_allclose(got, [[3.75, 5.5, 7.0], [7.0, 6.0, 0.0]])


def test_without_final_values_the_weights_are_the_reward_to_go_counted_from_each_step():
    rng = np.random.default_rng(0)
    rewards = rng.normal(size=(4, 6))
    got = time_limit_returns(rewards, discount=0.9)
    expected = np.array([[sum(0.9 ** (u - t) * rewards[n, u] for u in range(t, 6))
                          for t in range(6)] for n in range(4)])
    np.testing.assert_allclose(got, expected, atol=1e-12)


def test_time_limit_returns_validate_their_inputs():
    with pytest.raises(ValueError, match="final_values has shape"):
        time_limit_returns(np.zeros((2, 3)), discount=0.9, final_values=np.zeros(3))
    with pytest.raises(ValueError, match="rewards must have shape"):
        time_limit_returns(np.zeros(3), discount=0.9)
    with pytest.raises(ValueError, match="discount must lie in"):
        time_limit_returns(np.zeros((2, 3)), discount=0.0)


def _problems():
    chain = pg.chain_mdp()
    return [
        (chain, np.random.default_rng(1).normal(size=(4, 2)), 0.9),
        (pg.stop_or_continue(stop_reward=5.0), np.array([[0.0, 2.0], [0.0, 0.0]]), 0.8),
        (pg.random_mdp(3, 2, 1, rng=2), np.random.default_rng(3).normal(size=(3, 2)), 0.7),
    ]


@pytest.mark.parametrize("case", range(3))
@pytest.mark.parametrize("time_limit", [1, 3, 7])
def test_cut_return_bias_is_the_discounted_value_after_the_limit(case, time_limit):
    # -gamma^(T-t+1) sum_s' P(s'|s,a) (P_pi^(T-t) V_gamma)(s'), by matrix powers.
    mdp, theta, gamma = _problems()[case]
    values, _ = pg.discounted_values(mdp, theta, discount=gamma)
    pi = pg.softmax_policy(theta)
    p_pi = np.einsum("sa,sax->sx", pi, mdp.transitions)
    bias = time_limit_weight_bias(mdp, theta, time_limit, discount=gamma)
    for t in range(1, time_limit + 1):
        after = np.linalg.matrix_power(p_pi, time_limit - t) @ values
        expected = -gamma ** (time_limit - t + 1) * (mdp.transitions @ after)
        np.testing.assert_allclose(bias[t - 1], expected, atol=1e-12)


@pytest.mark.parametrize("case", range(3))
def test_without_bootstrap_the_mean_is_the_finite_horizon_gradient(case):
    # Independent reference: central finite differences of the finite-horizon objective.
    mdp, theta, gamma = _problems()[case]
    limited = pg.TabularMDP(mdp.transitions, mdp.rewards, mdp.initial, 5, gamma)
    fd = pg.finite_difference_gradient(lambda th: pg.expected_return(limited, th), theta)
    got = time_limit_gradient(mdp, theta, 5, discount=gamma, bootstrap=False)
    np.testing.assert_allclose(got, fd, atol=1e-8)


@pytest.mark.parametrize("case", range(3))
def test_bootstrapped_mean_is_the_first_t_terms_and_tends_to_the_discounted_gradient(case):
    mdp, theta, gamma = _problems()[case]
    exact = pg.discounted_gradient(mdp, theta, discount=gamma)
    # Enumeration of the horizon-T problem with the weights E[Psi_t | s_t, a_t] = Q_gamma:
    # sum_t gamma^(t-1) E[score_t Q_gamma(s_t, a_t)].
    limited = pg.TabularMDP(mdp.transitions, mdp.rewards, mdp.initial, 3, gamma)
    _, q = pg.discounted_values(mdp, theta, discount=gamma)
    trajectories, probabilities = pg.enumerate_trajectories(limited, theta)
    weights = gamma ** np.arange(3) * q[trajectories.states, trajectories.actions]
    per_path = pg.score(theta, trajectories.states, trajectories.actions, weights)
    expected = np.tensordot(probabilities, per_path, 1)
    np.testing.assert_allclose(time_limit_gradient(mdp, theta, 3, discount=gamma,
                                                   bootstrap=True), expected, atol=1e-12)
    long = time_limit_gradient(mdp, theta, 400, discount=gamma, bootstrap=True)
    np.testing.assert_allclose(long, exact, atol=1e-12)


def test_cutting_a_continuing_task_can_reverse_the_gradient():
    # Stop pays 5 at once; continuing pays 1 a step, worth 1 / (1 - gamma) = 10 for ever. At a
    # time limit of 5 the cut returns say stop; the bootstrapped ones agree with grad J_gamma.
    mdp, theta = pg.stop_or_continue(stop_reward=5.0), np.array([[0.0, 2.0], [0.0, 0.0]])
    true = pg.discounted_gradient(mdp, theta, discount=0.9)[0, 1]
    cut = time_limit_gradient(mdp, theta, 5, discount=0.9, bootstrap=False)[0, 1]
    boot = time_limit_gradient(mdp, theta, 5, discount=0.9, bootstrap=True)[0, 1]
    assert true > 0 and boot > 0 and cut < 0


@pytest.mark.parametrize("bootstrap", [False, True])
@pytest.mark.parametrize("case", [0, 1])
def test_samples_agree_with_the_exact_means(case, bootstrap):
    # 4 standard errors per coordinate; the chain and stop-or-continue have at most 4 distinct
    # nonzero coordinates up to sign: false-alarm rate < 2.6e-4 per test (normal approximation).
    mdp, theta, gamma = _problems()[case]
    samples = time_limit_samples(mdp, theta, 50_000, 6, rng=4, discount=gamma,
                                 bootstrap=bootstrap)
    exact = time_limit_gradient(mdp, theta, 6, discount=gamma, bootstrap=bootstrap)
    se = samples.std(axis=0, ddof=1) / np.sqrt(samples.shape[0])
    assert np.all(np.abs(samples.mean(axis=0) - exact) <= 4 * se + 1e-12)


def test_time_limited_samples_stop_at_terminal_states():
    mdp, theta = pg.stop_or_continue(stop_reward=5.0), np.zeros((2, 2))
    samples = time_limit_samples(mdp, theta, 200, 4, rng=5, discount=0.9, bootstrap=True)
    np.testing.assert_array_equal(samples[:, 1], 0.0)  # no score in the terminal state


def test_options_are_validated():
    mdp, theta = pg.chain_mdp(), np.zeros((4, 2))
    with pytest.raises(TypeError, match="bootstrap must be a bool"):
        time_limit_gradient(mdp, theta, 3, discount=0.9, bootstrap="yes")
    with pytest.raises(TypeError, match="time_limit must be a positive int"):
        time_limit_gradient(mdp, theta, 2.0, discount=0.9, bootstrap=True)
    with pytest.raises(ValueError, match="discount"):
        time_limit_weight_bias(mdp, theta, 3, discount=1.5)
    with pytest.raises(ValueError, match="every episode to end"):
        time_limit_gradient(mdp, theta, 3, discount=1.0, bootstrap=True)
    with pytest.raises(TypeError, match="mdp must be a TabularMDP"):
        time_limit_samples(None, theta, 3, 3, discount=0.9, bootstrap=False)


def test_same_seed_same_samples():
    mdp, theta = pg.chain_mdp(), np.zeros((4, 2))
    first = time_limit_samples(mdp, theta, 20, 5, rng=7, discount=0.9, bootstrap=True)
    second = time_limit_samples(mdp, theta, 20, 5, rng=7, discount=0.9, bootstrap=True)
    np.testing.assert_array_equal(first, second)
