"""Hostile faults around processes: killing the main ``migrate`` process leaves no worker behind,
and ``--scheduler`` pointed at something that is not a Dask scheduler fails fast with one line
(issue 13, items 4 and 9).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.hostile import ROOT, cli, write_tree

pytest.importorskip("distributed")


def _children() -> dict[int, list[int]]:
    """Parent pid → child pids, from /proc."""
    tree: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if fields[0] != "Z":
            tree.setdefault(int(fields[1]), []).append(int(entry))
    return tree


def _descendants(pid: int) -> set[int]:
    tree, found, todo = _children(), set(), [pid]
    while todo:
        for child in tree.get(todo.pop(), []):
            found.add(child)
            todo.append(child)
    return found


def _alive(pids: set[int]) -> set[int]:
    alive = set()
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as handle:
                if handle.read().rsplit(")", 1)[1].split()[0] != "Z":
                    alive.add(pid)
        except OSError:
            pass
    return alive


DRIVER = """
import sys
from pathlib import Path
from estimator_fix.engine import Settings
from estimator_fix.migration import MigrationOptions, run
from tests.test_migrate import Saboteur
run(MigrationOptions(repo=Path(sys.argv[1]), jobs=2, settings=Settings(codemods=(Saboteur,)),
                     cache=False, timeout=None))
"""


@pytest.mark.slow
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_killing_the_main_process_leaves_no_worker(tmp_path: Path) -> None:
    repo = write_tree(tmp_path / "repo", {f"m{i}.py": b"# SLOW model_fn\n" for i in range(4)})
    main = subprocess.Popen(
        [sys.executable, "-c", DRIVER, str(repo)],
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    workers: set[int] = set()
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and len(workers) < 4:  # fork server, tracker, 2 workers
            time.sleep(0.2)
            workers = _descendants(main.pid)
        assert len(workers) >= 3, workers
        os.kill(main.pid, signal.SIGKILL)
        main.wait()
        deadline = time.monotonic() + 15
        while _alive(workers) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not _alive(workers)
    finally:  # only if the test failed: what it started must not outlive it
        if main.poll() is None:
            main.kill()
        for pid in _alive(workers):
            os.kill(pid, signal.SIGKILL)


def _serve(handler: object) -> Iterator[int]:
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    stop = threading.Event()

    def loop() -> None:
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                connection, _ = server.accept()
            except OSError:
                continue
            threading.Thread(target=handler, args=(connection, stop), daemon=True).start()

    thread = threading.Thread(target=loop, daemon=True)
    thread.start()
    yield server.getsockname()[1]
    stop.set()
    thread.join()
    server.close()


def _http(connection: socket.socket, stop: threading.Event) -> None:
    """An HTTP server: waits for a request, answers 400, keeps the connection open."""
    connection.settimeout(0.2)
    with connection:
        while not stop.is_set():
            try:
                if b"\r\n\r\n" in connection.recv(65536):
                    connection.sendall(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")
            except OSError:
                continue


def _banner(connection: socket.socket, stop: threading.Event) -> None:
    """A service that greets first (as SSH and SMTP do)."""
    with connection:
        connection.sendall(b"SSH-2.0-OpenSSH_9.6\r\n")
        stop.wait()


@pytest.mark.slow
@pytest.mark.parametrize(
    ("handler", "reason"),
    [
        (_http, "no Dask handshake within 5s (is it a Dask scheduler, not an HTTP server"),
        (_banner, "not a Dask scheduler (it greets with 'SSH-2.0-'...)"),
    ],
    ids=["an HTTP port", "a banner service"],
)
def test_a_scheduler_address_that_is_not_dask_fails_fast(
    tmp_path: Path, handler: object, reason: str
) -> None:
    repo = write_tree(tmp_path / "repo", {"model.py": b"# model_fn\n"})
    for port in _serve(handler):
        started = time.monotonic()
        result = cli("migrate", str(repo), "--scheduler", f"tcp://127.0.0.1:{port}")
        assert time.monotonic() - started < 20
        assert result.exit_code == 2
        [line] = result.stderr.splitlines()
        assert line.startswith(f"error: --scheduler tcp://127.0.0.1:{port}: cannot connect: ")
        assert reason in line
