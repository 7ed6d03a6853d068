"""Figure of book/factorization: the log-probability terms of one episode, MDPs side by side."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

import pgtheory as pg  # noqa: E402
from pgtheory.viz.factorization import PANELS, plot_log_prob_terms  # noqa: E402


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def episode_terms(mdp, theta, traj):
    initial, policy, dynamics = pg.trajectory_log_prob_terms(mdp, theta, traj.states,
                                                             traj.actions)
    return initial[0], policy[0], dynamics[0]


def test_bars_are_the_terms_side_by_side_and_the_legend_gives_log_p() -> None:
    mdps = [pg.random_mdp(3, 2, 4, rng=0), pg.random_mdp(3, 2, 4, rng=1)]
    theta = np.zeros((3, 2))
    traj = pg.sample_trajectories(mdps[0], theta, n_episodes=1, rng=1)
    terms = [episode_terms(m, theta, traj) for m in mdps]
    fig = plot_log_prob_terms(terms, ["MDP A", "MDP B"])
    initial_ax, policy_ax, dynamics_ax = fig.axes
    assert [ax.get_title() for ax in fig.axes] == list(PANELS)
    assert fig.get_suptitle() and "log-probability" in initial_ax.get_ylabel()
    assert policy_ax.get_xlabel() == "step $t$"
    for i in range(len(mdps)):  # one bar container per MDP in every panel, in order
        initial, policy, dynamics = terms[i]
        np.testing.assert_allclose([b.get_height() for b in initial_ax.containers[i]], [initial])
        np.testing.assert_allclose([b.get_height() for b in policy_ax.containers[i]], policy)
        np.testing.assert_allclose([b.get_height() for b in dynamics_ax.containers[i]],
                                   dynamics)
    # Side by side, not stacked: every bar starts at zero, and the two bars of a step do not
    # overlap.
    for ax in fig.axes:
        assert all(bar.get_y() == 0.0 for c in ax.containers for bar in c)
        first, second = ax.containers[0][0], ax.containers[1][0]
        assert first.get_x() + first.get_width() <= second.get_x() + 1e-12
    # The policy terms do not depend on the MDP; the others do.
    np.testing.assert_allclose(terms[0][1], terms[1][1])
    assert not np.allclose(terms[0][2], terms[1][2])
    labels = [t.get_text() for t in fig.legends[0].get_texts()]
    totals = [pg.trajectory_log_prob(m, theta, traj.states, traj.actions)[0] for m in mdps]
    assert labels == [f"{name}: $\\log p_\\theta(\\tau) = {total:.3f}$"
                      for name, total in zip(["MDP A", "MDP B"], totals, strict=True)]


def test_one_name_per_mdp_required() -> None:
    terms = (0.0, np.array([-0.5, -0.7]), np.array([-1.0]))
    fig = plot_log_prob_terms([terms, terms], ["A", "B"])
    assert len(fig.axes) == 3
    with pytest.raises(ValueError, match="one name per MDP"):
        plot_log_prob_terms([terms], ["A", "B"])
