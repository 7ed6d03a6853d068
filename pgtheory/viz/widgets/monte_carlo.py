"""The N explorer (book/monte_carlo): N-episode gradient estimates and their 1/sqrt(N) spread.

The histogram shows many N-episode estimates of one coordinate j = (s, a) of the gradient,
the means of consecutive blocks of one pool of one-episode estimates
(:class:`pgtheory.EstimatePool`), beside the exact gradient and the band exact +- sigma_j /
sqrt(N) of eq. `mc-variance` (book/monte_carlo), with sigma_j^2 the exact variance of one
episode's estimate of coordinate j (:func:`pgtheory.exact_estimator_variance`).

Every baseline offered is a constant, so one episode's estimate is defined at every N,
N = 1 included: b = 0, b = J(theta), or the exact optimal b*_j of eq. `optimal-baseline`
(:func:`pgtheory.optimal_baseline`), which the readout prints. All pools of one seed share
their episodes (each starts a fresh generator from the seed and sampling comes before the
estimator), so the estimators and baselines differ by what they are, not by luck.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

import pgtheory as pg

from ..style import PALETTE
from .base import (
    BASELINES,
    ESTIMATORS,
    Choice,
    FigureWidget,
    LRUCache,
    Readout,
    Seed,
    Slider,
    baseline_key,
    check_coordinate,
    constant_baseline,
    estimator_key,
    fmt,
    mdp_and_logits,
    table,
)

__all__ = ["NExplorer", "n_explorer", "N_GRID", "POOL_SIZE", "MAX_ESTIMATES"]

#: N values of the web version: a 1-2-5 grid from 1 to 10,000.
N_GRID = (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10_000)
#: Largest pool of one-episode estimates per (seed, estimator, baseline): 8 MB.
POOL_SIZE = 1_000_000
#: At most this many N-episode estimates per histogram (reached for N <= 200).
MAX_ESTIMATES = 5_000
#: Pools kept per explorer (least recently used dropped): at most 6 x 8 MB.
MAX_POOLS = 6


class NView:
    """Histogram of N-episode estimates, the exact gradient, the predicted normal curve and
    the predicted +-1 sd band.

    The x-axis is FIXED at exact +- 4 sigma_max / sqrt(10), sigma_max the largest one-episode
    standard deviation over the estimators and baselines, so that moving N makes the
    histogram itself visibly narrow. For N < 10 some estimates fall outside; the readout
    says how many.
    """

    n_bins = 80
    axis_n = 10

    def __init__(self, exact: float, spread: float, coordinate: tuple[int, int]) -> None:
        s, a = coordinate
        self.exact, self.spread = exact, max(spread, 1e-9)
        self.figure = Figure(figsize=(6.4, 4.2))
        ax = self.ax = self.figure.add_subplot()
        self.band = Rectangle(
            (exact, 0.0), 0.0, 1.0, transform=ax.get_xaxis_transform(), color=PALETTE[4],
            alpha=0.35, linewidth=0,
            label=r"exact $\pm$ predicted sd $\sigma_j/\sqrt{N}$")
        ax.add_patch(self.band)
        self.bars = ax.stairs(np.zeros(self.n_bins), np.linspace(0.0, 1.0, self.n_bins + 1),
                              fill=True, color=PALETTE[0], alpha=0.85,
                              label="N-episode estimates")
        (self.normal,) = ax.plot([], [], color=PALETTE[3], linewidth=1.8,
                                 label=r"normal, sd $\sigma_j/\sqrt{N}$")
        ax.axvline(exact, color=PALETTE[7], linewidth=2, linestyle="--",
                   label=f"exact gradient {exact:.4g}")
        ax.set_xlabel(rf"estimate of $\partial J / \partial \theta_j$, $j = ({s}, {a})$")
        ax.set_ylabel("fraction of estimates per bin")
        # The layout is computed once (see figure_png) while tick labels change with N: pin
        # the y label where the widest tick labels ("0.005") leave room, and pad the sides.
        ax.yaxis.set_label_coords(-0.13, 0.5)
        self.figure.get_layout_engine().set(w_pad=0.15)
        self.figure.legend(loc="outside lower center", ncols=2, fontsize=9)
        self.title = ax.set_title(" ")

    def show(self, estimates: np.ndarray, predicted: float) -> np.ndarray:
        """Redraw for these N-episode estimates; returns the bin counts."""
        half = 4.0 * self.spread / np.sqrt(self.axis_n)
        edges = np.linspace(self.exact - half, self.exact + half, self.n_bins + 1)
        counts, _ = np.histogram(estimates, edges)
        heights = counts / len(estimates)
        self.bars.set_data(values=heights, edges=edges)
        x = np.linspace(edges[0], edges[-1], 201)
        width = edges[1] - edges[0]
        curve = (width * np.exp(-0.5 * ((x - self.exact) / predicted) ** 2)
                 / (predicted * np.sqrt(2.0 * np.pi))) if predicted > 0 else np.zeros_like(x)
        self.normal.set_data(x, curve)
        self.band.set_x(self.exact - predicted)
        self.band.set_width(2.0 * predicted)
        self.ax.set_xlim(edges[0], edges[-1])
        self.ax.set_ylim(0.0, 1.25 * max(heights.max(), curve.max(), 1e-3))
        return counts


class NExplorer(FigureWidget):
    """How the N-episode gradient estimate concentrates around the exact gradient.

    Controls: N (log slider, 1 to 10,000), estimator, baseline, seed. See the module
    docstring; :func:`n_explorer` makes one.
    """

    def __init__(self, mdp: pg.TabularMDP | None, theta: Any, coordinate: tuple[int, int],
                 rng: int, n_episodes: int, estimator: str, baseline: str | None) -> None:
        self.mdp, self.theta = mdp_and_logits(mdp, theta)
        self.coordinate = check_coordinate(self.mdp, coordinate)
        s, a = self.coordinate
        self.exact = float(pg.exact_gradient(self.mdp, self.theta)[s, a])
        self.baselines = {(e, b): constant_baseline(self.mdp, self.theta, self.coordinate, e, b)
                          for e, _ in ESTIMATORS for b, _ in BASELINES}
        self.variance = {
            key: float(pg.exact_estimator_variance(self.mdp, self.theta, estimator=key[0],
                                                   baseline=b)[s, a])
            for key, b in self.baselines.items()
        }
        self.pools = LRUCache(MAX_POOLS)
        seed = Seed("rng", rng)
        declarations = [
            Slider("n_episodes", "episodes per estimate", "N", n_episodes, 1, 10_000, N_GRID,
                   step=0.05, log=True, integer=True, text="{:,}"),
            Choice("estimator", "estimator", ESTIMATORS, estimator_key(estimator)),
            Choice("baseline", "baseline", BASELINES, baseline_key(baseline)),
            seed,
        ]
        super().__init__(
            f"N explorer: estimates of ∂J/∂θⱼ, j = ({s}, {a}), from N episodes", declarations,
            web_note=f"Precomputed for seed {seed.value} and N on a 1-2-5 grid; the notebook "
                     "computes every N and seed.")

    def new_view(self) -> NView:
        return NView(self.exact, np.sqrt(max(self.variance.values())), self.coordinate)

    def predicted_sd(self, n_episodes: int, estimator: str, baseline: str) -> float:
        """sigma_j / sqrt(N): the standard deviation eq. `mc-variance` predicts."""
        return float(np.sqrt(self.variance[(estimator, baseline)] / n_episodes))

    def pool(self, rng: int, estimator: str, baseline: str) -> pg.EstimatePool:
        """The pool of one-episode estimates for this seed, estimator and baseline (cached)."""
        return self.pools.get((rng, estimator, baseline), lambda: pg.EstimatePool(
            self.mdp, self.theta, self.coordinate, rng=rng, estimator=estimator,
            baseline=self.baselines[(estimator, baseline)], max_size=POOL_SIZE))

    def estimates(self, n_episodes: int, rng: int, estimator: str,
                  baseline: str) -> np.ndarray:
        """The N-episode estimates the histogram shows."""
        return self.pool(rng, estimator, baseline).n_episode_estimates(n_episodes,
                                                                      MAX_ESTIMATES)

    def draw(self, view: NView, n_episodes: int, estimator: str, baseline: str,
             rng: int) -> Readout:
        means = self.estimates(n_episodes, rng, estimator, baseline)
        predicted = self.predicted_sd(n_episodes, estimator, baseline)
        counts = view.show(means, predicted)
        names = dict(ESTIMATORS)[estimator], dict(BASELINES)[baseline]
        view.title.set_text(f"N = {n_episodes:,}: {len(means):,} estimates, {names[0]}, "
                            f"{names[1]}")
        return Readout(self._text(means, counts, n_episodes, rng, estimator, baseline),
                       self._alt(means, n_episodes, predicted, names))

    def _text(self, means: np.ndarray, counts: np.ndarray, n_episodes: int, rng: int,
              estimator: str, baseline: str) -> str:
        s, a = self.coordinate
        variance = self.variance[(estimator, baseline)]
        rows = [f"N = {n_episodes:,}: {len(means):,} estimates (seed {rng})"]
        rows += table([
            ("sd of the estimates", fmt(float(means.std(ddof=1)))),
            (f"predicted σ_j/√N = √({fmt(variance)}/{n_episodes:,})",
             fmt(self.predicted_sd(n_episodes, estimator, baseline))),
            ("mean of the estimates", fmt(float(means.mean()))),
            (f"exact ∂J/∂θ_j, j = ({s}, {a})", fmt(self.exact)),
        ])
        b = self.baselines[(estimator, baseline)]
        if baseline == "exact_optimal":
            rows.append(f"b*_j = {fmt(b)}: exact (pg.optimal_baseline), any N")
        elif baseline == "expected_return":
            rows.append(f"baseline b = J(θ) = {fmt(b)}")
        outside = 1.0 - counts.sum() / len(means)
        if outside > 0:
            rows.append(f"{100 * outside:.1f}% of the estimates fall outside the axis")
        return "\n".join(rows)

    def _alt(self, means: np.ndarray, n_episodes: int, predicted: float,
             names: tuple[str, str]) -> str:
        s, a = self.coordinate
        return (
            f"Histogram of {len(means):,} estimates of the gradient coordinate theta[{s}, {a}], "
            f"each the mean of N = {n_episodes:,} episodes ({names[0]}, {names[1]}). They "
            f"centre on the exact gradient {self.exact:.3f} with standard deviation "
            f"{fmt(float(means.std(ddof=1)))}; the 1/sqrt(N) prediction is {fmt(predicted)}."
        )


def n_explorer(
    mdp: pg.TabularMDP | None = None,
    theta: Any = None,
    coordinate: tuple[int, int] = (0, 0),
    *,
    rng: int = 0,
    n_episodes: int = 100,
    estimator: str = "total_return",
    baseline: str | None = None,
) -> NExplorer:
    """The N explorer: N-episode gradient estimates and their 1/sqrt(N) spread.

    Illustrates eq. `mc-unbiased` and eq. `mc-variance` (book/monte_carlo).

    Parameters
    ----------
    mdp : TabularMDP, optional
        Default :func:`pgtheory.chain_mdp`.
    theta : array_like(float), shape (S, A), optional
        Default zeros (the uniform policy).
    coordinate : (int, int)
        The coordinate j = (s, a) of the gradient to show.
    rng : int
        Seed of the episodes (an int, so that the web version can name it).
    n_episodes : int
        Initial N, 1 to 10,000.
    estimator : {"total_return", "reward_to_go"}
    baseline : {None, "expected_return", "exact_optimal"}
        b = 0, b = J(theta), or the exact b*_j of eq. `optimal-baseline` (book/baselines).

    Returns
    -------
    NExplorer
        Live in Jupyter; a picture before the notebook is run; frames on the web.
    """
    return NExplorer(mdp, theta, coordinate, rng, n_episodes, estimator, baseline)
