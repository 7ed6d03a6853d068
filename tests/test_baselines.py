"""Tests for pgtheory.baselines: per-step baseline tables, batch-estimated optimal baselines,
and the empirical total variance.

Statistical tests use fixed seeds and tolerances in standard errors; the false-alarm rate
(the chance that a correct implementation fails for a fresh seed) is stated beside each.
"""

import numpy as np
import pytest

import pgtheory as pg
from pgtheory.baselines import (
    exact_step_baseline_moments,
    optimal_baseline_batch_means,
    step_baseline_gradients,
    total_variance,
)


def _problem(seed):
    """A random MDP with S=3, A=2, H=3 and random logits."""
    rng = np.random.default_rng(seed)
    return pg.random_mdp(3, 2, 3, rng=rng), rng.normal(size=(3, 2))


# --- per-step baseline tables ----------------------------------------------------------------


def test_step_baseline_gradients_match_a_loop_over_steps():
    mdp, theta = _problem(0)
    table = np.random.default_rng(1).normal(size=(3, 3, 2))
    trajectories = pg.sample_trajectories(mdp, theta, 5, rng=2)
    got = step_baseline_gradients(mdp, theta, trajectories, table, estimator="reward_to_go")
    to_go = pg.reward_to_go(trajectories.rewards)
    for i in range(5):
        expected = np.zeros((3, 2))
        for t in range(3):
            s, a = trajectories.states[i, t], trajectories.actions[i, t]
            expected += pg.log_policy_grad(theta, s, a) * (to_go[i, t] - table[t, s, a])
        np.testing.assert_allclose(got[i], expected, atol=1e-12)


@pytest.mark.parametrize("estimator", ["total_return", "reward_to_go"])
def test_a_constant_table_equals_the_constant_baseline_of_estimators(estimator):
    mdp, theta = _problem(3)
    trajectories = pg.sample_trajectories(mdp, theta, 7, rng=4)
    got = step_baseline_gradients(mdp, theta, trajectories, np.full((3, 2), 0.4),
                                  estimator=estimator)
    expected = pg.episode_gradients(mdp, theta, trajectories, estimator=estimator, baseline=0.4)
    np.testing.assert_allclose(got, expected, atol=1e-12)


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("estimator", ["total_return", "reward_to_go"])
def test_state_dependent_tables_are_unbiased(seed, estimator):
    mdp, theta = _problem(seed)
    values, _ = pg.value_functions(mdp, theta)
    random_table = np.random.default_rng(seed + 10).normal(size=(3, 3, 1))
    for table in (values[:-1, :, None], random_table):
        mean, _ = exact_step_baseline_moments(mdp, theta, table, estimator=estimator)
        np.testing.assert_allclose(mean, pg.exact_gradient(mdp, theta), atol=1e-10)


def test_subtracting_q_removes_the_whole_gradient():
    # E[G_t | s_t, a_t] = Q_t(s_t, a_t), so G_t - Q_t has conditional mean 0 and so does g.
    mdp, theta = _problem(5)
    _, action_values = pg.value_functions(mdp, theta)
    mean, _ = exact_step_baseline_moments(mdp, theta, action_values, estimator="reward_to_go")
    np.testing.assert_allclose(mean, 0.0, atol=1e-10)
    assert np.abs(pg.exact_gradient(mdp, theta)).max() > 0.05


def test_an_action_dependent_table_biases_the_estimate():
    mdp, theta = _problem(6)
    mean, _ = exact_step_baseline_moments(mdp, theta, mdp.rewards, estimator="reward_to_go")
    assert np.abs(mean - pg.exact_gradient(mdp, theta)).max() > 0.05


def test_exact_moments_match_the_enumerated_definition():
    mdp, theta = _problem(7)
    table = np.random.default_rng(8).normal(size=(3, 2))
    trajectories, probabilities = pg.enumerate_trajectories(mdp, theta)
    estimates = step_baseline_gradients(mdp, theta, trajectories, table, estimator="reward_to_go")
    mean, variance = exact_step_baseline_moments(mdp, theta, table, estimator="reward_to_go")
    np.testing.assert_allclose(mean, np.tensordot(probabilities, estimates, 1), atol=1e-12)
    np.testing.assert_allclose(
        variance, np.tensordot(probabilities, (estimates - mean) ** 2, 1), atol=1e-12
    )


