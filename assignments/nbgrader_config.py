"""nbgrader's configuration for the book's graded assignments.

`make assignments` (tools/build_assignments.py) copies this file into the course directory,
_build/assignments/, next to source/, release/ and gradebook.db: run nbgrader there
(`cd _build/assignments && nbgrader formgrader`, or on JupyterHub as nbgrader's documentation
describes) and it reads this file. Everything here is one of nbgrader's documented options.
"""

from nbgrader.preprocessors import ClearHiddenTests, GetGrades
from nbconvert.preprocessors import CSSHTMLHeaderPreprocessor

c = get_config()  # noqa: F821 (nbgrader's config loader defines it)

c.CourseDirectory.course_id = "policy-gradient-theorem"
c.CourseDirectory.root = "."

# The student's copy of an answer: nbgrader's own stub (the default), spelled out here because
# the tests look for it.
c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}

# Autograde: a cell may run at most 120 s (the time limits inside the test cells stop a
# student's function after 5 s per call; this catches an endless loop at the top level of a
# cell), then the kernel is interrupted and the notebook goes on; errors never stop it.
c.Execute.timeout = 120
c.Execute.interrupt_on_timeout = True

# Feedback shows each test cell's output (the checks' hints, the points of every part) but not
# the code of the hidden tests, which nbgrader otherwise puts back into the feedback
# (jupyter/nbgrader#917): the same assignment can be given again next year.
c.GenerateFeedback.preprocessors = [GetGrades, ClearHiddenTests, CSSHTMLHeaderPreprocessor]
