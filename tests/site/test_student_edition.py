"""The student edition of the built book, _build/html/student/ (tools/build_student_edition.py).

Every page of both editions also goes through tests/site/test_pages.py (console errors,
offline, MathJax, images, accessibility). Here: the student edition has every chapter and no
solution, no instructor guide; its notebook buttons hand out the release notebooks of the
assignments (no solution, no hidden test), or are absent; and neither edition shows the cells
marked for the assignments.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
HTML = ROOT / "_build" / "html"
STUDENT = HTML / "student"
RELEASE = ROOT / "_build" / "assignments" / "release"
COPIES = ROOT / "assignments" / "student" / "book"
FULL_CHAPTERS = sorted(p.stem for p in (HTML / "book").glob("*.html"))
SOLUTION = 'class="solution'


@pytest.fixture(scope="module")
def student() -> Path:
    if not (STUDENT / "index.html").exists():
        pytest.fail(f"{STUDENT}/index.html is missing: `make book` builds the student edition")
    return STUDENT


def test_same_chapters_without_the_instructor_guide(student: Path) -> None:
    pages = sorted(p.stem for p in (student / "book").glob("*.html"))
    assert pages == [name for name in FULL_CHAPTERS if name != "instructor_guide"]


def test_exercises_kept_and_solutions_gone(student: Path) -> None:
    full_solutions = sum((HTML / "book" / f"{n}.html").read_text().count(SOLUTION)
                         for n in FULL_CHAPTERS)
    assert full_solutions > 10, "the full book should keep its click-to-show solutions"
    for page in sorted((student / "book").glob("*.html")):
        html = page.read_text(encoding="utf-8")
        full = (HTML / "book" / page.name).read_text(encoding="utf-8")
        assert SOLUTION not in html and "Solution to" not in html, page.name
        assert html.count('class="exercise') == full.count('class="exercise'), page.name
    index = (student / "searchindex.js").read_text(encoding="utf-8")
    assert "Solution to" not in index


def test_no_page_of_either_edition_shows_the_assignment_cells() -> None:
    for page in HTML.rglob("*.html"):
        html = page.read_text(encoding="utf-8")
        assert "BEGIN SOLUTION" not in html and "BEGIN HIDDEN TESTS" not in html, page
        assert "Score(" not in html or page.name == "instructor_guide.html", page


def test_download_and_launch_buttons_give_release_notebooks(student: Path) -> None:
    graded = sorted(p.name for p in RELEASE.iterdir()) if RELEASE.is_dir() else []
    assert graded, "no release notebooks: `make book` runs `make assignments` first"
    for name in graded:
        html = (student / "book" / f"{name}.html").read_text(encoding="utf-8")
        download = student / "_sources" / "book" / f"{name}.ipynb"
        assert f'href="../_sources/book/{name}.ipynb"' in html
        assert download.read_bytes() == (RELEASE / name / f"{name}.ipynb").read_bytes()
        text = download.read_text(encoding="utf-8")
        assert "BEGIN SOLUTION" not in text and "HIDDEN TESTS" not in text, name
        for launch in re.findall(r'href="(https://(?:mybinder|colab)[^"]+)"', html):
            path = re.search(r"(assignments/student/book/[\w-]+\.ipynb)$", launch)
            assert path, f"{name}: {launch} does not open the release notebook"
            assert (ROOT / path[1]).exists(), f"{name}: {path[1]} is not in the repository"


def test_pages_with_solutions_and_no_assignment_have_no_notebook_buttons(student: Path) -> None:
    graded = {p.name for p in RELEASE.iterdir()}
    for page in sorted((student / "book").glob("*.html")):
        if page.stem in graded:
            continue
        html = page.read_text(encoding="utf-8")
        source = HTML / "_sources" / "book" / f"{page.stem}.ipynb"
        if "{solution}" in source.read_text(encoding="utf-8"):
            assert "dropdown-launch-buttons" not in html, page.name
            assert f"_sources/book/{page.stem}.ipynb" not in html, page.name
            assert not (student / "_sources" / "book" / f"{page.stem}.ipynb").exists()


def test_student_page_in_the_browser(visit) -> None:
    """A graded chapter in Chromium: exercises shown, no solution, the notebook downloads."""
    name = sorted(p.name for p in RELEASE.iterdir())[0]
    v = visit(f"student/book/{name}.html")
    page = v.page
    assert page.locator(".exercise").count() > 0
    assert page.locator(".solution").count() == 0
    href = page.locator(".btn-download-source-button").first.get_attribute("href")
    notebook = page.evaluate("async (h) => await (await fetch(h)).text()", href)
    cells = json.loads(notebook)["cells"]
    assert any(c["metadata"].get("nbgrader", {}).get("grade") for c in cells)
    assert v.console_errors == [] and v.blocked_requests == []
