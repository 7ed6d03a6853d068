"""End to end, first half of the assignments (tests/grading_class.py has the class and the
tests run on every half), with the misbehaving students, a grade given by hand and the
command's errors.
"""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import build_assignments as tool  # tools/, put on sys.path by conftest.py
import grade as grader
import pytest
from grading_class import (  # noqa: F401 (collected here)
    GARBAGE,
    KILLER,
    WRONG,
    assignment_names,
    feedback,
    grade_class,
    half,
    points,
    test_blank_release_gets_zero_and_is_told_it_is_the_stub,
    test_feedback_shows_hints_but_not_the_hidden_tests,
    test_grade_table_has_a_row_per_student_assignment_and_exercise,
    test_hidden_tests_catch_what_the_visible_ones_do_not,
    test_reference_solutions_get_full_marks,
    written,
)

# nbgrader (0.9.6) warns from inside its gradebook when a kernel died mid-grading.
pytestmark = pytest.mark.filterwarnings("ignore::sqlalchemy.exc.SAWarning")


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    return grade_class(half(0), tmp_path_factory, misbehaving=True)


def test_the_halves_are_every_assignment_and_each_has_a_wrong_answer() -> None:
    assert sorted(half(0) + half(1)) == sorted(assignment_names()) == sorted(WRONG)
    assert GARBAGE[0] in half(0) and KILLER[0] in half(0)


def test_a_grade_given_by_hand_is_in_the_table_after_grading_again(graded, tmp_path) -> None:
    """A grader scores a written answer in formgrader (here: in nbgrader's gradebook, as
    formgrader does); `make grade` again keeps that score and puts it in grades.csv."""
    course, _, rows = graded
    row = written(rows, "reference")[0]
    again = tmp_path / "course"
    shutil.copytree(course, again)
    api = tool.nbgrader_api(again)
    with api.gradebook as gradebook:
        grade = gradebook.find_grade(row["exercise"], row["assignment"], row["assignment"],
                                     "reference")
        assert grade.auto_score is None and grade.manual_score is None
        assert grade.needs_manual_grade
        grade.manual_score = 0.5
        gradebook.db.commit()
    submissions = tmp_path / "submissions" / "reference" / row["assignment"]
    submissions.mkdir(parents=True)
    name = f"{row['assignment']}.ipynb"
    shutil.copy(course / "submitted" / "reference" / row["assignment"] / name, submissions)
    outcome, = [o for o in grader.grade(tmp_path / "submissions", again)
                if o.assignment == row["assignment"]]
    grader.write_csv([outcome], again / "grades.csv")
    with (again / "grades.csv").open() as file:
        regraded = {r["exercise"]: r for r in csv.DictReader(file)}
    assert regraded[row["exercise"]]["points"] == "0.5"
    tests_row = regraded[row["exercise"].removesuffix("-written")]
    assert tests_row["points"] == tests_row["max_points"]


def test_garbage_costs_points_with_a_message(graded) -> None:
    course, _, rows = graded
    name = GARBAGE[0]
    assert points(rows, "garbage", name)[0] == 0
    assert "did not return within" in feedback(course, "garbage")


def test_a_notebook_that_kills_its_kernel_scores_zero_and_grading_goes_on(graded) -> None:
    course, assignments, rows = graded
    text = feedback(course, "killer")
    assert points(rows, "killer", KILLER[0])[0] == 0
    assert "could not run this notebook" in text
    others = [a for a in assignments if a != KILLER[0]]
    assert all("no notebook" in text.split(f"## {a}:")[1].split("\n## ")[0] for a in others)


def test_missing_release_is_reported(tmp_path: Path) -> None:
    (tmp_path / "student").mkdir()
    with pytest.raises(SystemExit, match="make assignments"):
        grader.grade(tmp_path, tmp_path / "no-course")
    shutil.rmtree(tmp_path / "student")
