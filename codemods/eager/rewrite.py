"""Building blocks of the eager rewrites, applied to the updated (already rewritten) nodes.

Replacements are built on the original tree (where the analysis ran) and then mapped onto the
updated tree, so an edit inside an argument (``np.mean(np.square(t))``) survives the edit around it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TypeVar, Union, cast

import libcst as cst

from codemods.tree import children

Statement = Union[cst.BaseStatement, cst.FlattenSentinel[cst.BaseStatement], cst.RemovalSentinel]

_NodeT = TypeVar("_NodeT", bound=cst.CSTNode)


def parallel(original: cst.CSTNode, updated: cst.CSTNode) -> dict[int, cst.CSTNode]:
    """id(original node) → its updated counterpart, as far as the two trees keep their shape."""
    out: dict[int, cst.CSTNode] = {}
    stack = [(original, updated)]
    while stack:
        old, new = stack.pop()
        out[id(old)] = new
        old_children, new_children = children(old), children(new)
        if type(old) is type(new) and len(old_children) == len(new_children):
            stack.extend(zip(old_children, new_children))
    return out


class _Substitute(cst.CSTTransformer):
    def __init__(self, mapping: Mapping[int, cst.CSTNode]) -> None:
        super().__init__()
        self.mapping = mapping

    def on_leave(
        self, original_node: _NodeT, updated_node: _NodeT
    ) -> Union[_NodeT, cst.RemovalSentinel, cst.FlattenSentinel[_NodeT]]:
        replacement = self.mapping.get(id(original_node))
        return updated_node if replacement is None else cast(_NodeT, replacement)


def substitute(tree: cst.BaseExpression, mapping: Mapping[int, cst.CSTNode]) -> cst.BaseExpression:
    """``tree`` with every node found in ``mapping`` (by identity) replaced."""
    result = tree.visit(_Substitute(mapping))
    if not isinstance(result, cst.BaseExpression):
        raise TypeError("a replacement expression must stay an expression")
    return result


def keyword_arg(keyword: str, value: cst.BaseExpression) -> cst.Arg:
    """``keyword=value``, with no spaces around ``=``."""
    return cst.Arg(
        value=value,
        keyword=cst.Name(keyword),
        equal=cst.AssignEqual(
            whitespace_before=cst.SimpleWhitespace(""), whitespace_after=cst.SimpleWhitespace("")
        ),
    )


def keep_parens(replacement: cst.BaseExpression, old: cst.BaseExpression) -> cst.BaseExpression:
    """Carry ``(...)`` around the replaced expression over to its replacement."""
    if not old.lpar:
        return replacement
    return replacement.with_changes(
        lpar=[*old.lpar, *replacement.lpar], rpar=[*replacement.rpar, *old.rpar]
    )


# ----------------------------------------------------------------------------- if chains
def _flatten(suite: cst.BaseSuite, leading: Sequence[cst.EmptyLine]) -> Statement:
    if isinstance(suite, cst.SimpleStatementSuite):
        return cst.SimpleStatementLine(
            body=suite.body, leading_lines=leading, trailing_whitespace=suite.trailing_whitespace
        )
    block = cst.ensure_type(suite, cst.IndentedBlock)
    statements = list(block.body)
    if not statements:
        return cst.RemovalSentinel.REMOVE
    first = cast(Union[cst.SimpleStatementLine, cst.BaseCompoundStatement], statements[0])
    statements[0] = first.with_changes(leading_lines=[*leading, *first.leading_lines])
    if len(statements) == 1:
        return statements[0]
    return cst.FlattenSentinel(statements)


def eager_chain(original: cst.If, updated: cst.If, decided: Mapping[int, bool]) -> Statement:
    """Drop the branches whose test ``decided`` says is False in a model_fn; a branch whose test
    is True becomes the chain's ``else`` (or, first, the statements themselves)."""
    kept: list[tuple[bool, Union[cst.If, cst.Else]]] = []  # (unconditional, node)
    old: Union[cst.If, cst.Else] | None = original
    new: Union[cst.If, cst.Else] | None = updated
    while old is not None and new is not None:
        if isinstance(old, cst.Else):
            kept.append((True, new))
            break
        truth = decided.get(id(old))
        new_if = cst.ensure_type(new, cst.If)
        if truth is True:
            kept.append((True, new_if))
            break
        if truth is None:
            kept.append((False, new_if))
        old, new = old.orelse, new_if.orelse
    if not kept:
        return cst.RemovalSentinel.REMOVE
    if kept[0][0]:
        return _flatten(kept[0][1].body, updated.leading_lines)
    tail: Union[cst.If, cst.Else] | None = None
    for unconditional, node in reversed(kept):
        if unconditional:
            tail = node if isinstance(node, cst.Else) else cst.Else(body=node.body)
        else:
            tail = cst.ensure_type(node, cst.If).with_changes(orelse=tail)
    return cst.ensure_type(tail, cst.If).with_changes(leading_lines=updated.leading_lines)
