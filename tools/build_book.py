"""Build the HTML book strictly: the one build command used by `make book`, `make test` and tests.

Strict means: Sphinx nitpicky mode (-n), every warning an error (-W), all problems reported in
one pass (--keep-going), and a notebook cell that raises fails the build
(`nb_execution_raise_on_error` in _config.yml). When the build fails, the execution reports of
failed cells (written by myst-nb to _build/html/reports/) are printed so that CI logs show them.

Widgets' web frames: the build runs with PGTHEORY_WIDGET_FRAMES=1 in its environment, which the
kernels that execute the notebooks inherit, so every widget adds its web version (text/html,
precomputed frames) to its output. Before the build, a cached notebook whose widget outputs
lack the frames, or whose frames were drawn by other pgtheory sources than the installed ones
(a hash in the output metadata), is dropped from the execution cache, so that the build
executes it again: the web page never shows a widget without frames or with stale ones.

Usage: python tools/build_book.py [BOOK_DIR]   (default: the repository root)
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from prime_cache import FRAMES_ENV, needs_frames, source_fingerprint

ROOT = Path(__file__).resolve().parents[1]
STRICT_FLAGS = ["-n", "-W", "--keep-going"]


def build_command(book_dir: Path) -> list[str]:
    """The `jb build` command line for BOOK_DIR, output in BOOK_DIR/_build/html."""
    jb = Path(sys.executable).with_name("jb")
    return [str(jb), "build", str(book_dir), "--path-output", str(book_dir), *STRICT_FLAGS]


def build_environment() -> dict[str, str]:
    """The build's environment: this one, with the widgets' web frames requested."""
    return {**os.environ, FRAMES_ENV: "1"}


def drop_stale_widget_notebooks(book_dir: Path) -> list[str]:
    """Remove cached notebooks whose widget outputs lack the web frames or were drawn by other
    pgtheory sources than the installed ones; return their paths."""
    cache_dir = book_dir / "_build" / ".jupyter_cache"
    if not cache_dir.is_dir():
        return []
    from jupyter_cache import get_cache

    import pgtheory

    fingerprint = source_fingerprint(Path(pgtheory.__file__).parent)
    cache, dropped = get_cache(cache_dir), []
    for record in cache.list_cache_records():
        if needs_frames(cache.get_cache_bundle(record.pk).nb, fingerprint):
            cache.remove_cache(record.pk)
            dropped.append(record.uri)
    return dropped


def print_failure_reports(book_dir: Path) -> None:
    """Print the execution reports myst-nb wrote for failing notebooks."""
    for report in sorted((book_dir / "_build" / "html" / "reports").glob("*.log")):
        print(f"\n===== execution report: {report.relative_to(book_dir)} =====")
        print(report.read_text(errors="replace"))


def main(argv: list[str]) -> int:
    book_dir = Path(argv[1]).resolve() if len(argv) > 1 else ROOT
    for uri in drop_stale_widget_notebooks(book_dir):
        print(f"dropped {uri} from the execution cache: its widgets' web frames are missing "
              "or were drawn by other pgtheory sources")
    result = subprocess.run(build_command(book_dir), cwd=book_dir, env=build_environment())
    if result.returncode != 0:
        print_failure_reports(book_dir)
        print(f"\nBook build FAILED (exit {result.returncode}); see the errors above.")
    return result.returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv))
