"""EF206: tf.executing_eagerly() branch inside model_fn."""

from __future__ import annotations

from codemods.rules.rule import FixSafety, Invalid, Rule, Valid

RULE = Rule(
    code="EF206",
    title="tf.executing_eagerly() branch inside model_fn",
    fix=FixSafety.SAFE,
    fix_summary="safe: keep the graph branch, drop the dead one",
    what=(
        "Finds `if tf.executing_eagerly():` branches (also `not`, a name bound to the "
        "call, an `and`/`or` the call decides first, and `a if tf.executing_eagerly() "
        "else b`) inside a model_fn."
    ),
    why=(
        "Estimator always calls model_fn inside a graph, so tf.executing_eagerly() is "
        "False there and its branch is dead code (often with .numpy() calls that would "
        "crash). Code in the dead branch is not reported."
    ),
    example='''\
if tf.executing_eagerly():
    print(logits.numpy())
else:
    logits = tf.clip_by_value(logits, -10.0, 10.0)
''',
    use_instead='''\
logits = tf.clip_by_value(logits, -10.0, 10.0)
''',
    fix_safety=(
        "Safe: the fix keeps what runs \u2014 the else branch of `if tf.executing_eagerly():`, "
        "the body of `if not tf.executing_eagerly():`, the graph side of a conditional "
        "expression."
    ),
    message="{message}",
    valid=(
        Valid(
            id="eager_test_outside_the_model_fn",
            source='''\
import tensorflow as tf


def describe(tensor):
    if tf.executing_eagerly():
        return tensor.numpy()
    return tensor.name


def model_fn(features, labels, mode):
    logits = tf.compat.v1.layers.dense(features["x"], 3)
    return tf.estimator.EstimatorSpec(mode, predictions={"logits": logits})
''',
        ),
    ),
    invalid=(
        Invalid(
            id="executing_eagerly_branches",
            before='''\
import numpy as np
import tensorflow as tf


def model_fn(features, labels, mode):
    eager = tf.executing_eagerly()
    # choose the path
    if tf.executing_eagerly():
        y = features["x"].numpy()
    else:
        y = tf.identity(features["x"])
    if eager:
        print(y.numpy())
    if not tf.executing_eagerly():
        y = y * 2
    if tf.executing_eagerly() and mode == "train":
        y = y.numpy()
    elif mode == "eval":
        y = y + 1
    else:
        y = y - 1
    if mode == "infer":
        y = y / 2
    elif not eager:
        y = y / 3
    elif mode == "train":
        y = y.numpy()
    scale = 1.0 if tf.executing_eagerly() else (2.0)
    loss = tf.reduce_mean(y) * scale
    return tf.estimator.EstimatorSpec(mode, loss=loss, predictions={'y': y})
''',
            findings=("EF206:8:safe", "EF206:12:safe", "EF206:14:safe", "EF206:16:safe", "EF206:24:safe", "EF206:28:safe"),
            after='''\
import numpy as np
import tensorflow as tf


def model_fn(features, labels, mode):
    eager = tf.executing_eagerly()
    # choose the path
    y = tf.identity(features["x"])
    y = y * 2
    if mode == "eval":
        y = y + 1
    else:
        y = y - 1
    if mode == "infer":
        y = y / 2
    else:
        y = y / 3
    scale = (2.0)
    loss = tf.reduce_mean(y) * scale
    return tf.estimator.EstimatorSpec(mode, loss=loss, predictions={'y': y})
''',
        ),
        Invalid(
            id="eager_test_left_when_undecided",
            before='''\
import numpy as np
import tensorflow as tf


def model_fn(features, labels, mode):
    y = features["x"]
    if mode == "train" and tf.executing_eagerly():
        y = y * 2
    loss = tf.reduce_mean(y)
    return tf.estimator.EstimatorSpec(mode, loss=loss, predictions={'y': y})
''',
            findings=("EF206:7:none",),
        ),
    ),
)
