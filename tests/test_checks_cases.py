"""The public case constructors of pgtheory.checks, as a grader's hidden tests use them: extra cases
(other MDPs and seeds, float32, lists) run after the built-in ones or alone, reach the student's
function as given, and are validated like any public input.
"""

from __future__ import annotations

import re
import types

import numpy as np
import pytest

import pgtheory as pg
from pgtheory import checks


def reward_to_go_right(rewards):
    return np.cumsum(np.asarray(rewards)[:, ::-1], axis=1)[:, ::-1]


def baseline_right(theta, states, actions, rewards, baseline):
    steps = np.arange(states.shape[1])
    weights = reward_to_go_right(rewards) - baseline[steps, states]
    return pg.score(theta, states, actions, weights).mean(axis=0)


def estimator_right(theta, states, actions, rewards):
    return (rewards.sum(axis=1)[:, None, None] * pg.score(theta, states, actions)).mean(axis=0)


@pytest.fixture(scope="module")
def other_mdp():
    mdp = pg.random_mdp(4, 3, 5, rng=2024)
    theta = np.round(np.random.default_rng(1).normal(size=(4, 3)), 2)
    return mdp, theta, pg.sample_trajectories(mdp, theta, 8, rng=7)


# --- extra cases run, and run last -------------------------------------------------------------


def test_an_extra_case_catches_what_the_built_in_cases_cannot():
    def wrong_for_long_episodes(rewards):
        rewards = np.asarray(rewards)
        return reward_to_go_right(rewards) if rewards.shape[1] < 7 else np.cumsum(rewards, 1)

    assert checks.check_reward_to_go(wrong_for_long_episodes, verbose=False)
    long = checks.reward_to_go_case(np.arange(14.0).reshape(2, 7), description="two long ones")
    result = checks.check_reward_to_go(wrong_for_long_episodes, cases=[long], verbose=False)
    assert not result and result.mistake == "forward_cumsum"
    assert result.case.startswith("two long ones")


def test_defaults_false_runs_only_the_given_cases():
    case = checks.reward_to_go_case(np.ones((1, 3)))
    result = checks.check_reward_to_go(reward_to_go_right, cases=[case], defaults=False,
                                       verbose=False)
    assert result and "on 1 case." in result.message and "including" not in result.message
    result = checks.check_reward_to_go(reward_to_go_right, cases=[case], verbose=False)
    assert "on 5 cases, including H = 1" in result.message


def test_other_mdps_and_seeds(other_mdp):
    mdp, theta, episodes = other_mdp
    args = (theta, episodes.states, episodes.actions, episodes.rewards)
    case = checks.reinforce_estimator_case(*args, mdp=mdp)
    assert checks.check_reinforce_estimator(estimator_right, cases=[case], verbose=False)
    result = checks.check_reinforce_estimator(lambda *a: -estimator_right(*a), cases=[case],
                                              defaults=False, verbose=False)
    assert result.mistake == "sign" and "8 episodes (S=4, A=3, H=5)" in result.message


def test_a_baseline_case_with_its_mdp_reports_the_exact_bias_and_without_it_does_not():
    mdp = pg.random_mdp(3, 2, 3, rng=99)  # 216 trajectories: the exact mean is computed
    theta = np.round(np.random.default_rng(2).normal(size=(3, 2)), 2)
    episodes = pg.sample_trajectories(mdp, theta, 5, rng=4)
    table = np.round(np.random.default_rng(3).uniform(-1, 1, size=(3, 3)), 1)
    args = (theta, episodes.states, episodes.actions, episodes.rewards, table)

    def constant_baseline(theta, states, actions, rewards, baseline):  # unbiased, not eq. baseline
        weights = reward_to_go_right(rewards) - baseline.mean()
        return pg.score(theta, states, actions, weights).mean(axis=0)

    with_mdp = checks.baseline_estimator_case(*args, mdp=mdp)
    result = checks.check_baseline_estimator(constant_baseline, cases=[with_mdp], defaults=False,
                                             verbose=False)
    assert result.mistake == "unrecognised" and "so it is unbiased" in result.message
    without = checks.baseline_estimator_case(*args)
    result = checks.check_baseline_estimator(constant_baseline, cases=[without], defaults=False,
                                             verbose=False)
    assert result.mistake == "unrecognised" and "every trajectory" not in result.message
    assert checks.check_baseline_estimator(baseline_right, cases=[with_mdp, without],
                                           verbose=False)
    assert len(pg.enumerate_trajectories(mdp, theta)[1]) <= checks.baseline_estimator \
        .MAX_EXACT_TRAJECTORIES


