"""What every widget of the book shares: control declarations, the figure widget, its displays.

Each control is declared once, as a :class:`Slider`, :class:`Choice` or :class:`Seed`. That one
declaration makes

* the live ipywidget (its label above it, its value readout beside it);
* the web version's native control and the grid of values it offers (``Slider.grid``,
  every option of a ``Choice``; a ``Seed`` is fixed on the web);
* the entry of the *state*, the keyword arguments of the widget's ``draw(view, **state)``,
  named ``Control.name``.

A :class:`FigureWidget` holds one matplotlib figure (its *view*) and redraws it when a control
moves; it shows itself in three ways (see :meth:`FigureWidget._repr_mimebundle_`): the live
widget, a picture of its current frame with the line :data:`RUN_LINE` for a notebook opened
before it is run, and, only when :data:`FRAMES_ENV` is set, the web version's frames.
"""

from __future__ import annotations

import base64
import contextlib
import functools
import hashlib
import html
import os
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import ipywidgets as widgets
import matplotlib as mpl
import numpy as np

import pgtheory as pg
from pgtheory._validation import check_index

from ..static import ADAPTIVE_COLOURS, Control, Frame, figure_png, frames_html, render_frames
from ..style import use_book_style

__all__ = [
    "FRAMES_ENV", "RUN_LINE", "METADATA_KEY", "LIVE_DPI", "WEB_DPI", "SLIDER_WIDTH",
    "Slider", "Choice", "Seed", "Readout", "FigureWidget", "LRUCache",
    "frames_requested", "source_fingerprint", "book_style", "mdp_and_logits", "check_coordinate",
    "constant_baseline", "baseline_key", "estimator_key", "fmt", "table", "BASELINES", "ESTIMATORS",
]

#: Set this environment variable (to anything but "" or "0") in the kernel that executes a
#: notebook and every widget adds its web version (text/html, every frame) to its output.
#: tools/build_book.py sets it for the HTML build; nothing else needs the frames.
FRAMES_ENV = "PGTHEORY_WIDGET_FRAMES"
#: The line under the picture that a notebook shows before its cells are run.
RUN_LINE = "Run this cell for the live controls."
#: Output metadata key with the widget's title, settings and readout (read by
#: tools/build_pdf.py and tools/prime_cache.py; nbval does not compare metadata).
METADATA_KEY = "pgtheory_widget"
#: Resolution (dots per inch) of the live image and of the web frames.
LIVE_DPI = 100
WEB_DPI = 90
#: Width of every live slider: the track stays >= 250 px next to its value readout.
SLIDER_WIDTH = "420px"


