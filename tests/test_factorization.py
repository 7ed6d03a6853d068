"""Tests for pgtheory.factorization: the terms of log p_theta(tau) (eq. log-traj-prob)."""

import numpy as np
import pytest

import pgtheory as pg


@pytest.fixture
def episodes():
    mdp = pg.random_mdp(4, 3, 5, rng=0)
    theta = np.random.default_rng(1).normal(size=(4, 3))
    trajectories = pg.sample_trajectories(mdp, theta, n_episodes=50, rng=2)
    return mdp, theta, trajectories.states, trajectories.actions


def test_terms_have_the_documented_shapes(episodes):
    mdp, theta, states, actions = episodes
    initial, policy, dynamics = pg.trajectory_log_prob_terms(mdp, theta, states, actions)
    assert initial.shape == (50,)
    assert policy.shape == (50, 5)
    assert dynamics.shape == (50, 4)  # no transition after the last step H


def test_terms_add_up_to_the_probability_of_every_enumerated_trajectory():
    # Enumeration grows each trajectory's probability step by step, independently of this
    # module (pg.trajectory_log_prob is now the sum of these terms, so it is not a check).
    mdp = pg.random_mdp(3, 2, 3, rng=4)
    theta = np.random.default_rng(5).normal(size=(3, 2))
    every, probabilities = pg.enumerate_trajectories(mdp, theta)
    initial, policy, dynamics = pg.trajectory_log_prob_terms(mdp, theta, every.states,
                                                             every.actions)
    total = initial + policy.sum(axis=1) + dynamics.sum(axis=1)
    np.testing.assert_allclose(total, np.log(probabilities), rtol=1e-12)
    np.testing.assert_array_equal(
        total, pg.trajectory_log_prob(mdp, theta, every.states, every.actions)
    )


def test_each_term_is_the_named_log_probability(episodes):
    mdp, theta, states, actions = episodes
    initial, policy, dynamics = pg.trajectory_log_prob_terms(mdp, theta, states, actions)
    i, t = 7, 2  # episode 8, book step t = 3
    s, a, s_next = states[i, t], actions[i, t], states[i, t + 1]
    assert initial[i] == pytest.approx(np.log(mdp.initial[states[i, 0]]))
    assert policy[i, t] == pytest.approx(np.log(pg.softmax_policy(theta)[s, a]))
    assert dynamics[i, t] == pytest.approx(np.log(mdp.transitions[s, a, s_next]))


def test_only_the_policy_term_depends_on_theta(episodes):
    mdp, theta, states, actions = episodes
    before = pg.trajectory_log_prob_terms(mdp, theta, states, actions)
    after = pg.trajectory_log_prob_terms(mdp, theta + np.arange(12.0).reshape(4, 3),
                                         states, actions)
    np.testing.assert_array_equal(before[0], after[0])
    np.testing.assert_array_equal(before[2], after[2])
    assert not np.allclose(before[1], after[1])


def test_only_the_policy_term_ignores_the_dynamics(episodes):
    mdp, theta, states, actions = episodes
    other = pg.random_mdp(4, 3, 5, rng=99)
    initial_a, policy_a, dynamics_a = pg.trajectory_log_prob_terms(mdp, theta, states, actions)
    initial_b, policy_b, dynamics_b = pg.trajectory_log_prob_terms(other, theta, states, actions)
    np.testing.assert_array_equal(policy_a, policy_b)
    assert not np.allclose(initial_a, initial_b)
    assert not np.allclose(dynamics_a, dynamics_b)


def test_impossible_step_gives_minus_infinity():
    mdp = pg.chain_mdp(slip=0.0)
    theta = np.zeros((4, 2))
    # "right" from s0 cannot leave the agent in s0 when nothing slips.
    initial, policy, dynamics = pg.trajectory_log_prob_terms(
        mdp, theta, [[0, 0, 0, 0]], [[1, 0, 0, 0]]
    )
    assert initial[0] == 0.0
    assert dynamics[0, 0] == -np.inf
    assert np.isfinite(policy).all()


def test_rejects_episodes_of_the_wrong_length():
    mdp = pg.chain_mdp()
    with pytest.raises(ValueError, match="expected \\(n, H\\)"):
        pg.trajectory_log_prob_terms(mdp, np.zeros((4, 2)), [[0, 1, 2]], [[1, 1, 0]])
