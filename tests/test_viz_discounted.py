"""Figure of book/discounted: the short corridor's J(p) with marked policies."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from pgtheory.viz.discounted import plot_corridor_objective  # noqa: E402


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def test_curve_and_marks_are_drawn_with_labels() -> None:
    p = np.linspace(0.05, 0.95, 19)
    returns = -2 * (2 - p) / (p * (1 - p))
    fig = plot_corridor_objective(p, returns, {"best": (0.586, -11.66), "greedy": (0.95, -44.2)})
    ax = fig.axes[0]
    curve, best, greedy = ax.get_lines()
    np.testing.assert_allclose(curve.get_xdata(), p)
    np.testing.assert_allclose(curve.get_ydata(), returns)
    assert best.get_xdata()[0] == 0.586 and greedy.get_ydata()[0] == -44.2
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels[1] == "best: $p = 0.59$, $J = -11.7$"
    assert ax.get_title() and ax.get_xlabel() and ax.get_ylabel()
    assert ax.get_ylim() == (-100.0, 0.0)


def test_mismatched_shapes_are_rejected() -> None:
    with pytest.raises(ValueError, match="one shape"):
        plot_corridor_objective(np.zeros(3), np.zeros(4))
