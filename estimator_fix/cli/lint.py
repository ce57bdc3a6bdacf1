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
from typing import TYPE_CHECKING, Annotated, Dict, List, Optional, Set, Union

import typer
from rich.text import Text

from codemods.findings import Finding
from codemods.rules import catalogue
from estimator_fix.cli import interactive
from estimator_fix.cli.application import app
from estimator_fix.cli.interrupts import Interrupts
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
    Timeout,
    UnsafeFixes,
    Verbose,
)
from estimator_fix.cli.output import Output
from estimator_fix.config import Config, ConfigError, discover_config
from estimator_fix.diffs import patch, unified_diff
from estimator_fix.engine import (
    Changed,
    Failed,
    FileResult,
    Settings,
    Skipped,
    Unchanged,
    analyse,
    available_codemods,
    parse_error,
    process_file,
    process_source,
)
from estimator_fix.limits import DEFAULT_TIMEOUT
from estimator_fix.noqa import add_noqa
from estimator_fix.reporting import (
    Command,
    Located,
    Report,
    findings_json,
    github_annotation,
    github_error,
    printable,
)
from estimator_fix.sarif import sarif_log
from estimator_fix.sources import SourceError, is_notebook, iter_python_files, read_source
from estimator_fix.writing import write_backup, write_source

if TYPE_CHECKING:  # validation is loaded by ``fix --validate`` only
    from estimator_fix.validation.gate import RewriteGate, RewriteVerdict

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

    def unreadable(exc: SourceError) -> None:
        report.error(exc.path, exc.reason)
        out.error(exc.path, exc.reason)

    for path in options.paths:
        try:
            found = list(
                iter_python_files(
                    [path],
                    config.exclude,
                    root=config.root,
                    force_exclude=options.force_exclude,
                    on_error=unreadable,
                )
            )
        except SourceError as exc:
            unreadable(exc)
            continue
        for file in found:
            real = os.path.realpath(file)
            if real not in seen:
                seen.add(real)
                files.append(file)
    return files


def _results(
    files: List[Path], settings: Settings, out: Output, timeout: Optional[float]
) -> Iterator[FileResult]:
    """Process the files one by one, saying on stderr which could not be, and yield each result
    (none after a Ctrl-C, even one the parser swallowed: see ``interrupts``)."""
    with Interrupts() as interrupts:
        for file in files:
            result = process_file(file, settings, timeout)
            interrupts.check()
            yield _reported(result, out)


def _reported(result: FileResult, out: Output) -> FileResult:
    """``result``, once its problems or warnings are said on stderr."""
    if isinstance(result, Skipped):
        out.error(result.path, result.reason)
    elif isinstance(result, Failed) and result.reason.startswith("internal error"):
        out.error(result.path, f"{result.reason} (please report this bug)")
    elif isinstance(result, Failed):  # a timeout
        out.error(result.path, result.reason)
    else:
        for warning in result.warnings:
            out.warning(result.path, warning)
    return result


def _run(
    command: Command, options: LintOptions, *, progress: bool = True
) -> "tuple[Output, Report, Settings, Iterator[FileResult]]":
    out = Output.create(quiet=options.quiet, verbose=options.verbose, no_color=options.no_color)
    config = _load(options, out)
    report = Report(command)
    files = _discover(options, config, report, out)
    # check reports findings only: it need not build (and verify) the rewrite.
    settings = replace(config.settings(), fix=command != "check")
    results = _results(files, settings, out, options.timeout)
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
        for item in report.findings:
            out.raw(github_annotation(*item))
    else:
        for item in report.findings:
            out.finding(*item)


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


def _root_of(path: str, paths: "tuple[str, ...]") -> Optional[str]:
    """The directory named on the command line that ``path`` was found in (None: the file was
    named itself): a write through a symbolic link must stay inside it."""
    absolute = os.path.abspath(path)
    for given in paths:
        if os.path.isdir(given):
            base = os.path.abspath(given)
            if absolute.startswith(base.rstrip(os.sep) + os.sep):
                return given
    return None


def _mark_findings(
    out: Output, report: Report, settings: Settings, paths: "tuple[str, ...]"
) -> int:
    """``--add-noqa``: write ``# noqa: CODES`` on each finding's line; the exit status."""
    by_file: Dict[str, List[Finding]] = {}
    for item in report.findings:
        by_file.setdefault(item.path, []).append(item.finding)
    added = files = refused = 0
    for path, findings in by_file.items():
        if is_notebook(path):
            out.warning(path, "no noqa comments added (not written into notebooks)")
            refused += len(findings)
            continue
        try:
            original = read_source(path)
            data, count, left = _with_noqa(path, original, _codes_by_line(findings), settings)
            if data != original:
                write_source(path, data, original, root=_root_of(path, paths))
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
    timeout: Timeout = DEFAULT_TIMEOUT,
    show_modes: Annotated[
        bool,
        typer.Option(
            "--show-modes",
            help="Print each model_fn statement with the modes that run and need it, and why.",
        ),
    ] = False,
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
        timeout,
    )
    if show_modes:
        raise typer.Exit(_show_modes(options))
    out, report, settings, results = _run("check", options)
    try:
        for result in results:
            report.add(result)
            if not isinstance(result, (Skipped, Failed)):
                out.info(f"{result.path}: {len(result.findings)} finding(s)")
    except KeyboardInterrupt:
        _interrupted(out, report, "check")
    if add_noqa_comments:
        raise typer.Exit(_mark_findings(out, report, settings, options.paths))
    _render(out, report, output_format)
    _finish(out, report, _exit_code(report, exit_zero))


