"""Tests for pgtheory.mdp: construction, validation and the ready-made MDPs."""

import numpy as np
import pytest

import pgtheory as pg


def _valid_arrays():
    transitions = np.array(
        [[[0.9, 0.1], [0.2, 0.8]], [[1.0, 0.0], [0.5, 0.5]]]
    )  # (S=2, A=2, S=2)
    rewards = np.array([[1.0, 0.0], [0.0, 2.0]])
    initial = np.array([0.6, 0.4])
    return transitions, rewards, initial


def test_valid_mdp_stores_read_only_float_copies():
    transitions, rewards, initial = _valid_arrays()
    mdp = pg.TabularMDP(transitions, rewards.astype(int), initial, horizon=np.int64(3))
    assert (mdp.n_states, mdp.n_actions, mdp.horizon, mdp.discount) == (2, 2, 3, 1.0)
    assert type(mdp.horizon) is int
    assert mdp.rewards.dtype == float
    transitions[0, 0, 0] = 0.5  # the caller's array changes; the MDP's copy does not
    assert mdp.transitions[0, 0, 0] == 0.9
    with pytest.raises(ValueError, match="read-only"):
        mdp.rewards[0, 0] = 5.0
    with pytest.raises(AttributeError):
        mdp.horizon = 4


def test_row_sum_tolerance_is_1e_8():
    transitions, rewards, initial = _valid_arrays()
    transitions[1, 0] = [1.0 + 1e-10, 0.0]
    pg.TabularMDP(transitions, rewards, initial, 2)
    transitions[1, 0] = [1.0 + 1e-6, 0.0]
    with pytest.raises(ValueError, match=r"transitions\[1, 0\] sums to 1.000001; each row must"):
        pg.TabularMDP(transitions, rewards, initial, 2)


def test_rows_that_do_not_sum_to_one_are_rejected_by_name():
    transitions, rewards, initial = _valid_arrays()
    transitions[1, 0] = [0.9, 0.03]
    with pytest.raises(ValueError, match=r"transitions\[1, 0\] sums to 0.93"):
        pg.TabularMDP(transitions, rewards, initial, 2)
    transitions, rewards, _ = _valid_arrays()
    with pytest.raises(ValueError, match="initial sums to 0.9; it must sum to 1"):
        pg.TabularMDP(transitions, rewards, [0.5, 0.4], 2)


def test_negative_probabilities_are_rejected():
    transitions, rewards, initial = _valid_arrays()
    transitions[0, 1] = [1.2, -0.2]
    with pytest.raises(ValueError, match=r"transitions\[0, 1, 1\] is -0.2; probabilities must"):
        pg.TabularMDP(transitions, rewards, initial, 2)
    transitions, rewards, _ = _valid_arrays()
    with pytest.raises(ValueError, match=r"initial\[0\] is -0.5"):
        pg.TabularMDP(transitions, rewards, [-0.5, 1.5], 2)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("transitions", np.full((2, 2, 3), 1 / 3), r"transitions has shape \(2, 2, 3\); expected"),
        ("transitions", np.full((2, 2), 0.5), r"transitions must have 3 dimension"),
        ("rewards", np.zeros((2, 3)), r"rewards has shape \(2, 3\); expected \(2, 2\)"),
        ("rewards", np.zeros(2), r"rewards must have 2 dimension"),
        ("initial", np.full(3, 1 / 3), r"initial has shape \(3,\); expected \(2,\)"),
    ],
)
def test_mismatched_shapes_are_rejected(field, value, message):
    arrays = dict(zip(("transitions", "rewards", "initial"), _valid_arrays(), strict=True))
    arrays[field] = value
    with pytest.raises(ValueError, match=message):
        pg.TabularMDP(**arrays, horizon=2)


@pytest.mark.parametrize("field", ["transitions", "rewards", "initial"])
@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_nan_and_inf_are_rejected(field, bad):
    arrays = dict(zip(("transitions", "rewards", "initial"), _valid_arrays(), strict=True))
    arrays[field] = arrays[field].copy()
    arrays[field].flat[0] = bad
    with pytest.raises(ValueError, match=rf"{field}\[0(, 0)*\] is (nan|inf)"):
        pg.TabularMDP(**arrays, horizon=2)


@pytest.mark.parametrize("horizon", [0, -1, 2.5, True, "3", 3.0])
def test_horizon_must_be_a_positive_int(horizon):
    with pytest.raises((TypeError, ValueError), match="horizon must be a positive int"):
        pg.TabularMDP(*_valid_arrays(), horizon=horizon)


@pytest.mark.parametrize("discount", [0.0, -0.1, 1.01, np.nan])
def test_discount_must_lie_in_zero_one(discount):
    with pytest.raises(ValueError, match="discount must"):
        pg.TabularMDP(*_valid_arrays(), horizon=2, discount=discount)


def test_bandit_is_one_state_one_step():
    mdp = pg.bandit([1.0, -2.0, 0.5])
    assert (mdp.n_states, mdp.n_actions, mdp.horizon) == (1, 3, 1)
    np.testing.assert_array_equal(mdp.rewards, [[1.0, -2.0, 0.5]])
    # Uniform policy: J is the average arm mean.
    assert pg.expected_return(mdp, np.zeros((1, 3))) == pytest.approx(-0.5 / 3)
    with pytest.raises(ValueError, match="means"):
        pg.bandit([])
    with pytest.raises(ValueError, match=r"means\[1\] is nan"):
        pg.bandit([0.0, np.nan])


