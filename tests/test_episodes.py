"""Tests for pgtheory.episodes.leave_one_out_mean (reward_to_go and length_mask are tested in
tests/test_estimators.py and tests/test_linear_policy.py)."""

import numpy as np
import pytest

import pgtheory as pg


def test_leave_one_out_mean_by_hand():
    weights = np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 9.0]])
    expected = [[4.0, 6.5], [3.0, 5.5], [2.0, 3.0]]
    np.testing.assert_allclose(pg.leave_one_out_mean(weights), expected)


def test_leave_one_out_mean_uses_only_the_episodes_still_running():
    weights = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 0.0], [7.0, 0.0, 0.0]])
    mask = pg.length_mask(np.array([3, 2, 1]))
    got = pg.leave_one_out_mean(weights, mask)
    # step 1: all three run; step 2: episodes 0 and 1; step 3: episode 0 alone (no other: 0)
    expected = [[5.5, 5.0, 0.0], [4.0, 2.0, 0.0], [2.5, 0.0, 0.0]]
    np.testing.assert_allclose(got, expected)


def test_leave_one_out_mean_loses_no_digits_to_a_huge_weight():
    weights = np.array([[1e17], [1.0], [3.0]])
    got = pg.leave_one_out_mean(weights)
    assert got[0, 0] == 2.0  # total minus own would give 0 or 4 here


def test_leave_one_out_mean_matches_the_linear_policy_baseline():
    rng = np.random.default_rng(0)
    lengths = np.array([4, 2, 3, 4])
    mask = pg.length_mask(lengths)
    features = rng.normal(size=(4, 4, 3))
    actions = rng.integers(2, size=(4, 4))
    rewards = np.where(mask, rng.normal(size=(4, 4)), 0.0)
    W = rng.normal(size=(3, 2))
    to_go = pg.reward_to_go(rewards, mask=mask)
    psi = to_go - pg.leave_one_out_mean(to_go, mask)
    scores = pg.linear_step_scores(W, features.reshape(-1, 3), actions.ravel()).reshape(
        4, 4, 3, 2)
    expected = np.einsum("nt,ntda->nda", np.where(mask, psi, 0.0), scores)
    got = pg.linear_episode_gradients(W, features, actions, rewards, mask,
                                      baseline="leave_one_out_mean")
    np.testing.assert_allclose(got, expected, atol=1e-12)


def test_leave_one_out_mean_validates_its_inputs():
    with pytest.raises(ValueError, match="weights must have shape"):
        pg.leave_one_out_mean(np.zeros(3))
    with pytest.raises(ValueError, match="mask has shape"):
        pg.leave_one_out_mean(np.zeros((2, 3)), np.ones((2, 2), dtype=bool))
    with pytest.raises(ValueError, match="must be finite"):
        pg.leave_one_out_mean(np.array([[np.nan], [1.0]]))
