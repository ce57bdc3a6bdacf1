"""Shapes met at the first contact with batch 2026-12-03w, each failing before its fix: a model_fn
that names its features and labels anew in one tuple assignment (``series, kind = features,
labels``), where each name carries only what its own element does."""

from __future__ import annotations

from tests.mode_findings import codes, processed


def test_a_tuple_assignment_binds_each_name_to_its_own_element() -> None:
    source = """
    def model_fn(features, labels, mode, params):
        series, kind = features, labels
        known = series[:, :-1]
        logits = tf.compat.v1.layers.dense(known, 2)
        if mode == tf.estimator.ModeKeys.PREDICT:
            return tf.estimator.EstimatorSpec(mode, predictions={"p": logits})
        loss = tf.compat.v1.losses.sparse_softmax_cross_entropy(kind, logits)
        train_op = tf.compat.v1.train.AdamOptimizer(0.1).minimize(loss)
        return tf.estimator.EstimatorSpec(mode, loss=loss, train_op=train_op)
    """
    assert codes(processed(source)) == {"EF102:10", "EF105:11"}


def test_an_element_that_computes_still_carries_the_whole_statement() -> None:
    """``a, b = f(labels), features``: an element that calls carries what the statement does
    (only plain elements are read apart), so the label value is still seen in PREDICT."""
    source = """
    def model_fn(features, labels, mode, params):
        onehot, series = tf.one_hot(labels, 2), features
        logits = tf.compat.v1.layers.dense(series, 2)
        loss = tf.compat.v1.losses.softmax_cross_entropy(onehot, logits)
        if mode == tf.estimator.ModeKeys.PREDICT:
            return tf.estimator.EstimatorSpec(mode, predictions={"p": logits})
        train_op = tf.compat.v1.train.AdamOptimizer(0.1).minimize(loss)
        return tf.estimator.EstimatorSpec(mode, loss=loss, train_op=train_op)
    """
    assert "EF101:6" in codes(processed(source))
