"""End to end: simulated submissions graded by nbgrader (tools/grade.py), every assignment.

The class, the answers it hands in and the tests that hold for every assignment; the test
modules tests/test_assignments_grading.py and tests/test_assignments_grading_second_half.py
each grade half of the assignments once (a module fixture) and run these tests on it. The
students:

- ``reference`` hands in the instructor versions (the worked solutions): full marks;
- ``blank`` hands in the release versions untouched: zero;
- ``hidden_only`` hands in, for every assignment, an answer that passes every visible test but
  not the hidden ones (WRONG below), and the worked solutions of the assignment's other
  exercises: partial marks, the hidden part's hint in the feedback;
- ``garbage`` loops forever and writes to standard error; ``killer`` stops the kernel and hands
  in nothing else: zero, with a message, and the grader goes on (in the first half only).

The grading takes a few seconds per notebook (a kernel each); the number of notebooks is
3 per assignment plus 2.
"""
# The test functions are imported by the two test modules, which is where pytest collects them.

from __future__ import annotations

import csv
import functools
import re
from pathlib import Path

import build_assignments as tool  # tools/, put on sys.path by conftest.py
import grade as grader
import nbformat

#: assignment -> (answer cell id, an answer right on the visible tests only, text its feedback
#: must show). Each is a mistake students make: code that works on the arrays of the visible
#: cases and breaks on a list, on three actions, on float32, at another parameter.
WRONG = {
    "factorization": ("ex-factorization-4-answer", '''\
def my_score(theta, states, actions):
    pi = pg.softmax_policy(theta)
    n, horizon = states.shape
    out = np.zeros((n,) + theta.shape)
    for i in range(n):
        for t in range(horizon):
            s, a = states[i, t], actions[i, t]
            out[i, s, a] += 1 - pi[s, a]          # two actions only: the other one is 1 - a
            out[i, s, 1 - a] -= pi[s, 1 - a]
    return out
''', "three actions (S=5, A=3, H=6)"),
    "likelihood_ratio": ("ex-lr-4-answer", '''\
def bernoulli_exact_gradient(theta):
    p = 1.0 / (1.0 + np.exp(-theta))
    return 2.0 * p * (1.0 - p)


def bernoulli_lr_samples(theta, n, rng):
    rng = np.random.default_rng(rng)
    p = 1.0 / (1.0 + np.exp(-0.5))             # the exercise's theta, hard-coded
    x = (rng.random(n) < p).astype(float)
    return np.where(x == 1.0, 3.0, 1.0) * (x - p)
''', "standard errors from the gradient"),
    "monte_carlo": ("ex-monte_carlo-2-answer", '''\
def mc_estimate(theta, states, actions, rewards):
    returns = rewards.sum(axis=1)
    return (returns[:, None, None] * pg.score(theta, states, actions)).mean(axis=0)
''', "'list' object has no attribute 'sum'"),
    "reinforce": ("ex-reinforce-2-answer", '''\
def reinforce_update(theta, grad, learning_rate):
    return theta + learning_rate * grad


def my_reinforce(mdp, theta_start, n_episodes, n_updates, learning_rate, rng):
    rng = np.random.default_rng(0)             # a fresh generator, not the one passed in
    thetas = [theta_start]
    for _ in range(n_updates):
        g = pg.gradient_samples(mdp, thetas[-1], n_episodes=n_episodes, rng=rng).mean(axis=0)
        thetas.append(reinforce_update(thetas[-1], g, learning_rate))
    return thetas
''', "differs from pg.reinforce's"),
    "lqr": ("ex-lqr-3-answer", '''\
def my_score(gain, log_std, x, u):
    sigma = np.exp(log_std)
    eps = (u - gain @ x) / sigma
    return np.outer(eps / sigma, x), eps**2 - 1
''', "unsupported operand"),
    "discounted": ("ex-discounted-2-answer", '''\
def my_visitation(mdp, theta, discount):
    pi = pg.softmax_policy(theta)
    P_pi = np.einsum("sa,sax->sx", pi, mdp.transitions)
    d = np.linalg.solve(np.eye(mdp.n_states) - discount * P_pi.T, mdp.initial)  # every state
    d[pg.terminal_states(mdp)] = 0
    return d
''', "Singular matrix"),
    "surrogate": ("ex-surrogate-2-answer", '''\
def my_surrogate(theta, states, actions, rewards, baseline):
    log_probs = jax.nn.log_softmax(theta, axis=-1)[states, actions]
    to_go = jnp.cumsum(rewards[:, ::-1], axis=1)[:, ::-1]
    psi = jax.lax.stop_gradient(to_go - baseline(theta)[states])
    return -(log_probs * psi).sum() / states.shape[0]
''', "rewards as a Python list"),
    "other_code": ("ex-other_code-2-answer", '''\
def returns(rewards, last_value, terminated, truncated, gamma):
    gamma = 0.9                                 # the exercise's discount, hard-coded
    ret, out = (0.0 if terminated else last_value), []
    for r in reversed(rewards):
        ret = r + gamma * ret
        out.append(ret)
    return np.array(out[::-1])
''', "your weights differ from pg.time_limit_returns"),
    "reward_to_go": ("ex-reward_to_go-1-answer", '''\
def my_reward_to_go(rewards):
    return np.cumsum(rewards[:, ::-1], axis=1)[:, ::-1]
''', "rewards as a Python list"),
    "objective": ("ex-objective-4-answer", '''\
def return_estimate(mdp, theta, n_episodes, rng):
    theta = np.zeros((4, 2))                    # the exercise's policy, hard-coded
    returns = pg.sample_trajectories(mdp, theta, n_episodes=n_episodes, rng=rng).returns
    return returns.mean(), returns.std(ddof=1) / np.sqrt(n_episodes)
''', "theta has shape"),
    "theorem": ("ex-theorem-3-answer", '''\
def episode_terms(mdp, theta, n_episodes, rng):
    episodes = pg.sample_trajectories(pg.chain_mdp(), theta, n_episodes=n_episodes, rng=rng)
    return episodes.returns[:, None, None] * pg.score(theta, episodes.states, episodes.actions)
''', "theta has shape"),
    "cartpole": ("ex-cartpole-3-answer", '''\
def greedy_probabilities(W, observations):
    e = np.exp(cartpole_features(observations) @ np.asarray(W))   # no shift: overflows
    return (e / e.sum(axis=1, keepdims=True)).max(axis=1)
''', "exponentiating them directly overflows"),
    "where_next": ("ex-where-next-2-answer", '''\
def n_step_advantages(rewards, states, values, n):
    horizon = len(rewards[0])                   # arrays assumed: rewards[:, t] fails on a list
    out = np.empty((len(rewards), horizon))
    for t in range(horizon):
        end = min(t + n, horizon)
        bootstrap = values[end, states[:, end]] if end < horizon else 0.0
        out[:, t] = rewards[:, t:end].sum(axis=1) + bootstrap - values[t, states[:, t]]
    return out
''', "list indices must be integers"),
    "baselines": ("ex-baselines-2-answer", '''\
def baseline_estimate(theta, states, actions, rewards, baseline):
    G = pg.reward_to_go(rewards)
    steps = np.arange(states.shape[1])
    weights = G - baseline[steps, states]
    return pg.score(theta, states, actions, weights=weights).mean(axis=0)
''', "'list' object has no attribute 'shape'"),
}

