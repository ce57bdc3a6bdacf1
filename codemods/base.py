"""What every estimator-fix codemod shares: a context, finding reporting, and a runner.

The codemods are plain LibCST transformers run on a ``Context`` (the fields of LibCST's
``CodemodContext`` they use): importing ``libcst.codemod`` costs more than a file's processing
(it loads ``libcst.matchers``), so nothing on the engine's path imports it. The LibCST commands
that ``python -m libcst.tool codemod`` runs wrap them (``codemods.command``).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, ClassVar, Optional, Union

import libcst as cst
from libcst.metadata import CodeRange, MetadataWrapper, PositionProvider

from codemods import tf_api
from codemods.findings import FINDINGS_KEY, MODEL_FNS_KEY, Finding
from codemods.model_fns import ModelFn, find_model_fns
from codemods.names import QualifiedNames
from codemods.noqa import NoqaLines, noqa_lines

if TYPE_CHECKING:
    from libcst.codemod import CodemodContext


#: How many names bound to names (``v1 = tf.compat.v1``; ``m = v1.metrics``) are followed.
_ALIAS_DEPTH = 4


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

    def resolve_tf(self, node: cst.CSTNode, depth: int = 0) -> Optional[str]:
        """The normalized TensorFlow name of a Name/Attribute (any import spelling, or a name
        bound once to one: ``v1 = tf.compat.v1``), or None. A call is none: LibCST names
        ``tf.keras.layers.Dense(8)`` after the class it calls, but called (``Dense(8)(x)``) it
        holds a layer, not the class. ``getattr(tf.metrics, name)`` is a member of its
        module (``tensorflow.metrics.<name>``, or ``tensorflow.metrics.<getattr>`` where the
        name is computed)."""
        if isinstance(node, cst.Call):
            return self._member_got(node, depth)
        names = self.names(node)
        tf_name = tf_api.first_tf(names)
        if tf_name is None and not names and isinstance(node, (cst.Attribute, cst.Name)):
            # Unresolved (no import in this file): trust a conventional ``tf`` spelling.
            tf_name = tf_api.normalize(cst.Module([]).code_for_node(node))
        if tf_name is None and names and depth < _ALIAS_DEPTH:
            aliased = self.names.alias(node)
            # the alias's own name with the rest (``slim = tf.contrib.slim``: ``slim.metrics.x``
            # is ``tensorflow.contrib.slim.metrics.x``, which normalizes apart from slim's layers)
            if aliased is not None and aliased[1]:
                tf_name = tf_api.first_tf(f"{q}.{aliased[1]}" for q in self.names(aliased[0]))
            base = self.resolve_tf(aliased[0], depth + 1) if aliased is not None else None
            if tf_name is None and aliased is not None and base is not None:
                head = base.rstrip(".")  # ``tensorflow.compat.v1`` alone is ``tensorflow.``
                tf_name = tf_api.normalize(f"{head}.{aliased[1]}" if aliased[1] else head)
        return tf_name

    def _member_got(self, call: cst.Call, depth: int) -> Optional[str]:
        """The TensorFlow member ``getattr(module, name)`` gets, or None (any other call)."""
        if not isinstance(call.func, cst.Name) or call.func.value != "getattr":
            return None
        if len(call.args) != 2 or any(arg.keyword or arg.star for arg in call.args):
            return None
        if depth >= _ALIAS_DEPTH:
            return None
        base = self.resolve_tf(call.args[0].value, depth + 1)
        if base is None:
            return None
        name = call.args[1].value
        literal = name.evaluated_value if isinstance(name, cst.SimpleString) else None
        member = literal if isinstance(literal, str) and literal.isidentifier() else "<getattr>"
        return tf_api.normalize(f"{base.rstrip('.')}.{member}")

    def model_fns(self) -> list[ModelFn]:
        if self._model_fns is None:
            self._model_fns = find_model_fns(self.module, self.resolve_tf, self.model_fn_names)
        return self._model_fns

    def encloses_model_fn(self, node: cst.CSTNode) -> bool:
        """Whether a model_fn is defined inside the function or class ``node``."""
        if self._containers is None:
            self._containers = {id(outer) for fn in self.model_fns() for outer in fn.enclosing}
        return id(node) in self._containers


@dataclass(frozen=True)
class Context:
    """What a codemod run shares with its caller, as in LibCST's ``CodemodContext`` (which may be
    passed instead): ``warnings``, ``scratch`` (findings under ``FINDINGS_KEY``), the file name
    and, while a codemod runs, the metadata wrapper of the module."""

    warnings: list[str] = field(default_factory=list)
    scratch: dict[str, Any] = field(default_factory=dict)
    filename: Optional[str] = None
    wrapper: Optional[MetadataWrapper] = None

    @property
    def module(self) -> Optional[cst.Module]:
        return None if self.wrapper is None else self.wrapper.module


class ModelFnCodemod(cst.CSTTransformer):
    """Base for the rule-family codemods. Subclasses set ``RULE_CODES`` and report findings.

    A plain ``CSTTransformer`` with the part of LibCST's ``Codemod`` interface the codemods use
    (``context``, ``module``, ``warn``, ``transform_module``), not a ``CodemodCommand``: LibCST's
    command classes live in ``libcst.codemod``, whose import (matchers included) took longer than
    checking a file, and a ``VisitorBasedCodemodCommand`` also consults matchers at every node.

    Options: ``unsafe_fixes`` (also apply fixes marked unsafe), ``select`` (rule codes to act
    on; None means all of ``RULE_CODES``) and ``model_fn_names`` (``ModuleFacts``). Findings
    are appended to ``context.scratch[FINDINGS_KEY]`` so a caller (the engine, or a test) can
    read them back. ``facts``: the ``ModuleFacts`` of the module the caller will transform
    (shared with the other codemods it runs on that module); without them, the codemod builds
    its own.
    """

    RULE_CODES: ClassVar[tuple[str, ...]] = ()
    DESCRIPTION: ClassVar[str] = ""
    #: None resolved up front: qualified names come from ``codemods.names`` and positions are
    #: computed (once per module, cached by the metadata wrapper) only when a finding or a
    #: noqa comment needs a line.
    METADATA_DEPENDENCIES = ()

    def __init__(
        self,
        context: Union[Context, CodemodContext],
        unsafe_fixes: bool = False,
        select: Collection[str] | None = None,
        facts: ModuleFacts | None = None,
        model_fn_names: Collection[str] = (),
    ) -> None:
        super().__init__()
        self.context = context
        self.unsafe_fixes = unsafe_fixes
        self.select = frozenset(self.RULE_CODES if select is None else select)
        self.model_fn_names = frozenset(model_fn_names)
        self._given_facts = facts
        self._imports: list[tuple[str, Optional[str]]] = []

    @property
    def module(self) -> cst.Module:
        """The module being transformed (only while ``transform_module`` runs)."""
        module = self.context.module
        if module is None:
            raise ValueError(f"{type(self).__name__}.module used outside transform_module()")
        return module

    def warn(self, warning: str) -> None:
        self.context.warnings.append(warning)

    def add_import(self, module: str, asname: Optional[str] = None) -> None:
        """Have ``import module as asname`` added to the result (where the module lacks it)."""
        self._imports.append((module, asname))

    def transform_module(self, tree: cst.Module) -> cst.Module:
        """Run the codemod on ``tree``: on the module itself when the caller's facts are for it
        (their metadata wrapper needs no copy of a tree that came straight from the parser) or
        when LibCST already wrapped it, else on a wrapped copy, as LibCST's codemods do."""
        self._imports = []
        wrapper = self._wrapper_for(tree)
        previous = self.context.wrapper
        with self.resolve(wrapper):
            self.context = replace(self.context, wrapper=wrapper)
            try:
                new = wrapper.module.visit(self)
            finally:
                self.context = replace(self.context, wrapper=previous)
        return self._with_imports(new) if self._imports else new

    def _wrapper_for(self, tree: cst.Module) -> MetadataWrapper:
        facts = self._given_facts
        if facts is not None and facts.module is tree:
            return facts.wrapper
        current = self.context.wrapper
        if current is not None and current.module is tree:
            return current
        return MetadataWrapper(tree)

    def _with_imports(self, tree: cst.Module) -> cst.Module:
        """``tree`` with the imports asked for, added by LibCST's ``AddImportsVisitor`` (loaded
        only here: few rewrites need an import)."""
        from libcst.codemod import CodemodContext
        from libcst.codemod.visitors import AddImportsVisitor

        context = CodemodContext(filename=self.context.filename)
        for module, asname in self._imports:
            AddImportsVisitor.add_needed_import(context, module, asname=asname)
        return AddImportsVisitor(context).transform_module(tree)

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
    context = Context(filename=filename)
    codemod = command(context, unsafe_fixes=unsafe_fixes, select=select)
    new_module = codemod.transform_module(module)
    return new_module, list(context.scratch.get(FINDINGS_KEY, []))
