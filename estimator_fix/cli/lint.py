"""``check``, ``diff`` and ``fix``: the engine over a set of paths, rendered, with SPEC §3 exits.

Files are processed one at a time and, by ``fix``, written as soon as each is done, so Ctrl-C
stops between or inside atomic writes: every file is either as it was or completely fixed
(exit 130). ``fix --validate`` runs each rewrite in TensorFlow first and writes only those proven
equivalent or fixed; each refused file gets one line with its verdict and why. ``check``
renders findings as text, JSON, SARIF 2.1.0 or GitHub workflow annotations, and
``check --add-noqa`` writes a ``# noqa: CODES`` comment on each finding's line.
"""

import json
import os
from collections.abc import Iterable, Iterator
from dataclasses import replace
from enum import Enum
from pathlib import Path
from typing import Annotated, Dict, List, Optional, Set

import typer
from rich.text import Text

from codemods.findings import Finding
from codemods.rules import catalogue
from estimator_fix.cli import interactive
from estimator_fix.cli.application import app
from estimator_fix.cli.options import (
    AcceptGraphEquivalent,
    ConfigFile,
    Exclude,
    ForceExclude,
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
    available_codemods,
    parse_error,
    process_file,
    process_source,
)
from estimator_fix.noqa import add_noqa
from estimator_fix.reporting import (
    Command,
    Report,
    findings_json,
    github_annotation,
    github_error,
)
from estimator_fix.sarif import sarif_log
from estimator_fix.sources import (
    SourceError,
    atomic_write,
    iter_python_files,
    read_source,
    write_backup,
)
from estimator_fix.validation.gate import RewriteGate, RewriteVerdict
from estimator_fix.validation.options import ValidationOptions

#: The exit status of a run stopped by Ctrl-C (128 + SIGINT), as shells report it.
INTERRUPTED = 130


class Format(str, Enum):
    text = "text"
    json = "json"
    sarif = "sarif"
    github = "github"


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
            found = list(
                iter_python_files(
                    [path], config.exclude, root=config.root, force_exclude=options.force_exclude
                )
            )
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


def _results(files: List[Path], settings: Settings, out: Output) -> Iterator[FileResult]:
    """Process the files one by one, saying on stderr which could not be, and yield each result."""
    for file in files:
        result = process_file(file, settings)
        if isinstance(result, Skipped):
            out.error(result.path, result.reason)
        elif isinstance(result, Failed):
            out.error(result.path, f"{result.reason} (please report this bug)")
        else:
            for warning in result.warnings:
                out.warning(result.path, warning)
        yield result


def _run(
    command: Command, options: LintOptions, *, progress: bool = True
) -> "tuple[Output, Report, Settings, Iterator[FileResult]]":
    out = Output.create(quiet=options.quiet, verbose=options.verbose, no_color=options.no_color)
    config = _load(options, out)
    report = Report(command)
    files = _discover(options, config, report, out)
    # check reports findings only: it need not build (and verify) the rewrite.
    settings = replace(config.settings(), fix=command != "check")
    results = _results(files, settings, out)
    if progress:
        results = out.track(results, len(files), "Checking")
    return out, report, settings, results


def _interrupted(out: Output, report: Report, command: Command) -> None:
    if command == "fix":
        done = f"{report.changed} file{'s' if report.changed != 1 else ''} fixed before that"
        out.fatal(f"interrupted; {done}, every other file is as it was")
    else:
        out.fatal("interrupted")
    raise typer.Exit(INTERRUPTED)


def _finish(out: Output, report: Report, code: Optional[int] = None) -> None:
    if report.processed or not report.errors:  # when every input was bad, its errors say it all
        out.summary(report.summary())
    raise typer.Exit(report.return_code if code is None else code)


ExitZero = Annotated[
    bool,
    typer.Option("--exit-zero", help="Exit 0 even when findings are left (errors still exit 2)."),
]


def _exit_code(report: Report, exit_zero: bool) -> int:
    code = report.return_code
    return 0 if exit_zero and code == 1 and not report.errors else code


def _render(out: Output, report: Report, output_format: Format) -> None:
    if output_format is Format.json:
        out.raw(findings_json(report.findings))
    elif output_format is Format.sarif:
        available_codemods()  # importing the codemods registers their rules
        log = sarif_log(report.findings, report.errors, catalogue())
        out.raw(json.dumps(log, indent=2) + "\n")
    elif output_format is Format.github:
        for path, reason in report.errors:
            out.raw(github_error(path, reason))
        for path, finding in report.findings:
            out.raw(github_annotation(path, finding))
    else:
        for path, finding in report.findings:
            out.finding(path, finding)


