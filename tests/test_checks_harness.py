"""pgtheory.checks.harness: what every check does the same way. The result object, the time limit
(both ways of enforcing it), the student's exceptions, changes in place, the arguments of the
checks, and the rules the package holds itself to (citations, sizes).

No timing assertions: a time limit is tested by its effect (an endless loop is stopped and
reported), never by how long anything took.
"""

from __future__ import annotations

import ast
import contextlib
import io
import re
import signal
import threading
import time
from pathlib import Path

import numpy as np
import pytest

import pgtheory as pg
from pgtheory import checks
from pgtheory.checks.equations import EQUATIONS, SECTIONS, cite, section

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "pgtheory" / "checks"


def reward_to_go_right(rewards):
    return np.cumsum(rewards[:, ::-1], axis=1)[:, ::-1]


def loop_forever(rewards):
    while True:
        pass


# --- the result ------------------------------------------------------------------------------


def test_the_result_is_truthy_exactly_when_passed_and_has_a_short_repr():
    passed = checks.check_reward_to_go(reward_to_go_right, verbose=False)
    failed = checks.check_reward_to_go(lambda r: r, verbose=False)
    assert bool(passed) and not bool(failed)
    assert repr(passed) == "<CheckResult check_reward_to_go: passed>"
    assert repr(failed) == "<CheckResult check_reward_to_go: failed>"
    assert passed.check == "check_reward_to_go" and failed.mistake == "unchanged"
    assert failed.case.startswith("rewards (n=2 episodes, H=4 steps)")


def test_verbose_false_prints_nothing(capsys):
    assert checks.check_reward_to_go(reward_to_go_right, verbose=False)
    assert not checks.check_reward_to_go(lambda r: r, verbose=False)
    assert capsys.readouterr().out == ""


def test_in_jupyter_a_printed_result_displays_nothing_and_an_unprinted_one_its_message(capsys):
    from IPython.core.formatters import DisplayFormatter

    formatter = DisplayFormatter()
    printed = checks.check_reward_to_go(lambda r: r)
    capsys.readouterr()
    assert formatter.format(printed) == ({}, {})  # no Out[] line under the printed message
    assert capsys.readouterr().out == ""
    silent = checks.check_reward_to_go(lambda r: r, verbose=False)
    assert formatter.format(silent) == ({}, {})
    assert capsys.readouterr().out.strip() == silent.message


def test_the_committed_instructor_guide_shows_the_hint_and_the_points():
    """The guide's worked grading example: a test cell whose Score prints the check's message
    (the named mistake) and whose value, the Out[] nbgrader reads as the points, is 0."""
    import nbformat

    notebook = nbformat.read(ROOT / "book" / "instructor_guide.ipynb", as_version=4)
    cells = [c for c in notebook.cells if c.cell_type == "code" and "checks.check_" in c.source]
    assert cells and cells[0].source.rstrip().splitlines()[-1] == "marks.total()"
    outputs = cells[0].outputs
    assert [o.output_type for o in outputs] == ["stream", "execute_result"]
    assert "✗ check_reward_to_go failed." in outputs[0].text
    assert "FORWARD cumulative sum" in outputs[0].text
    assert outputs[1].data["text/plain"] == "0.0"


# --- the time limit ----------------------------------------------------------------------------


def test_an_endless_loop_is_stopped_and_reported():
    result = checks.check_reward_to_go(loop_forever, time_limit=0.2, verbose=False)
    assert not result and result.mistake == "timeout"
    assert "did not return within 0.2 s" in result.message


def test_an_endless_loop_that_catches_exceptions_is_still_stopped():
    def stubborn(rewards):
        while True:
            try:
                time.sleep(0.01)
            except Exception:  # a student's broad except must not swallow the time limit
                pass

    result = checks.check_reward_to_go(stubborn, time_limit=0.2, verbose=False)
    assert result.mistake == "timeout"


