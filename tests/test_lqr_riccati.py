"""Tests for pgtheory.lqr_riccati: the optimal gain of an LQR from the Riccati equation.

Independent references: the scalar Riccati equation solved in closed form (a quadratic), the
exact gradient of pgtheory.lqr vanishing at the optimum, the Riccati equation itself, and
random perturbations of the gain, which all cost more.
"""

from __future__ import annotations

import numpy as np
import pytest

import pgtheory as pg


def _example(discount: float = 0.9) -> pg.LQR:
    """The chapter's system: a discretized double integrator."""
    return pg.LQR(A=[[1.0, 0.2], [0.0, 1.0]], B=[[0.0], [0.2]], Q=np.eye(2), R=[[0.5]],
                  initial_covariance=np.eye(2), noise_covariance=0.01 * np.eye(2),
                  discount=discount)


def _random_lqr(seed: int, n: int = 3, m: int = 2) -> tuple[pg.LQR, np.ndarray]:
    """A random LQR with full noise, and a random log_std."""
    rng = np.random.default_rng(seed)
    a = rng.normal(size=(n, n)) * 0.5
    b = rng.normal(size=(n, m))
    mq, mr, ms, mw = (rng.normal(size=(k, k)) for k in (n, m, n, n))
    lqr = pg.LQR(A=a, B=b, Q=mq @ mq.T + 0.1 * np.eye(n), R=mr @ mr.T + 0.5 * np.eye(m),
                 initial_covariance=ms @ ms.T, noise_covariance=0.1 * mw @ mw.T,
                 discount=0.95)
    return lqr, 0.3 * rng.normal(size=m)


def _scalar_riccati(a, b, q, r, g):
    """p solves g b^2 p^2 + (r - g q b^2 - g a^2 r) p - q r = 0 (the positive root)."""
    lin = r - g * q * b * b - g * a * a * r
    p = (-lin + np.sqrt(lin * lin + 4 * g * b * b * q * r)) / (2 * g * b * b)
    return p, -g * a * b * p / (r + g * b * b * p)


@pytest.mark.parametrize("a, b, q, r, g", [(1.2, 0.5, 1.0, 0.3, 0.9), (0.5, 1.0, 2.0, 1.0, 0.5),
                                           (-1.5, 2.0, 0.1, 4.0, 0.99)])
def test_optimal_gain_of_a_scalar_system_solves_the_quadratic(a, b, q, r, g):
    lqr = pg.LQR(A=[[a]], B=[[b]], Q=[[q]], R=[[r]], initial_covariance=[[1.0]], discount=g)
    p, k = _scalar_riccati(a, b, q, r, g)
    gain = pg.lqr_optimal_gain(lqr)
    assert gain[0, 0] == pytest.approx(k, rel=1e-10)
    assert pg.lqr_value_matrix(lqr, gain)[0, 0] == pytest.approx(p, rel=1e-10)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_optimal_gain_has_zero_gradient_and_solves_the_riccati_equation(seed):
    lqr, log_std = _random_lqr(seed)
    gain = pg.lqr_optimal_gain(lqr)
    d_gain, _ = pg.lqr_gradient(lqr, gain, log_std)
    away, _ = pg.lqr_gradient(lqr, gain + 0.1, log_std)
    assert np.abs(d_gain).max() < 1e-9 * np.abs(away).max()
    p, (a, b, q, r, g) = pg.lqr_value_matrix(lqr, gain), (lqr.A, lqr.B, lqr.Q, lqr.R,
                                                           lqr.discount)
    riccati = q + g * a.T @ p @ a - g**2 * a.T @ p @ b @ np.linalg.solve(r + g * b.T @ p @ b,
                                                                         b.T @ p @ a)
    np.testing.assert_allclose(p, riccati, rtol=1e-10, atol=1e-10 * np.abs(p).max())


def test_optimal_gain_beats_every_perturbed_gain_for_every_noise_level():
    lqr = _example()
    gain = pg.lqr_optimal_gain(lqr)
    rng = np.random.default_rng(10)
    for log_std in ([-3.0], [0.0], [1.0]):  # K* is optimal whatever sigma is
        best = pg.lqr_cost(lqr, gain, log_std)
        for _ in range(50):
            other = gain + rng.normal(size=gain.shape) * rng.choice([1e-3, 1e-2, 1e-1])
            if lqr.closed_loop_radius(other) < 1:
                assert pg.lqr_cost(lqr, other, log_std) > best


def test_optimal_gain_ignores_the_noise_and_the_initial_state():
    base = _example()
    other = pg.LQR(A=base.A, B=base.B, Q=base.Q, R=base.R, initial_covariance=[[5.0, 1.0],
                   [1.0, 0.5]], noise_covariance=None, discount=base.discount)
    np.testing.assert_array_equal(pg.lqr_optimal_gain(base), pg.lqr_optimal_gain(other))
    assert np.abs(pg.lqr_gradient(other, pg.lqr_optimal_gain(base), [0.4])[0]).max() < 1e-9


def test_riccati_iteration_raises_when_an_unstable_mode_cannot_be_controlled():
    lqr = pg.LQR(A=np.diag([2.0, 0.5]), B=[[0.0], [1.0]], Q=np.eye(2), R=[[1.0]],
                 initial_covariance=np.eye(2), discount=0.9)
    with pytest.raises(ValueError, match="not stabilizable"):
        pg.lqr_optimal_gain(lqr)


def test_riccati_iteration_raises_when_q_ignores_an_unstable_mode():
    lqr = pg.LQR(A=[[2.0]], B=[[1.0]], Q=[[0.0]], R=[[1.0]], initial_covariance=[[1.0]],
                 discount=0.9)
    with pytest.raises(ValueError, match=r"spectral radius .* = 1\.89737 >= 1; Q does not"):
        pg.lqr_optimal_gain(lqr)


def test_riccati_iteration_raises_when_it_runs_out_of_iterations():
    with pytest.raises(ValueError, match="did not converge within max_iterations = 3"):
        pg.lqr_optimal_gain(_example(), max_iterations=3)


def test_bad_input_is_refused_naming_it():
    with pytest.raises(TypeError, match="lqr must be an LQR; got dict"):
        pg.lqr_optimal_gain({})
    with pytest.raises(ValueError, match=r"tolerance must lie in \(0.0, 1.0\)"):
        pg.lqr_optimal_gain(_example(), tolerance=0.0)
    with pytest.raises(ValueError, match="max_iterations must be a positive int"):
        pg.lqr_optimal_gain(_example(), max_iterations=0)
