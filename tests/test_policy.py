"""Tests for pgtheory.policy: the softmax policy and its score (eq. softmax-score)."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

import pgtheory as pg

logits = arrays(
    float,
    st.tuples(st.integers(1, 4), st.integers(1, 4)),
    elements=st.floats(-30, 30, allow_nan=False),
)


@settings(max_examples=30, deadline=None)
@given(logits)
def test_softmax_rows_are_probability_vectors_and_match_log_softmax(theta):
    pi = pg.softmax_policy(theta)
    assert np.all(pi >= 0)
    np.testing.assert_allclose(pi.sum(axis=1), 1.0, atol=1e-12)
    np.testing.assert_allclose(np.exp(pg.log_softmax_policy(theta)), pi, rtol=1e-12)


def test_log_softmax_matches_the_definition_at_moderate_logits():
    theta = np.array([[0.0, 1.0, 2.0], [-1.0, -1.0, 3.0]])
    expected = theta - np.log(np.exp(theta).sum(axis=1, keepdims=True))
    np.testing.assert_allclose(pg.log_softmax_policy(theta), expected, rtol=1e-14)


def test_extreme_logits_give_finite_log_probabilities_and_scores():
    theta = np.array([[1e4, -1e4], [-1e4, 1e4], [1e4, 1e4]])
    log_pi = pg.log_softmax_policy(theta)
    assert np.all(np.isfinite(log_pi))
    assert log_pi[0, 1] == pytest.approx(-2e4)
    assert log_pi[2, 0] == pytest.approx(np.log(0.5))
    states = np.array([[0, 1, 2]])
    actions = np.array([[1, 0, 1]])
    scores = pg.score(theta, states, actions)
    assert np.all(np.isfinite(scores))
    np.testing.assert_allclose(scores[0, 0], [-1.0, 1.0])  # the unlikely action was taken
    assert np.all(np.isfinite(pg.log_policy_grad(theta, 1, 0)))


def test_log_policy_grad_is_the_softmax_score_formula():
    theta = np.array([[0.3, -0.2, 1.0], [0.0, 0.5, -0.5]])
    pi = pg.softmax_policy(theta)
    grad = pg.log_policy_grad(theta, 1, 2)
    expected = np.zeros_like(theta)
    expected[1] = np.eye(3)[2] - pi[1]
    np.testing.assert_allclose(grad, expected, rtol=1e-14)


def test_log_policy_grad_matches_finite_differences_of_log_softmax():
    theta = np.random.default_rng(0).normal(size=(3, 4))
    eps = 1e-6
    for s, a in [(0, 0), (2, 3), (1, 1)]:
        numeric = np.zeros_like(theta)
        for index in np.ndindex(theta.shape):
            step = np.zeros_like(theta)
            step[index] = eps
            numeric[index] = (
                pg.log_softmax_policy(theta + step)[s, a]
                - pg.log_softmax_policy(theta - step)[s, a]
            ) / (2 * eps)
        np.testing.assert_allclose(pg.log_policy_grad(theta, s, a), numeric, atol=1e-8)


def test_score_sums_single_step_scores_over_time():
    rng = np.random.default_rng(1)
    theta = rng.normal(size=(3, 2))
    states = rng.integers(0, 3, size=(5, 4))
    actions = rng.integers(0, 2, size=(5, 4))
    scores = pg.score(theta, states, actions)
    assert scores.shape == (5, 3, 2)
    for i in range(5):
        expected = sum(pg.log_policy_grad(theta, s, a) for s, a in zip(states[i], actions[i],
                                                                        strict=True))
        np.testing.assert_allclose(scores[i], expected, atol=1e-14)
    # Every row of a score sums to zero over actions (pi sums to one).
    np.testing.assert_allclose(scores.sum(axis=2), 0.0, atol=1e-13)


def test_bad_inputs_name_the_argument():
    theta = np.zeros((2, 2))
    with pytest.raises(ValueError, match=r"theta\[0, 1\] is nan"):
        pg.softmax_policy([[0.0, np.nan], [0.0, 0.0]])
    with pytest.raises(ValueError, match="theta must have 2 dimension"):
        pg.log_softmax_policy(np.zeros(3))
    with pytest.raises(ValueError, match=r"state must lie in \[0, 2\); got 2"):
        pg.log_policy_grad(theta, 2, 0)
    with pytest.raises(TypeError, match="action must be an int"):
        pg.log_policy_grad(theta, 0, 1.0)
    with pytest.raises(ValueError, match=r"actions\[0, 1\] is 5; actions must lie in \[0, 2\)"):
        pg.score(theta, [[0, 1]], [[0, 5]])
    with pytest.raises(TypeError, match="states must be an integer array"):
        pg.score(theta, [[0.0, 1.0]], [[0, 1]])
    with pytest.raises(ValueError, match="states and actions must have the same shape"):
        pg.score(theta, [[0, 1]], [[0, 1, 1]])
    with pytest.raises(ValueError, match=r"states must have shape \(n, H\)"):
        pg.score(theta, [0, 1], [0, 1])


def test_weighted_score_weights_each_step_separately():
    rng = np.random.default_rng(7)
    theta = rng.normal(size=(3, 2))
    states = rng.integers(0, 3, size=(4, 5))
    actions = rng.integers(0, 2, size=(4, 5))
    weights = rng.normal(size=(4, 5))
    expected = np.zeros((4, 3, 2))
    for i in range(4):
        for t in range(5):
            expected[i] += weights[i, t] * pg.log_policy_grad(theta, states[i, t], actions[i, t])
    np.testing.assert_allclose(pg.score(theta, states, actions, weights=weights), expected,
                               atol=1e-12)
    # All-ones weights are the plain score.
    np.testing.assert_allclose(pg.score(theta, states, actions, weights=np.ones((4, 5))),
                               pg.score(theta, states, actions), atol=1e-12)


def test_weighted_score_rejects_bad_weights():
    theta = np.zeros((2, 2))
    states = np.zeros((3, 4), dtype=int)
    with pytest.raises(ValueError, match="weights must have the shape"):
        pg.score(theta, states, states, weights=np.ones((3, 5)))
    with pytest.raises(ValueError, match="weights"):
        pg.score(theta, states, states, weights=np.full((3, 4), np.nan))
