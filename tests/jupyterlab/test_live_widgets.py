"""The live widgets work in a real Jupyter client: JupyterLab in headless Chromium.

For each notebook with a live explorer (the N explorer of book/monte_carlo, the REINFORCE
explorer of book/reinforce), in the temporary copy served by the `lab` fixture:

1. open it in JupyterLab, clear every output and run all cells, as a reader would;
2. no cell raised or wrote to stderr, and no widget failed to display ("Error displaying
   widget" is what JupyterLab's widget manager shows instead of a broken view);
3. every slider's track is at least 250 px wide (a narrower track cannot be set to a chosen N);
4. moving the N slider with the keyboard changes the figure (the image's src) and the readout;
5. the time from the widget cell's start to its first drawn frame is recorded (printed in the
   terminal summary; speed is not asserted here, see benchmarks/).

Every wait has a timeout, and the server is stopped by the fixture also when a test fails.
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout

LOAD_TIMEOUT_MS = 60_000
RUN_TIMEOUT_MS = 300_000  # run all cells of one chapter on a loaded 2-core machine
UPDATE_TIMEOUT_MS = 60_000
MIN_TRACK_PX = 250

# (notebook, the title the explorer shows, the label above its N slider)
EXPLORERS = [
    ("monte_carlo.ipynb", "N explorer", "episodes per estimate"),
    ("reinforce.ipynb", "REINFORCE", "episodes per update"),
]

# Records, every 10 ms, when each code cell finished (its execution count appeared) and when the
# first frame of a live widget image in it was drawn; times in ms since RUN_ALL_JS started.
RECORDER_JS = """() => {
  const nb = jupyterapp.shell.currentWidget.content;
  const state = {t0: performance.now(), done: {}, drawn: {}};
  window.__pgtRecorder = state;
  state.timer = setInterval(() => {
    const t = performance.now() - state.t0;
    nb.widgets.forEach((cell, i) => {
      if (cell.model.type !== 'code') return;
      if (!(i in state.done) && cell.model.executionCount !== null) state.done[i] = t;
      if (!(i in state.drawn)) {
        const img = cell.node.querySelector('.jp-OutputArea img.widget-image');
        if (img && img.complete && img.naturalWidth > 0) state.drawn[i] = t;
      }
    });
  }, 10);
}"""

KERNEL_IDLE_JS = """() => {
  const w = jupyterapp.shell.currentWidget;
  return !!(w && w.sessionContext && w.sessionContext.session &&
            w.sessionContext.session.kernel && w.sessionContext.session.kernel.status === 'idle');
}"""

ALL_RUN_JS = """() => {
  const w = jupyterapp.shell.currentWidget;
  const kernel = w && w.sessionContext && w.sessionContext.session &&
                 w.sessionContext.session.kernel;
  const code = w.content.widgets.filter(c => c.model.type === 'code');
  return !!kernel && kernel.status === 'idle' && code.every(c => c.model.executionCount !== null);
}"""

# Every output the kernel sent that is an error or stderr, as text.
BAD_OUTPUTS_JS = """() => {
  const bad = [];
  jupyterapp.shell.currentWidget.content.widgets.forEach((cell, i) => {
    if (cell.model.type !== 'code') return;
    for (let k = 0; k < cell.model.outputs.length; k++) {
      const o = cell.model.outputs.get(k).toJSON();
      if (o.output_type === 'error') bad.push(`cell ${i}: ${o.ename}: ${o.evalue}`);
      if (o.output_type === 'stream' && o.name === 'stderr') {
        bad.push(`cell ${i} stderr: ${[].concat(o.text).join('').slice(0, 300)}`);
      }
    }
  });
  return bad;
}"""


def open_and_run_all(page: object, url: str) -> None:
    """Open URL in JupyterLab, wait for the kernel, clear outputs, run all cells."""
    page.goto(url, timeout=LOAD_TIMEOUT_MS)
    page.wait_for_function("() => !!(window.jupyterapp && jupyterapp.shell.currentWidget)",
                           timeout=LOAD_TIMEOUT_MS)
    page.wait_for_function(KERNEL_IDLE_JS, timeout=LOAD_TIMEOUT_MS)
    # commands.execute returns a promise that settles when the command is done: not awaited
    # here (an evaluate has no timeout); the bounded waits below watch the model instead.
    page.evaluate("() => { jupyterapp.commands.execute('notebook:clear-all-cell-outputs'); }")
    page.wait_for_function(
        "() => jupyterapp.shell.currentWidget.content.widgets.every("
        "c => c.model.type !== 'code' || c.model.executionCount === null)",
        timeout=LOAD_TIMEOUT_MS)
    page.evaluate(RECORDER_JS)
    page.evaluate("() => { jupyterapp.commands.execute('notebook:run-all-cells'); }")
    page.wait_for_function(ALL_RUN_JS, timeout=RUN_TIMEOUT_MS, polling=200)
    page.evaluate("() => clearInterval(window.__pgtRecorder.timer)")


def first_display_seconds(page: object) -> dict[int, float]:
    """{cell index: seconds from the cell's start to its widget's first drawn frame}.

    A cell starts when the code cell before it has finished (the kernel runs them in order).
    """
    rec = page.evaluate("() => window.__pgtRecorder")
    done = {int(k): v for k, v in rec["done"].items()}
    times = {}
    for cell, drawn in rec["drawn"].items():
        cell = int(cell)
        earlier = [t for i, t in done.items() if i < cell]
        times[cell] = (drawn - (max(earlier) if earlier else 0.0)) / 1000
    return times


@pytest.mark.parametrize(("notebook", "title", "n_label"), EXPLORERS,
                         ids=[e[0] for e in EXPLORERS])
def test_live_explorer_in_jupyterlab(lab, browser, first_display, notebook: str, title: str,
                                     n_label: str) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 1000})
    try:
        page = context.new_page()
        console_errors: list[str] = []
        page.on("console", lambda m: console_errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: console_errors.append(str(e)))
        open_and_run_all(page, lab.notebook_url(notebook))

        assert page.evaluate(BAD_OUTPUTS_JS) == [], "a cell raised or wrote to stderr"
        notebook_node = page.locator(".jp-NotebookPanel:visible .jp-Notebook")
        assert "Error displaying widget" not in notebook_node.inner_text()
        widget_errors = [e for e in console_errors if re.search(r"widget|model", e, re.I)]
        assert widget_errors == [], f"widget errors in the console: {widget_errors}"

        # The explorer: the live widget box whose heading is its title.
        explorer = page.locator(".jp-OutputArea .widget-vbox", has_text=title).first
        explorer.wait_for(state="visible", timeout=UPDATE_TIMEOUT_MS)
        cell_index = explorer.evaluate(
            "e => jupyterapp.shell.currentWidget.content.widgets"
            ".findIndex(c => c.node.contains(e))")
        times = first_display_seconds(page)
        assert cell_index in times, "the explorer's figure was never drawn"
        first_display.append(f"{notebook}, {title}: {times[cell_index]:.2f} s "
                             "(cell start to first frame)")

        tracks = page.locator(".jp-OutputArea .widget-hslider .slider-container")
        assert tracks.count() >= 1, "no slider in the notebook's outputs"
        widths = [round(t.bounding_box()["width"]) for t in tracks.all()]
        assert min(widths) >= MIN_TRACK_PX, f"slider tracks of {widths} px (need >= 250)"

        # each control sits in a box with its label above it (pgtheory/viz/widgets/base.py)
        labelled = explorer.locator(".widget-vbox", has=page.locator(".widget-label",
                                                                     has_text=n_label))
        slider = labelled.last.locator(".widget-hslider")
        assert slider.count() == 1, f"no slider labelled {n_label!r} in the explorer"
        handle = slider.locator("[role=slider]")
        image = explorer.locator("img.widget-image")
        readout = explorer.locator(".widget-html-content").last
        src_before, text_before = image.get_attribute("src"), readout.inner_text()
        value_before = handle.get_attribute("aria-valuenow")

        handle.focus()
        page.keyboard.press("ArrowRight")
        page.keyboard.press("ArrowRight")
        assert handle.get_attribute("aria-valuenow") != value_before, \
            "the slider ignored the keyboard"
        page.wait_for_function(
            "([img, before]) => img.getAttribute('src') !== before && img.complete",
            arg=[image.element_handle(), src_before], timeout=UPDATE_TIMEOUT_MS)
        page.wait_for_function("([el, before]) => el.innerText !== before",
                               arg=[readout.element_handle(), text_before],
                               timeout=UPDATE_TIMEOUT_MS)
        assert readout.inner_text() != text_before
        assert page.evaluate(BAD_OUTPUTS_JS) == [], "moving the slider raised"
    finally:
        context.close()


# --- MyST inside Jupyter (jupyterlab-myst) ------------------------------------------------------

BOOK = Path(__file__).resolve().parents[2] / "book"
CHAPTERS = sorted(p.name for p in BOOK.glob("*.ipynb"))
# Role and directive syntax that would be on screen had MyST not been rendered.
RAW_MYST = re.compile(r"\{(?:eq|doc|cite|ref|numref|exercise|solution|admonition|math)\}`?"
                      r"|^:::|^```\{", re.MULTILINE)

RENDERED_JS = """(path) => {
  const w = window.jupyterapp && jupyterapp.shell.currentWidget;
  if (!w || !w.context || w.context.path !== path || !w.content.widgets.length) return false;
  const md = w.content.widgets.filter(c => c.model.type === 'markdown');
  return md.length > 0 && md.every(c => c.rendered);
}"""


# Counts in the open notebook: typeset formulas, folded boxes, unfolded ones, and its text.
MYST_STATE_JS = """() => {
  const node = jupyterapp.shell.currentWidget.content.node;
  return {katex: node.querySelectorAll('.katex').length,
          folded: node.querySelectorAll('details.myst-exercise').length,
          unfolded: node.querySelectorAll('details.myst-exercise[open]').length,
          text: node.innerText};
}"""


def myst_problems(page: object, notebook: str) -> list[str]:
    """What is wrong with how the open NOTEBOOK shows its MyST markdown cells."""
    source = nbformat.read(BOOK / notebook, as_version=4)
    markdown = "\n".join(c.source for c in source.cells if c.cell_type == "markdown")
    n_solutions = markdown.count(":::{solution}")
    need_math = 1 if "$" in markdown else 0
    # jupyterlab-myst renders cells asynchronously: wait (bounded) until maths and boxes show.
    try:
        page.wait_for_function(
            "([math, boxes]) => { const n = jupyterapp.shell.currentWidget.content.node;"
            " return n.querySelectorAll('.katex').length >= math &&"
            " n.querySelectorAll('details.myst-exercise').length >= boxes; }",
            arg=[need_math, n_solutions], timeout=LOAD_TIMEOUT_MS, polling=200)
    except PlaywrightTimeout:
        pass  # reported below, with the counts
    page.wait_for_timeout(300)  # the notebook-wide pass that numbers and resolves references
    state = page.evaluate(MYST_STATE_JS)
    problems = [f"{notebook}: raw MyST {m.group(0)!r}" for m in RAW_MYST.finditer(state["text"])]
    if need_math and state["katex"] == 0:
        problems.append(f"{notebook}: mathematics in the source, none typeset")
    if state["folded"] < n_solutions:
        problems.append(f"{notebook}: {n_solutions} solutions, {state['folded']} folded boxes")
    if state["unfolded"]:
        problems.append(f"{notebook}: {state['unfolded']} solutions unfolded on opening")
    return problems


def test_myst_renders_in_jupyterlab(lab, browser) -> None:
    """In every chapter: equations typeset, no role or directive left as raw text, every
    solution folded. One page opens the chapters one after another."""
    context = browser.new_context(viewport={"width": 1280, "height": 1000})
    problems: list[str] = []
    try:
        page = context.new_page()
        page.goto(lab.notebook_url(CHAPTERS[0]), timeout=LOAD_TIMEOUT_MS)
        page.wait_for_function("() => !!(window.jupyterapp && jupyterapp.shell.currentWidget)",
                               timeout=LOAD_TIMEOUT_MS)
        for notebook in CHAPTERS:
            # as "Open With > Notebook (no kernel)" does: MyST renders without a kernel
            page.evaluate("(path) => { jupyterapp.commands.execute('docmanager:open', "
                          "{path, factory: 'Notebook', kernelPreference: "
                          "{shouldStart: false, shouldReuse: false}}); }", notebook)
            page.wait_for_function(RENDERED_JS, arg=notebook, timeout=LOAD_TIMEOUT_MS,
                                   polling=200)
            problems += myst_problems(page, notebook)
            page.evaluate("() => { jupyterapp.shell.currentWidget.dispose(); }")
            for kernel in lab.api("kernels"):  # the first chapter's, opened from its URL
                lab.api(f"kernels/{kernel['id']}", method="DELETE")
    finally:
        context.close()
    assert problems == [], "\n".join(problems)
