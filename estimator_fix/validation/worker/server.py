"""The fork server: import TensorFlow once, warm it up, then fork one fresh worker per request."""

from __future__ import annotations

import json
import os
import sys
import traceback
from typing import Any, Dict, List, Tuple

from .loading import import_tensorflow
from .messaging import last_line
from .program import main
from .warm import warm_up


def _emit(fd: int, message: Dict[str, Any]) -> None:
    os.write(fd, (json.dumps(message) + "\n").encode("utf-8"))


def serve(control_fd: int) -> None:
    """Fork server: import TensorFlow once and warm it up (``warm``), then fork one fresh worker
    per request.

    Requests arrive on the SOCK_SEQPACKET socket ``control_fd``: ``{"id": N, "spec": PATH}`` with
    three file descriptors (the worker's stdin, stdout and stderr). Events go to stdout as JSON
    lines: ``ready`` (or ``failed``), ``forked`` (id, pid) and ``exit`` (pid, status). No session
    or eager context has run when a worker is forked (the warm-up only builds a graph of its own,
    then drops it), and the server has a single Python thread, so every worker starts from the
    same state: a new process's, with TensorFlow's caches filled.
    """
    import signal
    import socket

    events = os.dup(1)
    os.dup2(2, 1)
    control = socket.socket(fileno=control_fd)
    try:
        import numpy  # noqa: F401

        warm_up(import_tensorflow())
    except BaseException as exc:
        _emit(events, {"event": "failed", "error": last_line(exc)})
        return

    def reap(signum: int, frame: Any) -> None:
        while True:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            code = _exit_code(status)
            _emit(events, {"event": "exit", "pid": pid, "status": code})

    signal.signal(signal.SIGCHLD, reap)
    _emit(events, {"event": "ready"})
    while True:
        message, fds = _receive(control, 3)
        if not message:
            return
        request = json.loads(message.decode("utf-8"))
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:
            _forked(request["spec"], fds, control, events)
        for fd in fds:
            os.close(fd)
        _emit(events, {"event": "forked", "id": request["id"], "pid": pid})


def _exit_code(status: int) -> int:
    """``os.waitstatus_to_exitcode`` (Python 3.9+): negative for a signal."""
    if os.WIFSIGNALED(status):
        return -os.WTERMSIG(status)
    return os.WEXITSTATUS(status)


def _receive(control: Any, count: int) -> Tuple[bytes, List[int]]:
    """One message and up to ``count`` file descriptors (``socket.recv_fds``, Python 3.9+)."""
    import array
    import socket

    fds = array.array("i")
    message, ancillary, _, _ = control.recvmsg(65536, socket.CMSG_LEN(count * fds.itemsize))
    for level, kind, data in ancillary:
        if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
            fds.frombytes(data[: len(data) - (len(data) % fds.itemsize)])
    return message, list(fds)


def _forked(spec: str, fds: List[int], control: Any, events: int) -> None:
    """In the forked child: take over the request's stdio, run the worker, never return."""
    import signal

    try:
        os.setsid()
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        control.close()
        os.close(events)
        for target, fd in enumerate(fds):
            os.dup2(fd, target)
            os.close(fd)
        main(["worker", spec])
    except BaseException:
        traceback.print_exc()
        sys.stderr.flush()
    os._exit(70)
