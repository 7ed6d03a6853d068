"""Put already-validated notebooks into the book's execution cache.

`make test` runs nbval first: it executes every notebook in book/ once and checks that the
outputs committed in each .ipynb equal the fresh ones (after sanitising run-to-run noise). Those
committed outputs are then exactly what a fresh execution gives, so the book build may use them
instead of executing every notebook a second time. This script stores each notebook in the
jupyter-cache that the build reads (`execute.cache` in _config.yml); the build (in `cache` mode)
then finds a notebook with identical code cells and renders its outputs. A notebook whose code
differs from the cached copy is executed by the build as usual.

Usage: python tools/prime_cache.py book/a.ipynb book/b.ipynb ...
"""

from __future__ import annotations

import sys
from pathlib import Path

from jupyter_cache import get_cache

ROOT = Path(__file__).resolve().parents[1]
CACHE = ROOT / "_build" / ".jupyter_cache"


def main(paths: list[str]) -> int:
    cache = get_cache(CACHE)
    for path in paths:
        record = cache.cache_notebook_file(Path(path), check_validity=False, overwrite=True)
        print(f"cached {path} (id {record.pk})")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
