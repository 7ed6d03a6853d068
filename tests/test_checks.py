"""pgtheory.checks: each check passes a correct implementation and fails each typical wrong one
with the message that names that mistake.

The wrong implementations below are the mistakes students make (and the book warns about); each
test asserts both that the check fails and that it says *which* mistake it saw, so a check that
stopped recognising a mistake (or stopped failing) breaks a test. Nothing here is random: the
checks use fixed cases and seeds.
"""

from __future__ import annotations

import numpy as np
import pytest

import pgtheory as pg
from pgtheory import checks

# --- correct implementations, written the way a student would (numpy only) -------------------


def softmax(theta):
    shifted = theta - theta.max(axis=1, keepdims=True)
    e = np.exp(shifted)
    return e / e.sum(axis=1, keepdims=True)


def score_right(theta, s, a):
    grad = np.zeros_like(theta, dtype=float)
    grad[s] = -softmax(theta)[s]
    grad[s, a] += 1.0
    return grad


def trajectory_score_right(theta, states, actions):
    n = states.shape[0]
    grad = np.zeros((n,) + theta.shape)
    episode = np.arange(n)[:, None]
    np.add.at(grad, (episode, states, actions), 1.0)
    np.add.at(grad, (episode, states), -softmax(theta)[states])
    return grad


def trajectory_score_one_episode(theta, states, actions):
    """Written for ONE episode: states, actions of shape (H,)."""
    grad = np.zeros(theta.shape)
    for s, a in zip(states.tolist(), actions.tolist(), strict=True):
        grad += score_right(theta, s, a)
    return grad


def reward_to_go_right(rewards):
    return np.cumsum(rewards[:, ::-1], axis=1)[:, ::-1]


def reward_to_go_loop(rewards):
    out = np.zeros_like(rewards)
    running = np.zeros(rewards.shape[0])
    for t in reversed(range(rewards.shape[1])):
        running = running + rewards[:, t]
        out[:, t] = running
    return out


def estimator_right(theta, states, actions, rewards):
    returns = rewards.sum(axis=1)
    return (returns[:, None, None] * trajectory_score_right(theta, states, actions)).mean(axis=0)


def baseline_right(theta, states, actions, rewards, baseline):
    horizon = states.shape[1]
    weights = reward_to_go_right(rewards) - baseline[np.arange(horizon), states]
    return pg.score(theta, states, actions, weights).mean(axis=0)


def update_right(theta, grad, learning_rate):
    return theta + learning_rate * grad


# --- typical wrong answers ------------------------------------------------------------------


def one_hot(theta, s, a):
    grad = np.zeros_like(theta, dtype=float)
    grad[s, a] = 1.0
    return grad


def softmax_hessian(theta, s, a):
    """The 'doubled gradient': nabla nabla log pi(a|s), one entry per pair of logits."""
    n_states, n_actions = theta.shape
    pi = softmax(theta)[s]
    block = np.zeros((n_states, n_states))
    block[s, s] = 1.0
    return -np.einsum("ij,kl->ikjl", block, np.diag(pi) - np.outer(pi, pi))


def every_row(theta, s, a):
    grad = -softmax(theta)
    grad[s, a] += 1.0
    return grad


def wrong_axis(theta, s, a):
    e = np.exp(theta - theta.max(axis=0))
    by_state = e / e.sum(axis=0)
    grad = np.zeros_like(theta, dtype=float)
    grad[s] = -by_state[s]
    grad[s, a] += 1.0
    return grad


def all_logits(theta, s, a):
    e = np.exp(theta - theta.max())
    grad = -e / e.sum()
    grad[s, a] += 1.0
    return grad


def naive_exp(theta, s, a):
    with np.errstate(over="ignore", invalid="ignore"):  # the overflow is the mistake shown
        e = np.exp(theta)
        probabilities = e / e.sum(axis=1, keepdims=True)
    grad = np.zeros_like(theta, dtype=float)
    grad[s] = -probabilities[s]
    grad[s, a] += 1.0
    return grad


def raises_value_error(theta, s, a):
    raise ValueError("shapes do not match")


def stub(*args):
    raise NotImplementedError


