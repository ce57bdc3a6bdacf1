"""The expression half of the eager scan: walks one statement's expressions and asks the rules'
detectors about each call, each truth test and each conditional expression it meets."""

from __future__ import annotations

from typing import Callable

import libcst as cst

from codemods.eager.sites import CallDetector, CallView, Scan
from codemods.eager.values import Bindings
from codemods.rules import ef201_numpy_on_tensor as ef201
from codemods.rules import ef202_tensor_to_python as ef202
from codemods.rules import ef203_session_in_model_fn as ef203
from codemods.rules import ef205_python_truth_of_tensor as ef205
from codemods.rules import ef206_executing_eagerly_branch as ef206
from codemods.statements import parameter_names
from codemods.tree import children

#: The rules' call detectors, in the order they look at a call: the first that recognises it
#: reports it (a NumPy function, a session's constructor, a Keras conversion, a builtin, a method).
CALL_DETECTORS: tuple[CallDetector, ...] = (
    ef201.numpy_call,
    ef203.new_session,
    ef202.keras_conversion,
    ef202.builtin_conversion,
    ef205.bool_call,
    ef202.method_conversion,
    ef203.session_run,
)


class ExpressionScan:
    """Scans the expressions of one statement (``stmt``: where a noqa comment counts)."""

    def __init__(self, scan: Scan) -> None:
        self.scan = scan

    def __call__(self, node: cst.CSTNode, env: Bindings, stmt: cst.BaseStatement) -> None:
        handler = _HANDLERS.get(type(node))
        if handler is not None and not handler(self, node, env, stmt):
            return
        for child in children(node):
            self(child, env, stmt)

    # Each handler says whether the scan goes on into the node's children.
    def _skip(self, node: cst.CSTNode, env: Bindings, stmt: cst.BaseStatement) -> bool:
        return False  # a nested def or class: not part of this model_fn's graph building

    def _lambda(self, node: cst.Lambda, env: Bindings, stmt: cst.BaseStatement) -> bool:
        inner = dict(env)
        for param in parameter_names(node.params):
            inner.pop(param, None)
        self(node.body, inner, stmt)
        return False

    def _comprehension(self, node: cst.CSTNode, env: Bindings, stmt: cst.BaseStatement) -> bool:
        inner = dict(env)
        comp: cst.CompFor | None = getattr(node, "for_in", None)
        while comp is not None:
            self(comp.iter, inner, stmt)
            inner.update(self.scan.values.iterated(comp.iter, comp.target, inner))
            for condition in comp.ifs:
                self(condition.test, inner, stmt)
                ef205.truth_test(condition.test, inner, stmt, "if", self.scan)
            comp = comp.inner_for_in
        for part in ("elt", "key", "value"):
            child = getattr(node, part, None)
            if isinstance(child, cst.BaseExpression):
                self(child, inner, stmt)
        return False

    def _ifexp(self, node: cst.IfExp, env: Bindings, stmt: cst.BaseStatement) -> bool:
        truth = ef206.conditional(node, env, stmt, self.scan)
        if truth is not None:
            self(node.body if truth else node.orelse, env, stmt)  # the other side never runs
            return False
        ef205.truth_test(node.test, env, stmt, "conditional expression", self.scan)
        return True

    def _call(self, node: cst.Call, env: Bindings, stmt: cst.BaseStatement) -> bool:
        naming = self.scan.naming
        view = CallView(
            node,
            env,
            stmt,
            numpy=naming.numpy(node.func),
            tf=naming.tf(node.func),
            builtin=naming.builtin(node.func),
        )
        for detect in CALL_DETECTORS:
            if detect(view, self.scan):
                break
        return True

    def _boolean(self, node: cst.BooleanOperation, env: Bindings, stmt: cst.BaseStatement) -> bool:
        # ``a and b`` tests ``a``; ``b`` is tested only where the result is (ef205.truth_test)
        ef205.truth_test(node.left, env, stmt, ef205.word(node), self.scan)
        return True

    def _unary(self, node: cst.UnaryOperation, env: Bindings, stmt: cst.BaseStatement) -> bool:
        if type(node.operator) is cst.Not:
            ef205.truth_test(node.expression, env, stmt, "not", self.scan)
        return True

    def _assert(self, node: cst.Assert, env: Bindings, stmt: cst.BaseStatement) -> bool:
        ef205.truth_test(node.test, env, stmt, "assert", self.scan)
        return True


#: Node type → its handler (each takes its own node type).
_HANDLERS: dict[type, Callable[..., bool]] = {
    cst.FunctionDef: ExpressionScan._skip,
    cst.ClassDef: ExpressionScan._skip,
    cst.Lambda: ExpressionScan._lambda,
    cst.ListComp: ExpressionScan._comprehension,
    cst.SetComp: ExpressionScan._comprehension,
    cst.GeneratorExp: ExpressionScan._comprehension,
    cst.DictComp: ExpressionScan._comprehension,
    cst.IfExp: ExpressionScan._ifexp,
    cst.Call: ExpressionScan._call,
    cst.BooleanOperation: ExpressionScan._boolean,
    cst.UnaryOperation: ExpressionScan._unary,
    cst.Assert: ExpressionScan._assert,
}
