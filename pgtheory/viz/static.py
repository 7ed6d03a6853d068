"""A kernel-free HTML version of a widget: precomputed frames switched by native controls.

The web book is static: no Python kernel runs behind it, and saved ipywidgets state cannot
recompute a figure. So when the book is built (see :mod:`pgtheory.viz.widgets`, "Two ways to
be seen") each widget also renders itself as plain HTML: one PNG frame for every combination
of a few control values, and labelled native controls (``<input type="range">``,
``<select>``) that a small local script, ``_static/pgwidgets.js``, uses to swap in the
matching frame and its printed text.

Frames are palette PNGs: an adaptive palette for the anti-aliased edges plus, exactly, the
colour of every series in the figure's legends (:func:`series_colours`), so that no two series
are merged into one colour (a 16-colour median cut once drew three REINFORCE runs and the grey
reference line in one teal).

The HTML is a pure function of its inputs (no time stamps, no random ids), so a notebook that
stores it gives the same output every time it is executed, as nbval requires.

Layout of the fragment::

    <div class="pgw-static" id="pgw-<hash>">
      <div class="pgw-controls"> label + range/select for each control </div>
      <figure> <img> (the initial frame) <figcaption aria-live> printed text </figcaption>
      </figure>
      <script type="application/json" class="pgw-frames"> every frame </script>
    </div>

Frame keys are the control indices joined by "-", e.g. ``"3-0-2"``.
"""

from __future__ import annotations

import base64
import hashlib
import html
import io
import itertools
import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import to_rgba
from matplotlib.figure import Figure

__all__ = ["Control", "Frame", "figure_png", "frames_html", "render_frames", "series_colours"]

#: Adaptive colours of a web frame's palette, besides the series colours kept exactly.
ADAPTIVE_COLOURS = 32


@dataclass(frozen=True)
class Control:
    """One native control of the static widget.

    Attributes
    ----------
    name : str
        Short identifier, used in element ids ("n", "estimator").
    label : str
        The visible <label> text.
    options : tuple of str
        Display text of each option, in order.
    kind : {"range", "select"}
        A slider (ordered values, e.g. N) or a drop-down list.
    initial : int
        Index of the option shown first.
    """

    name: str
    label: str
    options: tuple[str, ...]
    kind: str = "select"
    initial: int = 0

    def __post_init__(self) -> None:
        if self.kind not in ("range", "select"):
            raise ValueError(f"kind must be 'range' or 'select'; got {self.kind!r}")
        if not self.options:
            raise ValueError(f"control {self.name!r} has no options")
        if not 0 <= self.initial < len(self.options):
            raise ValueError(
                f"initial must index options (0..{len(self.options) - 1}); got {self.initial}"
            )


@dataclass(frozen=True)
class Frame:
    """One precomputed state: the PNG, its alt text and the printed text beside it."""

    png: bytes
    alt: str
    text: str


def series_colours(figure: Figure) -> list[tuple[int, int, int]]:
    """The RGB colour, over a white background, of every legend entry of ``figure``.

    A legend handle's colour and alpha are composited over white, which is how the series is
    drawn wherever it does not overlap another (e.g. a line at alpha 0.9, bars at 0.85).

    Returns
    -------
    list of (int, int, int)
        One colour per legend entry, in legend order (duplicates kept).
    """
    legends = list(figure.legends) + [ax.get_legend() for ax in figure.axes]
    colours = []
    for legend in legends:
        if legend is None:
            continue
        for handle in legend.legend_handles:
            if hasattr(handle, "get_xydata"):  # a line
                rgba = to_rgba(handle.get_color(), handle.get_alpha())
            else:  # a patch: its face colour carries its alpha
                rgba = tuple(handle.get_facecolor())
            r, g, b, alpha = rgba
            colours.append(tuple(int(round(255 * (c * alpha + 1.0 - alpha))) for c in (r, g, b)))
    return colours


def _palette_image(image: object, colours: int, keep: Iterable[tuple[int, int, int]]) -> object:
    """IMAGE (RGB) as a palette image: KEEP's colours exactly, then an adaptive palette."""
    from PIL import Image

    adaptive = image.quantize(colors=colours, method=Image.Quantize.MEDIANCUT,
                              dither=Image.Dither.NONE).getpalette()[: 3 * colours]
    keep = list(dict.fromkeys(keep))
    # an adaptive colour next to a kept one would take some of its pixels (Pillow's mapping to
    # a palette is approximate): leave those out
    def near(colour: tuple[int, ...]) -> bool:
        return any(max(abs(a - b) for a, b in zip(colour, k, strict=True)) <= 8 for k in keep)

    entries = keep + [c for c in (tuple(adaptive[i : i + 3]) for i in range(0, len(adaptive), 3))
                      if not near(c)]
    entries = list(dict.fromkeys(entries))[:256]
    palette = Image.new("P", (1, 1))
    palette.putpalette([c for entry in entries for c in entry])
    return image.quantize(palette=palette, dither=Image.Dither.NONE)


