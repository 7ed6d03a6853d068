"""Tests for pgtheory.discounted: the discounted infinite-horizon objective and its gradient.

Every exact quantity is checked against a reference that does not use the linear solve it is
computed by: central finite differences of J_gamma, value iteration, brute-force truncated
sums of matrix powers, the finite-horizon code (backward induction) with a growing horizon
under the geometric truncation bound and closed forms (the short corridor). The samplers, which
check the same quantities from sampled episodes, are tested in test_discounted_samples.py.
"""

from functools import partial

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import pgtheory as pg


def episodic_mdp(seed, n_states=4, n_actions=3):
    """A random MDP plus a terminal state, entered with a probability that depends on (s, a)."""
    rng = np.random.default_rng(seed)
    base = pg.random_mdp(n_states, n_actions, 1, rng=rng)
    exit_probability = rng.uniform(0.05, 0.5, size=(n_states, n_actions))
    transitions = np.zeros((n_states + 1, n_actions, n_states + 1))
    transitions[:n_states, :, :n_states] = (1 - exit_probability)[..., None] * base.transitions
    transitions[:n_states, :, n_states] = exit_probability
    transitions[n_states, :, n_states] = 1.0
    rewards = np.zeros((n_states + 1, n_actions))
    rewards[:n_states] = base.rewards
    initial = np.append(base.initial, 0.0)
    return pg.TabularMDP(transitions, rewards, initial, horizon=1)


def policy_matrix(mdp, theta):
    pi = pg.softmax_policy(theta)
    return pi, np.einsum("sa,sax->sx", pi, mdp.transitions), (pi * mdp.rewards).sum(axis=1)


def corridor_theta(p):
    """Every state goes right with probability p."""
    theta = np.zeros((4, 2))
    theta[:, 1] = np.log(p / (1 - p))
    return theta


def corridor_closed_form(p):
    """J(p) of the short corridor, solved by hand: V0 = -2 (2 - p) / (p (1 - p))."""
    return -2 * (2 - p) / (p * (1 - p))


problems = st.tuples(
    st.integers(1, 4),  # S
    st.integers(1, 3),  # A
    st.sampled_from([0.0, 0.3, 0.9, 0.99]),  # discount
    st.integers(0, 2**32 - 1),  # seed
)


# --- terminal states and the MDP constructor --------------------------------------------------


def test_terminal_states_are_absorbing_zero_reward_states():
    assert pg.terminal_states(pg.short_corridor()).tolist() == [False, False, False, True]
    assert not pg.terminal_states(pg.chain_mdp()).any()  # state 3 absorbs under "right" only
    # absorbing under every action but with a reward: not terminal
    mdp = pg.TabularMDP(np.ones((1, 2, 1)), [[0.0, 1.0]], [1.0], horizon=1)
    assert not pg.terminal_states(mdp).any()


def test_short_corridor_matches_the_closed_form_and_its_optimum():
    corridor = pg.short_corridor()
    for p in (0.05, 0.3, 0.5, 0.9, 0.95):
        assert pg.discounted_return(corridor, corridor_theta(p), discount=1.0) == pytest.approx(
            corridor_closed_form(p), rel=1e-12)
    # d/dp of the closed form vanishes at p* = 2 - sqrt(2), where J = -(6 + 4 sqrt(2)) = -11.657
    best = 2 - np.sqrt(2)
    assert pg.discounted_return(corridor, corridor_theta(best), discount=1.0) == pytest.approx(
        -(6 + 4 * np.sqrt(2)), rel=1e-12)


def test_horizon_and_discount_fields_of_the_mdp_are_not_used():
    base = episodic_mdp(3)
    other = pg.TabularMDP(base.transitions, base.rewards, base.initial, horizon=7, discount=0.3)
    theta = np.random.default_rng(0).normal(size=(5, 3))
    for f in (pg.discounted_return, pg.discounted_gradient, pg.discounted_visitation,
              pg.biased_discounted_gradient):
        np.testing.assert_array_equal(f(base, theta, discount=0.8), f(other, theta, discount=0.8))


# --- exact against independent references ------------------------------------------------------