def test_no_exact_mean_over_more_trajectories_than_the_limit(other_mdp):
    mdp, theta, e = other_mdp  # 12^5 trajectories
    case = checks.baseline_estimator_case(theta, e.states, e.actions, e.rewards,
                                          np.zeros((5, 4)), mdp=mdp)
    result = checks.check_baseline_estimator(lambda *args: baseline_right(*args) * 1.1,
                                             cases=[case], defaults=False, verbose=False)
    assert result.mistake == "unrecognised" and "every trajectory" not in result.message


def test_the_exact_bias_of_an_action_dependent_baseline_is_real():
    def action_indexed(theta, states, actions, rewards, baseline):
        weights = reward_to_go_right(rewards) - baseline[np.arange(states.shape[1]), actions]
        return pg.score(theta, states, actions, weights).mean(axis=0)

    result = checks.check_baseline_estimator(action_indexed, verbose=False)
    bias = float(re.search(r"true gradient by up to ([\d.e-]+): it is biased",
                           result.message)[1])
    assert bias > 0.01  # exact sums over every trajectory, so no noise to allow for


def test_descent_is_shown_to_lower_the_exact_objective_when_the_case_knows_its_mdp():
    result = checks.check_reinforce_update(lambda th, g, lr: th - lr * g, verbose=False)
    before, after = (float(x) for x in re.search(r"takes J from ([\d.-]+) to ([\d.-]+);",
                                                 result.message).groups())
    assert after < before
    theta = np.zeros((3, 2))
    case = checks.reinforce_update_case(theta, np.ones((3, 2)), 0.1)
    result = checks.check_reinforce_update(lambda th, g, lr: th - lr * g, cases=[case],
                                           defaults=False, verbose=False)
    assert result.mistake == "descent" and "takes J" not in result.message


# --- inputs reach the student's function as given ---------------------------------------------


def test_float32_inputs_reach_the_function_and_a_float32_answer_passes():
    seen = []

    def in_float32(rewards):
        seen.append(rewards.dtype)
        return np.cumsum(rewards[:, ::-1], axis=1, dtype=np.float32)[:, ::-1]

    rewards = np.random.default_rng(5).normal(size=(4, 6)).astype(np.float32) * 10
    case = checks.reward_to_go_case(rewards)
    assert "with rewards as float32" in case.description
    assert checks.check_reward_to_go(in_float32, cases=[case], defaults=False, verbose=False)
    assert seen == [np.float32]
    result = checks.check_reward_to_go(lambda r: np.cumsum(r, axis=1), cases=[case],
                                       defaults=False, verbose=False)
    assert result.mistake == "forward_cumsum"


def test_list_inputs_reach_the_function_as_lists():
    case = checks.reward_to_go_case([[1.0, 2.0], [3.0, 4.0]])
    assert "with rewards as a Python list" in case.description
    result = checks.check_reward_to_go(lambda r: np.cumsum(r[:, ::-1], axis=1)[:, ::-1],
                                       cases=[case], defaults=False, verbose=False)
    assert result.mistake == "exception" and "raised TypeError" in result.message
    assert checks.check_reward_to_go(reward_to_go_right, cases=[case], defaults=False,
                                     verbose=False)


def test_a_case_keeps_its_own_copy_of_the_arguments():
    rewards = np.ones((2, 3))
    case = checks.reward_to_go_case(rewards)
    rewards[:] = 7.0
    assert case.args[0].max() == 1.0 and case.arrays[0].max() == 1.0


