"""Which model_fns to run, and how the worker gets each one, found statically (``ast``).

Every model_fn shape ``check`` recognises can be run: a module-level function (by name); a
closure returned by a builder, a function nested in ``main()``, a method, a ``functools.partial``
(each through the file's own ``Estimator(model_fn=...)`` call: the worker evaluates that
expression as the body of the function holding the call would, see ``worker/scopes.py``); and,
without such a call, a nested function lifted out of its enclosing function or a method of an
instance built as the file builds one. The model_fns validated are those the rewrite changed.
The same call gives ``params`` (its ``params=``) and input functions (``.train(input_fn=...)``,
``TrainSpec(input_fn=...)`` in the same file).
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Union

from estimator_fix.validation.inference.arguments import argument_values
from estimator_fix.validation.inference.flag_defaults import FlagDefault
from estimator_fix.validation.inference.syntax import call_name, instance_view
from estimator_fix.validation.worker.loading import MODEL_FN_GIVES, positional_labels

Function = Union[ast.FunctionDef, ast.AsyncFunctionDef]
Definition = Union[ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef]
_FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef)
#: What a model_fn returns: tf.estimator's specs (``TPUEstimatorSpec`` too, by its suffix) and
#: tf.contrib.learn's ``ModelFnOps``.
SPEC_NAMES = frozenset({"EstimatorSpec", "TPUEstimatorSpec", "ModelFnOps"})
_SPEC_SUFFIXES = ("EstimatorSpec", "ModelFnOps")
_PARTIALS = frozenset({"partial"})
#: What an Estimator hands a model_fn, by parameter name (labels also by the tf.contrib.learn
#: spellings, which the worker hands them as).
_ESTIMATOR_HANDS = frozenset(MODEL_FN_GIVES)
#: Estimator methods and specs whose ``input_fn`` serves each mode.
_INPUT_CALLS = {
    "train": ("TRAIN",),
    "TrainSpec": ("TRAIN",),
    "evaluate": ("EVAL",),
    "EvalSpec": ("EVAL",),
    "predict": ("PREDICT",),
}


class TargetError(Exception):
    """A model_fn that cannot be run as the file stands; ``str()`` says why, in one line."""


@dataclass(frozen=True)
class Built:
    """``expression`` as the body of the function at ``scope`` computes it (() = module level)."""

    expression: str
    scope: tuple[str, ...] = ()
    #: Parameters of the function at ``scope`` whose default (None) gives way to a value guessed
    #: from their use: the job's call gives them (``num_train_steps=None`` in the builder).
    guess: tuple[str, ...] = ()

    def to_json(self) -> dict[str, object]:
        return {"expression": self.expression, "scope": list(self.scope), "guess": list(self.guess)}


@dataclass(frozen=True)
class Target:
    """One model_fn to validate: its definition path and how the worker builds it (None: the
    module-level function ``path[0]``), with what its Estimator call gives."""

    path: tuple[str, ...]
    built: Built | None
    node: ast.FunctionDef | ast.AsyncFunctionDef = field(compare=False, repr=False)
    params: Built | None = None
    tpu: bool = False
    #: A model_fn of another module of the directory that calls this one with what it needs
    #: beyond what an Estimator hands (``cifar10_model_fn`` calling ``resnet_model_fn(features,
    #: labels, mode, model_class=..., ...)``): run as the entry point, over this module.
    through: Caller | None = None
    #: A closure the job function builds (``model_fn = model_fn_builder(bert_config, ...)`` in
    #: ``main()``) built instead by its builder with its arguments guessed, where building it
    #: as the job does fails (a config file or data the job reads that is not here).
    instead: Built | None = None
    #: What was guessed to build it (its own parameters beyond an Estimator's), or ''.
    guessed: str = ""

    @property
    def name(self) -> str:
        return ".".join(self.path)


@dataclass(frozen=True)
class _Call:
    """An Estimator call: its model_fn expression, params, where it is, whether it is a TPU one."""

    model_fn: ast.expr
    params: ast.expr | None
    scope: tuple[str, ...]
    tpu: bool


def _definitions(
    body: list[ast.stmt], path: tuple[str, ...] = ()
) -> Iterator[tuple[tuple[str, ...], Definition]]:
    for statement in _block_statements(body):
        if isinstance(statement, (*_FUNCTIONS, ast.ClassDef)):
            inner = (*path, statement.name)
            yield inner, statement
            yield from _definitions(statement.body, inner)


def _block_statements(body: list[ast.stmt]) -> Iterator[ast.stmt]:
    """``body`` with the statements of its if/try/with/for blocks, not of nested definitions."""
    for statement in body:
        yield statement
        if isinstance(statement, (ast.If, ast.Try, ast.With, ast.For, ast.While)):
            for name in ("body", "orelse", "finalbody"):
                yield from _block_statements(getattr(statement, name, []))
        if isinstance(statement, ast.Try):
            for handler in statement.handlers:
                yield from _block_statements(handler.body)


def without_self(names: list[str]) -> list[str]:
    """A method's parameters less the instance (or class) it is bound to."""
    return names[1:] if names[:1] in (["self"], ["cls"]) else names


def _parameter_names(function: ast.FunctionDef | ast.AsyncFunctionDef) -> list[str]:
    args = function.args
    return [a.arg for a in (*args.posonlyargs, *args.args, *args.kwonlyargs)]


