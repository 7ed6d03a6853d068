"""Figures of the LQR chapter: learning curves and variance against sigma, as given."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

import pgtheory as pg  # noqa: E402
from pgtheory import viz  # noqa: E402


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def _history(gains, costs):
    gains = np.asarray(gains, dtype=float).reshape(-1, 1, 2)
    k = len(costs) - 1
    return pg.LQRTrainingHistory(gains=gains, costs=costs, gradients=np.zeros((k, 1, 2)),
                                 standard_errors=np.zeros((k, 1, 2)),
                                 sampled_costs=np.zeros(k))


def test_learning_curves_draw_costs_and_relative_errors():
    optimal = np.array([[3.0, 4.0]])  # norm 5
    runs = [_history([[0, 0], [3, 4], [3, 4]], [9.0, 5.0, 5.0]),
            _history([[0, 0], [0, 4], [3, 4]], [9.0, 7.0, 5.0])]
    exact = _history([[0, 0], [3, 0], [3, 4]], [9.0, 6.0, 5.0])
    fig = viz.plot_lqr_learning_curves({"REINFORCE": runs}, {"exact": exact}, optimal, 5.0,
                                       title="T")
    left, right = fig.axes
    assert fig._suptitle.get_text() == "T"
    assert left.get_xlabel() == "update $k$" and "C(K_k)" in left.get_ylabel()
    assert "K^\\star" in right.get_ylabel() and right.get_yscale() == "log"
    assert left.get_xscale() == "symlog"
    median, reference, level = left.get_lines()
    np.testing.assert_array_equal(median.get_ydata(), [9.0, 6.0, 5.0])
    np.testing.assert_array_equal(reference.get_ydata(), [9.0, 6.0, 5.0])
    assert list(level.get_ydata()) == [5.0, 5.0]
    median, reference = right.get_lines()
    # errors: run 1 (1, 0, 0), run 2 (1, 0.6, 0); exact (1, 0.8, 0)
    np.testing.assert_allclose(median.get_ydata(), [1.0, 0.3, 0.0])
    np.testing.assert_allclose(reference.get_ydata(), [1.0, 0.8, 0.0])
    labels = [t.get_text() for t in left.get_legend().get_texts()]
    assert labels == ["REINFORCE (median, range of 2 seeds)", "exact",
                      r"optimal cost $C(K^\star)$"]


def test_variance_figure_draws_lines_and_markers_on_log_axes():
    sigma = np.array([0.1, 1.0])
    fig = viz.plot_variance_against_std(
        {"closed": (sigma, 1 / sigma**2)},
        {"sampled": (sigma, np.array([90.0, 1.1]), np.array([5.0, 0.1]), 0)}, title="V")
    ax = fig.axes[0]
    assert ax.get_title() == "V" and ax.get_xscale() == "log" and ax.get_yscale() == "log"
    assert "sigma" in ax.get_xlabel() and "variance" in ax.get_ylabel()
    np.testing.assert_allclose(ax.get_lines()[0].get_ydata(), [100.0, 1.0])
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["closed", "sampled"]
    markers = [line for line in ax.get_lines() if line.get_marker() not in (None, "None", "")]
    np.testing.assert_allclose(markers[0].get_ydata(), [90.0, 1.1])
    assert markers[0].get_color() == ax.get_lines()[0].get_color()
