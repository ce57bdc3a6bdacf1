"""An in-file helper is read, result by result: the names bound to what it computes from labels
carry them (even when it tests its labels against None: they are None in PREDICT), the others do
not; it is EF106 only when PREDICT needs a label-free result it gives next to label-derived ones
(BERT's ``create_model``), else its label work is EF101 like any other; a metric it gives next
to the loss is used only where its own result is read (EF103). Each case is our own, written
after a shape met in a held-out batch."""

from __future__ import annotations

import pytest

from tests.mode_findings import found

PREDICT = "tf.estimator.ModeKeys.PREDICT"
TRAIN = "tf.estimator.ModeKeys.TRAIN"


def _metric_model_fn(after_call: str) -> str:
    """A model_fn whose TRAIN-or-EVAL block gets the loss and an RMSE metric from one in-file
    helper (line 13), then runs ``after_call`` (one line, or nothing)."""
    extra = f"\n                {after_call}" if after_call else ""
    return f"""
        def compute_errors(labels, predictions):
            loss = tf.compat.v1.losses.mean_squared_error(labels, predictions)
            rmse = tf.compat.v1.metrics.root_mean_squared_error(labels, predictions)
            return loss, rmse


        def model_fn(features, labels, mode, params):
            predictions = tf.compat.v1.layers.dense(features["x"], 1)
            loss, train_op, metrics = None, None, None
            if mode != {PREDICT}:
                loss, rmse = compute_errors(labels, predictions){extra}
                if mode == {TRAIN}:
                    train_op = tf.compat.v1.train.AdamOptimizer().minimize(loss)
                metrics = {{"rmse": rmse}}
            return tf.estimator.EstimatorSpec(mode, predictions=predictions, loss=loss,
                                              train_op=train_op, eval_metric_ops=metrics)
        """


