"""The book's widgets, live: controls move the data of one figure, checked against the maths.

Controls are changed programmatically and the artists' data (histogram heights, line data,
bar heights) and the printed readout are read back and compared with independent
computations (exact variances by enumeration, finite differences, pg.reinforce). The displays
(picture, web frames, colours) are tested in tests/test_widgets_web.py.
"""

from __future__ import annotations

import inspect
import re

import numpy as np
import pytest

import pgtheory as pg
from pgtheory import viz
from pgtheory.viz.widgets import base
from pgtheory.viz.widgets import monte_carlo as nx
from pgtheory.viz.widgets.base import LRUCache, Slider

SD_LINE = re.compile(r"sd of the estimates\s+([0-9.e+-]+)")
PRED_LINE = re.compile(r"predicted σ_j/√N = .*\s([0-9.e+-]+)$", re.MULTILINE)
CHAIN = pg.chain_mdp()
UNIFORM = np.zeros((4, 2))
FACTORIES = {
    "n_explorer": lambda: viz.n_explorer(rng=0, n_episodes=10),
    "likelihood_ratio_explorer": lambda: viz.likelihood_ratio_explorer(),
    "reinforce_explorer": lambda: viz.reinforce_explorer(n_updates=5, runs=2),
    "baseline_explorer": lambda: viz.baseline_explorer(n_episodes=200),
}


def heights(view: object) -> np.ndarray:
    return np.array(view.bars.get_data().values)


# --- what every widget shares ---------------------------------------------------------------


@pytest.mark.parametrize("name", FACTORIES)
def test_each_control_is_declared_once_and_drives_the_state(name: str) -> None:
    widget = FACTORIES[name]()
    names = [d.name for d in widget.declarations]
    assert len(set(names)) == len(names)
    assert list(widget.inputs) == names, "one live control per declaration"
    assert set(widget.state()) == set(names)
    assert set(inspect.signature(widget.draw).parameters) == {"view", *names}
    for declaration in widget.declarations:
        control, values = declaration.web()
        if control is not None:  # the web control is the declaration's, with its grid
            assert control.name == declaration.name and control.label == declaration.label
            assert len(control.options) == len(values)


@pytest.mark.parametrize("name", FACTORIES)
def test_sliders_are_wide_and_labels_sit_above_them(name: str) -> None:
    widget = FACTORIES[name]()
    for declaration in widget.declarations:
        control = widget.inputs[declaration.name]
        assert control.style.description_width != "initial"
        if isinstance(declaration, Slider):
            assert control.layout.width == base.SLIDER_WIDTH
            assert len(control.description) <= 3, "long labels go above the slider"
    labels = [box.children[0].value for box in widget.children[1].children]
    assert labels == [d.label for d in widget.declarations]


@pytest.mark.parametrize("name", FACTORIES)
def test_moving_any_control_redraws_the_same_figure(name: str) -> None:
    widget = FACTORIES[name]()
    figure = widget.view.figure
    for declaration in widget.declarations:
        control = widget.inputs[declaration.name]
        before = (widget.image.value, widget.readout.value)
        if isinstance(declaration, Slider):
            control.value = declaration.grid[-1] if declaration.value != declaration.grid[-1] \
                else declaration.grid[0]
        elif isinstance(declaration, base.Choice):
            control.value = [k for k, _ in declaration.options if k != control.value][0]
        else:
            control.value += 1
        assert widget.view.figure is figure, "a new figure was made"
        assert (widget.image.value, widget.readout.value) != before, declaration.name


def test_lru_cache_is_bounded_and_keeps_the_recently_used() -> None:
    cache, made = LRUCache(2), []

    def make(key: str) -> str:
        made.append(key)
        return key.upper()

    assert cache.get("a", lambda: make("a")) == "A"
    cache.get("b", lambda: make("b"))
    cache.get("a", lambda: make("a"))  # a is now the most recent
    cache.get("c", lambda: make("c"))  # drops b
    assert len(cache) == 2 and made == ["a", "b", "c"]
    cache.get("a", lambda: make("a"))
    cache.get("b", lambda: make("b"))
    assert made == ["a", "b", "c", "b"]


