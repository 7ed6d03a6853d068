"""Every chapter follows the template of CONTRIBUTING.md ("The chapter template").

Checked on the MyST source of every ``book/*.md`` except the introduction and the instructor
guide, so chapters added later are held to it too:

* the title, then the hidden install cell;
* the objectives in one ``Learning objectives`` admonition (class ``tip``) before the first
  section, starting "After this chapter you can";
* two or three "Predict, then check" admonitions (class ``hint``), each followed by a code cell
  and then by a folded ``Answer`` (class ``dropdown``) before the next question;
* "For the careful reader" and "Errata in our source" boxes folded; the source blog cited only
  inside folded boxes;
* an optional section says so at the end of its heading: ``## Heading (optional)``;
* ``## Exercises``, in which every exercise has a label ``ex-<chapter>-<k>``, begins with its type
  (``**Pen and paper.**``, ``**Implementation.**`` or ``**Conceptual.**``) and is followed by its
  folded solution; then ``## Summary``;
* a reading path of at most 2,000 words (tools/word_counts.py), and under 24,000 for the book.

:func:`template_problems` returns the broken rules of one chapter; the last tests feed it broken
chapters to show that each rule can fail.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BOOK = ROOT / "book"
sys.path.insert(0, str(ROOT / "tools"))
import word_counts  # noqa: E402

NOT_CHAPTERS = {"intro", "instructor_guide"}
CHAPTERS = sorted(p for p in BOOK.glob("*.md") if p.stem not in NOT_CHAPTERS)
EXERCISE_TAGS = ("**Pen and paper.**", "**Implementation.**", "**Conceptual.**")
BOOK_LIMIT = 24_000

_FENCE = re.compile(r"^\s*(?P<fence>`{3,}|:{3,})\s*\{(?P<name>[\w-]+)\}\s*(?P<argument>.*)$")
_OPTION = re.compile(r"^\s*:(?P<key>[\w-]+):\s*(?P<value>.*)$")


@dataclass
class Directive:
    """One fenced MyST directive: its name, argument, options, body and position."""

    name: str
    argument: str
    start: int                      # line index of the opening fence
    end: int                        # line index of the closing fence
    options: dict[str, str] = field(default_factory=dict)
    body: list[str] = field(default_factory=list)

    @property
    def classes(self) -> list[str]:
        return self.options.get("class", "").split()


def directives(lines: list[str], offset: int = 0) -> list[Directive]:
    """Every fenced directive, nested ones included, sorted by their opening lines.

    ``offset`` is the index in the whole file of ``lines[0]`` (for nested bodies).
    """
    found: list[Directive] = []
    index = 0
    while index < len(lines):
        match = _FENCE.match(lines[index])
        if not match:
            index += 1
            continue
        fence = match["fence"]
        end = next((i for i in range(index + 1, len(lines))
                    if set(lines[i].strip()) == {fence[0]}
                    and len(lines[i].strip()) >= len(fence)), len(lines))
        directive = Directive(match["name"], match["argument"].strip(), offset + index,
                              offset + end)
        body_start = index + 1
        while body_start < end and _OPTION.match(lines[body_start]):
            option = _OPTION.match(lines[body_start])
            directive.options[option["key"]] = option["value"].strip()
            body_start += 1
        directive.body = lines[body_start:end]
        found.append(directive)
        if directive.name != "code-cell":  # a code cell holds code, not directives
            found.extend(directives(directive.body, offset + body_start))
        index = end + 1
    return sorted(found, key=lambda d: d.start)


def headings(lines: list[str]) -> list[tuple[int, int, str]]:
    """(line index, level, text) of every Markdown heading outside fenced blocks."""
    inside: str | None = None
    found = []
    for index, line in enumerate(lines):
        stripped = line.strip()
        fence = re.match(r"^(`{3,}|:{3,})", stripped)
        if fence:
            if inside is None:
                inside = fence[1]
            elif stripped == inside[0] * len(stripped) and len(stripped) >= len(inside):
                inside = None
            continue
        if inside is None and (heading := re.match(r"^(#{1,6}) (.+)$", line)):
            found.append((index, len(heading[1]), heading[2].strip()))
    return found


def _first_text(body: list[str]) -> str:
    return next((line.strip() for line in body if line.strip()), "")


@dataclass
class Chapter:
    """A chapter source cut into what the rules look at."""

    text: str
    lines: list[str]
    blocks: list[Directive]
    titles: list[tuple[int, int, str]]

    @classmethod
    def parse(cls, text: str) -> Chapter:
        lines = text.splitlines()
        return cls(text, lines, directives(lines), headings(lines))

    @property
    def sections(self) -> list[tuple[int, str]]:
        return [(i, t) for i, level, t in self.titles if level == 2]

    @property
    def cells(self) -> list[Directive]:
        return [d for d in self.blocks if d.name == "code-cell"]

    @property
    def boxes(self) -> list[Directive]:
        return [d for d in self.blocks if d.name == "admonition"]

    def line_of(self, name: str) -> int:
        """The line of the section NAME (the end of the file if there is none)."""
        return next((i for i, t in self.sections if t == name), len(self.lines))


def _opening(ch: Chapter) -> list[str]:
    """1. The title, then the hidden install cell."""
    problems = []
    if not ch.titles or ch.titles[0][1] != 1:
        problems.append("the chapter does not start with a '# Title'")
    first = ch.cells[0] if ch.cells else None
    first_section = ch.sections[0][0] if ch.sections else len(ch.lines)
    if (first is None or "remove-input" not in first.options.get("tags", "")
            or "pgtheory" not in "\n".join(first.body)
            or (ch.titles and not ch.titles[0][0] < first.start < first_section)):
        problems.append("the hidden install cell (tags: [remove-input]) does not follow the title")
    return problems


def _objectives(ch: Chapter) -> list[str]:
    """2. One 'Learning objectives' admonition before the first section."""
    found = [d for d in ch.boxes if d.argument == "Learning objectives"]
    problems = []
    if len(found) != 1:
        problems.append(f"{len(found)} 'Learning objectives' admonitions; expected one")
    else:
        box = found[0]
        if box.classes != ["tip"]:
            problems.append("the 'Learning objectives' admonition must have :class: tip")
        if _first_text(box.body) != "After this chapter you can":
            problems.append("the objectives must start with 'After this chapter you can'")
        if sum(1 for line in box.body if line.lstrip().startswith("- ")) < 2:
            problems.append("the objectives need at least two bullet points")
        if ch.sections and box.start > ch.sections[0][0]:
            problems.append("the objectives must come before the first section")
    if re.search(r"^(#+ |\*\*)Learning objectives", ch.text, re.M):
        problems.append("objectives given as a heading or bold paragraph, not the admonition")
    return problems


def _questions(ch: Chapter) -> list[str]:
    """3. Two or three questions, each with a code cell and then its folded answer."""
    predicts = [d for d in ch.boxes if d.argument == "Predict, then check"]
    answers = [d for d in ch.boxes if d.argument == "Answer"]
    problems = []
    if not 2 <= len(predicts) <= 3:
        problems.append(f"{len(predicts)} 'Predict, then check' questions; expected two or three")
    problems += [f"line {b.start + 1}: 'Predict, then check' needs :class: hint"
                 for b in predicts if b.classes != ["hint"]]
    problems += [f"line {b.start + 1}: an 'Answer' must be folded (:class: dropdown)"
                 for b in answers if "dropdown" not in b.classes]
    for k, box in enumerate(predicts):
        limit = predicts[k + 1].start if k + 1 < len(predicts) else len(ch.lines)
        answer = next((a for a in answers if box.end < a.start < limit), None)
        if answer is None:
            problems.append(f"line {box.start + 1}: no 'Answer' after this question")
        elif not any(box.end < c.start < answer.start for c in ch.cells):
            problems.append(f"line {box.start + 1}: no code cell between question and answer")
    if len(answers) != len(predicts):
        problems.append(f"{len(answers)} answers for {len(predicts)} questions")
    return problems


def _folded_and_optional(ch: Chapter) -> list[str]:
    """4. Careful-reader and errata boxes folded, the blog only inside them; 5. '(optional)'."""
    problems = [f"line {b.start + 1}: '{b.argument}' must be folded" for b in ch.boxes
                if b.argument.startswith(("For the careful reader", "Errata in our source"))
                and "dropdown" not in b.classes]
    folded = [(d.start, d.end) for d in ch.boxes if "dropdown" in d.classes]
    problems += [f"line {i + 1}: the source blog is discussed outside a folded box"
                 for i, line in enumerate(ch.lines)
                 if "schaeffer_blog" in line and not any(a < i < b for a, b in folded)]
    problems += [f"line {i + 1}: an optional section ends its heading with '(optional)'"
                 for i, _level, heading in ch.titles
                 if "optional" in heading.lower() and not heading.endswith("(optional)")]
    return problems


def _exercises(ch: Chapter) -> list[str]:
    """6. '## Exercises' with tagged, labelled, solved exercises; then '## Summary'."""
    names = [t for _, t in ch.sections]
    problems = []
    if "Exercises" not in names:
        problems.append("no '## Exercises' section")
    if "Summary" not in names:
        problems.append("no '## Summary' section")
    elif "Exercises" in names and names.index("Summary") < names.index("Exercises"):
        problems.append("'## Summary' must follow '## Exercises'")
    first, last = ch.line_of("Exercises"), ch.line_of("Summary")
    exercises = [d for d in ch.blocks if d.name == "exercise"]
    solutions = {d.argument: d for d in ch.blocks if d.name == "solution"}
    labels = [d.options.get("label", "") for d in exercises]
    if len(set(labels)) != len(labels):
        problems.append("two exercises share a label")
    for box, label in zip(exercises, labels, strict=True):
        where = f"exercise {label or '(no label)'}"
        if not re.fullmatch(r"ex-[a-z][a-z_-]*-\d+", label):
            problems.append(f"{where}: label must be ex-<chapter>-<k>")
        if not first < box.start < last:
            problems.append(f"{where}: exercises belong between '## Exercises' and '## Summary'")
        if not _first_text(box.body).startswith(EXERCISE_TAGS):
            problems.append(f"{where}: must begin with one of {', '.join(EXERCISE_TAGS)}")
        solution = solutions.get(label)
        if solution is None:
            problems.append(f"{where}: no solution")
        elif "dropdown" not in solution.classes or solution.start < box.end:
            problems.append(f"{where}: its solution must follow it, folded (:class: dropdown)")
    return problems


def template_problems(text: str) -> list[str]:
    """The rules of the chapter template that TEXT (a MyST chapter source) breaks."""
    chapter = Chapter.parse(text)
    return [problem for rule in (_opening, _objectives, _questions, _folded_and_optional,
                                 _exercises) for problem in rule(chapter)]


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_chapter_follows_the_template(path: Path) -> None:
    assert template_problems(path.read_text()) == []


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_reading_path_is_at_most_2000_words(path: Path) -> None:
    counts = word_counts.source_counts(path.read_text(), word_counts.document_titles(),
                                       numbered=path.stem in word_counts.numbered_documents())
    assert counts.reading_path <= word_counts.CHAPTER_LIMIT, (
        f"{path.name}: reading path {counts.reading_path} words; fold test notes and asides "
        "into 'For the careful reader' boxes (CONTRIBUTING.md)")


def test_the_book_reading_path_stays_under_24000_words() -> None:
    titles, numbered = word_counts.document_titles(), word_counts.numbered_documents()
    total = sum(word_counts.source_counts(p.read_text(), titles, numbered=p.stem in numbered)
                .reading_path for p in BOOK.glob("*.md"))
    assert total < BOOK_LIMIT


def test_chapters_are_found() -> None:
    assert {"objective", "theorem", "reward_to_go", "baselines"} <= {p.stem for p in CHAPTERS}


# ----------------------------------------------------------------- the checker can fail

GOOD = """\
# A chapter

