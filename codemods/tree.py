"""A node's children without LibCST's cost.

``CSTNode.children`` rebuilds the node through a collecting visitor on every call (LibCST's own
comment calls it slow); the codemods walk subtrees through it thousands of times per file, and
that was a quarter of the time spent on one. Here the fields a node type visits are recorded once,
in the order its ``_visit_and_replace_children`` visits them (source order), and a node's
children are then read off those fields. ``tests/test_tree.py`` checks, node by node over every
fixture, that the result is exactly ``node.children``.
"""

from __future__ import annotations

from collections.abc import Iterator

import libcst as cst
from libcst import MaybeSentinel

_FIELDS: dict[type[cst.CSTNode], tuple[str, ...]] = {}


class _FieldRecorder(cst.CSTVisitor):
    """Records the attribute names of the root node, in visiting order, without descending."""

    def __init__(self, root: cst.CSTNode) -> None:
        super().__init__()
        self.root = root
        self.fields: list[str] = []

    def on_visit(self, node: cst.CSTNode) -> bool:
        return False

    def on_visit_attribute(self, node: cst.CSTNode, attribute: str) -> None:
        if node is self.root and attribute not in self.fields:
            self.fields.append(attribute)


def _fields(node: cst.CSTNode) -> tuple[str, ...]:
    kind = type(node)
    fields = _FIELDS.get(kind)
    if fields is None:
        recorder = _FieldRecorder(node)
        node._visit_and_replace_children(recorder)
        fields = _FIELDS[kind] = tuple(recorder.fields)
    return fields


def children(node: cst.CSTNode) -> list[cst.CSTNode]:
    """The same nodes, in the same order, as ``node.children``."""
    found: list[cst.CSTNode] = []
    for name in _fields(node):
        value = getattr(node, name)
        kind = value.__class__
        if kind is tuple or kind is list:
            found.extend(value)
        elif value is not None and kind is not MaybeSentinel:
            # A visited field holds a node, a sequence of nodes, None or MaybeSentinel. Not an
            # isinstance() test against CSTNode: that is an ABC, and the check was the cost.
            found.append(value)
    return found


def walk(node: cst.CSTNode) -> Iterator[cst.CSTNode]:
    """``node`` and every node under it, parents before children, in source order."""
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        stack.extend(reversed(children(current)))
