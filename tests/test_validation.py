"""Tests for pgtheory._validation: the checks every public function relies on."""

import numpy as np
import pytest

import pgtheory as pg
from pgtheory import _validation as v


@pytest.mark.parametrize("value", [1, 7, np.int64(3), np.int32(1), np.uint8(2)])
def test_positive_int_accepts_python_and_numpy_integers(value):
    result = v.check_positive_int(value, "n")
    assert result == int(value) and type(result) is int


@pytest.mark.parametrize("value", [True, False, np.True_, 2.0, 2.5, np.float64(3.0), "3", None])
def test_positive_int_rejects_non_integers_with_type_error(value):
    with pytest.raises(TypeError, match=r"n must be a positive int; got"):
        v.check_positive_int(value, "n")


@pytest.mark.parametrize("value", [0, -1, np.int64(-5)])
def test_positive_int_rejects_nonpositive_values(value):
    with pytest.raises(ValueError, match=r"horizon must be a positive int; got -?\d"):
        v.check_positive_int(value, "horizon")


def test_probability_vectors_tolerance_is_1e_8():
    v.check_probability_vectors(np.array([[0.5, 0.5 + 1e-10]]), "transitions")
    with pytest.raises(ValueError, match=r"transitions\[0\] sums to 1.000001; each row must sum"):
        v.check_probability_vectors(np.array([[0.5, 0.5 + 1e-6]]), "transitions")


def test_probability_vectors_message_names_the_row():
    rows = np.array([[[1.0, 0.0], [0.5, 0.5]], [[0.93, 0.0], [0.0, 1.0]]])
    with pytest.raises(ValueError, match=r"transitions\[1, 0\] sums to 0.93; each row must sum"):
        v.check_probability_vectors(rows, "transitions")


def test_probability_vectors_rejects_negative_entries_by_index():
    with pytest.raises(ValueError, match=r"initial\[1\] is -0.1; probabilities must be nonneg"):
        v.check_probability_vectors(np.array([1.1, -0.1]), "initial")


def test_finite_array_names_the_first_bad_entry():
    with pytest.raises(ValueError, match=r"theta\[1, 0\] is nan; every entry must be finite"):
        v.as_finite_array([[0.0, 1.0], [np.nan, np.inf]], "theta")
    with pytest.raises(ValueError, match=r"rewards\[0, 1\] is inf"):
        v.as_finite_array([[0.0, np.inf]], "rewards")


def test_finite_array_rejects_strings_bools_and_wrong_ndim():
    with pytest.raises(TypeError, match="theta must be an array of real numbers"):
        v.as_finite_array(["a", "b"], "theta")
    with pytest.raises(TypeError, match="theta must be an array of real numbers"):
        v.as_finite_array([True, False], "theta")
    with pytest.raises(ValueError, match=r"theta must have 2 dimension\(s\); got shape \(3,\)"):
        v.as_finite_array([1.0, 2.0, 3.0], "theta", ndim=2)


def test_finite_array_copy_is_independent():
    source = np.zeros(3)
    copy = v.as_finite_array(source, "x", copy=True)
    copy[0] = 1.0
    assert source[0] == 0.0


def test_check_shape_reports_expected_and_actual():
    with pytest.raises(ValueError, match=r"theta has shape \(2, 3\); expected \(4, 2\)"):
        v.check_shape(np.zeros((2, 3)), "theta", (4, 2))


def test_rng_normaliser_accepts_seed_generator_and_none():
    generator = np.random.default_rng(0)
    assert v.check_rng(generator) is generator
    assert isinstance(v.check_rng(None), np.random.Generator)
    assert v.check_rng(5).random() == np.random.default_rng(5).random()
    assert v.check_rng(np.int64(5)).random() == np.random.default_rng(5).random()


def test_rng_normaliser_accepts_everything_default_rng_accepts_with_the_same_bits():
    # SPEC 7: a SeedSequence or a BitGenerator is as good as the int seed it came from.
    expected = np.random.default_rng(5).random(3)
    assert np.array_equal(v.check_rng(np.random.SeedSequence(5)).random(3), expected)
    assert np.array_equal(v.check_rng(np.random.PCG64(5)).random(3), expected)


