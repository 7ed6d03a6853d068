"""tools/word_counts.py counts the reading path by the rules of CONTRIBUTING.md.

Each test builds a tiny page whose words are counted by hand, once as a MyST source and once as
the HTML the build makes of it, so that both measurements are held to the same definition.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tools"))
import word_counts  # noqa: E402

# Reading path, by hand: "Title" (1) + "One two three, see The objective (0.0)." (7:
# the {doc} link renders as the target's two-word title, {eq} as one number) + "Open tip" (2,
# the admonition's title) + "four five" (2) + "six [key] [key]" (3: one per cited key) = 15.
# Left out: inline maths and code, the code cell, display maths, the dropdown, the exercise
# and its solution, the front matter and the (label)= target.
SOURCE = """\
---
jupytext:
  format_name: myst
---

(top)=
# Title

One $x + y$ two `code` three, see {doc}`objective` {eq}`return`.

```{code-cell} ipython3
print("not prose")
```

$$
a + b = c
$$ (label)

```{admonition} Open tip
:class: tip

four five
```

```{admonition} For the careful reader: folded
:class: dropdown

seven eight nine
```

six {cite}`williams1992,sutton2018`

:::{exercise}
:label: ex-a-1

**Pen and paper.** Ten words here.
:::

:::{solution} ex-a-1
:class: dropdown

Eleven.
:::
"""

HTML = """<html><body><nav>Navigation is not counted</nav><article class="bd-article">
<h1>Title<a class="headerlink" href="#t">#</a></h1>
<p>One <span class="math">\\(x + y\\)</span> two <code>code</code> three, see
<a><span class="doc">The objective</span></a> <a>(1.1)</a>.</p>
<div class="cell"><div class="cell_input"><pre>print("not prose")</pre></div>
<div class="cell_output"><figure><figcaption>A caption in an output</figcaption></figure>
</div></div>
<div class="math">\\[a + b = c\\]</div>
<div class="admonition tip"><p class="admonition-title">Open tip</p><p>four five</p></div>
<div class="admonition dropdown"><p>seven eight nine</p></div>
<p>six <span>[<a>Wil92</a>, <a>SB18</a>]</span></p>
<div class="exercise admonition"><p>Pen and paper. Ten words here.</p></div>
<div class="solution dropdown admonition"><p>Eleven.</p></div>
<div class="bibliography"><p>Williams. Simple statistical gradient-following.</p></div>
</article></body></html>"""


def test_count_words_needs_a_letter_or_digit() -> None:
    assert word_counts.count_words("a = b | (2.3) -- x_1 ---") == 4


def test_source_reading_path_by_hand() -> None:
    counts = word_counts.source_counts(SOURCE, {"objective": "The objective"})
    assert counts.reading_path == 15


def test_source_numbered_headings_count_their_number() -> None:
    titles = {"objective": "The objective"}
    numbered = word_counts.source_counts(SOURCE, titles, numbered=True)
    assert numbered.reading_path == 16  # "1." before the one heading


def test_source_total_counts_everything_but_the_front_matter() -> None:
    counts = word_counts.source_counts(SOURCE)
    assert counts.total > counts.reading_path
    assert counts.total == word_counts.count_words(SOURCE.split("---\n", 2)[2])


def test_html_reading_path_by_hand() -> None:
    # As in the source, but the number of the heading is absent (unnumbered page) and the
    # citation renders as two keys ("Wil92", "SB18"): 15 words.
    counts = word_counts.html_counts(HTML)
    assert counts.reading_path == 15


def test_html_total_counts_every_word_of_the_article_only() -> None:
    # Title 1, first paragraph 10 (maths "\\(x", "y\\)" included), code 2, caption 5,
    # display maths 3, tip 4, dropdown 3, citation 3, exercise 6, solution 1, bibliography 4.
    # The navigation outside the article and the heading's "#" anchor are not counted.
    assert word_counts.html_counts(HTML).total == 42


def test_an_open_admonition_counts_and_a_dropdown_does_not() -> None:
    open_box = "```{admonition} Predict, then check\n:class: hint\n\nWhich way?\n```\n"
    folded = "```{admonition} Answer\n:class: dropdown\n\nThis way.\n```\n"
    assert word_counts.source_counts(open_box).reading_path == 5
    assert word_counts.source_counts(folded).reading_path == 0


@pytest.mark.parametrize("text", ["$$ x = 1 $$\n", "$$\nx = 1\n$$ (lab)\n",
                                  "```python\nx = 1\n```\n"])
def test_display_maths_and_code_blocks_are_left_out(text: str) -> None:
    assert word_counts.source_counts(text).reading_path == 0


def test_every_chapter_source_is_measured() -> None:
    titles = word_counts.document_titles()
    assert "theorem" in titles and titles["theorem"].startswith("The policy gradient")
    for path in sorted(word_counts.BOOK.glob("*.md")):
        counts = word_counts.source_counts(path.read_text(), titles)
        assert 0 < counts.reading_path < counts.total, path.name
