"""Values for a module's own globals that its top level binds by doing work (``with
open("data/remap.pkl", "rb") as f: ... USER_COUNT, ITEM_COUNT = pickle.load(f)``, ``df =
pd.read_csv(PATH)``): the worker does not run such statements (it runs a module's definitions
only), and where it does one that fails here (a file not in the tree), what it binds is not
defined - so a model_fn reading ``num_buckets=USER_COUNT`` fails on a NameError that says
nothing of the rewrite. Each such name that the module's functions read is guessed from how they
read it, as a builder's arguments are (``arguments``); the worker binds a guess only where the
module left the name unbound, and notes it.
"""

from __future__ import annotations

import ast
from collections.abc import Mapping

from estimator_fix.validation.inference import syntax as sx
from estimator_fix.validation.inference.arguments import argument_values
from estimator_fix.validation.inference.flag_defaults import FlagDefault
from estimator_fix.validation.worker.scopes import is_main_guard, stored_names

_DEFINITIONS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
_IMPORTS = (ast.Import, ast.ImportFrom)


def module_globals(
    tree: ast.Module,
    defaults: Mapping[str, FlagDefault] | None = None,
    imported: Mapping[str, sx.Function] | None = None,
) -> dict[str, dict[str, object]]:
    """Per global bound by the module's work (see the module), the values guessed from its
    functions' reads (``arguments.argument_values``); names nothing guesses are left out."""
    definitions = [s for s in tree.body if isinstance(s, _DEFINITIONS + _IMPORTS)]
    defined = {name for s in definitions for name in stored_names(s)}
    bound = {name for s in tree.body for name in stored_names(s, skip=_no_work)}
    found: dict[str, dict[str, object]] = {}
    for name in sorted(bound):
        if name in defined or (name.startswith("__") and name.endswith("__")):
            continue
        guessed = argument_values(tree, _readers(tree, name), name, defaults, imported)
        if guessed:
            found[name] = guessed
    return found


def _readers(tree: ast.Module, name: str) -> ast.FunctionDef:
    """The module's functions and methods that read the global ``name`` (not a local or a
    parameter of the same name), as the body of one function: what the module's code does with
    it."""
    functions = [
        function
        for statement in tree.body
        for function in (statement.body if isinstance(statement, ast.ClassDef) else [statement])
        if isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef))
        and not _local(function, name)
    ]
    arguments = ast.arguments(
        posonlyargs=[], args=[], vararg=None, kwonlyargs=[], kw_defaults=[], kwarg=None, defaults=[]
    )
    body: list[ast.stmt] = [*functions] or [ast.Pass()]
    view = ast.FunctionDef(name="<module>", args=arguments, body=body, decorator_list=[])
    view.lineno, view.col_offset = 1, 0
    return view


def _local(function: sx.Function, name: str) -> bool:
    """Whether ``name`` is local to ``function``: a parameter, or bound in it without a
    ``global`` statement."""
    declared = any(
        isinstance(node, ast.Global) and name in node.names for node in ast.walk(function)
    )
    if declared:
        return False
    parameters = {a.arg for a in ast.walk(function.args) if isinstance(a, ast.arg)}
    stored = any(
        isinstance(node, ast.Name) and node.id == name and isinstance(node.ctx, ast.Store)
        for node in ast.walk(function)
    )
    return name in parameters or stored


def _no_work(statement: ast.stmt) -> bool:
    """Not the module's work: a definition or an import (the worker runs those), or the main
    block (whose globals the worker binds as it would)."""
    if isinstance(statement, ast.If) and is_main_guard(statement):
        return True
    return isinstance(statement, _DEFINITIONS + _IMPORTS)
