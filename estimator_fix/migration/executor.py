"""Where the per-file work runs, behind one interface: submit a chunk of tasks, get a future of
their outcomes; ``stream`` feeds the chunks and yields outcomes as they complete.

- ``Inline``: this process (``--jobs 1``; tests).
- ``LocalPool``: a ``ProcessPoolExecutor`` (``--jobs N``); workers come from a fork server that
  has imported the engine once, ignore Ctrl-C (the parent stops them), die with the run even when
  only its main process is killed (``lifeline``), and a pool that a crashing file broke is
  replaced.
- ``Wrapped``: any ``concurrent.futures.Executor``, e.g. a Dask client's (``dask_executor``).

When a chunk fails as a whole (a worker process died, the cluster lost it), its files and those of
every chunk in flight are run again one at a time, so the file at fault is the only one reported.
"""

from __future__ import annotations

import concurrent.futures as futures
import contextlib
import multiprocessing
import os
import socket
import struct
from collections.abc import Callable, Iterable, Iterator
from typing import Any, Protocol

from estimator_fix.lifeline import RUN_ENV
from estimator_fix.migration.worker import Outcome, Task, analyse_chunk, start_worker
from estimator_fix.reporting import printable
from estimator_fix.results import Failed, Settings

Chunk = list[Task]


