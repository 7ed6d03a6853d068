"""The baseline explorer (book/baselines): the variance of one episode's estimate against b.

For a constant baseline b the estimate of coordinate j is g_j = Y_j - b B_j (eq. `baseline`,
book/baselines), unbiased for every b because E[B_j] = 0. Its variance is a parabola in b,
smallest at b*_j = E[Y_j B_j] / E[B_j^2] (eq. `optimal-baseline`). The figure draws

* the exact variance of ONE episode's estimate, :func:`pgtheory.exact_estimator_variance`
  with ``baseline=b``, on a grid of b (a sum over every trajectory, no sampling);
* the sample variance of the same estimate over ``n_episodes`` sampled episodes
  (:func:`pgtheory.sample_trajectories`, then :func:`pgtheory.episode_gradients` for each b:
  the same episodes for every b);
* b*_j from :func:`pgtheory.optimal_baseline` and b = J(theta), the baseline a learned value
  function would approximate, as vertical lines, and the slider's b as a point on each curve.

Both curves are parabolas in b exactly (Var(Y - b B) = Var Y - 2 b Cov(Y, B) + b^2 Var B, for
the true and for the sample moments alike), so each is drawn through its values at three b
(the ends and the middle of the axis): three calls instead of one per point.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from matplotlib.figure import Figure

import pgtheory as pg
from pgtheory._validation import check_positive_int, check_real

from ..style import PALETTE
from .base import (
    ESTIMATORS,
    Choice,
    FigureWidget,
    LRUCache,
    Readout,
    Seed,
    Slider,
    check_coordinate,
    estimator_key,
    fmt,
    mdp_and_logits,
    table,
)

__all__ = ["BaselineExplorer", "baseline_explorer", "baseline_grid"]

#: Points of the b axis where both curves are evaluated.
CURVE_POINTS = 81
#: Values of b offered on the web (b = 0, J(theta) and both b* are among them).
WEB_POINTS = 21


def baseline_grid(specials: list[float], points: int) -> tuple[np.ndarray, tuple[float, ...]]:
    """The b axis: a range around SPECIALS, and a grid of POINTS values that contains them.

    The range extends the span of the special values (0, J, the b* of each estimator) by
    half of it on each side (at least 1). Each special value replaces the nearest grid value.

    Returns
    -------
    (ndarray(float), shape (2,), tuple of float)
        The range [low, high] and the grid, ascending.
    """
    low, high = min(specials), max(specials)
    margin = max(0.5 * (high - low), 1.0)
    low, high = low - margin, high + margin
    grid = np.linspace(low, high, points)
    for value in specials:
        grid[np.argmin(np.abs(grid - value))] = value
    return np.array([low, high]), tuple(float(b) for b in np.round(np.sort(grid), 6))


def parabola(nodes: np.ndarray, values: list[float], b: np.ndarray) -> np.ndarray:
    """The quadratic through (nodes[i], values[i]), i = 0, 1, 2, evaluated at b."""
    return np.polyval(np.polyfit(nodes, values, 2), b)


class BaselineView:
    """Exact and sampled variance against b, with b*, J(theta) and the current b marked."""

    def __init__(self, b_range: np.ndarray, coordinate: tuple[int, int],
                 value: float) -> None:
        s, a = coordinate
        self.b = np.linspace(b_range[0], b_range[1], CURVE_POINTS)
        self.figure = Figure(figsize=(6.4, 4.2))
        ax = self.ax = self.figure.add_subplot()
        (self.exact,) = ax.plot(self.b, self.b, color=PALETTE[0], linewidth=2.2,
                                label="exact variance of one episode's estimate")
        (self.sampled,) = ax.plot(self.b, self.b, color=PALETTE[3], linewidth=1.6,
                                  linestyle="--", label="sample variance over N episodes")
        self.optimal = ax.axvline(0.0, color=PALETTE[2], linewidth=1.6, linestyle="-.",
                                  label=r"optimal $b^\ast_j$")
        ax.axvline(value, color=PALETTE[7], linewidth=1.6, linestyle=":",
                   label=rf"$b = J(\theta) = {value:.3g}$")
        (self.point,) = ax.plot([0.0], [0.0], linestyle="none", marker="o", markersize=8,
                                color=PALETTE[1], label="the slider's $b$")
        (self.sample_point,) = ax.plot([0.0], [0.0], linestyle="none", marker="o",
                                       markersize=5, color=PALETTE[1])
        ax.set_xlim(b_range[0], b_range[1])
        ax.set_xlabel("constant baseline $b$")
        ax.set_ylabel(rf"Var of $g_j(\tau)$, $j = ({s}, {a})$")
        self.figure.legend(loc="outside lower center", ncols=2, fontsize=9)
        self.title = ax.set_title(" ")


class BaselineExplorer(FigureWidget):
    """The variance of one episode's estimate of a coordinate against a constant baseline b.

    Controls: b (slider), estimator, seed. See the module docstring; :func:`baseline_explorer`
    makes one.
    """

    def __init__(self, mdp: pg.TabularMDP | None, theta: Any, coordinate: tuple[int, int],
                 rng: int, n_episodes: int, estimator: str, baseline: Any) -> None:
        self.mdp, self.theta = mdp_and_logits(mdp, theta)
        self.coordinate = check_coordinate(self.mdp, coordinate)
        self.n_episodes = check_positive_int(n_episodes, "n_episodes")
        if self.n_episodes < 2:
            raise ValueError(f"n_episodes must be at least 2 for a sample variance; got "
                             f"{n_episodes}")
        self.value = float(pg.expected_return(self.mdp, self.theta))
        self.optimal = {e: float(pg.optimal_baseline(self.mdp, self.theta,
                                                     estimator=e)[self.coordinate])
                        for e, _ in ESTIMATORS}
        estimator = estimator_key(estimator)
        self.b_range, grid = baseline_grid([0.0, self.value, *self.optimal.values()],
                                           WEB_POINTS)
        b0 = self._initial_b(baseline, estimator)
        self.curves = LRUCache(8)
        self.episodes = LRUCache(4)
        seed = Seed("rng", rng)
        s, a = self.coordinate
        declarations = [
            Slider("baseline", "constant baseline", "b", b0, *self.b_range, grid,
                   step=float(np.diff(self.b_range)[0]) / 200, text="{:+.2f}"),
            Choice("estimator", "estimator", ESTIMATORS, estimator),
            seed,
        ]
        super().__init__(f"Baseline explorer: variance of the estimate of ∂J/∂θⱼ, "
                         f"j = ({s}, {a}), against b", declarations,
                         web_note=f"Precomputed for seed {seed.value} and b on a grid; the "
                                  "notebook computes every b and seed.")

    def _initial_b(self, baseline: Any, estimator: str) -> float:
        if baseline is None:
            return 0.0
        if baseline == "exact_optimal":
            return self.optimal[estimator]
        if baseline == "expected_return":
            return self.value
        if isinstance(baseline, str):
            raise ValueError("baseline must be None, a real number, 'expected_return' or "
                             f"'exact_optimal'; got {baseline!r}")
        b = check_real(baseline, "baseline")
        if not self.b_range[0] <= b <= self.b_range[1]:
            raise ValueError(f"baseline must lie in [{self.b_range[0]:.3g}, "
                             f"{self.b_range[1]:.3g}] for this explorer; got {b}")
        return b

    def new_view(self) -> BaselineView:
        return BaselineView(self.b_range, self.coordinate, self.value)

    def exact_variance(self, estimator: str, b: float) -> float:
        """Var[g_j] of one episode's estimate with baseline b (exact)."""
        return float(pg.exact_estimator_variance(self.mdp, self.theta, estimator=estimator,
                                                 baseline=b)[self.coordinate])

    def exact_curve(self, estimator: str, b: np.ndarray) -> np.ndarray:
        """The exact variance at every b of the axis: the parabola through three exact values
        (cached per estimator)."""
        nodes = b[[0, len(b) // 2, -1]]
        return self.curves.get(estimator, lambda: parabola(
            nodes, [self.exact_variance(estimator, float(x)) for x in nodes], b))

    def sample_estimates(self, rng: int, estimator: str, b: float) -> np.ndarray:
        """One-episode estimates g_j with baseline b from the seed's N episodes, shape (N,)."""
        episodes = self.episodes.get(rng, lambda: pg.sample_trajectories(
            self.mdp, self.theta, self.n_episodes, rng=rng))
        return pg.episode_gradients(self.mdp, self.theta, episodes, estimator=estimator,
                                    baseline=b)[:, self.coordinate[0], self.coordinate[1]]

    def sampled_curve(self, rng: int, estimator: str, b: np.ndarray) -> np.ndarray:
        """The sample variance (ddof = 1) of the same N episodes' estimates at every b: the
        parabola through its values at three b."""
        nodes = b[[0, len(b) // 2, -1]]
        return parabola(nodes, [self.sample_estimates(rng, estimator, float(x)).var(ddof=1)
                                for x in nodes], b)

    def draw(self, view: BaselineView, baseline: float, estimator: str, rng: int) -> Readout:
        exact = self.exact_curve(estimator, view.b)
        sampled = self.sampled_curve(rng, estimator, view.b)
        at_b = self.exact_variance(estimator, baseline)
        estimates = self.sample_estimates(rng, estimator, baseline)
        sample_at_b = float(estimates.var(ddof=1))
        view.exact.set_ydata(exact)
        view.sampled.set_ydata(sampled)
        view.sampled.set_label(f"sample variance over N = {self.n_episodes:,} episodes")
        view.optimal.set_xdata([self.optimal[estimator]] * 2)
        view.point.set_data([baseline], [at_b])
        view.sample_point.set_data([baseline], [sample_at_b])
        view.ax.set_ylim(0.0, 1.1 * max(exact.max(), sampled.max()))
        name = dict(ESTIMATORS)[estimator]
        view.title.set_text(f"{name}, b = {baseline:+.2f}")
        return Readout(self._text(baseline, estimator, rng, at_b, estimates),
                       self._alt(baseline, estimator, at_b, sample_at_b))

    def _text(self, b: float, estimator: str, rng: int, at_b: float,
              estimates: np.ndarray) -> str:
        s, a = self.coordinate
        b_star = self.optimal[estimator]
        deviations = estimates - estimates.mean()
        variance = float(estimates.var(ddof=1))
        # standard error of a sample variance: sqrt((m4 - s^4) / N), m4 the 4th central moment
        se = float(np.sqrt(max(np.mean(deviations**4) - variance**2, 0.0) / len(estimates)))
        rows = [f"b = {b:+.3f}, {dict(ESTIMATORS)[estimator]}, j = ({s}, {a})"]
        rows += table([
            ("exact variance of g_j", fmt(at_b)),
            (f"sample variance, N = {self.n_episodes:,}, seed {rng}",
             f"{fmt(variance)} ± {fmt(se)}"),
            ("exact variance at b = 0", fmt(self.exact_variance(estimator, 0.0))),
            (f"exact variance at b*_j = {fmt(b_star)}", fmt(self.exact_variance(estimator,
                                                                             b_star))),
            (f"exact variance at b = J(θ) = {fmt(self.value)}",
             fmt(self.exact_variance(estimator, self.value))),
        ])
        return "\n".join(rows)

    def _alt(self, b: float, estimator: str, at_b: float, sample_at_b: float) -> str:
        s, a = self.coordinate
        return (
            f"Variance of one episode's estimate of the gradient coordinate theta[{s}, {a}] "
            f"({dict(ESTIMATORS)[estimator]}) against the constant baseline b: an upward "
            f"parabola, lowest at the optimal b* = {self.optimal[estimator]:.3f}, with the "
            f"sample variance from {self.n_episodes:,} episodes close to it. At b = {b:+.2f} "
            f"the exact variance is {fmt(at_b)} and the sample variance {fmt(sample_at_b)}; "
            f"b = J(theta) = {self.value:.3f} is marked."
        )


def baseline_explorer(
    mdp: pg.TabularMDP | None = None,
    theta: Any = None,
    coordinate: tuple[int, int] = (0, 0),
    *,
    rng: int = 0,
    n_episodes: int = 1000,
    estimator: str = "total_return",
    baseline: float | str | None = None,
) -> BaselineExplorer:
    """The variance of one episode's gradient estimate against a constant baseline b.

    Illustrates eq. `baseline` and eq. `optimal-baseline` (book/baselines).

    Parameters
    ----------
    mdp : TabularMDP, optional
        Default :func:`pgtheory.chain_mdp`; small enough to enumerate its trajectories.
    theta : array_like(float), shape (S, A), optional
        Default zeros (the uniform policy).
    coordinate : (int, int)
        The coordinate j = (s, a) of the gradient.
    rng : int
        Seed of the sampled episodes.
    n_episodes : int
        N, the sampled episodes behind the sample variance (>= 2).
    estimator : {"total_return", "reward_to_go"}
        Initial estimator.
    baseline : None, float, "expected_return" or "exact_optimal"
        Initial b: 0, a number inside the explorer's range, J(theta), or the exact b*_j.

    Returns
    -------
    BaselineExplorer
        Live in Jupyter; a picture before the notebook is run; frames on the web.
    """
    return BaselineExplorer(mdp, theta, coordinate, rng, n_episodes, estimator, baseline)
