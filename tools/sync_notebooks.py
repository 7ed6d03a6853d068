"""Re-create book/*.ipynb from their MyST sources book/*.md and store fresh outputs.

The chapters are written as MyST Markdown notebooks (book/*.md, readable diffs). nbval needs
outputs to compare against, which Markdown cannot hold, so each chapter also has a paired
book/*.ipynb, committed with its outputs. This script converts every .md (or those named on the
command line) and executes it in book/ with the current Python, the same way nbval and the book
build execute it. tests/test_notebook_sync.py fails when a .ipynb falls out of step with its .md.

Usage: python tools/sync_notebooks.py [book/chapter.md ...]
"""

from __future__ import annotations

import sys
from pathlib import Path

import jupytext
import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]
BOOK = ROOT / "book"
KERNEL = {"display_name": "Python 3", "language": "python", "name": "python3"}


def sync(md_path: Path) -> Path:
    """Convert MD_PATH to a notebook, execute it in book/, write the paired .ipynb."""
    notebook = jupytext.read(md_path)
    notebook.metadata["kernelspec"] = KERNEL
    notebook.metadata.pop("jupytext", None)
    NotebookClient(notebook, timeout=300, kernel_name="python3",
                   resources={"metadata": {"path": str(BOOK)}}).execute()
    out = md_path.with_suffix(".ipynb")
    nbformat.write(notebook, out)
    return out


def main(argv: list[str]) -> int:
    sources = [Path(a).resolve() for a in argv] or sorted(BOOK.glob("*.md"))
    for md in sources:
        print(f"executing {md.relative_to(ROOT)} ...", flush=True)
        print(f"  wrote {sync(md).relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
