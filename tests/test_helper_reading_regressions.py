"""Defects a review found in the reading of helpers (each case our own, one per defect): early
returns on the mode, recursion, a method's own parameter names, a helper's own names versus the
caller's, TensorFlow's asserts, a dict of results, loops and dict stores inside a helper, and a
mode stored on an object that is then replaced."""

from __future__ import annotations

import pytest

from tests.mode_findings import found

PREDICT = "tf.estimator.ModeKeys.PREDICT"
TRAIN = "tf.estimator.ModeKeys.TRAIN"
EVAL = "tf.estimator.ModeKeys.EVAL"
MINIMIZE = "tf.compat.v1.train.AdamOptimizer().minimize(loss)"

CASES = {
    "helper_returning_early_on_the_mode": (
        f"""
        def get_train_op(loss, mode):
            if mode != {TRAIN}:
                return None
            return {MINIMIZE}


        def model_fn(features, labels, mode, params):
            logits = tf.compat.v1.layers.dense(features["x"], 1)
            if mode == {PREDICT}:
                return tf.estimator.EstimatorSpec(mode, predictions={{"y": logits}})
            loss = tf.reduce_mean(labels - logits)
            train_op = get_train_op(loss, mode)
            return tf.estimator.EstimatorSpec(mode, loss=loss, train_op=train_op)
        """,
        set(),  # given the mode, and it returns before the optimizer outside TRAIN
    ),
    "recursive_helper_given_the_mode": (
        f"""
        def block(x, depth, mode):
            if depth == 0:
                return x
            return block(tf.compat.v1.layers.dense(x, 8), depth - 1, mode)


        def model_fn(features, labels, mode, params):
            logits = block(features["x"], 3, mode)
            if mode == {PREDICT}:
                return tf.estimator.EstimatorSpec(mode, predictions={{"y": logits}})
            loss = tf.reduce_mean(labels - logits)
            train_op = {MINIMIZE}
            return tf.estimator.EstimatorSpec(mode, loss=loss, train_op=train_op)
        """,
        {"EF102:14", "EF105:15"},  # read, not a crash
    ),
    "own_method_flag_under_its_own_name": (
        f"""
        class Model:
            def _train_op(self, loss, training):
                if training:
                    return {MINIMIZE}
                return None

            def model_fn(self, features, labels, mode):
                is_training = mode == {TRAIN}
                logits = tf.compat.v1.layers.dense(features["x"], 1)
                if mode == {PREDICT}:
                    return tf.estimator.EstimatorSpec(mode, predictions={{"y": logits}})
                loss = tf.reduce_mean(labels - logits)
                train_op = self._train_op(loss, is_training)
                return tf.estimator.EstimatorSpec(mode, loss=loss, train_op=train_op)
        """,
        set(),  # ``training`` is the method's name for the caller's ``is_training``
    ),
    "helper_comprehension_name_is_its_own": (
        f"""
        def heads(logits_list, labels):
            probs = [tf.nn.softmax(y) for y in logits_list]
            loss = None
            if labels is not None:
                loss = tf.reduce_mean(labels - logits_list[0])
            return probs, loss


        def model_fn(features, labels, mode, params):
            y = labels
            probs, loss = heads([tf.compat.v1.layers.dense(features["x"], 3)], labels)
            top = tf.argmax(probs[0], axis=1)
            if mode == {PREDICT}:
                return tf.estimator.EstimatorSpec(mode, predictions={{"top": top}})
            return tf.estimator.EstimatorSpec(mode, loss=loss)
        """,
        set(),  # the helper's ``y`` is not the caller's
    ),
    "tensorflow_assert_on_labels": (
        f"""
        def model_fn(features, labels, mode, params):
            logits = tf.compat.v1.layers.dense(features["x"], 1)
            tf.debugging.assert_rank(labels, 2)
            if mode == {PREDICT}:
                return tf.estimator.EstimatorSpec(mode, predictions={{"y": logits}})
            return tf.estimator.EstimatorSpec(mode, loss=tf.reduce_mean(labels - logits))
        """,
        {"EF101:5"},  # an assert op on None labels raises
    ),
    "helper_returning_a_dict_of_loss_and_logits": (
        f"""
        def create_model(features, labels):
            logits = tf.compat.v1.layers.dense(features["x"], 3)
            loss = tf.reduce_mean(labels - logits)
            return {{"loss": loss, "logits": logits}}


        def model_fn(features, labels, mode, params):
            outputs = create_model(features, labels)
            loss = outputs["loss"]
            logits = outputs["logits"]
            if mode == {PREDICT}:
                return tf.estimator.EstimatorSpec(mode, predictions={{"l": logits}})
            return tf.estimator.EstimatorSpec(mode, loss=loss)
        """,
        {"EF106:10"},  # one name for both results: the helper must be split
    ),
    "label_loss_computed_in_a_loop": (
        f"""
        def compute(logits, labels):
            loss = None
            if labels is not None:
                for value in [labels]:
                    loss = tf.reduce_mean(value - logits)
            return logits, loss


        def model_fn(features, labels, mode, params):
            logits = tf.compat.v1.layers.dense(features["x"], 1)
            preds, loss = compute(logits, labels)
            scaled = loss * 2.0
            if mode == {PREDICT}:
                return tf.estimator.EstimatorSpec(mode, predictions={{"y": preds}})
            return tf.estimator.EstimatorSpec(mode, loss=scaled)
        """,
        {"EF101:14"},  # None in PREDICT
    ),
    "label_loss_stored_in_a_dict": (
        f"""
        def compute(logits, labels):
            out = {{}}
            if labels is not None:
                out["loss"] = tf.reduce_mean(labels - logits)
            return logits, out


        def model_fn(features, labels, mode, params):
            logits = tf.compat.v1.layers.dense(features["x"], 1)
            preds, losses = compute(logits, labels)
            loss = losses["loss"]
            if mode == {PREDICT}:
                return tf.estimator.EstimatorSpec(mode, predictions={{"y": preds}})
            return tf.estimator.EstimatorSpec(mode, loss=loss)
        """,
        {"EF101:13"},  # a KeyError in PREDICT
    ),
    "mode_attribute_of_a_replaced_object": (
        f"""
        class Config:
            mode = {TRAIN}


        def model_fn(features, labels, mode, params):
            cfg = Config()
            cfg.mode = mode
            logits = tf.compat.v1.layers.dense(features["x"], 1)
            if mode == {PREDICT}:
                return tf.estimator.EstimatorSpec(mode, predictions={{"y": logits}})
            loss = tf.reduce_mean(labels - logits)
            cfg = Config()
            train_op = None
            if cfg.mode == {TRAIN}:
                train_op = {MINIMIZE}
            return tf.estimator.EstimatorSpec(mode, loss=loss, train_op=train_op)
        """,
        {"EF102:17", "EF105:18"},  # the new cfg's mode is not the model_fn's
    ),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_findings(name: str) -> None:
    source, expected = CASES[name]
    assert found(source) == expected
