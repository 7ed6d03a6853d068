"""Tests for pgtheory.lqr_estimators: sampled LQR episodes and score-function gradients.

The sampler is checked against the dynamics it must obey; the geometric-stopping estimates
against the exact cost and gradient of pgtheory.lqr (tolerances in standard errors); the
truncated estimates against finite differences of the truncated cost; the one-step variance
closed form against Gauss-Hermite quadrature of the estimator written out here, against the
Gaussian bandit's variance formula (law of total variance) and against sampling.

Every statistical assertion uses a fixed seed and a tolerance of 4 standard errors; for a
normal statistic that fails with probability 6.3e-5 per coordinate when the code is right.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from numpy.polynomial.hermite_e import hermegauss

import pgtheory as pg

Z = 4.0  # two-sided false-alarm rate 6.3e-5 per coordinate under the normal approximation

_NODES, _WEIGHTS = hermegauss(24)
_WEIGHTS = _WEIGHTS / math.sqrt(2.0 * math.pi)  # E[h(xi)] = sum(w * h(nodes))


def _example(discount: float = 0.9, noise: float = 0.01) -> pg.LQR:
    return pg.LQR(A=[[1.0, 0.2], [0.0, 1.0]], B=[[0.0], [0.2]], Q=np.eye(2), R=[[0.5]],
                  initial_covariance=np.eye(2), noise_covariance=noise * np.eye(2),
                  discount=discount)


K_START = np.array([[-0.2, -0.5]])


def _random_problem(seed: int):
    rng = np.random.default_rng(seed)
    n, m = 3, 2
    mq, mw = rng.normal(size=(n, n)), rng.normal(size=(n, n))
    lqr = pg.LQR(A=rng.normal(size=(n, n)) * 0.3, B=rng.normal(size=(n, m)),
                 Q=mq @ mq.T + 0.1 * np.eye(n), R=np.eye(m), initial_covariance=np.eye(n),
                 noise_covariance=0.1 * mw @ mw.T, discount=0.8)
    gain = pg.lqr_optimal_gain(lqr) + 0.2 * rng.normal(size=(m, n))
    return lqr, gain, np.array([-0.3, 0.2])


def _assert_within(samples: np.ndarray, exact, z: float = Z) -> None:
    """Each coordinate's sample mean within z standard errors of the exact value."""
    mean = samples.mean(axis=0)
    se = samples.std(axis=0, ddof=1) / np.sqrt(len(samples))
    scores = (mean - exact) / se
    assert np.all(np.abs(scores) < z), f"z-scores {scores}"


# --- the sampler ----------------------------------------------------------------------------


def test_shapes_padding_and_same_seed_same_bits():
    lqr = _example()
    t1 = pg.sample_lqr_trajectories(lqr, K_START, [0.0], 50, rng=3)
    t2 = pg.sample_lqr_trajectories(lqr, K_START, [0.0], 50, rng=np.random.default_rng(3))
    n_steps = int(t1.lengths.max())
    assert t1.states.shape == (50, n_steps, 2) and t1.actions.shape == (50, n_steps, 1)
    assert t1.costs.shape == (50, n_steps) and t1.n_episodes == 50
    for name in ("states", "actions", "costs", "lengths"):
        np.testing.assert_array_equal(getattr(t1, name), getattr(t2, name))
    mask = t1.mask
    np.testing.assert_array_equal(mask.sum(axis=1), t1.lengths)
    assert np.all(t1.states[~mask] == 0) and np.all(t1.costs[~mask] == 0)
    assert np.all(t1.costs[mask] > 0)
    np.testing.assert_array_equal(t1.weights, np.ones(n_steps))
    assert not t1.states.flags.writeable
    t3 = pg.sample_lqr_trajectories(lqr, K_START, [0.0], 50, rng=4)
    assert not np.array_equal(t1.lengths, t3.lengths)


def test_episode_lengths_are_geometric():
    lqr = _example(discount=0.8)
    lengths = pg.sample_lqr_trajectories(lqr, K_START, [0.0], 40_000, rng=5).lengths
    # P(L = l) = g^(l-1) (1 - g): mean 1/(1-g) = 5, variance g/(1-g)^2 = 20, P(L = 1) = 0.2.
    assert abs(lengths.mean() - 5.0) < Z * math.sqrt(20.0 / 40_000)
    assert abs((lengths == 1).mean() - 0.2) < Z * math.sqrt(0.2 * 0.8 / 40_000)
    assert abs((lengths >= 4).mean() - 0.8**3) < Z * math.sqrt(0.512 * 0.488 / 40_000)


