"""Tests for pgtheory.lqr: the exact cost and gradient of a linear-Gaussian policy on an LQR.

Independent references: the cost against brute-force sums of E[c_t] with the state covariance
propagated step by step (written here, not taken from the package); the gradient against
central finite differences of the cost. The optimal gain is tested in tests/test_lqr_riccati.py,
the Monte Carlo estimates in tests/test_lqr_estimators.py.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import pgtheory as pg


def _example(discount: float = 0.9) -> pg.LQR:
    """The chapter's system: a discretized double integrator."""
    return pg.LQR(A=[[1.0, 0.2], [0.0, 1.0]], B=[[0.0], [0.2]], Q=np.eye(2), R=[[0.5]],
                  initial_covariance=np.eye(2), noise_covariance=0.01 * np.eye(2),
                  discount=discount)


def _random_problem(seed: int, n: int = 3, m: int = 2):
    """A random LQR with full noise and a random gain that stabilizes it (discounted)."""
    rng = np.random.default_rng(seed)
    a = rng.normal(size=(n, n)) * 0.5
    b = rng.normal(size=(n, m))
    mq, mr, ms, mw = (rng.normal(size=(k, k)) for k in (n, m, n, n))
    lqr = pg.LQR(A=a, B=b, Q=mq @ mq.T + 0.1 * np.eye(n), R=mr @ mr.T + 0.5 * np.eye(m),
                 initial_covariance=ms @ ms.T, noise_covariance=0.1 * mw @ mw.T,
                 discount=0.95)
    gain = pg.lqr_optimal_gain(lqr) + 0.1 * rng.normal(size=(m, n))
    assert lqr.closed_loop_radius(gain) < 0.99
    return lqr, gain, 0.3 * rng.normal(size=m)


def _brute_force_cost(lqr: pg.LQR, gain, log_std, horizon: int) -> float:
    """sum_{t=1}^{H} gamma^(t-1) E[c_t], propagating E[x_t x_t^T] one step at a time.

    E[c_t] = E[x^T Q x] + E[u^T R u] with u = K x + sigma * eps, so
    E[u u^T] = K S_t K^T + diag(sigma^2); S_{t+1} = E[(Ax + Bu + w)(Ax + Bu + w)^T].
    """
    gain, variances = np.asarray(gain), np.exp(2 * np.asarray(log_std))
    s = lqr.initial_covariance.copy()
    total = 0.0
    for t in range(horizon):
        uu = gain @ s @ gain.T + np.diag(variances)  # E[u u^T]
        xu = s @ gain.T  # E[x u^T]
        total += lqr.discount**t * (np.trace(lqr.Q @ s) + np.trace(lqr.R @ uu))
        s = (lqr.A @ s @ lqr.A.T + lqr.A @ xu @ lqr.B.T + lqr.B @ xu.T @ lqr.A.T
             + lqr.B @ uu @ lqr.B.T + lqr.noise_covariance)
    return total


def _central_difference(f, x: np.ndarray, h: float) -> np.ndarray:
    out = np.empty_like(x)
    for index in np.ndindex(x.shape):
        e = np.zeros_like(x)
        e[index] = h
        out[index] = (f(x + e) - f(x - e)) / (2 * h)
    return out


# --- the cost -------------------------------------------------------------------------------


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_cost_equals_the_brute_force_sum_of_expected_costs(seed):
    lqr, gain, log_std = _random_problem(seed)
    # The terms fall like rho^(2t) with rho = closed_loop_radius < 0.99; after 6000 steps the
    # tail is below 0.99^12000 ~ 6e-53 of the first terms' scale (times a polynomial factor).
    brute = _brute_force_cost(lqr, gain, log_std, horizon=6000)
    assert pg.lqr_cost(lqr, gain, log_std) == pytest.approx(brute, rel=1e-9)


def test_cost_of_the_example_equals_the_brute_force_sum():
    lqr, gain, log_std = _example(), np.array([[-0.5, -1.0]]), np.log([0.3])
    assert pg.lqr_cost(lqr, gain, log_std) == pytest.approx(
        _brute_force_cost(lqr, gain, log_std, horizon=3000), rel=1e-11)


