"""Figures of book/surrogate: what is drawn, labels, legends, and refused inputs."""

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


def test_surrogate_values_draws_J_on_top_and_each_loss_below():
    k = np.arange(1, 6)
    J = np.array([1.0, 2.0, 4.0, 6.0, 7.0])
    losses = {"b = 3": -np.arange(5.0)[::-1], "b = 0": np.arange(5.0)[::-1]}
    fig = viz.plot_surrogate_values(k, J, losses, title="T")
    top, bottom = fig.axes
    assert top.get_title() == "T" and "J" in top.get_ylabel()
    np.testing.assert_array_equal(top.get_lines()[0].get_ydata(), J)
    drawn = [line.get_ydata() for line in bottom.get_lines()[:2]]
    np.testing.assert_array_equal(drawn[0], losses["b = 3"])
    np.testing.assert_array_equal(drawn[1], losses["b = 0"])
    assert [t.get_text() for t in bottom.get_legend().get_texts()] == ["b = 3", "b = 0"]
    assert "update" in bottom.get_xlabel() and "L" in bottom.get_ylabel()
    assert bottom.get_lines()[0].get_color() != bottom.get_lines()[1].get_color()


def test_gradient_angles_draws_each_curve_and_the_orthogonal_line():
    m = np.arange(4)
    fig = viz.plot_gradient_angles({"plain": (m, [5.0, 20.0, 50.0, 80.0]),
                                    "step": (m[1:], [5.0, 6.0, 7.0])},
                                   title="T", xlabel="step $m$")
    ax = fig.axes[0]
    lines = ax.get_lines()
    np.testing.assert_array_equal(lines[0].get_ydata(), [5.0, 20.0, 50.0, 80.0])
    np.testing.assert_array_equal(lines[1].get_xdata(), [1.0, 2.0, 3.0])
    assert list(lines[2].get_ydata()) == [90.0, 90.0]
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels[:2] == ["plain", "step"] and "90" in labels[2]
    assert ax.get_ylabel() == "angle (degrees)" and ax.get_xlabel() == "step $m$"
    assert ax.get_ylim()[0] == 0.0 and ax.get_ylim()[1] >= 90.0


def test_bad_input_is_refused_with_the_argument_named():
    with pytest.raises(ValueError, match="expected_returns has shape"):
        viz.plot_surrogate_values([1, 2, 3], [1.0, 2.0], {"b": [0.0, 1.0, 2.0]}, title="T")
    with pytest.raises(ValueError, match=r"losses\['b'\] has shape"):
        viz.plot_surrogate_values([1, 2, 3], [1.0, 2.0, 3.0], {"b": [0.0]}, title="T")
    with pytest.raises(ValueError, match="at least one surrogate"):
        viz.plot_surrogate_values([1, 2], [1.0, 2.0], {}, title="T")
    with pytest.raises(ValueError, match=r"\[0, 180\]"):
        viz.plot_gradient_angles({"a": ([0, 1], [10.0, 200.0])}, title="T", xlabel="m")
    with pytest.raises(ValueError, match="at least one curve"):
        viz.plot_gradient_angles({}, title="T", xlabel="m")
