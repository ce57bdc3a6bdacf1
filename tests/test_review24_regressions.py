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
