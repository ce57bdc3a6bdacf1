"""EF101–EF106: scope label, training, metric and summary code to the modes that use it.

Rewrites each model_fn so every mode builds only what it uses: label-derived values leave the
PREDICT path, training machinery moves into TRAIN, metrics into EVAL (and TRAIN where a summary,
hook or the loss reads them), summaries out of PREDICT, and one EstimatorSpec for every mode
becomes one spec per mode. Each mode executes a subsequence of the original statements in the
original order (SPEC §5).

Deliberately left alone (reported only): a statement that may create variables or auto-named
layers when a later layer in the same mode would be renamed by skipping it; a random op whose
skipping would shift later seeds (fixed only with ``--unsafe-fixes``); ``ema.apply``; values
PREDICT needs that are derived from labels, including labels passed into an opaque helper (EF106).
"""

from __future__ import annotations

from typing import Optional

import libcst as cst

from codemods import statements as st
from codemods.base import ModelFnCodemod
from codemods.findings import Finding, FixKind
from codemods.mode_analysis import (
    ALL_MODES,
    CODE_PRIORITY,
    Analyzer,
    NestedSpec,
    P,
    T,
    Unit,
    leaves,
    mode_names,
)
from codemods.mode_layout import Layout
from codemods.mode_reorder import sink_below_predict
from codemods.model_fns import ModelFn

_PIN_REASONS = {
    "variables": "it may create variables, and skipping it would rename later auto-named layers "
    "(checkpoint mismatch)",
    "seeds": "it draws a random seed, and skipping it would shift the seeds of later random ops "
    "(use --unsafe-fixes)",
    "never": "it creates shadow variables (ema.apply) that every mode needs",
    "partial": "another mode still needs it",
    "returns": "it returns a spec, and moving it would leave a mode without a return",
}


_ASSIGNED_SPEC_NOTE = "the spec is assigned to a name before it is returned; build one spec per mode, each returned directly"  # noqa: E501
_NESTED_SPEC_NOTE = "returned from inside a branch that is not a mode test; build one spec per mode in each branch"  # noqa: E501


