"""The install cell at the top of every chapter (Colab): one template, the configured repository,
and a clear error when the install fails (tools/install_cell.py)."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from install_cell import (
    BOOK,
    EXTRAS,
    MARKER,
    REQUIREMENT,
    cell_source,
    ipynb_install_cell,
    md_install_cell,
    repository_url,
)

CHAPTERS = sorted(BOOK.glob("*.md"))


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda p: p.stem)
def test_install_cell_is_the_template(chapter: Path) -> None:
    expected = cell_source(chapter.stem)
    assert md_install_cell(chapter) == expected, (
        f"{chapter.name}: install cell differs from the template: run tools/install_cell.py")
    assert ipynb_install_cell(chapter.with_suffix(".ipynb")) == expected, (
        f"{chapter.with_suffix('.ipynb').name}: install cell differs: run tools/install_cell.py")


def test_install_cell_installs_from_the_configured_repository(tmp_path: Path) -> None:
    # The literal in the cells is _config.yml's repository.url: changing the config changes it.
    url = repository_url()
    assert url.startswith("https://github.com/"), url
    assert f'"pgtheory @ git+{url}"' in cell_source("intro")
    assert f'"pgtheory[viz,gym] @ git+{url}"' in cell_source("cartpole")
    config = tmp_path / "_config.yml"
    config.write_text("repository:\n  url: https://github.com/someone/fork.git/\n")
    assert repository_url(config) == "https://github.com/someone/fork"
    assert "git+https://github.com/someone/fork\"" in cell_source("intro",
                                                                  repository_url(config))


def test_failed_install_raises_a_clear_error() -> None:
    # pgtheory made unimportable, and a requirement pip cannot install (offline, no network):
    # the cell must raise at once, naming what failed and what to do.
    requirement = REQUIREMENT.format(extras="", url=repository_url())
    source = cell_source("intro").replace(requirement, "pgtheory @ file:///nonexistent/pgtheory")
    assert source != cell_source("intro")
    run = subprocess.run([sys.executable, "-c", "import sys\nsys.modules['pgtheory'] = None\n"
                          + source], capture_output=True, text=True, timeout=120)
    assert run.returncode != 0
    last_line = run.stderr.strip().splitlines()
    message = run.stderr[run.stderr.index("RuntimeError"):]
    assert message.startswith("RuntimeError: Could not install pgtheory"), last_line[-1]
    assert "/nonexistent/pgtheory" in message, "pip's own error is not shown"
    assert 'pip install "pgtheory @ file:///nonexistent/pgtheory"' in message
    assert "During handling" not in run.stderr, "the ImportError chain hides the message"


def test_present_package_means_the_cell_does_nothing() -> None:
    run = subprocess.run([sys.executable, "-c", cell_source("intro")], capture_output=True,
                         text=True, timeout=60)
    assert (run.returncode, run.stdout, run.stderr) == (0, "", "")
    assert cell_source("intro").startswith(MARKER)


# What a chapter's code cells import, and the extra of pyproject.toml that provides it.
_NEEDS = {
    "viz": re.compile(r"from pgtheory import (?:[\w, ]*\b)?viz\b|pgtheory\.viz\b"),
    "gym": re.compile(r"pgtheory\.cartpole|pgtheory\.gym_env|mlp_policy|import gymnasium"),
    "jax": re.compile(r"import jax|pgtheory import (?:[\w, ]*\b)?(?:autodiff|mlp_\w+)"),
}


@pytest.mark.parametrize("chapter", sorted(p.stem for p in BOOK.glob("*.md")))
def test_install_cell_installs_the_extras_the_chapter_imports(chapter: str) -> None:
    text = (BOOK / f"{chapter}.md").read_text()
    code = "\n".join(re.findall(r"```\{code-cell\}[^\n]*\n(.*?)```", text, flags=re.S))
    needed = sorted(extra for extra, pattern in _NEEDS.items() if pattern.search(code))
    assert sorted(EXTRAS.get(chapter, [])) == needed, (
        f"{chapter}'s code imports what the extras {needed} provide; EXTRAS in "
        "tools/install_cell.py lists " f"{EXTRAS.get(chapter, [])}")


def test_extras_exist_in_pyproject() -> None:
    extras = tomllib.loads((BOOK.parent / "pyproject.toml").read_text())["project"][
        "optional-dependencies"]
    assert {extra for chosen in EXTRAS.values() for extra in chosen} <= set(extras)
