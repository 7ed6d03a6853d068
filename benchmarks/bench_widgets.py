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

Each time is printed as wall time and, in brackets, this process's CPU time: on a machine
shared with other work the wall time grows with the load, the CPU time much less.

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


def timed(action: Callable[[], object]) -> tuple[float, float, object]:
    """Wall and CPU seconds of action(), and its result."""
    wall, cpu = time.perf_counter(), time.process_time()
    result = action()
    return time.perf_counter() - wall, time.process_time() - cpu, result


def ms(wall_cpu: tuple[float, float]) -> str:
    return f"{1e3 * wall_cpu[0]:.0f} ms ({1e3 * wall_cpu[1]:.0f} CPU)"


def median_ms(change: Callable[[int], None], repeats: int = REPEATS) -> tuple[float, float]:
    """Median wall and CPU seconds of change(i) for i = 0..repeats-1."""
    times = [timed(lambda i=i: change(i))[:2] for i in range(repeats)]
    return (statistics.median(t[0] for t in times), statistics.median(t[1] for t in times))


def setter(control: object, values: list[object]) -> Callable[[int], None]:
    def change(i: int) -> None:
        control.value = values[i % len(values)]
    return change


def first_display(make: Callable[[], object]) -> tuple[tuple[float, float], object]:
    """Median over 3 of factory + mimebundle (the live display), and the last widget made."""
    def display() -> object:
        widget = make()
        widget._repr_mimebundle_()
        return widget
    runs = [timed(display) for _ in range(3)]
    return ((statistics.median(r[0] for r in runs), statistics.median(r[1] for r in runs)),
            runs[-1][2])


def main() -> None:
    os.environ.pop("PGTHEORY_WIDGET_FRAMES", None)  # a reader's kernel: no web frames
    wall, cpu, viz = timed(lambda: __import__("pgtheory.viz").viz)
    print(f"import pgtheory.viz: {ms((wall, cpu))}, once per kernel")

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
    print(f"\nfirst display, and updates (median of {REPEATS} changes)")
    widgets = {}
    for name, make, updates in cases:
        first, widget = first_display(make)
        widgets[name] = widget
        print(f"  {name}: first display {ms(first)}")
        for label, change in updates(widget):
            change(0), change(1)  # warm: draw what the first changes need
            print(f"      {label}: {ms(median_ms(change))}")

    print("\nweb version (computed only by the book build)")
    for name, widget in widgets.items():
        wall, cpu, html = timed(widget.web_html)
        frames = html.count('"src":"data:image/png')
        print(f"  {name:<18} {wall:5.1f} s ({cpu:4.1f} CPU)  {len(html) / 1e3:5.0f} kB  "
              f"{frames:3d} frames")


if __name__ == "__main__":
    main()