@settings(max_examples=30, deadline=None)
@given(problems)
def test_discounted_gradient_equals_finite_differences(params):
    n_states, n_actions, discount, seed = params
    rng = np.random.default_rng(seed)
    mdp = pg.random_mdp(n_states, n_actions, 1, rng=rng)
    theta = rng.normal(scale=1.5, size=(n_states, n_actions))
    fd = pg.finite_difference_gradient(partial(pg.discounted_return, mdp, discount=discount),
                                       theta)
    # rewards ~ N(0, 1), |J| <= max|r| / (1 - gamma) <= 400: FD error ~ 1e-10 * 400
    np.testing.assert_allclose(pg.discounted_gradient(mdp, theta, discount=discount), fd,
                               atol=1e-6)


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("discount", [0.0, 0.7, 1.0])
def test_episodic_gradient_equals_finite_differences(seed, discount):
    mdp = episodic_mdp(seed)
    theta = np.random.default_rng(seed + 10).normal(size=(mdp.n_states, mdp.n_actions))
    fd = pg.finite_difference_gradient(partial(pg.discounted_return, mdp, discount=discount),
                                       theta)
    np.testing.assert_allclose(pg.discounted_gradient(mdp, theta, discount=discount), fd,
                               atol=1e-8)


def test_corridor_gradient_equals_finite_differences():
    corridor = pg.short_corridor()
    theta = np.random.default_rng(4).normal(size=(4, 2))
    fd = pg.finite_difference_gradient(partial(pg.discounted_return, corridor, discount=1.0),
                                       theta)
    np.testing.assert_allclose(pg.discounted_gradient(corridor, theta, discount=1.0), fd,
                               atol=1e-7)


@pytest.mark.parametrize("discount", [0.0, 0.5, 0.9])
def test_values_equal_value_iteration(discount):
    mdp = pg.random_mdp(5, 3, 1, rng=7)
    theta = np.random.default_rng(8).normal(size=(5, 3))
    pi, _, _ = policy_matrix(mdp, theta)
    v = np.zeros(5)
    for _ in range(2000):  # contraction: error <= gamma^2000 max|r| / (1 - gamma)
        q = mdp.rewards + discount * mdp.transitions @ v
        v = (pi * q).sum(axis=1)
    values, action_values = pg.discounted_values(mdp, theta, discount=discount)
    np.testing.assert_allclose(values, v, atol=1e-12)
    np.testing.assert_allclose(action_values, q, atol=1e-12)


@pytest.mark.parametrize("discount", [0.0, 0.5, 0.95])
def test_visitation_and_return_equal_brute_force_truncated_sums(discount):
    mdp = pg.random_mdp(4, 2, 1, rng=11)
    theta = np.random.default_rng(12).normal(size=(4, 2))
    _, p_pi, r_pi = policy_matrix(mdp, theta)
    n_terms = 2000  # truncation error <= gamma^2000 / (1 - gamma) < 1e-40
    d_t, visitation, ret = mdp.initial.copy(), np.zeros(4), 0.0
    for t in range(n_terms):
        visitation += discount**t * d_t
        ret += discount**t * d_t @ r_pi
        d_t = d_t @ p_pi
    np.testing.assert_allclose(pg.discounted_visitation(mdp, theta, discount=discount),
                               visitation, rtol=1e-12)
    assert pg.discounted_return(mdp, theta, discount=discount) == pytest.approx(ret, rel=1e-11)
    # an unnormalised measure: total 1 / (1 - gamma) when nothing terminates
    assert visitation.sum() == pytest.approx(1 / (1 - discount), rel=1e-12)


def test_episodic_visitation_counts_expected_visits_before_termination():
    mdp = episodic_mdp(5)
    theta = np.random.default_rng(6).normal(size=(mdp.n_states, mdp.n_actions))
    _, p_pi, _ = policy_matrix(mdp, theta)
    live = ~pg.terminal_states(mdp)
    d_t, visits = mdp.initial.copy(), np.zeros(mdp.n_states)
    for _ in range(3000):  # exit probability >= 0.05 a step: tail < 0.95^3000
        visits += np.where(live, d_t, 0.0)
        d_t = np.where(live, d_t, 0.0) @ p_pi
    np.testing.assert_allclose(pg.discounted_visitation(mdp, theta, discount=1.0), visits,
                               rtol=1e-11)