def test_truncated_episodes_all_have_the_horizon_and_discount_weights():
    lqr = _example()
    traj = pg.sample_lqr_trajectories(lqr, K_START, [0.0], 10, rng=0, horizon=6)
    np.testing.assert_array_equal(traj.lengths, np.full(10, 6))
    np.testing.assert_allclose(traj.weights, 0.9 ** np.arange(6))
    np.testing.assert_allclose(traj.total_costs, traj.costs @ (0.9 ** np.arange(6)))


def test_noise_free_steps_follow_the_dynamics_and_costs_are_the_quadratic_form():
    lqr = _example(noise=0.0)
    traj = pg.sample_lqr_trajectories(lqr, K_START, [0.0], 200, rng=6)
    x, u, mask = traj.states, traj.actions, traj.mask
    both = mask[:, 1:]  # steps t with t + 1 also in the episode
    predicted = x[:, :-1] @ lqr.A.T + u[:, :-1] @ lqr.B.T
    np.testing.assert_allclose(x[:, 1:][both], predicted[both], rtol=1e-12, atol=1e-12)
    cost = np.einsum("nti,ij,ntj->nt", x, lqr.Q, x) + np.einsum("nti,ij,ntj->nt", u, lqr.R, u)
    np.testing.assert_allclose(traj.costs, cost, rtol=1e-12)


def test_noises_have_the_stated_distributions():
    lqr = pg.LQR(A=[[0.5, 0.1], [0.0, 0.3]], B=[[1.0], [0.5]], Q=np.eye(2), R=[[1.0]],
                 initial_covariance=[[2.0, 0.5], [0.5, 1.0]],
                 noise_covariance=[[0.3, 0.1], [0.1, 0.2]], discount=0.5)
    gain, log_std = np.array([[-0.3, 0.1]]), np.log([0.7])
    traj = pg.sample_lqr_trajectories(lqr, gain, log_std, 40_000, rng=7)
    x, u, mask = traj.states, traj.actions, traj.mask
    eps = ((u - x @ gain.T) / 0.7)[mask][:, 0]  # standardized action noise of every step
    w = (x[:, 1:] - x[:, :-1] @ lqr.A.T - u[:, :-1] @ lqr.B.T)[mask[:, 1:]]
    x1 = x[:, 0]
    # Means and covariances entry by entry, each within Z standard errors (se of a product
    # moment estimated from the spread of the products); 2 + 2*3 + 2*3 statistics, union
    # bound 14 * 6.3e-5 < 1e-3.
    _assert_within(eps[:, None], [0.0])
    _assert_within(eps[:, None] ** 2, [1.0])
    for sample, covariance in ((w, lqr.noise_covariance), (x1, lqr.initial_covariance)):
        _assert_within(sample, [0.0, 0.0])
        products = np.stack([sample[:, 0] ** 2, sample[:, 0] * sample[:, 1],
                             sample[:, 1] ** 2], axis=1)
        _assert_within(products, [covariance[0, 0], covariance[0, 1], covariance[1, 1]])


# --- unbiasedness against the exact cost and gradient ---------------------------------------


@pytest.mark.parametrize("gain", [K_START, None])
def test_geometric_stopping_estimates_the_infinite_horizon_cost(gain):
    lqr = _example()
    gain = pg.lqr_optimal_gain(lqr) if gain is None else gain
    traj = pg.sample_lqr_trajectories(lqr, gain, [0.0], 40_000, rng=8)
    _assert_within(traj.total_costs[:, None], [pg.lqr_cost(lqr, gain, [0.0])])


def test_truncated_episodes_estimate_the_truncated_cost():
    lqr, gain, log_std = _random_problem(0)
    traj = pg.sample_lqr_trajectories(lqr, gain, log_std, 40_000, rng=9, horizon=4)
    _assert_within(traj.total_costs[:, None], [pg.lqr_cost(lqr, gain, log_std, horizon=4)])


