"""Every equation label and document that the code cites exists in the book; no chapter numbers.

The package cites the book by equation label and document, ``eq. `reward-to-go`
(book/reward_to_go)``, never by chapter number, which changes whenever chapters move
(CONTRIBUTING.md). This test reads every string and comment of ``pgtheory/`` (docstrings, the
checks' message tables, comments) and the code of the cells the chapters mark for the graded
assignments (answers and tests, tools/build_assignments.py), and
fails when

* a cited label (``eq. `label```, ``eq. ``label````, ``eq. (label)``, ``eq. label``,
  ``eqs. a and b``, ``{eq}`label```) is not defined in any ``book/*.md``: defined means a
  display equation ``$$ ... $$ (label)`` or a target ``(label)=``;
* a label is cited together with a document (``eq. `x` (book/y)``, ``eq. `x`, book/y``,
  ``eq. `x` in book/y``) but defined in another document;
* a cited document ``book/<name>`` is not a chapter listed in ``_toc.yml``;
* a chapter is cited by number (``chapter 3``, ``chapters 5 and 7``).
"""

from __future__ import annotations

import io
import re
import tokenize
from pathlib import Path

import jupytext
import yaml

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "pgtheory"

LABEL = r"[a-z][a-z0-9]*(?:-[a-z0-9]+)*"
QUOTED = rf"(?:``|`|\(|'|\")?({LABEL})(?:``|`|\)|'|\")?"
#: ``eq. `a```, ``eq. (a)``, ``eq. a``: one label.
SINGLE = re.compile(rf"\b[Ee]q\.\s+{QUOTED}")
#: ``eqs. a, b and c``: the list after "eqs.".
MULTIPLE = re.compile(
    rf"\b[Ee]qs\.\s+((?:``|`|\()?{LABEL}(?:``|`|\))?"
    rf"(?:(?:,\s*|\s+and\s+|,\s+and\s+)(?:``|`|\()?{LABEL}(?:``|`|\))?)*)"
)
ROLE = re.compile(rf"\{{eq\}}`({LABEL})`")
#: A document right after a citation: " (book/x", ", book/x", " in book/x", " of book/x".
PAIRED_DOCUMENT = re.compile(r"^\s*(?:\(|,\s*|\s+in\s+|\s+of\s+)(?:``)?book/(\w+)")
DOCUMENT = re.compile(r"\bbook/(\w+)")
CHAPTER_NUMBER = re.compile(r"\bchapters?\s+\d", re.IGNORECASE)


def book_labels() -> dict[str, str]:
    """Equation label or target -> the document ``book/<name>`` that defines it."""
    labels: dict[str, str] = {}
    for path in sorted((ROOT / "book").glob("*.md")):
        text = path.read_text(encoding="utf-8")
        found = re.findall(rf"\$\$\s*\(({LABEL})\)", text)
        found += re.findall(rf"^\(({LABEL})\)=\s*$", text, flags=re.MULTILINE)
        for label in found:
            labels[label] = f"book/{path.stem}"
    return labels


def toc_documents() -> set[str]:
    """Every ``file:`` (and the root) of ``_toc.yml`` whose ``.md`` exists."""
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8"))
    found: set[str] = set()

    def walk(node: object) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key in ("root", "file") and isinstance(value, str):
                    found.add(value.removesuffix(".md"))
                else:
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(toc)
    return {doc for doc in found if (ROOT / f"{doc}.md").exists()}


def package_texts() -> list[tuple[str, int, str]]:
    """(path, first line, text) of every string literal and comment below ``pgtheory/``."""
    texts = []
    for path in sorted(PACKAGE.rglob("*.py")):
        source = path.read_text(encoding="utf-8")
        where = str(path.relative_to(ROOT))
        for token in tokenize.generate_tokens(io.StringIO(source).readline):
            if token.type in (tokenize.STRING, tokenize.COMMENT) or token.type == getattr(
                tokenize, "FSTRING_MIDDLE", -1
            ):
                texts.append((where, token.start[0], token.string))
    return texts


