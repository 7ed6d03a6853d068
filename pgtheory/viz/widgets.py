"""The book's interactive figures: ipywidgets controls over matplotlib views of the maths.

Every figure here is a widget (an :class:`ipywidgets.VBox`) that a chapter creates in one line:

* :func:`n_explorer` -- the distribution of N-episode gradient estimates (chapter 5);
* :func:`variance_vs_n` -- their variance against N, log-log, beside Var_1 / N (chapter 5);
* :func:`likelihood_ratio_explorer` -- grad pi = pi grad log pi on a softmax bandit (chapter 3);
* :func:`reinforce_explorer` -- REINFORCE learning curves against exact ascent (chapter 6).

Two ways to be seen
-------------------
*Live*, in Jupyter, each widget holds one matplotlib figure. Moving a control changes the data
of the figure's existing artists (``set_data``, ``set_width``, ...) and re-renders that figure
with Agg into an :class:`ipywidgets.Image`; no figure is ever created per update, and no pyplot
state is touched.

*Static*, on the web page (no kernel): the widget's ``_repr_mimebundle_`` adds a ``text/html``
fallback next to the widget view: precomputed PNG frames over a small grid of control values
and labelled native controls, switched by ``_static/pgwidgets.js`` (see
:mod:`pgtheory.viz.static`). ``nb_mime_priority_overrides`` in ``_config.yml`` makes the HTML
builder prefer that fallback; Jupyter keeps the live view. For a fixed seed the fallback is
byte-for-byte reproducible.

Cost
----
The N explorer draws one pool of ``POOL_SIZE`` per-episode estimates of the chosen coordinate
for each (seed, estimator, baseline) -- once, then cached -- and forms its N-episode estimates
as means of consecutive blocks of that pool: ``min(POOL_SIZE // N, MAX_BATCHES)`` estimates for
each N (100 at N = 10,000). Moving the N slider therefore samples nothing. All episodes of a
pool come from one generator seeded with ``seed``; because sampling happens before the estimator
is applied, the pools of different estimators and baselines share their episodes (common random
numbers), so their differences are the estimators' and not the luck of the draw.
"""

from __future__ import annotations

import contextlib
import hashlib
import html
import itertools
from collections import OrderedDict
from collections.abc import Iterator, Sequence
from typing import Any

import ipywidgets as widgets
import matplotlib as mpl
import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

import pgtheory as pg

from .static import Control, Frame, figure_png, frames_html
from .style import PALETTE, use_book_style

__all__ = [
    "NExplorer",
    "VarianceVsN",
    "LikelihoodRatioExplorer",
    "ReinforceExplorer",
    "n_explorer",
    "variance_vs_n",
    "likelihood_ratio_explorer",
    "reinforce_explorer",
    "gradient_pool",
    "batch_means",
]

#: Resolution of the live image and of the precomputed web frames (dots per inch).
LIVE_DPI = 100
STATIC_DPI = 90
#: Colours kept in a web frame (palette PNG, no dithering): a frame is then a few kilobytes.
STATIC_COLORS = 16
#: N values of the web version's slider: a 1-2-5 grid from 1 to 10,000.
N_GRID = (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10_000)
#: Per-episode estimates drawn per (seed, estimator, baseline); N-episode means are block means.
POOL_SIZE = 1_000_000
#: At most this many N-episode estimates per histogram (reached for N <= 50).
MAX_BATCHES = 20_000
# Width of a live slider, description and readout included: leaves a track of at least 250 px
# for the longest description ("episodes per estimate N"); tests/jupyterlab measures it.
SLIDER_LAYOUT = {"width": "34rem", "max_width": "100%"}
_CHUNK = 100_000

ESTIMATORS = {"total_return": "total return", "reward_to_go": "reward-to-go"}
BASELINES = {"none": "no baseline", "constant": "constant b = J(θ)", "optimal": "optimal b*"}


@contextlib.contextmanager
def _book_style() -> Iterator[None]:
    """The book's matplotlib style, without changing the caller's rcParams."""
    with mpl.rc_context():
        use_book_style()
        yield


def _mdp_and_logits(mdp: pg.TabularMDP | None, theta: Any) -> tuple[pg.TabularMDP, np.ndarray]:
    """The widgets' defaults: the chain MDP and the uniform policy (all logits zero)."""
    mdp = pg.chain_mdp() if mdp is None else mdp
    if theta is None:
        return mdp, np.zeros((mdp.n_states, mdp.n_actions))
    return mdp, np.array(theta, dtype=float)  # pgtheory's maths validates it against the MDP


def _check_coordinate(mdp: pg.TabularMDP, coordinate: Sequence[int]) -> tuple[int, int]:
    s, a = (int(i) for i in coordinate)
    if not (0 <= s < mdp.n_states and 0 <= a < mdp.n_actions):
        raise ValueError(
            f"coordinate must be (s, a) with 0 <= s < {mdp.n_states} and 0 <= a < "
            f"{mdp.n_actions}; got {tuple(coordinate)}"
        )
    return s, a


def _baseline_name(baseline: Any) -> str:
    name = "none" if baseline is None else baseline
    if name not in BASELINES:
        raise ValueError(f"baseline must be one of {list(BASELINES)} or None; got {baseline!r}")
    return name


def _estimator_name(estimator: str) -> str:
    if estimator not in ESTIMATORS:
        raise ValueError(f"estimator must be one of {list(ESTIMATORS)}; got {estimator!r}")
    return estimator


def _maths_baseline(mdp: pg.TabularMDP, theta: np.ndarray, name: str) -> float | str | None:
    """The ``baseline`` argument of the maths for a baseline name of the widgets."""
    if name == "none":
        return None
    if name == "constant":
        return float(pg.expected_return(mdp, theta))
    return "optimal"


