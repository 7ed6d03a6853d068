"""The book's widgets: controls move the data of one figure; the web fallback has every frame.

Live behaviour is checked by changing widget values programmatically and reading back the
artists' data (histogram heights, line data, bar heights) and the printed text. The static
fallback is checked by parsing the text/html of the mimebundle: one frame per combination of
control values, labelled controls, alt text, and identical HTML for identical seeds.
"""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pytest
import yaml

import pgtheory as pg
from pgtheory.viz import widgets as W
from pgtheory.viz.static import Control, Frame, frames_html

ROOT = Path(__file__).resolve().parents[1]
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
STD_LINE = re.compile(r"empirical std of the estimates:\s*([0-9.e+-]+)")
PRED_LINE = re.compile(r"predicted σ₁/√N = .*: ([0-9.e+-]+)")


class _Elements(HTMLParser):
    """Start tags of an HTML fragment, and the text of its JSON frame script."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str]]] = []
        self.frames_json = ""
        self._in_frames = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        self.tags.append((tag, a))
        self._in_frames = tag == "script" and "pgw-frames" in a.get("class", "")

    def handle_endtag(self, tag: str) -> None:
        self._in_frames = False

    def handle_data(self, data: str) -> None:
        if self._in_frames:
            self.frames_json += data

    def find(self, tag: str, **attrs: str) -> list[dict[str, str]]:
        return [a for t, a in self.tags if t == tag and all(a.get(k) == v for k, v in
                                                            attrs.items())]


def parse(html: str) -> _Elements:
    parser = _Elements()
    parser.feed(html)
    return parser


def heights(view: object) -> np.ndarray:
    return np.array(view.bars.get_data().values)


# --- the N explorer, live -------------------------------------------------------------------


@pytest.fixture(scope="module")
def explorer() -> W.NExplorer:
    return W.n_explorer(pg.chain_mdp(), np.zeros((4, 2)), coordinate=(0, 0), rng=0, n_episodes=10)


def test_n_slider_changes_histogram_image_and_text_of_the_same_figure(
    explorer: W.NExplorer,
) -> None:
    explorer.n_slider.value = 10
    figure, bars = explorer.view.figure, explorer.view.bars
    before = (heights(explorer.view), explorer.image.value, explorer.readout.value)
    explorer.n_slider.value = 1000
    after = (heights(explorer.view), explorer.image.value, explorer.readout.value)
    assert explorer.view.figure is figure and explorer.view.bars is bars, "a new figure was made"
    assert not np.array_equal(before[0], after[0]), "histogram heights did not change"
    assert before[1] != after[1], "the image did not change"
    assert before[2] != after[2], "the printed text did not change"
    assert "N = 1,000 episodes" in explorer.text


def test_histogram_visibly_narrows_on_a_fixed_axis(explorer: W.NExplorer) -> None:
    """The reader must SEE the spread shrink: same x-axis at every N, fewer occupied bins."""
    widths = {}
    for n in (10, 100, 1000):
        explorer.n_slider.value = n
        limits = explorer.view.ax.get_xlim()
        occupied = np.flatnonzero(heights(explorer.view) > 0.001)
        widths[n] = (limits, occupied[-1] - occupied[0])
    assert widths[10][0] == widths[100][0] == widths[1000][0], "the x-axis moved with N"
    assert widths[10][1] > 2 * widths[100][1] > 4 * widths[1000][1], widths


def test_prediction_shrinks_by_sqrt_10_when_n_grows_tenfold(explorer: W.NExplorer) -> None:
    explorer.n_slider.value = 100
    predicted_100 = float(PRED_LINE.search(explorer.text).group(1))
    explorer.n_slider.value = 1000
    predicted_1000 = float(PRED_LINE.search(explorer.text).group(1))
    # printed with 4 significant digits
    assert predicted_100 / predicted_1000 == pytest.approx(np.sqrt(10), rel=1e-3)
    band = explorer.view.band.get_width() / 2
    assert band == pytest.approx(explorer.predicted_std(1000, "total_return", "none"))


def test_empirical_std_matches_the_exact_prediction(explorer: W.NExplorer) -> None:
    # 10,000 estimates at N = 100: the sample std has relative standard error
    # 1/sqrt(2 (R - 1)) ~ 0.7% (plus a little from the kurtosis of the mean of 100); a
    # tolerance of 5% is several standard errors (false-alarm rate well below 1e-4), and is
    # still far tighter than the factor sqrt(10) between neighbouring decades.
    explorer.n_slider.value = 100
    empirical = float(STD_LINE.search(explorer.text).group(1))
    exact = np.sqrt(pg.exact_estimator_variance(pg.chain_mdp(), np.zeros((4, 2)),
                                                estimator="total_return")[0, 0] / 100)
    assert empirical == pytest.approx(exact, rel=0.05)


def test_histogram_is_centred_on_the_exact_gradient(explorer: W.NExplorer) -> None:
    explorer.n_slider.value = 100
    pool = W.gradient_pool(explorer.mdp, explorer.theta, (0, 0), 0, "total_return", None)
    means = W.batch_means(pool, 100)
    standard_error = means.std(ddof=1) / np.sqrt(len(means))
    # 5 standard errors: false-alarm rate below 1e-6
    assert abs(means.mean() - explorer.exact) < 5 * standard_error


def test_estimator_and_baseline_change_the_histogram(explorer: W.NExplorer) -> None:
    explorer.n_slider.value = 10
    explorer.estimator.value, explorer.baseline.value = "total_return", "none"
    plain = heights(explorer.view)
    explorer.baseline.value = "optimal"
    optimal = heights(explorer.view)
    assert not np.array_equal(plain, optimal)
    assert explorer.predicted_std(10, "total_return", "optimal") < explorer.predicted_std(
        10, "total_return", "none"), "the optimal baseline should lower the variance"
    explorer.estimator.value = "reward_to_go"
    assert not np.array_equal(optimal, heights(explorer.view))
    assert "reward-to-go" in explorer.view.title.get_text()
    explorer.estimator.value, explorer.baseline.value = "total_return", "none"


def test_seed_changes_the_pool(explorer: W.NExplorer) -> None:
    explorer.n_slider.value = 10
    before = heights(explorer.view)
    explorer.seed_box.value = 1
    assert not np.array_equal(before, heights(explorer.view))
    explorer.seed_box.value = 0
    assert np.array_equal(before, heights(explorer.view)), "seed 0 did not come back"


def test_batch_means_are_block_means() -> None:
    pool = np.arange(12.0)
    assert np.array_equal(W.batch_means(pool, 4), [1.5, 5.5, 9.5])
    assert len(W.batch_means(pool, 1, max_batches=5)) == 5
    with pytest.raises(ValueError, match="pool size"):
        W.batch_means(pool, 13)


def test_bad_arguments_are_rejected() -> None:
    with pytest.raises(ValueError, match="coordinate"):
        W.n_explorer(coordinate=(9, 0))
    with pytest.raises(ValueError, match="baseline"):
        W.n_explorer(baseline="average")


# --- the N explorer, static -----------------------------------------------------------------


@pytest.fixture(scope="module")
def bundle() -> dict:
    return W.n_explorer(rng=0, n_episodes=100)._repr_mimebundle_()


def test_mimebundle_has_widget_view_and_static_html(bundle: dict) -> None:
    assert WIDGET_VIEW in bundle and "model_id" in bundle[WIDGET_VIEW]
    assert "text/html" in bundle
    assert bundle["text/plain"].startswith("NExplorer")


def test_static_html_has_every_frame_and_labelled_controls(bundle: dict) -> None:
    page = parse(bundle["text/html"])
    frames = json.loads(page.frames_json)
    assert len(frames) == len(W.N_GRID) * len(W.ESTIMATORS) * len(W.BASELINES) == 78
    assert all(f["src"].startswith("data:image/png;base64,") and f["alt"] and f["text"]
               for f in frames.values())
    ranges = page.find("input", type="range")
    selects = page.find("select")
    assert len(ranges) == 1 and len(selects) == 2
    assert ranges[0]["max"] == str(len(W.N_GRID) - 1)
    for control in ranges + selects:
        assert page.find("label", **{"for": control["id"]}), f"{control['id']} has no label"
    # the initial frame is N = 100, total return, no baseline; its image is shown first
    assert ranges[0]["value"] == str(W.N_GRID.index(100))
    image = page.find("img")[0]
    assert image["src"] == frames["6-0-0"]["src"] and image["alt"] == frames["6-0-0"]["alt"]
    assert "N = 100 episodes" in frames["6-0-0"]["text"]
    # neighbouring frames differ in image and printed std
    assert frames["6-0-0"]["src"] != frames["7-0-0"]["src"]
    assert STD_LINE.search(frames["6-0-0"]["text"]).group(1) != STD_LINE.search(
        frames["7-0-0"]["text"]).group(1)


def test_static_html_is_deterministic_for_a_fixed_seed(bundle: dict) -> None:
    W._POOLS.clear()  # recompute the pools too, not just the figures
    again = W.n_explorer(rng=0, n_episodes=100)._repr_mimebundle_()
    assert again["text/html"] == bundle["text/html"]
    assert again["text/plain"] == bundle["text/plain"]


def test_static_html_depends_on_the_seed(bundle: dict) -> None:
    other = W.n_explorer(rng=1, n_episodes=100).static_html()
    assert other != bundle["text/html"]


def test_static_frames_are_small(bundle: dict) -> None:
    # a chapter page must stay under 3 MB with everything on it; one explorer gets ~1 MB
    assert len(bundle["text/html"]) < 1_200_000


# --- variance against N ---------------------------------------------------------------------


def test_variance_plot_follows_one_over_n() -> None:
    widget = W.variance_vs_n(rng=0)
    view = widget.view
    variance = widget.variance[("total_return", "none")]
    assert np.allclose(view.theory.get_ydata(), variance / np.array(W.N_GRID))
    empirical = np.asarray(view.empirical.get_ydata())
    assert np.array_equal(empirical, widget.empirical_variances(0, "total_return", "none"))
    slope = np.polyfit(np.log(W.N_GRID), np.log(empirical), 1)[0]
    # at least 100 estimates per N: the slope's error is a few hundredths
    assert slope == pytest.approx(-1.0, abs=0.1)
    figure = view.figure
    widget.baseline.value = "optimal"
    assert view.figure is figure
    assert np.allclose(view.theory.get_ydata(),
                       widget.variance[("total_return", "optimal")] / np.array(W.N_GRID))
    assert not np.array_equal(empirical, view.empirical.get_ydata())
    frames = json.loads(parse(widget.static_html()).frames_json)
    assert len(frames) == len(W.ESTIMATORS) * len(W.BASELINES)


# --- the likelihood-ratio explorer ----------------------------------------------------------


def test_likelihood_ratio_bars_show_the_identity() -> None:
    widget = W.likelihood_ratio_explorer(means=(0.0, 0.5, 1.0))
    view = widget.view
    for theta0, wrt in ((0.0, 0), (1.7, 0), (-2.0, 2)):
        widget.theta_slider.value, widget.wrt.value = theta0, wrt
        grad = np.array([b.get_height() for b in view.grad_bars])
        score = np.array([b.get_height() for b in view.score_bars])
        pi = np.array([b.get_height() for b in view.pi_bars])
        theta = np.array([[theta0, 0.0, 0.0]])
        assert np.allclose(pi, pg.softmax_policy(theta)[0])
        assert np.allclose(grad, score, atol=1e-8), "grad pi != pi grad log pi"
        assert grad.sum() == pytest.approx(0.0, abs=1e-8), "probabilities must still sum to 1"
    frames = json.loads(parse(widget.static_html()).frames_json)
    assert len(frames) == len(W.THETA_GRID) * 3


def test_likelihood_ratio_slider_moves_the_bars() -> None:
    widget = W.likelihood_ratio_explorer()
    before = [b.get_height() for b in widget.view.pi_bars]
    widget.theta_slider.value = 2.0
    after = [b.get_height() for b in widget.view.pi_bars]
    assert after[0] > before[0] and after[1] < before[1]


# --- the REINFORCE explorer -----------------------------------------------------------------


def test_reinforce_explorer_draws_exact_ascent_and_runs() -> None:
    widget = W.reinforce_explorer(n_episodes=10, learning_rate=0.1, n_updates=20, rng=0, runs=2)
    view = widget.view
    exact = pg.exact_gradient_ascent(pg.chain_mdp(), np.zeros((4, 2)), 20, 0.1)
    assert np.allclose(view.exact_line.get_ydata(), exact.expected_returns)
    first_stream = np.random.SeedSequence(0).spawn(2)[0]
    run = pg.reinforce(pg.chain_mdp(), np.zeros((4, 2)), 10, 20, 0.1, rng=first_stream)
    assert np.allclose(view.run_lines[0].get_ydata(), run.expected_returns)
    before = [np.array(line.get_ydata()) for line in view.run_lines]
    widget.n_slider.value = 100
    assert view.figure is widget.view.figure
    assert not any(np.array_equal(b, line.get_ydata())
                   for b, line in zip(before, view.run_lines, strict=True))
    widget.alpha_slider.value = 0.3
    exact = pg.exact_gradient_ascent(pg.chain_mdp(), np.zeros((4, 2)), 20, 0.3)
    assert np.allclose(view.exact_line.get_ydata(), exact.expected_returns)
    assert "α = 0.3" in widget.text


# --- the static machinery and the configuration ---------------------------------------------


def test_frames_html_requires_every_combination() -> None:
    controls = [Control("n", "N", ("1", "2"), "range"), Control("e", "E", ("a", "b"))]
    frame = Frame(b"png", "alt", "text")
    with pytest.raises(ValueError, match="every combination"):
        frames_html("t", controls, {(0, 0): frame, (1, 0): frame, (0, 1): frame})


def test_frames_html_escapes_script_end_tags() -> None:
    controls = [Control("n", "N", ("1",), "range")]
    html = frames_html("t", controls, {(0,): Frame(b"png", "a </script> b", "</script>")})
    assert html.count("</script>") == 1
    assert json.loads(parse(html).frames_json)["0"]["text"] == "</script>"


def test_html_builder_prefers_the_static_fallback() -> None:
    from myst_nb.core.render import get_mime_priority

    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    overrides = [tuple(o) for o in config["sphinx"]["config"]["nb_mime_priority_overrides"]]
    priority = get_mime_priority("html", overrides)
    assert priority.index("text/html") < priority.index(WIDGET_VIEW)
    assert (ROOT / "_static" / "pgwidgets.js").is_file()
    assert (ROOT / "_static" / "pgwidgets.css").is_file()
