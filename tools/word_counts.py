"""Words per chapter: the reading path and the whole page.

The **reading path** of a chapter is the prose a reader must read to follow the argument
(CONTRIBUTING.md, "The chapter template"): the text of the page *outside* code cells and their
outputs (figure captions included, since they are outputs), maths (display and inline), inline
code, folded boxes (any admonition with ``:class: dropdown``: "For the careful reader", "Errata in
our source", the answers of the predict-then-check questions), exercises, solutions and the
bibliography. Headings, admonitions that stay open (learning objectives, the questions of
"Predict, then check", the theorem box), tables and lists count. The **total** is every word of
the page, code, outputs and maths included.

A *word* is a whitespace-separated token containing at least one letter or digit, so ``(2.3)``
is a word and ``=`` or ``|`` is not.

Two measurements share these rules:

* :func:`html_counts` reads a built page (``_build/html/book/<chapter>.html``): the reference,
  since it is what a reader sees. Cross-references are counted as rendered ("Exercise 2.1",
  "(2.3)", the title of the chapter a ``{doc}`` link names).
* :func:`source_counts` reads the MyST source (``book/<chapter>.md``), so that tests can hold
  every chapter to the limit without building the book. It renders roles the way the HTML does
  (``{eq}`` one word, ``{ref}``/``{numref}`` two, ``{doc}`` the target's title, ``{cite}`` one
  per key). On the chapters of this book it agrees with :func:`html_counts` on the reading path
  to within about 2 % (``--compare`` prints both); totals differ more, because sources hold no
  outputs.

Usage::

    python tools/word_counts.py                 # reading path and total of book/*.md
    python tools/word_counts.py --html          # the same, measured on _build/html
    python tools/word_counts.py --compare       # both, side by side
    python tools/word_counts.py book/reinforce.md book/cartpole.md
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BOOK = ROOT / "book"
HTML = ROOT / "_build" / "html" / "book"

#: The limit of CONTRIBUTING.md for one chapter's reading path.
CHAPTER_LIMIT = 2000

_WORD = re.compile(r"[^\W_]")  # a letter or a digit (any script)


def count_words(text: str) -> int:
    """Whitespace-separated tokens that contain at least one letter or digit."""
    return sum(1 for token in text.split() if _WORD.search(token))


@dataclass(frozen=True)
class Counts:
    """Words of one chapter: its reading path, and the whole page."""

    reading_path: int
    total: int


# --------------------------------------------------------------------------- built HTML

#: CSS selectors of what the reading path leaves out of a built page.
HTML_EXCLUDED = (
    "div.cell",          # code cells: input and outputs (figures and their captions)
    "div.math",          # display maths
    "span.math",         # inline maths
    "code", "pre",       # inline code and literal blocks
    "div.dropdown",      # folded admonitions (careful reader, errata, answers)
    "details",           # folded blocks of any other kind
    "div.exercise",
    "div.solution",
    "div.bibliography", "div.citation-list", "dl.citation",
)


def html_counts(html: str) -> Counts:
    """Reading-path and total words of one built page (the ``article`` of the page)."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(html, "html.parser")
    article = soup.find("article") or soup.body or soup
    for anchor in article.select("a.headerlink"):  # the "#" after every heading
        anchor.decompose()
    total = count_words(article.get_text(" "))
    for selector in HTML_EXCLUDED:
        for element in article.select(selector):
            element.decompose()
    return Counts(count_words(article.get_text(" ")), total)


# --------------------------------------------------------------------------- MyST sources

_FENCE = re.compile(r"^(?P<indent>\s*)(?P<fence>`{3,}|:{3,})\s*(?P<info>.*)$")
_DIRECTIVE = re.compile(r"^\{(?P<name>[\w-]+)\}\s*(?P<argument>.*)$")
_OPTION = re.compile(r"^\s*:(?P<key>[\w-]+):\s*(?P<value>.*)$")
#: Directives whose content never enters the reading path.
_DROPPED = frozenset({"code-cell", "math", "exercise", "solution", "exercise-start",
                      "solution-start", "bibliography", "dropdown", "toggle"})
