"""EF104: summary that runs in PREDICT."""

from __future__ import annotations

from codemods.modes.policy import TagPolicy
from codemods.rules.rule import FixSafety, Invalid, Rule, Valid
from codemods.vocabulary import Mode, Tag

CODE = "EF104"


def is_summary(tf_name: str) -> bool:
    return tf_name.startswith("tensorflow.summary.")


POLICY = TagPolicy(
    code=CODE,
    tag=Tag.SUMMARY,
    blocked_in=frozenset({Mode.PREDICT}),
    priority=2,
    tf_call=is_summary,
)

RULE = Rule(
    code=CODE,
    title="summary that runs in PREDICT",
    fix=FixSafety.SAFE,
    fix_summary="safe: moved out of the PREDICT path",
    what="Finds `tf.summary.*` calls that run in PREDICT.",
    why=(
        "Summaries are written by the training and evaluation loops; in PREDICT nothing "
        "writes them, and a summary of the loss crashes on labels=None. Summaries in EVAL "
        "are harmless: no finding."
    ),
    example='''\
tf.compat.v1.summary.histogram('inputs', features['x'])
return tf.estimator.EstimatorSpec(mode, predictions={'x': features['x']})
''',
    use_instead='''\
if mode != tf.estimator.ModeKeys.PREDICT:
    tf.compat.v1.summary.histogram('inputs', features['x'])
return tf.estimator.EstimatorSpec(mode, predictions={'x': features['x']})
''',
    fix_safety=(
        "Safe: the summary is guarded with `if mode != PREDICT:` (or the PREDICT return "
        "moves up past it)."
    ),
    message="summary {what} runs in PREDICT",
    valid=(
        Valid(
            id="summary_after_the_predict_return",
            source='''\
import tensorflow as tf


def model_fn(features, labels, mode):
    logits = tf.compat.v1.layers.dense(features["x"], 3)
    if mode == tf.estimator.ModeKeys.PREDICT:
        return tf.estimator.EstimatorSpec(mode, predictions={"logits": logits})
    loss = tf.compat.v1.losses.sparse_softmax_cross_entropy(labels, logits)
    tf.compat.v1.summary.scalar("loss", loss)
    if mode == tf.estimator.ModeKeys.EVAL:
        return tf.estimator.EstimatorSpec(mode, loss=loss)
    optimizer = tf.compat.v1.train.GradientDescentOptimizer(0.1)
    train_op = optimizer.minimize(loss, global_step=tf.compat.v1.train.get_or_create_global_step())
    return tf.estimator.EstimatorSpec(mode, loss=loss, train_op=train_op)
''',
        ),
    ),
    invalid=(
        Invalid(
            id="noqa_keeps_statement",
            before='''\
import tensorflow as tf

def model_fn(features, labels, mode):
    pred = tf.compat.v1.layers.dense(features["x"], 1)
    loss = tf.reduce_mean(tf.square(labels - pred))  # noqa: EF101
    tf.compat.v1.summary.scalar("loss", loss)
    if mode == tf.estimator.ModeKeys.PREDICT:
        return tf.estimator.EstimatorSpec(mode, predictions=pred)
    return tf.estimator.EstimatorSpec(mode, loss=loss)
''',
            findings=("EF104:6:safe",),
            after='''\
import tensorflow as tf

def model_fn(features, labels, mode):
    pred = tf.compat.v1.layers.dense(features["x"], 1)
    loss = tf.reduce_mean(tf.square(labels - pred))  # noqa: EF101
    if mode == tf.estimator.ModeKeys.PREDICT:
        return tf.estimator.EstimatorSpec(mode, predictions=pred)
    tf.compat.v1.summary.scalar("loss", loss)
    return tf.estimator.EstimatorSpec(mode, loss=loss)
''',
        ),
    ),
)
