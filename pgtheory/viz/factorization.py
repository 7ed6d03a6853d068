"""Figure for book/factorization: log p_theta(tau) split into its terms.

:func:`plot_log_prob_terms` draws, for one episode, the terms of eq. `log-traj-prob` as stacked
bars per time step (initial state, policy, dynamics), one panel per MDP. Shown for two MDPs with
the same states and actions, the picture makes the chapter's point: the initial-state and
dynamics bars change, the policy bars (the only terms that depend on theta) do not. The terms
come from :func:`pgtheory.trajectory_log_prob_terms`; this module only draws them.
"""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

from .style import PALETTE

__all__ = ["plot_log_prob_terms"]

#: Colour and hatch of each kind of term.
_KINDS = (
    ("initial state  $\\log p(s_1)$", PALETTE[1], ""),
    ("policy  $\\log \\pi_\\theta(a_t \\mid s_t)$", PALETTE[0], ""),
    ("dynamics  $\\log p(s_{t+1} \\mid s_t, a_t)$", PALETTE[5], "//"),
)


def plot_log_prob_terms(
    terms: Sequence[tuple[float, np.ndarray, np.ndarray]], titles: Sequence[str]
) -> Figure:
    """Stacked bars of the terms of log p_theta(tau) per step, one panel per MDP.

    Parameters
    ----------
    terms : sequence of (initial, policy, dynamics)
        For each panel, the terms of ONE episode as returned by
        :func:`pgtheory.trajectory_log_prob_terms` (row 0): ``initial`` a float,
        ``policy`` shape (H,), ``dynamics`` shape (H-1,). The dynamics term
        log p(s_{t+1} | s_t, a_t) is drawn at step t, where the transition starts.
    titles : sequence of str
        One title per panel, e.g. the name of the MDP.

    Returns
    -------
    matplotlib.figure.Figure
        Panel titles end with the total log p_theta(tau), the height of all bars together.
    """
    if len(terms) != len(titles):
        raise ValueError(f"got {len(terms)} sets of terms but {len(titles)} titles")
    fig, axes = plt.subplots(1, len(terms), sharey=True, squeeze=False,
                             figsize=(3.3 * len(terms) + 0.5, 4.8))
    for ax, (initial, policy, dynamics), title in zip(axes[0], terms, titles, strict=True):
        policy = np.asarray(policy, dtype=float)
        horizon = policy.size
        steps = np.arange(1, horizon + 1)
        columns = np.zeros((3, horizon))
        columns[0, 0] = float(np.asarray(initial))
        columns[1] = policy
        columns[2, : horizon - 1] = np.asarray(dynamics, dtype=float)
        bottom = np.zeros(horizon)
        for values, (label, colour, hatch) in zip(columns, _KINDS, strict=True):
            ax.bar(steps, values, bottom=bottom, color=colour, hatch=hatch,
                   edgecolor="white", width=0.7, label=label)
            bottom += values
        ax.axhline(0.0, color="black", lw=0.8)
        ax.set_xticks(steps)
        ax.set_xlabel("step $t$")
        ax.set_title(f"{title}\n$\\log p_\\theta(\\tau) = {columns.sum():.3f}$")
    axes[0, 0].set_ylabel("log-probability term (stacked)")
    handles, labels = axes[0, 0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside lower center", ncol=1, fontsize=10)
    fig.suptitle("The same episode under two MDPs: the policy terms (blue) do not change")
    return fig
