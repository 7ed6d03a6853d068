"""Time the live widgets' callbacks: how long one control change takes to redraw.

Each widget is created once; then its controls are changed programmatically (as a slider drag
would) and the whole callback is timed: new data for the artists, the Agg render of the
figure to PNG, and the assignment to the ipywidgets.Image. Every timing alternates between two
values so that each change is a real update, and the median over REPEATS changes is printed.

Cases:

* N explorer, N slider near N = 10,000 (pool cached, as after the first draw) and near 100;
* N explorer, estimator change with the pool already cached, and with a fresh seed (the
  first time a (seed, estimator, baseline) is seen it draws 1,000,000 episodes);
* variance against N, baseline change (pools cached);
* likelihood-ratio explorer, theta slider;
* REINFORCE explorer, N slider at N = 1,000 (3 runs of 50 updates) and alpha slider at N = 10;
* the static HTML of each widget (one-off, at display time): seconds and size.

Run: ``python benchmarks/bench_widgets.py``. Prints medians; no pass/fail.
"""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from pgtheory.viz import widgets as W  # noqa: E402

REPEATS = 21


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


def main() -> None:
    print(f"median time per widget update over {REPEATS} changes (ms)")
    explorer = W.n_explorer(rng=0, n_episodes=10_000)
    explorer.n_slider.value = 9_000  # warm up: the pool for seed 0 is drawn here
    rows = [
        ("N explorer: N slider 10,000 <-> 8,913",
         median_ms(setter(explorer.n_slider, [10_000, 8_913]))),
        ("N explorer: N slider 100 <-> 89", median_ms(setter(explorer.n_slider, [100, 89]))),
    ]
    explorer.n_slider.value = 10_000
    for estimator in ("reward_to_go", "total_return"):  # draw both pools once
        explorer.estimator.value = estimator
    rows.append(("N explorer: estimator change at N = 10,000, pools cached",
                 median_ms(setter(explorer.estimator, ["reward_to_go", "total_return"]))))
    rows.append(("N explorer: new seed at N = 10,000 (draws 1,000,000 episodes)",
                 median_ms(lambda i: setattr(explorer.seed_box, "value", 100 + i), repeats=5)))

    variance = W.variance_vs_n(rng=0)
    for baseline in ("optimal", "none"):
        variance.baseline.value = baseline
    rows.append(("variance vs N: baseline change, pools cached",
                 median_ms(setter(variance.baseline, ["optimal", "none"]))))

    ratio = W.likelihood_ratio_explorer()
    rows.append(("likelihood ratio: theta slider", median_ms(setter(ratio.theta_slider,
                                                                    [1.0, -1.0]))))

    reinforce = W.reinforce_explorer(n_episodes=1000, learning_rate=0.1)
    rows.append(("REINFORCE: N slider 1,000 <-> 891 (3 runs x 50 updates)",
                 median_ms(setter(reinforce.n_slider, [1000, 891]), repeats=9)))
    reinforce.n_slider.value = 10
    rows.append(("REINFORCE: alpha slider at N = 10",
                 median_ms(setter(reinforce.alpha_slider, [0.1, 0.3]), repeats=9)))
    width = max(len(name) for name, _ in rows)
    for name, ms in rows:
        print(f"  {name:<{width}}  {ms:8.1f}")

    print("\nstatic HTML fallback (computed once when the widget is displayed)")
    for name, make in (("N explorer", lambda: W.n_explorer(rng=0)),
                       ("variance vs N", lambda: W.variance_vs_n(rng=0)),
                       ("likelihood ratio", W.likelihood_ratio_explorer),
                       ("REINFORCE", W.reinforce_explorer)):
        widget = make()
        start = time.perf_counter()
        html = widget.static_html()
        seconds = time.perf_counter() - start
        frames = html.count('"src":"data:image/png')
        print(f"  {name:<17} {seconds:5.1f} s  {len(html) / 1e3:7.0f} kB  {frames:3d} frames")


if __name__ == "__main__":
    main()
