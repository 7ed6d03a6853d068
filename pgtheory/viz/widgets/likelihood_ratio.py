"""The likelihood-ratio explorer (book/likelihood_ratio): grad pi = pi grad log pi, bar by bar.

A softmax bandit (:func:`pgtheory.bandit`, one state) with logits theta = (theta_0, 0, ...):
the slider moves theta_0, the drop-down picks the coordinate j to differentiate. One bar of
each arm is the derivative of pi_theta(a) by central finite differences
(:func:`pgtheory.finite_difference_gradient` of :func:`pgtheory.softmax_policy`); the other
multiplies pi_theta(a) by the score :func:`pgtheory.log_policy_grad` (eq. `softmax-score`,
book/factorization). Eq. `log-derivative` (book/likelihood_ratio) says they are equal.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from matplotlib.figure import Figure

import pgtheory as pg

from ..style import PALETTE
from .base import Choice, FigureWidget, Readout, Slider

__all__ = ["LikelihoodRatioExplorer", "likelihood_ratio_explorer", "THETA_GRID"]

#: theta_0 values of the web version.
THETA_GRID = tuple(float(t) for t in np.round(np.arange(-3.0, 3.01, 0.5), 2))


class RatioView:
    """The policy's bars (left) and, per arm, the two sides of the identity (right)."""

    def __init__(self, n_arms: int, means: np.ndarray) -> None:
        self.arms = np.arange(n_arms)
        self.figure = Figure(figsize=(7.0, 3.9))
        left, right = self.figure.subplots(1, 2, width_ratios=[1, 1.6])
        self.pi_bars = left.bar(self.arms, np.zeros(n_arms), color=PALETTE[0])
        left.set_ylim(0.0, 1.0)
        left.set_title(r"policy $\pi_\theta(a)$")
        left.set_ylabel("probability")
        width = 0.38
        self.grad_bars = right.bar(
            self.arms - width / 2, np.zeros(n_arms), width, color=PALETTE[1],
            label=r"$\partial\pi_\theta(a)/\partial\theta_j$ (finite difference)")
        self.score_bars = right.bar(
            self.arms + width / 2, np.zeros(n_arms), width, color=PALETTE[2], hatch="//",
            edgecolor="white",
            label=r"$\pi_\theta(a)\,\partial\log\pi_\theta(a)/\partial\theta_j$")
        right.axhline(0.0, color="0.3", linewidth=0.8)
        right.set_ylim(-0.3, 0.3)
        right.set_ylabel("derivative")
        self.figure.legend(handles=[self.grad_bars, self.score_bars],
                           loc="outside lower center", ncols=2, fontsize=9)
        self.right_title = right.set_title(" ")
        labels = [f"a = {a}\n(r = {m:g})" for a, m in zip(self.arms, means, strict=True)]
        for ax in (left, right):
            ax.set_xticks(self.arms, labels)
            ax.set_xlabel("arm")
            ax.grid(axis="x", visible=False)


def identity_sides(theta0: float, wrt: int, n_arms: int) -> tuple[np.ndarray, ...]:
    """pi(a), d pi(a)/d theta_j (finite differences) and pi(a) d log pi(a)/d theta_j.

    Parameters
    ----------
    theta0 : float
        The logit of arm 0; the others are 0.
    wrt : int
        j, the logit differentiated.
    n_arms : int

    Returns
    -------
    tuple of three ndarray(float), each shape (A,)
    """
    theta = np.zeros((1, n_arms))
    theta[0, 0] = theta0
    pi = pg.softmax_policy(theta)[0]
    jacobian = pg.finite_difference_gradient(lambda t: pg.softmax_policy(t)[0], theta)
    grad_pi = jacobian[:, 0, wrt]  # (A, 1, A): d pi(a) / d theta[0, j]
    score = np.array([pg.log_policy_grad(theta, 0, a)[0, wrt] for a in range(n_arms)])
    return pi, grad_pi, pi * score


class LikelihoodRatioExplorer(FigureWidget):
    """The identity grad pi_theta(a) = pi_theta(a) grad log pi_theta(a) on a softmax bandit.

    See the module docstring; :func:`likelihood_ratio_explorer` makes one.
    """

    def __init__(self, means: Sequence[float], theta0: float, wrt: int) -> None:
        self.mdp = pg.bandit(means)
        self.means = np.asarray(self.mdp.rewards[0])
        self.n_arms = self.mdp.n_actions
        if not 0 <= int(wrt) < self.n_arms:
            raise ValueError(f"wrt must be an arm index in [0, {self.n_arms}); got {wrt}")
        declarations = [
            Slider("theta0", "logit θ₀ of arm 0", "θ₀", float(theta0), -3.0, 3.0, THETA_GRID,
                   step=0.1, text="{:+.1f}"),
            Choice("wrt", "differentiate with respect to",
                   tuple((j, f"θ_{j}") for j in range(self.n_arms)), int(wrt)),
        ]
        super().__init__("Likelihood ratio: ∇π = π ∇log π on a softmax bandit", declarations,
                         web_note="Precomputed for θ₀ on a grid of step 0.5; the notebook "
                                  "computes every θ₀.")

    def new_view(self) -> RatioView:
        return RatioView(self.n_arms, self.means)

    def draw(self, view: RatioView, theta0: float, wrt: int) -> Readout:
        pi, grad_pi, pi_score = identity_sides(theta0, wrt, self.n_arms)
        for bars, heights in ((view.pi_bars, pi), (view.grad_bars, grad_pi),
                              (view.score_bars, pi_score)):
            for bar, height in zip(bars, heights, strict=True):
                bar.set_height(height)
        view.right_title.set_text(rf"derivatives with respect to $\theta_{wrt}$ "
                                  rf"($\theta_0 = {theta0:+.1f}$)")
        rows = [f"θ = ({theta0:+.2f}{', 0' * (self.n_arms - 1)}); derivative with respect to "
                f"θ_{wrt}",
                "arm   π(a)   ∂π(a)/∂θ_j   π(a)·∂log π(a)/∂θ_j"]
        rows += [f"{a:>3}  {p:5.3f}   {g:+10.4f}   {h:+19.4f}"
                 for a, p, g, h in zip(range(self.n_arms), pi, grad_pi, pi_score, strict=True)]
        alt = (
            f"Left: bar chart of the softmax policy over {self.n_arms} arms at theta_0 = "
            f"{theta0:+.1f}: " + ", ".join(f"{p:.2f}" for p in pi) + ". Right: for each arm, "
            f"the derivative of pi(a) with respect to theta_{wrt} beside pi(a) times the "
            "derivative of log pi(a); each pair has equal height: "
            + ", ".join(f"{g:+.3f}" for g in grad_pi) + "."
        )
        return Readout("\n".join(rows), alt)


def likelihood_ratio_explorer(
    means: Sequence[float] = (0.0, 0.5, 1.0), *, theta0: float = 0.0, wrt: int = 0
) -> LikelihoodRatioExplorer:
    """The likelihood-ratio identity (eq. `log-derivative`, book/likelihood_ratio) on a
    softmax bandit.

    Parameters
    ----------
    means : sequence of float
        Arm rewards of the bandit (they label the arms).
    theta0 : float
        Initial logit of arm 0, in [-3, 3] (the others are 0).
    wrt : int
        Initial coordinate j of the derivative.

    Returns
    -------
    LikelihoodRatioExplorer
    """
    return LikelihoodRatioExplorer(means, theta0, wrt)
