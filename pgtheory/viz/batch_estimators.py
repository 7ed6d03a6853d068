"""Figure for book/other_code: how far the pooled-step average points from the gradient.

:func:`plot_pooled_step_angles` draws, against the batch size N on a logarithmic axis, the angle
between the exact mean of the pooled-step average (eq. `pooled-step`,
:func:`pgtheory.exact_pooled_step_mean`) and the exact gradient, one curve per problem, with the
right angle marked: above it, the mean step lowers J. It only draws numbers it is given.
"""

from __future__ import annotations

from collections.abc import Mapping

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from .style import PALETTE

__all__ = ["plot_pooled_step_angles"]

_MARKERS = ("o", "s", "^", "D")
_STYLES = ("-", "--", "-.", ":")


def plot_pooled_step_angles(
    n_episodes: np.ndarray,
    angles: Mapping[str, np.ndarray],
    *,
    ax: Axes | None = None,
) -> Figure:
    """Angle between E[pooled-step average] and grad J against N, one curve per label.

    Parameters
    ----------
    n_episodes : ndarray(int), shape (n,)
        Batch sizes N >= 1, increasing.
    angles : mapping label -> ndarray(float), shape (n,)
        Angles in degrees, in [0, 180].
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib.figure.Figure
    """
    n_episodes = np.asarray(n_episodes)
    if n_episodes.ndim != 1 or n_episodes.size == 0 or (n_episodes < 1).any():
        raise ValueError(f"n_episodes must be a nonempty 1-d array of N >= 1; got "
                         f"{n_episodes!r}")
    if not angles:
        raise ValueError("angles must name at least one curve")
    if ax is None:
        _, ax = plt.subplots()
    ax.axhspan(90, 180, color=PALETTE[3], alpha=0.08, lw=0)
    ax.axhline(90, color="0.3", lw=1, ls=":")
    ax.text(n_episodes.max(), 95, "mean step points away from $\\nabla J$", ha="right",
            va="bottom", fontsize=9, color="0.25")
    for k, (label, values) in enumerate(angles.items()):
        values = np.asarray(values, dtype=float)
        if values.shape != n_episodes.shape:
            raise ValueError(f"angles[{label!r}] has shape {values.shape}; expected "
                             f"{n_episodes.shape}, one angle per N")
        ax.plot(n_episodes, values, _STYLES[k % 4], marker=_MARKERS[k % 4],
                color=PALETTE[k % 7], lw=2, ms=6, label=label)
    ax.set_xscale("log", base=2)
    ax.set_xticks(n_episodes, [str(int(n)) for n in n_episodes])
    ax.set_ylim(0, 180)
    ax.set_yticks(range(0, 181, 30))
    ax.set_xlabel("episodes per batch, $N$")
    ax.set_ylabel(r"angle between $\mathbb{E}[\hat g_{\mathrm{steps}}]$ and $\nabla J$ (degrees)")
    ax.set_title("Averaging over pooled steps: the mean estimate turns with $N$")
    ax.legend(loc="upper right", bbox_to_anchor=(1.0, 0.85))
    return ax.figure
