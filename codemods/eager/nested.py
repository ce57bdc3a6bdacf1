"""Functions defined inside a model_fn: which of them build graph and which run in the session.

A function nested in a model_fn runs while the graph is built when the model_fn (or a
TensorFlow function it hands it to: ``tf.map_fn``, ``tf.cond``, TPUEstimator's ``metric_fn`` and
``host_call``) calls it, so the eager rules read its body as they read the model_fn's. A function
handed to something that calls it in the session, with NumPy values or a session, is left alone:
the body of ``tf.py_func`` / ``tf.numpy_function`` / ``tf.py_function``, a LoggingTensorHook's
``formatter=`` and a Scaffold's ``init_fn=``. Nothing found in a nested body is rewritten: the
model_fn's own fixes (prints hooked to what the spec returns, the NumPy table) assume the
model_fn's own statements, so findings there are reported for a fix by hand.
"""

from __future__ import annotations

from typing import Callable, Optional

import libcst as cst

from codemods import statements as st
from codemods.tree import walk

#: TensorFlow functions that run the function they are given in the session, eagerly.
_SESSION_RUNNERS = frozenset({"py_func", "numpy_function", "py_function", "eager_py_func"})
#: Keywords under which a function is handed to what calls it with session values.
_SESSION_CALLBACKS = frozenset({"formatter", "init_fn"})

#: The note of a finding inside a nested function.
NOTE = "inside a function nested in the model_fn: the fix is left to you"


def session_functions(
    body: cst.CSTNode, resolve_tf: Callable[[cst.CSTNode], Optional[str]]
) -> frozenset[str]:
    """The names of functions handed, somewhere in ``body``, to what runs them in the session
    (``tf.py_func(name, ...)``, ``func=name``, ``formatter=name``, ``init_fn=name``), also by
    way of what is handed there (``init_fn=lambda scaffold, sess: name(sess)``,
    ``functools.partial(name)``), and the functions of ``body`` those call."""
    names: set[str] = set()
    for node in walk(body):
        if not isinstance(node, cst.Call):
            continue
        tf_name = resolve_tf(node.func)
        runner = tf_name is not None and tf_name.rsplit(".", 1)[-1] in _SESSION_RUNNERS
        for index, arg in enumerate(node.args):
            keyword = arg.keyword.value if arg.keyword is not None else None
            handed = (
                keyword in _SESSION_CALLBACKS
                or runner and (keyword == "func" or keyword is None and index == 0)
            )
            if handed:
                names |= st.reads(arg.value)
    functions = [node for node in walk(body) if isinstance(node, cst.FunctionDef)]
    grown = True
    while grown:  # what a function run in the session calls runs there too
        called = set().union(*(st.reads(f) for f in functions if f.name.value in names))
        grown = not called <= names
        names |= called
    return frozenset(names)


#: TensorFlow functions that call the functions they are given with tensors while the graph is
#: built, by the positions and keywords that take those functions.
_TENSOR_CALLERS = {
    "map_fn": ((0,), ("fn",)),
    "scan": ((0,), ("fn",)),
    "foldl": ((0,), ("fn",)),
    "foldr": ((0,), ("fn",)),
    "while_loop": ((0, 1), ("cond", "body")),
}
#: Keywords of TPUEstimatorSpec under which ``(function, tensors)`` is handed: TPUEstimator calls
#: the function with those tensors.
_WITH_TENSORS = frozenset({"host_call", "eval_metrics"})
#: Keywords under which a head (``head.create_estimator_spec``, ``create_model_fn_ops``) takes
#: a function it calls with a tensor: the loss.
_FUNCTION_OF_TENSORS = frozenset({"train_op_fn"})


def tensor_functions(
    body: cst.CSTNode, resolve_tf: Callable[[cst.CSTNode], Optional[str]]
) -> frozenset[str]:
    """The names of functions handed, somewhere in ``body``, to what calls them with tensors:
    ``host_call=(name, [...])`` and ``eval_metrics=(name, ...)`` of a TPUEstimatorSpec, a head's
    ``train_op_fn=name`` (called with the loss), and the function of ``tf.map_fn``,
    ``tf.scan``, ``tf.foldl``/``foldr`` and ``tf.while_loop``. Their parameters are tensors."""
    names: set[str] = set()
    # ``host_call = (name, [...])``, then ``host_call=host_call``: pairs by the names bound to
    pairs: dict[str, set[str]] = {}
    for node in walk(body):
        if isinstance(node, cst.Assign) and len(node.targets) == 1:
            target = node.targets[0].target
            if isinstance(target, cst.Name):
                pairs.setdefault(target.value, set()).update(_first_name(node.value))
    for node in walk(body):
        if not isinstance(node, cst.Call):
            continue
        tf_name = resolve_tf(node.func)
        positions, keywords = _TENSOR_CALLERS.get((tf_name or "").rsplit(".", 1)[-1], ((), ()))
        for index, arg in enumerate(node.args):
            keyword = arg.keyword.value if arg.keyword is not None else None
            if keyword in _WITH_TENSORS:
                names.update(_first_name(arg.value))
                if isinstance(arg.value, cst.Name):
                    names.update(pairs.get(arg.value.value, ()))
            elif isinstance(arg.value, cst.Name) and (
                keyword in _FUNCTION_OF_TENSORS
                or tf_name is not None
                and (keyword in keywords or keyword is None and index in positions)
            ):
                names.add(arg.value.value)
    return frozenset(names)


def _first_name(value: cst.BaseExpression) -> set[str]:
    """The function of a ``(function, tensors)`` pair: its first element, a name."""
    if isinstance(value, (cst.Tuple, cst.List)) and value.elements:
        first = value.elements[0].value
        if isinstance(first, cst.Name):
            return {first.value}
    return set()


__all__ = ["NOTE", "session_functions", "tensor_functions"]
