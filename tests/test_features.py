"""Tests for pgtheory.features: feature policies through the tabular code by the chain rule.

The gradients are checked against central finite differences of the feature objective in W
(which never calls a gradient routine), for the finite-horizon and the discounted objective;
the short corridor's shared parameter against its closed form; REINFORCE against the exact
gradient in standard errors.
"""

from functools import partial

import numpy as np
import pytest

import pgtheory as pg


def corridor_weights(p):
    """W of shape (1, 2) for the shared-parameter corridor policy that goes right w.p. p."""
    return np.array([[0.0, np.log(p / (1 - p))]])


SHARED = np.ones((4, 1))  # phi(s) = 1 for every state of the corridor


def test_feature_logits_are_phi_times_w():
    features = np.array([[1.0, 0.0], [0.5, 2.0], [0.0, -1.0]])
    W = np.array([[1.0, -1.0, 0.0], [0.25, 0.0, 2.0]])
    theta = pg.feature_logits(features, W)
    assert theta.shape == (3, 3)
    for s in range(3):
        for a in range(3):
            assert theta[s, a] == pytest.approx(sum(features[s, k] * W[k, a] for k in range(2)))


@pytest.mark.parametrize("discount", [None, 0.0, 0.9])
def test_feature_gradient_equals_finite_differences_in_w(discount):
    rng = np.random.default_rng(0)
    mdp = pg.random_mdp(5, 3, 4, rng=rng, discount=0.95)
    features = rng.normal(size=(5, 2))
    W = rng.normal(size=(2, 3))
    objective = partial(pg.feature_expected_return, mdp, features, discount=discount)
    fd = pg.finite_difference_gradient(lambda w: objective(W=w), W)
    np.testing.assert_allclose(pg.feature_gradient(mdp, features, W, discount=discount), fd,
                               atol=1e-8)


def test_feature_gradient_on_the_episodic_corridor_equals_finite_differences():
    rng = np.random.default_rng(1)
    features = np.column_stack([np.ones(4), rng.normal(size=4)])  # constant + one random
    W = rng.normal(scale=0.5, size=(2, 2))
    corridor = pg.short_corridor()
    fd = pg.finite_difference_gradient(
        lambda w: pg.feature_expected_return(corridor, features, w, discount=1.0), W)
    np.testing.assert_allclose(pg.feature_gradient(corridor, features, W, discount=1.0), fd,
                               atol=1e-7)


def test_one_hot_features_are_the_tabular_policy():
    mdp = pg.chain_mdp()
    theta = np.random.default_rng(2).normal(size=(4, 2))
    identity = np.eye(4)
    np.testing.assert_array_equal(pg.feature_logits(identity, theta), theta)
    assert pg.feature_expected_return(mdp, identity, theta) == pg.expected_return(mdp, theta)
    np.testing.assert_allclose(pg.feature_gradient(mdp, identity, theta),
                               pg.exact_gradient(mdp, theta), atol=1e-15)


def test_shared_corridor_parameter_matches_the_closed_form():
    corridor = pg.short_corridor()
    for p in (0.1, 0.5, 0.8):
        assert pg.feature_expected_return(corridor, SHARED, corridor_weights(p),
                                          discount=1.0) == pytest.approx(
            -2 * (2 - p) / (p * (1 - p)), rel=1e-12)
    # dJ/dw_right = dJ/dp * p (1 - p); zero at the optimum p* = 2 - sqrt(2), and its sign
    # says where the optimum is
    best = 2 - np.sqrt(2)
    g = pg.feature_gradient(corridor, SHARED, corridor_weights(best), discount=1.0)
    np.testing.assert_allclose(g, 0.0, atol=1e-12)
    assert pg.feature_gradient(corridor, SHARED, corridor_weights(0.3), discount=1.0)[0, 1] > 0
    assert pg.feature_gradient(corridor, SHARED, corridor_weights(0.8), discount=1.0)[0, 1] < 0


def test_reinforce_first_estimate_is_unbiased_for_the_feature_gradient():
    corridor, W0 = pg.short_corridor(), corridor_weights(0.3)
    history, truncated = pg.feature_reinforce(corridor, SHARED, W0, 20_000, 1, 1e-9, rng=5)
    exact = pg.feature_gradient(corridor, SHARED, W0, discount=1.0)
    # 2 coordinates, exact negatives of each other: one test at 4.5 standard errors, false
    # alarm 6.8e-6 under the normal approximation
    assert abs(history.gradients[0, 0, 1] - exact[0, 1]) <= 4.5 * history.standard_errors[0, 0, 1]
    assert truncated.tolist() == [0]


def test_reinforce_with_one_shared_parameter_finds_the_best_stochastic_policy():
    corridor = pg.short_corridor()
    history, truncated = pg.feature_reinforce(corridor, SHARED, corridor_weights(0.1), 50, 300,
                                              0.01, rng=7, max_steps=3000)
    p = pg.softmax_policy(history.thetas[-1])[0, 1]
    # started at J = -2 * 1.9 / 0.09 = -42.2; the optimum is -11.657 at p = 0.586; with this
    # seed and step size REINFORCE ends within 0.05 of J* (a fixed-seed regression check)
    assert history.expected_returns[0] == pytest.approx(-2 * 1.9 / 0.09)
    assert history.expected_returns[-1] > -11.657 - 0.05
    assert abs(p - (2 - np.sqrt(2))) < 0.05
    assert truncated.sum() == 0
    assert history.thetas.shape == (301, 1, 2) and history.gradients.shape == (300, 1, 2)


def test_reinforce_is_reproducible():
    corridor = pg.short_corridor()
    a, _ = pg.feature_reinforce(corridor, SHARED, np.zeros((1, 2)), 5, 3, 0.1, rng=1)
    b, _ = pg.feature_reinforce(corridor, SHARED, np.zeros((1, 2)), 5, 3, 0.1,
                                rng=np.random.default_rng(1))
    np.testing.assert_array_equal(a.thetas, b.thetas)


def test_bad_shapes_are_named():
    with pytest.raises(ValueError, match=r"W has shape \(3, 2\); expected \(d, A\) with d = 2"):
        pg.feature_logits(np.ones((4, 2)), np.ones((3, 2)))
    with pytest.raises(ValueError, match="features has shape"):
        pg.feature_expected_return(pg.short_corridor(), np.ones((3, 1)), np.ones((1, 2)))
    with pytest.raises(ValueError, match="columns, one per action"):
        pg.feature_gradient(pg.short_corridor(), np.ones((4, 1)), np.ones((1, 3)))
    with pytest.raises(TypeError, match="mdp must be a TabularMDP"):
        pg.feature_gradient(None, np.ones((4, 1)), np.ones((1, 2)))
    with pytest.raises(ValueError, match="learning_rate"):
        pg.feature_reinforce(pg.short_corridor(), SHARED, np.zeros((1, 2)), 5, 3, -1.0)
    with pytest.raises(ValueError, match="W0"):
        pg.feature_reinforce(pg.short_corridor(), SHARED, np.zeros((2, 2)), 5, 3, 0.1)
