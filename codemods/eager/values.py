"""What a name holds while a model_fn builds its graph: the kinds of value the eager rules tell
apart, and how the facts of two branches merge."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum
from typing import Optional

import libcst as cst

from codemods.eager.dtypes import DType


class Kind(Enum):
    """What an expression evaluates to at graph-build time."""

    TENSOR = "tensor"  # one graph tensor
    MAYBE = "maybe"  # perhaps a tensor: features, labels, what a helper returns
    STRUCT = "struct"  # a structure holding tensors
    VARIABLE = "variable"
    OP = "op"  # a graph op (train_op, tf.group)
    SESSION = "session"
    LAYER = "layer"  # a layer object (calling it gives a tensor)
    EAGER = "eager"  # the result of tf.executing_eagerly()
    PYTHON = "python"  # a Python value known while the graph is built


#: Kinds that hold graph tensors (NumPy on them crashes; printing them prints a symbol).
TENSORISH = frozenset({Kind.TENSOR, Kind.MAYBE, Kind.STRUCT, Kind.VARIABLE})
#: Kinds that are one tensor-like value (what the NumPy table's operands may be).
SINGLE = frozenset({Kind.TENSOR, Kind.MAYBE, Kind.VARIABLE})
#: Kinds with a dtype of their own (a subscript or a method of them keeps it).
TYPED = frozenset({Kind.TENSOR, Kind.VARIABLE})


@dataclass(frozen=True)
class Value:
    kind: Kind
    dtype: Optional[DType] = None
    #: Of a structure the code writes out: what an item of it is (a structure for
    #: ``{"frames": [t0, t1], "masks": [m0, m1]}``, perhaps a tensor where its items differ);
    #: None: a tensor.
    items: Optional[Kind] = None
    #: Of a tuple or list the code writes out (``return loss, aux``): what each position
    #: holds, for unpacking it (``loss, aux = helper(x)``); None: not known position by position.
    parts: Optional[tuple[Value, ...]] = None
    #: A dict the code writes (``{"acc": acc}``, a dict comprehension): iterating it gives its
    #: keys, Python values.
    mapping: bool = False
    #: Of a list the code appends lists or tuples of one length to (``losses.append([name,
    #: loss, weight])``): what each element holds, position by position, over every append (for
    #: unpacking it in a loop: ``for name, loss, weight in losses``); None: not known so.
    element: Optional[Value] = None
    #: The direct output of a sigmoid or a softmax (perhaps): Keras's cross-entropies read
    #: such a tensor's op (``output.op.type == "Sigmoid"``) and take its input as the logits,
    #: so the same values out of another op (``tf.identity``) give another loss.
    activation: bool = False
    #: Perhaps carrying a Keras mask (``Embedding(..., mask_zero=True)``, ``Masking``, and the
    #: layers after them, which pass it on): the mask rides on the tensor object, so the same
    #: values out of ``tf.identity`` reach the next layer unmasked.
    masked: bool = False

    @property
    def identity_unsafe(self) -> bool:
        """Whether the same values out of ``tf.identity`` are not the same to the code after."""
        return self.activation or self.masked

    @property
    def tensorish(self) -> bool:
        return self.kind in TENSORISH


PYTHON = Value(Kind.PYTHON)
MAYBE = Value(Kind.MAYBE)
STRUCT = Value(Kind.STRUCT)

Env = dict[str, Value]
#: What an expression is evaluated against (a branch's copy of an ``Env``, a comprehension's).
Bindings = Mapping[str, Value]


def joined(a: Value, b: Value) -> Value:
    """What a value holds that is ``a`` on one way and ``b`` on another."""
    if a == b:
        return a
    activation, masked = a.activation or b.activation, a.masked or b.masked
    if a.kind == b.kind:
        return Value(a.kind, activation=activation, masked=masked)
    if a.tensorish or b.tensorish:
        return Value(Kind.MAYBE, activation=activation, masked=masked)
    return PYTHON


def merge(left: Env, right: Env) -> Env:
    """The facts that hold after either of two branches ran."""
    out: Env = {**left, **right}  # a name bound on one side only keeps that value
    for name in left.keys() & right.keys():
        out[name] = joined(left[name], right[name])
    return out


def target_names(target: cst.BaseExpression) -> list[str]:
    """The names an assignment (or loop, or ``with``) target binds, in order."""
    if isinstance(target, cst.Name):
        return [target.value]
    if isinstance(target, (cst.Tuple, cst.List)):
        return [n for e in target.elements for n in target_names(e.value)]
    if isinstance(target, cst.StarredElement):
        return target_names(target.value)
    return []


#: NumPy functions that only read their operand's ``.shape`` (``np.shape`` tries ``a.shape``
#: before converting): of a tensor, its static TensorShape - nothing converted, no finding.
NUMPY_STATIC_SHAPE = frozenset({"shape"})
