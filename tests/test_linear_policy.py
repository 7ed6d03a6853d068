"""Tests for pgtheory.linear_policy: the linear softmax policy and the episode-averaged gradient."""

import numpy as np
import pytest

import pgtheory as pg
from pgtheory.episodes import length_mask, reward_to_go
from pgtheory.linear_policy import (
    add_bias,
    episodic_gradient,
    linear_episode_gradients,
    linear_log_probs,
    linear_softmax_probs,
    linear_step_scores,
    masked_step_weights,
    sample_linear_actions,
)


def _random_batch(rng, lengths, d=3, n_actions=2):
    """Padded episodes with garbage (NaN, -1) on the padding, to show it is never read."""
    lengths = np.asarray(lengths)
    mask = length_mask(lengths)
    n, t = mask.shape
    features = rng.standard_normal((n, t, d))
    actions = rng.integers(0, n_actions, size=(n, t))
    rewards = rng.standard_normal((n, t))
    features[~mask] = np.nan
    actions[~mask] = -1
    rewards[~mask] = np.nan
    return features, actions, rewards, mask


def _loop_episode_sums(W, features, actions, rewards, mask, estimator, baseline):
    """The estimator written as plainly as possible: loop over episodes, then over steps."""
    n_episodes = features.shape[0]
    lengths = mask.sum(axis=1)
    psi_all = []
    for n in range(n_episodes):
        r = rewards[n, : lengths[n]]
        psi = (np.array([r[t:].sum() for t in range(len(r))]) if estimator == "reward_to_go"
               else np.full(len(r), r.sum()))
        psi_all.append(psi)
    sums = []
    for n in range(n_episodes):
        total = np.zeros_like(W)
        for t in range(lengths[n]):
            if isinstance(baseline, str):
                others = [psi_all[j][t] for j in range(n_episodes) if j != n and lengths[j] > t]
                b = np.mean(others) if others else 0.0
            elif baseline is None:
                b = 0.0
            elif np.ndim(baseline) == 1:
                b = baseline[t]
            else:
                b = baseline
            score = linear_step_scores(W, features[n, t][None], actions[n, t][None])[0]
            total += score * (psi_all[n][t] - b)
        sums.append(total)
    return np.stack(sums)


def test_softmax_probs_are_distributions_and_bias_is_appended():
    rng = np.random.default_rng(0)
    W = rng.standard_normal((4, 3))
    x = add_bias(rng.standard_normal((5, 3)))
    assert x.shape == (5, 4) and np.all(x[:, -1] == 1.0)
    probs = linear_softmax_probs(W, x)
    assert probs.shape == (5, 3)
    assert np.allclose(probs.sum(axis=1), 1.0) and np.all(probs > 0)


def test_log_probs_are_finite_for_huge_logits():
    W = np.array([[1e4, -1e4]])
    log_probs = linear_log_probs(W, np.ones((1, 1)))
    assert np.all(np.isfinite(log_probs)) and log_probs[0, 0] == 0.0


def test_one_hot_features_give_the_tabular_softmax():
    rng = np.random.default_rng(1)
    theta = rng.standard_normal((4, 3))
    assert np.allclose(linear_softmax_probs(theta, np.eye(4)), pg.softmax_policy(theta))


def test_score_matches_central_finite_differences_of_log_prob():
    rng = np.random.default_rng(2)
    W = rng.standard_normal((4, 3))
    x = add_bias(rng.standard_normal((6, 3)))
    actions = rng.integers(0, 3, size=6)
    scores = linear_step_scores(W, x, actions)
    eps = 1e-6
    numeric = np.zeros_like(scores)
    for i in range(W.shape[0]):
        for a in range(W.shape[1]):
            step = np.zeros_like(W)
            step[i, a] = eps
            plus = linear_log_probs(W + step, x)[np.arange(6), actions]
            minus = linear_log_probs(W - step, x)[np.arange(6), actions]
            numeric[:, i, a] = (plus - minus) / (2 * eps)
    assert np.allclose(scores, numeric, atol=1e-8)


@pytest.mark.parametrize("estimator", ["reward_to_go", "total_return"])
@pytest.mark.parametrize("baseline", [None, 0.7, "array", "leave_one_out_mean"])
def test_unequal_lengths_equal_the_per_episode_loop_divided_by_n(estimator, baseline):
    rng = np.random.default_rng(3)
    lengths = [1, 4, 2, 7, 3]
    features, actions, rewards, mask = _random_batch(rng, lengths)
    W = rng.standard_normal((3, 2))
    if baseline == "array":
        baseline = rng.standard_normal(mask.shape[1])
    expected = _loop_episode_sums(W, features, actions, rewards, mask, estimator, baseline)
    per_episode = linear_episode_gradients(W, features, actions, rewards, mask,
                                           estimator=estimator, baseline=baseline)
    assert np.allclose(per_episode, expected)
    estimate = episodic_gradient(W, features, actions, rewards, mask, estimator=estimator,
                                 baseline=baseline)
    assert np.allclose(estimate, expected.sum(axis=0) / len(lengths))


