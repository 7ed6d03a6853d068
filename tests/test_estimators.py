"""Tests for pgtheory.estimators: unbiasedness, variances, baselines, streaming.

Statistical tests use fixed seeds and tolerances in standard errors; the
false-alarm rate (the chance that a correct implementation fails for a
fresh seed) is stated beside each.
"""

import itertools
import tracemalloc

import numpy as np
import pytest

import pgtheory as pg

ESTIMATORS = ["total_return", "reward_to_go"]
BASELINES = [None, 0.7, "optimal"]


def _problem(seed, discount=1.0):
    """A random MDP with S=3, A=2, H=3 (216 trajectories) and random logits."""
    rng = np.random.default_rng(seed)
    mdp = pg.random_mdp(3, 2, 3, rng=rng, discount=discount)
    return mdp, rng.normal(size=(3, 2))


PROBLEMS = [(0, 1.0), (1, 1.0), (2, 0.9)]


def _exact_per_trajectory(mdp, theta, estimator, baseline):
    """Probabilities (K,) and each trajectory's estimate g (K, S, A), b* exact."""
    trajectories, probabilities = pg.enumerate_trajectories(mdp, theta)
    a_part = pg.episode_gradients(mdp, theta, trajectories, estimator=estimator)
    b_part = pg.score(theta, trajectories.states, trajectories.actions)
    if baseline == "optimal":
        b = pg.optimal_baseline(mdp, theta, estimator=estimator)
    else:
        b = 0.0 if baseline is None else baseline
    return probabilities, a_part - b * b_part


# --- reward-to-go ---------------------------------------------------------------------------


def test_reward_to_go_by_hand():
    rewards = np.array([[1.0, 2.0, 3.0], [0.0, -1.0, 4.0]])
    np.testing.assert_allclose(pg.reward_to_go(rewards), [[6.0, 5.0, 3.0], [3.0, 3.0, 4.0]])
    # Discount counted from t = 1: G_2 = 0.5 * 2 + 0.25 * 3.
    np.testing.assert_allclose(pg.reward_to_go(rewards[:1], 0.5), [[2.75, 1.75, 0.75]])


def test_reward_to_go_at_step_one_is_the_return():
    trajectories = pg.sample_trajectories(pg.random_mdp(3, 2, 6, rng=0, discount=0.7),
                                          np.zeros((3, 2)), 20, rng=1)
    np.testing.assert_allclose(
        pg.reward_to_go(trajectories.rewards, 0.7)[:, 0], trajectories.returns
    )


# --- per-episode estimates against a slow reference -----------------------------------------


def _slow_episode_gradients(mdp, theta, trajectories, estimator, baseline):
    """Per-episode, per-step Python loops; the leave-one-out baseline by definition."""
    n, horizon = trajectories.states.shape
    gamma = mdp.discount
    a_parts, b_parts = [], []
    for i in range(n):
        a_part = np.zeros_like(theta)
        b_part = np.zeros_like(theta)
        rewards = trajectories.rewards[i]
        total = sum(gamma**t * rewards[t] for t in range(horizon))
        for t in range(horizon):
            score_t = pg.log_policy_grad(theta, trajectories.states[i, t],
                                         trajectories.actions[i, t])
            to_go = sum(gamma**u * rewards[u] for u in range(t, horizon))
            a_part += score_t * (total if estimator == "total_return" else to_go)
            b_part += score_t
        a_parts.append(a_part)
        b_parts.append(b_part)
    a_parts, b_parts = np.array(a_parts), np.array(b_parts)
    if baseline != "optimal":
        return a_parts - (baseline or 0.0) * b_parts
    out = np.empty_like(a_parts)
    for i in range(n):
        others = np.arange(n) != i
        num = (a_parts[others] * b_parts[others]).sum(axis=0)
        den = (b_parts[others] ** 2).sum(axis=0)
        b = np.divide(num, den, out=np.zeros_like(num), where=den > 0)
        out[i] = a_parts[i] - b * b_parts[i]
    return out


@pytest.mark.parametrize("estimator", ESTIMATORS)
@pytest.mark.parametrize("baseline", BASELINES)
def test_episode_gradients_match_the_definition(estimator, baseline):
    mdp = pg.random_mdp(4, 3, 5, rng=3, discount=0.9)
    theta = np.random.default_rng(4).normal(size=(4, 3))
    trajectories = pg.sample_trajectories(mdp, theta, 30, rng=5)
    np.testing.assert_allclose(
        pg.episode_gradients(mdp, theta, trajectories, estimator=estimator, baseline=baseline),
        _slow_episode_gradients(mdp, theta, trajectories, estimator, baseline),
        atol=1e-12,
    )