def _own_nodes(function: ast.AST) -> Iterator[ast.AST]:
    """Nodes of ``function``'s body, not descending into nested definitions."""
    stack = list(ast.iter_child_nodes(function))
    while stack:
        node = stack.pop()
        yield node
        if not isinstance(node, (*_FUNCTIONS, ast.ClassDef, ast.Lambda)):
            stack.extend(ast.iter_child_nodes(node))


def _returns_spec(
    function: ast.FunctionDef | ast.AsyncFunctionDef, helpers: frozenset[str] = frozenset()
) -> bool:
    """It returns a spec: built there, built into a name it returns, or given by one of the
    module's ``helpers`` (functions that return one), as ``check`` reads a model_fn."""

    def gives_spec(value: ast.expr) -> bool:
        name = call_name(value)
        return name.endswith(_SPEC_SUFFIXES) or (isinstance(value, ast.Call) and name in helpers)

    specs: set[str] = set()
    returned: list[ast.expr] = []
    for node in _own_nodes(function):
        if isinstance(node, ast.Return) and node.value is not None:
            returned.append(node.value)
        elif isinstance(node, ast.Assign) and gives_spec(node.value):
            specs.update(t.id for t in node.targets if isinstance(t, ast.Name))
    return any(
        gives_spec(value) or (isinstance(value, ast.Name) and value.id in specs)
        for value in returned
    )


def _spec_helpers(tree: ast.Module) -> frozenset[str]:
    """The module-level functions that return a spec they build."""
    return frozenset(
        node.name for node in tree.body if isinstance(node, _FUNCTIONS) and _returns_spec(node)
    )


def _partial_firsts(tree: ast.Module) -> set[str]:
    """Names given first to ``functools.partial`` that binds by name only what an Estimator
    does not hand (``partial(_model_fn, hparams=hparams)``), as ``check`` reads them; one
    binding values positionally or features/labels/mode makes a helper."""
    return {
        call.args[0].id
        for call, _ in _calls(tree)
        if call_name(call).split(".")[-1] in _PARTIALS
        and len(call.args) == 1
        and isinstance(call.args[0], ast.Name)
        and all(k.arg not in ("features", "labels", "mode") for k in call.keywords)
    }


def _calls(tree: ast.Module) -> Iterator[tuple[ast.Call, tuple[str, ...]]]:
    """Every call with the path of the innermost function holding it (() at module level)."""
    stack: list[tuple[ast.AST, tuple[str, ...]]] = [(tree, ())]
    while stack:
        node, scope = stack.pop()
        if isinstance(node, ast.Call):
            yield node, scope
        for child in ast.iter_child_nodes(node):
            inner = scope
            if isinstance(node, (*_FUNCTIONS, ast.ClassDef)):
                inner = (*scope, node.name)
            stack.append((child, inner))


def _keyword(call: ast.Call, name: str) -> ast.expr | None:
    return next((k.value for k in call.keywords if k.arg == name), None)


def _estimator_calls(tree: ast.Module) -> list[_Call]:
    found = []
    for call, scope in _calls(tree):
        name = call_name(call)
        model_fn = _keyword(call, "model_fn")
        if model_fn is None and name.endswith("Estimator") and call.args:
            model_fn = call.args[0]
        if model_fn is None:
            continue
        params = _keyword(call, "params")
        found.append(_Call(model_fn, params, scope, "TPU" in name))
    return found


