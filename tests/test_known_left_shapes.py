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



def test_a_method_returning_the_spec_its_class_builds_is_a_model_fn() -> None:
    # ``return self._spec(...)``, where the class's ``_spec`` returns an EstimatorSpec: the
    # method is the model_fn, and its loss from labels runs in PREDICT for nothing.
    result = processed(
        """
        class Ranker:
            def model_fn(self, features, labels, mode, params):
                logits = tf.compat.v1.layers.dense(features["x"], 1)
                loss = tf.compat.v1.losses.sigmoid_cross_entropy(labels, logits)
                return self._spec(mode, logits, loss)

            def _spec(self, mode, logits, loss):
                if mode == tf.estimator.ModeKeys.PREDICT:
                    return tf.estimator.EstimatorSpec(mode, predictions=logits)
                step = tf.compat.v1.train.get_or_create_global_step()
                train_op = tf.compat.v1.train.AdamOptimizer().minimize(loss, global_step=step)
                return tf.estimator.EstimatorSpec(mode, loss=loss, train_op=train_op)
        """
    )
    assert "EF101:6" in codes(result)


def test_a_method_returning_what_another_class_builds_is_not_read_as_a_model_fn() -> None:
    result = processed(
        """
        class Ranker:
            def model_fn(self, features, labels, mode, params):
                logits = tf.compat.v1.layers.dense(features["x"], 1)
                loss = tf.compat.v1.losses.sigmoid_cross_entropy(labels, logits)
                return self.head.spec(mode, logits, loss)
        """
    )
    assert codes(result) == set()


PASSED_THROUGH = """
def model_fn(features, labels, mode, params):
    def unpack(features_, labels_):
        if mode == tf.estimator.ModeKeys.PREDICT:
            inputs = features_["serving"]
        else:
            inputs = features_["x"]
        return inputs, labels_

    inputs, labels = unpack(features, labels)
    logits = tf.compat.v1.layers.dense(inputs, 1)
    {early}
    if mode == tf.estimator.ModeKeys.PREDICT:
        return tf.estimator.EstimatorSpec(mode, predictions=logits)
    loss = tf.compat.v1.losses.mean_squared_error(labels, logits)
    return tf.estimator.EstimatorSpec(mode, loss=loss)
"""


def test_a_helper_handing_the_labels_back_as_they_are_does_not_use_them() -> None:
    # ``return inputs, labels_``: None in PREDICT goes in and comes out; nothing computes on it.
    assert codes(processed(PASSED_THROUGH.format(early="pass"))) == set()


def test_labels_handed_back_by_a_helper_are_still_labels() -> None:
    early = "error = tf.reduce_mean(labels - logits)"
    assert codes(processed(PASSED_THROUGH.format(early=early))) == {"EF101:13"}


def test_choosing_between_built_train_ops_by_a_setting_builds_nothing() -> None:
    # ``train_op = first if stage == 1 else second`` picks a name: the ops it may hold are
    # reported where they are built, not again where one is picked.
    result = processed(
        """
        def model_fn(features, labels, mode, params):
            logits = tf.compat.v1.layers.dense(features["x"], 1)
            if mode == tf.estimator.ModeKeys.PREDICT:
                return tf.estimator.EstimatorSpec(mode, predictions=logits)
            loss = tf.compat.v1.losses.mean_squared_error(labels, logits)
            first = tf.compat.v1.train.AdamOptimizer(0.1).minimize(loss)
            second = tf.compat.v1.train.AdamOptimizer(0.01).minimize(loss)
            train_op = first if params["stage"] == 1 else second
            return tf.estimator.EstimatorSpec(mode, loss=loss, train_op=train_op)
        """
    )
    assert {c for c in codes(result) if c.startswith("EF102")} == {"EF102:8", "EF102:9"}
