"""How the widgets are seen without a kernel: the picture, the web frames and their colours.

* Every output carries the live view, a picture of the current frame (image/png) and the same
  picture with the line RUN_LINE (text/markdown, what JupyterLab shows before the notebook is
  run), and metadata for the PDF; the web frames (text/html) only when FRAMES_ENV is set.
* The web frames: one per combination of the web controls, labelled controls, deterministic
  for a seed, and every series colour of each frame's legend drawn in that colour (decoded
  from the PNG), which a 16-colour median cut did not achieve.
* The build tools and the configuration agree with the widgets.
"""

from __future__ import annotations

import base64
import io
import json
import math
from html.parser import HTMLParser
from pathlib import Path

import nbformat
import numpy as np
import pytest
import yaml
from PIL import Image

from pgtheory import viz
from pgtheory.viz import static
from pgtheory.viz.static import Control, Frame, frames_html
from pgtheory.viz.widgets import base

BOOK_DIR = Path(__file__).resolve().parents[1] / "book"

ROOT = Path(__file__).resolve().parents[1]
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
SMALL = {  # small versions of each widget: the same code, fewer or cheaper frames
    "n_explorer": lambda: viz.n_explorer(rng=0, n_episodes=100),
    "likelihood_ratio_explorer": lambda: viz.likelihood_ratio_explorer(),
    "reinforce_explorer": lambda: viz.reinforce_explorer(n_updates=8, runs=3),
    "baseline_explorer": lambda: viz.baseline_explorer(n_episodes=300),
}


