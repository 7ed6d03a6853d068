"""Brute-force references for the batch estimators (tests/test_batch_estimators.py and
tests/test_batch_weighting.py): small MDPs, and every N-tuple of trajectories summed over.

Computed from pgtheory's primitives step by step (enumeration, the score of one step, the
reward-to-go), never from the functions under test.
"""

import itertools

import numpy as np

import pgtheory as pg


def binary_reward_mdp(seed, n_states=2, n_actions=2, horizon=2):
    """A random MDP paying 0 or 1: few distinct returns, so exact batch sums are cheap."""
    base = pg.random_mdp(n_states, n_actions, horizon, rng=seed)
    mdp = pg.TabularMDP(base.transitions, (base.rewards > 0).astype(float), base.initial, horizon)
    theta = np.random.default_rng(seed + 100).normal(size=(n_states, n_actions))
    return mdp, theta


def episodic_mdp(seed, n_states=3, n_actions=2, horizon=3):
    """A random MDP plus a terminal state entered with probability 0.3 after every step."""
    base = pg.random_mdp(n_states, n_actions, horizon, rng=seed)
    transitions = np.zeros((n_states + 1, n_actions, n_states + 1))
    transitions[:-1, :, :-1] = 0.7 * base.transitions
    transitions[:-1, :, -1] = 0.3
    transitions[-1, :, -1] = 1.0
    rewards = np.vstack([base.rewards, np.zeros(n_actions)])
    mdp = pg.TabularMDP(transitions, rewards, np.append(base.initial, 0.0), horizon)
    theta = np.random.default_rng(seed + 200).normal(size=(n_states + 1, n_actions))
    return mdp, theta


def enumerated(mdp, theta):
    """Probabilities, returns, lengths, masked score sums B and reward-to-go sums of every
    trajectory, computed here from pgtheory's primitives step by step."""
    trajectories, probabilities = pg.enumerate_trajectories(mdp, theta)
    terminal = pg.terminal_states(mdp)
    k, horizon = trajectories.states.shape
    lengths = np.zeros(k, dtype=int)
    scores = np.zeros((k,) + theta.shape)
    to_go_sums = np.zeros((k,) + theta.shape)
    to_go = pg.reward_to_go(trajectories.rewards)
    for i in range(k):
        for t in range(horizon):
            s, a = trajectories.states[i, t], trajectories.actions[i, t]
            if terminal[s]:
                break
            lengths[i] += 1
            scores[i] += pg.log_policy_grad(theta, s, a)
            to_go_sums[i] += pg.log_policy_grad(theta, s, a) * to_go[i, t]
    return probabilities, trajectories.returns, lengths, scores, to_go_sums


def batch_weights(returns, weighting, ddof=0):
    n = returns.size
    if weighting == "raw":
        return returns
    if weighting == "leave_one_out_mean":
        return np.array([returns[i] - np.delete(returns, i).mean() for i in range(n)])
    centred = returns - returns.mean()
    if weighting == "mean_in_sample":
        return centred
    if np.all(returns == returns[0]):  # s = 0: the weights are 0 (the limit of / (s + eps))
        return np.zeros(n)
    return centred / returns.std(ddof=ddof)


def brute_force(mdp, theta, n, weighting="raw", average_over="episodes", ddof=0,
                 estimator="total_return"):
    """Mean and per-coordinate variance over every N-tuple of trajectories."""
    probabilities, returns, lengths, scores, to_go_sums = enumerated(mdp, theta)
    mean = np.zeros(theta.shape)
    second = np.zeros(theta.shape)
    for tup in itertools.product(range(len(probabilities)), repeat=n):
        tup = list(tup)
        if estimator == "total_return":
            terms = batch_weights(returns[tup], weighting, ddof)[:, None, None] * scores[tup]
        else:
            terms = to_go_sums[tup]
        divisor = n if average_over == "episodes" else lengths[tup].sum()
        g = terms.sum(axis=0) / divisor
        p = np.prod(probabilities[tup])
        mean += p * g
        second += p * g**2
    return mean, second - mean**2
