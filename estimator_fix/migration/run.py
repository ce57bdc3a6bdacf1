"""The orchestration of a migration: discover, read and prefilter, consult the cache, analyse the
rest on an executor, validate, write, and return a ``MigrationResult``. Never prints.

Files stream through: the parent reads each file, rules out those without Estimator markers (the
byte-level prefilter: never parsed), answers unchanged files from the cache, and ships the bytes of
the rest in chunks to the executor's workers (which need no access to the repository). Outcomes
are handled as they arrive and only a small record of each is kept, so memory stays flat. All
writing happens here, in the parent, one atomic replace per file: Ctrl-C (KeyboardInterrupt)
stops the run with every file either old or new, and the result says it was interrupted.
"""

from __future__ import annotations

import concurrent.futures as futures
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Literal, Optional, Union

from estimator_fix import __version__
from estimator_fix.limits import DEFAULT_TIMEOUT
from estimator_fix.migration.cache import Cache, input_digest
from estimator_fix.migration.discovery import Discovery, Exclude, discover
from estimator_fix.migration.executor import (
    ChunkExecutor,
    Inline,
    LocalPool,
    Wrapped,
    default_jobs,
    stream,
)
from estimator_fix.migration.results import (
    FileRecord,
    FileStatus,
    FindingRecord,
    FindingStatus,
    MigrationError,
    MigrationResult,
    Mode,
    ValidationRecord,
)
from estimator_fix.migration.validate import BulkValidator, tensorflow_problem
from estimator_fix.migration.worker import Outcome, Task
from estimator_fix.migration.writers import Writer, writer
from estimator_fix.results import (
    Changed,
    Failed,
    Settings,
    Skipped,
    Unchanged,
    might_contain_estimator_code,
)
from estimator_fix.sources import SourceError, read_source
from estimator_fix.validation.options import ValidationOptions
from estimator_fix.writing import identities

__all__ = ["DEFAULT_TIMEOUT", "MigrationOptions", "Mode", "Progress", "run"]


@dataclass(frozen=True)
class MigrationOptions:
    """One migration. ``excludes`` pairs each glob with the directory it is anchored at;
    ``jobs`` None means every core; ``timeout`` is per file (None: no limit). Only files that
    pass the prefilter are shipped, each costing about a second of LibCST work, so chunks are
    small: the workers stay evenly loaded to the end."""

    repo: Path
    mode: Mode = "dry-run"
    destination: Optional[Path] = None
    settings: Settings = field(default_factory=Settings)
    excludes: tuple[Exclude, ...] = ()
    jobs: Optional[int] = None
    cache: bool = True
    validate: bool = False
    validation: ValidationOptions = field(default_factory=ValidationOptions)
    timeout: Optional[float] = DEFAULT_TIMEOUT
    chunk_size: int = 2
    use_git: bool = True


@dataclass(frozen=True)
class Progress:
    """Where a run is: ``done`` of ``total`` files analysed, or rewrites validated."""

    stage: Literal["analyse", "validate"]
    done: int
    total: int


ProgressCallback = Callable[[Progress], None]


_UNAPPLIED: dict[str, FindingStatus] = {"safe": "fixable", "unsafe": "unsafe", "none": "manual"}
_STATUS: dict[type, FileStatus] = {
    Changed: "changed",
    Unchanged: "unchanged",
    Skipped: "skipped",
    Failed: "failed",
}


def _status(finding_fix: str, applied: bool, kept: bool) -> FindingStatus:
    """``kept``: the file's rewrite reached its destination (so applied findings are fixed)."""
    if applied:
        return "fixed" if kept else "fixable"
    return _UNAPPLIED.get(finding_fix, "manual")


def _findings(outcome: Outcome, kept: bool) -> tuple[FindingRecord, ...]:
    result = outcome.result
    if isinstance(result, (Skipped, Failed)):
        return ()
    cells = outcome.cells
    return tuple(
        FindingRecord(
            code=f.code,
            message=f.message,
            line=f.line,
            column=f.column,
            status=_status(f.fix, f.applied, kept),
            function=f.function,
            note=f.note,
            cell=cells[i] if i < len(cells) else None,
        )
        for i, f in enumerate(result.findings)
    )


