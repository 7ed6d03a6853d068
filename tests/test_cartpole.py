"""Tests for pgtheory.cartpole: REINFORCE with a linear softmax policy on CartPole-v1."""

import numpy as np
import pytest

from pgtheory.cartpole import (
    SOLVED_THRESHOLD,
    cartpole_features,
    episodes_to_solve,
    moving_average,
    train_cartpole,
)


def test_moving_average_is_the_mean_of_each_window():
    returns = np.arange(1.0, 6.0)
    assert np.allclose(moving_average(returns, 2), [1.5, 2.5, 3.5, 4.5])
    assert moving_average(returns, 6).size == 0


def test_episodes_to_solve_counts_episodes_up_to_the_first_solved_window():
    returns = np.concatenate([np.full(50, 100.0), np.full(200, 500.0)])
    # After episode k the window holds k - 50 returns of 500 and 150 - k of 100 (k <= 150):
    # 500 (k - 50) + 100 (150 - k) >= 47,500 first at k = 143.75, i.e. k = 144.
    assert episodes_to_solve(returns) == 144
    assert episodes_to_solve(np.full(99, 500.0)) is None
    assert episodes_to_solve(np.full(100, 500.0)) == 100


def test_features_are_scaled_observations_with_a_bias():
    x = cartpole_features(np.array([[2.4, 3.0, 0.21, -3.0]]))
    assert np.allclose(x, [[1.0, 1.0, 1.0, -1.0, 1.0]])


def test_training_is_reproducible_with_a_seed():
    a = train_cartpole(rng=3, n_episodes=4, n_updates=3)
    b = train_cartpole(rng=3, n_episodes=4, n_updates=3)
    assert np.array_equal(a.episode_returns, b.episode_returns)
    assert np.array_equal(a.weights, b.weights)
    assert a.weights.shape == (4, 5, 2) and a.episode_returns.shape == (12,)
    assert np.array_equal(a.episode_updates, np.repeat(np.arange(3), 4))


def test_default_settings_solve_cartpole():
    history = train_cartpole(rng=0, stop_when_solved=True)
    assert history.episodes_to_solve is not None
    assert moving_average(history.episode_returns)[-1] >= SOLVED_THRESHOLD


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"rng": -1}, ValueError, "rng"),
        ({"rng": 1.5}, TypeError, "rng"),
        ({"rng": 0, "estimator": "pooled"}, ValueError, "estimator"),
        ({"rng": 0, "n_episodes": 0}, ValueError, "n_episodes"),
        ({"rng": 0, "learning_rate": 0.0}, ValueError, "learning_rate"),
        ({"rng": 0, "n_updates": 2.0}, TypeError, "n_updates"),
    ],
)
def test_invalid_arguments_are_refused(kwargs, error, match):
    with pytest.raises(error, match=match):
        train_cartpole(**kwargs)
