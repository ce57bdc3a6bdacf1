"""EF101–EF106: scope label, training, metric and summary code to the modes that use it.

Rewrites each model_fn so every mode builds only what it uses: label-derived values leave the
PREDICT path, training machinery moves into TRAIN, metrics into EVAL (and TRAIN where a summary,
hook or the loss reads them), summaries out of PREDICT, and one EstimatorSpec for every mode
becomes one spec per mode. Each mode executes a subsequence of the original statements in the
original order (SPEC §5). The analysis is the rest of ``codemods.modes``; what each rule judges
is in its module under ``codemods.rules``. ``codemods.mode_scoping`` is this codemod as a LibCST
command.

Deliberately left alone (reported only): a statement that may create variables or auto-named
layers when a later layer in the same mode would be renamed by skipping it; a random op whose
skipping would shift later seeds (fixed only with ``--unsafe-fixes``); ``ema.apply``; values
PREDICT needs that are derived from labels, including labels passed into an opaque helper (EF106).
"""

from __future__ import annotations

import functools
from typing import Optional

import libcst as cst

from codemods import statements as st
from codemods.base import ModelFnCodemod
from codemods.modes.layout import Layout
from codemods.modes.policy import TagPolicy
from codemods.modes.reorder import sink_below_predict
from codemods.modes.report import Reporter
from codemods.modes.walk import Analyzer
from codemods.rules import catalogue, rule_modules
from codemods.vocabulary import ALL_MODES


@functools.cache
def policies() -> tuple[TagPolicy, ...]:
    """The tag policies the rule modules declare (EF101–EF104)."""
    found = (getattr(module, "POLICY", None) for module in rule_modules())
    return tuple(policy for policy in found if isinstance(policy, TagPolicy))


class ModeScoping(ModelFnCodemod):
    DESCRIPTION = "Scope label, training, metric and summary code to the modes that use it."
    #: The mode-scoping family: every rule module of the EF1xx range.
    RULE_CODES = tuple(code for code in catalogue() if code.startswith("EF1"))

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
            fn,
            self.resolve_tf,
            policies(),
            self.select,
            self.suppressed,
            self.unsafe_fixes,
            names=self.qualified_names,
        )
        units = analyzer.run()
        layout = Layout(fn.spelling, fn.mode_param, self.module.config_for_parsing)
        ordered = sink_below_predict(units) if self.unsafe_fixes else units
        new_body = layout.block(ordered, ALL_MODES, terminal=True)
        reporter = Reporter(fn, policies(), self.select, self.position)
        changed = not original_node.body.deep_equals(
            original_node.body.with_changes(body=new_body)
        )
        if changed and updated_node is not original_node and not updated_node.deep_equals(
            original_node
        ):
            self.warn(f"{fn.name}: a nested model_fn was rewritten; not rewriting the outer one")
            changed = False
        # Every change answers a finding: a layout that differs while no finding has a fix
        # (blocks that merely look mergeable) is not written.
        if changed and not any(f.applied for f in reporter.findings(units, applied=True)):
            changed = False
        for finding in reporter.findings(units, applied=changed):
            self.report(finding)
        if not changed:
            return updated_node
        return updated_node.with_changes(body=updated_node.body.with_changes(body=new_body))


__all__ = ["ModeScoping", "policies"]