def _one_episode_variances(
    mdp: pg.TabularMDP, theta: np.ndarray, coordinate: tuple[int, int]
) -> dict[tuple[str, str], float]:
    """Exact variance of one episode's estimate of theta[coordinate], for every estimator and
    baseline the widgets offer (eq. `mc-variance` divides it by N)."""
    s, a = coordinate
    return {
        (e, b): float(pg.exact_estimator_variance(
            mdp, theta, estimator=e, baseline=_maths_baseline(mdp, theta, b))[s, a])
        for e in ESTIMATORS for b in BASELINES
    }


def _fingerprint(*arrays: Any) -> bytes:
    digest = hashlib.sha1()
    for array in arrays:
        digest.update(np.ascontiguousarray(array, dtype=float).tobytes())
        digest.update(b"|")
    return digest.digest()


_POOLS: OrderedDict[tuple, np.ndarray] = OrderedDict()
_POOL_CACHE_SIZE = 8


def gradient_pool(
    mdp: pg.TabularMDP,
    theta: Any,
    coordinate: tuple[int, int],
    seed: int,
    estimator: str = "total_return",
    baseline: str | None = None,
    size: int = POOL_SIZE,
) -> np.ndarray:
    """``size`` per-episode estimates of one coordinate of the gradient, cached.

    Episodes are drawn ``100,000`` at a time with :func:`pgtheory.gradient_samples` from one
    generator seeded with ``seed``; only coordinate ``(s, a)`` is kept. With
    ``baseline="optimal"`` the baseline is estimated leave-one-out within each chunk of
    100,000 episodes, so it is practically the exact b*. The eight most recent pools are
    cached (8 MB each at the default size).

    Parameters
    ----------
    mdp : TabularMDP
    theta : array_like(float), shape (S, A)
    coordinate : (int, int)
        The coordinate (s, a) of the gradient.
    seed : int
    estimator : {"total_return", "reward_to_go"}
    baseline : {None, "none", "constant", "optimal"}
        "constant" is b = J(theta).
    size : int

    Returns
    -------
    ndarray(float), shape (size,)
        Read-only.
    """
    theta = np.asarray(theta, dtype=float)
    s, a = _check_coordinate(mdp, coordinate)
    estimator, name = _estimator_name(estimator), _baseline_name(baseline)
    key = (
        _fingerprint(mdp.transitions, mdp.rewards, mdp.initial, [mdp.horizon, mdp.discount],
                     theta),
        s, a, int(seed), estimator, name, int(size),
    )
    if key in _POOLS:
        _POOLS.move_to_end(key)
        return _POOLS[key]
    rng = np.random.default_rng(int(seed))
    maths_baseline = _maths_baseline(mdp, theta, name)
    pool = np.empty(size)
    for start in range(0, size, _CHUNK):
        n = min(_CHUNK, size - start)
        if n < 2 and maths_baseline == "optimal":  # leave-one-out needs two episodes
            n = 2
        samples = pg.gradient_samples(mdp, theta, n, rng=rng, estimator=estimator,
                                      baseline=maths_baseline)
        pool[start : start + n] = samples[: size - start, s, a]
    pool.flags.writeable = False
    _POOLS[key] = pool
    while len(_POOLS) > _POOL_CACHE_SIZE:
        _POOLS.popitem(last=False)
    return pool


def batch_means(pool: np.ndarray, n: int, max_batches: int = MAX_BATCHES) -> np.ndarray:
    """Means of consecutive blocks of ``n`` pool entries: independent N-episode estimates.

    Returns ``min(len(pool) // n, max_batches)`` means (shape ``(R,)``).
    """
    n = int(n)
    if not 1 <= n <= len(pool):
        raise ValueError(f"n must be between 1 and the pool size {len(pool)}; got {n}")
    repeats = min(len(pool) // n, max_batches)
    return pool[: repeats * n].reshape(repeats, n).mean(axis=1)


def _fmt(x: float) -> str:
    return f"{x:.4g}"


# --- the widget base class ------------------------------------------------------------------


class _FigureWidget(widgets.VBox):
    """Controls above a live figure and a text readout, with a static HTML fallback.

    Subclasses set ``title``, build their controls, and implement

    * ``_new_view()`` -> a view object with a ``figure`` attribute (one per figure);
    * ``_draw(view, **state)`` -> ``(text, alt)``: update the view's artists to ``state``;
    * ``_state()`` -> the live controls' state as keyword arguments of ``_draw``;
    * ``_static_controls()`` -> list of (Control, values), values being the states' entries;
    * ``_static_state(values)`` -> state for one combination of static values.
    """

    title = ""
    static_note = ""

    def __init__(self, controls: Sequence[widgets.Widget]) -> None:
        self.image = widgets.Image(format="png", layout=widgets.Layout(max_width="100%"))
        self.readout = widgets.HTML()
        self.controls = list(controls)
        heading = widgets.HTML(f"<b>{html.escape(self.title)}</b>")
        bar = widgets.HBox(self.controls, layout=widgets.Layout(flex_flow="row wrap"))
        super().__init__(children=[heading, bar, self.image, self.readout])
        self.view = self._new_view()
        self._static_html: str | None = None
        self.text, self.alt = "", ""
        self.refresh()
        for control in self.controls:
            control.observe(self._on_change, names="value")

    # subclass interface
    def _new_view(self) -> Any:
        raise NotImplementedError

    def _draw(self, view: Any, **state: Any) -> tuple[str, str]:
        raise NotImplementedError

    def _state(self) -> dict[str, Any]:
        raise NotImplementedError

    def _static_controls(self) -> list[tuple[Control, Sequence[Any]]]:
        raise NotImplementedError

    def _static_state(self, values: Sequence[Any]) -> dict[str, Any]:
        raise NotImplementedError

    # live
    def _on_change(self, change: dict[str, Any]) -> None:
        self.refresh()

    def refresh(self) -> None:
        """Redraw the live figure for the current control values."""
        with _book_style():
            self.text, self.alt = self._draw(self.view, **self._state())
            self.image.value = figure_png(self.view.figure, LIVE_DPI)
        self.readout.value = (
            '<pre style="margin:0; white-space:pre-wrap">' + html.escape(self.text) + "</pre>"
        )

    # static
    def static_html(self) -> str:
        """The kernel-free HTML version (computed once, then cached)."""
        if self._static_html is None:
            spec = self._static_controls()
            controls = [control for control, _ in spec]
            view = self._new_view()
            frames: dict[tuple[int, ...], Frame] = {}
            with _book_style():
                for key in itertools.product(*(range(len(values)) for _, values in spec)):
                    values = [spec_values[i] for (_, spec_values), i in zip(spec, key,
                                                                          strict=True)]
                    text, alt = self._draw(view, **self._static_state(values))
                    frames[key] = Frame(figure_png(view.figure, STATIC_DPI, STATIC_COLORS),
                                        alt, text)
            self._static_html = frames_html(self.title, controls, frames, self.static_note)
        return self._static_html

    def _repr_mimebundle_(self, **kwargs: Any) -> dict[str, Any]:
        bundle = super()._repr_mimebundle_(**kwargs) or {}
        bundle["text/plain"] = f"{type(self).__name__}: {self.title}"
        bundle["text/html"] = self.static_html()
        return bundle

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.title!r})"


