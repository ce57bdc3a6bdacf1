"""EF103: metric ops built where nothing uses them."""

from __future__ import annotations

from codemods.modes.policy import StatementView, TagPolicy
from codemods.rules.rule import FixSafety, Invalid, Rule, Valid
from codemods.vocabulary import Mode, Tag

CODE = "EF103"


def is_metric(tf_name: str) -> bool:
    return tf_name.startswith("tensorflow.metrics.")


#: First words of a function that makes another and returns it (``make_accuracy_metric_fn``).
FACTORY_VERBS = frozenset({"make", "create", "build", "get", "new"})


def names_metric(words: tuple[str, ...]) -> bool:
    """A helper named ``metric_fn`` / ``eval_metrics_fn`` (TPU models build metrics there), or
    named for the metric it builds (``sum_metric``, ``streaming_f1_metric``); not a factory of
    metric functions (``make_accuracy_metric_fn(vocabulary)`` returns a function: no op)."""
    return names_metric_fn(words) or words[-1:] == ("metric",)


def names_metric_fn(words: tuple[str, ...]) -> bool:
    """``metric_fn`` / ``train_metric_fn`` / ``eval_metrics_fn``: SPEC counts its calls as
    metric ops, even where the file's own body computes its metrics by hand."""
    if words[-2:] in {("metric", "fn"), ("metrics", "fn")}:
        return words[0] not in FACTORY_VERBS
    return False


def harmless(view: StatementView) -> bool:
    """A summary, a hook, a named ``tf.identity`` or a call of a function the analysis cannot
    read whose result nothing keeps, given a metric, uses it. (Gathering metrics
    into a dict, ``{"acc": acc}``, builds none: it is no finding, and goes where they go.)"""
    return view.consumes


POLICY = TagPolicy(
    code=CODE,
    tag=Tag.METRIC,
    blocked_in=frozenset({Mode.PREDICT, Mode.TRAIN}),
    priority=1,
    tf_call=is_metric,
    helper=names_metric,
    named_by_spec=names_metric_fn,
    exempt=harmless,
    used_in=frozenset({Mode.TRAIN}),  # a training accuracy logged by a summary or a hook
)

