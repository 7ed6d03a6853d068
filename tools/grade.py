"""Autograde a folder of submitted notebooks with nbgrader; write the grade table and feedback.

SUBMISSIONS holds one folder per student (the folder's name is the student's id), in nbgrader's
usual layout, ``<student>/<assignment>/<assignment>.ipynb``, or flat, ``<student>/<assignment>
.ipynb``; the assignments are those `make assignments` wrote to _build/assignments/source/.
This script copies the submissions into the course directory (``submitted/``, replacing what an
earlier run left there), then runs nbgrader's own `autograde` and `generate_feedback` for each
student and assignment, and reads the points of every test cell from nbgrader's gradebook.

It writes

- ``_build/assignments/grades.csv``: ``student,assignment,exercise,points,max_points``, one
  row per student, assignment and exercise (a missing notebook, or one the grader could not run,
  scores 0 on every exercise). A written part (``<label>-written``, graded by hand) has empty
  ``points`` until a grader has scored it in nbgrader's formgrader, and its score from then on
  (nbgrader keeps manual scores when it autogrades again); left unanswered, it scores 0;
- ``_build/assignments/feedback/<student>/<assignment>/<assignment>.html``: nbgrader's
  feedback, the graded notebook with every test's output (the checks' hints) but not the code of
  the hidden tests;
- ``_build/assignments/feedback/<student>/feedback.md``: the same in short, per assignment and
  exercise: the points and what each test printed.

Usage: python tools/grade.py SUBMISSIONS [--course DIR]   (`make grade SUBMISSIONS=dir`)
"""

from __future__ import annotations

import argparse
import csv
import shutil
import sys
import tempfile
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
from build_assignments import COURSE, nbgrader_api

FIELDS = ("student", "assignment", "exercise", "points", "max_points")


@dataclass
class Outcome:
    """One student's result on one assignment."""

    student: str
    assignment: str
    #: exercise label -> (points, max_points); points None: a written part not graded yet
    points: dict[str, tuple[float | None, float]] = field(default_factory=dict)
    #: exercise label -> what its test cell printed
    outputs: dict[str, str] = field(default_factory=dict)
    problem: str | None = None  # why nothing was graded (no notebook, the grader failed)


def graded_cells(course: Path, assignment: str) -> list[tuple[str, float]]:
    """(grade_id, points) of the assignment's test cells, in the notebook's order."""
    notebook = nbformat.read(course / "source" / assignment / f"{assignment}.ipynb", 4)
    return [(c.metadata["nbgrader"]["grade_id"], float(c.metadata["nbgrader"]["points"]))
            for c in notebook.cells if c.metadata.get("nbgrader", {}).get("grade")]


def assignments_in(course: Path) -> list[str]:
    release = course / "release"
    names = sorted(p.name for p in release.iterdir() if p.is_dir()) if release.is_dir() else []
    if not names:
        raise SystemExit(f"error: no assignments in {release}: run `make assignments` first")
    return names


def find_submission(student_dir: Path, assignment: str) -> Path | None:
    for candidate in (student_dir / assignment / f"{assignment}.ipynb",
                      student_dir / f"{assignment}.ipynb"):
        if candidate.is_file():
            return candidate
    return None


def text_of(cell: nbformat.NotebookNode) -> str:
    """What a code cell printed: streams, results and the last line of an error."""
    parts = []
    for output in cell.get("outputs", []):
        if output.output_type == "stream":
            parts.append(output.text)
        elif output.output_type == "execute_result":
            parts.append(f"Out: {output.data.get('text/plain', '')}\n")
        elif output.output_type == "error":
            parts.append(f"{output.ename}: {output.evalue}\n")
    return "".join(parts).rstrip()


def _last_error(result: dict) -> str:
    lines = [line for line in (result.get("log", "") + result.get("error", "")).splitlines()
             if line.strip()]
    useful = [line for line in lines if "Error" in line or "error" in line]
    return (useful or lines or ["unknown error"])[-1].strip()[:300]


def grade(submissions: Path, course: Path = COURSE) -> list[Outcome]:
    """Autograde every student's submissions; the outcomes in (student, assignment) order."""
    if not submissions.is_dir():
        raise SystemExit(f"error: SUBMISSIONS={submissions} is not a folder")
    names = assignments_in(course)
    students = sorted(p.name for p in submissions.iterdir()
                      if p.is_dir() and not p.name.startswith("."))
    if not students:
        raise SystemExit(f"error: {submissions} has no student folders (one per student)")
    if submissions.resolve().is_relative_to(course.resolve()):
        # e.g. nbgrader's own submitted/ after `nbgrader collect`: copied before it is replaced
        copy = Path(tempfile.mkdtemp(prefix="submissions-"))
        shutil.copytree(submissions, copy, dirs_exist_ok=True)
        submissions = copy
    for stale in ("submitted", "autograded", "feedback"):
        shutil.rmtree(course / stale, ignore_errors=True)
    api = nbgrader_api(course)
    # nbgrader 0.9.6's gradebook warns about its own session objects while autograding; noise.
    warnings.filterwarnings("ignore", message=".*not in session.*", module="nbgrader")
    outcomes = []
    for student in students:
        for assignment in names:
            outcome = Outcome(student, assignment)
            cells = graded_cells(course, assignment)
            source = find_submission(submissions / student, assignment)
            if source is None:
                outcome.problem = f"no notebook {assignment}.ipynb was submitted"
            else:
                target = course / "submitted" / student / assignment
                target.mkdir(parents=True)
                shutil.copy(source, target / f"{assignment}.ipynb")
                result = api.autograde(assignment, student, force=True, create=True)
                graded = course / "autograded" / student / assignment / f"{assignment}.ipynb"
                if not result["success"] or not graded.exists():
                    outcome.problem = ("the grader could not run this notebook (did it stop "
                                       f"the kernel?): {_last_error(result)}")
                else:
                    api.generate_feedback(assignment, student, force=True)
                    _read_points(outcome, course, graded, cells, api)
            if outcome.problem:
                outcome.points = {grade_id: (0.0, points) for grade_id, points in cells}
            outcomes.append(outcome)
    return outcomes