def test_bad_arguments_are_rejected() -> None:
    with pytest.raises(ValueError, match=r"coordinate\[0\]"):
        viz.n_explorer(coordinate=(9, 0))
    with pytest.raises(ValueError, match="baseline"):
        viz.n_explorer(baseline="average")
    with pytest.raises(ValueError, match="estimator"):
        viz.baseline_explorer(estimator="vanilla")
    with pytest.raises(TypeError, match="rng must be an int seed"):
        viz.n_explorer(rng=np.random.default_rng(0))
    with pytest.raises(ValueError, match="runs must be between 1 and 6"):
        viz.reinforce_explorer(runs=7)
    with pytest.raises(ValueError, match="n_episodes must lie in"):
        viz.n_explorer(n_episodes=20_000)
    with pytest.raises(TypeError, match="positional"):
        viz.n_explorer(None, None, (0, 0), 0)  # options are keyword-only


# --- the N explorer -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def explorer() -> nx.NExplorer:
    return viz.n_explorer(CHAIN, UNIFORM, coordinate=(0, 0), rng=0, n_episodes=10)


def test_n_slider_changes_histogram_image_and_text(explorer: nx.NExplorer) -> None:
    slider = explorer.inputs["n_episodes"]
    slider.value = 10
    before = (heights(explorer.view), explorer.image.value, explorer.readout.value)
    slider.value = 1000
    after = (heights(explorer.view), explorer.image.value, explorer.readout.value)
    assert not np.array_equal(before[0], after[0]), "histogram heights did not change"
    assert before[1] != after[1] and before[2] != after[2]
    assert explorer.current.text.startswith("N = 1,000: ")


def test_histogram_visibly_narrows_on_a_fixed_axis(explorer: nx.NExplorer) -> None:
    widths = {}
    for n in (10, 100, 1000):
        explorer.inputs["n_episodes"].value = n
        occupied = np.flatnonzero(heights(explorer.view) > 0.001)
        widths[n] = (explorer.view.ax.get_xlim(), occupied[-1] - occupied[0])
    assert widths[10][0] == widths[100][0] == widths[1000][0], "the x-axis moved with N"
    assert widths[10][1] > 2 * widths[100][1] > 4 * widths[1000][1], widths


def test_prediction_is_the_exact_one_episode_variance_over_n(explorer: nx.NExplorer) -> None:
    variance = pg.exact_estimator_variance(CHAIN, UNIFORM)[0, 0]
    explorer.inputs["n_episodes"].value = 100
    predicted = float(PRED_LINE.search(explorer.current.text).group(1))
    assert predicted == pytest.approx(np.sqrt(variance / 100), rel=1e-3)  # 4 digits printed
    assert explorer.view.band.get_width() / 2 == pytest.approx(np.sqrt(variance / 100))
    assert "σ_j" in explorer.current.text and "σ₁" not in explorer.current.text


def test_empirical_sd_matches_the_exact_prediction(explorer: nx.NExplorer) -> None:
    # 5,000 estimates at N = 100: the sample sd has relative standard error about
    # 1/sqrt(2 x 4,999) = 1 %; 5 % is five of them (false-alarm rate below 1e-6).
    explorer.inputs["n_episodes"].value = 100
    empirical = float(SD_LINE.search(explorer.current.text).group(1))
    exact = np.sqrt(pg.exact_estimator_variance(CHAIN, UNIFORM)[0, 0] / 100)
    assert empirical == pytest.approx(exact, rel=0.05)


def test_histogram_is_centred_on_the_exact_gradient(explorer: nx.NExplorer) -> None:
    means = explorer.estimates(100, 0, "total_return", "none")
    standard_error = means.std(ddof=1) / np.sqrt(len(means))
    assert abs(means.mean() - explorer.exact) < 5 * standard_error  # false alarm < 1e-6