_ROLE = re.compile(r"\{(?P<role>[\w:-]+)\}`(?P<body>[^`]*)`")
_EXPLICIT = re.compile(r"^(?P<text>.*?)\s*<(?P<target>[^<>]+)>$", re.S)
_INLINE_MATH = re.compile(r"(?<![\\$])\$(?!\$)(?:[^$\\]|\\.)+?\$", re.S)
_INLINE_CODE = re.compile(r"(`+)(?:(?!\1).)+?\1", re.S)
_LINK = re.compile(r"!?\[(?P<text>[^\]]*)\]\([^)]*\)")
_TARGET = re.compile(r"^\s*\([\w:-]+\)=\s*$")


def _render_role(role: str, body: str, titles: Mapping[str, str]) -> str:
    """The words a role shows in the built page."""
    explicit = _EXPLICIT.match(body)
    if explicit and role in ("doc", "ref", "numref"):
        return explicit["text"]
    if role == "eq":
        return "(0.0)"
    if role == "doc":
        return titles.get(Path(body).name, body)
    if role in ("ref", "numref"):
        return "Exercise 0.0" if body.startswith("ex-") or role == "ref" else "Fig. 0.0"
    if role == "cite" or role.startswith("cite:"):
        return " ".join("[key]" for _ in body.split(","))
    return body


def _strip_inline(text: str, titles: Mapping[str, str]) -> str:
    """Prose as the reader sees it: roles rendered, inline code and maths removed.

    Works on whole paragraphs, since inline maths may run over a line break.
    """
    text = re.sub(r"<!--.*?-->", " ", text, flags=re.S)
    text = _ROLE.sub(lambda m: _render_role(m["role"], m["body"], titles), text)
    text = _INLINE_CODE.sub(" ", text)
    text = _INLINE_MATH.sub(" ", text)
    return _LINK.sub(lambda m: m["text"], text)


def _split_front_matter(text: str) -> str:
    if text.startswith("---\n"):
        end = text.find("\n---", 4)
        if end >= 0:
            return text[text.index("\n", end + 1) + 1:] if "\n" in text[end + 1:] else ""
    return text


def _block_end(lines: list[str], start: int, fence: str) -> int:
    """Index of the line closing the fenced block opened at START (len(lines) if none)."""
    char, width = fence[0], len(fence)
    for index in range(start + 1, len(lines)):
        stripped = lines[index].strip()
        if stripped and set(stripped) == {char} and len(stripped) >= width:
            return index
    return len(lines)


def _reading_lines(lines: list[str], titles: Mapping[str, str]) -> list[str]:
    """The lines of the reading path, with nested blocks handled recursively."""
    kept: list[str] = []
    index = 0
    while index < len(lines):
        line = lines[index]
        fence = _FENCE.match(line)
        if fence:
            end = _block_end(lines, index, fence["fence"])
            body = lines[index + 1:end]
            directive = _DIRECTIVE.match(fence["info"].strip())
            options = {}
            while body and _OPTION.match(body[0]):
                option = _OPTION.match(body[0])
                options[option["key"]] = option["value"]
                body = body[1:]
            if body and body[0].startswith("---"):  # a YAML block of options
                close = next((i for i in range(1, len(body)) if body[i].startswith("---")), 0)
                body = body[close + 1:]
            folded = "dropdown" in options.get("class", "").split()
            if directive and directive["name"] not in _DROPPED and not folded:
                name, argument = directive["name"], directive["argument"]
                if name == "admonition":
                    kept.append(argument)
                elif name in ("note", "warning", "tip", "hint", "important", "caution",
                              "attention", "danger", "error", "seealso"):
                    kept.append(name)
                kept.extend(_reading_lines(body, titles))
            index = end + 1
            continue
        stripped = line.strip()
        if stripped.startswith("$$"):  # display maths, possibly over several lines
            end = index
            rest = stripped[2:]
            while "$$" not in rest and end + 1 < len(lines):
                end += 1
                rest = lines[end]
            index = end + 1
            continue
        if _TARGET.match(line):
            index += 1
            continue
        kept.append(line)
        index += 1
    return kept