def _log_slider(description: str, value: float, low: float, high: float,
                step: float, fmt: str) -> widgets.FloatLogSlider:
    return widgets.FloatLogSlider(
        value=value, base=10, min=np.log10(low), max=np.log10(high), step=step,
        description=description, readout_format=fmt, continuous_update=False,
        style={"description_width": "initial"}, layout=widgets.Layout(**SLIDER_LAYOUT),
    )


def _dropdown(description: str, options: dict[str, str], value: str) -> widgets.Dropdown:
    return widgets.Dropdown(
        options=[(label, key) for key, label in options.items()], value=value,
        description=description, style={"description_width": "initial"},
    )


def _nearest_index(grid: Sequence[float], value: float) -> int:
    return int(np.argmin(np.abs(np.log(np.asarray(grid, dtype=float)) - np.log(value))))


# --- 1. the N explorer ----------------------------------------------------------------------


class _NView:
    """Histogram of N-episode estimates, the exact gradient, the predicted normal curve and
    the predicted +-1 std band.

    The x-axis is FIXED at exact +- 4 sigma_max / sqrt(10), where sigma_max is the largest
    one-episode standard deviation over the estimators and baselines, so that moving N makes
    the histogram itself visibly narrow (a zooming axis would hide exactly what the reader is
    meant to see). At N = 10 the widest estimator fills the axis; for N < 10 some estimates
    fall outside it, and the readout says how many.
    """

    n_bins = 80  # fixed bins over the fixed axis
    axis_n = 10  # the N whose +-4 sigma_max range the axis spans

    def __init__(self, exact: float, spread: float, coordinate: tuple[int, int]) -> None:
        s, a = coordinate
        self.exact, self.spread = exact, max(spread, 1e-9)
        self.figure = Figure(figsize=(6.4, 4.2))
        ax = self.figure.add_subplot()
        self.ax = ax
        self.band = Rectangle(
            (exact, 0.0), 0.0, 1.0, transform=ax.get_xaxis_transform(), color=PALETTE[4],
            alpha=0.35, linewidth=0, label="exact $\\pm$ predicted std $\\sigma_1/\\sqrt{N}$",
        )
        ax.add_patch(self.band)
        self.bars = ax.stairs(
            np.zeros(self.n_bins), np.linspace(0.0, 1.0, self.n_bins + 1), fill=True,
            color=PALETTE[0], alpha=0.85, label="N-episode estimates",
        )
        (self.normal,) = ax.plot([], [], color=PALETTE[3], linewidth=1.8,
                                 label=r"normal, std $\sigma_1/\sqrt{N}$")
        ax.axvline(exact, color=PALETTE[7], linewidth=2, linestyle="--",
                   label=f"exact gradient {exact:.4g}")
        ax.set_xlabel(rf"estimate of $\partial J / \partial \theta[{s}, {a}]$")
        ax.set_ylabel("fraction of estimates per bin")
        # The layout is computed once (see figure_png) while tick labels change with N: pin
        # the y label where the widest tick labels ("0.005") leave room, and pad the sides.
        ax.yaxis.set_label_coords(-0.13, 0.5)
        self.figure.get_layout_engine().set(w_pad=0.15)
        self.figure.legend(loc="outside lower center", ncols=2, fontsize=9)
        self.title = ax.set_title(" ")
        self.coordinate = coordinate

    def show(self, means: np.ndarray, n: int, predicted: float) -> np.ndarray:
        """Redraw for these N-episode estimates; returns the bin counts."""
        half = 4.0 * self.spread / np.sqrt(self.axis_n)
        edges = np.linspace(self.exact - half, self.exact + half, self.n_bins + 1)
        counts, _ = np.histogram(means, edges)
        heights = counts / len(means)
        self.bars.set_data(values=heights, edges=edges)
        x = np.linspace(edges[0], edges[-1], 201)
        width = edges[1] - edges[0]
        curve = width * np.exp(-0.5 * ((x - self.exact) / predicted) ** 2) / (
            predicted * np.sqrt(2.0 * np.pi)) if predicted > 0 else np.zeros_like(x)
        self.normal.set_data(x, curve)
        self.band.set_x(self.exact - predicted)
        self.band.set_width(2.0 * predicted)
        self.ax.set_xlim(edges[0], edges[-1])
        self.ax.set_ylim(0.0, 1.25 * max(heights.max(), curve.max(), 1e-3))
        return counts