class _Resolver:
    """Which definition an expression at a call site names (statically, by bindings)."""

    def __init__(
        self,
        tree: ast.Module,
        defaults: Mapping[str, FlagDefault] | None = None,
        imported: Mapping[str, Function] | None = None,
        elsewhere: Mapping[str, Collection[str]] | None = None,
    ) -> None:
        self.tree = tree
        self.definitions = dict(_definitions(tree.body))
        #: Per builder or class of a model_fn, the parameters (of a class: of its ``__init__``)
        #: another module's call of it gives.
        self.elsewhere = elsewhere or {}
        #: The repository's declared flags, for parameters guessed by name (``arguments``).
        self.defaults = defaults or {}
        #: The repository's functions and classes the module takes (``imports``), followed
        #: when guessing arguments.
        self.imported = imported or {}

    def _body(self, scope: tuple[str, ...]) -> list[ast.stmt]:
        node = self.definitions.get(scope) if scope else self.tree
        return list(getattr(node, "body", []))

    def _binding(self, name: str, scope: tuple[str, ...]) -> tuple[ast.AST, tuple[str, ...]] | None:
        """The statement binding ``name`` seen from ``scope`` (innermost first), and its scope."""
        for depth in range(len(scope), -1, -1):
            here = scope[:depth]
            for statement in _block_statements(self._body(here)):
                if isinstance(statement, (*_FUNCTIONS, ast.ClassDef)) and statement.name == name:
                    return statement, here
                if isinstance(statement, ast.Assign) and any(
                    isinstance(t, ast.Name) and t.id == name for t in statement.targets
                ):
                    return statement.value, here
        return None

    def resolve(self, node: ast.AST, scope: tuple[str, ...], depth: int = 0) -> tuple[str, ...]:
        """The definition path ``node`` (an expression in ``scope``) leads to, or ()."""
        if depth > 8:
            return ()
        if isinstance(node, ast.Name):
            bound = self._binding(node.id, scope)
            if bound is None:
                return ()
            target, where = bound
            if isinstance(target, (*_FUNCTIONS, ast.ClassDef)):
                return self._through_decorator(target, where, depth) or (*where, target.name)
            return self.resolve(target, where, depth + 1)
        if isinstance(node, ast.Call):
            if call_name(node) in _PARTIALS and node.args:
                return self.resolve(node.args[0], scope, depth + 1)
            builder = self.resolve(node.func, scope, depth + 1)
            function = self.definitions.get(builder)
            if isinstance(function, _FUNCTIONS):
                for inner in _own_nodes(function):
                    if isinstance(inner, ast.Return) and inner.value is not None:
                        found = self.resolve(inner.value, builder, depth + 1)
                        if found:
                            return found
            return ()
        if isinstance(node, ast.Attribute):
            owner = self._class_of(node.value, scope, depth + 1)
            return (*owner, node.attr) if owner else ()
        return ()

    def _through_decorator(
        self, definition: Definition, where: tuple[str, ...], depth: int
    ) -> tuple[str, ...]:
        """What a definition's outermost decorator binds its name to, where that is a function
        of the file taking ``mode`` (``@with_spec`` returning its nested model_fn), or ()."""
        if not definition.decorator_list or not isinstance(definition, _FUNCTIONS):
            return ()
        decorator = definition.decorator_list[0]
        if not isinstance(decorator, ast.Name):
            return ()
        call = ast.Call(func=decorator, args=[], keywords=[])
        found = self.resolve(call, where, depth + 1)
        function = self.definitions.get(found)
        model_fn = isinstance(function, _FUNCTIONS) and "mode" in _parameter_names(function)
        return found if model_fn else ()

    def _class_of(
        self, node: ast.expr, scope: tuple[str, ...], depth: int = 0
    ) -> tuple[str, ...]:
        """The class an expression is an instance of (``self`` in a method, ``C(...)``), or ()
        (bindings that lead back to themselves, ``net = net.build()``, end there too)."""
        if depth > 8:
            return ()
        if isinstance(node, ast.Name) and node.id == "self":
            for depth in range(len(scope), 0, -1):
                if isinstance(self.definitions.get(scope[: depth - 1]), ast.ClassDef):
                    return scope[: depth - 1]
            return ()
        if isinstance(node, ast.Name):
            bound = self._binding(node.id, scope)
            if bound is not None and isinstance(bound[0], ast.Call):
                return self._class_of(bound[0], bound[1], depth + 1)
            return ()
        if isinstance(node, ast.Call):
            found = self.resolve(node.func, scope, depth + 1)
            return found if isinstance(self.definitions.get(found), ast.ClassDef) else ()
        return ()


def model_fn_paths(tree: ast.Module) -> dict[tuple[str, ...], Function]:
    """Every model_fn by definition path: a function with a ``mode`` parameter that returns an
    EstimatorSpec or TPUEstimatorSpec, or is passed as ``model_fn=``."""
    resolver = _Resolver(tree)
    passed = {resolver.resolve(c.model_fn, c.scope) for c in _estimator_calls(tree)}
    helpers = _spec_helpers(tree)
    partials = {(name,) for name in _partial_firsts(tree)}
    return {
        path: node
        for path, node in resolver.definitions.items()
        if isinstance(node, _FUNCTIONS)
        and "mode" in _parameter_names(node)
        and (
            _returns_spec(node, helpers)
            or path in passed
            or (path in partials and _parameter_names(node)[:1] == ["features"])
        )
    }


def changed_paths(original: ast.Module, rewritten: ast.Module) -> set[tuple[str, ...]]:
    """The definition paths whose code differs between the two versions."""
    before = {p: ast.dump(n) for p, n in _definitions(original.body)}
    after = {p: ast.dump(n) for p, n in _definitions(rewritten.body)}
    return {p for p in before if after.get(p) != before[p]}


def _source(node: ast.AST) -> str:
    return ast.unparse(node)


def _instance(resolver: _Resolver, tree: ast.Module, owner: tuple[str, ...]) -> Built | None:
    """How the file builds an instance of the class ``owner`` (its own ``C(...)`` call, else
    ``C()`` when that needs no arguments)."""
    for call, scope in _calls(tree):
        if resolver.resolve(call.func, scope) == owner and owner[-1] not in scope:
            return Built(_source(call), scope)
    init = _init_of(resolver.definitions[owner])
    if init is None or len(required_arguments(init)) <= 1:
        return Built(f"{owner[-1]}()", owner[:-1])
    # ``C(hidden, num_classes)``: built with values guessed from how its methods read them,
    # evaluated in ``__init__``'s scope (its parameters are the job arguments guessed there).
    # Or given by another module's ``C(...)`` (its job builds the instance there).
    view = _reading_view(resolver.definitions, (*owner, "__init__"))
    needed = [a for a in required_arguments(init) if a not in ("self", "cls")]
    given = resolver.elsewhere.get(owner[0], ()) if len(owner) == 1 else ()
    if view is None or any(
        a not in given
        and argument_values(tree, view, a, resolver.defaults, resolver.imported) is None
        for a in needed
    ):
        return None
    arguments = ", ".join(f"{a}={a}" for a in needed)
    return Built(f"{owner[-1]}({arguments})", (*owner, "__init__"))


