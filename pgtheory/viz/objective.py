"""Figures for book/objective: the landscape of the objective J(theta).

J is a function of every logit, ``theta: (S, A)``, so a picture shows a plane
through parameter space: theta(x, y) = theta0 + x u + y v for two directions
u, v of shape (S, A). On that plane J(x, y) = J(theta(x, y)) and, by the chain
rule, its gradient is (<grad J, u>, <grad J, v>): the gradient of J restricted to the
plane (not an orthogonal projection of grad J unless u and v are orthonormal). Values
come from :func:`pgtheory.expected_return` (eq. `backward-induction`) and
:func:`pgtheory.exact_gradient`.
"""

from __future__ import annotations

from typing import Any

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

from .. import exact_gradient, expected_return
from ..mdp import TabularMDP
from .style import PALETTE

__all__ = ["objective_landscape", "objective_slice"]


def objective_slice(
    mdp: TabularMDP, theta0: Any, u: Any, v: Any, xs: Any, ys: Any
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """J and its gradient restricted to the plane theta0 + x u + y v.

    Parameters
    ----------
    mdp : TabularMDP
    theta0, u, v : array_like(float), shape (S, A)
        The point at x = y = 0 and the two directions of the plane.
    xs : array_like(float), shape (nx,)
    ys : array_like(float), shape (ny,)

    Returns
    -------
    values : ndarray(float), shape (ny, nx)
        ``values[j, i]`` = J(theta0 + xs[i] u + ys[j] v).
    grad_x, grad_y : ndarray(float), shape (ny, nx)
        dJ/dx = <grad J, u> and dJ/dy = <grad J, v> at the same points.
    """
    theta0, u, v = (np.asarray(a, dtype=float) for a in (theta0, u, v))
    xs, ys = np.asarray(xs, dtype=float), np.asarray(ys, dtype=float)
    values = np.empty((ys.size, xs.size))
    grad_x, grad_y = np.empty_like(values), np.empty_like(values)
    for j, y in enumerate(ys):
        for i, x in enumerate(xs):
            theta = theta0 + x * u + y * v
            values[j, i] = expected_return(mdp, theta)
            gradient = exact_gradient(mdp, theta)
            grad_x[j, i], grad_y[j, i] = (gradient * u).sum(), (gradient * v).sum()
    return values, grad_x, grad_y


def objective_landscape(
    mdp: TabularMDP,
    theta0: Any,
    u: Any,
    v: Any,
    *,
    extent: float = 6.0,
    resolution: int = 61,
    arrows: int = 9,
    xlabel: str = "$x$",
    ylabel: str = "$y$",
    title: str = r"Expected return $J(\theta)$ on a plane through $\theta$-space",
) -> Figure:
    """Filled contours of J over a square of the plane, with exact-gradient arrows.

    Parameters
    ----------
    mdp : TabularMDP
    theta0, u, v : array_like(float), shape (S, A)
        The plane theta0 + x u + y v (see :func:`objective_slice`).
    extent : float
        The square is [-extent, extent]^2.
    resolution : int
        Grid points per axis for the contours.
    arrows : int
        Grid points per axis for the gradient arrows.
    xlabel, ylabel, title : str

    Returns
    -------
    matplotlib.figure.Figure
        One axes with the contours (a colour bar labelled J), the arrows of
        the restricted gradient (legend entry "exact gradient"), and theta0
        marked (legend entry naming it).
    """
    grid = np.linspace(-extent, extent, resolution)
    values, _, _ = objective_slice(mdp, theta0, u, v, grid, grid)
    coarse = np.linspace(-extent, extent, arrows)[1:-1]
    _, grad_x, grad_y = objective_slice(mdp, theta0, u, v, coarse, coarse)

    fig, ax = plt.subplots(figsize=(7.0, 5.6))
    filled = ax.contourf(grid, grid, values, levels=15, cmap="cividis")
    ax.contour(grid, grid, values, levels=15, colors="white", linewidths=0.4, alpha=0.6)
    fig.colorbar(filled, ax=ax, label=r"$J(\theta)$")
    cx, cy = np.meshgrid(coarse, coarse)
    ax.quiver(cx, cy, grad_x, grad_y, color="white", edgecolor=PALETTE[7], linewidth=0.6,
              angles="xy", pivot="tail", width=0.006,
              label=r"exact gradient $(\partial J/\partial x, \partial J/\partial y)$")
    ax.plot([0.0], [0.0], marker="o", markersize=9, color=PALETTE[7], linestyle="none",
            markerfacecolor="white", label=r"$\theta_0$ ($x = y = 0$)")
    ax.set(xlabel=xlabel, ylabel=ylabel, title=title, aspect="equal")
    ax.grid(False)
    ax.legend(loc="lower right", framealpha=0.9)
    return fig