def test_the_time_limit_restores_the_previous_alarm_handler_and_timer():
    fired = []

    def outer_handler(*args):
        fired.append(True)

    previous = signal.signal(signal.SIGALRM, outer_handler)
    try:
        signal.setitimer(signal.ITIMER_REAL, 30.0)
        assert checks.check_reward_to_go(reward_to_go_right, time_limit=5, verbose=False)
        assert not checks.check_reward_to_go(loop_forever, time_limit=0.1, verbose=False)
        left, _ = signal.getitimer(signal.ITIMER_REAL)
        assert 0 < left <= 30.0  # the outer timer still runs
        assert signal.getsignal(signal.SIGALRM) is outer_handler
        signal.setitimer(signal.ITIMER_REAL, 0.01)
        time.sleep(0.2)
        assert fired  # the outer handler is back in place
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def test_outside_the_main_thread_the_time_limit_falls_back_to_a_worker_thread():
    finish = threading.Event()

    def slow(rewards):  # ends when told to, so the abandoned worker thread does not linger
        finish.wait(30)
        return reward_to_go_right(rewards)

    results = []
    runner = threading.Thread(target=lambda: results.append(
        checks.check_reward_to_go(slow, time_limit=0.2, verbose=False)))
    runner.start()
    runner.join(30)
    finish.set()
    assert results and results[0].mistake == "timeout"
    right = []
    runner = threading.Thread(target=lambda: right.append(
        checks.check_reward_to_go(reward_to_go_right, verbose=False)))
    runner.start()
    runner.join(30)
    assert right and right[0]


def test_the_worker_thread_reports_the_students_exception_with_its_line():
    results = []

    def broken(rewards):
        raise ValueError("shapes do not match")

    runner = threading.Thread(target=lambda: results.append(
        checks.check_reward_to_go(broken, verbose=False)))
    runner.start()
    runner.join(30)
    assert results[0].mistake == "exception"
    assert 'raise ValueError("shapes do not match")' in results[0].message


def test_no_time_limit_runs_to_the_end():
    assert checks.check_reward_to_go(reward_to_go_right, time_limit=None, verbose=False)


# --- the student's exceptions --------------------------------------------------------------


def test_an_exception_names_its_type_its_line_and_the_case():
    def raises_value_error(theta, s, a):
        raise ValueError("shapes do not match")

    result = checks.check_log_softmax_grad(raises_value_error, verbose=False)
    assert "raised ValueError: shapes do not match" in result.message
    assert 'raise ValueError("shapes do not match")' in result.message  # the offending line
    assert "state s=1, action a=2" in result.message


def test_a_function_with_the_wrong_arguments_is_told_how_it_is_called():
    result = checks.check_reinforce_update(lambda theta, grad: theta + grad, verbose=False)
    assert result.mistake == "exception"
    assert "called as fn(theta, grad, learning_rate)" in result.message


@pytest.mark.parametrize("error", [AssertionError(), SystemExit(1), RecursionError("deep")])
def test_any_error_of_the_students_is_a_failure_with_its_name(error):
    def raises(rewards):
        raise error

    result = checks.check_reward_to_go(raises, verbose=False)
    assert result.mistake == "exception"
    assert f"raised {type(error).__name__}" in result.message and ": ." not in result.message


def test_keyboard_interrupt_is_not_swallowed():
    def interrupted(rewards):
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        checks.check_reward_to_go(interrupted, verbose=False)


@pytest.mark.parametrize("garbage", [
    {"a": 1}, "gradient", [[1, 2], [3]], np.array([1 + 2j]), True, object(), (1.0, 2.0),
    np.full((2, 4), np.inf), np.zeros((4, 2)), np.zeros(()),
])
def test_garbage_returned_is_a_failure_with_a_message_never_a_crash(garbage):
    result = checks.check_reward_to_go(lambda r: garbage, verbose=False)
    assert not result and result.mistake in {"not_numbers", "list", "not_finite", "shape",
                                             "transposed"}, result.message
    assert "Hint: re-read eq. reward-to-go" in result.message


