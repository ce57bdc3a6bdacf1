"""A function nested in a model_fn that TensorFlow calls with tensors (a TPUEstimatorSpec's
``host_call`` or ``eval_metrics`` pair, the function of ``tf.map_fn`` or ``tf.while_loop``) has
tensors for parameters: the eager rules read them so. Other nested functions' parameters stay
unknown."""

from __future__ import annotations

from tests.mode_findings import codes, processed

# ``processed`` puts ``import tensorflow as tf`` on line 1: the source's lines start at 2.

_HOST_CALL = """
def model_fn(features, labels, mode, params):
    def host_call_fn(gs, loss):
        gs = gs[0]
        with tf.compat.v2.summary.create_file_writer("/tmp/logs").as_default():
            tf.compat.v2.summary.scalar("loss", loss[0], step=gs)
            if {test}:
                tf.compat.v2.summary.scalar("big", loss[0], step=gs)
        return tf.compat.v1.summary.all_v2_summary_ops()

    logits = tf.compat.v1.layers.dense(features["x"], 2)
    if mode == tf.estimator.ModeKeys.PREDICT:
        return tf.compat.v1.estimator.tpu.TPUEstimatorSpec(mode, predictions={{"y": logits}})
    loss = tf.compat.v1.losses.sparse_softmax_cross_entropy(labels, logits)
    if mode == tf.estimator.ModeKeys.EVAL:
        return tf.compat.v1.estimator.tpu.TPUEstimatorSpec(mode, loss=loss)
    gs_t = tf.reshape(tf.compat.v1.train.get_or_create_global_step(), [1])
    host_call = (host_call_fn, [gs_t, tf.reshape(loss, [1])])
    train_op = tf.compat.v1.train.AdamOptimizer().minimize(loss)
    return tf.compat.v1.estimator.tpu.TPUEstimatorSpec(
        mode, loss=loss, train_op=train_op, host_call=host_call
    )
"""


def test_a_host_call_functions_parameters_are_tensors() -> None:
    result = processed(_HOST_CALL.format(test="gs % 100 == 0"))
    assert codes(result) == {"EF205:8"}


def test_a_python_test_in_a_host_call_is_no_finding() -> None:
    assert codes(processed(_HOST_CALL.format(test="gs is not None"))) == set()
    assert codes(processed(_HOST_CALL.format(test="loss.shape[0] == 1"))) == set()


def test_eval_metrics_and_map_fn_functions_take_tensors_and_others_do_not() -> None:
    result = processed(
        """
        def model_fn(features, labels, mode, params):
            def metric_fn(labels, logits):
                if tf.reduce_sum(logits) > 0:
                    logits = -logits
                return {"auc": tf.compat.v1.metrics.auc(labels, tf.sigmoid(logits))}

            def double(row):
                return row * 2 if row > 0 else row

            def helper(value):
                return value * 2 if value > 0 else value

            logits = tf.map_fn(double, tf.compat.v1.layers.dense(features["x"], 1))
            scale = helper(3)
            if mode == tf.estimator.ModeKeys.PREDICT:
                return tf.compat.v1.estimator.tpu.TPUEstimatorSpec(mode, predictions={"y": logits})
            loss = tf.compat.v1.losses.sigmoid_cross_entropy(labels, logits) * scale
            if mode == tf.estimator.ModeKeys.EVAL:
                return tf.compat.v1.estimator.tpu.TPUEstimatorSpec(
                    mode, loss=loss, eval_metrics=(metric_fn, [labels, logits])
                )
            train_op = tf.compat.v1.train.AdamOptimizer().minimize(loss)
            return tf.compat.v1.estimator.tpu.TPUEstimatorSpec(mode, loss=loss, train_op=train_op)
        """
    )
    # metric_fn's test and the map_fn function's conditional expression; not helper's
    assert codes(result) == {"EF205:5", "EF205:10"}
