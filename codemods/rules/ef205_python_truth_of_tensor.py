"""EF205: Python if/while/and/or/not/bool() on a tensor."""

from __future__ import annotations

from codemods.rules.rule import FixSafety, Invalid, Rule, Valid

RULE = Rule(
    code="EF205",
    title="Python if/while/and/or/not/bool() on a tensor",
    fix=FixSafety.REPORT,
    fix_summary="report only (suggests tf.cond / tf.where)",
    what=(
        "Finds `if t > 0:`, `while t:`, `t and x`, `not t`, `bool(t)`, `assert t` and `a "
        "if t else b` where `t` is a tensor."
    ),
    why=(
        "A symbolic tensor has no truth value while the graph is built: these raise "
        "OperatorNotAllowedInGraphError. `is None` tests and comparisons with None are "
        "Python tests: no finding."
    ),
    example='''\
if tf.reduce_mean(logits) > 0:
    logits = -logits
''',
    use_instead='''\
logits = tf.cond(tf.reduce_mean(logits) > 0, lambda: -logits, lambda: logits)
''',
    fix_safety=(
        "Report only. Decide in the graph instead: tf.cond(pred, true_fn, false_fn) for "
        "control flow, tf.where(cond, x, y) to pick values elementwise; or decide in "
        "Python on static facts (x.shape, params, mode)."
    ),
    message=(
        "Python `{construct}` on a tensor `{expression}` (graph mode raises: a symbolic "
        "tensor has no truth value)"
    ),
    valid=(
        Valid(
            id="python_tests_on_static_facts",
            source='''\
import tensorflow as tf


def model_fn(features, labels, mode, params):
    logits = tf.compat.v1.layers.dense(features["x"], params["classes"])
    if params["use_softmax"] and logits.shape[-1] > 1:
        logits = tf.nn.softmax(logits)
    if labels is not None:
        labels = tf.cast(labels, tf.int32)
    return tf.estimator.EstimatorSpec(mode, predictions={"logits": logits})
''',
        ),
    ),
    invalid=(
        Invalid(
            id="python_truth_of_tensors_reported",
            before='''\
import numpy as np
import tensorflow as tf


def model_fn(features, labels, mode):
    y = tf.compat.v1.layers.dense(features["x"], 1)
    loss = tf.reduce_mean(y)
    if loss > 0 or labels is None:
        loss = -loss
    while y:
        break
    assert bool(loss)
    z = y if loss else -y
    w = loss and y
    if labels is not None and mode == "train":
        pass
    return tf.estimator.EstimatorSpec(mode, loss=loss, predictions={'y': y})
''',
            findings=("EF205:8:none", "EF205:10:none", "EF205:12:none", "EF205:13:none", "EF205:14:none"),
        ),
    ),
)
