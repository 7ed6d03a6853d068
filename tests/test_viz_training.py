"""Learning-curve figure of book/reinforce: medians, seed ranges, references and labels."""

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


def _runs():
    x = np.arange(4.0)
    returns = np.array([[0.0, 1.0, 2.0, 3.0], [0.0, 2.0, 3.0, 5.0], [0.0, 0.0, 1.0, 4.0]])
    return x, returns


def test_range_mode_draws_median_band_reference_and_level() -> None:
    x, returns = _runs()
    fig = viz.plot_learning_curves(
        {"N = 10": (x, returns)}, reference={"exact ascent": (x, x**2)},
        levels={"optimum": 7.0}, title="T", xlabel="update $k$")
    ax = fig.axes[0]
    assert ax.get_title() == "T" and ax.get_xlabel() == "update $k$"
    assert "J(" in ax.get_ylabel()
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels == ["N = 10 (median, range of 3 seeds)", "exact ascent", "optimum"]
    median, exact, level = ax.get_lines()
    np.testing.assert_array_equal(median.get_ydata(), [0.0, 1.0, 2.0, 4.0])
    np.testing.assert_array_equal(exact.get_ydata(), x**2)
    assert list(level.get_ydata()) == [7.0, 7.0]
    assert ax.get_xlim() == (0.0, 3.0)  # exactly the span of the runs
    band = ax.collections[0].get_paths()[0].vertices[:, 1]
    assert band.min() == 0.0 and band.max() == 5.0


def test_lines_mode_draws_every_seed_and_one_legend_entry() -> None:
    x, returns = _runs()
    fig = viz.plot_learning_curves({r"$\alpha = 1$": (x, returns)}, title="T", xlabel="k",
                                   spread="lines", xscale="log")
    ax = fig.axes[0]
    assert len(ax.get_lines()) == 3 and ax.get_xscale() == "log"
    assert ax.get_xlim() == (1.0, 3.0)  # a log axis starts at the first positive x
    for line, row in zip(ax.get_lines(), returns, strict=True):
        np.testing.assert_array_equal(line.get_ydata(), row)
    assert [t.get_text() for t in ax.get_legend().get_texts()] == [r"$\alpha = 1$ (3 seeds)"]


def test_mismatched_shapes_are_refused() -> None:
    with pytest.raises(ValueError, match="expected returns of shape"):
        viz.plot_learning_curves({"bad": (np.arange(3.0), np.zeros((2, 4)))}, title="T",
                                 xlabel="k")
    with pytest.raises(ValueError, match="spread"):
        viz.plot_learning_curves({}, title="T", xlabel="k", spread="band")


def test_two_reference_levels_are_told_apart() -> None:
    x, returns = _runs()
    fig = viz.plot_learning_curves({"N = 10": (x, returns)},
                                   levels={"best": 7.29, "trap": 4.0}, title="T", xlabel="k")
    best, trap = fig.axes[0].get_lines()[1:]
    assert (best.get_color(), best.get_linestyle()) != (trap.get_color(), trap.get_linestyle())
    assert best.get_color() != trap.get_color()
    with pytest.raises(ValueError, match="at most 3 reference lines"):
        viz.plot_learning_curves({}, levels={f"l{i}": float(i) for i in range(4)}, title="T",
                                 xlabel="k")
