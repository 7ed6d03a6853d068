"""Write the book's graded assignments for nbgrader from the cells marked in the chapters.

One assignment per chapter with marked implementation exercises. A chapter `book/<name>.md`
marks, next to each implementation exercise, code cells whose metadata says what they are
(they carry the `remove-cell` tag, so neither web edition shows them):

- ``assignment: {role: setup}``: imports and the objects the exercises use, once per chapter;
- ``assignment: {exercise: <label>, role: answer}``: the function the student writes, with the
  worked solution between nbgrader's ``### BEGIN SOLUTION`` and ``### END SOLUTION``;
- ``assignment: {exercise: <label>, role: tests, points: <n>}``: the test cell, calling
  `pgtheory.checks` (through `pgtheory.checks.grading.Score`) and, between ``### BEGIN HIDDEN
  TESTS`` and ``### END HIDDEN TESTS``, the cases students never see. Its result is the points.
- a Markdown cell ``assignment: {exercise: <label>, role: written, points: <n>}`` (optional, after
  the tests): the question of a written part, graded by hand in nbgrader's formgrader. The
  assignment puts the question in a locked cell and, below it, nbgrader's "manually graded
  answer" cell, whose instructor version holds the exercise's worked solution from the chapter
  (its ``{solution}`` block) between ``### BEGIN SOLUTION`` and ``### END SOLUTION``, and whose
  release version says "YOUR ANSWER HERE".

The chapter executes these cells like any other (nbval and the book build run them): the worked
solutions must get full marks there.

This script copies them, with the exercise's statement from the chapter, into nbgrader's source
notebook `_build/assignments/source/<name>/<name>.ipynb` (the instructor version: solutions and
every test), with nbgrader's cell metadata (answer cells, locked test cells with their points,
locked statements), then runs nbgrader's own `generate_assignment`, which writes the release
version (stubs, no solutions, no hidden tests) to `_build/assignments/release/<name>/`. The
release notebooks are also copied to `assignments/student/book/`, committed, which the student
edition's Colab and Binder buttons open.

Usage: python tools/build_assignments.py [--course DIR] [--no-copy] [book/<chapter>.md ...]
(`make assignments`)
"""

from __future__ import annotations

import argparse
import copy
import os
import re
import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path

import jupytext
import nbformat
import yaml
from install_cell import MARKER as INSTALL_MARKER

ROOT = Path(__file__).resolve().parents[1]
BOOK = ROOT / "book"
COURSE = ROOT / "_build" / "assignments"
CONFIG = ROOT / "assignments" / "nbgrader_config.py"
#: The release notebooks as committed, for the student edition's Colab and Binder buttons.
STUDENT_COPIES = ROOT / "assignments" / "student" / "book"

ROLES = ("setup", "answer", "tests", "written")
SCHEMA_VERSION = 3  # nbgrader's cell-metadata schema
#: nbgrader's refusal to change the cells of an assignment that has graded submissions.
_GRADED_BEFORE = "because there are submissions associated with it"

_EXERCISE = re.compile(r"^(?P<fence>:{3,})\{exercise\}[^\n]*\n(?P<body>.*?)^(?P=fence)[ \t]*$",
                       re.MULTILINE | re.DOTALL)
_SOLUTION = re.compile(r"^(?P<fence>:{3,})\{solution\}[ \t]*(?P<label>\S+)[^\n]*\n(?P<body>.*?)"
                       r"^(?P=fence)[ \t]*$", re.MULTILINE | re.DOTALL)
_OPTION = re.compile(r"^:(?P<key>[\w-]+):\s*(?P<value>.*)$")
_ROLE = re.compile(r"\{(?P<role>[\w:-]+)\}`(?P<text>[^`]+)`")
_CHAPTER_DOC = re.compile(r"\b([Cc]hapter)\s+\{doc\}`([^`]+)`")
_IMPLEMENTATION = re.compile(r"^\W*Implement", re.IGNORECASE)
_HEADING = re.compile(r"^#\s+(?P<title>.+)$", re.MULTILINE)


class MarkerError(ValueError):
    """The marked cells of a chapter do not make an assignment (the message says why)."""


