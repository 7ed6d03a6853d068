"""The book's build configuration is strict: a raising cell or a broken cross-reference fails it.

Each test builds a tiny throwaway book with the real _config.yml and the real build command
(tools/build_book.py), so what is tested is exactly what `make book` and `make test` run.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import nbformat
import pytest
from build_book import ROOT
from build_book import main as build_book
from site_audit import offsite_assets

GOOD_MARKDOWN = r"""# A tiny chapter

The objective is defined in

$$
J(\theta) = \mathbb{E}[R(\tau)]
$$ (tiny-objective)

and referenced as {eq}`tiny-objective`.
"""


def make_book(root: Path, markdown: str, code: str) -> Path:
    """A one-page book in ROOT using the repository's _config.yml."""
    (root / "book").mkdir(parents=True)
    for name in ("_config.yml", "references.bib"):
        shutil.copy(ROOT / name, root / name)
    shutil.copytree(ROOT / "tools", root / "tools")  # the config's local Sphinx extension
    if (ROOT / "_static").is_dir():
        shutil.copytree(ROOT / "_static", root / "_static")
    (root / "_toc.yml").write_text("format: jb-book\nroot: book/tiny\n")
    notebook = nbformat.v4.new_notebook(
        cells=[nbformat.v4.new_markdown_cell(markdown), nbformat.v4.new_code_cell(code)],
        metadata={"kernelspec": {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}},
    )
    nbformat.write(notebook, root / "book" / "tiny.ipynb")
    return root


def test_clean_tiny_book_builds_offline(tmp_path: Path) -> None:
    book = make_book(tmp_path, GOOD_MARKDOWN, "print(6 * 7)")
    assert build_book(["build_book", str(book)]) == 0
    page = (book / "_build" / "html" / "book" / "tiny.html").read_text()
    assert "42" in page, "the cell was not executed at build time"
    assert offsite_assets(book / "_build" / "html") == []


def test_raising_cell_fails_build(tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    book = make_book(tmp_path, GOOD_MARKDOWN, "1 / 0")
    assert build_book(["build_book", str(book)]) != 0
    out, err = capfd.readouterr()
    assert "ZeroDivisionError" in out + err, "the failing cell's traceback was not shown"


def test_broken_cross_reference_fails_build(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    broken = GOOD_MARKDOWN + "\nAnd a reference to {eq}`no-such-equation`.\n"
    book = make_book(tmp_path, broken, "print(1)")
    assert build_book(["build_book", str(book)]) != 0
    out, err = capfd.readouterr()
    assert "no-such-equation" in out + err, "the build failed, but not for the broken reference"
