"""Worker subprocesses: start, talk the line protocol (see ``worker.py``), time out, kill.

Each version runs in its own process group, so a timeout kills whatever user code started too.
"""

from __future__ import annotations

import contextlib
import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import IO, Any

WORKER = Path(__file__).with_name("worker.py")

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


def tensorflow_missing(python: str | None) -> str | None:
    """None when ``python`` (default: this interpreter) can import TensorFlow, else why not."""
    code = (
        "import importlib.util as u, sys\n"
        "sys.exit(0 if u.find_spec('tensorflow') is not None else 3)"
    )
    if python is None:
        import importlib.util

        if importlib.util.find_spec("tensorflow") is None:
            return f"validation needs TensorFlow, which this Python lacks: {INSTALL_HINT}"
        return None
    try:
        completed = subprocess.run(
            [python, "-c", code], capture_output=True, timeout=60, check=False
        )
    except FileNotFoundError:
        return f"--python {python}: no such interpreter"
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"--python {python}: cannot run it ({exc})"
    if completed.returncode == 3:
        return f"validation needs TensorFlow, which {python} lacks: {INSTALL_HINT}"
    if completed.returncode != 0:
        return f"--python {python}: cannot run it (exit status {completed.returncode})"
    return None


def _last_stderr_line(path: Path) -> str:
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[-1] if lines else ""


class Worker:
    """One running worker: its protocol messages arrive on a queue read by a thread."""

    def __init__(self, python: str, spec: Path, directory: Path, timeout: float) -> None:
        self.stderr_path = directory / "stderr.txt"
        self.deadline = time.monotonic() + timeout
        self.timeout = timeout
        self.failure = ""
        self._messages: queue.Queue[dict[str, Any] | None] = queue.Queue()
        env = {**os.environ, **WORKER_ENV}
        env.pop("PYTHONPATH", None)
        with open(self.stderr_path, "wb") as stderr:
            self.process = subprocess.Popen(
                [python, os.fspath(WORKER), os.fspath(spec)],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=stderr,
                env=env,
                cwd=os.getcwd(),
                start_new_session=sys.platform != "win32",
            )
        assert self.process.stdout is not None
        self._reader = threading.Thread(target=self._read, args=(self.process.stdout,), daemon=True)
        self._reader.start()

    def _read(self, stream: IO[bytes]) -> None:
        for raw in stream:
            try:
                message = json.loads(raw.decode("utf-8"))
            except ValueError:
                continue
            if isinstance(message, dict):
                self._messages.put(message)
        self._messages.put(None)

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
                return message

    def _death(self) -> str:
        try:
            code = self.process.wait(timeout=max(1.0, self.deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            self.kill()
            return f"timed out after {self.timeout:g}s"
        last = _last_stderr_line(self.stderr_path)
        if code < 0:
            try:
                name = signal.Signals(-code).name
            except ValueError:
                name = f"signal {-code}"
            status = f"killed by {name}"
        else:
            status = f"exit status {code}"
        return f"the process died ({status}){': ' + last if last else ''}"

    def send(self, message: dict[str, Any]) -> None:
        stdin = self.process.stdin
        if stdin is None or self.failure:
            return
        try:
            stdin.write((json.dumps(message) + "\n").encode("utf-8"))
            stdin.flush()
        except OSError:
            pass

    def finish(self) -> None:
        """Wait for the exit after ``done``, killing the worker past its deadline."""
        try:
            self.process.wait(timeout=max(1.0, self.deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            self.kill()

    def kill(self) -> None:
        if self.process.poll() is not None:
            return
        try:
            if sys.platform != "win32":
                os.killpg(self.process.pid, signal.SIGKILL)
            else:
                self.process.kill()
        except OSError:
            pass
        self.process.wait()

    def close(self) -> None:
        self.kill()
        for stream in (self.process.stdin, self.process.stdout):
            if stream is not None:
                with contextlib.suppress(OSError):
                    stream.close()
        self._reader.join(timeout=5)
