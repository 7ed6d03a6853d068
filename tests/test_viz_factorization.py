"""Figure of chapter 3: stacked log-probability terms, titled, labelled, with a legend."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

import pgtheory as pg  # noqa: E402
from pgtheory.viz.factorization import plot_log_prob_terms  # noqa: E402


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def test_bars_stack_the_terms_of_each_step_and_sum_to_log_p() -> None:
    mdp = pg.random_mdp(3, 2, 4, rng=0)
    theta = np.zeros((3, 2))
    traj = pg.sample_trajectories(mdp, theta, n_episodes=1, rng=1)
    initial, policy, dynamics = pg.trajectory_log_prob_terms(mdp, theta, traj.states,
                                                             traj.actions)
    fig = plot_log_prob_terms([(initial[0], policy[0], dynamics[0])], ["MDP A"])
    ax = fig.axes[0]
    total = pg.trajectory_log_prob(mdp, theta, traj.states, traj.actions)[0]
    assert ax.get_title() == f"MDP A\n$\\log p_\\theta(\\tau) = {total:.3f}$"
    assert fig.get_suptitle()
    assert ax.get_xlabel() == "step $t$" and "log-probability" in ax.get_ylabel()
    labels = [t.get_text() for t in fig.legends[0].get_texts()]
    assert len(labels) == 3 and "policy" in labels[1] and "dynamics" in labels[2]
    # Three bar containers of H bars; heights are the terms, in order initial, policy, dynamics.
    heights = np.array([[bar.get_height() for bar in c] for c in ax.containers])
    np.testing.assert_allclose(heights[0], [initial[0], 0, 0, 0])
    np.testing.assert_allclose(heights[1], policy[0])
    np.testing.assert_allclose(heights[2], [*dynamics[0], 0.0])
    assert np.isclose(heights.sum(), total)
    # Stacked: the policy bar of step 1 starts where the initial bar ends.
    assert np.isclose(ax.containers[1][0].get_y(), initial[0])


def test_one_panel_per_mdp_and_matching_titles_required() -> None:
    terms = (0.0, np.array([-0.5, -0.7]), np.array([-1.0]))
    fig = plot_log_prob_terms([terms, terms], ["A", "B"])
    assert len(fig.axes) == 2
    with pytest.raises(ValueError, match="titles"):
        plot_log_prob_terms([terms], ["A", "B"])
