"""The findings of an analysed model_fn (EF101–EF106): one per unit a mode runs but should not,
worded by the rule it breaks, with the fix it gets and, when none, why."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import replace
from typing import Optional

import libcst as cst

from codemods import statements as st
from codemods.findings import Finding, FixKind
from codemods.model_fns import ModelFn
from codemods.modes.policy import TagPolicy
from codemods.modes.units import NestedSpec, Pin, Unit, leaves
from codemods.rules import catalogue
from codemods.rules import ef101_labels_in_predict as ef101
from codemods.rules import ef102_training_outside_train as ef102
from codemods.rules import ef103_unused_metrics as ef103
from codemods.rules import ef104_summary_in_predict as ef104
from codemods.rules import ef105_one_spec_for_all_modes as ef105
from codemods.rules import ef106_labels_into_opaque_helper as ef106
from codemods.vocabulary import Mode, UnitKind, mode_names

#: Why a unit a mode does not need is not moved out of it.
PIN_REASONS = {
    Pin.VARIABLES: "it may create variables, and skipping it would rename later auto-named "
    "layers (checkpoint mismatch)",
    Pin.SEEDS: "it draws a random seed, and skipping it would shift the seeds of later random "
    "ops (use --unsafe-fixes)",
    Pin.NEVER: "it creates shadow variables (ema.apply) that every mode needs",
    Pin.PARTIAL: "another mode still needs it",
    Pin.RETURNS: "it returns a spec, and moving it would leave a mode without a return",
}

#: Gives a node's 1-based (line, column).
Position = Callable[[cst.CSTNode], tuple[int, int]]

_PREDICT_NEEDS_IT = (
    "PREDICT uses a value derived from labels; compute predictions from features only"
)
_REORDERED = "moved below the PREDICT return, past code it does not feed (--unsafe-fixes)"


class Reporter:
    """Word the findings of one model_fn. ``position(node)`` gives its (line, column)."""

    def __init__(
        self,
        fn: ModelFn,
        policies: Sequence[TagPolicy],
        selected: frozenset[str],
        position: Position,
    ) -> None:
        self.fn = fn
        self.priority = [p.code for p in sorted(policies, key=lambda p: p.priority)]
        self.selected = selected
        self.position = position

    def findings(self, units: list[Unit], applied: bool) -> list[Finding]:
        found: list[Finding] = []
        for unit in leaves(units):
            if ef105.CODE in self.selected:
                found.extend(self._nested_spec(nested) for nested in unit.nested_specs)
            spec = unit.kind is UnitKind.SPEC
            if spec and unit.foreign and ef105.CODE in self.selected:
                found.append(self._spec(unit, applied))
                continue
            # a spec returned or bound to a name that builds metrics the modes reaching it ignore
            if unit.idle_metrics[0] and ef103.CODE in self.selected:
                found.append(self._idle_metrics(unit, applied))
                continue
            if spec:
                continue
            finding = self._unit(unit, applied)
            if finding is not None:
                on_parts = self._on_parts(unit, finding)
                if on_parts or not _only_through_stores(unit):
                    found.extend(on_parts or [finding])
        return found

    def _on_parts(self, unit: Unit, finding: Finding) -> list[Finding]:
        """A compound statement judged whole is reported on the statements inside it that do
        the work (one finding each, with the whole statement's fix), when any does."""
        bad = unit.bad_modes()
        found: list[Finding] = []
        predicting = _parts_reaching_predict(unit)
        working = list(_working_parts(unit, bad))
        header = unit.header_blocked.get(Mode.PREDICT, frozenset())
        if (
            working
            and unit.header_fails_on_none_labels
            and ef101.CODE in header
            and Mode.PREDICT in bad
        ):
            # a header that looks into PREDICT's None labels (``for key, value in
            # labels.items():``) fails there before any part runs: a finding of its own
            message = catalogue()[ef101.CODE].format(
                what=_describe_header(unit), where=mode_names([Mode.PREDICT])
            )
            found.append(replace(finding, code=ef101.CODE, message=message))
        wrapped = isinstance(unit.node, cst.With)
        for part in working:
            modes = bad & part.bad_modes()
            codes = set().union(*(part.blocked.get(m, frozenset()) for m in modes))
            blocked = dict(part.blocked)
            if codes and wrapped:
                # what its context managers break, each statement inside breaks too
                # (``with tf.control_dependencies([train_op]):`` makes them training ops)
                wraps = {m: unit.header_blocked.get(m, frozenset()) for m in bad}
                modes = bad & (modes | {m for m, c in wraps.items() if c})
                blocked = {m: blocked.get(m, frozenset()) | wraps[m] for m in modes}
                codes = set().union(*blocked.values())
            # EF106 on the part whose own results PREDICT returns (one branch's helper), itself
            # or through the parts after it (``predictions = {"p": out}``), not on a part
            # beside it whose results PREDICT does not use: that is label code
            opaque = (
                finding.code == ef106.CODE
                and part.opaque_label is not None
                and id(part) in predicting
            )
            if not codes and not opaque:
                continue
            line, column = self.position(part.node)
            if opaque and part.opaque_label is not None:
                message = ef106.RULE.format(helper=part.opaque_label)
                code = ef106.CODE
            else:
                code = self._code(codes, part, modes)
                where = mode_names(m for m in modes if blocked.get(m))
                message = catalogue()[code].format(what=_describe(part), where=where)
            found.append(replace(finding, code=code, message=message, line=line, column=column))
        return found

    def _code(self, codes: set[str], unit: Unit, modes: frozenset[Mode]) -> str:
        """The most specific of the codes a statement breaks in ``modes``; a summary of a
        training value (``tf.summary.histogram(name, grad)``) builds no training op: where it
        runs in PREDICT, its finding is the summary's (it still goes where its values go)."""
        reads_training = all(ef102.CODE in unit.excusable.get(m, frozenset()) for m in modes)
        if ef104.CODE in codes and ef102.CODE in codes and reads_training:
            return ef104.CODE
        return next(c for c in self.priority if c in codes)

    def _unit(self, unit: Unit, applied: bool) -> Optional[Finding]:
        bad = unit.bad_modes()
        # regrouping is no finding of its own, unless PREDICT returns the None labels it
        # gathers: no statement before it computes from them
        returns_none = unit.gathers_none_labels and unit.predict_returns_whole and (
            Mode.PREDICT in bad & unit.needed
        )
        fails = unit.fails_on_none_labels and Mode.PREDICT in bad
        if not bad or (unit.quiet and not returns_none and not fails) or bad <= unit.stores_into:
            return None
        codes = set().union(*(unit.blocked.get(m, frozenset()) for m in bad))
        code = self._code(codes, unit, bad)
        kept = bad & unit.needed
        line, column = self.position(unit.node)
        pinned = {unit.pins[m] for m in kept if m in unit.pins}
        # EF106 when what PREDICT returns is computed from the helper's results (not when
        # PREDICT returns no spec, or only reads them in spec fields it ignores).
        uses = Mode.PREDICT in kept and Mode.PREDICT in unit.used and bool(unit.predict_uses)
        if uses and unit.opaque_label is not None and not pinned:
            return self._opaque(unit.opaque_label, line, column)
        mixed = unit.mixed_helper
        label_code = code == ef101.CODE  # a helper building a train op is EF102 first
        if uses and label_code and not pinned and mixed and mixed[1] & unit.predict_uses:
            return self._opaque(mixed[0], line, column)
        fix, note = _fix_and_note(unit, bad, kept)
        message = catalogue()[code].format(what=_describe(unit), where=mode_names(bad))
        return Finding(
            code=code,
            message=message,
            line=line,
            column=column,
            fix=fix,
            function=self.fn.name,
            note=note,
            applied=applied and not kept,
        )

    def _idle_metrics(self, unit: Unit, applied: bool) -> Finding:
        """EF103 on a spec that builds metric ops in fields the modes reaching it ignore."""
        fields, modes = unit.idle_metrics
        line, column = self.position(unit.node)
        fixable = unit.variants is not None
        what = ", ".join(f"`{name}=...`" for name in fields) + " of this spec"
        note = "" if fixable else (
            f"{mode_names(modes)} ignores {', '.join(fields)}, which another mode reaching this "
            "spec reads: give it a spec of its own without them"
        )
        return Finding(
            code=ef103.CODE,
            message=catalogue()[ef103.CODE].format(what=what, where=mode_names(modes)),
            line=line,
            column=column,
            fix="safe" if fixable else "none",
            function=self.fn.name,
            note=note,
            applied=applied and fixable,
        )

    def _opaque(self, helper: str, line: int, column: int) -> Finding:
        return Finding(
            code=ef106.CODE,
            message=ef106.RULE.format(helper=helper),
            line=line,
            column=column,
            fix="none",
            function=self.fn.name,
            note=ef106.RECIPE,
        )

    def _spec(self, unit: Unit, applied: bool) -> Finding:
        fixable = unit.variants is not None
        line = cst.ensure_type(unit.node, cst.SimpleStatementLine)
        ret = cst.ensure_type(line.body[0], cst.Return)
        note = ef105.ASSIGNED_SPEC_NOTE if isinstance(ret.value, cst.Name) else unit.note
        return self._ef105(unit.node, unit.foreign, fixable, applied and fixable, note)

    def _nested_spec(self, nested: NestedSpec) -> Finding:
        return self._ef105(nested.node, nested.foreign, False, False, ef105.NESTED_SPEC_NOTE)

    def _ef105(
        self,
        node: cst.CSTNode,
        foreign: Mapping[Mode, Sequence[str]],
        fixable: bool,
        applied: bool,
        note: str,
    ) -> Finding:
        line, column = self.position(node)
        return Finding(
            code=ef105.CODE,
            message=ef105.RULE.format(fields=ef105.fields_text(foreign)),
            line=line,
            column=column,
            fix="safe" if fixable else "none",
            function=self.fn.name,
            note=note,
            applied=applied,
        )


def _innermost(parts: list[Unit]) -> Iterator[Unit]:
    for part in leaves(parts):
        if part.parts:
            yield from _innermost(part.parts)
        else:
            yield part


def _parts_reaching_predict(unit: Unit) -> set[int]:
    """The ids of the innermost parts of compound ``unit`` whose results reach what PREDICT
    uses of it (``unit.predict_uses``), directly or through the parts after them: a backward
    pass, as ``safety.predict_outputs`` over the statements."""
    live = set(unit.predict_uses)
    reaching: set[int] = set()
    for part in reversed(list(_innermost(unit.parts))):
        if part.defs & live:
            reaching.add(id(part))
            live |= part.reads
    return reaching


def _working_parts(unit: Unit, bad: frozenset[Mode]) -> Iterator[Unit]:
    """The innermost statements of a compound unit that break a rule in ``bad`` modes (or hand
    labels to a helper), through nested compound statements."""
    for part in leaves(unit.parts):
        deeper = list(_working_parts(part, bad)) if part.parts else []
        if deeper:
            yield from deeper
        elif (part.quiet and not part.fails_on_none_labels) or (
            bad & part.modes
        ) <= part.stores_into:
            continue
        elif part.parts and not part.opaque_label and _only_through_stores(part):
            continue  # a loop of summaries of training values: they go where the values go
        elif part.opaque_label or bad & part.bad_modes():
            yield part


def _only_through_stores(unit: Unit) -> bool:
    """A compound statement whose header breaks nothing and whose parts break rules only by
    storing into objects that carry a tag (they move with it): no finding of its own."""
    if not unit.parts:
        return False
    bad = unit.bad_modes()
    if any(unit.header_blocked.get(mode) for mode in bad):
        return False
    return all(
        (bad & part.modes) <= part.stores_into or (part.quiet and not part.fails_on_none_labels)
        for part in leaves(unit.parts)
        if not part.parts and bad & part.bad_modes()
    )


def _fix_and_note(unit: Unit, bad: frozenset[Mode], kept: frozenset[Mode]) -> tuple[FixKind, str]:
    """The fix a unit's finding gets and the note that says why (or what to know)."""
    if kept:
        pinned = {unit.pins[m] for m in kept if m in unit.pins}
        fix: FixKind = "unsafe" if pinned == {Pin.SEEDS} else "none"
        left = bad - unit.needed  # the fix takes it out of these all the same
        moved = f"the fix moves it out of {mode_names(left)}; " if left else ""
        if Mode.PREDICT in kept and Mode.PREDICT in unit.used and not pinned:
            return fix, moved + _PREDICT_NEEDS_IT
        if pinned:
            return fix, moved + "not moved: " + "; ".join(sorted(PIN_REASONS[p] for p in pinned))
        return fix, moved + (
            f"a statement that runs in {mode_names(kept)} still reads it (often one spec for "
            "every mode); scope that first"
        )
    if unit.reordered:
        return "unsafe", _REORDERED
    if unit.unsafe_skip:
        return "unsafe", "random seeds of later ops may differ (applied with --unsafe-fixes)"
    if unit.seeds and Mode.TRAIN in bad:
        return "safe", "under TF 1.x, skipping it in TRAIN shifts the seeds of later random ops"
    return "safe", ""


def _describe_header(unit: Unit) -> str:
    """The header of a compound statement, as its finding names it (``for ... in ...:``)."""
    node = unit.node
    if isinstance(node, cst.For):
        target = cst.Module([]).code_for_node(node.target)
        return f"`for {target} in {cst.Module([]).code_for_node(node.iter)}`"
    return _describe(unit)


def _describe(unit: Unit) -> str:
    names = sorted(st.defines(unit.node))  # not the objects whose methods it calls
    node = unit.node
    if names and isinstance(node, cst.SimpleStatementLine):
        small = node.body[0]
        if len(node.body) == 1 and isinstance(small, cst.Assign):
            # what is stored into (``self.train_op``), not only the object's name
            names = [cst.Module([]).code_for_node(t.target) for t in small.targets]
        return "`" + ", ".join(names) + "`"
    shown: cst.CSTNode = unit.node.with_changes(leading_lines=())
    if isinstance(node, cst.SimpleStatementLine) and isinstance(node.body[0], cst.Return):
        shown = node.body[0].value or shown  # ``training_spec(loss)`` of its return
    code = cst.Module([]).code_for_node(shown).strip()
    code = code.splitlines()[0]
    return "`" + (code if len(code) <= 40 else code[:37] + "...") + "`"
