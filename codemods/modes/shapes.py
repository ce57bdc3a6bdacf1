"""Reads of a tensor's shape: the sizes of the labels are not the labels.

``batch_size = tf.shape(labels)[0]`` reads the labels (it fails where they are None, in
PREDICT), but what it binds is a size, not label data: the statements that only use that size
(a decoder's ``zero_state(batch_size)``, ``maximum_iterations=time_steps``) compute nothing from
the labels' values, so they are no label code of their own. The statement that reads the shape is
the finding, once.
"""

from __future__ import annotations

from collections.abc import Collection

import libcst as cst

from codemods import statements as st
from codemods.model_fns import TfResolver
from codemods.tree import walk

#: Attributes and methods of a tensor that give its shape.
_SHAPE_ATTRIBUTES = frozenset({"shape", "get_shape"})
#: TensorFlow functions that give the shape (or a size) of their first argument.
_SHAPE_FUNCTIONS = frozenset(
    {"tensorflow.shape", "tensorflow.size", "tensorflow.rank", "tensorflow.shape_n"}
)


def reads_only_shapes(node: cst.CSTNode, names: Collection[str], resolve: TfResolver) -> bool:
    """Whether ``node`` reads each of ``names`` (it reads at least one) only for its shape:
    ``x.shape``, ``x.get_shape()``, ``tf.shape(x)``, ``tf.size(x)``, ``tf.rank(x)``."""
    if not names or not set(names) & st.reads(node):
        return False
    blanked: list[cst.Name] = []
    for child in walk(node):
        if isinstance(child, cst.Attribute) and child.attr.value in _SHAPE_ATTRIBUTES:
            if isinstance(child.value, cst.Name):
                blanked.append(child.value)
        elif isinstance(child, cst.Call) and child.args and resolve(child.func) in _SHAPE_FUNCTIONS:
            first = child.args[0].value
            if isinstance(first, cst.Name):
                blanked.append(first)
    return not set(names) & st.reads_without(node, [], blanked)


#: What else a tensor or variable tells of itself without an op: its name, dtype, graph.
_METADATA_ATTRIBUTES = _SHAPE_ATTRIBUTES | {"name", "dtype", "graph", "device", "ndim", "trainable"}


def reads_only_metadata(node: cst.CSTNode, name: str) -> bool:
    """Whether ``node`` reads ``name`` (at least once) only for what it tells of itself
    (``v.name.startswith("frozen")``, ``x.dtype``, ``x.shape``): Python values, no op built
    from what it holds."""
    if name not in st.reads(node):
        return False
    blanked = [
        child.value
        for child in walk(node)
        if isinstance(child, cst.Attribute)
        and child.attr.value in _METADATA_ATTRIBUTES
        and isinstance(child.value, cst.Name)
    ]
    return name not in st.reads_without(node, [], blanked)


__all__ = ["reads_only_metadata", "reads_only_shapes"]