@dataclass
class Exercise:
    """One exercise block of a chapter: label, number in the book, statement."""

    label: str
    number: str
    statement: str
    solution: str = ""


@dataclass
class Graded:
    """One marked implementation exercise: its answer and test cells and its points."""

    exercise: Exercise
    answer: nbformat.NotebookNode | None = None
    tests: nbformat.NotebookNode | None = None
    points: float = 0.0
    #: the question of the written part (graded by hand), and its points
    written: nbformat.NotebookNode | None = None
    written_points: float = 0.0

    @property
    def total(self) -> float:
        return self.points + self.written_points


@dataclass
class Assignment:
    """What a chapter's marked cells make: the nbgrader source notebook and its exercises."""

    name: str
    title: str
    notebook: nbformat.NotebookNode
    graded: list[Graded] = field(default_factory=list)

    @property
    def points(self) -> float:
        return sum(g.total for g in self.graded)


# --- the book: chapter numbers, titles, exercises ---------------------------------------------


def chapter_numbers(toc: Path = ROOT / "_toc.yml") -> dict[str, int]:
    """Chapter name -> the number the built book gives it (numbered parts, counted on across
    parts: `use_multitoc_numbering` in _config.yml)."""
    data = yaml.safe_load(toc.read_text(encoding="utf-8"))
    numbers: dict[str, int] = {}
    for part in data.get("parts", []):
        if part.get("numbered"):
            for chapter in part.get("chapters", []):
                numbers[Path(chapter["file"]).name] = len(numbers) + 1
    return numbers


def title_of(name: str, book: Path = BOOK) -> str:
    path = book / f"{name}.md"
    match = _HEADING.search(path.read_text(encoding="utf-8")) if path.exists() else None
    return match["title"].strip() if match else name


def exercises_of(notebook: nbformat.NotebookNode, number: int | None) -> list[Exercise]:
    """The chapter's exercise blocks in order, numbered as the book numbers them."""
    found = []
    for cell in notebook.cells:
        if cell.cell_type != "markdown":
            continue
        for match in _EXERCISE.finditer(cell.source):
            lines = match["body"].strip("\n").split("\n")
            options = {}
            while lines and _OPTION.match(lines[0]):
                option = _OPTION.match(lines.pop(0))
                options[option["key"]] = option["value"].strip()
            if "label" not in options:
                raise MarkerError(f"an exercise without a :label: ({lines[:1]})")
            index = len(found) + 1
            found.append(Exercise(options["label"],
                                  f"{number}.{index}" if number else str(index),
                                  "\n".join(lines).strip()))
    solutions = {}
    for cell in notebook.cells:
        if cell.cell_type == "markdown":
            for match in _SOLUTION.finditer(cell.source):
                lines = match["body"].strip("\n").split("\n")
                while lines and _OPTION.match(lines[0]):
                    lines.pop(0)
                solutions[match["label"]] = "\n".join(lines).strip()
    for exercise in found:
        exercise.solution = solutions.get(exercise.label, "")
    return found


def plain_markdown(text: str, references: dict[str, str], book: Path = BOOK) -> str:
    """MyST roles turned into what plain Jupyter (and Colab) Markdown shows."""

    def replace(match: re.Match) -> str:
        role, target = match["role"], match["text"]
        if role == "eq":
            return f"eq. `{target}`"
        if role == "doc":
            return f"the chapter *{title_of(Path(target).name, book)}*"
        if role == "ref":
            return references.get(target, f"`{target}`")
        if role == "numref":
            return f"the figure `{target}` of the chapter"
        if role.startswith("cite"):
            return f"({target})"
        return target

    def chapter(match: re.Match) -> str:  # "chapter {doc}`x`": no second "the chapter"
        return f"{match[1]} *{title_of(Path(match[2]).name, book)}*"

    return _ROLE.sub(replace, _CHAPTER_DOC.sub(chapter, text))


# --- the marked cells -------------------------------------------------------------------------


