"""Tests for pgtheory.gaussian_bandit (chapter 2, ``book/likelihood_ratio``).

Three independent checks meet here:

* closed forms against numerical integration (Gauss-Hermite quadrature, which
  is exact for the polynomials in play) and central finite differences;
* Monte Carlo samples against the closed forms, with tolerances in standard
  errors and the false-alarm rate stated beside each;
* input validation, with messages that name the offending argument.
"""

from __future__ import annotations

import doctest
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.polynomial.hermite_e import hermegauss

import pgtheory.gaussian_bandit as gb
from pgtheory.gaussian_bandit import (
    GaussianBandit,
    gaussian_exact_gradient,
    gaussian_expected_return,
    gaussian_reparam_samples,
    gaussian_reparam_variance,
    gaussian_score_samples,
    gaussian_score_variance,
)

# Probabilists' Gauss-Hermite rule: sum(w * h(x)) / sqrt(2 pi) = E[h(eps)],
# eps ~ N(0, 1), exactly for polynomials h of degree <= 2 * 40 - 1 = 79.
# Every integrand below is a polynomial in eps of degree <= 12.
_NODES, _WEIGHTS = hermegauss(40)
_WEIGHTS = _WEIGHTS / math.sqrt(2.0 * math.pi)


def gaussian_expectation(h) -> float:
    """E[h(eps)] for eps ~ N(0, 1) by Gauss-Hermite quadrature."""
    return float(np.sum(_WEIGHTS * h(_NODES)))


def score_estimate(bandit: GaussianBandit, mu: float, b: float, eps):
    """The score-function estimate written straight from eq. gaussian-score."""
    a = mu + bandit.sigma * eps
    return (-((a - bandit.target) ** 2) - b) * (a - mu) / bandit.sigma**2


def reparam_estimate(bandit: GaussianBandit, mu: float, eps):
    """The reparameterization estimate written straight from eq. reparam."""
    return -2.0 * (mu + bandit.sigma * eps - bandit.target)


# (target, sigma, mu, baseline); baseline "J" means b = J(mu), "opt" means
# the variance-minimising b* = -(d^2 + 3 sigma^2). Statistical tests seed each
# case with SEED + its index, so the cases are independent draws rather than
# one noise vector reused five times.
SEED = 20240601
CASES = [
    (0.0, 1.0, 0.0, None),
    (1.5, 0.5, -0.5, None),
    (-2.0, 2.0, 1.0, "J"),
    (0.3, 1.0, 3.0, "opt"),
    (4.0, 0.7, 4.2, 2.5),
]


def case_seed(target, sigma, mu, baseline) -> int:
    return SEED + next(i for i, c in enumerate(CASES) if c == (target, sigma, mu, baseline))


def resolve(target, sigma, mu, baseline):
    bandit = GaussianBandit(target, sigma)
    if baseline == "J":
        baseline = gaussian_expected_return(bandit, mu)
    elif baseline == "opt":
        baseline = -((mu - target) ** 2 + 3.0 * sigma**2)
    return bandit, baseline


# ---------------------------------------------------------------------------
# Closed forms, checked without sampling
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("target, sigma, mu, baseline", CASES)
def test_expected_return_matches_quadrature(target, sigma, mu, baseline):
    bandit = GaussianBandit(target, sigma)
    quad = gaussian_expectation(lambda e: -((mu + sigma * e - target) ** 2))
    assert gaussian_expected_return(bandit, mu) == pytest.approx(quad, rel=1e-12)


@pytest.mark.parametrize("target, sigma, mu, baseline", CASES)
def test_exact_gradient_matches_central_differences(target, sigma, mu, baseline):
    # J is quadratic in mu, so the central difference has no truncation error;
    # only rounding, about 1e-16 * |J| / h, remains.
    bandit = GaussianBandit(target, sigma)
    h = 1e-3
    fd = (gaussian_expected_return(bandit, mu + h) - gaussian_expected_return(bandit, mu - h)) / (
        2 * h
    )
    assert gaussian_exact_gradient(bandit, mu) == pytest.approx(fd, rel=1e-8, abs=1e-8)