class _Elements(HTMLParser):
    """Start tags of an HTML fragment, and the text of its JSON frame script."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str]]] = []
        self.frames_json = ""
        self._in_frames = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        self.tags.append((tag, a))
        self._in_frames = tag == "script" and "pgw-frames" in a.get("class", "")

    def handle_endtag(self, tag: str) -> None:
        self._in_frames = False

    def handle_data(self, data: str) -> None:
        if self._in_frames:
            self.frames_json += data

    def find(self, tag: str, **attrs: str) -> list[dict[str, str]]:
        return [a for t, a in self.tags if t == tag and all(a.get(k) == v for k, v in
                                                            attrs.items())]


def parse(html: str) -> _Elements:
    parser = _Elements()
    parser.feed(html)
    return parser


def decode(src: str) -> np.ndarray:
    """The RGB pixels (n, 3) of a data:image/png URI."""
    png = base64.b64decode(src.split(",", 1)[1])
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB")).reshape(-1, 3).astype(int)


def missing_colours(pixels: np.ndarray, colours: list[tuple[int, int, int]],
                    tolerance: int = 6, at_least: int = 3) -> list[tuple[int, int, int]]:
    """The colours of which fewer than AT_LEAST pixels are within TOLERANCE per channel."""
    return [c for c in colours
            if (np.abs(pixels - np.array(c)).max(axis=1) <= tolerance).sum() < at_least]


@pytest.fixture(scope="module")
def web() -> dict[str, tuple[object, str]]:
    """Each small widget and its web version."""
    return {name: (widget, widget.web_html()) for name, widget in
            ((name, make()) for name, make in SMALL.items())}


# --- the outputs ----------------------------------------------------------------------------


@pytest.mark.parametrize("name", SMALL)
def test_output_has_live_view_picture_and_no_frames_by_default(
    name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(base.FRAMES_ENV, raising=False)
    widget = SMALL[name]()
    data, metadata = widget._repr_mimebundle_()
    assert WIDGET_VIEW in data and "model_id" in data[WIDGET_VIEW]
    assert "text/html" not in data, "the web frames are for the build only"
    assert base64.b64decode(data["image/png"]) == widget.image.value
    markdown = data["text/markdown"]
    assert markdown.startswith("![") and f"(data:image/png;base64,{data['image/png']})" in markdown
    assert markdown.rstrip().endswith(f"*{base.RUN_LINE}*")
    assert "web" not in markdown.lower().split("](")[0] + markdown.split(")")[-1].lower()
    info = metadata[base.METADATA_KEY]
    assert info["title"] == widget.title and info["readout"] == widget.current.text
    assert info["settings"] == widget.settings()


def test_picture_follows_the_controls(monkeypatch: pytest.MonkeyPatch) -> None:
    widget = viz.likelihood_ratio_explorer()
    first = widget._repr_mimebundle_()[0]["image/png"]
    widget.inputs["theta0"].value = 2.0
    data, metadata = widget._repr_mimebundle_()
    assert data["image/png"] != first
    assert "θ₀ of arm 0 = +2.0" in metadata[base.METADATA_KEY]["settings"]


def test_frames_are_added_when_the_build_asks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(base.FRAMES_ENV, "1")
    widget = viz.likelihood_ratio_explorer()
    data, _ = widget._repr_mimebundle_()
    assert data["text/html"] == widget.web_html()
    monkeypatch.setenv(base.FRAMES_ENV, "0")
    assert "text/html" not in widget._repr_mimebundle_()[0]


# --- the web frames -------------------------------------------------------------------------


@pytest.mark.parametrize("name", SMALL)
def test_web_version_has_every_frame_and_labelled_controls(web: dict, name: str) -> None:
    widget, html = web[name]
    page = parse(html)
    frames = json.loads(page.frames_json)
    grids = [d.web() for d in widget.declarations]
    shape = [len(values) for control, values in grids if control is not None]
    assert len(frames) == math.prod(shape)
    assert all(f["src"].startswith("data:image/png;base64,") and f["alt"] and f["text"]
               for f in frames.values())
    controls = page.find("input", type="range") + page.find("select")
    assert len(controls) == len(shape)
    for control in controls:
        assert page.find("label", **{"for": control["id"]}), f"{control['id']} has no label"
    initial = "-".join(str(control.initial) for control, _ in grids if control is not None)
    image = page.find("img")[0]
    assert image["src"] == frames[initial]["src"] and image["alt"] == frames[initial]["alt"]
    assert len({f["src"] for f in frames.values()}) == len(frames), "two frames are identical"


@pytest.mark.parametrize("name", SMALL)
def test_every_series_keeps_its_colour_in_every_frame(web: dict, name: str) -> None:
    widget, html = web[name]
    colours = static.series_colours(widget.view.figure)
    assert len(set(colours)) >= 2
    frames = json.loads(parse(html).frames_json)
    for key, frame in frames.items():
        missing = missing_colours(decode(frame["src"]), colours)
        assert missing == [], f"frame {key} of {name} lost the colours {missing}"


def test_the_colour_check_fails_on_merged_colours(web: dict) -> None:
    """A plain 16-colour median cut (the old frames) merges REINFORCE's runs: caught."""
    widget, _ = web["reinforce_explorer"]
    view = widget.new_view_styled()
    with base.book_style():
        widget.draw(view, **widget.state())
        png = static.figure_png(view.figure, base.WEB_DPI)
    image = Image.open(io.BytesIO(png)).convert("RGB")
    merged = image.quantize(colors=16, method=Image.Quantize.MEDIANCUT,
                            dither=Image.Dither.NONE).convert("RGB")
    pixels = np.asarray(merged).reshape(-1, 3).astype(int)
    assert missing_colours(pixels, static.series_colours(view.figure)) != []
    kept = static._palette_image(image, 16, static.series_colours(view.figure)).convert("RGB")
    assert missing_colours(np.asarray(kept).reshape(-1, 3).astype(int),
                           static.series_colours(view.figure)) == []


def test_web_version_is_deterministic_and_depends_on_the_seed() -> None:
    one = viz.baseline_explorer(n_episodes=300, rng=0).web_html()
    assert viz.baseline_explorer(n_episodes=300, rng=0).web_html() == one
    assert viz.baseline_explorer(n_episodes=300, rng=1).web_html() != one


def test_n_explorer_web_version_fits_the_page_budget(web: dict) -> None:
    widget, html = web["n_explorer"]
    frames = json.loads(parse(html).frames_json)
    assert len(frames) == 13 * 2 * 3
    assert "6-0-0" in frames and frames["6-0-0"]["text"].startswith("N = 100: ")
    # a chapter page must stay under 3 MB with everything on it; the explorer gets ~1 MB
    assert len(html) < 1_200_000


