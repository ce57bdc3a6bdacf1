"""Gradients with respect to a tensor the code computed from values, not variables: a gradient
penalty's interpolation (``x_hat = fake + eps * (real - fake)``, then ``tf.gradients(d_hat,
x_hat)``) or a saliency map's input (``input_layer = tf.reshape(features["x"], ...)``, then
``tf.gradients(loss, [input_layer])``). They are part of a loss or an output, built in every
mode that computes it, not training: ``tf.gradients(ys, xs)`` whose ``xs`` (or each name of a
list of them) the same function binds to arithmetic, or the model_fn binds to what it computes
from its features (never a variable)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Optional

import libcst as cst

from codemods import statements as st
from codemods.model_fns import TfResolver
from codemods.tree import walk


def input_gradients(
    functions: Iterable[cst.FunctionDef],
    resolve: TfResolver,
    inputs: Optional[Mapping[int, str]] = None,
) -> frozenset[int]:
    """The ids of the ``tf.gradients`` calls of ``functions`` taken with respect to tensors their
    function computed by arithmetic, or from its inputs (``inputs``: a function's id and the name
    of its parameter that holds the features)."""
    found: set[int] = set()
    for function in functions:
        computed = _arithmetic_names(function)
        features = (inputs or {}).get(id(function))
        if features is not None:
            computed |= _computed_from(function, features)
        for node in walk(function):
            if not isinstance(node, cst.Call) or resolve(node.func) != "tensorflow.gradients":
                continue
            xs = _xs(node)
            names = _names(xs) if xs is not None else []
            if names and all(name in computed for name in names):
                found.add(id(node))
    return frozenset(found)


def _arithmetic_names(function: cst.FunctionDef) -> set[str]:
    """Names ``function`` binds (only) to arithmetic: ``x_hat = a + eps * (b - a)``."""
    arithmetic: set[str] = set()
    other: set[str] = set()
    for node in walk(function):
        if not isinstance(node, cst.Assign) or len(node.targets) != 1:
            continue
        target = node.targets[0].target
        if isinstance(target, cst.Name):
            kind = arithmetic if isinstance(node.value, cst.BinaryOperation) else other
            kind.add(target.value)
    return arithmetic - other


def _computed_from(function: cst.FunctionDef, source: str) -> set[str]:
    """Names ``function`` binds only to values it computes from ``source`` (or from names so
    bound), by its own code or TensorFlow's: the features and what the model makes of them."""
    assigns = [
        node
        for node in walk(function)
        if isinstance(node, cst.Assign)
        and len(node.targets) == 1
        and isinstance(node.targets[0].target, cst.Name)
    ]
    bound: dict[str, list[cst.BaseExpression]] = {}
    for node in assigns:
        bound.setdefault(cst.ensure_type(node.targets[0].target, cst.Name).value, []).append(
            node.value
        )
    other = {
        name
        for node in walk(function)
        if isinstance(node, (cst.AugAssign, cst.AnnAssign, cst.For, cst.Param))
        for name in _bound_by(node)
    } - {source}
    computed = {source}
    while True:
        more = {
            name
            for name, values in bound.items()
            if name not in computed
            and name not in other
            and all(st.reads(value) & computed and not _makes_variable(value) for value in values)
        }
        if not more:
            return computed
        computed |= more


def _bound_by(node: cst.CSTNode) -> list[str]:
    if isinstance(node, cst.Param):
        return [node.name.value]
    target = getattr(node, "target", None)
    return [n.value for n in walk(target) if isinstance(n, cst.Name)] if target else []


def _makes_variable(value: cst.BaseExpression) -> bool:
    """``tf.get_variable("w", shape=x.shape)``, ``tf.Variable(...)``: a variable, whatever it
    reads."""
    calls = (node for node in walk(value) if isinstance(node, cst.Call))
    return any("variable" in st.leaf_name(call.func).lower() for call in calls)


def _xs(call: cst.Call) -> Optional[cst.BaseExpression]:
    for index, arg in enumerate(call.args):
        if arg.keyword is not None and arg.keyword.value == "xs":
            return arg.value
        if arg.keyword is None and index == 1:
            return arg.value
    return None


def _names(xs: cst.BaseExpression) -> list[str]:
    """The names ``xs`` is (a name, or a list or tuple of names); [] for anything else."""
    if isinstance(xs, cst.Name):
        return [xs.value]
    if isinstance(xs, (cst.List, cst.Tuple)):
        names = [e.value.value for e in xs.elements if isinstance(e.value, cst.Name)]
        return names if len(names) == len(xs.elements) else []
    return []


__all__ = ["input_gradients"]
