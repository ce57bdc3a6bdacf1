"""The per-file work of a migration, run wherever an executor puts it (a process, a Dask worker).

``analyse_chunk(tasks, settings, timeout)`` turns each ``Task`` (a file's bytes, shipped to the
worker so it needs no access to the repository) into an ``Outcome``: the engine's result plus the
number of model_fns and, for notebooks, the cell of each finding. Nothing here raises for one
file: a crash or a timeout becomes that file's ``Failed``.
"""

from __future__ import annotations

import contextlib
import re
import signal
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from types import FrameType
from typing import Optional

import libcst as cst
from libcst.helpers import get_full_name_for_node

from codemods import tf_api
from codemods.model_fns import param_names, returns_spec
from estimator_fix.engine import (
    Changed,
    Failed,
    FileResult,
    Settings,
    Skipped,
    Unchanged,
    might_contain_estimator_code,
    process_source,
)
from estimator_fix.migration import notebooks


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


_NESTED = ("body", "orelse", "handlers", "finalbody", "cases")
_PASSED = re.compile(rb"\bmodel_fn\s*=")


def _statements(module: cst.Module) -> Iterator[cst.CSTNode]:
    """Every statement, at any depth, without descending into expressions (a full LibCST
    traversal costs twice the parse)."""
    stack: list[cst.CSTNode] = list(reversed(module.body))
    while stack:
        node = stack.pop()
        yield node
        if isinstance(node, cst.SimpleStatementLine):
            stack.extend(reversed(node.body))
            continue
        for attribute in _NESTED:
            value = getattr(node, attribute, None)
            if isinstance(value, cst.BaseSuite):
                stack.extend(reversed(value.body))
            elif isinstance(value, (list, tuple)):
                stack.extend(reversed([v for v in value if isinstance(v, cst.CSTNode)]))
            elif isinstance(value, cst.CSTNode):
                stack.append(value)


def _import_aliases(statements: list[cst.CSTNode]) -> dict[str, str]:
    """Local name → the dotted name it was imported as, from every import statement."""
    aliases: dict[str, str] = {}
    for node in statements:
        if isinstance(node, cst.Import):
            for alias in node.names:
                dotted = get_full_name_for_node(alias.name) or ""
                if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                    aliases[alias.asname.name.value] = dotted
                else:
                    head = dotted.split(".")[0]
                    aliases[head] = head
        elif isinstance(node, cst.ImportFrom):
            source = get_full_name_for_node(node.module) if node.module else None
            if source and not node.relative and not isinstance(node.names, cst.ImportStar):
                for alias in node.names:
                    name = get_full_name_for_node(alias.name) or ""
                    local = alias.asname.name if alias.asname is not None else alias.name
                    if isinstance(local, cst.Name):
                        aliases[local.value] = f"{source}.{name}"
    return aliases


class _PassedAsModelFn(cst.CSTVisitor):
    """Names given as ``model_fn=NAME`` or ``model_fn=obj.NAME``."""

    def __init__(self) -> None:
        self.names: set[str] = set()

    def visit_Arg(self, node: cst.Arg) -> None:
        if node.keyword is not None and node.keyword.value == "model_fn":
            if isinstance(node.value, cst.Name):
                self.names.add(node.value.value)
            elif isinstance(node.value, cst.Attribute):
                self.names.add(node.value.attr.value)


def count_model_fns(data: bytes) -> int:
    """How many model_fns ``data`` defines (0 when it does not parse).

    The criteria of the codemods' discovery (``codemods.model_fns``: a ``mode`` parameter, and a
    returned EstimatorSpec or being passed as ``model_fn=``), with names resolved from the
    module's import statements instead of LibCST's scope analysis, which would cost as much as
    the fix itself.
    """
    try:
        module = cst.parse_module(data)
    except (cst.ParserSyntaxError, RecursionError, MemoryError):
        return 0
    statements = list(_statements(module))
    functions = [
        node
        for node in statements
        if isinstance(node, cst.FunctionDef) and "mode" in param_names(node)
    ]
    if not functions:
        return 0
    aliases = _import_aliases(statements)

    def resolve(node: cst.CSTNode) -> str | None:
        if not isinstance(node, (cst.Name, cst.Attribute)):
            return None
        dotted = get_full_name_for_node(node)
        if dotted is None:
            return None
        head, dot, rest = dotted.partition(".")
        return tf_api.normalize(aliases.get(head, head) + dot + rest)

    passed = _PassedAsModelFn()
    if _PASSED.search(data):
        module.visit(passed)
    return sum(
        1 for node in functions if node.name.value in passed.names or returns_spec(node, resolve)
    )


def _notebook(task: Task, settings: Settings) -> Outcome:
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
    model_fns = (
        count_model_fns(extracted.code) if might_contain_estimator_code(extracted.code) else 0
    )
    if isinstance(result, Unchanged):
        return Outcome(task.rel, Unchanged(task.path, findings, warnings), model_fns, cells)
    try:
        fixed = notebooks.rebuild(task.data, extracted, result.fixed)
    except notebooks.NotebookError as exc:
        return Outcome(task.rel, Failed(task.path, f"internal error: {exc}"))
    if fixed == task.data:
        unapplied = tuple(replace(f, applied=False) for f in findings)
        return Outcome(task.rel, Unchanged(task.path, unapplied, warnings), model_fns, cells)
    changed = Changed(task.path, task.data, fixed, findings, warnings)
    return Outcome(task.rel, changed, model_fns, cells)


def _python(task: Task, settings: Settings) -> Outcome:
    result = process_source(task.path, task.data, settings)
    if isinstance(result, (Skipped, Failed)):
        return Outcome(task.rel, result)
    model_fns = count_model_fns(task.data) if might_contain_estimator_code(task.data) else 0
    return Outcome(task.rel, result, model_fns)


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
