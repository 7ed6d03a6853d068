"""A local Sphinx extension that keeps the built book self-contained.

Jupyter Book 1 always loads sphinx-thebe, which adds to every page an inline script naming a
thebe bundle on a CDN (and, with Sphinx 7, adds it twice, a console error). The book does not use
thebe (launch buttons open Binder/Colab instead), so this drops thebe's scripts and stylesheet
from every page.
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


def setup(app: Sphinx) -> dict[str, Any]:
    app.connect("html-page-context", drop_thebe, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
