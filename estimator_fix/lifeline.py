"""A migration's worker processes die with the run that started them.

``kill`` of the main ``migrate`` process alone (no process group signal, no Ctrl-C) must not leave
its fork server and workers running with parent 1, holding its stdout (the workers hold the fork
server's "alive" pipe open, so it would wait for them forever). ``bind_to_parent`` asks the kernel
to kill the calling process when its parent dies (Linux ``PR_SET_PDEATHSIG``; elsewhere a daemon
thread watches the parent), then makes sure the run it belongs to is still there: the main
process's id is in ``RUN_ENV`` (set by ``executor`` before the pool starts).

The fork server, whose parent is the main process, runs it when it imports this module:
``executor`` names it first in the fork server's preload list, and nothing else imports it (it is
a module of its own, outside the packages whose imports take time, so the window in which the
main process may die unnoticed is as short as can be). The workers, children of the fork server,
call it as their initializer.
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys
import threading
import time

#: The environment variable that holds the main process's id.
RUN_ENV = "ESTIMATOR_FIX_RUN_PID"
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


def _alive(pid: int) -> bool:
    """Whether process ``pid`` runs (a zombie, exited but not yet reaped, does not)."""
    try:
        with open(f"/proc/{pid}/stat") as handle:
            return handle.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False
    except (OSError, IndexError):  # no /proc here
        pass
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True
    return True


def _belongs(run: int) -> bool:
    """Whether this process still hangs from the run: its parent is the run (the fork server) or
    a child of the run (a worker, whose parent is the fork server)."""
    parent = os.getppid()
    if parent == run:
        return True
    try:
        with open(f"/proc/{parent}/stat") as handle:
            grandparent = int(handle.read().rsplit(")", 1)[1].split()[1])
    except (OSError, ValueError, IndexError):  # no /proc: the run at least must be alive
        return _alive(run)
    return grandparent == run


def bind_to_parent(*, thread: bool = True) -> None:
    """End this process when its parent ends, and now if the run's main process is gone (see the
    module docstring); ``thread``: whether the fallback may start a thread (not in a process
    that forks)."""
    parent = os.getppid()
    if not _kernel_binding() and thread:
        threading.Thread(target=_watch, args=(parent,), daemon=True).start()
    run = os.environ.get(RUN_ENV, "")
    if run.isdigit() and not _belongs(int(run)):
        os._exit(1)  # the run, or this process's parent, died before the binding took


def _on_import() -> None:
    """In a process the run started itself (the fork server): bind it. In any other process
    of a run that has died: end. Elsewhere (the run's own process, unrelated ones): nothing."""
    run = os.environ.get(RUN_ENV, "")
    if not run.isdigit() or int(run) == os.getpid():
        return
    if os.getppid() == int(run):
        bind_to_parent(thread=False)
    elif not _alive(int(run)):
        os._exit(1)


_on_import()