@pytest.mark.parametrize("target, sigma, mu, baseline", CASES)
def test_both_estimators_are_exactly_unbiased_by_quadrature(target, sigma, mu, baseline):
    bandit, b = resolve(target, sigma, mu, baseline)
    b = 0.0 if b is None else b
    exact = gaussian_exact_gradient(bandit, mu)
    sf_mean = gaussian_expectation(lambda e: score_estimate(bandit, mu, b, e))
    rp_mean = gaussian_expectation(lambda e: reparam_estimate(bandit, mu, e))
    assert sf_mean == pytest.approx(exact, rel=1e-10, abs=1e-10)
    assert rp_mean == pytest.approx(exact, rel=1e-10, abs=1e-10)


@pytest.mark.parametrize("target, sigma, mu, baseline", CASES)
def test_variances_match_quadrature(target, sigma, mu, baseline):
    bandit, b = resolve(target, sigma, mu, baseline)
    b_num = 0.0 if b is None else b
    grad = gaussian_exact_gradient(bandit, mu)
    sf_second = gaussian_expectation(lambda e: score_estimate(bandit, mu, b_num, e) ** 2)
    rp_second = gaussian_expectation(lambda e: reparam_estimate(bandit, mu, e) ** 2)
    assert gaussian_score_variance(bandit, mu, b) == pytest.approx(sf_second - grad**2, rel=1e-10)
    assert gaussian_reparam_variance(bandit, mu) == pytest.approx(rp_second - grad**2, rel=1e-10)


def test_score_second_moment_without_baseline_matches_brief_formula():
    # E[g^2] = (d^4 + 18 d^2 sigma^2 + 15 sigma^4) / sigma^2 for b = 0.
    bandit = GaussianBandit(target=-0.4, sigma=1.3)
    mu = 2.1
    d, s = mu - bandit.target, bandit.sigma
    second = (d**4 + 18 * d**2 * s**2 + 15 * s**4) / s**2
    assert gaussian_score_variance(bandit, mu) == pytest.approx(second - 4 * d**2, rel=1e-12)


@settings(max_examples=200, deadline=None)
@given(
    target=st.floats(-5, 5),
    sigma=st.floats(0.05, 5),
    mu=st.floats(-5, 5),
    baseline=st.one_of(st.none(), st.floats(-50, 50)),
)
def test_score_variance_matches_quadrature_everywhere(target, sigma, mu, baseline):
    bandit = GaussianBandit(target, sigma)
    b = 0.0 if baseline is None else baseline
    grad = gaussian_exact_gradient(bandit, mu)
    second = gaussian_expectation(lambda e: score_estimate(bandit, mu, b, e) ** 2)
    variance = gaussian_score_variance(bandit, mu, baseline)
    assert variance > 0
    assert variance == pytest.approx(second - grad**2, rel=1e-8, abs=1e-9)


@settings(max_examples=200, deadline=None)
@given(target=st.floats(-5, 5), sigma=st.floats(0.05, 5), mu=st.floats(-5, 5))
def test_baseline_equal_to_expected_return_reduces_score_variance(target, sigma, mu):
    # Closed form: (d^2 + 3 s^2)^2 / s^2 + 8 d^2 + 6 s^2 without a baseline,
    # 8 d^2 + 10 s^2 with b = J; the difference is >= 5 s^2 > 0.
    bandit = GaussianBandit(target, sigma)
    b = gaussian_expected_return(bandit, mu)
    assert gaussian_score_variance(bandit, mu, b) < gaussian_score_variance(bandit, mu)


def test_reparam_variance_is_lower_than_score_variance_far_from_target():
    bandit = GaussianBandit(target=0.0, sigma=1.0)
    for mu in (3.0, -5.0, 10.0):
        reparam = gaussian_reparam_variance(bandit, mu)
        assert reparam == 4.0
        # Without a baseline the gap grows like d^4 / sigma^2 ...
        assert gaussian_score_variance(bandit, mu) > 10 * reparam
        # ... and even the best baseline leaves 8 d^2 + 6 sigma^2 > 4 sigma^2.
        best = -(mu**2 + 3.0)
        assert gaussian_score_variance(bandit, mu, best) > reparam