@functools.lru_cache(maxsize=1)
def source_fingerprint() -> str:
    """A hash of pgtheory's Python sources, which the web frames are a function of.

    Written into every widget output's metadata; tools/build_book.py drops a cached notebook
    whose widgets were drawn by other sources (tools/prime_cache.py computes the same hash).
    """
    root = Path(pg.__file__).resolve().parent
    digest = hashlib.sha1()
    for path in sorted(root.rglob("*.py")):
        digest.update(path.relative_to(root).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def frames_requested() -> bool:
    """Whether this process should add the web frames to widget outputs (:data:`FRAMES_ENV`)."""
    return os.environ.get(FRAMES_ENV, "") not in ("", "0")


@contextlib.contextmanager
def book_style() -> Iterator[None]:
    """The book's matplotlib style, without changing the caller's rcParams."""
    with mpl.rc_context():
        use_book_style()
        yield


# --- control declarations -------------------------------------------------------------------


def _labelled(label: str, control: widgets.Widget) -> widgets.VBox:
    """A live control with its label above it (long labels never squeeze a slider)."""
    return widgets.VBox([widgets.Label(label), control],
                        layout=widgets.Layout(margin="0 1.5rem 0.25rem 0"))


@dataclass(frozen=True)
class Slider:
    """A numeric control: a slider live, a range over ``grid`` on the web.

    Attributes
    ----------
    name : str
        Its key in the state (the keyword of ``draw``), e.g. "n_episodes".
    label : str
        Shown above the live slider and beside the web one.
    symbol : str
        Short name inside the live slider (its accessible description), e.g. "N".
    value : float
        Initial value.
    low, high : float
        Range of the live slider.
    grid : tuple of float
        The web version's values, ascending.
    step : float
        Live step (of log10(value) when ``log``).
    log : bool
        A logarithmic slider (FloatLogSlider).
    integer : bool
        The value is an int (rounded).
    text : str
        Format of one value, e.g. "{:,.0f}" or "{:+.1f}".
    """

    name: str
    label: str
    symbol: str
    value: float
    low: float
    high: float
    grid: tuple[float, ...]
    step: float
    log: bool = False
    integer: bool = False
    text: str = "{:g}"

    def __post_init__(self) -> None:
        if not self.low <= self.value <= self.high:
            raise ValueError(f"{self.name} must lie in [{self.low:g}, {self.high:g}]; "
                             f"got {self.value:g}")

    def live(self) -> widgets.Widget:
        common = {"description": self.symbol, "continuous_update": False,
                  "tooltip": self.label, "layout": widgets.Layout(width=SLIDER_WIDTH),
                  "style": {"description_width": "2.5em"}}
        if self.log:
            return widgets.FloatLogSlider(
                value=self.value, base=10, min=np.log10(self.low), max=np.log10(self.high),
                step=self.step, readout_format=".0f" if self.integer else ".3g", **common)
        if self.integer:
            return widgets.IntSlider(value=int(self.value), min=int(self.low),
                                     max=int(self.high), step=max(1, int(self.step)), **common)
        return widgets.FloatSlider(value=self.value, min=self.low, max=self.high,
                                   step=self.step, readout_format=".2f", **common)

    def read(self, control: widgets.Widget) -> float | int:
        return int(round(control.value)) if self.integer else float(control.value)

    def initial_index(self) -> int:
        grid = np.asarray(self.grid, dtype=float)
        if self.log:
            return int(np.argmin(np.abs(np.log(grid) - np.log(self.value))))
        return int(np.argmin(np.abs(grid - self.value)))

    def web(self) -> tuple[Control, tuple[Any, ...]]:
        values = tuple(int(v) if self.integer else float(v) for v in self.grid)
        return (Control(self.name, self.label, tuple(self.text.format(v) for v in values),
                        "range", self.initial_index()), values)

    def describe(self, value: Any) -> str:
        return f"{self.label} = {self.text.format(value)}"


@dataclass(frozen=True)
class Choice:
    """A control with named options: a drop-down list live and on the web.

    ``options`` pairs each value (the state entry) with its text.
    """

    name: str
    label: str
    options: tuple[tuple[Any, str], ...]
    value: Any

    def __post_init__(self) -> None:
        keys = [key for key, _ in self.options]
        if self.value not in keys:
            raise ValueError(f"{self.name} must be one of {keys}; got {self.value!r}")

    def live(self) -> widgets.Widget:
        return widgets.Dropdown(options=[(text, key) for key, text in self.options],
                                value=self.value, tooltip=self.label,
                                layout=widgets.Layout(width="16rem"))

    def read(self, control: widgets.Widget) -> Any:
        return control.value

    def web(self) -> tuple[Control, tuple[Any, ...]]:
        keys = tuple(key for key, _ in self.options)
        return (Control(self.name, self.label, tuple(text for _, text in self.options),
                        "select", keys.index(self.value)), keys)

    def describe(self, value: Any) -> str:
        return f"{self.label}: {dict(self.options)[value]}"


@dataclass(frozen=True)
class Seed:
    """The seed of the widget's random numbers: a number box live, fixed on the web."""

    name: str
    value: int
    label: str = "seed"

    def __post_init__(self) -> None:
        if isinstance(self.value, bool) or not isinstance(self.value, (int, np.integer)):
            raise TypeError(f"rng must be an int seed for a widget (the page names it); got "
                            f"{self.value!r} of type {type(self.value).__name__}")
        if not 0 <= self.value < 2**31:
            raise ValueError(f"rng must lie in [0, 2**31); got {self.value}")

    def live(self) -> widgets.Widget:
        return widgets.BoundedIntText(value=int(self.value), min=0, max=2**31 - 1,
                                      tooltip=self.label, layout=widgets.Layout(width="8rem"))

    def read(self, control: widgets.Widget) -> int:
        return int(control.value)

    def web(self) -> tuple[None, tuple[int]]:
        return None, (int(self.value),)

    def describe(self, value: Any) -> str:
        return f"{self.label} {value}"


Declaration = Slider | Choice | Seed


@dataclass(frozen=True)
class Readout:
    """What ``draw`` returns besides the figure: the printed text and the figure's alt text."""

    text: str
    alt: str


class LRUCache:
    """At most ``max_items`` values, each made once by ``get(key, make)``; the least recently
    used is dropped first. A widget owns its caches (nothing is kept at module level)."""

    def __init__(self, max_items: int) -> None:
        self.max_items = int(max_items)
        self._items: OrderedDict[Hashable, Any] = OrderedDict()

    def get(self, key: Hashable, make: Callable[[], Any]) -> Any:
        if key in self._items:
            self._items.move_to_end(key)
            return self._items[key]
        value = self._items[key] = make()
        while len(self._items) > self.max_items:
            self._items.popitem(last=False)
        return value

    def __len__(self) -> int:
        return len(self._items)

    def clear(self) -> None:
        self._items.clear()


# --- the figure widget ----------------------------------------------------------------------


class FigureWidget(widgets.VBox):
    """Controls above a live figure and a text readout; a picture and web frames on demand.

    Subclasses call ``super().__init__(title, declarations)`` after setting what ``new_view``
    and ``draw`` need, and implement

    * ``new_view()`` -> an object with a ``figure`` attribute (its artists are updated in place);
    * ``draw(view, **state)`` -> :class:`Readout`, the state having one entry per declaration.
    """

    def __init__(self, title: str, declarations: Sequence[Declaration],
                 web_note: str = "") -> None:
        self.title = title
        self.declarations = tuple(declarations)
        self.inputs = {d.name: d.live() for d in self.declarations}
        self.image = widgets.Image(format="png", layout=widgets.Layout(max_width="100%"))
        self.readout = widgets.HTML()
        heading = widgets.HTML(f"<b>{html.escape(title)}</b>")
        bar = widgets.HBox([_labelled(d.label, self.inputs[d.name]) for d in self.declarations],
                           layout=widgets.Layout(flex_flow="row wrap"))
        super().__init__(children=[heading, bar, self.image, self.readout])
        self.web_note = web_note
        self._web_html: str | None = None
        self.view = self.new_view_styled()
        self.current = Readout("", "")
        self.refresh()
        for control in self.inputs.values():
            control.observe(self._on_change, names="value")

    # subclass interface
    def new_view(self) -> Any:
        raise NotImplementedError

    def draw(self, view: Any, **state: Any) -> Readout:
        raise NotImplementedError

    # live
    def state(self) -> dict[str, Any]:
        """The live controls' values, by declaration name."""
        return {d.name: d.read(self.inputs[d.name]) for d in self.declarations}

    def _on_change(self, change: dict[str, Any]) -> None:
        self.refresh()

    def refresh(self) -> None:
        """Redraw the live figure for the current control values."""
        with book_style():
            self.current = self.draw(self.view, **self.state())
            self.image.value = figure_png(self.view.figure, LIVE_DPI)
        self.readout.value = ('<pre style="margin:0; white-space:pre; overflow-x:auto">'
                              + html.escape(self.current.text) + "</pre>")

    # the web version
    def web_html(self) -> str:
        """Every frame of the web version with its native controls (computed once)."""
        if self._web_html is None:
            web = [(d, *d.web()) for d in self.declarations]
            controls = [control for _, control, _ in web if control is not None]
            fixed = {d.name: values[0] for d, control, values in web if control is None}
            varying = [(d.name, values) for d, control, values in web if control is not None]
            view = self.new_view_styled()

            def render(key: tuple[int, ...]) -> Frame:
                state = dict(fixed)
                state.update({name: values[i] for (name, values), i in zip(varying, key,
                                                                           strict=True)})
                readout = self.draw(view, **state)
                return Frame(figure_png(view.figure, WEB_DPI, ADAPTIVE_COLOURS), readout.alt,
                             readout.text)

            with book_style():
                frames = render_frames(controls, render)
            self._web_html = frames_html(self.title, controls, frames, self.web_note)
        return self._web_html

    def new_view_styled(self) -> Any:
        with book_style():
            return self.new_view()

    # displays
    def settings(self) -> str:
        """The current control values in words, e.g. "episodes per estimate N = 100; seed 0"."""
        state = self.state()
        return "; ".join(d.describe(state[d.name]) for d in self.declarations)

    def _repr_mimebundle_(self, **kwargs: Any) -> tuple[dict[str, Any], dict[str, Any]]:
        """The live widget view; a picture of the current frame (image/png) and the same with
        :data:`RUN_LINE` (text/markdown), which a notebook shows before it is run; and, when
        :data:`FRAMES_ENV` is set, the web version (text/html)."""
        data = dict(super()._repr_mimebundle_(**kwargs) or {})
        picture = base64.b64encode(self.image.value).decode("ascii")
        alt = self.current.alt.replace("\\", "\\\\").replace("[", "\\[").replace("]", "\\]")
        data["text/plain"] = f"{type(self).__name__}: {self.title}"
        data["image/png"] = picture
        data["text/markdown"] = f"![{alt}](data:image/png;base64,{picture})\n\n*{RUN_LINE}*\n"
        if frames_requested():
            data["text/html"] = self.web_html()
        metadata = {METADATA_KEY: {"title": self.title, "settings": self.settings(),
                                   "readout": self.current.text,
                                   "source": source_fingerprint()}}
        return data, metadata

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.title!r})"


