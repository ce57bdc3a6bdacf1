"""Values for the parameters of a function that builds a model_fn (a builder a closure comes
from, the ``__init__`` of the class whose method is the model_fn, the job function that makes
either) where neither the file nor the config gives them: each guessed from how the code reads
it, as params are (``inference.params``), with the repository's flag of its name winning.

A parameter read as a mapping or namespace (``args.batch_size``) is the keys read with their
guesses; one read as a plain value (``num_labels``) is one value, marked ``VALUE`` (the worker's
``scopes.VALUE``); one called (a factory) or that nothing tells about gets none.
"""

from __future__ import annotations

import ast
import copy
from collections.abc import Mapping

from estimator_fix.validation.inference import syntax as sx
from estimator_fix.validation.inference.flag_defaults import FlagDefault, with_flag_defaults
from estimator_fix.validation.inference.params import guess_argument, infer_params

#: Marks a parameter guessed as one value rather than as the keys read from it.
VALUE = "\x00value"


def argument_values(
    tree: ast.Module,
    function: sx.Function,
    name: str,
    defaults: Mapping[str, FlagDefault] | None = None,
) -> dict[str, object] | None:
    """What to run ``function``'s parameter ``name`` with (see the module), or None."""
    reads = with_flag_defaults(infer_params(tree, function, name), defaults or {})
    if reads:
        return {guess.key: guess.value for guess in reads}
    guess = guess_argument(tree, function, name)
    if guess is None:
        return None
    (guess,) = with_flag_defaults((guess,), defaults or {})
    return None if guess.fallback else {VALUE: guess.value}


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


def instance_view(owner: ast.ClassDef, init: sx.Function) -> sx.Function:
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