def test_episode_average_differs_from_pooled_step_average_by_total_steps_over_n():
    # Two episodes of lengths 1 and 3: N = 2 episodes, sum_n T_n = 4 steps, factor 4 / 2 = 2.
    rng = np.random.default_rng(4)
    features, actions, rewards, mask = _random_batch(rng, [1, 3])
    W = rng.standard_normal((3, 2))
    sums = _loop_episode_sums(W, features, actions, rewards, mask, "reward_to_go", None).sum(axis=0)
    per_episode_mean = episodic_gradient(W, features, actions, rewards, mask)
    pooled_step_mean = sums / mask.sum()
    assert np.allclose(per_episode_mean, sums / 2)
    assert not np.allclose(per_episode_mean, pooled_step_mean)
    assert np.allclose(per_episode_mean, 2.0 * pooled_step_mean)


def _stop_or_continue_example():
    """Worked example of book/cartpole: one feature (bias only), actions 0 = stop, 1 = continue.

    Every step pays 1; 'stop' ends the episode; the horizon is 2 steps. At W = 0 the three
    trajectories are (stop) w.p. 1/2, (continue, stop) and (continue, continue) w.p. 1/4 each;
    J = 1 + pi(continue) and grad J = (-1/4, +1/4).
    """
    features = np.ones((3, 2, 1))
    actions = np.array([[0, 0], [1, 0], [1, 1]])
    rewards = np.array([[1.0, 0.0], [1.0, 1.0], [1.0, 1.0]])
    mask = length_mask(np.array([1, 2, 2]), 2)
    probabilities = np.array([0.5, 0.25, 0.25])
    return features, actions, rewards, mask, probabilities


def test_worked_example_episode_average_is_unbiased_pooled_average_is_not():
    features, actions, rewards, mask, probabilities = _stop_or_continue_example()
    W = np.zeros((1, 2))
    per_episode = linear_episode_gradients(W, features, actions, rewards, mask,
                                           estimator="total_return")[:, 0, :]
    exact = np.array([-0.25, 0.25])
    assert np.allclose(probabilities @ per_episode, exact)
    # Pooled steps with N = 1: each episode's sum divided by its own length T.
    pooled_one = per_episode / mask.sum(axis=1)[:, None]
    assert np.allclose(probabilities @ pooled_one, 0.0)
    # Pooled steps with N = 2: (g_i + g_j) / (T_i + T_j) over all ordered pairs.
    lengths = mask.sum(axis=1)
    pooled_two = sum(probabilities[i] * probabilities[j] * (per_episode[i] + per_episode[j])
                     / (lengths[i] + lengths[j]) for i in range(3) for j in range(3))
    assert np.allclose(pooled_two, [-1 / 12, 1 / 12])


def test_padding_is_never_read():
    rng = np.random.default_rng(5)
    features, actions, rewards, mask = _random_batch(rng, [2, 5, 1])
    W = rng.standard_normal((3, 2))
    a = episodic_gradient(W, features, actions, rewards, mask, baseline="leave_one_out_mean")
    features[~mask], actions[~mask], rewards[~mask] = 1e3, 1, -1e3
    b = episodic_gradient(W, features, actions, rewards, mask, baseline="leave_one_out_mean")
    assert np.all(np.isfinite(a)) and np.array_equal(a, b)


def test_equal_lengths_with_one_hot_features_match_the_tabular_estimators():
    mdp = pg.random_mdp(3, 2, 4, rng=6)
    theta = np.random.default_rng(7).standard_normal((3, 2))
    trajectories = pg.sample_trajectories(mdp, theta, 50, rng=8)
    features = np.eye(3)[trajectories.states]
    mask = np.ones(trajectories.states.shape, dtype=bool)
    for estimator in ("total_return", "reward_to_go"):
        tabular = pg.episode_gradients(mdp, theta, trajectories, estimator=estimator,
                                       baseline=0.3)
        linear = linear_episode_gradients(theta, features, trajectories.actions,
                                          trajectories.rewards, mask, estimator=estimator,
                                          baseline=0.3)
        assert np.allclose(linear, tabular)


def test_masked_reward_to_go_sums_to_each_episodes_end():
    rewards = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, np.nan]])  # the padding is never read
    mask = length_mask(np.array([3, 2]))
    assert np.array_equal(reward_to_go(rewards, mask=mask), [[6.0, 5.0, 3.0], [9.0, 5.0, 0.0]])


@pytest.mark.parametrize("estimator", ["reward_to_go", "total_return"])
@pytest.mark.parametrize("baseline", [None, 0.7, "leave_one_out_mean"])
def test_step_weights_are_psi_minus_b_written_as_a_loop(estimator, baseline):
    # Psi_t - b_t per step, against the definitions: G_t summed to the episode's own end (or
    # R), b_t the mean of the OTHER episodes still running at t; 0 on the padding.
    rng = np.random.default_rng(4)
    lengths = [1, 4, 2, 7, 3]
    _, _, rewards, mask = _random_batch(rng, lengths)
    weights = masked_step_weights(rewards, mask, estimator=estimator, baseline=baseline)
    psi = [[rewards[n, t:T].sum() if estimator == "reward_to_go" else rewards[n, :T].sum()
            for t in range(T)] for n, T in enumerate(lengths)]
    for n, T in enumerate(lengths):
        for t in range(mask.shape[1]):
            if t >= T:
                assert weights[n, t] == 0.0
                continue
            if baseline == "leave_one_out_mean":
                others = [psi[m][t] for m, S in enumerate(lengths) if m != n and S > t]
                b = np.mean(others) if others else 0.0
            else:
                b = baseline or 0.0
            assert np.isclose(weights[n, t], psi[n][t] - b)
    with pytest.raises(ValueError, match="estimator"):
        masked_step_weights(rewards, mask, estimator="reward-to-go")