# ---------------------------------------------------------------------------
# Monte Carlo against closed forms
# ---------------------------------------------------------------------------

N = 200_000


@pytest.mark.parametrize("target, sigma, mu, baseline", CASES)
def test_score_samples_mean_within_four_standard_errors(target, sigma, mu, baseline):
    # The mean of N iid estimates is ~ Normal(grad, Var / N) by the CLT; a
    # 4-standard-error band has a two-sided false-alarm rate of about 6.3e-5
    # per assertion (and the seed is fixed, so the outcome is deterministic).
    bandit, b = resolve(target, sigma, mu, baseline)
    samples = gaussian_score_samples(
        bandit, mu, N, rng=case_seed(target, sigma, mu, baseline), baseline=b
    )
    assert samples.shape == (N,)
    assert samples.dtype == np.float64
    se = math.sqrt(gaussian_score_variance(bandit, mu, b) / N)
    assert abs(samples.mean() - gaussian_exact_gradient(bandit, mu)) < 4 * se


@pytest.mark.parametrize("target, sigma, mu, baseline", CASES)
def test_reparam_samples_mean_within_four_standard_errors(target, sigma, mu, baseline):
    # Each estimate is exactly Normal(grad, 4 sigma^2), so the mean is exactly
    # Normal(grad, 4 sigma^2 / N); false-alarm rate 6.3e-5 per assertion.
    bandit = GaussianBandit(target, sigma)
    samples = gaussian_reparam_samples(
        bandit, mu, N, rng=100 + case_seed(target, sigma, mu, baseline)
    )
    assert samples.shape == (N,)
    assert samples.dtype == np.float64
    se = math.sqrt(gaussian_reparam_variance(bandit, mu) / N)
    assert abs(samples.mean() - gaussian_exact_gradient(bandit, mu)) < 4 * se


@pytest.mark.parametrize("target, sigma, mu, baseline", CASES)
def test_score_sample_variance_matches_closed_form(target, sigma, mu, baseline):
    # The sample variance s^2 of N iid draws has standard deviation
    # sqrt((mu_4 - var^2) / N) to leading order, mu_4 the fourth central
    # moment; we get mu_4 exactly from quadrature (the integrand is a degree-12
    # polynomial in eps). A 4-sd band has a nominal false-alarm rate of 6.3e-5;
    # s^2 is somewhat right-skewed for this cubic-in-eps estimator, so the true
    # rate in the upper tail is a little larger, still well below 1e-3.
    bandit, b = resolve(target, sigma, mu, baseline)
    b_num = 0.0 if b is None else b
    grad = gaussian_exact_gradient(bandit, mu)
    var = gaussian_score_variance(bandit, mu, b)
    mu4 = gaussian_expectation(lambda e: (score_estimate(bandit, mu, b_num, e) - grad) ** 4)
    sd_of_s2 = math.sqrt((mu4 - var**2) / N)
    samples = gaussian_score_samples(
        bandit, mu, N, rng=200 + case_seed(target, sigma, mu, baseline), baseline=b
    )
    assert abs(samples.var(ddof=1) - var) < 4 * sd_of_s2


@pytest.mark.parametrize("sigma", [0.1, 1.0, 3.0])
def test_reparam_sample_variance_matches_closed_form(sigma):
    # Estimates are Gaussian, so (N - 1) s^2 / var ~ chi-square(N - 1), with
    # mean N - 1 and sd sqrt(2 (N - 1)); s^2 / var therefore has sd
    # sqrt(2 / (N - 1)) ~ 0.0032 at N = 200,000. For this many degrees of
    # freedom the chi-square is normal to within a few percent in the tails,
    # so a 4-sd band has false-alarm rate about 6.3e-5.
    bandit = GaussianBandit(target=0.5, sigma=sigma)
    samples = gaussian_reparam_samples(bandit, -1.0, N, rng=11)
    var = gaussian_reparam_variance(bandit, -1.0)
    ratio = samples.var(ddof=1) / var
    assert abs(ratio - 1.0) < 4 * math.sqrt(2.0 / (N - 1))


