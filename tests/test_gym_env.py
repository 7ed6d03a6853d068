"""Tests for pgtheory.gym_env: a TabularMDP behind Gymnasium's API, and the episode collector."""

import warnings

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env

import pgtheory as pg
from pgtheory.gym_env import TabularMDPEnv, collect_episodes, one_hot_features
from pgtheory.linear_policy import linear_episode_gradients


def _vector_env(mdp, n):
    return gym.vector.SyncVectorEnv([lambda: TabularMDPEnv(mdp) for _ in range(n)])


def test_passes_gymnasium_env_checker_without_warnings():
    # Made through gym.make (with a spec) so that check_env can also try the "ansi" render mode.
    if "pgtheory/TabularMDP-v0" not in gym.registry:
        gym.register(id="pgtheory/TabularMDP-v0", entry_point="pgtheory.gym_env:TabularMDPEnv")
    for mdp in (pg.chain_mdp(), pg.random_mdp(3, 2, 5, rng=0)):
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            env = gym.make("pgtheory/TabularMDP-v0", mdp=mdp, disable_env_checker=True)
            check_env(env.unwrapped)


def test_episode_lasts_h_steps_and_terminates_at_the_horizon():
    mdp = pg.chain_mdp()
    env = TabularMDPEnv(mdp)
    state, info = env.reset(seed=0)
    assert state == 0 and info == {"t": 1}
    for t in range(1, mdp.horizon + 1):
        state, reward, terminated, truncated, info = env.step(0)  # "collect" in s0
        assert reward == 1.0 and info == {"t": t + 1}
        assert terminated == (t == mdp.horizon) and truncated is False
    with pytest.raises(RuntimeError, match="call reset"):
        env.step(0)


def test_step_before_reset_and_bad_actions_are_refused():
    env = TabularMDPEnv(pg.chain_mdp())
    with pytest.raises(RuntimeError, match="call reset"):
        env.step(0)
    env.reset(seed=0)
    with pytest.raises(ValueError, match=r"action must lie in \[0, 2\)"):
        env.step(2)
    with pytest.raises(ValueError, match="render_mode"):
        TabularMDPEnv(pg.chain_mdp(), render_mode="human")
    with pytest.raises(TypeError, match="TabularMDP"):
        TabularMDPEnv("chain")


def test_same_seed_same_episode_different_seed_different_episodes():
    mdp = pg.random_mdp(5, 3, 20, rng=1)

    def play(seed):
        env = TabularMDPEnv(mdp)
        state, _ = env.reset(seed=seed)
        states = [state]
        for t in range(mdp.horizon):
            state, *_ = env.step(t % 3)
            states.append(state)
        return states

    assert play(7) == play(7)
    assert play(7) != play(8)


def test_uniform_random_play_matches_the_exact_expected_return():
    # 4,000 episodes; |z| < 4 fails by chance with probability ~6e-5 (CLT normal approximation).
    mdp = pg.random_mdp(4, 3, 5, rng=2)
    env = TabularMDPEnv(mdp)
    env.reset(seed=3)
    action_rng = np.random.default_rng(4)
    returns = []
    for _ in range(4_000):
        env.reset()
        total, terminated = 0.0, False
        while not terminated:
            _, reward, terminated, _, _ = env.step(int(action_rng.integers(3)))
            total += reward
        returns.append(total)
    returns = np.array(returns)
    exact = pg.expected_return(mdp, np.zeros((4, 3)))
    standard_error = returns.std(ddof=1) / np.sqrt(returns.size)
    assert abs(returns.mean() - exact) < 4 * standard_error


def test_vector_env_uses_next_step_autoreset_with_a_zero_reward_step():
    # The Gymnasium behaviour collect_episodes relies on: the step after an episode ends
    # ignores the action, returns the reset observation and a reward of 0.
    mdp = pg.bandit([5.0, 5.0])
    envs = _vector_env(mdp, 2)
    assert envs.metadata["autoreset_mode"] == gym.vector.AutoresetMode.NEXT_STEP
    envs.reset(seed=0)
    _, rewards, terminated, _, _ = envs.step(np.array([0, 1]))
    assert np.array_equal(rewards, [5.0, 5.0]) and terminated.all()
    _, rewards, terminated, truncated, _ = envs.step(np.array([0, 1]))
    assert np.array_equal(rewards, [0.0, 0.0]) and not terminated.any() and not truncated.any()


