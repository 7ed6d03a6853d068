"""Time pg.gradient_samples against a pure-Python loop and a hand-written numpy version.

Workload: n = 20,000 episodes of a random MDP with S = 10 states, A = 4 actions,
horizon H = 50 (fixed seeds), estimator "total_return", no baseline: one
(S, A) gradient estimate R(tau) * sum_t grad log pi(a_t | s_t) per episode.

(a) the straightforward loop: one episode at a time, one step at a time, as the
    formula reads and as a student first writes it: ``rng.choice`` draws each
    action and next state, and each step adds e_a - pi(.|s) to a numpy (S, A)
    array. Timed on 200 episodes and scaled per episode to 20,000 (its cost is
    linear in the number of episodes).
(a') a tuned pure-Python loop over lists with ``random.random()`` and an
    inline inverse-CDF draw, no numpy inside the loop: the fastest one-episode-
    at-a-time version we could write, for reference. Timed on 500 episodes.
(b) plain numpy: the fastest version written here without pgtheory,
    vectorised over episodes with a loop over time.

Each timing is the median of several repeats (``timeit.repeat``, number=1) of
the process CPU time (``time.process_time``): all three versions run on one
thread, so CPU time equals wall time on an idle machine and is far less
disturbed by other processes sharing the CPU.
Run: ``python benchmarks/bench_gradient_samples.py``. Prints timings and ratios.
"""

from __future__ import annotations

import random
import statistics
import sys
import time
import timeit
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import pgtheory as pg  # noqa: E402

N_EPISODES = 20_000
N_PYTHON_EPISODES = 500
N_STRAIGHTFORWARD_EPISODES = 200
N_STATES, N_ACTIONS, HORIZON = 10, 4, 50
REPEATS = 5


def straightforward_gradient_samples(mdp, theta, n, seed):
    """Per-episode, per-step loop with numpy draws, as the estimator is written."""
    rng = np.random.default_rng(seed)
    pi = pg.softmax_policy(theta)
    samples = np.zeros((n, N_STATES, N_ACTIONS))
    for i in range(n):
        score = np.zeros((N_STATES, N_ACTIONS))
        episode_return = 0.0
        s = rng.choice(N_STATES, p=mdp.initial)
        for t in range(HORIZON):
            a = rng.choice(N_ACTIONS, p=pi[s])
            episode_return += mdp.rewards[s, a]
            score[s] -= pi[s]
            score[s, a] += 1.0
            if t + 1 < HORIZON:
                s = rng.choice(N_STATES, p=mdp.transitions[s, a])
        samples[i] = episode_return * score
    return samples


def pure_python_gradient_samples(mdp, theta, n, seed):
    """Per-episode, per-step loops over Python lists."""
    pi = pg.softmax_policy(theta).tolist()
    transitions = mdp.transitions.tolist()
    rewards = mdp.rewards.tolist()
    initial = mdp.initial.tolist()
    generator = random.Random(seed)

    def draw(probabilities):
        u, total = generator.random(), 0.0
        for index, p in enumerate(probabilities):
            total += p
            if u < total:
                return index
        return len(probabilities) - 1

    samples = []
    for _ in range(n):
        score = [[0.0] * N_ACTIONS for _ in range(N_STATES)]
        episode_return = 0.0
        s = draw(initial)
        for t in range(HORIZON):
            a = draw(pi[s])
            episode_return += rewards[s][a]
            for b in range(N_ACTIONS):
                score[s][b] -= pi[s][b]
            score[s][a] += 1.0
            if t + 1 < HORIZON:
                s = draw(transitions[s][a])
        samples.append([[episode_return * x for x in row] for row in score])
    return samples


