"""EF201–EF206: eager (TF2-style) code inside a graph-building model_fn.

Rewrites, inside model_fns only:

- EF201: a NumPy call on a tensor whose form is in ``numpy_table`` (``np.mean(t)`` →
  ``tf.reduce_mean(t)``, integer means cast to float64 first ...); every other NumPy call on a
  tensor is reported with the nearest TF op.
- EF202: ``t.numpy()`` / ``.eval()`` / ``.item()`` / ``.tolist()`` / ``float(t)`` / ``int(t)`` /
  ``K.get_value(t)`` printed as they are: the print shows the tensor itself (with EF204).
- EF204: ``print(tensor ...)`` (and a bare ``tf.print(...)`` statement, whose op nothing runs) →
  ``with tf.control_dependencies([tf.print(...)]): t = tf.identity(t)`` for each printed tensor name
  that feeds what the spec returns, so the print runs every step that computes it.
- EF206: ``if tf.executing_eagerly():`` (always False in a model_fn) → the graph branch alone.

Deliberately left alone (reported only): NumPy calls outside the table or with an unknown dtype
where the dtype decides the result; any other tensor → Python conversion (EF202); sessions and
``sess.run`` (EF203); Python ``if``/``while``/``and``/``or``/``not``/``bool()`` on a tensor
(EF205); prints of tensors that nothing returned depends on. Code outside model_fns is never
touched; replacements use the file's own TensorFlow alias (``import tensorflow as tf`` is added
only when the file has none).

Each rule's detector, message and fix live in its module (``codemods/rules/ef20N_*.py``); the
walk that calls them is the rest of ``codemods.eager``. This codemod walks each model_fn, reports
what the rules found and applies the edits their fixes ask for. ``codemods.eager_code`` is this
codemod as a LibCST command.
"""

from __future__ import annotations

from typing import Union

import libcst as cst

from codemods import statements as st
from codemods import tf_api
from codemods.base import ModelFnCodemod
from codemods.eager.aliases import local_tf_alias, module_tf_alias
from codemods.eager.edits import Plan
from codemods.eager.evaluate import Evaluator
from codemods.eager.naming import Naming
from codemods.eager.sites import Scan, Site
from codemods.eager.walk import Walk, initial_env
from codemods.findings import Finding
from codemods.model_fns import ModelFn
from codemods.rules import catalogue

_Statement = Union[cst.BaseStatement, cst.FlattenSentinel[cst.BaseStatement], cst.RemovalSentinel]


#: Spec fields that take tensors (or a dict of them).
_TENSOR_FIELDS = frozenset({"loss", "train_op", "predictions"})


class EagerCode(ModelFnCodemod):
    DESCRIPTION = (
        "Replace eager code in model_fns: NumPy on tensors, print, executing_eagerly (EF201-EF206)."
    )
    #: The eager-code family: every rule module of the EF2xx range.
    RULE_CODES = tuple(code for code in catalogue() if code.startswith("EF2"))

    def visit_Module(self, node: cst.Module) -> bool | None:
        super().visit_Module(node)
        self._model_fns = self.discover()
        self._module_tf = module_tf_alias(node)
        self._plan = Plan()
        self._needs_import = False
        return True

    # ------------------------------------------------------------------ analysis
    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool | None:
        """Analyse a model_fn; descend only where a rewrite was registered or a model_fn lies."""
        fn = self._model_fns.get(node)
        if fn is None or not isinstance(node.body, cst.IndentedBlock):
            return self.facts.encloses_model_fn(node)
        registered = len(self._plan)
        tf, imported = self._tf_alias(fn)
        spell = self.module.code_for_node
        naming = Naming(self.qualified_names, self.resolve_tf, spell)
        evaluator = Evaluator(naming, fn.helpers, spec_tensors=self._spec_tensors(node))
        scan = Scan(evaluator, tf, self._enabled, spell)
        walk = Walk(node.body.body, initial_env(fn), scan, model_fns=fn.model_fns)
        for site in walk.run():
            if not site.enabled:
                continue
            edit = site.edit() if site.fixable else None
            if edit is not None:
                self._plan.add(edit, tf)
                self._needs_import |= not imported and edit.writes_tf
            self.report(_finding(fn, site, self.position(site.node)))
        return len(self._plan) > registered or self.facts.encloses_model_fn(node)

    def _spec_tensors(self, node: cst.FunctionDef) -> frozenset[str]:
        """The attributes the model_fn hands a spec as its loss, train_op or predictions (or a
        value of its predictions dict), by their code: ``loss=model.loss`` makes ``model.loss``
        a tensor wherever the model_fn reads it. Predictions handed whole (``predictions=
        self.predictions``) may be a dict of tensors as well as one, so they say nothing."""
        found: set[str] = set()
        for call in st.calls(node.body):
            tf_name = self.resolve_tf(call.func)
            spec = tf_api.is_estimator_spec(tf_name) if tf_name else tf_api.spelled_spec(call.func)
            if not spec:
                continue
            leaf = tf_name.rsplit(".", 1)[-1] if tf_name else "EstimatorSpec"
            for name, arg in tf_api.spec_fields(call, leaf) or []:
                if name not in _TENSOR_FIELDS:
                    continue
                value = arg.value
                values = [] if name == "predictions" else [value]
                if isinstance(value, cst.Dict):
                    values = [e.value for e in value.elements if isinstance(e, cst.DictElement)]
                found |= {st.code_of(v) for v in values if isinstance(v, cst.Attribute)}
        return frozenset(found)

    def visit_ClassDef(self, node: cst.ClassDef) -> bool:
        return self.facts.encloses_model_fn(node)

    def _enabled(self, code: str, node: cst.CSTNode, stmt: cst.BaseStatement) -> bool:
        if not self.selected(code):
            return False
        return code not in self.suppressed(node) | self.suppressed(stmt)

    def _tf_alias(self, fn: ModelFn) -> tuple[str, bool]:
        """How this model_fn can spell the tensorflow module, and whether that needs no import."""
        if self._module_tf is not None:
            return self._module_tf, True
        local = local_tf_alias(fn.node)
        if local is not None:
            return local, True
        return "tf", False

    # ------------------------------------------------------------------ rewriting
    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        return self._plan.call(original_node, updated_node)

    def leave_SimpleStatementLine(
        self, original_node: cst.SimpleStatementLine, updated_node: cst.SimpleStatementLine
    ) -> _Statement:
        return self._plan.line(original_node, updated_node, self.module)

    def leave_If(self, original_node: cst.If, updated_node: cst.If) -> _Statement:
        return self._plan.chain(original_node, updated_node)

    def leave_IfExp(self, original_node: cst.IfExp, updated_node: cst.IfExp) -> cst.BaseExpression:
        return self._plan.side(original_node, updated_node)

    def leave_Module(self, original_node: cst.Module, updated_node: cst.Module) -> cst.Module:
        if self._needs_import and not updated_node.deep_equals(original_node):
            self.add_import("tensorflow", asname="tf")
        return updated_node


def _finding(fn: ModelFn, site: Site, position: tuple[int, int]) -> Finding:
    return Finding(
        code=site.code,
        message=site.message,
        line=position[0],
        column=position[1],
        fix="safe" if site.fixable else "none",
        function=fn.name,
        note=site.note,
        applied=site.fixable,
    )
