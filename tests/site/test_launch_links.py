"""Every launch link of the built book points at the repository of _config.yml's repository.url,
the one place that address lives; the chapters' install cells (tools/install_cell.py, checked
in tests/test_install_cell.py) install from the same address."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlparse

import yaml
from install_cell import BOOK, ipynb_install_cell, md_install_cell, repository_url

ROOT = Path(__file__).resolve().parents[2]
HREF = re.compile(r'href="(https://[^"]+)"')
LAUNCH_HOSTS = {"mybinder.org", "colab.research.google.com"}


def repository_path(link: str) -> str | None:
    """owner/name of the GitHub repository a Binder, Colab or GitHub link opens, else None."""
    url = urlparse(link)
    parts = url.path.strip("/").split("/")
    if url.netloc == "colab.research.google.com" and parts[:1] == ["github"]:
        return "/".join(parts[1:3])
    if url.netloc == "mybinder.org" and parts[:2] == ["v2", "gh"]:
        return "/".join(parts[2:4])
    if url.netloc == "github.com":
        return "/".join(parts[:2])
    return None


def test_repository_path_of_each_kind_of_link() -> None:
    colab = "https://colab.research.google.com/github/a/b/blob/main/x.ipynb"
    assert repository_path(colab) == "a/b"
    assert repository_path("https://mybinder.org/v2/gh/a/b/main?urlpath=lab/tree/x") == "a/b"
    assert repository_path("https://github.com/a/b") == "a/b"
    assert repository_path("https://example.org/a/b") is None


def test_every_launch_link_uses_the_configured_repository(html_dir: Path) -> None:
    expected = urlparse(repository_url()).path.strip("/")
    branch = yaml.safe_load((ROOT / "_config.yml").read_text())["repository"]["branch"]
    chapters = sorted(p for p in (html_dir / "book").glob("*.html"))
    assert chapters, "no chapter pages built"
    owner = expected.split("/")[0]
    wrong, launch_pages, repo_button_pages = [], set(), set()
    for page in chapters:
        for link in HREF.findall(page.read_text()):
            host, path = urlparse(link).netloc, repository_path(link)
            if host in LAUNCH_HOSTS and urlparse(link).path.strip("/"):  # not a bare mention
                launch_pages.add(page.name)
                if path != expected or f"/{branch}" not in link:
                    wrong.append((page.name, link))
            elif host == "github.com" and path == expected:
                repo_button_pages.add(page.name)
            elif host == "github.com" and path and path.split("/")[0] == owner:
                wrong.append((page.name, link))  # another of our repositories: a stale copy
    assert wrong == [], f"links to another repository than {expected}: {wrong}"
    names = {p.name for p in chapters}
    assert launch_pages == names, f"no launch links on {sorted(names - launch_pages)}"
    assert repo_button_pages == names, f"no repository link on {sorted(names - repo_button_pages)}"


def test_install_cells_install_from_the_same_repository() -> None:
    url = repository_url()
    for chapter in sorted(BOOK.glob("*.md")):
        for cell in (md_install_cell(chapter), ipynb_install_cell(chapter.with_suffix(".ipynb"))):
            assert f"git+{url}\"" in cell, f"{chapter.stem}: install cell names another address"
