"""Figures of chapter 5: each draws the numbers it is given, titled, labelled and with a legend."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from pgtheory import viz  # noqa: E402


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def test_histogram_draws_estimates_exact_line_and_normal_curve() -> None:
    estimates = np.random.default_rng(0).normal(-0.6, 0.2, size=500)
    fig = viz.plot_estimate_histogram(estimates, exact=-0.6, exact_variance=4.0, n_episodes=100)
    ax = fig.axes[0]
    assert ax.get_title() == "Monte Carlo estimates centre on the exact gradient ($N = 100$)"
    assert "N" in ax.get_xlabel() and ax.get_ylabel() == "density"
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert any("exact gradient -0.6000" in lab for lab in labels)
    assert any(f"{estimates.mean():+.4f}" in lab for lab in labels)
    # The bars hold all M estimates: density * width sums to 1.
    heights = np.array([p.get_height() for p in ax.patches])
    widths = np.array([p.get_width() for p in ax.patches])
    assert np.isclose((heights * widths).sum(), 1.0)
    # The normal curve has mean `exact` and standard deviation sqrt(4 / 100) = 0.2.
    curve = ax.get_lines()[0]
    x, y = curve.get_xdata(), curve.get_ydata()
    assert np.isclose(x[np.argmax(y)], -0.6, atol=0.01)
    assert np.isclose(y.max(), 1 / (0.2 * np.sqrt(2 * np.pi)), rtol=1e-3)


def test_standard_deviation_plot_has_exact_line_of_slope_minus_half() -> None:
    n = np.array([1, 10, 100, 1000])
    measured = np.array([2.0, 0.7, 0.2, 0.06])
    fig = viz.plot_standard_deviation(n, measured, exact_variance=4.0)
    ax = fig.axes[0]
    assert ax.get_xscale() == "log" and ax.get_yscale() == "log"
    assert ax.get_title() and "$N$" in ax.get_xlabel() and "standard deviation" in ax.get_ylabel()
    assert len(ax.get_legend().get_texts()) == 2
    line, points = ax.get_lines()
    x, y = line.get_xdata(), line.get_ydata()
    slope = np.polyfit(np.log(x), np.log(y), 1)[0]
    assert np.isclose(slope, -0.5)
    assert np.isclose(y[0], 2.0)  # sqrt(4 / 1)
    np.testing.assert_array_equal(points.get_xdata(), n)
    np.testing.assert_array_equal(points.get_ydata(), measured)
