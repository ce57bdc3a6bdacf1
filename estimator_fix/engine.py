"""The engine: one file's bytes in, one frozen result out. Never prints, never exits.

Results are picklable data so the same function serves one file, a process pool or a cluster:
``Changed`` (the rewrite and its findings), ``Unchanged`` (findings that need no or no safe
rewrite), ``Skipped`` (the input is broken: Python 2, a syntax error, undecodable, unreadable) and
``Failed`` (estimator-fix broke it: the rewrite does not parse, is not idempotent, or a codemod
crashed; such output is never written).

Suppression with ``# noqa`` (see ``estimator_fix.noqa``): a silenced finding is dropped, and so
that it is not rewritten either, its code is turned off for the fixing run of the whole file when
that finding would have been fixed. This is coarse (another finding with the same code elsewhere
in the file is then reported but left unfixed) but never rewrites what the user silenced.
"""

from __future__ import annotations

import os
import re
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Union

import libcst as cst
from libcst.codemod import CodemodContext, SkipFile
from libcst.metadata import MetadataWrapper, PositionProvider

from codemods.base import ModelFnCodemod
from codemods.findings import FINDINGS_KEY, Finding
from codemods.registry import all_codemods
from estimator_fix.globs import matches
from estimator_fix.noqa import is_suppressed, noqa_lines
from estimator_fix.parse_errors import compile_error, describe_parse_failure
from estimator_fix.sources import SourceError, decode_check, decode_source, read_source

#: Bytes without any of these cannot hold an Estimator model_fn: such files are never parsed.
PREFILTER_MARKERS: tuple[bytes, ...] = (b"EstimatorSpec", b"model_fn", b"ModeKeys", b"estimator")

#: A rule selector: a full code (EF101) or a prefix of one (EF1, EF10, EF).
SELECTOR = re.compile(r"EF[0-9]{0,3}\Z")


@dataclass(frozen=True)
class Settings:
    """What to report and fix. ``select``/``ignore`` take codes and prefixes, like ruff.

    ``per_file_ignores`` pairs a glob (``estimator_fix.globs``, anchored at ``root``) with the
    selectors ignored in matching files. ``codemods`` overrides the registry (tests, embedders).
    """

    select: frozenset[str] | None = None
    ignore: frozenset[str] = frozenset()
    unsafe_fixes: bool = False
    per_file_ignores: tuple[tuple[str, frozenset[str]], ...] = ()
    root: str | None = None
    codemods: tuple[type[ModelFnCodemod], ...] | None = None

    def ignored_for(self, path: str) -> frozenset[str]:
        """``ignore`` plus the per-file ignores whose glob matches ``path``."""
        extra = [codes for glob, codes in self.per_file_ignores if matches(path, glob, self.root)]
        return self.ignore.union(*extra) if extra else self.ignore


@dataclass(frozen=True)
class Changed:
    """The fix changes the file: ``fixed`` is the whole new content (bytes, same encoding)."""

    path: str
    original: bytes
    fixed: bytes
    findings: tuple[Finding, ...]
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class Unchanged:
    """Nothing to rewrite; ``findings`` (if any) have no fix, or only an unselected unsafe one."""

    path: str
    findings: tuple[Finding, ...]
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class Skipped:
    """The input cannot be processed (Python 2, syntax error, undecodable, unreadable)."""

    path: str
    reason: str


@dataclass(frozen=True)
class Failed:
    """estimator-fix could not produce a safe result (a bug): nothing may be written."""

    path: str
    reason: str


FileResult = Union[Changed, Unchanged, Skipped, Failed]


def code_selected(code: str, select: Collection[str] | None, ignore: Collection[str]) -> bool:
    """Whether ``code`` is on: the longest matching selector wins, ``ignore`` on a tie.

    ``select=None`` selects every code. ``select={"EF1"}, ignore={"EF102"}`` turns on EF101 and
    not EF102; ``select={"EF102"}, ignore={"EF1"}`` turns on EF102 only.
    """

    def longest(selectors: Iterable[str]) -> int:
        return max((len(s) for s in selectors if code.startswith(s)), default=-1)

    selected = 0 if select is None else longest(select)
    return selected >= 0 and longest(ignore) < selected


