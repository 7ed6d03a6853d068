"""Tests for pgtheory.batch_estimators: pooled-step averages and batch-dependent weights.

Every exact function is checked against an independent reference: brute-force sums over
every N-tuple of trajectories (tests/batch_references.py), closed forms, the exact gradient, or
samples. Statistical tests
use fixed seeds and tolerances in standard errors; the false-alarm rate (the chance that a
correct implementation fails for a fresh seed) is stated beside each.
"""

import numpy as np
import pytest
from batch_references import batch_weights, brute_force, enumerated, episodic_mdp

import pgtheory as pg
from pgtheory.batch_estimators import (
    batch_gradient,
    batch_gradient_samples,
    episode_lengths,
    exact_pooled_step_mean,
    expected_episode_length,
)

# --- episode lengths -------------------------------------------------------------------------


def test_episode_lengths_count_the_steps_before_the_terminal_state():
    mdp = pg.stop_or_continue(3)
    trajectories = pg.Trajectories(np.array([[0, 1, 1], [0, 0, 0]]),
                                   np.array([[0, 1, 1], [1, 1, 1]]), np.zeros((2, 3)))
    np.testing.assert_array_equal(episode_lengths(mdp, trajectories), [1, 3])
    chain_batch = pg.sample_trajectories(pg.chain_mdp(), np.zeros((4, 2)), 5, rng=0)
    np.testing.assert_array_equal(episode_lengths(pg.chain_mdp(), chain_batch), 4)


@pytest.mark.parametrize("seed", [0, 1])
def test_expected_episode_length_matches_enumeration(seed):
    mdp, theta = episodic_mdp(seed)
    probabilities, _, lengths, _, _ = enumerated(mdp, theta)
    assert expected_episode_length(mdp, theta) == pytest.approx(probabilities @ lengths,
                                                                abs=1e-12)


# --- single batches --------------------------------------------------------------------------


@pytest.mark.parametrize("estimator", ["total_return", "reward_to_go"])
def test_raw_episode_average_is_the_mean_of_episode_gradients(estimator):
    mdp, theta = pg.random_mdp(3, 2, 3, rng=1), np.random.default_rng(2).normal(size=(3, 2))
    trajectories = pg.sample_trajectories(mdp, theta, 7, rng=3)
    expected = pg.episode_gradients(mdp, theta, trajectories, estimator=estimator).mean(axis=0)
    got = batch_gradient(mdp, theta, trajectories, estimator=estimator)
    np.testing.assert_allclose(got, expected, atol=1e-12)


def test_pooled_steps_divide_by_the_total_length():
    mdp, theta = episodic_mdp(4)
    trajectories = pg.sample_trajectories(mdp, theta, 6, rng=5)
    episodes = batch_gradient(mdp, theta, trajectories)
    steps = batch_gradient(mdp, theta, trajectories, average_over="steps")
    total = episode_lengths(mdp, trajectories).sum()
    np.testing.assert_allclose(steps * total, episodes * 6, atol=1e-12)


@pytest.mark.parametrize("weighting", ["leave_one_out_mean", "mean_in_sample", "standardized"])
@pytest.mark.parametrize("ddof", [0, 1])
def test_batch_weightings_match_a_loop_over_episodes(weighting, ddof):
    mdp, theta = pg.random_mdp(3, 2, 3, rng=6), np.random.default_rng(7).normal(size=(3, 2))
    trajectories = pg.sample_trajectories(mdp, theta, 5, rng=8)
    scores = pg.score(theta, trajectories.states, trajectories.actions)
    w = batch_weights(trajectories.returns, weighting, ddof)
    expected = (w[:, None, None] * scores).mean(axis=0)
    got = batch_gradient(mdp, theta, trajectories, weighting=weighting, ddof=ddof)
    np.testing.assert_allclose(got, expected, atol=1e-12)


