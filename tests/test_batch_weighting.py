"""Tests for pgtheory.batch_weighting: the exact moments of batch-weighted estimates.

Checked against brute-force sums over every N-tuple of trajectories
(tests/batch_references.py), closed forms (the unbiased and the in-sample mean baselines, the
one-episode variance over N), the large-N limit, and samples. Statistical tests use fixed seeds
and tolerances in standard errors; the false-alarm rate is stated beside each.
"""

import numpy as np
import pytest
from batch_references import binary_reward_mdp, brute_force, episodic_mdp

import pgtheory as pg
from pgtheory.batch_estimators import batch_gradient_samples
from pgtheory.batch_weighting import exact_batch_mean, exact_batch_variance


@pytest.mark.parametrize("weighting", ["raw", "leave_one_out_mean", "mean_in_sample",
                                       "standardized"])
@pytest.mark.parametrize("n", [2, 3])
def test_exact_batch_moments_matchbrute_force(weighting, n):
    mdp, theta = binary_reward_mdp(19)
    mean, variance = brute_force(mdp, theta, n, weighting=weighting)
    np.testing.assert_allclose(exact_batch_mean(mdp, theta, n, weighting=weighting), mean,
                               atol=1e-12)
    np.testing.assert_allclose(exact_batch_variance(mdp, theta, n, weighting=weighting),
                               variance, atol=1e-12)


def test_exact_batch_moments_with_ddof_one_and_terminal_states_matchbrute_force():
    mdp, theta = episodic_mdp(20, n_states=2, horizon=2)
    mean, variance = brute_force(mdp, theta, 3, weighting="standardized", ddof=1)
    np.testing.assert_allclose(exact_batch_mean(mdp, theta, 3, ddof=1), mean, atol=1e-12)
    np.testing.assert_allclose(exact_batch_variance(mdp, theta, 3, ddof=1), variance,
                               atol=1e-12)


@pytest.mark.parametrize("n", [4, 16])
def test_exact_batch_means_of_the_mean_baselines_are_closed_forms(n):
    mdp, theta = pg.chain_mdp(), np.random.default_rng(21).normal(size=(4, 2))
    gradient = pg.exact_gradient(mdp, theta)
    for weighting, factor in (("raw", 1.0), ("leave_one_out_mean", 1.0),
                              ("mean_in_sample", (n - 1) / n)):
        np.testing.assert_allclose(exact_batch_mean(mdp, theta, n, weighting=weighting),
                                   factor * gradient, atol=1e-10)


def test_exact_raw_batch_variance_is_the_one_episode_variance_over_n():
    mdp, theta = pg.chain_mdp(), np.random.default_rng(22).normal(size=(4, 2))
    one = pg.exact_estimator_variance(mdp, theta)
    np.testing.assert_allclose(exact_batch_variance(mdp, theta, 5, weighting="raw"), one / 5,
                               atol=1e-10)


def test_standardized_batch_mean_tends_to_the_gradient_over_the_return_spread():
    # As N grows, (R - mean) / s -> (R - J) / sd(R), whose mean is grad J / sd(R).
    mdp, theta = binary_reward_mdp(23, n_states=3, horizon=3)
    trajectories, probabilities = pg.enumerate_trajectories(mdp, theta)
    returns = trajectories.returns
    spread = np.sqrt(probabilities @ (returns - probabilities @ returns) ** 2)
    limit = pg.exact_gradient(mdp, theta) / spread
    gaps = [np.abs(exact_batch_mean(mdp, theta, n) - limit).max() for n in (8, 32, 128)]
    assert gaps[0] > gaps[1] > gaps[2]
    assert gaps[2] < 0.02 * np.abs(limit).max()


@pytest.mark.parametrize("n", [4, 16])
def test_sampled_batches_agree_with_the_exact_moments(n):
    # 4 standard errors per coordinate; the chain's 8 coordinates are 4 distinct numbers
    # and their negatives, so 4 tests per weighting, 8 in all: false-alarm rate < 5e-4 for the
    # means (normal approximation). The variance estimate gets 5 of its standard errors.
    mdp, theta = pg.chain_mdp(), np.zeros((4, 2))
    for weighting in ("leave_one_out_mean", "standardized"):
        samples = batch_gradient_samples(mdp, theta, n, 20_000, rng=n, weighting=weighting)
        mean = exact_batch_mean(mdp, theta, n, weighting=weighting)
        variance = exact_batch_variance(mdp, theta, n, weighting=weighting)
        se = np.sqrt(variance / samples.shape[0])
        assert np.all(np.abs(samples.mean(axis=0) - mean) <= 4 * se + 1e-12)
        total, total_se = pg.total_variance(samples)
        assert abs(total - variance.sum()) < 5 * total_se


def test_exact_batch_functions_refuse_too_large_enumerations():
    mdp, theta = pg.chain_mdp(), np.zeros((4, 2))
    with pytest.raises(ValueError, match="multisets of returns"):
        exact_batch_variance(mdp, theta, 64)


def test_bad_input_is_refused_naming_it():
    mdp, theta = pg.chain_mdp(), np.zeros((4, 2))
    with pytest.raises(TypeError, match="mdp must be a TabularMDP"):
        exact_batch_mean("chain", theta, 4)
    with pytest.raises(ValueError, match="theta has shape"):
        exact_batch_variance(mdp, np.zeros((3, 2)), 4)
    with pytest.raises(ValueError, match="weighting must be one of"):
        exact_batch_mean(mdp, theta, 4, weighting="zscore")
    with pytest.raises(ValueError, match="n_episodes >= 2"):
        exact_batch_mean(mdp, theta, 1, weighting="standardized")
    with pytest.raises(ValueError, match="n_episodes must be at least 2"):
        exact_batch_variance(mdp, theta, 1, weighting="raw")