def might_contain_estimator_code(data: bytes) -> bool:
    """The byte-level prefilter: False means the file cannot hold a model_fn."""
    return any(marker in data for marker in PREFILTER_MARKERS)


def available_codemods(settings: Settings | None = None) -> tuple[type[ModelFnCodemod], ...]:
    """The codemods a run uses: ``settings.codemods`` or every one the registry finds."""
    if settings is not None and settings.codemods is not None:
        return settings.codemods
    return tuple(all_codemods())


class _CodemodCrash(Exception):
    def __init__(self, command: type[ModelFnCodemod], exc: BaseException) -> None:
        super().__init__(f"{command.__name__} crashed: {type(exc).__name__}: {exc}")


@dataclass
class _Run:
    module: cst.Module
    findings: list[Finding] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def _run_one(
    command: type[ModelFnCodemod],
    module: cst.Module,
    path: str,
    unsafe_fixes: bool,
    select: frozenset[str],
) -> _Run:
    context = CodemodContext(filename=path)
    try:
        new_module = command(context, unsafe_fixes=unsafe_fixes, select=select).transform_module(
            module
        )
    except SkipFile as exc:
        reason = str(exc) or "no reason given"
        return _Run(module, warnings=[f"{command.__name__} left the file alone: {reason}"])
    except Exception as exc:  # a codemod bug must not take the whole run down
        raise _CodemodCrash(command, exc) from exc
    findings: list[Finding] = list(context.scratch.get(FINDINGS_KEY, []))
    # ModelFnCodemod.report() also warns once per finding; those are findings, not warnings.
    echoes = {
        f"{f.line}:{f.column}: {f.code} {f.message} "
        f"({'fixed' if f.applied else f'fix: {f.fix}'})"
        for f in findings
    }
    return _Run(new_module, findings, [w for w in context.warnings if w not in echoes])


def _chain(
    commands: Sequence[tuple[type[ModelFnCodemod], frozenset[str]]],
    module: cst.Module,
    path: str,
    unsafe_fixes: bool,
) -> _Run:
    """Apply each codemod to the previous one's output."""
    result = _Run(module)
    for command, select in commands:
        step = _run_one(command, result.module, path, unsafe_fixes, select)
        result = _Run(step.module, result.findings + step.findings, result.warnings + step.warnings)
    return result


def parse_error(data: bytes) -> str | None:
    """Why ``data`` is not a parseable Python 3 source, in one line, or None when it parses."""
    reason = decode_check("<source>", data)
    if reason is not None:
        return reason
    try:
        cst.parse_module(data)
    except cst.ParserSyntaxError as exc:
        return describe_parse_failure(decode_source(data), exc)
    return None


def top_level_spans(data: bytes) -> tuple[tuple[int, int], ...]:
    """The (first, last) line, 1-based and inclusive, of each top-level statement of ``data``.

    Decorators count as part of the definition. Used to group diff hunks so a change inside one
    definition is accepted or refused as a whole.
    """
    wrapper = MetadataWrapper(cst.parse_module(data))
    positions = wrapper.resolve(PositionProvider)
    spans = []
    for statement in wrapper.module.body:
        span = positions[statement]
        first = span.start.line
        if isinstance(statement, (cst.FunctionDef, cst.ClassDef)) and statement.decorators:
            first = min(first, positions[statement.decorators[0]].start.line)
        spans.append((first, span.end.line))
    return tuple(spans)


def _selection(
    commands: Sequence[type[ModelFnCodemod]], settings: Settings, ignore: frozenset[str]
) -> list[tuple[type[ModelFnCodemod], frozenset[str]]]:
    plan = []
    for command in commands:
        codes = frozenset(
            code for code in command.RULE_CODES if code_selected(code, settings.select, ignore)
        )
        if codes:
            plan.append((command, codes))
    return plan


