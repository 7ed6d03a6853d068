"""REINFORCE with a small neural-network softmax policy (JAX) on CartPole-v1: the agent loop.

The section on a neural-network policy of book/surrogate trains the multilayer
perceptron of :mod:`pgtheory.mlp_network` (its parameters, log-probabilities,
action draws, the surrogate loss of eq. `surrogate-loss` (book/surrogate) and
the jitted optimizer step) on CartPole-v1. The gradient estimate is the same
as the linear policy's: reward-to-go minus the leave-one-out baseline, summed
over each episode's steps and averaged over the N episodes (eq.
`cartpole-estimator` (book/cartpole)). This module plays the episodes
(:func:`collect_cartpole_episodes`) and runs the updates
(:func:`train_mlp_cartpole`); it re-exports the names of
:mod:`pgtheory.mlp_network`, so that ``from pgtheory import mlp_policy as mlp``
gives the whole API.

Randomness. The JAX functions take a JAX PRNG key (``jax.random.key``) and,
where they draw, return the next key, as in CleanRL's JAX agents; the
training function takes one ``rng`` as everywhere in pgtheory and spawns
two streams from it: the seeds of the environments, and the JAX key of the
initial parameters and of the action draws. Same ``rng``, same history.

Precision. Training runs in float32, JAX's default: it is what a student's
own code will use, and the Monte Carlo noise of the estimate dwarfs
float32 rounding (1e-7 relative). Every array is created with an explicit
dtype, so float32 parameters stay float32 when another cell has set
``jax.config.update("jax_enable_x64", True)`` (the float64 gradient checks
of book/surrogate and of the tests do); :func:`train_mlp_cartpole` also
switches that flag off while it runs, since optax computes Adam's bias
correction in JAX's default float type, so its history is the same bits
either way. Parameters of ``dtype="float64"`` need the flag.

With :mod:`pgtheory.mlp_network` and :mod:`pgtheory.autodiff`, one of the three
modules of pgtheory that import JAX (and the only one of them that imports
gymnasium); ``import pgtheory`` imports none of them. Install with
``pip install pgtheory[jax]``.

References
----------
Williams, R. J. (1992). Simple statistical gradient-following algorithms for
connectionist reinforcement learning. Machine Learning 8, 229-256.
Huang, S. et al. (2022). CleanRL: high-quality single-file implementations
of deep reinforcement learning algorithms. JMLR 23(274), 1-18.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import gymnasium as gym
import jax
import numpy as np
import optax

from ._validation import check_estimator, check_positive_int, check_real, check_rng
from .cartpole import CARTPOLE_FEATURE_SCALE, episodes_to_solve
from .episodes import Episodes
from .linear_policy import masked_step_weights
from .mlp_network import (
    OUTPUT_SCALE,
    Params,
    init_mlp,
    make_update_step,
    mlp_log_probs,
    mlp_logits,
    sample_actions,
    surrogate_loss,
)

__all__ = [
    "OUTPUT_SCALE",
    "OPTIMIZERS",
    "MLPHistory",
    "init_mlp",
    "mlp_logits",
    "mlp_log_probs",
    "sample_actions",
    "surrogate_loss",
    "make_update_step",
    "collect_cartpole_episodes",
    "train_mlp_cartpole",
]

#: Names accepted by the ``optimizer`` argument of :func:`train_mlp_cartpole`.
OPTIMIZERS = ("adam", "sgd")



@functools.lru_cache(maxsize=32)
def _optimizer(name: str, learning_rate: float) -> optax.GradientTransformation:
    return {"adam": optax.adam, "sgd": optax.sgd}[name](learning_rate)


# --- the agent loop -------------------------------------------------------------------------


def _check_cartpole_envs(envs: Any) -> int:
    """Return the horizon H of a vector environment of CartPole copies."""
    if not isinstance(envs, gym.vector.VectorEnv):
        raise TypeError(f"envs must be a gymnasium.vector.VectorEnv; got {type(envs).__name__}")
    spec = envs.spec
    if spec is None or not spec.id.startswith("CartPole") or not spec.max_episode_steps:
        raise ValueError("envs must be copies of CartPole with a time limit, e.g. "
                         f"gym.make_vec('CartPole-v1', num_envs=10); got spec {spec}")
    mode = envs.metadata.get("autoreset_mode")
    if mode != gym.vector.AutoresetMode.NEXT_STEP:
        raise ValueError(f"envs has autoreset mode {mode}; this loop is written for "
                         "Gymnasium's default, AutoresetMode.NEXT_STEP")
    return int(spec.max_episode_steps)


def collect_cartpole_episodes(
    envs: gym.vector.VectorEnv, params: Params, key: Any, *, env_seeds: Sequence[int] | None = None
) -> tuple[Episodes, jax.Array]:
    """Play one episode in each copy of CartPole in ``envs`` with pi_theta, padded to H.

    Each copy contributes its first episode after ``envs.reset``. Every step
    after that episode's end is masked out: the autoreset step that follows
    it (its action is ignored, its reward is 0) and the next episode's steps.

    Parameters
    ----------
    envs : gymnasium.vector.VectorEnv
        N copies of CartPole-v1 (``gym.make_vec("CartPole-v1", num_envs=N)``)
        in Gymnasium's default ``AutoresetMode.NEXT_STEP``.
    params : list of (W, b)
        The policy; input size 4.
    key : JAX PRNG key
    env_seeds : sequence of N ints, or None
        Passed to ``envs.reset(seed=env_seeds)``: one seed per copy; None
        continues the copies' own random streams.

    Returns
    -------
    episodes : pgtheory.Episodes
        ``features`` (N, H, 4) are the observations divided by
        ``CARTPOLE_FEATURE_SCALE``; every array is padded to the horizon
        H = 500, so every batch has the same shape (one compilation).
    key : JAX PRNG key
        The key for the next call.
    """
    horizon, n = _check_cartpole_envs(envs), envs.num_envs
    x = np.zeros((n, horizon, 4), np.float32)          # padded to H: the same shape every time
    actions, mask = np.zeros((n, horizon), np.int64), np.zeros((n, horizon), bool)
    rewards, truncated = np.zeros((n, horizon)), np.zeros(n, bool)
    obs, _ = envs.reset(seed=env_seeds)
    running = np.ones(n, bool)                          # copy i is still in its first episode
    for t in range(horizon):
        x[:, t] = obs / CARTPOLE_FEATURE_SCALE
        actions[:, t], key = sample_actions(params, x[:, t], key)
        obs, r, term, trunc, _ = envs.step(actions[:, t])
        mask[:, t], rewards[:, t] = running, np.where(running, r, 0.0)
        truncated |= running & trunc & ~term            # the time limit ended it, not the pole
        running &= ~(term | trunc)                      # later steps, autoreset included: masked
        if not running.any():
            break
    return Episodes(x, actions, rewards, mask, truncated), key


@dataclass(frozen=True, eq=False)
class MLPHistory:
    """What happened during K updates of REINFORCE with an MLP policy on CartPole-v1.

    Attributes
    ----------
    params : list of (W, b)
        The parameters after the last update.
    episode_returns : ndarray(float), shape (K * N,)
        Returns of the episodes, update by update (within an update, in the
        order of the copies of the environment).
    losses : ndarray(float), shape (K,)
        The surrogate loss L of each update's batch, before the step. Its
        value is not J and need not decrease.
    episodes_to_solve : int or None
        :func:`pgtheory.cartpole.episodes_to_solve` of ``episode_returns``.
    """

    params: Params
    episode_returns: np.ndarray
    losses: np.ndarray
    episodes_to_solve: int | None

    @property
    def n_updates(self) -> int:
        """Number of updates K."""
        return self.losses.size


def _check_training_options(rng: Any, n_episodes: Any, n_updates: Any, optimizer: Any,
                            learning_rate: Any, estimator: Any) -> tuple[Any, int, int, Any]:
    """Validated (rng, N, K, optax optimizer) for :func:`train_mlp_cartpole`.

    ``estimator`` is checked here too; ``baseline`` by :func:`pgtheory.masked_step_weights`
    at the first update (an array baseline's length T is known only then).
    """
    check_estimator(estimator)
    if optimizer not in OPTIMIZERS:
        raise ValueError(f"optimizer must be one of {OPTIMIZERS}; got {optimizer!r}")
    learning_rate = check_real(learning_rate, "learning_rate", low=0.0, low_inclusive=False)
    return (check_rng(rng), check_positive_int(n_episodes, "n_episodes"),
            check_positive_int(n_updates, "n_updates"), _optimizer(optimizer, learning_rate))


def _in_float32(function: Any) -> Any:
    """Run ``function`` with 64-bit JAX off, whatever the global ``jax_enable_x64``."""
    @functools.wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with jax.enable_x64(False):
            return function(*args, **kwargs)

    return wrapper


@_in_float32
def train_mlp_cartpole(
    *,
    rng: Any = None,
    n_episodes: int = 10,
    n_updates: int = 30,
    learning_rate: float = 0.01,
    estimator: str = "reward_to_go",
    baseline: Any = "leave_one_out_mean",
    hidden_sizes: tuple[int, ...] = (64,),
    optimizer: str = "adam",
    stop_when_solved: bool = False,
) -> MLPHistory:
    """REINFORCE on CartPole-v1 with an MLP policy: the agent loop of book/surrogate.

    Each update k = 1..K plays N episodes (:func:`collect_cartpole_episodes`),
    computes their weights Psi (:func:`pgtheory.masked_step_weights`) and
    takes one optimizer step on the surrogate loss (:func:`make_update_step`).

    Parameters
    ----------
    rng : None, int, SeedSequence, BitGenerator or Generator
        The one source of randomness. Two independent streams are spawned
        from it: one gives the N seeds of the copies of the environment at
        the first reset, the other the seed of the JAX key of the initial
        parameters and of every action draw. Same rng, same history.
    n_episodes : int
        N, episodes per update (copies of the environment).
    n_updates : int
        K.
    learning_rate : float
        The optimizer's step size > 0.
    estimator, baseline
        Passed to :func:`pgtheory.masked_step_weights`.
    hidden_sizes : tuple of int
        Widths of the hidden layers; ``()`` is the linear softmax policy.
    optimizer : {"adam", "sgd"}
    stop_when_solved : bool
        Stop after the update whose episodes first complete a solved window.

    Returns
    -------
    MLPHistory

    Notes
    -----
    Runs in float32 with 64-bit JAX switched off (``jax.enable_x64(False)``),
    so that the history is bit for bit the same whether or not another cell
    has enabled ``jax_enable_x64`` (optax computes Adam's bias correction in
    JAX's default float type, which that flag changes).
    """
    rng, n_episodes, n_updates, opt = _check_training_options(
        rng, n_episodes, n_updates, optimizer, learning_rate, estimator)
    agent_rng, env_rng = rng.spawn(2)                          # one rng, two streams
    env_seeds = env_rng.integers(2**31, size=n_episodes).tolist()
    key, init_key = jax.random.split(jax.random.key(int(agent_rng.integers(2**63))))
    params = init_mlp(init_key, (4, *hidden_sizes, 2))
    update_step, opt_state = make_update_step(opt), opt.init(params)
    envs = gym.make_vec("CartPole-v1", num_envs=n_episodes, vectorization_mode="sync")
    returns, losses = [], []
    for k in range(n_updates):
        episodes, key = collect_cartpole_episodes(envs, params, key,
                                                  env_seeds=env_seeds if k == 0 else None)
        weights = masked_step_weights(episodes.rewards, episodes.mask,          # Psi: data
                                      estimator=estimator, baseline=baseline)
        params, opt_state, loss = update_step(params, opt_state, episodes.features,
                                              episodes.actions, weights, episodes.mask)
        returns.append(episodes.returns)
        losses.append(float(loss))
        if stop_when_solved and episodes_to_solve(np.concatenate(returns)) is not None:
            break
    envs.close()
    returns = np.concatenate(returns)
    return MLPHistory(params, returns, np.array(losses), episodes_to_solve(returns))
