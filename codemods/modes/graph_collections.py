"""TensorFlow graph collections as the mode analysis follows them: ``tf.add_to_collection(
"losses", loss)`` puts a value in a named collection, and ``tf.get_collection("losses")`` reads
everything put there. The analysis keeps what a collection carries under a name no Python code
can bind. (``tf.losses``' own use of the losses collection, every loss it builds added and
``get_total_loss()`` summing them, is not followed.)"""

from __future__ import annotations

from typing import Optional

import libcst as cst

from codemods import statements as st
from codemods.model_fns import TfResolver


def key_name(key: str) -> str:
    """The name under which the analysis keeps what collection ``key`` carries."""
    return f"<collection {key}>"


def _key(node: cst.BaseExpression) -> Optional[str]:
    """``"losses"`` for ``"losses"`` or ``tf.GraphKeys.LOSSES``."""
    if isinstance(node, cst.SimpleString):
        value = node.evaluated_value
        return value if isinstance(value, str) else None
    if isinstance(node, cst.Attribute) and node.attr.value.isupper():
        return node.attr.value.lower()
    return None


def _leaf(call: cst.Call, resolve: TfResolver) -> str:
    tf_name = resolve(call.func)
    return "" if tf_name is None else tf_name.rsplit(".", 1)[-1]


def _positional(call: cst.Call) -> list[cst.BaseExpression]:
    return [arg.value for arg in call.args if arg.keyword is None and not arg.star]


def stores(node: cst.CSTNode, resolve: TfResolver) -> list[tuple[str, cst.BaseExpression]]:
    """The (collection, value) pairs the calls of ``node`` put in collections."""
    found: list[tuple[str, cst.BaseExpression]] = []
    for call in st.calls(node):
        leaf, args = _leaf(call, resolve), _positional(call)
        if leaf == "add_to_collection" and len(args) >= 2:
            key = _key(args[0])
            if key is not None:
                found.append((key, args[1]))
    return found


def _read(call: cst.Call, resolve: TfResolver) -> Optional[str]:
    leaf, args = _leaf(call, resolve), _positional(call)
    if leaf in ("get_collection", "get_collection_ref") and args:
        return _key(args[0])
    return None


def reads(node: cst.CSTNode, resolve: TfResolver) -> set[str]:
    """The collections the calls of ``node`` read."""
    return {key for call in st.calls(node) if (key := _read(call, resolve)) is not None}


def looks_up(node: cst.BaseExpression, resolve: TfResolver) -> bool:
    """``tf.get_collection("losses")`` itself: a lookup, no op built."""
    return (
        isinstance(node, cst.Call)
        and _leaf(node, resolve) in ("get_collection", "get_collection_ref")
        and _read(node, resolve) is not None
    )


__all__ = ["key_name", "looks_up", "reads", "stores"]
