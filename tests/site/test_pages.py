"""Every page of the built book, opened in headless Chromium with the network cut.

For each page: no console errors, no failed requests, nothing requested off the local site,
mathematics rendered by the local MathJax (no raw TeX left in the text), every image loaded and
described by alt text, under 3 MB transferred, and no serious or critical axe-core accessibility
violation. A full-page screenshot of each page is saved in _build/screenshots/ for review.
"""

from __future__ import annotations

from pathlib import Path

import axe_playwright_python
import pytest

HTML = Path(__file__).resolve().parents[2] / "_build" / "html"
PAGES = sorted(str(p.relative_to(HTML)) for p in HTML.rglob("*.html")
               if "_static" not in p.parts and "_sources" not in p.parts)
SCREENSHOTS = HTML.parent / "screenshots"
AXE_JS = Path(axe_playwright_python.__file__).with_name("axe.min.js")
PAGE_BUDGET_BYTES = 3 * 1024 * 1024

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


def test_every_chapter_was_built() -> None:
    assert len(PAGES) >= 3, f"too few pages built: {PAGES}"


@pytest.mark.parametrize("path", PAGES)
def test_page(visit, path: str) -> None:
    v = visit(path)
    page = v.page
    n_math = page.evaluate(WAIT_FOR_MATHJAX_JS)
    page.wait_for_timeout(100)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / (path.replace("/", "__")[:-5] + ".png")),
                    full_page=True)

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

    page.add_script_tag(path=str(AXE_JS))
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    serious = [f"{x['id']} ({x['impact']}): {x['help']} — e.g. {x['nodes'][0]['target']}"
               for x in result["violations"] if x["impact"] in ("serious", "critical")]
    assert serious == [], "\n".join(serious)


def test_checker_sees_raw_tex(visit, site_url: str, tmp_path: Path) -> None:
    """The raw-TeX check can fail: a page whose maths was never typeset is caught."""
    v = visit("index.html")
    v.page.set_content("<main><p>Then $$\\nabla_\\theta J$$ holds.</p></main>")
    assert v.page.evaluate(RAW_TEX_JS) is not None
