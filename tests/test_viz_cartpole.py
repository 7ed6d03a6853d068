"""Tests for pgtheory.viz.cartpole: titles, labels, legends and the plotted data."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from pgtheory.cartpole import moving_average  # noqa: E402
from pgtheory.viz.cartpole import gradient_check_figure, learning_curves_figure  # noqa: E402


def test_learning_curves_plot_each_seed_the_median_and_the_threshold():
    rng = np.random.default_rng(0)
    runs = [rng.uniform(0, 500, size=150) for _ in range(3)]
    fig = learning_curves_figure(runs)
    ax = fig.axes[0]
    assert ax.get_title() == "REINFORCE with a linear softmax policy on CartPole-v1"
    assert ax.get_xlabel() == "episodes played" and "mean return" in ax.get_ylabel()
    assert "$k" not in ax.get_xlabel() + ax.get_ylabel()  # k counts updates in this book
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend == ["range over 3 seeds", "individual seeds", "median over seeds",
                      "solved: 475"]
    lines = ax.get_lines()
    seeds = [line for line in lines if line.get_linewidth() == 0.8]
    assert len(seeds) == 3
    assert np.allclose(seeds[1].get_ydata(), moving_average(runs[1]))
    assert np.array_equal(seeds[0].get_xdata(), np.arange(100, 151))
    median = next(line for line in lines if line.get_label() == "median over seeds")
    assert np.allclose(median.get_ydata(), np.median([moving_average(r) for r in runs], axis=0))
    threshold = next(line for line in lines if line.get_label() == "solved: 475")
    assert np.allclose(threshold.get_ydata(), 475)
    plt.close(fig)


def test_gradient_check_plots_exact_and_estimate_with_two_standard_errors():
    exact = np.array([0.1, -0.2, 0.3])
    estimate = np.array([0.12, -0.18, 0.29])
    se = np.array([0.01, 0.02, 0.03])
    fig = gradient_check_figure(exact, estimate, se, ["a", "b", "c"])
    ax = fig.axes[0]
    assert "exact gradient" in ax.get_title()
    assert ax.get_xlabel() == r"coordinate $\theta[s, a]$" and ax.get_ylabel() == "gradient"
    assert len(ax.get_legend().get_texts()) == 2
    assert np.allclose(ax.collections[0].get_offsets()[:, 1], exact)
    container = ax.containers[0]
    assert np.allclose(container.lines[0].get_ydata(), estimate)
    segments = container.lines[2][0].get_segments()
    assert np.allclose([s[1, 1] - s[0, 1] for s in segments], 4 * se)
    assert [t.get_text() for t in ax.get_xticklabels()] == ["a", "b", "c"]
    plt.close(fig)
