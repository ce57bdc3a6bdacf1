"""EF105: one EstimatorSpec makes a mode build or need what it should not.

``codemods.modes.specs`` finds, per mode, the fields of the spec a return gives that the mode's
Estimator ignores (``tf_api.FIELD_MODES``); ``harmful`` says which of them are findings, and the
return is then split into one spec per mode. A field that costs nothing where it is ignored is
not: ``export_outputs`` (Python objects, no ops), a field None in that mode, predictions (every
mode builds them), metrics outside PREDICT.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from codemods.rules.rule import FixSafety, Invalid, Rule, Valid
from codemods.vocabulary import MODE_ORDER, Mode

CODE = "EF105"

#: Per mode, the spec fields whose value is work that mode should not build or need.
HARMFUL: dict[Mode, frozenset[str]] = {
    Mode.PREDICT: frozenset(
        {"train_op", "eval_metric_ops", "eval_metrics", "training_hooks", "training_chief_hooks"}
    ),
    Mode.EVAL: frozenset({"train_op", "training_hooks", "training_chief_hooks"}),
}
#: Per mode, the fields harmful there only when computed from labels (None in PREDICT).
FROM_LABELS: dict[Mode, frozenset[str]] = {Mode.PREDICT: frozenset({"loss"})}


def harmful(field: str, mode: Mode, from_labels: bool) -> bool:
    """Whether a non-None ``field`` a ``mode`` ignores makes that mode build or need what it
    should not (``from_labels``: its value is derived from labels)."""
    if field in HARMFUL.get(mode, frozenset()):
        return True
    return from_labels and field in FROM_LABELS.get(mode, frozenset())

ASSIGNED_SPEC_NOTE = (
    "the spec is assigned to a name before it is returned; build one spec per mode, each "
    "returned directly"
)
NO_PREDICTIONS_NOTE = (
    "PREDICT reaches this spec but it has no predictions, so PREDICT cannot work with or "
    "without the split: give PREDICT its predictions (or end PREDICT earlier), then split"
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
    title="one EstimatorSpec makes a mode build what it should not",
    fix=FixSafety.SAFE,
    fix_summary="safe: split into one spec per mode",
    what=(
        "Finds one EstimatorSpec returned in several modes whose fields make a mode build or "
        "need what it should not: a label-derived loss, a train_op, metric ops or training hooks "
        "in PREDICT; a train_op or training hooks in EVAL."
    ),
    why=(
        "A spec returned in every mode makes every mode build what its fields need. A "
        "label-derived loss in the PREDICT spec crashes predict() and export (labels is None "
        "there); a train_op built in EVAL or PREDICT adds an optimizer's slots and gradients "
        "to graphs that never train; metric ops in PREDICT need labels; training hooks run "
        "their ops where nothing trains. Fields that cost nothing where they are ignored are "
        "not findings: export_outputs outside PREDICT (Python objects, no ops), a field that "
        "is None in the mode (set to None and only assigned under a mode test), predictions "
        "(every mode builds them), metrics built for TRAIN and EVAL."
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
            # `EstimatorSpec(**specs)`: each mode's dict holds only the fields that mode uses
            # (a display for PREDICT, `dict(...)` calls for the others) - nothing foreign
            id="a_spec_of_a_dict_each_mode_fills_with_its_own_fields",
            source='''\
import tensorflow as tf


def model_fn(features, labels, mode):
    logits = tf.compat.v1.layers.dense(features["x"], 1)
    if mode == tf.estimator.ModeKeys.PREDICT:
        specs = {"mode": mode, "predictions": logits}
    else:
        loss = tf.compat.v1.losses.mean_squared_error(labels, logits)
        specs = dict(mode=mode, loss=loss)
        if mode == tf.estimator.ModeKeys.TRAIN:
            optimizer = tf.compat.v1.train.AdamOptimizer()
            train_op = optimizer.minimize(loss, tf.compat.v1.train.get_or_create_global_step())
            specs = dict(mode=mode, loss=loss, train_op=train_op)
    return tf.estimator.EstimatorSpec(**specs)
''',
        ),
        Valid(
            # `loss = train_op = None` in PREDICT's branch binds each name to None, as two
            # assignments would: the one spec gives PREDICT no train op
            id="a_chained_assignment_of_none_in_the_predict_branch",
            source='''\
import tensorflow as tf


def model_fn(features, labels, mode):
    logits = tf.compat.v1.layers.dense(features["x"], 1)
    if mode != tf.estimator.ModeKeys.PREDICT:
        loss = tf.compat.v1.losses.mean_squared_error(labels, logits)
        train_op = None
        if mode == tf.estimator.ModeKeys.TRAIN:
            step = tf.compat.v1.train.get_or_create_global_step()
            train_op = tf.compat.v1.train.AdamOptimizer().minimize(loss, step)
    else:
        loss = train_op = None
    return tf.estimator.EstimatorSpec(mode, predictions=logits, loss=loss, train_op=train_op)
''',
        ),
        Valid(
            # `self.loss = self.train_op = None` stores None in each attribute, as two
            # assignments would: PREDICT and EVAL hand the spec no train op
            id="attributes_chained_to_none_and_set_per_mode",
            source='''\
import tensorflow as tf


class Model(object):
    def model_fn(self, features, labels, mode):
        self.loss = self.train_op = None
        logits = tf.compat.v1.layers.dense(features["x"], 3)
        if mode != tf.estimator.ModeKeys.PREDICT:
            self.loss = tf.compat.v1.losses.sparse_softmax_cross_entropy(labels, logits)
        if mode == tf.estimator.ModeKeys.TRAIN:
            step = tf.compat.v1.train.get_or_create_global_step()
            self.train_op = tf.compat.v1.train.AdamOptimizer().minimize(self.loss, step)
        return tf.estimator.EstimatorSpec(
            mode, predictions=logits, loss=self.loss, train_op=self.train_op
        )
''',
        ),
        Valid(
            # `train_op: tf.Operation = None` binds None as `train_op = None` does: set in
            # TRAIN only, the one spec gives the other modes no train op
            id="fields_annotated_none_and_set_per_mode",
            source='''\
import tensorflow as tf


def model_fn(features, labels, mode):
    loss: tf.Tensor = None
    train_op: tf.Operation = None
    logits = tf.compat.v1.layers.dense(features["x"], 3)
    if mode != tf.estimator.ModeKeys.PREDICT:
        loss = tf.compat.v1.losses.sparse_softmax_cross_entropy(labels, logits)
    if mode == tf.estimator.ModeKeys.TRAIN:
        step = tf.compat.v1.train.get_or_create_global_step()
        train_op = tf.compat.v1.train.AdamOptimizer().minimize(loss, step)
    return tf.estimator.EstimatorSpec(mode, predictions=logits, loss=loss, train_op=train_op)
''',
        ),
        Valid(
            # the model built under a scope of another module (opaque, so the block is judged
            # whole): its body still runs once, so EVAL hands the one spec the None it bound
            # to the train_op, not "whatever the block computed"
            id="train_op_none_in_a_block_under_an_imported_scope",
            source='''\
import tensorflow as tf

from utils.var_storage import model_variable_scope


def model_fn(features, labels, mode, params):
    is_training = mode == tf.estimator.ModeKeys.TRAIN
    with model_variable_scope("net", reuse=tf.compat.v1.AUTO_REUSE):
        logits = tf.compat.v1.layers.dense(features["x"], 3)
        if mode == tf.estimator.ModeKeys.PREDICT:
            return tf.estimator.EstimatorSpec(mode, predictions={"logits": logits})
        loss = tf.compat.v1.losses.sparse_softmax_cross_entropy(labels, logits)
        train_op = None
        if is_training:
            step = tf.compat.v1.train.get_or_create_global_step()
            train_op = tf.compat.v1.train.AdamOptimizer(0.01).minimize(loss, step)
    return tf.estimator.EstimatorSpec(mode=mode, loss=loss, train_op=train_op)
''',
        ),
        Valid(
            # the first tower's metrics, bound in the loop, are what the helper given the mode gave:
            # None where it gates them, as its own result is
            id="first_towers_metrics_of_a_helper_given_the_mode",
            source='''\
import tensorflow as tf


def make_model_fn(tower_fn, num_towers):
    def model_fn(features, labels, mode, params):
        opt = tf.compat.v1.train.GradientDescentOptimizer(0.1) if mode == tf.estimator.ModeKeys.TRAIN else None
        outputs, losses, grads = [], [], []
        for i in range(num_towers):
            with tf.compat.v1.variable_scope("net", reuse=i > 0):
                output, loss, metrics = tower_fn(features, labels, mode, params)
                if i == 0:
                    eval_metrics = metrics
                outputs.append(output)
                if loss is not None:
                    losses.append(loss)
                if mode == tf.estimator.ModeKeys.TRAIN:
                    grads.append(opt.compute_gradients(loss))
        loss = tf.add_n(losses) if losses else None
        if mode == tf.estimator.ModeKeys.TRAIN:
            train_op = opt.apply_gradients(grads[0], tf.compat.v1.train.get_or_create_global_step())
        else:
            train_op = None
        return tf.estimator.EstimatorSpec(
            mode,
            predictions=tf.concat(outputs, 0),
            loss=loss,
            train_op=train_op,
            eval_metric_ops=eval_metrics,
        )

    return model_fn
''',
        ),
        Valid(
            # the same, with the spec bound to a name before it is returned: EVAL fails on the
            # `loss` only TRAIN binds whatever the spec's fields are
            id="a_spec_bound_to_a_name_eval_fails_on_whatever_the_others_hold",
            source='''\
import tensorflow as tf


def model_fn(features, labels, mode):
    logits = tf.compat.v1.layers.dense(features["x"], 2)
    predictions = {"classes": tf.argmax(logits, 1)}
    if mode == tf.estimator.ModeKeys.TRAIN:
        loss = tf.compat.v1.losses.sparse_softmax_cross_entropy(labels, logits)
        train_op = tf.compat.v1.train.AdamOptimizer().minimize(loss)
    if mode == tf.estimator.ModeKeys.PREDICT:
        return tf.estimator.EstimatorSpec(mode, predictions=predictions)
    spec = tf.estimator.EstimatorSpec(mode, predictions=predictions, loss=loss, train_op=train_op)
    return spec
''',
        ),
        Valid(
            id="eval_fails_on_a_field_it_reads_whatever_the_others_hold",
            source='''\
import tensorflow as tf


def model_fn(features, labels, mode):
    logits = tf.compat.v1.layers.dense(features["x"], 2)
    predictions = {"classes": tf.argmax(logits, 1)}
    if mode == tf.estimator.ModeKeys.TRAIN:
        loss = tf.compat.v1.losses.sparse_softmax_cross_entropy(labels, logits)
        train_op = tf.compat.v1.train.AdamOptimizer().minimize(loss)
    if mode == tf.estimator.ModeKeys.PREDICT:
        return tf.estimator.EstimatorSpec(mode, predictions=predictions)
    return tf.estimator.EstimatorSpec(mode, predictions=predictions, loss=loss, train_op=train_op)
''',
        ),
        Valid(
            id="metrics_and_export_outputs_that_cost_nothing",
            source='''\
import tensorflow as tf


def model_fn(features, labels, mode):
    logits = tf.compat.v1.layers.dense(features["x"], 3)
    predictions = {"classes": tf.argmax(logits, 1)}
    if mode == tf.estimator.ModeKeys.PREDICT:
        outputs = {"serving_default": tf.estimator.export.PredictOutput(predictions)}
        return tf.estimator.EstimatorSpec(mode, predictions=predictions, export_outputs=outputs)
    loss = tf.compat.v1.losses.sparse_softmax_cross_entropy(labels, logits)
    accuracy = tf.compat.v1.metrics.accuracy(labels, predictions["classes"])
    tf.compat.v1.summary.scalar("accuracy", accuracy[1])
    train_op = None
    if mode == tf.estimator.ModeKeys.TRAIN:
        optimizer = tf.compat.v1.train.GradientDescentOptimizer(0.1)
        train_op = optimizer.minimize(loss, global_step=tf.compat.v1.train.get_or_create_global_step())
    return tf.estimator.EstimatorSpec(
        mode, loss=loss, train_op=train_op, eval_metric_ops={"accuracy": accuracy}
    )
''',
        ),
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
            # `EstimatorSpec(**specs)` where TRAIN and EVAL share the dict that holds the train op:
            # the fields are read from the dict each mode holds at the return (report only: the
            # fields behind `**` are not split)
            id="a_spec_of_a_dict_that_hands_eval_the_train_op",
            before='''\
import tensorflow as tf


def model_fn(features, labels, mode):
    logits = tf.compat.v1.layers.dense(features["x"], 1)
    if mode == tf.estimator.ModeKeys.PREDICT:
        specs = dict(mode=mode, predictions=logits)
    else:
        loss = tf.compat.v1.losses.mean_squared_error(labels, logits)
        optimizer = tf.compat.v1.train.AdamOptimizer()
        train_op = optimizer.minimize(loss, tf.compat.v1.train.get_or_create_global_step())
        specs = dict(mode=mode, loss=loss, train_op=train_op)
    return tf.estimator.EstimatorSpec(**specs)
''',
            findings=("EF102:10:none", "EF102:11:none", "EF105:13:none"),
        ),
        Invalid(
            id="a_repository_spec_class_named_for_one",
            before='''\
import tensorflow as tf

from project.estimator import ProjectEstimatorSpec


def model_fn(features, labels, mode):
    logits = tf.compat.v1.layers.dense(features["x"], 1)
    if mode == tf.estimator.ModeKeys.PREDICT:
        return ProjectEstimatorSpec(mode=mode, predictions=logits)
    loss = tf.reduce_mean(tf.square(labels - logits))
    train_op = tf.compat.v1.train.AdamOptimizer().minimize(loss)
    return ProjectEstimatorSpec(mode=mode, loss=loss, train_op=train_op)
''',
            findings=("EF102:11:safe", "EF105:12:safe"),
            after='''\
import tensorflow as tf

from project.estimator import ProjectEstimatorSpec


def model_fn(features, labels, mode):
    logits = tf.compat.v1.layers.dense(features["x"], 1)
    if mode == tf.estimator.ModeKeys.PREDICT:
        return ProjectEstimatorSpec(mode=mode, predictions=logits)
    loss = tf.reduce_mean(tf.square(labels - logits))
    if mode == tf.estimator.ModeKeys.TRAIN:
        train_op = tf.compat.v1.train.AdamOptimizer().minimize(loss)
        return ProjectEstimatorSpec(mode=mode, loss=loss, train_op=train_op)
    return ProjectEstimatorSpec(mode=mode, loss=loss)
''',
        ),
        Invalid(
            id="spec_assigned_then_changed_in_place",
            before='''\
import tensorflow as tf


def model_fn(features, labels, mode, params):
    logits = tf.compat.v1.layers.dense(features["x"], 3)
    loss = tf.compat.v1.losses.sparse_softmax_cross_entropy(labels, logits)
    optimizer = tf.compat.v1.train.GradientDescentOptimizer(0.1)
    train_op = optimizer.minimize(loss, global_step=tf.compat.v1.train.get_or_create_global_step())
    if mode == tf.estimator.ModeKeys.PREDICT:
        return tf.estimator.EstimatorSpec(mode, predictions={"logits": logits})
    spec = tf.estimator.EstimatorSpec(mode, loss=loss, train_op=train_op)
    spec.extra_info = {"loss": loss}
    return spec
''',
            findings=("EF101:6:safe", "EF102:7:none", "EF102:8:none", "EF105:13:none"),
            # the spec is not split, yet the label code and the train op leave PREDICT
            after='''\
import tensorflow as tf


def model_fn(features, labels, mode, params):
    logits = tf.compat.v1.layers.dense(features["x"], 3)
    if mode != tf.estimator.ModeKeys.PREDICT:
        loss = tf.compat.v1.losses.sparse_softmax_cross_entropy(labels, logits)
    optimizer = tf.compat.v1.train.GradientDescentOptimizer(0.1)
    if mode == tf.estimator.ModeKeys.PREDICT:
        return tf.estimator.EstimatorSpec(mode, predictions={"logits": logits})
    train_op = optimizer.minimize(loss, global_step=tf.compat.v1.train.get_or_create_global_step())
    spec = tf.estimator.EstimatorSpec(mode, loss=loss, train_op=train_op)
    spec.extra_info = {"loss": loss}
    return spec
''',
        ),
        Invalid(
            id="no_predictions_for_predict_is_not_split",
            before='''\
import tensorflow as tf


def model_fn(features, labels, mode, params):
    logits = tf.compat.v1.layers.dense(features["x"], 3)

    def loss_fn(batch, logits):
        _, targets = batch
        return tf.compat.v1.losses.sparse_softmax_cross_entropy(targets, logits)

    loss = loss_fn((features, labels), logits)
    if mode == tf.estimator.ModeKeys.TRAIN:
        optimizer = tf.compat.v1.train.GradientDescentOptimizer(0.1)
        step = tf.compat.v1.train.get_or_create_global_step()
        return tf.estimator.EstimatorSpec(mode, loss=loss, train_op=optimizer.minimize(loss, step))
    return tf.estimator.EstimatorSpec(mode, loss=loss)
''',
            findings=("EF101:11:none", "EF105:16:none"),
        ),
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
            findings=("EF101:6:safe", "EF102:7:safe", "EF105:10:safe"),
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