def test_leave_one_out_weighting_matches_the_tabular_baseline():
    mdp, theta = pg.random_mdp(3, 2, 3, rng=9), np.random.default_rng(10).normal(size=(3, 2))
    trajectories = pg.sample_trajectories(mdp, theta, 6, rng=11)
    expected = pg.episode_gradients(mdp, theta, trajectories,
                                    baseline="leave_one_out_mean").mean(axis=0)
    got = batch_gradient(mdp, theta, trajectories, weighting="leave_one_out_mean")
    np.testing.assert_allclose(got, expected, atol=1e-12)


def test_every_batch_of_the_three_weightings_points_the_same_way():
    # R_n - mean = ((N-1)/N)(R_n - mean of the others), and standardizing divides the whole
    # batch by one number: in every batch the three estimates are positive multiples.
    mdp, theta = pg.chain_mdp(), np.zeros((4, 2))
    n = 8
    loo, centred, standard = (batch_gradient_samples(mdp, theta, n, 50, rng=12, weighting=w)
                              for w in ("leave_one_out_mean", "mean_in_sample", "standardized"))
    np.testing.assert_allclose(centred, (n - 1) / n * loo, atol=1e-12)
    batch = pg.sample_trajectories(mdp, theta, n * 50, rng=12)
    spread = batch.returns.reshape(50, n).std(axis=1)
    factor = np.divide((n - 1) / n, spread, out=np.zeros(50), where=spread > 0)
    np.testing.assert_allclose(standard, factor[:, None, None] * loo, atol=1e-12)


def test_all_equal_returns_give_a_zero_standardized_estimate():
    # The mean of three 0.7s is 0.7000000000000001 in floating point, so numpy's std is
    # about 1e-16, not 0; the weights must still be 0, not +-1.
    mdp = pg.bandit([0.7, 0.7])
    trajectories = pg.sample_trajectories(mdp, np.zeros((1, 2)), 3, rng=0)
    assert trajectories.returns.std() > 0
    for ddof in (0, 1):
        got = batch_gradient(mdp, np.zeros((1, 2)), trajectories, weighting="standardized",
                             ddof=ddof)
        np.testing.assert_array_equal(got, 0.0)


def test_batch_gradient_samples_reuse_the_same_episodes_for_every_option():
    mdp, theta = episodic_mdp(13)
    samples = batch_gradient_samples(mdp, theta, 4, 3, rng=14, average_over="steps")
    batch = pg.sample_trajectories(mdp, theta, 12, rng=14)
    for m in range(3):
        part = pg.Trajectories(batch.states[4 * m:4 * m + 4], batch.actions[4 * m:4 * m + 4],
                               batch.rewards[4 * m:4 * m + 4])
        np.testing.assert_allclose(samples[m], batch_gradient(mdp, theta, part,
                                                              average_over="steps"), atol=1e-12)


# --- exact means and variances ---------------------------------------------------------------


@pytest.mark.parametrize("n", [1, 2, 3])
@pytest.mark.parametrize("estimator", ["total_return", "reward_to_go"])
def test_exact_pooled_step_mean_matchesbrute_force(n, estimator):
    mdp, theta = episodic_mdp(15, n_states=2, horizon=2)
    expected, _ = brute_force(mdp, theta, n, average_over="steps", estimator=estimator)
    got = exact_pooled_step_mean(mdp, theta, n, estimator=estimator)
    np.testing.assert_allclose(got, expected, atol=1e-12)


def test_pooled_step_mean_with_a_fixed_horizon_is_the_gradient_over_h():
    mdp, theta = pg.random_mdp(3, 2, 3, rng=16), np.random.default_rng(17).normal(size=(3, 2))
    for n in (1, 5, 40):
        np.testing.assert_allclose(exact_pooled_step_mean(mdp, theta, n),
                                   pg.exact_gradient(mdp, theta) / 3, atol=1e-12)


