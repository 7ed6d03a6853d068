"""Tests for pgtheory.lyapunov: the Kronecker solve against the series it sums."""

from __future__ import annotations

import numpy as np
import pytest

import pgtheory as pg


def _stable(rng: np.random.Generator, n: int, radius: float) -> np.ndarray:
    """A random (non-normal) n x n matrix rescaled to the given spectral radius."""
    a = rng.normal(size=(n, n))
    return a * radius / np.abs(np.linalg.eigvals(a)).max()


def _series(a: np.ndarray, y: np.ndarray) -> np.ndarray:
    """sum_k a^k y (a^T)^k, summed until the terms stop changing the total."""
    total, term = np.zeros_like(y), y.copy()
    for _ in range(100_000):
        total = total + term
        term = a @ term @ a.T
        if np.abs(term).max() <= 1e-18 * np.abs(total).max():
            return total
    raise AssertionError("series did not converge")


@pytest.mark.parametrize("n, radius, seed", [(1, 0.5, 0), (2, 0.9, 1), (3, 0.97, 2), (6, 0.8, 3)])
def test_solution_is_the_series_and_solves_the_equation(n, radius, seed):
    rng = np.random.default_rng(seed)
    a = _stable(rng, n, radius)
    m = rng.normal(size=(n, n))
    y = m @ m.T
    x = pg.discrete_lyapunov(a, y)
    np.testing.assert_allclose(x, _series(a, y), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(x, a @ x @ a.T + y, rtol=1e-12, atol=1e-12)
    np.testing.assert_array_equal(x, x.T)  # symmetrized for symmetric y


def test_nonsymmetric_right_hand_side_is_not_symmetrized():
    rng = np.random.default_rng(4)
    a, y = _stable(rng, 3, 0.7), rng.normal(size=(3, 3))
    x = pg.discrete_lyapunov(a, y)
    np.testing.assert_allclose(x, _series(a, y), rtol=1e-10, atol=1e-12)
    assert not np.allclose(x, x.T)


def test_scalar_case_is_y_over_one_minus_a_squared():
    assert pg.discrete_lyapunov([[0.6]], [[2.0]])[0, 0] == pytest.approx(2.0 / (1 - 0.36))


def test_spectral_radius_of_a_rotation_is_its_scale():
    c, s = np.cos(0.3), np.sin(0.3)
    assert pg.spectral_radius(0.8 * np.array([[c, -s], [s, c]])) == pytest.approx(0.8)


@pytest.mark.parametrize("a, y, message", [
    ([[1.0]], [[1.0]], r"spectral radius of a is 1 >= 1"),
    ([[0.0, 1.5], [1.0, 0.0]], np.eye(2), r"spectral radius of a is 1\.22474 >= 1"),
    ([[0.5]], np.eye(2), r"y has shape \(2, 2\); expected \(1, 1\)"),
    ([[0.5, 0.1]], [[1.0]], r"a has shape \(1, 2\); expected a nonempty square matrix"),
    ([[np.nan]], [[1.0]], r"a\[0, 0\] is nan"),
])
def test_bad_input_raises_with_a_clear_message(a, y, message):
    with pytest.raises(ValueError, match=message):
        pg.discrete_lyapunov(a, y)


def test_too_large_a_system_is_refused():
    n = pg.MAX_LYAPUNOV_DIM + 1
    with pytest.raises(ValueError, match=f"n = {n} > MAX_LYAPUNOV_DIM"):
        pg.discrete_lyapunov(0.5 * np.eye(n), np.eye(n))


def test_non_numeric_input_is_a_type_error():
    with pytest.raises(TypeError, match="a must be an array of real numbers"):
        pg.discrete_lyapunov([["x"]], [[1.0]])