#: ``--add-noqa`` re-checks a file after marking it: silencing one finding can reveal another
#: (a value derived from one that is now silenced). It stops after this many rounds.
NOQA_ROUNDS = 4


def _codes_by_line(findings: "Iterable[Finding]") -> Dict[int, Set[str]]:
    lines: Dict[int, Set[str]] = {}
    for finding in findings:
        lines.setdefault(finding.line, set()).add(finding.code)
    return lines


def _with_noqa(
    path: str, data: bytes, lines: Dict[int, Set[str]], settings: Settings
) -> "tuple[bytes, int, Set[int]]":
    """``data`` with every finding marked (re-checked until none is left); also how many codes
    were added and the lines that could not take a comment."""
    added, refused = 0, set()
    for _ in range(NOQA_ROUNDS):
        marked, left = add_noqa(data, lines)
        if parse_error(marked) is not None:  # never write what does not parse
            left, marked = sorted(lines), data
        refused.update(left)
        added += sum(len(codes) for line, codes in lines.items() if line not in left)
        data = marked
        result = process_source(path, data, settings)
        if isinstance(result, (Skipped, Failed)):
            break
        lines = {
            line: codes
            for line, codes in _codes_by_line(result.findings).items()
            if line not in refused
        }
        if not lines:
            break
    return data, added, refused


def _mark_findings(out: Output, report: Report, settings: Settings) -> int:
    """``--add-noqa``: write ``# noqa: CODES`` on each finding's line; the exit status."""
    by_file: Dict[str, List[Finding]] = {}
    for path, finding in report.findings:
        by_file.setdefault(path, []).append(finding)
    added = files = refused = 0
    for path, findings in by_file.items():
        try:
            original = read_source(path)
            data, count, left = _with_noqa(path, original, _codes_by_line(findings), settings)
            if data != original:
                atomic_write(path, data, original)
        except SourceError as exc:
            out.error(path, exc.reason)
            report.error(path, exc.reason)
            continue
        for line in sorted(left):
            out.warning(
                path,
                f"line {line}: no noqa comment added (the line ends inside a "
                "string or continues with a backslash)",
            )
        refused += len(left)
        added += count
        files += int(data != original)
    s_c = "" if added == 1 else "s"
    s_f = "" if files == 1 else "s"
    out.summary(f"added {added} noqa comment{s_c} to {files} file{s_f}")
    if report.errors and not report.processed:
        return 2
    return 1 if report.errors or refused else 0


@app.command()
def check(
    paths: Paths,
    select: Select = None,
    ignore: Ignore = None,
    exclude: Exclude = None,
    config: ConfigFile = None,
    unsafe_fixes: UnsafeFixes = None,
    output_format: Annotated[
        Format,
        typer.Option(
            "--format",
            help="How to print findings: text, json, sarif (SARIF 2.1.0) or github (annotations).",
        ),
    ] = Format.text,
    exit_zero: ExitZero = False,
    add_noqa_comments: Annotated[
        bool,
        typer.Option(
            "--add-noqa", help="Write a '# noqa: CODES' comment on the line of each finding."
        ),
    ] = False,
    force_exclude: ForceExclude = False,
    quiet: Quiet = False,
    verbose: Verbose = False,
    no_color: NoColor = False,
) -> None:
    """Report problems in model_fns; change nothing. Exit 0 clean, 1 findings, 2 error."""
    options = LintOptions.build(
        paths,
        select,
        ignore,
        exclude,
        config,
        unsafe_fixes,
        quiet,
        verbose,
        no_color,
        force_exclude,
    )
    out, report, settings, results = _run("check", options)
    try:
        for result in results:
            report.add(result)
            if not isinstance(result, (Skipped, Failed)):
                out.info(f"{result.path}: {len(result.findings)} finding(s)")
    except KeyboardInterrupt:
        _interrupted(out, report, "check")
    if add_noqa_comments:
        raise typer.Exit(_mark_findings(out, report, settings))
    _render(out, report, output_format)
    _finish(out, report, _exit_code(report, exit_zero))


@app.command()
def diff(
    paths: Paths,
    select: Select = None,
    ignore: Ignore = None,
    exclude: Exclude = None,
    config: ConfigFile = None,
    unsafe_fixes: UnsafeFixes = None,
    context: Context = 3,
    force_exclude: ForceExclude = False,
    quiet: Quiet = False,
    verbose: Verbose = False,
    no_color: NoColor = False,
) -> None:
    """Show the fix as a unified diff; write nothing. Exit 0 no change, 1 would change, 2 error."""
    options = LintOptions.build(
        paths,
        select,
        ignore,
        exclude,
        config,
        unsafe_fixes,
        quiet,
        verbose,
        no_color,
        force_exclude,
    )
    out, report, _, results = _run("diff", options)
    try:
        for result in results:
            report.add(result)
            if isinstance(result, Changed):
                out.diff(unified_diff(result.path, result.original, result.fixed, context))
    except KeyboardInterrupt:
        _interrupted(out, report, "diff")
    _finish(out, report)


