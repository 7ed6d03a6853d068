"""Time the pieces of the MLP agent loop on CartPole-v1, with and without ``jax.jit``.

Workload: the loop of ``pgtheory.mlp_policy.train_mlp_cartpole`` with its defaults, N = 10
copies of CartPole-v1 in a ``SyncVectorEnv``, an MLP 4-64-2 in float32, Adam, batches padded to
the horizon H = 500.

Per vector step (one call for all N copies):
  (a) ``envs.step``: ten CartPole steps, Gymnasium's Python code;
  (b) ``sample_actions`` jitted (the loop's version): forward pass, categorical draw, key split;
  (c) the same with ``jax.disable_jit()``: every jax.numpy operation dispatched on its own;
  (d) for reference, the linear policy's numpy draw ``pg.sample_linear_actions`` (5 x 2 weights).
Per update (one batch of N episodes, (10, 500) steps):
  (e) ``update_step`` jitted: value_and_grad of the surrogate loss and the Adam step;
  (f) the same with ``jax.disable_jit()``;
  (g) the one-off compilation of (e), paid once per training run;
  (h) for reference, the linear policy's numpy ``pg.episodic_gradient`` on the same batch.

Each figure is the median over REPEATS rounds; the rounds interleave the versions compared
(jit, no jit, ...), so that a change in the machine's load hits them alike. Times are wall
clock (``time.perf_counter``); XLA may use a second thread, so CPU time is printed too.
Run: ``python benchmarks/bench_mlp_cartpole.py``. Prints timings and ratios.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

import gymnasium as gym
import jax
import numpy as np
import optax

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import pgtheory as pg  # noqa: E402
from pgtheory.cartpole import CARTPOLE_FEATURE_SCALE, cartpole_features  # noqa: E402
from pgtheory.mlp_policy import (  # noqa: E402
    collect_cartpole_episodes,
    init_mlp,
    make_update_step,
    sample_actions,
)

N_EPISODES, HIDDEN, REPEATS = 10, 64, 7
STEP_CALLS, STEP_CALLS_NO_JIT, UPDATE_CALLS = 2000, 100, 5


def timed(function, calls):
    """(wall, cpu) seconds per call of ``function()``, over ``calls`` calls."""
    wall, cpu = time.perf_counter(), time.process_time()
    for _ in range(calls):
        function()
    return (time.perf_counter() - wall) / calls, (time.process_time() - cpu) / calls


def no_jit(function):
    def run():
        with jax.disable_jit():
            return function()
    return run


def median_rounds(versions):
    """{name: (wall, cpu)} medians over REPEATS interleaved rounds of {name: (function, calls)}."""
    results = {name: [] for name in versions}
    for _ in range(REPEATS):
        for name, (function, calls) in versions.items():
            results[name].append(timed(function, calls))
    return {name: tuple(statistics.median(r[i] for r in runs) for i in range(2))
            for name, runs in results.items()}


def main() -> int:
    params = init_mlp(jax.random.key(0), (4, HIDDEN, 2))
    envs = gym.make_vec("CartPole-v1", num_envs=N_EPISODES, vectorization_mode="sync")
    obs, _ = envs.reset(seed=0)
    x = (obs / CARTPOLE_FEATURE_SCALE).astype(np.float32)
    actions = np.zeros(N_EPISODES, np.int64)
    key = jax.random.key(1)
    W_linear = np.zeros((5, 2))
    rng = np.random.default_rng(2)

    def env_step():
        if envs.step(actions)[2].any():
            envs.reset()

    sample_actions(params, x, key)  # compile
    with jax.disable_jit():
        sample_actions(params, x, key)  # warm the op-by-op caches
    steps = median_rounds({
        "(a) env.step": (env_step, STEP_CALLS),
        "(b) sample_actions, jit": (lambda: sample_actions(params, x, key), STEP_CALLS),
        "(c) sample_actions, no jit": (no_jit(lambda: sample_actions(params, x, key)),
                                       STEP_CALLS_NO_JIT),
        "(d) numpy linear draw": (lambda: pg.sample_linear_actions(W_linear,
                                                                   cartpole_features(obs), rng=rng),
                                  STEP_CALLS),
    })

    # one real batch, collected by the loop itself
    episodes, _ = collect_cartpole_episodes(envs, params, key, env_seeds=list(range(N_EPISODES)))
    weights = pg.masked_step_weights(episodes.rewards, episodes.mask, estimator="reward_to_go",
                                     baseline="leave_one_out_mean")
    batch = (episodes.features, episodes.actions, weights, episodes.mask)
    optimizer = optax.adam(1e-2)
    update_step = make_update_step(optimizer)
    opt_state = optimizer.init(params)
    start = time.perf_counter()
    jax.block_until_ready(update_step(params, opt_state, *batch))
    compile_seconds = time.perf_counter() - start
    jit_update = lambda: jax.block_until_ready(update_step(params, opt_state, *batch))  # noqa: E731
    no_jit_update = no_jit(jit_update)
    no_jit_update()  # warm the op-by-op caches
    features = pg.add_bias(episodes.features.astype(float))
    linear_update = lambda: pg.episodic_gradient(  # noqa: E731
        W_linear, features, episodes.actions, episodes.rewards, episodes.mask,
        baseline="leave_one_out_mean")
    updates = median_rounds({
        "(e) update_step, jit": (jit_update, UPDATE_CALLS),
        "(f) update_step, no jit": (no_jit_update, UPDATE_CALLS),
        "(h) numpy linear gradient": (linear_update, UPDATE_CALLS),
    })
    envs.close()

    print(f"MLP 4-{HIDDEN}-2, float32, N = {N_EPISODES} copies of CartPole-v1 (SyncVectorEnv), "
          f"median of {REPEATS} interleaved rounds")
    print(f"{'':34s} {'wall':>10s} {'cpu':>10s}")
    for name, (wall, cpu) in {**steps, **updates}.items():
        unit, scale = ("ms", 1e3) if name[1] in "efh" else ("us", 1e6)
        print(f"{name:34s} {wall * scale:8.1f} {unit} {cpu * scale:8.1f} {unit}")
    print(f"{'(g) compiling update_step, once':34s} {compile_seconds * 1e3:8.1f} ms")
    t = {**steps, **updates}
    ratios = [
        ("sample_actions: no jit / jit", ["(c) sample_actions, no jit"],
         ["(b) sample_actions, jit"]),
        ("update_step: no jit / jit", ["(f) update_step, no jit"], ["(e) update_step, jit"]),
        ("vector step (env + policy): no jit / jit", ["(a) env.step", "(c) sample_actions, no jit"],
         ["(a) env.step", "(b) sample_actions, jit"]),
        ("policy share of a jitted vector step", ["(b) sample_actions, jit"],
         ["(a) env.step", "(b) sample_actions, jit"]),
        ("jitted MLP draw / numpy linear draw", ["(b) sample_actions, jit"],
         ["(d) numpy linear draw"]),
        ("jitted MLP update / numpy linear gradient", ["(e) update_step, jit"],
         ["(h) numpy linear gradient"]),
    ]
    print()
    print(f"{'ratio':44s} {'wall':>7s} {'cpu':>7s}")
    for name, top, bottom in ratios:
        wall, cpu = (sum(t[k][i] for k in top) / sum(t[k][i] for k in bottom) for i in (0, 1))
        if "share" in name:
            print(f"{name:44s} {wall:6.0%}  {cpu:6.0%}")
        else:
            print(f"{name:44s} {wall:6.2f}x {cpu:6.2f}x")
    print(f"{'compilation / one jitted update (wall)':44s} "
          f"{compile_seconds / t['(e) update_step, jit'][0]:6.0f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