# --- unbiasedness --------------------------------------------------------------------------


@pytest.mark.parametrize(("seed", "discount"), PROBLEMS)
@pytest.mark.parametrize("estimator", ESTIMATORS)
@pytest.mark.parametrize("baseline", BASELINES)
def test_exact_estimator_mean_is_the_exact_gradient(seed, discount, estimator, baseline):
    mdp, theta = _problem(seed, discount)
    np.testing.assert_allclose(
        pg.exact_estimator_mean(mdp, theta, estimator=estimator, baseline=baseline),
        pg.exact_gradient(mdp, theta),
        atol=1e-12,
    )


@pytest.mark.parametrize(("seed", "discount"), PROBLEMS)
@pytest.mark.parametrize("estimator", ESTIMATORS)
@pytest.mark.parametrize("baseline", BASELINES)
def test_sample_mean_and_variance_match_exact_values(seed, discount, estimator, baseline):
    mdp, theta = _problem(seed, discount)
    n = 40_000
    estimate = pg.gradient_estimate(mdp, theta, n, rng=1000 + seed, estimator=estimator,
                                    baseline=baseline)
    # Mean: two-sided 4-SE test per coordinate, false-alarm rate 6.3e-5 each; over
    # 3 MDPs x 2 estimators x 3 baselines x 6 coordinates = 108 coordinates the
    # chance of any false alarm is about 108 * 6.3e-5 = 0.7%.
    z = (estimate.mean - pg.exact_gradient(mdp, theta)) / estimate.standard_error
    assert np.abs(z).max() < 4.0

    # Variance: the sample variance s^2 of n i.i.d. estimates has standard error
    # sqrt((mu_4 - sigma^4) / n), computed here from the exact fourth central moment.
    # A 5-SE band (false alarm ~6e-7 per coordinate under the normal approximation)
    # keeps all 108 coordinates safe. For the leave-one-out optimal baseline the
    # per-episode variance exceeds the exact-b* variance by O(1/n), ~1e-4 here.
    probabilities, estimates = _exact_per_trajectory(mdp, theta, estimator, baseline)
    deviations = estimates - np.einsum("k,kij->ij", probabilities, estimates)
    sigma2 = np.einsum("k,kij->ij", probabilities, deviations**2)
    mu4 = np.einsum("k,kij->ij", probabilities, deviations**4)
    np.testing.assert_allclose(sigma2, pg.exact_estimator_variance(mdp, theta, estimator=estimator,
                                                                   baseline=baseline), rtol=1e-10)
    tolerance = 5 * np.sqrt((mu4 - sigma2**2) / n)
    assert np.all(np.abs(estimate.variance - sigma2) < tolerance)


def _exact_batch_mean(mdp, theta, n, estimator, per_batch):
    """E over every n-tuple of trajectories of the batch-mean estimate."""
    trajectories, probabilities = pg.enumerate_trajectories(mdp, theta)
    total = np.zeros_like(theta)
    for combo in itertools.product(range(len(probabilities)), repeat=n):
        index = np.array(combo)
        batch = pg.Trajectories(trajectories.states[index], trajectories.actions[index],
                                trajectories.rewards[index], mdp.discount)
        total += probabilities[index].prod() * per_batch(batch).mean(axis=0)
    return total


def _in_sample_optimal(mdp, theta, batch, estimator):
    """The biased alternative: b* estimated from the whole batch, episode i included."""
    a_part = pg.episode_gradients(mdp, theta, batch, estimator=estimator)
    b_part = pg.score(theta, batch.states, batch.actions)
    num, den = (a_part * b_part).sum(axis=0), (b_part**2).sum(axis=0)
    b = np.divide(num, den, out=np.zeros_like(num), where=den > 0)
    return a_part - b * b_part


