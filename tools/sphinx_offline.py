"""A local Sphinx extension that keeps the built book self-contained and accessible.

1. Jupyter Book 1 always loads sphinx-thebe, which adds to every page an inline script naming a
   thebe bundle on a CDN (and, with Sphinx 7, adds it twice, a console error). The book does not
   use thebe (launch buttons open Binder/Colab instead), so its scripts and stylesheet are
   dropped from every page.
2. Sphinx writes the bibliography as ``<div role="list" class="citation-list">`` whose children
   are not list items, which axe-core reports as a critical ARIA error; the role is dropped,
   with the entries' deprecated ``doc-biblioentry`` role.
"""

from __future__ import annotations

from typing import Any

from sphinx.application import Sphinx


def _is_thebe(asset: Any) -> bool:
    name = getattr(asset, "filename", None) or str(asset)
    body = getattr(asset, "attributes", {}).get("body", "")
    return "thebe" in (name or "") or "THEBE_JS_URL" in body


def drop_thebe(app: Sphinx, pagename: str, templatename: str, context: dict, doctree: Any) -> None:
    for key in ("script_files", "css_files"):
        if key in context:
            context[key] = [a for a in context[key] if not _is_thebe(a)]


def fix_citation_list_role(
    app: Sphinx, pagename: str, templatename: str, context: dict, doctree: Any
) -> None:
    if "body" in context:
        context["body"] = (
            context["body"]
            .replace('<div role="list" class="citation-list">', '<div class="citation-list">')
            .replace(' role="doc-biblioentry"', "")  # deprecated ARIA role (axe: minor)
        )


def setup(app: Sphinx) -> dict[str, Any]:
    app.connect("html-page-context", drop_thebe, priority=900)
    app.connect("html-page-context", fix_citation_list_role, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
