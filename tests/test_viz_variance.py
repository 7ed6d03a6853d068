"""Figures of book/baselines: each draws the numbers it is given, titled, labelled, legended."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from pgtheory.viz.variance import plot_estimate_histograms, plot_variance_bars  # noqa: E402


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def test_variance_bars_draw_exact_bars_and_empirical_points_on_a_log_axis() -> None:
    configurations = ["total return", "reward-to-go", "reward-to-go, b*"]
    exact = {"chain": [18.0, 13.0, 7.0], "random": [16.0, 7.5, 6.5]}
    empirical = {"chain": [18.1, 12.9, 7.1], "random": [16.2, 7.6, 6.4]}
    errors = {"chain": [0.2, 0.1, 0.05], "random": [0.1, 0.1, 0.1]}
    fig = plot_variance_bars(configurations, exact, empirical, errors)
    ax = fig.axes[0]
    assert ax.get_title() == (
        "Reward-to-go and baselines shrink the variance of the gradient estimate"
    )
    assert ax.get_yscale() == "log"
    assert "total variance" in ax.get_ylabel() and ax.get_xlabel() == "estimator and baseline"
    assert [t.get_text() for t in ax.get_xticklabels()] == configurations
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels[:2] == ["chain: exact", "empirical (100,000 episodes), ±2 SE"]
    assert labels[2] == "random: exact"
    # Bar heights are the exact values, MDP by MDP.
    heights = [p.get_height() for p in ax.patches]
    assert heights == exact["chain"] + exact["random"]
    # The points sit at the empirical values.
    points = [line for line in ax.get_lines() if line.get_marker() == "o"]
    np.testing.assert_allclose(np.asarray(points[0].get_ydata(), float), empirical["chain"])
    np.testing.assert_allclose(np.asarray(points[1].get_ydata(), float), empirical["random"])


def test_estimate_histograms_share_bins_and_mark_the_exact_value() -> None:
    rng = np.random.default_rng(0)
    estimates = {"wide": rng.normal(0.6, 0.3, 2000), "narrow": rng.normal(0.6, 0.1, 2000)}
    fig = plot_estimate_histograms(estimates, exact=0.6, n_episodes=20, bins=30)
    ax = fig.axes[0]
    assert ax.get_title() == "Same centre, narrower spread ($N = 20$ episodes per estimate)"
    assert "$\\hat g_N$" in ax.get_xlabel() and ax.get_ylabel() == "density"
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels[0] == f"wide (sd {estimates['wide'].std(ddof=1):.3f})"
    assert labels[1] == f"narrow (sd {estimates['narrow'].std(ddof=1):.3f})"
    assert labels[2] == "exact gradient +0.6000"
    # One step outline per estimator, each a density over the same bins.
    outlines = ax.patches
    assert len(outlines) == 2
    exact_line = [line for line in ax.get_lines() if line.get_linestyle() == "--"]
    assert exact_line[0].get_xdata()[0] == pytest.approx(0.6)
    # Each histogram integrates to 1: recompute from the shared bins.
    pooled = np.concatenate(list(estimates.values()))
    edges = np.linspace(pooled.min(), pooled.max(), 31)
    for values, outline in zip(estimates.values(), outlines, strict=True):
        density, _ = np.histogram(values, bins=edges, density=True)
        assert density.max() == pytest.approx(outline.get_path().vertices[:, 1].max())


def test_variance_bars_label_the_log_axis_with_plain_numbers() -> None:
    exact = {"a": [18.0, 6.5]}
    fig = plot_variance_bars(["x", "y"], exact, exact, {"a": [0.1, 0.1]})
    fig.canvas.draw()
    ax = fig.axes[0]
    bottom, top = ax.get_ylim()
    assert bottom == 1.0 and top == pytest.approx(72.0)
    shown = [t.get_text() for t in ax.get_yticklabels() if bottom <= t.get_position()[1] <= top]
    assert shown == ["1", "2", "5", "10", "20", "50"]


def test_estimate_histograms_accept_bin_edges() -> None:
    estimates = {"grid": np.array([0.0, 0.025, 0.05, 0.1])}
    fig = plot_estimate_histograms(estimates, exact=0.05, n_episodes=40,
                                   bins=np.arange(-0.0375, 0.2, 0.1))
    outline = fig.axes[0].patches[0]
    # Two bins of width 0.1 holding three and one of the four values: densities 7.5 and 2.5.
    heights = np.unique(np.round(outline.get_path().vertices[:, 1], 6))
    np.testing.assert_allclose(heights[heights > 0], [2.5, 7.5])
