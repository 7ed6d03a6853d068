"""Figures for the chapter book/lqr: learning curves on an LQR and score variance against sigma.

:func:`plot_lqr_learning_curves` draws the exact cost C(K_k) and the relative distance
||K_k - K*|| / ||K*|| of the gain along training, for REINFORCE runs (several seeds) beside
exact gradient descent; it reuses :func:`pgtheory.viz.plot_learning_curves` for each panel.
:func:`plot_variance_against_std` draws variances of one gradient estimate against the
policy's standard deviation on log-log axes: closed forms as lines, sampled values as
markers with error bars. Both only draw numbers computed by pgtheory.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

from .style import PALETTE
from .training import plot_learning_curves

__all__ = ["plot_lqr_learning_curves", "plot_variance_against_std"]

_MARKERS = ("o", "s", "^", "D")


def plot_lqr_learning_curves(
    runs: Mapping[str, Sequence],
    reference: Mapping[str, object],
    optimal_gain: np.ndarray,
    optimal_cost: float,
    *,
    title: str,
) -> Figure:
    """Exact cost and relative gain error along training, REINFORCE beside exact descent.

    Parameters
    ----------
    runs : mapping label -> sequence of pgtheory.LQRTrainingHistory
        One history per seed, all with the same number of updates K.
    reference : mapping label -> pgtheory.LQRTrainingHistory
        Noiseless runs (exact gradient descent), drawn black and dashed.
    optimal_gain : ndarray(float), shape (m, n)
        K* (from :func:`pgtheory.lqr_optimal_gain`).
    optimal_cost : float
        C(K*, sigma), drawn as a dotted level in the left panel.
    title : str
        The figure's title.

    Returns
    -------
    matplotlib.figure.Figure
        Two panels: C(K_k) against k (symmetric-log k axis, so that the first updates show),
        and ||K_k - K*|| / ||K*|| (log axis) against k.
    """
    optimal_gain = np.asarray(optimal_gain, dtype=float)
    scale = np.linalg.norm(optimal_gain)

    def error(history) -> np.ndarray:
        return np.linalg.norm(history.gains - optimal_gain, axis=(1, 2)) / scale

    fig, (left, right) = plt.subplots(1, 2, figsize=(10.0, 4.0))
    for ax, quantity, ylabel in (
        (left, lambda h: h.costs, r"exact cost $C(K_k)$"),
        (right, error, r"relative error $\|K_k - K^\star\| / \|K^\star\|$"),
    ):
        curves = {}
        for label, histories in runs.items():
            values = np.stack([quantity(h) for h in histories])
            curves[label] = (np.arange(values.shape[1]), values)
        ref = {label: (np.arange(h.costs.size), quantity(h)) for label, h in reference.items()}
        levels = {r"optimal cost $C(K^\star)$": optimal_cost} if ax is left else None
        plot_learning_curves(curves, ref, levels, title="", xlabel="update $k$", ax=ax,
                             xscale="symlog" if ax is left else "linear")
        ax.set_ylabel(ylabel)
    right.set_yscale("log")
    left.set_title("exact cost of the iterates")
    right.set_title("distance to the Riccati gain")
    fig.suptitle(title)
    return fig


def plot_variance_against_std(
    curves: Mapping[str, tuple[np.ndarray, np.ndarray]],
    points: Mapping[str, tuple[np.ndarray, np.ndarray, np.ndarray, int]],
    *,
    title: str,
    xlabel: str = r"policy standard deviation $\sigma$",
    ylabel: str = "variance of one estimate",
) -> Figure:
    """Variances against sigma on log-log axes: closed forms (lines) and samples (markers).

    Parameters
    ----------
    curves : mapping label -> (sigma, variance)
        Closed forms, ndarray(float) of equal shapes (n_sigma,); the i-th curve gets the
        i-th colour of the palette.
    points : mapping label -> (sigma, variance, standard_error, colour)
        Sampled variances with their standard errors, drawn as markers with +-2 s.e. bars,
        in palette colour number ``colour`` (use a curve's index to pair them).
    title, xlabel, ylabel : str

    Returns
    -------
    matplotlib.figure.Figure
    """
    fig, ax = plt.subplots(figsize=(7.5, 5.2))
    for i, (label, (sigma, variance)) in enumerate(curves.items()):
        ax.plot(sigma, variance, color=PALETTE[i % len(PALETTE)], lw=2, label=label)
    for i, (label, (sigma, variance, se, colour)) in enumerate(points.items()):
        ax.errorbar(sigma, variance, yerr=2 * np.asarray(se), color=PALETTE[colour % len(PALETTE)],
                    marker=_MARKERS[i % len(_MARKERS)], ls="none", capsize=3, label=label)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.legend(fontsize=9, loc="upper center", bbox_to_anchor=(0.5, -0.16), ncol=2)
    return fig