class NExplorer(_FigureWidget):
    """How the N-episode gradient estimate concentrates around the exact gradient.

    Controls: N (log slider, 1 to 10,000), seed, estimator, baseline. The figure shows the
    histogram of many N-episode estimates of one coordinate of the gradient, the exact
    gradient, and the band exact +- sigma_1 / sqrt(N) predicted by eq. `mc-variance`
    (sigma_1^2 from :func:`pgtheory.exact_estimator_variance`); the readout prints the
    estimates' empirical standard deviation beside that prediction.
    """

    static_note = (
        "Web version: precomputed for seed {seed} and N on a 1-2-5 grid. "
        "Open the notebook in Jupyter for every N and seed."
    )

    def __init__(
        self,
        mdp: pg.TabularMDP | None = None,
        theta: Any = None,
        coordinate: tuple[int, int] = (0, 0),
        seed: int = 0,
        n: int = 100,
        estimator: str = "total_return",
        baseline: str | None = None,
    ) -> None:
        self.mdp, self.theta = _mdp_and_logits(mdp, theta)
        self.coordinate = _check_coordinate(self.mdp, coordinate)
        s, a = self.coordinate
        self.seed = int(seed)
        self.exact = float(pg.exact_gradient(self.mdp, self.theta)[s, a])
        self.variance = _one_episode_variances(self.mdp, self.theta, self.coordinate)
        self.title = f"N explorer: estimates of ∂J/∂θ[{s}, {a}] from N episodes"
        self.static_note = self.static_note.format(seed=self.seed)
        self.n_slider = _log_slider("episodes per estimate N", n, 1, 10_000, 0.05, ".0f")
        self.seed_box = widgets.BoundedIntText(value=self.seed, min=0, max=2**31 - 1,
                                               description="seed",
                                               layout=widgets.Layout(width="10rem"))
        self.estimator = _dropdown("estimator", ESTIMATORS, _estimator_name(estimator))
        self.baseline = _dropdown("baseline", BASELINES, _baseline_name(baseline))
        super().__init__([self.n_slider, self.seed_box, self.estimator, self.baseline])

    def _new_view(self) -> _NView:
        with _book_style():
            return _NView(self.exact, np.sqrt(max(self.variance.values())), self.coordinate)

    def _state(self) -> dict[str, Any]:
        return {"n": int(round(self.n_slider.value)), "seed": self.seed_box.value,
                "estimator": self.estimator.value, "baseline": self.baseline.value}

    def _static_controls(self) -> list[tuple[Control, Sequence[Any]]]:
        n0 = int(round(self.n_slider.value))
        return [
            (Control("n", "Episodes per estimate N", tuple(f"{n:,}" for n in N_GRID), "range",
                     _nearest_index(N_GRID, n0)), N_GRID),
            (Control("estimator", "Estimator", tuple(ESTIMATORS.values()), "select",
                     list(ESTIMATORS).index(self.estimator.value)), list(ESTIMATORS)),
            (Control("baseline", "Baseline", tuple(BASELINES.values()), "select",
                     list(BASELINES).index(self.baseline.value)), list(BASELINES)),
        ]

    def _static_state(self, values: Sequence[Any]) -> dict[str, Any]:
        n, estimator, baseline = values
        return {"n": n, "seed": self.seed, "estimator": estimator, "baseline": baseline}

    def predicted_std(self, n: int, estimator: str, baseline: str) -> float:
        """sigma_1 / sqrt(N): the standard deviation eq. `mc-variance` predicts."""
        return float(np.sqrt(self.variance[(estimator, baseline)] / n))

    def _draw(self, view: _NView, n: int, seed: int, estimator: str,
              baseline: str) -> tuple[str, str]:
        pool = gradient_pool(self.mdp, self.theta, self.coordinate, seed, estimator, baseline)
        means = batch_means(pool, n)
        predicted = self.predicted_std(n, estimator, baseline)
        counts = view.show(means, n, predicted)
        view.title.set_text(f"N = {n:,}: {len(means):,} estimates, {ESTIMATORS[estimator]}, "
                            f"{BASELINES[baseline]}")
        empirical = float(means.std(ddof=1))
        outside = 1.0 - counts.sum() / len(means)
        s, a = self.coordinate
        variance = self.variance[(estimator, baseline)]
        text = (
            f"N = {n:,} episodes per estimate, {len(means):,} estimates (seed {seed})\n"
            f"empirical std of the estimates:     {_fmt(empirical)}\n"
            f"predicted σ₁/√N = √({_fmt(variance)}/{n:,}): {_fmt(predicted)}\n"
            f"mean of the estimates {_fmt(float(means.mean()))}, "
            f"exact ∂J/∂θ[{s}, {a}] = {_fmt(self.exact)}"
        )
        if outside > 0:
            text += f"\n{100 * outside:.1f}% of the estimates fall outside the plotted range"
        alt = (
            f"Histogram of {len(means):,} estimates of the gradient coordinate theta[{s}, {a}], "
            f"each the mean of N = {n:,} episodes ({ESTIMATORS[estimator]}, "
            f"{BASELINES[baseline]}). They centre on the exact gradient {self.exact:.3f} with "
            f"standard deviation {_fmt(empirical)}; the 1/sqrt(N) prediction is "
            f"{_fmt(predicted)}."
        )
        return text, alt


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
    """The N explorer of chapter 5: N-episode gradient estimates and their 1/sqrt(N) spread.

    Parameters
    ----------
    mdp : TabularMDP, optional
        Default :func:`pgtheory.chain_mdp`.
    theta : array_like(float), shape (S, A), optional
        Default zeros (the uniform policy).
    coordinate : (int, int)
        The coordinate (s, a) of the gradient to show.
    rng : int
        The seed of the pool of episodes (an int, so the web version can name it).
    n_episodes : int
        Initial N (1 to 10,000).
    estimator : {"total_return", "reward_to_go"}
    baseline : {None, "none", "constant", "optimal"}
        "constant" is b = J(theta); "optimal" is b* (eq. `optimal-baseline`).

    Returns
    -------
    NExplorer
        Displays as a live widget in Jupyter and as precomputed frames on the web.
    """
    return NExplorer(mdp, theta, coordinate, rng, n_episodes, estimator, baseline)