SCORE_WRONG = {
    "one_hot": (one_hot, "normaliser of the softmax is missing"),
    "sign": (lambda th, s, a: -score_right(th, s, a), "opposite sign"),
    "doubled": (softmax_hessian, "doubled gradient"),
    "doubled_flat": (lambda th, s, a: softmax_hessian(th, s, a).reshape(th.size, th.size),
                     "doubled gradient"),
    "every_row": (every_row, "the other rows are not zero"),
    "grad_pi": (lambda th, s, a: softmax(th)[s, a] * score_right(th, s, a),
                "gradient of the probability"),
    "wrong_axis": (wrong_axis, "normalised over states"),
    "all_logits": (all_logits, "normalised over all S*A logits"),
    "row_only": (lambda th, s, a: score_right(th, s, a)[s], "only the row of state s"),
    "log_pi": (lambda th, s, a: np.log(softmax(th)[s, a]), "log pi(a|s) itself"),
    "overflow": (naive_exp, "subtract the row maximum"),
    "off_by_a_bit": (lambda th, s, a: score_right(th, s, a) + 0.1, "differs from e_a - pi"),
    "exception": (raises_value_error, "raised ValueError: shapes do not match"),
    "stub": (stub, "still the stub"),
    "no_return": (lambda th, s, a: None, "returned None"),
    "not_numbers": (lambda th, s, a: "gradient", "Could not read"),
}


def fancy_index_accumulate(theta, states, actions):
    """`+=` with fancy indexing: a repeated index is added once."""
    n = states.shape[0]
    grad = np.zeros((n,) + theta.shape)
    episode = np.arange(n)[:, None]
    grad[episode, states, actions] += 1.0
    grad[episode, states] -= softmax(theta)[states]
    return grad


def counts_only(theta, states, actions):
    n = states.shape[0]
    grad = np.zeros((n,) + theta.shape)
    np.add.at(grad, (np.arange(n)[:, None], states, actions), 1.0)
    return grad


def overwrite_each_step(theta, states, actions):
    n, horizon = states.shape
    grad = np.zeros((n,) + theta.shape)
    for t in range(horizon):
        grad = np.stack([score_right(theta, s, a) for s, a in zip(states[:, t], actions[:, t],
                                                                   strict=True)])
    return grad


def first_step_only(theta, states, actions):
    return np.stack([score_right(theta, s, a) for s, a in zip(states[:, 0], actions[:, 0],
                                                               strict=True)])


def summed_over_batch(theta, states, actions):
    n, horizon = states.shape  # needs a batch, so the per-episode retry fails too
    return trajectory_score_right(theta, states, actions).sum(axis=0)


def doubled_batch(theta, states, actions):
    n, (n_states, n_actions) = states.shape[0], theta.shape
    return np.zeros((n, n_states, n_actions, n_states, n_actions))


TRAJECTORY_WRONG = {
    "fancy_index": (fancy_index_accumulate, "counted only once"),
    "counts_only": (counts_only, "normaliser's term -pi(.|s_t) of every step is missing"),
    "sign": (lambda th, s, a: -trajectory_score_right(th, s, a), "opposite sign"),
    "mean_over_time": (lambda th, s, a: trajectory_score_right(th, s, a) / s.shape[1],
                       "AVERAGED over the steps"),
    "last_step": (overwrite_each_step, "LAST step"),
    "first_step": (first_step_only, "FIRST step"),
    "summed_batch": (summed_over_batch, "SUM of the episodes' scores"),
    "doubled": (doubled_batch, "doubled gradient"),
    "flattened": (lambda th, s, a: trajectory_score_right(th, s, a).reshape(s.shape[0], -1),
                  "one score per episode"),
    "stub": (stub, "still the stub"),
}


def pooled_steps(theta, states, actions, rewards):
    n, horizon = states.shape
    returns = rewards.sum(axis=1)
    total = (returns[:, None, None] * trajectory_score_right(theta, states, actions)).sum(axis=0)
    return total / (n * horizon)


def own_step_reward(theta, states, actions, rewards):
    return pg.score(theta, states, actions, rewards).mean(axis=0)


def with_reward_to_go(theta, states, actions, rewards):
    return pg.score(theta, states, actions, reward_to_go_right(rewards)).mean(axis=0)


def counts_estimator(theta, states, actions, rewards):
    returns = rewards.sum(axis=1)
    return (returns[:, None, None] * counts_only(theta, states, actions)).mean(axis=0)


def product_of_means(theta, states, actions, rewards):
    return rewards.sum(axis=1).mean() * trajectory_score_right(theta, states, actions).mean(0)


def per_episode(theta, states, actions, rewards):
    return rewards.sum(axis=1)[:, None, None] * trajectory_score_right(theta, states, actions)


