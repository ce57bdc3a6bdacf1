"""The engine: one file's bytes in, one frozen result out. Never prints, never exits.

Results are picklable data so the same function serves one file, a process pool or a cluster:
``Changed`` (the rewrite and its findings), ``Unchanged`` (findings that need no or no safe
rewrite), ``Skipped`` (the input is broken: Python 2, a syntax error, undecodable, unreadable) and
``Failed`` (estimator-fix broke it: the rewrite does not parse, is not idempotent, or a codemod
crashed; such output is never written).

Suppression with ``# noqa`` (see ``estimator_fix.noqa``): a silenced finding is dropped, and so
that it is not rewritten either, its code is turned off for the fixing run of the whole file when
that finding would have been fixed. This is coarse (another finding with the same code elsewhere
in the file is then reported but left unfixed) but never rewrites what the user silenced. A
``# noqa: EF…`` code that names no rule, or silences nothing, is a warning.

Only what can matter is parsed: a top-level definition that cannot hold a model_fn is left out of
the syntax tree (``estimator_fix.elision``), so a huge file costs what its model_fns cost.
"""

from __future__ import annotations

import ast
import os
import re
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import libcst as cst
from libcst.metadata import MetadataWrapper, PositionProvider

from codemods.base import Context, ModelFnCodemod, ModuleFacts
from codemods.findings import FINDINGS_KEY, MODEL_FNS_KEY, Finding
from codemods.registry import all_codemods
from estimator_fix.elision import Elided, elide
from estimator_fix.limits import (
    TOO_DEEP,
    FileTimeout,
    deadline,
    parse_tree,
    roundtrip_problem,
    too_large,
)
from estimator_fix.noqa import is_suppressed, neutralized, noqa_lines, rule_codes, without_code
from estimator_fix.notebooks import process_notebook
from estimator_fix.parse_errors import compile_error, describe_parse_failure
from estimator_fix.results import (
    PREFILTER_MARKERS,
    SELECTOR,
    Changed,
    Failed,
    FileResult,
    Settings,
    Skipped,
    Unchanged,
    code_selected,
    might_contain_estimator_code,
)
from estimator_fix.sources import (
    SourceError,
    binary_reason,
    decode_check,
    decode_source,
    is_notebook,
    read_source,
)
from estimator_fix.tabs import WARNING as TABS_WARNING
from estimator_fix.tabs import expand_indentation, original_column

__all__ = [
    "PREFILTER_MARKERS",
    "SELECTOR",
    "Changed",
    "Failed",
    "FileResult",
    "Settings",
    "Skipped",
    "Unchanged",
    "analyse",
    "available_codemods",
    "code_selected",
    "might_contain_estimator_code",
    "parse_error",
    "process_file",
    "process_source",
    "top_level_spans",
]


def available_codemods(settings: Settings | None = None) -> tuple[type[ModelFnCodemod], ...]:
    """The codemods a run uses: ``settings.codemods`` or every one the registry finds."""
    if settings is not None and settings.codemods is not None:
        return settings.codemods
    return tuple(all_codemods())


class _CodemodCrash(Exception):
    def __init__(self, command: type[ModelFnCodemod], exc: BaseException) -> None:
        super().__init__(f"{command.__name__} crashed: {type(exc).__name__}: {exc}")


def _is_skip_file(exc: Exception) -> bool:
    """LibCST's ``SkipFile`` (a codemod declining the file): only a codemod that imported
    ``libcst.codemod`` can raise it, so the engine never imports that package itself."""
    loaded = sys.modules.get("libcst.codemod")
    return loaded is not None and isinstance(exc, loaded.SkipFile)


@dataclass
class _Run:
    module: cst.Module
    findings: list[Finding] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    model_fns: int = 0


def _run_one(
    command: type[ModelFnCodemod],
    module: cst.Module,
    path: str,
    unsafe_fixes: bool,
    select: frozenset[str],
    facts: ModuleFacts | None = None,
) -> _Run:
    """``command`` on ``module``; ``facts``, when ``module`` came straight from the parser, are
    shared by every codemod run on it."""
    context = Context(filename=path)
    codemod = command(context, unsafe_fixes=unsafe_fixes, select=select, facts=facts)
    try:
        new_module = codemod.transform_module(module)
    except RecursionError:
        raise  # too deeply nested code: the caller skips the file, it is not a codemod bug
    except Exception as exc:  # a codemod bug must not take the whole run down
        if _is_skip_file(exc):
            reason = str(exc) or "no reason given"
            return _Run(module, warnings=[f"{command.__name__} left the file alone: {reason}"])
        raise _CodemodCrash(command, exc) from exc
    findings: list[Finding] = list(context.scratch.get(FINDINGS_KEY, []))
    # ModelFnCodemod.report() also warns once per finding; those are findings, not warnings.
    echoes = {
        f"{f.line}:{f.column}: {f.code} {f.message} "
        f"({'fixed' if f.applied else f'fix: {f.fix}'})"
        for f in findings
    }
    warnings = [w for w in context.warnings if w not in echoes]
    return _Run(new_module, findings, warnings, int(context.scratch.get(MODEL_FNS_KEY, 0)))


