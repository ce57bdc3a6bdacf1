"""Guards for defects found in review 27: a helper's train op chosen by a conditional expression
on the mode gates itself also where a call wraps the conditional; an object handed by keyword is
a setting only where it is an object configuring another call, not a value gathered into a dict;
a helper that closes over the labels it hands back uses them."""

from __future__ import annotations

from tests.mode_findings import codes, processed


def test_a_conditional_train_op_wrapped_in_a_call_still_gates_itself() -> None:
    # ``tf.group(minimize(loss) if mode == TRAIN else tf.no_op())``: EVAL and PREDICT group a
    # no-op; the minimize in the branch TRAIN alone takes is not built by the wrapping call.
    result = processed(
        """
        def train_op_for(loss, mode):
            return tf.group(
                tf.compat.v1.train.AdamOptimizer(0.01).minimize(loss)
                if mode == tf.estimator.ModeKeys.TRAIN else tf.no_op()
            )

        def model_fn(features, labels, mode, params):
            logits = tf.compat.v1.layers.dense(features["x"], 1)
            loss = None
            if mode != tf.estimator.ModeKeys.PREDICT:
                loss = tf.compat.v1.losses.mean_squared_error(labels, logits)
            train_op = train_op_for(loss, mode)
            return tf.estimator.EstimatorSpec(
                mode, predictions=logits, loss=loss, train_op=train_op
            )
        """
    )
    assert codes(result) == set()


def test_a_wrapping_call_with_the_train_op_outside_the_conditional_still_builds_it() -> None:
    result = processed(
        """
        def train_op_for(loss, mode):
            return tf.group(
                tf.compat.v1.train.AdamOptimizer(0.01).minimize(loss),
                tf.no_op() if mode == tf.estimator.ModeKeys.TRAIN else tf.no_op(),
            )

        def model_fn(features, labels, mode, params):
            logits = tf.compat.v1.layers.dense(features["x"], 1)
            if mode == tf.estimator.ModeKeys.PREDICT:
                return tf.estimator.EstimatorSpec(mode, predictions=logits)
            loss = tf.compat.v1.losses.mean_squared_error(labels, logits)
            train_op = train_op_for(loss, mode)
            return tf.estimator.EstimatorSpec(mode, loss=loss, train_op=train_op)
        """
    )
    assert "EF102:14" in codes(result)


GATHERED = """
from lib import optimization, metrics_lib


def model_fn(features, labels, mode, params):
    logits = tf.compat.v1.layers.dense(features["x"], 1)
    if mode == tf.estimator.ModeKeys.PREDICT:
        return tf.estimator.EstimatorSpec(mode, predictions=logits)
    loss = tf.compat.v1.losses.mean_squared_error(labels, logits)
    ops = {ops}
    metrics = {metrics}
    if mode == tf.estimator.ModeKeys.EVAL:
        return tf.estimator.EstimatorSpec(mode, loss=loss, eval_metric_ops=metrics)
    return tf.estimator.EstimatorSpec(mode, loss=loss, train_op=ops["main"])
"""


def test_values_gathered_into_a_dict_by_keyword_are_built_there() -> None:
    # ``dict(main=create_train_op(loss))`` builds the train op as ``{"main": ...}`` does: the
    # dict is no call the op configures.
    source = GATHERED.format(
        ops="dict(main=optimization.create_train_op(loss, 0.1))",
        metrics="dict(f1=metrics_lib.streaming_f1_metric(labels, logits))",
    )
    assert codes(processed(source)) == {"EF102:11", "EF103:12"}


def test_a_function_result_handed_by_keyword_is_built_by_the_statement() -> None:
    # ``create_train_op(loss)`` builds training ops from the loss, whatever it is handed to:
    # only an object (a class instantiated) configures the call it is handed to.
    source = GATHERED.format(
        ops='{"main": optimization.Trainer(op=optimization.create_train_op(loss, 0.1))}',
        metrics='{"f1": metrics_lib.streaming_f1_metric(labels, logits)}',
    )
    assert "EF102:11" in codes(processed(source))


def test_a_helper_closing_over_the_labels_it_hands_back_uses_them() -> None:
    # ``loss_fn`` reads ``labels_`` when it is called (in PREDICT too, with None): the helper
    # does more with the labels than hand them back.
    result = processed(
        """
        def model_fn(features, labels, mode, params):
            def unpack(features_, labels_):
                def loss_fn(logits):
                    return tf.compat.v1.losses.mean_squared_error(labels_, logits)
                return features_["x"], labels_, loss_fn

            inputs, labels, loss_fn = unpack(features, labels)
            logits = tf.compat.v1.layers.dense(inputs, 1)
            loss = loss_fn(logits)
            if mode == tf.estimator.ModeKeys.PREDICT:
                return tf.estimator.EstimatorSpec(mode, predictions=logits)
            return tf.estimator.EstimatorSpec(mode, loss=loss)
        """
    )
    assert codes(result) == {"EF106:9"}
