"""EF203: tf.Session or sess.run inside model_fn."""

from __future__ import annotations

from codemods.rules.rule import FixSafety, Invalid, Rule, Valid

RULE = Rule(
    code="EF203",
    title="tf.Session or sess.run inside model_fn",
    fix=FixSafety.REPORT,
    fix_summary="report only, with the recipe",
    what=(
        "Finds `tf.Session()` / `tf.compat.v1.Session()` and `sess.run(...)` inside a "
        "model_fn."
    ),
    why=(
        "model_fn only builds the graph; the Estimator creates the session, initialises "
        "variables and runs the graph every step. A session opened inside model_fn runs "
        "once, at graph-build time, on uninitialised variables (FailedPreconditionError)."
    ),
    example='''\
with tf.compat.v1.Session() as sess:
    print('initial loss', sess.run(loss))
return tf.estimator.EstimatorSpec(mode, loss=loss, train_op=train_op)
''',
    use_instead='''\
hook = tf.estimator.LoggingTensorHook({'loss': loss}, every_n_iter=1)
return tf.estimator.EstimatorSpec(mode, loss=loss, train_op=train_op,
                                  training_hooks=[hook])
''',
    fix_safety=(
        "Report only. Recipe: to see a value every step, print it with tf.print (see "
        "EF204) or log it with tf.estimator.LoggingTensorHook in the TRAIN spec's "
        "training_hooks; to use it, return it in predictions or as eval_metric_ops."
    ),
    message="`{call}` inside a model_fn",
    valid=(
        Valid(
            id="session_outside_the_model_fn",
            source='''\
import tensorflow as tf


def model_fn(features, labels, mode):
    logits = tf.compat.v1.layers.dense(features["x"], 3)
    return tf.estimator.EstimatorSpec(mode, predictions={"logits": logits})


def export_checkpoint(path):
    with tf.compat.v1.Session() as sess:
        saver = tf.compat.v1.train.import_meta_graph(path + ".meta")
        saver.restore(sess, path)
        return sess.run("logits:0")
''',
        ),
    ),
    invalid=(
        Invalid(
            id="session_reported",
            before='''\
import numpy as np
import tensorflow as tf


def model_fn(features, labels, mode):
    y = tf.compat.v1.layers.dense(features["x"], 1)
    loss = tf.reduce_mean(y)
    with tf.compat.v1.Session() as sess:
        value = sess.run(loss)
    other = tf.compat.v1.Session().run(y)
    return tf.estimator.EstimatorSpec(mode, loss=loss, predictions={'y': y})
''',
            findings=("EF203:8:none", "EF203:9:none", "EF203:10:none"),
        ),
    ),
)
