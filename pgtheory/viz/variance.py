"""Figures for book/reward_to_go and book/baselines: how much reward-to-go and baselines save.

* :func:`plot_variance_bars`: the total variance sum_j Var(g_j) of one episode's estimate for
  each estimator and baseline, exact (bars) beside empirical (points with 2-standard-error
  bars), one group of bars per MDP, on a log axis.
* :func:`plot_estimate_histograms`: overlaid histograms of many N-episode estimates of one
  gradient coordinate, one per estimator, all centred on the exact value.

Both functions take numbers computed by :mod:`pgtheory` and only draw them. They create the
figure with pyplot, so a notebook cell that ends with ``plt.show()`` displays it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

from .style import PALETTE, tex_number

__all__ = ["plot_variance_bars", "plot_estimate_histograms"]


def plot_variance_bars(
    configurations: Sequence[str],
    exact: Mapping[str, Sequence[float]],
    empirical: Mapping[str, Sequence[float]],
    standard_errors: Mapping[str, Sequence[float]],
) -> Figure:
    """Grouped bars of the exact total variance per configuration, with empirical points.

    Parameters
    ----------
    configurations : sequence of str, length C
        One label per estimator-and-baseline configuration (the x-axis groups).
    exact : mapping from MDP name to array_like(float), shape (C,)
        Exact total variance of one episode's estimate (bars).
    empirical : mapping with the same keys, shape (C,) each
        The same quantity measured from samples (black points).
    standard_errors : mapping with the same keys, shape (C,) each
        Standard error of each empirical value; drawn as +-2 standard errors.

    Returns
    -------
    matplotlib.figure.Figure
    """
    names = list(exact)
    x = np.arange(len(configurations))
    width = 0.8 / len(names)
    fig, ax = plt.subplots(figsize=(7.0, 4.2))
    for j, name in enumerate(names):
        offset = x + (j - (len(names) - 1) / 2) * width
        ax.bar(offset, exact[name], width=width * 0.95, color=PALETTE[j],
               label=f"{name}: exact")
        ax.errorbar(offset, empirical[name], yerr=2 * np.asarray(standard_errors[name]),
                    fmt="o", color="black", markersize=4, capsize=3,
                    label="empirical (100,000 episodes), ±2 SE" if j == 0 else None)
    ax.set_yscale("log")
    top = max(max(exact[name]) for name in names)
    low = min(min(exact[name]) for name in names)
    # Bottom at the power of ten below the lowest bar; room for the legend above the tallest.
    ax.set_ylim(10 ** np.floor(np.log10(low)), top * 4)
    ax.yaxis.set_major_locator(LogLocator(subs=(1.0, 2.0, 5.0)))
    ax.yaxis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:g}"))
    ax.yaxis.set_minor_formatter(NullFormatter())
    ax.set_xticks(x, configurations, rotation=20, ha="right")
    ax.set_xlabel("estimator and baseline")
    ax.set_ylabel(r"total variance $\sum_j \operatorname{Var}(g_j)$ of one episode")
    ax.set_title("Reward-to-go and baselines shrink the variance of the gradient estimate")
    ax.legend(loc="upper right", fontsize=9)
    return fig


def plot_estimate_histograms(
    estimates: Mapping[str, Sequence[float]],
    exact: float,
    n_episodes: int,
    coordinate: str = r"$\partial J / \partial \theta_{s,a}$",
    bins: int | Sequence[float] = 60,
) -> Figure:
    """Overlaid step histograms of N-episode estimates of one coordinate, one per estimator.

    Parameters
    ----------
    estimates : mapping from estimator label to array_like(float), shape (M,)
        M independent N-episode estimates of the coordinate for each estimator.
    exact : float
        The exact gradient coordinate (dashed vertical line).
    n_episodes : int
        N, the number of episodes averaged in each estimate.
    coordinate : str
        How the coordinate is named on the x-axis label.
    bins : int or sequence of float
        Number of equal bins between the smallest and largest estimate, or the bin edges;
        shared by every histogram. Pass edges when the estimates lie on a grid (averages of
        N discrete values do), so that every bin holds the same number of grid points.

    Returns
    -------
    matplotlib.figure.Figure
    """
    arrays = {label: np.asarray(values, dtype=float) for label, values in estimates.items()}
    pooled = np.concatenate(list(arrays.values()))
    if np.ndim(bins) == 0:
        edges = np.linspace(pooled.min(), pooled.max(), int(bins) + 1)
    else:
        edges = np.asarray(bins, dtype=float)
    styles = ["-", "--", "-.", ":"]
    fig, ax = plt.subplots()
    for j, (label, values) in enumerate(arrays.items()):
        ax.hist(values, bins=edges, density=True, histtype="step", lw=2,
                color=PALETTE[j], ls=styles[j % len(styles)],
                label=f"{label} (sd {values.std(ddof=1):.3f})")
    ax.axvline(exact, color="black", ls="--", lw=1.5, label=f"exact gradient {exact:+.4f}")
    ax.set_xlabel(f"estimate $\\hat g_N$ of {coordinate}")
    ax.set_ylabel("density")
    ax.set_ylim(0, ax.get_ylim()[1] * 1.45)  # headroom: the legend sits above the peaks
    ax.set_title("Same centre, narrower spread "
                 f"($N = {tex_number(n_episodes)}$ episodes per estimate)")
    ax.legend(loc="upper left", fontsize=9)
    return fig
