"""Tests for pgtheory._kernels, the unvalidated formulas the public functions share.

Each kernel is compared with a reference written another way: the textbook formula where it is
stable, a loop over the terms of a sum, or counting on a grid of uniforms.
"""

import numpy as np
import pytest

from pgtheory import _kernels as k


def test_log_softmax_is_the_textbook_formula_and_stays_finite_for_huge_logits():
    logits = np.random.default_rng(0).normal(size=(5, 4))
    textbook = np.log(np.exp(logits) / np.exp(logits).sum(axis=-1, keepdims=True))
    np.testing.assert_allclose(k.log_softmax(logits), textbook, rtol=0, atol=1e-14)
    huge = np.array([[1e4, 0.0, -1e4], [-1e4, -1e4, -1e4]])
    log_pi = k.log_softmax(huge)
    assert np.isfinite(log_pi).all()
    np.testing.assert_allclose(log_pi[0], [0.0, -1e4, -2e4])
    np.testing.assert_allclose(k.softmax(huge).sum(axis=-1), 1.0, rtol=0, atol=1e-15)
    np.testing.assert_allclose(k.softmax(huge)[1], np.full(3, 1 / 3), rtol=0, atol=1e-15)


def test_cumulative_probabilities_end_at_exactly_one_after_the_last_positive_entry():
    p = np.array([[0.1, 0.2, 0.7, 0.0, 0.0], [1 / 3, 1 / 3, 1 / 3, 0.0, 0.0]])
    cdf = k.cumulative_probabilities(p)
    np.testing.assert_allclose(cdf[:, :2], np.cumsum(p, axis=1)[:, :2])
    assert (cdf[:, 2:] == 1.0).all()  # exactly, although 1/3 + 1/3 + 1/3 may round below 1


def test_inverse_cdf_draws_each_outcome_on_a_share_of_uniforms_equal_to_its_probability():
    p = np.array([[0.125, 0.0, 0.375, 0.5], [0.0, 0.25, 0.75, 0.0]])
    cdf_columns = np.ascontiguousarray(k.cumulative_probabilities(p).T[:-1])
    m = 80_000  # a grid of uniforms: the count of each outcome is p * m up to the grid step
    u = (np.arange(m) + 0.5) / m
    for row in range(2):
        draws = k.inverse_cdf(cdf_columns, np.full(m, row), u)
        counts = np.bincount(draws, minlength=4)
        np.testing.assert_allclose(counts / m, p[row], rtol=0, atol=1 / m)
        assert counts[p[row] == 0].sum() == 0  # an outcome of probability 0 is never drawn
    top = k.inverse_cdf(cdf_columns, np.array([0, 1]), np.full(2, np.nextafter(1.0, 0.0)))
    np.testing.assert_array_equal(top, [3, 2])  # u just below 1: the last positive outcome


def test_categorical_draws_use_one_row_per_draw():
    p = np.array([[1.0, 0.0, 0.0], [0.0, 0.0, 1.0], [0.0, 1.0, 0.0]])
    np.testing.assert_array_equal(k.categorical_draws(p, np.array([0.99, 0.0, 0.5])), [0, 2, 1])


def test_safe_ratio_is_zero_where_the_denominator_is_zero(recwarn):
    numerator, denominator = np.array([1.0, 2.0, 3.0]), np.array([2.0, 0.0, -1.0])
    np.testing.assert_array_equal(k.safe_ratio(numerator, denominator), [0.5, 0.0, 0.0])
    assert not recwarn.list


def test_exclusive_sum_is_the_sum_over_the_other_rows_without_cancellation():
    x = np.random.default_rng(1).normal(size=(6, 2, 3))
    brute = np.stack([x[np.arange(6) != i].sum(axis=0) for i in range(6)])
    np.testing.assert_allclose(k.exclusive_sum(x), brute, rtol=1e-14, atol=1e-14)
    # total minus own term would give 0 for row 0 here; the prefix/suffix sums give 2 exactly
    np.testing.assert_array_equal(k.exclusive_sum(np.array([1e20, 1.0, 1.0]))[0], 2.0)
    np.testing.assert_array_equal(k.exclusive_sum(np.array([5.0])), [0.0])


def test_leave_one_out_optimal_baseline_uses_the_other_episodes_only():
    rng = np.random.default_rng(2)
    y, b = rng.normal(size=(7, 3)), rng.normal(size=(7, 3))
    b[:, 2] = 0.0  # a coordinate whose score is always 0: baseline 0
    brute = np.zeros((7, 3))
    for i in range(7):
        others = np.arange(7) != i
        for j in range(2):
            brute[i, j] = (y[others, j] * b[others, j]).sum() / (b[others, j] ** 2).sum()
    np.testing.assert_allclose(k.leave_one_out_baseline(y, b), brute, rtol=1e-12)


@pytest.mark.parametrize("shape", [(5,), (5, 3), (5, 2, 3)])
def test_probability_moments_are_weighted_sums(shape):
    rng = np.random.default_rng(3)
    values, p = rng.normal(size=shape), rng.dirichlet(np.ones(5))
    mean, variance = k.probability_moments(p, values)
    flat = values.reshape(5, -1)
    expected_mean = sum(p[i] * flat[i] for i in range(5))
    expected_variance = sum(p[i] * (flat[i] - expected_mean) ** 2 for i in range(5))
    np.testing.assert_allclose(mean.reshape(-1), expected_mean, rtol=1e-13)
    np.testing.assert_allclose(variance.reshape(-1), expected_variance, rtol=1e-12)


def test_standard_error_is_the_spread_of_the_mean_and_nan_for_one_sample():
    x = np.array([[1.0, 2.0], [3.0, 2.0], [5.0, 2.0]])
    # s^2 = ((1-3)^2 + 0 + (5-3)^2) / 2 = 4 for column 0; s.e. = sqrt(4 / 3)
    np.testing.assert_allclose(k.standard_error(x), [np.sqrt(4 / 3), 0.0])
    assert np.isnan(k.standard_error(x[:1])).all() and k.standard_error(x[:1]).shape == (2,)
