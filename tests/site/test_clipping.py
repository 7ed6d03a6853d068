"""Nothing on a page is cut off without a visible way to scroll to it, at 1280 px and 390 px.

The criterion (CLIPPED_JS), applied to every rendered element of the page's <main>:

1. **Clipped box.** An element whose content is wider (or taller) than its box
   (`scrollWidth > clientWidth + 1`) while its `overflow-x` (`overflow-y`) is `hidden` or
   `clip` hides part of its content and offers no scrollbar. `text-overflow: ellipsis` is the
   same failure: the text is cut.
2. **Hidden scrollbar.** A box that scrolls (`auto`, `scroll`) but whose scrollbar the page's
   CSS hides (`scrollbar-width: none`) is cut off as far as the reader can tell.
3. **Desktop width (1280 px): outputs and tables fit.** Inside a cell's output or a table, no
   box may need horizontal scrolling at all: whether a scrollbar shows depends on the
   reader's system (overlay scrollbars, and headless Chromium, show none until one scrolls), so
   a result at the end of a long line can go unseen. Outputs wrap; tables fit the column. Code
   inputs may scroll (their lines must stay intact). At 390 px a table or a code line may scroll
   inside its own box: a phone cannot show a five-column table otherwise.
4. **The page itself.** The document may not be wider than the window
   (`scrollWidth > innerWidth + 1`): wide content must scroll inside its own box, never push the
   whole page sideways (the text column then runs off the screen on a phone).

Elements hidden on purpose are skipped: not rendered, visually hidden for screen readers
(1 px boxes, `clip`/`clip-path`), MathJax's internals (its stretchy delimiters clip by design),
folded dropdowns and solutions (their content is one click away), and the theme's navigation
(sidebars, header), which collapses at narrow widths by design.

`test_checker_finds_clipping` runs the checker on a deliberately broken page, so the checker
itself can fail. test_pages.py runs it on every page (but the index, search and genindex pages)
at both widths, on the page it has loaded for its other checks. `make screenshots` saves the
pages at both widths in _build/screenshots/ (`__390` for the narrow one).
"""

from __future__ import annotations

from pathlib import Path

from page_screenshots import save_screenshot

HTML = Path(__file__).resolve().parents[2] / "_build" / "html"
PAGES = sorted(str(p.relative_to(HTML)) for p in HTML.rglob("*.html")
               if "_static" not in p.parts and "_sources" not in p.parts
               and p.name not in ("index.html", "search.html", "genindex.html"))
WIDTHS = [1280, 390]

