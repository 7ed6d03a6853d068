"""pgtheory.checks, read through its tables: every correct implementation passes, and every typical
mistake of every table fails with that row's own message.

The rows come from the package itself (``checks.<module>.MISTAKES`` and
``checks.GENERIC_MISTAKES``), so adding a mistake is adding one row there; these tests then feed
its wrong-answer function to its check. The correct implementations below are written the way a
student would (plain numpy, no pgtheory), independently of the references the checks use, and a
few wrong answers are also written independently here, so that the tables are not only checked
against themselves. Nothing here is random: the checks use fixed cases and seeds.
"""

from __future__ import annotations

import re
import string

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


def reward_to_go_right(rewards):
    out = np.zeros_like(rewards, dtype=float)
    running = np.zeros(rewards.shape[0])
    for t in reversed(range(rewards.shape[1])):
        running = running + rewards[:, t]
        out[:, t] = running
    return out


def estimator_right(theta, states, actions, rewards):
    returns = rewards.sum(axis=1)
    return (returns[:, None, None] * trajectory_score_right(theta, states, actions)).mean(axis=0)


def baseline_right(theta, states, actions, rewards, baseline):
    n, horizon = states.shape
    grad = np.zeros(theta.shape)
    pi = softmax(theta)
    to_go = reward_to_go_right(rewards)
    for i in range(n):
        for t in range(horizon):
            s, a = states[i, t], actions[i, t]
            step = -pi[s].copy()
            step[a] += 1.0
            grad[s] += step * (to_go[i, t] - baseline[t, s])
    return grad / n


def update_right(theta, grad, learning_rate):
    return theta + learning_rate * grad


RIGHT = {
    "check_log_softmax_grad": score_right,
    "check_trajectory_log_prob_grad": trajectory_score_right,
    "check_reinforce_estimator": estimator_right,
    "check_reward_to_go": reward_to_go_right,
    "check_baseline_estimator": baseline_right,
    "check_reinforce_update": update_right,
}
CHECKS = {name: getattr(checks, name) for name in RIGHT}
LABEL = {name: module.SPEC.labels[0] for name, module in checks.MODULES.items()}


def literal_parts(template: str) -> list[str]:
    """The fixed text of a message template: the pieces between its $fields."""
    return [part for part in re.split(r"\$\w+", template.replace("$$", "$")) if part.strip()]


# --- the correct answers pass -----------------------------------------------------------------


@pytest.mark.parametrize("name", RIGHT)
def test_a_correct_implementation_passes_and_the_pass_is_printed(name, capsys):
    result = CHECKS[name](RIGHT[name])
    printed = capsys.readouterr().out
    assert result.passed and bool(result) is True, result.message
    assert result.mistake is None and result.case is None
    assert printed.strip() == result.message
    assert printed.startswith(f"✓ {name} passed") and f"eq. {LABEL[name]} (book/" in printed
    assert "Note" not in printed


@pytest.mark.parametrize("name", RIGHT)
def test_the_reference_of_each_check_passes_its_own_check(name):
    module = checks.MODULES[name]
    assert CHECKS[name](module.SPEC.reference, verbose=False)


def test_other_correct_implementations_pass():
    assert checks.check_log_softmax_grad(pg.log_policy_grad, verbose=False)
    assert checks.check_trajectory_log_prob_grad(pg.score, verbose=False)
    assert checks.check_reward_to_go(pg.reward_to_go, verbose=False)
    assert checks.check_reward_to_go(lambda r: np.cumsum(r[:, ::-1], axis=1)[:, ::-1],
                                     verbose=False)


# --- every row of every table fails with its own message ---------------------------------------

# The JAX check (check_surrogate_loss) reads its table in tests/test_checks_surrogate.py: its
# answers are losses to differentiate, which the numpy wrong answers below cannot stand in for.
ROWS = [pytest.param(name, row, id=f"{name}-{row.name}")
        for name in RIGHT for row in checks.MODULES[name].MISTAKES]


@pytest.mark.parametrize("name, row", ROWS)
def test_each_typical_mistake_fails_with_its_own_message(name, row, capsys):
    result = CHECKS[name](row.answer)
    printed = capsys.readouterr().out
    assert not result and result.passed is False
    assert printed.strip() == result.message
    assert printed.startswith(f"✗ {name} failed.")
    assert result.mistake == row.name, result.message
    for part in literal_parts(row.message):
        assert part in result.message
    assert "Hint: re-read eq" in result.message and f"{LABEL[name]}" in result.message


GENERIC = [pytest.param(name, row, id=f"{name}-{row.name}")
           for name in RIGHT for row in checks.GENERIC_MISTAKES]


