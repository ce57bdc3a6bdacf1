"""What the names a compound statement binds carry after it, as the mode analysis reads it.

An ``if`` chain of indented blocks binds what each branch gave (so rebinding ``features`` from
the features dict inside ``if isinstance(features, dict):`` does not make it a label); every
other compound statement keeps the coarse reading, which these cases need: a one-line block,
``try``/``else``, a loop whose body reads what its last iteration bound, and a ``with`` whose
context managers the body depends on. And an instance of one of the module's classes is the
class of the mode that bound it. A ``for`` loop's names carry what its iterable carries; over a
display the model_fn built, a test in the body keeps only the passes that get past it (PREDICT's
None labels skipped by ``if value is not None:`` or ``continue``), and ``d[key]`` in a loop over
``d.items()`` is the pass's element.
"""

from __future__ import annotations

import pytest

from tests.mode_findings import found

CASES = {
    "one_line_block": (
        """
        def model_fn(features, labels, mode, params):
            logits = tf.compat.v1.layers.dense(features["x"], 3)
            w = 1.0
            if params["weighted"]: w = tf.cast(labels, tf.float32)
            scaled = logits * w
            loss = tf.reduce_mean(scaled)
            return tf.estimator.EstimatorSpec(mode, predictions={"s": scaled}, loss=loss)
        """,
        {"EF101:7", "EF101:8"},  # scaled, loss
    ),
    "try_else": (
        """
        def model_fn(features, labels, mode, params):
            logits = tf.compat.v1.layers.dense(features["x"], 3)
            try:
                w = tf.cast(labels, tf.float32)
            except TypeError:
                raise
            else:
                scaled = logits * w
            loss = tf.reduce_mean(scaled)
            return tf.estimator.EstimatorSpec(mode, predictions={"s": scaled}, loss=loss)
        """,
        {"EF101:6", "EF101:11"},  # w, loss
    ),
    "loop_carried": (
        """
        def model_fn(features, labels, mode, params):
            prev = features["start"]
            outputs = []
            for t in range(4):
                out = tf.compat.v1.layers.dense(prev, 3)
                outputs.append(out)
                prev = labels[:, t]
            logits = tf.stack(outputs)
            if mode == tf.estimator.ModeKeys.PREDICT:
                return tf.estimator.EstimatorSpec(mode, predictions={"logits": logits})
            return tf.estimator.EstimatorSpec(mode, loss=tf.reduce_mean(logits))
        """,
        {"EF101:9", "EF101:10"},  # prev, logits (read by the next iteration)
    ),
    "with_header": (
        """
        def model_fn(features, labels, mode, params):
            logits = tf.compat.v1.layers.dense(features["x"], 3)
            with tf.control_dependencies([tf.compat.v1.assert_positive(labels)]):
                logits = tf.identity(logits)
            loss = tf.reduce_mean(logits)
            return tf.estimator.EstimatorSpec(mode, predictions={"l": logits}, loss=loss)
        """,
        {"EF101:7"},  # loss, from logits that waited on the labels op
    ),
    "if_rebinds_features_from_the_dict": (
        """
        def model_fn(features, labels, mode, params):
            if isinstance(features, dict):
                if not labels and "labels" in features:
                    labels = features["labels"]
                features = features["x"]
            logits = network(features)
            if mode == tf.estimator.ModeKeys.PREDICT:
                return tf.estimator.EstimatorSpec(mode, predictions={"logits": logits})
            loss = tf.compat.v1.losses.sparse_softmax_cross_entropy(labels, logits)
            return tf.estimator.EstimatorSpec(mode, loss=loss)
        """,
        set(),
    ),
    "instance_bound_per_mode": (
        """
        class Guarded(tf.keras.layers.Layer):
            def call(self, net, labels):
                return tf.constant(0.0) if labels is None else tf.reduce_sum(labels), net


        class Plain(tf.keras.layers.Layer):
            def call(self, net, labels):
                return tf.reduce_sum(labels), net


        def model_fn(features, labels, mode, params):
            if mode == tf.estimator.ModeKeys.PREDICT:
                head = Plain()
            else:
                head = Guarded()
            loss, logits = head(features["x"], labels)
            if mode == tf.estimator.ModeKeys.PREDICT:
                return tf.estimator.EstimatorSpec(mode, predictions={"logits": logits})
            return tf.estimator.EstimatorSpec(mode, loss=loss)
        """,
        {"EF106:18"},  # PREDICT binds Plain, whose call needs labels
    ),
    "loop_over_dict_skips_none": (
        """
        def model_fn(features, labels, mode, params):
            gathered = {"inputs": features["x"], "targets": labels}
            out = {}
            for key, value in gathered.items():
                if value is not None:
                    gathered[key] = tf.cast(gathered[key], tf.float32)
                    out[key] = helper(gathered[key])
            logits = tf.compat.v1.layers.dense(out["inputs"], 3)
            if mode == tf.estimator.ModeKeys.PREDICT:
                return tf.estimator.EstimatorSpec(mode, predictions={"logits": logits})
            loss = tf.reduce_mean(out["targets"] - logits)
            return tf.estimator.EstimatorSpec(mode, loss=loss)
        """,
        set(),
    ),
    "loop_over_dict_unguarded": (
        """
        def model_fn(features, labels, mode, params):
            gathered = {"inputs": features["x"], "targets": labels}
            out = {}
            for key, value in gathered.items():
                gathered[key] = tf.cast(gathered[key], tf.float32)
                out[key] = tf.reshape(value, [-1, 4])
            logits = tf.compat.v1.layers.dense(out["inputs"], 3)
            if mode == tf.estimator.ModeKeys.PREDICT:
                return tf.estimator.EstimatorSpec(mode, predictions={"logits": logits})
            return tf.estimator.EstimatorSpec(mode, loss=tf.reduce_mean(logits))
        """,
        {"EF101:7", "EF101:8", "EF101:9"},  # the cast, the reshape, the dense of their dict
    ),
    "loop_guard_on_the_key": (
        """
        def model_fn(features, labels, mode, params):
            gathered = {"inputs": features["x"], "targets": labels}
            out = {}
            for key, value in gathered.items():
                if key == "targets" and mode == tf.estimator.ModeKeys.PREDICT:
                    continue
                out[key] = tf.cast(value, tf.float32)
            logits = tf.compat.v1.layers.dense(out["inputs"], 3)
            if mode == tf.estimator.ModeKeys.PREDICT:
                return tf.estimator.EstimatorSpec(mode, predictions={"logits": logits})
            return tf.estimator.EstimatorSpec(mode, loss=tf.reduce_mean(out["targets"]))
        """,
        set(),
    ),
    "loop_target_carries_its_iterable": (
        """
        def model_fn(features, labels, mode, params):
            logits = tf.compat.v1.layers.dense(features["x"], 3)
            parts = []
            for column in tf.unstack(labels, axis=1):
                parts.append(tf.reduce_mean(column - logits))
            loss = tf.add_n(parts)
            if mode == tf.estimator.ModeKeys.PREDICT:
                return tf.estimator.EstimatorSpec(mode, predictions={"logits": logits})
            return tf.estimator.EstimatorSpec(mode, loss=loss)
        """,
        {"EF101:7", "EF101:8"},  # each part (the unstack header reported there), the sum
    ),
    "loop_over_names_then_none_check_after": (
        """
        def model_fn(features, labels, mode, params):
            logits = tf.compat.v1.layers.dense(features["x"], 3)
            parts = []
            for value in [features["w"], labels]:
                parts.append(tf.reduce_sum(value))
            if mode == tf.estimator.ModeKeys.PREDICT:
                return tf.estimator.EstimatorSpec(mode, predictions={"logits": logits})
            return tf.estimator.EstimatorSpec(mode, loss=tf.add_n(parts))
        """,
        {"EF101:7"},  # the pass over labels, on the line that computes from it
    ),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_findings(name: str) -> None:
    source, expected = CASES[name]
    codes = found(source)
    assert expected <= codes, codes
    if not expected:
        assert not codes
