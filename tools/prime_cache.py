"""Put already-validated notebooks into the book's execution cache, except those with widgets.

`make test` runs nbval first: it executes every notebook in book/ and checks that the outputs
committed in each .ipynb equal the fresh ones (after sanitising run-to-run noise). Those
committed outputs are then exactly what a fresh execution gives, so the book build may use them
instead of executing the notebook again. This script stores each such notebook in the
jupyter-cache that the build reads (`execute.cache` in _config.yml); the build (in `cache` mode)
then finds a notebook with identical code cells and renders its outputs.

A notebook that displays a pgtheory widget is NOT stored: its committed outputs hold the live
widget and a picture of its first frame, not the web version's frames, which a widget adds only
when the environment variable PGTHEORY_WIDGET_FRAMES is set (pgtheory/viz/widgets/base.py).
tools/build_book.py sets it and the build executes those notebooks itself (then caches them,
frames included). A widget output is recognised by its output metadata key
`pgtheory_widget`, written by every widget (`METADATA_KEY`), which also holds a hash of the
pgtheory sources that drew it (`source_fingerprint`): tools/build_book.py uses it to drop a
cached notebook whose frames older sources drew.

Usage: python tools/prime_cache.py book/a.ipynb book/b.ipynb ...
"""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path
from typing import Any

import nbformat

ROOT = Path(__file__).resolve().parents[1]
CACHE = ROOT / "_build" / ".jupyter_cache"
#: pgtheory.viz.widgets.base.METADATA_KEY (tests/test_widgets_web.py checks that they agree).
WIDGET_KEY = "pgtheory_widget"
#: pgtheory.viz.widgets.base.FRAMES_ENV: set by tools/build_book.py for the build's kernels.
FRAMES_ENV = "PGTHEORY_WIDGET_FRAMES"


def widget_outputs(notebook: Any) -> list[dict]:
    """The outputs of NOTEBOOK that a pgtheory widget displayed."""
    return [output for cell in notebook.cells for output in cell.get("outputs", [])
            if WIDGET_KEY in output.get("metadata", {})]


def needs_frames(notebook: Any, fingerprint: str | None = None) -> bool:
    """True if NOTEBOOK displays a widget whose output lacks the web frames (text/html) or,
    when FINGERPRINT is given, whose frames other pgtheory sources drew."""
    return any("text/html" not in output.get("data", {})
               or fingerprint is not None
               and output["metadata"][WIDGET_KEY].get("source") != fingerprint
               for output in widget_outputs(notebook))


def source_fingerprint(package_dir: Path) -> str:
    """pgtheory.viz.widgets.base.source_fingerprint for the package in PACKAGE_DIR."""
    digest = hashlib.sha1()
    for path in sorted(package_dir.resolve().rglob("*.py")):
        digest.update(path.relative_to(package_dir.resolve()).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def main(paths: list[str]) -> int:
    from jupyter_cache import get_cache

    cache = get_cache(CACHE)
    for path in paths:
        if needs_frames(nbformat.read(path, as_version=4)):
            print(f"left {path} to the build: it displays a widget, whose web frames the "
                  "build computes")
            continue
        record = cache.cache_notebook_file(Path(path), check_validity=False, overwrite=True)
        print(f"cached {path} (id {record.pk})")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