def _marker(cell: nbformat.NotebookNode) -> dict | None:
    marker = cell.get("metadata", {}).get("assignment")
    if marker is None:
        return None
    if not isinstance(marker, dict) or marker.get("role") not in ROLES \
            or cell.cell_type != ("markdown" if marker["role"] == "written" else "code"):
        raise MarkerError(f"a marked cell must be a code cell (a Markdown cell for the role "
                          f"written) with assignment: {{role: one of {ROLES}, ...}}; got "
                          f"{cell.cell_type} cell with {marker!r}")
    return marker


def _points_of(marker: dict, where: str) -> float:
    points = marker.get("points")
    if isinstance(points, bool) or not isinstance(points, (int, float)) or points <= 0:
        raise MarkerError(f"{where} needs points: <a positive number>; got {points!r}")
    return float(points)


def _nbgrader(cell: nbformat.NotebookNode, grade_id: str, *, solution: bool = False,
              grade: bool = False, locked: bool = False,
              points: float | None = None) -> nbformat.NotebookNode:
    """A copy of ``cell`` for the assignment, with nbgrader's metadata and a stable id."""
    new = copy.deepcopy(cell)
    tags = [t for t in new.metadata.get("tags", []) if t != "remove-cell"]
    new.metadata = {"nbgrader": {"grade": grade, "solution": solution, "locked": locked,
                                 "grade_id": grade_id, "schema_version": SCHEMA_VERSION}}
    if tags:
        new.metadata["tags"] = tags
    if points is not None:
        new.metadata["nbgrader"]["points"] = points
    new["id"] = grade_id
    if new.cell_type == "code":
        new.outputs, new.execution_count = [], None
    return new


def _markdown(source: str, grade_id: str) -> nbformat.NotebookNode:
    return _nbgrader(nbformat.v4.new_markdown_cell(source), grade_id, locked=True)


def _install_cell(notebook: nbformat.NotebookNode) -> nbformat.NotebookNode | None:
    """The chapter's hidden first cell that installs pgtheory on Colab when it is missing."""
    for cell in notebook.cells:
        if cell.cell_type == "code" and INSTALL_MARKER in cell.source:
            return cell
    return None


def _header(title: str, graded: list[Graded], total: float) -> str:
    numbers = ", ".join(g.exercise.number for g in graded)
    written = sum(g.written_points for g in graded)
    many = sum(g.written is not None for g in graded) > 1
    how = (f"{total - written:g} of them graded automatically. The written "
           f"{'answers' if many else 'answer'} ({_points(written)}) "
           f"{'are' if many else 'is'} graded by hand: write "
           f"{'them in the cells' if many else 'it in the cell'} that "
           f"{'say' if many else 'says'} YOUR ANSWER HERE, in a few sentences, with the numbers "
           f"your code printed." if written else "graded automatically.")
    return f"""# Assignment: {title}

The implementation exercises of the chapter *{title}* (exercise{'s' if len(graded) > 1 else ''}
{numbers}) of *The Policy Gradient Theorem, Checked*: {total:g} points in all, {how}

For each exercise, replace `raise NotImplementedError()` in the answer cell by your code and
run that cell; then run the test cell below it. It prints one line per test with its points and,
when a test fails, a hint that names the mistake and the equation to re-read (the same hints as
`pgtheory.checks`). When the assignment is graded, further tests run that this copy does not
show (other MDPs and seeds, float32 input, lists instead of arrays); the test cell says how many
points they are worth. Keep the names of the functions, and leave the test cells as they are:
grading restores them."""


def _written_cells(entry: Graded, references: dict[str, str],
                   book: Path) -> list[nbformat.NotebookNode]:
    """The written part: its question (locked) and nbgrader's manually graded answer cell, whose
    solution region is the chapter's worked solution (the graders' model answer)."""
    label, points = entry.exercise.label, entry.written_points
    question = plain_markdown(entry.written.source, references, book).strip()
    heading = (f"### Exercise {entry.exercise.number}, written part ({_points(points)}, "
               f"graded by hand)")
    model = plain_markdown(entry.exercise.solution, references, book)
    answer = nbformat.v4.new_markdown_cell(
        f"### BEGIN SOLUTION\n**Model answer** (the book's solution):\n\n{model}\n"
        f"### END SOLUTION")
    return [_markdown(f"{heading}\n\n{question}", f"{label}-written-statement"),
            _nbgrader(answer, f"{label}-written", solution=True, grade=True, points=points)]


