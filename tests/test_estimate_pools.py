"""Tests for pgtheory.estimate_pools: pools of one-episode estimates and their block means.

References: by-hand block means; pg.gradient_samples drawn chunk by chunk from one generator
(the definition of the pool); the exact gradient and the exact one-episode variance by
enumeration (statistical tests with fixed seeds, tolerances in standard errors).
"""

import numpy as np
import pytest

import pgtheory as pg

CHAIN = pg.chain_mdp()
UNIFORM = np.zeros((4, 2))


def test_block_means_by_hand() -> None:
    samples = np.arange(12.0)
    assert np.array_equal(pg.block_means(samples, 4), [1.5, 5.5, 9.5])
    assert np.array_equal(pg.block_means(samples, 5), [2.0, 7.0])  # leftover 10, 11 unused
    assert np.array_equal(pg.block_means(samples, 1, max_blocks=3), [0.0, 1.0, 2.0])
    assert np.array_equal(pg.block_means(samples, 12), [5.5])


@pytest.mark.parametrize(("args", "kwargs", "error", "match"), [
    ((np.zeros(5), 6), {}, ValueError, "at most the number of samples 5"),
    ((np.zeros(5), 0), {}, ValueError, "n_episodes must be a positive int"),
    ((np.zeros(5), 2.0), {}, TypeError, "n_episodes"),
    ((np.zeros((2, 3)), 1), {}, ValueError, r"shape \(n,\)"),
    ((np.zeros(5), 1), {"max_blocks": 0}, ValueError, "max_blocks"),
])
def test_block_means_rejects_bad_input(args, kwargs, error, match) -> None:
    with pytest.raises(error, match=match):
        pg.block_means(*args, **kwargs)


def test_pool_is_gradient_samples_drawn_chunk_by_chunk() -> None:
    pool = pg.EstimatePool(CHAIN, UNIFORM, (1, 1), rng=7, estimator="reward_to_go",
                           baseline=0.5, chunk_size=300, max_size=1000)
    rng = np.random.default_rng(7)
    expected = np.concatenate([
        pg.gradient_samples(CHAIN, UNIFORM, 300, rng=rng, estimator="reward_to_go",
                            baseline=0.5)[:, 1, 1] for _ in range(3)])
    assert np.array_equal(pool.samples(700), expected[:700])
    assert pool.size == 900  # whole chunks
    assert not pool.samples(10).flags.writeable


def test_pool_prefix_does_not_depend_on_how_it_grew() -> None:
    grown = pg.EstimatePool(CHAIN, UNIFORM, (0, 0), rng=3, chunk_size=250, max_size=2000)
    for n in (10, 260, 900, 1700):
        grown.samples(n)
    at_once = pg.EstimatePool(CHAIN, UNIFORM, (0, 0), rng=3, chunk_size=250, max_size=2000)
    assert np.array_equal(grown.samples(1700), at_once.samples(1700))


def test_pools_of_one_seed_share_their_episodes() -> None:
    """Sampling comes before the estimator: g(b) = Y - b B on the same episodes, so the
    difference of two constant baselines is (b2 - b1) B, and B = score sums to 0 over a."""
    plain = pg.EstimatePool(CHAIN, UNIFORM, (0, 0), rng=5, chunk_size=500).samples(500)
    shifted = pg.EstimatePool(CHAIN, UNIFORM, (0, 0), rng=5, chunk_size=500,
                              baseline=1.0).samples(500)
    other = pg.EstimatePool(CHAIN, UNIFORM, (0, 1), rng=5, chunk_size=500,
                            baseline=1.0).samples(500)
    plain_other = pg.EstimatePool(CHAIN, UNIFORM, (0, 1), rng=5, chunk_size=500).samples(500)
    # B[0, 0] = -B[0, 1] for two actions: (plain - shifted) at (0,0) = -(...) at (0,1)
    np.testing.assert_allclose(plain - shifted, -(plain_other - other), atol=1e-12)


def test_block_means_have_the_exact_mean_and_variance_over_n() -> None:
    variance = pg.exact_estimator_variance(CHAIN, UNIFORM)[0, 0]
    exact = pg.exact_gradient(CHAIN, UNIFORM)[0, 0]
    pool = pg.EstimatePool(CHAIN, UNIFORM, (0, 0), rng=11, chunk_size=50_000, max_size=200_000)
    means = pool.n_episode_estimates(50, max_estimates=4000)
    assert means.shape == (4000,)
    standard_error = np.sqrt(variance / 50 / len(means))
    # 4 standard errors: false-alarm rate 6e-5
    assert abs(means.mean() - exact) < 4 * standard_error
    # sample variance of 4,000 near-normal means: relative standard error sqrt(2/3999) = 2.2 %;
    # 10 % is 4.5 of them (false-alarm rate below 1e-5)
    assert means.var(ddof=1) == pytest.approx(variance / 50, rel=0.10)


def test_n_episode_estimates_is_bounded_by_the_pool() -> None:
    pool = pg.EstimatePool(CHAIN, UNIFORM, (0, 0), rng=0, chunk_size=100, max_size=1000)
    assert len(pool.n_episode_estimates(300, max_estimates=50)) == 3  # 1000 // 300
    assert pool.size <= 1000
    with pytest.raises(ValueError, match="max_size"):
        pool.n_episode_estimates(1001, max_estimates=1)
    with pytest.raises(ValueError, match="max_size"):
        pool.samples(1001)


@pytest.mark.parametrize(("kwargs", "error", "match"), [
    ({"coordinate": (4, 0)}, ValueError, r"coordinate\[0\]"),
    ({"coordinate": (0, 2)}, ValueError, r"coordinate\[1\]"),
    ({"coordinate": (0,)}, ValueError, "pair"),
    ({"baseline": "optimal"}, ValueError, "None or a real number for a pool"),
    ({"estimator": "vanilla"}, ValueError, "estimator"),
    ({"theta": np.zeros((3, 2))}, ValueError, "theta"),
    ({"mdp": "chain"}, TypeError, "mdp must be a TabularMDP"),
    ({"chunk_size": 0}, ValueError, "chunk_size"),
])
def test_pool_rejects_bad_input(kwargs, error, match) -> None:
    arguments = {"mdp": CHAIN, "theta": UNIFORM, "coordinate": (0, 0)}
    arguments.update(kwargs)
    with pytest.raises(error, match=match):
        pg.EstimatePool(arguments.pop("mdp"), arguments.pop("theta"),
                        arguments.pop("coordinate"), **arguments)
