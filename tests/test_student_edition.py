"""tools/student_edition.py: the student notebooks keep every exercise, lose every solution, and
carry working self-check stubs after the implementation exercises.

The solution texts are found here with an independent regular expression over the sources
(book/*.ipynb and book/*.md), not with the tool's own parser, so a parser bug cannot hide itself.
"""

from __future__ import annotations

import contextlib
import io
import re
import shutil
from pathlib import Path

import nbformat
import numpy as np
import pytest
import student_edition  # tools/, put on sys.path by conftest.py

import pgtheory as pg
from pgtheory import checks

ROOT = Path(__file__).resolve().parents[1]
BOOK = ROOT / "book"
NOTEBOOKS = sorted(BOOK.glob("*.ipynb"))

SOLUTION = re.compile(
    r"^(?P<fence>:{3,}|`{3,})\{solution\}[^\n]*\n(?P<body>.*?)^(?P=fence)[ \t]*$",
    re.MULTILINE | re.DOTALL,
)
EXERCISE = re.compile(
    r"^(?P<fence>:{3,}|`{3,})\{exercise\}[^\n]*\n(?P<body>.*?)^(?P=fence)[ \t]*$",
    re.MULTILINE | re.DOTALL,
)
LABEL = re.compile(r"^:label:\s*(\S+)", re.MULTILINE)


def notebook_text(notebook: nbformat.NotebookNode) -> str:
    return "\n\n".join(cell.source for cell in notebook.cells)


def source_texts(book: Path) -> dict[str, str]:
    """Every chapter's source text: the notebooks the tool reads, and their MyST sources."""
    texts = {path.name: notebook_text(nbformat.read(path, as_version=4))
             for path in sorted(book.glob("*.ipynb"))}
    texts.update({path.name: path.read_text(encoding="utf-8") for path in book.glob("*.md")})
    return texts


def distinctive_solution_lines(book: Path) -> dict[str, list[str]]:
    """For each solution, its lines of 20+ characters that occur nowhere else in the book.

    "Elsewhere" includes the stubs, which may repeat a signature the exercise prescribes
    (``def my_reward_to_go(rewards):``) but nothing more of a solution.
    """
    texts = source_texts(book)
    outside = "\n".join([SOLUTION.sub("", text) for text in texts.values()]
                        + list(student_edition.STUBS.values()))
    lines: dict[str, list[str]] = {}
    for name, text in texts.items():
        for number, match in enumerate(SOLUTION.finditer(text)):
            body = [line.strip() for line in match["body"].splitlines()]
            lines[f"{name}#{number}"] = [
                line for line in body if len(line) >= 20 and line not in outside
            ]
    return lines


@pytest.fixture(scope="module")
def book(tmp_path_factory) -> Path:
    """A snapshot of book/ (chapters may be edited while the tests run)."""
    snapshot = tmp_path_factory.mktemp("book")
    for path in NOTEBOOKS + sorted(BOOK.glob("*.md")):
        shutil.copy(path, snapshot / path.name)
    return snapshot


@pytest.fixture(scope="module")
def student(book, tmp_path_factory) -> dict[str, nbformat.NotebookNode]:
    out = tmp_path_factory.mktemp("student")
    sources = [str(path) for path in sorted(book.glob("*.ipynb"))]
    with contextlib.redirect_stdout(io.StringIO()):
        assert student_edition.main(["--out", str(out), *sources]) == 0
    return {path.name: nbformat.read(path, as_version=4) for path in sorted(out.glob("*.ipynb"))}


def stub_cells(notebook: nbformat.NotebookNode) -> list[nbformat.NotebookNode]:
    return [c for c in notebook.cells if student_edition.STUB_TAG in c.metadata.get("tags", [])]


# --- the real book ------------------------------------------------------------------------------


def test_every_chapter_has_a_student_notebook(book, student):
    assert NOTEBOOKS, "no book/*.ipynb found"
    assert sorted(student) == sorted(path.name for path in book.glob("*.ipynb"))


@pytest.mark.parametrize("name", [p.name for p in NOTEBOOKS])
def test_student_notebooks_are_valid_nbformat_with_unique_cell_ids(student, name):
    notebook = student[name]
    nbformat.validate(notebook)
    ids = [cell.id for cell in notebook.cells]
    assert len(ids) == len(set(ids))


def test_no_solution_directive_is_left(student):
    for name, notebook in student.items():
        text = notebook_text(notebook)
        assert not re.search(r"\{solution(-start|-end)?\}", text), name


def test_no_solution_text_is_left(book, student):
    lines = distinctive_solution_lines(book)
    assert len(lines) >= 30, "expected the book's solutions to be found in the sources"
    assert sum(map(len, lines.values())) >= 100, "too few distinctive lines to test anything"
    output = "\n".join(notebook_text(nb) for nb in student.values())
    leaked = {key: [line for line in found if line in output] for key, found in lines.items()}
    assert {key: found for key, found in leaked.items() if found} == {}


