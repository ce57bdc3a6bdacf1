"""A migration's worker processes die with the run that started them.

``kill`` of the main ``migrate`` process alone (no process group signal, no Ctrl-C) must not leave
its fork server and workers running with parent 1, holding its stdout. ``bind_to_parent`` asks the
kernel to kill the calling process when its parent dies (Linux ``PR_SET_PDEATHSIG``); elsewhere
a daemon thread watches the parent and exits when it is gone. The workers call it as their
initializer; the fork server (whose parent is the main process, and which is the workers'
parent) runs it when it imports this module: ``executor`` names it in the fork server's preload
list, and nothing else imports it.
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys
import threading
import time

#: ``prctl`` option: the signal sent to this process when its parent dies.
_PR_SET_PDEATHSIG = 1
#: How often the fallback thread checks that the parent is alive.
_POLL_SECONDS = 1.0


def _kernel_binding() -> bool:
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return int(libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)) == 0
    except (OSError, AttributeError):
        return False


def _watch(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(_POLL_SECONDS)
    os._exit(1)


def bind_to_parent(*, thread: bool = True) -> None:
    """End this process when its parent ends (see the module docstring); ``thread``: whether the
    fallback may start a thread (not in a process that forks)."""
    parent = os.getppid()
    if _kernel_binding():
        if os.getppid() != parent:  # the parent died before the binding took
            os._exit(1)
        return
    if thread:
        threading.Thread(target=_watch, args=(parent,), daemon=True).start()


bind_to_parent(thread=False)