def test_samples_follow_the_equations_on_common_noise():
    # Both estimators draw eps = rng.standard_normal(n) first, so equal seeds
    # give common noise; each must equal its equation written out by hand.
    bandit = GaussianBandit(target=0.8, sigma=1.7)
    mu, b = -0.3, 1.25
    eps = np.random.default_rng(3).standard_normal(50)
    np.testing.assert_allclose(
        gaussian_score_samples(bandit, mu, 50, rng=3, baseline=b),
        score_estimate(bandit, mu, b, eps),
        rtol=1e-12,
        atol=1e-12,
    )
    np.testing.assert_allclose(
        gaussian_reparam_samples(bandit, mu, 50, rng=3),
        reparam_estimate(bandit, mu, eps),
        rtol=1e-12,
        atol=1e-12,
    )


def test_reparam_empirically_beats_score_far_from_target():
    bandit = GaussianBandit(target=0.0, sigma=1.0)
    mu = 5.0
    score = gaussian_score_samples(bandit, mu, 20_000, rng=1)
    reparam = gaussian_reparam_samples(bandit, mu, 20_000, rng=1)
    # Closed forms: about 1046 against 4; the empirical ratio must be huge.
    assert score.var() > 50 * reparam.var()


def test_baseline_empirically_reduces_score_variance_on_common_noise():
    bandit = GaussianBandit(target=1.0, sigma=0.8)
    mu = -1.0
    b = gaussian_expected_return(bandit, mu)
    plain = gaussian_score_samples(bandit, mu, 20_000, rng=5)
    with_b = gaussian_score_samples(bandit, mu, 20_000, rng=5, baseline=b)
    assert with_b.var() < plain.var()
    # Same noise, so both means estimate the same gradient, and the baseline
    # must not shift it: the mean difference is -b * mean(eps) / sigma, whose
    # sd is |b| / (sigma sqrt(n)); 4 sd gives a false-alarm rate of 6.3e-5.
    sd = abs(b) / (bandit.sigma * math.sqrt(20_000))
    assert abs(with_b.mean() - plain.mean()) < 4 * sd


# ---------------------------------------------------------------------------
# Determinism
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("sampler", ["score", "reparam"])
def test_same_seed_gives_bit_identical_samples(sampler):
    bandit = GaussianBandit(target=0.0, sigma=1.0)
    fn = gaussian_score_samples if sampler == "score" else gaussian_reparam_samples
    first = fn(bandit, 0.5, 1000, rng=123)
    assert np.array_equal(first, fn(bandit, 0.5, 1000, rng=123))
    assert np.array_equal(first, fn(bandit, 0.5, 1000, rng=np.random.default_rng(123)))
    assert np.array_equal(first, fn(bandit, 0.5, 1000, rng=np.int64(123)))
    assert not np.array_equal(first, fn(bandit, 0.5, 1000, rng=124))


def test_a_shared_generator_advances_between_calls():
    bandit = GaussianBandit(target=0.0, sigma=1.0)
    rng = np.random.default_rng(9)
    first = gaussian_score_samples(bandit, 0.0, 100, rng=rng)
    second = gaussian_score_samples(bandit, 0.0, 100, rng=rng)
    assert not np.array_equal(first, second)


# ---------------------------------------------------------------------------
# Validation
# ---------------------------------------------------------------------------


def test_bandit_is_frozen_and_stores_floats():
    bandit = GaussianBandit(target=1, sigma=np.float32(2.0))
    assert type(bandit.target) is float and type(bandit.sigma) is float
    with pytest.raises(AttributeError):
        bandit.sigma = 3.0  # type: ignore[misc]


@pytest.mark.parametrize(
    "kwargs, exc, name",
    [
        ({"target": "1", "sigma": 1.0}, TypeError, "target"),
        ({"target": None, "sigma": 1.0}, TypeError, "target"),
        ({"target": True, "sigma": 1.0}, TypeError, "target"),
        ({"target": math.nan, "sigma": 1.0}, ValueError, "target"),
        ({"target": math.inf, "sigma": 1.0}, ValueError, "target"),
        ({"target": 0.0, "sigma": "1"}, TypeError, "sigma"),
        ({"target": 0.0, "sigma": 1 + 0j}, TypeError, "sigma"),
        ({"target": 0.0, "sigma": 0.0}, ValueError, "sigma"),
        ({"target": 0.0, "sigma": -1.0}, ValueError, "sigma"),
        ({"target": 0.0, "sigma": math.inf}, ValueError, "sigma"),
        ({"target": 0.0, "sigma": math.nan}, ValueError, "sigma"),
    ],
)
def test_bad_bandit_arguments_raise_naming_the_argument(kwargs, exc, name):
    with pytest.raises(exc, match=name):
        GaussianBandit(**kwargs)


