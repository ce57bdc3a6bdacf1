"""Case table of the mode-scoping codemod: before, after, expected findings (code:line:fix)."""

from __future__ import annotations

CASES = [
    (
        'spec_seed',
        False,
        '''\
import tensorflow as tf


def my_model_fn(features, labels, mode, params):
    predictions = tf.compat.v1.layers.dense(features["x"], 1)
    mse = tf.reduce_mean(tf.square(labels - predictions))      # labels is None in PREDICT
    train_op = tf.compat.v1.train.AdamOptimizer(0.01).minimize(mse, global_step=tf.compat.v1.train.get_or_create_global_step())
    if mode == tf.estimator.ModeKeys.PREDICT:
        return tf.estimator.EstimatorSpec(mode, predictions={"y": predictions})
    return tf.estimator.EstimatorSpec(mode, loss=mse, train_op=train_op)
''',
        '''\
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
        ['EF101:6:safe', 'EF102:7:safe', 'EF105:10:safe'],
    ),
    (
        'aux_head_and_single_spec',
        False,
        '''\
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
        '''\
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
        ['EF101:9:safe', 'EF101:12:safe', 'EF103:13:safe', 'EF104:14:safe', 'EF102:15:safe', 'EF102:16:safe', 'EF105:17:safe'],
    ),
    (
        'guide_style_noop',
        False,
        '''\
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
        '''\
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
        [],
    ),
    (
        'ema_apply_never_moves',
        False,
        '''\
import tensorflow as tf

def model_fn(features, labels, mode, params):
    logits = tf.compat.v1.layers.dense(features["x"], 1)
    loss = tf.compat.v1.losses.mean_squared_error(labels, logits)
    ema = tf.compat.v1.train.ExponentialMovingAverage(0.99)
    opt_op = tf.compat.v1.train.GradientDescentOptimizer(0.1).minimize(loss, tf.compat.v1.train.get_or_create_global_step())
    with tf.control_dependencies([opt_op]):
        train_op = ema.apply(tf.compat.v1.trainable_variables())
    if mode == tf.estimator.ModeKeys.PREDICT:
        return tf.estimator.EstimatorSpec(mode, predictions={"y": logits})
    return tf.estimator.EstimatorSpec(mode, loss=loss, train_op=train_op)
''',
        '''\
import tensorflow as tf

def model_fn(features, labels, mode, params):
    logits = tf.compat.v1.layers.dense(features["x"], 1)
    loss = tf.compat.v1.losses.mean_squared_error(labels, logits)
    ema = tf.compat.v1.train.ExponentialMovingAverage(0.99)
    opt_op = tf.compat.v1.train.GradientDescentOptimizer(0.1).minimize(loss, tf.compat.v1.train.get_or_create_global_step())
    with tf.control_dependencies([opt_op]):
        train_op = ema.apply(tf.compat.v1.trainable_variables())
    if mode == tf.estimator.ModeKeys.PREDICT:
        return tf.estimator.EstimatorSpec(mode, predictions={"y": logits})
    if mode == tf.estimator.ModeKeys.TRAIN:
        return tf.estimator.EstimatorSpec(mode, loss=loss, train_op=train_op)
    return tf.estimator.EstimatorSpec(mode, loss=loss)
''',
        ['EF101:5:none', 'EF102:7:none', 'EF102:8:none', 'EF105:12:safe'],
    ),
    (
        'tpu_eval_metrics_tuple',
        False,
        '''\
import tensorflow as tf

def model_fn(features, labels, mode, params):
    logits = tf.compat.v1.layers.dense(features["x"], 3)

    def metric_fn(labels, logits):
        return {"acc": tf.compat.v1.metrics.accuracy(labels, tf.argmax(logits, 1))}

    loss = tf.compat.v1.losses.sparse_softmax_cross_entropy(labels, logits)
    eval_metrics = (metric_fn, [labels, logits])
    if mode == tf.estimator.ModeKeys.PREDICT:
        return tf.compat.v1.estimator.tpu.TPUEstimatorSpec(mode, predictions={"logits": logits})
    if mode == tf.estimator.ModeKeys.EVAL:
        return tf.compat.v1.estimator.tpu.TPUEstimatorSpec(mode, loss=loss, eval_metrics=eval_metrics)
    train_op = tf.compat.v1.train.GradientDescentOptimizer(0.1).minimize(loss, tf.compat.v1.train.get_or_create_global_step())
    return tf.compat.v1.estimator.tpu.TPUEstimatorSpec(mode, loss=loss, train_op=train_op)
''',
        '''\
import tensorflow as tf

def model_fn(features, labels, mode, params):
    logits = tf.compat.v1.layers.dense(features["x"], 3)

    def metric_fn(labels, logits):
        return {"acc": tf.compat.v1.metrics.accuracy(labels, tf.argmax(logits, 1))}

    if mode == tf.estimator.ModeKeys.PREDICT:
        return tf.compat.v1.estimator.tpu.TPUEstimatorSpec(mode, predictions={"logits": logits})
    loss = tf.compat.v1.losses.sparse_softmax_cross_entropy(labels, logits)
    eval_metrics = (metric_fn, [labels, logits])
    if mode == tf.estimator.ModeKeys.EVAL:
        return tf.compat.v1.estimator.tpu.TPUEstimatorSpec(mode, loss=loss, eval_metrics=eval_metrics)
    train_op = tf.compat.v1.train.GradientDescentOptimizer(0.1).minimize(loss, tf.compat.v1.train.get_or_create_global_step())
    return tf.compat.v1.estimator.tpu.TPUEstimatorSpec(mode, loss=loss, train_op=train_op)
''',
        ['EF101:9:safe', 'EF101:10:safe'],
    ),
    (
        'targets_and_string_modes',
        False,
        '''\
import tensorflow as tf

def model_fn(features, targets, mode, params):
    y_ = targets
    pred = tf.compat.v1.layers.dense(features["x"], 1)
    loss = tf.reduce_mean(tf.square(y_ - pred))
    if mode == "infer":
        return tf.estimator.EstimatorSpec(mode, predictions=pred)
    train_op = tf.compat.v1.train.GradientDescentOptimizer(0.1).minimize(loss, tf.compat.v1.train.get_or_create_global_step())
    return tf.estimator.EstimatorSpec(mode, loss=loss, train_op=train_op)
''',
        '''\
import tensorflow as tf

def model_fn(features, targets, mode, params):
    y_ = targets
    pred = tf.compat.v1.layers.dense(features["x"], 1)
    if mode == "infer":
        return tf.estimator.EstimatorSpec(mode, predictions=pred)
    loss = tf.reduce_mean(tf.square(y_ - pred))
    if mode == "train":
        train_op = tf.compat.v1.train.GradientDescentOptimizer(0.1).minimize(loss, tf.compat.v1.train.get_or_create_global_step())
        return tf.estimator.EstimatorSpec(mode, loss=loss, train_op=train_op)
    return tf.estimator.EstimatorSpec(mode, loss=loss)
''',
        ['EF101:6:safe', 'EF102:9:safe', 'EF105:10:safe'],
    ),
    (
        'raise_guard_ifexp_noop',
        False,
        '''\
import tensorflow as tf

def model_fn(features, labels, mode):
    pred = tf.compat.v1.layers.dense(features["x"], 1)
    if mode == tf.estimator.ModeKeys.PREDICT:
        raise ValueError("no predict")
    loss = tf.reduce_mean(tf.square(labels - pred))
    if labels is not None:
        tf.compat.v1.summary.scalar("l", loss)
    train_op = tf.compat.v1.train.GradientDescentOptimizer(0.1).minimize(loss, tf.compat.v1.train.get_or_create_global_step()) if mode == tf.estimator.ModeKeys.TRAIN else None
    return tf.estimator.EstimatorSpec(mode, loss=loss, train_op=train_op)
''',
        '''\
import tensorflow as tf

def model_fn(features, labels, mode):
    pred = tf.compat.v1.layers.dense(features["x"], 1)
    if mode == tf.estimator.ModeKeys.PREDICT:
        raise ValueError("no predict")
    loss = tf.reduce_mean(tf.square(labels - pred))
    if labels is not None:
        tf.compat.v1.summary.scalar("l", loss)
    train_op = tf.compat.v1.train.GradientDescentOptimizer(0.1).minimize(loss, tf.compat.v1.train.get_or_create_global_step()) if mode == tf.estimator.ModeKeys.TRAIN else None
    return tf.estimator.EstimatorSpec(mode, loss=loss, train_op=train_op)
''',
        [],
    ),
    (
        'opaque_helper_ef106',
        False,
        '''\
import tensorflow as tf

def build(features, labels, mode):
    return None, None, None

def create_model(features, labels, num):
    logits = tf.compat.v1.layers.dense(features["x"], num)
    loss = tf.compat.v1.losses.sparse_softmax_cross_entropy(labels, logits)
    return loss, logits

def model_fn(features, labels, mode, params):
    loss, train_op, preds = build(features, labels, mode)
    total_loss, logits = create_model(features, labels, 3)
    if mode == tf.estimator.ModeKeys.PREDICT:
        return tf.estimator.EstimatorSpec(mode, predictions={"l": logits})
    return tf.estimator.EstimatorSpec(mode, loss=total_loss, train_op=train_op)
''',
        '''\
import tensorflow as tf

def build(features, labels, mode):
    return None, None, None

def create_model(features, labels, num):
    logits = tf.compat.v1.layers.dense(features["x"], num)
    loss = tf.compat.v1.losses.sparse_softmax_cross_entropy(labels, logits)
    return loss, logits

def model_fn(features, labels, mode, params):
    loss, train_op, preds = build(features, labels, mode)
    total_loss, logits = create_model(features, labels, 3)
    if mode == tf.estimator.ModeKeys.PREDICT:
        return tf.estimator.EstimatorSpec(mode, predictions={"l": logits})
    return tf.estimator.EstimatorSpec(mode, loss=total_loss, train_op=train_op)
''',
        ['EF106:13:none'],
    ),
    (
        'inline_layer_not_moved',
        False,
        '''\
import tensorflow as tf

def model_fn(features, labels, mode):
    aux_loss = tf.compat.v1.losses.mean_squared_error(labels, tf.compat.v1.layers.dense(features["x"], 1))
    pred = tf.compat.v1.layers.dense(features["x"], 1)
    if mode == tf.estimator.ModeKeys.PREDICT:
        return tf.estimator.EstimatorSpec(mode, predictions=pred)
    loss = tf.compat.v1.losses.mean_squared_error(labels, pred) + aux_loss
    train_op = tf.compat.v1.train.GradientDescentOptimizer(0.1).minimize(loss, tf.compat.v1.train.get_or_create_global_step())
    return tf.estimator.EstimatorSpec(mode, loss=loss, train_op=train_op)
''',
        '''\
import tensorflow as tf

def model_fn(features, labels, mode):
    aux_loss = tf.compat.v1.losses.mean_squared_error(labels, tf.compat.v1.layers.dense(features["x"], 1))
    pred = tf.compat.v1.layers.dense(features["x"], 1)
    if mode == tf.estimator.ModeKeys.PREDICT:
        return tf.estimator.EstimatorSpec(mode, predictions=pred)
    loss = tf.compat.v1.losses.mean_squared_error(labels, pred) + aux_loss
    if mode == tf.estimator.ModeKeys.TRAIN:
        train_op = tf.compat.v1.train.GradientDescentOptimizer(0.1).minimize(loss, tf.compat.v1.train.get_or_create_global_step())
        return tf.estimator.EstimatorSpec(mode, loss=loss, train_op=train_op)
    return tf.estimator.EstimatorSpec(mode, loss=loss)
''',
        ['EF101:4:none', 'EF102:9:safe', 'EF105:10:safe'],
    ),
    (
        'closure_method_oneliner_lookalike',
        False,
        '''\
import tensorflow as tf

def make_model_fn(lr):
    def model_fn(mode, features, labels):
        import tensorflow as tfl
        pred = tfl.compat.v1.layers.dense(features["x"], 1)
        loss = tfl.reduce_mean(tfl.square(labels - pred))
        if mode is tfl.estimator.ModeKeys.PREDICT:
            return tfl.estimator.EstimatorSpec(mode, predictions=pred)
        return tfl.estimator.EstimatorSpec(mode, loss=loss, train_op=tfl.compat.v1.train.GradientDescentOptimizer(lr).minimize(loss, tfl.compat.v1.train.get_or_create_global_step()))
    return model_fn

class Model:
    def model_fn(self, features, labels, mode, params):
        pred = tf.compat.v1.layers.dense(features["x"], 1)
        loss = tf.reduce_mean(tf.square(labels - pred))
        return tf.estimator.EstimatorSpec(mode, predictions=pred, loss=loss)

def one(features, labels, mode): return tf.estimator.EstimatorSpec(mode, predictions=features["x"])

def not_a_model_fn(features, labels, mode):
    loss = labels - features
    return loss

def passed(features, labels, mode, params):
    loss = tf.reduce_mean(labels)
    return make_spec(mode, loss)

est = tf.estimator.Estimator(model_fn=passed)
''',
        '''\
import tensorflow as tf

def make_model_fn(lr):
    def model_fn(mode, features, labels):
        import tensorflow as tfl
        pred = tfl.compat.v1.layers.dense(features["x"], 1)
        if mode is tfl.estimator.ModeKeys.PREDICT:
            return tfl.estimator.EstimatorSpec(mode, predictions=pred)
        loss = tfl.reduce_mean(tfl.square(labels - pred))
        if mode == tfl.estimator.ModeKeys.TRAIN:
            return tfl.estimator.EstimatorSpec(mode, loss=loss, train_op=tfl.compat.v1.train.GradientDescentOptimizer(lr).minimize(loss, tfl.compat.v1.train.get_or_create_global_step()))
        return tfl.estimator.EstimatorSpec(mode, loss=loss)
    return model_fn

class Model:
    def model_fn(self, features, labels, mode, params):
        pred = tf.compat.v1.layers.dense(features["x"], 1)
        if mode == tf.estimator.ModeKeys.PREDICT:
            return tf.estimator.EstimatorSpec(mode, predictions=pred)
        loss = tf.reduce_mean(tf.square(labels - pred))
        return tf.estimator.EstimatorSpec(mode, predictions=pred, loss=loss)

def one(features, labels, mode): return tf.estimator.EstimatorSpec(mode, predictions=features["x"])

def not_a_model_fn(features, labels, mode):
    loss = labels - features
    return loss

def passed(features, labels, mode, params):
    loss = tf.reduce_mean(labels)
    return make_spec(mode, loss)

est = tf.estimator.Estimator(model_fn=passed)
''',
        ['EF101:7:safe', 'EF105:10:safe', 'EF101:16:safe', 'EF105:17:safe', 'EF101:26:none'],
    ),
    (
        'seed_drawing_label_code',
        False,
        '''\
import tensorflow as tf

def model_fn(features, labels, mode):
    noisy = labels + tf.random.normal(tf.shape(labels))
    logits = tf.compat.v1.layers.dropout(features["x"], 0.5, training=mode == tf.estimator.ModeKeys.TRAIN)
    if mode == tf.estimator.ModeKeys.PREDICT:
        return tf.estimator.EstimatorSpec(mode, predictions=logits)
    loss = tf.reduce_mean(tf.square(noisy - logits))
    return tf.estimator.EstimatorSpec(mode, loss=loss)
''',
        '''\
import tensorflow as tf

def model_fn(features, labels, mode):
    noisy = labels + tf.random.normal(tf.shape(labels))
    logits = tf.compat.v1.layers.dropout(features["x"], 0.5, training=mode == tf.estimator.ModeKeys.TRAIN)
    if mode == tf.estimator.ModeKeys.PREDICT:
        return tf.estimator.EstimatorSpec(mode, predictions=logits)
    loss = tf.reduce_mean(tf.square(noisy - logits))
    return tf.estimator.EstimatorSpec(mode, loss=loss)
''',
        ['EF101:4:unsafe'],
    ),
    (
        'seed_drawing_label_code_unsafe',
        True,
        '''\
import tensorflow as tf

def model_fn(features, labels, mode):
    noisy = labels + tf.random.normal(tf.shape(labels))
    logits = tf.compat.v1.layers.dropout(features["x"], 0.5, training=mode == tf.estimator.ModeKeys.TRAIN)
    if mode == tf.estimator.ModeKeys.PREDICT:
        return tf.estimator.EstimatorSpec(mode, predictions=logits)
    loss = tf.reduce_mean(tf.square(noisy - logits))
    return tf.estimator.EstimatorSpec(mode, loss=loss)
''',
        '''\
import tensorflow as tf

def model_fn(features, labels, mode):
    logits = tf.compat.v1.layers.dropout(features["x"], 0.5, training=mode == tf.estimator.ModeKeys.TRAIN)
    if mode == tf.estimator.ModeKeys.PREDICT:
        return tf.estimator.EstimatorSpec(mode, predictions=logits)
    noisy = labels + tf.random.normal(tf.shape(labels))
    loss = tf.reduce_mean(tf.square(noisy - logits))
    return tf.estimator.EstimatorSpec(mode, loss=loss)
''',
        ['EF101:4:unsafe'],
    ),
    (
        'noqa_keeps_statement',
        False,
        '''\
import tensorflow as tf

def model_fn(features, labels, mode):
    pred = tf.compat.v1.layers.dense(features["x"], 1)
    loss = tf.reduce_mean(tf.square(labels - pred))  # noqa: EF101
    tf.compat.v1.summary.scalar("loss", loss)
    if mode == tf.estimator.ModeKeys.PREDICT:
        return tf.estimator.EstimatorSpec(mode, predictions=pred)
    return tf.estimator.EstimatorSpec(mode, loss=loss)
''',
        '''\
import tensorflow as tf

def model_fn(features, labels, mode):
    pred = tf.compat.v1.layers.dense(features["x"], 1)
    loss = tf.reduce_mean(tf.square(labels - pred))  # noqa: EF101
    if mode == tf.estimator.ModeKeys.PREDICT:
        return tf.estimator.EstimatorSpec(mode, predictions=pred)
    tf.compat.v1.summary.scalar("loss", loss)
    return tf.estimator.EstimatorSpec(mode, loss=loss)
''',
        ['EF104:6:safe'],
    ),
    (
        'with_blocks_and_hooks',
        False,
        '''\
import tensorflow as tf

def model_fn(features, labels, mode):
    with tf.compat.v1.variable_scope("net"):
        pred = tf.compat.v1.layers.dense(features["x"], 1)
    with tf.name_scope("loss"):
        loss = tf.reduce_mean(tf.square(labels - pred))
    hooks = []
    hooks.append(tf.estimator.LoggingTensorHook({"loss": loss}, every_n_iter=1))
    if mode == tf.estimator.ModeKeys.PREDICT:
        return tf.estimator.EstimatorSpec(mode, predictions=pred)
    train_op = tf.compat.v1.train.AdamOptimizer().minimize(loss, tf.compat.v1.train.get_or_create_global_step())
    return tf.estimator.EstimatorSpec(mode, loss=loss, train_op=train_op, training_hooks=hooks)
''',
        '''\
import tensorflow as tf

def model_fn(features, labels, mode):
    with tf.compat.v1.variable_scope("net"):
        pred = tf.compat.v1.layers.dense(features["x"], 1)
    if mode != tf.estimator.ModeKeys.PREDICT:
        with tf.name_scope("loss"):
            loss = tf.reduce_mean(tf.square(labels - pred))
    hooks = []
    if mode == tf.estimator.ModeKeys.PREDICT:
        return tf.estimator.EstimatorSpec(mode, predictions=pred)
    hooks.append(tf.estimator.LoggingTensorHook({"loss": loss}, every_n_iter=1))
    if mode == tf.estimator.ModeKeys.TRAIN:
        train_op = tf.compat.v1.train.AdamOptimizer().minimize(loss, tf.compat.v1.train.get_or_create_global_step())
        return tf.estimator.EstimatorSpec(mode, loss=loss, train_op=train_op, training_hooks=hooks)
    return tf.estimator.EstimatorSpec(mode, loss=loss)
''',
        ['EF101:6:safe', 'EF101:9:safe', 'EF102:12:safe', 'EF105:13:safe'],
    ),
    (
        'interleaved_predict_code_guarded',
        False,
        '''\
import tensorflow as tf

def model_fn(features, labels, mode):
    logits = tf.compat.v1.layers.dense(features["x"], 3)
    loss = tf.compat.v1.losses.sparse_softmax_cross_entropy(labels, logits)
    probabilities = tf.nn.softmax(logits)
    if mode == tf.estimator.ModeKeys.PREDICT:
        return tf.estimator.EstimatorSpec(mode, predictions={"p": probabilities})
    train_op = tf.compat.v1.train.AdamOptimizer().minimize(loss, tf.compat.v1.train.get_or_create_global_step())
    return tf.estimator.EstimatorSpec(mode, loss=loss, train_op=train_op)
''',
        '''\
import tensorflow as tf

def model_fn(features, labels, mode):
    logits = tf.compat.v1.layers.dense(features["x"], 3)
    if mode != tf.estimator.ModeKeys.PREDICT:
        loss = tf.compat.v1.losses.sparse_softmax_cross_entropy(labels, logits)
    probabilities = tf.nn.softmax(logits)
    if mode == tf.estimator.ModeKeys.PREDICT:
        return tf.estimator.EstimatorSpec(mode, predictions={"p": probabilities})
    if mode == tf.estimator.ModeKeys.TRAIN:
        train_op = tf.compat.v1.train.AdamOptimizer().minimize(loss, tf.compat.v1.train.get_or_create_global_step())
        return tf.estimator.EstimatorSpec(mode, loss=loss, train_op=train_op)
    return tf.estimator.EstimatorSpec(mode, loss=loss)
''',
        ['EF101:5:safe', 'EF102:9:safe', 'EF105:10:safe'],
    ),
    (
        'interleaved_predict_code_reordered_unsafe',
        True,
        '''\
import tensorflow as tf

def model_fn(features, labels, mode):
    logits = tf.compat.v1.layers.dense(features["x"], 3)
    loss = tf.compat.v1.losses.sparse_softmax_cross_entropy(labels, logits)
    probabilities = tf.nn.softmax(logits)
    if mode == tf.estimator.ModeKeys.PREDICT:
        return tf.estimator.EstimatorSpec(mode, predictions={"p": probabilities})
    train_op = tf.compat.v1.train.AdamOptimizer().minimize(loss, tf.compat.v1.train.get_or_create_global_step())
    return tf.estimator.EstimatorSpec(mode, loss=loss, train_op=train_op)
''',
        '''\
import tensorflow as tf

def model_fn(features, labels, mode):
    logits = tf.compat.v1.layers.dense(features["x"], 3)
    probabilities = tf.nn.softmax(logits)
    if mode == tf.estimator.ModeKeys.PREDICT:
        return tf.estimator.EstimatorSpec(mode, predictions={"p": probabilities})
    loss = tf.compat.v1.losses.sparse_softmax_cross_entropy(labels, logits)
    if mode == tf.estimator.ModeKeys.TRAIN:
        train_op = tf.compat.v1.train.AdamOptimizer().minimize(loss, tf.compat.v1.train.get_or_create_global_step())
        return tf.estimator.EstimatorSpec(mode, loss=loss, train_op=train_op)
    return tf.estimator.EstimatorSpec(mode, loss=loss)
''',
        ['EF101:5:unsafe', 'EF102:9:safe', 'EF105:10:safe'],
    ),
    (
        # A test written for the modes left after the EVAL return (`!= TRAIN` meaning PREDICT)
        # is rebuilt as `== PREDICT` when the PREDICT return moves above the EVAL return.
        'relative_test_rebuilt_when_moved',
        False,
        '''\
import tensorflow as tf


def model_fn(features, labels, mode):
    predictions = features["x"]
    loss = tf.reduce_mean(labels - predictions)
    if mode == "eval":
        return tf.estimator.EstimatorSpec(mode, loss=loss)
    if mode != "train":
        return tf.estimator.EstimatorSpec(mode, predictions=predictions)
    train_op = tf.compat.v1.train.GradientDescentOptimizer(0.1).minimize(loss)
    return tf.estimator.EstimatorSpec(mode, loss=loss, train_op=train_op)
''',
        '''\
import tensorflow as tf


def model_fn(features, labels, mode):
    predictions = features["x"]
    if mode == "infer":
        return tf.estimator.EstimatorSpec(mode, predictions=predictions)
    loss = tf.reduce_mean(labels - predictions)
    if mode == "eval":
        return tf.estimator.EstimatorSpec(mode, loss=loss)
    train_op = tf.compat.v1.train.GradientDescentOptimizer(0.1).minimize(loss)
    return tf.estimator.EstimatorSpec(mode, loss=loss, train_op=train_op)
''',
        ['EF101:6:safe'],
    ),
    (
        # Two existing TRAIN blocks stay two blocks (and keep their comments) while the loss
        # moves below the PREDICT return.
        'adjacent_train_blocks_stay_apart',
        False,
        '''\
import tensorflow as tf


def model_fn(features, labels, mode):
    logits = tf.compat.v1.layers.dense(features["x"], 1)
    loss = tf.reduce_mean(tf.square(labels - logits))
    if mode == tf.estimator.ModeKeys.PREDICT:
        return tf.estimator.EstimatorSpec(mode, predictions=logits)
    if mode == tf.estimator.ModeKeys.TRAIN:  # training only
        train_op = tf.compat.v1.train.GradientDescentOptimizer(0.1).minimize(loss)
        # end of the training block
    if mode == tf.estimator.ModeKeys.TRAIN:
        return tf.estimator.EstimatorSpec(mode, loss=loss, train_op=train_op)
    return tf.estimator.EstimatorSpec(mode, loss=loss)
''',
        '''\
import tensorflow as tf


def model_fn(features, labels, mode):
    logits = tf.compat.v1.layers.dense(features["x"], 1)
    if mode == tf.estimator.ModeKeys.PREDICT:
        return tf.estimator.EstimatorSpec(mode, predictions=logits)
    loss = tf.reduce_mean(tf.square(labels - logits))
    if mode == tf.estimator.ModeKeys.TRAIN:  # training only
        train_op = tf.compat.v1.train.GradientDescentOptimizer(0.1).minimize(loss)
        # end of the training block
    if mode == tf.estimator.ModeKeys.TRAIN:
        return tf.estimator.EstimatorSpec(mode, loss=loss, train_op=train_op)
    return tf.estimator.EstimatorSpec(mode, loss=loss)
''',
        ['EF101:6:safe'],
    ),
    (
        # TF-GAN's model builder given labels is as opaque as a user's helper: EF106 once, and
        # no EF101 at every statement that reads what it built.
        'tfgan_model_builder_is_ef106',
        False,
        '''\
import tensorflow as tf


def model_fn(features, labels, mode, params):
    gan_model = tf.contrib.gan.gan_model(params["generator_fn"], params["discriminator_fn"], labels, features)
    predictions = gan_model.generated_data
    if mode == tf.estimator.ModeKeys.TRAIN:
        gan_loss = tf.contrib.gan.gan_loss(gan_model)
        optimizer = tf.compat.v1.train.RMSPropOptimizer(0.05)
        train_ops = tf.contrib.gan.gan_train_ops(gan_model, gan_loss, optimizer, optimizer)
        return tf.estimator.EstimatorSpec(mode, loss=gan_loss.generator_loss, train_op=train_ops.generator_train_op)
    return tf.estimator.EstimatorSpec(mode, predictions=predictions)
''',
        '''\
import tensorflow as tf


def model_fn(features, labels, mode, params):
    gan_model = tf.contrib.gan.gan_model(params["generator_fn"], params["discriminator_fn"], labels, features)
    predictions = gan_model.generated_data
    if mode == tf.estimator.ModeKeys.TRAIN:
        gan_loss = tf.contrib.gan.gan_loss(gan_model)
        optimizer = tf.compat.v1.train.RMSPropOptimizer(0.05)
        train_ops = tf.contrib.gan.gan_train_ops(gan_model, gan_loss, optimizer, optimizer)
        return tf.estimator.EstimatorSpec(mode, loss=gan_loss.generator_loss, train_op=train_ops.generator_train_op)
    return tf.estimator.EstimatorSpec(mode, predictions=predictions)
''',
        ['EF106:5:none'],
    ),
    (
        # Printing or logging labels (None in PREDICT) cannot fail: no EF101 (EF204 judges prints).
        'printing_labels_is_not_label_code',
        False,
        '''\
import logging

import tensorflow as tf


def model_fn(features, labels, mode):
    logits = tf.compat.v1.layers.dense(features["x"], 1)
    print("labels:", labels)
    logging.info("labels %s", labels)
    tf.compat.v1.logging.info("labels %s", labels)
    if mode == tf.estimator.ModeKeys.PREDICT:
        return tf.estimator.EstimatorSpec(mode, predictions=logits)
    loss = tf.reduce_mean(labels - logits)
    return tf.estimator.EstimatorSpec(mode, loss=loss)
''',
        '''\
import logging

import tensorflow as tf


def model_fn(features, labels, mode):
    logits = tf.compat.v1.layers.dense(features["x"], 1)
    print("labels:", labels)
    logging.info("labels %s", labels)
    tf.compat.v1.logging.info("labels %s", labels)
    if mode == tf.estimator.ModeKeys.PREDICT:
        return tf.estimator.EstimatorSpec(mode, predictions=logits)
    loss = tf.reduce_mean(labels - logits)
    return tf.estimator.EstimatorSpec(mode, loss=loss)
''',
        [],
    ),
]