CASES = {
    "guarded_helper_hands_labels_back": (
        f"""
        def prepare(features, labels):
            x = tf.reshape(features["x"], [-1, 4])
            if labels is not None:
                labels = tf.squeeze(labels)
            return x, labels


        def model_fn(features, labels, mode, params):
            x, y = prepare(features, labels)
            logits = tf.compat.v1.layers.dense(x, 2)
            loss = tf.compat.v1.losses.sparse_softmax_cross_entropy(y, logits)
            if mode == {PREDICT}:
                return tf.estimator.EstimatorSpec(mode, predictions={{"p": logits}})
            return tf.estimator.EstimatorSpec(mode, loss=loss)
        """,
        {"EF101:13"},  # the call is no finding (the helper expects None), the loss is
    ),
    "swapped_unpacking_read_as_written": (
        f"""
        def model_fn(features, labels, mode, params):
            def split(features, labels):
                if labels is not None:
                    labels = tf.squeeze(labels)
                return features["x"], labels, features["n"]

            x, n, y = split(features, labels)
            masked = tf.sequence_mask(n)
            logits = tf.compat.v1.layers.dense(x, 2)
            if mode == {PREDICT}:
                return tf.estimator.EstimatorSpec(mode, predictions={{"p": logits}})
            return tf.estimator.EstimatorSpec(mode, loss=tf.reduce_mean(y) + logits)
        """,
        {"EF101:10"},  # ``n`` is bound to the labels; ``x`` is not
    ),
    "single_result_from_labels_is_label_code": (
        f"""
        def score(x):
            return tf.compat.v1.layers.dense(x, 1, name="score")


        def model_fn(features, labels, mode, params):
            real = score(labels)
            fake = score(features["x"])
            if mode == {PREDICT}:
                return tf.estimator.EstimatorSpec(mode, predictions={{"f": fake}})
            return tf.estimator.EstimatorSpec(mode, loss=tf.reduce_mean(real - fake))
        """,
        {"EF101:8"},  # read, not opaque: no EF106
    ),
    "mixed_results_predict_does_not_need": (
        f"""
        def errors(logits, labels, lengths):
            loss = tf.reduce_mean(labels - logits)
            count = tf.reduce_sum(lengths)
            return loss, count


        def model_fn(features, labels, mode, params):
            logits = tf.compat.v1.layers.dense(features["x"], 2)
            loss, count = errors(logits, labels, features["n"])
            per_item = loss / tf.cast(count, tf.float32)
            total = tf.identity(count)
            if mode == {PREDICT}:
                return tf.estimator.EstimatorSpec(mode, predictions={{"p": logits}})
            return tf.estimator.EstimatorSpec(mode, loss=per_item)
        """,
        {"EF101:11", "EF101:12"},  # ``total`` reads only the label-free count
    ),
    "mixed_results_predict_needs_is_ef106": (
        f"""
        def create_model(features, labels):
            logits = tf.compat.v1.layers.dense(features["x"], 2)
            loss = tf.reduce_mean(labels - logits)
            return loss, logits


        def model_fn(features, labels, mode, params):
            loss, logits = create_model(features, labels)
            if mode == {PREDICT}:
                return tf.estimator.EstimatorSpec(mode, predictions={{"p": logits}})
            return tf.estimator.EstimatorSpec(mode, loss=loss)
        """,
        {"EF106:10"},
    ),
    "state_update_carries_what_it_adds": (
        f"""
        def accumulate(errors, lengths):
            total_errors = tf.Variable(0.0, trainable=False)
            total_items = tf.Variable(0.0, trainable=False)
            update = tf.group(tf.compat.v1.assign_add(total_errors, errors),
                              total_items.assign_add(lengths))
            return total_errors, total_items, update


        def model_fn(features, labels, mode, params):
            logits = tf.compat.v1.layers.dense(features["x"], 2)
            errors = tf.reduce_sum(labels - logits)
            total_errors, total_items, update = accumulate(errors, features["n"])
            rate = tf.identity(total_errors)
            items = tf.identity(total_items)
            if mode == {PREDICT}:
                return tf.estimator.EstimatorSpec(mode, predictions={{"p": logits}})
            return tf.estimator.EstimatorSpec(mode, loss=rate + items)
        """,
        {"EF101:13", "EF101:14", "EF101:15"},  # not ``items``: only lengths were added to it
    ),
    "python_bookkeeping_builds_nothing": (
        f"""
        import itertools


        def model_fn(features, labels, mode, params):
            logits = tf.compat.v1.layers.dense(features["x"], 2)
            loss = tf.reduce_mean(labels - logits)
            pairs = tf.compat.v1.train.AdamOptimizer().compute_gradients(loss)
            by_var = {{}}
            for grad, var in itertools.chain(pairs):
                by_var.setdefault(var, []).append(grad)
            ops = {{"loss": (loss, tf.no_op())}}
            if mode == {PREDICT}:
                return tf.estimator.EstimatorSpec(mode, predictions={{"p": logits}})
            return tf.estimator.EstimatorSpec(mode, loss=loss, eval_metric_ops=ops)
        """,
        {"EF101:8", "EF102:9"},  # the loop, the appends and the metric dict only regroup
    ),
    "regrouping_known_by_what_it_names": (
        f"""
        from itertools import chain as joined


        def model_fn(features, labels, mode, params):
            logits = tf.compat.v1.layers.dense(features["x"], 2)
            loss = tf.reduce_mean(labels - logits)
            pairs = tf.compat.v1.train.AdamOptimizer().compute_gradients(loss)
            by_var = {{}}
            for grad, var in joined(pairs):
                by_var.setdefault(var, []).append(grad)
            if mode == {PREDICT}:
                return tf.estimator.EstimatorSpec(mode, predictions={{"p": logits}})
            return tf.estimator.EstimatorSpec(mode, loss=loss)
        """,
        {"EF101:8", "EF102:9"},  # ``joined`` is itertools.chain: the loop only regroups
    ),
    "a_local_zip_is_no_regrouping": (
        f"""
        def model_fn(features, labels, mode, params):
            zip = tf.compat.v1.layers.Dense(2)
            logits = tf.compat.v1.layers.dense(features["x"], 2)
            merged = zip(labels)
            if mode == {PREDICT}:
                return tf.estimator.EstimatorSpec(mode, predictions={{"p": logits}})
            return tf.estimator.EstimatorSpec(mode, loss=tf.reduce_mean(merged - logits))
        """,
        {"EF101:6"},  # a layer called on labels, not Python's zip
    ),
    "state_update_known_by_what_it_names": (
        f"""
        from tensorflow.python.ops import state_ops as updates


        def accumulate(errors):
            total = tf.Variable(0.0, trainable=False)
            update = updates.assign_add(total, errors)
            return total, update


        def model_fn(features, labels, mode, params):
            logits = tf.compat.v1.layers.dense(features["x"], 2)
            errors = tf.reduce_sum(labels - logits)
            total, update = accumulate(errors)
            rate = tf.identity(total)
            if mode == {PREDICT}:
                return tf.estimator.EstimatorSpec(mode, predictions={{"p": logits}})
            return tf.estimator.EstimatorSpec(mode, loss=rate)
        """,
        {"EF101:14", "EF101:15", "EF101:16"},  # the total is what was added to it: labels
    ),
    "tower_given_a_flag_computes_gradients_anyway": (
        f"""
        def tower(is_training, features, labels):
            logits = tf.compat.v1.layers.dense(features["x"], 2, trainable=is_training)
            loss = tf.reduce_mean(labels - logits)
            grads = tf.gradients(loss, tf.compat.v1.trainable_variables())
            return loss, grads, logits


        def model_fn(features, labels, mode, params):
            is_training = mode == {TRAIN}
            loss, grads, logits = tower(is_training, features, labels)
            predictions = {{"classes": tf.argmax(logits, axis=1)}}
            if mode == {PREDICT}:
                return tf.estimator.EstimatorSpec(mode, predictions=predictions)
            return tf.estimator.EstimatorSpec(mode, loss=loss)
        """,
        {"EF102:12"},  # the flag gates nothing in the tower; the logits are no training op
    ),
    "tower_gating_its_gradients_on_the_flag": (
        f"""
        def tower(is_training, features):
            logits = tf.compat.v1.layers.dense(features["x"], 2)
            grads = None
            if is_training:
                grads = tf.gradients(tf.reduce_sum(logits), tf.compat.v1.trainable_variables())
            return grads, logits


        def model_fn(features, labels, mode, params):
            is_training = mode == {TRAIN}
            grads, logits = tower(is_training, features)
            if mode == {PREDICT}:
                return tf.estimator.EstimatorSpec(mode, predictions={{"p": logits}})
            return tf.estimator.EstimatorSpec(mode, loss=tf.reduce_mean(logits))
        """,
        set(),
    ),
    "metric_result_train_never_reads": (
        _metric_model_fn(""),
        {"EF103:13"},  # TRAIN reads the loss the call gives, never the metric
    ),
    "metric_result_train_logs": (
        _metric_model_fn('tf.compat.v1.summary.scalar("rmse", rmse[1])'),
        set(),  # a summary TRAIN writes reads the metric
    ),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_findings(name: str) -> None:
    source, expected = CASES[name]
    assert found(source) == expected
