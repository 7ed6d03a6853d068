"""Figures for book/cartpole: CartPole learning curves and a gradient check."""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

from ..cartpole import SOLVED_THRESHOLD, SOLVED_WINDOW, moving_average
from .style import PALETTE


def learning_curves_figure(episode_returns: Sequence[np.ndarray]) -> Figure:
    """100-episode moving averages of several training runs, their median and range.

    Parameters
    ----------
    episode_returns : sequence of ndarray(float), each shape (n,)
        Returns of the completed episodes of one run (one seed), in order;
        all runs must have the same number of episodes n >= 100.

    Returns
    -------
    matplotlib.figure.Figure
        Thin lines: each run's moving average; thick line: their median;
        band: min to max over runs; dashed line: the solved threshold 475.
    """
    averages = np.stack([moving_average(r, SOLVED_WINDOW) for r in episode_returns])
    episodes = np.arange(SOLVED_WINDOW, SOLVED_WINDOW + averages.shape[1])
    fig, ax = plt.subplots()
    ax.fill_between(episodes, averages.min(axis=0), averages.max(axis=0), color=PALETTE[4],
                    alpha=0.3, linewidth=0, label=f"range over {len(averages)} seeds")
    for i, curve in enumerate(averages):
        ax.plot(episodes, curve, color=PALETTE[0], linewidth=0.8, alpha=0.6,
                label="individual seeds" if i == 0 else None)
    ax.plot(episodes, np.median(averages, axis=0), color=PALETTE[7], linewidth=2.2,
            label="median over seeds")
    ax.axhline(SOLVED_THRESHOLD, color=PALETTE[3], linestyle="--", linewidth=1.5,
               label=f"solved: {SOLVED_THRESHOLD:g}")
    ax.set_xlim(0, episodes[-1])
    ax.set_ylim(0, 520)
    ax.set_xlabel("episodes played")
    ax.set_ylabel(f"mean return of the last {SOLVED_WINDOW} episodes")
    ax.set_title("REINFORCE with a linear softmax policy on CartPole-v1")
    ax.legend(loc="lower right")
    return fig


def gradient_check_figure(
    exact: np.ndarray, estimate: np.ndarray, standard_error: np.ndarray,
    labels: Sequence[str],
) -> Figure:
    """Exact gradient coordinates beside Monte Carlo estimates with +-2 standard errors.

    Parameters
    ----------
    exact, estimate, standard_error : ndarray(float), shape (K,)
        Coordinates of grad J, of its estimate and the estimate's standard error.
    labels : sequence of str, length K
        Tick label of each coordinate.

    Returns
    -------
    matplotlib.figure.Figure
    """
    exact, estimate, standard_error = (np.ravel(a) for a in (exact, estimate, standard_error))
    positions = np.arange(exact.size)
    fig, ax = plt.subplots()
    ax.axhline(0.0, color="0.6", linewidth=0.8)
    ax.scatter(positions, exact, marker="D", s=60, color=PALETTE[3], zorder=3,
               label=r"exact $\nabla_\theta J$ (backward induction)")
    ax.errorbar(positions + 0.15, estimate, yerr=2 * standard_error, fmt="o",
                color=PALETTE[0], capsize=4, label=r"estimate $\hat g$ $\pm$ 2 SE (via Gymnasium)")
    ax.set_xticks(positions, labels)
    ax.set_xlabel(r"coordinate $\theta[s, a]$")
    ax.set_ylabel("gradient")
    ax.set_title("Gradient estimated through reset/step vs. the exact gradient")
    ax.legend(loc="best")
    return fig
