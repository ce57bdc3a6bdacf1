"""EF204's rewrite: the ``tf.print`` call a print or log call becomes, and the wired statement.

Three call styles print at graph-build time (``PrintForm``; which calls they are is EF204's
detector): the ``print`` builtin, a bare ``tf.print(...)`` statement (its op is created and never
run), and TensorFlow / absl logging (``tf.compat.v1.logging.info("loss %s", loss)``). Each becomes
``tf.print`` with the same text:
``print``'s ``sep``/``end``/``file`` carry over (``file`` as ``output_stream``), an f-string or a
``%``-format is split into its text and its values (``sep=""``), and a logging call keeps its
logger as ``output_stream`` (tf.print supports exactly info, warning and error) with ``end=""``
(a log record ends its own line). tf.print formats
the values itself, so a format spec (``{x:.3f}``, ``%.3f``) is dropped.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from enum import Enum
from typing import Optional

import libcst as cst

from codemods.eager.rewrite import keyword_arg


class PrintForm(Enum):
    """How a call prints at graph-build time."""

    PRINT = "print"  # the print builtin
    TF_PRINT = "tf.print"  # a tf.print statement: its op is created and never run
    LOG = "log"  # TensorFlow or absl logging


_PLACEHOLDER = re.compile(r"%(?:%|[-#0 +]*\d*(?:\.\d+)?[sdifgeEr])")


def positional(call: cst.Call) -> list[cst.BaseExpression]:
    return [arg.value for arg in call.args if arg.keyword is None and not arg.star]


def printed(call: cst.Call, form: PrintForm) -> list[cst.BaseExpression]:
    """The expressions whose values the call shows (a log's format string left out)."""
    values = positional(call)
    if form is PrintForm.LOG and values and isinstance(values[0], cst.SimpleString):
        values = values[1:]
    out: list[cst.BaseExpression] = []
    for value in values:
        out.extend(shown(value))
    return out


#: Builtins that render a value as text (``str(t)`` of a tensor is its symbolic description).
_RENDERERS = frozenset({"str", "repr"})


def shown(value: cst.BaseExpression) -> list[cst.BaseExpression]:
    """The values a printed expression shows: an f-string's, ``%``-format's and
    ``str.format``'s arguments, the operands of ``+`` joining text, what ``str(x)`` renders;
    else the expression itself."""
    if isinstance(value, cst.FormattedString):
        return [v for part in fstring_values(value) for v in shown(part)]
    parts = rendered(value)
    return [value] if parts is None else [v for part in parts for v in shown(part)]


def rendered(value: cst.BaseExpression) -> Optional[list[cst.BaseExpression]]:
    """The values Python renders into the text ``value`` builds (``"loss %s" % x``,
    ``"{}".format(x)``, ``"loss: " + str(x)``, ``str(x)``), or None when it builds none."""
    if isinstance(value, cst.BinaryOperation) and isinstance(value.operator, cst.Modulo):
        if not isinstance(value.left, (cst.SimpleString, cst.ConcatenatedString)):
            return None
        right = value.right
        return [e.value for e in right.elements] if isinstance(right, cst.Tuple) else [right]
    if isinstance(value, cst.BinaryOperation) and isinstance(value.operator, cst.Add):
        sides = [value.left, value.right]
        if not any(_text(side) for side in sides):
            return None
        return sides
    if isinstance(value, cst.Call) and isinstance(value.func, cst.Attribute):
        if value.func.attr.value == "format" and _text(value.func.value):
            return [arg.value for arg in value.args]
        return None
    if isinstance(value, cst.Call) and isinstance(value.func, cst.Name):
        single = len(value.args) == 1 and not value.args[0].star
        return [value.args[0].value] if value.func.value in _RENDERERS and single else None
    return None


def _text(value: cst.BaseExpression) -> bool:
    """A string literal, or text Python renders (``str(x)``, a format, a join of them)."""
    return isinstance(
        value, (cst.SimpleString, cst.ConcatenatedString, cst.FormattedString)
    ) or rendered(value) is not None


def fstring_values(value: cst.FormattedString) -> list[cst.BaseExpression]:
    return [p.expression for p in value.parts if isinstance(p, cst.FormattedStringExpression)]


def direct_values(call: cst.Call) -> Iterator[cst.BaseExpression]:
    """Arguments (and f-string parts) whose conversion (EF202) can simply be dropped."""
    for value in positional(call):
        yield value
        if isinstance(value, cst.FormattedString):
            yield from fstring_values(value)


# ----------------------------------------------------------------------------- building
def _literal(like: cst.SimpleString | cst.FormattedString, text: str) -> cst.SimpleString:
    prefix = like.prefix.replace("f", "").replace("F", "")
    return cst.SimpleString(f"{prefix}{like.quote}{text}{like.quote}")


def _fstring_parts(value: cst.FormattedString) -> list[cst.BaseExpression]:
    parts: list[cst.BaseExpression] = []
    for part in value.parts:
        if isinstance(part, cst.FormattedStringText):
            if part.value:
                text = part.value.replace("{{", "{").replace("}}", "}")
                parts.append(_literal(value, text))
        elif isinstance(part, cst.FormattedStringExpression):
            parts.append(part.expression)
    return parts


def log_parts(
    fmt: cst.SimpleString, args: Sequence[cst.BaseExpression]
) -> Optional[list[cst.BaseExpression]]:
    """``"loss %s at %d"``, (a, b) → ``"loss "``, a, ``" at "``, b; None if it does not split."""
    if "b" in fmt.prefix.lower():
        return None
    raw = fmt.raw_value
    evaluated = fmt.evaluated_value
    if not isinstance(evaluated, str):
        return None
    matches = list(_PLACEHOLDER.finditer(raw))
    if "%" in _PLACEHOLDER.sub("", raw) or len(list(_PLACEHOLDER.finditer(evaluated))) != len(
        matches
    ):
        return None
    holes = [m for m in matches if m.group() != "%%"]
    if len(holes) != len(args):
        return None
    parts: list[cst.BaseExpression] = []
    text, start = "", 0
    values = iter(args)
    for match in matches:
        text += raw[start:match.start()]
        start = match.end()
        if match.group() == "%%":
            text += "%"
            continue
        if text:
            parts.append(_literal(fmt, text))
        text = ""
        parts.append(next(values))
    text += raw[start:]
    if text:
        parts.append(_literal(fmt, text))
    return parts


def _split(call: cst.Call, form: PrintForm) -> tuple[list[cst.Arg], bool]:
    """The positional arguments of the tf.print call, and whether they need ``sep=""``."""
    values = positional(call)
    if form is PrintForm.LOG and values and isinstance(values[0], cst.SimpleString):
        parts = log_parts(values[0], values[1:]) or []
        return [cst.Arg(p) for p in parts], len(parts) > 1
    if len(values) == 1 and isinstance(values[0], cst.FormattedString):
        parts = _fstring_parts(values[0])
        return [cst.Arg(p) for p in parts], len(parts) > 1
    return [arg for arg in call.args if arg.keyword is None], False


def tf_print(call: cst.Call, form: PrintForm, tf: str) -> cst.Call:
    """The ``tf.print(...)`` call that shows what ``call`` meant to show."""
    if form is PrintForm.TF_PRINT:
        return call
    args, glued = _split(call, form)
    keywords: list[cst.Arg] = []
    if glued:
        keywords.append(keyword_arg("sep", cst.SimpleString('""')))
    for arg in call.args:
        if arg.keyword is None or arg.keyword.value == "flush":
            continue
        if arg.keyword.value == "sep" and glued:
            continue
        if arg.keyword.value == "file":
            arg = arg.with_changes(keyword=cst.Name("output_stream"))
        keywords.append(arg)
    if form is PrintForm.LOG:  # a log record ends its own line
        keywords += [
            keyword_arg("end", cst.SimpleString('""')),
            keyword_arg("output_stream", call.func),
        ]
    every = args + keywords
    if every and call.args:  # the last argument ends as the original call's last did
        every[-1] = every[-1].with_changes(comma=call.args[-1].comma)
    return call.with_changes(func=cst.parse_expression(f"{tf}.print"), args=every)


def wired(
    line: cst.SimpleStatementLine,
    print_call: cst.Call,
    names: Sequence[str],
    tf: str,
    module: cst.Module,
) -> cst.With:
    """``with tf.control_dependencies([tf.print(...)]): x = tf.identity(x)`` for each name."""
    indent, newline = module.default_indent, module.default_newline
    placeholder = "__estimator_fix_print__"
    code = f"with {tf}.control_dependencies([{placeholder}]):{newline}" + "".join(
        f"{indent}{name} = {tf}.identity({name}){newline}" for name in names
    )
    parsed = cst.ensure_type(cst.parse_statement(code, config=module.config_for_parsing), cst.With)
    item = parsed.items[0]
    dependencies = cst.ensure_type(item.item, cst.Call)
    listing = cst.ensure_type(dependencies.args[0].value, cst.List)
    item = item.with_changes(
        item=dependencies.with_changes(
            args=[dependencies.args[0].with_changes(
                value=listing.with_changes(elements=[cst.Element(print_call)])
            )]
        )
    )
    body = cst.ensure_type(parsed.body, cst.IndentedBlock)
    return parsed.with_changes(
        items=[item],
        body=body.with_changes(header=line.trailing_whitespace),
        leading_lines=line.leading_lines,
    )

