"""The per-file work of a migration, run wherever an executor puts it (a process, a Dask worker).

``analyse_chunk(tasks, settings, timeout)`` turns each ``Task`` (a file's bytes, shipped to the
worker so it needs no access to the repository) into an ``Outcome``: the engine's result plus the
number of model_fns and, for notebooks, the cell of each finding. Nothing here raises for one
file: a crash or a timeout becomes that file's ``Failed``.
"""

from __future__ import annotations

import contextlib
import signal
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from types import FrameType
from typing import Optional

from estimator_fix.migration import notebooks
from estimator_fix.results import Changed, Failed, FileResult, Settings, Skipped, Unchanged


@dataclass(frozen=True)
class Task:
    """One file to analyse: ``path`` as the engine sees it (absolute), ``rel`` as reported."""

    path: str
    rel: str
    data: bytes

    @property
    def notebook(self) -> bool:
        return self.rel.endswith(".ipynb")


@dataclass(frozen=True)
class Outcome:
    """What analysing one file gave. ``cells`` holds, for a notebook, the 1-based cell of each of
    ``result``'s findings (empty for a plain file); finding lines are then lines in that cell.
    ``cached``: answered from the cache; ``ruled_out``: by the byte-level prefilter (not parsed).
    """

    rel: str
    result: FileResult
    model_fns: int = 0
    cells: tuple[Optional[int], ...] = ()
    seconds: float = 0.0
    cached: bool = False
    ruled_out: bool = False


class FileTimeout(BaseException):
    """Raised in a worker when one file takes longer than allowed.

    A BaseException so that the engine's guard against codemod crashes does not catch it.
    """


@contextlib.contextmanager
def deadline(seconds: float | None) -> Iterator[None]:
    """Raise FileTimeout in this thread after ``seconds`` (where timers work: the main thread of
    a POSIX process; a thread of a Dask worker runs without a limit)."""
    usable = (
        seconds is not None
        and seconds > 0
        and hasattr(signal, "setitimer")
        and threading.current_thread() is threading.main_thread()
    )
    if not usable:
        yield
        return

    def expire(signum: int, frame: FrameType | None) -> None:
        raise FileTimeout()

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, float(seconds or 0))
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _notebook(task: Task, settings: Settings) -> Outcome:
    from estimator_fix.engine import process_source  # see _python
    try:
        extracted = notebooks.extract(task.data)
    except notebooks.NotebookError as exc:
        return Outcome(task.rel, Skipped(task.path, str(exc)))
    result = process_source(task.path, extracted.code, settings)
    notes = extracted.notes
    if isinstance(result, (Skipped, Failed)):
        return Outcome(task.rel, result)
    located = [extracted.locate(f.line) for f in result.findings]
    findings = tuple(
        replace(f, line=where[1]) if where else f for f, where in zip(result.findings, located)
    )
    cells = tuple(where[0] if where else None for where in located)
    warnings = notes + result.warnings
    model_fns = result.model_fns
    if isinstance(result, Unchanged):
        unchanged = Unchanged(task.path, findings, warnings, model_fns)
        return Outcome(task.rel, unchanged, model_fns, cells)
    try:
        fixed = notebooks.rebuild(task.data, extracted, result.fixed)
    except notebooks.NotebookError as exc:
        return Outcome(task.rel, Failed(task.path, f"internal error: {exc}"))
    if fixed == task.data:
        unapplied = tuple(replace(f, applied=False) for f in findings)
        unchanged = Unchanged(task.path, unapplied, warnings, model_fns)
        return Outcome(task.rel, unchanged, model_fns, cells)
    changed = Changed(task.path, task.data, fixed, findings, warnings, model_fns)
    return Outcome(task.rel, changed, model_fns, cells)


def _python(task: Task, settings: Settings) -> Outcome:
    # Imported here: the parent process imports this module for its types and must not load
    # LibCST and the codemods; a worker gets the engine from the fork server's preload.
    from estimator_fix.engine import process_source
    result = process_source(task.path, task.data, settings)
    if isinstance(result, (Skipped, Failed)):
        return Outcome(task.rel, result)
    return Outcome(task.rel, result, result.model_fns)


def analyse(task: Task, settings: Settings, timeout: float | None = None) -> Outcome:
    """The Outcome of one file; never raises for a problem with that file."""
    started = time.perf_counter()
    try:
        with deadline(timeout):
            outcome = _notebook(task, settings) if task.notebook else _python(task, settings)
    except FileTimeout:
        reason = f"timed out after {timeout:g}s; not changed"
        outcome = Outcome(task.rel, Failed(task.path, reason))
    except (RecursionError, MemoryError) as exc:
        outcome = Outcome(task.rel, Skipped(task.path, f"too large or deep to analyse ({exc})"))
    except Exception as exc:  # a bug must cost one file, not the run
        reason = f"internal error: {type(exc).__name__}: {exc}"
        outcome = Outcome(task.rel, Failed(task.path, reason))
    return replace(outcome, seconds=time.perf_counter() - started)


def analyse_chunk(
    tasks: Sequence[Task], settings: Settings, timeout: float | None = None
) -> list[Outcome]:
    """``analyse`` over a chunk of files (the unit an executor runs)."""
    return [analyse(task, settings, timeout) for task in tasks]


def ignore_interrupts() -> None:
    """Process-pool initializer: Ctrl-C is the parent's to handle (it stops the workers)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
