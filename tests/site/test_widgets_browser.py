"""The static (kernel-free) widgets work in a real browser, with the network cut.

Each test serves a built book from 127.0.0.1 (ephemeral port) with http.server in a thread,
opens a page in headless Chromium (Playwright), aborts and counts every request that is not to
that local origin, moves the N slider with the keyboard and checks that the frame image and
the printed standard deviation change, and that the page logged no console errors.

Three checks:

* the real book's Monte Carlo chapter, ``book/monte_carlo.html`` in _build/html (the
  ``html_dir`` fixture; build the book first);
* a throwaway one-page book built here with the repository's _config.yml, _static/ and the
  real build command, whose only cell displays ``viz.n_explorer()``; it tests the widget
  machinery independently of the chapters' text;
* every web widget of the real book, at 1280 px and 390 px wide: each control, moved, changes
  the frame, no control sticks out of the page, and the readout keeps its columns
  (``white-space: pre``); screenshots land in _build/screenshots/widgets/.

The browser is the session's headless Chromium from tests/site/conftest.py (a missing browser is
a test failure, not a skip: the static widgets would otherwise go unchecked).
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import nbformat
import pytest
from build_book import ROOT
from build_book import main as build_book
from site_server import serve as serve_directory

STD_LINE = re.compile(r"sd of the estimates\s+([0-9.e+-]+)")

THROWAWAY_CELL = """\
from pgtheory import viz

viz.n_explorer(coordinate=(0, 0), rng=0, n_episodes=100)
"""


@pytest.fixture(scope="module")
def serve() -> Iterator[object]:
    """serve(directory) -> base URL of a local server for it; servers stop at module end."""
    servers = []

    def start(directory: Path) -> str:
        url, server = serve_directory(directory)
        servers.append(server)
        return url

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def throwaway_book(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A one-page book whose cell displays an N explorer, built like the real book."""
    root = tmp_path_factory.mktemp("widget_book")
    (root / "book").mkdir()
    shutil.copy(ROOT / "_config.yml", root / "_config.yml")
    for name in ("references.bib",):  # files _config.yml names
        if (ROOT / name).is_file():
            shutil.copy(ROOT / name, root / name)
    shutil.copytree(ROOT / "_static", root / "_static")
    # _config.yml loads local Sphinx extensions from tools/
    shutil.copytree(ROOT / "tools", root / "tools",
                    ignore=shutil.ignore_patterns("__pycache__"))
    (root / "_toc.yml").write_text("format: jb-book\nroot: book/monte_carlo\n")
    notebook = nbformat.v4.new_notebook(
        cells=[nbformat.v4.new_markdown_cell("# Monte Carlo (widget test page)"),
               nbformat.v4.new_code_cell(THROWAWAY_CELL)],
        metadata={"kernelspec": {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}},
    )
    nbformat.write(notebook, root / "book" / "monte_carlo.ipynb")
    assert build_book(["build_book", str(root)]) == 0, "the throwaway widget book failed to build"
    return root / "_build" / "html"


def check_n_explorer_page(browser: object, base_url: str, page_path: str,
                          screenshot_dir: Path | None = None) -> None:
    """Open PAGE_PATH, move the first N explorer's slider by keyboard, check what changes."""
    context = browser.new_context(viewport={"width": 1200, "height": 1000})
    page = context.new_page()
    blocked: list[str] = []
    errors: list[str] = []

    def route(route: object) -> None:
        if route.request.url.startswith(base_url + "/"):
            route.continue_()
        else:
            blocked.append(route.request.url)
            route.abort()

    page.route("**/*", route)
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(f"{base_url}/{page_path}", wait_until="load")

    widget = page.locator("div.pgw-static", has=page.locator("input[type=range]")).first
    assert widget.count() == 1, f"no static N explorer on {page_path}"
    widget.wait_for(state="visible")
    page.wait_for_function(
        "el => el.dataset.pgwReady === '1'", arg=widget.element_handle(), timeout=10_000
    )
    slider = widget.locator("input[type=range]").first
    label_for = widget.locator(f"label[for='{slider.get_attribute('id')}']")
    assert label_for.count() == 1, "the N slider has no <label>"
    image = widget.locator("img.pgw-image")
    caption = widget.locator(".pgw-text")
    assert image.get_attribute("alt"), "the frame image has no alt text"

    src_before = image.get_attribute("src")
    text_before = caption.inner_text()
    value_before = slider.input_value()
    if screenshot_dir is not None:
        widget.screenshot(path=str(screenshot_dir / "n_explorer_before.png"))

    slider.focus()
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")

    assert int(slider.input_value()) == int(value_before) + 2, "the slider ignored the keyboard"
    src_after = image.get_attribute("src")
    text_after = caption.inner_text()
    if screenshot_dir is not None:
        widget.screenshot(path=str(screenshot_dir / "n_explorer_after.png"))
    assert src_after != src_before, "moving the N slider did not change the figure"
    std_before = STD_LINE.search(text_before)
    std_after = STD_LINE.search(text_after)
    assert std_before and std_after, f"no printed standard deviation in {text_before!r}"
    assert std_after.group(1) != std_before.group(1), "the printed std did not change"
    assert float(std_after.group(1)) < float(std_before.group(1)), (
        "a larger N should give a smaller standard deviation"
    )
    assert slider.get_attribute("aria-valuetext") != "", "the slider has no aria-valuetext"
    context.close()
    assert errors == [], f"console errors on {page_path}: {errors}"
    assert blocked == [], f"{len(blocked)} off-site requests were blocked: {blocked[:5]}"


