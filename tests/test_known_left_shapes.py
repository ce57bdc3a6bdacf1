"""Shapes seen on real code and left in earlier measurements, each read by what it means: a
mode constant read through ``getattr`` with a literal name is that constant."""

from __future__ import annotations

from tests.mode_findings import codes, processed


def test_getattr_of_a_mode_constant_by_literal_name_is_a_mode_test() -> None:
    # PREDICT returns before the loss: nothing after the return runs without labels.
    result = processed(
        """
        def model_fn(features, labels, mode, params):
            logits = tf.compat.v1.layers.dense(features["x"], 2)
            if mode == getattr(tf.estimator.ModeKeys, "PREDICT"):
                return tf.estimator.EstimatorSpec(mode, predictions={"y": logits})
            loss = tf.compat.v1.losses.sparse_softmax_cross_entropy(labels, logits)
            train_op = tf.compat.v1.train.AdamOptimizer().minimize(loss)
            return tf.estimator.EstimatorSpec(mode, loss=loss, train_op=train_op)
        """
    )
    assert codes(result) == {"EF102:8", "EF105:9"}


def test_getattr_with_a_computed_name_is_not_read_as_any_mode() -> None:
    result = processed(
        """
        def model_fn(features, labels, mode, params):
            logits = tf.compat.v1.layers.dense(features["x"], 2)
            if mode == getattr(tf.estimator.ModeKeys, params["skip"]):
                return tf.estimator.EstimatorSpec(mode, predictions={"y": logits})
            loss = tf.compat.v1.losses.sparse_softmax_cross_entropy(labels, logits)
            return tf.estimator.EstimatorSpec(mode, loss=loss, predictions={"y": logits})
        """
    )
    # the test decides nothing known: the loss may run in PREDICT
    assert "EF101:7" in codes(result)