def _init_of(owner: ast.AST) -> Function | None:
    """The ``__init__`` the class ``owner`` defines, if it does."""
    body = owner.body if isinstance(owner, ast.ClassDef) else []
    return next((s for s in body if isinstance(s, _FUNCTIONS) and s.name == "__init__"), None)


def _reading_view(
    definitions: Mapping[tuple[str, ...], ast.AST], scope: tuple[str, ...]
) -> Function | None:
    """The function at ``scope`` as its parameters' reads are looked for: a class's
    ``__init__`` with its methods' reads of the fields it stores them in
    (``syntax.instance_view``), any other function itself."""
    function = definitions.get(scope)
    if not isinstance(function, _FUNCTIONS):
        return None
    owner = definitions.get(scope[:-1])
    if scope[-1] == "__init__" and isinstance(owner, ast.ClassDef):
        return instance_view(owner, function)
    return function


def required_arguments(function: ast.FunctionDef | ast.AsyncFunctionDef) -> list[str]:
    """The parameters a call must give (no default)."""
    args = function.args
    positional = [*args.posonlyargs, *args.args]
    required = positional[: len(positional) - len(args.defaults)]
    keyword = [a for a, d in zip(args.kwonlyargs, args.kw_defaults) if d is None]
    return [a.arg for a in (*required, *keyword)]


def _at_call(resolver: _Resolver, tree: ast.Module, call: _Call) -> Built | None:
    """The call's model_fn expression, with ``self.`` replaced by the instance the file builds."""
    return _expression(resolver, tree, call.model_fn, call.scope)


def _expression(
    resolver: _Resolver, tree: ast.Module, node: ast.expr, scope: tuple[str, ...]
) -> Built | None:
    """``node`` in ``scope``; ``self.NAME`` becomes NAME of the instance the file builds."""
    if (
        isinstance(node, ast.Attribute)
        and isinstance(node.value, ast.Name)
        and node.value.id == "self"
    ):
        owner = resolver._class_of(node.value, scope)
        instance = _instance(resolver, tree, owner) if owner else None
        if instance is None:
            return None
        attribute = _mangled(node.attr, owner[-1])
        return Built(f"({instance.expression}).{attribute}", instance.scope)
    return Built(_source(node), scope)


def _mangled(attribute: str, class_name: str) -> str:
    """``attribute`` as Python names it outside ``class_name``: a private name (``__spec``)
    is ``_Class__spec``."""
    if attribute.startswith("__") and not attribute.endswith("__") and class_name.strip("_"):
        return f"_{class_name.lstrip('_')}{attribute}"
    return attribute


def _lifted(
    resolver: _Resolver,
    tree: ast.Module,
    path: tuple[str, ...],
    given: Mapping[str, object],
    elsewhere: Mapping[str, Collection[str]],
) -> Built:
    """A model_fn no Estimator call names: lifted out of its enclosing function, or taken from
    an instance of its class. Raises TargetError when it needs what neither the file, the
    config nor another module's call of the enclosing function (``elsewhere``: the parameters
    it gives, by function name) gives."""
    parent = resolver.definitions.get(path[:-1])
    if isinstance(parent, ast.ClassDef):
        method = resolver.definitions[path]
        # A static method, or a function defined in a class without ``self`` and read through
        # the class (``model_fn=AFM.model_fn``): no instance needed.
        first = _parameter_names(method)[:1] if isinstance(method, _FUNCTIONS) else []
        static = any(call_name(d) == "staticmethod" for d in method.decorator_list)
        bound = any(call_name(d) == "classmethod" for d in method.decorator_list)
        if static or (not bound and first and first[0] not in ("self", "cls")):
            return Built(".".join(path), ())
        instance = _instance(resolver, tree, path[:-1])
        if instance is None:
            raise TargetError(
                f"model_fn {'.'.join(path)} is a method of {path[-2]}, which the file never "
                "builds with arguments it gives (and whose __init__ needs some)"
            )
        return Built(f"({instance.expression}).{_mangled(path[-1], path[-2])}", instance.scope)
    if isinstance(parent, _FUNCTIONS):
        function = resolver.definitions[path]
        loaded = {n.id for n in ast.walk(function) if isinstance(n, ast.Name)}
        missing = [p for p in required_arguments(parent) if p in loaded and p not in given]
        # Those the closure's code says something of are guessed from it (job_arguments).
        defaults = resolver.defaults
        imported = resolver.imported
        missing = [
            p for p in missing if argument_values(tree, parent, p, defaults, imported) is None
        ]
        missing = [p for p in missing if not _spared(resolver, tree, parent, p)]
        if len(path) == 2:
            missing = [p for p in missing if p not in elsewhere.get(path[0], ())]
        if missing:
            raise TargetError(
                f"model_fn {'.'.join(path)} uses {', '.join(missing)}, parameter(s) of "
                f"{path[-2]}() that no call in the file gives; give them as model-fn-args in "
                "[tool.estimator-fix.validate]"
            )
    return Built(path[-1], path[:-1])


