"""Fixtures for the real-client test: JupyterLab on 127.0.0.1 and headless Chromium.

`lab` serves a temporary copy of book/*.ipynb (nothing in the tree is opened, run or saved),
started by tools/lab_server.py with a random token and a free port, and always stopped at the end
of the session. `browser` is Debian's headless Chromium driven by Playwright; a missing browser
is a test failure, never a skip (CI must run this test). The first-display times the tests
record are printed in pytest's terminal summary.
"""

from __future__ import annotations

import hashlib
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from lab_server import LabServer, lab_server

BOOK = Path(__file__).resolve().parents[2] / "book"
FIRST_DISPLAY: list[str] = []


def _digests() -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in BOOK.glob("*.ipynb")}


@pytest.fixture(scope="session")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LabServer]:
    before = _digests()
    copy = tmp_path_factory.mktemp("notebooks")
    for notebook in BOOK.glob("*.ipynb"):
        shutil.copy(notebook, copy / notebook.name)
    with lab_server(copy) as server:
        yield server
    assert _digests() == before, "the real-client test changed book/*.ipynb"




@pytest.fixture(scope="session")
def first_display() -> list[str]:
    """Lines 'notebook, widget: seconds' appended by the tests, printed at the end."""
    return FIRST_DISPLAY


def pytest_terminal_summary(terminalreporter: object) -> None:
    if FIRST_DISPLAY:
        terminalreporter.section("first display of live widgets in JupyterLab (no assertion)")
        for line in FIRST_DISPLAY:
            terminalreporter.write_line(line)