def _record(outcome: Outcome, *, rejected: str = "", write_error: str = "") -> FileRecord:
    result = outcome.result
    kept = not rejected and not write_error
    return FileRecord(
        path=outcome.rel,
        status=_STATUS[type(result)],
        findings=_findings(outcome, kept),
        model_fns=outcome.model_fns,
        cached=outcome.cached,
        reason=result.reason if isinstance(result, (Skipped, Failed)) else "",
        warnings=result.warnings if isinstance(result, (Changed, Unchanged)) else (),
        rejected=rejected,
        write_error=write_error,
        seconds=outcome.seconds,
    )


def _unreadable(rel: str, reason: str) -> FileRecord:
    """A directory (or file) discovery could not read: an error, so the run cannot pass it by."""
    return FileRecord(path=rel, status="skipped", reason=reason)


def _check(options: MigrationOptions) -> None:
    if not options.repo.exists():
        raise MigrationError(f"{options.repo}: no such directory")
    if not options.repo.is_dir():
        raise MigrationError(f"{options.repo}: not a directory (migrate takes a repository)")
    if options.jobs is not None and options.jobs < 1:
        raise MigrationError(f"--jobs must be at least 1, got {options.jobs}")
    if options.validate:
        problem = tensorflow_problem(options.validation)
        if problem:
            raise MigrationError(f"--validate: {problem}")


def _cache(options: MigrationOptions) -> Cache | None:
    if not options.cache:
        return None
    rewrites = options.mode != "dry-run" or options.validate
    return Cache(options.repo, options.settings, rewrites=rewrites)


class _LazyPool:
    """A LocalPool started on the first chunk: a run answered by the prefilter and the cache
    never starts a process."""

    def __init__(self, jobs: int, settings: Settings, timeout: float | None) -> None:
        self.workers = jobs
        self.name = f"{jobs} local processes"
        self._args = (jobs, settings, timeout)
        self._pool: LocalPool | None = None

    def submit(self, chunk: list[Task]) -> futures.Future[list[Outcome]]:
        if self._pool is None:
            self._pool = LocalPool(*self._args)
        return self._pool.submit(chunk)

    def recover(self) -> None:
        if self._pool is not None:
            self._pool.recover()

    def close(self, cancel: bool = False) -> None:
        if self._pool is not None:
            self._pool.close(cancel=cancel)


def _executor(
    options: MigrationOptions, given: Union[ChunkExecutor, futures.Executor, None], jobs: int
) -> tuple[ChunkExecutor, bool]:
    """The executor to use and whether this run owns it (and so shuts it down)."""
    settings, timeout = options.settings, options.timeout
    if isinstance(given, futures.Executor):
        name = type(given).__name__
        return Wrapped(given, settings, timeout, name=name, workers=jobs), False
    if given is not None:
        return given, False
    if jobs == 1:
        return Inline(settings, timeout), True
    return _LazyPool(jobs, settings, timeout), True