def test_every_exercise_is_kept_word_for_word(book, student):
    for path in sorted(book.glob("*.ipynb")):
        source = notebook_text(nbformat.read(path, as_version=4))
        output = notebook_text(student[path.name])
        exercises = [match.group(0) for match in EXERCISE.finditer(source)]
        assert [LABEL.search(e).group(1) for e in exercises] == [
            LABEL.search(m.group(0)).group(1) for m in EXERCISE.finditer(output)]
        for exercise in exercises:
            assert exercise in output, f"{path.name}: exercise changed:\n{exercise[:200]}"


def test_code_cells_are_unchanged_and_their_outputs_cleared(book, student):
    for path in sorted(book.glob("*.ipynb")):
        source = [c for c in nbformat.read(path, as_version=4).cells if c.cell_type == "code"]
        output = [c for c in student[path.name].cells if c.cell_type == "code"]
        assert all(c.outputs == [] and c.execution_count is None for c in output), path.name
        kept = [c for c in output if student_edition.STUB_TAG not in c.metadata.get("tags", [])]
        assert [c.source for c in kept] == [c.source for c in source], path.name
        assert "widgets" not in student[path.name].metadata


def test_every_registered_stub_follows_its_exercise_once(student):
    placed = {}
    for name, notebook in student.items():
        cells = notebook.cells
        for index, cell in enumerate(cells):
            if student_edition.STUB_TAG not in cell.metadata.get("tags", []):
                continue
            before = cells[index - 1]
            assert before.cell_type == "markdown" and before.source.rstrip().endswith(":::")
            label = LABEL.findall(before.source)[-1]
            assert label not in placed, f"two stubs for {label}"
            placed[label] = (name, cell.source)
    assert set(placed) == set(student_edition.STUBS)
    for label, (name, source) in placed.items():
        assert name.startswith(label.removeprefix("ex-").split("-")[0])
        assert source == student_edition.STUBS[label].rstrip("\n")


def test_the_implementation_exercises_have_stubs():
    for label in ("ex-factorization-4", "ex-monte_carlo-2", "ex-reward_to_go-1",
                  "ex-reinforce-2", "ex-baselines-2"):
        assert label in student_edition.STUBS


@pytest.mark.parametrize("label", sorted(student_edition.STUBS))
def test_each_stub_calls_a_check_that_exists(label):
    code = student_edition.STUBS[label]
    assert "from pgtheory import checks" in code
    assert "# Your code here" in code and "raise NotImplementedError" in code
    last = code.rstrip().splitlines()[-1]
    match = re.fullmatch(r"checks\.(check_\w+)\((\w+)\)", last)
    assert match and match[1] in checks.__all__
    assert f"def {match[2]}(" in code
    assert len(code.splitlines()) <= 15  # style: short code cells


# Correct answers a student might write, to fill in each stub's function.
def _softmax(theta):
    return pg.softmax_policy(theta)


CORRECT = {
    "log_softmax_grad": lambda theta, s, a: (np.arange(theta.shape[0]) == s)[:, None]
    * ((np.arange(theta.shape[1]) == a) - _softmax(theta)[s]),
    "trajectory_score": lambda theta, states, actions: pg.score(theta, states, actions),
    "mc_estimate": lambda theta, states, actions, rewards: (
        rewards.sum(axis=1)[:, None, None] * pg.score(theta, states, actions)).mean(axis=0),
    "reinforce_update": lambda theta, grad, learning_rate: theta + learning_rate * grad,
    "baseline_estimate": lambda theta, states, actions, rewards, baseline: pg.score(
        theta, states, actions,
        pg.reward_to_go(rewards) - baseline[np.arange(states.shape[1]), states]).mean(axis=0),
    "my_reward_to_go": lambda rewards: np.cumsum(rewards[:, ::-1], axis=1)[:, ::-1],
    "my_surrogate": lambda theta, states, actions, rewards, baseline: _surrogate(
        theta, states, actions, rewards, baseline),
}


def _surrogate(theta, states, actions, rewards, baseline):
    import jax  # the JAX exercise of book/surrogate

    log_probs = jax.nn.log_softmax(theta, axis=-1)[states, actions]
    weights = pg.reward_to_go(rewards) - baseline(theta)[states]
    return -(log_probs * jax.lax.stop_gradient(weights)).sum() / states.shape[0]


@pytest.mark.parametrize("label", sorted(student_edition.STUBS))
def test_a_stub_runs_as_written_and_reports_the_missing_code(label):
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        exec(student_edition.STUBS[label], {"__name__": "student"})
    assert "failed" in printed.getvalue() and "still the stub" in printed.getvalue()


