"""Worker processes: start them, talk the line protocol (see ``worker/``), time out, kill.

On Linux a fork server per interpreter imports TensorFlow once, builds one small model to warm its
caches (``worker/warm.py``) and forks a fresh single-threaded process per version run (TensorFlow's
import is most of a small validation's cost, its first graph much of the rest); elsewhere, or
if the server cannot start, each run is a new interpreter. Either way every version runs in its
own process and session (process group), so a timeout kills whatever user code started too.
"""

from __future__ import annotations

import atexit
import contextlib
import itertools
import json
import os
import queue
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import IO, Any

#: The worker package; run as a directory (``python WORKER SPEC``), it needs no estimator-fix.
WORKER = Path(__file__).with_name("worker")

#: The environment that makes runs reproducible and quiet: CPU only, one thread, fixed hashing.
WORKER_ENV = {
    "CUDA_VISIBLE_DEVICES": "-1",
    "TF_CPP_MIN_LOG_LEVEL": "2",
    "TF_DETERMINISTIC_OPS": "1",
    "TF_ENABLE_ONEDNN_OPTS": "0",
    "OMP_NUM_THREADS": "1",
    "PYTHONHASHSEED": "0",
    "PYTHONDONTWRITEBYTECODE": "1",
    "PYTHONUNBUFFERED": "1",
    "PYTHONWARNINGS": "ignore",
}

INSTALL_HINT = (
    'pip install "estimator-fix[validate]", or pass --python pointing at an interpreter '
    "that has TensorFlow"
)

#: How long a fork server may take to import TensorFlow and answer a request.
_SERVER_START_TIMEOUT = 120.0


#: Variables a worker must not inherit: ``PYTHONPATH`` (the module's own roots are set by the
#: worker), and those that switch TensorFlow 1.x to TensorFlow 2's behaviour (control flow v2,
#: ...), which this process may hold without anyone having set them: importing TensorFlow 2 sets
#: ``TF2_BEHAVIOR=1`` in ``os.environ`` (a notebook or a job that calls the API after importing
#: it), and a TF 1.x worker started from there would build other graphs than TF 1.x does.
_NOT_INHERITED = (
    "PYTHONPATH",
    "TF2_BEHAVIOR",
    "TF_ENABLE_CONTROL_FLOW_V2",
    "TF_ENABLE_COND_V2",
    "TF_ENABLE_WHILE_V2",
    "TF_ENABLE_TENSOR_ARRAY_V2",
)


def worker_env() -> dict[str, str]:
    env = {**os.environ, **WORKER_ENV}
    for name in _NOT_INHERITED:
        env.pop(name, None)
    return env


def tensorflow_missing(python: str | None) -> str | None:
    """None when ``python`` (default: this interpreter) can import TensorFlow, else why not."""
    if python is None:
        import importlib.util

        if importlib.util.find_spec("tensorflow") is None:
            return f"validation needs TensorFlow, which this Python lacks: {INSTALL_HINT}"
        return None
    code = "import importlib.util as u, sys\nsys.exit(0 if u.find_spec('tensorflow') else 3)"
    try:
        completed = subprocess.run([python, "-c", code], capture_output=True, timeout=60)
    except FileNotFoundError:
        return f"--python {python}: no such interpreter"
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"--python {python}: cannot run it ({exc})"
    if completed.returncode == 3:
        return f"validation needs TensorFlow, which {python} lacks: {INSTALL_HINT}"
    if completed.returncode != 0:
        return f"--python {python}: cannot run it (exit status {completed.returncode})"
    return None


def _status_text(code: int) -> str:
    if code < 0:
        try:
            return f"killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"killed by signal {-code}"
    return f"exit status {code}"


def _last_line(path: Path) -> str:
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[-1] if lines else ""


def _kill_group(pid: int) -> None:
    with contextlib.suppress(OSError):
        os.killpg(pid, signal.SIGKILL)


