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
"""

from __future__ import annotations

from typing import Union

import libcst as cst
from libcst.codemod.visitors import AddImportsVisitor

from codemods import eager_print, eager_rewrite, tf_api
from codemods.base import ModelFnCodemod
from codemods.eager_sites import Scanner, Site
from codemods.eager_values import MAYBE, Env, Evaluator, Value
from codemods.findings import Finding
from codemods.model_fns import ModelFn, param_names
from codemods.tree import children

_FIX_NOTES = {
    "EF201": "replaced by its exact TF equivalent",
    "EF206": "kept the graph branch, dropped the dead eager one",
}


class EagerCodeCommand(ModelFnCodemod):
    DESCRIPTION = "Replace eager code in model_fns: NumPy on tensors, print, executing_eagerly (EF201-EF206)."  # noqa: E501
    RULE_CODES = ("EF201", "EF202", "EF203", "EF204", "EF205", "EF206")

    def visit_Module(self, node: cst.Module) -> bool | None:
        super().visit_Module(node)
        self._model_fns = self.discover()
        self._module_tf = _module_tf_alias(node)
        self._calls: dict[cst.Call, Site] = {}
        self._lines: dict[cst.SimpleStatementLine, tuple[Site, str]] = {}
        self._ifs: dict[cst.If, dict[int, bool]] = {}
        self._ifexps: dict[cst.IfExp, bool] = {}
        self._needs_import = False
        return True

    # ------------------------------------------------------------------ analysis
    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool | None:
        """Analyse a model_fn; descend only where a rewrite was registered or a model_fn lies."""
        fn = self._model_fns.get(node)
        if fn is None or not isinstance(node.body, cst.IndentedBlock):
            return self.facts.encloses_model_fn(node)
        registered = self._registered()
        tf, imported = self._tf_alias(fn)
        evaluator = Evaluator(self.resolve_tf, self._numpy_function)
        scanner = Scanner(
            node.body.body,
            evaluator,
            _initial_env(fn),
            tf,
            self._enabled,
            self.module.code_for_node,
            self._names,
        )
        for site in scanner.run():
            if not site.enabled:
                continue
            applied = site.fixable
            if applied:
                self._register(site, tf)
                self._needs_import |= not imported and site.code in {"EF201", "EF204"}
            self.report(_finding(fn, site, self.position(site.node), applied))
        return self._registered() > registered or self.facts.encloses_model_fn(node)

    def visit_ClassDef(self, node: cst.ClassDef) -> bool:
        return self.facts.encloses_model_fn(node)

    def _registered(self) -> int:
        return len(self._calls) + len(self._lines) + len(self._ifs) + len(self._ifexps)

    def _enabled(self, code: str, node: cst.CSTNode, stmt: cst.BaseStatement) -> bool:
        if not self.selected(code):
            return False
        return code not in self.suppressed(node) | self.suppressed(stmt)

    def _register(self, site: Site, tf: str) -> None:
        if site.code in {"EF201", "EF202"}:
            self._calls[cst.ensure_type(site.node, cst.Call)] = site
        elif site.code == "EF204":
            self._lines[cst.ensure_type(site.stmt, cst.SimpleStatementLine)] = (site, tf)
        elif site.code == "EF206" and site.eager is not None:
            if isinstance(site.node, cst.IfExp):
                self._ifexps[site.node] = site.eager
            else:
                top = cst.ensure_type(site.stmt, cst.If)
                self._ifs.setdefault(top, {})[id(site.node)] = site.eager

    def _names(self, node: cst.CSTNode) -> set[str]:
        """Qualified names of a function expression, its TensorFlow name normalized."""
        names = self.qualified_names(node)
        tf_name = self.resolve_tf(node)
        return names | {tf_name} if tf_name else names

    def _numpy_function(self, func: cst.BaseExpression) -> str | None:
        names = self.qualified_names(func)
        for qualified in sorted(names):
            if qualified.startswith("numpy."):
                return qualified[len("numpy."):]
        if not names and isinstance(func, cst.Attribute):
            dotted = self.module.code_for_node(func)
            for prefix in ("np.", "numpy."):
                if dotted.startswith(prefix):
                    return dotted[len(prefix):]
        return None

    def _tf_alias(self, fn: ModelFn) -> tuple[str, bool]:
        """How this model_fn can spell the tensorflow module, and whether that needs no import."""
        if self._module_tf is not None:
            return self._module_tf, True
        local = _local_tf_alias(fn.node)
        if local is not None:
            return local, True
        return "tf", False

    # ------------------------------------------------------------------ rewriting
    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        site = self._calls.get(original_node)
        if site is None:
            return updated_node
        mapping = eager_rewrite.parallel(original_node, updated_node)
        target = site.replacement if site.code == "EF201" else site.unwrap
        if target is None:
            return updated_node
        replacement = eager_rewrite.substitute(target, mapping)
        return eager_rewrite.keep_parens(replacement, updated_node)

    def leave_SimpleStatementLine(
        self, original_node: cst.SimpleStatementLine, updated_node: cst.SimpleStatementLine
    ) -> Union[cst.BaseStatement, cst.FlattenSentinel[cst.BaseStatement], cst.RemovalSentinel]:
        planned = self._lines.get(original_node)
        if planned is None:
            return updated_node
        site, tf = planned
        call = cst.ensure_type(cst.ensure_type(updated_node.body[0], cst.Expr).value, cst.Call)
        print_call = eager_print.tf_print(call, site.form, tf)
        return eager_print.wired(updated_node, print_call, site.rebind, tf, self.module)

    def leave_If(
        self, original_node: cst.If, updated_node: cst.If
    ) -> Union[cst.BaseStatement, cst.FlattenSentinel[cst.BaseStatement], cst.RemovalSentinel]:
        decided = self._ifs.get(original_node)
        if not decided:
            return updated_node
        return eager_rewrite.eager_chain(original_node, updated_node, decided)

    def leave_IfExp(self, original_node: cst.IfExp, updated_node: cst.IfExp) -> cst.BaseExpression:  # noqa: E501
        truth = self._ifexps.get(original_node)
        if truth is None:
            return updated_node
        side = updated_node.body if truth else updated_node.orelse
        return eager_rewrite.keep_parens(side, updated_node)

    def leave_Module(self, original_node: cst.Module, updated_node: cst.Module) -> cst.Module:
        if self._needs_import and not updated_node.deep_equals(original_node):
            AddImportsVisitor.add_needed_import(self.context, "tensorflow", asname="tf")
        return updated_node


def _initial_env(fn: ModelFn) -> Env:
    env: Env = {}
    params = param_names(fn.node)
    if "features" in params:
        env["features"] = Value(MAYBE)
    elif params:
        first = params[1] if params[0] in {"self", "cls"} and len(params) > 1 else params[0]
        if first not in {fn.mode_param, "mode"}:
            env[first] = Value(MAYBE)
    if fn.labels_param is not None:
        env[fn.labels_param] = Value(MAYBE)
    return env


def _module_tf_alias(module: cst.Module) -> str | None:
    """The module-level name of ``tensorflow`` (else of ``tensorflow.compat.v1``/``v2``)."""
    compat: str | None = None
    for node in _module_level_imports(module):
        for alias in node.names:
            dotted = cst.Module([]).code_for_node(alias.name)
            asname = alias.asname.name if alias.asname is not None else None
            name = asname.value if isinstance(asname, cst.Name) else None
            if dotted == "tensorflow":
                return name or "tensorflow"
            if dotted in {"tensorflow.compat.v1", "tensorflow.compat.v2"}:
                compat = compat or name or dotted
    return compat


def _module_level_imports(module: cst.Module) -> list[cst.Import]:
    found: list[cst.Import] = []
    stack: list[cst.CSTNode] = list(reversed(module.body))  # source order
    while stack:
        node = stack.pop()
        if isinstance(node, cst.Import):
            found.append(node)
        elif not isinstance(node, (cst.FunctionDef, cst.ClassDef)):
            stack.extend(reversed(children(node)))
    return found


def _local_tf_alias(node: cst.FunctionDef) -> str | None:
    """``tf`` received as a parameter or imported inside the model_fn."""
    for name in param_names(node):
        if name in tf_api.TF_ALIASES:
            return name
    stack: list[cst.CSTNode] = [node.body]
    while stack:  # source order
        child = stack.pop()
        if isinstance(child, cst.Import):
            for alias in child.names:
                if cst.Module([]).code_for_node(alias.name) == "tensorflow":
                    asname = alias.asname.name if alias.asname is not None else None
                    return asname.value if isinstance(asname, cst.Name) else "tensorflow"
        elif not isinstance(child, (cst.FunctionDef, cst.ClassDef)):
            stack.extend(reversed(children(child)))
    return None


def _finding(fn: ModelFn, site: Site, position: tuple[int, int], applied: bool) -> Finding:
    note = site.note
    if applied and not note:
        note = _FIX_NOTES.get(site.code, "")
    return Finding(
        code=site.code,
        message=site.message,
        line=position[0],
        column=position[1],
        fix="safe" if site.fixable else "none",
        function=fn.name,
        note=note,
        applied=applied,
    )
