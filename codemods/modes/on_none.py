"""What fails where a value is None: PREDICT's labels looked into (``labels.shape``,
``labels["x"]``, ``"energy" in labels``, ``len(labels)``) rather than only tested or handed on."""

from __future__ import annotations

import libcst as cst

from codemods import statements as st
from codemods.eager import printing
from codemods.modes.evaluate import Const, ModeEvaluator, truth


def looks_into(node: cst.CSTNode, names: set[str]) -> bool:
    """``labels.shape``, ``labels[0]``, ``labels + 1``, ``y, names = labels``, ``f(*labels)``,
    ``"energy" in labels``: what fails on None (``"%s" % labels`` formats it)."""
    if isinstance(node, cst.Assign) and any(
        isinstance(target.target, (cst.Tuple, cst.List)) for target in node.targets
    ):
        operands: list[cst.BaseExpression] = [node.value]  # unpacking None fails
    elif isinstance(node, (cst.StarredElement, cst.Arg)) and (
        isinstance(node, cst.StarredElement) or node.star in ("*", "**")
    ):
        operands = [node.value]  # so does spreading it
    elif isinstance(node, cst.Call) and _iterates_arguments(node.func):
        operands = [arg.value for arg in node.args if not arg.keyword]  # and iterating it
    elif isinstance(node, (cst.Attribute, cst.Subscript)):
        operands = [node.value]
    elif isinstance(node, cst.BinaryOperation) and not printing.rendered(node):
        operands = [node.left, node.right]
    elif isinstance(node, cst.Comparison):
        operands = _failing_comparands(node)
    else:
        return False
    return any(isinstance(part, cst.Name) and part.value in names for part in operands)


_ORDERINGS = (cst.LessThan, cst.LessThanEqual, cst.GreaterThan, cst.GreaterThanEqual)


def _failing_comparands(node: cst.Comparison) -> list[cst.BaseExpression]:
    """The operands of a comparison that fail where they are None: the container of ``in``
    (``"energy" in labels``) and both sides of an ordering (``labels < 0``); ``==`` and ``is``
    take None."""
    failing: list[cst.BaseExpression] = []
    left = node.left
    for target in node.comparisons:
        if isinstance(target.operator, (cst.In, cst.NotIn)):
            failing.append(target.comparator)
        elif isinstance(target.operator, _ORDERINGS):
            failing += [left, target.comparator]
        left = target.comparator
    return failing


# Python's own calls that iterate (or measure) what they are given: None fails there.
_ITERATING_BUILTINS = frozenset(
    {"list", "tuple", "dict", "set", "frozenset", "len", "sorted", "zip", "enumerate", "iter"}
)
_ITERATING_METHODS = frozenset({"update", "extend"})  # ``d.update(None)``, ``l.extend(None)``


def _iterates_arguments(func: cst.BaseExpression) -> bool:
    if isinstance(func, cst.Name):
        return func.value in _ITERATING_BUILTINS
    return isinstance(func, cst.Attribute) and func.attr.value in _ITERATING_METHODS


def looks_into_test(node: cst.BaseExpression, name: str, evaluator: ModeEvaluator) -> bool:
    """Whether evaluating ``node`` with ``name`` None does more with it than test it (its
    truth, ``is None``), up to where ``and``/``or`` stop."""
    if isinstance(node, cst.BooleanOperation):
        if looks_into_test(node.left, name, evaluator):
            return True
        stops = truth(evaluator.eval(node.left)) is isinstance(node.operator, cst.Or)
        return not stops and looks_into_test(node.right, name, evaluator)
    if isinstance(node, cst.UnaryOperation) and isinstance(node.operator, cst.Not):
        return looks_into_test(node.expression, name, evaluator)
    if isinstance(node, cst.Comparison) and all(
        isinstance(target.operator, _NONE_TESTS) for target in node.comparisons
    ):
        operands = [node.left, *(target.comparator for target in node.comparisons)]
        return any(
            not isinstance(operand, cst.Name) and name in st.reads(operand)
            for operand in operands
        )
    if _takes_none(node, name):
        return False
    return not isinstance(node, cst.Name) and name in st.reads(node)


#: Comparisons that take None without failing.
_NONE_TESTS = (cst.Is, cst.IsNot, cst.Equal, cst.NotEqual)


def _takes_none(node: cst.BaseExpression, name: str) -> bool:
    """``isinstance(labels, dict)``, ``callable(labels)``: Python's tests that take None."""
    return (
        isinstance(node, cst.Call)
        and isinstance(node.func, cst.Name)
        and node.func.value in ("isinstance", "callable")
        and bool(node.args)
        and isinstance(node.args[0].value, cst.Name)
        and node.args[0].value.value == name
        and not any(name in st.reads(arg.value) for arg in node.args[1:])
    )


def decided_by_none(test: cst.BaseExpression, name: str, evaluator: ModeEvaluator) -> bool:
    """``name`` is None under ``evaluator`` and that decides ``test`` before anything looks
    into it (``isinstance(labels, tf.Tensor) and labels.shape.ndims == 1`` is false)."""
    value = evaluator.eval(cst.Name(name))
    return (
        isinstance(value, Const)
        and value.value is None
        and truth(evaluator.eval(test)) is not None
        and not looks_into_test(test, name, evaluator)
    )


__all__ = ["decided_by_none", "looks_into", "looks_into_test"]
