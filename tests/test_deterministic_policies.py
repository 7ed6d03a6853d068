"""Tests for pgtheory.deterministic_policies: the best deterministic stationary policy.

References: the chain's closed form 0.9^3 x 10; a direct evaluation of each deterministic
policy written here (a recursion over state distributions, independent of pgtheory.exact);
exact gradient ascent from random starts, which never beats the chain's J*.
"""

import itertools

import numpy as np
import pytest

import pgtheory as pg


def _deterministic_return(mdp: pg.TabularMDP, actions: np.ndarray) -> float:
    """J of the policy that takes actions[s] in state s: propagate the state distribution."""
    states = np.arange(mdp.n_states)
    d, total = mdp.initial.copy(), 0.0
    for t in range(mdp.horizon):
        total += mdp.discount**t * d @ mdp.rewards[states, actions]
        d = d @ mdp.transitions[states, actions]
    return float(total)


def test_chain_best_policy_walks_right_and_collects_at_the_end() -> None:
    best = pg.best_deterministic_policy(pg.chain_mdp())
    assert best.actions.tolist() == [1, 1, 1, 0]
    assert best.expected_return == pytest.approx(0.9**3 * 10, abs=1e-12)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_best_policy_beats_every_deterministic_policy_by_direct_evaluation(seed: int) -> None:
    mdp = pg.random_mdp(3, 3, 4, rng=seed, discount=0.9)
    values = {a: _deterministic_return(mdp, np.array(a))
              for a in itertools.product(range(3), repeat=3)}
    best = pg.best_deterministic_policy(mdp)
    assert best.expected_return == pytest.approx(max(values.values()), abs=1e-12)
    assert values[tuple(best.actions)] == pytest.approx(best.expected_return, abs=1e-12)


def test_deterministic_logits_give_the_deterministic_policy() -> None:
    theta = pg.deterministic_logits(np.array([1, 0, 2]), 3)
    pi = pg.softmax_policy(theta)
    assert np.allclose(pi, np.eye(3)[[1, 0, 2]], atol=1e-20, rtol=0)
    mdp = pg.random_mdp(3, 3, 5, rng=4)
    assert pg.expected_return(mdp, theta) == pytest.approx(
        _deterministic_return(mdp, np.array([1, 0, 2])), abs=1e-12)


def test_no_stochastic_stationary_policy_beats_it_on_the_chain() -> None:
    """Evidence for the book's claim that 7.29 is the best stationary return on the chain:
    exact gradient ascent from 12 random logits never exceeds it (for finite horizons a
    randomized stationary policy can in general beat every deterministic one)."""
    mdp = pg.chain_mdp()
    best = pg.best_deterministic_policy(mdp).expected_return
    rng = np.random.default_rng(0)
    for _ in range(12):
        history = pg.exact_gradient_ascent(mdp, rng.normal(scale=3.0, size=(4, 2)),
                                           n_updates=200, learning_rate=2.0)
        assert history.expected_returns.max() <= best + 1e-9


def test_bad_input_is_rejected() -> None:
    with pytest.raises(ValueError, match="max_policies is 10"):
        pg.best_deterministic_policy(pg.chain_mdp(), max_policies=10)
    with pytest.raises(TypeError, match="TabularMDP"):
        pg.best_deterministic_policy(np.zeros((2, 2)))
    with pytest.raises(ValueError, match=r"actions must lie in \[0, 2\)"):
        pg.deterministic_logits(np.array([0, 2]), 2)
    with pytest.raises(TypeError, match="integer array"):
        pg.deterministic_logits(np.array([0.5]), 2)
