"""Gradients with respect to a tensor the code computed from values, not variables: a gradient
penalty's interpolation (``x_hat = fake + eps * (real - fake)``, then ``tf.gradients(d_hat,
x_hat)``) or a saliency map's input (``input_layer = tf.reshape(features["x"], ...)``, then
``tf.gradients(loss, [input_layer])``). They are part of a loss or an output, built in every
mode that computes it, not training: ``tf.gradients(ys, xs)`` whose ``xs`` (or each name of a
list of them) the same function binds to arithmetic, or the model_fn binds to what it computes
from its features (never a variable) - or a helper to what it is handed of them: a parameter every
call of the helper gives such a value (``forces = -dense_grad(energy, features["coord"])``, a
potential's forces as the derivative of its energy by the coordinates)."""

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
    helpers: Optional[Mapping[str, cst.FunctionDef]] = None,
) -> frozenset[int]:
    """The ids of the ``tf.gradients`` calls of ``functions`` taken with respect to tensors their
    function computed by arithmetic, or from its inputs (``inputs``: a function's id and the name
    of its parameter that holds the features; ``helpers``: the functions, by name, whose
    parameters are inputs where every call of them hands them one)."""
    functions = list(functions)
    computed = _inputs_computed(functions, inputs or {}, helpers or {})
    found: set[int] = set()
    for function in functions:
        for node in walk(function):
            if not isinstance(node, cst.Call) or resolve(node.func) != "tensorflow.gradients":
                continue
            xs = _xs(node)
            names = _names(xs) if xs is not None else []
            if names and all(name in computed[id(function)] for name in names):
                found.add(id(node))
    return frozenset(found)


def _inputs_computed(
    functions: list[cst.FunctionDef],
    inputs: Mapping[int, str],
    helpers: Mapping[str, cst.FunctionDef],
) -> dict[int, set[str]]:
    """By function id, the names it binds to arithmetic or computes from its inputs: the
    features' parameter, then (round after round, for helpers calling helpers) the parameters
    of the helpers every call hands what its caller computed from them."""
    sources: dict[int, frozenset[str]] = {k: frozenset({v}) for k, v in inputs.items()}
    while True:  # the sources only grow, and are bounded by the parameters: a fixed point
        computed: dict[int, set[str]] = {}
        for function in functions:
            names = _arithmetic_names(function)
            if sources.get(id(function)):
                names |= _computed_from(function, sources[id(function)])
            computed[id(function)] = names
        handed = _handed(functions, computed, helpers)
        widened = {k: sources.get(k, frozenset()) | v for k, v in handed.items()}
        if all(sources.get(k, frozenset()) == v for k, v in widened.items()):
            return computed
        sources.update(widened)


def _handed(
    functions: list[cst.FunctionDef],
    computed: Mapping[int, set[str]],
    helpers: Mapping[str, cst.FunctionDef],
) -> dict[int, frozenset[str]]:
    """By helper id, its parameters that every call of it in ``functions`` hands a value its
    caller computed from its inputs (never a variable); a parameter a call leaves to its
    default, or hands anything else, is none."""
    given: dict[int, dict[str, bool]] = {}
    for function in functions:
        mine = computed.get(id(function), set())
        for node in walk(function):
            if not (isinstance(node, cst.Call) and isinstance(node.func, cst.Name)):
                continue
            helper = helpers.get(node.func.value)
            if helper is None:
                continue
            params = [p.name.value for p in helper.params.params]
            seen = given.setdefault(id(helper), {})
            bound = _bound_arguments(node, params)
            for param in params:
                value = bound.get(param)
                derived = (
                    value is not None
                    and bool(st.reads(value) & mine)
                    and not _makes_variable(value)
                )
                seen[param] = seen.get(param, True) and derived
    return {k: frozenset(p for p, ok in v.items() if ok) for k, v in given.items()}


def _bound_arguments(call: cst.Call, params: list[str]) -> dict[str, cst.BaseExpression]:
    """What ``call`` hands each of ``params``, by position or keyword (not ``*args``)."""
    bound: dict[str, cst.BaseExpression] = {}
    for index, arg in enumerate(call.args):
        if arg.star:
            break
        if arg.keyword is not None:
            bound[arg.keyword.value] = arg.value
        elif index < len(params):
            bound[params[index]] = arg.value
    return bound


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


def _computed_from(function: cst.FunctionDef, sources: frozenset[str]) -> set[str]:
    """Names ``function`` binds only to values it computes from ``sources`` (or from names so
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
    } - sources
    computed = set(sources)
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
    """``tf.get_variable("w", shape=x.shape)``, ``tf.Variable(...)``, ``model.trainable_weights``:
    a variable (or the variables of what the features were handed to), whatever it reads."""
    for node in walk(value):
        if isinstance(node, cst.Call) and "variable" in st.leaf_name(node.func).lower():
            return True
        if isinstance(node, cst.Attribute) and (
            "variable" in node.attr.value.lower() or "weights" in node.attr.value.lower()
        ):
            return True
    return False


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
