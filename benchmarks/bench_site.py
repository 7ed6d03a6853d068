"""Budgets of the published book: clean build, cached rebuild, page weight and load time.

In one run, on a temporary copy of the tracked files (the working copy's _build/ is untouched):

1. a clean build with tools/build_book.py (empty execution cache: every notebook executes);
2. a cached rebuild right after it (nothing changed: Sphinx and jupyter-cache reuse everything);
3. every built page opened in headless Chromium from a local server that gzips text assets as
   GitHub Pages does; for each page, the bytes transferred and the time until the load event
   and MathJax's typesetting finish. The heaviest page and the slowest page are reported.

Numbers, not pass/fail: the budgets (clean build under 3 minutes on 2 cores, pages under 3 MB)
are checked by eye against what this prints; the README quotes a run.
Run: .venv/bin/python benchmarks/bench_site.py
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))

from build_book import build_command  # noqa: E402
from site_server import CHROMIUM, CHROMIUM_ARGS, serve  # noqa: E402


def copy_tracked_files(destination: Path) -> None:
    files = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True,
                           check=True).stdout.split()
    for name in files:
        target = destination / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, target)


def timed_build(book: Path) -> float:
    start = time.perf_counter()
    subprocess.run(build_command(book), cwd=book, check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def measure_pages(html: Path) -> list[tuple[str, int, float]]:
    from playwright.sync_api import sync_playwright

    base, server = serve(html)
    pages = sorted(str(p.relative_to(html)) for p in html.rglob("*.html")
                   if "_static" not in p.parts and "_sources" not in p.parts
                   and 'http-equiv="Refresh"' not in p.read_text(errors="replace"))
    results = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for page_path in pages:
            context = browser.new_context()
            page = context.new_page()
            sizes: list[int] = []
            page.on("requestfinished", lambda r, s=sizes: s.append(
                r.sizes()["responseBodySize"] + r.sizes()["responseHeadersSize"]))
            start = time.perf_counter()
            page.goto(f"{base}/{page_path}", wait_until="load")
            page.evaluate("async () => { if (window.MathJax) await MathJax.startup.promise; }")
            elapsed = time.perf_counter() - start
            page.wait_for_load_state("networkidle")
            results.append((page_path, sum(sizes), elapsed))
            context.close()
        browser.close()
    server.shutdown()
    return results


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="pgtheory-bench-site-") as tmp:
        book = Path(tmp)
        copy_tracked_files(book)
        clean = timed_build(book)
        cached = timed_build(book)
        pages = measure_pages(book / "_build" / "html")
    print(f"machine: {os.cpu_count()} cores")
    print(f"clean build (executes every notebook): {clean:7.1f} s")
    print(f"cached rebuild (nothing changed):      {cached:7.1f} s   "
          f"({clean / cached:.0f}x faster than clean)")
    print(f"{'page':40s} {'transferred':>12s} {'load + MathJax':>15s}")
    for name, size, seconds in pages:
        print(f"{name:40s} {size / 1e6:9.2f} MB {seconds:13.2f} s")
    heaviest = max(pages, key=lambda r: r[1])
    slowest = max(pages, key=lambda r: r[2])
    print(f"heaviest page: {heaviest[0]} ({heaviest[1] / 1e6:.2f} MB, budget 3 MB)")
    print(f"slowest page:  {slowest[0]} ({slowest[2]:.2f} s to load and typeset)")


if __name__ == "__main__":
    main()
