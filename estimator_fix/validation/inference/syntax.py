"""The small ``ast`` readings inference is made of: call names and arguments, literal strings,
dtypes and shapes, a module's constants, a function's parameters."""

from __future__ import annotations

import ast
import copy
from collections.abc import Callable, Mapping
from typing import Union

from estimator_fix.validation.options import DTYPES

Function = Union[ast.FunctionDef, ast.AsyncFunctionDef]
#: A per-example dimension: a number, an expression the worker evaluates, or unknown.
Dim = Union[int, str, None]
#: How deep the model_fn's ``features`` and ``params`` are followed into the module's helpers.
HELPER_DEPTH = 3

_DTYPE_ALIASES = {"float": "float32", "int": "int32", "double": "float64", "str": "string"}


def call_name(node: ast.AST) -> str:
    if isinstance(node, ast.Call):
        node = node.func
    if isinstance(node, ast.Attribute):
        return node.attr
    return node.id if isinstance(node, ast.Name) else ""


def dotted(node: ast.AST) -> str | None:
    """``helper`` or ``modeling.BertModel`` (a name, or attributes of one): the name a function
    is called by, as ``imports.imported_functions`` keys it; None for anything else."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        owner = dotted(node.value)
        return f"{owner}.{node.attr}" if owner is not None else None
    return None


def nested_functions(function: Function) -> dict[str, Function]:
    """The functions defined inside ``function``, by name."""
    return {
        node.name: node
        for node in ast.walk(function)
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node is not function
    }


def argument(call: ast.Call, index: int, *names: str) -> ast.expr | None:
    for keyword in call.keywords:
        if keyword.arg in names:
            return keyword.value
    return call.args[index] if len(call.args) > index else None


def string(node: ast.AST | None) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return None


def dtype_name(node: ast.AST | None) -> str | None:
    """``tf.float32``, ``tf.dtypes.int64``, ``np.float32``, ``"float32"`` → the dtype's name."""
    if node is None:
        return None
    text = string(node)
    if text is None and isinstance(node, ast.Attribute):
        text = node.attr
    if text is None and isinstance(node, ast.Name):
        text = node.id
    if text is None:
        return None
    text = _DTYPE_ALIASES.get(text, text)
    return text if text in DTYPES else None


def parents(root: ast.AST) -> dict[ast.AST, ast.AST]:
    return {child: node for node in ast.walk(root) for child in ast.iter_child_nodes(node)}


def line(node: ast.AST) -> str:
    return f"line {getattr(node, 'lineno', '?')}"


def source(node: ast.AST) -> str:
    return ast.unparse(node)


def parameters(function: Function) -> list[str]:
    args = function.args
    return [a.arg for a in (*args.posonlyargs, *args.args, *args.kwonlyargs)]


def parameter_for(helper: Function, call: ast.Call, node: ast.AST) -> str | None:
    """The parameter of ``helper`` that ``call`` hands ``node`` to (by position or keyword)."""
    names = [n for n in parameters(helper) if n not in ("self", "cls")]
    for index, argument in enumerate(call.args):
        if argument is node and index < len(names):
            return names[index]
    for keyword in call.keywords:
        if keyword.value is node and keyword.arg in names:
            return keyword.arg
    return None


def features_parameter(function: Function) -> str | None:
    names = parameters(function)
    if "features" in names:
        return "features"
    positional = [n for n in names if n not in ("self", "cls")]
    return positional[0] if positional else None


def params_parameter(function: Function) -> str | None:
    names = parameters(function)
    return "params" if "params" in names else None


# -- the module's constants and its module-wide sources ------------------------------------------


def constants(tree: ast.Module) -> dict[str, ast.expr]:
    """Module-level names bound once to a literal (a string, a number, a list of them)."""
    found: dict[str, ast.expr] = {}
    seen: set[str] = set()
    for statement in tree.body:
        if isinstance(statement, ast.Assign) and len(statement.targets) == 1:
            target = statement.targets[0]
            if isinstance(target, ast.Name):
                if target.id in seen:
                    found.pop(target.id, None)
                    continue
                seen.add(target.id)
                try:
                    ast.literal_eval(statement.value)
                except ValueError:
                    continue
                found[target.id] = statement.value
    return found


