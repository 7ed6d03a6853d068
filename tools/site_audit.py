"""Static checks of a built HTML book that need no browser.

`offsite_assets(html_dir)` lists every <script src>, <link href> (stylesheets, preloads, fonts,
icons), <img src>, <iframe src> and CSS url(...) in the built site that points off the site. The
book must work with the network cut, so the list must be empty. Plain hyperlinks (<a href>, e.g.
launch buttons, references) are not assets and are allowed.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

OFFSITE = re.compile(r"^(?:[a-z][a-z0-9+.-]*:)?//", re.IGNORECASE)
# <link rel=...> values that are metadata, not something the browser fetches to render the page.
METADATA_RELS = {"canonical", "author", "license", "alternate", "index", "search", "next", "prev"}
CSS_URL = re.compile(r"url\(\s*['\"]?([^'\")]+)")


class _AssetParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.assets: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: (v or "") for k, v in attrs}
        if tag in {"script", "img", "iframe", "source", "audio", "video", "embed"} and a.get("src"):
            self.assets.append(a["src"])
        elif tag == "link" and a.get("href"):
            rels = set(a.get("rel", "").lower().split())
            if not rels or not rels <= METADATA_RELS:
                self.assets.append(a["href"])
        if a.get("style"):
            self.assets.extend(CSS_URL.findall(a["style"]))


def page_assets(html: str) -> list[str]:
    """Every asset address (script, stylesheet, image, frame, inline-style url) in one page."""
    parser = _AssetParser()
    parser.feed(html)
    return parser.assets


def offsite_assets(html_dir: Path) -> list[tuple[str, str]]:
    """(page, address) for every asset in HTML_DIR's pages and stylesheets that is off-site."""
    found: list[tuple[str, str]] = []
    for page in sorted(Path(html_dir).rglob("*.html")):
        for url in page_assets(page.read_text(errors="replace")):
            if OFFSITE.match(url.strip()):
                found.append((str(page.relative_to(html_dir)), url))
    for sheet in sorted(Path(html_dir).rglob("*.css")):
        for url in CSS_URL.findall(sheet.read_text(errors="replace")):
            if OFFSITE.match(url.strip()):
                found.append((str(sheet.relative_to(html_dir)), url))
    return found


class _LinkParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: (v or "") for k, v in attrs}
        if a.get("id"):
            self.ids.add(a["id"])
        if tag == "a" and a.get("href"):
            self.links.append(a["href"])


def broken_internal_links(html_dir: Path) -> list[tuple[str, str]]:
    """(page, href) for every link inside the site whose file or #anchor does not exist.

    Links off the site (any scheme or //host), mailto: and javascript: are not checked here.
    """
    html_dir = Path(html_dir)
    parsed: dict[Path, _LinkParser] = {}

    def parse(page: Path) -> _LinkParser:
        if page not in parsed:
            parser = _LinkParser()
            parser.feed(page.read_text(errors="replace"))
            parsed[page] = parser
        return parsed[page]

    broken: list[tuple[str, str]] = []
    for page in sorted(html_dir.rglob("*.html")):
        for href in parse(page).links:
            if OFFSITE.match(href) or re.match(r"^[a-z][a-z0-9+.-]*:", href, re.IGNORECASE):
                continue
            path, _, fragment = href.partition("#")
            path = path.split("?", 1)[0]
            target = (page.parent / path).resolve() if path else page
            if target.is_dir():
                target = target / "index.html"
            if not target.exists():
                broken.append((str(page.relative_to(html_dir)), href))
            elif fragment and target.suffix == ".html" and fragment not in parse(target).ids:
                broken.append((str(page.relative_to(html_dir)), href))
    return broken