def test_collect_episodes_keeps_exactly_one_episode_per_env_and_drops_the_reset_step():
    mdp = pg.chain_mdp()
    envs = _vector_env(mdp, 6)
    episodes = collect_episodes(envs, np.zeros((4, 2)), one_hot_features(4), rng=0,
                                env_seeds=range(6))
    assert episodes.features.shape == (6, 4, 4)
    assert np.array_equal(episodes.lengths, np.full(6, 4))
    states = episodes.features.argmax(axis=2)
    assert np.all(states[:, 0] == 0)  # every chain episode starts in s0
    assert np.array_equal(episodes.rewards, mdp.rewards[states, episodes.actions])
    assert not episodes.truncated.any()


def test_collect_episodes_matches_replaying_each_cartpole_env_alone():
    # Episodes of unequal length under NEXT_STEP autoreset: replaying the recorded actions in a
    # single, identically seeded CartPole reproduces every observation, and the episode ends at
    # exactly the recorded length, so no step after an episode's end was recorded.
    n_envs, seed = 8, 11
    envs = gym.make_vec("CartPole-v1", num_envs=n_envs, vectorization_mode="sync")
    W = np.array([[0.0, 0.0], [0.0, 0.0], [-2.0, 2.0], [0.0, 0.0]])  # lean with the pole
    env_seeds = np.random.SeedSequence(seed).generate_state(n_envs).tolist()
    episodes = collect_episodes(envs, W, lambda obs: obs, rng=1, env_seeds=env_seeds)
    lengths = episodes.lengths
    assert len(set(lengths.tolist())) > 1, "want episodes of unequal length"
    for i in range(n_envs):
        env = gym.make("CartPole-v1")
        obs, _ = env.reset(seed=env_seeds[i])
        for t in range(lengths[i]):
            assert np.allclose(episodes.features[i, t], obs)
            obs, reward, terminated, truncated, _ = env.step(int(episodes.actions[i, t]))
            assert reward == episodes.rewards[i, t] == 1.0
            assert (terminated or truncated) == (t == lengths[i] - 1)
    assert np.array_equal(episodes.returns, lengths.astype(float))
    assert np.all(episodes.rewards[~episodes.mask] == 0.0)


def test_collect_episodes_refuses_disabled_autoreset():
    envs = gym.vector.SyncVectorEnv([lambda: TabularMDPEnv(pg.chain_mdp())],
                                    autoreset_mode=gym.vector.AutoresetMode.DISABLED)
    with pytest.raises(ValueError, match="autoreset mode"):
        collect_episodes(envs, np.zeros((4, 2)), one_hot_features(4), rng=0)


@pytest.mark.parametrize("estimator, baseline",
                         [("total_return", None), ("reward_to_go", "leave_one_out_mean")])
def test_monte_carlo_gradient_through_the_env_matches_the_exact_gradient(estimator, baseline):
    # 3,000 episodes; 8 coordinates (4 distinct, the rest their negatives) within 4 SE each:
    # chance failure ~4 x 6e-5 = 3e-4 (normal approximation; the leave-one-out baseline makes
    # the episodes weakly dependent).
    mdp = pg.chain_mdp()
    theta = np.array([[0.3, -0.2], [0.0, 0.5], [-0.4, 0.1], [0.2, 0.0]])
    episodes = collect_episodes(_vector_env(mdp, 3_000), theta, one_hot_features(4), rng=5,
                                env_seeds=range(6, 3_006))
    g = linear_episode_gradients(theta, episodes.features, episodes.actions, episodes.rewards,
                                 episodes.mask, estimator=estimator, baseline=baseline)
    standard_error = g.std(axis=0, ddof=1) / np.sqrt(g.shape[0])
    exact = pg.exact_gradient(mdp, theta)
    assert np.all(np.abs(g.mean(axis=0) - exact) < 4 * standard_error + 1e-12)


def test_importing_pgtheory_does_not_import_gymnasium():
    # gymnasium is optional: only pgtheory.gym_env and pgtheory.cartpole.train_cartpole need it.
    import subprocess
    import sys

    code = "import sys, pgtheory, pgtheory.cartpole; print('gymnasium' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