# Four cases x 3 coordinates (example) and 2 cases x 8 coordinates (random problem): at most
# 28 coordinates, union bound 28 * 6.3e-5 < 2e-3.
@pytest.mark.parametrize("estimator, baseline", [("total_return", None), ("reward_to_go", None),
                                                 ("total_return", 25.0),
                                                 ("reward_to_go", 25.0)])
def test_gradient_estimates_are_unbiased_on_the_example(estimator, baseline):
    lqr = _example()
    d_gain, d_log_std = pg.lqr_gradient_samples(lqr, K_START, [0.0], 40_000, rng=10,
                                                estimator=estimator, baseline=baseline)
    exact_gain, exact_log_std = pg.lqr_gradient(lqr, K_START, [0.0])
    _assert_within(d_gain.reshape(len(d_gain), -1), exact_gain.ravel())
    _assert_within(d_log_std, exact_log_std)


@pytest.mark.parametrize("estimator", ["total_return", "reward_to_go"])
def test_gradient_estimates_are_unbiased_on_a_random_problem(estimator):
    lqr, gain, log_std = _random_problem(1)
    d_gain, d_log_std = pg.lqr_gradient_samples(lqr, gain, log_std, 40_000, rng=11,
                                                estimator=estimator)
    exact_gain, exact_log_std = pg.lqr_gradient(lqr, gain, log_std)
    _assert_within(d_gain.reshape(len(d_gain), -1), exact_gain.ravel())
    _assert_within(d_log_std, exact_log_std)


def test_truncated_estimates_match_finite_differences_of_the_truncated_cost():
    # Union bound over 6 + 2 coordinates: < 5e-4.
    lqr, gain, log_std = _random_problem(2)
    h, horizon = 1e-5, 3
    cost = lambda k, s: pg.lqr_cost(lqr, k, s, horizon=horizon)  # noqa: E731
    fd_gain = np.zeros_like(gain)
    for index in np.ndindex(gain.shape):
        e = np.zeros_like(gain)
        e[index] = h
        fd_gain[index] = (cost(gain + e, log_std) - cost(gain - e, log_std)) / (2 * h)
    fd_log_std = np.array([(cost(gain, log_std + h * e) - cost(gain, log_std - h * e)) / (2 * h)
                           for e in np.eye(2)])
    d_gain, d_log_std = pg.lqr_gradient_samples(lqr, gain, log_std, 40_000, rng=12,
                                                estimator="reward_to_go", horizon=horizon)
    _assert_within(d_gain.reshape(len(d_gain), -1), fd_gain.ravel())
    _assert_within(d_log_std, fd_log_std)


def test_gradient_samples_is_sampling_then_episode_gradients():
    lqr = _example()
    traj = pg.sample_lqr_trajectories(lqr, K_START, [0.1], 30, rng=13)
    by_parts = pg.lqr_episode_gradients(lqr, K_START, [0.1], traj, estimator="reward_to_go",
                                        baseline=3.0)
    at_once = pg.lqr_gradient_samples(lqr, K_START, [0.1], 30, rng=13,
                                      estimator="reward_to_go", baseline=3.0)
    for a, b in zip(by_parts, at_once, strict=True):
        np.testing.assert_array_equal(a, b)


def test_episode_gradients_by_a_slow_loop():
    lqr = _example()
    gain, log_std = K_START, np.array([0.2])
    traj = pg.sample_lqr_trajectories(lqr, gain, log_std, 5, rng=14)
    sigma = np.exp(0.2)
    for estimator in ("total_return", "reward_to_go"):
        d_gain, d_log_std = pg.lqr_episode_gradients(lqr, gain, log_std, traj,
                                                     estimator=estimator, baseline=1.5)
        for i in range(5):
            steps = range(traj.lengths[i])
            want_gain, want_log_std = np.zeros((1, 2)), np.zeros(1)
            for t in steps:
                eps = (traj.actions[i, t] - gain @ traj.states[i, t]) / sigma
                weight = sum(traj.costs[i, tt] for tt in (steps if estimator == "total_return"
                                                          else range(t, traj.lengths[i])))
                want_gain += (weight - 1.5) * np.outer(eps / sigma, traj.states[i, t])
                want_log_std += (weight - 1.5) * (eps**2 - 1)
            np.testing.assert_allclose(d_gain[i], want_gain, rtol=1e-10)
            np.testing.assert_allclose(d_log_std[i], want_log_std, rtol=1e-10)


