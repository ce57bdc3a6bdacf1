"""EF202: tensor turned into a Python value."""

from __future__ import annotations

from codemods.rules.rule import FixSafety, Invalid, Rule, Valid

RULE = Rule(
    code="EF202",
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