@pytest.mark.parametrize(
    ("mdp", "theta", "n"),
    [
        (pg.bandit([1.0, 2.0, 5.0]), np.array([[0.3, 0.0, -0.5]]), 3),
        (pg.random_mdp(2, 2, 2, rng=9), np.array([[0.5, -0.5], [0.2, 1.0]]), 2),
    ],
)
@pytest.mark.parametrize("estimator", ESTIMATORS)
def test_leave_one_out_optimal_baseline_is_exactly_unbiased_for_small_batches(
    mdp, theta, n, estimator
):
    # Exact expectation over all n-tuples of trajectories, no sampling.
    exact = pg.exact_gradient(mdp, theta)
    loo = _exact_batch_mean(
        mdp, theta, n, estimator,
        lambda batch: pg.episode_gradients(mdp, theta, batch, estimator=estimator,
                                           baseline="optimal"),
    )
    np.testing.assert_allclose(loo, exact, atol=1e-12)
    # The in-sample version is biased at this n (so the test can tell them apart).
    in_sample = _exact_batch_mean(
        mdp, theta, n, estimator, lambda batch: _in_sample_optimal(mdp, theta, batch, estimator)
    )
    assert np.abs(in_sample - exact).max() > 1e-3


# --- variance reduction ---------------------------------------------------------------------


@pytest.mark.parametrize(("seed", "discount"), PROBLEMS)
@pytest.mark.parametrize("estimator", ESTIMATORS)
def test_optimal_baseline_minimises_each_coordinate_among_constants(seed, discount, estimator):
    mdp, theta = _problem(seed, discount)
    best = pg.exact_estimator_variance(mdp, theta, estimator=estimator, baseline="optimal")
    for b in np.linspace(-3.0, 3.0, 25):
        variance = pg.exact_estimator_variance(mdp, theta, estimator=estimator, baseline=float(b))
        assert np.all(best <= variance + 1e-12)
    # In particular it never does worse than no baseline (b = 0 is a constant).
    assert np.all(best <= pg.exact_estimator_variance(mdp, theta, estimator=estimator) + 1e-12)


def test_optimal_baseline_is_the_ratio_of_moments():
    mdp, theta = _problem(0)
    probabilities, a_part = _exact_per_trajectory(mdp, theta, "total_return", None)
    trajectories, _ = pg.enumerate_trajectories(mdp, theta)
    b_part = pg.score(theta, trajectories.states, trajectories.actions)
    expected = (np.einsum("k,kij,kij->ij", probabilities, a_part, b_part)
                / np.einsum("k,kij->ij", probabilities, b_part**2))
    np.testing.assert_allclose(pg.optimal_baseline(mdp, theta), expected, rtol=1e-12)


@pytest.mark.parametrize(
    ("mdp", "theta"),
    [(pg.chain_mdp(), np.zeros((4, 2)))] + [_problem(seed, d) for seed, d in PROBLEMS],
)
def test_reward_to_go_reduces_total_variance_on_these_mdps(mdp, theta):
    # Not a theorem for every MDP (dropped past-reward terms have mean zero but can
    # covary with the rest); it holds on the chain and these random MDPs, by a wide
    # margin (0.5-0.7x total variance), which is what book/reward_to_go shows.
    for baseline in (None, "optimal"):
        total, to_go = (
            pg.exact_estimator_variance(mdp, theta, estimator=e, baseline=baseline).sum()
            for e in ("total_return", "reward_to_go")
        )
        assert to_go < total


def test_variance_of_the_mean_falls_like_one_over_n():
    mdp, theta = _problem(1)
    exact = pg.exact_estimator_variance(mdp, theta, estimator="total_return")
    n_batches = 4000
    for n in (10, 40):
        samples = pg.gradient_samples(mdp, theta, n_batches * n, rng=n)
        batch_means = samples.reshape(n_batches, n, 3, 2).mean(axis=1)
        ratio = batch_means.var(axis=0, ddof=1) / (exact / n)
        # The variance of M near-normal batch means has relative standard error
        # about sqrt(2 / (M - 1)) = 0.022 (plus a kurtosis term that shrinks like
        # 1/n); a band of +-0.15 is more than 5 such errors for n = 10 and 40.
        assert np.all(np.abs(ratio - 1.0) < 0.15), ratio


# --- streaming estimate ------------------------------------------------------------------------


def test_gradient_estimate_in_one_chunk_equals_gradient_samples_statistics():
    mdp, theta = _problem(0)
    estimate = pg.gradient_estimate(mdp, theta, 500, rng=7, estimator="reward_to_go",
                                    baseline="optimal", chunk_size=500)
    samples = pg.gradient_samples(mdp, theta, 500, rng=7, estimator="reward_to_go",
                                  baseline="optimal")
    np.testing.assert_allclose(estimate.mean, samples.mean(axis=0), rtol=1e-12)
    np.testing.assert_allclose(estimate.variance, samples.var(axis=0, ddof=1), rtol=1e-12)
    np.testing.assert_allclose(estimate.standard_error,
                               samples.std(axis=0, ddof=1) / np.sqrt(500), rtol=1e-12)
    assert estimate.n_episodes == 500