def _gate(out: Output, settings: Settings, accept_graph_equivalent: bool) -> RewriteGate:
    """``fix --validate``'s gate, or exit 2 (nothing read yet) when TensorFlow is missing."""
    options = ValidationOptions(
        unsafe_fixes=settings.unsafe_fixes, accept_graph_equivalent=accept_graph_equivalent
    )
    problem = RewriteGate.unavailable(options)
    if problem is not None:
        out.fatal(f"--validate: {problem}")
        raise typer.Exit(2)
    return RewriteGate(options)


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
    verdict: Optional[RewriteVerdict] = None,
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
    out.info(f"{result.path}: fixed" + (f" (validation: {verdict.headline})" if verdict else ""))


def _refused(out: Output, verdict: RewriteVerdict) -> None:
    """The one line (stdout, even with --quiet) for a rewrite validation kept from the disk."""
    line = f"{verdict.path}: not written (validation: {verdict.headline})"
    line += f" — {verdict.reason}" if verdict.reason else ""
    if out.color:
        out.stdout.print(Text(line, style="yellow"))
    else:
        out.raw(line + "\n")


def _validate(
    gate: RewriteGate, result: Changed, data: bytes, report: Report, out: Output
) -> Optional[RewriteVerdict]:
    """``fix --validate``: the verdict when ``data`` may be written, else None (refused, said)."""
    verdict = gate.check(result.path, result.original, data)
    report.validated(verdict.verdict, verdict.accepted)
    if verdict.accepted:
        return verdict
    _refused(out, verdict)
    report.fixed(result.path, _all_left(result.findings), written=False)
    return None


def _fix_one(
    result: Changed,
    report: Report,
    out: Output,
    settings: Settings,
    *,
    interactive_mode: bool,
    show_diff: bool,
    backup: bool,
    context: int,
    gate: Optional[RewriteGate] = None,
) -> bool:
    """Write one Changed file (after asking, with ``interactive_mode``; only when validation
    accepts it, with a ``gate``); True when the user asked to stop altogether."""
    data, remaining = result.fixed, _not_applied(result.findings)
    stop = False
    if interactive_mode:
        decision = interactive.choose(result, out, context=context)
        stop = decision.quit
        data = decision.data
        if data == result.original:
            report.fixed(result.path, _all_left(result.findings), written=False)
            return stop
        if data != result.fixed:
            reason = parse_error(data)
            if reason is not None:
                message = f"the chosen changes do not parse together ({reason}); not changed"
                out.error(result.path, message)
                report.not_written(result.path, message)
                return stop
            remaining = _left_after(result.path, data, settings)
    verdict = None
    if gate is not None:
        verdict = _validate(gate, result, data, report, out)
        if verdict is None:
            return stop
    if show_diff:
        out.diff(unified_diff(result.path, result.original, data, context))
    _write(result, data, backup, report, out, remaining, verdict)
    return stop


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
    validate: Annotated[
        bool,
        typer.Option(
            "--validate",
            help="Run each rewrite in TensorFlow first; write only equivalent or fixed ones.",
        ),
    ] = False,
    accept_graph_equivalent: AcceptGraphEquivalent = False,
    context: Context = 3,
    exit_zero: ExitZero = False,
    force_exclude: ForceExclude = False,
    quiet: Quiet = False,
    verbose: Verbose = False,
    no_color: NoColor = False,
) -> None:
    """Rewrite files in place, atomically. Exit 0 ok, 1 findings left without a fix (or a
    rewrite --validate refused), 2 error."""
    options = LintOptions.build(
        paths,
        select,
        ignore,
        exclude,
        config,
        unsafe_fixes,
        quiet,
        verbose,
        no_color,
        force_exclude,
    )
    out, report, settings, results = _run("fix", options, progress=not interactive_mode)
    gate = _gate(out, settings, accept_graph_equivalent) if validate else None
    stopped = False
    try:
        for result in results:
            report.add(result)
            if not isinstance(result, Changed):
                continue
            if stopped:
                report.fixed(result.path, _all_left(result.findings), written=False)
                continue
            stopped = _fix_one(
                result,
                report,
                out,
                settings,
                interactive_mode=interactive_mode,
                show_diff=show_diff,
                backup=backup,
                context=context,
                gate=gate,
            )
    except KeyboardInterrupt:
        _interrupted(out, report, "fix")
    for path, finding in report.remaining:
        out.finding(path, finding)
    _finish(out, report, _exit_code(report, exit_zero))
