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


def template_problems(text: str, name: str = "chapter") -> list[str]:
    """The rules of the chapter template that TEXT (a MyST chapter source) breaks."""
    problems: list[str] = []
    lines = text.splitlines()
    blocks = directives(lines)
    titles = headings(lines)
    sections = [(i, t) for i, level, t in titles if level == 2]

    # 1. Title, then the hidden install cell.
    if not titles or titles[0][1] != 1:
        problems.append("the chapter does not start with a '# Title'")
    cells = [d for d in blocks if d.name == "code-cell"]
    first_cell = cells[0] if cells else None
    first_section = sections[0][0] if sections else len(lines)
    if (first_cell is None or "remove-input" not in first_cell.options.get("tags", "")
            or "pgtheory" not in "\n".join(first_cell.body)
            or (titles and not titles[0][0] < first_cell.start < first_section)):
        problems.append("the hidden install cell (tags: [remove-input]) does not follow the title")

    # 2. Objectives.
    objectives = [d for d in blocks
                  if d.name == "admonition" and d.argument == "Learning objectives"]
    if len(objectives) != 1:
        problems.append(f"{len(objectives)} 'Learning objectives' admonitions; expected one")
    else:
        box = objectives[0]
        if box.classes != ["tip"]:
            problems.append("the 'Learning objectives' admonition must have :class: tip")
        if _first_text(box.body) != "After this chapter you can":
            problems.append("the objectives must start with 'After this chapter you can'")
        if sum(1 for line in box.body if line.lstrip().startswith("- ")) < 2:
            problems.append("the objectives need at least two bullet points")
        if sections and box.start > sections[0][0]:
            problems.append("the objectives must come before the first section")
    if re.search(r"^(#+ |\*\*)Learning objectives", text, re.M):
        problems.append("objectives given as a heading or bold paragraph, not the admonition")

    # 3. Predict, then check.
    boxes = [d for d in blocks if d.name == "admonition"]
    predicts = [d for d in boxes if d.argument == "Predict, then check"]
    answers = [d for d in boxes if d.argument == "Answer"]
    if not 2 <= len(predicts) <= 3:
        problems.append(f"{len(predicts)} 'Predict, then check' questions; expected two or three")
    for box in predicts:
        if box.classes != ["hint"]:
            problems.append(f"line {box.start + 1}: 'Predict, then check' needs :class: hint")
    for box in answers:
        if "dropdown" not in box.classes:
            problems.append(f"line {box.start + 1}: an 'Answer' must be folded (:class: dropdown)")
    for k, box in enumerate(predicts):
        limit = predicts[k + 1].start if k + 1 < len(predicts) else len(lines)
        answer = next((a for a in answers if box.end < a.start < limit), None)
        if answer is None:
            problems.append(f"line {box.start + 1}: no 'Answer' after this question")
        elif not any(box.end < c.start < answer.start for c in cells):
            problems.append(f"line {box.start + 1}: no code cell between question and answer")
    if len(answers) != len(predicts):
        problems.append(f"{len(answers)} answers for {len(predicts)} questions")

    # 4. Folded boxes; the source blog only inside them.
    for box in boxes:
        if box.argument.startswith(("For the careful reader", "Errata in our source")):
            if "dropdown" not in box.classes:
                problems.append(f"line {box.start + 1}: '{box.argument}' must be folded")
    folded = [(d.start, d.end) for d in boxes if "dropdown" in d.classes]
    for index, line in enumerate(lines):
        if "schaeffer_blog" in line and not any(a < index < b for a, b in folded):
            problems.append(f"line {index + 1}: the source blog is discussed outside a folded box")

    # 5. Optional sections.
    for index, _level, heading in titles:
        if "optional" in heading.lower() and not heading.endswith("(optional)"):
            problems.append(f"line {index + 1}: an optional section ends its heading with "
                            "'(optional)'")

    # 6. Exercises and summary.
    names = [t for _, t in sections]
    if "Exercises" not in names:
        problems.append("no '## Exercises' section")
    if "Summary" not in names:
        problems.append("no '## Summary' section")
    elif "Exercises" in names and names.index("Summary") < names.index("Exercises"):
        problems.append("'## Summary' must follow '## Exercises'")
    exercise_line = next((i for i, t in sections if t == "Exercises"), len(lines))
    summary_line = next((i for i, t in sections if t == "Summary"), len(lines))
    exercises = [d for d in blocks if d.name == "exercise"]
    solutions = {d.argument: d for d in blocks if d.name == "solution"}
    labels = [d.options.get("label", "") for d in exercises]
    if len(set(labels)) != len(labels):
        problems.append("two exercises share a label")
    for box, label in zip(exercises, labels, strict=True):
        where = f"exercise {label or '(no label)'}"
        if not re.fullmatch(r"ex-[a-z][a-z_-]*-\d+", label):
            problems.append(f"{where}: label must be ex-<chapter>-<k>")
        if not exercise_line < box.start < summary_line:
            problems.append(f"{where}: exercises belong between '## Exercises' and '## Summary'")
        if not _first_text(box.body).startswith(EXERCISE_TAGS):
            problems.append(f"{where}: must begin with one of {', '.join(EXERCISE_TAGS)}")
        solution = solutions.get(label)
        if solution is None:
            problems.append(f"{where}: no solution")
        elif "dropdown" not in solution.classes or solution.start < box.end:
            problems.append(f"{where}: its solution must follow it, folded (:class: dropdown)")
    return problems


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_chapter_follows_the_template(path: Path) -> None:
    assert template_problems(path.read_text(), path.stem) == []


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