def _points(value: float) -> str:
    return f"{value:g} point{'' if value == 1 else 's'}"


def build(md_path: Path, *, book: Path = BOOK,
          numbers: dict[str, int] | None = None) -> Assignment | None:
    """The nbgrader source notebook of one chapter; None when it marks no exercise."""
    name = md_path.stem
    chapter = jupytext.read(md_path)
    numbers = chapter_numbers() if numbers is None else numbers
    exercises = {e.label: e for e in exercises_of(chapter, numbers.get(name))}
    references = {label: f"Exercise {e.number}" for label, e in exercises.items()}
    setup, graded = [], {}
    for cell in chapter.cells:
        marker = _marker(cell)
        if marker is None:
            continue
        if marker["role"] == "setup":
            setup.append(cell)
            continue
        label = marker.get("exercise")
        if label not in exercises:
            raise MarkerError(f"{md_path.name}: a {marker['role']} cell names the exercise "
                              f"{label!r}, which is not an exercise of this chapter "
                              f"({sorted(exercises)})")
        if not _IMPLEMENTATION.match(exercises[label].statement):
            raise MarkerError(f"{md_path.name}: {label} is marked for grading but is not an "
                              f"implementation exercise (its text must begin with "
                              f"**Implementation.**)")
        entry = graded.setdefault(label, Graded(exercises[label]))
        if getattr(entry, marker["role"]) is not None:
            raise MarkerError(f"{md_path.name}: {label} has two {marker['role']} cells")
        setattr(entry, marker["role"], cell)
        if marker["role"] == "tests":
            entry.points = _points_of(marker, f"{md_path.name}: the tests cell of {label}")
        if marker["role"] == "written":
            entry.written_points = _points_of(marker,
                                              f"{md_path.name}: the written cell of {label}")
            if not exercises[label].solution:
                raise MarkerError(f"{md_path.name}: {label} has a written part but no "
                                  f"{{solution}} block, the model answer for its graders")
    if not graded:
        return None
    for label, entry in graded.items():
        if entry.answer is None or entry.tests is None:
            raise MarkerError(f"{md_path.name}: {label} needs one answer and one tests cell")
        if "### BEGIN SOLUTION" not in entry.answer.source:
            raise MarkerError(f"{md_path.name}: the answer cell of {label} has no "
                              f"### BEGIN SOLUTION region")
    if len(setup) != 1:
        raise MarkerError(f"{md_path.name}: one setup cell is needed (found {len(setup)})")
    title = title_of(name, book)
    ordered = sorted(graded.values(), key=lambda g: list(exercises).index(g.exercise.label))
    total = sum(g.total for g in ordered)
    cells = [_markdown(_header(title, ordered, total), "header")]
    install = _install_cell(chapter)
    if install is not None:
        cells.append(_nbgrader(install, "install", locked=True))
    cells.append(_nbgrader(setup[0], "setup", locked=True))
    for entry in ordered:
        label, number = entry.exercise.label, entry.exercise.number
        statement = plain_markdown(entry.exercise.statement, references, book)
        cells.append(_markdown(f"## Exercise {number} ({entry.total:g} points)\n\n"
                               f"{statement}", f"{label}-statement"))
        cells.append(_nbgrader(entry.answer, f"{label}-answer", solution=True))
        cells.append(_nbgrader(entry.tests, label, grade=True, locked=True,
                               points=entry.points))
        if entry.written is not None:
            cells += _written_cells(entry, references, book)
    notebook = nbformat.v4.new_notebook(cells=cells, metadata={
        "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
        "language_info": {"name": "python"},
    })
    nbformat.validate(notebook)
    return Assignment(name, title, notebook, ordered)


# --- nbgrader ---------------------------------------------------------------------------------


