"""Findings as text or JSON, and the Report that tallies a run and decides its exit code.

Exit codes (SPEC §3): ``check`` 0 clean / 1 findings; ``diff`` 0 no change / 1 would change;
``fix`` 0 ok / 1 findings left that this run did not fix (no fix, an unsafe fix without
``--unsafe-fixes``, or a rewrite ``--validate`` refused); all three 2 on a usage or I/O error.

Bad input (a missing path, a directory without Python files, a Skipped or Failed file, a write
that was refused) is an error line on stderr. When nothing at all could be done (every input was
bad) the exit code is 2. When some inputs were processed and others were bad, the run reports
what it did and exits with at least 1, so a CI job cannot pass over a file it could not read,
while 2 keeps meaning "this run did nothing".
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import Any, Literal, NamedTuple, Optional

from codemods.findings import Finding
from estimator_fix.results import Changed, Failed, FileResult, Skipped
from estimator_fix.validation.verdicts import ORDER

Command = Literal["check", "diff", "fix"]

FIX_LABELS = {"safe": "fixable", "unsafe": "unsafe fix", "none": "manual"}


#: What must never reach a terminal as it is: control characters (escape codes, bare CRs), C1
#: controls, bidirectional overrides, and lone surrogates (a file name's undecodable bytes).
_UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    if code == 9:
        return "\t"
    if 0xDC80 <= code <= 0xDCFF:  # os.fsdecode's escape of an undecodable byte
        return f"\\x{code - 0xDC00:02x}"
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def printable(text: str) -> str:
    """``text`` safe to print as one line: every character in ``_UNPRINTABLE`` (line breaks
    included) as a Python-style escape; tabs kept."""
    return _UNPRINTABLE.sub(_escape, text)


def printable_lines(text: str) -> str:
    """``text`` safe to print as it is laid out: each line through ``printable``, its line
    break kept."""
    return "".join(
        printable(line.rstrip("\r\n")) + line[len(line.rstrip("\r\n")) :]
        for line in text.splitlines(keepends=True)
    )


class Located(NamedTuple):
    """A finding in a file; ``cell`` is its 1-based notebook cell (its line is in that cell)."""

    path: str
    finding: Finding
    cell: Optional[int] = None

    @property
    def where(self) -> str:
        """``path`` or ``path[cell N]``."""
        return f"{self.path}[cell {self.cell}]" if self.cell else self.path


def finding_label(finding: Finding) -> str:
    """``fixed`` when applied, else what a fix would be: ``fixable``, ``unsafe fix``, ``manual``."""
    return "fixed" if finding.applied else FIX_LABELS.get(finding.fix, finding.fix)


def finding_text(path: str, finding: Finding, cell: Optional[int] = None) -> str:
    """One compiler-style line: ``path:line:col: EF101 message (fixable)`` (``path[cell N]`` in
    a notebook), safe to print."""
    where = Located(path, finding, cell).where
    return printable(
        f"{where}:{finding.line}:{finding.column}: {finding.code} {finding.message} "
        f"({finding_label(finding)})"
    )


def finding_json(path: str, finding: Finding, cell: Optional[int] = None) -> dict[str, Any]:
    """One finding as a JSON-ready object (``cell``: its notebook cell, or null)."""
    return {
        "path": path,
        "cell": cell,
        "code": finding.code,
        "message": finding.message,
        "line": finding.line,
        "column": finding.column,
        "fix": finding.fix,
        "applied": finding.applied,
        "function": finding.function,
        "note": finding.note,
    }


def findings_json(items: Iterable[Located]) -> str:
    """A JSON list of findings (each as ``finding_json``), indented, ending in a newline."""
    return json.dumps([finding_json(*item) for item in items], indent=2) + "\n"


def _annotation_data(text: str) -> str:
    text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    return printable(text)


def _annotation_property(text: str) -> str:
    return _annotation_data(text).replace(":", "%3A").replace(",", "%2C")


def github_annotation(path: str, finding: Finding, cell: Optional[int] = None) -> str:
    """One GitHub Actions workflow command that annotates the finding's line in a pull request
    (a notebook finding annotates the file, naming its cell and line)."""
    where = f"file={_annotation_property(path)}"
    if cell is None:
        where += f",line={finding.line},col={finding.column}"
    where += f",title={_annotation_property(f'estimator-fix ({finding.code})')}"
    text = f"{finding.code} {finding.message} ({finding_label(finding)})"
    if cell is not None:
        text = f"cell {cell}, line {finding.line}: {text}"
    return f"::error {where}::{_annotation_data(text)}\n"


def github_error(path: str, reason: str) -> str:
    """A workflow command for a file that could not be processed."""
    return (
        f"::error file={_annotation_property(path)},title=estimator-fix::"
        f"{_annotation_data(f'{path}: error: {reason}')}\n"
    )


def error_text(path: str, reason: str) -> str:
    """The one line that reports a file or path that could not be processed."""
    return printable(f"{path}: error: {reason}")


def _verdict_rank(verdict: str) -> int:
    return ORDER.index(verdict) if verdict in ORDER else len(ORDER)


def _plural(count: int, singular: str, plural: str | None = None) -> str:
    return f"{count} {singular if count == 1 else (plural or singular + 's')}"


def _located(
    path: str, findings: tuple[Finding, ...], cells: tuple[Optional[int], ...]
) -> list[Located]:
    return [
        Located(path, f, cells[i] if i < len(cells) else None) for i, f in enumerate(findings)
    ]


@dataclass
class Report:
    """Tallies one ``check``/``diff``/``fix`` run; ``return_code`` is its exit status."""

    command: Command
    processed: int = 0  # files that were read and analysed
    changed: int = 0  # files that would change (check/diff) or were written (fix)
    findings: list[Located] = field(default_factory=list)
    remaining: list[Located] = field(default_factory=list)
    errors: list[tuple[str, str]] = field(default_factory=list)
    failed: int = 0  # of which estimator-fix's own fault (Failed results)
    #: ``fix --validate``: how many rewrites got each verdict, and how many were not written.
    verdicts: dict[str, int] = field(default_factory=dict)
    refused: int = 0

    def add(self, result: FileResult) -> None:
        """Count one engine result. For ``fix``, report a Changed file's fate with ``fixed`` or
        ``not_written`` afterwards."""
        if isinstance(result, (Skipped, Failed)):
            self.error(result.path, result.reason)
            if isinstance(result, Failed):
                self.failed += 1
            return
        findings = result.findings
        if self.command != "fix":  # nothing is applied by check or diff
            findings = tuple(replace(f, applied=False) for f in findings)
        located = _located(result.path, findings, result.cells)
        self.findings += located
        if isinstance(result, Changed) and self.command == "fix":
            return
        self.processed += 1
        self.remaining += located
        if isinstance(result, Changed):
            self.changed += 1

    def fixed(self, path: str, remaining: Iterable[Located], *, written: bool = True) -> None:
        """``fix`` dealt with a Changed ``path``: ``written`` (or left as the user chose);
        ``remaining`` are the findings the file on disk still has."""
        self.processed += 1
        self.changed += int(written)
        self.remaining += remaining

    def not_written(self, path: str, reason: str) -> None:
        """``fix`` could not write a Changed ``path`` (read-only, changed on disk…)."""
        self.error(path, reason)

    def error(self, path: str, reason: str) -> None:
        """A path or file that could not be processed."""
        self.errors.append((path, reason))

    def validated(self, verdict: str, accepted: bool) -> None:
        """``fix --validate`` judged one rewrite; a refused one is left unwritten (report the
        file with ``fixed(..., written=False)``) and makes the exit status at least 1."""
        self.verdicts[verdict] = self.verdicts.get(verdict, 0) + 1
        self.refused += int(not accepted)

    @property
    def fixable(self) -> int:
        return sum(1 for item in self.findings if item.finding.fix != "none")

    @property
    def return_code(self) -> int:
        if self.errors and not self.processed:
            return 2
        if self.command == "check":
            code = 1 if self.findings else 0
        elif self.command == "diff":
            code = 1 if self.changed else 0
        else:
            code = 1 if self.remaining or self.refused else 0
        return max(code, 1) if self.errors else code

    def summary(self) -> str:
        """The closing line for stderr."""
        if self.command == "fix":
            text = (
                f"{_plural(self.changed, 'file')} fixed, "
                f"{_plural(len(self.remaining), 'finding')} "
                f"{'needs' if len(self.remaining) == 1 else 'need'} manual work"
            )
        elif self.command == "diff":
            text = (
                f"{_plural(self.changed, 'file')} would be changed"
                if self.changed
                else f"no changes ({_plural(self.processed, 'file')} checked)"
            )
        elif self.findings:
            files = len({item.path for item in self.findings})
            text = (
                f"{_plural(len(self.findings), 'finding')} in {_plural(files, 'file')} "
                f"({self.fixable} with a fix)"
            )
        else:
            text = f"no findings ({_plural(self.processed, 'file')} checked)"
        if self.verdicts:
            ordered = sorted(self.verdicts.items(), key=lambda item: _verdict_rank(item[0]))
            counts = ", ".join(f"{count} {verdict}" for verdict, count in ordered)
            text += f"; validation: {counts}"
            if self.refused:
                text += f" ({_plural(self.refused, 'rewrite')} not written)"
        if self.errors:
            text += f"; {_plural(len(self.errors), 'error')}"
        return text
