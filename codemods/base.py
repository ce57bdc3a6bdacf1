"""What every estimator-fix codemod shares: options, finding reporting, and a runner."""

from __future__ import annotations

import argparse
from collections.abc import Collection
from typing import ClassVar

import libcst as cst
from libcst.codemod import CodemodContext, VisitorBasedCodemodCommand

from codemods.findings import FINDINGS_KEY, Finding


class ModelFnCodemod(VisitorBasedCodemodCommand):
    """Base for the rule-family codemods. Subclasses set ``RULE_CODES`` and report findings.

    Options: ``unsafe_fixes`` (also apply fixes marked unsafe) and ``select`` (rule codes to act
    on; None means all of ``RULE_CODES``). Findings are appended to
    ``context.scratch[FINDINGS_KEY]`` so a caller (the engine, or a test) can read them back.
    """

    RULE_CODES: ClassVar[tuple[str, ...]] = ()

    def __init__(
        self,
        context: CodemodContext,
        unsafe_fixes: bool = False,
        select: Collection[str] | None = None,
    ) -> None:
        super().__init__(context)
        self.unsafe_fixes = unsafe_fixes
        self.select = frozenset(self.RULE_CODES if select is None else select)

    @staticmethod
    def add_args(arg_parser: argparse.ArgumentParser) -> None:
        arg_parser.add_argument(
            "--unsafe-fixes",
            dest="unsafe_fixes",
            action="store_true",
            help="Also apply fixes that may reorder statements (checkpoint-compatible).",
        )

    def selected(self, code: str) -> bool:
        return code in self.select

    def report(self, finding: Finding) -> None:
        findings: list[Finding] = self.context.scratch.setdefault(FINDINGS_KEY, [])
        findings.append(finding)
        fixed = "fixed" if finding.applied else f"fix: {finding.fix}"
        self.warn(f"{finding.line}:{finding.column}: {finding.code} {finding.message} ({fixed})")


def apply_codemod(
    command: type[ModelFnCodemod],
    module: cst.Module,
    *,
    filename: str = "<string>",
    unsafe_fixes: bool = False,
    select: Collection[str] | None = None,
) -> tuple[cst.Module, list[Finding]]:
    """Run one codemod on a parsed module; return the new module and its findings."""
    context = CodemodContext(filename=filename)
    codemod = command(context, unsafe_fixes=unsafe_fixes, select=select)
    new_module = codemod.transform_module(module)
    return new_module, list(context.scratch.get(FINDINGS_KEY, []))
