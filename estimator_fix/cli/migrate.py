"""``migrate``: a whole repository in parallel: a dry run, in place, into a copy, or as one patch.

The command parses options, runs ``estimator_fix.migration.run`` with a rich progress bar on
stderr, prints one line per file that was fixed or needs work (stdout), errors and the summary
(stderr), and writes the report. Exit 0 ok, 1 some files need manual work (or could not be
handled), 2 error, 130 interrupted.
"""

import contextlib
from pathlib import Path
from typing import Annotated, Iterator, List, Optional

import typer
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    ProgressColumn,
    Task,
    TaskID,
    TextColumn,
    TimeRemainingColumn,
)
from rich.progress import Progress as ProgressBar
from rich.text import Text

from estimator_fix.cli.application import app
from estimator_fix.cli.options import (
    AcceptGraphEquivalent,
    ConfigFile,
    Exclude,
    Ignore,
    NoColor,
    Quiet,
    Select,
    Timeout,
    UnsafeFixes,
    Verbose,
)
from estimator_fix.cli.output import Output
from estimator_fix.config import Config, ConfigError, check_globs, discover_config
from estimator_fix.limits import DEFAULT_TIMEOUT
from estimator_fix.migration import (
    FileRecord,
    MigrationError,
    MigrationOptions,
    MigrationResult,
    Mode,
    Progress,
    run,
)
from estimator_fix.migration.report import headline, json_text, markdown
from estimator_fix.migration.results import INTERRUPTED
from estimator_fix.migration.run import ProgressCallback
from estimator_fix.reporting import printable
from estimator_fix.sources import SourceError
from estimator_fix.validation.options import ValidationOptions
from estimator_fix.writing import check_output, write_output

Repo = Annotated[
    Path,
    typer.Argument(
        metavar="REPO", help="The repository (a directory) to migrate.", show_default=False
    ),
]


class _Rate(ProgressColumn):
    """Files per second."""

    def render(self, task: Task) -> Text:
        speed = task.finished_speed or task.speed
        if not speed:
            return Text("- files/s", style="cyan")
        return Text(
            f"{speed:,.0f} files/s" if speed >= 10 else f"{speed:.1f} files/s", style="cyan"
        )


class _Bar:
    """The progress bar on stderr: one line for analysis, one for validation once it starts."""

    def __init__(self, bar: ProgressBar) -> None:
        self.bar = bar
        self.tasks: dict[str, TaskID] = {}

    def __call__(self, event: Progress) -> None:
        if event.stage not in self.tasks:
            title = "Analysing" if event.stage == "analyse" else "Validating"
            self.tasks[event.stage] = self.bar.add_task(title, total=event.total)
        self.bar.update(self.tasks[event.stage], completed=event.done, total=event.total)


@contextlib.contextmanager
def _progress(out: Output) -> Iterator[Optional[ProgressCallback]]:
    if out.quiet or not out.stderr.is_terminal:
        yield None
        return
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        _Rate(),
        TimeRemainingColumn(),
    )
    with ProgressBar(*columns, console=out.stderr, transient=True) as bar:
        yield _Bar(bar)


def _mode(
    in_place: bool, out_dir: Optional[Path], patch: Optional[Path]
) -> "tuple[Mode, Optional[Path]]":
    chosen = [
        name
        for name, given in (("--in-place", in_place), ("--out", out_dir), ("--patch", patch))
        if given
    ]
    if len(chosen) > 1:
        raise MigrationError(
            f"choose one of --in-place, --out DIR, --patch FILE (got {', '.join(chosen)})"
        )
    if in_place:
        return "in-place", None
    if out_dir is not None:
        return "out", out_dir
    if patch is not None:
        return "patch", patch
    return "dry-run", None


def _report_format(report: Optional[Path]) -> Optional[str]:
    if report is None:
        return None
    suffix = report.suffix.lower()
    if suffix not in (".json", ".md"):
        raise MigrationError(f"--report {report}: the name must end in .json or .md")
    try:
        check_output(report)
    except SourceError as exc:
        raise MigrationError(f"--report {report}: {exc.reason}") from None
    return suffix


def _findings_text(record: FileRecord, shown: Path) -> List[str]:
    lines = []
    for finding in record.findings:
        where = f"{shown}[cell {finding.cell}]" if finding.cell else str(shown)
        lines.append(
            f"{where}:{finding.line}:{finding.column}: {finding.code} {finding.message} "
            f"({finding.status})"
        )
    return lines


def _render(out: Output, result: MigrationResult, repo: Path) -> None:
    for record in result.files:
        shown = repo / record.path
        if record.error:
            out.error(str(shown), record.error)
            continue
        for warning in record.warnings:
            out.warning(str(shown), warning)
        if record.fixed or record.needs_manual_work:
            state = "fixed" if record.fixed else "needs manual work"
            if record.fixed and record.needs_manual_work:
                state = "fixed, needs manual work"
            if record.validation is not None:
                state += f"; validation: {record.validation.headline}"
            codes = ", ".join(dict.fromkeys(f.code for f in record.findings))
            out.raw(printable(f"{shown}: {state}" + (f" ({codes})" if codes else "")) + "\n")
            if out.verbose:
                lines = _findings_text(record, shown)
                out.raw("".join(f"  {printable(line)}\n" for line in lines))
    for problem in result.problems:
        out.fatal(problem)