def test_sample_mean_of_step_baseline_gradients_matches_exact_mean():
    # 4 standard errors per coordinate, 6 coordinates: false-alarm rate < 4e-4.
    mdp, theta = _problem(9)
    values, _ = pg.value_functions(mdp, theta)
    table = values[:-1, :, None]
    trajectories = pg.sample_trajectories(mdp, theta, 50_000, rng=10)
    samples = step_baseline_gradients(mdp, theta, trajectories, table, estimator="reward_to_go")
    mean, variance = exact_step_baseline_moments(mdp, theta, table, estimator="reward_to_go")
    standard_error = np.sqrt(variance / 50_000)
    assert np.all(np.abs(samples.mean(axis=0) - mean) < 4 * standard_error + 1e-12)


@pytest.mark.parametrize("shape", [(3,), (2, 2), (3, 3, 3), (4, 3, 2), (1, 1, 1, 1)])
def test_baseline_tables_of_the_wrong_shape_are_rejected(shape):
    mdp, theta = _problem(0)
    with pytest.raises(ValueError, match=r"baseline must have shape \(S, 1\)"):
        exact_step_baseline_moments(mdp, theta, np.zeros(shape), estimator="reward_to_go")


# --- optimal baseline estimated per batch ----------------------------------------------------


def test_leave_one_out_batch_means_match_gradient_samples():
    mdp, theta = _problem(11)
    got = optimal_baseline_batch_means(mdp, theta, 6, 1, rng=12)
    samples = pg.gradient_samples(mdp, theta, 6, rng=12, baseline="optimal")
    np.testing.assert_allclose(got[0], samples.mean(axis=0), atol=1e-12)


@pytest.mark.parametrize("estimator", ["total_return", "reward_to_go"])
def test_leave_one_out_is_unbiased_and_in_sample_is_not_at_small_batches(estimator):
    # Leave-one-out: 4 standard errors per coordinate over 6 coordinates, false-alarm < 4e-4.
    # In-sample: the bias at N = 3 is many standard errors (measured > 20), so > 6 is safe.
    mdp = pg.chain_mdp()
    theta = np.zeros((4, 2))
    exact = pg.exact_gradient(mdp, theta)
    loo = optimal_baseline_batch_means(mdp, theta, 3, 40_000, rng=13, estimator=estimator)
    inside = optimal_baseline_batch_means(mdp, theta, 3, 40_000, rng=13, estimator=estimator,
                                          baseline="optimal_in_sample")
    for batches, unbiased in ((loo, True), (inside, False)):
        z = (batches.mean(axis=0) - exact) / (batches.std(axis=0, ddof=1) / np.sqrt(40_000))
        assert (np.abs(z).max() < 4) == unbiased


def test_in_sample_bias_shrinks_as_the_batch_grows():
    mdp = pg.chain_mdp()
    theta = np.zeros((4, 2))
    exact = pg.exact_gradient(mdp, theta)
    biases = [
        np.abs(optimal_baseline_batch_means(mdp, theta, n, 200_000 // n, rng=14,
                                            baseline="optimal_in_sample").mean(axis=0)
               - exact).sum()
        for n in (2, 8, 32)
    ]
    assert biases[0] > 2 * biases[1] > 4 * biases[2]


def test_batch_arguments_are_validated():
    mdp, theta = _problem(0)
    with pytest.raises(ValueError, match="n_episodes must be at least 2"):
        optimal_baseline_batch_means(mdp, theta, 1, 5)
    with pytest.raises(ValueError, match="baseline must be one of 'optimal', 'optimal_in_sample'"):
        optimal_baseline_batch_means(mdp, theta, 4, 5, baseline="jackknife")


# --- total variance --------------------------------------------------------------------------


def test_total_variance_is_the_sum_of_sample_variances():
    samples = np.random.default_rng(15).normal(size=(50, 3, 2))
    estimate, _ = total_variance(samples)
    assert estimate == pytest.approx(samples.var(axis=0, ddof=1).sum())


def test_total_variance_standard_error_is_calibrated():
    # Gaussian rows with total variance 6: Var(d_i) = 2 * 6, so the SE at n = 2000 is
    # sqrt(12 / 2000); over 400 repetitions the spread of the estimates matches it to ~10 %.
    rng = np.random.default_rng(16)
    results = np.array([total_variance(rng.normal(size=(2000, 6))) for _ in range(400)])
    assert results[:, 0].mean() == pytest.approx(6.0, abs=0.02)
    assert results[:, 1].mean() == pytest.approx(np.sqrt(12 / 2000), rel=0.05)
    assert results[:, 0].std() == pytest.approx(np.sqrt(12 / 2000), rel=0.15)


def test_total_variance_needs_two_rows():
    with pytest.raises(ValueError, match="n >= 2 rows"):
        total_variance(np.zeros((1, 3)))