class ModeScopingCommand(ModelFnCodemod):
    DESCRIPTION = "Scope label, training, metric and summary code in model_fns to the modes that use it (EF101-EF106)."  # noqa: E501
    RULE_CODES = ("EF101", "EF102", "EF103", "EF104", "EF105", "EF106")

    def visit_Module(self, node: cst.Module) -> Optional[bool]:
        super().visit_Module(node)
        self._model_fns = self.discover()
        return True

    # Rewrites happen on leaving a model_fn, from its original statements: the tree is descended
    # only to reach the model_fns defined inside a function or class.
    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        return self.facts.encloses_model_fn(node)

    def visit_ClassDef(self, node: cst.ClassDef) -> bool:
        return self.facts.encloses_model_fn(node)

    def leave_FunctionDef(
        self, original_node: cst.FunctionDef, updated_node: cst.FunctionDef
    ) -> cst.FunctionDef:
        fn = self._model_fns.get(original_node)
        if fn is None or not isinstance(original_node.body, cst.IndentedBlock):
            return updated_node
        if fn.mode_param in st.defines(original_node.body):
            # ``mode = "score"``: later mode tests no longer say which mode runs.
            self.warn(f"{fn.name}: `{fn.mode_param}` is reassigned; not analysed")
            return updated_node
        analyzer = Analyzer(
            fn, self.resolve_tf, self.select, self.suppressed, unsafe_fixes=self.unsafe_fixes
        )
        units = analyzer.run()
        layout = Layout(fn.spelling, fn.mode_param, self.module.config_for_parsing)
        ordered = sink_below_predict(units) if self.unsafe_fixes else units
        new_body = layout.block(ordered, ALL_MODES, terminal=True)
        changed = not original_node.body.deep_equals(original_node.body.with_changes(body=new_body))  # noqa: E501
        if changed and updated_node is not original_node and not updated_node.deep_equals(original_node):  # noqa: E501
            self.warn(f"{fn.name}: a nested model_fn was rewritten; not rewriting the outer one")
            changed = False
        # Every change answers a finding: a layout that differs while no finding has a fix
        # (blocks that merely look mergeable) is not written.
        if changed and not any(f.applied for f in self._findings(fn, units, applied=True)):
            changed = False
        for finding in self._findings(fn, units, applied=changed):
            self.report(finding)
        if not changed:
            return updated_node
        return updated_node.with_changes(body=updated_node.body.with_changes(body=new_body))

    # ----------------------------------------------------------------- findings
    def _findings(self, fn: ModelFn, units: list[Unit], applied: bool) -> list[Finding]:
        found: list[Finding] = []
        for unit in leaves(units):
            if "EF105" in self.select:
                found.extend(self._nested_spec_finding(fn, nested) for nested in unit.nested_specs)
            if unit.kind == "spec":
                if unit.foreign and "EF105" in self.select:
                    found.append(self._spec_finding(fn, unit, applied))
                continue
            finding = self._unit_finding(fn, unit, applied)
            if finding is not None:
                found.append(finding)
        return found

    def _unit_finding(self, fn: ModelFn, unit: Unit, applied: bool) -> Optional[Finding]:
        bad = unit.bad_modes()
        if not bad:
            return None
        codes = set().union(*(unit.blocked.get(m, frozenset()) for m in bad))
        code = next(c for c in CODE_PRIORITY if c in codes)
        kept = bad & unit.needed
        line, column = self.position(unit.node)
        what = _describe(unit)
        where = mode_names(bad)
        fix: FixKind = "safe"
        note = ""
        if kept:
            pinned = {unit.pins[m] for m in kept if m in unit.pins}
            fix = "unsafe" if pinned == {"seeds"} else "none"
            if P in kept and not pinned:
                if unit.opaque_label is not None:
                    code = "EF106"
                    return Finding(
                        code="EF106",
                        message=f"labels reach helper `{unit.opaque_label}(...)` whose results "
                        "PREDICT needs",
                        line=line,
                        column=column,
                        fix="none",
                        function=fn.name,
                        note="Split the helper: build the network from features only and return "
                        "logits; compute the loss from labels after the PREDICT return.",
                    )
                note = "PREDICT uses a value derived from labels; compute predictions from features only"  # noqa: E501
            elif pinned:
                note = "not moved: " + "; ".join(sorted(_PIN_REASONS[p] for p in pinned))
            else:
                note = f"a statement that runs in {mode_names(kept)} still reads it (often one spec for every mode); scope that first"  # noqa: E501
        elif unit.reordered:
            fix = "unsafe"
            note = "moved below the PREDICT return, past code it does not feed (--unsafe-fixes)"
        elif unit.unsafe_skip:
            fix = "unsafe"
            note = "random seeds of later ops may differ (applied with --unsafe-fixes)"
        elif unit.seeds and T in bad:
            note = "under TF 1.x, skipping it in TRAIN shifts the seeds of later random ops"
        message = {
            "EF101": f"{what} is computed from labels where it also runs in PREDICT",
            "EF102": f"training op {what} is built outside TRAIN (runs in {where})",
            "EF103": f"metric {what} is built where nothing uses it ({where})",
            "EF104": f"summary {what} runs in PREDICT",
        }[code]
        return Finding(
            code=code,
            message=message,
            line=line,
            column=column,
            fix=fix,
            function=fn.name,
            note=note,
            applied=applied and not kept,
        )

    def _spec_finding(self, fn: ModelFn, unit: Unit, applied: bool) -> Finding:
        fixable = unit.variants is not None
        ret = cst.ensure_type(cst.ensure_type(unit.node, cst.SimpleStatementLine).body[0], cst.Return)  # noqa: E501
        note = _ASSIGNED_SPEC_NOTE if isinstance(ret.value, cst.Name) else ""
        return self._ef105(fn, unit.node, unit.foreign, fixable, applied and fixable, note)

    def _nested_spec_finding(self, fn: ModelFn, nested: NestedSpec) -> Finding:
        return self._ef105(fn, nested.node, nested.foreign, False, False, _NESTED_SPEC_NOTE)

    def _ef105(self, fn: ModelFn, node: cst.CSTNode, foreign: dict[str, list[str]], fixable: bool, applied: bool, note: str) -> Finding:  # noqa: E501
        line, column = self.position(node)
        parts = [f"{', '.join(fields)} in {mode_names([mode])}" for mode, fields in sorted(foreign.items(), key=lambda kv: ("infer", "train", "eval").index(kv[0]))]  # noqa: E501
        return Finding(
            code="EF105",
            message="one EstimatorSpec carries fields for other modes (" + "; ".join(parts) + ")",
            line=line,
            column=column,
            fix="safe" if fixable else "none",
            function=fn.name,
            note=note,
            applied=applied,
        )


def _describe(unit: Unit) -> str:
    names = sorted(unit.defs)
    if names and isinstance(unit.node, cst.SimpleStatementLine):
        return "`" + ", ".join(names) + "`"
    code = cst.Module([]).code_for_node(unit.node.with_changes(leading_lines=())).strip()
    code = code.splitlines()[0]
    return "`" + (code if len(code) <= 40 else code[:37] + "...") + "`"


__all__ = ["ModeScopingCommand", "T"]
