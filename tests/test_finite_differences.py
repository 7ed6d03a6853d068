"""Tests for pgtheory.finite_differences: central differences against known derivatives."""

from __future__ import annotations

import doctest

import numpy as np
import pytest

import pgtheory as pg
import pgtheory.finite_differences as fd
from pgtheory.finite_differences import finite_difference_gradient


def test_docstring_example_runs() -> None:
    assert doctest.testmod(fd).failed == 0


def test_gradient_of_a_cubic_matches_its_derivative() -> None:
    # F(x) = sum x^3 has gradient 3 x^2; the central-difference error is h^2 * F'''/6 = h^2.
    x = np.array([[0.5, -1.5, 2.0]])
    gradient = finite_difference_gradient(lambda v: float((v**3).sum()), x, step=1e-4)
    assert gradient.shape == x.shape
    np.testing.assert_allclose(gradient, 3 * x**2, atol=1e-7)


def test_jacobian_axes_are_output_then_input() -> None:
    # F(x) = A x for a non-square A: Jacobian is A itself, output axis first.
    matrix = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    jacobian = finite_difference_gradient(lambda v: matrix @ v, np.zeros(3))
    assert jacobian.shape == (2, 3)
    np.testing.assert_allclose(jacobian, matrix, atol=1e-9)


def test_softmax_jacobian_matches_pi_times_score() -> None:
    # d pi(a|s) / d theta[s, b] = pi(a|s) (1[a = b] - pi(b|s)), from the softmax score.
    theta = np.array([[1.0, 0.0, -1.0], [0.3, -0.2, 0.5]])
    jacobian = finite_difference_gradient(pg.softmax_policy, theta)
    assert jacobian.shape == (2, 3, 2, 3)
    pi = pg.softmax_policy(theta)
    for s in range(2):
        for a in range(3):
            expected = pi[s, a] * pg.log_policy_grad(theta, s, a)
            np.testing.assert_allclose(jacobian[s, a], expected, atol=1e-10)


def test_gradient_of_expected_return_matches_exact_gradient() -> None:
    mdp = pg.random_mdp(3, 2, 3, rng=0)
    theta = np.random.default_rng(1).standard_normal((3, 2))
    gradient = finite_difference_gradient(lambda t: pg.expected_return(mdp, t), theta)
    np.testing.assert_allclose(gradient, pg.exact_gradient(mdp, theta), atol=1e-8)


@pytest.mark.parametrize("step", [0.0, -1e-5, float("nan")])
def test_rejects_a_step_that_is_not_positive(step: float) -> None:
    with pytest.raises(ValueError, match="step"):
        finite_difference_gradient(np.sum, np.zeros(2), step=step)


def test_rejects_a_non_finite_point() -> None:
    with pytest.raises(ValueError, match=r"x\[1\]"):
        finite_difference_gradient(np.sum, [0.0, np.inf])
