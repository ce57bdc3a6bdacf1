"""Qualified names of expressions, as LibCST's ``QualifiedNameProvider`` gives them, for less.

``QualifiedNameProvider`` needs ``ScopeProvider`` and ``ExpressionContextProvider``: three batched
visitors over the whole module, per codemod pass, which were half of a file's processing time.
The codemods only ask for the names of a few expressions (the callee of a call, an attribute
chain), so here one plain walk records the scopes and their bindings, and a name is looked up when
asked, with LibCST's rules: the same scopes (module, function, lambda, class, comprehension; a
class body invisible from its methods; ``global``/``nonlocal``), the same bindings (imports under
every dotted prefix, assignment targets, parameters, definitions, loop, ``with``, ``except`` and
walrus targets) and the same spellings (``pkg.mod.attr`` for imports, ``f.<locals>.x`` for a
function's names, ``builtins.print``). ``tests/test_names.py`` compares the two on every
expression of every fixture.

Two refinements of LibCST are left out, both irrelevant to what the codemods ask: a bare name read
before a later rebinding in the same scope is not narrowed to the earlier bindings, and names
inside string annotations are not resolved.
"""

from __future__ import annotations

import builtins
from collections.abc import Callable
from typing import Any, ClassVar, Optional, Union

import libcst as cst
from libcst.helpers import get_full_name_for_node

from codemods.tree import children

_Binding = tuple["_Scope", cst.CSTNode, bool]  # (scope bound in, node, is an import)
_COMPREHENSIONS = (cst.ListComp, cst.SetComp, cst.DictComp, cst.GeneratorExp)
_QUERYABLE = (
    cst.Name, cst.Attribute, cst.Call, cst.Subscript, cst.Decorator, cst.FunctionDef, cst.ClassDef
)


class _Scope:
    __slots__ = ("kind", "parent", "prefix", "bindings", "overwrites")

    def __init__(self, kind: str, parent: Optional[_Scope], name: Optional[str] = None) -> None:
        self.kind = kind  # "builtins", "module", "function", "class", "comprehension"
        self.prefix: str
        self.parent = parent
        self.bindings: dict[str, list[_Binding]] = {}
        self.overwrites: dict[str, _Scope] = {}  # global / nonlocal declarations
        head = parent.prefix if parent is not None else ""
        if kind == "function":
            parts = [head, name or "", "<locals>"]
        elif kind == "class":
            parts = [head, name or ""]
        elif kind == "comprehension":
            parts = [head, "<comprehension>"]
        else:
            parts = []
        self.prefix = ".".join(part for part in parts if part)

    def target(self, name: str) -> _Scope:
        """The scope an assignment of ``name`` here binds in."""
        if name in self.overwrites:
            return self.visible(self.overwrites[name]).target(name)
        return self

    def bind(self, name: str, node: cst.CSTNode, is_import: bool = False) -> None:
        scope = self.target(name)
        scope.bindings.setdefault(name, []).append((scope, node, is_import))

    def visible(self, start: Optional[_Scope] = None) -> _Scope:
        """``start`` (default: the parent), or the first scope above it that is not a class body.

        A class body's names are invisible to the functions in it (LibCST: only through
        ``ClassName.attr`` or ``self.attr``).
        """
        scope = start if start is not None else self.parent
        while scope is not None and scope.kind == "class":
            scope = scope.parent
        assert scope is not None
        return scope

    def __contains__(self, name: str) -> bool:
        if self.kind == "builtins":
            return hasattr(builtins, name)
        if name in self.overwrites:
            return name in self.overwrites[name]
        if self.bindings.get(name):
            return True
        return name in self.visible()

    def lookup(self, name: str) -> list[_Binding]:
        if self.kind == "builtins":
            return [(self, cst.Name(name), False)] if hasattr(builtins, name) else []
        if name in self.overwrites:
            return self.visible(self.overwrites[name]).lookup(name)
        if name in self.bindings:
            return self.bindings[name]
        return self.visible().lookup(name)


def _import_names(node: Union[cst.Import, cst.ImportFrom], full_name: str) -> set[str]:
    """LibCST's ``ImportAssignment.get_qualified_names_for``."""
    if isinstance(node.names, cst.ImportStar):
        return set()
    module = _imported_from(node)
    found: set[str] = set()
    for alias in node.names:
        real = get_full_name_for_node(alias.name)
        if real:
            found |= _alias_names(alias, real, module, full_name)
    return found


def _imported_from(node: Union[cst.Import, cst.ImportFrom]) -> str:
    """``..pkg`` of ``from ..pkg import x``; "" for a plain import."""
    if type(node) is not cst.ImportFrom:
        return ""
    module = get_full_name_for_node(node.module) or "" if node.module is not None else ""
    return "." * len(node.relative) + module if node.relative else module


