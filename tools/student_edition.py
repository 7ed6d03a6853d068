"""Write the student edition of the book: every chapter notebook without its solutions.

For each chapter book/*.ipynb (not the instructor guide) this writes a copy to
_build/student/ (or --out DIR) in which

1. every solution is gone: sphinx-exercise ``{solution}`` directives in Markdown cells (colon
   fences ``:::{solution} label ... :::`` and backtick fences ```` ```{solution} ````, with
   everything inside them), gated ``{solution-start}`` ... ``{solution-end}`` regions (which may
   span several cells, code cells included), cells tagged ``solution``, and nbgrader regions
   ``### BEGIN SOLUTION`` ... ``### END SOLUTION`` in code cells (replaced by ``# Your code
   here``);
2. after every exercise whose label is in :data:`STUBS`, the Markdown cell is split and a code
   cell is inserted: a function to fill in (``# Your code here``) followed by a call to the
   matching :mod:`pgtheory.checks` function, which tells the student whether the function is
   right and, if not, which typical mistake it makes;
3. every code cell's outputs and execution counts are cleared (and the widget state dropped).

A stub as written calls its check on ``raise NotImplementedError``, which the check reports
kindly, so a student notebook runs from top to bottom without an error.

Usage: python tools/student_edition.py [--out DIR] [book/chapter.ipynb ...]   (or `make student`)
"""

from __future__ import annotations

import argparse
import copy
import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
BOOK = ROOT / "book"
# Pages for the instructor, not handed to students.
INSTRUCTOR_ONLY = {"instructor_guide"}
OUT = ROOT / "_build" / "student"

#: Tag of the inserted code cells (so instructors and tests can find them).
STUB_TAG = "exercise-stub"

#: Cell tags that mark a whole cell as a solution.
SOLUTION_TAGS = frozenset({"solution", "solutions"})

#: Exercise label -> code cell inserted after that exercise. The last line calls the check.
STUBS: dict[str, str] = {
    "ex-factorization-1": '''\
# Exercise ex-factorization-1, in code: the score of the softmax policy, eq. (softmax-score).
import numpy as np
from pgtheory import checks


def log_softmax_grad(theta, s, a):
    """grad_theta log pi_theta(a | s) for logits theta: (S, A); returns an (S, A) array."""
    # Your code here
    raise NotImplementedError


checks.check_log_softmax_grad(log_softmax_grad)
''',
    "ex-factorization-4": '''\
# Exercise ex-factorization-4: the trajectory score, eq. (grad-log-traj), for a batch.
import numpy as np
import pgtheory as pg
from pgtheory import checks


def trajectory_score(theta, states, actions):
    """sum_t grad log pi(a_t | s_t) of each episode; states, actions: (n, H) -> (n, S, A)."""
    pi = pg.softmax_policy(theta)
    # Your code here
    raise NotImplementedError


checks.check_trajectory_log_prob_grad(trajectory_score)
''',
    "ex-monte_carlo-2": '''\
# Exercise ex-monte_carlo-2: the Monte Carlo gradient estimate, eq. (mc-estimate).
import numpy as np
import pgtheory as pg
from pgtheory import checks


def mc_estimate(theta, states, actions, rewards):
    """g_N from N episodes; states, actions, rewards: (N, H) -> an (S, A) array."""
    # Your code here (pg.score(theta, states, actions) gives each episode's score)
    raise NotImplementedError


checks.check_reinforce_estimator(mc_estimate)
''',
    "ex-reinforce-2": '''\
# Exercise ex-reinforce-2: first, the update line of your loop, eq. (reinforce-update).
import numpy as np
from pgtheory import checks


def reinforce_update(theta, grad, learning_rate):
    """The parameters after one REINFORCE step with the gradient estimate grad: (S, A)."""
    # Your code here
    raise NotImplementedError


checks.check_reinforce_update(reinforce_update)
''',
    "ex-baselines-2": '''\
# Exercise ex-baselines-2: reward-to-go with a state-dependent baseline b_t(s_t), eq. (baseline).
# The check also sums your estimator exactly over every trajectory: is it unbiased?
import numpy as np
import pgtheory as pg
from pgtheory import checks


def baseline_estimate(theta, states, actions, rewards, baseline):
    """(1/N) sum_n sum_t score_t (G_t - b_t(s_t)); baseline: (H, S), baseline[t-1, s] = b_t(s)."""
    # Your code here
    raise NotImplementedError


checks.check_baseline_estimator(baseline_estimate)
''',
    "ex-reward_to_go-1": '''\
# Exercise ex-reward_to_go-1: the reward-to-go, eq. (reward-to-go).
import numpy as np
from pgtheory import checks


def my_reward_to_go(rewards):
    """G_t = r_t + r_{t+1} + ... + r_H for rewards: (n, H); returns (n, H). No loop over t."""
    # Your code here
    raise NotImplementedError


checks.check_reward_to_go(my_reward_to_go)
''',
    "ex-surrogate-2": '''\
# Exercise ex-surrogate-2: the surrogate loss in JAX, eqs. (surrogate-loss) and (stop-gradient).
import jax
import jax.numpy as jnp
from pgtheory import checks


def my_surrogate(theta, states, actions, rewards, baseline):
    """L(theta), a JAX scalar, with weights G_t - baseline(theta)[s_t] held fixed."""
    # Your code here
    raise NotImplementedError


checks.check_surrogate_loss(my_surrogate)
''',
}

