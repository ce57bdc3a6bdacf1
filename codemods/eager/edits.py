"""The edits an eager site's fix asks for, and the plan that applies them while the codemod leaves
each node.

A site (``codemods.eager.sites``) says what its fix is as one of four edits; the plan keys them by
the original node they replace, and builds the replacement from the updated node (see
``codemods.eager.rewrite``), so edits nested in one another all survive.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Optional, Union

import libcst as cst

from codemods.eager import printing, rewrite
from codemods.eager.printing import PrintForm


@dataclass(frozen=True)
class ReplaceCall:
    """The call becomes ``replacement`` (built on the original tree; None: it stays as it is)."""

    call: cst.Call
    replacement: Optional[cst.BaseExpression]
    writes_tf: bool  # the replacement spells the tensorflow module


@dataclass(frozen=True)
class WirePrint:
    """The print statement becomes ``with tf.control_dependencies([tf.print(...)]):`` rebinding
    ``names`` with ``tf.identity``."""

    line: cst.SimpleStatementLine
    form: PrintForm
    names: tuple[str, ...]
    writes_tf: ClassVar[bool] = True


@dataclass(frozen=True)
class DecideBranch:
    """The branch ``branch`` of the if/elif chain ``chain`` has a test whose value is ``truth``."""

    chain: cst.If
    branch: cst.If
    truth: bool
    writes_tf: ClassVar[bool] = False


@dataclass(frozen=True)
class DecideSide:
    """The conditional expression's test has the value ``truth``: only that side stays."""

    node: cst.IfExp
    truth: bool
    writes_tf: ClassVar[bool] = False


Edit = Union[ReplaceCall, WirePrint, DecideBranch, DecideSide]


class Plan:
    """The edits registered for one module, by the original node each one rewrites."""

    def __init__(self) -> None:
        self._calls: dict[cst.Call, ReplaceCall] = {}
        self._lines: dict[cst.SimpleStatementLine, tuple[WirePrint, str]] = {}
        self._chains: dict[cst.If, dict[int, bool]] = {}
        self._sides: dict[cst.IfExp, bool] = {}

    def __len__(self) -> int:
        return len(self._calls) + len(self._lines) + len(self._chains) + len(self._sides)

    def add(self, edit: Edit, tf: str) -> None:
        """Register ``edit``; ``tf`` is how its model_fn spells the tensorflow module."""
        if isinstance(edit, ReplaceCall):
            self._calls[edit.call] = edit
        elif isinstance(edit, WirePrint):
            self._lines[edit.line] = (edit, tf)
        elif isinstance(edit, DecideBranch):
            self._chains.setdefault(edit.chain, {})[id(edit.branch)] = edit.truth
        else:
            self._sides[edit.node] = edit.truth

    def call(self, original: cst.Call, updated: cst.Call) -> cst.BaseExpression:
        edit = self._calls.get(original)
        if edit is None or edit.replacement is None:
            return updated
        replacement = rewrite.substitute(edit.replacement, rewrite.parallel(original, updated))
        return rewrite.keep_parens(replacement, updated)

    def line(
        self,
        original: cst.SimpleStatementLine,
        updated: cst.SimpleStatementLine,
        module: cst.Module,
    ) -> Union[cst.SimpleStatementLine, cst.With]:
        planned = self._lines.get(original)
        if planned is None:
            return updated
        edit, tf = planned
        call = cst.ensure_type(cst.ensure_type(updated.body[0], cst.Expr).value, cst.Call)
        print_call = printing.tf_print(call, edit.form, tf)
        return printing.wired(updated, print_call, edit.names, tf, module)

    def chain(self, original: cst.If, updated: cst.If) -> rewrite.Statement:
        decided = self._chains.get(original)
        if not decided:
            return updated
        return rewrite.eager_chain(original, updated, decided)

    def side(self, original: cst.IfExp, updated: cst.IfExp) -> cst.BaseExpression:
        truth = self._sides.get(original)
        if truth is None:
            return updated
        return rewrite.keep_parens(updated.body if truth else updated.orelse, updated)