def document_titles(book: Path = BOOK) -> dict[str, str]:
    """Document name -> its ``# Title``, to render ``{doc}`` links as the build does."""
    titles = {}
    for path in sorted(book.glob("*.md")):
        match = re.search(r"^# (.+)$", path.read_text(), re.M)
        if match:
            titles[path.stem] = match[1].strip()
    return titles


def numbered_documents(toc: Path = ROOT / "_toc.yml") -> set[str]:
    """Names of the documents whose headings the build numbers (parts with ``numbered``)."""
    import yaml

    config = yaml.safe_load(toc.read_text())
    return {Path(chapter["file"]).name for part in config.get("parts", [])
            if part.get("numbered") for chapter in part.get("chapters", [])}


def source_counts(text: str, titles: Mapping[str, str] | None = None, *,
                  numbered: bool = False) -> Counts:
    """Reading-path and total words of one MyST chapter source.

    ``titles`` maps document names to titles (:func:`document_titles`), to render ``{doc}``
    links; ``numbered`` says whether the build numbers this chapter's headings (_toc.yml).
    """
    text = _split_front_matter(text)
    lines = _reading_lines(text.splitlines(), titles or {})
    prose = _strip_inline("\n".join(lines), titles or {})
    if numbered:  # the build puts a section number ("6.2.") before every heading
        prose += " 0." * sum(1 for line in lines if re.match(r"^#{1,6} ", line))
    return Counts(count_words(prose), count_words(text))


# --------------------------------------------------------------------------- command line


def _table(rows: Mapping[str, Counts | tuple[Counts, Counts]], compare: bool) -> str:
    if compare:
        lines = [f"{'chapter':20s} {'reading path (source / html)':>30s}"
                 f" {'total (source / html)':>24s}"]
        for name, (src, html) in rows.items():
            lines.append(f"{name:20s} {src.reading_path:>14,} / {html.reading_path:>6,}"
                         f"     {src.total:>10,} / {html.total:>6,}")
        return "\n".join(lines)
    lines = [f"{'chapter':20s} {'reading path':>12s} {'total':>8s}"]
    for name, counts in rows.items():
        flag = "  > limit" if counts.reading_path > CHAPTER_LIMIT and name not in (
            "intro", "instructor_guide") else ""
        lines.append(f"{name:20s} {counts.reading_path:>12,} {counts.total:>8,}{flag}")
    reading = sum(c.reading_path for c in rows.values())
    total = sum(c.total for c in rows.values())
    lines.append(f"{'whole book':20s} {reading:>12,} {total:>8,}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("chapters", nargs="*", type=Path, help="book/<chapter>.md (default all)")
    parser.add_argument("--html", nargs="?", const=HTML, type=Path, default=None,
                        help="measure the built pages in this directory (default _build/html/book)")
    parser.add_argument("--compare", action="store_true", help="source and HTML side by side")
    args = parser.parse_args(argv)
    sources = args.chapters or sorted(BOOK.glob("*.md"))
    titles, numbered = document_titles(), numbered_documents()
    html_dir = args.html or HTML

    def from_html(stem: str) -> Counts:
        page = html_dir / f"{stem}.html"
        if not page.exists():
            raise SystemExit(f"{page} is missing: build the book first (make book)")
        return html_counts(page.read_text())

    measure: Callable[[Path], Counts] = (
        (lambda p: from_html(p.stem)) if args.html else
        (lambda p: source_counts(p.read_text(), titles, numbered=p.stem in numbered)))
    if args.compare:
        rows = {p.stem: (source_counts(p.read_text(), titles, numbered=p.stem in numbered),
                         from_html(p.stem)) for p in sources}
    else:
        rows = {p.stem: measure(p) for p in sources}
    print(_table(rows, args.compare))
    return 0


if __name__ == "__main__":
    sys.exit(main())