# --- helpers of several widgets -------------------------------------------------------------


def mdp_and_logits(mdp: pg.TabularMDP | None, theta: Any) -> tuple[pg.TabularMDP, np.ndarray]:
    """The widgets' defaults: the chain MDP and the uniform policy (all logits zero)."""
    mdp = pg.chain_mdp() if mdp is None else mdp
    if not isinstance(mdp, pg.TabularMDP):
        raise TypeError(f"mdp must be a TabularMDP or None; got {type(mdp).__name__}")
    if theta is None:
        return mdp, np.zeros((mdp.n_states, mdp.n_actions))
    theta = np.array(theta, dtype=float)
    pg.expected_return(mdp, theta)  # validates theta against the MDP, naming it
    return mdp, theta


def check_coordinate(mdp: pg.TabularMDP, coordinate: Sequence[int]) -> tuple[int, int]:
    """``coordinate`` as (s, a), each index inside the MDP."""
    if len(coordinate) != 2:
        raise ValueError(f"coordinate must be a pair (s, a); got {coordinate!r}")
    return (check_index(coordinate[0], "coordinate[0] (the state s)", mdp.n_states),
            check_index(coordinate[1], "coordinate[1] (the action a)", mdp.n_actions))


#: The constant baselines the widgets offer: b = 0, b = J(theta) and the exact b*_j.
BASELINES = (("none", "no baseline"), ("expected_return", "b = J(θ)"),
             ("exact_optimal", "optimal b*ⱼ (exact)"))
