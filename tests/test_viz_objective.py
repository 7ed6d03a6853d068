"""Tests for pgtheory.viz.objective: chapter 1 plots the exact J and its gradient."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

import pgtheory as pg  # noqa: E402
from pgtheory.viz.objective import objective_landscape, objective_slice  # noqa: E402


@pytest.fixture
def plane() -> tuple:
    mdp = pg.chain_mdp()
    theta0 = np.zeros((4, 2))
    theta0[3, 0] = 3.0
    u, v = np.zeros((4, 2)), np.zeros((4, 2))
    u[0, 1] = 1.0
    v[1:3, 1] = 1.0
    return mdp, theta0, u, v


def test_slice_values_are_the_exact_objective_on_the_plane(plane: tuple) -> None:
    mdp, theta0, u, v = plane
    xs, ys = np.array([-1.0, 0.0, 2.0]), np.array([0.5, 3.0])
    values, grad_x, grad_y = objective_slice(mdp, theta0, u, v, xs, ys)
    assert values.shape == grad_x.shape == grad_y.shape == (2, 3)
    theta = theta0 + xs[2] * u + ys[1] * v
    assert values[1, 2] == pg.expected_return(mdp, theta)


def test_slice_gradient_is_the_derivative_along_the_plane(plane: tuple) -> None:
    # Chain rule check: compare with central differences of J along x and y.
    mdp, theta0, u, v = plane
    _, grad_x, grad_y = objective_slice(mdp, theta0, u, v, [0.7], [-0.4])
    h = 1e-5

    def j(x: float, y: float) -> float:
        return pg.expected_return(mdp, theta0 + x * u + y * v)

    assert grad_x[0, 0] == pytest.approx((j(0.7 + h, -0.4) - j(0.7 - h, -0.4)) / (2 * h), abs=1e-8)
    assert grad_y[0, 0] == pytest.approx((j(0.7, -0.4 + h) - j(0.7, -0.4 - h)) / (2 * h), abs=1e-8)


def test_landscape_has_labels_legend_and_plots_the_slice(plane: tuple) -> None:
    mdp, theta0, u, v = plane
    fig = objective_landscape(mdp, theta0, u, v, extent=2.0, resolution=5, arrows=5,
                              xlabel="x label", ylabel="y label")
    ax = fig.axes[0]
    assert "J" in ax.get_title()
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("x label", "y label")
    assert [t.get_text() for t in ax.get_legend().get_texts()] == [
        r"exact gradient $(\partial J/\partial x, \partial J/\partial y)$",
        r"$\theta_0$ ($x = y = 0$)"]
    assert fig.axes[1].get_ylabel() == r"$J(\theta)$"  # the colour bar
    # The arrows: the gradient restricted to the plane, on the interior of the coarse grid.
    quiver = next(c for c in ax.collections if isinstance(c, matplotlib.quiver.Quiver))
    coarse = np.linspace(-2.0, 2.0, 5)[1:-1]
    _, grad_x, grad_y = objective_slice(mdp, theta0, u, v, coarse, coarse)
    np.testing.assert_allclose(quiver.U, grad_x.ravel())
    np.testing.assert_allclose(quiver.V, grad_y.ravel())
    # The contour levels span the computed values of J.
    values, _, _ = objective_slice(mdp, theta0, u, v, np.linspace(-2, 2, 5), np.linspace(-2, 2, 5))
    levels = fig.axes[1].get_ylim()
    assert levels[0] <= values.min() and values.max() <= levels[1]
    plt.close(fig)
