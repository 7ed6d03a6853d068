"""Build the PDF of the whole book with Jupyter Book's LaTeX builder and XeLaTeX.

Usage: python tools/build_pdf.py        (or `make pdf`)
Output: _build/latex/policy-gradient-book.pdf

It installs nothing. It needs the TeX and font packages of .ci/debian-packages.txt, the one
list of the Debian packages the tests need (README.md, "Test it", quotes it).

What it does, and why:

1. **Stage.** The book's sources (_config.yml, _toc.yml, references.bib, book/, _static/, tools/)
   are copied to _build/pdf_src/ and built there, so the LaTeX build never touches the HTML
   build's Sphinx environment (_build/.doctrees). The staged copy renders the outputs committed
   in book/*.ipynb, without executing anything (`execute_notebooks: off` in the staged
   _config.yml only): those outputs are the ones nbval checks against a fresh run, and the ones
   the HTML book shows.
2. **Widgets.** LaTeX can show a picture, not a live widget. Every widget output already
   carries a picture of the frame it showed (image/png: the same picture a notebook shows
   before it is run) and, in its output metadata (`pgtheory_widget`), its title, control
   settings and readout. Each widget output becomes that picture alone, followed by a
   plain-text output naming the figure, the settings and the readout. No web frames are
   needed, so the PDF build executes nothing and needs no PGTHEORY_WIDGET_FRAMES.
3. **LaTeX.** `jb build --builder latex -n -W --keep-going` writes the .tex (with
   sphinx-jupyterbook-latex: the introduction becomes front matter and the toc's captions become
   parts). Two fixes are applied before latexmk runs:
   - jupyterBook.cls loads `bbm` (only for \\mathbbm, which the book never uses); Debian ships it
     in the 1.4 GB texlive-fonts-extra, so a three-line bbm.sty mapping \\mathbbm to \\mathbb is
     written next to the .tex instead;
   - sphinx-exercise labels an exercise `exercise:<label>` but writes a reference from another
     chapter as `\\ref{<doc>:<label>}`, which LaTeX prints as "??"; such references are
     rewritten to point at the exercise's label, with the exercise's own number as text.
4. **Check.** The build fails if LaTeX reports undefined references or characters missing from
   the fonts (a missing glyph silently disappears from the page).
"""

from __future__ import annotations

import copy
import re
import shutil
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import nbformat
import yaml
from debian_packages import install_command

ROOT = Path(__file__).resolve().parents[1]
STAGE = ROOT / "_build" / "pdf_src"
OUT_DIR = ROOT / "_build" / "latex"
NAME = "policy-gradient-book"
PDF = OUT_DIR / f"{NAME}.pdf"
WIDGET_MIME = "application/vnd.jupyter.widget-view+json"
WIDGET_KEY = "pgtheory_widget"  # output metadata of a widget (pgtheory.viz.widgets.base)
IMAGE_WIDTH = "80%"  # of the text width: a widget frame is drawn for a wide web page
TEXT_WIDTH = 76  # characters that fit an output box of the PDF

BBM_SHIM = r"""\NeedsTeXFormat{LaTeX2e}
\ProvidesPackage{bbm}[2026/01/01 stand-in for jupyterBook.cls: mathbbm as mathbb]
\providecommand{\mathbbm}[1]{\mathbb{#1}}
\endinput
"""


# --- 1. stage ---------------------------------------------------------------------------------


def stage(root: Path = ROOT, stage_dir: Path = STAGE) -> Path:
    """Copy the book's sources to STAGE_DIR, with notebook execution switched off."""
    if stage_dir.exists():
        shutil.rmtree(stage_dir)
    stage_dir.mkdir(parents=True)
    for name in ("_toc.yml", "references.bib"):
        shutil.copy(root / name, stage_dir / name)
    ignore = shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__", "*.md")
    for name in ("book", "_static", "tools"):
        if (root / name).is_dir():
            shutil.copytree(root / name, stage_dir / name, ignore=ignore)
    config = yaml.safe_load((root / "_config.yml").read_text())
    config.setdefault("execute", {})["execute_notebooks"] = "off"
    (stage_dir / "_config.yml").write_text(yaml.safe_dump(config, sort_keys=False,
                                                          allow_unicode=True))
    return stage_dir


# --- 2. widgets -------------------------------------------------------------------------------


def static_widget_outputs(output: dict) -> list[dict] | None:
    """For a widget output: its picture alone (image/png), then a stream output describing
    it. None for any other output."""
    data = output.get("data", {})
    widget = output.get("metadata", {}).get(WIDGET_KEY)
    if WIDGET_MIME not in data or widget is None or "image/png" not in data:
        return None
    with_png = copy.deepcopy(output)
    with_png["data"] = {"image/png": data["image/png"], "text/plain": data.get("text/plain", "")}
    with_png["metadata"] = {"image/png": {"width": IMAGE_WIDTH}}
    note = textwrap.fill(
        f"[Static view of the interactive figure \u201c{widget['title']}\u201d at "
        f"{widget['settings']}. In the web book and in Jupyter, its controls change it.]",
        width=TEXT_WIDTH)
    text = note + "\n" + widget["readout"].strip() + "\n"
    return [with_png, nbformat.v4.new_output("stream", name="stdout", text=text)]