ESTIMATOR_WRONG = {
    "pooled_steps": (pooled_steps, "averaged over all N*H"),
    "summed": (lambda *args: estimator_right(*args) * args[1].shape[0],
               "summed over the episodes"),
    "own_step_reward": (own_step_reward, "reward of that step only"),
    "reward_to_go": (with_reward_to_go, "reward-to-go estimator"),
    "counts": (counts_estimator, "miss the normaliser's term"),
    "sign": (lambda *args: -estimator_right(*args), "opposite sign"),
    "product_of_means": (product_of_means, "mean return by the mean score"),
    "per_episode": (per_episode, "one estimate per episode"),
    "doubled": (lambda th, s, a, r: np.zeros(th.shape * 2), "doubled gradient"),
    "exception": (lambda th, s, a, r: th[s, a, 0], "raised IndexError"),
}

REWARD_TO_GO_WRONG = {
    "forward_cumsum": (lambda r: np.cumsum(r, axis=1), "FORWARD cumulative sum"),
    "rewards_before_t": (lambda r: np.cumsum(r, axis=1) - r, "rewards BEFORE step t"),
    "excludes_r_t": (lambda r: reward_to_go_right(r) - r, "left out the reward of step t"),
    "return_everywhere": (lambda r: np.repeat(r.sum(axis=1, keepdims=True), r.shape[1], axis=1),
                          "whole return R(tau)"),
    "not_reversed_back": (lambda r: np.cumsum(r[:, ::-1], axis=1), "did not reverse the result"),
    "over_episodes": (lambda r: np.cumsum(r[::-1], axis=0)[::-1], "EPISODES (axis 0)"),
    "unchanged": (lambda r: r, "rewards unchanged"),
    "returns_only": (lambda r: r.sum(axis=1), "one number per episode"),
    "transposed": (lambda r: reward_to_go_right(r).T, "transposed"),
    "extra_column": (lambda r: np.column_stack([reward_to_go_right(r), np.zeros(len(r))]),
                     "H+1 columns"),
}


def _baseline_with(weights_of):
    def estimate(theta, states, actions, rewards, baseline):
        return pg.score(theta, states, actions,
                        weights_of(states, actions, rewards, baseline)).mean(axis=0)
    return estimate


def _steps(states):
    return np.arange(states.shape[1])


BASELINE_WRONG = {
    "action_dependent": (
        _baseline_with(lambda s, a, r, b: reward_to_go_right(r) - b[_steps(s), a]),
        "depends on the ACTION"),
    "ignored": (_baseline_with(lambda s, a, r, b: reward_to_go_right(r)),
                "does not change with the baseline"),
    "added": (_baseline_with(lambda s, a, r, b: reward_to_go_right(r) + b[_steps(s), s]),
              "ADDED the baseline"),
    "total_return": (
        _baseline_with(lambda s, a, r, b: r.sum(axis=1, keepdims=True) - b[_steps(s), s]),
        "whole return R(tau) in place of the reward-to-go"),
    "indexed_s_t": (_baseline_with(lambda s, a, r, b: reward_to_go_right(r) - b[s, _steps(s)]),
                    "baseline[s, t]"),
    "pooled_steps": (lambda th, s, *rest: baseline_right(th, s, *rest) / s.shape[1],
                     "averaged over all N*H"),
    "sign": (lambda *args: -baseline_right(*args), "opposite sign"),
    "per_episode": (lambda th, s, a, r, b: pg.score(
        th, s, a, reward_to_go_right(r) - b[_steps(s), s]), "one estimate per episode"),
}


def update_in_place_none(theta, grad, learning_rate):
    theta += learning_rate * grad


def update_in_place_returned(theta, grad, learning_rate):
    theta += learning_rate * grad
    return theta


UPDATE_WRONG = {
    "descent": (lambda th, g, lr: th - lr * g, "DOWNHILL"),
    "no_learning_rate": (lambda th, g, lr: th + g, "ignores the learning rate: theta + g"),
    "divides": (lambda th, g, lr: th + g / lr, "divides by the learning rate"),
    "step_only": (lambda th, g, lr: lr * g, "step alpha * g alone"),
    "descent_no_rate": (lambda th, g, lr: th - g, "ignores the learning rate and steps downhill"),
    "in_place_none": (update_in_place_none, "changed theta in place and returned None"),
    "flattened": (lambda th, g, lr: (th + lr * g).ravel(), "returned shape"),
}

