"""Tests for pgtheory.batch_estimators: pooled-step averages and batch-dependent weights.

Every exact function is checked against an independent reference: brute-force sums over
every N-tuple of trajectories, closed forms, the exact gradient, or samples. Statistical tests
use fixed seeds and tolerances in standard errors; the false-alarm rate (the chance that a
correct implementation fails for a fresh seed) is stated beside each.
"""

import itertools

import numpy as np
import pytest

import pgtheory as pg
from pgtheory.batch_estimators import (
    batch_gradient,
    batch_gradient_samples,
    episode_lengths,
    exact_batch_mean,
    exact_batch_variance,
    exact_pooled_step_mean,
    expected_episode_length,
)


def _binary_reward_mdp(seed, n_states=2, n_actions=2, horizon=2):
    """A random MDP paying 0 or 1: few distinct returns, so exact batch sums are cheap."""
    base = pg.random_mdp(n_states, n_actions, horizon, rng=seed)
    mdp = pg.TabularMDP(base.transitions, (base.rewards > 0).astype(float), base.initial, horizon)
    theta = np.random.default_rng(seed + 100).normal(size=(n_states, n_actions))
    return mdp, theta


def _episodic_mdp(seed, n_states=3, n_actions=2, horizon=3):
    """A random MDP plus a terminal state entered with probability 0.3 after every step."""
    base = pg.random_mdp(n_states, n_actions, horizon, rng=seed)
    transitions = np.zeros((n_states + 1, n_actions, n_states + 1))
    transitions[:-1, :, :-1] = 0.7 * base.transitions
    transitions[:-1, :, -1] = 0.3
    transitions[-1, :, -1] = 1.0
    rewards = np.vstack([base.rewards, np.zeros(n_actions)])
    mdp = pg.TabularMDP(transitions, rewards, np.append(base.initial, 0.0), horizon)
    theta = np.random.default_rng(seed + 200).normal(size=(n_states + 1, n_actions))
    return mdp, theta


def _enumerated(mdp, theta):
    """Probabilities, returns, lengths, masked score sums B and reward-to-go sums of every
    trajectory, computed here from pgtheory's primitives step by step."""
    trajectories, probabilities = pg.enumerate_trajectories(mdp, theta)
    terminal = pg.terminal_states(mdp)
    k, horizon = trajectories.states.shape
    lengths = np.zeros(k, dtype=int)
    scores = np.zeros((k,) + theta.shape)
    to_go_sums = np.zeros((k,) + theta.shape)
    to_go = pg.reward_to_go(trajectories.rewards)
    for i in range(k):
        for t in range(horizon):
            s, a = trajectories.states[i, t], trajectories.actions[i, t]
            if terminal[s]:
                break
            lengths[i] += 1
            scores[i] += pg.log_policy_grad(theta, s, a)
            to_go_sums[i] += pg.log_policy_grad(theta, s, a) * to_go[i, t]
    return probabilities, trajectories.returns, lengths, scores, to_go_sums


def _weights(returns, weighting, ddof=0):
    n = returns.size
    if weighting == "raw":
        return returns
    if weighting == "leave_one_out_mean":
        return np.array([returns[i] - np.delete(returns, i).mean() for i in range(n)])
    centred = returns - returns.mean()
    if weighting == "mean_in_sample":
        return centred
    if np.all(returns == returns[0]):  # s = 0: the weights are 0 (the limit of / (s + eps))
        return np.zeros(n)
    return centred / returns.std(ddof=ddof)


def _brute_force(mdp, theta, n, weighting="raw", average_over="episodes", ddof=0,
                 estimator="total_return"):
    """Mean and per-coordinate variance over every N-tuple of trajectories."""
    probabilities, returns, lengths, scores, to_go_sums = _enumerated(mdp, theta)
    mean = np.zeros(theta.shape)
    second = np.zeros(theta.shape)
    for tup in itertools.product(range(len(probabilities)), repeat=n):
        tup = list(tup)
        if estimator == "total_return":
            terms = _weights(returns[tup], weighting, ddof)[:, None, None] * scores[tup]
        else:
            terms = to_go_sums[tup]
        divisor = n if average_over == "episodes" else lengths[tup].sum()
        g = terms.sum(axis=0) / divisor
        p = np.prod(probabilities[tup])
        mean += p * g
        second += p * g**2
    return mean, second - mean**2


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
    mdp, theta = _episodic_mdp(seed)
    probabilities, _, lengths, _, _ = _enumerated(mdp, theta)
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
    mdp, theta = _episodic_mdp(4)
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
    w = _weights(trajectories.returns, weighting, ddof)
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
    mdp, theta = _episodic_mdp(13)
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
def test_exact_pooled_step_mean_matches_brute_force(n, estimator):
    mdp, theta = _episodic_mdp(15, n_states=2, horizon=2)
    expected, _ = _brute_force(mdp, theta, n, average_over="steps", estimator=estimator)
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
    mdp, theta = _episodic_mdp(18, n_states=2, horizon=3)
    probabilities, returns, lengths, scores, _ = _enumerated(mdp, theta)
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


@pytest.mark.parametrize("weighting", ["raw", "leave_one_out_mean", "mean_in_sample",
                                       "standardized"])
@pytest.mark.parametrize("n", [2, 3])
def test_exact_batch_moments_match_brute_force(weighting, n):
    mdp, theta = _binary_reward_mdp(19)
    mean, variance = _brute_force(mdp, theta, n, weighting=weighting)
    np.testing.assert_allclose(exact_batch_mean(mdp, theta, n, weighting=weighting), mean,
                               atol=1e-12)
    np.testing.assert_allclose(exact_batch_variance(mdp, theta, n, weighting=weighting),
                               variance, atol=1e-12)


def test_exact_batch_moments_with_ddof_one_and_terminal_states_match_brute_force():
    mdp, theta = _episodic_mdp(20, n_states=2, horizon=2)
    mean, variance = _brute_force(mdp, theta, 3, weighting="standardized", ddof=1)
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
    mdp, theta = _binary_reward_mdp(23, n_states=3, horizon=3)
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
        exact_batch_mean("chain", theta, 4)
    with pytest.raises(ValueError, match="theta has shape"):
        exact_pooled_step_mean(mdp, np.zeros((3, 2)), 4)


def test_same_seed_same_batches():
    mdp, theta = pg.chain_mdp(), np.zeros((4, 2))
    first = batch_gradient_samples(mdp, theta, 4, 10, rng=np.random.SeedSequence(5))
    second = batch_gradient_samples(mdp, theta, 4, 10, rng=np.random.SeedSequence(5))
    np.testing.assert_array_equal(first, second)
