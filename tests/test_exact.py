"""Tests for pgtheory.exact: backward induction and the exact gradient.

The exact objective is checked against brute-force enumeration, and the exact
gradient against central finite differences of the objective (never against
the policy gradient theorem it implements).
"""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import pgtheory as pg


def finite_difference_gradient(mdp, theta, eps=1e-5):
    """Central differences of expected_return; error O(eps^2)."""
    gradient = np.zeros_like(theta)
    for index in np.ndindex(theta.shape):
        step = np.zeros_like(theta)
        step[index] = eps
        gradient[index] = (
            pg.expected_return(mdp, theta + step) - pg.expected_return(mdp, theta - step)
        ) / (2 * eps)
    return gradient


small_mdps = st.tuples(
    st.integers(1, 3),  # S
    st.integers(1, 3),  # A
    st.integers(1, 3),  # H
    st.sampled_from([1.0, 0.9, 0.5]),  # discount
    st.integers(0, 2**32 - 1),  # seed
)


def _build(params):
    n_states, n_actions, horizon, discount, seed = params
    rng = np.random.default_rng(seed)
    mdp = pg.random_mdp(n_states, n_actions, horizon, rng=rng, discount=discount)
    theta = rng.normal(scale=2.0, size=(n_states, n_actions))
    return mdp, theta


@settings(max_examples=30, deadline=None)
@given(small_mdps)
def test_expected_return_equals_brute_force_enumeration(params):
    mdp, theta = _build(params)
    assert pg.expected_return(mdp, theta) == pytest.approx(
        pg.expected_return_by_enumeration(mdp, theta), rel=1e-12, abs=1e-12
    )


@settings(max_examples=30, deadline=None)
@given(small_mdps)
def test_exact_gradient_equals_finite_differences(params):
    mdp, theta = _build(params)
    np.testing.assert_allclose(
        pg.exact_gradient(mdp, theta), finite_difference_gradient(mdp, theta), atol=1e-7
    )


def test_exact_gradient_on_the_chain_equals_finite_differences():
    mdp = pg.chain_mdp()
    for theta in (np.zeros((4, 2)), np.random.default_rng(3).normal(size=(4, 2))):
        np.testing.assert_allclose(
            pg.exact_gradient(mdp, theta), finite_difference_gradient(mdp, theta), atol=1e-7
        )


def test_bandit_gradient_has_the_closed_form():
    # One step: dJ/dtheta_a = pi_a (r_a - sum_b pi_b r_b).
    means = np.array([1.0, 0.0, 3.0])
    theta = np.array([[0.2, -0.4, 0.1]])
    pi = pg.softmax_policy(theta)[0]
    expected = pi * (means - pi @ means)
    np.testing.assert_allclose(pg.exact_gradient(pg.bandit(means), theta)[0], expected)


def test_value_function_shapes_and_boundary_condition():
    mdp = pg.random_mdp(3, 2, 4, rng=0)
    theta = np.zeros((3, 2))
    values, action_values = pg.value_functions(mdp, theta)
    assert values.shape == (5, 3) and action_values.shape == (4, 3, 2)
    np.testing.assert_array_equal(values[-1], 0.0)
    np.testing.assert_allclose(action_values[-1], mdp.rewards)  # last step: Q = r
    np.testing.assert_allclose(values[:-1], action_values.mean(axis=2))  # uniform policy


def test_state_distributions_are_probability_vectors_starting_at_rho():
    mdp = pg.random_mdp(4, 3, 5, rng=1)
    d = pg.state_distributions(mdp, np.random.default_rng(2).normal(size=(4, 3)))
    assert d.shape == (5, 4)
    np.testing.assert_allclose(d[0], mdp.initial)
    np.testing.assert_allclose(d.sum(axis=1), 1.0)
    assert np.all(d >= 0)


def test_discounting_counts_from_the_first_step():
    # Deterministic one-state MDP, reward 1 every step: J = 1 + gamma + gamma^2.
    mdp = pg.TabularMDP(np.ones((1, 1, 1)), np.ones((1, 1)), np.ones(1), 3, discount=0.5)
    assert pg.expected_return(mdp, np.zeros((1, 1))) == pytest.approx(1.75)


def test_exact_gradient_ascent_follows_the_exact_gradient():
    mdp = pg.chain_mdp()
    theta0 = np.zeros((4, 2))
    history = pg.exact_gradient_ascent(mdp, theta0, n_updates=5, learning_rate=0.3)
    assert history.thetas.shape == (6, 4, 2) and history.gradients.shape == (5, 4, 2)
    assert history.expected_returns.shape == (6,) and history.sampled_returns.shape == (5,)
    np.testing.assert_array_equal(history.standard_errors, 0.0)
    for g in range(5):
        np.testing.assert_array_equal(
            history.gradients[g], pg.exact_gradient(mdp, history.thetas[g])
        )
        np.testing.assert_array_equal(
            history.thetas[g + 1], history.thetas[g] + 0.3 * history.gradients[g]
        )
        assert history.expected_returns[g] == pg.expected_return(mdp, history.thetas[g])
    assert history.expected_returns[-1] > history.expected_returns[0]


def test_bad_inputs_name_the_argument():
    mdp = pg.chain_mdp()
    with pytest.raises(ValueError, match=r"theta has shape \(2, 4\); expected \(4, 2\)"):
        pg.expected_return(mdp, np.zeros((2, 4)))
    with pytest.raises(ValueError, match=r"theta\[0, 0\] is inf"):
        pg.exact_gradient(mdp, np.full((4, 2), np.inf))
    with pytest.raises(TypeError, match="mdp must be a TabularMDP"):
        pg.value_functions("chain", np.zeros((4, 2)))
    with pytest.raises(ValueError, match=r"theta0 has shape"):
        pg.exact_gradient_ascent(mdp, np.zeros((4, 3)), 2, 0.1)
    for n_updates in (0, -1, 2.5, True, "3"):
        with pytest.raises((TypeError, ValueError), match="n_updates must be a positive int"):
            pg.exact_gradient_ascent(mdp, np.zeros((4, 2)), n_updates, 0.1)
    for rate in (0.0, -1.0, np.nan):
        with pytest.raises(ValueError, match="learning_rate must"):
            pg.exact_gradient_ascent(mdp, np.zeros((4, 2)), 2, rate)