# --- 2. variance against N ------------------------------------------------------------------


class _VarianceView:
    def __init__(self, variances: dict[tuple[str, str], float], coordinate: tuple[int, int]):
        s, a = coordinate
        self.n = np.array(N_GRID, dtype=float)
        self.figure = Figure(figsize=(7.0, 3.8))
        ax = self.figure.add_subplot()
        self.others = []
        for i, variance in enumerate(variances.values()):
            (line,) = ax.loglog(self.n, variance / self.n, color="0.75", linewidth=1,
                                label="the other estimators and baselines" if i == 0 else None)
            self.others.append(line)
        (self.theory,) = ax.loglog(self.n, self.n, color=PALETTE[0], linewidth=2,
                                   label=r"theory $\sigma_1^2 / N$")
        (self.empirical,) = ax.loglog(self.n, self.n, linestyle="none", marker="o",
                                      color=PALETTE[3], label="empirical variance")
        top, bottom = max(variances.values()), min(variances.values()) / self.n[-1]
        ax.set_ylim(bottom / 3.0, top * 3.0)
        ax.set_xlabel("episodes per estimate N")
        ax.set_ylabel(rf"Var of the estimate of $\partial J/\partial\theta[{s}, {a}]$")
        ax.legend(loc="upper right", fontsize=9)
        self.title = ax.set_title(" ")


class VarianceVsN(_FigureWidget):
    """Variance of the N-episode estimate against N, log-log, with the line sigma_1^2 / N.

    The empirical variance at each N of a 1-2-5 grid comes from the block means of the same
    pool as the N explorer's; the theory line is :func:`pgtheory.exact_estimator_variance`
    divided by N (eq. `mc-variance`). Light grey lines show the theory for the other
    estimator and baseline choices.
    """

    def __init__(
        self,
        mdp: pg.TabularMDP | None = None,
        theta: Any = None,
        coordinate: tuple[int, int] = (0, 0),
        seed: int = 0,
        estimator: str = "total_return",
        baseline: str | None = None,
    ) -> None:
        self.mdp, self.theta = _mdp_and_logits(mdp, theta)
        self.coordinate = _check_coordinate(self.mdp, coordinate)
        s, a = self.coordinate
        self.seed = int(seed)
        self.variance = _one_episode_variances(self.mdp, self.theta, self.coordinate)
        self.title = f"Variance of the estimate of ∂J/∂θ[{s}, {a}] against N"
        self.static_note = (f"Web version: precomputed for seed {self.seed}. Open the notebook "
                            "in Jupyter to change the seed.")
        self.seed_box = widgets.BoundedIntText(value=self.seed, min=0, max=2**31 - 1,
                                               description="seed",
                                               layout=widgets.Layout(width="10rem"))
        self.estimator = _dropdown("estimator", ESTIMATORS, _estimator_name(estimator))
        self.baseline = _dropdown("baseline", BASELINES, _baseline_name(baseline))
        super().__init__([self.estimator, self.baseline, self.seed_box])

    def _new_view(self) -> _VarianceView:
        with _book_style():
            return _VarianceView(self.variance, self.coordinate)

    def _state(self) -> dict[str, Any]:
        return {"seed": self.seed_box.value, "estimator": self.estimator.value,
                "baseline": self.baseline.value}

    def _static_controls(self) -> list[tuple[Control, Sequence[Any]]]:
        return [
            (Control("estimator", "Estimator", tuple(ESTIMATORS.values()), "select",
                     list(ESTIMATORS).index(self.estimator.value)), list(ESTIMATORS)),
            (Control("baseline", "Baseline", tuple(BASELINES.values()), "select",
                     list(BASELINES).index(self.baseline.value)), list(BASELINES)),
        ]

    def _static_state(self, values: Sequence[Any]) -> dict[str, Any]:
        estimator, baseline = values
        return {"seed": self.seed, "estimator": estimator, "baseline": baseline}

    def empirical_variances(self, seed: int, estimator: str, baseline: str) -> np.ndarray:
        """Sample variance of the N-episode estimates at each N of ``N_GRID``."""
        pool = gradient_pool(self.mdp, self.theta, self.coordinate, seed, estimator, baseline)
        return np.array([batch_means(pool, n).var(ddof=1) for n in N_GRID])

    def _draw(self, view: _VarianceView, seed: int, estimator: str,
              baseline: str) -> tuple[str, str]:
        empirical = self.empirical_variances(seed, estimator, baseline)
        variance = self.variance[(estimator, baseline)]
        view.theory.set_ydata(variance / view.n)
        view.empirical.set_ydata(empirical)
        view.title.set_text(f"{ESTIMATORS[estimator]}, {BASELINES[baseline]}")
        slope = float(np.polyfit(np.log(view.n), np.log(empirical), 1)[0])
        ratio = empirical * view.n / variance
        text = (
            f"σ₁² (exact variance of one episode's estimate) = {_fmt(variance)}\n"
            f"fitted slope of log Var against log N: {slope:.3f} (theory: -1)\n"
            f"empirical Var × N / σ₁² ranges from {ratio.min():.2f} to {ratio.max():.2f} "
            f"(theory: 1; seed {seed})"
        )
        alt = (
            f"Log-log plot of the variance of the N-episode gradient estimate against N from 1 "
            f"to 10,000 ({ESTIMATORS[estimator]}, {BASELINES[baseline]}). The empirical points "
            f"follow the line sigma_1^2 / N with sigma_1^2 = {_fmt(variance)}; fitted slope "
            f"{slope:.2f}."
        )
        return text, alt