BANDIT = GaussianBandit(target=0.0, sigma=1.0)

BAD_CALLS = [
    # mu, for every public function
    (lambda: gaussian_expected_return(BANDIT, math.nan), ValueError, "mu"),
    (lambda: gaussian_expected_return(BANDIT, "0"), TypeError, "mu"),
    (lambda: gaussian_exact_gradient(BANDIT, math.inf), ValueError, "mu"),
    (lambda: gaussian_exact_gradient(BANDIT, [0.0]), TypeError, "mu"),
    (lambda: gaussian_score_samples(BANDIT, -math.inf, 10, rng=0), ValueError, "mu"),
    (lambda: gaussian_reparam_samples(BANDIT, None, 10, rng=0), TypeError, "mu"),
    (lambda: gaussian_score_variance(BANDIT, math.nan), ValueError, "mu"),
    (lambda: gaussian_reparam_variance(BANDIT, math.nan), ValueError, "mu"),
    (lambda: gaussian_reparam_variance(BANDIT, False), TypeError, "mu"),
    # n
    (lambda: gaussian_score_samples(BANDIT, 0.0, 0, rng=0), ValueError, "n_episodes"),
    (lambda: gaussian_score_samples(BANDIT, 0.0, -3, rng=0), ValueError, "n_episodes"),
    (lambda: gaussian_score_samples(BANDIT, 0.0, 10.0, rng=0), TypeError, "n_episodes"),
    (lambda: gaussian_reparam_samples(BANDIT, 0.0, True, rng=0), TypeError, "n_episodes"),
    (lambda: gaussian_reparam_samples(BANDIT, 0.0, "10", rng=0), TypeError, "n_episodes"),
    # rng
    (lambda: gaussian_score_samples(BANDIT, 0.0, 10, rng=1.5), TypeError, "rng"),
    (lambda: gaussian_reparam_samples(BANDIT, 0.0, 10, rng=True), TypeError, "rng"),
    (
        lambda: gaussian_reparam_samples(BANDIT, 0.0, 10, rng=np.random.RandomState(0)),
        TypeError,
        "rng",
    ),
    (lambda: gaussian_reparam_samples(BANDIT, 0.0, 10, rng=-1), ValueError, "rng"),
    # baseline
    (
        lambda: gaussian_score_samples(BANDIT, 0.0, 10, rng=0, baseline=math.nan),
        ValueError,
        "baseline",
    ),
    (
        lambda: gaussian_score_samples(BANDIT, 0.0, 10, rng=0, baseline="J"),
        TypeError,
        "baseline",
    ),
    (
        lambda: gaussian_score_variance(BANDIT, 0.0, baseline=np.array([1.0])),
        TypeError,
        "baseline",
    ),
    # bandit
    (lambda: gaussian_expected_return((0.0, 1.0), 0.0), TypeError, "bandit"),
    (lambda: gaussian_score_samples(None, 0.0, 10, rng=0), TypeError, "bandit"),
]


@pytest.mark.parametrize("call, exc, name", BAD_CALLS)
def test_bad_call_arguments_raise_naming_the_argument(call, exc, name):
    with pytest.raises(exc, match=rf"\b{name}\b"):
        call()


def test_module_doctests_pass():
    failures, _ = doctest.testmod(gb, raise_on_error=False)
    assert failures == 0


def test_rng_none_draws_fresh_entropy_as_everywhere_in_pgtheory():
    # NEP 19: rng=None is accepted (fresh, unseeded generator), like every pgtheory sampler.
    assert gaussian_score_samples(BANDIT, 0.0, 5, rng=None).shape == (5,)
