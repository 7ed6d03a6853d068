"""Tests for pgtheory.reinforce: the REINFORCE loop (eq. reinforce-update)."""

import numpy as np
import pytest

import pgtheory as pg


def test_reinforce_improves_the_chain_from_a_uniform_start():
    mdp = pg.chain_mdp()
    uniform = np.zeros((4, 2))
    history = pg.reinforce(mdp, uniform, n_episodes=20, n_updates=60, learning_rate=0.1,
                           rng=0, estimator="reward_to_go", baseline="optimal")
    # Uniform policy: J = 1.47. Like exact ascent, REINFORCE heads for the nearby
    # local optimum "always collect" (J = 4); its seed-0 run reaches J = 3.8.
    assert history.expected_returns[0] == pytest.approx(pg.expected_return(mdp, uniform))
    assert history.expected_returns[-1] > history.expected_returns[0] + 2.0
    assert history.expected_returns[-1] > 3.5


@pytest.mark.parametrize("baseline", [None, 0.7, "optimal"])
def test_each_update_is_theta_plus_alpha_times_the_estimate(baseline):
    mdp = pg.random_mdp(3, 2, 4, rng=1)
    alpha = 0.25
    history = pg.reinforce(mdp, np.zeros((3, 2)), 8, 5, alpha, rng=2, baseline=baseline)
    for g in range(5):
        np.testing.assert_array_equal(
            history.thetas[g + 1], history.thetas[g] + alpha * history.gradients[g]
        )
        assert history.expected_returns[g + 1] == pg.expected_return(mdp, history.thetas[g + 1])


def test_the_loop_uses_the_documented_steps_with_one_generator():
    # Replaying the loop by hand with the same generator reproduces every number.
    mdp = pg.random_mdp(3, 2, 4, rng=1)
    history = pg.reinforce(mdp, np.zeros((3, 2)), 16, 3, 0.5, rng=9, estimator="reward_to_go")
    generator = np.random.default_rng(9)
    theta = np.zeros((3, 2))
    for g in range(3):
        trajectories = pg.sample_trajectories(mdp, theta, 16, rng=generator)
        samples = pg.episode_gradients(mdp, theta, trajectories, estimator="reward_to_go")
        np.testing.assert_array_equal(history.gradients[g], samples.mean(axis=0))
        np.testing.assert_allclose(history.standard_errors[g],
                                   samples.std(axis=0, ddof=1) / 4.0, rtol=1e-12)
        assert history.sampled_returns[g] == pytest.approx(trajectories.returns.mean())
        theta = theta + 0.5 * samples.mean(axis=0)


def test_history_shapes_and_determinism():
    mdp = pg.chain_mdp()
    a = pg.reinforce(mdp, np.zeros((4, 2)), 5, 7, 0.1, rng=3)
    b = pg.reinforce(mdp, np.zeros((4, 2)), 5, 7, 0.1, rng=3)
    assert a.thetas.shape == (8, 4, 2) and a.expected_returns.shape == (8,)
    assert a.gradients.shape == a.standard_errors.shape == (7, 4, 2)
    assert a.sampled_returns.shape == (7,) and a.n_updates == 7
    np.testing.assert_array_equal(a.thetas, b.thetas)
    with pytest.raises(ValueError, match="read-only"):
        a.thetas[0, 0, 0] = 1.0


def test_single_episode_batches_report_nan_standard_errors():
    history = pg.reinforce(pg.chain_mdp(), np.zeros((4, 2)), 1, 2, 0.1, rng=0)
    assert np.isnan(history.standard_errors).all()
    assert np.isfinite(history.gradients).all()


def test_bad_inputs_name_the_argument():
    mdp = pg.chain_mdp()
    theta = np.zeros((4, 2))
    for bad in (0, -1, 2.5, True, "3"):
        with pytest.raises((TypeError, ValueError), match="n_episodes must be a positive int"):
            pg.reinforce(mdp, theta, bad, 2, 0.1, rng=0)
        with pytest.raises((TypeError, ValueError), match="n_updates must be a positive int"):
            pg.reinforce(mdp, theta, 2, bad, 0.1, rng=0)
    with pytest.raises(ValueError, match=r"theta0 has shape \(2, 2\); expected \(4, 2\)"):
        pg.reinforce(mdp, np.zeros((2, 2)), 2, 2, 0.1, rng=0)
    with pytest.raises(ValueError, match=r"theta0\[0, 0\] is nan"):
        pg.reinforce(mdp, np.full((4, 2), np.nan), 2, 2, 0.1, rng=0)
    with pytest.raises(ValueError, match="learning_rate must lie in"):
        pg.reinforce(mdp, theta, 2, 2, -0.1, rng=0)
    with pytest.raises(TypeError, match="rng must be"):
        pg.reinforce(mdp, theta, 2, 2, 0.1, rng="0")
    with pytest.raises(ValueError, match="estimator must be one of"):
        pg.reinforce(mdp, theta, 2, 2, 0.1, rng=0, estimator="ppo")
    with pytest.raises(ValueError, match="baseline='optimal' .* at least 2 episodes"):
        pg.reinforce(mdp, theta, 1, 2, 0.1, rng=0, baseline="optimal")
