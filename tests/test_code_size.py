"""Size limits of CONTRIBUTING.md on all of pgtheory/: modules and functions a reader can hold.

No module over ``MAX_MODULE_LINES`` = 500 lines; no function (or method) over
``MAX_FUNCTION_LINES`` = 60 lines of code, its docstring, blank lines and comment-only lines not
counted. ``python tools/code_size.py`` prints the longest of each.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

from code_size import (  # tools/, put on sys.path by conftest.py
    MAX_FUNCTION_LINES,
    MAX_MODULE_LINES,
    function_sizes,
    module_size,
    package_sizes,
)

ROOT = Path(__file__).resolve().parents[1]
MODULES, FUNCTIONS = package_sizes(ROOT / "pgtheory")


def test_the_counter_skips_docstrings_blank_lines_and_comments(tmp_path: Path) -> None:
    path = tmp_path / "example.py"
    path.write_text(textwrap.dedent('''\
        """Module docstring."""


        @decorator
        def outer(a,
                  b):
            """Docstring,
            two lines."""
            # a comment

            x = """a string
            that is code"""
            def inner():
                return 1  # trailing comment
            return x


        class C:
            def method(self):
                pass
        '''))
    sizes = {s.name: s.lines for s in function_sizes(path)}
    # outer: decorator, 2 signature lines, 2 string lines, def inner, return 1, return x
    assert sizes == {"outer": 8, "outer.inner": 2, "C.method": 2}
    assert module_size(path).lines == 20


def test_the_package_was_measured() -> None:
    names = {f.name for f in FUNCTIONS}
    assert {"gradient_samples", "reinforce", "TabularMDP.__post_init__"} <= names
    assert len(MODULES) > 20


def test_no_module_is_over_the_limit() -> None:
    over = [f"{m.where(ROOT)}: {m.lines} lines" for m in MODULES if m.lines > MAX_MODULE_LINES]
    assert over == [], (f"modules over {MAX_MODULE_LINES} lines (split by idea):\n"
                        + "\n".join(over))


def test_no_function_is_over_the_limit() -> None:
    over = [f"{f.where(ROOT)}: {f.lines} lines of code" for f in FUNCTIONS
            if f.lines > MAX_FUNCTION_LINES]
    assert over == [], (f"functions over {MAX_FUNCTION_LINES} lines of code:\n"
                        + "\n".join(over))