def test_chain_mdp_early_choice_changes_what_can_be_earned_later():
    mdp = pg.chain_mdp()
    assert (mdp.n_states, mdp.n_actions, mdp.horizon) == (4, 2, 4)
    big = 50.0
    always_collect = np.array([[big, 0.0]] * 4)
    always_right_then_collect = np.array([[0.0, big]] * 3 + [[big, 0.0]])
    # Under the walking policy the return is 10 if no move slips: 0.9^3 * 10 on average.
    assert pg.expected_return(mdp, always_collect) == pytest.approx(4.0)
    assert pg.expected_return(mdp, always_right_then_collect) == pytest.approx(7.29)
    # Over every possible episode: collecting the +1 at step 1 caps the return at 4,
    # because s3 is three moves away and only three steps remain.
    trajectories, _ = pg.enumerate_trajectories(mdp, np.zeros((4, 2)))
    collect_first = trajectories.actions[:, 0] == 0
    assert trajectories.returns[collect_first].max() == 4.0
    assert trajectories.returns[~collect_first].max() == 10.0


def test_chain_mdp_exact_ascent_from_uniform_settles_on_always_collect():
    # From the uniform policy the gradient in s0 points towards the sure +1, and exact
    # gradient ascent converges to the local optimum "always collect" (J = 4), not to
    # the walk (J = 7.29): a documented trap of this chain.
    mdp = pg.chain_mdp()
    uniform = np.zeros((4, 2))
    gradient = pg.exact_gradient(mdp, uniform)
    assert gradient[0, 0] > 0 > gradient[0, 1]
    history = pg.exact_gradient_ascent(mdp, uniform, n_updates=300, learning_rate=0.3)
    assert history.expected_returns[-1] == pytest.approx(4.0, abs=0.02)
    walk = np.array([[-20.0, 20.0]] * 3 + [[20.0, -20.0]])
    assert pg.expected_return(mdp, walk) > history.expected_returns[-1] + 3


def test_chain_mdp_is_deterministic_without_slip():
    mdp = pg.chain_mdp(slip=0.0)
    assert set(np.unique(mdp.transitions)) == {0.0, 1.0}
    with pytest.raises(ValueError, match="slip must lie in"):
        pg.chain_mdp(slip=1.0)


def test_random_mdp_is_valid_and_reproducible():
    a = pg.random_mdp(4, 3, 5, rng=7, discount=0.9)
    b = pg.random_mdp(4, 3, 5, rng=np.random.default_rng(7), discount=0.9)
    c = pg.random_mdp(4, 3, 5, rng=8)
    assert (a.n_states, a.n_actions, a.horizon, a.discount) == (4, 3, 5, 0.9)
    np.testing.assert_array_equal(a.transitions, b.transitions)
    np.testing.assert_array_equal(a.rewards, b.rewards)
    assert not np.array_equal(a.rewards, c.rewards)
    with pytest.raises(TypeError, match="n_states must be a positive int"):
        pg.random_mdp(2.0, 2, 2)
    with pytest.raises(TypeError, match="rng must be"):
        pg.random_mdp(2, 2, 2, rng="seed")


def test_stop_or_continue_without_a_clock_is_book_cartpoles_example():
    mdp = pg.stop_or_continue()
    trajectories, probabilities = pg.enumerate_trajectories(mdp, np.zeros((2, 2)))
    lengths = pg.episode_lengths(mdp, trajectories)
    # stop (1/2, T = 1, R = 1); continue, stop (1/4, 2, 2); continue, continue (1/4, 2, 2)
    assert probabilities @ trajectories.returns == pytest.approx(1.5)
    assert probabilities @ lengths == pytest.approx(1.5)
    assert pg.terminal_states(mdp).tolist() == [False, True]


def test_stop_or_continue_with_a_clock_ends_every_episode_within_h_steps():
    mdp = pg.stop_or_continue(4, stop_reward=2.0, continue_reward=1.0, clock=True)
    assert (mdp.n_states, mdp.n_actions, mdp.horizon) == (5, 2, 4)
    always = np.array([[-9.0, 9.0]] * 5)  # continue (nearly) always
    assert pg.discounted_return(mdp, always, discount=1.0) == pytest.approx(4.0, abs=1e-6)
    np.testing.assert_allclose(mdp.transitions[:4, 1].argmax(axis=1), [1, 2, 3, 4])
    np.testing.assert_allclose(mdp.transitions[:4, 0, 4], 1.0)


def test_stop_or_continue_validates_its_arguments():
    with pytest.raises(TypeError, match="clock must be a bool"):
        pg.stop_or_continue(clock=1)
    with pytest.raises(ValueError, match="horizon must be a positive int"):
        pg.stop_or_continue(0)
    with pytest.raises(ValueError, match="stop_reward must be finite"):
        pg.stop_or_continue(stop_reward=np.inf)
