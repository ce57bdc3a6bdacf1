"""A ``for`` loop as one mode runs it: what the names it binds carry in its body, and, over a
display the model_fn built, which passes a test in the body lets through.

``for key, x in {"inputs": features, "labels": labels}.items():`` runs its body once with the
features and once with the labels; in PREDICT the labels are None, so under ``if x is not None:``
(or after ``if x is None: continue``) ``x`` and ``d[key]`` are the features alone. A loop over
anything else gives its names what the iterable carries.
"""

from __future__ import annotations

from typing import Optional

import libcst as cst

from codemods import statements as st
from codemods.modes import attributes
from codemods.modes.calls import Calls
from codemods.modes.context import Context
from codemods.modes.evaluate import NOT_NONE, UNKNOWN, Const, Value, present, truth
from codemods.modes.state import Facts, Loop, Row
from codemods.vocabulary import Tag

#: Element name suffix: never a name the code itself can hold (it is not written anywhere).
_ELEMENT = "__element_of__"


def enter(ctx: Context, calls: Calls, stmt: cst.For, facts: Facts) -> None:
    """Bind, in ``facts``, what the loop's names hold at the top of its body."""
    passes = _passes(stmt, facts)
    names = _target_names(stmt.target)
    if passes is None or names is None or any(len(p) != len(names) for p in passes):
        carry(calls, stmt, facts)
        return
    rows: list[Row] = []
    for exprs in passes:
        values = ctx.evaluator(facts.values)
        rows.append({n: (values.eval(e), _carried(calls, e, facts)) for n, e in zip(names, exprs)})
    facts.forget(frozenset(names), frozenset())
    element = _element_of(stmt)
    if element is not None:  # ``d[key]`` is ``x`` until either changes
        container, key, value = element
        alias = container + _ELEMENT + key
        facts.items[(container, key)] = alias
        rows = [{**row, alias: row[value]} for row in rows]
    loop = Loop(set(rows[0]) if rows else set(names), rows)
    facts.loops.append(loop)
    _settle(loop, facts)


def carry(calls: Calls, stmt: cst.For, facts: Facts) -> None:
    """Give the loop's names what its iterable carries (in its body, or in its ``else`` after
    the last pass)."""
    carried = _carried(calls, stmt.iter, facts)
    targets = frozenset(st.bound_names(stmt.target))
    facts.forget(targets, frozenset())
    keys = _keys_of(stmt)
    for name in targets:
        facts.tags[name] = frozenset() if name in keys else carried
        facts.values[name] = UNKNOWN


def _keys_of(stmt: cst.For) -> frozenset[str]:
    """The names a loop over a mapping binds to its keys (``key`` of ``for key, value in
    labels.items():``, of ``for key in labels.keys():``): Python keys (task or feature names),
    none of what the values carry."""
    call = stmt.iter
    if not (
        isinstance(call, cst.Call)
        and not call.args
        and isinstance(call.func, cst.Attribute)
        and call.func.attr.value in ("items", "keys")
    ):
        return frozenset()
    target = stmt.target
    if call.func.attr.value == "keys":
        return frozenset({target.value}) if isinstance(target, cst.Name) else frozenset()
    if isinstance(target, (cst.Tuple, cst.List)) and len(target.elements) == 2:
        key = target.elements[0].value
        return frozenset({key.value}) if isinstance(key, cst.Name) else frozenset()
    return frozenset()


def narrow(ctx: Context, test: cst.BaseExpression, outcome: bool, facts: Facts) -> None:
    """Where ``test`` came out ``outcome``: keep the passes of each loop that can get there."""
    read = st.reads(test)
    for loop in facts.loops:
        if not read & loop.names:
            continue
        kept = []
        for row in loop.rows:
            env = {**facts.values, **{name: row[name][0] for name in loop.names}}
            value = truth(ctx.evaluator(env).eval(test))
            if value is None or value == outcome:
                kept.append(row)
        loop.rows = kept
        _settle(loop, facts)


def _settle(loop: Loop, facts: Facts) -> None:
    for name in loop.names:
        tags: frozenset[Tag] = frozenset().union(*(row[name][1] for row in loop.rows))
        facts.tags[name] = tags
        facts.values[name] = _join([row[name][0] for row in loop.rows])


def _join(values: list[Value]) -> Value:
    """What a name holds when any of ``values`` may be the one."""
    if not values:
        return UNKNOWN
    first = values[0]
    if isinstance(first, Const) and all(isinstance(v, Const) for v in values):
        same = all(v == first for v in values)
        return first if same else UNKNOWN
    if all(present(v) for v in values):
        return first if all(v is first for v in values) else NOT_NONE
    return UNKNOWN


def _carried(calls: Calls, expr: cst.BaseExpression, facts: Facts) -> frozenset[Tag]:
    """What ``expr`` carries: what its calls build and what the names it reads hold (of an
    object holding labels only in attributes, ``self.features.items()`` reads none)."""
    tags = set(calls.facts(expr, facts).tags)
    for name in st.value_reads(expr):
        tags |= facts.tags.get(name, frozenset()) - attributes.kept_in_attributes(
            calls.ctx.fn, facts.tags, facts.instances, expr, name
        )
    return frozenset(tags)


def _target_names(target: cst.BaseExpression) -> Optional[list[str]]:
    """``x`` or ``k, v`` (names only)."""
    if type(target) is cst.Name:
        return [target.value]
    if isinstance(target, (cst.Tuple, cst.List)):
        names = [el.value.value for el in target.elements if type(el.value) is cst.Name]
        return names if len(names) == len(target.elements) else None
    return None


def _passes(stmt: cst.For, facts: Facts) -> Optional[list[list[cst.BaseExpression]]]:
    """What the loop's names get on each pass, when the iterable is a display (or a name bound
    to one): its elements, ``d.items()`` pairs or ``d.values()``."""
    iterable = stmt.iter
    method = None
    if (
        type(iterable) is cst.Call
        and type(iterable.func) is cst.Attribute
        and not iterable.args
    ):
        method, iterable = iterable.func.attr.value, iterable.func.value
    display = facts.displays.get(iterable.value) if type(iterable) is cst.Name else iterable
    if type(display) is cst.Dict and method in ("items", "values"):
        pairs = [el for el in display.elements if type(el) is cst.DictElement]
        if len(pairs) != len(display.elements):
            return None
        if method == "items":
            return [[el.key, el.value] for el in pairs]
        return [[el.value] for el in pairs]
    if type(display) in (cst.List, cst.Tuple) and method is None:
        assert isinstance(display, (cst.List, cst.Tuple))
        elements = [el for el in display.elements if type(el) is cst.Element]
        if len(elements) != len(display.elements):
            return None
        return [[el.value] for el in elements]
    return None


def _element_of(stmt: cst.For) -> Optional[tuple[str, str, str]]:
    """(d, k, v) for ``for k, v in d.items()`` with ``d`` a name."""
    iterable, target = stmt.iter, stmt.target
    if not (
        type(iterable) is cst.Call
        and type(iterable.func) is cst.Attribute
        and iterable.func.attr.value == "items"
        and type(iterable.func.value) is cst.Name
    ):
        return None
    names = _target_names(target)
    if names is None or len(names) != 2:
        return None
    return iterable.func.value.value, names[0], names[1]
