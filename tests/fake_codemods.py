"""Small codemods for testing the application layer without depending on the real rules.

Inside functions whose name ends in ``model_fn`` (rule codes EF9xx are never used by real rules):

- EF901 ``print(x)`` → ``tf.print(x)``: safe fix.
- EF902 ``np.mean(x)`` → ``tf.reduce_mean(x)``: unsafe fix (only with ``unsafe_fixes``).
- EF903 ``x.numpy()``: reported, no fix.
"""

from __future__ import annotations

from typing import ClassVar

import libcst as cst
import libcst.matchers as m
from libcst.metadata import PositionProvider

from codemods.base import ModelFnCodemod
from codemods.findings import Finding


class FakeCodemod(ModelFnCodemod):
    DESCRIPTION = "Test codemod: print → tf.print, np.mean → tf.reduce_mean, reports .numpy()."
    RULE_CODES: ClassVar[tuple[str, ...]] = ("EF901", "EF902", "EF903")
    METADATA_DEPENDENCIES = (PositionProvider,)

    def visit_Module(self, node: cst.Module) -> None:
        super().visit_Module(node)
        self.discover()  # reports the number of model_fns, as the real codemods do
        self.functions: list[str] = []

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self.functions.append(node.name.value)

    def leave_FunctionDef(
        self, original_node: cst.FunctionDef, updated_node: cst.FunctionDef
    ) -> cst.FunctionDef:
        self.functions.pop()
        return updated_node

    def _finding(self, node: cst.CSTNode, code: str, message: str, fix: str, applied: bool) -> None:
        position = self.get_metadata(PositionProvider, node).start
        self.report(
            Finding(
                code=code,
                message=message,
                line=position.line,
                column=position.column + 1,
                fix=fix,  # type: ignore[arg-type]
                function=self.functions[-1],
                applied=applied,
            )
        )

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        if not self.functions or not self.functions[-1].endswith("model_fn"):
            return updated_node
        if m.matches(original_node.func, m.Name("print")) and self.selected("EF901"):
            self._finding(original_node, "EF901", "print() runs once at graph build", "safe", True)
            return updated_node.with_changes(func=cst.parse_expression("tf.print"))
        np_mean = m.Attribute(m.Name("np"), m.Name("mean"))
        if m.matches(original_node.func, np_mean) and self.selected("EF902"):
            apply = self.unsafe_fixes
            self._finding(original_node, "EF902", "NumPy call on a tensor", "unsafe", apply)
            if apply:
                return updated_node.with_changes(func=cst.parse_expression("tf.reduce_mean"))
        if m.matches(original_node.func, m.Attribute(attr=m.Name("numpy"))) and self.selected(
            "EF903"
        ):
            self._finding(original_node, "EF903", ".numpy() in a model_fn", "none", False)
        return updated_node


class CrashingCodemod(ModelFnCodemod):
    DESCRIPTION = "Test codemod that fails on every model_fn."
    RULE_CODES: ClassVar[tuple[str, ...]] = ("EF910",)

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        raise ValueError("boom")


class UnstableCodemod(ModelFnCodemod):
    """Appends a statement on every run: never idempotent."""

    DESCRIPTION = "Test codemod whose output changes again on a second run."
    RULE_CODES: ClassVar[tuple[str, ...]] = ("EF920",)

    def leave_Module(self, original_node: cst.Module, updated_node: cst.Module) -> cst.Module:
        return updated_node.with_changes(
            body=[*updated_node.body, cst.parse_statement("unstable = 1\n")]
        )


class SkippingCodemod(ModelFnCodemod):
    DESCRIPTION = "Test codemod that skips every file."
    RULE_CODES: ClassVar[tuple[str, ...]] = ("EF930",)

    def visit_Module(self, node: cst.Module) -> None:
        from libcst.codemod import SkipFile

        raise SkipFile("generated code")


class BreakingCodemod(ModelFnCodemod):
    """Indents blocks with a letter (LibCST does not validate a module's default indent)."""

    DESCRIPTION = "Test codemod whose output is not Python."
    RULE_CODES: ClassVar[tuple[str, ...]] = ("EF940",)

    def leave_IndentedBlock(
        self, original_node: cst.IndentedBlock, updated_node: cst.IndentedBlock
    ) -> cst.IndentedBlock:
        return updated_node.with_changes(indent=None)

    def leave_Module(self, original_node: cst.Module, updated_node: cst.Module) -> cst.Module:
        return updated_node.with_changes(default_indent="x ")


class ReturnOutsideCodemod(ModelFnCodemod):
    """Adds a module-level ``return``: LibCST parses it, Python does not compile it."""

    DESCRIPTION = "Test codemod whose output parses but does not compile."
    RULE_CODES: ClassVar[tuple[str, ...]] = ("EF950",)

    def leave_Module(self, original_node: cst.Module, updated_node: cst.Module) -> cst.Module:
        if any(m.matches(s, m.SimpleStatementLine([m.Return()])) for s in updated_node.body):
            return updated_node
        return updated_node.with_changes(body=[*updated_node.body, cst.parse_statement("return\n")])
