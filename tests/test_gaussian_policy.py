"""Tests for pgtheory.gaussian_policy: the Gaussian score against finite differences of the
log-density and against Gauss-Hermite moments; the linear-Gaussian policy's chain rule."""

from __future__ import annotations

import math

import numpy as np
import pytest
from numpy.polynomial.hermite_e import hermegauss

import pgtheory as pg

# Probabilists' Gauss-Hermite rule: sum(w * h(x)) = E[h(eps)], eps ~ N(0, 1), exact for
# polynomials of degree <= 2 * 20 - 1.
_NODES, _WEIGHTS = hermegauss(20)
_WEIGHTS = _WEIGHTS / math.sqrt(2.0 * math.pi)


def _log_density_by_hand(u, mu, log_std) -> float:
    """log of the product of one-dimensional normal densities, from the textbook formula."""
    total = 0.0
    for ui, mi, li in zip(u, mu, log_std, strict=True):
        s = math.exp(li)
        total += math.log(math.exp(-((ui - mi) ** 2) / (2 * s * s)) / (s * math.sqrt(2 * math.pi)))
    return total


def test_log_density_matches_the_textbook_formula():
    rng = np.random.default_rng(0)
    u, mu, log_std = rng.normal(size=3), rng.normal(size=3), rng.normal(size=3) * 0.5
    assert pg.gaussian_log_density(u, mu, log_std) == pytest.approx(
        _log_density_by_hand(u, mu, log_std), rel=1e-12)


def test_log_density_broadcasts_over_a_batch():
    rng = np.random.default_rng(1)
    u, mu, log_std = rng.normal(size=(4, 5, 2)), rng.normal(size=(4, 5, 2)), np.array([0.1, -0.3])
    out = pg.gaussian_log_density(u, mu, log_std)
    assert out.shape == (4, 5)
    assert out[2, 3] == pytest.approx(_log_density_by_hand(u[2, 3], mu[2, 3], log_std), rel=1e-12)


def test_score_matches_central_differences_of_the_log_density():
    rng = np.random.default_rng(2)
    m, h = 3, 1e-6
    u, mu, log_std = rng.normal(size=m), rng.normal(size=m), rng.normal(size=m) * 0.5
    std = np.exp(log_std)
    d_mean, d_log_std = pg.gaussian_log_prob_grad((u - mu) / std, std)
    for i in range(m):
        e = np.eye(m)[i] * h
        fd_mean = (pg.gaussian_log_density(u, mu + e, log_std)
                   - pg.gaussian_log_density(u, mu - e, log_std)) / (2 * h)
        fd_log_std = (pg.gaussian_log_density(u, mu, log_std + e)
                      - pg.gaussian_log_density(u, mu, log_std - e)) / (2 * h)
        assert d_mean[i] == pytest.approx(fd_mean, rel=1e-7, abs=1e-8)
        assert d_log_std[i] == pytest.approx(fd_log_std, rel=1e-7, abs=1e-8)


@pytest.mark.parametrize("std", [0.1, 1.0, 3.0])
def test_score_has_mean_zero_and_the_fisher_information_as_variance(std):
    d_mean, d_log_std = pg.gaussian_log_prob_grad(_NODES[:, None], np.array([std]))
    mean = _WEIGHTS @ d_mean[:, 0], _WEIGHTS @ d_log_std[:, 0]
    second = _WEIGHTS @ d_mean[:, 0] ** 2, _WEIGHTS @ d_log_std[:, 0] ** 2
    assert mean == pytest.approx((0.0, 0.0), abs=1e-12)
    # Fisher information of N(mu, sigma^2): 1/sigma^2 for mu, 2 for log sigma.
    assert second == pytest.approx((1 / std**2, 2.0), rel=1e-12)