@pytest.mark.parametrize("discount", [0.5, 0.9])
def test_finite_horizon_code_converges_within_the_geometric_bound(discount):
    mdp = pg.random_mdp(4, 3, 1, rng=21)
    theta = np.random.default_rng(22).normal(size=(4, 3))
    J = pg.discounted_return(mdp, theta, discount=discount)
    grad = pg.discounted_gradient(mdp, theta, discount=discount)
    r_max = np.abs(mdp.rewards).max()
    for horizon in (1, 2, 5, 10, 20, 40, 80, 250):
        finite = pg.TabularMDP(mdp.transitions, mdp.rewards, mdp.initial, horizon, discount)
        gap = abs(pg.expected_return(finite, theta) - J)
        grad_gap = np.abs(pg.exact_gradient(finite, theta) - grad).max()
        # |J - J_H| <= sum_{t > H} gamma^(t-1) max|r|
        assert gap <= discount**horizon * r_max / (1 - discount) + 1e-12
        # |d/dtheta_j of the tail| <= max|r| sum_{t > H} t gamma^(t-1): each entry of the
        # softmax score sum over t steps is at most t in size
        bound = r_max * discount**horizon * (horizon * (1 - discount) + 1) / (1 - discount) ** 2
        assert grad_gap <= bound + 1e-12
    assert gap < 1e-9 and grad_gap < 1e-8  # and the gaps do shrink to nothing


def test_finite_horizon_code_converges_on_an_episodic_problem_with_discount_one():
    corridor, theta = pg.short_corridor(), corridor_theta(0.4)
    J = pg.discounted_return(corridor, theta, discount=1.0)
    for horizon in (10, 50, 200):
        finite = pg.TabularMDP(corridor.transitions, corridor.rewards, corridor.initial, horizon)
        # rewards are -1 until termination: J_H - J = E[(T - H)^+] = sum_{n >= H} Pr(T > n)
        tail = sum(pg.termination_tail(corridor, theta, n) for n in range(horizon, 3000))
        assert pg.expected_return(finite, theta) - J == pytest.approx(tail, rel=1e-9, abs=1e-12)


def test_termination_tail_equals_repeated_multiplication():
    mdp = episodic_mdp(9)
    theta = np.random.default_rng(1).normal(size=(mdp.n_states, mdp.n_actions))
    _, p_pi, _ = policy_matrix(mdp, theta)
    live = ~pg.terminal_states(mdp)
    mass = mdp.initial.copy()
    for n in range(1, 40):
        mass = mass @ p_pi
        assert pg.termination_tail(mdp, theta, n) == pytest.approx(mass[live].sum(), rel=1e-12)
    assert pg.termination_tail(pg.chain_mdp(), np.zeros((4, 2)), 5) == 1.0


# --- the estimator that drops gamma^(t-1) -------------------------------------------------------


def test_biased_gradient_equals_the_gradient_at_discount_one_only():
    mdp = episodic_mdp(2)
    theta = np.random.default_rng(3).normal(size=(mdp.n_states, mdp.n_actions))
    np.testing.assert_allclose(pg.biased_discounted_gradient(mdp, theta, discount=1.0),
                               pg.discounted_gradient(mdp, theta, discount=1.0), atol=1e-13)
    biased = pg.biased_discounted_gradient(mdp, theta, discount=0.8)
    true = pg.discounted_gradient(mdp, theta, discount=0.8)
    cosine = (biased * true).sum() / np.linalg.norm(biased) / np.linalg.norm(true)
    assert cosine < 0.9999  # a measurable angle


def test_biased_gradient_uses_the_expected_number_of_visits():
    # independent route: E[sum_t score_t Q_gamma(s_t, a_t)] summed step by step with the
    # finite-horizon state distributions of a long horizon (the steps after termination add 0)
    mdp = episodic_mdp(4)
    theta = np.random.default_rng(5).normal(size=(mdp.n_states, mdp.n_actions))
    pi = pg.softmax_policy(theta)
    values, action_values = pg.discounted_values(mdp, theta, discount=0.6)
    long = pg.TabularMDP(mdp.transitions, mdp.rewards, mdp.initial, horizon=400)
    occupancy = pg.state_distributions(long, theta).sum(axis=0)  # sum_t Pr(s_t = s)
    occupancy[pg.terminal_states(mdp)] = 0.0
    expected = occupancy[:, None] * pi * (action_values - values[:, None])
    np.testing.assert_allclose(pg.biased_discounted_gradient(mdp, theta, discount=0.6), expected,
                               atol=1e-12)