BANNER = (
    "**Student edition.** The solutions are removed from this copy of the chapter. After some "
    "implementation exercises you will find a code cell to complete: replace "
    "`raise NotImplementedError` with your code and run the cell; the check at its end (from "
    "`pgtheory.checks`) compares your function with exact answers and names the typical "
    "mistakes."
)

# An opening fence: indentation, ``:::``/```` ``` ```` (3 or more), then an optional
# ``{directive}`` and the rest of the line.
_FENCE = re.compile(r"^(?P<indent>\s*)(?P<marker>:{3,}|`{3,})\s*(?P<info>.*)$")
_DIRECTIVE = re.compile(r"^\{(?P<name>[\w-]+)\}\s*(?P<argument>.*)$")
_LABEL = re.compile(r"^\s*:label:\s*(?P<label>\S+)\s*$")
_BEGIN_SOLUTION = re.compile(r"^\s*#+\s*BEGIN SOLUTION\b")
_END_SOLUTION = re.compile(r"^\s*#+\s*END SOLUTION\b")


@dataclass
class Edition:
    """What was done to one notebook."""

    solutions_removed: int = 0
    stubs_added: list[str] = field(default_factory=list)
    exercises: list[str] = field(default_factory=list)


def _closes(line: str, marker: str) -> bool:
    """True if ``line`` closes a fence opened with ``marker`` (same character, at least as many,
    nothing else on the line)."""
    stripped = line.strip()
    return (len(stripped) >= len(marker) and set(stripped) == {marker[0]})


def _skip_fence(lines: list[str], start: int, marker: str) -> int:
    """Index of the line after the fence that opens at ``start`` (the end if never closed)."""
    for index in range(start + 1, len(lines)):
        if _closes(lines[index], marker):
            return index + 1
    return len(lines)


def _label_in(lines: list[str]) -> str | None:
    for line in lines:
        match = _LABEL.match(line)
        if match:
            return match["label"]
    return None


def _tidy(text: str) -> str:
    """Strip, and collapse the blank lines that removed blocks leave behind."""
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def split_markdown(source: str, in_gated_solution: bool, stubs: Mapping[str, str],
                   edition: Edition) -> tuple[list[tuple[str, str]], bool]:
    """Remove solutions from one Markdown cell and mark where stubs go.

    Returns the pieces of the cell in order, each ``("markdown", text)`` or ``("stub", label)``,
    and whether the cell ends inside a gated ``{solution-start}`` region.
    """
    lines = source.splitlines()
    pieces: list[tuple[str, str]] = []
    kept: list[str] = []
    gated_exercise: str | None = None
    index = 0

    def flush_stub(label: str) -> None:
        pieces.append(("markdown", "\n".join(kept)))
        kept.clear()
        pieces.append(("stub", label))

    while index < len(lines):
        line = lines[index]
        fence = _FENCE.match(line)
        directive = _DIRECTIVE.match(fence["info"]) if fence else None
        name = directive["name"] if directive else None
        if in_gated_solution:
            if name == "solution-end":
                in_gated_solution = False
                index = _skip_fence(lines, index, fence["marker"])
            else:
                index += 1
            continue
        if fence is None:
            kept.append(line)
            index += 1
            continue
        end = _skip_fence(lines, index, fence["marker"])
        if name == "solution":
            edition.solutions_removed += 1
        elif name == "solution-start":
            edition.solutions_removed += 1
            in_gated_solution = True
        elif name == "exercise":
            kept.extend(lines[index:end])
            label = _label_in(lines[index:end])
            edition.exercises.append(label or "(no label)")
            if label in stubs:
                flush_stub(label)
        elif name == "exercise-start":
            kept.extend(lines[index:end])
            gated_exercise = _label_in(lines[index:end])
            edition.exercises.append(gated_exercise or "(no label)")
        elif name == "exercise-end":
            kept.extend(lines[index:end])
            if gated_exercise in stubs:
                flush_stub(gated_exercise)
            gated_exercise = None
        else:  # any other block, e.g. a code example: copied verbatim, never searched
            kept.extend(lines[index:end])
        index = end
    pieces.append(("markdown", "\n".join(kept)))
    cleaned = [(kind, _tidy(text) if kind == "markdown" else text) for kind, text in pieces]
    return [(kind, text) for kind, text in cleaned if text], in_gated_solution