@dataclass
class _Run:
    """The mutable state of one run (kept out of the result until it is frozen)."""

    options: MigrationOptions
    discovery: Discovery
    writer: Writer
    cache: Cache | None
    validator: BulkValidator | None
    progress: ProgressCallback | None
    records: list[FileRecord] = field(default_factory=list)
    prefiltered: int = 0
    analysed: int = 0
    done: int = 0
    #: rel → (cache key, hash of the bytes), while in flight
    keys: dict[str, tuple[str, str]] = field(default_factory=dict)
    validating: dict[futures.Future[ValidationRecord], Outcome] = field(default_factory=dict)
    validations: int = 0
    validated: int = 0

    def tell(self, stage: Literal["analyse", "validate"]) -> None:
        if self.progress is None:
            return
        if stage == "analyse":
            self.progress(Progress("analyse", self.done, len(self.discovery.files)))
        else:
            self.progress(Progress("validate", self.validated, self.validations))

    def triage(self) -> Iterator[Union[Task, Outcome]]:
        """Each file as an Outcome known here (unreadable, ruled out, cached) or a Task to run."""
        root = self.options.repo
        for rel in self.discovery.files:
            path = root / rel
            try:
                data = read_source(path)
            except SourceError as exc:
                yield Outcome(rel, Skipped(str(path), exc.reason))
                continue
            if not might_contain_estimator_code(data, self.options.settings.markers):
                self.prefiltered += 1
                yield Outcome(rel, Unchanged(str(path), ()), ruled_out=True)
                continue
            task = Task(str(path.absolute()), rel, data)
            if self.cache is not None:
                key = self.cache.key(task)
                cached = self.cache.get(key, task)
                if cached is not None:
                    yield cached
                    continue
                self.keys[rel] = (key, input_digest(data))
            self.analysed += 1
            yield task

    def handle(self, outcome: Outcome) -> None:
        self.done += 1
        keyed = self.keys.pop(outcome.rel, None)
        if keyed is not None and self.cache is not None:
            self.cache.put(keyed[0], outcome, keyed[1])
        result = outcome.result
        if outcome.ruled_out:
            pass  # counted, not listed: most files of a repository
        elif isinstance(result, Changed) and self.validator is not None:
            future = self.validator.submit(Path(result.path), result.original, result.fixed)
            self.validating[future] = outcome
            self.validations += 1
            self.tell("validate")
        elif isinstance(result, Changed):
            self.records.append(self._write(outcome, result))
        else:
            self.records.append(_record(outcome))
        self.tell("analyse")
        self.collect(block=False)

    def _write(
        self, outcome: Outcome, result: Changed, validation: ValidationRecord | None = None
    ) -> FileRecord:
        if validation is not None and not validation.accepted:
            why = f"validation: {validation.headline}"
            return replace(_record(outcome, rejected=why), validation=validation)
        try:
            self.writer.accept(outcome.rel, result.original, result.fixed)
        except SourceError as exc:
            record = _record(outcome, write_error=exc.reason)
        else:
            record = _record(outcome)
        return replace(record, validation=validation)

    def collect(self, block: bool) -> None:
        """Write the files whose validation finished (all of them when ``block``)."""
        if not self.validating:
            return
        if block:
            done = list(futures.as_completed(list(self.validating)))
        else:
            done = [future for future in self.validating if future.done()]
        for future in done:
            outcome = self.validating.pop(future)
            try:
                verdict = future.result()
            except Exception as exc:  # a bug in validation costs one file
                verdict = ValidationRecord("error", f"internal error: {type(exc).__name__}: {exc}")
            assert isinstance(outcome.result, Changed)
            self.records.append(self._write(outcome, outcome.result, verdict))
            self.validated += 1
            self.tell("validate")


def run(
    options: MigrationOptions,
    *,
    executor: Union[ChunkExecutor, futures.Executor, None] = None,
    on_progress: ProgressCallback | None = None,
) -> MigrationResult:
    """Migrate ``options.repo`` (see the module docstring).

    ``executor`` runs the per-file work: a ChunkExecutor, any ``concurrent.futures.Executor``
    (e.g. ``distributed.Client.get_executor()``), or None for a local process pool of
    ``options.jobs`` workers (``jobs=1``: this process). Raises MigrationError when the run cannot
    start (bad REPO or output); per-file problems are in the result.
    """
    started = time.monotonic()
    _check(options)
    root = options.repo
    jobs = options.jobs or default_jobs()
    discovery = discover(root, options.excludes, use_git=options.use_git)
    inputs = identities(root / rel for rel in discovery.files)
    output = writer(options.mode, root, options.destination, inputs)
    left_out = output.prepare()
    chunk_executor, owned = _executor(options, executor, jobs)
    state = _Run(
        options=options,
        discovery=discovery,
        writer=output,
        cache=_cache(options),
        validator=BulkValidator(options.validation, jobs) if options.validate else None,
        progress=on_progress,
    )
    state.records += [_unreadable(rel, reason) for rel, reason in discovery.unreadable]
    problems: list[str] = []
    interrupted = finished = False
    state.tell("analyse")
    try:
        for outcome in stream(chunk_executor, state.triage(), chunk_size=options.chunk_size):
            state.handle(outcome)
        state.collect(block=True)
        output.finish()
        finished = True
    except KeyboardInterrupt:
        interrupted = True
    except MigrationError as exc:
        problems.append(str(exc))
    finally:
        if not finished:
            output.abort()
        if owned:
            chunk_executor.close(cancel=interrupted)
        if state.validator is not None:
            state.validator.close(cancel=interrupted)
    return MigrationResult(
        repo=str(root),
        mode=options.mode,
        destination=None if options.destination is None else str(options.destination),
        files=tuple(sorted(state.records, key=lambda r: r.path)),
        scanned=len(discovery.files),
        skipped=tuple(sorted({*discovery.skipped, *left_out})),
        prefiltered=state.prefiltered,
        analysed=state.analysed,
        ignored=discovery.ignored,
        git=discovery.git,
        executor=chunk_executor.name,
        seconds=time.monotonic() - started,
        validate=options.validate,
        interrupted=interrupted,
        problems=tuple(problems),
        version=__version__,
        inputs=inputs,
    )