def _built(
    resolver: _Resolver,
    tree: ast.Module,
    path: tuple[str, ...],
    call: _Call | None,
    given: Mapping[str, object],
    elsewhere: Mapping[str, Collection[str]],
) -> Built | None:
    """How the file builds the model_fn at ``path``: at its Estimator ``call``, assigned,
    decorated, or lifted out of what encloses it; None for a module-level function."""
    built: Built | None = None
    if call is not None and not (len(path) == 1 and _is_name(call.model_fn, path[0])):
        built = _at_call(resolver, tree, call)
    if built is None and len(path) > 1:
        built = _assigned(resolver, tree, path)
    if built is None and len(path) == 2:
        built = _decorated(resolver, path[0])
    if built is None and len(path) > 1:
        built = _lifted(resolver, tree, path, given, elsewhere)
    return built


def _partial_guessed(
    tree: ast.Module, name: str, node: Function, extra: list[str]
) -> tuple[Built | None, str]:
    """A module-level model_fn that takes more than an Estimator hands it (``lr_model_fn(
    features, labels, mode, params, nclasses, dim)``, bound by ``functools.partial`` elsewhere)
    with those parameters guessed from its code, as a builder's are, and a note saying so;
    (None, '') where one of them is called (a function) or its guess is no plain value."""
    from estimator_fix.validation.inference.params import guess_argument

    guesses = [guess_argument(tree, node, parameter) for parameter in extra]
    if any(g is None or not _plain(g.value) for g in guesses):
        return None, ""
    given = [(parameter, g.value, g.origin) for parameter, g in zip(extra, guesses) if g]
    arguments = ", ".join(f"{parameter}={value!r}" for parameter, value, _ in given)
    said = ", ".join(f"{parameter}={value!r} ({origin})" for parameter, value, origin in given)
    built = Built(f"__import__('functools').partial({name}, {arguments})")
    return built, f"model_fn {name} takes more than an Estimator hands it: guessed {said}"


def _plain(value: object) -> bool:
    """A value written as a literal: numbers, strings, None, and lists or tuples of them."""
    if isinstance(value, (list, tuple)):
        return all(_plain(item) for item in value)
    return value is None or isinstance(value, (bool, int, float, str))


def _by_builder(
    resolver: _Resolver,
    tree: ast.Module,
    path: tuple[str, ...],
    built: Built | None,
    given: Mapping[str, object],
) -> Built | None:
    """A closure (``path``) that ``built`` makes in a job function, as its builder makes it with
    arguments guessed from the closure's reads (``_lifted``); None for anything else, or where
    some argument cannot be guessed."""
    parent = resolver.definitions.get(path[:-1])
    if built is None or built.scope == path[:-1] or not isinstance(parent, _FUNCTIONS):
        return None
    try:
        lifted = _lifted(resolver, tree, path, given, {})
    except TargetError:
        return None
    return replace(lifted, guess=_given_none(resolver, parent, path[:-1], built.scope))


def _given_none(
    resolver: _Resolver, builder: Function, path: tuple[str, ...], scope: tuple[str, ...]
) -> tuple[str, ...]:
    """The parameters of ``builder`` (at ``path``) that default to None and that its call in
    ``scope`` (the job function) gives: the job's values stand in for the default. Not those
    the builder's code tests against None (``if hvd is not None:``): None is a value it takes."""
    job = resolver.definitions.get(scope)
    args = builder.args
    positional = [a.arg for a in (*args.posonlyargs, *args.args)]
    pairs = zip(positional[len(positional) - len(args.defaults) :], args.defaults)
    pairs_kw = zip((a.arg for a in args.kwonlyargs), args.kw_defaults)
    none = {
        name
        for name, default in (*pairs, *pairs_kw)
        if isinstance(default, ast.Constant) and default.value is None
    }
    given: set[str] = set()
    for node in ast.walk(job) if job is not None else ():
        if isinstance(node, ast.Call) and resolver.resolve(node.func, scope) == path:
            given |= {k.arg for k in node.keywords if k.arg}
            given |= set(positional[: len(node.args)])
    tested = {
        side.id
        for node in ast.walk(builder)
        if isinstance(node, ast.Compare)
        and any(isinstance(op, (ast.Is, ast.IsNot)) for op in node.ops)
        for side in (node.left, *node.comparators)
        if isinstance(side, ast.Name)
    }
    return tuple(sorted((none & given) - tested))


def _assigned(resolver: _Resolver, tree: ast.Module, path: tuple[str, ...]) -> Built | None:
    """A name the file binds to the model_fn (``model_fn = make_model_fn(0.01)``), as built
    where that assignment is."""
    for scope, definition in [((), tree), *resolver.definitions.items()]:
        if not isinstance(definition, (ast.Module, *_FUNCTIONS)):
            continue
        for statement in _block_statements(definition.body):
            if not isinstance(statement, ast.Assign) or len(statement.targets) != 1:
                continue
            name = statement.targets[0]
            if isinstance(name, ast.Name) and resolver.resolve(statement.value, scope) == path:
                return Built(name.id, scope)
    return None


def _decorated(resolver: _Resolver, builder: str) -> Built | None:
    """A function the file decorates with ``builder`` (``@tf_estimator_model``), which the
    decoration binds to the closure the builder returns, as built where it is defined."""
    for path, definition in resolver.definitions.items():
        if isinstance(definition, _FUNCTIONS) and any(
            _is_name(decorator, builder) for decorator in definition.decorator_list
        ):
            return Built(path[-1], path[:-1])
    return None


