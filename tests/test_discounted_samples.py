"""Tests for pgtheory.discounted_samples: episodes without a horizon, sampled.

The sampled returns, gradients and lengths are compared with the exact quantities of
pgtheory.discounted (tested there against references that do not sample), with tolerances in
standard errors, and the cap with its exact probability.
"""

import numpy as np
import pytest
from test_discounted import corridor_theta, episodic_mdp  # tests/ is on sys.path under pytest

import pgtheory as pg

# --- sampled estimates ---------------------------------------------------------------------------

# Sampled checks: each coordinate within 4.5 standard errors; P(|z| > 4.5) = 6.8e-6 per
# coordinate under the normal approximation, so with at most 15 free coordinates per test
# (the terminal row is identically 0) the false-alarm rate of a test is below 1.1e-4.
Z = 4.5


def assert_within(samples, exact):
    mean = samples.mean(axis=0)
    se = samples.std(axis=0, ddof=1) / np.sqrt(len(samples))
    assert np.all(np.abs(mean - exact) <= Z * se + 1e-12), (mean - exact) / np.maximum(se, 1e-300)


@pytest.mark.parametrize("discount", [0.0, 0.6, 0.9])
def test_geometric_stopping_is_unbiased_for_the_discounted_objective(discount):
    mdp = pg.random_mdp(3, 2, 1, rng=30)  # continuing: nothing terminates
    theta = np.random.default_rng(31).normal(size=(3, 2))
    batch = pg.geometric_stopping_samples(mdp, theta, 40_000, rng=32, discount=discount,
                                          max_steps=400)
    assert batch.n_truncated == 0  # P(an episode reaches the cap) = 0.9^400 < 1e-18
    assert_within(batch.returns, pg.discounted_return(mdp, theta, discount=discount))
    assert_within(batch.gradients, pg.discounted_gradient(mdp, theta, discount=discount))
    # lengths are Geometric(1 - gamma): mean 1 / (1 - gamma)
    assert_within(batch.lengths.astype(float), 1 / (1 - discount))


def test_geometric_stopping_on_an_episodic_problem():
    mdp = episodic_mdp(40)
    theta = np.random.default_rng(41).normal(size=(mdp.n_states, mdp.n_actions))
    batch = pg.geometric_stopping_samples(mdp, theta, 40_000, rng=42, discount=0.8,
                                          max_steps=300)
    assert batch.n_truncated == 0
    assert_within(batch.returns, pg.discounted_return(mdp, theta, discount=0.8))
    assert_within(batch.gradients, pg.discounted_gradient(mdp, theta, discount=0.8))
    # the mean length of a stopped episode is the total discounted visitation
    assert_within(batch.lengths.astype(float),
                  pg.discounted_visitation(mdp, theta, discount=0.8).sum())


def test_dropped_factor_samples_estimate_the_biased_gradient_not_the_true_one():
    mdp = episodic_mdp(0)
    theta = np.random.default_rng(1).normal(size=(mdp.n_states, mdp.n_actions))
    batch = pg.dropped_factor_samples(mdp, theta, 60_000, rng=50, discount=0.5,
                                      max_steps=500)
    assert batch.n_truncated == 0  # termination_tail(500) < 1e-20 here
    assert_within(batch.gradients, pg.biased_discounted_gradient(mdp, theta, discount=0.5))
    assert_within(batch.returns, pg.discounted_return(mdp, theta, discount=0.5))
    # the bias is far larger than the noise: some coordinate misses the true gradient by > 10 se
    mean = batch.gradients.mean(axis=0)
    se = batch.gradients.std(axis=0, ddof=1) / np.sqrt(batch.n_episodes)
    true = pg.discounted_gradient(mdp, theta, discount=0.5)
    assert np.max(np.abs(mean - true)[se > 0] / se[se > 0]) > 10


def test_episodes_run_to_termination_have_the_exact_length_distribution():
    corridor, theta = pg.short_corridor(), corridor_theta(0.5)
    batch = pg.dropped_factor_samples(corridor, theta, 40_000, rng=60, discount=1.0,
                                      max_steps=1000)
    # returns are -T exactly; mean length = expected visits = 12 at p = 1/2
    np.testing.assert_array_equal(batch.returns, -batch.lengths)
    assert_within(batch.lengths.astype(float),
                  pg.discounted_visitation(corridor, theta, discount=1.0).sum())
    for n in (10, 20, 40):  # Pr(T > n), a Bernoulli mean
        assert_within((batch.lengths > n).astype(float), pg.termination_tail(corridor, theta, n))


def test_the_cap_cuts_episodes_with_the_exact_probability():
    corridor, theta = pg.short_corridor(), corridor_theta(0.5)
    batch = pg.dropped_factor_samples(corridor, theta, 40_000, rng=61, discount=1.0,
                                      max_steps=15)
    tail = pg.termination_tail(corridor, theta, 15)
    assert batch.lengths.max() == 15
    fraction = batch.n_truncated / batch.n_episodes
    assert abs(fraction - tail) <= Z * np.sqrt(tail * (1 - tail) / batch.n_episodes)
    # an episode that ends exactly at step 15 is not counted as cut
    assert batch.n_truncated < (batch.lengths == 15).sum()


def test_samplers_are_reproducible_and_spawn_independent_streams():
    mdp = episodic_mdp(1)
    theta = np.zeros((mdp.n_states, mdp.n_actions))
    for sampler in (pg.geometric_stopping_samples, pg.dropped_factor_samples):
        a = sampler(mdp, theta, 500, rng=3, discount=0.9)
        b = sampler(mdp, theta, 500, rng=np.random.default_rng(3), discount=0.9)
        np.testing.assert_array_equal(a.gradients, b.gradients)
        np.testing.assert_array_equal(a.lengths, b.lengths)
        c = sampler(mdp, theta, 500, rng=4, discount=0.9)
        assert not np.array_equal(a.lengths, c.lengths)


def test_sampler_starting_in_a_terminal_state_gives_empty_episodes():
    corridor = pg.short_corridor()
    mdp = pg.TabularMDP(corridor.transitions, corridor.rewards, [0, 0, 0, 1.0], horizon=1)
    batch = pg.dropped_factor_samples(mdp, np.zeros((4, 2)), 10, rng=0, discount=1.0)
    assert (batch.lengths == 0).all() and (batch.returns == 0).all()
    assert not batch.gradients.any()


def test_bad_arguments_are_named():
    mdp = pg.short_corridor()
    with pytest.raises(TypeError, match="mdp must be a TabularMDP"):
        pg.geometric_stopping_samples("corridor", np.zeros((4, 2)), 5, discount=0.5)
    with pytest.raises(ValueError, match="theta"):
        pg.dropped_factor_samples(mdp, np.zeros((3, 2)), 5, discount=0.5)
    with pytest.raises(ValueError, match="n_episodes"):
        pg.geometric_stopping_samples(mdp, np.zeros((4, 2)), 0, discount=0.5)
    with pytest.raises(TypeError, match="max_steps"):
        pg.dropped_factor_samples(mdp, np.zeros((4, 2)), 5, discount=0.5, max_steps=2.5)
    with pytest.raises(TypeError, match="rng"):
        pg.dropped_factor_samples(mdp, np.zeros((4, 2)), 5, discount=0.5, rng="seed")
    with pytest.raises(ValueError, match="discount"):
        pg.geometric_stopping_samples(mdp, np.zeros((4, 2)), 5, discount=1.5)
