"""The PDF of the book (`make pdf`, tools/build_pdf.py) is complete.

These tests read the PDF that `make pdf` wrote; they do not build it (a LaTeX build needs the TeX
packages listed in README.md), and they FAIL, saying what to run, when it is missing. They need
`pdftotext` and `pdfimages` (Debian package poppler-utils).

The helpers of tools/build_pdf.py that rewrite the book before LaTeX sees it are tested on
small inputs first; those tests need neither TeX nor the PDF.
"""

from __future__ import annotations

import base64
import re
import shutil
import subprocess
import unicodedata
from pathlib import Path

import nbformat
import pytest
import yaml
from build_pdf import (
    PDF,
    ROOT,
    WIDGET_KEY,
    WIDGET_MIME,
    fix_exercise_references,
    static_widget_outputs,
)

TINY_PNG = base64.b64encode(
    bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000"
                  "1f15c4890000000d49444154789c6360000002000001e221bc330000000049454e44ae426082")
).decode()


# --- build_pdf helpers ------------------------------------------------------------------------


def test_cross_chapter_exercise_reference_points_at_the_exercise() -> None:
    tex = (r"\phantomsection \label{exercise:ex-a-3}" "\n\n"
           r"\begin{sphinxadmonition}{note}{Exercise 3.6.3}" "\n"
           r"see (\hyperref[\detokenize{book/a:ex-a-3}]{Exercise "
           r"\ref{\detokenize{book/a:ex-a-3}}} in chapter a)")
    fixed = fix_exercise_references(tex)
    assert r"\hyperref[exercise:ex-a-3]{Exercise 3.6.3}" in fixed
    assert r"\ref{" not in fixed


def test_widget_output_becomes_its_picture_and_a_description() -> None:
    output = nbformat.v4.new_output(
        "display_data",
        data={WIDGET_MIME: {"model_id": "1"}, "image/png": TINY_PNG, "text/plain": "NExplorer",
              "text/markdown": "![x](data:image/png;base64,...)"},
        metadata={WIDGET_KEY: {"title": "N explorer", "readout": "mean -0.61\n",
                               "settings": "episodes per estimate = 100; baseline: optimal"}})
    with_png, caption = static_widget_outputs(output)
    assert with_png["data"] == {"image/png": TINY_PNG, "text/plain": "NExplorer"}
    text = " ".join(caption["text"].split())
    assert "N explorer" in text and "episodes per estimate = 100" in text
    assert "baseline: optimal" in text and "mean -0.61" in text
    del output["metadata"][WIDGET_KEY]  # not a pgtheory widget: left alone
    assert static_widget_outputs(output) is None


def test_build_pdf_reads_the_widgets_metadata_key() -> None:
    from pgtheory.viz.widgets.base import METADATA_KEY

    assert WIDGET_KEY == METADATA_KEY


# --- the PDF ----------------------------------------------------------------------------------


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.fail(f"`{name}` not found: install poppler-utils (apt-get install poppler-utils)")
    return path


@pytest.fixture(scope="module")
def pdf() -> Path:
    if not PDF.is_file():
        pytest.fail(f"{PDF.relative_to(ROOT)} is missing: build it first with `make pdf` "
                    "(needs the TeX packages listed in README.md)")
    return PDF


#: Sphinx's smartquotes print ' and " as typographic quotes; fold them back.
_QUOTES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"'})


def _normalise(text: str) -> str:
    """Fold unicode-math's letters (U+1D703 MATHEMATICAL ITALIC THETA ...) to plain ones,
    typographic quotes to straight ones, and runs of white space to one space."""
    return " ".join(unicodedata.normalize("NFKC", text).translate(_QUOTES).split())


@pytest.fixture(scope="module")
def pdf_text(pdf: Path) -> str:
    result = subprocess.run([_tool("pdftotext"), str(pdf), "-"], capture_output=True,
                            text=True, check=True)
    return _normalise(result.stdout)


def _toc_files() -> list[str]:
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    files = [toc["root"]]
    for part in toc.get("parts", [{"chapters": toc.get("chapters", [])}]):
        files += [chapter["file"] for chapter in part["chapters"]]
    return files


def _title(file: str) -> str:
    """The H1 of a toc entry's MyST source."""
    match = re.search(r"^# (.+)$", (ROOT / f"{file}.md").read_text(), re.MULTILINE)
    assert match, f"no H1 title in {file}.md"
    return match[1].strip()


def test_pdf_has_every_chapter_in_toc_order(pdf_text: str) -> None:
    titles = [_normalise(_title(file)) for file in _toc_files()]
    book_title, chapters = titles[0], titles[1:]
    assert pdf_text.lower().startswith(book_title.lower()), "the title page is not first"
    position = 0
    lower = pdf_text.lower()
    for title in chapters:
        found = lower.find(title.lower(), position)
        assert found >= 0, f"chapter {title!r} is missing from the PDF, or out of toc order"
        position = found + len(title)
        assert lower.count(title.lower()) >= 2, f"{title!r} is in the contents but has no page"


def test_pdf_states_the_theorem(pdf_text: str) -> None:
    assert "policy gradient theorem" in pdf_text.lower()
    compact = pdf_text.replace(" ", "")
    # (4.1): grad J(theta) = E_{tau ~ p_theta}[ R(tau) sum_t grad log pi_theta(a_t | s_t) ]
    assert "∇θJ(θ)=Eτ∼pθ[R(τ)∑∇θlogπθ(at∣st)]" in compact


def test_pdf_has_no_unresolved_reference(pdf_text: str) -> None:
    assert "??" not in pdf_text


def test_every_figure_and_widget_is_an_image_in_the_pdf(pdf: Path) -> None:
    expected = 0
    for file in _toc_files():
        notebook = nbformat.read(ROOT / f"{file}.ipynb", as_version=4)
        for cell in notebook.cells:
            for output in cell.get("outputs", []):
                data = output.get("data", {})
                expected += "image/png" in data or WIDGET_MIME in data
    listing = subprocess.run([_tool("pdfimages"), "-list", str(pdf)], capture_output=True,
                             text=True, check=True).stdout.splitlines()[2:]
    images = [row for row in listing if row.split()[2] == "image"]
    assert len(images) >= expected, (
        f"the PDF has {len(images)} images; the notebooks have {expected} figures and widgets")