def test_optimal_baseline_is_the_exact_b_star_at_every_n(explorer: nx.NExplorer) -> None:
    b_star = pg.optimal_baseline(CHAIN, UNIFORM)[0, 0]
    assert explorer.baselines[("total_return", "exact_optimal")] == pytest.approx(b_star)
    explorer.inputs["n_episodes"].value = 1
    explorer.inputs["baseline"].value = "exact_optimal"
    assert f"b*_j = {b_star:.4g}: exact" in explorer.current.text
    variance = pg.exact_estimator_variance(CHAIN, UNIFORM, baseline=float(b_star))[0, 0]
    assert explorer.predicted_sd(1, "total_return", "exact_optimal") == pytest.approx(
        np.sqrt(variance))
    assert variance < pg.exact_estimator_variance(CHAIN, UNIFORM)[0, 0]
    explorer.inputs["baseline"].value = "none"


def test_estimator_baseline_and_seed_change_the_histogram(explorer: nx.NExplorer) -> None:
    explorer.inputs["n_episodes"].value = 10
    plain = heights(explorer.view)
    explorer.inputs["estimator"].value = "reward_to_go"
    assert not np.array_equal(plain, heights(explorer.view))
    assert "reward-to-go" in explorer.view.title.get_text()
    explorer.inputs["estimator"].value = "total_return"
    explorer.inputs["rng"].value = 1
    assert not np.array_equal(plain, heights(explorer.view))
    explorer.inputs["rng"].value = 0
    assert np.array_equal(plain, heights(explorer.view)), "seed 0 did not come back"
    assert len(explorer.pools) <= nx.MAX_POOLS


# --- the likelihood-ratio explorer ----------------------------------------------------------


def test_likelihood_ratio_bars_show_the_identity() -> None:
    widget = viz.likelihood_ratio_explorer(means=(0.0, 0.5, 1.0))
    view = widget.view
    for theta0, wrt in ((0.0, 0), (1.7, 0), (-2.0, 2)):
        widget.inputs["theta0"].value, widget.inputs["wrt"].value = theta0, wrt
        grad = np.array([b.get_height() for b in view.grad_bars])
        score = np.array([b.get_height() for b in view.score_bars])
        pi = np.array([b.get_height() for b in view.pi_bars])
        theta = np.array([[theta0, 0.0, 0.0]])
        assert np.allclose(pi, pg.softmax_policy(theta)[0])
        # d pi(a) / d theta_j = pi(a) (1[a = j] - pi(j)), the softmax Jacobian in closed form
        closed_form = pi * ((np.arange(3) == wrt) - pi[wrt])
        assert np.allclose(grad, closed_form, atol=1e-9) and np.allclose(score, closed_form)
    assert widget.inputs["theta0"].value == -2.0


# --- the REINFORCE explorer -----------------------------------------------------------------


def test_reinforce_explorer_draws_exact_ascent_and_runs() -> None:
    widget = viz.reinforce_explorer(n_episodes=10, learning_rate=0.1, n_updates=20, rng=0,
                                    runs=2)
    view = widget.view
    exact = pg.exact_gradient_ascent(CHAIN, UNIFORM, 20, 0.1)
    assert np.allclose(view.exact_line.get_ydata(), exact.expected_returns)
    first_stream = np.random.SeedSequence(0).spawn(2)[0]
    run = pg.reinforce(CHAIN, UNIFORM, 10, 20, 0.1, rng=first_stream)
    assert np.allclose(view.run_lines[0].get_ydata(), run.expected_returns)
    widget.inputs["learning_rate"].value = 0.3
    exact = pg.exact_gradient_ascent(CHAIN, UNIFORM, 20, 0.3)
    assert np.allclose(view.exact_line.get_ydata(), exact.expected_returns)
    assert "α = 0.3" in widget.current.text


def test_reinforce_axis_and_reference_use_the_books_words() -> None:
    widget = viz.reinforce_explorer(n_updates=5)
    ax = widget.view.figure.axes[0]
    assert ax.get_xlabel() == "update $k$"
    labels = [t.get_text() for t in widget.view.figure.legends[0].get_texts()]
    assert "best stationary policy $J^\\star = 7.29$" in labels
    assert not any("deterministic" in label for label in labels)
    assert [line.get_color() for line in widget.view.run_lines][:3] == [
        viz.PALETTE[0], viz.PALETTE[1], viz.PALETTE[2]]


# --- the baseline explorer ------------------------------------------------------------------


