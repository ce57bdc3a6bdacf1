"""What a small statement binds: the value each name it assigns holds afterwards."""

from __future__ import annotations

from dataclasses import replace
from typing import Callable

import libcst as cst

from codemods import statements as st
from codemods.eager.evaluate import Evaluator
from codemods.eager.values import (
    MAYBE,
    PYTHON,
    SINGLE,
    STRUCT,
    Env,
    Kind,
    Value,
    joined,
    target_names,
)
from codemods.modes.evaluate import attribute_key


def bind(small: cst.BaseSmallStatement, env: Env, values: Evaluator) -> None:
    """Update ``env`` with what ``small`` binds (and drop the evaluator's cached values)."""
    binder = _BINDERS.get(type(small))
    if binder is not None:
        binder(small, env, values)
    values.forget()


def _assign(small: cst.Assign, env: Env, values: Evaluator) -> None:
    value = values.value(small.value, env)
    for target in small.targets:
        _bind_target(target.target, value, small.value, env, values)


def _ann_assign(small: cst.AnnAssign, env: Env, values: Evaluator) -> None:
    if small.value is not None:
        _bind_target(small.target, values.value(small.value, env), small.value, env, values)


def _aug_assign(small: cst.AugAssign, env: Env, values: Evaluator) -> None:
    if isinstance(small.target, cst.Name):
        old = env.get(small.target.value, PYTHON)
        new = values.value(small.value, env)
        if old.kind in SINGLE or new.kind in SINGLE:
            env[small.target.value] = Value(Kind.TENSOR, old.dtype or new.dtype)


def _expression(small: cst.Expr, env: Env, values: Evaluator) -> None:
    """``hooks.append(t)``: the receiver now holds tensors."""
    if not isinstance(small.value, cst.Call):
        return
    func = small.value.func
    if isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name):
        args = [arg.value for arg in small.value.args]
        name = func.value.value
        if func.attr.value in st.MUTATING_METHODS and values.any_tensorish(args, env):
            before = env.get(name, PYTHON)
            _contains_tensors(name, env)
            if func.attr.value == "append" and len(args) == 1:
                _appended(name, before, values.value(args[0], env), args[0], env)
            else:  # ``extend``, ``insert``, ...: what its elements hold is no longer known so
                env[name] = replace(env[name], element=None)
        elif func.attr.value == "append" and len(args) == 1 and name in env:
            _appended(name, env[name], values.value(args[0], env), args[0], env)


def _delete(small: cst.Del, env: Env, values: Evaluator) -> None:
    for name in target_names(small.target):
        env.pop(name, None)


def _import(small: cst.Import | cst.ImportFrom, env: Env, values: Evaluator) -> None:
    for name in st.defines(small):
        env[name] = PYTHON


def _bind_target(
    target: cst.BaseExpression,
    value: Value,
    rhs: cst.BaseExpression,
    env: Env,
    values: Evaluator,
) -> None:
    if isinstance(target, cst.Name):
        env[target.value] = value
    elif isinstance(target, (cst.Tuple, cst.List)):
        _unpack(target, value, rhs, env, values)
    elif isinstance(target, cst.StarredElement):
        _bind_target(target.value, STRUCT if value.tensorish else value, rhs, env, values)
    elif (key := attribute_key(target)) is not None:
        # ``self.left = tower(x)``: the attribute holds what was stored, read back as such
        env[key] = value
        if value.tensorish:
            _contains_tensors(key.partition(".")[0], env)
    elif isinstance(target, (cst.Subscript, cst.Attribute)) and value.tensorish:
        base = target.value
        while isinstance(base, (cst.Subscript, cst.Attribute)):
            base = base.value
        if isinstance(base, cst.Name):
            _contains_tensors(base.value, env)


def _unpack(
    target: cst.Tuple | cst.List,
    value: Value,
    rhs: cst.BaseExpression,
    env: Env,
    values: Evaluator,
) -> None:
    elements = [e.value for e in target.elements]
    if isinstance(rhs, (cst.Tuple, cst.List)) and len(rhs.elements) == len(elements):
        for element, source in zip(elements, rhs.elements):
            _bind_target(element, values.value(source.value, env), source.value, env, values)
        return
    starred = any(isinstance(element, cst.StarredElement) for element in elements)
    if value.parts is not None and len(value.parts) == len(elements) and not starred:
        # ``loss, aux = helper(x)`` of a helper that returns ``total, aux``: position by position
        for element, held in zip(elements, value.parts):
            _bind_target(element, held, element, env, values)
        return
    part = PYTHON
    if value.kind is Kind.STRUCT and isinstance(rhs, cst.Call) and values.naming.tf(rhs.func):
        part = Value(Kind.TENSOR)  # acc, acc_op = tf.metrics.accuracy(...)
    elif value.tensorish:
        part = MAYBE
    for element in elements:
        _bind_target(element, part, element, env, values)


def _appended(
    name: str, before: Value, item: Value, node: cst.BaseExpression, env: Env
) -> None:
    """``losses.append([name, loss, weight])``: what the list's elements hold, position by
    position (before any tensor, a list of Python values: each position a Python value), as
    long as every element appended is a list or tuple of the same length."""
    current = env[name]
    if not current.tensorish:
        return  # Python values only: every position is one
    if not isinstance(node, (cst.List, cst.Tuple)) or any(
        isinstance(e, cst.StarredElement) for e in node.elements
    ):
        env[name] = replace(current, element=None)
        return
    parts = item.parts if item.parts is not None else (PYTHON,) * len(node.elements)
    if before.element is not None and before.element.parts is not None:
        earlier = before.element.parts
    elif not before.tensorish:
        earlier = (PYTHON,) * len(parts)  # the Python values appended before, if any
    else:
        earlier = ()
    if len(earlier) != len(parts):
        element = None
    else:
        element = Value(Kind.STRUCT, parts=tuple(joined(a, b) for a, b in zip(earlier, parts)))
    env[name] = replace(current, element=element)


def _contains_tensors(name: str, env: Env) -> None:
    if not env.get(name, PYTHON).tensorish:
        env[name] = STRUCT


_BINDERS: dict[type, Callable[..., None]] = {
    cst.Assign: _assign,
    cst.AnnAssign: _ann_assign,
    cst.AugAssign: _aug_assign,
    cst.Expr: _expression,
    cst.Del: _delete,
    cst.Import: _import,
    cst.ImportFrom: _import,
}
