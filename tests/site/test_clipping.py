"""Nothing on a page is cut off without a visible way to scroll to it, at 1280 px and 390 px.

The criterion (CLIPPED_JS), applied to every rendered element of the page's <main>:

1. **Clipped box.** An element whose content is wider (or taller) than its box
   (`scrollWidth > clientWidth + 1`) while its `overflow-x` (`overflow-y`) is `hidden` or
   `clip` hides part of its content and offers no scrollbar. `text-overflow: ellipsis` is the
   same failure: the text is cut. Boxes that scroll (`auto`, `scroll`) are fine: the reader sees
   a scrollbar (or, on touch screens, can swipe).
2. **The page itself.** The document may not be wider than the window
   (`scrollWidth > innerWidth + 1`): wide content must scroll inside its own box (a table
   wrapper, an output), never push the whole page sideways, where the page's overflow is
   usually hidden on phones and the text column is lost.

Elements that are hidden on purpose are skipped: not rendered, visually hidden for screen
readers (1 px boxes, `clip`/`clip-path`), MathJax's assistive MathML, and the theme's navigation
(sidebars, header), which collapses at narrow widths by design.

`test_checker_finds_clipping` runs the checker on a deliberately broken page first, so the
checker itself can fail. Screenshots of both widths land in _build/screenshots/ (`__390`).
"""

from __future__ import annotations

from pathlib import Path

import pytest

HTML = Path(__file__).resolve().parents[2] / "_build" / "html"
PAGES = sorted(str(p.relative_to(HTML)) for p in HTML.rglob("*.html")
               if "_static" not in p.parts and "_sources" not in p.parts
               and p.name not in ("index.html", "search.html", "genindex.html"))
SCREENSHOTS = HTML.parent / "screenshots"
WIDTHS = [1280, 390]

CLIPPED_JS = r"""(root) => {
  root = root ? document.querySelector(root) : (document.querySelector('main') || document.body);
  const problems = [];
  const describe = (e) => {
    let name = e.tagName.toLowerCase();
    if (e.id) name += '#' + e.id;
    if (e.classList.length) name += '.' + [...e.classList].slice(0, 3).join('.');
    return name;
  };
  const skipped = (e) => {
    if (e.closest('mjx-assistive-mml, .bd-sidebar-primary, .bd-sidebar-secondary, .bd-header,'
                  + ' .bd-header-article, .visually-hidden, .sr-only, [hidden], dialog')) {
      return true;
    }
    const s = getComputedStyle(e);
    if (s.display === 'none' || s.visibility === 'hidden') return true;
    if (s.clip && s.clip !== 'auto' || s.clipPath && s.clipPath !== 'none') return true;
    const r = e.getBoundingClientRect();
    return r.width <= 1 || r.height <= 1;
  };
  for (const e of [root, ...root.querySelectorAll('*')]) {
    if (!(e instanceof HTMLElement) || skipped(e)) continue;
    const s = getComputedStyle(e);
    const cutX = e.scrollWidth > e.clientWidth + 1 && ['hidden', 'clip'].includes(s.overflowX);
    const cutY = e.scrollHeight > e.clientHeight + 1 && ['hidden', 'clip'].includes(s.overflowY)
                 && e.clientHeight > 0;
    if (cutX || cutY) {
      problems.push(`${describe(e)}: content ${e.scrollWidth}x${e.scrollHeight} px in a box of `
        + `${e.clientWidth}x${e.clientHeight} px with overflow ${s.overflowX}/${s.overflowY}: `
        + JSON.stringify(e.innerText.trim().slice(0, 80)));
    }
  }
  const doc = document.scrollingElement;
  if (doc.scrollWidth > window.innerWidth + 1) {
    let widest = null, right = window.innerWidth + 1;
    for (const e of root.querySelectorAll('*')) {
      if (skipped(e)) continue;
      const r = e.getBoundingClientRect();
      if (r.right > right) { right = r.right; widest = e; }
    }
    problems.push(`the page is ${doc.scrollWidth} px wide in a ${window.innerWidth} px window`
      + (widest ? `; widest: ${describe(widest)} `
         + JSON.stringify(widest.innerText.trim().slice(0, 80)) : ''));
  }
  return problems;
}"""

BROKEN_PAGE = """<!doctype html><html><body><main>
<p id="fine">Short text.</p>
<div id="scrolls" style="width:120px; overflow-x:auto; white-space:nowrap">
  a long line that scrolls inside its own box, which is fine</div>
<table style="table-layout:fixed; width:200px"><tr>
  <td id="cut-cell" style="overflow:hidden; white-space:nowrap">states[:, t-1], actions[:, t-1]
  and more text than the cell holds</td></tr></table>
<div id="ellipsis" style="width:100px; overflow:hidden; text-overflow:ellipsis;
  white-space:nowrap">relative RMS error of the estimate, z = 1.96</div>
<span style="position:absolute; width:1px; height:1px; overflow:hidden;
  clip:rect(0 0 0 0)">screen-reader text that is hidden on purpose</span>
</main></body></html>"""


def test_checker_finds_clipping(visit) -> None:
    """The checker can fail: a cut table cell and an ellipsis are found, a scrolling box and
    visually hidden text are not; a page wider than the window is found."""
    page = visit("index.html").page
    page.set_content(BROKEN_PAGE)
    problems = page.evaluate(CLIPPED_JS, None)
    assert len(problems) == 2, problems
    assert problems[0].startswith("td#cut-cell") and "states[:, t-1]" in problems[0]
    assert problems[1].startswith("div#ellipsis")
    page.set_content('<main><pre style="white-space:pre; width:3000px">wide</pre></main>')
    wide = page.evaluate(CLIPPED_JS, None)
    assert len(wide) == 1 and wide[0].startswith("the page is"), wide


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("path", PAGES)
def test_nothing_is_clipped(visit, path: str, width: int) -> None:
    v = visit(path, width=width, height=900)
    page = v.page
    page.evaluate("""async () => { if (window.MathJax && MathJax.startup)
                                     await MathJax.startup.promise; }""")
    page.wait_for_timeout(100)
    if width != 1280:  # the 1280 px screenshot is test_pages.py's
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"{path.replace('/', '__')[:-5]}__{width}.png"),
                        full_page=True)
    problems = page.evaluate(CLIPPED_JS, None)
    assert problems == [], f"{path} at {width} px:\n" + "\n".join(problems)
