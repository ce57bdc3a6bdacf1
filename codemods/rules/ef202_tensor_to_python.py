"""EF202: tensor turned into a Python value.

Detector: ``t.numpy()``/``.eval()``/``.item()``/``.tolist()`` on a tensor, ``float(t)``/``int(t)``
of one tensor, and the Keras backend's ``get_value``/``eval``/``batch_get_value`` (by qualified
name). Fix: only where the value is printed as it is by a print EF204 rewrites (EF204 settles it):
the conversion is dropped, so ``tf.print`` shows the tensor itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Optional

import libcst as cst

from codemods.eager.edits import Edit, ReplaceCall
from codemods.eager.sites import CallView, Scan, Site
from codemods.eager.tf_calls import CONVERSION_METHODS, KERAS_CONVERSIONS
from codemods.eager.values import SINGLE
from codemods.rules.rule import FixSafety, Invalid, Rule, Valid

CODE = "EF202"
RECIPE = (
    "a graph tensor has no value while model_fn builds the graph: keep it a tensor; print it "
    "with tf.print, log it with a LoggingTensorHook, or return it in predictions / eval_metric_ops"
)
PRINTED = "the print shows the tensor itself (tf.print)"


@dataclass(eq=False)
class ConversionSite(Site):
    """A conversion of a tensor to a Python value; ``unwrap``: the tensor it converts (None when
    the call has no single operand)."""

    code: ClassVar[str] = CODE
    unwrap: Optional[cst.BaseExpression] = None

    def edit(self) -> Edit:
        return ReplaceCall(cst.ensure_type(self.node, cst.Call), self.unwrap, writes_tf=False)

    def printed(self) -> None:
        """The print showing the value becomes ``tf.print``: dropping the conversion is the fix."""
        self.fixable = True
        self.note = PRINTED


def keras_conversion(view: CallView, scan: Scan) -> bool:
    """``K.get_value(t)``, ``K.eval(t)``: a conversion whatever the argument."""
    if view.tf not in KERAS_CONVERSIONS:
        return False
    _report(view, view.args[0] if len(view.args) == 1 else None, scan)
    return True


def builtin_conversion(view: CallView, scan: Scan) -> bool:
    """``float(t)``, ``int(t)``: a conversion when the one argument is a tensor."""
    if view.builtin not in {"float", "int"} or len(view.args) != 1:
        return False
    if scan.kind(view.args[0], view.env) in SINGLE:
        _report(view, view.args[0], scan)
    return True


def method_conversion(view: CallView, scan: Scan) -> bool:
    """``t.numpy()``, ``t.eval()``, ``t.item()``, ``t.tolist()`` on a tensor."""
    func = view.call.func
    if not isinstance(func, cst.Attribute) or func.attr.value not in CONVERSION_METHODS:
        return False
    if not scan.values.value(func.value, view.env).tensorish:
        return False
    _report(view, func.value, scan)
    return True


def _report(view: CallView, unwrap: Optional[cst.BaseExpression], scan: Scan) -> None:
    message = RULE.format(call=scan.short(view.call))
    scan.add(ConversionSite(view.call, view.stmt, message, note=RECIPE, unwrap=unwrap))


RULE = Rule(
    code=CODE,
    title="tensor turned into a Python value",
    fix=FixSafety.SAFE,
    fix_summary=(
        "safe where the value is only printed (the print becomes tf.print, EF204); "
        "otherwise report"
    ),
    what=(
        "Finds `t.numpy()`, `t.eval()`, `t.item()`, `t.tolist()`, `float(t)`, `int(t)`, "
        "`K.get_value(t)` and `K.eval(t)` on tensors."
    ),
    why=(
        "They need a value, and a graph tensor has none while model_fn builds the graph: "
        "they crash, or (`.eval()`, `K.get_value`) open a session of their own on "
        "uninitialised variables."
    ),
    example='''\
print('loss:', loss.numpy())
''',
    use_instead='''\
with tf.control_dependencies([tf.print('loss:', loss)]):
    loss = tf.identity(loss)
''',
    fix_safety=(
        "Safe where the value is only printed: the conversion is dropped and the print "
        "shows the tensor every step (with EF204). Anything else is reported: keep it a "
        "tensor \u2014 compute with TF ops, return it in predictions or eval_metric_ops, or "
        "log it with a LoggingTensorHook."
    ),
    message="`{call}` turns a tensor into a Python value",
    valid=(
        Valid(
            id="conversions_of_python_values",
            source='''\
import tensorflow as tf


def model_fn(features, labels, mode, params):
    units = int(params["hidden_units"])
    rate = float(params.get("dropout", 0.1))
    width = features["x"].shape.as_list()[-1]
    net = tf.compat.v1.layers.dense(features["x"], units * width)
    net = tf.compat.v1.layers.dropout(net, rate, training=mode == tf.estimator.ModeKeys.TRAIN)
    return tf.estimator.EstimatorSpec(mode, predictions={"net": net})
''',
        ),
    ),
    invalid=(
        Invalid(
            id="print_conversions_and_fstring",
            before='''\
import numpy as np
import tensorflow as tf


def model_fn(features, labels, mode):
    y = tf.compat.v1.layers.dense(features["x"], 1)
    loss = tf.reduce_mean(tf.square(labels - y))
    print(f"loss {loss.numpy()} / {{raw}}")
    print("mean", float(loss), y.eval(), flush=True)
    return tf.estimator.EstimatorSpec(mode, loss=loss, predictions={'y': y})
''',
            findings=("EF202:8:safe", "EF204:8:safe", "EF202:9:safe", "EF202:9:safe", "EF204:9:safe"),
            after='''\
import numpy as np
import tensorflow as tf


def model_fn(features, labels, mode):
    y = tf.compat.v1.layers.dense(features["x"], 1)
    loss = tf.reduce_mean(tf.square(labels - y))
    with tf.control_dependencies([tf.print("loss ", loss, " / {raw}", sep="")]):
        loss = tf.identity(loss)
    with tf.control_dependencies([tf.print("mean", loss, y)]):
        loss = tf.identity(loss)
        y = tf.identity(y)
    return tf.estimator.EstimatorSpec(mode, loss=loss, predictions={'y': y})
''',
        ),
    ),
)
