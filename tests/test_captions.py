"""Figure captions typeset their maths (CONTRIBUTING.md): `$\\sigma^2/N$`, never `sigma^2/N`.

Every caption of every chapter (the ``mystnb.figure.caption`` of a code cell, or the body of a
``{figure}`` directive) is read from the MyST sources; roles such as {eq}`label` and everything
between ``$...$`` are removed, and what is left must contain no plain-text maths: no Greek letter
spelled out or written in Unicode, no ``^``, ``_``, ``sqrt(``, no comparison written ``<=``, and no
single-letter variable set equal to something (``N = 100``, ``alpha = 1``). Alt texts are exempt:
they are read aloud and spell maths in words on purpose.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

BOOK = Path(__file__).resolve().parents[1] / "book"
SOURCES = sorted(BOOK.glob("*.md"))

_GREEK = ("alpha|beta|gamma|delta|epsilon|zeta|eta|theta|iota|kappa|lambda|mu|nu|xi|pi|rho|"
          "sigma|tau|phi|chi|psi|omega")
#: (name, pattern) of plain-text maths outside $...$.
PLAIN_MATHS = (
    ("a Greek letter spelled out", re.compile(rf"\b(?:{_GREEK})\b", re.I)),
    ("a Unicode Greek letter", re.compile(r"[\u0370-\u03ff]")),
    ("a power written with ^", re.compile(r"\^")),
    ("a subscript written with _", re.compile(r"[A-Za-z0-9]_[A-Za-z0-9{]")),
    ("sqrt(...)", re.compile(r"\bsqrt\s*\(", re.I)),
    ("a comparison written <= or >=", re.compile(r"<=|>=")),
    ("a variable set equal to something", re.compile(r"(?<![\w$\\])[A-Za-z]\s*=\s*[-+\w(]")),
)
_ROLE = re.compile(r"\{[\w:-]+\}`[^`]*`")
_MATH = re.compile(r"\$\$.*?\$\$|\$(?:[^$\\]|\\.)+?\$", re.S)
_CELL = re.compile(r"^```\{code-cell\}[^\n]*\n---\n(?P<yaml>.*?)\n---\n", re.S | re.M)
_FIGURE = re.compile(r"^(?P<fence>`{3,}|:{3,})\{figure\}[^\n]*\n(?P<body>.*?)^(?P=fence)\s*$",
                     re.S | re.M)


def captions(text: str) -> list[str]:
    """The captions of the figures in one MyST source."""
    found = []
    for match in _CELL.finditer(text):
        meta = yaml.safe_load(match["yaml"]) or {}
        caption = meta.get("mystnb", {}).get("figure", {}).get("caption")
        if caption:
            found.append(str(caption))
    for match in _FIGURE.finditer(text):
        body = [line for line in match["body"].splitlines() if not line.startswith(":")]
        found.append(" ".join(body).strip())
    return found


def plain_maths(caption: str) -> list[str]:
    """What plain-text maths CAPTION contains outside roles and ``$...$``."""
    prose = _MATH.sub(" ", _ROLE.sub(" ", caption))
    return [f"{name}: {m.group(0)!r}" for name, pattern in PLAIN_MATHS
            for m in pattern.finditer(prose)]


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: p.stem)
def test_captions_typeset_their_maths(path: Path) -> None:
    problems = {caption[:60]: plain_maths(caption) for caption in captions(path.read_text())}
    assert {c: p for c, p in problems.items() if p} == {}


def test_every_figure_has_a_caption() -> None:
    # The figures of the book are code-cell outputs; each names itself and carries a caption.
    for path in SOURCES:
        text = path.read_text()
        named = len(re.findall(r"^    name: fig-", text, re.M))
        assert len(captions(text)) == named, path.name


@pytest.mark.parametrize("caption", [
    "The spread follows the exact law sigma/sqrt(N) (dashed).",
    "Each averaging N = 100 episodes.",
    "At alpha = 1 every seed climbs.",
    "The exact variance sigma^2/N.",
    "Total variance (sum over the coordinates of θ).",
    "A line of slope -1/2 where x_1 <= 3.",
])
def test_plain_text_maths_is_found(caption: str) -> None:
    assert plain_maths(caption)


@pytest.mark.parametrize("caption", [
    r"The spread follows the exact law $\sigma_j/\sqrt{N}$ (dashed), slope $-1/2$.",
    r"Each averaging $N = 100$ episodes; the terms of {eq}`log-traj-prob`.",
    r"Exact $J(\theta_k)$ along training (median and range over five seeds).",
    "Same mean, smaller spread. 5,000 estimates of the coordinate \"right in state 0\".",
])
def test_typeset_maths_and_prose_pass(caption: str) -> None:
    assert plain_maths(caption) == []


def test_captions_are_read_from_code_cells_and_figure_directives() -> None:
    text = ("```{code-cell} ipython3\n---\nmystnb:\n  figure:\n    caption: A $x$ caption.\n"
            "    name: fig-a\n---\nplot()\n```\n\n"
            ":::{figure} picture.png\n:name: fig-b\n\nAnother caption.\n:::\n")
    assert captions(text) == ["A $x$ caption.", "Another caption."]