def variance_vs_n(
    mdp: pg.TabularMDP | None = None,
    theta: Any = None,
    coordinate: tuple[int, int] = (0, 0),
    *,
    rng: int = 0,
    estimator: str = "total_return",
    baseline: str | None = None,
) -> VarianceVsN:
    """Variance of the N-episode estimate against N (log-log) with the theory line Var_1 / N.

    Parameters are those of :func:`n_explorer` (without ``n_episodes``).

    Returns
    -------
    VarianceVsN
    """
    return VarianceVsN(mdp, theta, coordinate, rng, estimator, baseline)


# --- 3. the likelihood-ratio identity -------------------------------------------------------


THETA_GRID = tuple(np.round(np.arange(-3.0, 3.01, 0.5), 2))


class _RatioView:
    def __init__(self, n_arms: int, means: np.ndarray) -> None:
        self.arms = np.arange(n_arms)
        self.figure = Figure(figsize=(7.0, 3.9))
        left, right = self.figure.subplots(1, 2, width_ratios=[1, 1.6])
        self.pi_bars = left.bar(self.arms, np.zeros(n_arms), color=PALETTE[0])
        left.set_ylim(0.0, 1.0)
        left.set_title(r"policy $\pi_\theta(a)$")
        left.set_ylabel("probability")
        width = 0.38
        self.grad_bars = right.bar(self.arms - width / 2, np.zeros(n_arms), width,
                                   color=PALETTE[1], label=r"$\partial\pi_\theta(a)/\partial"
                                   r"\theta_j$ (finite difference)")
        self.score_bars = right.bar(self.arms + width / 2, np.zeros(n_arms), width,
                                    color=PALETTE[2], hatch="//", edgecolor="white",
                                    label=r"$\pi_\theta(a)\,\partial\log\pi_\theta(a)/"
                                    r"\partial\theta_j$")
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


class LikelihoodRatioExplorer(_FigureWidget):
    """The identity grad pi_theta(a) = pi_theta(a) grad log pi_theta(a), bar by bar.

    A softmax bandit (:func:`pgtheory.bandit`, one state) with logits theta = (theta_0, 0, 0):
    the slider moves theta_0, the drop-down picks the coordinate j to differentiate. The
    derivative of pi is a central finite difference of :func:`pgtheory.softmax_policy`; the
    other bar multiplies pi by the score :func:`pgtheory.log_policy_grad` (eq.
    `softmax-score`). The two bars of each arm agree.
    """

    static_note = "Web version: precomputed for θ₀ on a grid of step 0.5."

    def __init__(self, means: Sequence[float] = (0.0, 0.5, 1.0), theta0: float = 0.0,
                 wrt: int = 0) -> None:
        self.mdp = pg.bandit(means)
        self.means = np.asarray(self.mdp.rewards[0])
        self.n_arms = self.mdp.n_actions
        if not 0 <= int(wrt) < self.n_arms:
            raise ValueError(f"wrt must be an arm index in [0, {self.n_arms}); got {wrt}")
        self.title = "Likelihood ratio: ∇π = π ∇log π on a softmax bandit"
        self.theta_slider = widgets.FloatSlider(
            value=theta0, min=-3.0, max=3.0, step=0.1, description="logit θ₀ of arm 0",
            continuous_update=False, style={"description_width": "initial"},
            layout=widgets.Layout(**SLIDER_LAYOUT),
        )
        self.wrt = widgets.Dropdown(
            options=[(f"θ_{j}", j) for j in range(self.n_arms)], value=int(wrt),
            description="differentiate with respect to", style={"description_width": "initial"},
        )
        super().__init__([self.theta_slider, self.wrt])

    def _new_view(self) -> _RatioView:
        with _book_style():
            return _RatioView(self.n_arms, self.means)

    def _state(self) -> dict[str, Any]:
        return {"theta0": float(self.theta_slider.value), "wrt": int(self.wrt.value)}

    def _static_controls(self) -> list[tuple[Control, Sequence[Any]]]:
        return [
            (Control("theta", "Logit θ₀ of arm 0", tuple(f"{t:+.1f}" for t in THETA_GRID),
                     "range", int(np.argmin(np.abs(np.array(THETA_GRID)
                                                   - self.theta_slider.value)))), THETA_GRID),
            (Control("wrt", "Differentiate with respect to",
                     tuple(f"θ_{j}" for j in range(self.n_arms)), "select",
                     int(self.wrt.value)), list(range(self.n_arms))),
        ]

    def _static_state(self, values: Sequence[Any]) -> dict[str, Any]:
        theta0, wrt = values
        return {"theta0": float(theta0), "wrt": int(wrt)}

    def quantities(self, theta0: float, wrt: int) -> tuple[np.ndarray, ...]:
        """pi(a), d pi(a)/d theta_j (finite difference) and pi(a) d log pi(a)/d theta_j."""
        theta = np.zeros((1, self.n_arms))
        theta[0, 0] = theta0
        pi = pg.softmax_policy(theta)[0]
        step = 1e-5
        up, down = theta.copy(), theta.copy()
        up[0, wrt] += step
        down[0, wrt] -= step
        grad_pi = (pg.softmax_policy(up)[0] - pg.softmax_policy(down)[0]) / (2 * step)
        score = np.array([pg.log_policy_grad(theta, 0, a)[0, wrt] for a in range(self.n_arms)])
        return pi, grad_pi, pi * score

    def _draw(self, view: _RatioView, theta0: float, wrt: int) -> tuple[str, str]:
        pi, grad_pi, pi_score = self.quantities(theta0, wrt)
        for bars, heights in ((view.pi_bars, pi), (view.grad_bars, grad_pi),
                              (view.score_bars, pi_score)):
            for bar, height in zip(bars, heights, strict=True):
                bar.set_height(height)
        view.right_title.set_text(rf"derivatives with respect to $\theta_{wrt}$ "
                                  rf"($\theta_0 = {theta0:+.1f}$)")
        rows = [f"θ = ({theta0:+.2f}, 0, 0); derivative with respect to θ_{wrt}",
                "arm   π(a)    ∂π(a)/∂θ   π(a)·∂log π(a)/∂θ"]
        rows += [f"{a:>3}   {p:.3f}   {g:+.4f}    {h:+.4f}"
                 for a, p, g, h in zip(range(self.n_arms), pi, grad_pi, pi_score, strict=True)]
        alt = (
            f"Left: bar chart of the softmax policy over {self.n_arms} arms at theta_0 = "
            f"{theta0:+.1f}: " + ", ".join(f"{p:.2f}" for p in pi) + ". Right: for each arm, "
            f"the derivative of pi(a) with respect to theta_{wrt} beside pi(a) times the "
            "derivative of log pi(a); each pair has equal height: "
            + ", ".join(f"{g:+.3f}" for g in grad_pi) + "."
        )
        return "\n".join(rows), alt


