"""EF105: one EstimatorSpec carries fields for other modes.

``codemods.modes.specs`` finds, per mode, the fields of the spec a return gives that the mode's
Estimator ignores (``tf_api.FIELD_MODES``) and splits the return into one spec per mode.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from codemods.rules.rule import FixSafety, Invalid, Rule, Valid
from codemods.vocabulary import MODE_ORDER, Mode

CODE = "EF105"

ASSIGNED_SPEC_NOTE = (
    "the spec is assigned to a name before it is returned; build one spec per mode, each "
    "returned directly"
)
NESTED_SPEC_NOTE = (
    "returned from inside a branch that is not a mode test; build one spec per mode in each "
    "branch"
)


def fields_text(foreign: Mapping[Mode, Sequence[str]]) -> str:
    """``loss, train_op in PREDICT; train_op in EVAL``: the message's list of fields."""
    return "; ".join(
        f"{', '.join(foreign[mode])} in {mode.key}" for mode in MODE_ORDER if mode in foreign
    )


RULE = Rule(
    code=CODE,
    title="one EstimatorSpec carries fields for other modes",
    fix=FixSafety.SAFE,
    fix_summary="safe: split into one spec per mode",
    what=(
        "Finds one EstimatorSpec returned in several modes whose fields belong to other "
        "modes."
    ),
    why=(
        "A single spec returned in every mode with loss, train_op, eval_metric_ops and "
        "export_outputs forces every mode to build every field. Each field belongs to "
        "modes: export_outputs and prediction_hooks to PREDICT; train_op and training "
        "hooks to TRAIN; eval_metric_ops / TPU eval_metrics and evaluation hooks to EVAL; "
        "loss to TRAIN and EVAL; predictions and scaffold stay where they were. A field "
        "that is None in a mode (set to None and only assigned under a mode test) is "
        "fine: no finding."
    ),
    example='''\
hook = tf.estimator.LoggingTensorHook({'loss': loss}, every_n_iter=10)
return tf.estimator.EstimatorSpec(mode, loss=loss, predictions={'l': logits}, training_hooks=[hook])
''',
    use_instead='''\
hook = tf.estimator.LoggingTensorHook({'loss': loss}, every_n_iter=10)
if mode == tf.estimator.ModeKeys.PREDICT:
    return tf.estimator.EstimatorSpec(mode, predictions={'l': logits})
if mode == tf.estimator.ModeKeys.TRAIN:
    return tf.estimator.EstimatorSpec(mode, loss=loss, predictions={'l': logits}, training_hooks=[hook])
return tf.estimator.EstimatorSpec(mode, loss=loss, predictions={'l': logits})
''',
    fix_safety=(
        "Safe: the return becomes one spec per mode, each with that mode's fields, in an "
        "`if mode == ...:` chain. A spec assigned to a name before it is returned, or "
        "returned from inside a branch that is not a mode test, is reported with fix "
        "'none'."
    ),
    message="one EstimatorSpec carries fields for other modes ({fields})",
    valid=(
        Valid(
            id="none_guarded_fields_in_one_spec",
            source='''\
import tensorflow as tf


def model_fn(features, labels, mode):
    logits = tf.compat.v1.layers.dense(features["x"], 3)
    predictions = {"classes": tf.argmax(logits, 1)}
    loss = None
    train_op = None
    if mode != tf.estimator.ModeKeys.PREDICT:
        loss = tf.compat.v1.losses.sparse_softmax_cross_entropy(labels, logits)
    if mode == tf.estimator.ModeKeys.TRAIN:
        optimizer = tf.compat.v1.train.GradientDescentOptimizer(0.1)
        train_op = optimizer.minimize(loss, global_step=tf.compat.v1.train.get_or_create_global_step())
    return tf.estimator.EstimatorSpec(mode, predictions=predictions, loss=loss, train_op=train_op)
''',
        ),
    ),
    invalid=(
        Invalid(
            id="spec_seed",
            before='''\
import tensorflow as tf


def my_model_fn(features, labels, mode, params):
    predictions = tf.compat.v1.layers.dense(features["x"], 1)
    mse = tf.reduce_mean(tf.square(labels - predictions))      # labels is None in PREDICT
    train_op = tf.compat.v1.train.AdamOptimizer(0.01).minimize(mse, global_step=tf.compat.v1.train.get_or_create_global_step())
    if mode == tf.estimator.ModeKeys.PREDICT:
        return tf.estimator.EstimatorSpec(mode, predictions={"y": predictions})
    return tf.estimator.EstimatorSpec(mode, loss=mse, train_op=train_op)
''',
            findings=("EF101:6:safe", "EF102:7:safe", "EF105:10:safe",),
            after='''\
import tensorflow as tf


def my_model_fn(features, labels, mode, params):
    predictions = tf.compat.v1.layers.dense(features["x"], 1)
    if mode == tf.estimator.ModeKeys.PREDICT:
        return tf.estimator.EstimatorSpec(mode, predictions={"y": predictions})
    mse = tf.reduce_mean(tf.square(labels - predictions))      # labels is None in PREDICT
    if mode == tf.estimator.ModeKeys.TRAIN:
        train_op = tf.compat.v1.train.AdamOptimizer(0.01).minimize(mse, global_step=tf.compat.v1.train.get_or_create_global_step())
        return tf.estimator.EstimatorSpec(mode, loss=mse, train_op=train_op)
    return tf.estimator.EstimatorSpec(mode, loss=mse)
''',
        ),
    ),
)