@pytest.mark.parametrize("horizon", [1, 2, 7, 40])
def test_truncated_cost_equals_the_brute_force_sum(horizon):
    lqr, gain, log_std = _random_problem(3)
    assert pg.lqr_cost(lqr, gain, log_std, horizon=horizon) == pytest.approx(
        _brute_force_cost(lqr, gain, log_std, horizon), rel=1e-12)


def test_truncated_cost_needs_no_stability():
    lqr = _example()
    unstable = np.array([[1.0, 1.0]])
    assert lqr.closed_loop_radius(unstable) > 1
    assert pg.lqr_cost(lqr, unstable, [0.0], horizon=5) == pytest.approx(
        _brute_force_cost(lqr, unstable, [0.0], 5), rel=1e-12)


@pytest.mark.parametrize("horizon", [1, 5, 30])
def test_truncation_bias_formula(horizon):
    # eq. lqr-truncation-bias: C - C_H = gamma^H [tr(P_K S_{H+1}) + gamma/(1-gamma) tr(P_K W_K)
    #                                             + tr(R Sigma_u)/(1-gamma)]
    lqr, gain, log_std = _random_problem(4)
    g, variances = lqr.discount, np.exp(2 * log_std)
    p = pg.lqr_value_matrix(lqr, gain)
    s_next = pg.lqr_state_covariances(lqr, gain, log_std, horizon + 1)[-1]
    w_gain = lqr.noise_covariance + lqr.B @ np.diag(variances) @ lqr.B.T
    bias = g**horizon * (np.trace(p @ s_next) + g / (1 - g) * np.trace(p @ w_gain)
                         + np.trace(lqr.R @ np.diag(variances)) / (1 - g))
    gap = pg.lqr_cost(lqr, gain, log_std) - pg.lqr_cost(lqr, gain, log_std, horizon=horizon)
    assert gap == pytest.approx(bias, rel=1e-9)


def test_cost_two_ways_trace_with_covariance_and_trace_with_value_matrix():
    # tr(Q_K Sigma_K) + tr(R Sigma_u)/(1-gamma) = tr(P_K Sigma_bar) + tr(R Sigma_u)/(1-gamma):
    # two different Lyapunov solves must give the same cost.
    lqr, gain, log_std = _random_problem(5)
    g, variances = lqr.discount, np.exp(2 * log_std)
    noise_cost = np.trace(lqr.R @ np.diag(variances)) / (1 - g)
    q_gain = lqr.Q + gain.T @ lqr.R @ gain
    by_covariance = np.trace(q_gain @ pg.lqr_state_covariance(lqr, gain, log_std)) + noise_cost
    assert pg.lqr_cost(lqr, gain, log_std) == pytest.approx(by_covariance, rel=1e-11)


def test_discounted_state_covariance_is_the_discounted_sum_of_covariances():
    lqr, gain, log_std = _random_problem(6)
    covariances = pg.lqr_state_covariances(lqr, gain, log_std, 4000)
    weights = lqr.discount ** np.arange(4000)
    np.testing.assert_allclose(pg.lqr_state_covariance(lqr, gain, log_std),
                               np.einsum("t,tij->ij", weights, covariances), rtol=1e-9)


def test_value_matrix_gives_the_noise_free_cost_from_a_fixed_state():
    lqr, gain, _ = _random_problem(7)
    p = pg.lqr_value_matrix(lqr, gain)
    x0 = np.array([1.0, -2.0, 0.5])
    x, total = x0, 0.0
    for t in range(4000):
        u = gain @ x
        total += lqr.discount**t * (x @ lqr.Q @ x + u @ lqr.R @ u)
        x = lqr.A @ x + lqr.B @ u
    assert x0 @ p @ x0 == pytest.approx(total, rel=1e-9)


# --- the gradient ---------------------------------------------------------------------------


@pytest.mark.parametrize("seed", [0, 1, 2, 8])
def test_gradient_matches_central_differences_of_the_cost(seed):
    lqr, gain, log_std = _random_problem(seed)
    d_gain, d_log_std = pg.lqr_gradient(lqr, gain, log_std)
    assert d_gain.shape == gain.shape and d_log_std.shape == log_std.shape
    # Central differences err by O(h^2) (third derivatives) plus rounding ~1e-16 C / h.
    fd_gain = _central_difference(lambda k: pg.lqr_cost(lqr, k, log_std), gain, 1e-5)
    fd_log_std = _central_difference(lambda s: pg.lqr_cost(lqr, gain, s), log_std, 1e-5)
    scale = np.abs(d_gain).max()
    np.testing.assert_allclose(d_gain, fd_gain, rtol=1e-6, atol=1e-7 * scale)
    np.testing.assert_allclose(d_log_std, fd_log_std, rtol=1e-6, atol=1e-7 * scale)


