"""Tests for pgtheory.mlp_policy: REINFORCE with the JAX MLP policy on CartPole-v1 (the loop).

The network itself (log-probabilities, surrogate loss, update step) is tested in
tests/test_mlp_network.py.
"""

import dataclasses

import gymnasium as gym
import jax
import jax.numpy as jnp
import numpy as np
import pytest

import pgtheory as pg
from pgtheory import mlp_network, mlp_policy
from pgtheory.cartpole import CARTPOLE_FEATURE_SCALE
from pgtheory.gym_env import TabularMDPEnv
from pgtheory.mlp_policy import collect_cartpole_episodes, init_mlp, train_mlp_cartpole


def test_the_network_is_reachable_from_mlp_policy_as_the_chapter_imports_it():
    # book/surrogate does `from pgtheory import mlp_policy as mlp` and calls mlp.init_mlp, ...
    for name in mlp_network.__all__:
        assert getattr(mlp_policy, name) is getattr(mlp_network, name)
        if name != "Params":
            assert name in mlp_policy.__all__


# --- the agent loop -------------------------------------------------------------------------


def _short_cartpole(n_envs, max_episode_steps):
    spec = dataclasses.replace(gym.spec("CartPole-v1"), max_episode_steps=max_episode_steps)
    return gym.make_vec(spec, num_envs=n_envs, vectorization_mode="sync")


@pytest.mark.parametrize("horizon, lean", [(500, 1.5), (15, 0.0)])
def test_collected_episodes_replay_in_a_fresh_env_and_end_exactly_when_it_says(horizon, lean):
    # NEXT_STEP autoreset: replaying each copy's recorded actions in a single, identically
    # seeded CartPole reproduces every observation and ends (terminated or truncated) at exactly
    # the recorded length, so no autoreset step and nothing after it was recorded. With a
    # 15-step limit and a nearly uniform policy some episodes are truncated: the flag must say
    # which.
    n_envs = 8
    env_seeds = np.random.default_rng(11).integers(2**31, size=n_envs).tolist()
    params = init_mlp(jax.random.key(0), (4, 2))
    lean_with_the_pole = jnp.array([[0, 0], [0, 0], [-lean, lean], [0, 0]], jnp.float32)
    params = [(params[0][0] + lean_with_the_pole, params[0][1])]
    envs = _short_cartpole(n_envs, horizon)
    episodes, _ = collect_cartpole_episodes(envs, params, jax.random.key(1),
                                            env_seeds=env_seeds)
    lengths = episodes.lengths
    assert episodes.features.shape == (n_envs, horizon, 4)
    assert len(set(lengths.tolist())) > 1, "want episodes of unequal length"
    if horizon == 15:
        assert 0 < episodes.truncated.sum() < n_envs, "want both endings"
    for i in range(n_envs):
        env = gym.make(dataclasses.replace(gym.spec("CartPole-v1"),
                                           max_episode_steps=horizon))
        obs, _ = env.reset(seed=env_seeds[i])
        for t in range(lengths[i]):
            assert np.allclose(episodes.features[i, t], obs / CARTPOLE_FEATURE_SCALE, rtol=1e-6)
            obs, reward, terminated, truncated, _ = env.step(int(episodes.actions[i, t]))
            assert reward == episodes.rewards[i, t] == 1.0
            assert (terminated or truncated) == (t == lengths[i] - 1)
        # both flags can be set at the last step (the pole fell at the limit): it terminated
        assert episodes.truncated[i] == (truncated and not terminated)
    assert np.array_equal(episodes.returns, lengths.astype(float))
    assert not episodes.rewards[~episodes.mask].any()


def test_training_is_reproducible_and_independent_of_the_x64_flag():
    a = train_mlp_cartpole(rng=3, n_episodes=4, n_updates=3)
    b = train_mlp_cartpole(rng=3, n_episodes=4, n_updates=3)
    with jax.enable_x64(True):
        c = train_mlp_cartpole(rng=np.random.default_rng(3), n_episodes=4,
                               n_updates=3)
    other = train_mlp_cartpole(rng=4, n_episodes=4, n_updates=3)
    assert a.episode_returns.shape == (12,) and a.n_updates == 3
    for h in (b, c):
        assert np.array_equal(a.episode_returns, h.episode_returns)
        assert np.array_equal(a.losses, h.losses)
        assert all(np.array_equal(p, q) for p, q in zip(jax.tree.leaves(a.params),
                                                        jax.tree.leaves(h.params), strict=True))
    assert not np.array_equal(a.episode_returns, other.episode_returns)


def test_training_learns_to_balance_within_twelve_updates():
    # The initial policy is within 1% of uniform; a uniform random policy lasts 22 steps on
    # average (standard deviation about 12), so a mean of 20 of its episodes exceeds 40 with
    # probability < 1e-10 and 80 essentially never. Fixed seed: the run is deterministic.
    history = train_mlp_cartpole(rng=0, n_episodes=10, n_updates=12)
    assert history.episode_returns[:10].mean() < 40
    assert history.episode_returns[-20:].mean() > 80


# --- bad input ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "call, error, match",
    [
        (lambda: train_mlp_cartpole(rng=-1), ValueError, "rng"),
        (lambda: train_mlp_cartpole(rng=0, n_updates=0), ValueError, "n_updates"),
        (lambda: train_mlp_cartpole(rng=0, n_episodes=2.0), TypeError, "n_episodes"),
        (lambda: train_mlp_cartpole(rng=0, optimizer="rmsprop"), ValueError, "optimizer"),
        (lambda: train_mlp_cartpole(rng=0, learning_rate=0.0), ValueError, "learning_rate"),
        (lambda: train_mlp_cartpole(rng=0, hidden_sizes=(0,)), ValueError, "layer_sizes"),
        (lambda: train_mlp_cartpole(rng=0, estimator="reward-to-go"), ValueError, "estimator"),
        (lambda: train_mlp_cartpole(rng=0, n_updates=1, baseline="optimal"), ValueError,
         "baseline"),
    ],
)
def test_bad_input_is_refused_with_a_message_naming_it(call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_collect_refuses_other_envs_and_autoreset_modes():
    params = init_mlp(jax.random.key(0), (4, 2))
    disabled = gym.make_vec("CartPole-v1", num_envs=2, vectorization_mode="sync",
                            vector_kwargs={"autoreset_mode": gym.vector.AutoresetMode.DISABLED})
    with pytest.raises(ValueError, match="autoreset mode"):
        collect_cartpole_episodes(disabled, params, jax.random.key(0))
    chain = gym.vector.SyncVectorEnv([lambda: TabularMDPEnv(pg.chain_mdp())])
    with pytest.raises(ValueError, match="CartPole"):
        collect_cartpole_episodes(chain, params, jax.random.key(0))
    with pytest.raises(TypeError, match="VectorEnv"):
        collect_cartpole_episodes(gym.make("CartPole-v1"), params, jax.random.key(0))
