"""Full-page screenshots of the built pages, for a person to review: taken only when
PGTHEORY_PAGE_SCREENSHOTS=1 (`make screenshots`). No test reads them, and they were a third of
the time of the page checks, so `make test` does without.
"""

from __future__ import annotations

import os
from pathlib import Path

SCREENSHOTS = Path(__file__).resolve().parents[2] / "_build" / "screenshots"


def save_screenshot(page: object, path: str, suffix: str = "") -> None:
    """A full-page screenshot of ``page`` (the built page ``path``, e.g. "book/lqr.html") in
    _build/screenshots/, named after the path and ``suffix``, when asked for."""
    if os.environ.get("PGTHEORY_PAGE_SCREENSHOTS") != "1":
        return
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{path.replace('/', '__')[:-5]}{suffix}.png"),
                    full_page=True)