def test_gradient_of_the_example_matches_central_differences():
    lqr, gain, log_std = _example(), np.array([[-0.5, -1.0]]), np.log([0.3])
    d_gain, d_log_std = pg.lqr_gradient(lqr, gain, log_std)
    fd = _central_difference(lambda k: pg.lqr_cost(lqr, k, log_std), gain, 1e-6)
    np.testing.assert_allclose(d_gain, fd, rtol=1e-7)
    np.testing.assert_allclose(
        d_log_std, _central_difference(lambda s: pg.lqr_cost(lqr, gain, s), log_std, 1e-6),
        rtol=1e-7)


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10_000), discount=st.floats(0.05, 0.98))
def test_gradient_matches_finite_differences_on_random_systems(seed, discount):
    rng = np.random.default_rng(seed)
    n, m = int(rng.integers(1, 4)), int(rng.integers(1, 3))
    lqr = pg.LQR(A=rng.normal(size=(n, n)) * 0.4, B=rng.normal(size=(n, m)),
                 Q=np.eye(n), R=np.eye(m), initial_covariance=np.eye(n),
                 noise_covariance=0.1 * np.eye(n), discount=discount)
    gain = 0.2 * rng.normal(size=(m, n))
    if lqr.closed_loop_radius(gain) > 0.95:
        gain = pg.lqr_optimal_gain(lqr)
    log_std = rng.normal(size=m) * 0.5
    d_gain, d_log_std = pg.lqr_gradient(lqr, gain, log_std)
    fd = _central_difference(lambda k: pg.lqr_cost(lqr, k, log_std), gain, 1e-5)
    fd_s = _central_difference(lambda s: pg.lqr_cost(lqr, gain, s), log_std, 1e-5)
    scale = max(1.0, np.abs(d_gain).max(), np.abs(d_log_std).max())
    np.testing.assert_allclose(d_gain, fd, rtol=1e-5, atol=1e-6 * scale)
    np.testing.assert_allclose(d_log_std, fd_s, rtol=1e-5, atol=1e-6 * scale)


def test_log_std_gradient_is_positive_the_cost_always_rises_with_exploration():
    lqr, gain, log_std = _random_problem(9)
    assert np.all(pg.lqr_gradient(lqr, gain, log_std)[1] > 0)


# --- bad input ------------------------------------------------------------------------------

GOOD = dict(A=[[1.0, 0.2], [0.0, 1.0]], B=[[0.0], [0.2]], Q=np.eye(2), R=[[0.5]],
            initial_covariance=np.eye(2))


@pytest.mark.parametrize("change, error, message", [
    (dict(discount=1.0), ValueError, r"discount must lie in \(0.0, 1.0\); got 1.0"),
    (dict(discount=0.0), ValueError, r"discount must lie in \(0.0, 1.0\); got 0.0"),
    (dict(discount=-0.5), ValueError, r"discount must lie in \(0.0, 1.0\)"),
    (dict(discount="0.9"), TypeError, "discount must be a real number"),
    (dict(Q=[[1.0, 0.5], [0.0, 1.0]]), ValueError,
     r"Q must be symmetric; Q\[0, 1\] = 0.5 but Q\[1, 0\] = 0"),
    (dict(Q=[[1.0, 0.0], [0.0, -0.5]]), ValueError,
     "Q must be positive semidefinite; its smallest eigenvalue is -0.5"),
    (dict(R=[[0.0]]), ValueError, "R must be positive definite; its smallest eigenvalue is 0"),
    (dict(R=[[-1.0]]), ValueError, "R must be positive definite; its smallest eigenvalue is -1"),
    (dict(initial_covariance=[[1.0, 2.0], [2.0, 1.0]]), ValueError,
     "initial_covariance must be positive semidefinite; its smallest eigenvalue is -1"),
    (dict(initial_covariance=[[1.0, 0.1], [0.0, 1.0]]), ValueError,
     "initial_covariance must be symmetric"),
    (dict(noise_covariance=-np.eye(2)), ValueError,
     "noise_covariance must be positive semidefinite; its smallest eigenvalue is -1"),
    (dict(A=np.ones((2, 3))), ValueError, r"A has shape \(2, 3\); expected a nonempty square"),
    (dict(B=np.ones((3, 1))), ValueError, r"B has shape \(3, 1\); expected \(n, m\) with n = 2"),
    (dict(Q=np.eye(3)), ValueError, r"Q has shape \(3, 3\); expected shape \(2, 2\), n = 2"),
    (dict(R=np.eye(2)), ValueError, r"R has shape \(2, 2\); expected shape \(1, 1\), n = 1"),
    (dict(A=[[np.nan, 0.0], [0.0, 1.0]]), ValueError, r"A\[0, 0\] is nan"),
    (dict(B=[[True], [False]]), TypeError, "B must be an array of real numbers"),
])
def test_bad_lqr_raises_naming_the_argument(change, error, message):
    with pytest.raises(error, match=message):
        pg.LQR(**{**GOOD, **change})