def _alias_names(alias: cst.ImportAlias, real: str, module: str, full_name: str) -> set[str]:
    """The qualified name of ``full_name`` through one imported alias (its longest prefix)."""
    parts = real.split(".")
    for size in range(len(parts), 0, -1):
        real_name = as_name = ".".join(parts[:size])
        if module.endswith("."):
            real_name = f"{module}{real_name}"
        elif module:
            real_name = f"{module}.{real_name}"
        if alias.asname is not None and alias.evaluated_alias is not None:
            as_name = alias.evaluated_alias
        if full_name.startswith(as_name):
            rest = full_name.split(as_name, 1)[1]
            if rest and not rest.startswith("."):
                continue
            rest = rest.lstrip(".")
            return {f"{real_name}.{rest}" if rest else real_name}
    return set()


def _names_of(binding: _Binding, full_name: str) -> set[str]:
    scope, node, is_import = binding
    if scope.kind == "builtins":
        return {f"builtins.{full_name.split('.', 1)[0]}"}
    if is_import:
        assert isinstance(node, (cst.Import, cst.ImportFrom))
        return _import_names(node, full_name)
    return {f"{scope.prefix}.{full_name}" if scope.prefix else full_name}


def _is_binding_node(node: cst.CSTNode, bound: cst.CSTNode) -> bool:
    if node is bound:
        return True
    if isinstance(bound, (cst.Import, cst.ImportFrom)) and not isinstance(
        bound.names, cst.ImportStar
    ):
        for alias in bound.names:
            if alias.name is node or (alias.asname is not None and alias.asname.name is node):
                return True
    return False


class QualifiedNames:
    """The qualified names of expressions in one module (built on the first question)."""

    def __init__(self, module: cst.Module) -> None:
        self._module = module
        self._scopes: Optional[dict[cst.CSTNode, _Scope]] = None
        self._values: dict[int, cst.BaseExpression] = {}

    def _scope(self, node: cst.CSTNode) -> Optional[_Scope]:
        if self._scopes is None:
            binder = _Binder(self._module)
            self._scopes, self._values = binder.scopes, binder.values
        return self._scopes.get(node)

    def alias(self, node: cst.CSTNode) -> Optional[tuple[cst.BaseExpression, str]]:
        """For ``v1.metrics.accuracy`` where ``v1`` is bound once in its scope, by ``v1 =
        tf.compat.v1``: the expression it is bound to and the rest of the name (``metrics.
        accuracy``); for ``_PREDICT`` bound once by ``_PREDICT = "infer"``: that string and "".
        None where the head is bound otherwise, or more than once (a ``global`` rebinding in a
        function counts)."""
        scope = self._scope(node)
        full_name = get_full_name_for_node(node) if scope is not None else None
        if scope is None or full_name is None:
            return None
        head, _, rest = full_name.partition(".")
        bindings = scope.lookup(head) if head in scope else []
        if len(bindings) != 1 or bindings[0][2]:
            return None
        value = self._values.get(id(bindings[0][1]))
        return None if value is None else (value, rest)

    def __call__(self, node: cst.CSTNode) -> set[str]:
        scope = self._scope(node)
        if scope is None:
            return set()
        full_name = get_full_name_for_node(node)
        if full_name is None:
            return set()
        bindings: list[_Binding] = []
        prefix: Optional[str] = full_name
        while prefix:
            if prefix in scope:
                bindings = scope.lookup(prefix)
                break
            prefix = prefix.rpartition(".")[0] or None
        for binding in bindings:
            if binding[0].kind != "builtins" and _is_binding_node(node, binding[1]):
                return _names_of(binding, full_name)
        found: set[str] = set()
        for binding in bindings:
            found |= _names_of(binding, full_name)
        return found