GARBAGE = ("reward_to_go", "ex-reward_to_go-1-answer", '''\
import sys
import warnings

print("debugging output", file=sys.stderr)
warnings.warn("a warning at the top level")


def my_reward_to_go(rewards):
    while True:
        pass
''')
KILLER = ("monte_carlo", "ex-monte_carlo-2-answer", "import os\nos._exit(1)\n")


def with_answer(notebook: nbformat.NotebookNode, grade_id: str, source: str):
    notebook = nbformat.from_dict(notebook)
    cells = [c for c in notebook.cells if c.metadata.get("nbgrader", {}).get("grade_id")
             == grade_id]
    assert len(cells) == 1, grade_id
    cells[0].source = source
    return notebook


@functools.cache
def assignment_names() -> tuple[str, ...]:
    """Every assignment `make assignments` builds, in the book's order (built once here)."""
    return tuple(path.stem for path in tool.chapters_of() if tool.build(path) is not None)


def half(k: int) -> list[str]:
    """Every other assignment in the book's order, from the first (k = 0) or the second (k = 1):
    each half is graded by its own test module, so that pytest's two workers share the work."""
    return list(assignment_names()[k::2])


def grade_class(names: list[str], tmp_path_factory, *, misbehaving: bool = False):
    """The course directory, the assignment names and the rows of grades.csv, after grading the
    class below on the assignments ``names`` (with the garbage and killer students when
    ``misbehaving``)."""
    course = tmp_path_factory.mktemp("course")
    chapters = [path for path in tool.chapters_of() if path.stem in names]
    assignments = [a.name for a in tool.write_assignments(chapters, course, copies=None)]
    assert sorted(assignments) == sorted(names)
    submissions = tmp_path_factory.mktemp("submissions")

    def hand_in(student: str, name: str, notebook) -> None:
        folder = submissions / student / name
        folder.mkdir(parents=True)
        nbformat.write(notebook, folder / f"{name}.ipynb")

    for name in assignments:
        source = nbformat.read(course / "source" / name / f"{name}.ipynb", 4)
        release = nbformat.read(course / "release" / name / f"{name}.ipynb", 4)
        hand_in("reference", name, source)
        hand_in("blank", name, release)
        grade_id, answer, _ = WRONG[name]  # the other exercises of the assignment answered right
        hand_in("hidden_only", name, with_answer(source, grade_id, answer))
    if misbehaving:
        for student, (name, grade_id, answer) in (("garbage", GARBAGE), ("killer", KILLER)):
            release = nbformat.read(course / "release" / name / f"{name}.ipynb", 4)
            hand_in(student, name, with_answer(release, grade_id, answer))
    outcomes = grader.grade(submissions, course)
    grader.write_csv(outcomes, course / "grades.csv")
    grader.write_feedback(outcomes, course)
    with (course / "grades.csv").open() as file:
        rows = list(csv.DictReader(file))
    return course, assignments, rows