def test_biased_field_is_not_a_gradient_its_jacobian_is_not_symmetric():
    # A C^2 field is a gradient only if its Jacobian (a Hessian) is symmetric (Nota & Thomas).
    mdp = episodic_mdp(0)
    theta = np.random.default_rng(1).normal(size=(mdp.n_states, mdp.n_actions))
    n = theta.size

    def jacobian(f):
        return pg.finite_difference_gradient(lambda x: f(mdp, x, discount=0.5).ravel(),
                                             theta).reshape(n, n)

    hessian = jacobian(pg.discounted_gradient)
    field = jacobian(pg.biased_discounted_gradient)
    assert np.abs(hessian - hessian.T).max() < 1e-7 * np.abs(hessian).max() + 1e-8
    assert np.abs(field - field.T).max() > 0.05 * np.abs(field).max()


# --- bad input: clear errors, never inf, nan or a LinAlgError -----------------------------------


@pytest.mark.parametrize("discount", [-0.1, 1.01, float("nan"), float("inf")])
def test_discount_outside_the_unit_interval_is_rejected(discount):
    with pytest.raises(ValueError, match="discount"):
        pg.discounted_return(pg.chain_mdp(), np.zeros((4, 2)), discount=discount)


def test_discount_must_be_a_number():
    with pytest.raises(TypeError, match="discount"):
        pg.discounted_gradient(pg.chain_mdp(), np.zeros((4, 2)), discount="0.9")
    with pytest.raises(TypeError, match="discount"):
        pg.discounted_return(pg.chain_mdp(), np.zeros((4, 2)))  # keyword-only and required


def test_discount_one_without_terminal_states_is_a_clear_error():
    for f in (pg.discounted_return, pg.discounted_gradient, pg.discounted_values,
              pg.discounted_visitation):
        with pytest.raises(ValueError, match="no terminal state"):
            f(pg.chain_mdp(), np.zeros((4, 2)), discount=1.0)


def test_discount_one_with_a_state_that_cannot_terminate_is_a_clear_error():
    corridor = pg.short_corridor()
    transitions = np.array(corridor.transitions)
    transitions[2] = 0.0
    transitions[2, :, 2] = 1.0  # state 2 traps the agent (reward -1 forever): no state can end
    trap = pg.TabularMDP(transitions, corridor.rewards, corridor.initial, horizon=1)
    stuck = r"state\(s\) \[0, 1, 2\] cannot reach a terminal state \[3\]"
    with pytest.raises(ValueError, match=stuck):
        pg.discounted_return(trap, np.zeros((4, 2)), discount=1.0)
    with pytest.raises(ValueError, match="undiscounted visitation"):
        pg.biased_discounted_gradient(trap, np.zeros((4, 2)), discount=0.5)
    assert np.isfinite(pg.discounted_return(trap, np.zeros((4, 2)), discount=0.99))


def test_biased_gradient_needs_an_episodic_problem():
    with pytest.raises(ValueError, match="undiscounted visitation"):
        pg.biased_discounted_gradient(pg.chain_mdp(), np.zeros((4, 2)), discount=0.9)


def test_nearly_deterministic_corridor_policies_give_an_error_not_inf(recwarn):
    corridor = pg.short_corridor()
    with pytest.raises(ValueError, match="probability 0 in floating point"):
        pg.discounted_return(corridor, corridor_theta(0.5) + [[0.0, 800.0]], discount=1.0)
    with pytest.raises(ValueError, match="numerically singular"):
        pg.discounted_return(corridor, np.tile([0.0, 30.0], (4, 1)), discount=1.0)
    assert not [w for w in recwarn if issubclass(w.category, RuntimeWarning)]


def test_bad_arguments_are_named():
    mdp = pg.short_corridor()
    with pytest.raises(TypeError, match="mdp must be a TabularMDP"):
        pg.discounted_return("corridor", np.zeros((4, 2)), discount=0.5)
    with pytest.raises(ValueError, match="theta"):
        pg.discounted_gradient(mdp, np.zeros((3, 2)), discount=0.5)
    with pytest.raises(TypeError, match="n_steps"):
        pg.termination_tail(mdp, np.zeros((4, 2)), 1.5)