class ForkServer:
    """A process that has imported TensorFlow and forks a worker per request (Linux only)."""

    def __init__(self, python: str) -> None:
        self.python = python
        self._ids = itertools.count()
        self._condition = threading.Condition()
        self._forked: dict[int, int] = {}
        self._exits: dict[int, int] = {}
        self.failure = ""
        self.dead = False
        self._control, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        with theirs:
            self.process = subprocess.Popen(
                [python, os.fspath(WORKER), "--serve", str(theirs.fileno())],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
                env=worker_env(),
                pass_fds=(theirs.fileno(),),
                start_new_session=True,
            )
        assert self.process.stdout is not None
        self._reader = threading.Thread(target=self._read, args=(self.process.stdout,), daemon=True)
        self._reader.start()

    def _read(self, stream: IO[bytes]) -> None:
        for raw in stream:
            try:
                event = json.loads(raw.decode("utf-8"))
            except ValueError:
                continue
            with self._condition:
                kind = event.get("event")
                if kind == "failed":
                    self.failure = str(event.get("error"))
                elif kind == "forked":
                    self._forked[int(event["id"])] = int(event["pid"])
                elif kind == "exit":
                    self._exits[int(event["pid"])] = int(event["status"])
                self._condition.notify_all()
        with self._condition:
            self.dead = True
            self._condition.notify_all()

    def fork(self, spec: Path, fds: tuple[int, int, int]) -> int | None:
        """Fork a worker for ``spec`` on ``fds`` (stdin, stdout, stderr): its pid, or None."""
        request = next(self._ids)
        message = json.dumps({"id": request, "spec": os.fspath(spec)}).encode("utf-8")
        try:
            socket.send_fds(self._control, [message], list(fds))
        except OSError:
            return None
        deadline = time.monotonic() + _SERVER_START_TIMEOUT
        with self._condition:
            while request not in self._forked and not self.dead and not self.failure:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return None
                self._condition.wait(remaining)
            return self._forked.get(request)

    def exit_status(self, pid: int, timeout: float) -> int | None:
        deadline = time.monotonic() + timeout
        with self._condition:
            while pid not in self._exits and not self.dead:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return None
                self._condition.wait(remaining)
            return self._exits.get(pid)

    def close(self) -> None:
        self._control.close()
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            _kill_group(self.process.pid)
            self.process.wait()
        if self.process.stdout is not None:
            self.process.stdout.close()
        self._reader.join(timeout=5)


_servers: dict[str, ForkServer] = {}
_servers_lock = threading.Lock()


def fork_server(python: str) -> ForkServer | None:
    """The running fork server for ``python``, started on first use; None where fork is not used."""
    if not sys.platform.startswith("linux"):
        return None
    with _servers_lock:
        server = _servers.get(python)
        if server is None or server.dead or server.failure:
            if server is not None:
                server.close()
                del _servers[python]
            try:
                server = _servers[python] = ForkServer(python)
            except OSError:
                return None  # cannot start it here; a worker started directly will say why
        return server


def prewarm(python: str | None = None) -> None:
    """Start importing TensorFlow for later validations now (a no-op where fork is not used)."""
    fork_server(python or sys.executable)


@atexit.register
def shutdown_servers() -> None:
    """Stop every fork server (their workers are unaffected)."""
    with _servers_lock:
        servers = list(_servers.values())
        _servers.clear()
    for server in servers:
        server.close()