RULE = Rule(
    code=CODE,
    title="metric ops built where nothing uses them",
    fix=FixSafety.SAFE,
    fix_summary=(
        "safe: moved into EVAL (kept in TRAIN where a summary, hook or the loss reads "
        "them)"
    ),
    what=(
        "Finds metric ops (`tf.metrics.*`, `metric_fn(...)` calls) built in a mode that "
        "does not use them: always in PREDICT; in TRAIN unless a summary, a hook or the "
        "loss reads them (also those built right in a spec field TRAIN ignores: "
        "`eval_metric_ops=metric_fn(...)` in the TRAIN spec, dropped from it)."
    ),
    why=(
        "tf.metrics ops create local variables and update ops that only evaluate() runs. "
        "Built in PREDICT they crash on labels; built in TRAIN without a consumer they "
        "are dead weight. Logging a training accuracy through a summary or a hook is a "
        "use (the TensorFlow guide does it): no finding then. So is handing the metrics to "
        "a function the analysis cannot read (another module's `log_metrics(metrics)`) "
        "whose result nothing keeps: called for what it does with them."
    ),
    example='''\
if mode == tf.estimator.ModeKeys.PREDICT:
    return tf.estimator.EstimatorSpec(mode, predictions={'l': logits})
accuracy = tf.compat.v1.metrics.accuracy(labels, tf.argmax(logits, 1))
if mode == tf.estimator.ModeKeys.EVAL:
    return tf.estimator.EstimatorSpec(mode, loss=loss, eval_metric_ops={'accuracy': accuracy})
return tf.estimator.EstimatorSpec(mode, loss=loss, train_op=tf.no_op())
''',
    use_instead='''\
if mode == tf.estimator.ModeKeys.PREDICT:
    return tf.estimator.EstimatorSpec(mode, predictions={'l': logits})
if mode == tf.estimator.ModeKeys.EVAL:
    accuracy = tf.compat.v1.metrics.accuracy(labels, tf.argmax(logits, 1))
    return tf.estimator.EstimatorSpec(mode, loss=loss, eval_metric_ops={'accuracy': accuracy})
return tf.estimator.EstimatorSpec(mode, loss=loss, train_op=tf.no_op())
''',
    fix_safety=(
        "Safe: the metric moves into the EVAL path (and stays in TRAIN where something "
        "there reads it). Under TF 1.x, skipping a metric in TRAIN shifts the seeds of "
        "later unseeded random ops: the finding's note says so when such an op follows."
    ),
    message="metric {what} is built where nothing uses it ({where})",
    valid=(
        Valid(
            # TRAIN reads `self.auc` in a summary: the metric kept on the object is used there
            id="a_metric_on_the_object_a_training_summary_reads",
            source='''\
import tensorflow as tf


class Model(object):
    def model_fn(self, features, labels, mode):
        self.labels = labels
        logits = tf.compat.v1.layers.dense(features["x"], 1)
        if mode == tf.estimator.ModeKeys.PREDICT:
            return tf.estimator.EstimatorSpec(mode, predictions=logits)
        self.loss = tf.compat.v1.losses.mean_squared_error(self.labels, logits)
        self.auc = tf.compat.v1.metrics.auc(tf.cast(self.labels, tf.bool), tf.sigmoid(logits))
        tf.compat.v1.summary.scalar("auc", self.auc[1])
        self.train_op = None
        if mode == tf.estimator.ModeKeys.TRAIN:
            self.train_op = tf.compat.v1.train.AdamOptimizer().minimize(self.loss)
        return tf.estimator.EstimatorSpec(
            mode, loss=self.loss, train_op=self.train_op, eval_metric_ops={"auc": self.auc}
        )
''',
        ),
        Valid(
            # a method of the object may read any of its attributes: `self.log()` may use the metric
            id="a_metric_on_the_object_a_method_of_it_may_read",
            source='''\
import tensorflow as tf


class Model(object):
    def model_fn(self, features, labels, mode):
        self.labels = labels
        logits = tf.compat.v1.layers.dense(features["x"], 1)
        if mode == tf.estimator.ModeKeys.PREDICT:
            return tf.estimator.EstimatorSpec(mode, predictions=logits)
        self.loss = tf.compat.v1.losses.mean_squared_error(self.labels, logits)
        self.auc = tf.compat.v1.metrics.auc(tf.cast(self.labels, tf.bool), tf.sigmoid(logits))
        self.log()
        self.train_op = None
        if mode == tf.estimator.ModeKeys.TRAIN:
            self.train_op = tf.compat.v1.train.AdamOptimizer().minimize(self.loss)
        return tf.estimator.EstimatorSpec(
            mode, loss=self.loss, train_op=self.train_op, eval_metric_ops={"auc": self.auc}
        )
''',
        ),
        Valid(
            # a function of the file builds what its body builds, whatever its name says: this
            # one looks a tensor up by name and builds no metric op
            id="a_files_function_named_for_metrics_that_builds_none",
            source='''\
import tensorflow as tf


def get_cm_metric():
    total = tf.compat.v1.get_default_graph().get_tensor_by_name("mean_iou/total_confusion_matrix:0")
    return tf.identity(total), tf.no_op()


def model_fn(features, labels, mode, params):
    logits = tf.compat.v1.layers.dense(features["x"], 3)
    classes = tf.argmax(logits, axis=-1)
    if mode == tf.estimator.ModeKeys.PREDICT:
        return tf.estimator.EstimatorSpec(mode, predictions={"classes": classes})
    loss = tf.compat.v1.losses.sparse_softmax_cross_entropy(labels, logits)
    if mode == tf.estimator.ModeKeys.TRAIN:
        opt = tf.compat.v1.train.AdamOptimizer()
        train_op = opt.minimize(loss, tf.compat.v1.train.get_or_create_global_step())
    else:
        train_op = None
    mean_iou = tf.compat.v1.metrics.mean_iou(labels, classes, 3)
    tf.compat.v1.summary.scalar("mean_iou", mean_iou[0])
    cm_metric = get_cm_metric()
    metrics = {"mean_iou": mean_iou, "cm": cm_metric}
    return tf.estimator.EstimatorSpec(mode, loss=loss, train_op=train_op, eval_metric_ops=metrics)
''',
        ),
        Valid(
            id="per_mode_helper_with_a_default_mode",
            source='''\
import tensorflow as tf
from project.modes import ModeKeys


class Ranker(object):
    def model_fn(self, features, labels, mode):
        logits = tf.compat.v1.layers.dense(features["x"], 1)
        if mode is ModeKeys.PREDICT:
            return self._predict(features, logits)
        loss = tf.compat.v1.losses.sigmoid_cross_entropy(labels, logits)
        return tf.estimator.EstimatorSpec(mode, loss=loss, train_op=tf.no_op()) if mode is ModeKeys.TRAIN else tf.estimator.EstimatorSpec(mode, loss=loss)

    def _predict(self, features, logits, mode=tf.estimator.ModeKeys.PREDICT):
        probability = tf.nn.sigmoid(logits)
        total, current = tf.compat.v1.metrics.auc(features["clicked"], probability)
        hook = tf.compat.v1.train.LoggingTensorHook({"auc": current}, every_n_iter=100)
        return tf.estimator.EstimatorSpec(mode, predictions={"p": probability}, prediction_hooks=[hook])
''',
        ),
        Valid(
            id="metrics_of_either_block_handed_to_an_unreadable_method",
            source='''\
import tensorflow as tf
from project.base import BaseModel


class TwoTowers(BaseModel):
    def model_fn(self, features, labels, mode, params):
        score = tf.compat.v1.layers.dense(features["x"], 1)
        if mode == tf.estimator.ModeKeys.PREDICT:
            return tf.estimator.EstimatorSpec(mode, predictions={"score": score})
        if params["softmax"]:
            loss = tf.compat.v1.losses.softmax_cross_entropy(labels, score)
            metrics = {"acc": tf.compat.v1.metrics.accuracy(tf.argmax(labels, 1), tf.argmax(score, 1))}
        else:
            loss = tf.compat.v1.losses.log_loss(labels, tf.nn.sigmoid(score))
            metrics = {"auc": tf.compat.v1.metrics.auc(labels, tf.nn.sigmoid(score))}
        self._build_summary(loss, metrics)
        if mode == tf.estimator.ModeKeys.EVAL:
            return tf.estimator.EstimatorSpec(mode, loss=loss, eval_metric_ops=metrics)
        train_op = tf.compat.v1.train.AdamOptimizer().minimize(loss, tf.compat.v1.train.get_or_create_global_step())
        return tf.estimator.EstimatorSpec(mode, loss=loss, train_op=train_op)
''',
        ),
        Valid(
            id="guide_style_noop",
            source='''\
import tensorflow as tf

def model_fn(features, labels, mode, params):
    is_training = mode == tf.estimator.ModeKeys.TRAIN
    logits = tf.compat.v1.layers.dense(features["x"], 3)
    logits = tf.compat.v1.layers.dropout(logits, 0.1, training=is_training)
    predictions = {"classes": tf.argmax(logits, 1)}
    loss = None
    train_op = None
    if mode != tf.estimator.ModeKeys.PREDICT:
        loss = tf.compat.v1.losses.sparse_softmax_cross_entropy(labels, logits)
        acc = tf.compat.v1.metrics.accuracy(labels, predictions["classes"])
        tf.compat.v1.summary.scalar("acc", acc[1])
    if is_training:
        train_op = tf.compat.v1.train.AdamOptimizer().minimize(loss, tf.compat.v1.train.get_global_step())
    return tf.estimator.EstimatorSpec(mode=mode, predictions=predictions, loss=loss, train_op=train_op)
''',
        ),
    ),
    invalid=(
        Invalid(
            # SPEC counts metric_fn(...) calls as metric ops: a metric_fn of the file is one by its
            # name, even where its body computes an accuracy by hand; PREDICT does not use it
            id="a_metric_fn_that_computes_its_metrics_by_hand",
            before='''\
import tensorflow as tf


def train_metric_fn(logits, ids):
    predictions = tf.argmax(logits, axis=-1, output_type=tf.int32)
    accuracy = tf.reduce_mean(tf.cast(tf.equal(predictions, ids), tf.float32))
    return {"accuracy": accuracy}


def model_fn(features, labels, mode, params):
    logits = tf.compat.v1.layers.dense(features["x"], 5)
    metrics = train_metric_fn(logits, features["ids"])
    if mode == tf.estimator.ModeKeys.PREDICT:
        return tf.estimator.EstimatorSpec(mode, predictions={"logits": logits})
    loss = tf.compat.v1.losses.sparse_softmax_cross_entropy(features["ids"], logits)
    if mode == tf.estimator.ModeKeys.TRAIN:
        hook = tf.compat.v1.train.LoggingTensorHook(metrics, every_n_iter=100)
        opt = tf.compat.v1.train.AdamOptimizer(0.01)
        train_op = opt.minimize(loss, tf.compat.v1.train.get_or_create_global_step())
        return tf.estimator.EstimatorSpec(mode, loss=loss, train_op=train_op, training_hooks=[hook])
    return tf.estimator.EstimatorSpec(mode, loss=loss)
''',
            findings=("EF103:12:safe",),
            after='''\
import tensorflow as tf


def train_metric_fn(logits, ids):
    predictions = tf.argmax(logits, axis=-1, output_type=tf.int32)
    accuracy = tf.reduce_mean(tf.cast(tf.equal(predictions, ids), tf.float32))
    return {"accuracy": accuracy}


def model_fn(features, labels, mode, params):
    logits = tf.compat.v1.layers.dense(features["x"], 5)
    if mode == tf.estimator.ModeKeys.PREDICT:
        return tf.estimator.EstimatorSpec(mode, predictions={"logits": logits})
    metrics = train_metric_fn(logits, features["ids"])
    loss = tf.compat.v1.losses.sparse_softmax_cross_entropy(features["ids"], logits)
    if mode == tf.estimator.ModeKeys.TRAIN:
        hook = tf.compat.v1.train.LoggingTensorHook(metrics, every_n_iter=100)
        opt = tf.compat.v1.train.AdamOptimizer(0.01)
        train_op = opt.minimize(loss, tf.compat.v1.train.get_or_create_global_step())
        return tf.estimator.EstimatorSpec(mode, loss=loss, train_op=train_op, training_hooks=[hook])
    return tf.estimator.EstimatorSpec(mode, loss=loss)
''',
        ),
        Invalid(
            # the metric built right in a spec bound to a name (returned later) runs in TRAIN for nothing
            id="metrics_built_in_a_spec_bound_to_a_name",
            before='''\
import tensorflow as tf


def model_fn(features, labels, mode, params):
    logits = tf.compat.v1.layers.dense(features["x"], 3)
    classes = tf.argmax(logits, 1)
    if mode == tf.estimator.ModeKeys.PREDICT:
        return tf.estimator.EstimatorSpec(mode, predictions={"classes": classes})
    loss = tf.compat.v1.losses.sparse_softmax_cross_entropy(labels, logits)
    optimizer = tf.compat.v1.train.GradientDescentOptimizer(0.1)
    train_op = optimizer.minimize(loss, tf.compat.v1.train.get_or_create_global_step())
    spec = tf.estimator.EstimatorSpec(
        mode,
        loss=loss,
        train_op=train_op,
        eval_metric_ops={"acc": tf.compat.v1.metrics.accuracy(labels, classes)},
    )
    return spec
''',
            findings=("EF102:10:none", "EF102:11:none", "EF103:12:none", "EF105:18:none",),
        ),
        Invalid(
            # a metric kept on the object (`self.auc`) is used where `self.auc` is read, not
            # wherever another attribute of the object is: TRAIN reads only `self.loss` and
            # `self.train_op` of the spec, so it builds the metric for nothing
            id="a_metric_stored_on_the_object_train_never_reads",
            before='''\
import tensorflow as tf


class Model(object):
    def model_fn(self, features, labels, mode):
        self.labels = labels
        logits = tf.compat.v1.layers.dense(features["x"], 1)
        if mode == tf.estimator.ModeKeys.PREDICT:
            return tf.estimator.EstimatorSpec(mode, predictions=logits)
        self.loss = tf.compat.v1.losses.mean_squared_error(self.labels, logits)
        self.auc = tf.compat.v1.metrics.auc(tf.cast(self.labels, tf.bool), tf.sigmoid(logits))
        self.train_op = None
        if mode == tf.estimator.ModeKeys.TRAIN:
            self.train_op = tf.compat.v1.train.AdamOptimizer().minimize(self.loss)
        return tf.estimator.EstimatorSpec(
            mode, loss=self.loss, train_op=self.train_op, eval_metric_ops={"auc": self.auc}
        )
''',
            findings=("EF103:11:none",),
        ),
        Invalid(
            # `slim = tf.contrib.slim` at module level: `slim.metrics` is contrib's metrics, so
            # the streaming accuracy is a metric op TRAIN builds for nothing
            id="a_slim_metric_through_a_module_alias",
            before='''\
import tensorflow as tf

slim = tf.contrib.slim


def model_fn(features, labels, mode, params):
    logits = tf.compat.v1.layers.dense(features["x"], 2)
    predictions = tf.argmax(logits, 1)
    if mode == tf.estimator.ModeKeys.PREDICT:
        return tf.estimator.EstimatorSpec(mode=mode, predictions={"output": predictions})
    loss = tf.compat.v1.losses.sparse_softmax_cross_entropy(labels, logits)
    eval_metric_ops = {"acc": slim.metrics.streaming_accuracy(predictions, labels)}
    train_op = None
    if mode == tf.estimator.ModeKeys.TRAIN:
        train_op = tf.compat.v1.train.AdamOptimizer().minimize(loss)
    return tf.estimator.EstimatorSpec(
        mode=mode, loss=loss, train_op=train_op, eval_metric_ops=eval_metric_ops
    )
''',
            findings=("EF103:12:none",),
        ),
        Invalid(
            id="metrics_filled_in_a_block_train_uses_for_other_values",
            before='''\
import tensorflow as tf


def model_fn(features, labels, mode, params):
    logits = tf.compat.v1.layers.dense(features["x"], 2)
    if mode == tf.estimator.ModeKeys.PREDICT:
        return tf.estimator.EstimatorSpec(mode, predictions={"logits": logits})
    loss = tf.compat.v1.losses.sparse_softmax_cross_entropy(labels, logits)
    with tf.name_scope("metrics"):
        errors = tf.cast(tf.not_equal(tf.argmax(logits, 1), labels), tf.float32)
        metrics = {"error": tf.compat.v1.metrics.mean(errors)}
    if params["auxiliary"]:
        aux = tf.compat.v1.layers.dense(features["x"], 2, name="aux")
        aux_errors = tf.cast(tf.not_equal(tf.argmax(aux, 1), labels), tf.float32)
        loss += tf.compat.v1.losses.sparse_softmax_cross_entropy(labels, aux)
        metrics["aux_error"] = tf.compat.v1.metrics.mean(aux_errors)
    if mode == tf.estimator.ModeKeys.EVAL:
        return tf.estimator.EstimatorSpec(mode, loss=loss, eval_metric_ops=metrics)
    hook = tf.compat.v1.train.LoggingTensorHook({"error": tf.reduce_mean(errors)}, every_n_iter=10)
    train_op = tf.compat.v1.train.AdamOptimizer().minimize(loss, tf.compat.v1.train.get_or_create_global_step())
    return tf.estimator.EstimatorSpec(mode, loss=loss, train_op=train_op, training_hooks=[hook])
''',
            findings=("EF103:11:none", "EF103:16:none"),
        ),
        Invalid(
            id="metrics_gathered_in_a_dict_before_the_eval_return",
            before='''\
import tensorflow as tf


def model_fn(features, labels, mode, params):
    logits = tf.compat.v1.layers.dense(features["x"], 2)
    classes = tf.argmax(logits, 1)
    if mode == tf.estimator.ModeKeys.PREDICT:
        return tf.estimator.EstimatorSpec(mode, predictions={"classes": classes})
    loss = tf.compat.v1.losses.sparse_softmax_cross_entropy(labels, logits)
    accuracy = tf.compat.v1.metrics.accuracy(labels, classes)
    auc = tf.compat.v1.metrics.auc(labels, classes)
    metrics = {"accuracy": accuracy, "auc": auc}
    if mode == tf.estimator.ModeKeys.EVAL:
        return tf.estimator.EstimatorSpec(mode, loss=loss, eval_metric_ops=metrics)
    optimizer = tf.compat.v1.train.GradientDescentOptimizer(0.1)
    train_op = optimizer.minimize(loss, global_step=tf.compat.v1.train.get_or_create_global_step())
    return tf.estimator.EstimatorSpec(mode, loss=loss, train_op=train_op)
''',
            findings=("EF103:10:safe", "EF103:11:safe"),
            after='''\
import tensorflow as tf


def model_fn(features, labels, mode, params):
    logits = tf.compat.v1.layers.dense(features["x"], 2)
    classes = tf.argmax(logits, 1)
    if mode == tf.estimator.ModeKeys.PREDICT:
        return tf.estimator.EstimatorSpec(mode, predictions={"classes": classes})
    loss = tf.compat.v1.losses.sparse_softmax_cross_entropy(labels, logits)
    if mode == tf.estimator.ModeKeys.EVAL:
        accuracy = tf.compat.v1.metrics.accuracy(labels, classes)
        auc = tf.compat.v1.metrics.auc(labels, classes)
        metrics = {"accuracy": accuracy, "auc": auc}
        return tf.estimator.EstimatorSpec(mode, loss=loss, eval_metric_ops=metrics)
    optimizer = tf.compat.v1.train.GradientDescentOptimizer(0.1)
    train_op = optimizer.minimize(loss, global_step=tf.compat.v1.train.get_or_create_global_step())
    return tf.estimator.EstimatorSpec(mode, loss=loss, train_op=train_op)
''',
        ),
        Invalid(
            id="aux_head_and_single_spec",
            before='''\
import tensorflow as tf
from tensorflow.estimator import EstimatorSpec as Spec, ModeKeys as MK


def model_fn(features, labels, mode, params):
    net = tf.compat.v1.layers.dense(features["x"], 8)
    # aux head
    aux_logits = tf.compat.v1.layers.dense(net, 3)
    aux_loss = tf.compat.v1.losses.sparse_softmax_cross_entropy(labels, aux_logits)
    logits = tf.compat.v1.layers.dense(net, 3)
    predictions = {"classes": tf.argmax(logits, 1)}
    loss = tf.compat.v1.losses.sparse_softmax_cross_entropy(labels, logits) + 0.3 * aux_loss
    acc = tf.compat.v1.metrics.accuracy(labels, predictions["classes"])
    tf.compat.v1.summary.scalar("loss", loss)
    optimizer = tf.compat.v1.train.GradientDescentOptimizer(0.1)
    train_op = optimizer.minimize(loss, global_step=tf.compat.v1.train.get_or_create_global_step())
    return Spec(
        mode=mode,
        predictions=predictions,
        loss=loss,
        train_op=train_op,
        eval_metric_ops={"acc": acc},
        export_outputs={"out": tf.estimator.export.PredictOutput(predictions)},
    )
''',
            findings=("EF101:9:safe", "EF101:12:safe", "EF103:13:safe", "EF104:14:safe", "EF102:15:safe", "EF102:16:safe", "EF105:17:safe"),
            after='''\
import tensorflow as tf
from tensorflow.estimator import EstimatorSpec as Spec, ModeKeys as MK


def model_fn(features, labels, mode, params):
    net = tf.compat.v1.layers.dense(features["x"], 8)
    # aux head
    aux_logits = tf.compat.v1.layers.dense(net, 3)
    if mode != MK.PREDICT:
        aux_loss = tf.compat.v1.losses.sparse_softmax_cross_entropy(labels, aux_logits)
    logits = tf.compat.v1.layers.dense(net, 3)
    predictions = {"classes": tf.argmax(logits, 1)}
    if mode == MK.PREDICT:
        return Spec(
            mode=mode,
            predictions=predictions,
            export_outputs={"out": tf.estimator.export.PredictOutput(predictions)},
        )
    loss = tf.compat.v1.losses.sparse_softmax_cross_entropy(labels, logits) + 0.3 * aux_loss
    if mode == MK.EVAL:
        acc = tf.compat.v1.metrics.accuracy(labels, predictions["classes"])
    tf.compat.v1.summary.scalar("loss", loss)
    if mode == MK.TRAIN:
        optimizer = tf.compat.v1.train.GradientDescentOptimizer(0.1)
        train_op = optimizer.minimize(loss, global_step=tf.compat.v1.train.get_or_create_global_step())
        return Spec(
            mode=mode,
            predictions=predictions,
            loss=loss,
            train_op=train_op,
        )
    return Spec(
        mode=mode,
        predictions=predictions,
        loss=loss,
        eval_metric_ops={"acc": acc},
    )
''',
        ),
    ),
)