def strings(node: ast.AST | None, constants: Mapping[str, ast.expr]) -> list[str] | None:
    """A literal list/tuple of strings (or a module constant holding one)."""
    if isinstance(node, ast.Name) and node.id in constants:
        node = constants[node.id]
    if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
        values = [string(e) for e in node.elts]
        if values and all(v is not None for v in values):
            return [v for v in values if v is not None]
    return None


def dims(node: ast.AST | None, constants: Mapping[str, ast.expr]) -> tuple[Dim, ...] | None:
    """A literal shape: ``[28, 28]``, ``(N,)``, ``[params["size"]]``; a bare number is ``(n,)``."""
    if isinstance(node, ast.Name) and node.id in constants:
        node = constants[node.id]
    if isinstance(node, (ast.List, ast.Tuple)):
        return tuple(dim(e) for e in node.elts)
    if node is not None and not isinstance(node, ast.Constant):
        return None
    value = dim(node) if node is not None else None
    return (value,) if isinstance(value, int) else None


def integer(node: ast.AST) -> int | None:
    """A non-negative integer written as a literal or literal arithmetic (``81 * 4 + 1``)."""
    if isinstance(node, ast.Constant):
        value = node.value
        return value if isinstance(value, int) and not isinstance(value, bool) else None
    if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Mult, ast.Sub)):
        left, right = integer(node.left), integer(node.right)
        if left is None or right is None:
            return None
        if isinstance(node.op, ast.Add):
            return left + right
        return left * right if isinstance(node.op, ast.Mult) else left - right
    return None


def dim(node: ast.AST) -> Dim:
    if isinstance(node, ast.Constant):
        if isinstance(node.value, bool):
            return None
        if isinstance(node.value, int):
            return node.value if node.value >= 0 else None
        return None
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        return None  # -1: "whatever is left"
    return source(node)


def per_example(target: tuple[Dim, ...] | None, node: ast.AST) -> tuple[Dim, ...] | None:
    """The per-example size of a tensor reshaped to ``target`` (batch first): the product of
    the other dimensions, flat; None when another dimension is -1 or the batch is not first."""
    if not target:
        return None
    first = target[0]
    literal_first = node.elts[0] if isinstance(node, (ast.List, ast.Tuple)) and node.elts else None
    batch_first = (
        first is None
        or (isinstance(first, str) and "batch" in first.lower())
        or (literal_first is not None and "shape" in source(literal_first))
    )
    rest = target[1:]
    if not batch_first or any(d is None for d in rest):
        return None
    if not rest:
        return ()
    if len(rest) == 1:
        return rest
    if all(isinstance(d, int) for d in rest):
        product = 1
        for d in rest:
            product *= int(d)  # type: ignore[arg-type]
        return (product,)
    return (" * ".join(f"({d})" if isinstance(d, str) else str(d) for d in rest),)


# -- a function's simple locals, inlined into the expressions that use them ----------------------

#: Calls a simple local may make: conversions of a number.
_SIMPLE_CALLS = frozenset({"int", "float"})
_SIMPLE_NODES = (
    *(ast.Name, ast.Attribute, ast.Subscript, ast.Constant, ast.BinOp, ast.UnaryOp),
    *(ast.expr_context, ast.operator, ast.unaryop),
)


def _simple(node: ast.AST) -> bool:
    """An expression the worker can evaluate from the module, the params and the closure alone:
    names, attributes, subscripts, numbers and strings, arithmetic, ``int(...)``."""
    for child in ast.walk(node):
        if isinstance(child, ast.Call):
            if call_name(child) not in _SIMPLE_CALLS or not isinstance(child.func, ast.Name):
                return False
        elif not isinstance(child, _SIMPLE_NODES):
            return False
    return True


def simple_locals(
    function: Function, accept: Callable[[ast.expr], bool] | None = None
) -> dict[str, ast.expr]:
    """Names ``function`` binds exactly once, to a simple expression (``field_size =
    params["field_size"]``, ``width = FLAGS.width * 2``), or to one ``accept`` takes, not
    shadowing a parameter."""
    accept = accept or _simple
    counts: dict[str, int] = {}
    values: dict[str, ast.expr] = {}
    for node in ast.walk(function):
        if isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
            counts[node.id] = counts.get(node.id, 0) + 1
        if (
            isinstance(node, ast.Assign)
            and len(node.targets) == 1
            and isinstance(node.targets[0], ast.Name)
            and accept(node.value)
        ):
            values[node.targets[0].id] = node.value
    taken = set(parameters(function))
    return {
        name: value
        for name, value in values.items()
        if counts.get(name) == 1 and name not in taken
    }