def test_stop_or_continue_pooled_step_means_of_book_cartpole():
    # book/cartpole: 0 for one episode, 1/12 for two, -> 1/6 = (1/4) / E[T] (continue column).
    mdp, theta = pg.stop_or_continue(), np.zeros((2, 2))
    assert exact_pooled_step_mean(mdp, theta, 1)[0, 1] == pytest.approx(0.0, abs=1e-15)
    assert exact_pooled_step_mean(mdp, theta, 2)[0, 1] == pytest.approx(1 / 12, abs=1e-15)
    assert exact_pooled_step_mean(mdp, theta, 2000)[0, 1] == pytest.approx(1 / 6, abs=1e-4)


def test_pooled_step_mean_approaches_the_ratio_of_means_at_rate_one_over_n():
    # Delta method: E[g_bar / T_bar] = mu_g / mu_T + c / N + O(1/N^2), with
    # c = mu_g Var(T) / mu_T^3 - Cov(g, T) / mu_T^2. An independent closed form for c.
    mdp, theta = episodic_mdp(18, n_states=2, horizon=3)
    probabilities, returns, lengths, scores, _ = enumerated(mdp, theta)
    g = returns[:, None, None] * scores
    mu_g, mu_t = np.tensordot(probabilities, g, 1), probabilities @ lengths
    var_t = probabilities @ (lengths - mu_t) ** 2
    cov = np.tensordot(probabilities * (lengths - mu_t), g - mu_g, 1)
    c = mu_g * var_t / mu_t**3 - cov / mu_t**2
    n = 400
    gap = exact_pooled_step_mean(mdp, theta, n) - mu_g / mu_t
    np.testing.assert_allclose(n * gap, c, atol=0.02 * np.abs(c).max())


def test_exact_pooled_step_mean_rejects_an_mdp_that_starts_terminal():
    mdp = pg.TabularMDP(np.ones((1, 2, 1)), np.zeros((1, 2)), np.ones(1), 2)
    with pytest.raises(ValueError, match="terminal state"):
        exact_pooled_step_mean(mdp, np.zeros((1, 2)), 2)


# --- validation ------------------------------------------------------------------------------


def test_options_are_validated_with_clear_messages():
    mdp, theta = pg.chain_mdp(), np.zeros((4, 2))
    trajectories = pg.sample_trajectories(mdp, theta, 3, rng=0)
    with pytest.raises(ValueError, match="weighting must be one of"):
        batch_gradient(mdp, theta, trajectories, weighting="zscore")
    with pytest.raises(ValueError, match="average_over must be one of"):
        batch_gradient(mdp, theta, trajectories, average_over="batch")
    with pytest.raises(ValueError, match="ddof must be 0"):
        batch_gradient(mdp, theta, trajectories, ddof=2)
    with pytest.raises(ValueError, match="estimator='total_return'"):
        batch_gradient(mdp, theta, trajectories, estimator="reward_to_go",
                       weighting="standardized")
    with pytest.raises(ValueError, match="n_episodes >= 2"):
        batch_gradient_samples(mdp, theta, 1, 3, weighting="leave_one_out_mean")
    with pytest.raises(TypeError, match="trajectories must be a Trajectories"):
        batch_gradient(mdp, theta, trajectories.states)
    with pytest.raises(ValueError, match="horizon"):
        batch_gradient(pg.stop_or_continue(3), np.zeros((2, 2)), trajectories)
    with pytest.raises(TypeError, match="mdp must be a TabularMDP"):
        exact_pooled_step_mean("chain", theta, 4)
    with pytest.raises(ValueError, match="theta has shape"):
        exact_pooled_step_mean(mdp, np.zeros((3, 2)), 4)


def test_same_seed_same_batches():
    mdp, theta = pg.chain_mdp(), np.zeros((4, 2))
    first = batch_gradient_samples(mdp, theta, 4, 10, rng=np.random.SeedSequence(5))
    second = batch_gradient_samples(mdp, theta, 4, 10, rng=np.random.SeedSequence(5))
    np.testing.assert_array_equal(first, second)
