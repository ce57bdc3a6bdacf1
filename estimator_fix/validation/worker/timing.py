"""A time limit on user code that may wait on what is not here (a download, a remote file system):
past it, an ``InputTimeout`` is raised in the code. Python 3.7 compatible; on platforms without
``SIGALRM`` there is no limit (the worker's own timeout still holds)."""

from __future__ import annotations

import contextlib
import signal
import threading
from typing import Any, Iterator

#: How long the file's own input functions may take to be built and called once.
PROBE_SECONDS = 60.0


class InputTimeout(Exception):
    """The code ran past its time limit."""


@contextlib.contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """Raise ``InputTimeout`` in the code run inside after ``seconds`` (main thread only)."""
    usable = hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()
    if not usable or signal.getitimer(signal.ITIMER_REAL)[0] > 0:
        yield
        return

    def expired(signum: int, frame: Any) -> None:
        raise InputTimeout(f"still running after {seconds:g}s (waiting on the network?)")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