def assignment_texts() -> list[tuple[str, int, str]]:
    """(``book/<chapter>.md assignment cell k``, 1, code) of every cell marked for grading."""
    texts = []
    for path in sorted((ROOT / "book").glob("*.md")):
        cells = [c for c in jupytext.read(path).cells if "assignment" in c.metadata]
        texts += [(f"book/{path.name} assignment cell {k}", 1, c.source)
                  for k, c in enumerate(cells)]
    return texts


def citations(text: str) -> list[tuple[int, str, str | None]]:
    """(offset, label, document cited with it or None) of every equation citation in ``text``."""
    found = []
    for match in SINGLE.finditer(text):
        paired = PAIRED_DOCUMENT.match(text[match.end():])
        found.append((match.start(), match.group(1),
                      f"book/{paired.group(1)}" if paired else None))
    for match in MULTIPLE.finditer(text):
        paired = PAIRED_DOCUMENT.match(text[match.end():])
        for label in re.findall(LABEL, re.sub(r"\band\b", " ", match.group(1))):
            found.append((match.start(), label, f"book/{paired.group(1)}" if paired else None))
    found += [(match.start(), match.group(1), None) for match in ROLE.finditer(text)]
    return sorted(found, key=lambda c: c[0])


def at(where: str, line: int, text: str, offset: int) -> str:
    """``path:line`` of the character at ``offset`` of a text that starts on ``line``."""
    return f"{where}:{line + text[:offset].count(chr(10))}"


TEXTS = package_texts() + assignment_texts()


def test_the_book_has_labels_and_documents() -> None:
    # Guards the parsers: an empty set would make every other test pass vacuously.
    labels, documents = book_labels(), toc_documents()
    assert {"pg-theorem", "softmax-score", "mc-estimate"} <= set(labels)
    assert {"book/theorem", "book/factorization", "book/monte_carlo"} <= documents


def test_the_parsers_find_what_they_should() -> None:
    text = ("Implements eq. `reward-to-go` (book/reward_to_go), eq. ``reparam`` in "
            "book/likelihood_ratio, eqs. baseline and optimal-baseline (book/baselines), "
            "eq. (mc-estimate), {eq}`pg-theorem` and eq. softmax-score")
    assert [c[1:] for c in citations(text)] == [
        ("reward-to-go", "book/reward_to_go"), ("reparam", "book/likelihood_ratio"),
        ("baseline", "book/baselines"), ("optimal-baseline", "book/baselines"),
        ("mc-estimate", None), ("pg-theorem", None), ("softmax-score", None),
    ]
    assert CHAPTER_NUMBER.search("see chapters 5 and 7") and CHAPTER_NUMBER.search("Chapter 8 (")
    assert not CHAPTER_NUMBER.search("the chapter book/cartpole")


def test_every_cited_label_exists_in_the_book() -> None:
    labels = book_labels()
    unknown = [f"{at(where, line, text, offset)}: eq. {label}" for where, line, text in TEXTS
               for offset, label, _ in citations(text) if label not in labels]
    assert unknown == [], "labels defined in no book/*.md:\n" + "\n".join(unknown)


def test_every_label_cited_with_a_document_is_defined_there() -> None:
    labels = book_labels()
    wrong = [f"{at(where, line, text, offset)}: eq. {label} cited in {document}, defined in "
             f"{labels[label]}" for where, line, text in TEXTS
             for offset, label, document in citations(text)
             if document is not None and label in labels and labels[label] != document]
    assert wrong == [], "\n".join(wrong)


def test_every_cited_document_is_a_chapter_in_the_toc() -> None:
    documents = toc_documents()
    unknown = [f"{at(where, line, text, match.start())}: {match.group(0)}"
               for where, line, text in TEXTS for match in DOCUMENT.finditer(text)
               if match.group(0) not in documents]
    assert unknown == [], "documents not listed in _toc.yml:\n" + "\n".join(unknown)


def test_no_chapter_is_cited_by_number() -> None:
    numbered = []
    for where, line, text in TEXTS:
        for match in CHAPTER_NUMBER.finditer(text):
            row = text[: match.start()].count("\n")
            numbered.append(f"{at(where, line, text, match.start())}: "
                            f"{text.splitlines()[row].strip()}")
    assert numbered == [], ("chapters cited by number; cite the document (book/reinforce) "
                            "instead:\n" + "\n".join(numbered))
