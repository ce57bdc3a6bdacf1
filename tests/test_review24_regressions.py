"""Review 24: defects found in the day's mode analysis (metric ops filled by a helper, if
chains without else, None labels gathered into what PREDICT returns), each shown first."""

from __future__ import annotations

from tests.mode_findings import found

PREDICT = "tf.estimator.ModeKeys.PREDICT"
EVAL = "tf.estimator.ModeKeys.EVAL"


def test_labels_gathered_beside_a_prediction_predict_looks_up_are_no_finding() -> None:
    # PREDICT's spec reads only ``outputs["p"]`` (or a dict regrouping it): the None labels
    # gathered beside it never reach the spec, yet the dict was EF101 as if returned whole
    assert found(
        f"""
        def model_fn(features, labels, mode, params):
            logits = tf.compat.v1.layers.dense(features["x"], 1)
            outputs = {{"p": logits, "y": labels}}
            predictions = {{"p": outputs["p"]}}
            if mode == {PREDICT}:
                return tf.estimator.EstimatorSpec(mode, predictions=predictions)
            loss = tf.reduce_mean(outputs["y"] - logits)
            return tf.estimator.EstimatorSpec(mode, loss=loss)
        """
    ) == set()
    assert found(
        f"""
        def model_fn(features, labels, mode, params):
            logits = tf.compat.v1.layers.dense(features["x"], 1)
            outputs = {{"p": logits, "y": labels}}
            if mode == {PREDICT}:
                return tf.estimator.EstimatorSpec(mode, predictions=outputs["p"])
            loss = tf.reduce_mean(outputs["y"] - logits)
            return tf.estimator.EstimatorSpec(mode, loss=loss)
        """
    ) == set()
    assert found(
        f"""
        def model_fn(features, labels, mode, params):
            logits = tf.compat.v1.layers.dense(features["x"], 1)
            outputs = {{"p": logits, "y": labels}}
            if mode == {PREDICT}:
                predictions = {{k: v for k, v in outputs.items() if v is not None}}
                return tf.estimator.EstimatorSpec(mode, predictions=predictions)
            loss = tf.reduce_mean(outputs["y"] - logits)
            return tf.estimator.EstimatorSpec(mode, loss=loss)
        """
    ) == set()


def test_the_labels_gathered_and_returned_whole_are_still_ef101() -> None:
    # the day's case, through one more regrouping: still found
    assert found(
        f"""
        def model_fn(features, labels, mode, params):
            logits = tf.compat.v1.layers.dense(features["x"], 1)
            outputs = {{"p": logits, "y": labels}}
            predictions = outputs
            if mode == {PREDICT}:
                return tf.estimator.EstimatorSpec(mode, predictions=predictions)
            loss = tf.reduce_mean(outputs["y"] - logits)
            return tf.estimator.EstimatorSpec(mode, loss=loss)
        """
    ) == {"EF101:5"}


def test_a_helper_of_another_module_given_the_filled_metric_dict_builds_no_metric() -> None:
    # ``summarize_metrics(metrics)`` reads a dict the model_fn filled itself (a logging helper
    # writing summaries of it): it was EF103 as a call that fills the dict with metric ops,
    # a second finding for the metric the dict holds. Since 2026-12-04 a call the analysis
    # cannot read, whose result nothing keeps, is made for what it does with what it is given:
    # it uses the metrics in TRAIN (a summary, a log), so the accuracy is no finding either
    assert found(
        f"""
        from project.utils import summarize_metrics


        def model_fn(features, labels, mode, params):
            logits = tf.compat.v1.layers.dense(features["x"], 2)
            if mode == {PREDICT}:
                return tf.estimator.EstimatorSpec(mode, predictions={{"p": logits}})
            loss = tf.compat.v1.losses.sparse_softmax_cross_entropy(labels, logits)
            accuracy = tf.compat.v1.metrics.accuracy(labels, tf.argmax(logits, 1))
            metrics = {{"accuracy": accuracy}}
            summarize_metrics(metrics)
            if mode == {EVAL}:
                return tf.estimator.EstimatorSpec(mode, loss=loss, eval_metric_ops=metrics)
            train_op = tf.compat.v1.train.AdamOptimizer().minimize(loss)
            return tf.estimator.EstimatorSpec(mode, loss=loss, train_op=train_op)
        """
    ) == set()