def _chain(
    commands: Sequence[tuple[type[ModelFnCodemod], frozenset[str]]],
    module: cst.Module,
    source: bytes,
    facts: ModuleFacts,
    path: str,
    unsafe_fixes: bool,
    done: Sequence[_Run] = (),
) -> tuple[bytes, cst.Module, ModuleFacts]:
    """The bytes (and the parsed module, and its facts) after applying each codemod to the
    previous one's output.

    ``module`` was parsed from ``source`` and ``facts`` are its own. Each step works on a module
    parsed from the previous step's bytes (cheaper than the deep copy LibCST would make of a
    transformed tree, and it gives the step facts of its own); a step that changes nothing hands
    the next one the same module. ``done`` holds runs already made on ``module`` with the same
    selection, in order: they are taken as they are while nothing has changed. Raises
    ``ParserSyntaxError`` when a step's output does not parse.
    """
    current, current_bytes, pristine = module, source, True
    for index, (command, select) in enumerate(commands):
        if pristine and index < len(done):
            step = done[index]
        else:
            step = _run_one(command, current, path, unsafe_fixes, select, facts)
        rendered = step.module.bytes
        if rendered != current_bytes:
            current, current_bytes, pristine = cst.parse_module(rendered), rendered, False
            # The findings of these runs are not reported: no positions for them.
            names = facts.model_fn_names
            facts = ModuleFacts(current, decode_source(rendered), False, names)
    return current_bytes, current, facts


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
    parse, compile (when the original does) and a second pass changes nothing; otherwise
    ``Failed``. Bytes outside the rewritten code, the encoding, BOM and line endings are kept (the
    module is parsed from bytes and written back with ``Module.bytes``); a file LibCST would not
    reproduce byte for byte is analysed but not rewritten (``Unchanged``, with a warning).

    Hostile input is ``Skipped`` with one line saying why: NUL bytes (a binary file), an encoding
    that does not decode, nesting deeper than Python itself accepts (checked before LibCST, whose
    parser can overflow the C stack on it) or deeper than the codemods can recurse into.
    """
    name = os.fspath(path)
    reason = binary_reason(data)
    if reason is not None:
        return Skipped(name, reason)
    if not might_contain_estimator_code(data, settings.markers):
        return Unchanged(name, ())
    reason = too_large(len(data)) or decode_check(name, data)
    if reason is not None:
        return Skipped(name, reason)
    text = decode_source(data)
    tree, reason = parse_tree(text)
    if reason is not None:
        return Skipped(name, reason)
    cr_only = b"\r" in data and b"\n" not in data
    source = data.replace(b"\r", b"\n") if cr_only else data
    try:
        result = _process(name, source, settings, tree)
    except RecursionError:
        return Skipped(name, f"{TOO_DEEP} (LibCST's recursion limit)")
    if isinstance(result, Changed):
        if cr_only:  # bare CR line breaks (classic Mac): worked on as LF, written back as CR
            result = replace(result, original=data, fixed=result.fixed.replace(b"\n", b"\r"))
        # Python's own compiler as a second, independent judge (when it accepts the original).
        if compile_error(text) is None:
            rejected = compile_error(decode_source(result.fixed))
            if rejected is not None:
                return Failed(name, f"internal error: the rewrite does not compile ({rejected})")
    return result


def _process(
    name: str, source: bytes, settings: Settings, tree: ast.Module | None
) -> FileResult:
    """The codemods on ``source`` (``tree``: its ``ast``, if it parses), through a copy without
    the definitions that cannot matter."""
    elided = elide(source, decode_source(source), settings.markers, tree)
    reason = too_large(len(source if elided is None else elided.source), kept=True)
    if reason is not None:
        return Skipped(name, reason)
    if elided is None:
        return _process_module(name, source, settings)
    result = _in_file_lines(_process_module(name, elided.source, settings), elided)
    if not isinstance(result, Changed):
        return result
    restored = elided.restore(result.fixed)
    if restored is None:  # a placeholder did not come through intact: do the whole file
        return _process_module(name, source, settings)
    return replace(result, original=source, fixed=restored)


_LINE_REFERENCE = re.compile(r"\bline (\d+)")


def _in_file_lines(result: FileResult, elided: Elided) -> FileResult:
    """``result`` of the shortened source, with its line numbers those of the whole file."""

    def text(message: str) -> str:
        return _LINE_REFERENCE.sub(
            lambda m: f"line {elided.original_line(int(m.group(1)))}", message
        )

    if isinstance(result, (Skipped, Failed)):
        return replace(result, reason=text(result.reason))
    findings = tuple(replace(f, line=elided.original_line(f.line)) for f in result.findings)
    warnings = tuple(text(warning) for warning in result.warnings)
    return replace(result, findings=findings, warnings=warnings)


def _process_module(name: str, source: bytes, settings: Settings) -> FileResult:
    try:
        module = cst.parse_module(source)
    except cst.ParserSyntaxError as exc:
        text = decode_source(source)
        expanded = expand_indentation(source, text) if compile_error(text) is None else None
        if expanded is not None:
            return _read_expanded(name, source, expanded, settings)
        return Skipped(name, describe_parse_failure(text, exc))
    except MemoryError:
        return Skipped(name, f"{TOO_DEEP} to parse")
    plan = _selection(available_codemods(settings), settings, settings.ignored_for(name))
    try:
        return _fix(name, source, module, plan, settings)
    except _CodemodCrash as exc:
        return Failed(name, f"internal error: {exc}")


def _read_expanded(name: str, source: bytes, expanded: bytes, settings: Settings) -> FileResult:
    """The findings of ``source`` read through ``expanded`` (its indentation tabs expanded, see
    ``tabs``), positioned in ``source``; nothing is rewritten."""
    try:
        result = _process_module(name, expanded, settings)
    except RecursionError:
        result = Skipped(name, f"{TOO_DEEP} (LibCST's recursion limit)")
    if isinstance(result, (Skipped, Failed)):
        return result
    lines = [b"", *source.split(b"\n")]
    findings = tuple(
        replace(f, column=original_column(lines[f.line], f.column), fix="none", applied=False)
        if f.line < len(lines)
        else replace(f, fix="none", applied=False)
        for f in result.findings
    )
    return Unchanged(name, findings, (*result.warnings, TABS_WARNING), result.model_fns)


def _fix(
    name: str,
    data: bytes,
    module: cst.Module,
    plan: list[tuple[type[ModelFnCodemod], frozenset[str]]],
    settings: Settings,
) -> FileResult:
    text = decode_source(data)
    noqa = noqa_lines(text)
    findings: list[Finding] = []
    warnings: list[str] = []
    silenced: set[str] = set()  # codes whose fix a noqa comment turns off for this file
    facts = ModuleFacts(module, text, model_fn_names=settings.model_fn_names)
    runs = [
        _run_one(cmd, module, name, settings.unsafe_fixes, select, facts) for cmd, select in plan
    ]
    model_fns = max((run.model_fns for run in runs), default=0)
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
    unique = sorted(set(findings), key=lambda f: (f.line, f.column, f.code, f.message))
    warnings += _noqa_warnings(name, text, noqa, plan, unique, settings)
    unique = _one_per_statement(unique)
    rendered = module.bytes
    if rendered != data:
        warnings.append(roundtrip_problem(data, rendered))
        return Unchanged(name, _unapplied(unique), tuple(warnings), model_fns)
    if not settings.fix:
        return Unchanged(name, _unapplied(unique), tuple(warnings), model_fns)
    fix_plan = [(command, select - silenced) for command, select in plan if select - silenced]
    # The runs on the original are the first steps of the fix, unless noqa turned codes off.
    done = () if silenced else runs
    try:
        fixed, fixed_module, fixed_facts = _chain(
            fix_plan, module, data, facts, name, settings.unsafe_fixes, done
        )
    except cst.ParserSyntaxError as exc:
        first = exc.message.splitlines()[0] if exc.message else "invalid syntax"
        return Failed(name, f"internal error: the rewrite does not parse ({first}); not written")
    if fixed == data:
        return Unchanged(name, _unapplied(unique), tuple(warnings), model_fns)
    result = tuple(replace(f, applied=f.applied and f.code not in silenced) for f in unique)
    try:
        again = _chain(fix_plan, fixed_module, fixed, fixed_facts, name, settings.unsafe_fixes)[0]
    except cst.ParserSyntaxError:
        again = b""  # a second run that breaks the code is no more stable than one that changes it
    if again != fixed:
        return Failed(
            name, "internal error: the rewrite is not stable (a second run changes it again)"
        )
    return Changed(name, data, fixed, result, tuple(warnings), model_fns)


#: Where two rules meet on one statement, the code reported and the code it stands for: the
#: print of a tensor that reads labels where PREDICT runs it is reported as a print (EF204);
#: the statement still leaves PREDICT with the label code, which its note says.
_REPORTED_AS = {"EF101": "EF204"}


def _one_per_statement(findings: list[Finding]) -> list[Finding]:
    """One finding per statement where a print's rule and the label rule meet on it."""
    at = {(f.line, f.column, f.code): f for f in findings}
    kept: list[Finding] = []
    folded: dict[tuple[int, int, str], Finding] = {}
    for finding in findings:
        other = at.get((finding.line, finding.column, _REPORTED_AS.get(finding.code, "")))
        if other is None:
            kept.append(finding)
            continue
        key = (other.line, other.column, other.code)
        also = f"it also runs label code in PREDICT ({finding.code}: {finding.message})"
        if finding.fix == "safe":
            also += "; the fix moves it out of PREDICT"
        base = folded.get(key, other)
        folded[key] = replace(base, note="; ".join(n for n in (base.note, also) if n))
    return [folded.get((f.line, f.column, f.code), f) for f in kept]


