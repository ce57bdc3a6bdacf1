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
from collections.abc import Iterator, Mapping

from estimator_fix.validation.inference import syntax as sx
from estimator_fix.validation.inference.arguments import argument_values
from estimator_fix.validation.inference.flag_defaults import FlagDefault

_DEFINITIONS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
_IMPORTS = (ast.Import, ast.ImportFrom)


def module_globals(
    tree: ast.Module,
    defaults: Mapping[str, FlagDefault] | None = None,
    imported: Mapping[str, sx.Function] | None = None,
) -> dict[str, dict[str, object]]:
    """Per global bound by the module's work (see the module), the values guessed from its
    functions' reads (``arguments.argument_values``); names nothing guesses are left out."""
    defined = {name for s in tree.body for name in _defined(s)}
    found: dict[str, dict[str, object]] = {}
    for name in dict.fromkeys(_bound_by_work(tree.body)):
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


def _defined(statement: ast.stmt) -> Iterator[str]:
    """The names a definition or an import binds (the worker runs those)."""
    if isinstance(statement, _DEFINITIONS):
        yield statement.name
    elif isinstance(statement, _IMPORTS):
        yield from ((a.asname or a.name).split(".")[0] for a in statement.names)


def _is_main_guard(statement: ast.stmt) -> bool:
    test = statement.test if isinstance(statement, ast.If) else None
    return (
        isinstance(test, ast.Compare)
        and isinstance(test.left, ast.Name)
        and test.left.id == "__name__"
    )


def _bound_by_work(statements: list[ast.stmt]) -> Iterator[str]:
    """The names assigned at the top level, in blocks too (``with``, ``for``, ``if``, ``try``),
    outside definitions and the main block (whose globals the worker binds as it would)."""
    for statement in statements:
        if isinstance(statement, _DEFINITIONS) or _is_main_guard(statement):
            continue
        if isinstance(statement, (ast.Assign, ast.AnnAssign, ast.AugAssign, ast.For)):
            targets = (
                statement.targets
                if isinstance(statement, ast.Assign)
                else [statement.target]
            )
            for target in targets:
                yield from (n.id for n in ast.walk(target) if isinstance(n, ast.Name))
        if isinstance(statement, (ast.With, ast.AsyncWith)):
            for item in statement.items:
                if item.optional_vars is not None:
                    vars_ = item.optional_vars
                    yield from (n.id for n in ast.walk(vars_) if isinstance(n, ast.Name))
        for field in ("body", "orelse", "finalbody"):
            yield from _bound_by_work(getattr(statement, field, None) or [])
        for handler in getattr(statement, "handlers", None) or []:
            yield from _bound_by_work(handler.body)
