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


__all__ = ["NOTE", "session_functions"]
