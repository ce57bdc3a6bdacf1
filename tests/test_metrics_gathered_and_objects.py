"""Metrics gathered in loops and handed to summary helpers, objects of the module's classes,
and results the model_fn hands on as metric ops (each case is our own, written after a shape met
in a held-out batch)."""

from __future__ import annotations

import pytest

from tests.mode_findings import found

PREDICT = "tf.estimator.ModeKeys.PREDICT"
TRAIN = "tf.estimator.ModeKeys.TRAIN"
EVAL = "tf.estimator.ModeKeys.EVAL"

CASES = {
    "metrics_gathered_in_a_loop_and_summarised_by_a_nested_helper": (
        f"""
        def model_fn(features, labels, mode, params):
            logits = tf.compat.v1.layers.dense(features["x"], 2)
            if mode == {PREDICT}:
                return tf.estimator.EstimatorSpec(mode, predictions={{"p": logits}})
            loss = tf.reduce_mean(labels["a"] - logits)

            def summarise(metrics, name):
                tf.compat.v1.summary.scalar(name, metrics[name][1])

            metrics = dict()
            for head in params["heads"]:
                found = {{"%s/acc" % head: tf.compat.v1.metrics.accuracy(labels[head], logits)}}
                metrics = {{**metrics, **found}}
                summarise(metrics, "%s/acc" % head)
            eval_metric_ops = {{"metrics/%s" % k: v for k, v in metrics.items()}}
            return tf.estimator.EstimatorSpec(mode, loss=loss, eval_metric_ops=eval_metric_ops)
        """,
        # TRAIN reads each metric through the summary the nested helper writes: no EF103; the
        # merge and the renaming comprehension only regroup
        set(),
    ),
    "metrics_gathered_in_a_loop_that_nothing_reads_in_train": (
        f"""
        def model_fn(features, labels, mode, params):
            logits = tf.compat.v1.layers.dense(features["x"], 2)
            if mode == {PREDICT}:
                return tf.estimator.EstimatorSpec(mode, predictions={{"p": logits}})
            loss = tf.reduce_mean(labels["a"] - logits)
            metrics = dict()
            for head in params["heads"]:
                found = {{"%s/acc" % head: tf.compat.v1.metrics.accuracy(labels[head], logits)}}
                metrics = {{**metrics, **found}}
            eval_metric_ops = {{"metrics/%s" % k: v for k, v in metrics.items()}}
            return tf.estimator.EstimatorSpec(mode, loss=loss, eval_metric_ops=eval_metric_ops)
        """,
        # the same loop without the summary: TRAIN builds the metric for nothing (the merge and
        # the renaming build nothing and are no finding of their own)
        {"EF103:10"},
    ),
    "an_object_of_the_modules_class_builds_what_its_init_does": (
        f"""
        class Net:
            def __init__(self, inputs, targets=None):
                if targets is None:
                    targets = tf.zeros_like(inputs)
                self.out = tf.compat.v1.layers.dense(inputs, 1)
                self.loss = tf.reduce_mean(targets - self.out)
                self.train_op = tf.compat.v1.train.AdamOptimizer().minimize(self.loss)


        def model_fn(features, labels, mode):
            net = Net(features["x"], targets=labels)
            out = net.out
            if mode == {PREDICT}:
                return tf.estimator.EstimatorSpec(mode, predictions={{"out": out}})
            return tf.estimator.EstimatorSpec(mode, loss=net.loss, train_op=net.train_op)
        """,
        # the optimizer and minimize run in every mode (13); reading an attribute of the object
        # builds nothing (14); the single spec gives EVAL the train op (17)
        {"EF102:13", "EF105:17"},
    ),
    "a_result_handed_on_as_metric_ops_is_metric_ops": (
        f"""
        from project import metrics


        def model_fn(features, labels, mode, params):
            logits = tf.compat.v1.layers.dense(features["x"], 2)
            if mode == {PREDICT}:
                return tf.estimator.EstimatorSpec(mode, predictions={{"p": logits}})
            loss = tf.reduce_mean(labels - logits)
            metric_ops = metrics.extra(labels, logits)
            if mode == {EVAL}:
                return tf.estimator.EstimatorSpec(mode, loss=loss, eval_metric_ops=metric_ops)
            train_op = tf.compat.v1.train.AdamOptimizer().minimize(loss)
            return tf.estimator.EstimatorSpec(mode, loss=loss, train_op=train_op)
        """,
        # what the model_fn hands to eval_metric_ops is metric ops, built in TRAIN for nothing
        {"EF103:11"},
    ),
    "a_result_handed_to_a_spec_helper_as_its_metric_ops": (
        f"""
        def eval_spec(loss, metrics):
            return tf.estimator.EstimatorSpec(
                tf.estimator.ModeKeys.EVAL, loss=loss, eval_metric_ops=metrics
            )


        def model_fn(features, labels, mode, params):
            model = params["model"]
            logits = model(features, mode, params)
            if mode == {PREDICT}:
                return tf.estimator.EstimatorSpec(mode, predictions={{"p": logits}})
            loss = model.loss(labels, logits)
            metrics = model.eval_metrics(labels, logits)
            if mode == {EVAL}:
                return eval_spec(loss, metrics)
            train_op = tf.compat.v1.train.AdamOptimizer().minimize(loss)
            return tf.estimator.EstimatorSpec(mode, loss=loss, train_op=train_op)
        """,
        # the in-file helper hands its second argument to eval_metric_ops: what the model_fn
        # gives it there is metric ops, built in TRAIN for nothing; the loss is not
        {"EF103:15"},
    ),
    "an_imported_helpers_results_stored_one_by_one_into_the_metric_ops": (
        f"""
        from project import metric


        def model_fn(features, labels, mode, params):
            logits = tf.compat.v1.layers.dense(features["x"], 2)
            if mode == {PREDICT}:
                return tf.estimator.EstimatorSpec(mode, predictions={{"p": logits}})
            loss = tf.reduce_mean(labels - logits)
            names = params["classes"]
            eval_metric_ops = {{}}
            dices = metric.dices(labels, logits, len(names))
            for name, dice in zip(names, dices):
                eval_metric_ops["dice_" + name] = dice
            if mode == {EVAL}:
                return tf.estimator.EstimatorSpec(mode, loss=loss, eval_metric_ops=eval_metric_ops)
            train_op = tf.compat.v1.train.AdamOptimizer().minimize(loss)
            return tf.estimator.EstimatorSpec(mode, loss=loss, train_op=train_op)
        """,
        # the loop stores each of the helper's results into the dict handed to
        # eval_metric_ops: the helper's results are metric ops, built in TRAIN for nothing (the
        # class names zipped with them are not)
        {"EF103:13"},
    ),
    "errors_and_metrics_merged_from_another_in_file_helper": (
        f"""
        def errors_and_metrics(labels, predictions):
            errors = {{"mae": tf.reduce_mean(tf.abs(labels - predictions))}}
            metrics = {{"mae": tf.compat.v1.metrics.mean_absolute_error(labels, predictions)}}
            return errors, metrics


        def all_errors_and_metrics(labels, predictions):
            errors_a, metrics_a = errors_and_metrics(labels, predictions)
            errors_b, metrics_b = errors_and_metrics(labels * 2.0, predictions)
            return {{**errors_a, **errors_b}}, {{**metrics_a, **metrics_b}}


        def model_fn(features, labels, mode, params):
            predictions = tf.compat.v1.layers.dense(features["x"], 1)
            if mode == {PREDICT}:
                return tf.estimator.EstimatorSpec(mode, predictions={{"p": predictions}})
            loss = tf.reduce_mean(labels - predictions)
            errors, eval_metric_ops = all_errors_and_metrics(labels, predictions)
            tf.compat.v1.summary.scalar("mae", errors["mae"])
            if mode == {EVAL}:
                return tf.estimator.EstimatorSpec(mode, loss=loss, eval_metric_ops=eval_metric_ops)
            train_op = tf.compat.v1.train.AdamOptimizer().minimize(loss)
            return tf.estimator.EstimatorSpec(mode, loss=loss, train_op=train_op)
        """,
        # the outer helper's second result is the inner one's metric ops, its first the plain
        # errors TRAIN summarises: the metric ops are built in TRAIN for nothing
        {"EF103:20"},
    ),
    "a_helper_filling_the_dict_handed_on_as_metric_ops_builds_them": (
        f"""
        from collections import OrderedDict

        from project.metrics import evaluate


        def model_fn(features, labels, mode, params):
            logits = tf.compat.v1.layers.dense(features["x"], 2)
            loss = tf.reduce_mean(tf.zeros_like(logits))
            logged = OrderedDict({{"step": tf.compat.v1.train.get_or_create_global_step()}})
            eval_metric_ops = OrderedDict()
            for name in params["heads"]:
                evaluate(labels[name], logits, name, eval_metric_ops)
            if mode == {PREDICT}:
                return tf.estimator.EstimatorSpec(mode, predictions={{"p": logits}})
            if mode == {EVAL}:
                return tf.estimator.EstimatorSpec(mode, loss=loss, eval_metric_ops=eval_metric_ops)
            hook = tf.compat.v1.estimator.LoggingTensorHook(logged, every_n_iter=10)
            train_op = tf.compat.v1.train.AdamOptimizer().minimize(loss)
            return tf.estimator.EstimatorSpec(
                mode, loss=loss, train_op=train_op, training_hooks=[hook]
            )
        """,
        # the imported helper fills the dict handed to it with metric ops: its call builds them,
        # in PREDICT and TRAIN for nothing (and it reads labels PREDICT lacks); an empty
        # OrderedDict() builds nothing, and the same constructor elsewhere builds no metric
        {"EF103:14"},
    ),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_findings(name: str) -> None:
    source, expected = CASES[name]
    assert found(source) == expected


def test_labels_reach_a_result_through_a_helper_of_a_helper_whatever_its_parameter_names() -> None:
    """The inner helper calls its parameters ``y`` and ``p``: the outer helper's first result is
    still computed from the labels handed to it, so what is computed from it in PREDICT is label
    code (line 15), beside the call PREDICT needs for its other result."""
    source = f"""
        def inner(y, p):
            return tf.reduce_mean(y - p), tf.identity(p)


        def outer(labels, logits):
            loss, out = inner(labels, logits)
            return loss, out


        def model_fn(features, labels, mode, params):
            logits = tf.compat.v1.layers.dense(features["x"], 1)
            loss, out = outer(labels, logits)
            total = loss * 2.0
            if mode == {PREDICT}:
                return tf.estimator.EstimatorSpec(mode, predictions={{"p": out}})
            return tf.estimator.EstimatorSpec(mode, loss=total)
        """
    assert "EF101:15" in found(source)