def nbgrader_api(course: Path):
    """nbgrader's Python API on the course directory, configured by its nbgrader_config.py."""
    from nbgrader.apps import NbGraderAPI
    from traitlets.config.loader import PyFileConfigLoader

    # nbgrader runs `alembic` (the gradebook's migrations) and the kernel from PATH: this
    # Python's scripts first, so that a virtual environment works without being activated.
    scripts = str(Path(sys.executable).parent)
    if os.environ.get("PATH", "").split(os.pathsep)[0] != scripts:
        os.environ["PATH"] = scripts + os.pathsep + os.environ.get("PATH", "")

    config = PyFileConfigLoader("nbgrader_config.py", path=str(course)).load_config()
    config.CourseDirectory.root = str(course)
    return NbGraderAPI(config=config)


def prepare_course(course: Path) -> None:
    course.mkdir(parents=True, exist_ok=True)
    shutil.copy(CONFIG, course / "nbgrader_config.py")


def write_assignments(chapters: list[Path], course: Path = COURSE, *,
                      copies: Path | None = STUDENT_COPIES) -> list[Assignment]:
    """Write the source notebooks of ``chapters`` and generate their release versions."""
    prepare_course(course)
    numbers = chapter_numbers()
    assignments = [a for a in (build(path, numbers=numbers) for path in chapters) if a]
    api = nbgrader_api(course)
    for assignment in assignments:
        source = course / "source" / assignment.name
        if source.exists():
            shutil.rmtree(source)
        source.mkdir(parents=True)
        nbformat.write(assignment.notebook, source / f"{assignment.name}.ipynb")
        result = api.generate_assignment(assignment.name, force=True)
        if not result["success"] and _GRADED_BEFORE in result.get("log", ""):
            # The cells changed since a `make grade` stored submissions of this assignment in the
            # gradebook, and nbgrader refuses to change the assignment under them. This course
            # directory is the local one (grades.csv holds what it graded): start its gradebook
            # afresh, keeping the old one beside it.
            stale = course / "gradebook.db"
            stale.replace(course / "gradebook.db.old")
            print(f"note: {assignment.name} changed since it was graded here; the gradebook "
                  f"was moved to {course / 'gradebook.db.old'}", file=sys.stderr)
            api = nbgrader_api(course)
            result = api.generate_assignment(assignment.name, force=True)
        if not result["success"]:
            raise RuntimeError(f"nbgrader generate_assignment {assignment.name} failed:\n"
                               f"{result.get('error', '')}\n{result.get('log', '')}")
        if copies is not None:
            copies.mkdir(parents=True, exist_ok=True)
            shutil.copy(course / "release" / assignment.name / f"{assignment.name}.ipynb",
                        copies / f"{assignment.name}.ipynb")
    if len(chapters) > 1:  # the whole book: drop what is left of chapters without assignments
        names = {a.name for a in assignments}
        for folder in ("source", "release"):
            for stale in (course / folder).glob("*"):
                if stale.is_dir() and stale.name not in names:
                    shutil.rmtree(stale)
        if copies is not None:
            for stale in set(copies.glob("*.ipynb")) - {copies / f"{name}.ipynb"
                                                         for name in names}:
                stale.unlink()
    return assignments


def chapters_of(book: Path = BOOK) -> list[Path]:
    numbers = chapter_numbers()
    return sorted((p for p in book.glob("*.md") if p.stem in numbers),
                  key=lambda p: numbers[p.stem])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--course", type=Path, default=COURSE,
                        help=f"nbgrader's course directory (default {COURSE})")
    parser.add_argument("--no-copy", action="store_true",
                        help=f"do not copy the release notebooks to {STUDENT_COPIES}")
    parser.add_argument("chapters", nargs="*", type=Path,
                        help="chapter sources book/<name>.md (default: every chapter)")
    args = parser.parse_args(argv)
    try:
        assignments = write_assignments(args.chapters or chapters_of(), args.course.resolve(),
                                        copies=None if args.no_copy else STUDENT_COPIES)
    except MarkerError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    for a in assignments:
        parts = ", ".join(f"{g.exercise.number} ({g.points:g}"
                          + (f" + {g.written_points:g} written" if g.written is not None else "")
                          + ")" for g in a.graded)
        print(f"{a.name}: {a.points:g} points: exercises {parts}")
    print(f"{len(assignments)} assignments: instructor versions in {args.course}/source/, "
          f"release versions in {args.course}/release/")
    return 0


if __name__ == "__main__":
    sys.exit(main())
