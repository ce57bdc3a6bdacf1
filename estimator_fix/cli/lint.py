"""``check``, ``diff`` and ``fix``: the engine over a set of paths, rendered, with SPEC §3 exits."""

import os
from dataclasses import replace
from enum import Enum
from pathlib import Path
from typing import Annotated, List, Optional

import typer

from codemods.findings import Finding
from estimator_fix.cli import interactive
from estimator_fix.cli.app import app
from estimator_fix.cli.options import (
    ConfigFile,
    Exclude,
    Ignore,
    LintOptions,
    NoColor,
    Paths,
    Quiet,
    Select,
    UnsafeFixes,
    Verbose,
)
from estimator_fix.cli.output import Output
from estimator_fix.config import Config, ConfigError, discover_config
from estimator_fix.diffs import unified_diff
from estimator_fix.engine import (
    Changed,
    Failed,
    FileResult,
    Settings,
    Skipped,
    parse_error,
    process_file,
    process_source,
)
from estimator_fix.reporting import Command, Report, findings_json
from estimator_fix.sources import SourceError, atomic_write, iter_python_files, write_backup


class Format(str, Enum):
    text = "text"
    json = "json"


Context = Annotated[
    int, typer.Option("--context", "-U", min=0, help="Lines of context around each change.")
]


def _load(options: LintOptions, out: Output) -> Config:
    try:
        return discover_config(options.paths, options.config).with_overrides(
            select=options.select,
            ignore=options.ignore,
            exclude=options.exclude,
            unsafe_fixes=options.unsafe_fixes,
        )
    except ConfigError as exc:
        out.fatal(str(exc))
        raise typer.Exit(2) from None


def _discover(options: LintOptions, config: Config, report: Report, out: Output) -> List[Path]:
    files: List[Path] = []
    seen = set()
    for path in options.paths:
        try:
            found = list(iter_python_files([path], config.exclude, root=config.root))
        except SourceError as exc:
            report.error(exc.path, exc.reason)
            out.error(exc.path, exc.reason)
            continue
        for file in found:
            real = os.path.realpath(file)
            if real not in seen:
                seen.add(real)
                files.append(file)
    return files


def _run(
    command: Command, options: LintOptions
) -> "tuple[Output, Report, Settings, List[FileResult]]":
    out = Output.create(quiet=options.quiet, verbose=options.verbose, no_color=options.no_color)
    config = _load(options, out)
    report = Report(command)
    files = _discover(options, config, report, out)
    settings = config.settings()
    results = [process_file(file, settings) for file in out.track(files, "Reading")]
    for result in results:
        if isinstance(result, Skipped):
            out.error(result.path, result.reason)
        elif isinstance(result, Failed):
            out.error(result.path, f"{result.reason} (please report this bug)")
        else:
            for warning in result.warnings:
                out.warning(result.path, warning)
    return out, report, settings, results


def _finish(out: Output, report: Report, code: Optional[int] = None) -> None:
    if report.processed or not report.errors:  # when every input was bad, its errors say it all
        out.summary(report.summary())
    raise typer.Exit(report.return_code if code is None else code)


@app.command()
def check(
    paths: Paths,
    select: Select = None,
    ignore: Ignore = None,
    exclude: Exclude = None,
    config: ConfigFile = None,
    unsafe_fixes: UnsafeFixes = None,
    output_format: Annotated[
        Format, typer.Option("--format", help="How to print findings.")
    ] = Format.text,
    exit_zero: Annotated[
        bool, typer.Option("--exit-zero", help="Exit 0 even when there are findings.")
    ] = False,
    quiet: Quiet = False,
    verbose: Verbose = False,
    no_color: NoColor = False,
) -> None:
    """Report problems in model_fns; change nothing. Exit 0 clean, 1 findings, 2 error."""
    options = LintOptions.build(
        paths, select, ignore, exclude, config, unsafe_fixes, quiet, verbose, no_color
    )
    out, report, _, results = _run("check", options)
    for result in results:
        report.add(result)
        if not isinstance(result, (Skipped, Failed)):
            out.info(f"{result.path}: {len(result.findings)} finding(s)")
    if output_format is Format.json:
        out.raw(findings_json(report.findings))
    else:
        for path, finding in report.findings:
            out.finding(path, finding)
    code = report.return_code
    _finish(out, report, 0 if exit_zero and code == 1 and not report.errors else code)