def points(rows, student, assignment):
    """(points, max_points) of one student's assignment; a written part not graded yet (empty
    points) counts 0."""
    mine = [r for r in rows if r["student"] == student and r["assignment"] == assignment]
    assert mine, (student, assignment)
    return (sum(float(r["points"] or 0) for r in mine),
            sum(float(r["max_points"]) for r in mine))


def written(rows, student):
    """The rows of the written parts (graded by hand) of one student."""
    return [r for r in rows if r["student"] == student and r["exercise"].endswith("-written")]


def feedback(course: Path, student: str) -> str:
    return (course / "feedback" / student / "feedback.md").read_text(encoding="utf-8")


def test_grade_table_has_a_row_per_student_assignment_and_exercise(graded) -> None:
    course, assignments, rows = graded
    assert list(rows[0]) == list(grader.FIELDS)
    exercises = {a: [grade_id for grade_id, _ in grader.graded_cells(course, a)]
                 for a in assignments}
    for student in sorted({r["student"] for r in rows}):
        for assignment in assignments:
            mine = [r["exercise"] for r in rows
                    if r["student"] == student and r["assignment"] == assignment]
            assert mine == exercises[assignment], (student, assignment)


def test_reference_solutions_get_full_marks(graded) -> None:
    """... on every test cell; the written parts wait for a grader (empty points)."""
    _, assignments, rows = graded
    answered = written(rows, "reference")
    assert answered and all(r["points"] == "" for r in answered), answered
    for assignment in assignments:
        got, possible = points(rows, "reference", assignment)
        by_hand = sum(float(r["max_points"]) for r in answered if r["assignment"] == assignment)
        assert got == possible - by_hand > 0, assignment


def test_blank_release_gets_zero_and_is_told_it_is_the_stub(graded) -> None:
    course, assignments, rows = graded
    for assignment in assignments:
        assert points(rows, "blank", assignment)[0] == 0, assignment
    assert all(r["points"] == "0" for r in written(rows, "blank"))   # left unanswered
    assert "still the stub" in feedback(course, "blank")


def test_hidden_tests_catch_what_the_visible_ones_do_not(graded) -> None:
    """Partial marks: every visible part passed, a hidden part failed, with its hint."""
    course, assignments, rows = graded
    text = feedback(course, "hidden_only")
    for assignment in assignments:
        got, possible = points(rows, "hidden_only", assignment)
        assert 0 < got < possible, assignment
        section = text.split(f"## {assignment}:")[1].split("\n## ")[0]
        lines = [line for line in section.splitlines() if re.match(r"[✓✗] ex-", line)]
        visible = [line for line in lines if "hidden" not in line]
        hidden = [line for line in lines if "hidden" in line]
        assert visible and all(line.startswith("✓") for line in visible), section
        assert any(line.startswith("✗") for line in hidden), section
        assert WRONG[assignment][2] in section, section


def test_feedback_shows_hints_but_not_the_hidden_tests(graded) -> None:
    course, assignments, _ = graded
    for assignment in assignments:
        html = (course / "feedback" / "hidden_only" / assignment / f"{assignment}.html")
        page = html.read_text(encoding="utf-8")
        assert "hidden cases" in page          # the hidden part's printed line and hint
        assert "BEGIN HIDDEN TESTS" not in page and "hidden_theta" not in page \
            and "hidden =" not in page