def numpy_gradient_samples(mdp, theta, n, seed):
    """Vectorised over episodes, loop over time; the leanest version written here.

    Inverse CDF one cumulative column at a time, the flat histogram index
    (i S + s) A + a built inside the time loop, returns accumulated on the fly,
    and one bincount for the score sums.
    """
    rng = np.random.default_rng(seed)
    shifted = theta - theta.max(axis=1, keepdims=True)
    pi = np.exp(shifted)
    pi /= pi.sum(axis=1, keepdims=True)
    policy_columns = np.ascontiguousarray(np.cumsum(pi, axis=1).T[:-1])
    transition_columns = np.ascontiguousarray(
        np.cumsum(mdp.transitions, axis=2).reshape(-1, N_STATES).T[:-1]
    )
    initial_cdf = np.cumsum(mdp.initial)[:-1]
    flat_rewards = mdp.rewards.ravel()

    u_initial = rng.random(n)
    u_action = rng.random((HORIZON, n))
    u_next = rng.random((HORIZON - 1, n))
    flat_index = np.empty((HORIZON, n), dtype=np.int64)
    offset = N_STATES * N_ACTIONS * np.arange(n)
    returns = np.zeros(n)
    s = np.searchsorted(initial_cdf, u_initial, side="right")
    for t in range(HORIZON):
        a = (policy_columns[0].take(s) <= u_action[t]).astype(np.int64)
        for column in policy_columns[1:]:
            a += column.take(s) <= u_action[t]
        pair = s * N_ACTIONS + a
        np.add(pair, offset, out=flat_index[t])
        returns += flat_rewards.take(pair)
        if t + 1 < HORIZON:
            s = (transition_columns[0].take(pair) <= u_next[t]).astype(np.int64)
            for column in transition_columns[1:]:
                s += column.take(pair) <= u_next[t]

    counts = np.bincount(flat_index.ravel(), minlength=n * N_STATES * N_ACTIONS)
    counts = counts.reshape(n, N_STATES, N_ACTIONS)
    scores = counts - counts.sum(axis=2, keepdims=True) * pi
    scores *= returns[:, None, None]
    return scores


def median_seconds(function) -> float:
    return statistics.median(
        timeit.repeat(function, number=1, repeat=REPEATS, timer=time.process_time)
    )


def main() -> None:
    mdp = pg.random_mdp(N_STATES, N_ACTIONS, HORIZON, rng=0)
    theta = np.random.default_rng(1).normal(size=(N_STATES, N_ACTIONS))

    # Sanity: (b) consumes the uniforms in the same order with the same inverse-CDF
    # rule, so it reproduces pgtheory's samples up to summation order.
    np.testing.assert_allclose(
        numpy_gradient_samples(mdp, theta, N_EPISODES, 3),
        pg.gradient_samples(mdp, theta, N_EPISODES, rng=3),
        rtol=1e-12, atol=1e-10,
    )

    t_pgtheory = median_seconds(lambda: pg.gradient_samples(mdp, theta, N_EPISODES, rng=2))
    t_numpy = median_seconds(lambda: numpy_gradient_samples(mdp, theta, N_EPISODES, 2))
    t_python_small = median_seconds(
        lambda: pure_python_gradient_samples(mdp, theta, N_PYTHON_EPISODES, 2)
    )
    t_python = t_python_small * N_EPISODES / N_PYTHON_EPISODES
    t_loop_small = median_seconds(
        lambda: straightforward_gradient_samples(mdp, theta, N_STRAIGHTFORWARD_EPISODES, 2)
    )
    t_loop = t_loop_small * N_EPISODES / N_STRAIGHTFORWARD_EPISODES

    print(f"workload: n={N_EPISODES} episodes, H={HORIZON}, S={N_STATES}, A={N_ACTIONS}; "
          f"median of {REPEATS} repeats")
    print(f"pg.gradient_samples          {t_pgtheory * 1e3:9.1f} ms")
    print(f"(b) plain numpy (in script)  {t_numpy * 1e3:9.1f} ms")
    print(f"(a) straightforward loop     {t_loop * 1e3:9.1f} ms "
          f"(timed on {N_STRAIGHTFORWARD_EPISODES} episodes: {t_loop_small * 1e3:.1f} ms)")
    print(f"(a') tuned pure Python       {t_python * 1e3:9.1f} ms "
          f"(timed on {N_PYTHON_EPISODES} episodes: {t_python_small * 1e3:.1f} ms)")
    print(f"speed-up of pgtheory over (a):  {t_loop / t_pgtheory:8.1f}x")
    print(f"speed-up of pgtheory over (a'): {t_python / t_pgtheory:8.1f}x")
    print(f"pgtheory time / (b) time:      {t_pgtheory / t_numpy:8.2f}")


if __name__ == "__main__":
    main()
