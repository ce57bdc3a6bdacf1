"""EF104: summary that runs in PREDICT."""

from __future__ import annotations

from codemods.modes.policy import TagPolicy
from codemods.rules.rule import FixSafety, Invalid, Rule, Valid
from codemods.vocabulary import Mode, Tag

CODE = "EF104"


#: What ``tf.summary`` holds besides the summaries: writers and their cache, the switches that
#: say whether summaries are recorded (``tf.contrib.summary``'s too: context managers, which
#: called alone build nothing at all), the step and trace settings - objects and settings, no
#: summary op PREDICT would build (``tf.summary.FileWriter(log_dir)`` in every mode is fine).
_NOT_SUMMARIES = frozenset(
    {"create_file_writer", "create_noop_writer", "record_if", "should_record_summaries",
     "flush", "trace_on", "trace_off", "trace_export", "get_summary_description",
     "record_summaries_every_n_global_steps", "always_record_summaries",
     "never_record_summaries", "create_summary_file_writer", "create_db_writer",
     "summary_writer_initializer_op", "eval_dir"}
)


def is_summary(tf_name: str) -> bool:
    """``tf.summary.scalar``, ``histogram``, ``image``, ``merge_all``, ...: the calls that build
    summary ops (not a class, ``FileWriter``, ``Summary``, nor ``_NOT_SUMMARIES``, nor the
    ``experimental`` settings)."""
    if not tf_name.startswith("tensorflow.summary."):
        return False
    parts = tf_name[len("tensorflow.summary.") :].split(".")
    return not (parts[0] == "experimental" or parts[0][:1].isupper() or parts[0] in _NOT_SUMMARIES)


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
            # tf.contrib.summary's recording switch, called alone (not as a `with` header): a
            # context manager made and dropped, no summary op; the summaries are after PREDICT
            id="a_recording_switch_called_alone_builds_nothing",
            source='''\
import tensorflow as tf


def model_fn(features, labels, mode, params):
    step = tf.compat.v1.train.get_or_create_global_step()
    logits = tf.compat.v1.layers.dense(features["x"], 3)
    tf.contrib.summary.record_summaries_every_n_global_steps(100, global_step=step)
    if mode == tf.estimator.ModeKeys.PREDICT:
        return tf.estimator.EstimatorSpec(mode, predictions={"logits": logits})
    loss = tf.compat.v1.losses.sparse_softmax_cross_entropy(labels, logits)
    tf.contrib.summary.scalar("loss", loss, step=step)
    if mode == tf.estimator.ModeKeys.TRAIN:
        train_op = tf.compat.v1.train.AdamOptimizer(0.01).minimize(loss, step)
        return tf.estimator.EstimatorSpec(mode, loss=loss, train_op=train_op)
    return tf.estimator.EstimatorSpec(mode, loss=loss)
''',
        ),
        Valid(
            # ``if False:`` in a helper switches its summaries off: no mode writes them
            id="summaries_a_helper_switched_off",
            source='''\
import tensorflow as tf


def _loss(features, targets):
    logits = tf.compat.v1.layers.dense(features, 1)
    loss = tf.reduce_mean(tf.square(targets - logits))
    if False:  # switched off by hand
        tf.compat.v1.summary.histogram("logits", logits)
    return logits, loss


def model_fn(features, labels, mode, params):
    logits, loss = _loss(features["x"], features["y"])
    if mode == tf.estimator.ModeKeys.TRAIN:
        opt = tf.compat.v1.train.GradientDescentOptimizer(0.1)
        train_op = opt.minimize(loss, tf.compat.v1.train.get_or_create_global_step())
        return tf.estimator.EstimatorSpec(mode, loss=loss, train_op=train_op)
    return tf.estimator.EstimatorSpec(mode, loss=loss)
''',
        ),
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
        Valid(
            # a writer made (and stored in the writers' cache, an attribute of the tf module)
            # in every mode is an object, no summary op: neither it nor what reads tf after it
            id="writer_in_every_mode",
            source='''\
import tensorflow as tf


def model_fn(features, labels, mode, params):
    tf.compat.v1.summary.FileWriterCache._cache[params["log_dir"]] = (
        tf.compat.v1.summary.FileWriter(params["log_dir"], graph=None)
    )
    is_training = mode == tf.estimator.ModeKeys.TRAIN
    with tf.summary.record_if(is_training):
        logits = tf.compat.v1.layers.dense(features["x"], 3)
    if mode == tf.estimator.ModeKeys.PREDICT:
        return tf.estimator.EstimatorSpec(mode, predictions={"logits": logits})
    loss = tf.compat.v1.losses.sparse_softmax_cross_entropy(labels, logits)
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
            # a histogram of each gradient builds a summary, no training op: in PREDICT it is
            # the summary's finding (EF104), not EF102 like the gradients it reads; it moves into
            # TRAIN with them
            id="a_summary_of_each_gradient_before_the_predict_return",
            before='''\
import tensorflow as tf


def model_fn(features, labels, mode):
    logits = tf.compat.v1.layers.dense(features["x"], 1)
    loss = tf.compat.v1.losses.mean_squared_error(features["y"], logits)
    optimizer = tf.compat.v1.train.AdamOptimizer()
    grads = optimizer.compute_gradients(loss)
    for grad, var in grads:
        tf.compat.v1.summary.histogram(var.name, grad)
    if mode == tf.estimator.ModeKeys.PREDICT:
        return tf.estimator.EstimatorSpec(mode, predictions=logits)
    if mode == tf.estimator.ModeKeys.EVAL:
        return tf.estimator.EstimatorSpec(mode, loss=loss)
    train_op = optimizer.apply_gradients(grads, tf.compat.v1.train.get_or_create_global_step())
    return tf.estimator.EstimatorSpec(mode, loss=loss, train_op=train_op)
''',
            findings=("EF102:7:safe", "EF102:8:safe", "EF104:10:safe"),
            after='''\
import tensorflow as tf


def model_fn(features, labels, mode):
    logits = tf.compat.v1.layers.dense(features["x"], 1)
    loss = tf.compat.v1.losses.mean_squared_error(features["y"], logits)
    if mode == tf.estimator.ModeKeys.TRAIN:
        optimizer = tf.compat.v1.train.AdamOptimizer()
        grads = optimizer.compute_gradients(loss)
        for grad, var in grads:
            tf.compat.v1.summary.histogram(var.name, grad)
        train_op = optimizer.apply_gradients(grads, tf.compat.v1.train.get_or_create_global_step())
        return tf.estimator.EstimatorSpec(mode, loss=loss, train_op=train_op)
    if mode == tf.estimator.ModeKeys.PREDICT:
        return tf.estimator.EstimatorSpec(mode, predictions=logits)
    if mode == tf.estimator.ModeKeys.EVAL:
        return tf.estimator.EstimatorSpec(mode, loss=loss)
''',
        ),
        Invalid(
            # a method model_fn calls a method its class inherits from a class of the module, which
            # writes a summary of the loss it computes: PREDICT runs it, and what PREDICT returns
            # does not need it, so it moves below the PREDICT return
            id="summary_in_a_method_the_class_inherits",
            before='''\
import tensorflow as tf


class Base:
    def xent(self, logits, labels):
        loss = tf.compat.v1.losses.sparse_softmax_cross_entropy(labels, logits)
        tf.compat.v1.summary.scalar("xent", loss)
        return loss


class Student(Base):
    def model_function(self, features, labels, mode, params):
        logits = tf.compat.v1.layers.dense(features["x"], 2)
        loss = self.xent(logits, labels)
        if mode == tf.estimator.ModeKeys.PREDICT:
            return tf.estimator.EstimatorSpec(mode, predictions={"logits": logits})
        return tf.estimator.EstimatorSpec(mode, loss=loss)
''',
            findings=("EF104:14:safe",),
            after='''\
import tensorflow as tf


class Base:
    def xent(self, logits, labels):
        loss = tf.compat.v1.losses.sparse_softmax_cross_entropy(labels, logits)
        tf.compat.v1.summary.scalar("xent", loss)
        return loss


class Student(Base):
    def model_function(self, features, labels, mode, params):
        logits = tf.compat.v1.layers.dense(features["x"], 2)
        if mode == tf.estimator.ModeKeys.PREDICT:
            return tf.estimator.EstimatorSpec(mode, predictions={"logits": logits})
        loss = self.xent(logits, labels)
        return tf.estimator.EstimatorSpec(mode, loss=loss)
''',
        ),
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