def test_chunked_moments_equal_the_moments_of_the_concatenated_chunks():
    mdp, theta = _problem(2, 0.9)
    estimate = pg.gradient_estimate(mdp, theta, 1003, rng=8, chunk_size=100)
    generator = np.random.default_rng(8)
    samples = np.concatenate(
        [pg.gradient_samples(mdp, theta, size, rng=generator) for size in [100] * 10 + [3]]
    )
    np.testing.assert_allclose(estimate.mean, samples.mean(axis=0), rtol=1e-10, atol=1e-14)
    np.testing.assert_allclose(estimate.variance, samples.var(axis=0, ddof=1), rtol=1e-10)


def test_optimal_baseline_never_gets_a_chunk_of_one():
    mdp, theta = _problem(0)
    estimate = pg.gradient_estimate(mdp, theta, 21, rng=0, baseline="optimal", chunk_size=10)
    generator = np.random.default_rng(0)
    samples = np.concatenate(
        [pg.gradient_samples(mdp, theta, size, rng=generator, baseline="optimal")
         for size in (10, 11)]
    )
    assert estimate.n_episodes == 21
    np.testing.assert_allclose(estimate.mean, samples.mean(axis=0), rtol=1e-10, atol=1e-14)


def test_gradient_estimate_memory_does_not_grow_with_n():
    # 200,000 episodes of H = 50 with S = 10, A = 4, in chunks of 10,000. Unchunked,
    # the uniforms alone would take 200,000 x 100 x 8 B = 160 MB and the (n, S, A)
    # estimates 64 MB; chunked, the peak is a few tens of MB.
    mdp = pg.random_mdp(10, 4, 50, rng=0)
    theta = np.random.default_rng(1).normal(size=(10, 4))
    tracemalloc.start()
    try:
        estimate = pg.gradient_estimate(mdp, theta, 200_000, rng=2, chunk_size=10_000)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert estimate.n_episodes == 200_000
    assert peak < 48 * 2**20, f"peak {peak / 2**20:.1f} MiB"


# --- determinism and validation ------------------------------------------------------------


def test_gradient_samples_are_reproducible():
    mdp, theta = _problem(0)
    a = pg.gradient_samples(mdp, theta, 100, rng=3, baseline="optimal")
    b = pg.gradient_samples(mdp, theta, 100, rng=3, baseline="optimal")
    c = pg.gradient_samples(mdp, theta, 100, rng=4, baseline="optimal")
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)
    e1 = pg.gradient_estimate(mdp, theta, 1000, rng=3, chunk_size=300)
    e2 = pg.gradient_estimate(mdp, theta, 1000, rng=np.random.default_rng(3), chunk_size=300)
    np.testing.assert_array_equal(e1.mean, e2.mean)


def test_unknown_estimator_and_baseline_list_the_valid_names():
    mdp, theta = _problem(0)
    with pytest.raises(ValueError, match="estimator must be one of 'total_return', 'reward_to"):
        pg.gradient_samples(mdp, theta, 10, rng=0, estimator="gpomdp")
    with pytest.raises(ValueError, match="baseline must be None, a real number or one of 'opt"):
        pg.gradient_estimate(mdp, theta, 10, rng=0, baseline="average")
    with pytest.raises(ValueError, match="estimator must be one of"):
        pg.exact_estimator_variance(mdp, theta, estimator="rtg")
    with pytest.raises(TypeError, match="baseline must be None, a real number"):
        pg.exact_estimator_mean(mdp, theta, baseline=[0.5])


def test_optimal_baseline_needs_two_episodes():
    mdp, theta = _problem(0)
    with pytest.raises(ValueError,
                       match="baseline='optimal' .* at least 2 episodes; got n_episodes=1"):
        pg.gradient_samples(mdp, theta, 1, rng=0, baseline="optimal")
    with pytest.raises(ValueError, match="n_episodes must be at least 2"):
        pg.gradient_estimate(mdp, theta, 1, rng=0)
    with pytest.raises(ValueError, match="chunk_size must be at least 2"):
        pg.gradient_estimate(mdp, theta, 10, rng=0, chunk_size=1)