ALL_CHECKS = [
    (checks.check_log_softmax_grad, score_right, "softmax-score"),
    (checks.check_trajectory_log_prob_grad, trajectory_score_right, "grad-log-traj"),
    (checks.check_reinforce_estimator, estimator_right, "mc-estimate"),
    (checks.check_reward_to_go, reward_to_go_right, "reward-to-go"),
    (checks.check_baseline_estimator, baseline_right, "baseline"),
    (checks.check_reinforce_update, update_right, "reinforce-update"),
]
WRONG = {
    checks.check_log_softmax_grad: SCORE_WRONG,
    checks.check_trajectory_log_prob_grad: TRAJECTORY_WRONG,
    checks.check_reinforce_estimator: ESTIMATOR_WRONG,
    checks.check_reward_to_go: REWARD_TO_GO_WRONG,
    checks.check_baseline_estimator: BASELINE_WRONG,
    checks.check_reinforce_update: UPDATE_WRONG,
}
WRONG_CASES = [
    pytest.param(check, fn, message, id=f"{check.__name__}-{name}")
    for check, table in WRONG.items()
    for name, (fn, message) in table.items()
]


# --- tests ----------------------------------------------------------------------------------


@pytest.mark.parametrize("check, right, label", ALL_CHECKS, ids=lambda x: getattr(x, "__name__",
                                                                                     x))
def test_a_correct_implementation_passes_and_the_pass_is_printed(check, right, label, capsys):
    result = check(right)
    printed = capsys.readouterr().out
    assert result.passed and bool(result) is True, result.message
    assert printed.strip() == result.message
    assert printed.startswith(f"✓ {check.__name__} passed") and f"({label})" in printed
    assert "Note" not in printed


@pytest.mark.parametrize("check, wrong, message", WRONG_CASES)
def test_each_typical_wrong_answer_fails_with_its_own_message(check, wrong, message, capsys):
    result = check(wrong)
    printed = capsys.readouterr().out
    assert not result and result.passed is False
    assert printed.strip() == result.message
    assert printed.startswith(f"✗ {check.__name__} failed.")
    assert message in result.message, result.message


@pytest.mark.parametrize("check, right, label", ALL_CHECKS, ids=lambda x: getattr(x, "__name__",
                                                                                     x))
def test_a_value_error_names_the_equation_to_reread(check, right, label):
    def slightly_off(*args):
        return np.asarray(right(*args)) + 0.05

    result = check(slightly_off, verbose=False)
    assert not result
    assert f"({label})" in result.message and "Hint: see" in result.message
    assert "book/" in result.message


def test_an_unrecognised_score_gets_the_row_sum_clue():
    result = checks.check_log_softmax_grad(lambda th, s, a: 1.01 * one_hot(th, s, a),
                                           verbose=False)
    assert "every row of a softmax score sums to 0" in result.message
    result = checks.check_log_softmax_grad(lambda th, s, a: 1.01 * score_right(th, s, a),
                                           verbose=False)
    assert "every row of a softmax score sums to 0" not in result.message


def test_messages_name_the_chapter_of_each_equation():
    result = checks.check_reward_to_go(lambda r: np.cumsum(r, axis=1), verbose=False)
    assert ('eq. (reward-to-go) in the chapter "Variance reduction: reward-to-go and baselines" '
            "(book/variance_reduction)") in result.message
    result = checks.check_reinforce_update(lambda th, g, lr: th - lr * g, verbose=False)
    assert 'eq. (reinforce-update) in the chapter "REINFORCE" (book/reinforce)' in result.message


def test_the_failing_case_is_shown():
    result = checks.check_reward_to_go(lambda r: np.cumsum(r, axis=1), verbose=False)
    assert "Case: rewards (n=2 episodes, H=4 steps)" in result.message
    assert "[[1., 2., 3., 4.]," in result.message


def test_an_exception_names_its_type_its_line_and_the_case():
    result = checks.check_log_softmax_grad(raises_value_error, verbose=False)
    assert "raised ValueError: shapes do not match" in result.message
    assert 'raise ValueError("shapes do not match")' in result.message  # the offending line
    assert "state s=1, action a=2" in result.message


def test_keyboard_interrupt_is_not_swallowed():
    def interrupted(rewards):
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        checks.check_reward_to_go(interrupted, verbose=False)


def test_verbose_false_prints_nothing(capsys):
    assert checks.check_reward_to_go(reward_to_go_right, verbose=False)
    assert not checks.check_reward_to_go(lambda r: r, verbose=False)
    assert capsys.readouterr().out == ""


@pytest.mark.parametrize("check", [c for c, _, _ in ALL_CHECKS], ids=lambda c: c.__name__)
@pytest.mark.parametrize("not_a_function", [np.zeros((2, 2)), None, "my_function"])
def test_a_non_callable_is_a_type_error_naming_the_argument(check, not_a_function):
    with pytest.raises(TypeError, match=r"fn must be callable.*got"):
        check(not_a_function)