def figure_png(figure: Figure, dpi: float, colours: int | None = None) -> bytes:
    """Render FIGURE to PNG bytes with the Agg backend, deterministically and quickly.

    The figure is drawn once on its Agg canvas at ``dpi`` (the figure keeps that dpi) and the
    pixels are encoded by Pillow: no "Software" metadata, so identical figures give identical
    bytes. A layout engine (constrained layout) runs on the first render only and is then
    switched off, so later renders keep the axes where they are and skip the layout pass.

    Parameters
    ----------
    figure : matplotlib.figure.Figure
    dpi : float
    colours : int, optional
        If given, a palette PNG: the exact :func:`series_colours` of the figure plus this many
        adaptive colours (median cut, no dithering). Frames of line and bar plots shrink
        about fourfold and every series keeps its own colour. Default: lossless RGB.

    Returns
    -------
    bytes
    """
    from PIL import Image  # Pillow is a dependency of matplotlib

    canvas = figure.canvas
    if not isinstance(canvas, FigureCanvasAgg):
        canvas = FigureCanvasAgg(figure)
    if figure.get_dpi() != dpi:
        figure.set_dpi(dpi)
    canvas.draw()
    if figure.get_layout_engine() is not None:
        figure.set_layout_engine("none")  # keep the layout just computed
    width, height = canvas.get_width_height(physical=True)
    image = Image.frombuffer("RGBA", (width, height), canvas.buffer_rgba(), "raw", "RGBA", 0, 1)
    image = image.convert("RGB")
    out = io.BytesIO()
    if colours is None:
        image.save(out, format="PNG", compress_level=6)
    else:
        keep = series_colours(figure) + [(255, 255, 255), (0, 0, 0)]
        _palette_image(image, colours, keep).save(out, format="PNG", optimize=True)
    return out.getvalue()


def render_frames(
    controls: Sequence[Control], render: Callable[[tuple[int, ...]], Frame]
) -> dict[tuple[int, ...], Frame]:
    """Call RENDER once for every combination of control indices (the full grid)."""
    grid = itertools.product(*(range(len(c.options)) for c in controls))
    return {key: render(key) for key in grid}


def _data_uri(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def _script_json(payload: object) -> str:
    """JSON safe inside <script>: no "</" can close the element early."""
    text = json.dumps(payload, separators=(",", ":"), sort_keys=True)
    return text.replace("</", "<\\/")


def _control_html(uid: str, control: Control) -> list[str]:
    """The labelled native control of one Control: a range with its value, or a select."""
    esc = html.escape
    cid = f"{uid}-{control.name}"
    parts = ['<div class="pgw-control">', f'<label for="{cid}">{esc(control.label)}</label>']
    if control.kind == "range":
        labels = esc(json.dumps(list(control.options)), quote=True)
        shown = esc(control.options[control.initial])
        parts.append(
            f'<input type="range" id="{cid}" data-pgw-control="{control.name}" '
            f'min="0" max="{len(control.options) - 1}" step="1" '
            f'value="{control.initial}" data-pgw-labels="{labels}" '
            f'aria-valuetext="{shown}">'
        )
        parts.append(f'<output id="{cid}-value" for="{cid}">{shown}</output>')
    else:
        parts.append(f'<select id="{cid}" data-pgw-control="{control.name}">')
        for i, option in enumerate(control.options):
            selected = " selected" if i == control.initial else ""
            parts.append(f'<option value="{i}"{selected}>{esc(option)}</option>')
        parts.append("</select>")
    parts.append("</div>")
    return parts


def frames_html(
    title: str,
    controls: Sequence[Control],
    frames: dict[tuple[int, ...], Frame],
    note: str = "",
) -> str:
    """The static widget: controls, the initial frame and every frame as JSON.

    Parameters
    ----------
    title : str
        Accessible name of the widget (its heading).
    controls : sequence of Control
    frames : dict
        ``frames[(i_1, ..., i_k)]`` for every combination of option indices.
    note : str
        A sentence shown under the figure (e.g. what was precomputed).

    Returns
    -------
    str
        An HTML fragment; its ids derive from a hash of the content, so equal inputs give
        equal HTML and two different widgets on one page do not clash.
    """
    expected = {key for key in itertools.product(*(range(len(c.options)) for c in controls))}
    if set(frames) != expected:
        missing = sorted(expected - set(frames))[:3]
        raise ValueError(f"frames must cover every combination of controls; missing {missing}")

    payload = {
        "-".join(map(str, key)): {"src": _data_uri(f.png), "alt": f.alt, "text": f.text}
        for key, f in frames.items()
    }
    data = _script_json(payload)
    uid = "pgw-" + hashlib.sha1((title + data).encode()).hexdigest()[:10]
    initial = tuple(c.initial for c in controls)
    first = frames[initial]
    esc = html.escape

    parts = [
        f'<div class="pgw-static" id="{uid}" role="group" aria-labelledby="{uid}-title">',
        f'<p class="pgw-title" id="{uid}-title">{esc(title)}</p>',
        '<div class="pgw-controls">',
    ]
    for control in controls:
        parts += _control_html(uid, control)
    parts.append("</div>")
    parts.append('<figure class="pgw-figure">')
    parts.append(
        f'<img class="pgw-image" src="{_data_uri(first.png)}" alt="{esc(first.alt)}">'
    )
    parts.append(
        f'<figcaption class="pgw-text" aria-live="polite">{esc(first.text)}</figcaption>'
    )
    parts.append("</figure>")
    if note:
        parts.append(f'<p class="pgw-note">{esc(note)}</p>')
    parts.append(f'<script type="application/json" class="pgw-frames">{data}</script>')
    parts.append("</div>")
    return "\n".join(parts)
