"""Build the HTML book strictly: the one build command used by `make book`, `make test` and tests.

Strict means: Sphinx nitpicky mode (-n), every warning an error (-W), all problems reported in
one pass (--keep-going), and a notebook cell that raises fails the build
(`nb_execution_raise_on_error` in _config.yml). When the build fails, the execution reports of
failed cells (written by myst-nb to _build/html/reports/) are printed so that CI logs show them.

Usage: python tools/build_book.py [BOOK_DIR]   (default: the repository root)
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
STRICT_FLAGS = ["-n", "-W", "--keep-going"]


def build_command(book_dir: Path) -> list[str]:
    """The `jb build` command line for BOOK_DIR, output in BOOK_DIR/_build/html."""
    jb = Path(sys.executable).with_name("jb")
    return [str(jb), "build", str(book_dir), "--path-output", str(book_dir), *STRICT_FLAGS]


def print_failure_reports(book_dir: Path) -> None:
    """Print the execution reports myst-nb wrote for failing notebooks."""
    for report in sorted((book_dir / "_build" / "html" / "reports").glob("*.log")):
        print(f"\n===== execution report: {report.relative_to(book_dir)} =====")
        print(report.read_text(errors="replace"))


def main(argv: list[str]) -> int:
    book_dir = Path(argv[1]).resolve() if len(argv) > 1 else ROOT
    result = subprocess.run(build_command(book_dir), cwd=book_dir)
    if result.returncode != 0:
        print_failure_reports(book_dir)
        print(f"\nBook build FAILED (exit {result.returncode}); see the errors above.")
    return result.returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv))
