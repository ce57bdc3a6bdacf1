"""What fails where a value is None: PREDICT's labels looked into (``labels.shape``,
``labels["x"]``, ``"energy" in labels``, ``len(labels)``) rather than only tested or handed on."""

from __future__ import annotations

import libcst as cst

from codemods.eager import printing


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


__all__ = ["looks_into"]
