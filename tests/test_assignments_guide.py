"""The instructor guide (book/instructor_guide.md) agrees with the book.

Every exercise, check, pgtheory function and assignment the guide names is looked up in the
chapters, in `pgtheory` and in the assignments' marked cells: the exercise table lists every
exercise once with its kind and points (the graded ones with the points of their test cells),
every exercise graded by hand has a rubric whose parts add up, the assignment table is the set
of assignments `make assignments` builds, the time table follows from the words of each chapter
at the stated reading speeds, and the schedule's sums are the sums of that table.
"""

from __future__ import annotations

import functools
import importlib.util
import re
from pathlib import Path

import build_assignments as tool  # tools/, put on sys.path by conftest.py
import jupytext
import pytest

import pgtheory as pg
from pgtheory import checks

ROOT = Path(__file__).resolve().parents[1]
BOOK = ROOT / "book"
GUIDE = (BOOK / "instructor_guide.md").read_text(encoding="utf-8")
#: The reading speeds the guide states (words a minute): the reading path, the rest of the page.
READING_PATH_WPM, REST_WPM = 60, 150
KINDS = {"pen and paper", "implementation", "implementation, graded", "conceptual"}
MARKED_CELL = re.compile(r"^```\{code-cell\}[^\n]*\n(?::[^\n]*\n)*:assignment:.*?^```[ \t]*$"
                         r'|^\+\+\+ \{[^\n]*"assignment"[^\n]*\}\n.*?^\+\+\+[ \t]*$',
                         re.MULTILINE | re.DOTALL)


def section(heading: str) -> str:
    match = re.search(rf"^## {re.escape(heading)}.*?$(.*?)(?=^## |\Z)", GUIDE,
                      re.MULTILINE | re.DOTALL)
    assert match, f"the guide has no section '{heading}'"
    return match[1]


def table(text: str) -> list[list[str]]:
    """The rows of the first Markdown table in ``text`` (header and rule dropped)."""
    rows = [line for line in text.splitlines() if line.startswith("|")]
    return [[cell.strip() for cell in row.strip("|").split(" | ")] for row in rows[2:]]


def ref(cell: str) -> str:
    match = re.fullmatch(r"\{ref\}`(ex-[^`]+)`", cell)
    assert match, f"not an exercise reference: {cell!r}"
    return match[1]


def docs(cell: str) -> list[str]:
    return re.findall(r"\{doc\}`([^`]+)`", cell)


def chapters() -> list[str]:
    return ["intro"] + list(tool.chapter_numbers())


@functools.cache
def chapter(name: str):
    """The chapter book/<name>.md as jupytext reads it (read once for every test here)."""
    return jupytext.read(BOOK / f"{name}.md")


@functools.cache
def exercises() -> dict[str, tuple[str, str]]:
    """label -> (chapter, statement) for every exercise of the book."""
    found = {}
    for name in tool.chapter_numbers():
        for exercise in tool.exercises_of(chapter(name), None):
            found[exercise.label] = (name, exercise.statement)
    return found


def marked_cells(role: str):
    """(chapter, marker, cell) of every cell marked for the assignments with ``role``."""
    for name in tool.chapter_numbers():
        for cell in chapter(name).cells:
            marker = cell.metadata.get("assignment", {})
            if marker.get("role") == role:
                yield name, marker, cell


@functools.cache
def marked() -> dict[str, tuple[str, float, str]]:
    """label -> (assignment, points, source of its tests cell) of every graded exercise; the
    points include those of its written part."""
    return {marker["exercise"]: (name, float(marker["points"])
                                 + written().get(marker["exercise"], 0.0), cell.source)
            for name, marker, cell in marked_cells("tests")}


@functools.cache
def written() -> dict[str, float]:
    """label -> points of the written part (graded by hand) of a graded exercise."""
    return {marker["exercise"]: float(marker["points"])
            for _, marker, _ in marked_cells("written")}


EXERCISE_ROWS = {ref(row[0]): (row[1], int(row[2]), int(row[3]))
                 for row in table(section("Every exercise"))}


def test_every_reference_names_an_exercise_of_the_book() -> None:
    labels = set(exercises())
    named = set(re.findall(r"\{ref\}`(ex-[^`]+)`", GUIDE))
    assert named - labels == set()


def test_exercise_table_lists_every_exercise_once() -> None:
    rows = [ref(row[0]) for row in table(section("Every exercise"))]
    assert len(rows) == len(set(rows)), "an exercise is listed twice"
    assert sorted(rows) == sorted(exercises())


def test_kinds_agree_with_the_chapters() -> None:
    graded = marked()
    for label, (kind, _minutes, points) in EXERCISE_ROWS.items():
        assert kind in KINDS, (label, kind)
        assert (kind == "implementation, graded") == (label in graded), label
        if label in graded:
            assert points == graded[label][1], f"{label}: the test cell is worth a different sum"
        statement = exercises()[label][1]
        stated = re.match(r"^\W*(Pen and paper|Implementation|Conceptual)", statement)
        if stated:
            assert kind.startswith(stated[1].lower()), f"{label}: the chapter says {stated[1]}"