@app.command()
def diff(
    paths: Paths,
    select: Select = None,
    ignore: Ignore = None,
    exclude: Exclude = None,
    config: ConfigFile = None,
    unsafe_fixes: UnsafeFixes = None,
    context: Context = 3,
    quiet: Quiet = False,
    verbose: Verbose = False,
    no_color: NoColor = False,
) -> None:
    """Show the fix as a unified diff; write nothing. Exit 0 no change, 1 would change, 2 error."""
    options = LintOptions.build(
        paths, select, ignore, exclude, config, unsafe_fixes, quiet, verbose, no_color
    )
    out, report, _, results = _run("diff", options)
    for result in results:
        report.add(result)
        if isinstance(result, Changed):
            out.diff(unified_diff(result.path, result.original, result.fixed, context))
    _finish(out, report)


def _not_applied(findings: "tuple[Finding, ...]") -> List[Finding]:
    return [f for f in findings if not f.applied]


def _all_left(findings: "tuple[Finding, ...]") -> List[Finding]:
    return [replace(f, applied=False) for f in findings]


def _left_after(path: str, data: bytes, settings: Settings) -> List[Finding]:
    # After a partial interactive fix, what the file still has: a fresh analysis of what is written.
    result = process_source(path, data, settings)
    findings = result.findings if not isinstance(result, (Skipped, Failed)) else ()
    return [replace(f, applied=False) for f in findings]


def _write(
    result: Changed,
    data: bytes,
    backup: bool,
    report: Report,
    out: Output,
    remaining: List[Finding],
) -> None:
    try:
        if backup:
            write_backup(result.path, result.original)
        atomic_write(result.path, data, result.original)
    except SourceError as exc:
        out.error(result.path, exc.reason)
        report.not_written(result.path, exc.reason)
        return
    report.fixed(result.path, remaining)
    out.info(f"{result.path}: fixed")


@app.command()
def fix(
    paths: Paths,
    select: Select = None,
    ignore: Ignore = None,
    exclude: Exclude = None,
    config: ConfigFile = None,
    unsafe_fixes: UnsafeFixes = None,
    show_diff: Annotated[
        bool, typer.Option("--show-diff", help="Also print the diff of each file it fixes.")
    ] = False,
    interactive_mode: Annotated[
        bool,
        typer.Option(
            "--interactive", "-i", help="Ask before each change: apply, skip, all in file, quit."
        ),
    ] = False,
    backup: Annotated[
        bool, typer.Option("--backup", help="Keep the original of each changed file as FILE.orig.")
    ] = False,
    context: Context = 3,
    quiet: Quiet = False,
    verbose: Verbose = False,
    no_color: NoColor = False,
) -> None:
    """Rewrite files in place, atomically. Exit 0 ok, 1 findings left without a fix, 2 error."""
    options = LintOptions.build(
        paths, select, ignore, exclude, config, unsafe_fixes, quiet, verbose, no_color
    )
    out, report, settings, results = _run("fix", options)
    stopped = False
    for result in results:
        report.add(result)
        if not isinstance(result, Changed):
            continue
        if stopped:
            report.fixed(result.path, _all_left(result.findings), written=False)
            continue
        data, remaining = result.fixed, _not_applied(result.findings)
        if interactive_mode:
            decision = interactive.choose(result, out, context=context)
            stopped = decision.quit
            data = decision.data
            if data == result.original:
                report.fixed(result.path, _all_left(result.findings), written=False)
                continue
            if data != result.fixed:
                reason = parse_error(data)
                if reason is not None:
                    message = f"the chosen changes do not parse together ({reason}); not changed"
                    out.error(result.path, message)
                    report.not_written(result.path, message)
                    continue
                remaining = _left_after(result.path, data, settings)
        if show_diff:
            out.diff(unified_diff(result.path, result.original, data, context))
        _write(result, data, backup, report, out, remaining)
    for path, finding in report.remaining:
        out.finding(path, finding)
    _finish(out, report)
