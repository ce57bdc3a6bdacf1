"""What every estimator-fix codemod shares: options, finding reporting, and a runner."""

from __future__ import annotations

import argparse
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from dataclasses import replace
from typing import ClassVar, Optional

import libcst as cst
from libcst.codemod import CodemodCommand, CodemodContext
from libcst.metadata import CodeRange, MetadataWrapper, PositionProvider

from codemods import tf_api
from codemods.findings import FINDINGS_KEY, MODEL_FNS_KEY, Finding
from codemods.model_fns import ModelFn, find_model_fns
from codemods.names import QualifiedNames
from codemods.noqa import NoqaLines, noqa_lines


class ModuleFacts:
    """What the codemods derive from one module, computed once for every codemod run on it.

    Qualified names, the model_fns and the ``# noqa`` lines. A caller that parsed the module
    itself (the engine) builds one and hands it to each codemod it runs on that module: they then
    share the answers, and the metadata wrapper, which needs no deep copy of a tree that came
    straight from the parser (no node occurs twice in it): so ``module`` must be such a tree.
    Given ``text`` (the module's source), the noqa lines are read from it instead of from
    generated code. ``positions=False`` is for a caller that discards the findings (a fix step,
    the stability proof): findings then carry line 0, and no positions are computed for them.
    ``model_fn_names``: functions by these names (with a ``mode`` parameter) are model_fns even
    when nothing in the file shows it (their spec comes from a helper, they are passed on
    elsewhere).
    """

    def __init__(
        self,
        module: cst.Module,
        text: Optional[str] = None,
        positions: bool = True,
        model_fn_names: Collection[str] = (),
    ) -> None:
        self.module = module
        self.positions = positions
        self.model_fn_names = frozenset(model_fn_names)
        self.names = QualifiedNames(module)
        self._text = text
        self._noqa: Optional[NoqaLines] = None
        self._model_fns: Optional[list[ModelFn]] = None
        self._containers: Optional[set[int]] = None
        self._wrapper: Optional[MetadataWrapper] = None

    @property
    def noqa(self) -> NoqaLines:
        if self._noqa is None:
            self._noqa = noqa_lines(self.module.code if self._text is None else self._text)
        return self._noqa

    @property
    def wrapper(self) -> MetadataWrapper:
        if self._wrapper is None:
            self._wrapper = MetadataWrapper(self.module, unsafe_skip_copy=True)
        return self._wrapper

    def resolve_tf(self, node: cst.CSTNode) -> Optional[str]:
        """The normalized TensorFlow name of a Name/Attribute (any import spelling), or None."""
        names = self.names(node)
        tf_name = tf_api.first_tf(names)
        if tf_name is None and not names and isinstance(node, (cst.Attribute, cst.Name)):
            # Unresolved (no import in this file): trust a conventional ``tf`` spelling.
            tf_name = tf_api.normalize(cst.Module([]).code_for_node(node))
        return tf_name

    def model_fns(self) -> list[ModelFn]:
        if self._model_fns is None:
            self._model_fns = find_model_fns(self.module, self.resolve_tf, self.model_fn_names)
        return self._model_fns

    def encloses_model_fn(self, node: cst.CSTNode) -> bool:
        """Whether a model_fn is defined inside the function or class ``node``."""
        if self._containers is None:
            self._containers = {id(outer) for fn in self.model_fns() for outer in fn.enclosing}
        return id(node) in self._containers