# --- changes in place ------------------------------------------------------------------------


def test_a_reward_to_go_that_rewrites_its_input_fails_and_corrupts_nothing():
    def rewrites_its_input(rewards):
        rewards[:] = np.cumsum(rewards[:, ::-1], axis=1)[:, ::-1]
        return rewards

    result = checks.check_reward_to_go(rewrites_its_input, verbose=False)
    assert not result and result.mistake == "changed_input"
    assert "changed its argument `rewards` in place" in result.message
    assert "rewards[0, 0] is 10; it was 1" in result.message
    assert checks.check_reward_to_go(reward_to_go_right, verbose=False)  # the cases are intact


def test_an_update_in_place_that_returns_theta_passes_with_a_note_unless_theta_is_protected():
    def in_place(theta, grad, learning_rate):
        theta += learning_rate * grad
        return theta

    result = checks.check_reinforce_update(in_place, verbose=False)
    assert result and "changes the `theta` passed in (in place)" in result.message
    strict = checks.reinforce_update_case(np.zeros((2, 2)), np.ones((2, 2)), 0.1,
                                          protected=("theta", "grad"))
    result = checks.check_reinforce_update(in_place, cases=[strict], defaults=False,
                                           verbose=False)
    assert result.mistake == "changed_input" and "`theta`" in result.message


def test_a_list_argument_changed_in_place_is_caught_too():
    def pops(rewards):
        rewards.append([0.0, 0.0, 0.0])
        return np.cumsum(np.asarray(rewards[:-1])[:, ::-1], axis=1)[:, ::-1]

    case = checks.reward_to_go_case([[1.0, 2.0, 3.0]])
    result = checks.check_reward_to_go(pops, cases=[case], defaults=False, verbose=False)
    assert result.mistake == "changed_input"


# --- the arguments of the checks ---------------------------------------------------------------

ALL = [checks.check_log_softmax_grad, checks.check_trajectory_log_prob_grad,
       checks.check_reinforce_estimator, checks.check_reward_to_go,
       checks.check_baseline_estimator, checks.check_reinforce_update,
       checks.check_surrogate_loss]


@pytest.mark.parametrize("check", ALL, ids=lambda c: c.__name__)
@pytest.mark.parametrize("not_a_function", [np.zeros((2, 2)), None, "my_function"])
def test_a_non_callable_is_a_type_error_naming_the_argument(check, not_a_function):
    with pytest.raises(TypeError, match=r"fn must be callable.*got"):
        check(not_a_function)


@pytest.mark.parametrize("time_limit, error", [(0, ValueError), (-1.0, ValueError),
                                               (float("inf"), ValueError), ("5", TypeError),
                                               (True, TypeError)])
def test_a_bad_time_limit_is_rejected_naming_the_argument(time_limit, error):
    with pytest.raises(error, match="time_limit"):
        checks.check_reward_to_go(reward_to_go_right, time_limit=time_limit)


def test_bad_cases_are_rejected_naming_the_argument():
    other = checks.reinforce_update_case(np.zeros((2, 2)), np.ones((2, 2)), 0.1)
    with pytest.raises(TypeError, match=r"cases\[0\] must be a case for check_reward_to_go; got "
                                        r"one for check_reinforce_update"):
        checks.check_reward_to_go(reward_to_go_right, cases=[other])
    with pytest.raises(TypeError, match=r"cases\[0\]"):
        checks.check_reward_to_go(reward_to_go_right, cases=[np.ones((2, 2))])
    with pytest.raises(TypeError, match="cases must be a list"):
        checks.check_reward_to_go(reward_to_go_right, cases=checks.reward_to_go_case([[1.0]]))
    with pytest.raises(ValueError, match="at least one case"):
        checks.check_reward_to_go(reward_to_go_right, defaults=False)
    with pytest.raises(TypeError, match="defaults"):
        checks.check_reward_to_go(reward_to_go_right, defaults="no")