def likelihood_ratio_explorer(means: Sequence[float] = (0.0, 0.5, 1.0), theta0: float = 0.0,
                              wrt: int = 0) -> LikelihoodRatioExplorer:
    """The likelihood-ratio identity of chapter 3 on a softmax bandit.

    Parameters
    ----------
    means : sequence of float
        Arm rewards of the bandit (they only label the arms here).
    theta0 : float
        Initial logit of arm 0 (the others are 0).
    wrt : int
        Initial coordinate j of the derivative.

    Returns
    -------
    LikelihoodRatioExplorer
    """
    return LikelihoodRatioExplorer(means, theta0, wrt)


# --- 4. REINFORCE ---------------------------------------------------------------------------


REINFORCE_N_GRID = (1, 3, 10, 30, 100, 300, 1000)
ALPHA_GRID = (0.01, 0.03, 0.1, 0.3, 1.0)


def _best_deterministic_return(mdp: pg.TabularMDP) -> float | None:
    """Largest J over deterministic stationary policies (None if there are over 4096)."""
    if mdp.n_actions ** mdp.n_states > 4096:
        return None
    best = -np.inf
    for actions in itertools.product(range(mdp.n_actions), repeat=mdp.n_states):
        theta = np.zeros((mdp.n_states, mdp.n_actions))
        theta[np.arange(mdp.n_states), actions] = 40.0
        best = max(best, float(pg.expected_return(mdp, theta)))
    return best


class _ReinforceView:
    def __init__(self, n_steps: int, runs: int, j0: float, j_best: float | None) -> None:
        steps = np.arange(n_steps + 1)
        self.figure = Figure(figsize=(6.4, 4.4))
        ax = self.figure.add_subplot()
        if j_best is not None:
            ax.axhline(j_best, color="0.5", linestyle=":", linewidth=1.5,
                       label=f"best deterministic policy ({j_best:.2f})")
        self.exact_line, = ax.plot(steps, np.full(steps.shape, j0), color=PALETTE[7],
                                   linewidth=2.5, linestyle="--", label="exact gradient ascent")
        self.run_lines = [
            ax.plot(steps, np.full(steps.shape, j0), color=PALETTE[i % 6], linewidth=1.3,
                    alpha=0.9, label=f"REINFORCE run {i + 1}")[0]
            for i in range(runs)
        ]
        top = j_best if j_best is not None else j0 + 1.0
        ax.set_ylim(min(j0, 0.0) - 0.3, top + 0.6)
        ax.set_xlim(0, n_steps)
        ax.set_xlabel("update g")
        ax.set_ylabel(r"exact $J(\theta_k)$")
        self.figure.legend(loc="outside lower center", ncols=3, fontsize=9)
        self.title = ax.set_title(" ")