def test_linear_policy_score_matches_finite_differences_in_gain_and_log_std():
    rng = np.random.default_rng(3)
    m, n, h = 2, 3, 1e-6
    gain, log_std = rng.normal(size=(m, n)), rng.normal(size=m) * 0.3
    x, u = rng.normal(size=n), rng.normal(size=m)
    d_gain, d_log_std = pg.linear_gaussian_log_prob_grad(gain, log_std, x, u)
    assert d_gain.shape == (m, n) and d_log_std.shape == (m,)
    f = lambda k, ls: pg.linear_gaussian_log_prob(k, ls, x, u)  # noqa: E731
    for i, j in np.ndindex(m, n):
        e = np.zeros((m, n))
        e[i, j] = h
        assert d_gain[i, j] == pytest.approx((f(gain + e, log_std) - f(gain - e, log_std))
                                             / (2 * h), rel=1e-7, abs=1e-8)
    for i in range(m):
        e = np.eye(m)[i] * h
        assert d_log_std[i] == pytest.approx((f(gain, log_std + e) - f(gain, log_std - e))
                                             / (2 * h), rel=1e-7, abs=1e-8)


def test_linear_policy_log_prob_is_the_density_at_the_mean_kx():
    rng = np.random.default_rng(4)
    gain, log_std = rng.normal(size=(2, 3)), np.array([0.2, -0.1])
    x, u = rng.normal(size=(5, 3)), rng.normal(size=(5, 2))
    got = pg.linear_gaussian_log_prob(gain, log_std, x, u)
    want = [_log_density_by_hand(u[i], gain @ x[i], log_std) for i in range(5)]
    np.testing.assert_allclose(got, want, rtol=1e-12)


def test_bandit_score_is_this_formula():
    # pgtheory.gaussian_bandit computes its score with gaussian_log_prob_grad: the same
    # numbers as (f(a) - b) (a - mu) / sigma^2 written out.
    bandit, mu = pg.GaussianBandit(target=1.0, sigma=0.5), 0.3
    eps = np.random.default_rng(5).standard_normal(10)
    a = mu + 0.5 * eps
    np.testing.assert_allclose(pg.gaussian_score_samples(bandit, mu, 10, rng=5),
                               -((a - 1.0) ** 2) * (a - mu) / 0.25, rtol=1e-12)


@pytest.mark.parametrize("call, error, message", [
    (lambda: pg.gaussian_log_prob_grad([0.5], [0.0]), ValueError,
     r"std\[0\] is 0.0; every standard deviation must be > 0"),
    (lambda: pg.gaussian_log_prob_grad([[0.5, 1.0]], [1.0, 1.0, 1.0]), ValueError,
     "do not broadcast"),
    (lambda: pg.gaussian_log_density([0.0, 1.0], [0.0, 0.0], [0.0]), ValueError,
     r"actions has shape \(2,\); expected \(\.\.\., 1\)"),
    (lambda: pg.gaussian_log_density([0.0], [0.0], [[0.0]]), ValueError,
     r"log_std must have 1 dimension"),
    (lambda: pg.linear_gaussian_log_prob_grad(np.ones((2, 3)), [0.0], np.ones(3), np.ones(1)),
     ValueError, r"gain has shape \(2, 3\); expected \(m, n\) with m = 1"),
    (lambda: pg.linear_gaussian_log_prob_grad(np.ones((1, 3)), [0.0], np.ones((4, 3)),
                                              np.ones((5, 1))), ValueError,
     "leading \\(batch\\) axes must agree"),
    (lambda: pg.linear_gaussian_log_prob(np.ones((1, 2)), [0.0], np.ones(3), np.ones(1)),
     ValueError, r"states has shape \(3,\); expected \(\.\.\., 2\)"),
    (lambda: pg.linear_gaussian_log_prob(np.ones((1, 2)), [np.inf], np.ones(2), np.ones(1)),
     ValueError, r"log_std\[0\] is inf"),
    (lambda: pg.gaussian_log_density(["a"], [0.0], [0.0]), TypeError,
     "actions must be an array of real numbers"),
])
def test_bad_input_raises_with_a_clear_message(call, error, message):
    with pytest.raises(error, match=message):
        call()
