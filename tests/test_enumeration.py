"""Tests for pgtheory.enumeration: brute force over every trajectory (eq. traj-prob)."""

import numpy as np
import pytest

import pgtheory as pg


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_probabilities_sum_to_one_and_match_trajectory_log_prob(seed):
    rng = np.random.default_rng(seed)
    mdp = pg.random_mdp(3, 2, 3, rng=rng)
    theta = rng.normal(size=(3, 2))
    trajectories, probabilities = pg.enumerate_trajectories(mdp, theta)
    assert trajectories.states.shape == (216, 3)  # (S A)^H, all positive here
    assert probabilities.sum() == pytest.approx(1.0, abs=1e-12)
    np.testing.assert_allclose(
        pg.trajectory_log_prob(mdp, theta, trajectories.states, trajectories.actions),
        np.log(probabilities),
        rtol=1e-12,
    )
    # Every listed trajectory is distinct.
    keys = np.concatenate([trajectories.states, trajectories.actions], axis=1)
    assert len(np.unique(keys, axis=0)) == len(keys)


def test_trajectory_log_prob_includes_initial_and_transition_terms():
    mdp = pg.random_mdp(2, 2, 2, rng=5)
    theta = np.array([[0.1, -0.3], [0.7, 0.2]])
    states, actions = np.array([[1, 0]]), np.array([[0, 1]])
    log_pi = pg.log_softmax_policy(theta)
    expected = (
        np.log(mdp.initial[1]) + log_pi[1, 0] + np.log(mdp.transitions[1, 0, 0]) + log_pi[0, 1]
    )
    assert pg.trajectory_log_prob(mdp, theta, states, actions)[0] == pytest.approx(expected)


def test_impossible_trajectories_have_log_prob_minus_inf_and_are_not_listed():
    mdp = pg.chain_mdp(slip=0.0)
    theta = np.zeros((4, 2))
    # Starting in s1 is impossible (rho = e_0); so is jumping from s0 to s2.
    log_prob = pg.trajectory_log_prob(
        mdp, theta, [[1, 1, 1, 1], [0, 2, 2, 2], [0, 1, 2, 3]], [[0, 0, 0, 0]] * 2 + [[1, 1, 1, 0]]
    )
    assert log_prob[0] == -np.inf and log_prob[1] == -np.inf
    assert log_prob[2] == pytest.approx(4 * np.log(0.5))
    trajectories, probabilities = pg.enumerate_trajectories(mdp, theta)
    assert len(probabilities) == 2**4  # deterministic: one path per action sequence
    assert np.all(probabilities > 0)


def test_expected_return_by_enumeration_on_a_bandit():
    mdp = pg.bandit([2.0, 4.0])
    theta = np.array([[0.0, np.log(3.0)]])  # pi = (1/4, 3/4)
    assert pg.expected_return_by_enumeration(mdp, theta) == pytest.approx(3.5)


def test_refuses_to_list_too_many_trajectories():
    mdp = pg.random_mdp(4, 4, 6, rng=0)  # (4 * 4)^6 ~ 1.7e7 trajectories
    with pytest.raises(ValueError, match="more than 1000000 trajectories"):
        pg.enumerate_trajectories(mdp, np.zeros((4, 4)))
    with pytest.raises(ValueError, match="more than 10 trajectories"):
        pg.enumerate_trajectories(pg.random_mdp(2, 2, 2, rng=0), np.zeros((2, 2)), 10)


def test_bad_inputs_name_the_argument():
    mdp = pg.random_mdp(2, 2, 3, rng=0)
    theta = np.zeros((2, 2))
    with pytest.raises(ValueError, match=r"states has shape \(1, 2\); expected \(n, H\)"):
        pg.trajectory_log_prob(mdp, theta, [[0, 1]], [[0, 1]])
    with pytest.raises(ValueError, match=r"states\[0, 2\] is 2; states must lie in \[0, 2\)"):
        pg.trajectory_log_prob(mdp, theta, [[0, 1, 2]], [[0, 1, 1]])
    with pytest.raises(ValueError, match=r"theta has shape"):
        pg.enumerate_trajectories(mdp, np.zeros((3, 2)))
    with pytest.raises(TypeError, match="max_trajectories must be a positive int"):
        pg.enumerate_trajectories(mdp, theta, max_trajectories=1e6)
