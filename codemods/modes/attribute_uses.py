"""Uses of an object's attributes apart, for the backward pass that finds what each mode uses.

A model_fn written as a method keeps its values on ``self`` (``self.loss = ...``, ``self.auc =
tf.metrics.auc(...)``). Read by name, every later ``self.loss`` would use every earlier store
into ``self``, the metric among them. Here a store of one attribute (``obj.attr = value``,
``setattr(obj, "attr", value)``) is used where ``obj.attr`` is read, or ``obj`` whole: handed on,
a method of it called (a method may read any attribute), or read in a compound statement.
Any other change of ``obj`` is used where any of its attributes is.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping
from typing import Optional

import libcst as cst

from codemods import statements as st
from codemods.vocabulary import Mode

#: A name or an attribute key (``self.auc``) → the modes in which something later uses it.
Needs = Mapping[str, Collection[Mode]]


def store_key(stmt: cst.CSTNode) -> Optional[str]:
    """``"obj.attr"`` of a statement that only stores one attribute of the object ``obj``:
    ``obj.attr = value`` or ``setattr(obj, "attr", value)`` (the value may read other
    attributes of ``obj``)."""
    store = _lone_store(stmt)
    return None if store is None else store[0]


def _lone_store(stmt: cst.CSTNode) -> Optional[tuple[str, cst.Name]]:
    """Of such a store, its key and the name of the object stored into (no read of it)."""
    if not (isinstance(stmt, cst.SimpleStatementLine) and len(stmt.body) == 1):
        return None
    small = stmt.body[0]
    if isinstance(small, cst.Assign) and len(small.targets) == 1:
        target = small.targets[0].target
        if not (isinstance(target, cst.Attribute) and isinstance(target.value, cst.Name)):
            return None
        return f"{target.value.value}.{target.attr.value}", target.value
    call = st.lone_call(stmt)
    stored = st.setattr_store(call) if call is not None else None
    if call is None or stored is None or stored[1] is None:
        return None
    return f"{stored[0]}.{stored[1]}", cst.ensure_type(call.args[0].value, cst.Name)


def split_reads(node: cst.CSTNode, names: Collection[str]) -> set[str]:
    """``names`` (what ``node`` reads) with each one ``node`` reads only as plain attributes
    (``self.loss``, not ``self.build()``) replaced by the keys of those attributes; the object a
    lone attribute store stores into is not read."""
    store = _lone_store(node)
    stored = id(store[1]) if store is not None else None
    whole: set[str] = set()
    keys: set[str] = set()
    for owner, attr in _uses(node, stored):
        if owner in names:
            (whole.add(owner) if attr is None else keys.add(f"{owner}.{attr}"))
    split = {key for key in keys if key.partition(".")[0] not in whole}
    attributed = {key.partition(".")[0] for key in split}
    return {name for name in names if name not in attributed} | split


def wanted(name: str, key: Optional[str], mode: Mode, needs: Needs) -> bool:
    """Whether ``mode`` uses what a statement binds to ``name``: the name read whole, and
    the attribute ``key`` it stores (or, where it changes ``name`` otherwise, any attribute)."""
    if mode in needs.get(name, ()):
        return True
    if key is not None and key.partition(".")[0] == name:
        return mode in needs.get(key, ())
    prefix = name + "."
    return any(mode in modes for k, modes in needs.items() if k.startswith(prefix))


def attribute_keys(name: str, needs: Needs) -> list[str]:
    """The attribute keys of ``name`` in ``needs`` (rebinding ``name`` ends their uses)."""
    prefix = name + "."
    return [k for k in needs if k.startswith(prefix)]


def _uses(node: cst.CSTNode, stored: Optional[int]) -> Iterator[tuple[str, Optional[str]]]:
    """Each read of a name in ``node``: with the attribute read from it, or None (whole)."""
    nodes = [node, *st.own_nodes(node)]
    called = {id(n.func) for n in nodes if isinstance(n, cst.Call)}
    names_of = {id(n.attr) for n in nodes if isinstance(n, cst.Attribute)}
    attribute_of = {
        id(n.value): n.attr.value
        for n in nodes
        if isinstance(n, cst.Attribute) and isinstance(n.value, cst.Name) and id(n) not in called
    }
    for inner in nodes:
        if isinstance(inner, cst.Name) and id(inner) != stored and id(inner) not in names_of:
            yield inner.value, attribute_of.get(id(inner))
