"""Every chapter's committed .ipynb is in step with its MyST source and carries outputs.

nbval checks a notebook's stored outputs against fresh ones, so the .ipynb must hold the same
cells as the .md the authors edit, and must have been executed. `make notebooks` re-creates them
(jupytext's CLI), all in one form: the same kernel spec, and no jupytext metadata (the pairing
lives in the .md's front matter, not in the notebook).
"""

from pathlib import Path

import jupytext
import nbformat
import pytest

BOOK = Path(__file__).resolve().parents[1] / "book"
SOURCES = sorted(BOOK.glob("*.md"))
KERNEL = {"display_name": "Python 3", "language": "python", "name": "python3"}


def cells(notebook: nbformat.NotebookNode) -> list[tuple[str, str]]:
    return [(c.cell_type, c.source.strip()) for c in notebook.cells]


def test_every_chapter_has_a_source() -> None:
    assert SOURCES, "no book/*.md chapter sources found"
    orphans = [p.name for p in BOOK.glob("*.ipynb") if not p.with_suffix(".md").exists()]
    assert orphans == [], f"notebooks without a MyST source: {orphans}"


@pytest.mark.parametrize("source", SOURCES, ids=lambda p: p.name)
def test_ipynb_matches_source(source: Path) -> None:
    paired = source.with_suffix(".ipynb")
    assert paired.exists(), f"{paired.name} is missing: run `make notebooks`"
    stored = nbformat.read(paired, as_version=4)
    assert cells(stored) == cells(jupytext.read(source)), (
        f"{paired.name} is out of step with {source.name}: run `make notebooks`")
    code = [c for c in stored.cells if c.cell_type == "code"]
    unexecuted = [i for i, c in enumerate(code) if c.execution_count is None]
    assert unexecuted == [], f"{paired.name}: code cells {unexecuted} carry no outputs"
    assert stored.metadata.get("kernelspec") == KERNEL, (
        f"{paired.name} has kernelspec {stored.metadata.get('kernelspec')}; expected {KERNEL}: "
        "run `make notebooks`")
    assert "jupytext" not in stored.metadata, (
        f"{paired.name} carries jupytext metadata: run `make notebooks`")
