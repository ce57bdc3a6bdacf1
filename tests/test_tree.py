"""``codemods.tree.children`` is exactly LibCST's ``node.children``, node by node."""

from __future__ import annotations

from pathlib import Path

import libcst as cst
import pytest

from codemods.tree import children, walk
from tests.fixture_files import PYTHON_FIXTURES, ROOT, file_id, parse_or_skip

SOURCES = PYTHON_FIXTURES + sorted((ROOT / "codemods").glob("*.py"))


@pytest.mark.parametrize("path", SOURCES, ids=file_id)
def test_children_match_libcst_on_every_node(path: Path) -> None:
    module = parse_or_skip(path)
    stack: list[cst.CSTNode] = [module]
    seen = 0
    while stack:
        node = stack.pop()
        expected = list(node.children)
        got = children(node)
        assert [id(child) for child in got] == [id(child) for child in expected], type(node)
        stack.extend(expected)
        seen += 1
    assert seen > 1


def test_walk_is_source_order() -> None:
    module = cst.parse_module("def f(a, b=1):\n    return g(a) + b\n")
    names = [node.value for node in walk(module) if isinstance(node, cst.Name)]
    assert names == ["f", "a", "b", "g", "a", "b"]


def test_children_of_a_built_node_with_lists() -> None:
    """Nodes built by code (lists, not tuples, for sequences) are read the same way."""
    call = cst.Call(func=cst.Name("f"), args=[cst.Arg(cst.Integer("1")), cst.Arg(cst.Name("x"))])
    assert [id(c) for c in children(call)] == [id(c) for c in call.children]
