"""Every page of the built book, opened in headless Chromium with the network cut.

For each page: no console errors, no failed requests, nothing requested off the local site,
mathematics rendered by the local MathJax (no raw TeX left in the text), every image loaded and
described by alt text, under 3 MB transferred, no serious or critical axe-core accessibility
violation (every page of the full edition, the student pages of AXE_STUDENT_PAGES), and nothing
cut off at 1280 px and at 390 px (the criterion and the checker's own test are in
test_clipping.py). `make screenshots` saves full-page screenshots of each page at both widths in
_build/screenshots/ for review.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from page_screenshots import save_screenshot
from test_clipping import PAGES as CLIPPING_PAGES
from test_clipping import WIDTHS, clipping_problems

ROOT = Path(__file__).resolve().parents[2]
HTML = ROOT / "_build" / "html"
PAGES = sorted(str(p.relative_to(HTML)) for p in HTML.rglob("*.html")
               if "_static" not in p.parts and "_sources" not in p.parts)
# axe-core from npm, pinned in package.json / package-lock.json (`make setup` runs `npm ci`).
AXE_DIR = ROOT / "node_modules" / "axe-core"
AXE_JS = AXE_DIR / "axe.min.js"
AXE_MIN_VERSION = (4, 14)
PAGE_BUDGET_BYTES = 3 * 1024 * 1024
#: The student edition is the full edition's pages without the solutions and the guide, from the
#: same templates (tests/site/test_student_edition.py); what differs is its notebook buttons.
#: axe-core (a fifth of the time of these checks) runs on every page of the full edition and on
#: these pages of the student edition: the front page, a chapter with an assignment (whose
#: buttons give its release notebook) and one without.
AXE_STUDENT_PAGES = ("student/index.html", "student/book/monte_carlo.html",
                     "student/book/intro.html")

# Raw TeX that would be visible if MathJax had not typeset the page (code blocks excluded).
RAW_TEX_JS = r"""() => {
  const main = document.querySelector('main') || document.body;
  const copy = main.cloneNode(true);
  copy.querySelectorAll('pre, code, script, style, mjx-container, .cell_input')
      .forEach(e => e.remove());
  const text = copy.textContent;
  const m = text.match(/\$\$|\\\(|\\\[|\\begin\{|\\frac|\\nabla|\\theta|\\sum_|\\mathbb/);
  return m ? text.slice(Math.max(0, m.index - 40), m.index + 40) : null;
}"""

WAIT_FOR_MATHJAX_JS = """async () => {
  if (window.MathJax && MathJax.startup && MathJax.startup.promise) {
    await MathJax.startup.promise;
    return document.querySelectorAll('mjx-container').length;
  }
  return -1;
}"""

IMAGES_JS = """() => Array.from(document.images).map(i => ({
  src: i.currentSrc || i.src, loaded: i.complete && i.naturalWidth > 0,
  alt: i.getAttribute('alt'), visible: i.offsetParent !== null}))"""


def test_axe_core_is_installed_and_recent() -> None:
    assert AXE_JS.is_file(), f"{AXE_JS} is missing: run `make setup` (npm ci installs axe-core)"
    version = json.loads((AXE_DIR / "package.json").read_text())["version"]
    assert tuple(int(x) for x in version.split(".")[:2]) >= AXE_MIN_VERSION, (
        f"axe-core {version} is older than {'.'.join(map(str, AXE_MIN_VERSION))}")
    pinned = json.loads((ROOT / "package.json").read_text())["devDependencies"]["axe-core"]
    assert version == pinned, f"node_modules has axe-core {version}, package.json pins {pinned}"


def test_every_chapter_was_built() -> None:
    assert len(PAGES) >= 3, f"too few pages built: {PAGES}"
    assert set(AXE_STUDENT_PAGES) <= set(PAGES)


@pytest.mark.parametrize("path", PAGES)
def test_page(visit, path: str) -> None:
    v = visit(path)
    page = v.page
    n_math = page.evaluate(WAIT_FOR_MATHJAX_JS)
    page.wait_for_timeout(100)

    assert v.console_errors == [], f"console errors: {v.console_errors}"
    assert v.failed_requests == [], f"failed requests: {v.failed_requests}"
    assert v.blocked_requests == [], f"requests off the local site: {v.blocked_requests}"
    assert v.bytes_transferred < PAGE_BUDGET_BYTES, f"{v.bytes_transferred:,} bytes transferred"

    source = (HTML / path).read_text()
    if 'class="math' in source:
        assert n_math > 0, "the page has mathematics but MathJax typeset nothing"
    assert page.evaluate(RAW_TEX_JS) is None, f"raw TeX visible: {page.evaluate(RAW_TEX_JS)!r}"

    images = page.evaluate(IMAGES_JS)
    assert [i["src"] for i in images if not i["loaded"] and i["visible"]] == []
    assert [i["src"] for i in images if not (i["alt"] or "").strip()] == [], "images without alt"

    if not path.startswith("student/") or path in AXE_STUDENT_PAGES:
        assert axe_findings(page) == []

    if path not in CLIPPING_PAGES:
        save_screenshot(page, path)
    else:
        for width in WIDTHS:  # 1280 px first: the window the page was loaded in
            problems = clipping_problems(page, path, width)
            assert problems == [], f"{path} at {width} px:\n" + "\n".join(problems)


def axe_findings(page: object) -> list[str]:
    """Serious and critical axe-core violations on PAGE, one line per rule."""
    assert AXE_JS.is_file(), f"{AXE_JS} is missing: run `make setup` (npm ci installs axe-core)"
    page.add_script_tag(path=str(AXE_JS))
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [f"{x['id']} ({x['impact']}): {x['help']} — {len(x['nodes'])} nodes, e.g. "
            f"{x['nodes'][0]['target']}: {x['nodes'][0].get('failureSummary', '')[:200]}"
            for x in result["violations"] if x["impact"] in ("serious", "critical")]


def test_checker_sees_raw_tex(visit, site_url: str, tmp_path: Path) -> None:
    """The raw-TeX check can fail: a page whose maths was never typeset is caught."""
    v = visit("index.html")
    v.page.set_content("<main><p>Then $$\\nabla_\\theta J$$ holds.</p></main>")
    assert v.page.evaluate(RAW_TEX_JS) is not None