def test_throwaway_book_n_explorer_moves_offline(
    browser: object, serve: object, throwaway_book: Path, tmp_path: Path
) -> None:
    base_url = serve(throwaway_book)
    check_n_explorer_page(browser, base_url, "book/monte_carlo.html",
                          screenshot_dir=Path(os.environ.get("PGTHEORY_SCREENSHOTS", tmp_path)))


def test_monte_carlo_chapter_n_explorer_moves_offline(
    browser: object, serve: object, html_dir: Path
) -> None:
    page = html_dir / "book" / "monte_carlo.html"
    assert page.is_file(), f"{page} is missing: the Monte Carlo chapter was not built"
    check_n_explorer_page(browser, serve(html_dir), "book/monte_carlo.html")


MOVE_EVERY_CONTROL_JS = """root => {
  const image = root.querySelector('img.pgw-image');
  const results = [];
  for (const control of root.querySelectorAll('[data-pgw-control]')) {
    const before = image.src;
    const last = control.tagName === 'SELECT' ? control.options.length - 1 : Number(control.max);
    control.value = String(Number(control.value) === last ? 0 : last);
    control.dispatchEvent(new Event('input'));
    control.dispatchEvent(new Event('change'));
    results.push({name: control.dataset.pgwControl, changed: image.src !== before});
  }
  return results;
}"""

OVERFLOW_JS = """root => {
  const page = document.documentElement.clientWidth;
  return Array.from(root.querySelectorAll('input, select, label, output, img'))
    .filter(e => e.getBoundingClientRect().right > page + 1).map(e => e.outerHTML.slice(0, 80));
}"""


def widget_pages(html_dir: Path) -> list[str]:
    return sorted(str(p.relative_to(html_dir)) for p in (html_dir / "book").glob("*.html")
                  if 'class="pgw-static"' in p.read_text())


@pytest.mark.parametrize("width", [1280, 390])
def test_every_web_widget_moves_and_fits(browser: object, serve: object, html_dir: Path,
                                         width: int) -> None:
    pages = widget_pages(html_dir)
    assert len(pages) >= 3, f"expected the widget chapters, found {pages}"
    base_url = serve(html_dir)
    shots = html_dir.parent / "screenshots" / "widgets"
    shots.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    page.route("**/*", lambda r: r.continue_() if r.request.url.startswith(base_url + "/")
               else r.abort())
    for path in pages:
        page.goto(f"{base_url}/{path}", wait_until="load")
        for i, widget in enumerate(page.locator("div.pgw-static").all()):
            widget.scroll_into_view_if_needed()
            widget.screenshot(path=str(shots / f"{Path(path).stem}-{i}-{width}px.png"))
            assert widget.evaluate(OVERFLOW_JS) == [], f"{path}: controls stick out at {width}"
            text = widget.locator(".pgw-text")
            assert text.evaluate("e => getComputedStyle(e).whiteSpace") == "pre"
            moved = widget.evaluate(MOVE_EVERY_CONTROL_JS)
            assert moved and all(m["changed"] for m in moved), f"{path}: {moved}"
    context.close()
