"""Figure of book/other_code: angle of the pooled-step mean to the gradient against N."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from pgtheory.viz.batch_estimators import plot_pooled_step_angles  # noqa: E402


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def test_one_curve_per_label_on_a_log_axis():
    n = np.array([1, 2, 4, 8])
    fig = plot_pooled_step_angles(n, {"H = 2": np.array([116.6, 80.5, 31.7, 12.3]),
                                      "H = 5": np.array([165.7, 19.3, 6.9, 3.4])})
    ax = fig.axes[0]
    lines = [line for line in ax.get_lines() if line.get_label() in ("H = 2", "H = 5")]
    assert len(lines) == 2
    np.testing.assert_allclose(lines[0].get_xdata(), n)
    np.testing.assert_allclose(lines[1].get_ydata(), [165.7, 19.3, 6.9, 3.4])
    assert lines[0].get_color() != lines[1].get_color()
    assert ax.get_xscale() == "log" and ax.get_ylim() == (0.0, 180.0)
    assert ax.get_title() and ax.get_xlabel() and ax.get_ylabel()
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["H = 2", "H = 5"]


def test_bad_input_is_rejected():
    with pytest.raises(ValueError, match="one angle per N"):
        plot_pooled_step_angles(np.array([1, 2]), {"a": np.zeros(3)})
    with pytest.raises(ValueError, match="at least one curve"):
        plot_pooled_step_angles(np.array([1, 2]), {})
    with pytest.raises(ValueError, match="N >= 1"):
        plot_pooled_step_angles(np.array([0, 2]), {"a": np.zeros(2)})