@pytest.fixture(scope="module")
def baselines() -> object:
    return viz.baseline_explorer(CHAIN, UNIFORM, coordinate=(0, 0), rng=0, n_episodes=2000)


def _variance_by_enumeration(estimator: str, b: float) -> float:
    """Var[g_j] over every trajectory: probabilities times squared deviations."""
    trajectories, probabilities = pg.enumerate_trajectories(CHAIN, UNIFORM)
    g = pg.episode_gradients(CHAIN, UNIFORM, trajectories, estimator=estimator,
                             baseline=b)[:, 0, 0]
    mean = probabilities @ g
    return float(probabilities @ (g - mean) ** 2)


def test_exact_curve_is_the_variance_by_enumeration(baselines: object) -> None:
    for estimator in ("total_return", "reward_to_go"):
        baselines.inputs["estimator"].value = estimator
        b, curve = baselines.view.b, baselines.view.exact.get_ydata()
        for i in (0, 40, 80):
            assert curve[i] == pytest.approx(_variance_by_enumeration(estimator, b[i]),
                                             rel=1e-9)


def test_exact_curve_is_lowest_at_b_star(baselines: object) -> None:
    for estimator in ("total_return", "reward_to_go"):
        baselines.inputs["estimator"].value = estimator
        b_star = pg.optimal_baseline(CHAIN, UNIFORM, estimator=estimator)[0, 0]
        assert baselines.view.optimal.get_xdata()[0] == pytest.approx(b_star)
        at_star = _variance_by_enumeration(estimator, b_star)
        for step in (-0.05, 0.05):  # a parabola: higher on both sides
            assert _variance_by_enumeration(estimator, b_star + step) > at_star
        assert min(baselines.view.exact.get_ydata()) >= at_star - 1e-12


def test_sample_variance_follows_the_exact_curve(baselines: object) -> None:
    # 2,000 episodes: the sample variance's relative standard error is about
    # sqrt((kurtosis - 1) / N), < 6 % here; 25 % is over four of them at every one of the
    # three b checked (false-alarm rate below 1e-4 for the three together).
    baselines.inputs["estimator"].value = "total_return"
    exact, sampled = baselines.view.exact.get_ydata(), baselines.view.sampled.get_ydata()
    for i in (0, 40, 80):
        assert sampled[i] == pytest.approx(exact[i], rel=0.25)
    # the curve is the parabola through three b; off those b it is still the sample variance
    for i in (13, 57):
        direct = baselines.sample_estimates(0, "total_return", float(baselines.view.b[i]))
        assert sampled[i] == pytest.approx(direct.var(ddof=1), rel=1e-9)


def test_b_slider_moves_the_point_along_the_curve(baselines: object) -> None:
    slider = baselines.inputs["baseline"]
    for b in (slider.min, 1.0, slider.max):
        slider.value = b
        x, y = baselines.view.point.get_data()
        assert x[0] == pytest.approx(b)
        assert y[0] == pytest.approx(_variance_by_enumeration("total_return", b), rel=1e-9)
    assert "exact variance of g_j" in baselines.current.text


def test_web_grid_contains_zero_j_and_both_b_star(baselines: object) -> None:
    grid = next(d for d in baselines.declarations if d.name == "baseline").grid
    specials = [0.0, pg.expected_return(CHAIN, UNIFORM),
                *(pg.optimal_baseline(CHAIN, UNIFORM, estimator=e)[0, 0]
                  for e in ("total_return", "reward_to_go"))]
    for value in specials:
        assert min(abs(np.array(grid) - value)) < 1e-6
    assert list(grid) == sorted(grid)


def test_baseline_explorer_starts_where_asked() -> None:
    widget = viz.baseline_explorer(baseline="exact_optimal", estimator="reward_to_go",
                                   n_episodes=50)
    b_star = pg.optimal_baseline(CHAIN, UNIFORM, estimator="reward_to_go")[0, 0]
    assert widget.state()["baseline"] == pytest.approx(b_star)
    with pytest.raises(ValueError, match="must lie in"):
        viz.baseline_explorer(baseline=1e6)
    with pytest.raises(ValueError, match="at least 2"):
        viz.baseline_explorer(n_episodes=1)
