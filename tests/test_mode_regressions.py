"""Readings the mode analysis must keep while it reads loops, stores and helpers more closely
(each case was found by reviewing that work; each failed on one of its drafts)."""

from __future__ import annotations

import pytest

from tests.mode_findings import found

CASES = {
    "method_of_an_in_file_class_named_minimize": (
        """
        class Accumulating:
            def minimize(self, loss):
                return tf.compat.v1.train.AdamOptimizer(0.1).minimize(loss)


        def model_fn(features, labels, mode, params):
            logits = tf.compat.v1.layers.dense(features["x"], 1)
            opt = Accumulating()
            update = opt.minimize(tf.reduce_mean(logits))
            return tf.estimator.EstimatorSpec(mode, predictions={"l": logits}, train_op=update)
        """,
        {"EF102:11", "EF105:12"},
    ),
    "a_chain_of_names_longer_than_the_passes_walked": (
        """
        def model_fn(features, labels, mode, params):
            a = b = c = d = e = features["x"]
            for _ in range(params["n"]):
                e = d
                d = c
                c = b
                b = a
                a = labels
            out = tf.reduce_sum(e)
            return tf.estimator.EstimatorSpec(mode, predictions={"o": out})
        """,
        {"EF101:11"},
    ),
    "what_a_break_leaves": (
        """
        def model_fn(features, labels, mode, params):
            y = features["x"]
            for step in params["steps"]:
                y = labels
                if step:
                    break
                y = features["x"]
            u = tf.reduce_sum(y)
            return tf.estimator.EstimatorSpec(mode, predictions={"u": u})
        """,
        {"EF101:10"},
    ),
    "storing_label_code_into_a_dict_holding_a_train_op": (
        """
        def model_fn(features, labels, mode, params):
            logits = tf.compat.v1.layers.dense(features["x"], 1)
            train_op = tf.compat.v1.train.AdamOptimizer().minimize(tf.reduce_sum(logits))
            ops = {"train": train_op}
            ops["err"] = tf.reduce_sum(labels - logits)
            return tf.estimator.EstimatorSpec(mode, predictions={"l": logits}, loss=ops["err"],
                train_op=ops["train"])
        """,
        {"EF102:5", "EF102:7", "EF105:8"},  # as before: the dict carries the train op too
    ),
    "an_in_file_helper_is_read_not_named_by_its_results": (
        """
        def named(tensor, name):
            return tf.identity(tensor, name=name)


        def model_fn(features, labels, mode, params):
            logits = named(tf.compat.v1.layers.dense(features["x"], 1), "logits")
            if mode == tf.estimator.ModeKeys.PREDICT:
                return tf.estimator.EstimatorSpec(mode, predictions={"l": logits})
            loss = tf.reduce_mean(labels - logits)
            if mode == tf.estimator.ModeKeys.TRAIN:
                train_op = named(tf.compat.v1.train.AdamOptimizer().minimize(loss), "train_op")
                return tf.estimator.EstimatorSpec(mode, loss=loss, train_op=train_op)
            return tf.estimator.EstimatorSpec(mode, loss=loss)
        """,
        set(),
    ),
    "a_learning_rate_schedule_is_no_optimizer": (
        """
        def model_fn(features, labels, mode, params):
            schedule = optimizers.LinearWarmup(params["lr"], 1000)
            logits = tf.compat.v1.layers.dense(features["x"], 1)
            return tf.estimator.EstimatorSpec(mode, predictions={"l": logits})
        """,
        set(),
    ),
    "a_display_an_outer_loop_grows": (
        """
        def model_fn(features, labels, mode, params):
            inputs = [features["x"], features["y"]]
            total = 0.0
            for step in range(params["n"]):
                for value in inputs:
                    total += tf.reduce_sum(value)
                inputs.append(labels)
            return tf.estimator.EstimatorSpec(mode, predictions={"t": total})
        """,
        {"EF101:8"},
    ),
    "the_else_of_a_loop_sees_its_last_pass": (
        """
        def model_fn(features, labels, mode, params):
            for value in [features["x"], labels]:
                if params["stop"]:
                    break
            else:
                value = tf.reduce_sum(value)
            return tf.estimator.EstimatorSpec(mode, predictions={"v": value})
        """,
        {"EF101:8"},
    ),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_findings(name: str) -> None:
    source, expected = CASES[name]
    assert found(source) == expected