def test_sampled_action_frequencies_match_the_policy():
    # 20,000 draws per row; each |z| < 4 fails by chance with probability ~6e-5 (normal approx.).
    W = np.array([[0.5, -0.5, 0.0], [1.0, 0.0, -1.0]])
    x = np.repeat(np.array([[1.0, 0.0], [0.3, 1.0]]), 20_000, axis=0)
    actions = sample_linear_actions(W, x, rng=9)
    for row in range(2):
        block = actions[row * 20_000:(row + 1) * 20_000]
        p = linear_softmax_probs(W, x[row * 20_000][None])[0]
        freq = np.bincount(block, minlength=3) / block.size
        se = np.sqrt(p * (1 - p) / block.size)
        assert np.all(np.abs(freq - p) < 4 * se)


def test_sampling_is_reproducible_with_a_seed():
    W = np.zeros((2, 2))
    x = np.ones((100, 2))
    assert np.array_equal(sample_linear_actions(W, x, rng=1), sample_linear_actions(W, x, rng=1))


@pytest.mark.parametrize(
    "change, error, match",
    [
        ({"mask": "gap"}, ValueError, r"mask\[0, 2\] is True after mask\[0, 1\] is False"),
        ({"mask": "empty"}, ValueError, r"mask\[1, 0\] is False"),
        ({"mask": "int"}, TypeError, "mask must be a boolean array"),
        ({"features": "wrong d"}, ValueError, r"W.shape\[0\]"),
        ({"actions": "out of range"}, ValueError, r"actions\[0, 1\] is 5"),
        ({"actions": "float"}, TypeError, "actions must be an integer array"),
        ({"rewards": "wrong shape"}, ValueError, "rewards has shape"),
        ({"rewards": "nan"}, ValueError, "must be finite"),
        ({"baseline": "unknown"}, ValueError, "leave_one_out_mean"),
        ({"baseline": "wrong shape"}, ValueError, r"shape \(T,\)"),
        ({"estimator": "yes"}, ValueError, "estimator must be one of"),
        ({"W": "nan"}, ValueError, "finite"),
    ],
)
def test_validation_errors_name_the_argument(change, error, match):
    W = np.zeros((2, 2))
    features = np.ones((2, 3, 2))
    actions = np.zeros((2, 3), dtype=int)
    rewards = np.ones((2, 3))
    mask = length_mask(np.array([3, 1]))
    kwargs = {"estimator": "reward_to_go", "baseline": None}
    key, what = next(iter(change.items()))
    if key == "mask":
        mask = {"gap": np.array([[True, False, True], [True, False, False]]),
                "empty": np.array([[True, True, True], [False, False, False]]),
                "int": mask.astype(int)}[what]
    elif key == "features":
        features = np.ones((2, 3, 3))
    elif key == "actions":
        actions = actions.astype(float) if what == "float" else np.array([[0, 5, 0], [0, 0, 0]])
    elif key == "rewards":
        rewards = np.ones((2, 2)) if what == "wrong shape" else np.array(
            [[1.0, np.nan, 1.0], [1.0, 0.0, 0.0]])
    elif key == "baseline":
        kwargs["baseline"] = "mean" if what == "unknown" else np.zeros(2)
    elif key == "estimator":
        kwargs["estimator"] = "yes"
    elif key == "W":
        W = np.array([[np.nan, 0.0], [0.0, 0.0]])
    with pytest.raises(error, match=match):
        episodic_gradient(W, features, actions, rewards, mask, **kwargs)


def test_length_mask_and_its_errors():
    assert np.array_equal(length_mask(np.array([2, 1]), 3),
                          [[True, True, False], [True, False, False]])
    with pytest.raises(ValueError, match="lengths must be a nonempty array of ints >= 1"):
        length_mask(np.array([2, 0]))
    with pytest.raises(ValueError, match="at least max"):
        length_mask(np.array([4]), 3)
    with pytest.raises(TypeError, match="1-d integer array"):
        length_mask(np.array([1.5]))


def test_score_validates_actions_and_features():
    with pytest.raises(ValueError, match=r"actions\[1\] is 2"):
        linear_step_scores(np.zeros((2, 2)), np.ones((2, 2)), np.array([0, 2]))
    with pytest.raises(ValueError, match=r"W.shape\[0\]"):
        linear_step_scores(np.zeros((2, 2)), np.ones((2, 3)), np.array([0, 1]))