CLIPPED_JS = r"""([strict]) => {
  const root = document.querySelector('main') || document.body;
  const problems = [];
  const describe = (e) => {
    let name = e.tagName.toLowerCase();
    if (e.id) name += '#' + e.id;
    if (e.classList.length) name += '.' + [...e.classList].slice(0, 3).join('.');
    return name;
  };
  const text = (e) => JSON.stringify((e.innerText || e.textContent).trim().slice(0, 80));
  const skipped = (e) => {
    if (e.closest('mjx-assistive-mml, .bd-sidebar-primary, .bd-sidebar-secondary, .bd-header,'
                  + ' .bd-header-article, .visually-hidden, .sr-only, [hidden], dialog,'
                  + ' .toggle-hidden, details:not([open]) > :not(summary)')) {
      return true;
    }
    if (e.parentElement && e.parentElement.closest('mjx-container')) return true;
    const s = getComputedStyle(e);
    if (s.display === 'none' || s.visibility === 'hidden') return true;
    if ((s.clip && s.clip !== 'auto') || (s.clipPath && s.clipPath !== 'none')) return true;
    const r = e.getBoundingClientRect();
    return r.width <= 1 || r.height <= 1;
  };
  for (const e of [root, ...root.querySelectorAll('*')]) {
    if (!(e instanceof HTMLElement) || skipped(e)) continue;
    const s = getComputedStyle(e);
    const wide = e.scrollWidth > e.clientWidth + 1;
    const tall = e.scrollHeight > e.clientHeight + 1 && e.clientHeight > 0;
    const cutX = wide && ['hidden', 'clip'].includes(s.overflowX);
    const cutY = tall && ['hidden', 'clip'].includes(s.overflowY);
    const scrolls = ['auto', 'scroll'].includes(s.overflowX)
                    || ['auto', 'scroll'].includes(s.overflowY);
    const box = `content ${e.scrollWidth}x${e.scrollHeight} px in a box of `
                + `${e.clientWidth}x${e.clientHeight} px`;
    if (cutX || cutY) {
      problems.push(`${describe(e)}: ${box} with overflow ${s.overflowX}/${s.overflowY}: `
                    + text(e));
    } else if ((wide || tall) && scrolls && s.scrollbarWidth === 'none') {
      problems.push(`${describe(e)}: ${box}, scrolls with its scrollbar hidden: ${text(e)}`);
    } else if (strict && wide && scrolls && !e.closest('.cell_input')
               && e.closest('.cell_output, table, .pst-scrollable-table-container')) {
      problems.push(`${describe(e)}: ${box}, needs scrolling sideways at this width: ${text(e)}`);
    }
  }
  const doc = document.scrollingElement;
  if (doc.scrollWidth > window.innerWidth + 1) {
    // The culprit: the element reaching furthest right whose box no ancestor scrolls or clips.
    let widest = null, right = window.innerWidth + 1;
    for (const e of root.querySelectorAll('*')) {
      if (skipped(e)) continue;
      let contained = false;
      for (let a = e.parentElement; a && a !== document.body; a = a.parentElement) {
        if (getComputedStyle(a).overflowX !== 'visible') { contained = true; break; }
      }
      if (contained) continue;
      const r = e.getBoundingClientRect();
      if (r.right > right) { right = r.right; widest = e; }
    }
    problems.push(`the page is ${doc.scrollWidth} px wide in a ${window.innerWidth} px window`
      + (widest ? `; widest: ${describe(widest)} ${text(widest)}` : ''));
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
<div id="no-bar" style="width:100px; overflow-x:auto; scrollbar-width:none; white-space:nowrap">
  a line that scrolls with its scrollbar hidden</div>
<div class="cell_output"><pre id="long-output" style="overflow-x:auto; width:150px">relative RMS
error, N = 1705: measured 0.0941 +- 0.0030   predicted 0.1000   z = -1.97</pre></div>
</main></body></html>"""


def test_checker_finds_clipping(visit) -> None:
    """The checker can fail: a cut table cell, an ellipsis and a hidden scrollbar are found at
    any width, an output that needs sideways scrolling at desktop width only; a box that
    scrolls and visually hidden text are not; a page wider than the window is found."""
    page = visit("index.html").page
    page.set_content(BROKEN_PAGE)
    problems = page.evaluate(CLIPPED_JS, [False])
    assert [p.split(":")[0] for p in problems] == ["td#cut-cell", "div#ellipsis", "div#no-bar"]
    assert "states[:, t-1]" in problems[0]
    strict = page.evaluate(CLIPPED_JS, [True])
    assert [p.split(":")[0] for p in strict] == ["td#cut-cell", "div#ellipsis", "div#no-bar",
                                                  "pre#long-output"], strict
    page.set_content('<main><p style="white-space:pre; width:3000px">wide</p></main>')
    wide = page.evaluate(CLIPPED_JS, [False])
    assert len(wide) == 1 and wide[0].startswith("the page is 30"), wide
    assert "widest: p" in wide[0]


def clipping_problems(page: object, path: str, width: int) -> list[str]:
    """What is cut off on ``page`` (the built page ``path``, loaded and typeset) at ``width`` px:
    the window is resized to that width first (one page load serves both widths; the same
    findings as a fresh load at that width, which took five times as long)."""
    page.set_viewport_size({"width": width, "height": 900})
    page.wait_for_timeout(100)
    assert page.evaluate("window.innerWidth") == width
    save_screenshot(page, path, "" if width == 1280 else f"__{width}")
    return page.evaluate(CLIPPED_JS, [width >= 1280])