class ReinforceExplorer(_FigureWidget):
    """Learning curves of REINFORCE on the chain MDP against exact gradient ascent.

    Controls: episodes per update N (log slider, 1 to 1,000), step size alpha (log slider,
    0.01 to 1) and seed. Each curve is the exact objective J(theta_k) after every update
    (:func:`pgtheory.reinforce` computes it by backward induction); ``runs`` independent runs
    use the streams ``SeedSequence(seed).spawn(runs)``. The dashed line is
    :func:`pgtheory.exact_gradient_ascent` with the same alpha.
    """

    def __init__(
        self,
        mdp: pg.TabularMDP | None = None,
        theta0: Any = None,
        n: int = 10,
        learning_rate: float = 0.1,
        n_steps: int = 50,
        seed: int = 0,
        runs: int = 3,
        estimator: str = "total_return",
        baseline: float | str | None = None,
    ) -> None:
        self.mdp, self.theta0 = _mdp_and_logits(mdp, theta0)
        self.n_steps, self.runs, self.seed = int(n_steps), int(runs), int(seed)
        self.estimator, self.baseline_arg = _estimator_name(estimator), baseline
        self.j0 = float(pg.expected_return(self.mdp, self.theta0))
        self.j_best = _best_deterministic_return(self.mdp)
        self._exact_cache: dict[float, np.ndarray] = {}
        self.title = "REINFORCE: exact J(θ_k) during training"
        self.static_note = (
            f"Web version: precomputed for seed {self.seed}, "
            "N and α on grids. Open the notebook in Jupyter for every value."
        )
        n_min = 2 if baseline == "optimal" else 1
        self.n_slider = _log_slider("episodes per update N", max(n, n_min), n_min, 1000, 0.05,
                                    ".0f")
        self.alpha_slider = _log_slider("step size α", learning_rate, 0.01, 1.0, 0.05, ".3f")
        self.seed_box = widgets.BoundedIntText(value=self.seed, min=0, max=2**31 - 1,
                                               description="seed",
                                               layout=widgets.Layout(width="10rem"))
        super().__init__([self.n_slider, self.alpha_slider, self.seed_box])

    def _new_view(self) -> _ReinforceView:
        with _book_style():
            return _ReinforceView(self.n_steps, self.runs, self.j0, self.j_best)

    def _state(self) -> dict[str, Any]:
        return {"n": int(round(self.n_slider.value)), "alpha": float(self.alpha_slider.value),
                "seed": self.seed_box.value}

    def _static_controls(self) -> list[tuple[Control, Sequence[Any]]]:
        n_min = 2 if self.baseline_arg == "optimal" else 1
        n_grid = [n for n in REINFORCE_N_GRID if n >= n_min]
        return [
            (Control("n", "Episodes per update N", tuple(f"{n:,}" for n in n_grid), "range",
                     _nearest_index(n_grid, self.n_slider.value)), n_grid),
            (Control("alpha", "Step size α", tuple(f"{a:g}" for a in ALPHA_GRID), "range",
                     _nearest_index(ALPHA_GRID, self.alpha_slider.value)), ALPHA_GRID),
        ]

    def _static_state(self, values: Sequence[Any]) -> dict[str, Any]:
        n, alpha = values
        return {"n": int(n), "alpha": float(alpha), "seed": self.seed}

    def exact_curve(self, alpha: float) -> np.ndarray:
        """J(theta_k) of exact gradient ascent with step size alpha (cached)."""
        if alpha not in self._exact_cache:
            history = pg.exact_gradient_ascent(self.mdp, self.theta0, self.n_steps, alpha)
            self._exact_cache[alpha] = history.expected_returns
        return self._exact_cache[alpha]

    def run_curves(self, n: int, alpha: float, seed: int) -> list[np.ndarray]:
        """J(theta_k) of each REINFORCE run."""
        return [
            pg.reinforce(self.mdp, self.theta0, n, self.n_steps, alpha, rng=stream,
                         estimator=self.estimator, baseline=self.baseline_arg).expected_returns
            for stream in np.random.SeedSequence(seed).spawn(self.runs)
        ]

    def _draw(self, view: _ReinforceView, n: int, alpha: float, seed: int) -> tuple[str, str]:
        exact = self.exact_curve(alpha)
        curves = self.run_curves(n, alpha, seed)
        view.exact_line.set_ydata(exact)
        for line, curve in zip(view.run_lines, curves, strict=True):
            line.set_ydata(curve)
        view.title.set_text(f"N = {n:,} episodes per update, α = {alpha:.3g}")
        finals = ", ".join(f"{c[-1]:.2f}" for c in curves)
        text = (
            f"after {self.n_steps} updates (N = {n:,}, α = {alpha:.3g}, {self.runs} runs "
            f"from seed {seed}):\n"
            f"exact gradient ascent J = {exact[-1]:.2f}; REINFORCE runs J = {finals}\n"
            f"episodes used per run: {n * self.n_steps:,}"
        )
        alt = (
            f"Learning curves of the exact objective over {self.n_steps} updates, starting at "
            f"J = {self.j0:.2f}. Exact gradient ascent with step size {alpha:.3g} ends at "
            f"{exact[-1]:.2f}; {self.runs} REINFORCE runs with N = {n} episodes per update end "
            f"at {finals}."
        )
        return text, alt


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
    """REINFORCE learning curves with N and alpha sliders (chapter 6).

    Parameters
    ----------
    mdp : TabularMDP, optional
        Default :func:`pgtheory.chain_mdp`.
    theta0 : array_like(float), shape (S, A), optional
        Default zeros.
    n_episodes : int
        Initial episodes per update N (1 to 1,000).
    learning_rate : float
        Initial step size alpha (0.01 to 1).
    n_updates : int
        Updates K per run.
    rng : int
        Seed; the runs use the independent streams ``SeedSequence(rng).spawn(runs)``.
    runs : int
        Number of REINFORCE runs drawn (at most 6).
    estimator, baseline
        Passed to :func:`pgtheory.reinforce`.

    Returns
    -------
    ReinforceExplorer
    """
    return ReinforceExplorer(mdp, theta0, n_episodes, learning_rate, n_updates, rng, runs,
                             estimator, baseline)
