"""Fixtures for tests of the built site in _build/html (run after the build; see `make test`).

`site_url` serves _build/html on 127.0.0.1; `browser` is Debian's headless Chromium driven by
Playwright; `visit(path)` opens a page with every request that leaves the local site aborted and
recorded, and returns a `Visit` with the console errors, failed and blocked requests, and bytes
transferred. A missing browser is a test failure, never a skip: CI must run these tests.
"""

from __future__ import annotations

import functools
import gzip
import http.server
import io
import os
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

HTML = Path(__file__).resolve().parents[2] / "_build" / "html"
CHROMIUM = os.environ.get("PGTHEORY_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync"]


@pytest.fixture(scope="session")
def html_dir() -> Path:
    if not (HTML / "index.html").exists():
        pytest.fail(f"{HTML}/index.html is missing: build the book first (make test does)")
    return HTML


COMPRESSIBLE = {".html", ".js", ".css", ".json", ".svg", ".txt", ".map"}


class _GzipHandler(http.server.SimpleHTTPRequestHandler):
    """Serves _build/html the way GitHub Pages does: text assets gzip-compressed on request,
    so that the bytes a page costs are measured as a reader's browser would receive them."""

    def log_message(self, *args: object) -> None:  # keep test output readable
        pass

    def send_head(self):  # type: ignore[override]
        path = Path(self.translate_path(self.path))
        if (path.suffix in COMPRESSIBLE and path.is_file()
                and "gzip" in self.headers.get("Accept-Encoding", "")):
            body = gzip.compress(path.read_bytes(), mtime=0)
            self.send_response(200)
            self.send_header("Content-Type", self.guess_type(str(path)))
            self.send_header("Content-Encoding", "gzip")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            return io.BytesIO(body)
        return super().send_head()


@pytest.fixture(scope="session")
def site_url(html_dir: Path) -> Iterator[str]:
    handler = functools.partial(_GzipHandler, directory=str(html_dir))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium not found at {CHROMIUM}: install Debian's `chromium` package "
                    "(README, 'Test it') or set PGTHEORY_CHROMIUM to a Chromium executable")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


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
