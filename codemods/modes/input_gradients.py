"""Gradients with respect to a tensor the code computed from values, not variables: a gradient
penalty's interpolation (``x_hat = fake + eps * (real - fake)``, then ``tf.gradients(d_hat,
x_hat)``) or a saliency map's input. They are part of a loss or an output, built in every mode
that computes it, not training: ``tf.gradients(ys, xs)`` whose ``xs`` (or each name of a list
of them) the same function binds to arithmetic."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Optional

import libcst as cst

from codemods.model_fns import TfResolver
from codemods.tree import walk


def input_gradients(functions: Iterable[cst.FunctionDef], resolve: TfResolver) -> frozenset[int]:
    """The ids of the ``tf.gradients`` calls of ``functions`` taken with respect to tensors their
    function computed by arithmetic."""
    found: set[int] = set()
    for function in functions:
        computed = _arithmetic_names(function)
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