def test_readout_keeps_its_columns_on_the_web() -> None:
    css = (ROOT / "_static" / "pgwidgets.css").read_text()
    rule = css[css.index("div.pgw-static .pgw-text {"):]
    rule = rule[: rule.index("}")]
    assert "white-space: pre;" in rule and "pre-line" not in rule
    assert "monospace" in rule


# --- the static machinery, the tools and the configuration ----------------------------------


def test_frames_html_requires_every_combination() -> None:
    controls = [Control("n", "N", ("1", "2"), "range"), Control("e", "E", ("a", "b"))]
    frame = Frame(b"png", "alt", "text")
    with pytest.raises(ValueError, match="every combination"):
        frames_html("t", controls, {(0, 0): frame, (1, 0): frame, (0, 1): frame})


def test_frames_html_escapes_script_end_tags() -> None:
    controls = [Control("n", "N", ("1",), "range")]
    html = frames_html("t", controls, {(0,): Frame(b"png", "a </script> b", "</script>")})
    assert html.count("</script>") == 1
    assert json.loads(parse(html).frames_json)["0"]["text"] == "</script>"


def test_html_builder_prefers_the_web_version() -> None:
    from myst_nb.core.render import get_mime_priority

    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    overrides = [tuple(o) for o in config["sphinx"]["config"]["nb_mime_priority_overrides"]]
    for builder in ("html", "dirhtml", "singlehtml"):
        priority = get_mime_priority(builder, overrides)
        assert priority.index("text/html") < priority.index(WIDGET_VIEW)
    latex = get_mime_priority("latex", overrides)
    assert latex.index("image/png") < latex.index("text/markdown")
    assert (ROOT / "_static" / "pgwidgets.js").is_file()


def test_tools_and_widgets_agree_on_the_names() -> None:
    import build_book
    import prime_cache

    import pgtheory

    assert prime_cache.WIDGET_KEY == base.METADATA_KEY
    assert prime_cache.FRAMES_ENV == base.FRAMES_ENV
    assert build_book.build_environment()[base.FRAMES_ENV] == "1"
    package = Path(pgtheory.__file__).parent
    assert prime_cache.source_fingerprint(package) == base.source_fingerprint()


def test_prime_cache_leaves_widget_notebooks_to_the_build() -> None:
    from prime_cache import needs_frames

    data, metadata = viz.likelihood_ratio_explorer()._repr_mimebundle_()
    cell = nbformat.v4.new_code_cell("viz.likelihood_ratio_explorer()")
    cell.outputs = [nbformat.v4.new_output("display_data", data=data, metadata=metadata)]
    notebook = nbformat.v4.new_notebook(cells=[cell])
    assert needs_frames(notebook)
    cell.outputs[0]["data"]["text/html"] = "<div>frames</div>"
    assert not needs_frames(notebook)
    assert not needs_frames(notebook, base.source_fingerprint())
    assert needs_frames(notebook, "drawn-by-other-sources"), "stale frames must be redrawn"
    plain = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("1 + 1")])
    assert not needs_frames(plain)


@pytest.mark.parametrize("path", sorted(BOOK_DIR.glob("*.ipynb")), ids=lambda p: p.stem)
def test_committed_notebooks_carry_no_web_frames(path: Path) -> None:
    """The web frames belong to the book build only. A committed widget output must be what a
    live display stores (the picture, the markdown fallback and the pgtheory_widget metadata),
    never the web frames (text/html, hundreds of kB) nor an output of an older widget."""
    nb = nbformat.read(path, as_version=4)
    bad = [
        index for index, cell in enumerate(nb.cells) for output in cell.get("outputs", [])
        if "application/vnd.jupyter.widget-view+json" in output.get("data", {})
        and ("text/html" in output["data"] or base.METADATA_KEY not in output.get("metadata", {}))
    ]
    assert bad == [], f"{path.name}: widget outputs of cells {bad} are not live displays' outputs"
