"""Figure of chapter 4: theorem right-hand side against the exact gradient, on the diagonal."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from pgtheory.viz.theorem import plot_theorem_check  # noqa: E402


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def test_scatter_draws_each_mdp_and_the_diagonal() -> None:
    exact = [np.array([[-0.1, 0.0, 0.1]]), np.array([[0.5, -0.5], [0.2, -0.2]])]
    theorem = [x + 1e-12 for x in exact]
    fig = plot_theorem_check(exact, theorem, ["bandit", "chain"])
    ax = fig.axes[0]
    assert "exact gradient" in ax.get_title()
    assert "exact gradient" in ax.get_xlabel() and r"\log \pi_\theta" in ax.get_ylabel()
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels == ["$y = x$", "bandit (3 coordinates)", "chain (4 coordinates)"]
    diagonal, bandit, chain = ax.get_lines()
    np.testing.assert_array_equal(diagonal.get_xdata(), diagonal.get_ydata())
    np.testing.assert_allclose(bandit.get_xdata(), exact[0].ravel())
    np.testing.assert_allclose(chain.get_ydata(), theorem[1].ravel())


def test_mismatched_inputs_are_rejected() -> None:
    with pytest.raises(ValueError, match="one entry per MDP"):
        plot_theorem_check([np.zeros((1, 2))], [], ["a"])
    with pytest.raises(ValueError, match="coordinates"):
        plot_theorem_check([np.zeros((1, 2))], [np.zeros((1, 3))], ["a"])
