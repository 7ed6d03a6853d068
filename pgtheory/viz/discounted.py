"""Figure for book/discounted: the short corridor's exact objective as a function of one number.

:func:`plot_corridor_objective` draws J(p), the exact episodic return of the policy that goes
right with probability p in every state of :func:`pgtheory.short_corridor` (computed by
:func:`pgtheory.discounted_return` with ``discount=1.0``), and marks named policies on the
curve (the epsilon-greedy ones, the best stochastic one). It only draws numbers it is given.
"""

from __future__ import annotations

from collections.abc import Mapping

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from .style import PALETTE

__all__ = ["plot_corridor_objective"]

_MARKERS = ("o", "s", "^", "D", "v")


def plot_corridor_objective(
    p: np.ndarray,
    returns: np.ndarray,
    marks: Mapping[str, tuple[float, float]] | None = None,
    *,
    ylim: tuple[float, float] = (-100.0, 0.0),
    ax: Axes | None = None,
) -> Figure:
    """J(p) of the short corridor against p, with named policies marked.

    Parameters
    ----------
    p : ndarray(float), shape (n,)
        Probabilities of "right", strictly inside (0, 1).
    returns : ndarray(float), shape (n,)
        Exact J at each p.
    marks : mapping label -> (p, J), optional
        Points drawn with a marker and a legend entry each.
    ylim : (float, float)
        Vertical range; J falls to -inf at both ends.
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib.figure.Figure
    """
    p, returns = np.asarray(p, dtype=float), np.asarray(returns, dtype=float)
    if p.shape != returns.shape or p.ndim != 1:
        raise ValueError(f"p and returns must be 1-d arrays of one shape; got {p.shape} and "
                         f"{returns.shape}")
    if ax is None:
        _, ax = plt.subplots()
    ax.plot(p, returns, color=PALETTE[0], lw=2, label=r"exact $J(p)$, $\gamma = 1$")
    for k, (label, (x, y)) in enumerate((marks or {}).items()):
        ax.plot([x], [y], _MARKERS[k % len(_MARKERS)], color=PALETTE[(k + 1) % 7], ms=9,
                ls="none", label=f"{label}: $p = {x:.2f}$, $J = {y:.1f}$")
    ax.set_xlim(0.0, 1.0)
    ax.set_ylim(*ylim)
    ax.set_xlabel(r"probability of action right, $p$ (the same in every state)")
    ax.set_ylabel(r"expected return $J(p)$ (minus expected steps)")
    ax.set_title("Short corridor: the best policy is stochastic")
    ax.legend(loc="lower center", fontsize=9)
    return ax.figure