def _show_modes(options: LintOptions) -> int:
    """``check --show-modes``: the mode analysis of each file; 2 when a file could not be read."""
    from estimator_fix.cli.show_modes import render_modes
    from estimator_fix.modes import modes_of

    out = Output.create(quiet=options.quiet, verbose=options.verbose, no_color=options.no_color)
    config = _load(options, out)
    report = Report("check")
    settings = config.settings()
    for file in _discover(options, config, report, out):
        try:
            result = modes_of(file, read_source(file), settings)
        except SourceError as exc:
            result = Skipped(exc.path, exc.reason)
        if isinstance(result, Skipped):
            report.error(result.path, result.reason)
            out.error(result.path, result.reason)
        else:
            render_modes(out, str(file), result)
    return 2 if report.errors else 0


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
    timeout: Timeout = DEFAULT_TIMEOUT,
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
        timeout,
    )
    out, report, _, results = _run("diff", options)
    try:
        for result in results:
            report.add(result)
            if isinstance(result, Changed):
                _show_diff(out, result.path, result.original, result.fixed, context)
    except KeyboardInterrupt:
        _interrupted(out, report, "diff")
    _finish(out, report)


def _gate(out: Output, settings: Settings, accept_graph_equivalent: bool) -> "RewriteGate":
    """``fix --validate``'s gate, or exit 2 (nothing read yet) when TensorFlow is missing."""
    from estimator_fix.validation.gate import RewriteGate
    from estimator_fix.validation.options import ValidationOptions

    options = ValidationOptions(
        unsafe_fixes=settings.unsafe_fixes, accept_graph_equivalent=accept_graph_equivalent
    )
    problem = RewriteGate.unavailable(options)
    if problem is not None:
        out.fatal(f"--validate: {problem}")
        raise typer.Exit(2)
    return RewriteGate(options)


def _not_applied(result: Changed) -> List[Located]:
    return [item for item in _located(result) if not item.finding.applied]


def _unapplied(items: List[Located]) -> List[Located]:
    return [item._replace(finding=replace(item.finding, applied=False)) for item in items]


def _all_left(result: Changed) -> List[Located]:
    return _unapplied(_located(result))


def _located(result: Union[Changed, Unchanged]) -> List[Located]:
    cells = result.cells
    return [
        Located(result.path, f, cells[i] if i < len(cells) else None)
        for i, f in enumerate(result.findings)
    ]


def _left_after(path: str, data: bytes, settings: Settings) -> List[Located]:
    # After a partial interactive fix, what the file still has: a fresh analysis of what is written.
    result = analyse(path, data, settings)
    if isinstance(result, (Skipped, Failed)):
        return []
    return _unapplied(_located(result))


def _show_diff(out: Output, path: str, original: bytes, fixed: bytes, context: int) -> None:
    """The diff on stdout: the patch's own bytes when piped (``git apply`` takes them), text made
    safe to show on a terminal."""
    out.diff(unified_diff(path, original, fixed, context), patch(path, original, fixed, context))


def _write(
    result: Changed,
    data: bytes,
    backup: bool,
    report: Report,
    out: Output,
    remaining: List[Located],
    root: Optional[str],
    verdict: "Optional[RewriteVerdict]" = None,
) -> None:
    try:
        if backup:
            write_backup(result.path, result.original)
        write_source(result.path, data, result.original, root=root)
    except SourceError as exc:
        out.error(result.path, exc.reason)
        report.not_written(result.path, exc.reason)
        return
    report.fixed(result.path, remaining)
    out.info(f"{result.path}: fixed" + (f" (validation: {verdict.headline})" if verdict else ""))


def _refused(out: Output, verdict: "RewriteVerdict") -> None:
    """The one line (stdout, even with --quiet) for a rewrite validation kept from the disk."""
    line = printable(f"{verdict.path}: not written (validation: {verdict.headline})")
    line += printable(f" — {verdict.reason}") if verdict.reason else ""
    if out.color:
        out.stdout.print(Text(line, style="yellow"))
    else:
        out.raw(line + "\n")


def _validate(
    gate: "RewriteGate", result: Changed, data: bytes, report: Report, out: Output
) -> "Optional[RewriteVerdict]":
    """``fix --validate``: the verdict when ``data`` may be written, else None (refused, said)."""
    if is_notebook(result.path):  # as with migrate --validate
        from estimator_fix.validation.gate import RewriteVerdict

        verdict = RewriteVerdict(result.path, "not validated", "notebooks are not validated")
    else:
        verdict = gate.check(result.path, result.original, data)
    report.validated(verdict.verdict, verdict.accepted)
    if verdict.accepted:
        return verdict
    _refused(out, verdict)
    report.fixed(result.path, _all_left(result), written=False)
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
    root: Optional[str],
    gate: "Optional[RewriteGate]" = None,
) -> bool:
    """Write one Changed file (after asking, with ``interactive_mode``; only when validation
    accepts it, with a ``gate``); True when the user asked to stop altogether. ``root``: the
    directory the file was found in (see ``_root_of``)."""
    data, remaining = result.fixed, _not_applied(result)
    stop = False
    if interactive_mode:
        decision = interactive.choose(result, out, context=context)
        stop = decision.quit
        data = decision.data
        if data == result.original:
            report.fixed(result.path, _all_left(result), written=False)
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
        _show_diff(out, result.path, result.original, data, context)
    _write(result, data, backup, report, out, remaining, root, verdict)
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
    timeout: Timeout = DEFAULT_TIMEOUT,
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
        timeout,
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
                report.fixed(result.path, _all_left(result), written=False)
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
                root=_root_of(result.path, options.paths),
                gate=gate,
            )
    except KeyboardInterrupt:
        _interrupted(out, report, "fix")
    for item in report.remaining:
        out.finding(*item)
    _finish(out, report, _exit_code(report, exit_zero))
