"""Syntactic facts about one statement: the names it reads and defines, and the calls it makes."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any, Optional

import libcst as cst

from codemods.tree import children

#: Methods that mutate their receiver: ``hooks.append(h)`` (re)defines ``hooks``.
MUTATING_METHODS = frozenset(
    {"append", "extend", "update", "insert", "add", "setdefault", "pop", "remove", "clear"}
)


def code_of(node: cst.CSTNode) -> str:
    """The source text of ``node`` alone."""
    return _EMPTY.code_for_node(node)


_EMPTY = cst.Module([])


def reads(node: cst.CSTNode) -> set[str]:
    out: set[str] = set()
    _reads(node, out)
    return out


class _DropArgs(cst.CSTTransformer):
    def __init__(self, dropped: frozenset[int], blanked: frozenset[int] = frozenset()) -> None:
        super().__init__()
        self.dropped = dropped
        self.blanked = blanked

    def leave_Arg(
        self, original_node: cst.Arg, updated_node: cst.Arg
    ) -> cst.Arg | cst.RemovalSentinel:
        return cst.RemoveFromParent() if id(original_node) in self.dropped else updated_node

    def leave_Name(self, original_node: cst.Name, updated_node: cst.Name) -> cst.Name:
        return cst.Name("None") if id(original_node) in self.blanked else updated_node


def reads_without(
    node: cst.CSTNode, dropped: list[cst.Arg], blanked: Sequence[cst.Name] = ()
) -> set[str]:
    """The names ``node`` reads outside the call arguments ``dropped`` and the name nodes
    ``blanked``."""
    if not dropped and not blanked:
        return reads(node)
    kept = without_args(node, dropped, blanked)
    return reads(kept) if kept is not None else set()


def without_args(
    node: cst.CSTNode, dropped: Sequence[cst.Arg], blanked: Sequence[cst.Name] = ()
) -> Optional[cst.CSTNode]:
    """``node`` with the call arguments ``dropped`` left out and the names ``blanked`` None."""
    kept = node.visit(_drop(dropped, blanked))
    return kept if isinstance(kept, cst.CSTNode) else None


def _drop(dropped: Sequence[cst.Arg], blanked: Sequence[cst.Name]) -> _DropArgs:
    return _DropArgs(frozenset(map(id, dropped)), frozenset(map(id, blanked)))


def is_none_test(node: cst.CSTNode) -> bool:
    """``x is None``, ``x is not None``, ``x == None`` or ``x != None`` (either way round), or a
    type test of a name, ``isinstance(x, dict)`` (False for None; it fails on nothing)."""
    if (
        type(node) is cst.Call
        and type(node.func) is cst.Name
        and node.func.value == "isinstance"
        and len(node.args) == 2
        and type(node.args[0].value) is cst.Name
        and not node.args[0].star
    ):
        return True
    if type(node) is not cst.Comparison or len(node.comparisons) != 1:
        return False
    target = node.comparisons[0]
    if not isinstance(target.operator, (cst.Is, cst.IsNot, cst.Equal, cst.NotEqual)):
        return False
    sides = (node.left, target.comparator)
    if any(type(n) is cst.NamedExpr for side in sides for n in (side, *own_nodes(side))):
        return False  # ``(t := labels) is None`` binds what it tests
    return any(type(side) is cst.Name and side.value == "None" for side in sides)


class _NoNoneTests(cst.CSTTransformer):
    def leave_Comparison(
        self, original_node: cst.Comparison, updated_node: cst.Comparison
    ) -> cst.BaseExpression:
        return cst.Name("None") if is_none_test(original_node) else updated_node

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        return cst.Name("None") if is_none_test(original_node) else updated_node


def value_reads(
    node: cst.CSTNode, dropped: Sequence[cst.Arg] = (), blanked: Sequence[cst.Name] = ()
) -> set[str]:
    """The names whose values ``node`` uses, outside the call arguments ``dropped`` and the
    name nodes ``blanked``: a name only tested against None (``labels is not None``) is not
    used (None or not, it computes nothing)."""
    if not is_none_test(node) and not any(is_none_test(n) for n in own_nodes(node)):
        return reads_without(node, list(dropped), blanked)
    kept = node.visit(_drop(dropped, blanked))
    if not isinstance(kept, cst.CSTNode):
        return set()
    tested = kept.visit(_NoNoneTests())
    return reads(tested) if isinstance(tested, cst.CSTNode) else set()


def _reads(node: cst.CSTNode, out: set[str]) -> None:
    handler = _READS.get(type(node))
    if handler is not None:
        handler(node, out)
    else:
        for child in children(node):
            _reads(child, out)


def _name_reads(node: cst.Name, out: set[str]) -> None:
    out.add(node.value)


def _value_reads(node: cst.Attribute | cst.Arg, out: set[str]) -> None:
    _reads(node.value, out)


def _assign_reads(node: cst.Assign, out: set[str]) -> None:
    _reads(node.value, out)
    for target in node.targets:
        _target_reads(target.target, out)


def _ann_assign_reads(node: cst.AnnAssign, out: set[str]) -> None:
    if node.value is not None:
        _reads(node.value, out)
    _target_reads(node.target, out)


def _aug_assign_reads(node: cst.AugAssign, out: set[str]) -> None:
    _reads(node.value, out)
    _reads(node.target, out)


def _for_reads(node: cst.For, out: set[str]) -> None:
    _reads(node.iter, out)
    _target_reads(node.target, out)
    _reads(node.body, out)
    if node.orelse is not None:
        _reads(node.orelse, out)


def _with_item_reads(node: cst.WithItem, out: set[str]) -> None:
    _reads(node.item, out)
    if node.asname is not None:
        _target_reads(node.asname.name, out)


def _no_reads(node: cst.CSTNode, out: set[str]) -> None:
    return


def _comp_for_reads(node: cst.CompFor, out: set[str]) -> None:
    _reads(node.iter, out)
    for cond in node.ifs:
        _reads(cond, out)
    if node.inner_for_in is not None:
        _reads(node.inner_for_in, out)


def _param_reads(node: cst.Param, out: set[str]) -> None:
    if node.default is not None:
        _reads(node.default, out)


def _def_reads(node: cst.FunctionDef, out: set[str]) -> None:
    # A nested def reads (at call time) the free names of its body, less its parameters (a
    # name bound in the body and read there is still counted: over-approximate).
    for child in (node.params, *node.decorators):
        _reads(child, out)
    out |= reads(node.body) - parameter_names(node.params)


def _lambda_reads(node: cst.Lambda, out: set[str]) -> None:
    """``lambda labels: tf.one_hot(labels, n)`` reads ``n``, not the ``labels`` around it."""
    _reads(node.params, out)
    out |= reads(node.body) - parameter_names(node.params)


def parameter_names(params: cst.Parameters) -> set[str]:
    """Every name a ``def`` or ``lambda`` binds as a parameter, ``*args`` and ``**kwargs``
    included."""
    every = [*params.posonly_params, *params.params, *params.kwonly_params]
    every += [p for p in (params.star_arg, params.star_kwarg) if isinstance(p, cst.Param)]
    return {p.name.value for p in every}


def _comprehension_reads(
    node: cst.ListComp | cst.SetComp | cst.GeneratorExp | cst.DictComp, out: set[str]
) -> None:
    """The first loop's iterable, and what the rest reads less the names the loops bind
    (``[labels for labels in batches]`` does not read the ``labels`` around it)."""
    _reads(node.for_in.iter, out)
    comp: Optional[cst.CompFor] = node.for_in
    inner: set[str] = set()
    bound: set[str] = set()
    while comp is not None:
        bound |= bound_names(comp.target)
        for cond in comp.ifs:
            _reads(cond, inner)
        if comp.inner_for_in is not None:
            _reads(comp.inner_for_in.iter, inner)
        comp = comp.inner_for_in
    parts = (node.key, node.value) if isinstance(node, cst.DictComp) else (node.elt,)
    for part in parts:
        _reads(part, inner)
    out |= inner - bound


#: How each node type reads names (others: through their children). Keyed by exact type: the
#: walk is hot, and LibCST's node classes are final.
_READS: dict[type[cst.CSTNode], Callable[[Any, set[str]], None]] = {
    cst.Name: _name_reads,
    cst.Attribute: _value_reads,
    cst.Arg: _value_reads,
    cst.Assign: _assign_reads,
    cst.AnnAssign: _ann_assign_reads,
    cst.AugAssign: _aug_assign_reads,
    cst.For: _for_reads,
    cst.WithItem: _with_item_reads,
    cst.Import: _no_reads,
    cst.ImportFrom: _no_reads,
    cst.CompFor: _comp_for_reads,
    cst.Param: _param_reads,
    cst.FunctionDef: _def_reads,
    cst.Lambda: _lambda_reads,
    cst.ListComp: _comprehension_reads,
    cst.SetComp: _comprehension_reads,
    cst.GeneratorExp: _comprehension_reads,
    cst.DictComp: _comprehension_reads,
}


def _target_reads(target: cst.BaseExpression, out: set[str]) -> None:
    if type(target) is cst.Subscript:
        _reads(target.value, out)
        for index in target.slice:
            _reads(index, out)
    elif type(target) is cst.Attribute:
        _reads(target.value, out)
    elif isinstance(target, (cst.Tuple, cst.List)):
        for element in target.elements:
            _target_reads(element.value, out)
    elif type(target) is cst.StarredElement:
        _target_reads(target.value, out)


def defines(node: cst.CSTNode) -> set[str]:
    out: set[str] = set()
    _defines(node, out)
    return out


def _defines(node: cst.CSTNode, out: set[str]) -> None:
    handler = _DEFINES.get(type(node))
    if handler is not None:
        handler(node, out)
    else:
        for child in children(node):
            _defines(child, out)


def _assign_defs(node: cst.Assign, out: set[str]) -> None:
    for target in node.targets:
        _target_defs(target.target, out)


def _augmented_defs(node: cst.AnnAssign | cst.AugAssign, out: set[str]) -> None:
    _target_defs(node.target, out)


def _for_defs(node: cst.For, out: set[str]) -> None:
    _target_defs(node.target, out)
    _defines(node.body, out)
    if node.orelse is not None:
        _defines(node.orelse, out)


def _with_item_defs(node: cst.WithItem, out: set[str]) -> None:
    if node.asname is not None:
        _target_defs(node.asname.name, out)


def _import_defs(node: cst.Import, out: set[str]) -> None:
    for alias in node.names:
        if alias.asname is not None and type(alias.asname.name) is cst.Name:
            out.add(alias.asname.name.value)
        else:
            out.add(cst.Module([]).code_for_node(alias.name).split(".")[0])


def _import_from_defs(node: cst.ImportFrom, out: set[str]) -> None:
    if isinstance(node.names, cst.ImportStar):
        return
    for alias in node.names:
        if alias.asname is not None and type(alias.asname.name) is cst.Name:
            out.add(alias.asname.name.value)
        elif type(alias.name) is cst.Name:
            out.add(alias.name.value)


def _named_defs(node: cst.FunctionDef | cst.ClassDef, out: set[str]) -> None:
    out.add(node.name.value)


def _expr_defs(node: cst.Expr, out: set[str]) -> None:
    receiver = _mutated_receiver(node.value)
    if receiver is not None:
        out.add(receiver)


def _no_defs(node: cst.CSTNode, out: set[str]) -> None:
    return


#: How each node type binds names (others: through their children); keyed by exact type.
_DEFINES: dict[type[cst.CSTNode], Callable[[Any, set[str]], None]] = {
    cst.Assign: _assign_defs,
    cst.AnnAssign: _augmented_defs,
    cst.AugAssign: _augmented_defs,
    cst.For: _for_defs,
    cst.WithItem: _with_item_defs,
    cst.Import: _import_defs,
    cst.ImportFrom: _import_from_defs,
    cst.FunctionDef: _named_defs,
    cst.ClassDef: _named_defs,
    cst.Expr: _expr_defs,
    cst.Lambda: _no_defs,
}


def setattr_store(
    value: cst.BaseExpression,
) -> Optional[tuple[str, Optional[str], cst.BaseExpression]]:
    """``setattr(obj, key, value)``: the object's name, the key where it is a literal string
    (None where the code computes it), and the value stored."""
    if not (type(value) is cst.Call and type(value.func) is cst.Name):
        return None
    args = value.args
    if value.func.value != "setattr" or len(args) != 3 or any(a.keyword or a.star for a in args):
        return None
    if type(args[0].value) is not cst.Name:
        return None
    key = args[1].value
    literal = key.evaluated_value if isinstance(key, cst.SimpleString) else None
    return args[0].value.value, literal if isinstance(literal, str) else None, args[2].value


def _mutated_receiver(value: cst.BaseExpression) -> str | None:
    """``l`` of ``l.append(x)``, and of ``l[k].append(x)`` or ``l.setdefault(k, []).append(x)``
    (an element of ``l`` changed in place); ``obj`` of ``setattr(obj, key, value)``."""
    stored = setattr_store(value)
    if stored is not None:
        return stored[0]
    if type(value) is cst.Call and type(value.func) is cst.Attribute:
        base = value.func.value
        if value.func.attr.value not in MUTATING_METHODS:
            return None
        if type(base) is cst.Subscript:
            base = base.value
        elif (
            type(base) is cst.Call
            and type(base.func) is cst.Attribute
            and base.func.attr.value == "setdefault"
        ):
            base = base.func.value
        if type(base) is cst.Name:
            return base.value
    return None


def _target_defs(target: cst.BaseExpression, out: set[str]) -> None:
    if type(target) is cst.Name:
        out.add(target.value)
    elif isinstance(target, (cst.Subscript, cst.Attribute)):
        base = target.value
        while isinstance(base, (cst.Subscript, cst.Attribute)):
            base = base.value
        if type(base) is cst.Name:
            out.add(base.value)
    elif isinstance(target, (cst.Tuple, cst.List)):
        for element in target.elements:
            _target_defs(element.value, out)
    elif type(target) is cst.StarredElement:
        _target_defs(target.value, out)


def only_stored_into(node: cst.CSTNode) -> set[str]:
    """The names ``node`` only stores into (``self.loss = loss``, ``outputs["p"] = p``) and never
    binds itself: an object from outside (a closure's ``self``), there before ``node`` runs."""
    stored: set[str] = set()
    named: set[str] = set()
    for inner in own_nodes(node):
        targets: list[cst.BaseExpression]
        if isinstance(inner, cst.Assign):
            targets = [target.target for target in inner.targets]
        elif isinstance(inner, (cst.AugAssign, cst.AnnAssign, cst.For, cst.NamedExpr)):
            targets = [inner.target]
        elif isinstance(inner, cst.AsName):
            targets = [inner.name]
        else:
            continue
        for target in targets:
            defined: set[str] = set()
            _target_defs(target, defined)
            named |= bound_names(target)
            stored |= defined - bound_names(target)
    return stored - named


#: Methods that store their arguments into the object they are called on (``l.append(x)``).
STORING_METHODS = frozenset({"append", "extend", "update", "insert", "add"})


def lone_call(stmt: cst.CSTNode) -> Optional[cst.Call]:
    """The call of ``f(...)`` alone in a statement line."""
    if not (isinstance(stmt, cst.SimpleStatementLine) and len(stmt.body) == 1):
        return None
    small = stmt.body[0]
    if isinstance(small, cst.Expr) and isinstance(small.value, cst.Call):
        return small.value
    return None


def leaf_name(node: cst.BaseExpression) -> str:
    """``b`` of ``a.b`` and of ``b``; "" for anything else (a call, a subscript)."""
    if isinstance(node, cst.Attribute):
        return node.attr.value
    return node.value if isinstance(node, cst.Name) else ""


def root_name(node: cst.BaseExpression) -> str:
    """``a`` of ``a.b(c).d[0]``; "" when the root is not a name."""
    root = root_node(node)
    return "" if root is None else root.value


def root_node(node: cst.BaseExpression) -> Optional[cst.Name]:
    """The name node ``a`` of ``a.b(c).d[0]``; None when the root is not a name."""
    while isinstance(node, (cst.Attribute, cst.Subscript, cst.Call)):
        node = node.func if isinstance(node, cst.Call) else node.value
    return node if isinstance(node, cst.Name) else None


def calls(node: cst.CSTNode, live: bool = False) -> Iterator[cst.Call]:
    """Calls made by the statement itself (not inside nested defs or lambdas); ``live``: less
    those of a branch a literal test never takes (``live_calls``)."""
    stack = [node]
    while stack:
        current = stack.pop()
        if type(current) is cst.Call:
            yield current
        if isinstance(current, (cst.FunctionDef, cst.ClassDef, cst.Lambda)) and current is not node:
            continue
        taken = _taken(current) if live else None
        stack.extend(children(current) if taken is None else taken)


#: Literal tests whose truth never changes: ``if False:`` holds code switched off by hand.
_LITERAL_TRUTH = {"True": True, "False": False, "None": False}


def _literal_truth(test: cst.BaseExpression) -> Optional[bool]:
    if isinstance(test, cst.Name):
        return _LITERAL_TRUTH.get(test.value)
    if isinstance(test, cst.Integer):
        return test.evaluated_value != 0
    return None


def _taken(node: cst.CSTNode) -> Optional[list[cst.CSTNode]]:
    """What of an ``if`` or ``while`` with a literal test runs: its test and the block the test
    takes (a ``while``'s ``else`` too); None for any other node."""
    if not isinstance(node, (cst.If, cst.While)):
        return None
    truth = _literal_truth(node.test)
    if truth is None:
        return None
    taken: list[cst.CSTNode] = [node.test]
    block = node.body if truth else node.orelse
    if block is not None:
        taken.append(block)
    if isinstance(node, cst.While) and node.orelse is not None and truth:
        taken.append(node.orelse)
    return taken


def live_calls(node: cst.CSTNode) -> Iterator[cst.Call]:
    """``calls``, less those of a branch a literal test never takes (``if False:`` around
    summaries switched off, the ``else`` of ``if True:``, the body of ``while False:``)."""
    return calls(node, live=True)


def own_nodes(node: cst.CSTNode) -> Iterator[cst.CSTNode]:
    """Every node under ``node`` except inside nested functions, classes and lambdas."""
    stack = list(children(node))
    while stack:
        current = stack.pop()
        yield current
        if not isinstance(current, (cst.FunctionDef, cst.ClassDef, cst.Lambda)):
            stack.extend(children(current))


def returned_values(function: cst.FunctionDef) -> list[Optional[cst.BaseExpression]]:
    """The value of each ``return`` of ``function`` itself (None for a bare ``return``), not of
    the functions, classes and lambdas nested in it."""
    return [node.value for node in own_nodes(function.body) if isinstance(node, cst.Return)]


def own_nodes_in_order(node: cst.CSTNode) -> Iterator[cst.CSTNode]:
    """``own_nodes`` in source order."""
    for child in children(node):
        yield child
        if not isinstance(child, (cst.FunctionDef, cst.ClassDef, cst.Lambda)):
            yield from own_nodes_in_order(child)


def always_exits(body: cst.BaseSuite | cst.BaseStatement) -> bool:
    """True when control never falls off the end (last statement returns or raises)."""
    if type(body) is cst.SimpleStatementSuite:
        return any(isinstance(s, (cst.Return, cst.Raise)) for s in body.body)
    if type(body) is cst.IndentedBlock:
        return bool(body.body) and always_exits(body.body[-1])
    if type(body) is cst.SimpleStatementLine:
        return any(isinstance(s, (cst.Return, cst.Raise)) for s in body.body)
    if type(body) is cst.If:
        if body.orelse is None:
            return False
        orelse = body.orelse
        rest: cst.BaseSuite | cst.BaseStatement
        rest = orelse if type(orelse) is cst.If else orelse.body
        return always_exits(body.body) and always_exits(rest)
    return False


def rebinds(node: cst.CSTNode) -> set[str]:
    """The names ``node`` binds anew (``x = ...``, ``for x in``, ``import x``, ``def x``), as
    opposed to those it changes in place (``x.attr = ...``, ``x[k] = ...``, ``x.append(...)``)."""
    found: set[str] = set()
    for child in (node, *own_nodes(node)):
        targets: list[cst.BaseExpression] = []
        if type(child) is cst.Assign:
            targets = [t.target for t in child.targets]
        elif isinstance(child, (cst.AnnAssign, cst.AugAssign, cst.For)):
            targets = [child.target]
        for target in targets:
            found |= bound_names(target)
        if type(child) in (cst.Import, cst.ImportFrom, cst.FunctionDef, cst.ClassDef):
            found |= defines(child)
    return found


def bound_names(target: cst.BaseExpression) -> set[str]:
    """The names an assignment or loop target binds (``x``, ``a, (b, *c)``)."""
    if type(target) is cst.Name:
        return {target.value}
    if isinstance(target, (cst.Tuple, cst.List)):
        return set().union(*(bound_names(el.value) for el in target.elements))
    if type(target) is cst.StarredElement:
        return bound_names(target.value)
    return set()


def inner_suites(stmt: cst.BaseStatement) -> list[cst.BaseSuite]:
    """The blocks of statements a compound statement holds (each branch, body, handler)."""
    suites: list[cst.BaseSuite] = []
    node: Optional[cst.CSTNode] = stmt
    while isinstance(node, (cst.If, cst.Else, cst.For, cst.While, cst.With, cst.Try)):
        suites.append(node.body)
        if isinstance(node, cst.Try):
            suites.extend(handler.body for handler in node.handlers)
            suites.extend(part.body for part in (node.orelse, node.finalbody) if part)
            break
        node = getattr(node, "orelse", None)
    return suites


def if_chain(stmt: cst.If) -> list[tuple[Optional[cst.BaseExpression], cst.BaseSuite]]:
    """An ``if``/``elif``/``else`` chain as (test, block) pairs; the ``else`` block's test is
    None."""
    chain: list[tuple[Optional[cst.BaseExpression], cst.BaseSuite]] = []
    node: Optional[cst.If | cst.Else] = stmt
    while isinstance(node, cst.If):
        chain.append((node.test, node.body))
        node = node.orelse
    if node is not None:
        chain.append((None, node.body))
    return chain


def headers(stmt: cst.BaseStatement) -> list[cst.CSTNode]:
    """What a compound statement evaluates itself, outside its blocks: the tests of an ``if``
    chain or a ``while``, a ``for``'s target and iterable, a ``with``'s items, the types of a
    ``try``'s handlers."""
    found: list[cst.CSTNode] = []
    node: Optional[cst.CSTNode] = stmt
    while isinstance(node, (cst.If, cst.While)):
        found.append(node.test)
        node = node.orelse
    if isinstance(stmt, cst.For):
        found += [stmt.target, stmt.iter]
    elif isinstance(stmt, cst.With):
        found += list(stmt.items)
    elif isinstance(stmt, cst.Try):
        found += [h.type for h in stmt.handlers if h.type is not None]
    return found


def statements_of(suite: cst.BaseSuite) -> list[cst.BaseStatement]:
    if type(suite) is cst.IndentedBlock:
        return list(suite.body)
    return []
