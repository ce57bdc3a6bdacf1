"""A migration's report: the headline, the JSON form and the Markdown form (a PR description).

Pure functions of a ``MigrationResult``: no I/O, no clock.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from estimator_fix.migration.results import FileRecord, FindingRecord, MigrationResult
from estimator_fix.reporting import printable_lines

_MODES = {
    "dry-run": "dry run (nothing written)",
    "in-place": "files rewritten in place",
    "out": "fixed copy written to {destination}",
    "patch": "patch written to {destination}",
}


def _count(number: int, singular: str, plural: str) -> str:
    return f"{number} {singular if number == 1 else plural}"


def headline(result: MigrationResult) -> str:
    """``N files scanned, M model_fns, K fixed, J need manual work, E errors``."""
    return ", ".join(
        [
            _count(result.scanned, "file scanned", "files scanned"),
            _count(result.model_fns, "model_fn", "model_fns"),
            f"{result.fixed} fixed",
            _count(result.manual, "needs manual work", "need manual work"),
            _count(result.errors, "error", "errors"),
        ]
    )


def outcome(record: FileRecord) -> str:
    """One word for the file: ``fixed``, ``manual``, ``error``, ``clean``."""
    if record.error:
        return "error"
    if record.needs_manual_work:
        return "manual"
    return "fixed" if record.fixed else "clean"


def mode_text(result: MigrationResult) -> str:
    return _MODES[result.mode].format(destination=result.destination)


def _finding_json(finding: FindingRecord) -> dict[str, Any]:
    return {
        "code": finding.code,
        "message": finding.message,
        "line": finding.line,
        "column": finding.column,
        "cell": finding.cell,
        "status": finding.status,
        "function": finding.function,
        "note": finding.note,
    }


def _file_json(record: FileRecord) -> dict[str, Any]:
    validation = record.validation
    return {
        "path": record.path,
        "kind": record.kind,
        "status": record.status,
        "outcome": outcome(record),
        "model_fns": record.model_fns,
        "cached": record.cached,
        "findings": [_finding_json(f) for f in record.findings],
        "reason": record.reason,
        "warnings": list(record.warnings),
        "validation": (
            None
            if validation is None
            else {
                "verdict": validation.verdict,
                "message": validation.message,
                "synthetic_inputs": validation.synthetic_inputs,
                "tensorflow": validation.tensorflow,
                "seconds": round(validation.seconds, 3),
            }
        ),
        "not_written": record.rejected or record.write_error,
        "seconds": round(record.seconds, 3),
    }


def to_json(result: MigrationResult) -> dict[str, Any]:
    """The whole report as JSON-ready data."""
    return {
        "tool": "estimator-fix",
        "version": result.version,
        "repository": result.repo,
        "mode": result.mode,
        "destination": result.destination,
        "headline": headline(result),
        "summary": {
            "scanned": result.scanned,
            "model_fns": result.model_fns,
            "fixed": result.fixed,
            "manual": result.manual,
            "errors": result.errors,
            "prefiltered": result.prefiltered,
            "analysed": result.analysed,
            "cached": result.cached,
            "ignored": result.ignored,
            "git": result.git,
            "executor": result.executor,
            "validated": result.validate,
            "interrupted": result.interrupted,
            "seconds": round(result.seconds, 3),
        },
        "problems": list(result.problems),
        "files": [_file_json(record) for record in result.files],
        "skipped": [{"path": path, "reason": reason} for path, reason in result.skipped],
    }


def json_text(result: MigrationResult) -> str:
    return json.dumps(to_json(result), indent=2) + "\n"


# Markdown -----------------------------------------------------------------------------------


def _md(text: str) -> str:
    """Plain text made safe for Markdown (backticks are kept: messages quote code with them)."""
    for char, escaped in (("\\", "\\\\"), ("*", "\\*"), ("<", "&lt;"), (">", "&gt;")):
        text = text.replace(char, escaped)
    return " ".join(text.split())


def _finding_md(finding: FindingRecord) -> list[str]:
    lines = [f"  - `{finding.code}` {finding.where}: {_md(finding.message)} — **{finding.status}**"]
    if finding.note and finding.status != "fixed":
        lines.append(f"    <br>{_md(finding.note)}")
    return lines


def _validation_md(record: FileRecord) -> list[str]:
    validation = record.validation
    if validation is None:
        return []
    message = _short(validation.message, record.path)
    text = f"  - validation: **{validation.headline}**" + (f" — {_md(message)}" if message else "")
    return [text]


def _short(message: str, path: str) -> str:
    """A message without a leading ``path: `` (the section already names the file)."""
    head, sep, rest = message.partition(": ")
    return rest if sep and (head == path or head.endswith("/" + path)) else message


def _file_md(record: FileRecord, findings: Iterable[FindingRecord]) -> list[str]:
    shown = list(findings)
    title = f"- **`{record.path}`**"
    if record.model_fns:
        title += f" ({_count(record.model_fns, 'model_fn', 'model_fns')})"
    lines = [title]
    for finding in shown:
        lines += _finding_md(finding)
    lines += _validation_md(record)
    if record.rejected:
        lines.append(f"  - not written: {_md(_short(record.rejected, record.path))}")
    for warning in record.warnings:
        lines.append(f"  - note: {_md(warning)}")
    return lines


def _section(title: str, body: list[str]) -> list[str]:
    return [f"### {title}", "", *body, ""] if body else []


def markdown(result: MigrationResult) -> str:
    """The report as Markdown that reads well as a pull-request description."""
    files = result.files
    fixed = [r for r in files if r.fixed]
    manual = [r for r in files if r.needs_manual_work]
    errors = [r for r in files if r.error]
    lines = [
        "## Estimator model_fn migration",
        "",
        f"**{headline(result)}**",
        "",
        f"`estimator-fix migrate` on `{result.repo}`: {mode_text(result)}. "
        f"{_count(result.prefiltered, 'file', 'files')} ruled out by the prefilter without "
        f"parsing, {result.analysed} analysed, {result.cached} from the cache; "
        f"{result.executor}, {result.seconds:.1f}s.",
        "",
    ]
    if result.interrupted:
        lines += ["> **Interrupted**: the files below are the ones handled before it stopped.", ""]
    for problem in result.problems:
        lines += [f"> **Error**: {_md(problem)}", ""]
    fixed_body: list[str] = []
    for record in fixed:
        fixed_body += _file_md(record, (f for f in record.findings if f.status == "fixed"))
    lines += _section(f"Fixed ({len(fixed)})", fixed_body)
    manual_body: list[str] = []
    for record in manual:
        manual_body += _file_md(record, (f for f in record.findings if f.status != "fixed"))
    lines += _section(f"Needs manual work ({len(manual)})", manual_body)
    error_body = [f"- `{r.path}`: {_md(_short(r.error, r.path))} — left untouched" for r in errors]
    lines += _section(f"Errors ({len(errors)})", error_body)
    skipped_body = [f"- `{path}`: {_md(reason)}" for path, reason in result.skipped]
    lines += _section(f"Skipped ({len(result.skipped)})", skipped_body)
    lines.append(f"<sub>estimator-fix {result.version}</sub>")
    # Paths are the user's: control characters and undecodable bytes are shown as escapes.
    return printable_lines("\n".join(lines) + "\n")
