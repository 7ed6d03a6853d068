"""The longest modules and functions of a package, by lines of code.

The size limits of CONTRIBUTING.md: no module over :data:`MAX_MODULE_LINES` lines and no
function over :data:`MAX_FUNCTION_LINES` lines of code. ``tests/test_code_size.py`` enforces them
on ``pgtheory/``; this script prints where the package stands, so anyone can check before a
reviewer does.

What counts:

* a **module** is counted in physical lines, everything included (``wc -l``);
* a **function** (or method, at any depth) is counted in lines of code: the lines from its
  ``def`` to its last statement, minus its docstring, blank lines and lines holding only a
  comment. A nested function counts towards the function that contains it and on its own.

Usage::

    python tools/code_size.py [PACKAGE_DIR] [--top N]

prints the N (default 10) longest modules and functions and marks each one over its limit;
the exit status is 0 either way (the test is what fails).
"""

from __future__ import annotations

import argparse
import ast
import io
import sys
import tokenize
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

#: Largest accepted module, in physical lines.
MAX_MODULE_LINES = 500

#: Largest accepted function, in lines of code (docstring, blank and comment-only lines excluded).
MAX_FUNCTION_LINES = 60


@dataclass(frozen=True)
class Size:
    """One module or function and its size."""

    path: Path
    name: str  # "" for a module, the qualified name for a function
    line: int  # first line (1-based)
    lines: int

    def where(self, root: Path) -> str:
        """``path:line name``, with ``path`` relative to ``root`` when possible."""
        try:
            shown = self.path.relative_to(root)
        except ValueError:
            shown = self.path
        return f"{shown}:{self.line} {self.name}".rstrip()


def _code_lines(source: str) -> set[int]:
    """Line numbers that hold a token other than a comment or a newline."""
    lines: set[int] = set()
    skip = {tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.INDENT,
            tokenize.DEDENT, tokenize.ENCODING, tokenize.ENDMARKER}
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type not in skip:
            lines.update(range(token.start[0], token.end[0] + 1))
    return lines


def _docstring_lines(node: ast.AST) -> set[int]:
    body = getattr(node, "body", None)
    if (body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant)
            and isinstance(body[0].value.value, str)):
        return set(range(body[0].lineno, body[0].end_lineno + 1))
    return set()


def function_sizes(path: Path) -> list[Size]:
    """Every function and method of the module at ``path`` with its lines of code."""
    source = path.read_text(encoding="utf-8")
    code = _code_lines(source)
    sizes = []

    def visit(node: ast.AST, prefix: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
                name = f"{prefix}{child.name}"
                first = min([d.lineno for d in child.decorator_list] + [child.lineno])
                span = set(range(first, child.end_lineno + 1))
                counted = (span & code) - _docstring_lines(child)
                sizes.append(Size(path, name, child.lineno, len(counted)))
                visit(child, f"{name}.")
            elif isinstance(child, ast.ClassDef):
                visit(child, f"{prefix}{child.name}.")
            else:
                visit(child, prefix)

    visit(ast.parse(source, filename=str(path)), "")
    return sizes


def module_size(path: Path) -> Size:
    """The module at ``path`` with its number of physical lines."""
    return Size(path, "", 1, len(path.read_text(encoding="utf-8").splitlines()))


def package_sizes(package: Path) -> tuple[list[Size], list[Size]]:
    """(modules, functions) of every ``.py`` file below ``package``, each longest first."""
    paths = sorted(package.rglob("*.py"))
    modules = sorted((module_size(p) for p in paths), key=lambda s: -s.lines)
    functions = sorted((f for p in paths for f in function_sizes(p)), key=lambda s: -s.lines)
    return modules, functions


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("package", nargs="?", default=str(ROOT / "pgtheory"))
    parser.add_argument("--top", type=int, default=10, help="rows per table (default 10)")
    args = parser.parse_args(argv)
    package = Path(args.package).resolve()
    modules, functions = package_sizes(package)
    for title, rows, limit, unit in (
        ("modules", modules, MAX_MODULE_LINES, "lines"),
        ("functions", functions, MAX_FUNCTION_LINES, "lines of code"),
    ):
        over = sum(row.lines > limit for row in rows)
        print(f"longest {title} (limit {limit} {unit}; {over} over)")
        for row in rows[: args.top]:
            flag = "  OVER" if row.lines > limit else ""
            print(f"  {row.lines:5d}  {row.where(package.parent)}{flag}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