@pytest.mark.parametrize("label", sorted(student_edition.STUBS))
def test_a_stub_filled_in_correctly_passes(label):
    head, call = student_edition.STUBS[label].rstrip().rsplit("\n", 1)
    function = re.fullmatch(r"checks\.check_\w+\((\w+)\)", call)[1]
    namespace: dict = {"__name__": "student"}
    exec(head, namespace)
    namespace[function] = CORRECT[function]
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        result = eval(call, namespace)
    assert result, printed.getvalue()
    assert "passed" in printed.getvalue()


def test_main_fails_when_a_registered_stub_finds_no_exercise(tmp_path, monkeypatch):
    stubs = dict(student_edition.STUBS, **{"ex-no-such-exercise": "pass\n"})
    monkeypatch.setattr(student_edition, "STUBS", stubs)
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        assert student_edition.main(["--out", str(tmp_path)]) == 1


def test_the_makefile_has_a_student_target():
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert re.search(r"^student: \$\(STAMP\)\n\t\$\(PY\) tools/student_edition\.py", makefile,
                     re.MULTILINE)
    assert re.search(r"^\.PHONY:.*\bstudent\b", makefile, re.MULTILINE)


# --- the other ways of marking a solution, on a hand-made notebook ------------------------------

EXERCISE_MD = """## Exercises

::::{exercise}
:label: ex-demo

Write `f`.

:::{note}
A nested note stays.
:::
::::

```{solution} ex-demo
:class: dropdown

The backtick solution body.
```

```markdown
:::{solution} shown-as-an-example
This example of the syntax is a code block and stays.
:::
```

Text between.

```{exercise-start}
:label: ex-gated
```
Gated exercise text.
```{exercise-end}
```

:::{solution-start} ex-gated
:::
Gated solution prose.
"""


def make_notebook() -> nbformat.NotebookNode:
    cells = [
        nbformat.v4.new_markdown_cell("# Demo"),
        nbformat.v4.new_markdown_cell(EXERCISE_MD),
        nbformat.v4.new_code_cell("secret_gated_code = 1", outputs=[], execution_count=3),
        nbformat.v4.new_markdown_cell("More gated solution.\n\n:::{solution-end}\n:::\n\nAfter."),
        nbformat.v4.new_code_cell("tagged_secret = 2", metadata={"tags": ["solution"]}),
        nbformat.v4.new_code_cell("x = 1\n### BEGIN SOLUTION\nnbgrader_secret = 3\n"
                                  "### END SOLUTION\ny = 2",
                                  outputs=[nbformat.v4.new_output("stream", text="hi")],
                                  execution_count=5),
    ]
    return nbformat.v4.new_notebook(cells=cells)


def test_every_kind_of_solution_is_removed_and_stubs_follow_their_exercises():
    stubs = {"ex-demo": "from pgtheory import checks\n# demo stub",
             "ex-gated": "# gated stub"}
    notebook, edition = student_edition.student_notebook(make_notebook(), stubs)
    nbformat.validate(notebook)
    text = notebook_text(notebook)
    for secret in ("backtick solution body", "Gated solution prose", "More gated solution",
                   "secret_gated_code", "tagged_secret", "nbgrader_secret"):
        assert secret not in text
    for kept in ("Write `f`.", "A nested note stays.", "This example of the syntax",
                 "Text between.", "Gated exercise text.", "After.", "x = 1", "y = 2"):
        assert kept in text
    assert edition.solutions_removed == 4
    assert edition.stubs_added == ["ex-demo", "ex-gated"]
    sources = [cell.source for cell in notebook.cells]
    demo = sources.index(stubs["ex-demo"])
    assert sources[demo - 1].endswith("::::") and "ex-demo" in sources[demo - 1]
    gated = sources.index(stubs["ex-gated"])
    assert sources[gated - 1].endswith("```{exercise-end}\n```")
    nbgrader = next(c for c in notebook.cells if "x = 1" in c.source)
    assert nbgrader.source == "x = 1\n# Your code here\ny = 2"
    assert nbgrader.outputs == [] and nbgrader.execution_count is None
    assert "Student edition" in sources[1]


def test_the_source_notebook_is_not_modified():
    original = make_notebook()
    before = nbformat.writes(original)
    student_edition.student_notebook(original, {"ex-demo": "# stub"})
    assert nbformat.writes(original) == before


def test_a_notebook_without_exercises_gets_no_banner():
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# Intro")])
    student, edition = student_edition.student_notebook(notebook)
    assert [c.source for c in student.cells] == ["# Intro"]
    assert edition.solutions_removed == 0 and edition.stubs_added == []


def test_default_run_leaves_out_the_instructor_guide(tmp_path):
    with contextlib.redirect_stdout(io.StringIO()):
        assert student_edition.main(["--out", str(tmp_path)]) == 0
    written = {path.stem for path in tmp_path.glob("*.ipynb")}
    assert "instructor_guide" not in written
    assert {"theorem", "monte_carlo", "reward_to_go", "baselines"} <= written