class _Inline(ast.NodeTransformer):
    def __init__(self, bindings: Mapping[str, ast.expr]) -> None:
        self.bindings = bindings
        self.depth = 0

    def visit_Name(self, node: ast.Name) -> ast.AST:
        value = self.bindings.get(node.id)
        if value is None or not isinstance(node.ctx, ast.Load) or self.depth > 4:
            return node
        self.depth += 1
        try:
            inlined: ast.AST = self.visit(copy.deepcopy(value))
        finally:
            self.depth -= 1
        return inlined


def inlined(node: ast.expr, bindings: Mapping[str, ast.expr]) -> ast.expr:
    """``node`` (a copy) with the names in ``bindings`` replaced by what they are bound to."""
    if not bindings:
        return node
    result = _Inline(bindings).visit(copy.deepcopy(node))
    assert isinstance(result, ast.expr)
    return result


class _SelfFields(ast.NodeTransformer):
    """``self.<field>`` → the ``__init__`` parameter stored in that field."""

    def __init__(self, fields: Mapping[str, str]) -> None:
        self.fields = fields

    def visit_Attribute(self, node: ast.Attribute) -> ast.AST:
        if (
            isinstance(node.value, ast.Name)
            and node.value.id == "self"
            and node.attr in self.fields
            and isinstance(node.ctx, ast.Load)
        ):
            return ast.copy_location(ast.Name(self.fields[node.attr], ast.Load()), node)
        self.generic_visit(node)
        return node


def instance_view(owner: ast.ClassDef, init: Function) -> Function:
    """``init`` as a function whose body also holds the class's other methods, each read of a
    field ``__init__`` stores a parameter in (``self.hidden = hidden``) read as that parameter:
    what the methods do with a field says what the parameter is."""
    fields = {
        target.attr: statement.value.id
        for statement in ast.walk(init)
        if isinstance(statement, ast.Assign) and isinstance(statement.value, ast.Name)
        for target in statement.targets
        if isinstance(target, ast.Attribute)
        and isinstance(target.value, ast.Name)
        and target.value.id == "self"
    }
    view = copy.deepcopy(init)
    for method in owner.body:
        if isinstance(method, (ast.FunctionDef, ast.AsyncFunctionDef)) and method is not init:
            view.body += copy.deepcopy(method.body)
    return _SelfFields(fields).visit(view)  # type: ignore[no-any-return]


#: How the method an instance's call runs is keyed beside the module's functions:
#: ``Model.__call__`` (a Keras layer or model's ``call``, which its ``__call__`` runs).
INSTANCE_CALL = "{}.__call__"


def instance_calls(body: list[ast.stmt]) -> dict[str, Function]:
    """Per class defined in ``body`` whose instances are called (``model = Model(...)``, then
    ``model(features, training)``), the method that call runs, keyed ``INSTANCE_CALL``: its
    ``__call__``, else its ``call`` (a Keras layer's or model's)."""
    found: dict[str, Function] = {}
    for node in body:
        if not isinstance(node, ast.ClassDef):
            continue
        methods = {
            s.name: s for s in node.body if isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef))
        }
        method = methods.get("__call__") or methods.get("call")
        if method is not None:
            found[INSTANCE_CALL.format(node.name)] = method
    return found


def class_views(body: list[ast.stmt]) -> dict[str, Function]:
    """Per class defined in ``body`` with an ``__init__``, that ``__init__`` read with its
    class's methods (``instance_view``): what building an instance does with its arguments."""
    found: dict[str, Function] = {}
    for node in body:
        if not isinstance(node, ast.ClassDef):
            continue
        init = next(
            (
                s
                for s in node.body
                if isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef)) and s.name == "__init__"
            ),
            None,
        )
        if init is not None:
            found[node.name] = instance_view(node, init)
    return found
