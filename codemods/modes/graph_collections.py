"""TensorFlow graph collections as the mode analysis follows them: ``tf.add_to_collection(
"losses", loss)`` puts a value in a named collection, and ``tf.get_collection("losses")`` reads
everything put there. The analysis keeps what a collection carries under a name no Python code
can bind. ``tf.losses`` uses the losses collection itself: each loss it builds is added there
(unless ``loss_collection=None``), ``add_loss(x)`` adds ``x``, and ``get_total_loss()`` and
``get_losses()`` read it, so ``tf.losses.softmax_cross_entropy(labels, logits)`` alone in a
statement followed by ``loss = tf.losses.get_total_loss()`` gives that loss the labels."""

from __future__ import annotations

from typing import Callable, Optional

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


#: ``tf.losses`` (``tf.compat.v1.losses``) functions that add the loss they build to the losses
#: collection.
_LOSS_FUNCTIONS = frozenset(
    {"absolute_difference", "compute_weighted_loss", "cosine_distance", "hinge_loss",
     "huber_loss", "log_loss", "mean_pairwise_squared_error", "mean_squared_error",
     "sigmoid_cross_entropy", "softmax_cross_entropy", "sparse_softmax_cross_entropy"}
)
#: ``tf.losses`` functions that read the losses collection.
_LOSS_READERS = frozenset({"get_total_loss", "get_losses"})
LOSSES = "losses"


def _losses_api(call: cst.Call, resolve: TfResolver) -> str:
    """``softmax_cross_entropy`` for ``tf.losses.softmax_cross_entropy`` (any import spelling);
    "" for anything else."""
    tf_name = resolve(call.func) or ""
    module, _, leaf = tf_name.rpartition(".")
    return leaf if module == "tensorflow.losses" else ""


def _into_losses(call: cst.Call) -> bool:
    """No ``loss_collection=None`` keeps the loss out of the collection."""
    return not any(
        arg.keyword is not None
        and arg.keyword.value == "loss_collection"
        and isinstance(arg.value, cst.Name)
        and arg.value.value == "None"
        for arg in call.args
    )


#: The in-file function a call runs, if any (``Calls.in_file_callee``).
HelperOf = Callable[[cst.Call], Optional[cst.FunctionDef]]


def _no_helper(call: cst.Call) -> Optional[cst.FunctionDef]:
    return None


def _own_stores(node: cst.CSTNode, resolve: TfResolver) -> list[tuple[str, cst.BaseExpression]]:
    found: list[tuple[str, cst.BaseExpression]] = []
    for call in st.calls(node):
        leaf, args = _leaf(call, resolve), _positional(call)
        if leaf == "add_to_collection" and len(args) >= 2:
            key = _key(args[0])
            if key is not None:
                found.append((key, args[1]))
        losses = _losses_api(call, resolve)
        if losses in _LOSS_FUNCTIONS and _into_losses(call):
            found.append((LOSSES, call))
        elif losses == "add_loss" and args and _into_losses(call):
            found.append((LOSSES, args[0]))
    return found


def _read(call: cst.Call, resolve: TfResolver) -> Optional[str]:
    leaf, args = _leaf(call, resolve), _positional(call)
    if leaf in ("get_collection", "get_collection_ref") and args:
        return _key(args[0])
    if _losses_api(call, resolve) in _LOSS_READERS:
        return LOSSES
    return None


def _in_helpers(
    node: cst.CSTNode, resolve: TfResolver, helper_of: HelperOf
) -> tuple[set[str], set[str]]:
    """The collections the in-file helpers ``node`` calls (and the helpers they call) put
    values in, and those they read."""
    put: set[str] = set()
    read: set[str] = set()
    seen: set[int] = set()
    todo = list(st.calls(node))
    while todo:
        helper = helper_of(todo.pop())
        if helper is None or id(helper) in seen:
            continue
        seen.add(id(helper))
        put |= {key for key, _ in _own_stores(helper.body, resolve)}
        read |= {key for call in st.calls(helper.body) if (key := _read(call, resolve))}
        todo.extend(st.calls(helper.body))
    return put, read


def stores(
    node: cst.CSTNode, resolve: TfResolver, helper_of: HelperOf = _no_helper
) -> list[tuple[str, cst.BaseExpression]]:
    """The (collection, value) pairs the calls of ``node`` put in collections; a call of an
    in-file helper that puts values there (``add_losses(logits, labels)`` calling
    ``tf.losses.softmax_cross_entropy``) puts what it is handed."""
    found = _own_stores(node, resolve)
    put, _ = _in_helpers(node, resolve, helper_of)
    if put:
        helpers = [call for call in st.calls(node) if helper_of(call) is not None]
        found += [(key, call) for key in sorted(put) for call in helpers]
    return found


def reads(node: cst.CSTNode, resolve: TfResolver, helper_of: HelperOf = _no_helper) -> set[str]:
    """The collections the calls of ``node`` read, themselves or through in-file helpers."""
    own = {key for call in st.calls(node) if (key := _read(call, resolve)) is not None}
    return own | _in_helpers(node, resolve, helper_of)[1]


def looks_up(node: cst.BaseExpression, resolve: TfResolver) -> bool:
    """``tf.get_collection("losses")`` itself: a lookup, no op built."""
    return (
        isinstance(node, cst.Call)
        and _leaf(node, resolve) in ("get_collection", "get_collection_ref")
        and _read(node, resolve) is not None
    )


__all__ = ["HelperOf", "key_name", "looks_up", "reads", "stores"]


def registers(stmt: cst.BaseStatement, resolve: TfResolver) -> bool:
    """``tf.add_to_collection("losses", loss)`` or ``tf.losses.add_loss(loss)`` alone in a
    statement, handed names only: it puts values already built in a collection and builds no
    op, so it is no finding of its own; it goes where its values go (it moves with them)."""
    call = st.lone_call(stmt)
    if call is None:
        return False
    args = _positional(call)
    if _leaf(call, resolve) in ("add_to_collection", "add_to_collections") and len(args) == 2:
        value = args[1]
    elif _losses_api(call, resolve) == "add_loss" and len(args) == 1:
        value = args[0]
    else:
        return False
    return isinstance(value, cst.Name) and not any(arg.star for arg in call.args)