def find_targets(
    tree: ast.Module,
    rewritten: ast.Module | None,
    chosen: str | None,
    given: Mapping[str, object],
    elsewhere: Mapping[str, Collection[str]] | None = None,
    delegating: Mapping[str, Caller] | None = None,
    defaults: Mapping[str, FlagDefault] | None = None,
    imported: Mapping[str, Function] | None = None,
) -> list[Target]:
    """The model_fns to validate: ``chosen`` (a dotted definition path or top-level name), else
    the ones the rewrite changed (all, without a rewrite or when it changed none). A
    module-level model_fn that takes more than an Estimator hands it runs through the model_fn
    of another module that calls it (``delegating``, by name), where there is one. Raises
    TargetError."""
    resolver = _Resolver(tree, defaults, imported, elsewhere)
    model_fns = model_fn_paths(tree)
    if chosen:
        path = tuple(chosen.split("."))
        if path not in model_fns:
            return []  # a name the caller resolves at module level (an assignment, an import)
        paths = [path]
    else:
        changed = changed_paths(tree, rewritten) if rewritten is not None else set(model_fns)
        # Two identical versions (validate FILE FILE): every model_fn is compared.
        paths = [p for p in model_fns if p in changed] or list(model_fns)
    calls = _estimator_calls(tree)
    targets = []
    unrunnable: list[str] = []
    for path in paths:
        node = model_fns[path]
        call = next((c for c in calls if resolver.resolve(c.model_fn, c.scope) == path), None)
        built = _built(resolver, tree, path, call, given, elsewhere or {})
        labels_here = positional_labels(without_self(_parameter_names(node)))
        extra = [
            a for a in required_arguments(node) if a not in _ESTIMATOR_HANDS and a != labels_here
        ]
        holder = _delegating_here(tree, path[0], node, model_fns) if len(path) == 1 else None
        if built is None and extra and holder is not None:
            # run as the model_fn that calls it: built, and given params, as that one is
            call = next((c for c in calls if resolver.resolve(c.model_fn, c.scope) == holder), None)
            try:
                built = _built(resolver, tree, holder, call, given, elsewhere or {})
            except TargetError:
                call = None
            else:
                built = built or Built(holder[0], ())
        through = None
        if built is None and len(path) == 1 and extra:
            through = (delegating or {}).get(path[0])
        guessed = ""
        if built is None and len(path) == 1 and extra and through is None:
            built, guessed = _partial_guessed(tree, path[0], node, extra)
            if built is None:
                unrunnable.append(
                    f"model_fn {path[0]} takes {', '.join(extra)} beyond what an Estimator "
                    "hands it, bound elsewhere with values the file does not give "
                    "(functools.partial in a builder): it cannot be run on its own"
                )
                continue
        params = Built(_source(call.params), call.scope) if call and call.params else None
        tpu = (call is not None and call.tpu) or "TPUEstimatorSpec" in ast.dump(node)
        instead = _by_builder(resolver, tree, path, built, given)
        targets.append(Target(path, built, node, params, tpu, through, instead, guessed))
    if unrunnable and not targets:
        raise TargetError(unrunnable[0])
    return targets


@dataclass(frozen=True)
class Caller:
    """A call of ``function`` (of the validated module) in another module of its directory: the
    caller's file and dotted name, the function holding the call, the call's arguments."""

    function: str
    file: str
    module_name: str
    scope: tuple[str, ...]
    args: tuple[str, ...]
    keywords: tuple[tuple[str, str], ...]
    #: The ``params=`` of the Estimator the same function of the caller builds (its job:
    #: ``model = Model(fg, md)``, then ``Estimator(model_fn=model.model_fn, params=...)``).
    params: str | None = None
    #: The dotted name the caller imports the validated module by, where that is not the name
    #: it is validated as (a script elsewhere: ``nnet.train_simple._model_fn``); the worker
    #: serves the version validated by that name too (``callers_elsewhere``).
    imports_as: str = ""
    #: The directory that import starts from (made importable for the caller).
    import_root: str = ""

    def to_json(self) -> dict[str, object]:
        return {
            "file": self.file,
            "module_name": self.module_name,
            "scope": list(self.scope),
            "args": list(self.args),
            "keywords": dict(self.keywords),
            "params": self.params,
            "imports_as": self.imports_as,
            "import_root": self.import_root,
        }


def given_by(caller: Caller, function: Function) -> frozenset[str]:
    """The parameters of ``function`` that ``caller``'s call gives (by position or name)."""
    names = [n for n in _parameter_names(function) if n not in ("self", "cls")]
    return frozenset(names[: len(caller.args)]) | {name for name, _ in caller.keywords}


def builders(tree: ast.Module) -> dict[str, Function]:
    """The module-level functions that hold a model_fn (builders of closures), and the
    ``__init__`` of the module-level classes that do (a method; another module builds the
    instance: ``model = build_model.ConvolutionalNet(hparams, dataset_info)``), by name."""
    outer = {path[0] for path in model_fn_paths(tree) if len(path) > 1}
    found: dict[str, Function] = {}
    for node in tree.body:
        if isinstance(node, _FUNCTIONS) and node.name in outer:
            found[node.name] = node
        elif isinstance(node, ast.ClassDef) and node.name in outer:
            init = _init_of(node)
            if init is not None:
                found[node.name] = init
    return found