ESTIMATORS = (("total_return", "total return"), ("reward_to_go", "reward-to-go"))


def baseline_key(baseline: Any) -> str:
    """A factory's ``baseline`` argument (None or a name of :data:`BASELINES`) as its key."""
    key = "none" if baseline is None else baseline
    if key not in dict(BASELINES):
        raise ValueError(f"baseline must be None or one of {[k for k, _ in BASELINES[1:]]}; "
                         f"got {baseline!r}")
    return key


def estimator_key(estimator: Any) -> str:
    """A factory's ``estimator`` argument, checked against :data:`ESTIMATORS`."""
    if estimator not in dict(ESTIMATORS):
        raise ValueError(f"estimator must be one of {[k for k, _ in ESTIMATORS]}; "
                         f"got {estimator!r}")
    return estimator


def constant_baseline(mdp: pg.TabularMDP, theta: np.ndarray, coordinate: tuple[int, int],
                      estimator: str, name: str) -> float | None:
    """The constant b of baseline NAME for the estimate of coordinate j (None for b = 0).

    "expected_return" is J(theta) (:func:`pgtheory.expected_return`); "exact_optimal" is the
    exact b*_j of
    eq. `optimal-baseline` (book/baselines, :func:`pgtheory.optimal_baseline`), well defined
    for one episode, unlike its leave-one-out estimate, which needs two.
    """
    if name == "none":
        return None
    if name == "expected_return":
        return float(pg.expected_return(mdp, theta))
    if name == "exact_optimal":
        return float(pg.optimal_baseline(mdp, theta, estimator=estimator)[coordinate])
    raise ValueError(f"baseline must be None or one of {[k for k, _ in BASELINES[1:]]}; "
                     f"got {name!r}")


def table(rows: Sequence[tuple[str, str]]) -> list[str]:
    """Rows "label  value" with the labels left-aligned and the values right-aligned (the
    readouts are shown in a monospace font, white space kept)."""
    width = max(len(label) for label, _ in rows)
    value_width = max(len(value) for _, value in rows)
    return [f"{label:<{width}}  {value:>{value_width}}" for label, value in rows]


def fmt(x: float) -> str:
    """Four significant digits: what the readouts print."""
    return f"{x:.4g}"
