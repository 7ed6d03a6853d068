"""One list of the Debian packages the tests need (.ci/debian-packages.txt), quoted exactly by
README.md and read, not copied, by .ci/run, the GitHub workflow and tools/build_pdf.py."""

from __future__ import annotations

from pathlib import Path

import pytest
from build_pdf import missing_tools_message
from debian_packages import PACKAGES_FILE, debian_packages, install_command

ROOT = Path(__file__).resolve().parents[1]


def test_readme_quotes_the_list_exactly() -> None:
    readme = (ROOT / "README.md").read_text()
    lines = [line.strip() for line in readme.splitlines() if "apt-get install" in line]
    assert lines == [install_command()], (
        "README.md's 'Test it' apt-get line differs from .ci/debian-packages.txt:\n"
        f"  README: {lines}\n  file:   {install_command()}")


def test_list_names_what_the_tests_use() -> None:
    packages = debian_packages()
    assert len(packages) == len(set(packages)), "a package is listed twice"
    for needed in ("chromium", "npm", "texlive-xetex", "latexmk", "fonts-dejavu-core",
                   "poppler-utils"):
        assert needed in packages


def test_readers_read_the_file() -> None:
    ci = (ROOT / ".ci" / "run").read_text()
    workflow = (ROOT / ".github" / "workflows" / "book.yml").read_text()
    for text in (ci, workflow):
        assert ".ci/debian-packages.txt" in text
        assert "README.md |" not in text, "a package list is still taken from README prose"
        assert "texlive-xetex" not in text, "a copy of the package list"
    message = missing_tools_message(["xelatex"])
    assert install_command() in message
    assert all(p in message for p in debian_packages())


def test_parser_rejects_two_names_on_a_line(tmp_path: Path) -> None:
    listing = tmp_path / "packages.txt"
    listing.write_text("# comment\nchromium  # browser\n\nlatexmk lmodern\n")
    with pytest.raises(ValueError, match="one package per line"):
        debian_packages(listing)
    listing.write_text("# comment\nchromium  # browser\n\nlatexmk\n")
    assert debian_packages(listing) == ["chromium", "latexmk"]
    assert PACKAGES_FILE.is_file()
