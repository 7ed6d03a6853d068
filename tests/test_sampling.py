"""Tests for pgtheory.sampling: episodes drawn from p_theta (eq. traj-prob)."""

import numpy as np
import pytest

import pgtheory as pg


def _episode_keys(trajectories, n_states, n_actions):
    """One integer per distinct (s_1, a_1, ..., s_H, a_H)."""
    key = np.zeros(trajectories.n_episodes, dtype=np.int64)
    for t in range(trajectories.horizon):
        key = (key * n_states + trajectories.states[:, t]) * n_actions + trajectories.actions[:, t]
    return key


def test_episode_frequencies_match_enumerated_probabilities():
    mdp = pg.random_mdp(3, 2, 3, rng=11)
    theta = np.random.default_rng(12).normal(size=(3, 2))
    listed, probabilities = pg.enumerate_trajectories(mdp, theta)
    n = 200_000
    sampled = pg.sample_trajectories(mdp, theta, n, rng=13)
    listed_keys = _episode_keys(listed, 3, 2)
    sampled_keys = _episode_keys(sampled, 3, 2)
    assert np.isin(sampled_keys, listed_keys).all()
    counts = (sampled_keys[:, None] == listed_keys[None, :]).sum(axis=0)
    # Binomial counts, two-sided 4.5-sigma test per trajectory: false-alarm rate
    # 6.8e-6 each, about 1.5e-3 for all 216 trajectories (normal approximation).
    z = (counts - n * probabilities) / np.sqrt(n * probabilities * (1 - probabilities))
    assert np.abs(z).max() < 4.5


def test_rewards_and_returns_follow_the_mdp():
    mdp = pg.random_mdp(4, 3, 5, rng=0, discount=0.8)
    trajectories = pg.sample_trajectories(mdp, np.zeros((4, 3)), 50, rng=1)
    assert trajectories.n_episodes == 50 and trajectories.horizon == 5
    assert trajectories.states.shape == trajectories.actions.shape == (50, 5)
    assert trajectories.states.dtype == np.int64 and trajectories.discount == 0.8
    np.testing.assert_array_equal(
        trajectories.rewards, mdp.rewards[trajectories.states, trajectories.actions]
    )
    np.testing.assert_allclose(
        trajectories.returns, (trajectories.rewards * 0.8 ** np.arange(5)).sum(axis=1)
    )
    # Every sampled step is possible under the MDP.
    log_prob = pg.trajectory_log_prob(mdp, np.zeros((4, 3)), trajectories.states,
                                      trajectories.actions)
    assert np.all(np.isfinite(log_prob))


def test_zero_probability_outcomes_are_never_drawn():
    # Deterministic chain; logits so extreme that pi(collect | s) underflows to 0
    # except in s3, where "right" has probability 0.
    mdp = pg.chain_mdp(slip=0.0)
    theta = np.array([[-1e4, 1e4]] * 3 + [[1e4, -1e4]])
    assert pg.softmax_policy(theta)[0, 0] == 0.0
    trajectories = pg.sample_trajectories(mdp, theta, 10_000, rng=0)
    np.testing.assert_array_equal(trajectories.states, np.tile([0, 1, 2, 3], (10_000, 1)))
    np.testing.assert_array_equal(trajectories.actions, np.tile([1, 1, 1, 0], (10_000, 1)))


def test_same_seed_is_bit_identical_and_different_seeds_differ():
    mdp = pg.random_mdp(5, 3, 6, rng=2)
    theta = np.random.default_rng(3).normal(size=(5, 3))
    a = pg.sample_trajectories(mdp, theta, 1000, rng=42)
    b = pg.sample_trajectories(mdp, theta, 1000, rng=42)
    c = pg.sample_trajectories(mdp, theta, 1000, rng=43)
    for name in ("states", "actions", "rewards"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name))
    assert not np.array_equal(a.actions, c.actions)


def test_a_generator_is_used_and_advanced():
    mdp = pg.random_mdp(3, 2, 4, rng=2)
    theta = np.zeros((3, 2))
    generator = np.random.default_rng(42)
    first = pg.sample_trajectories(mdp, theta, 100, rng=generator)
    second = pg.sample_trajectories(mdp, theta, 100, rng=generator)
    np.testing.assert_array_equal(
        first.actions, pg.sample_trajectories(mdp, theta, 100, rng=42).actions
    )
    assert not np.array_equal(first.actions, second.actions)


def test_trajectories_are_read_only_and_validated():
    trajectories = pg.sample_trajectories(pg.chain_mdp(), np.zeros((4, 2)), 3, rng=0)
    with pytest.raises(ValueError, match="read-only"):
        trajectories.rewards[0, 0] = 1.0
    with pytest.raises(ValueError, match="must share the shape"):
        pg.Trajectories(np.zeros((2, 3), int), np.zeros((2, 3), int), np.zeros((2, 4)))
    with pytest.raises(TypeError, match="states must be an integer array"):
        pg.Trajectories(np.zeros((2, 3)), np.zeros((2, 3), int), np.zeros((2, 3)))
    with pytest.raises(ValueError, match="rewards must be finite"):
        pg.Trajectories(np.zeros((1, 1), int), np.zeros((1, 1), int), [[np.nan]])
    with pytest.raises(ValueError, match="discount must lie in"):
        pg.Trajectories(np.zeros((1, 1), int), np.zeros((1, 1), int), [[0.0]], discount=0.0)


@pytest.mark.parametrize("n", [0, -1, 2.5, True, "3"])
def test_n_must_be_a_positive_int(n):
    with pytest.raises((TypeError, ValueError), match="n_episodes must be a positive int"):
        pg.sample_trajectories(pg.chain_mdp(), np.zeros((4, 2)), n, rng=0)


def test_other_bad_inputs_name_the_argument():
    mdp = pg.chain_mdp()
    with pytest.raises(TypeError, match="rng must be None, an int seed"):
        pg.sample_trajectories(mdp, np.zeros((4, 2)), 5, rng=np.random.RandomState(0))
    with pytest.raises(ValueError, match=r"theta has shape \(4, 3\); expected \(4, 2\)"):
        pg.sample_trajectories(mdp, np.zeros((4, 3)), 5, rng=0)
    with pytest.raises(ValueError, match=r"theta\[3, 1\] is nan"):
        pg.sample_trajectories(mdp, [[0, 0]] * 3 + [[0, np.nan]], 5, rng=0)
    with pytest.raises(TypeError, match="mdp must be a TabularMDP"):
        pg.sample_trajectories(None, np.zeros((4, 2)), 5, rng=0)
