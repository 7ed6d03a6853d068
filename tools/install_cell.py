"""The install cell at the top of every chapter, written from one template.

Usage:
    python tools/install_cell.py           # rewrite the install cell of every book/*.md and .ipynb
    python tools/install_cell.py --check   # exit 1 and name the chapters whose cell differs

On Colab (and anywhere pgtheory is missing) the first code cell of each chapter installs the
package from the book's repository. The cell cannot read _config.yml when it runs there, so the
repository's address is written into it here, from `repository.url` in _config.yml, the one place
that address lives (the launch buttons are made from it too). tests/test_install_cell.py checks
that every cell is exactly `cell_source(chapter)`, and tests/site/test_launch_links.py that every
launch link of the built book points at the same repository.

The cell installs with pip in a subprocess (not `%pip`, which only prints a failure) and raises a
RuntimeError that says what failed and what to do, so the next `import pgtheory` is not the first
sign of trouble. To change what is installed (e.g. `pgtheory[viz]` for every chapter), change
REQUIREMENT or EXTRAS below and run this script: it rewrites every .md and, in place, the same
cell of every .ipynb (nothing is executed; the cell prints nothing when pgtheory is present).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import nbformat
import yaml

ROOT = Path(__file__).resolve().parents[1]
BOOK = ROOT / "book"
MARKER = "# On Colab or Binder, install the book's companion package pgtheory if it is missing."

# What the cell installs: pgtheory with these extras, from the repository's default branch.
REQUIREMENT = "pgtheory{extras} @ git+{url}"
# chapter -> the extras its code cells import (tests/test_install_cell.py checks this against
# the chapters): [viz] for pgtheory.viz, [gym] for the CartPole code, [jax] for autodiff and
# the neural-network policy. A chapter not listed needs numpy only.
_VIZ = ("baselines", "discounted", "factorization", "likelihood_ratio", "lqr", "monte_carlo",
        "objective", "other_code", "reinforce", "theorem", "where_next")
EXTRAS: dict[str, list[str]] = {
    **{chapter: ["viz"] for chapter in _VIZ},
    "cartpole": ["viz", "gym"],
    "surrogate": ["viz", "gym", "jax"],
}

TEMPLATE = '''\
{marker}
try:
    import pgtheory  # noqa: F401
except ImportError:
    import importlib
    import subprocess
    import sys

    requirement = "{requirement}"
    pip = subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", requirement],
                         capture_output=True, text=True)
    if pip.returncode != 0:
        raise RuntimeError(
            f"Could not install pgtheory, the book's package (pip exit code {{pip.returncode}}):\\n"
            f"{{(pip.stderr or pip.stdout).strip()[-1500:]}}\\n\\nCheck that this notebook can "
            f"reach the internet, then run this cell again; or install it yourself with\\n"
            f"    pip install \\"{{requirement}}\\"") from None
    importlib.invalidate_caches()
    import pgtheory  # noqa: F401'''


def repository_url(config: Path = ROOT / "_config.yml") -> str:
    """`repository.url` of _config.yml, without a trailing slash or .git."""
    url = yaml.safe_load(config.read_text())["repository"]["url"].rstrip("/")
    return url.removesuffix(".git")


def cell_source(chapter: str, url: str | None = None) -> str:
    """The install cell's source for CHAPTER (a book/*.md stem)."""
    extras = EXTRAS.get(chapter, [])
    requirement = REQUIREMENT.format(extras=f"[{','.join(extras)}]" if extras else "",
                                     url=url or repository_url())
    return TEMPLATE.format(marker=MARKER, requirement=requirement)


def _md_cell_span(text: str) -> tuple[int, int]:
    """(start, end) of the install cell's source in a MyST notebook's text."""
    start = text.find(MARKER)
    if start < 0:
        raise ValueError(f"no install cell (a code cell starting {MARKER!r})")
    end = text.find("\n```", start)
    if end < 0:
        raise ValueError("the install cell has no closing ```")
    return start, end


def md_install_cell(path: Path) -> str:
    """The install cell's source in book/<chapter>.md."""
    text = path.read_text()
    start, end = _md_cell_span(text)
    return text[start:end]


def ipynb_install_cell(path: Path) -> str:
    """The install cell's source in book/<chapter>.ipynb (its first code cell)."""
    notebook = nbformat.read(path, as_version=4)
    code = [c for c in notebook.cells if c.cell_type == "code"]
    if not code or not code[0].source.startswith(MARKER):
        raise ValueError(f"{path.name}: the first code cell is not the install cell")
    return code[0].source


def write(chapter_md: Path, url: str) -> bool:
    """Rewrite the install cell of CHAPTER_MD and of its .ipynb; True if anything changed."""
    source = cell_source(chapter_md.stem, url)
    changed = False
    text = chapter_md.read_text()
    start, end = _md_cell_span(text)
    if text[start:end] != source:
        chapter_md.write_text(text[:start] + source + text[end:])
        changed = True
    paired = chapter_md.with_suffix(".ipynb")
    if paired.exists():
        notebook = nbformat.read(paired, as_version=4)
        cell = next(c for c in notebook.cells if c.cell_type == "code")
        if not cell.source.startswith(MARKER):
            raise ValueError(f"{paired.name}: the first code cell is not the install cell")
        if cell.source != source:
            cell.source = source
            nbformat.write(notebook, paired)
            changed = True
    return changed


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only report differences")
    args = parser.parse_args(argv[1:])
    url = repository_url()
    chapters = sorted(BOOK.glob("*.md"))
    if args.check:
        stale = [p.name for p in chapters
                 for got in [md_install_cell(p)] + ([ipynb_install_cell(p.with_suffix(".ipynb"))]
                                                    if p.with_suffix(".ipynb").exists() else [])
                 if got != cell_source(p.stem, url)]
        for name in sorted(set(stale)):
            print(f"{name}: install cell differs from tools/install_cell.py's template")
        return 1 if stale else 0
    for path in chapters:
        if write(path, url):
            print(f"rewrote the install cell of {path.stem}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