def test_each_constructor_builds_a_case_its_check_accepts(other_mdp):
    mdp, theta, e = other_mdp
    made = {
        "check_log_softmax_grad": checks.log_softmax_grad_case(theta, 1, 2),
        "check_trajectory_log_prob_grad": checks.trajectory_log_prob_grad_case(
            theta, e.states, e.actions),
        "check_reinforce_estimator": checks.reinforce_estimator_case(
            theta, e.states, e.actions, e.rewards),
        "check_reward_to_go": checks.reward_to_go_case(e.rewards),
        "check_baseline_estimator": checks.baseline_estimator_case(
            theta, e.states, e.actions, e.rewards, np.zeros((5, 4)), mdp=mdp),
        "check_reinforce_update": checks.reinforce_update_case(theta, theta, 0.5, mdp=mdp),
    }
    for name, case in made.items():
        assert isinstance(case, checks.Case) and case.check == name
        reference = checks.MODULES[name].SPEC.reference
        assert getattr(checks, name)(reference, cases=[case], defaults=False, verbose=False)


# --- the constructors validate like any public function ----------------------------------------


@pytest.mark.parametrize("make, error, pattern", [
    (lambda: checks.reward_to_go_case(np.ones(3)), ValueError, "rewards must have 2 dim"),
    (lambda: checks.reward_to_go_case([["a"]]), TypeError, "rewards must be an array of real"),
    (lambda: checks.reward_to_go_case([[np.nan]]), ValueError, r"rewards\[0, 0\] is nan"),
    (lambda: checks.log_softmax_grad_case(np.zeros((2, 3)), 2, 0), ValueError, "s must lie in"),
    (lambda: checks.log_softmax_grad_case(np.zeros((2, 3)), 0, 1.0), TypeError, "a must be an "
     "int"),
    (lambda: checks.trajectory_log_prob_grad_case(np.zeros((2, 2)), [[0, 2]], [[0, 0]]),
     ValueError, r"states\[0, 1\] is 2"),
    (lambda: checks.trajectory_log_prob_grad_case(np.zeros((2, 2)), [[0, 1]], [[0]]),
     ValueError, "states and actions must have the same shape"),
    (lambda: checks.reinforce_estimator_case(np.zeros((2, 2)), [[0]], [[0]], [[1.0, 2.0]]),
     ValueError, "rewards must have the shape of states"),
    (lambda: checks.baseline_estimator_case(np.zeros((2, 2)), [[0]], [[0]], [[1.0]],
                                            np.zeros((2, 2))), ValueError,
     r"baseline must have shape \(H, S\) = \(1, 2\)"),
    (lambda: checks.baseline_estimator_case(np.zeros((2, 2)), [[0]], [[0]], [[1.0]],
                                            np.zeros((1, 2)), mdp="chain"), TypeError,
     "mdp must be a pgtheory.TabularMDP"),
    (lambda: checks.reinforce_update_case(np.zeros((2, 2)), np.zeros((2, 2)), 0.1,
                                          mdp=pg.chain_mdp()), ValueError, "the mdp needs"),
    (lambda: checks.reinforce_update_case(np.zeros((2, 2)), np.zeros((2, 2)), 0.0), ValueError,
     "learning_rate must lie in"),
    (lambda: checks.reinforce_update_case(np.zeros((2, 2)), np.zeros((2, 3)), 0.1), ValueError,
     "grad must have the shape of theta"),
    (lambda: checks.reward_to_go_case(np.ones((1, 2)), protected=("reward",)), ValueError,
     "protected names"),
    (lambda: checks.reward_to_go_case(np.ones((1, 2)), protected="rewards"), TypeError,
     "protected must be a collection"),
])
def test_a_bad_case_is_rejected_naming_the_argument(make, error, pattern):
    with pytest.raises(error, match=pattern):
        make()


# --- the example in the package docstring runs --------------------------------------------------


def docstring_example(text: str, after: str) -> str:
    """The first ``::`` code block of ``text`` after the words ``after``, dedented."""
    lines = text.split(after, 1)[1].split("::\n", 1)[1].splitlines()
    block = []
    for line in lines:
        if line.strip() and not line.startswith("    "):
            break
        block.append(line[4:])
    return "\n".join(block)


def test_the_grader_example_in_the_package_docstring_runs():
    code = docstring_example(checks.__doc__, "Cases for a grader")
    assert "cases=cases" in code and "defaults=False" in code
    student = types.SimpleNamespace(my_reward_to_go=reward_to_go_right,
                                    baseline_estimate=baseline_right)
    exec(code, {"student": student})  # the asserts inside must hold for correct functions
