"""EF201: NumPy call on a tensor.

Detector: a call whose function is a NumPy function (by qualified name) with a tensor among its
arguments. Fix: the exact TensorFlow equivalent from ``codemods.eager.numpy_table`` when the table
accepts the call's form (and knows the operand's dtype where NumPy's result depends on it);
otherwise reported with the nearest TF op and the reason.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Optional

import libcst as cst

from codemods.eager.edits import Edit, ReplaceCall
from codemods.eager.sites import CallView, Scan, Site
from codemods.eager.values import NUMPY_STATIC_SHAPE, SINGLE
from codemods.rules.rule import FixSafety, Invalid, Rule, Valid

CODE = "EF201"
FIXED = "replaced by its exact TF equivalent"


@dataclass(eq=False)
class NumpySite(Site):
    """A NumPy call on a tensor; ``replacement``: its TF equivalent, built from the original
    arguments (None: reported only)."""

    code: ClassVar[str] = CODE
    replacement: Optional[cst.BaseExpression] = None

    def edit(self) -> Edit:
        return ReplaceCall(cst.ensure_type(self.node, cst.Call), self.replacement, writes_tf=True)


def numpy_call(view: CallView, scan: Scan) -> bool:
    """``np.<name>(...)``: a finding when an argument is a tensor."""
    if view.numpy is None:
        return False
    if view.numpy not in NUMPY_STATIC_SHAPE and scan.values.any_tensorish(view.args, view.env):
        scan.add(_site(view.numpy, view, scan))
    return True


def _site(name: str, view: CallView, scan: Scan) -> NumpySite:
    from codemods.eager import numpy_table  # built on the first NumPy call on a tensor

    def known(node: cst.BaseExpression) -> numpy_table.Known:
        value = scan.values.value(node, view.env)
        return numpy_table.Known(value.kind in SINGLE, value.dtype)

    translation = numpy_table.translate(name, view.call, known, scan.tf)
    fixable = translation.replacement is not None
    return NumpySite(
        view.call,
        view.stmt,
        RULE.format(call=scan.short(view.call.func)),
        note=FIXED if fixable else (
            f"nearest TF op: {translation.nearest}; not rewritten: {translation.reason}"
        ),
        fixable=fixable,
        replacement=translation.replacement,
    )


def _table() -> str:
    from codemods.eager.numpy_table import describe

    return "The table:\n" + describe()


RULE = Rule(
    code=CODE,
    title="NumPy call on a tensor",
    fix=FixSafety.SAFE,
    fix_summary=(
        "safe where the call is in the exact-equivalent table; otherwise report with the "
        "nearest TF op"
    ),
    what=(
        "Finds NumPy calls (`np.mean(t)`, any import spelling) whose arguments are "
        "tensors. Which values are tensors is tracked through the model_fn (features, "
        "labels, TF calls, layers, arithmetic on them); NumPy on Python values (shapes, "
        "params) is fine. `a @ b` on tensors is already TensorFlow."
    ),
    why=(
        "model_fn builds a graph: its tensors are symbols with no value yet, so NumPy "
        "cannot read them ('Cannot convert a symbolic tf.Tensor to a numpy array')."
    ),
    example='''\
classes = tf.argmax(logits, axis=1)
energy = np.mean(np.square(logits), axis=1)
positive = np.sum(classes > 0)
''',
    use_instead='''\
classes = tf.argmax(logits, axis=1)
energy = tf.reduce_mean(tf.square(logits), axis=1)
positive = tf.reduce_sum(tf.cast(classes > 0, tf.int64))
''',
    fix_safety=(
        "Safe where the call is in a fixed table whose entries give NumPy's result for "
        "the forms they accept (same shape, dtype and values up to float summation "
        "order), checked by a property test against NumPy on random arrays, shapes, axes "
        "and dtypes. NumPy's dtype rules are kept: an integer mean is float64 and an "
        "integer sum int64, so the replacement casts, which needs the operand's dtype "
        "known (from a layer, a cast, tf.argmax ...). Any other call is reported with the "
        "nearest TF op."
    ),
    details=_table,
    message="NumPy `{call}` on a tensor (graph tensors have no NumPy value)",
    valid=(
        Valid(
            id="noop_numpy_on_python_values",
            source='''\
import numpy as np
import tensorflow as tf


def model_fn(features, labels, mode, params):
    width = int(np.prod(features["x"].shape[1:]))
    scale = np.sqrt(params["units"]) * np.float32(0.5)
    y = tf.compat.v1.layers.dense(features["x"] * scale, width)
    loss = tf.reduce_mean(y @ tf.transpose(y))
    return tf.estimator.EstimatorSpec(mode, loss=loss, predictions={'y': y})
''',
        ),
        Valid(
            id="static_shape_through_numpy",
            source='''\
import numpy as np
import tensorflow as tf


def model_fn(features, labels, mode, params):
    images = tf.reshape(features["x"], [-1, 28, 28, 1])
    print(np.shape(images))
    logits = tf.compat.v1.layers.dense(tf.compat.v1.layers.flatten(images), 10)
    return tf.estimator.EstimatorSpec(mode, predictions={"logits": logits})
''',
        ),
        Valid(
            id="noop_outside_model_fn",
            source='''\
import numpy as np
import tensorflow as tf


def summarize(batch):
    print("batch", batch)
    return np.mean(batch.numpy())


def build(features, labels, mode):
    return np.mean(features["x"])
''',
        ),
        Valid(
            # a helper returning a tensor and a Python number: unpacked position by position,
            # the number is NumPy's to take (tf.sqrt of an int would fail)
            id="a_number_a_helper_returns_beside_a_tensor",
            source='''\
import numpy as np
import tensorflow as tf


def tower(x, params):
    logits = tf.compat.v1.layers.dense(x, params["classes"])
    return logits, params["classes"] * 2


def model_fn(features, labels, mode, params):
    logits, width = tower(features["x"], params)
    scale = np.sqrt(width)
    print("width", width)
    return tf.estimator.EstimatorSpec(mode, predictions={"logits": logits * scale})
''',
        ),
    ),
    invalid=(
        Invalid(
            id="numpy_mean_over_layer_output",
            before='''\
import numpy as np
import tensorflow as tf


def model_fn(features, labels, mode):
    y = tf.compat.v1.layers.dense(features["x"], 2)
    loss = np.mean(y, axis=-1, keepdims=True)
    return tf.estimator.EstimatorSpec(mode, loss=loss, predictions={'y': y})
''',
            findings=("EF201:7:safe",),
            after='''\
import numpy as np
import tensorflow as tf


def model_fn(features, labels, mode):
    y = tf.compat.v1.layers.dense(features["x"], 2)
    loss = tf.reduce_mean(y, axis=-1, keepdims=True)
    return tf.estimator.EstimatorSpec(mode, loss=loss, predictions={'y': y})
''',
        ),
        Invalid(
            id="numpy_alias_and_from_import",
            before='''\
import numpy as onp
import tensorflow as tf
from numpy import sqrt as root


def model_fn(features, labels, mode):
    y = root(onp.square(tf.nn.relu(features["x"])))
    loss = onp.sum(y)
    return tf.estimator.EstimatorSpec(mode, loss=loss, predictions={'y': y})
''',
            findings=("EF201:7:safe", "EF201:7:safe", "EF201:8:safe"),
            after='''\
import numpy as onp
import tensorflow as tf
from numpy import sqrt as root


def model_fn(features, labels, mode):
    y = tf.sqrt(tf.square(tf.nn.relu(features["x"])))
    loss = tf.reduce_sum(y)
    return tf.estimator.EstimatorSpec(mode, loss=loss, predictions={'y': y})
''',
        ),
        Invalid(
            id="integer_operands_are_cast",
            before='''\
import numpy as np
import tensorflow as tf


def model_fn(features, labels, mode):
    y = tf.argmax(features["x"], axis=1)
    count = np.sum(y > 0)
    loss = np.mean(y)
    return tf.estimator.EstimatorSpec(mode, loss=loss, predictions={'y': y})
''',
            findings=("EF201:7:safe", "EF201:8:safe"),
            after='''\
import numpy as np
import tensorflow as tf


def model_fn(features, labels, mode):
    y = tf.argmax(features["x"], axis=1)
    count = tf.reduce_sum(tf.cast(y > 0, tf.int64))
    loss = tf.reduce_mean(tf.cast(y, tf.float64))
    return tf.estimator.EstimatorSpec(mode, loss=loss, predictions={'y': y})
''',
        ),
        Invalid(
            id="unknown_dtype_mean_is_reported",
            before='''\
import numpy as np
import tensorflow as tf


def model_fn(features, labels, mode):
    y = features["x"]
    loss = np.mean(y)
    return tf.estimator.EstimatorSpec(mode, loss=loss, predictions={'y': y})
''',
            findings=("EF201:7:none",),
        ),
        Invalid(
            id="outside_table_is_reported",
            before='''\
import numpy as np
import tensorflow as tf


def model_fn(features, labels, mode):
    y = np.argmax(tf.compat.v1.layers.dense(features["x"], 2), axis=1)
    loss = np.dot(labels, labels)
    return tf.estimator.EstimatorSpec(mode, loss=loss, predictions={'y': y})
''',
            findings=("EF201:6:none", "EF201:7:none"),
        ),
        Invalid(
            id="adds_tensorflow_import_when_missing",
            before='''\
import numpy as np
from tensorflow.compat.v1 import layers
from tensorflow.estimator import EstimatorSpec


def model_fn(features, labels, mode):
    y = layers.dense(features["x"], 2)
    loss = np.mean(y)
    return EstimatorSpec(mode, loss=loss)
''',
            findings=("EF201:8:safe",),
            after='''\
import numpy as np
from tensorflow.compat.v1 import layers
from tensorflow.estimator import EstimatorSpec
import tensorflow as tf


def model_fn(features, labels, mode):
    y = layers.dense(features["x"], 2)
    loss = tf.reduce_mean(y)
    return EstimatorSpec(mode, loss=loss)
''',
        ),
        Invalid(
            id="local_tf_import_is_reused",
            before='''\
import numpy as np


def model_fn(features, labels, mode):
    import tensorflow as tf2
    y = tf2.compat.v1.layers.dense(features["x"], 2)
    loss = np.sum(y)
    return tf2.estimator.EstimatorSpec(mode, loss=loss)
''',
            findings=("EF201:7:safe",),
            after='''\
import numpy as np


def model_fn(features, labels, mode):
    import tensorflow as tf2
    y = tf2.compat.v1.layers.dense(features["x"], 2)
    loss = tf2.reduce_sum(y)
    return tf2.estimator.EstimatorSpec(mode, loss=loss)
''',
        ),
        Invalid(
            id="compat_v1_alias_is_reused",
            before='''\
import numpy as np
import tensorflow.compat.v1 as tf1


def model_fn(features, labels, mode):
    y = tf1.layers.dense(features["x"], 2)
    loss = np.max(np.abs(y))
    return tf1.estimator.EstimatorSpec(mode, loss=loss)
''',
            findings=("EF201:7:safe", "EF201:7:safe"),
            after='''\
import numpy as np
import tensorflow.compat.v1 as tf1


def model_fn(features, labels, mode):
    y = tf1.layers.dense(features["x"], 2)
    loss = tf1.reduce_max(tf1.abs(y))
    return tf1.estimator.EstimatorSpec(mode, loss=loss)
''',
        ),
        Invalid(
            id="method_model_fn_and_noqa",
            before='''\
import numpy as np
import tensorflow as tf


class Model:
    def model_fn(self, features, labels, mode):
        y = tf.compat.v1.layers.dense(features["x"], 2)
        loss = np.mean(y)  # noqa: EF201
        print(loss)  # noqa
        return tf.estimator.EstimatorSpec(mode, loss=loss, predictions=np.exp(y))
''',
            findings=("EF201:10:safe",),
            after='''\
import numpy as np
import tensorflow as tf


class Model:
    def model_fn(self, features, labels, mode):
        y = tf.compat.v1.layers.dense(features["x"], 2)
        loss = np.mean(y)  # noqa: EF201
        print(loss)  # noqa
        return tf.estimator.EstimatorSpec(mode, loss=loss, predictions=tf.exp(y))
''',
        ),
        Invalid(
            id="layout_and_comments_survive",
            before='''\
import numpy as np
import tensorflow as tf


def model_fn(features, labels, mode):
    y = tf.compat.v1.layers.dense(features["x"], 2)
    loss = (np.mean(
        y,  # all of it
        axis=None,
    ))
    stacked = np.stack([y, y], axis=-1)
    print(
        "loss",
        loss,
    )
    return tf.estimator.EstimatorSpec(mode, loss=loss, predictions={'y': y})
''',
            findings=("EF201:7:safe", "EF201:11:safe", "EF204:12:safe"),
            after='''\
import numpy as np
import tensorflow as tf


def model_fn(features, labels, mode):
    y = tf.compat.v1.layers.dense(features["x"], 2)
    loss = (tf.reduce_mean(
        y,  # all of it
        axis=None,
    ))
    stacked = tf.stack([y, y], axis=-1)
    with tf.control_dependencies([tf.print(
        "loss",
        loss,
    )]):
        loss = tf.identity(loss)
    return tf.estimator.EstimatorSpec(mode, loss=loss, predictions={'y': y})
''',
        ),
        Invalid(
            id="dtype_named_through_an_aliased_numpy_import",
            before='''\
import numpy as np
import tensorflow as tf
from numpy import float64 as f64


def model_fn(features, labels, mode):
    y = tf.cast(features["x"], f64)
    loss = np.mean(y)
    return tf.estimator.EstimatorSpec(mode, loss=loss)
''',
            findings=("EF201:8:safe",),
            after='''\
import numpy as np
import tensorflow as tf
from numpy import float64 as f64


def model_fn(features, labels, mode):
    y = tf.cast(features["x"], f64)
    loss = tf.reduce_mean(y)
    return tf.estimator.EstimatorSpec(mode, loss=loss)
''',
        ),
    ),
)
