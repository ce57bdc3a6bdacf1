"""The codemods as LibCST commands, for ``python -m libcst.tool codemod`` and any LibCST runner.

A ``LibCSTCommand`` is a ``CodemodCommand`` whose work is one of the project's codemods (a plain
transformer, ``codemods.base.ModelFnCodemod``) run on LibCST's context: findings and warnings
land in that context, and LibCST's CLI prints the warnings. Only this module and the two command
modules (``mode_scoping``, ``eager_code``) import ``libcst.codemod``; the engine never loads them.
"""

from __future__ import annotations

import argparse
from collections.abc import Collection
from typing import ClassVar

import libcst as cst
from libcst.codemod import CodemodCommand, CodemodContext

from codemods.base import ModelFnCodemod


class LibCSTCommand(CodemodCommand):
    """Runs ``CODEMOD``; the options are those of ``estimator-fix fix``'s codemods. Each
    subclass names its codemod and gets ``transform_module_impl`` (which runs it) when it is
    defined, so this base stays abstract and ``python -m libcst.tool list`` leaves it out."""

    CODEMOD: ClassVar[type[ModelFnCodemod]]
    RULE_CODES: ClassVar[tuple[str, ...]] = ()

    def __init_subclass__(cls, **kwargs: object) -> None:
        super().__init_subclass__(**kwargs)
        cls.RULE_CODES = cls.CODEMOD.RULE_CODES
        cls.DESCRIPTION = cls.CODEMOD.DESCRIPTION
        cls.transform_module_impl = _run_codemod  # type: ignore[method-assign,assignment]

    def __init__(
        self,
        context: CodemodContext,
        unsafe_fixes: bool = False,
        select: Collection[str] | None = None,
        model_fn_names: Collection[str] = (),
    ) -> None:
        super().__init__(context)
        self.unsafe_fixes = unsafe_fixes
        self.select = select
        self.model_fn_names = model_fn_names

    @staticmethod
    def add_args(arg_parser: argparse.ArgumentParser) -> None:
        arg_parser.add_argument(
            "--unsafe-fixes",
            dest="unsafe_fixes",
            action="store_true",
            help="Also apply fixes that may reorder statements (checkpoint-compatible).",
        )
        arg_parser.add_argument(
            "--model-fn-name",
            dest="model_fn_names",
            action="append",
            default=[],
            help="Treat functions of this name (with a `mode` parameter) as model_fns.",
        )


def _run_codemod(self: LibCSTCommand, tree: cst.Module) -> cst.Module:
    """``transform_module_impl`` of every ``LibCSTCommand`` subclass: its codemod on ``tree``,
    with this command's context and options."""
    codemod = self.CODEMOD(
        self.context,
        unsafe_fixes=self.unsafe_fixes,
        select=self.select,
        model_fn_names=self.model_fn_names,
    )
    return codemod.transform_module(tree)
