"""The time limit on each call of the student's function.

On POSIX, in the main thread (where Jupyter runs a cell), a ``SIGALRM`` timer
(``signal.setitimer``) interrupts the call with :class:`TimeLimitExceeded`, a ``BaseException``
so that the student's ``except Exception`` does not swallow it; the previous handler and any timer
already running are restored afterwards (that timer resumes with the time it had left, and fires
at once if it fell due meanwhile). A call stuck inside one long C routine (a single numpy
operation on a huge array) is interrupted only when it returns to Python.

Elsewhere (Windows, or a check run from another thread) the call runs in a daemon thread; after
the time limit the check reports the timeout and abandons that thread, which runs on in the
background until it ends or the interpreter exits (restart the kernel to stop a real infinite
loop).
"""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Callable
from typing import Any

__all__ = ["DEFAULT_TIME_LIMIT", "TimeLimitExceeded", "call_with_time_limit"]

#: Seconds each call of the student's function may take before it is stopped.
DEFAULT_TIME_LIMIT = 10.0


class TimeLimitExceeded(BaseException):
    """The student's function did not return within the time limit."""


def call_with_time_limit(call: Callable[[], Any], seconds: float | None) -> Any:
    """``call()``, stopped with :class:`TimeLimitExceeded` after ``seconds`` (the module
    docstring says how); ``seconds=None`` waits for ever."""
    if seconds is None:
        return call()
    if hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread():
        return _call_with_alarm(call, seconds)
    return _call_in_thread(call, seconds)


def _call_with_alarm(call: Callable[[], Any], seconds: float) -> Any:
    def on_alarm(signum: int, frame: Any) -> None:
        raise TimeLimitExceeded(seconds)

    previous = signal.signal(signal.SIGALRM, on_alarm)
    outer_delay, outer_interval = signal.setitimer(signal.ITIMER_REAL, seconds)
    start = time.monotonic()
    try:
        return call()
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, signal.SIG_DFL if previous is None else previous)
        if outer_delay:
            left = outer_delay - (time.monotonic() - start)
            signal.setitimer(signal.ITIMER_REAL, max(left, 1e-6), outer_interval)


def _call_in_thread(call: Callable[[], Any], seconds: float) -> Any:
    box: dict[str, Any] = {}

    def target() -> None:
        try:
            box["value"] = call()
        except BaseException as error:  # handed to the caller's thread below
            box["error"] = error

    worker = threading.Thread(target=target, name="pgtheory-check", daemon=True)
    worker.start()
    worker.join(seconds)
    if worker.is_alive():
        raise TimeLimitExceeded(seconds)
    if "error" in box:
        raise box["error"]
    return box["value"]
