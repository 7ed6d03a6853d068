"""The built book loads no script, style, font or image from off the site."""

from pathlib import Path

from site_audit import broken_internal_links, offsite_assets, page_assets


def test_audit_flags_offsite_assets() -> None:
    # The checker itself must be able to fail: a CDN script, a protocol-relative stylesheet.
    html = ('<script src="https://cdn.example.org/mathjax.js"></script>'
            '<link rel="stylesheet" href="//fonts.example.org/a.css">'
            '<link rel="canonical" href="https://example.org/page.html">'
            '<a href="https://colab.research.google.com/x">launch</a>')
    assert page_assets(html) == ["https://cdn.example.org/mathjax.js", "//fonts.example.org/a.css"]


def test_no_offsite_assets(html_dir: Path) -> None:
    pages = list(html_dir.rglob("*.html"))
    assert len(pages) >= 3, f"only {len(pages)} pages built"
    assert offsite_assets(html_dir) == []


def test_mathjax_is_served_locally(html_dir: Path) -> None:
    index = (html_dir / "book" / "intro.html").read_text()
    assert "../_static/mathjax/tex-chtml.js" in index
    assert (html_dir / "_static" / "mathjax" / "tex-chtml.js").is_file()
    fonts = list((html_dir / "_static" / "mathjax" / "output" / "chtml" / "fonts").rglob("*.woff"))
    assert fonts, "MathJax's fonts were not copied into the site"


def test_every_internal_link_resolves(html_dir: Path) -> None:
    assert broken_internal_links(html_dir) == []


def test_link_checker_finds_a_broken_link(tmp_path: Path) -> None:
    # The checker itself must be able to fail: a missing page and a missing anchor.
    (tmp_path / "a.html").write_text('<p id="here"></p><a href="b.html">x</a>'
                                     '<a href="a.html#nowhere">y</a><a href="#here">z</a>'
                                     '<a href="https://example.org/">off-site</a>')
    assert broken_internal_links(tmp_path) == [("a.html", "b.html"), ("a.html", "a.html#nowhere")]