@pytest.mark.parametrize("name, row", GENERIC)
def test_each_generic_mistake_fails_every_check_with_its_message(name, row):
    time_limit = 0.5 if row.name == "timeout" else checks.DEFAULT_TIME_LIMIT
    result = CHECKS[name](row.example(RIGHT[name]), time_limit=time_limit, verbose=False)
    assert not result
    assert result.mistake == row.name, result.message
    for part in literal_parts(row.message):
        assert part in result.message
    assert ("Case: " in result.message) is row.shows_case


def test_the_tables_name_each_row_once_and_nothing_is_shadowed():
    generic = {row.name for row in checks.GENERIC_MISTAKES}
    for module in checks.MODULES.values():
        names = [row.name for row in module.MISTAKES]
        assert len(names) == len(set(names)) and not set(names) & generic


# --- nothing caught before the tables is lost ---------------------------------------------------

# The 61 wrong answers the tests of the single-module pgtheory/checks.py fed to the checks (the
# tests' names on the left where they differ), each still caught, now by a row of a table.
BEFORE = {
    "check_log_softmax_grad": ["one_hot", "sign", "doubled", "doubled_flat", "every_row",
                               "grad_pi", "wrong_axis", "all_logits", "row_only", "log_pi",
                               "overflow", "unrecognised", "exception", "stub", "none",
                               "not_numbers"],
    "check_trajectory_log_prob_grad": ["counted_once", "counts_only", "sign", "mean_over_time",
                                       "last_step", "first_step", "summed_batch", "doubled",
                                       "shape", "stub"],
    "check_reinforce_estimator": ["pooled_steps", "summed", "own_step_reward", "reward_to_go",
                                  "counts", "sign", "product_of_means", "per_episode", "doubled",
                                  "exception"],
    "check_reward_to_go": ["forward_cumsum", "rewards_before_t", "excludes_r_t",
                           "return_everywhere", "not_reversed_back", "over_episodes",
                           "unchanged", "returns_only", "transposed", "extra_column"],
    "check_baseline_estimator": ["action_dependent", "ignored", "added", "total_return",
                                 "indexed_s_t", "pooled_steps", "sign", "per_episode"],
    "check_reinforce_update": ["descent", "no_learning_rate", "divides", "step_only",
                               "descent_no_rate", "none_in_place", "shape"],
}


def test_every_mistake_caught_before_the_tables_is_still_a_row():
    assert sum(len(names) for names in BEFORE.values()) == 61
    generic = {row.name for row in checks.GENERIC_MISTAKES}
    for name, names in BEFORE.items():
        rows = {row.name for row in checks.MODULES[name].MISTAKES} | generic
        assert set(names) <= rows, set(names) - rows


# --- wrong answers written independently of the tables ------------------------------------------


def fancy_index_accumulate(theta, states, actions):
    """`+=` with fancy indexing: a repeated index is added once."""
    n = states.shape[0]
    grad = np.zeros((n,) + theta.shape)
    episode = np.arange(n)[:, None]
    grad[episode, states, actions] += 1.0
    grad[episode, states] -= softmax(theta)[states]
    return grad


def overwrite_each_step(theta, states, actions):
    n, horizon = states.shape
    grad = np.zeros((n,) + theta.shape)
    for t in range(horizon):
        grad = np.stack([score_right(theta, s, a)
                         for s, a in zip(states[:, t], actions[:, t], strict=True)])
    return grad


def forward_loop(rewards):
    out = np.zeros_like(rewards)
    for t in range(rewards.shape[1]):
        out[:, t] = rewards[:, : t + 1].sum(axis=1)
    return out


def pooled_steps(theta, states, actions, rewards):
    n, horizon = states.shape
    returns = rewards.sum(axis=1)
    total = (returns[:, None, None] * trajectory_score_right(theta, states, actions)).sum(axis=0)
    return total / (n * horizon)


def action_indexed(theta, states, actions, rewards, baseline):
    steps = np.arange(states.shape[1])
    weights = reward_to_go_right(rewards) - baseline[steps, actions]
    return pg.score(theta, states, actions, weights).mean(axis=0)


def update_in_place_none(theta, grad, learning_rate):
    theta += learning_rate * grad


def naive_exp(theta, s, a):
    with np.errstate(over="ignore", invalid="ignore"):  # the overflow is the mistake shown
        e = np.exp(theta)
        probabilities = e / e.sum(axis=1, keepdims=True)
    grad = np.zeros_like(theta, dtype=float)
    grad[s] = -probabilities[s]
    grad[s, a] += 1.0
    return grad


