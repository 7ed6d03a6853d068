"""End to end, second half of the assignments: the tests of tests/grading_class.py on a class
graded on every other assignment (the first half is tests/test_assignments_grading.py), in a
module of its own so that pytest's second worker grades it.
"""

from __future__ import annotations

import pytest
from grading_class import (  # noqa: F401 (collected here)
    grade_class,
    half,
    test_blank_release_gets_zero_and_is_told_it_is_the_stub,
    test_feedback_shows_hints_but_not_the_hidden_tests,
    test_grade_table_has_a_row_per_student_assignment_and_exercise,
    test_hidden_tests_catch_what_the_visible_ones_do_not,
    test_reference_solutions_get_full_marks,
)

# nbgrader (0.9.6) warns from inside its gradebook when a kernel died mid-grading.
pytestmark = pytest.mark.filterwarnings("ignore::sqlalchemy.exc.SAWarning")


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    return grade_class(half(1), tmp_path_factory)