def _closing(result: MigrationResult, repo: Path) -> str:
    if result.interrupted:
        return "interrupted: every file is either unchanged or completely rewritten"
    if result.mode == "dry-run":
        return "dry run: nothing written (write with --in-place, --out DIR or --patch FILE)"
    if result.mode == "in-place":
        return f"{result.fixed} file{'s' if result.fixed != 1 else ''} rewritten in place"
    if result.mode == "out":
        return f"fixed copy of {repo} in {result.destination}"
    return f"patch in {result.destination} (apply in {repo} with: git apply {result.destination})"


def _write_report(out: Output, result: MigrationResult, report: Path, form: str) -> bool:
    text = json_text(result) if form == ".json" else markdown(result)
    try:
        write_output(report, text.encode("utf-8"), inputs=result.inputs)
    except SourceError as exc:
        out.fatal(f"--report {report}: {exc.reason}")
        return False
    return True


def _load(
    repo: Path,
    config_file: Optional[Path],
    select: Optional[List[str]],
    ignore: Optional[List[str]],
    unsafe_fixes: Optional[bool],
) -> Config:
    return discover_config([repo], config_file).with_overrides(
        select=select or None, ignore=ignore or None, unsafe_fixes=unsafe_fixes
    )


@app.command()
def migrate(
    repo: Repo,
    in_place: Annotated[
        bool, typer.Option("--in-place", help="Rewrite the files of REPO (atomically).")
    ] = False,
    out_dir: Annotated[
        Optional[Path],
        typer.Option("--out", metavar="DIR", help="Write a full copy of REPO, fixed, to DIR."),
    ] = None,
    patch: Annotated[
        Optional[Path],
        typer.Option("--patch", metavar="FILE", help="Write the fixes as one patch (git apply)."),
    ] = None,
    jobs: Annotated[
        Optional[int],
        typer.Option("--jobs", "-j", min=1, help="Worker processes (default: every core)."),
    ] = None,
    report: Annotated[
        Optional[Path],
        typer.Option("--report", metavar="FILE", help="Write the report to FILE.json or FILE.md."),
    ] = None,
    validate: Annotated[
        bool,
        typer.Option(
            "--validate",
            help="Validate each rewrite in TensorFlow; write only equivalent or fixed ones.",
        ),
    ] = False,
    accept_graph_equivalent: AcceptGraphEquivalent = False,
    scheduler: Annotated[
        Optional[str],
        typer.Option("--scheduler", metavar="ADDRESS", help="Run on the Dask cluster at ADDRESS."),
    ] = None,
    no_cache: Annotated[
        bool, typer.Option("--no-cache", help="Ignore and do not update .estimator-fix-cache/.")
    ] = False,
    timeout: Timeout = DEFAULT_TIMEOUT,
    exclude: Exclude = None,
    select: Select = None,
    ignore: Ignore = None,
    config: ConfigFile = None,
    unsafe_fixes: UnsafeFixes = None,
    quiet: Quiet = False,
    verbose: Verbose = False,
    no_color: NoColor = False,
) -> None:
    """Migrate a whole repository: dry run (default), --in-place, --out DIR or --patch FILE."""
    out = Output.create(quiet=quiet, verbose=verbose, no_color=no_color)
    try:
        mode, destination = _mode(in_place, out_dir, patch)
        form = _report_format(report)
        loaded = _load(repo, config, select, ignore, unsafe_fixes)
        check_globs(exclude or (), "--exclude")
    except (MigrationError, ConfigError) as exc:
        out.fatal(str(exc))
        raise typer.Exit(2) from None
    excludes = (
        tuple((glob, str(repo)) for glob in exclude)
        if exclude
        else tuple((glob, str(loaded.root)) for glob in loaded.exclude)
    )
    options = MigrationOptions(
        repo=repo,
        mode=mode,
        destination=destination,
        settings=loaded.settings(),
        excludes=excludes,
        jobs=jobs,
        cache=not no_cache,
        validate=validate,
        validation=ValidationOptions(
            unsafe_fixes=loaded.unsafe_fixes, accept_graph_equivalent=accept_graph_equivalent
        ),
        timeout=timeout,
    )
    try:
        result = _execute(out, options, scheduler)
    except MigrationError as exc:
        out.fatal(str(exc))
        raise typer.Exit(2) from None
    except KeyboardInterrupt:
        out.fatal("interrupted before any file was written")
        raise typer.Exit(INTERRUPTED) from None
    _render(out, result, repo)
    code = result.return_code
    if report is not None and form is not None and not _write_report(out, result, report, form):
        code = 2
    out.summary(headline(result))
    out.summary(_closing(result, repo) + (f"; report in {report}" if report is not None else ""))
    raise typer.Exit(code)


def _execute(out: Output, options: MigrationOptions, scheduler: Optional[str]) -> MigrationResult:
    with _progress(out) as on_progress:
        if scheduler is None:
            return run(options, on_progress=on_progress)
        from estimator_fix.migration.executor import dask_executor

        try:
            executor = dask_executor(scheduler, options.settings, options.timeout)
        except (OSError, ValueError) as exc:
            raise MigrationError(f"--scheduler {scheduler}: cannot connect: {exc}") from None
        try:
            return run(options, executor=executor, on_progress=on_progress)
        finally:
            executor.close(cancel=True)
