"""Figures for book/monte_carlo: the spread of the Monte Carlo gradient estimate.

* :func:`plot_estimate_histogram`: many N-episode estimates of one coordinate of the gradient,
  with the exact value and the normal curve that eq. `mc-unbiased` and eq. `mc-variance` predict.
* :func:`plot_standard_deviation`: the empirical standard deviation of the N-episode estimate
  against N on log-log axes, beside the exact line sqrt(sigma^2 / N) of slope -1/2.

Both functions take numbers computed by :mod:`pgtheory` and only draw them. They create the
figure with pyplot, so a notebook cell that ends with ``plt.show()`` displays it.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

from .style import PALETTE, tex_number

__all__ = ["plot_estimate_histogram", "plot_standard_deviation"]


def plot_estimate_histogram(
    estimates: np.ndarray,
    exact: float,
    exact_variance: float,
    n_episodes: int,
    coordinate: str = r"$\partial J / \partial \theta_{s,a}$",
    bins: int = 40,
) -> Figure:
    """Histogram of M estimates of one gradient coordinate, centred on the exact value.

    Parameters
    ----------
    estimates : ndarray(float), shape (M,)
        M independent N-episode estimates of one coordinate (eq. `mc-estimate`).
    exact : float
        The exact gradient coordinate (dashed vertical line).
    exact_variance : float
        Exact variance of ONE episode's estimate of that coordinate; the curve drawn is the
        normal density with mean ``exact`` and variance ``exact_variance / n_episodes``
        (eq. `mc-variance`).
    n_episodes : int
        N, the number of episodes averaged in each estimate.
    coordinate : str
        How the coordinate is named on the x-axis label.
    bins : int

    Returns
    -------
    matplotlib.figure.Figure
    """
    estimates = np.asarray(estimates, dtype=float)
    fig, ax = plt.subplots()
    ax.hist(estimates, bins=bins, density=True, color=PALETTE[4], alpha=0.7,
            label=f"{estimates.size:,} estimates, $N = {tex_number(n_episodes)}$ each")
    sd = np.sqrt(exact_variance / n_episodes)
    grid = np.linspace(exact - 4.5 * sd, exact + 4.5 * sd, 400)
    density = np.exp(-0.5 * ((grid - exact) / sd) ** 2) / (sd * np.sqrt(2 * np.pi))
    ax.plot(grid, density, color=PALETTE[0], lw=2,
            label=r"normal, mean $\nabla J$, variance $\sigma^2/N$")
    ax.axvline(exact, color="black", ls="--", lw=1.5, label=f"exact gradient {exact:+.4f}")
    ax.axvline(estimates.mean(), color=PALETTE[3], ls=":", lw=2,
               label=f"mean of the estimates {estimates.mean():+.4f}")
    ax.set_xlabel(f"estimate $\\hat g_N$ of {coordinate}")
    ax.set_ylabel("density")
    ax.set_title("Monte Carlo estimates centre on the exact gradient "
                 f"($N = {tex_number(n_episodes)}$)")
    ax.legend(loc="upper left", fontsize=9)
    return fig


def plot_standard_deviation(
    n_values: np.ndarray,
    empirical_sd: np.ndarray,
    exact_variance: float,
    coordinate: str = r"$\partial J / \partial \theta_{s,a}$",
) -> Figure:
    """Log-log plot of the spread of the N-episode estimate against N.

    Parameters
    ----------
    n_values : ndarray(int), shape (K,)
        Numbers of episodes N.
    empirical_sd : ndarray(float), shape (K,)
        Standard deviation of the N-episode estimate measured over repeated estimates.
    exact_variance : float
        Exact variance sigma^2 of one episode's estimate; the line is sqrt(sigma^2 / N)
        (eq. `mc-variance`), a straight line of slope -1/2 on log-log axes.
    coordinate : str
        How the coordinate is named in the y-axis label.

    Returns
    -------
    matplotlib.figure.Figure
    """
    n_values = np.asarray(n_values, dtype=float)
    empirical_sd = np.asarray(empirical_sd, dtype=float)
    fig, ax = plt.subplots()
    grid = np.geomspace(n_values.min(), n_values.max(), 200)
    ax.loglog(grid, np.sqrt(exact_variance / grid), color="black", ls="--", lw=1.5,
              label=r"exact $\sigma/\sqrt{N}$ (slope $-1/2$)")
    ax.loglog(n_values, empirical_sd, "o", color=PALETTE[3], ms=7,
              label="measured over repeated estimates")
    ax.set_xlabel("episodes per estimate $N$")
    ax.set_ylabel(f"standard deviation of $\\hat g_N$, {coordinate}")
    ax.set_title("The spread of the estimate shrinks like $1/\\sqrt{N}$")
    ax.legend()
    return fig