def _read_points(outcome: Outcome, course: Path, graded: Path,
                 cells: list[tuple[str, float]], api) -> None:
    notebook = nbformat.read(graded, 4)
    by_id = {c.metadata.get("nbgrader", {}).get("grade_id"): c for c in notebook.cells}
    with api.gradebook as gradebook:
        for grade_id, points in cells:
            cell = by_id.get(grade_id)
            try:
                found = gradebook.find_grade(grade_id, outcome.assignment, outcome.assignment,
                                             outcome.student)
                # a written answer: manual_score once graded by hand; no score at all until
                # then (nbgrader's `score` says 0.0 there), unless left as YOUR ANSWER HERE
                # (auto_score 0); a test cell: its auto_score
                pending = found.manual_score is None and found.auto_score is None
                score = None if pending else float(found.score)
                maximum = float(found.max_score)
            except Exception:  # the student deleted the test cell: nbgrader has no grade
                score, maximum = 0.0, points
            outcome.points[grade_id] = (score, maximum)
            if cell is None:
                outcome.outputs[grade_id] = "(the cell is missing from the submitted notebook)"
            elif cell.cell_type == "markdown":
                outcome.outputs[grade_id] = ("a written answer, graded by hand in formgrader: "
                                             + ("not graded yet" if score is None else
                                                "unanswered" if cell.source.strip() ==
                                                "YOUR ANSWER HERE" else "graded"))
            else:
                outcome.outputs[grade_id] = text_of(cell)


def write_csv(outcomes: list[Outcome], path: Path) -> None:
    with path.open("w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow(FIELDS)
        for outcome in outcomes:
            for exercise, (points, maximum) in outcome.points.items():
                writer.writerow([outcome.student, outcome.assignment, exercise,
                                 "" if points is None else f"{points:g}", f"{maximum:g}"])


def _sum(outcome: Outcome) -> tuple[float, float, float]:
    """Points earned, possible, and possible in written parts not graded yet."""
    got = sum(p for p, _ in outcome.points.values() if p is not None)
    possible = sum(m for _, m in outcome.points.values())
    pending = sum(m for p, m in outcome.points.values() if p is None)
    return got, possible, pending


def _summary(outcome: Outcome) -> str:
    got, possible, pending = _sum(outcome)
    return f"{got:g} of {possible:g} points" + (f" ({pending:g} to be graded by hand)"
                                                 if pending else "")


def write_feedback(outcomes: list[Outcome], course: Path) -> list[Path]:
    """One short Markdown feedback per student: points and hints of every exercise."""
    written = []
    for student in sorted({o.student for o in outcomes}):
        mine = [o for o in outcomes if o.student == student]
        lines = [f"# Feedback for {student}", ""]
        for outcome in mine:
            lines += [f"## {outcome.assignment}: {_summary(outcome)}", ""]
            if outcome.problem:
                lines += [f"Not graded: {outcome.problem}.", ""]
                continue
            for exercise, (points, maximum) in outcome.points.items():
                got = "not graded yet" if points is None else f"{points:g}"
                lines += [f"### {exercise}: {got} of {maximum:g} point"
                          f"{'' if maximum == 1 else 's'}", "", "```text",
                          outcome.outputs.get(exercise, ""), "```", ""]
        path = course / "feedback" / student / "feedback.md"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("\n".join(lines), encoding="utf-8")
        written.append(path)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("submissions", type=Path, help="one folder per student")
    parser.add_argument("--course", type=Path, default=COURSE,
                        help=f"nbgrader's course directory (default {COURSE})")
    args = parser.parse_args(argv)
    course = args.course.resolve()
    outcomes = grade(args.submissions.resolve(), course)
    write_csv(outcomes, course / "grades.csv")
    write_feedback(outcomes, course)
    for outcome in outcomes:
        got, possible, pending = _sum(outcome)
        note = f"  ({outcome.problem})" if outcome.problem else \
            f"  ({pending:g} to be graded by hand)" if pending else ""
        print(f"{outcome.student:>20} {outcome.assignment:<20} {got:g}/{possible:g}{note}")
    print(f"wrote {course / 'grades.csv'} and feedback in {course / 'feedback'}/<student>/")
    return 0


if __name__ == "__main__":
    sys.exit(main())