@pytest.mark.parametrize("n", [0, -1, 2.5, True, "3"])
def test_n_must_be_a_positive_int(n):
    mdp, theta = _problem(0)
    with pytest.raises((TypeError, ValueError), match="n_episodes must be a positive int"):
        pg.gradient_samples(mdp, theta, n, rng=0)
    with pytest.raises((TypeError, ValueError), match="n_episodes must be a positive int"):
        pg.gradient_estimate(mdp, theta, n, rng=0)


def test_trajectories_must_come_from_the_mdp():
    mdp, theta = _problem(0)
    other = pg.sample_trajectories(pg.random_mdp(3, 2, 4, rng=0), theta, 5, rng=0)
    with pytest.raises(ValueError, match="trajectories have horizon 4; expected mdp.horizon = 3"):
        pg.episode_gradients(mdp, theta, other)
    discounted = pg.sample_trajectories(pg.random_mdp(3, 2, 3, rng=0, discount=0.5), theta, 5,
                                        rng=0)
    with pytest.raises(ValueError, match="trajectories.discount is 0.5; expected mdp.discount"):
        pg.episode_gradients(mdp, theta, discounted)
    bad = pg.Trajectories(np.full((1, 3), 7), np.zeros((1, 3), int), np.zeros((1, 3)))
    with pytest.raises(ValueError, match=r"trajectories.states\[0, 0\] is 7"):
        pg.episode_gradients(mdp, theta, bad)
    with pytest.raises(TypeError, match="trajectories must be a Trajectories"):
        pg.episode_gradients(mdp, theta, {"states": []})
    with pytest.raises(ValueError, match=r"theta has shape"):
        pg.episode_gradients(mdp, np.zeros((2, 2)), other)
    with pytest.raises(ValueError, match=r"rewards\[0, 0\] is nan"):
        pg.reward_to_go([[np.nan]])


# --- the leave-one-out mean baseline -------------------------------------------------------


@pytest.mark.parametrize("estimator", ["total_return", "reward_to_go"])
def test_leave_one_out_mean_baseline_by_a_loop(estimator):
    mdp, theta = pg.random_mdp(3, 2, 3, rng=30), np.random.default_rng(31).normal(size=(3, 2))
    trajectories = pg.sample_trajectories(mdp, theta, 5, rng=32)
    got = pg.episode_gradients(mdp, theta, trajectories, estimator=estimator,
                               baseline="leave_one_out_mean")
    psi = (np.repeat(trajectories.returns[:, None], 3, axis=1) if estimator == "total_return"
           else pg.reward_to_go(trajectories.rewards))
    for i in range(5):
        others = np.delete(psi, i, axis=0).mean(axis=0)
        expected = pg.score(theta, trajectories.states[i:i + 1], trajectories.actions[i:i + 1],
                            (psi[i] - others)[None])[0]
        np.testing.assert_allclose(got[i], expected, atol=1e-12)


def test_leave_one_out_mean_baseline_is_unbiased():
    # 4 SE per coordinate, 4 distinct coordinates up to sign: false-alarm rate < 2.6e-4 (the
    # baseline makes the episodes' estimates weakly dependent, an O(1/N) effect on the SE).
    # Small batches are checked against exact batch moments in tests/test_batch_weighting.py.
    mdp, theta = pg.chain_mdp(), np.random.default_rng(33).normal(size=(4, 2))
    samples = pg.gradient_samples(mdp, theta, 100_000, rng=34, estimator="reward_to_go",
                                  baseline="leave_one_out_mean")
    mean, se = samples.mean(axis=0), samples.std(axis=0, ddof=1) / np.sqrt(100_000)
    assert np.all(np.abs(mean - pg.exact_gradient(mdp, theta)) <= 4 * se + 1e-12)


def test_leave_one_out_mean_baseline_needs_two_episodes_and_has_no_one_episode_moments():
    mdp, theta = pg.chain_mdp(), np.zeros((4, 2))
    with pytest.raises(ValueError, match="leave_one_out_mean.*at least 2 episodes"):
        pg.gradient_samples(mdp, theta, 1, baseline="leave_one_out_mean")
    with pytest.raises(ValueError, match="depends on the other episodes"):
        pg.exact_estimator_mean(mdp, theta, baseline="leave_one_out_mean")
    estimate = pg.gradient_estimate(mdp, theta, 21, rng=0, baseline="leave_one_out_mean",
                                    chunk_size=10)
    assert estimate.n_episodes == 21