def _aliases_of(tree: ast.Module, stem: str) -> tuple[set[str], dict[str, str]]:
    """Names a module binds to its sibling ``stem`` (``from . import model``, ``import model``),
    and the sibling's functions it imports by name (``from .model import train``: local name →
    function)."""
    names = set()
    functions: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if (node.module or "").split(".")[-1] == stem:
                functions.update((a.asname or a.name, a.name) for a in node.names)
            for alias in node.names:
                if alias.name == stem:
                    names.add(alias.asname or alias.name)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[-1] == stem and (alias.asname or "." not in alias.name):
                    names.add(alias.asname or alias.name)
    return names, functions


def _called_function(call: ast.Call, aliases: set[str], imported: dict[str, str]) -> str:
    """The sibling's function ``call`` calls (``model.train(...)``, ``train(...)``), or ""."""
    func = call.func
    if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name):
        return func.attr if func.value.id in aliases else ""
    return imported.get(func.id, "") if isinstance(func, ast.Name) else ""


def sibling_callers(
    path: Path,
    package: str,
    functions: set[str],
    accept: Callable[[ast.Module, ast.Call, tuple[str, ...], str], bool] | None = None,
) -> dict[str, Caller]:
    """Per function of the module at ``path``, the first call of it in another module of its
    directory (``model.train_and_evaluate(output_dir, hparams)`` in ``task.py``) that
    ``accept`` (given the other module, the call, the function path holding it and the function
    called) takes."""
    found: dict[str, Caller] = {}
    for file in sorted(path.parent.glob("*.py")):
        if file == path or len(found) == len(functions):
            continue
        try:
            tree = ast.parse(file.read_bytes(), filename=str(file))
        except (OSError, SyntaxError, ValueError):
            continue
        aliases, imported = _aliases_of(tree, path.stem)
        for call, scope in _calls(tree):
            function = _called_function(call, aliases, imported)
            if function not in functions or function in found:
                continue
            if accept is not None and not accept(tree, call, scope, function):
                continue
            found[function] = Caller(
                function,
                str(file),
                f"{package}.{file.stem}" if package else file.stem,
                scope,
                tuple(_source(a) for a in call.args if not isinstance(a, ast.Starred)),
                tuple((k.arg, _source(k.value)) for k in call.keywords if k.arg),
                _job_params(tree, scope),
            )
    return found


def _job_params(tree: ast.Module, scope: tuple[str, ...]) -> str | None:
    """The ``params=`` of the one Estimator call in the function at ``scope`` (not at module
    level) that gives one; None where there is none, or several."""
    given = [c.params for c in _estimator_calls(tree) if c.scope == scope and c.params]
    return _source(given[0]) if scope and len(given) == 1 else None


def _delegates(tree: ast.Module, call: ast.Call, scope: tuple[str, ...], node: Function) -> bool:
    """Whether ``call`` (in ``tree``, in the function at ``scope``) is a model_fn's call of the
    model_fn ``node`` giving all it needs: the call is in a module-level function that takes
    only what an Estimator hands (its mode among them), and gives every parameter of ``node``
    without a default."""
    if len(scope) != 1:
        return False
    holder = next((n for n in tree.body if isinstance(n, _FUNCTIONS) and n.name == scope[0]), None)
    return holder is not None and _gives_all(call, holder, node)


def _gives_all(call: ast.Call, holder: Function, node: Function) -> bool:
    """Whether ``call``, in ``holder``, is a model_fn's call of the model_fn ``node`` giving
    all it needs: ``holder`` takes only what an Estimator hands (its mode among them), and the
    call gives every parameter of ``node`` without a default."""
    if holder is node or "mode" not in _parameter_names(holder):
        return False
    if any(a not in _ESTIMATOR_HANDS for a in required_arguments(holder)):
        return False
    if any(isinstance(a, ast.Starred) for a in call.args):
        return False
    if any(k.arg is None for k in call.keywords):  # ``**kwargs``: what it holds is not known
        return True
    names = [n for n in _parameter_names(node) if n not in ("self", "cls")]
    given = set(names[: len(call.args)]) | {k.arg for k in call.keywords if k.arg}
    return all(a in given for a in required_arguments(node))


def _delegating_here(
    tree: ast.Module, function: str, node: Function, model_fns: Mapping[tuple[str, ...], Function]
) -> tuple[str, ...] | None:
    """The model_fn of the module itself that calls ``function`` with all it needs, at any
    depth (``imagenet_model_fn`` returning ``hrnet_model_fn(features, ..., model_class=...)``;
    the closure a class's ``__init__`` hands its Estimator returning
    ``_create_estimator_spec(features, mode, logits, params, labels)``)."""
    for call, scope in _calls(tree):
        holder = model_fns.get(scope)
        if _is_name(call.func, function) and holder is not None and _gives_all(call, holder, node):
            return scope
    return None