def test_lqr_arrays_are_read_only_copies_and_default_noise_is_zero():
    a = np.array(GOOD["A"])
    lqr = pg.LQR(**{**GOOD, "A": a})
    a[0, 0] = 99.0
    assert lqr.A[0, 0] == 1.0 and not lqr.A.flags.writeable
    np.testing.assert_array_equal(lqr.noise_covariance, np.zeros((2, 2)))
    assert (lqr.n_states, lqr.n_actions, lqr.discount) == (2, 1, 0.99)


@pytest.mark.parametrize("function", [
    lambda lqr, k: pg.lqr_cost(lqr, k, [0.0]),
    lambda lqr, k: pg.lqr_gradient(lqr, k, [0.0]),
    lambda lqr, k: pg.lqr_value_matrix(lqr, k),
    lambda lqr, k: pg.lqr_state_covariance(lqr, k, [0.0]),
])
def test_a_gain_with_infinite_cost_is_refused_naming_the_radius(function):
    lqr = _example()
    with pytest.raises(ValueError, match=r"spectral radius of sqrt\(discount\) \* \(A \+ B @ "
                                         r"gain\) is 1\.2\d* >= 1.*infinite"):
        function(lqr, [[1.0, 1.0]])


def test_discounting_decides_stability():
    # rho(A + BK) = 1.04: infinite cost with gamma = 0.99, finite with gamma = 0.5.
    gain = [[0.0, 0.2]]
    assert pg.spectral_radius(np.array(GOOD["A"]) + np.array(GOOD["B"]) @ gain) == \
        pytest.approx(1.04)
    with pytest.raises(ValueError, match="spectral radius"):
        pg.lqr_cost(pg.LQR(**GOOD, discount=0.99), gain, [0.0])
    assert np.isfinite(pg.lqr_cost(pg.LQR(**GOOD, discount=0.5), gain, [0.0]))


@pytest.mark.parametrize("gain, log_std, error, message", [
    (np.zeros((2, 2)), [0.0], ValueError, r"gain has shape \(2, 2\); expected \(m, n\) = \(1, 2\)"),
    (np.zeros(2), [0.0], ValueError, "gain must have 2 dimension"),
    (np.zeros((1, 2)), [0.0, 0.0], ValueError, r"log_std has shape \(2,\); expected \(m,\)"),
    (np.zeros((1, 2)), [np.nan], ValueError, r"log_std\[0\] is nan"),
    (np.full((1, 2), "x"), [0.0], TypeError, "gain must be an array of real numbers"),
])
def test_bad_gain_or_log_std_raises(gain, log_std, error, message):
    with pytest.raises(error, match=message):
        pg.lqr_cost(_example(), gain, log_std)


def test_functions_want_an_lqr_and_a_positive_horizon():
    with pytest.raises(TypeError, match="lqr must be an LQR; got dict"):
        pg.lqr_cost({}, [[0.0, 0.0]], [0.0])
    with pytest.raises(ValueError, match="horizon must be a positive int; got 0"):
        pg.lqr_cost(_example(), [[0.0, 0.0]], [0.0], horizon=0)
