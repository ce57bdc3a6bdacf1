"""Labels an object holds in its attributes (``self.labels = labels``), apart from the object.

Storing the labels on an object gives the object their tag: a later use of the object may read
them. Where the object got them only by such stores, the attributes holding them are known:
what an attribute holds is kept under ``"obj.attr"``, what the stores brought under ``"obj."``,
and what reached the object any other way (binding it, ``obj.update(labels)``, a method storing
into it) under ``"obj!"``. A method of the file's own class called on the object then computes
from the labels only if its body, under this mode's values of its arguments, may read such an
attribute, itself or through another method of the object (``self._set_params(params)`` after
``self.labels = labels`` computes nothing from them; ``self._add_train_layer(mode)``, reading
``self.labels`` under ``if mode != PREDICT:``, computes nothing from them in PREDICT).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Optional

import libcst as cst

from codemods import statements as st
from codemods.model_fns import ModelFn
from codemods.modes.evaluate import ModeEvaluator
from codemods.modes.reach import class_methods, may_reach
from codemods.vocabulary import Tag

Tags = dict[str, frozenset[Tag]]

#: Key suffixes: what the object's attribute stores brought it, and what reached it otherwise.
STORED = "."
OTHER = "!"
#: How deep calls of the object's own methods are followed.
DEPTH = 3


def record(
    tags: Tags,
    name: str,
    carried: frozenset[Tag],
    stored: Optional[str],
    rebound: bool,
) -> None:
    """What a statement gave the object ``name`` (``carried``): by storing into its attribute
    ``stored`` (``name.stored = value``), by binding it anew (``rebound``), or otherwise."""
    if stored is not None:
        tags[f"{name}.{stored}"] = carried
        tags[name + STORED] = tags.get(name + STORED, frozenset()) | carried
    elif rebound:
        for key in [k for k in tags if k.startswith(name + STORED)]:
            del tags[key]
        tags[name + OTHER] = carried
    else:
        tags[name + OTHER] = tags.get(name + OTHER, frozenset()) | carried


def stored_attribute(key: Optional[str]) -> Optional[tuple[str, str]]:
    """``("self", "labels")`` for the key ``self.labels`` of an attribute store."""
    if key is None or key.count(".") != 1:
        return None
    name, attribute = key.split(".")
    return name, attribute


def labelled_attributes(tags: Mapping[str, frozenset[Tag]], name: str) -> Optional[set[str]]:
    """The attributes of ``name`` that hold labels, where the object holds labels only in
    them; None where it holds none, or got them some other way."""
    if Tag.LABEL not in tags.get(name, frozenset()) or Tag.LABEL in tags.get(
        name + OTHER, frozenset()
    ):
        return None
    if Tag.LABEL not in tags.get(name + STORED, frozenset()):
        return None
    prefix = name + STORED
    return {
        key[len(prefix) :]
        for key, held in tags.items()
        if key.startswith(prefix) and len(key) > len(prefix) and Tag.LABEL in held
    }


def may_read(
    method: cst.FunctionDef,
    attributes: set[str],
    methods: Mapping[str, cst.FunctionDef],
    given: ModeEvaluator,
    unknown: ModeEvaluator,
    depth: int = 0,
) -> bool:
    """Whether ``method`` (of the object's class; ``methods``: the class's others) may read
    one of the object's ``attributes`` where ``given`` (its arguments' values) lets control
    go: itself, through a method it calls on the object (read with ``unknown`` values), or by
    handing the object whole to other code."""
    params = method.params.params
    if not params:
        return True
    me = params[0].name.value

    def hit(node: cst.CSTNode) -> bool:
        nodes = [node, *st.own_nodes(node)]
        read_from = _attributes_read_from(nodes)
        for inner in nodes:
            if _is(inner, me) and id(inner) not in read_from:
                return True  # the object itself, handed on or read whole
            if not (isinstance(inner, cst.Attribute) and _is(inner.value, me)):
                continue
            name = inner.attr.value
            if name in attributes:
                return True
            called = methods.get(name)
            if called is None or called is method:
                continue
            if depth >= DEPTH or may_read(called, attributes, methods, unknown, unknown, depth + 1):
                return True
        return False

    return may_reach(method.body, given, hit)


def methods_of(
    fn: ModelFn, instances: Mapping[str, str], name: str
) -> dict[str, cst.FunctionDef]:
    """The methods of the object ``name``: of the module's class it was made from in this
    mode (``instances``), else of the class the model_fn is defined in (``self``)."""
    owner = fn.classes.get(instances.get(name, ""))
    if owner is None:
        return class_methods(fn)
    return {m.name.value: m for m in st.statements_of(owner.body) if type(m) is cst.FunctionDef}


def _is(node: cst.CSTNode, name: str) -> bool:
    return isinstance(node, cst.Name) and node.value == name


def _attributes_read_from(nodes: list[cst.CSTNode]) -> dict[int, cst.Attribute]:
    """By the id of the object it is read from (``self`` of ``self.x``), each attribute read."""
    return {id(n.value): n for n in nodes if isinstance(n, cst.Attribute)}


def kept_in_attributes(
    fn: ModelFn,
    tags: Mapping[str, frozenset[Tag]],
    instances: Mapping[str, str],
    node: cst.CSTNode,
    name: str,
) -> frozenset[Tag]:
    """The tags of the object ``name`` that ``node`` does not read: its labels, where it holds
    them only in attributes ``node`` does not read (``self.logits`` after ``self.labels =
    labels``)."""
    labelled = labelled_attributes(tags, name)
    if labelled is None:
        return frozenset()
    if reads_no_labelled(node, name, labelled, methods_of(fn, instances, name)):
        return frozenset({Tag.LABEL})
    return frozenset()


def _stored_into_by_setattr(nodes: list[cst.CSTNode]) -> set[int]:
    """The ids of the objects ``setattr(obj, key, value)`` stores into: no read of them."""
    found = set()
    for inner in nodes:
        if isinstance(inner, cst.Call) and st.setattr_store(inner) is not None:
            found.add(id(inner.args[0].value))
    return found


def reads_no_labelled(
    node: cst.CSTNode, name: str, attributes: set[str], methods: Collection[str]
) -> bool:
    """Whether ``node`` reads the object ``name`` only as ``name.attr`` for attributes that
    hold no labels and are not the class's methods (a property may compute from them)."""
    nodes = [node, *st.own_nodes(node)]
    read_from = _attributes_read_from(nodes)
    stored = _stored_into_by_setattr(nodes)
    for inner in nodes:
        if not _is(inner, name) or id(inner) in stored:
            continue
        owner = read_from.get(id(inner))
        if owner is None or owner.attr.value in attributes or owner.attr.value in methods:
            return False
    return True