def default_jobs() -> int:
    """Every core this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


class ChunkExecutor(Protocol):
    """Runs ``analyse_chunk`` on chunks of tasks."""

    name: str
    workers: int

    def submit(self, chunk: Chunk) -> futures.Future[list[Outcome]]: ...

    def recover(self) -> None:
        """Get ready to run again after a chunk failed as a whole."""

    def close(self, cancel: bool = False) -> None: ...


class Inline:
    """Runs each chunk at once, in this process."""

    name = "this process"
    workers = 1

    def __init__(self, settings: Settings, timeout: float | None) -> None:
        self.settings = settings
        self.timeout = timeout

    def submit(self, chunk: Chunk) -> futures.Future[list[Outcome]]:
        future: futures.Future[list[Outcome]] = futures.Future()
        future.set_result(analyse_chunk(chunk, self.settings, self.timeout))
        return future

    def recover(self) -> None:
        return None

    def close(self, cancel: bool = False) -> None:
        return None


class Wrapped:
    """Any ``concurrent.futures.Executor`` (a Dask client's executor, a pool of your own)."""

    def __init__(
        self,
        executor: futures.Executor,
        settings: Settings,
        timeout: float | None,
        *,
        name: str = "executor",
        workers: int = 1,
        owned: bool = False,
        on_close: Callable[[], object] | None = None,
    ) -> None:
        self.executor = executor
        self.on_close = on_close
        self.settings = settings
        self.timeout = timeout
        self.name = name
        self.workers = max(workers, 1)
        self.owned = owned

    def submit(self, chunk: Chunk) -> futures.Future[list[Outcome]]:
        return self.executor.submit(analyse_chunk, chunk, self.settings, self.timeout)

    def recover(self) -> None:
        return None

    def close(self, cancel: bool = False) -> None:
        if self.owned:  # pending chunks were cancelled already (not every executor can)
            self.executor.shutdown(wait=not cancel)
        if self.on_close is not None:
            self.on_close()


def _context() -> Any:
    if "forkserver" in multiprocessing.get_all_start_methods():
        context = multiprocessing.get_context("forkserver")
        # The lifeline first: the fork server dies with this process (see its docstring).
        context.set_forkserver_preload(
            [
                "estimator_fix.lifeline",
                "estimator_fix.migration.worker",
                "estimator_fix.engine",
            ]
        )
        return context
    return multiprocessing.get_context("spawn")


class LocalPool:
    """A process pool of ``jobs`` workers on this machine."""

    def __init__(self, jobs: int, settings: Settings, timeout: float | None) -> None:
        self.workers = jobs
        self.name = f"{jobs} local processes"
        self.settings = settings
        self.timeout = timeout
        self._pool = self._start()

    def _start(self) -> futures.ProcessPoolExecutor:
        os.environ[RUN_ENV] = str(os.getpid())  # for the lifeline of the processes it starts
        return futures.ProcessPoolExecutor(
            max_workers=self.workers, mp_context=_context(), initializer=start_worker
        )

    def submit(self, chunk: Chunk) -> futures.Future[list[Outcome]]:
        return self._pool.submit(analyse_chunk, chunk, self.settings, self.timeout)

    def recover(self) -> None:
        self.close(cancel=True)
        self._pool = self._start()

    def close(self, cancel: bool = False) -> None:
        if not cancel:
            self._pool.shutdown(wait=True)
            return
        # Stop now: the workers hold no state worth keeping (nothing is written in a worker).
        processes = list((getattr(self._pool, "_processes", None) or {}).values())
        self._pool.shutdown(wait=False, cancel_futures=True)
        for process in processes:
            with contextlib.suppress(Exception):
                process.terminate()
        for process in processes:
            with contextlib.suppress(Exception):
                process.join(timeout=5)


#: Seconds to reach a Dask scheduler, and for it to greet us, before giving up.
CONNECT_TIMEOUT = 5.0
#: A Dask scheduler's first message (its handshake) is small; a larger length is not Dask's.
_LARGEST_GREETING = 2**20


def _tcp_endpoint(address: str) -> tuple[str, int] | None:
    """(host, port) of a plain TCP scheduler address, or None (TLS, in-process, UCX…)."""
    rest = address[len("tcp://") :] if address.startswith("tcp://") else address
    if "://" in rest:
        return None
    host, sep, port = rest.rpartition(":")
    if not sep or not port.isdigit():
        return None
    return host.strip("[]") or "127.0.0.1", int(port)


def probe_scheduler(address: str, wait: float = CONNECT_TIMEOUT) -> None:
    """Check that a Dask scheduler answers at a ``tcp://`` ``address`` before handing it to
    Dask's client, which would wait forever on an HTTP server and run out of memory on a
    service that greets with a banner. A scheduler speaks first: an 8-byte length, then its
    handshake. Raises OSError with a one-line reason."""
    endpoint = _tcp_endpoint(address)
    if endpoint is None:
        return
    with socket.create_connection(endpoint, timeout=wait) as connection:
        greeting = b""
        try:
            while len(greeting) < 8:
                chunk = connection.recv(8 - len(greeting))
                if not chunk:
                    raise OSError("the connection was closed without a Dask handshake")
                greeting += chunk
        except socket.timeout:
            raise OSError(
                f"no Dask handshake within {wait:g}s (is it a Dask scheduler, not an HTTP "
                "server or a dashboard port?)"
            ) from None
    (length,) = struct.unpack("Q", greeting)
    if not 0 < length <= _LARGEST_GREETING:
        shown = printable(greeting.decode("latin-1"))
        raise OSError(f"not a Dask scheduler (it greets with {shown!r}...)")


def dask_executor(address: str, settings: Settings, timeout: float | None) -> Wrapped:
    """The workers of the Dask cluster at ``address`` (a ``distributed.Client``, closed with the
    executor). Raises OSError with a one-line reason when no scheduler answers there."""
    from distributed import Client

    probe_scheduler(address)
    try:
        client: Any = Client(address, timeout=CONNECT_TIMEOUT)  # type: ignore[no-untyped-call]
    except OSError:
        raise
    except Exception as exc:  # whatever Dask raises for a peer that is not a scheduler
        first = str(exc).splitlines()[0] if str(exc) else ""
        raise OSError(f"{type(exc).__name__}: {first}") from None
    workers = sum(client.nthreads().values())
    return Wrapped(
        client.get_executor(pure=False),
        settings,
        timeout,
        name=f"Dask cluster at {address}",
        workers=workers,
        owned=True,
        on_close=client.close,
    )


def _died(task: Task, exc: BaseException) -> Outcome:
    detail = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    return Outcome(task.rel, Failed(task.path, f"the worker analysing it died ({detail})"))


class _Feed:
    """The chunks in flight on one executor."""

    def __init__(self, executor: ChunkExecutor, max_pending: int) -> None:
        self.executor = executor
        self.max_pending = max(max_pending, 1)
        self.pending: dict[futures.Future[list[Outcome]], Chunk] = {}

    def submit(self, chunk: Chunk) -> None:
        self.pending[self.executor.submit(chunk)] = chunk

    def collect(self, block: bool) -> Iterator[Outcome]:
        """Outcomes of the chunks that are done (waiting for one when ``block``)."""
        if not self.pending:
            return
        done, _ = futures.wait(
            self.pending, timeout=None if block else 0, return_when=futures.FIRST_COMPLETED
        )
        suspects: list[Task] = []
        for future in done:
            chunk = self.pending.pop(future)
            try:
                yield from future.result()
            except Exception:
                suspects += chunk
        if suspects:
            yield from self._isolate(suspects)

    def _isolate(self, suspects: list[Task]) -> Iterator[Outcome]:
        # Whatever broke the chunk may have broken the others in flight: wait for them all.
        for future in futures.as_completed(list(self.pending)):
            chunk = self.pending.pop(future)
            try:
                yield from future.result()
            except Exception:
                suspects += chunk
        self.executor.recover()
        for task in suspects:
            future = self.executor.submit([task])
            try:
                yield from future.result()
            except Exception as exc:
                yield _died(task, exc)
                self.executor.recover()

    def cancel(self) -> None:
        for future in self.pending:
            future.cancel()
        self.pending.clear()


def stream(
    executor: ChunkExecutor,
    items: Iterable[Task | Outcome],
    *,
    chunk_size: int = 2,
    max_pending: int | None = None,
) -> Iterator[Outcome]:
    """Outcomes for ``items`` as they complete: Outcomes pass straight through, Tasks are sent in
    chunks of ``chunk_size``, at most ``max_pending`` chunks in flight (default: two per worker),
    so memory stays flat however many files there are."""
    feed = _Feed(executor, max_pending or 2 * executor.workers)
    chunk: Chunk = []
    try:
        for item in items:
            if isinstance(item, Outcome):
                yield item
                continue
            chunk.append(item)
            if len(chunk) >= chunk_size:
                feed.submit(chunk)
                chunk = []
            yield from feed.collect(block=len(feed.pending) >= feed.max_pending)
        if chunk:
            feed.submit(chunk)
        while feed.pending:
            yield from feed.collect(block=True)
    finally:
        feed.cancel()
