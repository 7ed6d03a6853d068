"""Figures for book/reinforce: learning curves of REINFORCE and exact ascent.

:func:`plot_learning_curves` draws the exact objective J(theta_k) along training (the
``expected_returns`` of a :class:`pgtheory.TrainingHistory`) for several settings, each run
over several seeds, against steps or against episodes used. It only draws numbers computed by
:func:`pgtheory.reinforce` and :func:`pgtheory.exact_gradient_ascent`, and creates the figure
with pyplot, so a notebook cell that ends with ``plt.show()`` displays it.
"""

from __future__ import annotations

from collections.abc import Mapping

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from .style import PALETTE

__all__ = ["plot_learning_curves"]

_LINESTYLES = ("-", "-.", (0, (5, 1.5)), (0, (1, 1)))
#: Styles of the horizontal reference levels, one per level: no two levels look alike.
_LEVEL_STYLES = (("grey", ":"), (PALETTE[5], (0, (6, 2, 1, 2))), ("dimgrey", (0, (2, 3))))


def plot_learning_curves(
    runs: Mapping[str, tuple[np.ndarray, np.ndarray]],
    reference: Mapping[str, tuple[np.ndarray, np.ndarray]] | None = None,
    levels: Mapping[str, float] | None = None,
    *,
    title: str,
    xlabel: str,
    spread: str = "range",
    xscale: str = "linear",
    ax: Axes | None = None,
) -> Figure:
    """Exact J along training, one colour per setting, seeds summarised or drawn one by one.

    Parameters
    ----------
    runs : mapping label -> (x, returns)
        ``x``: ndarray(float), shape (K+1,), the horizontal coordinate of each iterate (the
        update k, or the episodes used so far); ``returns``: ndarray(float), shape
        (n_seeds, K+1), exact J(theta_k) of each seed's run.
    reference : mapping label -> (x, returns), optional
        Noiseless curves (e.g. exact gradient ascent), ``returns`` of shape (K+1,); drawn in
        black, dashed.
    levels : mapping label -> float, optional
        Horizontal lines (e.g. the best achievable J), each with its own colour and dash
        pattern (at most three).
    title, xlabel : str
    spread : {"range", "lines"}
        ``"range"``: the median over seeds as a line and the band from the lowest to the highest
        seed; ``"lines"``: every seed as its own thin line.
    xscale : {"linear", "log", "symlog"}
        ``"symlog"`` is logarithmic but, unlike ``"log"``, keeps x = 0 (the start). The x-axis
        spans exactly the runs' x values.
    ax : matplotlib Axes, optional
        Draw into this Axes (e.g. one panel of a larger figure) instead of a new figure.

    Returns
    -------
    matplotlib.figure.Figure
        The figure holding the axes.
    """
    if spread not in ("range", "lines"):
        raise ValueError(f"spread must be 'range' or 'lines'; got {spread!r}")
    if ax is None:
        _, ax = plt.subplots()
    x_range = [np.inf, -np.inf]
    for i, (label, (x, returns)) in enumerate(runs.items()):
        x = np.asarray(x, dtype=float)
        shown = x[x > 0] if xscale == "log" else x  # a log axis cannot show x <= 0
        if shown.size:
            x_range = [min(x_range[0], shown.min()), max(x_range[1], shown.max())]
        returns = np.atleast_2d(np.asarray(returns, dtype=float))
        if returns.shape[1] != x.size:
            raise ValueError(
                f"runs[{label!r}]: returns have {returns.shape[1]} columns but x has {x.size} "
                "points; expected returns of shape (n_seeds, len(x))"
            )
        color, style = PALETTE[i % len(PALETTE)], _LINESTYLES[i % len(_LINESTYLES)]
        n_seeds = returns.shape[0]
        if spread == "range":
            ax.fill_between(x, returns.min(axis=0), returns.max(axis=0), color=color,
                            alpha=0.2, lw=0)
            ax.plot(x, np.median(returns, axis=0), color=color, ls=style, lw=2,
                    label=f"{label} (median, range of {n_seeds} seeds)")
        else:
            for j, row in enumerate(returns):
                ax.plot(x, row, color=color, ls=style, lw=1.2, alpha=0.8,
                        label=f"{label} ({n_seeds} seeds)" if j == 0 else None)
    for label, (x, returns) in (reference or {}).items():
        ax.plot(np.asarray(x, dtype=float), np.asarray(returns, dtype=float), color="black",
                ls="--", lw=1.5, label=label)
    if len(levels or {}) > len(_LEVEL_STYLES):
        raise ValueError(f"levels: at most {len(_LEVEL_STYLES)} reference lines can be told "
                         f"apart; got {len(levels)}")
    for (label, level), (color, style) in zip((levels or {}).items(), _LEVEL_STYLES, strict=False):
        ax.axhline(level, color=color, ls=style, lw=1.5, label=label)
    ax.set_xscale(xscale)
    if np.isfinite(x_range).all() and x_range[0] < x_range[1]:
        ax.set_xlim(*x_range)  # the runs' span: no empty margin, no negative symlog decades
    ax.set_xlabel(xlabel)
    ax.set_ylabel(r"exact expected return $J(\theta_k)$")
    ax.set_title(title)
    ax.legend(fontsize=9)
    return ax.figure
