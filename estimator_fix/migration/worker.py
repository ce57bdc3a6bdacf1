"""The per-file work of a migration, run wherever an executor puts it (a process, a Dask worker).

``analyse_chunk(tasks, settings, timeout)`` turns each ``Task`` (a file's bytes, shipped to the
worker so it needs no access to the repository) into an ``Outcome``: the engine's result plus the
number of model_fns and, for notebooks, the cell of each finding. Nothing here raises for one
file: a crash or a timeout becomes that file's ``Failed``.
"""

from __future__ import annotations

import signal
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Optional

from estimator_fix.results import Failed, FileResult, Settings, Skipped
from estimator_fix.sources import is_notebook


@dataclass(frozen=True)
class Task:
    """One file to analyse: ``path`` as the engine sees it (absolute), ``rel`` as reported."""

    path: str
    rel: str
    data: bytes

    @property
    def notebook(self) -> bool:
        return is_notebook(self.rel)


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


def analyse(task: Task, settings: Settings, timeout: float | None = None) -> Outcome:
    """The Outcome of one file; never raises for a problem with that file."""
    # Imported here: the parent process imports this module for its types and must not load
    # LibCST and the codemods; a worker gets the engine from the fork server's preload.
    from estimator_fix.engine import analyse as engine_analyse

    started = time.perf_counter()
    result = engine_analyse(task.path, task.data, settings, timeout)
    seconds = time.perf_counter() - started
    if isinstance(result, (Skipped, Failed)):
        return Outcome(task.rel, result, seconds=seconds)
    return Outcome(task.rel, result, result.model_fns, result.cells, seconds=seconds)


def analyse_chunk(
    tasks: Sequence[Task], settings: Settings, timeout: float | None = None
) -> list[Outcome]:
    """``analyse`` over a chunk of files (the unit an executor runs)."""
    return [analyse(task, settings, timeout) for task in tasks]


def start_worker() -> None:
    """Process-pool initializer: Ctrl-C is the parent's to handle (it stops the workers), and
    the worker dies with its parent (``lifeline``)."""
    from estimator_fix.lifeline import bind_to_parent

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    bind_to_parent()
