"""Fixtures for tests of the built site in _build/html (run after the build; see `make test`).

`site_url` serves _build/html on 127.0.0.1; `browser` is Debian's headless Chromium driven by
Playwright; `visit(path)` opens a page with every request that leaves the local site aborted and
recorded, and returns a `Visit` with the console errors, failed and blocked requests, and bytes
transferred. A missing browser is a test failure, never a skip: CI must run these tests.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from site_server import serve

HTML = Path(__file__).resolve().parents[2] / "_build" / "html"


@pytest.fixture(scope="session")
def html_dir() -> Path:
    if not (HTML / "index.html").exists():
        pytest.fail(f"{HTML}/index.html is missing: build the book first (make test does)")
    return HTML


@pytest.fixture(scope="session")
def site_url(html_dir: Path) -> Iterator[str]:
    url, server = serve(html_dir)
    yield url
    server.shutdown()
    server.server_close()




@dataclass
class Visit:
    """What happened while one page loaded."""

    page: object
    console_errors: list[str] = field(default_factory=list)
    failed_requests: list[str] = field(default_factory=list)
    blocked_requests: list[str] = field(default_factory=list)
    bytes_transferred: int = 0


@pytest.fixture
def visit(browser: object, site_url: str) -> Iterator[Callable[[str], Visit]]:
    contexts = []

    def _visit(path: str, width: int = 1280, height: int = 900) -> Visit:
        context = browser.new_context(viewport={"width": width, "height": height})
        contexts.append(context)
        page = context.new_page()
        v = Visit(page=page)

        def route(r: object) -> None:
            url = r.request.url
            if url.startswith(site_url) or url.startswith("data:"):
                r.continue_()
            else:
                v.blocked_requests.append(url)
                r.abort()

        def on_finished(request: object) -> None:
            response = request.response()
            if response is not None and response.status >= 400:
                v.failed_requests.append(f"{response.status} {request.url}")
            if request.url.startswith(site_url):
                sizes = request.sizes()
                v.bytes_transferred += sizes["responseBodySize"] + sizes["responseHeadersSize"]

        page.route("**/*", route)
        page.on("console", lambda m: v.console_errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: v.console_errors.append(str(e)))
        page.on("requestfailed", lambda r: None if r.url in v.blocked_requests
                else v.failed_requests.append(f"{r.failure} {r.url}"))
        page.on("requestfinished", on_finished)
        page.goto(f"{site_url}/{path}", wait_until="networkidle")
        return v

    yield _visit
    for context in contexts:
        context.close()