# --- the one-step variance ------------------------------------------------------------------

SCALAR_CASES = [  # (a, b, q, r, s^2, k, log_std, baseline)
    (0.9, 1.0, 1.0, 0.5, 1.0, -0.3, 0.0, None),
    (1.1, 0.5, 2.0, 1.0, 0.5, 0.4, -1.0, 3.0),
    (0.5, 2.0, 0.3, 2.0, 2.0, -1.0, 0.5, -1.0),
]


def _scalar(a, b, q, r, s2) -> pg.LQR:
    return pg.LQR(A=[[a]], B=[[b]], Q=[[q]], R=[[r]], initial_covariance=[[s2]],
                  noise_covariance=[[0.3]], discount=0.7)


@pytest.mark.parametrize("a, b, q, r, s2, k, log_std, baseline", SCALAR_CASES)
def test_one_step_variance_matches_quadrature_of_the_estimator(a, b, q, r, s2, k, log_std,
                                                               baseline):
    lqr = _scalar(a, b, q, r, s2)
    sigma, s, bb = math.exp(log_std), math.sqrt(s2), baseline or 0.0
    xi, eps = np.meshgrid(_NODES, _NODES, indexing="ij")
    weights = np.outer(_WEIGHTS, _WEIGHTS)
    x = s * xi
    u = k * x + sigma * eps
    cost = q * x * x + r * u * u
    g_gain = (cost - bb) * (u - k * x) / sigma**2 * x  # from the Gaussian density directly
    g_log_std = (cost - bb) * (((u - k * x) / sigma) ** 2 - 1.0)
    var = lambda g: float(np.sum(weights * g * g) - np.sum(weights * g) ** 2)  # noqa: E731
    assert np.sum(weights * g_gain) == pytest.approx(2 * r * k * s2, rel=1e-12, abs=1e-12)
    assert np.sum(weights * g_log_std) == pytest.approx(2 * r * sigma**2, rel=1e-12)
    closed = pg.lqr_one_step_score_variance(lqr, [[k]], [log_std], baseline=baseline)
    assert closed == pytest.approx((var(g_gain), var(g_log_std)), rel=1e-11)


@pytest.mark.parametrize("a, b, q, r, s2, k, log_std, baseline", SCALAR_CASES)
def test_one_step_variance_is_the_bandit_variance_averaged_over_the_state(a, b, q, r, s2, k,
                                                                          log_std, baseline):
    # Given x, the cost c = q x^2 + r u^2 is -r (f(u) - b') for the Gaussian bandit's reward
    # f(u) = -u^2 (target 0) and b' = (q x^2 - b) / r, and the gain's estimate is -r x times
    # the bandit's estimate at mu = k x. Law of total variance over x = s xi:
    # Var = E[r^2 x^2 Var_bandit(x)] + Var[2 r k x^2] = E[...] + 8 r^2 k^2 s^4.
    lqr, sigma, s, bb = _scalar(a, b, q, r, s2), math.exp(log_std), math.sqrt(s2), baseline or 0
    bandit = pg.GaussianBandit(target=0.0, sigma=sigma)
    inner = [r * r * (s * xi) ** 2 * pg.gaussian_score_variance(
        bandit, k * s * xi, baseline=(q * (s * xi) ** 2 - bb) / r) for xi in _NODES]
    total = float(_WEIGHTS @ np.array(inner)) + 8 * r * r * k * k * s2 * s2
    assert pg.lqr_one_step_score_variance(lqr, [[k]], [log_std], baseline=baseline)[0] == \
        pytest.approx(total, rel=1e-11)


def test_one_step_variance_matches_the_sampled_variance():
    # The sample variance's standard error is estimated from the spread of the squared
    # deviations; 2 statistics, union bound 1.3e-4.
    lqr, gain, log_std = _scalar(0.9, 1.0, 1.0, 0.5, 1.0), np.array([[-0.3]]), np.array([-0.5])
    d_gain, d_log_std = pg.lqr_gradient_samples(lqr, gain, log_std, 200_000, rng=15, horizon=1)
    closed = pg.lqr_one_step_score_variance(lqr, gain, log_std)
    for sample, exact in zip((d_gain[:, 0, 0], d_log_std[:, 0]), closed, strict=True):
        squared = (sample - sample.mean()) ** 2
        assert abs(sample.var(ddof=1) - exact) < Z * squared.std(ddof=1) / math.sqrt(len(sample))


