"""How long nbgrader takes to grade a class: 30 simulated submissions of one assignment.

The class: a third hand in the worked solutions (the instructor version), a third the release
version untouched, a third an answer with a typical mistake (the forward cumulative sum of the
reward-to-go, or a wrong sign). `tools/grade.py` then autogrades them all and writes feedback,
as `make grade` does. Beside it, for scale, the same kind of notebook is executed without
nbgrader (nbclient, one kernel each): the ratio is the grader's overhead.

Usage: python benchmarks/bench_grading.py [--students 30] [--assignment reward_to_go]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))

import build_assignments  # noqa: E402
import grade  # noqa: E402

MISTAKES = {
    "reward_to_go": ("ex-reward_to_go-1-answer",
                     "def my_reward_to_go(rewards):\n"
                     "    return np.cumsum(rewards, axis=1)\n"),
    "monte_carlo": ("ex-monte_carlo-2-answer",
                    "def mc_estimate(theta, states, actions, rewards):\n"
                    "    return -(np.asarray(rewards).sum(axis=1)[:, None, None]\n"
                    "             * pg.score(theta, states, actions)).mean(axis=0)\n"),
    "factorization": ("ex-factorization-4-answer",
                      "def my_score(theta, states, actions):\n"
                      "    return -pg.score(theta, states, actions)\n"),
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=30)
    parser.add_argument("--assignment", default="reward_to_go", choices=sorted(MISTAKES))
    parser.add_argument("--plain", type=int, default=5,
                        help="notebooks executed without nbgrader, for the ratio")
    args = parser.parse_args()
    name = args.assignment
    with tempfile.TemporaryDirectory() as tmp:
        course, submissions = Path(tmp) / "course", Path(tmp) / "submissions"
        build_assignments.write_assignments([ROOT / "book" / f"{name}.md"], course,
                                            copies=None)
        source = nbformat.read(course / "source" / name / f"{name}.ipynb", 4)
        release = nbformat.read(course / "release" / name / f"{name}.ipynb", 4)
        wrong = nbformat.from_dict(release)
        grade_id, answer = MISTAKES[name]
        for cell in wrong.cells:
            if cell.metadata.get("nbgrader", {}).get("grade_id") == grade_id:
                cell.source = answer
        kinds = [source, release, wrong]
        for i in range(args.students):
            folder = submissions / f"student{i:02d}" / name
            folder.mkdir(parents=True)
            nbformat.write(kinds[i % 3], folder / f"{name}.ipynb")

        start = time.perf_counter()
        outcomes = grade.grade(submissions, course)
        grade.write_csv(outcomes, course / "grades.csv")
        grade.write_feedback(outcomes, course)
        graded = time.perf_counter() - start

        start = time.perf_counter()
        for _ in range(args.plain):
            NotebookClient(nbformat.from_dict(source), timeout=120,
                           kernel_name="python3").execute()
        plain = (time.perf_counter() - start) / args.plain

    totals = sorted({sum(p for p, _ in o.points.values()) for o in outcomes})
    per = graded / args.students
    print(f"{args.students} submissions of {name}: graded in {graded:.0f} s, {per:.1f} s per "
          f"submission (scores seen: {totals})")
    print(f"the same notebook executed without nbgrader: {plain:.1f} s; grading / plain "
          f"execution = {per / plain:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