def test_every_exercise_graded_by_hand_has_a_rubric_whose_parts_add_up() -> None:
    rubric = {ref(row[0]): (int(row[1]), row[2]) for row in table(section("Rubrics"))}
    by_hand = {label for label, (kind, _, _) in EXERCISE_ROWS.items()
               if kind in ("pen and paper", "conceptual")}
    assert set(rubric) == by_hand | set(written())
    assert len(written()) >= 4
    for label, (points, text) in rubric.items():
        if label in written():  # the written part of a graded exercise, and only that part
            assert text.startswith("written part:") and points == written()[label], label
            continue
        assert points == EXERCISE_ROWS[label][2], label
        parts = [int(p) for p in re.findall(r"\((\d+)\)", text)]
        if parts:
            assert sum(parts) == points, f"{label}: parts {parts} do not add up to {points}"
        else:  # conceptual answers get their points for one idea
            assert EXERCISE_ROWS[label][0] == "conceptual", f"{label}: points for each part"


def test_assignment_table_is_what_make_assignments_builds() -> None:
    graded = marked()
    rows = table(section("The graded assignments"))
    assert {ref(row[1]) for row in rows} == set(graded)
    for assignment, exercise, _writes, calls, points in rows:
        label = ref(exercise)
        name, worth, tests = graded[label]
        assert assignment == f"*{name}*" and float(points) == worth, label
        for check in re.findall(r"`(check_\w+)`", calls):
            assert check in checks.__all__, check
            assert f"checks.{check}" in tests, f"{label}: its tests do not call {check}"
        for function in re.findall(r"`pg\.(\w+)`", calls):
            assert hasattr(pg, function), function
            assert f"pg.{function}" in tests, f"{label}: its tests do not call pg.{function}"


def test_every_check_the_guide_names_exists() -> None:
    for check in set(re.findall(r"\bcheck_\w+", GUIDE)):
        assert check in checks.__all__, check
    for name in set(re.findall(r"`pg\.(\w+)", GUIDE)):
        assert hasattr(pg, name), name


def time_rows() -> dict[str, tuple[int, int, int, int]]:
    rows = table(section("How long it takes"))
    return {docs(row[0])[0]: tuple(int(x.replace(",", "")) for x in row[1:]) for row in rows}


def test_exercise_minutes_are_the_sums_of_the_exercise_table() -> None:
    rows = time_rows()
    assert sorted(rows) == sorted(chapters())
    found = exercises()
    for name, (_path, _total, _reading, minutes) in rows.items():
        assert minutes == sum(m for label, (_, m, _) in EXERCISE_ROWS.items()
                              if found[label][0] == name), name


@pytest.mark.skipif(importlib.util.find_spec("word_counts") is None,
                    reason="tools/word_counts.py is not in this tree yet")
def test_reading_times_follow_from_the_words_of_each_chapter() -> None:
    import word_counts

    titles, numbered = word_counts.document_titles(), word_counts.numbered_documents()
    for name, (path_words, total_words, minutes, _) in time_rows().items():
        text = MARKED_CELL.sub("", (BOOK / f"{name}.md").read_text(encoding="utf-8"))
        counts = word_counts.source_counts(text, titles, numbered=name in numbered)
        expected = (counts.reading_path / READING_PATH_WPM
                    + (counts.total - counts.reading_path) / REST_WPM)
        assert abs(minutes - expected) <= max(3, 0.15 * expected), (name, minutes, expected)
        assert abs(path_words - counts.reading_path) <= 0.15 * counts.reading_path, name
        assert abs(total_words - counts.total) <= 0.15 * counts.total, name


def test_schedule_reads_every_chapter_once_within_its_budget() -> None:
    reading = {name: row[2] for name, row in time_rows().items()}
    graded = marked()
    rows = table(section("A schedule"))
    read = [name for row in rows for name in docs(row[1])]
    assert sorted(read) == sorted(chapters())
    for week, chapters_read, _lecture, _lab, homework in rows:
        minutes, homework_minutes = (re.fullmatch(r".*\((\d+)\)", cell)[1]
                                     for cell in (chapters_read, homework))
        assert int(minutes) == sum(reading[name] for name in docs(chapters_read)), week
        assert int(minutes) <= 120, f"week {week}: more than two hours of reading"
        labels = re.findall(r"\{ref\}`(ex-[^`]+)`", homework)
        for assignment in re.findall(r"assignments? \*(\w+)\*(?: and \*(\w+)\*)?", homework):
            labels += [label for label, (name, _, _) in graded.items() if name in assignment]
        assert int(homework_minutes) == sum(EXERCISE_ROWS[label][1] for label in labels), week
