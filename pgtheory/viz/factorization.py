"""Figure for book/factorization: log p_theta(tau) split into its terms, MDPs side by side.

:func:`plot_log_prob_terms` draws, for one episode, the terms of eq. `log-traj-prob`
(book/factorization) in three panels: the initial-state term, the policy term of every step and
the dynamics term of every transition. In each panel the bars of the MDPs compared stand side by
side, so the chapter's point is visible at a glance: the initial-state and dynamics bars differ
between MDPs with the same states and actions, the policy bars (the only terms that depend on
theta) are the same height. The terms come from :func:`pgtheory.trajectory_log_prob_terms`;
this module only draws them.
"""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

from .style import PALETTE

__all__ = ["plot_log_prob_terms"]

#: Title of each panel, in the order (initial, policy, dynamics).
PANELS = (
    "initial state\n$\\log p(s_1)$",
    "policy (depends on $\\theta$)\n$\\log \\pi_\\theta(a_t \\mid s_t)$",
    "dynamics\n$\\log p(s_{t+1} \\mid s_t, a_t)$",
)
#: Hatches that tell the MDPs apart without colour.
_HATCHES = ("", "//", "..", "xx")


def plot_log_prob_terms(
    terms: Sequence[tuple[float, np.ndarray, np.ndarray]], names: Sequence[str]
) -> Figure:
    """Grouped bars of the terms of log p_theta(tau), one bar per MDP, one panel per kind.

    Parameters
    ----------
    terms : sequence of (initial, policy, dynamics)
        For each MDP, the terms of ONE episode as returned by
        :func:`pgtheory.trajectory_log_prob_terms` (row 0): ``initial`` a float,
        ``policy`` shape (H,), ``dynamics`` shape (H-1,), where ``dynamics[t-1]`` is the
        transition from step t to step t+1.
    names : sequence of str
        One name per MDP, for the legend (e.g. "first MDP").

    Returns
    -------
    matplotlib.figure.Figure
        Three axes (initial state, policy, dynamics) sharing the vertical axis; legend entries
        end with each MDP's total log p_theta(tau).
    """
    if len(terms) != len(names):
        raise ValueError(f"got {len(terms)} sets of terms but {len(names)} names; expected "
                         "one name per MDP")
    fig, axes = plt.subplots(1, 3, sharey=True, figsize=(7.6, 4.4), layout="constrained",
                             gridspec_kw={"width_ratios": [1.0, 3.0, 2.5]})
    width = 0.8 / len(terms)
    for i, ((initial, policy, dynamics), name) in enumerate(zip(terms, names, strict=True)):
        policy = np.asarray(policy, dtype=float)
        dynamics = np.asarray(dynamics, dtype=float)
        total = float(np.asarray(initial)) + policy.sum() + dynamics.sum()
        style = {"color": PALETTE[i % len(PALETTE)], "hatch": _HATCHES[i % len(_HATCHES)],
                 "edgecolor": "white", "width": width}
        offset = (i - (len(terms) - 1) / 2) * width
        axes[0].bar([1 + offset], [float(np.asarray(initial))], **style,
                    label=f"{name}: $\\log p_\\theta(\\tau) = {total:.3f}$")
        axes[1].bar(np.arange(1, policy.size + 1) + offset, policy, **style)
        axes[2].bar(np.arange(1, dynamics.size + 1) + offset, dynamics, **style)
    horizon = np.asarray(terms[0][1]).size
    ticks = (([1], ["$t = 1$"]), (np.arange(1, horizon + 1), None),
             (np.arange(1, horizon), [f"{t}→{t + 1}" for t in range(1, horizon)]))
    for ax, title, (positions, labels) in zip(axes, PANELS, ticks, strict=True):
        ax.axhline(0.0, color="black", lw=0.8)
        ax.set_title(title, fontsize=11)
        ax.set_xticks(positions, labels)
    axes[0].set_xlim(0.3, 1.7)
    axes[1].set_xlabel("step $t$")
    axes[2].set_xlabel("transition $t \\to t+1$")
    axes[0].set_ylabel("log-probability term")
    fig.legend(*axes[0].get_legend_handles_labels(), loc="outside lower center",
               ncol=len(terms), fontsize=10)
    fig.suptitle("One episode under two MDPs: the policy terms are identical")
    return fig