class ModelFnCodemod(CodemodCommand, cst.CSTTransformer):
    """Base for the rule-family codemods. Subclasses set ``RULE_CODES`` and report findings.

    A plain ``CSTTransformer`` rather than LibCST's ``VisitorBasedCodemodCommand``: that base is a
    matcher-decoratable transformer, which inspects every method of the instance when it is built
    and consults matchers at every node; the codemods use no matcher decorators, and that cost was
    a quarter of a file's processing time.

    Options: ``unsafe_fixes`` (also apply fixes marked unsafe), ``select`` (rule codes to act
    on; None means all of ``RULE_CODES``) and ``model_fn_names`` (``ModuleFacts``). Findings
    are appended to ``context.scratch[FINDINGS_KEY]`` so a caller (the engine, or a test) can
    read them back. ``facts``: the ``ModuleFacts`` of the module the caller will transform
    (shared with the other codemods it runs on that module); without them, the codemod builds
    its own.
    """

    RULE_CODES: ClassVar[tuple[str, ...]] = ()
    #: None resolved up front: qualified names come from ``codemods.names`` and positions are
    #: computed (once per module, cached by the metadata wrapper) only when a finding or a
    #: noqa comment needs a line.
    METADATA_DEPENDENCIES = ()

    def __init__(
        self,
        context: CodemodContext,
        unsafe_fixes: bool = False,
        select: Collection[str] | None = None,
        facts: ModuleFacts | None = None,
        model_fn_names: Collection[str] = (),
    ) -> None:
        super().__init__(context)
        self.unsafe_fixes = unsafe_fixes
        self.select = frozenset(self.RULE_CODES if select is None else select)
        self.model_fn_names = frozenset(model_fn_names)
        self._given_facts = facts

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

    def transform_module_impl(self, tree: cst.Module) -> cst.Module:
        return tree.visit(self)

    @contextmanager
    def _handle_metadata_reference(self, module: cst.Module) -> Iterator[cst.Module]:
        """LibCST's own (a deep copy of the module in a new wrapper) unless the caller's facts
        are for this very module: then their wrapper, on the module itself.

        This overrides a private hook of ``libcst.codemod.Codemod``; were it renamed, the override
        would simply not be called, and every codemod would copy the module and derive its own
        facts (slower, same results)."""
        facts = self._given_facts
        if facts is None or facts.module is not module:
            with super()._handle_metadata_reference(module) as copy:
                yield copy
            return
        previous = self.context.wrapper
        with self.resolve(facts.wrapper):
            self.context = replace(self.context, wrapper=facts.wrapper)
            try:
                yield module
            finally:
                self.context = replace(self.context, wrapper=previous)

    def selected(self, code: str) -> bool:
        return code in self.select

    def visit_Module(self, node: cst.Module) -> Optional[bool]:
        given = self._given_facts
        if given is not None and given.module is node:
            self.facts = given
        else:
            self.facts = ModuleFacts(node, model_fn_names=self.model_fn_names)
        self._noqa = self.facts.noqa
        self.qualified_names = self.facts.names
        return True

    def discover(self) -> dict[cst.FunctionDef, ModelFn]:
        """The module's model_fns by node (call from ``visit_Module``, after this class's); their
        number is left in the context for the caller."""
        found = self.facts.model_fns()
        self.context.scratch[MODEL_FNS_KEY] = len(found)
        return {fn.node: fn for fn in found}

    def resolve_tf(self, node: cst.CSTNode) -> Optional[str]:
        """The normalized TensorFlow name of a Name/Attribute (any import spelling), or None."""
        return self.facts.resolve_tf(node)

    def _span(self, node: cst.CSTNode) -> CodeRange:
        wrapper = self.context.wrapper
        assert wrapper is not None, "the codemod runs outside transform_module"
        return wrapper.resolve(PositionProvider)[node]

    def position(self, node: cst.CSTNode) -> tuple[int, int]:
        """1-based line and column of an original node (0, 0 when the caller wants none)."""
        if not self.facts.positions:
            return 0, 0
        position = self._span(node)
        return position.start.line, position.start.column + 1

    def suppressed(self, node: cst.CSTNode) -> frozenset[str]:
        """Codes silenced by ``# noqa`` on the first (or, for one-line statements, last) line."""
        if not self._noqa:
            return frozenset()
        position = self._span(node)
        lines = {position.start.line}
        if isinstance(node, cst.SimpleStatementLine):
            lines.add(position.end.line)
        codes: set[str] = set()
        for line in lines:
            if line not in self._noqa:
                continue
            found = self._noqa[line]
            if found is None:
                return frozenset(self.RULE_CODES)
            codes |= found
        return frozenset(codes)

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
