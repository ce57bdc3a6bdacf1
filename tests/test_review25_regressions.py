"""Defects found reviewing review-25 (batches t and u's fixes), each failing before its fix."""

from __future__ import annotations

from estimator_fix.results import Changed, FileResult
from tests.mode_findings import codes, found, processed

PREDICT = "tf.estimator.ModeKeys.PREDICT"
EVAL = "tf.estimator.ModeKeys.EVAL"
SPEC = "tf.estimator.EstimatorSpec"
STEP = "tf.compat.v1.train.get_or_create_global_step()"


def run(source: str, fix: bool = False) -> FileResult:
    return processed(source, fix=fix)


def test_metrics_built_in_a_train_spec_by_a_helper_that_logs_them_are_a_use() -> None:
    # the helper writes a summary of the training accuracy (SPEC §4 EF103: a use in TRAIN);
    # dropping the field from the TRAIN spec would drop that summary from TRAIN's graph
    source = f"""
    def build_metrics(labels, predicted):
        accuracy = tf.compat.v1.metrics.accuracy(labels=labels, predictions=predicted)
        tf.compat.v1.summary.scalar("accuracy", accuracy[1])
        return {{"accuracy": accuracy}}


    def model_fn(features, labels, mode, params):
        logits = tf.compat.v1.layers.dense(features["x"], 3)
        predicted = tf.argmax(logits, axis=1)
        if mode == {PREDICT}:
            return {SPEC}(mode, predictions={{"class_ids": predicted}})
        loss = tf.compat.v1.losses.sparse_softmax_cross_entropy(labels=labels, logits=logits)
        if mode == {EVAL}:
            return {SPEC}(mode, loss=loss, eval_metric_ops=build_metrics(labels, predicted))
        train_op = tf.compat.v1.train.AdamOptimizer(0.1).minimize(loss, global_step={STEP})
        return {SPEC}(
            mode, loss=loss, train_op=train_op, eval_metric_ops=build_metrics(labels, predicted)
        )
    """
    assert codes(run(source)) == set()
    assert not isinstance(run(source, fix=True), Changed)


_BOUND_LOSS = f"""
import functools


def _loss(features, labels, mode, logits):
    onehot = tf.one_hot(labels, 3)
    tf.compat.v1.summary.scalar("w", tf.reduce_mean(features["w"]))
    return tf.compat.v1.losses.softmax_cross_entropy(onehot, logits, weights=features["w"])


def model_fn(features, labels, mode, params):
    logits = tf.compat.v1.layers.dense(features["x"], 3)
    if mode == {PREDICT}:
        return {SPEC}(mode, predictions={{"logits": logits}})
    loss_fn = functools.partial(_loss, BOUND)
    loss = loss_fn(logits)
    train_op = None
    if mode == tf.estimator.ModeKeys.TRAIN:
        train_op = tf.compat.v1.train.AdamOptimizer(0.1).minimize(loss, global_step={STEP})
    return {SPEC}(mode, loss=loss, train_op=train_op)
"""


def test_partial_that_binds_what_estimator_hands_is_no_model_fn() -> None:
    # Estimator hands features, labels and mode itself: a partial that binds them makes a
    # helper the model_fn calls (its label code runs only where the model_fn calls it)
    for bound in ("features, labels, mode", "features=features, labels=labels, mode=mode"):
        result = run(_BOUND_LOSS.replace("BOUND", bound))
        assert codes(result) == set(), bound
        assert not isinstance(run(_BOUND_LOSS.replace("BOUND", bound), fix=True), Changed)


def test_metrics_a_spec_field_builds_only_in_eval_are_no_finding_in_train() -> None:
    # ``metric_fn(...) if mode == EVAL else None``: TRAIN builds no metric op there
    source = f"""
    def metric_fn(labels, predicted):
        return {{"acc": tf.compat.v1.metrics.accuracy(labels=labels, predictions=predicted)}}


    def model_fn(features, labels, mode, params):
        logits = tf.compat.v1.layers.dense(features["x"], 3)
        predicted = tf.argmax(logits, axis=1)
        if mode == {PREDICT}:
            return {SPEC}(mode, predictions={{"class_ids": predicted}})
        loss = tf.compat.v1.losses.sparse_softmax_cross_entropy(labels=labels, logits=logits)
        train_op = None
        if mode == tf.estimator.ModeKeys.TRAIN:
            train_op = tf.compat.v1.train.AdamOptimizer(0.1).minimize(loss, global_step={STEP})
        return {SPEC}(
            mode,
            loss=loss,
            train_op=train_op,
            eval_metric_ops=metric_fn(labels, predicted) if mode == {EVAL} else None,
        )
    """
    assert codes(run(source)) == set()
    assert not isinstance(run(source, fix=True), Changed)


def test_a_log_of_what_an_in_file_function_computes_from_the_labels_is_label_code() -> None:
    # seen by the review and left at first: the call computes from PREDICT's None labels (it
    # fails there), while str()/type() only describe them
    source = """
        def compute_loss(labels, logits):
            return tf.reduce_mean(tf.square(labels - logits))

        def model_fn(features, labels, mode, params):
            logits = tf.compat.v1.layers.dense(features["x"], 1)
            tf.compat.v1.logging.info("loss %s", compute_loss(labels, logits))
            print("labels", str(labels), type(labels))
            if mode == tf.estimator.ModeKeys.PREDICT:
                return tf.estimator.EstimatorSpec(mode, predictions={"p": logits})
            loss = compute_loss(labels, logits)
            return tf.estimator.EstimatorSpec(mode, loss=loss)
        """
    assert found(source) == {"EF101:8"}
