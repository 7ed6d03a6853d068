"""Time the live widgets: the first display, and how long one control change takes to redraw.

*First display* is what a reader waits for after running a widget's cell: the factory call
(exact quantities, the first draw, its Agg render) plus ``_repr_mimebundle_`` (the live view
and the picture), without the web frames, which only the book build computes. The import of
``pgtheory.viz`` is timed once, separately (a chapter imports it in an earlier cell).

*Update* is one control change, as a slider drag would make it: new data for the artists,
the Agg render to PNG and the assignment to the ipywidgets.Image. Each timing alternates
between two values so that every change is a real update; the median over REPEATS changes is
printed beside the first display of the same widget.

*Web version* (at build time only): seconds and size of each widget's precomputed frames.

Run: ``python benchmarks/bench_widgets.py``. Prints times; no pass/fail.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

REPEATS = 15


def median_ms(change: Callable[[int], None], repeats: int = REPEATS) -> float:
    """Median wall time in ms of change(i) for i = 0..repeats-1."""
    times = []
    for i in range(repeats):
        start = time.perf_counter()
        change(i)
        times.append(time.perf_counter() - start)
    return 1e3 * statistics.median(times)


def setter(control: object, values: list[object]) -> Callable[[int], None]:
    def change(i: int) -> None:
        control.value = values[i % len(values)]
    return change


def first_display_ms(make: Callable[[], object]) -> tuple[float, object]:
    """Median over 3 of factory + mimebundle (the live display), and the last widget made."""
    times, widget = [], None
    for _ in range(3):
        start = time.perf_counter()
        widget = make()
        widget._repr_mimebundle_()
        times.append(time.perf_counter() - start)
    return 1e3 * statistics.median(times), widget


def main() -> None:
    os.environ.pop("PGTHEORY_WIDGET_FRAMES", None)  # a reader's kernel: no web frames
    start = time.perf_counter()
    from pgtheory import viz
    print(f"import pgtheory.viz: {1e3 * (time.perf_counter() - start):.0f} ms (once per kernel)")

    cases = [
        ("N explorer", lambda: viz.n_explorer(rng=0, n_episodes=100),
         lambda w: [("N slider 100 <-> 89", setter(w.inputs["n_episodes"], [100, 89])),
                    ("N slider 10,000 <-> 8,913 (pool grown)",
                     setter(w.inputs["n_episodes"], [10_000, 8_913])),
                    ("estimator change (pools drawn)",
                     setter(w.inputs["estimator"], ["reward_to_go", "total_return"]))]),
        ("likelihood ratio", viz.likelihood_ratio_explorer,
         lambda w: [("theta slider", setter(w.inputs["theta0"], [1.0, -1.0]))]),
        ("REINFORCE", lambda: viz.reinforce_explorer(n_episodes=10, learning_rate=0.3),
         lambda w: [("alpha slider at N = 10", setter(w.inputs["learning_rate"], [0.1, 0.3])),
                    ("N slider 1,000 <-> 891 (3 runs x 50 updates)",
                     setter(w.inputs["n_episodes"], [1000, 891]))]),
        ("baseline explorer", viz.baseline_explorer,
         lambda w: [("b slider", setter(w.inputs["baseline"], [1.0, 2.0])),
                    ("estimator change (curve cached)",
                     setter(w.inputs["estimator"], ["reward_to_go", "total_return"]))]),
    ]
    print(f"\n{'widget':<18} {'first display':>14}   update (median of {REPEATS} changes)")
    widgets = {}
    for name, make, updates in cases:
        first, widget = first_display_ms(make)
        widgets[name] = widget
        rows = []
        for label, change in updates(widget):
            change(0), change(1)  # warm: draw what the first changes need
            rows.append(f"{label}: {median_ms(change):.0f} ms")
        print(f"{name:<18} {first:11.0f} ms   " + "; ".join(rows))

    print("\nweb version (computed only by the book build)")
    for name, widget in widgets.items():
        start = time.perf_counter()
        html = widget.web_html()
        seconds = time.perf_counter() - start
        frames = html.count('"src":"data:image/png')
        print(f"  {name:<18} {seconds:5.1f} s  {len(html) / 1e3:7.0f} kB  {frames:3d} frames")


if __name__ == "__main__":
    main()