def test_spawned_streams_are_reproducible_and_distinct():
    first = [g.random() for g in v.check_rng(3).spawn(3)]
    again = [g.random() for g in v.check_rng(3).spawn(3)]
    assert first == again and len(set(first)) == 3


@pytest.mark.parametrize("rng", ["0", 1.5, True, np.random.RandomState(0), [1, 2]])
def test_rng_normaliser_rejects_other_types(rng):
    with pytest.raises(TypeError,
                       match="rng must be None, an int seed, a numpy.random.SeedSequence"):
        v.check_rng(rng)


def test_rng_normaliser_rejects_negative_seed():
    with pytest.raises(ValueError, match="rng must be a nonnegative int seed"):
        v.check_rng(-1)


def test_estimator_and_baseline_names_list_the_valid_choices():
    assert v.check_estimator("reward_to_go") == "reward_to_go"
    with pytest.raises(ValueError, match="estimator must be one of 'total_return', 'reward_to_go'"):
        v.check_estimator("vanilla")
    assert v.check_baseline(None) is None
    assert v.check_baseline(np.float32(0.5)) == 0.5
    assert v.check_baseline("optimal") == "optimal"
    with pytest.raises(ValueError, match="baseline must be None, a real number or one of .optim"):
        v.check_baseline("mean")
    with pytest.raises(TypeError, match="baseline must be None, a real number"):
        v.check_baseline(True)
    with pytest.raises(ValueError, match="baseline must be finite"):
        v.check_baseline(float("nan"))


def test_discount_must_lie_in_half_open_unit_interval():
    assert v.check_discount(1) == 1.0
    for bad in (0.0, -0.5, 1.5):
        with pytest.raises(ValueError, match=r"discount must lie in \(0.0, 1.0\]"):
            v.check_discount(bad)
    with pytest.raises(TypeError, match="discount must be a real number"):
        v.check_discount("0.9")


def test_check_mdp_and_theta_name_what_arrived():
    mdp = pg.chain_mdp()
    assert v.check_mdp(mdp) is mdp
    with pytest.raises(TypeError, match="mdp must be a TabularMDP; got dict"):
        v.check_mdp({})
    checked, theta = v.check_mdp_theta(mdp, [[0, 1]] * 4)
    assert checked is mdp and theta.dtype == float and theta.shape == (4, 2)
    with pytest.raises(ValueError, match=r"theta0 has shape \(4, 3\); expected \(4, 2\)"):
        v.check_mdp_theta(mdp, np.zeros((4, 3)), name="theta0")


def test_check_trajectories_requires_the_mdps_horizon_discount_and_indices():
    mdp = pg.chain_mdp()
    trajectories = pg.sample_trajectories(mdp, np.zeros((4, 2)), 3, rng=0)
    assert v.check_trajectories(mdp, trajectories) is trajectories
    with pytest.raises(TypeError, match="trajectories must be a Trajectories; got tuple"):
        v.check_trajectories(mdp, (trajectories.states, trajectories.actions))
    short = pg.Trajectories(trajectories.states[:, :2], trajectories.actions[:, :2],
                            trajectories.rewards[:, :2])
    with pytest.raises(ValueError, match="horizon 2; expected mdp.horizon = 4"):
        v.check_trajectories(mdp, short)
    discounted = pg.Trajectories(trajectories.states, trajectories.actions,
                                 trajectories.rewards, discount=0.9)
    with pytest.raises(ValueError, match="discount is 0.9; expected mdp.discount = 1.0"):
        v.check_trajectories(mdp, discounted)
    states = np.array(trajectories.states)
    states[1, 2] = 4
    bad = pg.Trajectories(states, trajectories.actions, trajectories.rewards)
    with pytest.raises(ValueError, match=r"trajectories.states\[1, 2\] is 4; states must lie"):
        v.check_trajectories(mdp, bad)


def test_check_optimal_batch_needs_two_episodes_for_the_optimal_baseline_only():
    v.check_optimal_batch("optimal", 2)
    v.check_optimal_batch(None, 1)
    v.check_optimal_batch(0.5, 1)
    with pytest.raises(ValueError, match="needs at least 2 episodes; got n_episodes=1"):
        v.check_optimal_batch("optimal", 1)