def _unapplied(findings: Iterable[Finding]) -> tuple[Finding, ...]:
    return tuple(replace(f, applied=False) for f in findings)


def _visible(
    text: str,
    noqa: Mapping[int, frozenset[str] | None],
    plan: Sequence[tuple[type[ModelFnCodemod], frozenset[str]]],
    name: str,
    settings: Settings,
) -> set[tuple[str, int, int]]:
    """The findings (code, line, column) of ``text`` after the engine's own noqa filter."""
    module = cst.parse_module(text)
    facts = ModuleFacts(module, text, model_fn_names=settings.model_fn_names)
    found: set[tuple[str, int, int]] = set()
    for command, select in plan:
        run = _run_one(command, module, name, settings.unsafe_fixes, select, facts)
        for finding in run.findings:
            if finding.code in select and not is_suppressed(finding.code, finding.line, noqa):
                found.add((finding.code, finding.line, finding.column))
    return found


def _noqa_warnings(
    name: str,
    text: str,
    noqa: Mapping[int, frozenset[str] | None],
    plan: Sequence[tuple[type[ModelFnCodemod], frozenset[str]]],
    findings: Sequence[Finding],
    settings: Settings,
) -> list[str]:
    """A warning for each ``# noqa: EF…`` code that names no rule or silences nothing.

    Only codes this run checks are judged (a code left out by ``--select`` may well be needed).
    A code is in use when a finding with that code is silenced on its line; else (the codemods
    also honour a noqa on the last line of a statement) when the findings grow once that code is
    taken out of the comment.
    """
    named = {line: codes for line, codes in noqa.items() if codes and rule_codes(codes)}
    if not named:
        return []
    known = {code for command in available_codemods(settings) for code in command.RULE_CODES}
    checked = frozenset().union(*(select for _, select in plan))
    visible = {(f.code, f.line, f.column) for f in findings}
    open_text = neutralized(text, named)
    every = _visible(open_text, {}, plan, name, settings)
    silenced = {(code, line) for code, line, _ in every - visible}
    warnings = []
    for line, codes in sorted(named.items()):
        for code in sorted(rule_codes(codes)):
            if code not in known:
                warnings.append(f"line {line}: `# noqa: {code}` names no estimator-fix rule")
                continue
            if code not in checked or (code, line) in silenced:
                continue
            without = without_code(text, line, code)
            if _visible(without, noqa_lines(without), plan, name, settings) <= visible:
                warnings.append(f"line {line}: `# noqa: {code}` silences nothing (remove it)")
    return warnings


def analyse(
    path: str | os.PathLike[str], data: bytes, settings: Settings, timeout: float | None = None
) -> FileResult:
    """``process_source``, or ``notebooks.process_notebook`` for a ``.ipynb`` file, within
    ``timeout`` seconds (None: no limit). Never raises for a problem with the file: a timeout or
    a crash is ``Failed``, input too large or deep for Python is ``Skipped``."""
    name = os.fspath(path)
    try:
        with deadline(timeout):
            if is_notebook(name):
                return process_notebook(name, data, settings)
            return process_source(name, data, settings)
    except FileTimeout:
        return Failed(name, f"timed out after {timeout:g}s; not changed")
    except (RecursionError, MemoryError) as exc:
        return Skipped(name, f"too large or deep to analyse ({type(exc).__name__})")
    except Exception as exc:  # a bug must cost one file, not the run
        return Failed(name, f"internal error: {type(exc).__name__}: {exc}")


def process_file(
    path: str | Path, settings: Settings, timeout: float | None = None
) -> FileResult:
    """``analyse`` on a file's bytes; an unreadable file is ``Skipped``."""
    try:
        data = read_source(path)
    except SourceError as exc:
        return Skipped(os.fspath(path), exc.reason)
    return analyse(path, data, settings, timeout)