def delegating_callers(path: Path, package: str, tree: ast.Module) -> dict[str, Caller]:
    """Per module-level model_fn of ``tree`` (the module at ``path``) that takes more than an
    Estimator hands it, a model_fn of another module of its directory that calls it giving all
    of it: a module-level function that takes only what an Estimator hands (its mode among
    them), as ``cifar10_model_fn(features, labels, mode, params)`` returns
    ``resnet_run_loop.resnet_model_fn(features=features, ..., model_class=Cifar10Model, ...)``."""
    wanting = {
        path_[0]: node
        for path_, node in model_fn_paths(tree).items()
        if len(path_) == 1 and any(a not in _ESTIMATOR_HANDS for a in required_arguments(node))
    }
    if not wanting:
        return {}

    def accept(other: ast.Module, call: ast.Call, scope: tuple[str, ...], function: str) -> bool:
        node = wanting.get(function)
        return node is not None and _delegates(other, call, scope, node)

    return sibling_callers(path, package, set(wanting), accept)


def job_arguments(
    tree: ast.Module,
    built: Iterable[Built | None],
    given: Mapping[str, object],
    defaults: Mapping[str, FlagDefault] | None = None,
    imported: Mapping[str, Function] | None = None,
    builders: Collection[tuple[str, ...]] = (),
) -> dict[str, dict[str, dict[str, object]]]:
    """For the functions that build the model_fn, params or inputs (``main_fun(args, ctx)``, a
    builder, the ``__init__`` of a model_fn's class): per function path, per parameter without a
    default that no config gives (or that ``Built.guess`` names), the values
    ``arguments.argument_values`` guesses from the code's reads of it (``args.batch_size``;
    ``num_labels``), the declared flags of the same names (``defaults``) winning; for the
    ``builders`` (the functions a model_fn closure is defined in), per local too. The worker uses
    them only where the file gives none (a local: where the statement binding it fails)."""
    definitions = dict(_definitions(tree.body))
    found: dict[str, dict[str, dict[str, object]]] = {}
    for where in built:
        if where is None or ".".join(where.scope) in found:
            continue
        function = definitions.get(where.scope)
        view = _reading_view(definitions, where.scope)
        if not isinstance(function, _FUNCTIONS) or view is None:
            continue
        values = {}
        locals_ = _locals(function) if where.scope in builders else []
        for name in [*required_arguments(function), *where.guess, *locals_]:
            if name in given or name in ("self", "cls") or name in values:
                continue
            guessed = argument_values(tree, view, name, defaults, imported)
            if guessed:
                values[name] = guessed
        found[".".join(where.scope)] = values
    return {path: values for path, values in found.items() if values}


def _spared(resolver: _Resolver, tree: ast.Module, builder: Function, parameter: str) -> bool:
    """Whether ``builder`` reads ``parameter`` only to bind locals the worker can guess from
    their reads where the binding fails (``bert_config = BertConfig.from_json_file
    (bert_config_file)``): it needs no value then (``scopes._spared``)."""
    readers = [
        s
        for s in _block_statements(builder.body)
        if not isinstance(s, (ast.If, ast.Try, ast.With, ast.For, ast.While))
        and any(isinstance(n, ast.Name) and n.id == parameter for n in ast.walk(s))
    ]
    defaults, imported = resolver.defaults, resolver.imported
    return bool(readers) and all(
        isinstance(s, ast.Assign)
        and all(isinstance(t, ast.Name) for t in s.targets)
        and all(
            argument_values(tree, builder, t.id, defaults, imported)  # type: ignore[attr-defined]
            for t in s.targets
        )
        for s in readers
    )


def _locals(function: Function) -> list[str]:
    """The names ``function`` binds by plain assignment (``bert_config = BertConfig.from_json_file
    (path)``), not its parameters: where the statement binding one fails here (a file that is
    not here), the worker binds the value guessed from the code that reads it instead."""
    parameters = set(_parameter_names(function))
    found = [
        target.id
        for statement in _block_statements(function.body)
        if isinstance(statement, ast.Assign)
        for target in statement.targets
        if isinstance(target, ast.Name) and target.id not in parameters
    ]
    return list(dict.fromkeys(found))


def _is_name(node: ast.expr, name: str) -> bool:
    return isinstance(node, ast.Name) and node.id == name


def _on_estimator(resolver: _Resolver, call: ast.Call, scope: tuple[str, ...]) -> bool:
    """A ``TrainSpec``/``EvalSpec``, or a method called on a name bound to ``...Estimator(...)``."""
    func = call.func
    if call_name(call) in ("TrainSpec", "EvalSpec"):
        return True
    if not isinstance(func, ast.Attribute) or not isinstance(func.value, ast.Name):
        return False
    bound = resolver._binding(func.value.id, scope)
    return bound is not None and call_name(bound[0]).endswith("Estimator")


def call_site_inputs(tree: ast.Module) -> dict[str, Built]:
    """Per mode, the input function the file passes to ``train``/``evaluate``/``predict`` or to a
    ``TrainSpec``/``EvalSpec`` (an expression, evaluated where the call is)."""
    resolver = _Resolver(tree)
    found: dict[str, Built] = {}
    in_order = sorted(_calls(tree), key=lambda item: (item[0].lineno, item[0].col_offset))
    for call, scope in in_order:
        modes = _INPUT_CALLS.get(call_name(call), ())
        value = _keyword(call, "input_fn")
        if value is None and modes and call.args and _on_estimator(resolver, call, scope):
            value = call.args[0]
        built = _expression(resolver, tree, value, scope) if value is not None else None
        if built is None:
            continue
        for mode in modes:
            found.setdefault(mode, built)
    return found