def _strip_nbgrader(source: str, edition: Edition) -> str:
    """Replace each ``### BEGIN SOLUTION`` ... ``### END SOLUTION`` region by a placeholder."""
    out: list[str] = []
    inside = False
    for line in source.splitlines():
        if not inside and _BEGIN_SOLUTION.match(line):
            inside = True
            edition.solutions_removed += 1
            indent = line[: len(line) - len(line.lstrip())]
            out.append(f"{indent}# Your code here")
        elif inside and _END_SOLUTION.match(line):
            inside = False
        elif not inside:
            out.append(line)
    return "\n".join(out)


def _is_solution_cell(cell: nbformat.NotebookNode) -> bool:
    return bool(SOLUTION_TAGS & set(cell.get("metadata", {}).get("tags", [])))


def student_notebook(notebook: nbformat.NotebookNode, stubs: Mapping[str, str] = STUBS,
                     ) -> tuple[nbformat.NotebookNode, Edition]:
    """The student edition of one notebook (a new object) and a record of what changed."""
    edition = Edition()
    cells: list[nbformat.NotebookNode] = []
    gated = False
    for cell in notebook.cells:
        if _is_solution_cell(cell):
            edition.solutions_removed += 1
            continue
        if cell.cell_type == "markdown":
            pieces, gated_after = split_markdown(cell.source, gated, stubs, edition)
            gated = gated_after
            first = True
            for kind, text in pieces:
                if kind == "stub":
                    stub = nbformat.v4.new_code_cell(stubs[text].rstrip("\n"))
                    stub.metadata["tags"] = [STUB_TAG]
                    cells.append(stub)
                    edition.stubs_added.append(text)
                elif first:
                    kept = copy.deepcopy(cell)
                    kept.source = text
                    cells.append(kept)
                    first = False
                else:
                    cells.append(nbformat.v4.new_markdown_cell(text))
        elif gated:  # a code (or raw) cell inside a {solution-start} ... {solution-end} region
            continue
        elif cell.cell_type == "code":
            code = copy.deepcopy(cell)
            code.source = _strip_nbgrader(cell.source, edition)
            code.outputs = []
            code.execution_count = None
            code.metadata.pop("execution", None)
            cells.append(code)
        else:
            cells.append(copy.deepcopy(cell))
    metadata = copy.deepcopy(notebook.metadata)
    metadata.pop("widgets", None)
    student = nbformat.v4.new_notebook(cells=cells, metadata=metadata)
    student.nbformat, student.nbformat_minor = notebook.nbformat, notebook.nbformat_minor
    if edition.solutions_removed or edition.stubs_added:
        banner = nbformat.v4.new_markdown_cell(BANNER)
        at = 1 if cells and cells[0].cell_type == "markdown" else 0  # after the title cell
        student.cells.insert(at, banner)
    return student, edition


def write_student_edition(sources: list[Path], out: Path,
                          stubs: Mapping[str, str] = STUBS) -> dict[str, Edition]:
    """Write the student edition of each notebook in ``sources`` to ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    editions = {}
    for source in sources:
        notebook = nbformat.read(source, as_version=4)
        student, edition = student_notebook(notebook, stubs)
        nbformat.validate(student)
        nbformat.write(student, out / source.name)
        editions[source.name] = edition
    return editions


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUT, help=f"output folder (default {OUT})")
    parser.add_argument("notebooks", nargs="*", type=Path,
                        help="notebooks to convert (default: every book/*.ipynb)")
    args = parser.parse_args(argv)
    sources = args.notebooks or sorted(
        p for p in BOOK.glob("*.ipynb") if p.stem not in INSTRUCTOR_ONLY
    )
    if not sources:
        print(f"no notebooks found in {BOOK}", file=sys.stderr)
        return 1
    editions = write_student_edition(sources, args.out)
    for name, edition in editions.items():
        stubs = ", ".join(edition.stubs_added) or "none"
        print(f"{name}: {edition.solutions_removed} solutions removed, stubs after: {stubs}")
    print(f"wrote {len(editions)} notebooks to {args.out}")
    if not args.notebooks:  # the whole book: every registered stub must have found its exercise
        placed = [label for edition in editions.values() for label in edition.stubs_added]
        missing = sorted(set(STUBS) - set(placed))
        if missing:
            print(f"error: no exercise found for the stubs {missing}; update STUBS in "
                  f"{Path(__file__).name}", file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
