"""Figures for book/surrogate: the surrogate's value beside J, and angles to the exact gradient.

:func:`plot_surrogate_values` draws, along a REINFORCE run, the exact objective J(theta_k) above
the values of surrogate losses computed on each update's batch, to show that the value of
L is no learning curve. :func:`plot_gradient_angles` draws angles (in degrees) between
gradient-like vectors and the exact gradient as a batch is reused. Both only draw numbers
computed by :mod:`pgtheory` and create the figure with pyplot.
"""

from __future__ import annotations

from collections.abc import Mapping

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

from .style import PALETTE

__all__ = ["plot_surrogate_values", "plot_gradient_angles"]

_LINESTYLES = ("-", "--", "-.", (0, (1, 1)))
_MARKERS = ("o", "s", "^", "D")


def _as_curve(x: np.ndarray, y: object, name: str) -> np.ndarray:
    y = np.asarray(y, dtype=float)
    if y.shape != x.shape:
        raise ValueError(f"{name} has shape {y.shape}; expected {x.shape}, one value per x")
    return y


def plot_surrogate_values(
    updates: object,
    expected_returns: object,
    losses: Mapping[str, object],
    *,
    title: str,
) -> Figure:
    """Two panels over the updates k: the exact J(theta_k) on top, surrogate values below.

    Parameters
    ----------
    updates : array_like(int), shape (K,)
        Update indices k.
    expected_returns : array_like(float), shape (K,)
        Exact J(theta_k) (``pg.expected_return``).
    losses : mapping label -> array_like(float), shape (K,)
        The value of each surrogate on the batch of update k (eq. `surrogate-loss`,
        book/surrogate), e.g. one entry per baseline.
    title : str

    Returns
    -------
    matplotlib.figure.Figure
    """
    x = np.asarray(updates, dtype=float)
    if x.ndim != 1 or x.size < 2:
        raise ValueError(f"updates must be 1-d with at least 2 entries; got shape {x.shape}")
    if not losses:
        raise ValueError("losses must name at least one surrogate")
    J = _as_curve(x, expected_returns, "expected_returns")
    fig, (top, bottom) = plt.subplots(2, 1, sharex=True, figsize=(7.0, 5.0))
    top.plot(x, J, color=PALETTE[0], lw=2, label=r"exact $J(\theta_k)$")
    top.set_ylabel(r"$J(\theta_k)$")
    top.set_title(title)
    top.legend(loc="lower right")
    for i, (label, values) in enumerate(losses.items()):
        y = _as_curve(x, values, f"losses[{label!r}]")
        bottom.plot(x, y, color=PALETTE[(i + 1) % len(PALETTE)], ls=_LINESTYLES[i % 4],
                    marker=_MARKERS[i % 4], ms=3, lw=1.5, label=label)
    bottom.axhline(0.0, color="grey", lw=1, ls=":")
    bottom.set_ylabel(r"surrogate $L(\theta_k)$ on batch $k$")
    bottom.set_xlabel(r"update $k$")
    bottom.set_xlim(x[0], x[-1])
    bottom.legend(loc="lower right")
    return fig


def plot_gradient_angles(
    angles: Mapping[str, tuple[object, object]],
    *,
    title: str,
    xlabel: str,
) -> Figure:
    """Angles in degrees against a step counter, one line per pair of vectors compared.

    Parameters
    ----------
    angles : mapping label -> (x, degrees)
        ``x``: array_like, shape (M,), e.g. the gradient steps m taken on one batch;
        ``degrees``: array_like(float), shape (M,), angles in [0, 180].
    title, xlabel : str

    Returns
    -------
    matplotlib.figure.Figure
        With a dotted line at 90 degrees (orthogonal: no first-order progress).
    """
    if not angles:
        raise ValueError("angles must hold at least one curve")
    fig, ax = plt.subplots(figsize=(7.0, 4.0))
    top, x_span = 90.0, [np.inf, -np.inf]
    for i, (label, (x, degrees)) in enumerate(angles.items()):
        x = np.asarray(x, dtype=float)
        y = _as_curve(x, degrees, f"angles[{label!r}]")
        if ((y < 0) | (y > 180)).any():
            raise ValueError(f"angles[{label!r}] must lie in [0, 180] degrees")
        top = max(top, float(y.max()))
        x_span = [min(x_span[0], float(x.min())), max(x_span[1], float(x.max()))]
        ax.plot(x, y, color=PALETTE[i % len(PALETTE)], ls=_LINESTYLES[i % 4],
                marker=_MARKERS[i % 4], ms=3, lw=1.8, label=label)
    ax.axhline(90.0, color="grey", ls=":", lw=1.5, label="90°: orthogonal")
    ax.set_ylim(0.0, top + 5.0)
    ax.set_xlabel(xlabel)
    ax.set_ylabel("angle (degrees)")
    ax.set_title(title)
    ax.set_xlim(*x_span)
    ax.legend(loc="center right", fontsize=9)
    return fig