def test_the_checks_are_deterministic():
    def pooled(theta, states, actions, rewards):
        return pg.score(theta, states, actions, rewards).mean(axis=0)

    first = checks.check_reinforce_estimator(pooled, verbose=False).message
    assert first == checks.check_reinforce_estimator(pooled, verbose=False).message


def test_every_check_and_case_constructor_is_exported():
    names = {c.__name__ for c in ALL}
    constructors = {n.removeprefix("check_") + "_case" for n in names}
    assert names | constructors | {"CheckResult", "Case"} <= set(checks.__all__)
    assert set(checks.MODULES) == names
    for name in checks.__all__:
        assert hasattr(checks, name)


# --- citations: labels and documents from ONE table ----------------------------------------------


def test_every_equation_in_the_table_is_defined_in_its_document():
    for label, document in EQUATIONS.items():
        source = (ROOT / f"{document}.md").read_text(encoding="utf-8")
        assert re.search(rf"^\$\$ \({re.escape(label)}\)\s*$", source, re.MULTILINE), label
    for heading, document in SECTIONS.values():
        source = (ROOT / f"{document}.md").read_text(encoding="utf-8")
        assert re.search(rf"^#+ {re.escape(heading)}\s*$", source, re.MULTILINE), heading


def test_hints_are_rendered_from_the_table():
    assert cite("reward-to-go") == f"eq. reward-to-go ({EQUATIONS['reward-to-go']})"
    assert cite("grad-log-traj", "softmax-score") == (
        f"eqs. grad-log-traj and softmax-score ({EQUATIONS['softmax-score']})")
    assert cite("mc-estimate", "pg-theorem") == (
        "eq. mc-estimate (book/monte_carlo); eq. pg-theorem (book/theorem)")
    assert section("doubled-gradient") == (
        'the section "A doubled gradient (optional)" (book/theorem)')
    result = checks.check_reward_to_go(lambda r: np.cumsum(r, axis=1), verbose=False)
    assert result.message.endswith(f"Hint: re-read {cite('reward-to-go')}.")


def test_every_citation_in_the_package_agrees_with_the_table():
    """Docstrings and messages cite 'eq. label (book/document)': the document must be the
    table's (after a chapter is split, this lists every line still to update)."""
    cited = re.compile(r"eqs?\. ([\w-]+(?: and [\w-]+)*)\s+\((book/\w+)\)")
    wrong = []
    for path in sorted(PACKAGE.glob("*.py")):
        text = path.read_text(encoding="utf-8")
        assert "chapter" not in text.lower().replace("chapters", ""), path.name
        for match in cited.finditer(text):
            for label in match[1].split(" and "):
                if EQUATIONS.get(label) != match[2]:
                    wrong.append(f"{path.name}: {match[0]}")
    assert wrong == []


# --- the package stays small -----------------------------------------------------------------


def code_lines(function: ast.FunctionDef) -> int:
    """Lines of a function without its docstring."""
    lines = function.end_lineno - function.lineno + 1
    first = function.body[0]
    if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) and isinstance(
            first.value.value, str):
        lines -= first.end_lineno - first.lineno + 1
    return lines


@pytest.mark.parametrize("path", sorted(PACKAGE.glob("*.py")), ids=lambda p: p.name)
def test_no_module_over_500_lines_and_no_function_over_60(path):
    text = path.read_text(encoding="utf-8")
    assert len(text.splitlines()) <= 500
    long = [(node.name, code_lines(node)) for node in ast.walk(ast.parse(text))
            if isinstance(node, ast.FunctionDef) and code_lines(node) > 60]
    assert long == []


def test_a_stub_notebook_cell_runs_and_prints_one_message():
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        exec("from pgtheory import checks\n"
             "def f(rewards):\n    raise NotImplementedError\n"
             "checks.check_reward_to_go(f)\n", {})
    assert printed.getvalue().count("check_reward_to_go failed") == 1
    assert "still the stub" in printed.getvalue()