```{code-cell} ipython3
:tags: [remove-input]

import pgtheory
```

```{admonition} Learning objectives
:class: tip

After this chapter you can

- do one thing;
- do another.
```

## A section

```{admonition} Predict, then check
:class: hint

Which way?
```

```{code-cell} ipython3
print(1)
```

```{admonition} Answer
:class: dropdown

This way.
```

```{admonition} Predict, then check
:class: hint

How far?
```

```{code-cell} ipython3
print(2)
```

```{admonition} Answer
:class: dropdown

That far.
```

```{admonition} For the careful reader: a note
:class: dropdown

The blog {cite}`schaeffer_blog` says so.
```

## More (optional)

## Exercises

:::{exercise}
:label: ex-a-1

**Pen and paper.** Prove it.
:::

:::{solution} ex-a-1
:class: dropdown

Done.
:::

## Summary

- Done.
"""


def test_a_good_chapter_passes() -> None:
    assert template_problems(GOOD) == []


@pytest.mark.parametrize(("change", "message"), [
    (("**Pen and paper.** Prove it.", "Prove it."), "must begin with one of"),
    (("Learning objectives\n:class: tip", "Learning objectives\n:class: note"), ":class: tip"),
    (("```{admonition} Answer\n:class: dropdown\n\nThat far.\n```\n", ""), "no 'Answer'"),
    (("careful reader: a note\n:class: dropdown", "careful reader: a note\n:class: note"),
     "must be folded"),
    (("## More (optional)", "## More, optional"), "'(optional)'"),
    ((":::{solution} ex-a-1\n:class: dropdown", ":::{solution} ex-a-1\n:class: note"),
     "folded (:class: dropdown)"),
    (("## Summary\n\n- Done.\n", ""), "no '## Summary' section"),
    ((":label: ex-a-1", ":label: exercise1"), "ex-<chapter>-<k>"),
    (("```{code-cell} ipython3\nprint(2)\n```\n\n", ""), "no code cell between"),
])
def test_the_checker_finds_a_broken_rule(change: tuple[str, str], message: str) -> None:
    old, new = change
    assert old in GOOD
    problems = template_problems(GOOD.replace(old, new))
    assert any(message in p for p in problems), problems


def test_the_checker_wants_two_or_three_questions_and_the_objectives_box() -> None:
    one_question = GOOD.split("```{admonition} Predict, then check\n:class: hint\n\nHow far?")[0]
    one_question += "## Exercises\n\n## Summary\n"
    problems = template_problems(one_question)
    assert any("expected two or three" in p for p in problems)
    bold = GOOD.replace("```{admonition} Learning objectives\n:class: tip\n",
                        "**Learning objectives.**\n```{admonition} Other\n:class: tip\n")
    assert any("expected one" in p for p in template_problems(bold))


def test_the_source_blog_outside_a_folded_box_is_reported() -> None:
    text = GOOD.replace("## More (optional)", "## More (optional)\n\nAs {cite}`schaeffer_blog`.")
    assert any("outside a folded box" in p for p in template_problems(text))
