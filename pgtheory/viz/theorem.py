"""Figure for book/theorem: the theorem's right-hand side against the exact gradient.

:func:`plot_theorem_check` plots, for several MDPs, every coordinate of the right-hand side of
eq. `pg-theorem` (computed by summing over all trajectories) against the same coordinate of the
exact gradient (backward induction). If the theorem holds, every point lies on the diagonal.
"""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

from .style import PALETTE

__all__ = ["plot_theorem_check"]

_MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*")


def plot_theorem_check(
    exact: Sequence[np.ndarray], theorem: Sequence[np.ndarray], labels: Sequence[str]
) -> Figure:
    """Scatter of theorem right-hand side vs exact gradient, all coordinates, several MDPs.

    Parameters
    ----------
    exact : sequence of ndarray(float), each shape (S_m, A_m)
        Exact gradients, e.g. from :func:`pgtheory.exact_gradient`.
    theorem : sequence of ndarray(float), each the shape of the matching ``exact``
        The right-hand side of eq. `pg-theorem`, e.g. summed over
        :func:`pgtheory.enumerate_trajectories`.
    labels : sequence of str
        One legend entry per MDP.

    Returns
    -------
    matplotlib.figure.Figure
        One marker set per MDP and the dashed diagonal y = x.
    """
    if not len(exact) == len(theorem) == len(labels):
        raise ValueError(
            f"exact, theorem and labels must have one entry per MDP; got {len(exact)}, "
            f"{len(theorem)} and {len(labels)}"
        )
    fig, ax = plt.subplots(figsize=(6.0, 5.4))
    flat = [np.ravel(np.asarray(x, dtype=float)) for x in (*exact, *theorem)]
    low, high = min(x.min() for x in flat), max(x.max() for x in flat)
    pad = 0.05 * (high - low)
    ax.plot([low - pad, high + pad], [low - pad, high + pad], color="black", ls="--", lw=1.2,
            label="$y = x$")
    for k, (x, y, label) in enumerate(zip(exact, theorem, labels, strict=True)):
        x, y = np.ravel(x), np.ravel(y)
        if x.shape != y.shape:
            raise ValueError(f"{label}: exact has {x.size} coordinates, theorem {y.size}")
        ax.plot(x, y, _MARKERS[k % len(_MARKERS)], color=PALETTE[k % 7], ms=8, alpha=0.85,
                ls="none", label=f"{label} ({x.size} coordinates)")
    ax.set_xlabel(r"exact gradient $\partial J / \partial \theta_{s,a}$ (backward induction)")
    ax.set_ylabel(r"$\mathbb{E}[R(\tau) \sum_t \partial_{\theta_{s,a}} \log \pi_\theta]$"
                  " (all trajectories)")
    ax.set_title("Theorem right-hand side vs exact gradient: every coordinate on $y = x$")
    ax.set_aspect("equal")
    ax.legend(loc="upper left", fontsize=10)
    return fig