def test_the_result_is_truthy_exactly_when_passed_and_has_a_short_repr():
    passed = checks.check_reward_to_go(reward_to_go_right, verbose=False)
    failed = checks.check_reward_to_go(lambda r: r, verbose=False)
    assert bool(passed) and not bool(failed)
    assert repr(passed) == "<CheckResult check_reward_to_go: passed>"
    assert repr(failed) == "<CheckResult check_reward_to_go: failed>"
    assert passed.check == "check_reward_to_go"


def test_other_correct_implementations_pass():
    assert checks.check_log_softmax_grad(pg.log_policy_grad, verbose=False)
    assert checks.check_trajectory_log_prob_grad(pg.score, verbose=False)
    assert checks.check_reward_to_go(reward_to_go_loop, verbose=False)
    assert checks.check_reward_to_go(pg.reward_to_go, verbose=False)


def test_a_one_episode_trajectory_score_passes_with_a_note():
    result = checks.check_trajectory_log_prob_grad(trajectory_score_one_episode, verbose=False)
    assert result, result.message
    assert "one episode at a time" in result.message


def test_a_one_episode_trajectory_score_with_a_mistake_is_diagnosed_episode_by_episode():
    def one_episode_counts(theta, states, actions):
        if states.ndim != 1:
            raise ValueError("one episode at a time, please")
        grad = np.zeros(theta.shape)
        np.add.at(grad, (states, actions), 1.0)
        return grad

    result = checks.check_trajectory_log_prob_grad(one_episode_counts, verbose=False)
    assert not result
    assert "normaliser's term -pi(.|s_t) of every step is missing" in result.message


def test_a_score_that_pools_the_batch_but_is_right_per_episode_passes_with_a_note():
    def pooled(theta, states, actions):
        grad = np.zeros(theta.shape)
        np.add.at(grad, (states, actions), 1.0)
        np.add.at(grad, states, -softmax(theta)[states])
        return grad

    result = checks.check_trajectory_log_prob_grad(pooled, verbose=False)
    assert result, result.message
    assert "ONE (3, 2) array (their sum)" in result.message


def test_the_student_cannot_corrupt_the_reference_data_by_writing_into_arguments():
    def rewrites_its_input(rewards):
        rewards[:] = np.cumsum(rewards[:, ::-1], axis=1)[:, ::-1]
        return rewards

    assert checks.check_reward_to_go(rewrites_its_input, verbose=False)


def test_an_update_in_place_that_returns_theta_passes_with_a_note():
    result = checks.check_reinforce_update(update_in_place_returned, verbose=False)
    assert result, result.message
    assert "in place" in result.message


def test_descent_is_shown_to_lower_the_exact_objective():
    result = checks.check_reinforce_update(lambda th, g, lr: th - lr * g, verbose=False)
    numbers = result.message.split("takes J from ")[1]
    before, after = (float(x) for x in numbers.split(";")[0].split(" to "))
    assert after < before


def test_an_action_dependent_baseline_is_reported_as_biased_by_the_exact_mean():
    wrong, _ = BASELINE_WRONG["action_dependent"]
    result = checks.check_baseline_estimator(wrong, verbose=False)
    bias = float(result.message.split("true gradient by up to ")[1].split(":")[0])
    assert bias > 0.01  # exact sums over every trajectory, so no noise to allow for


def test_an_unrecognised_baseline_estimator_is_judged_by_its_exact_mean():
    # One number for the whole table: unbiased, but not eq. (baseline) with b_t(s_t).
    constant = _baseline_with(lambda s, a, r, b: reward_to_go_right(r) - b.mean())
    result = checks.check_baseline_estimator(constant, verbose=False)
    assert not result and "so it is unbiased, but it is not" in result.message
    # Subtracting each step's own reward (which depends on the action): biased.
    own_reward = _baseline_with(lambda s, a, r, b: reward_to_go_right(r) - r)
    result = checks.check_baseline_estimator(own_reward, verbose=False)
    assert not result and "so it is BIASED" in result.message


def test_the_checks_are_deterministic():
    first = checks.check_reinforce_estimator(pooled_steps, verbose=False).message
    second = checks.check_reinforce_estimator(pooled_steps, verbose=False).message
    assert first == second


def test_every_check_is_exported():
    assert set(checks.__all__) == {"CheckResult"} | {c.__name__ for c, _, _ in ALL_CHECKS}
