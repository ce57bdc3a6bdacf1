"""Ctrl-C that is never lost: the handler remembers it as well as raising KeyboardInterrupt.

Native code that checks for signals while it runs (LibCST's parser, in Rust) raises the
KeyboardInterrupt inside itself and may turn it into an error of its own (a file that "does not
parse"), after which the run would go on. ``Interrupts`` installs a SIGINT handler that also sets
a flag; the command checks it after each file and stops there.
"""

from __future__ import annotations

import signal
import threading
from types import FrameType, TracebackType
from typing import Any, Optional


class Interrupts:
    """``with Interrupts() as watch: ... watch.check()`` (a no-op outside the main thread)."""

    def __init__(self) -> None:
        self.seen = False
        self._previous: Any = None

    def __enter__(self) -> Interrupts:
        if threading.current_thread() is threading.main_thread():
            self._previous = signal.signal(signal.SIGINT, self._handler)
        return self

    def __exit__(
        self,
        kind: Optional[type[BaseException]],
        value: Optional[BaseException],
        traceback: Optional[TracebackType],
    ) -> None:
        if self._previous is not None:
            signal.signal(signal.SIGINT, self._previous)

    def _handler(self, signum: int, frame: Optional[FrameType]) -> None:
        self.seen = True
        raise KeyboardInterrupt

    def check(self) -> None:
        """Raise KeyboardInterrupt if Ctrl-C came, even if what it interrupted swallowed it."""
        if self.seen:
            raise KeyboardInterrupt
