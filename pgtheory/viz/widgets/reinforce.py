"""The REINFORCE explorer (book/reinforce): learning curves against exact gradient ascent.

Each curve is the exact objective J(theta_k) after update k = 1, ..., K (k = 0 is the start),
computed by :func:`pgtheory.reinforce` by backward induction; the ``runs`` independent runs use
the streams ``SeedSequence(rng).spawn(runs)``. The dashed curve is
:func:`pgtheory.exact_gradient_ascent` with the same step size, and the dotted line the best
deterministic stationary policy (:func:`pgtheory.best_deterministic_policy`), which on the
chain MDP is the best stationary policy, J* = 7.29 (book/reinforce).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from matplotlib.figure import Figure

import pgtheory as pg
from pgtheory._validation import check_baseline, check_estimator, check_positive_int

from ..style import PALETTE
from .base import FigureWidget, LRUCache, Readout, Seed, Slider, mdp_and_logits

__all__ = ["ReinforceExplorer", "reinforce_explorer", "REINFORCE_N_GRID", "ALPHA_GRID"]

#: Episodes per update N and step sizes alpha of the web version.
REINFORCE_N_GRID = (1, 3, 10, 30, 100, 300, 1000)
ALPHA_GRID = (0.01, 0.03, 0.1, 0.3, 1.0)
MAX_RUNS = 6


class ReinforceView:
    """The exact-ascent curve, one line per run, and the best stationary return."""

    def __init__(self, n_updates: int, runs: int, j0: float, j_best: float | None) -> None:
        updates = np.arange(n_updates + 1)
        self.figure = Figure(figsize=(6.4, 4.4))
        ax = self.figure.add_subplot()
        if j_best is not None:
            ax.axhline(j_best, color="0.5", linestyle=":", linewidth=1.6,
                       label=rf"best stationary policy $J^\star = {j_best:.2f}$")
        (self.exact_line,) = ax.plot(updates, np.full(updates.shape, j0), color=PALETTE[7],
                                     linewidth=2.5, linestyle="--",
                                     label="exact gradient ascent")
        self.run_lines = [
            ax.plot(updates, np.full(updates.shape, j0), color=PALETTE[i], linewidth=1.6,
                    alpha=0.9, label=f"REINFORCE run {i + 1}")[0]
            for i in range(runs)
        ]
        top = j_best if j_best is not None else j0 + 1.0
        ax.set_ylim(min(j0, 0.0) - 0.3, top + 0.6)
        ax.set_xlim(0, n_updates)
        ax.set_xlabel(r"update $k$")
        ax.set_ylabel(r"exact $J(\theta_k)$")
        self.figure.legend(loc="outside lower center", ncols=3, fontsize=9)
        self.title = ax.set_title(" ")


class ReinforceExplorer(FigureWidget):
    """Learning curves of REINFORCE against exact gradient ascent.

    Controls: episodes per update N (log slider, 1 to 1,000), step size alpha (log slider,
    0.01 to 1) and seed. See the module docstring; :func:`reinforce_explorer` makes one.
    """

    def __init__(self, mdp: pg.TabularMDP | None, theta0: Any, n_episodes: int,
                 learning_rate: float, n_updates: int, rng: int, runs: int, estimator: str,
                 baseline: float | str | None) -> None:
        self.mdp, self.theta0 = mdp_and_logits(mdp, theta0)
        self.n_updates = check_positive_int(n_updates, "n_updates")
        if not 1 <= check_positive_int(runs, "runs") <= MAX_RUNS:
            raise ValueError(f"runs must be between 1 and {MAX_RUNS}; got {runs}")
        self.runs = int(runs)
        self.estimator, self.baseline = check_estimator(estimator), check_baseline(baseline)
        self.j0 = float(pg.expected_return(self.mdp, self.theta0))
        self.j_best = (pg.best_deterministic_policy(self.mdp).expected_return
                       if self.mdp.n_actions ** self.mdp.n_states <= 4096 else None)
        self.exact_curves = LRUCache(16)
        n_min = 2 if baseline == "optimal" else 1  # leave-one-out needs two episodes
        seed = Seed("rng", rng)
        declarations = [
            Slider("n_episodes", "episodes per update", "N", max(n_episodes, n_min), n_min,
                   1000, tuple(n for n in REINFORCE_N_GRID if n >= n_min), step=0.05,
                   log=True, integer=True, text="{:,}"),
            Slider("learning_rate", "step size", "α", learning_rate, 0.01, 1.0, ALPHA_GRID,
                   step=0.05, log=True),
            seed,
        ]
        super().__init__("REINFORCE: exact J(θₖ) during training", declarations,
                         web_note=f"Precomputed for seed {seed.value} and N, α on grids; the "
                                  "notebook computes every value and seed.")

    def new_view(self) -> ReinforceView:
        return ReinforceView(self.n_updates, self.runs, self.j0, self.j_best)

    def exact_curve(self, learning_rate: float) -> np.ndarray:
        """J(theta_k) of exact gradient ascent with this step size (cached)."""
        return self.exact_curves.get(learning_rate, lambda: pg.exact_gradient_ascent(
            self.mdp, self.theta0, self.n_updates, learning_rate).expected_returns)

    def run_curves(self, n_episodes: int, learning_rate: float, rng: int) -> list[np.ndarray]:
        """J(theta_k) of each REINFORCE run, from the streams SeedSequence(rng).spawn(runs)."""
        return [
            pg.reinforce(self.mdp, self.theta0, n_episodes, self.n_updates, learning_rate,
                         rng=stream, estimator=self.estimator,
                         baseline=self.baseline).expected_returns
            for stream in np.random.SeedSequence(rng).spawn(self.runs)
        ]

    def draw(self, view: ReinforceView, n_episodes: int, learning_rate: float,
             rng: int) -> Readout:
        exact = self.exact_curve(learning_rate)
        curves = self.run_curves(n_episodes, learning_rate, rng)
        view.exact_line.set_ydata(exact)
        for line, curve in zip(view.run_lines, curves, strict=True):
            line.set_ydata(curve)
        view.title.set_text(f"N = {n_episodes:,} episodes per update, α = {learning_rate:.3g}")
        finals = ", ".join(f"{c[-1]:.2f}" for c in curves)
        text = "\n".join([
            f"after K = {self.n_updates} updates (N = {n_episodes:,}, α = {learning_rate:.3g}, "
            f"seed {rng})",
            f"{'exact gradient ascent':<22} J = {exact[-1]:.2f}",
            f"{f'REINFORCE, {self.runs} runs':<22} J = {finals}",
            f"{'episodes per run':<22} {n_episodes * self.n_updates:,}",
        ])
        alt = (
            f"Learning curves of the exact objective over {self.n_updates} updates, starting at "
            f"J = {self.j0:.2f}. Exact gradient ascent with step size {learning_rate:.3g} ends "
            f"at {exact[-1]:.2f}; {self.runs} REINFORCE runs with N = {n_episodes} episodes "
            f"per update end at {finals}."
        )
        return Readout(text, alt)


def reinforce_explorer(
    mdp: pg.TabularMDP | None = None,
    theta0: Any = None,
    *,
    n_episodes: int = 10,
    learning_rate: float = 0.1,
    n_updates: int = 50,
    rng: int = 0,
    runs: int = 3,
    estimator: str = "total_return",
    baseline: float | str | None = None,
) -> ReinforceExplorer:
    """REINFORCE learning curves (eq. `reinforce-update`, book/reinforce) with N and alpha
    sliders.

    Parameters
    ----------
    mdp : TabularMDP, optional
        Default :func:`pgtheory.chain_mdp`.
    theta0 : array_like(float), shape (S, A), optional
        Default zeros.
    n_episodes : int
        Initial episodes per update N, 1 to 1,000.
    learning_rate : float
        Initial step size alpha, 0.01 to 1.
    n_updates : int
        Updates K per run.
    rng : int
        Seed; the runs use the streams ``SeedSequence(rng).spawn(runs)``.
    runs : int
        Number of REINFORCE runs drawn (1 to 6).
    estimator, baseline
        Passed to :func:`pgtheory.reinforce`.

    Returns
    -------
    ReinforceExplorer
    """
    return ReinforceExplorer(mdp, theta0, n_episodes, learning_rate, n_updates, rng, runs,
                             estimator, baseline)
