"""The edits behind EF201, EF202, EF204 and EF206, built from the updated (already rewritten) nodes.

Replacements are built on the original tree (where the analysis ran) and then mapped onto the
updated tree, so an edit inside an argument (``np.mean(np.square(t))``) survives the edit around it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TypeVar, Union, cast

import libcst as cst

Statement = Union[cst.BaseStatement, cst.FlattenSentinel[cst.BaseStatement], cst.RemovalSentinel]

_PRINT_PLACEHOLDER = "__estimator_fix_print__"
_NodeT = TypeVar("_NodeT", bound=cst.CSTNode)


def parallel(original: cst.CSTNode, updated: cst.CSTNode) -> dict[int, cst.CSTNode]:
    """id(original node) → its updated counterpart, as far as the two trees keep their shape."""
    out: dict[int, cst.CSTNode] = {}
    stack = [(original, updated)]
    while stack:
        old, new = stack.pop()
        out[id(old)] = new
        old_children, new_children = old.children, new.children
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


def keep_parens(replacement: cst.BaseExpression, old: cst.BaseExpression) -> cst.BaseExpression:
    """Carry ``(...)`` around the replaced expression over to its replacement."""
    if not old.lpar:
        return replacement
    return replacement.with_changes(
        lpar=[*old.lpar, *replacement.lpar], rpar=[*replacement.rpar, *old.rpar]
    )


# ----------------------------------------------------------------------------- EF204
def _string_part(fstring: cst.FormattedString, text: str) -> cst.SimpleString:
    prefix = fstring.prefix.replace("f", "").replace("F", "")
    text = text.replace("{{", "{").replace("}}", "}")
    return cst.SimpleString(f"{prefix}{fstring.quote}{text}{fstring.quote}")


def _fstring_args(fstring: cst.FormattedString) -> list[cst.Arg]:
    args = []
    for part in fstring.parts:
        if isinstance(part, cst.FormattedStringText):
            if part.value:
                args.append(cst.Arg(_string_part(fstring, part.value)))
        elif isinstance(part, cst.FormattedStringExpression):
            args.append(cst.Arg(part.expression))
    return args


def _kwarg(keyword: str, value: cst.BaseExpression) -> cst.Arg:
    return cst.Arg(
        value=value,
        keyword=cst.Name(keyword),
        equal=cst.AssignEqual(
            whitespace_before=cst.SimpleWhitespace(""), whitespace_after=cst.SimpleWhitespace("")
        ),
    )


def print_args(call: cst.Call, fstring: bool) -> list[cst.Arg]:
    """``print``'s arguments as ``tf.print`` takes them."""
    args: list[cst.Arg] = []
    keywords: list[cst.Arg] = []
    for arg in call.args:
        if arg.keyword is None:
            if fstring:
                args.extend(_fstring_args(cst.ensure_type(arg.value, cst.FormattedString)))
            else:
                args.append(arg)
            continue
        name = arg.keyword.value
        if name == "flush" or (fstring and name == "sep"):
            continue
        if name == "file":
            arg = arg.with_changes(keyword=cst.Name("output_stream"))
        keywords.append(arg)
    if fstring:
        keywords.insert(0, _kwarg("sep", cst.SimpleString('""')))
    every = args + keywords
    if every and call.args:  # the last argument ends as the original call's last did
        every[-1] = every[-1].with_changes(comma=call.args[-1].comma)
    return every


def wired_print(
    line: cst.SimpleStatementLine,
    tf: str,
    names: Sequence[str],
    fstring: bool,
    builtin: bool,
    module: cst.Module,
) -> cst.With:
    """``print(...)`` → ``with tf.control_dependencies([tf.print(...)]): x = tf.identity(x)``."""
    expr = cst.ensure_type(line.body[0], cst.Expr)
    call = cst.ensure_type(expr.value, cst.Call)
    if builtin:
        call = call.with_changes(
            func=cst.parse_expression(f"{tf}.print"), args=print_args(call, fstring)
        )
    indent, newline = module.default_indent, module.default_newline
    code = f"with {tf}.control_dependencies([{_PRINT_PLACEHOLDER}]):{newline}" + "".join(
        f"{indent}{name} = {tf}.identity({name}){newline}" for name in names
    )
    parsed = cst.ensure_type(
        cst.parse_statement(code, config=module.config_for_parsing), cst.With
    )
    item = parsed.items[0]
    listing = cst.ensure_type(item.item, cst.Call)
    elements = cst.ensure_type(listing.args[0].value, cst.List)
    new_list = elements.with_changes(elements=[cst.Element(call)])
    new_item = item.with_changes(
        item=listing.with_changes(args=[listing.args[0].with_changes(value=new_list)])
    )
    body = cst.ensure_type(parsed.body, cst.IndentedBlock)
    return parsed.with_changes(
        items=[new_item],
        body=body.with_changes(header=line.trailing_whitespace),
        leading_lines=line.leading_lines,
    )


# ----------------------------------------------------------------------------- EF206
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