class _Binder:
    """One walk of the module: each queryable node's scope, each scope's bindings."""

    def __init__(self, module: cst.Module) -> None:
        self.scopes: dict[cst.CSTNode, _Scope] = {}
        #: The name, attribute chain or string a lone name target is assigned (``v1 =
        #: tf.compat.v1``, ``_PREDICT = "infer"``), by the target's id.
        self.values: dict[int, cst.BaseExpression] = {}
        self.module_scope = _Scope("module", _Scope("builtins", None))
        self.visit(module, self.module_scope)

    def mark(self, node: cst.CSTNode, scope: _Scope) -> None:
        if isinstance(node, _QUERYABLE):
            self.scopes[node] = scope

    def visit(self, node: cst.CSTNode, scope: _Scope) -> None:
        self.mark(node, scope)
        handler = self._handlers.get(type(node))
        if handler is not None:
            handler(self, node, scope)
        else:
            for child in children(node):
                self.visit(child, scope)

    def _value(self, node: Union[cst.Attribute, cst.Arg], scope: _Scope) -> None:
        self.visit(node.value, scope)  # an attribute's ``attr``, an argument's keyword: no access

    def _lambda(self, node: cst.Lambda, scope: _Scope) -> None:
        inner = _Scope("function", scope)
        self.visit(node.params, inner)
        self.visit(node.body, inner)

    def _param(self, node: cst.Param, scope: _Scope) -> None:
        scope.bind(node.name.value, node)
        self.mark(node.name, scope)
        assert scope.parent is not None
        for part in (node.default, node.annotation):
            if part is not None:
                self.visit(part, scope.parent)

    def _declaration(self, node: Union[cst.Global, cst.Nonlocal], scope: _Scope) -> None:
        declared = self.module_scope if type(node) is cst.Global else scope.parent
        if scope.kind != "module" and declared is not None:
            for item in node.names:
                scope.overwrites[item.name.value] = declared

    def _assignment(
        self, node: Union[cst.Assign, cst.AnnAssign, cst.AugAssign], scope: _Scope
    ) -> None:
        targets: list[cst.CSTNode] = (
            [t.target for t in node.targets] if isinstance(node, cst.Assign) else [node.target]
        )
        if node.value is not None:
            self.visit(node.value, scope)
            alias = type(node) is not cst.AugAssign and len(targets) == 1
            if alias and isinstance(node.value, (cst.Name, cst.Attribute, cst.SimpleString)):
                self.values[id(targets[0])] = node.value  # read for a lone name target only
        if type(node) is cst.AnnAssign:
            self.visit(node.annotation, scope)
        for assigned in targets:
            self.store(assigned, scope)

    def _loop(self, node: Union[cst.For, cst.CompFor], scope: _Scope) -> None:
        self.store(node.target, scope)
        for child in children(node):
            if child is not node.target:
                self.visit(child, scope)

    def _named_expr(self, node: cst.NamedExpr, scope: _Scope) -> None:
        self.visit(node.value, scope)
        self.store(node.target, scope)

    def _with_item(self, node: cst.WithItem, scope: _Scope) -> None:
        self.visit(node.item, scope)
        if node.asname is not None:
            self.store(node.asname.name, scope)

    def _except(self, node: cst.ExceptHandler, scope: _Scope) -> None:
        if node.type is not None:
            self.visit(node.type, scope)
        if node.name is not None:
            self.store(node.name.name, scope)
        self.visit(node.body, scope)

    def store(self, target: cst.CSTNode, scope: _Scope) -> None:
        """An assignment target: names bind, attribute and subscript targets are read."""
        if type(target) is cst.Name:
            self.mark(target, scope)
            scope.bind(target.value, target)
        elif isinstance(target, (cst.Tuple, cst.List)):
            self.mark(target, scope)
            for element in target.elements:
                self.store(element.value, scope)
        elif type(target) is cst.StarredElement:
            self.store(target.value, scope)
        else:
            self.visit(target, scope)

    def imports(self, node: Union[cst.Import, cst.ImportFrom], scope: _Scope) -> None:
        if isinstance(node.names, cst.ImportStar):
            return
        for alias in node.names:
            bound = alias.asname.name if alias.asname is not None else alias.name
            dotted = get_full_name_for_node(bound) or ""
            parts = dotted.split(".")
            for size in range(len(parts), 0, -1):
                scope.bind(".".join(parts[:size]), node, is_import=True)

    def function(self, node: cst.FunctionDef, scope: _Scope) -> None:
        scope.bind(node.name.value, node)
        self.mark(node.name, scope)
        inner = _Scope("function", scope, node.name.value)
        self.visit(node.params, inner)
        self.visit(node.body, inner)
        for decorator in node.decorators:
            self.visit(decorator, scope)
        if node.returns is not None:
            self.visit(node.returns, scope)

    def klass(self, node: cst.ClassDef, scope: _Scope) -> None:
        scope.bind(node.name.value, node)
        self.mark(node.name, scope)
        for part in (*node.decorators, *node.bases, *node.keywords):
            self.visit(part, scope)
        inner = _Scope("class", scope, node.name.value)
        for statement in node.body.body:
            self.visit(statement, inner)

    def comprehension(
        self, node: Union[cst.ListComp, cst.SetComp, cst.DictComp, cst.GeneratorExp], scope: _Scope
    ) -> None:
        for_in = node.for_in
        self.visit(for_in.iter, scope)
        inner = _Scope("comprehension", scope)
        self.store(for_in.target, inner)
        for condition in for_in.ifs:
            self.visit(condition, inner)
        if for_in.inner_for_in is not None:
            self.visit(for_in.inner_for_in, inner)
        if isinstance(node, cst.DictComp):
            self.visit(node.key, inner)
            self.visit(node.value, inner)
        else:
            self.visit(node.elt, inner)

    #: How each node type binds or reads (others: through their children); exact types, as
    #: LibCST's node classes are final.
    _handlers: ClassVar[dict[type[cst.CSTNode], Callable[[_Binder, Any, _Scope], None]]] = {
        cst.Import: imports,
        cst.ImportFrom: imports,
        cst.Attribute: _value,
        cst.Arg: _value,
        cst.FunctionDef: function,
        cst.Lambda: _lambda,
        cst.Param: _param,
        cst.ClassDef: klass,
        cst.Global: _declaration,
        cst.Nonlocal: _declaration,
        cst.ListComp: comprehension,
        cst.SetComp: comprehension,
        cst.DictComp: comprehension,
        cst.GeneratorExp: comprehension,
        cst.Assign: _assignment,
        cst.AnnAssign: _assignment,
        cst.AugAssign: _assignment,
        cst.For: _loop,
        cst.CompFor: _loop,
        cst.NamedExpr: _named_expr,
        cst.WithItem: _with_item,
        cst.ExceptHandler: _except,
    }
