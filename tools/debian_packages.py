"""The Debian packages `make test` needs, read from their one list, .ci/debian-packages.txt.

`debian_packages()` returns them in the file's order (blank lines and # comments skipped);
`install_command()` is the one line README.md ("Test it") quotes and build_pdf.py prints.
"""

from __future__ import annotations

from pathlib import Path

PACKAGES_FILE = Path(__file__).resolve().parents[1] / ".ci" / "debian-packages.txt"
APT_PREFIX = "sudo apt-get install -y --no-install-recommends"


def debian_packages(path: Path = PACKAGES_FILE) -> list[str]:
    """Package names in PATH, one per line, without comments and blank lines."""
    names = []
    for line in Path(path).read_text().splitlines():
        name = line.split("#", 1)[0].strip()
        if name:
            if " " in name:
                raise ValueError(f"{path}: one package per line, got {line!r}")
            names.append(name)
    return names


def install_command(path: Path = PACKAGES_FILE) -> str:
    """The apt-get command that installs every package in PATH."""
    return " ".join([APT_PREFIX, *debian_packages(path)])