def add_widget_images(book_dir: Path) -> int:
    """Give every widget output in BOOK_DIR/*.ipynb its static image; return how many."""
    count = 0
    for path in sorted(book_dir.glob("*.ipynb")):
        notebook = nbformat.read(path, as_version=4)
        changed = False
        for cell in notebook.cells:
            outputs: list[dict] = []
            for output in cell.get("outputs", []):
                replacement = static_widget_outputs(output)
                outputs.extend(replacement or [output])
                changed |= replacement is not None
                count += replacement is not None
            if cell.cell_type == "code":
                cell.outputs = outputs
        if changed:
            nbformat.write(notebook, path)
    return count


# --- 3. LaTeX ---------------------------------------------------------------------------------

_EXERCISE = re.compile(
    r"\\label\{exercise:(?P<label>[^}]+)\}\s*\\begin\{sphinxadmonition\}\{note\}"
    r"\{Exercise (?P<number>[\d.]+)"
)
_CROSS_DOC_EXERCISE_REF = re.compile(
    r"\\hyperref\[\\detokenize\{[^}:]+:(?P<label>[^}]+)\}\]"
    r"\{Exercise \\ref\{\\detokenize\{[^}:]+:(?P=label)\}\}\}"
)


def fix_exercise_references(tex: str) -> str:
    """Point sphinx-exercise's references across chapters at the exercise's LaTeX label."""
    numbers = {m["label"]: m["number"] for m in _EXERCISE.finditer(tex)}

    def replace(match: re.Match[str]) -> str:
        label = match["label"]
        if label not in numbers:
            return match[0]
        return rf"\hyperref[exercise:{label}]{{Exercise {numbers[label]}}}"

    return _CROSS_DOC_EXERCISE_REF.sub(replace, tex)


def latex_problems(log: str) -> list[str]:
    """Problems in a LaTeX log that leave the PDF wrong although latexmk succeeded."""
    problems = sorted(set(re.findall(r"Missing character: There is no .*", log)))
    if "There were undefined references" in log:
        problems += sorted(set(re.findall(r"Reference `[^']+' on page \d+ undefined", log)))
        problems.append("LaTeX: There were undefined references.")
    return problems


def run(command: list[str], cwd: Path) -> None:
    print("$", " ".join(command), flush=True)
    subprocess.run(command, cwd=cwd, check=True)


def build(stage_dir: Path) -> Path:
    """Build STAGE_DIR's PDF; return its path."""
    jb = Path(sys.executable).with_name("jb")
    run([str(jb), "build", str(stage_dir), "--path-output", str(stage_dir),
         "--builder", "latex", "-n", "-W", "--keep-going"], cwd=stage_dir)
    latex_dir = stage_dir / "_build" / "latex"
    tex_path = latex_dir / f"{NAME}.tex"
    tex_path.write_text(fix_exercise_references(tex_path.read_text()))
    (latex_dir / "bbm.sty").write_text(BBM_SHIM)
    run(["latexmk", "-pdf", "-dvi-", "-ps-", "-interaction=nonstopmode", "-halt-on-error",
         tex_path.name], cwd=latex_dir)
    problems = latex_problems((latex_dir / f"{NAME}.log").read_text(errors="replace"))
    if problems:
        raise RuntimeError("the PDF was built but is wrong:\n  " + "\n  ".join(problems))
    return latex_dir / f"{NAME}.pdf"


def missing_tools_message(missing: list[str]) -> str:
    """What to do when TeX tools are missing: the install line of .ci/debian-packages.txt."""
    return (f"{', '.join(missing)} not found: install the Debian packages the book's tests need "
            f"(.ci/debian-packages.txt, README.md 'Test it'):\n    {install_command()}")


def main(argv: list[str]) -> int:
    missing = [tool for tool in ("xelatex", "latexmk") if shutil.which(tool) is None]
    if missing:
        print(missing_tools_message(missing))
        return 1
    start = time.perf_counter()
    stage_dir = stage()
    print(f"staged the book in {stage_dir.relative_to(ROOT)}; "
          f"static images added to {add_widget_images(stage_dir / 'book')} widget outputs")
    try:
        built = build(stage_dir)
    except (subprocess.CalledProcessError, RuntimeError) as error:
        print(f"\nPDF build FAILED: {error}")
        return 1
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    shutil.copy(built, PDF)
    print(f"\nThe PDF is at {PDF} ({time.perf_counter() - start:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