INDEPENDENT = [
    (checks.check_log_softmax_grad, naive_exp, "overflow"),
    (checks.check_log_softmax_grad, lambda th, s, a: score_right(th, s, a)[s], "row_only"),
    (checks.check_trajectory_log_prob_grad, fancy_index_accumulate, "counted_once"),
    (checks.check_trajectory_log_prob_grad, overwrite_each_step, "last_step"),
    (checks.check_reward_to_go, forward_loop, "forward_cumsum"),
    (checks.check_reinforce_estimator, pooled_steps, "pooled_steps"),
    (checks.check_baseline_estimator, action_indexed, "action_dependent"),
    (checks.check_reinforce_update, update_in_place_none, "none_in_place"),
]


@pytest.mark.parametrize("check, wrong, mistake", INDEPENDENT,
                         ids=[f"{c.__name__}-{m}" for c, _, m in INDEPENDENT])
def test_mistakes_written_independently_are_recognised(check, wrong, mistake):
    result = check(wrong, verbose=False)
    assert not result and result.mistake == mistake, result.message


# --- messages: where to read, never the answer --------------------------------------------------


def all_messages() -> list[str]:
    rows = [row.message for module in checks.MODULES.values() for row in module.MISTAKES]
    return rows + [row.message for row in checks.GENERIC_MISTAKES]


# Code that would compute an answer: a reversed cumulative sum, an average over an axis, the
# update itself, the score's formula, the overflow fix as code.
ANSWER_CODE = [r"np\.cumsum", r"\[:, ?::-1\]", r"\.mean\(", r"theta \+ (alpha|learning_rate)",
               r"e_a - pi", r"theta\.max\(", r"zeros_like", r"return theta"]


@pytest.mark.parametrize("pattern", ANSWER_CODE)
def test_no_message_prints_the_answer(pattern):
    for message in all_messages():
        assert not re.search(pattern, message), message


def test_every_message_is_a_valid_template():
    for message in all_messages():
        string.Template(message).get_identifiers()  # raises on a stray $
        assert string.Template(message).is_valid()


def test_messages_never_name_a_chapter_by_title_or_number():
    for message in all_messages():
        assert not re.search(r"[Cc]hapter", message), message


# --- what single checks add to the tables -------------------------------------------------------


def test_the_failing_case_is_shown():
    result = checks.check_reward_to_go(lambda r: np.cumsum(r, axis=1), verbose=False)
    assert "Case: rewards (n=2 episodes, H=4 steps)" in result.message
    assert "[[1., 2., 3., 4.]," in result.message


def test_an_unrecognised_score_gets_the_row_sum_clue():
    def one_hot(theta, s, a):
        grad = np.zeros_like(theta, dtype=float)
        grad[s, a] = 1.0
        return grad

    result = checks.check_log_softmax_grad(lambda th, s, a: 1.01 * one_hot(th, s, a),
                                           verbose=False)
    assert result.mistake == "unrecognised"
    assert "every row of a softmax score sums to 0" in result.message
    result = checks.check_log_softmax_grad(lambda th, s, a: 1.01 * score_right(th, s, a),
                                           verbose=False)
    assert "every row of a softmax score sums to 0" not in result.message


def test_a_one_episode_trajectory_score_passes_with_a_note():
    def one_episode(theta, states, actions):
        """Written for ONE episode: states, actions of shape (H,)."""
        grad = np.zeros(theta.shape)
        for s, a in zip(states.tolist(), actions.tolist(), strict=True):
            grad += score_right(theta, s, a)
        return grad

    result = checks.check_trajectory_log_prob_grad(one_episode, verbose=False)
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
    assert not result and result.mistake == "counts_only"


def test_a_score_that_pools_the_batch_but_is_right_per_episode_passes_with_a_note():
    def pooled(theta, states, actions):
        grad = np.zeros(theta.shape)
        np.add.at(grad, (states, actions), 1.0)
        np.add.at(grad, states, -softmax(theta)[states])
        return grad

    result = checks.check_trajectory_log_prob_grad(pooled, verbose=False)
    assert result, result.message
    assert "ONE (S, A) array (their sum)" in result.message


def test_an_unrecognised_baseline_estimator_is_judged_by_its_exact_mean():
    def with_weights(weights_of):
        def estimate(theta, states, actions, rewards, baseline):
            weights = weights_of(rewards, baseline)
            return pg.score(theta, states, actions, weights).mean(axis=0)
        return estimate

    # One number for the whole table: unbiased, but not eq. baseline with b_t(s_t).
    constant = with_weights(lambda r, b: reward_to_go_right(r) - b.mean())
    result = checks.check_baseline_estimator(constant, verbose=False)
    assert not result and "so it is unbiased, but it is not" in result.message
    # Subtracting each step's own reward (which depends on the action): biased.
    own_reward = with_weights(lambda r, b: reward_to_go_right(r) - r)
    result = checks.check_baseline_estimator(own_reward, verbose=False)
    assert not result and "so it is BIASED" in result.message