def test_gain_variance_blows_up_like_one_over_sigma_squared_and_log_std_variance_does_not():
    lqr, gain = _scalar(0.9, 1.0, 1.0, 0.5, 1.0), np.array([[-0.3]])
    alpha = (1.0 + 0.5 * 0.09) * 1.0
    for log_std in (-3.0, -5.0, -8.0):
        sigma2 = math.exp(2 * log_std)
        var_gain, var_log_std = pg.lqr_one_step_score_variance(lqr, gain, [log_std])
        # sigma^2 Var -> s^2 (9 alpha^2 + 6 alpha^2) = 15 alpha^2 s^2 without a baseline
        assert sigma2 * var_gain == pytest.approx(15 * alpha**2, rel=1e-2 * (sigma2 / 0.0025))
        assert var_log_std == pytest.approx(6 * alpha**2, rel=1e-1)
    for b in (-10.0, 0.0, 3 * alpha, 10.0):  # no constant baseline removes the 1/sigma^2 term
        var_gain, _ = pg.lqr_one_step_score_variance(lqr, gain, [-8.0], baseline=b)
        assert math.exp(-16.0) * var_gain >= 6 * alpha**2 * (1 - 1e-9)


# --- bad input ------------------------------------------------------------------------------


@pytest.mark.parametrize("call, error, message", [
    (lambda lqr: pg.sample_lqr_trajectories(lqr, [[1.0, 1.0]], [0.0], 5), ValueError,
     r"spectral radius of sqrt\(discount\) \* \(A \+ B @ gain\) is 1\.2"),
    (lambda lqr: pg.sample_lqr_trajectories(lqr, K_START, [0.0], 0), ValueError,
     "n_episodes must be a positive int; got 0"),
    (lambda lqr: pg.sample_lqr_trajectories(lqr, K_START, [0.0], 5, horizon=0), ValueError,
     "horizon must be a positive int; got 0"),
    (lambda lqr: pg.sample_lqr_trajectories(lqr, K_START, [0.0], 5, rng="seed"), TypeError,
     "rng must be None, an int seed"),
    (lambda lqr: pg.sample_lqr_trajectories(lqr, K_START, [0.0, 0.0], 5), ValueError,
     r"log_std has shape \(2,\)"),
    (lambda lqr: pg.lqr_gradient_samples(lqr, K_START, [0.0], 5, estimator="returns"),
     ValueError, "estimator must be one of 'total_return', 'reward_to_go'; got 'returns'"),
    (lambda lqr: pg.lqr_gradient_samples(lqr, K_START, [0.0], 5, baseline="optimal"),
     TypeError, "baseline must be a real number"),
    (lambda lqr: pg.lqr_episode_gradients(lqr, K_START, [0.0], {}), TypeError,
     "trajectories must be an LQRTrajectories; got dict"),
    (lambda lqr: pg.lqr_one_step_score_variance(lqr, K_START, [0.0]), ValueError,
     "lqr must be scalar"),
    (lambda lqr: pg.sample_lqr_trajectories("lqr", K_START, [0.0], 5), TypeError,
     "lqr must be an LQR; got str"),
])
def test_bad_input_raises_with_a_clear_message(call, error, message):
    with pytest.raises(error, match=message):
        call(_example())


def test_trajectories_of_another_system_are_refused():
    other = pg.LQR(A=np.eye(3) * 0.5, B=np.ones((3, 1)), Q=np.eye(3), R=[[1.0]],
                   initial_covariance=np.eye(3), discount=0.9)
    traj = pg.sample_lqr_trajectories(other, np.zeros((1, 3)), [0.0], 4, rng=0)
    with pytest.raises(ValueError, match=r"expected \(N, T, 2\) and \(N, T, 1\)"):
        pg.lqr_episode_gradients(_example(), K_START, [0.0], traj)
