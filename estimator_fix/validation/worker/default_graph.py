"""Globals that stand for the graph the model_fn is built in.

Code that calls its model_fn by hand builds a graph first and calls it inside that graph's
``as_default()`` block, and the model_fn may read that global (``graph.get_collection(...)``):

    graph = tf.Graph()
    with graph.as_default(), tf.compat.v1.Session(graph=graph) as sess:
        spec = model.model_fn(inputs, labels, mode, params)

That code is top-level work, which validation does not run, so the global is unbound; under an
Estimator the graph it means is the one the Estimator builds, the default graph when the
model_fn is called. Python 3.7 compatible (the worker's).
"""

from __future__ import annotations

import ast
from typing import Iterator, List, Set


def module_level(body: List[ast.stmt]) -> Iterator[ast.stmt]:
    """Statements run at import, through if/try/with/for blocks (not functions or classes)."""
    for statement in body:
        yield statement
        if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            continue
        for field in ("body", "orelse", "finalbody"):
            inner = getattr(statement, field, None)
            if isinstance(inner, list):
                yield from module_level(inner)
        for handler in getattr(statement, "handlers", ()):
            yield from module_level(handler.body)


def _called_name(call: ast.Call) -> str:
    func = call.func
    if isinstance(func, ast.Attribute):
        return func.attr
    return func.id if isinstance(func, ast.Name) else ""


def _new_graphs(statement: ast.stmt) -> Set[str]:
    """Names a ``NAME = <...>.Graph()`` statement binds."""
    if not isinstance(statement, ast.Assign) or not isinstance(statement.value, ast.Call):
        return set()
    if _called_name(statement.value) != "Graph":
        return set()
    return {t.id for t in statement.targets if isinstance(t, ast.Name)}


def _defaults_around(statement: ast.stmt, function: str) -> Set[str]:
    """Names ``with NAME.as_default():`` makes the default graph around a call of ``function``."""
    if not isinstance(statement, ast.With):
        return set()
    calls = {
        _called_name(node)
        for inner in statement.body
        for node in ast.walk(inner)
        if isinstance(node, ast.Call)
    }
    if function not in calls:
        return set()
    names = set()
    for item in statement.items:
        context = item.context_expr
        if (
            isinstance(context, ast.Call)
            and isinstance(context.func, ast.Attribute)
            and context.func.attr == "as_default"
            and isinstance(context.func.value, ast.Name)
        ):
            names.add(context.func.value.id)
    return names


def graph_globals(tree: ast.Module, function: str) -> List[str]:
    """The module-level names bound to a new graph that is the default graph around a call of
    the function named ``function`` (the model_fn): each stands for the graph it builds in."""
    made: Set[str] = set()
    around: Set[str] = set()
    for statement in module_level(tree.body):
        made |= _new_graphs(statement)
        around |= _defaults_around(statement, function)
    return sorted(made & around)