def process_source(path: str | os.PathLike[str], data: bytes, settings: Settings) -> FileResult:
    """Find and fix the model_fn problems in one file's bytes.

    Findings come from running every selected codemod on the original module (so their lines are
    the user's lines), minus those silenced by ``# noqa``; the fix applies the codemods in
    sequence, each to the previous output. The result is ``Changed`` only when the fixed bytes
    parse and a second pass changes nothing; otherwise ``Failed``. Bytes outside the rewritten
    code, the encoding, BOM and line endings are kept (the module is parsed from bytes and written
    back with ``Module.bytes``).
    """
    name = os.fspath(path)
    if not might_contain_estimator_code(data):
        return Unchanged(name, ())
    reason = decode_check(name, data)
    if reason is not None:
        return Skipped(name, reason)
    try:
        module = cst.parse_module(data)
    except cst.ParserSyntaxError as exc:
        return Skipped(name, describe_parse_failure(decode_source(data), exc))
    except (RecursionError, MemoryError):
        return Skipped(name, "too deeply nested to parse")
    plan = _selection(available_codemods(settings), settings, settings.ignored_for(name))
    try:
        return _fix(name, data, module, plan, settings)
    except _CodemodCrash as exc:
        return Failed(name, f"internal error: {exc}")


def _fix(
    name: str,
    data: bytes,
    module: cst.Module,
    plan: list[tuple[type[ModelFnCodemod], frozenset[str]]],
    settings: Settings,
) -> FileResult:
    noqa = noqa_lines(decode_source(data))
    findings: list[Finding] = []
    warnings: list[str] = []
    silenced: set[str] = set()  # codes whose fix a noqa comment turns off for this file
    runs = [_run_one(cmd, module, name, settings.unsafe_fixes, select) for cmd, select in plan]
    for (_, select), run in zip(plan, runs):
        warnings += run.warnings
        for finding in run.findings:
            if finding.code not in select:
                continue
            if is_suppressed(finding.code, finding.line, noqa):
                if finding.applied:
                    silenced.add(finding.code)
            else:
                findings.append(finding)
    fix_plan = [(command, select - silenced) for command, select in plan if select - silenced]
    if silenced or not runs:
        fixed = _chain(fix_plan, module, name, settings.unsafe_fixes).module.bytes
    else:  # the first codemod's run on the original is also the first step of the fix
        fixed = _chain(fix_plan[1:], runs[0].module, name, settings.unsafe_fixes).module.bytes
    unique = sorted(set(findings), key=lambda f: (f.line, f.column, f.code, f.message))
    if fixed == data:
        return Unchanged(name, tuple(replace(f, applied=False) for f in unique), tuple(warnings))
    result = tuple(replace(f, applied=f.applied and f.code not in silenced) for f in unique)
    try:
        fixed_module = cst.parse_module(fixed)
    except cst.ParserSyntaxError as exc:
        first = exc.message.splitlines()[0] if exc.message else "invalid syntax"
        return Failed(name, f"internal error: the rewrite does not parse ({first}); not written")
    # Python's own compiler as a second, independent judge (when it accepts the original).
    if compile_error(decode_source(data)) is None:
        rejected = compile_error(decode_source(fixed))
        if rejected is not None:
            return Failed(name, f"internal error: the rewrite does not compile ({rejected})")
    if _chain(fix_plan, fixed_module, name, settings.unsafe_fixes).module.bytes != fixed:
        return Failed(
            name, "internal error: the rewrite is not stable (a second run changes it again)"
        )
    return Changed(name, data, fixed, result, tuple(warnings))


def process_file(path: str | Path, settings: Settings) -> FileResult:
    """``process_source`` on a file's bytes; an unreadable file is ``Skipped``."""
    try:
        data = read_source(path)
    except SourceError as exc:
        return Skipped(os.fspath(path), exc.reason)
    return process_source(path, data, settings)