class Worker:
    """One version's worker process: protocol messages arrive on a queue read by a thread."""

    def __init__(self, python: str, spec: Path, directory: Path, timeout: float) -> None:
        self.stderr_path = directory / "stderr.txt"
        self.timeout = timeout
        self.failure = ""
        self._messages: queue.Queue[dict[str, Any] | None] = queue.Queue()
        self._server: ForkServer | None = None
        self._process: subprocess.Popen[bytes] | None = None
        self._exit: int | None = None
        server = fork_server(python)
        started = self._fork(server, spec) if server is not None else None
        if started is None:
            started = self._spawn(python, spec)
        self.pid, self._stdin, self._stdout = started
        self.deadline = time.monotonic() + timeout
        self._remaining = timeout
        self._reader = threading.Thread(target=self._read, args=(self._stdout,), daemon=True)
        self._reader.start()

    def _fork(self, server: ForkServer, spec: Path) -> tuple[int, IO[bytes], IO[bytes]] | None:
        stdin_read, stdin_write = os.pipe()
        stdout_read, stdout_write = os.pipe()
        stderr = os.open(self.stderr_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            pid = server.fork(spec, (stdin_read, stdout_write, stderr))
        finally:
            for fd in (stdin_read, stdout_write, stderr):
                os.close(fd)
        if pid is None:
            os.close(stdin_write)
            os.close(stdout_read)
            return None
        self._server = server
        return pid, os.fdopen(stdin_write, "wb"), os.fdopen(stdout_read, "rb")

    def _spawn(self, python: str, spec: Path) -> tuple[int, IO[bytes], IO[bytes]]:
        with open(self.stderr_path, "wb") as stderr:
            process = subprocess.Popen(
                [python, os.fspath(WORKER), os.fspath(spec)],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=stderr,
                env=worker_env(),
                start_new_session=sys.platform != "win32",
            )
        assert process.stdin is not None and process.stdout is not None
        self._process = process
        return process.pid, process.stdin, process.stdout

    def _read(self, stream: IO[bytes]) -> None:
        for raw in stream:
            try:
                message = json.loads(raw.decode("utf-8"))
            except ValueError:
                continue
            if isinstance(message, dict):
                self._messages.put(message)
        self._messages.put(None)

    def _wait_exit(self, timeout: float) -> int | None:
        """The exit code (negative: killed by that signal), or None if still running."""
        if self._exit is not None:
            return self._exit
        if self._process is not None:
            try:
                self._exit = self._process.wait(timeout=max(timeout, 0.0))
            except subprocess.TimeoutExpired:
                return None
        elif self._server is not None:
            self._exit = self._server.exit_status(self.pid, max(timeout, 0.0))
        return self._exit

    def wait_for(self, event: str) -> dict[str, Any] | None:
        """The next message named ``event``; None if the worker died or ran out of time."""
        if self.failure:
            return None
        while True:
            remaining = self.deadline - time.monotonic()
            if remaining <= 0:
                self.kill()
                self.failure = f"timed out after {self.timeout:g}s"
                return None
            try:
                message = self._messages.get(timeout=remaining)
            except queue.Empty:
                continue
            if message is None:
                self.failure = self._death()
                return None
            if message.get("event") == event:
                # The worker now waits for its peer: its clock stops until send().
                self._remaining = self.deadline - time.monotonic()
                return message

    def _death(self) -> str:
        code = self._wait_exit(min(5.0, max(self.deadline - time.monotonic(), 0.1)))
        last = _last_line(self.stderr_path)
        status = "the process died" if code is None else f"the process died ({_status_text(code)})"
        return f"{status}: {last}" if last else status

    def send(self, message: dict[str, Any]) -> None:
        """Send one command; the worker's remaining time starts running again."""
        if self.failure:
            return
        self.deadline = time.monotonic() + max(self._remaining, 0.0)
        with contextlib.suppress(OSError, ValueError):
            self._stdin.write((json.dumps(message) + "\n").encode("utf-8"))
            self._stdin.flush()

    def finish(self) -> None:
        """Wait for the exit that follows ``done``, killing the worker past its deadline."""
        if self._wait_exit(max(1.0, self.deadline - time.monotonic())) is None:
            self.kill()

    def kill(self) -> None:
        if self._wait_exit(0) is not None:
            return
        if sys.platform == "win32" and self._process is not None:
            self._process.kill()
        else:
            _kill_group(self.pid)
        self._wait_exit(10.0)

    def close(self) -> None:
        self.kill()
        with contextlib.suppress(OSError, ValueError):
            self._stdin.close()
        self._reader.join(timeout=5)
        self._stdout.close()
