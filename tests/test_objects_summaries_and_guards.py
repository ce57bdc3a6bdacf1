"""Summaries a helper writes of what it gives back, factories of metric functions, type tests of
labels, spec returns inside a branch that is not a mode test, summaries of training values,
and objects whose methods build what the PREDICT spec reads (each case is our own, written
after a shape met in a held-out batch)."""

from __future__ import annotations

import textwrap

import libcst as cst
import pytest

from codemods.base import apply_codemod
from codemods.modes.codemod import ModeScoping
from tests.mode_findings import found

PREDICT = "tf.estimator.ModeKeys.PREDICT"
TRAIN = "tf.estimator.ModeKeys.TRAIN"
EVAL = "tf.estimator.ModeKeys.EVAL"

CASES = {
    "a_helper_summarising_what_it_gives_back": (
        f"""
        def embeddings(params):
            table = tf.compat.v1.get_variable("table", [params["n"], 8])
            tf.compat.v1.summary.histogram("table", table)
            return table


        def show(x):
            tf.compat.v1.summary.image("x", x)


        def model_fn(features, labels, mode, params):
            table = embeddings(params)
            looked_up = tf.nn.embedding_lookup(table, features["ids"])
            show(looked_up)
            logits = tf.compat.v1.layers.dense(looked_up, 1)
            if mode == {PREDICT}:
                return tf.estimator.EstimatorSpec(mode, predictions={{"p": logits}})
            return tf.estimator.EstimatorSpec(mode, loss=tf.reduce_mean(labels - logits))
        """,
        # the helper's histogram comes with the table PREDICT needs: not the statement's own
        # summary, and the values computed from the table hold none; a call made for its
        # summary alone is one (16)
        {"EF104:16"},
    ),
    "a_factory_of_metric_functions_builds_no_metric": (
        f"""
        from project import metric_fns


        def model_fn(features, labels, mode, params):
            logits = tf.compat.v1.layers.dense(features["x"], 2)
            fns = [metric_fns.make_accuracy_metric_fn(params["vocabulary"])]
            metric_fn = metric_fns.combine_metric_fns(fns)
            if mode == {PREDICT}:
                return tf.estimator.EstimatorSpec(mode, predictions={{"p": logits}})
            loss = tf.reduce_mean(labels - logits)
            metrics = metric_fn(labels, logits)
            return tf.estimator.EstimatorSpec(mode, loss=loss, eval_metric_ops=metrics)
        """,
        # making the metric function builds nothing; calling it builds the metrics (13), which
        # TRAIN builds for nothing
        {"EF103:13"},
    ),
    "a_type_test_of_labels_is_a_none_guard": (
        """
        def model_fn(features, labels, mode, params):
            logits = tf.compat.v1.layers.dense(features["x"], 2)
            if isinstance(labels, dict) and not params["as_is"]:
                kept = {k: v for k, v in labels.items() if k in params["names"]}
            else:
                kept = labels
            head = make_head(features, kept, mode=mode)
            return tf.estimator.EstimatorSpec(mode, predictions=logits, loss=head.loss)
        """,
        set(),
    ),
    "a_spec_returned_inside_a_branch_judged_where_it_stands": (
        f"""
        def model_fn(features, labels, mode, params):
            logits = tf.compat.v1.layers.dense(features["x"], 2)
            if params["use_tpu"]:
                eval_metrics = None
                if mode != {PREDICT} and not params["head"]:
                    eval_metrics = (params["metric_fn"], [labels, logits])
                return tf.compat.v1.estimator.tpu.TPUEstimatorSpec(
                    mode=mode, predictions=logits, eval_metrics=eval_metrics)
            return tf.estimator.EstimatorSpec(mode, predictions=logits)
        """,
        set(),  # eval_metrics is None in PREDICT where that return stands
    ),
    "hooks_added_in_train_and_those_of_a_helper_given_the_mode": (
        f"""
        def model_fn(features, labels, mode, params):
            hooks = []
            if mode == {TRAIN}:
                hooks.append(tf.compat.v1.train.StepCounterHook())
            built = make_spec(features, labels, mode=mode)
            return tf.estimator.EstimatorSpec(
                mode, loss=built.loss, predictions=built.predictions, train_op=built.train_op,
                training_hooks=hooks + built.train_hooks)
        """,
        # outside TRAIN the list is empty, and what the helper gives is its choice for the mode
        set(),
    ),
    "losses_summarised_in_a_loop_then_totalled": (
        """
        def model_fn(features, labels, mode, params):
            logits = tf.compat.v1.layers.dense(features["x"], 1)
            losses = {"l2": tf.reduce_mean(tf.square(logits))}
            for name, loss in losses.items():
                tf.compat.v1.losses.add_loss(loss)
                tf.compat.v1.summary.scalar("loss/" + name, loss)
            total = tf.compat.v1.losses.get_total_loss()
            return tf.estimator.EstimatorSpec(mode, predictions=logits, loss=total)
        """,
        # the summary the loop writes runs in PREDICT (8); the loop's names hold no summary, so
        # the total read back from the losses collection is none either
        {"EF104:8"},
    ),
    "a_summary_of_a_gradient_norm": (
        f"""
        def model_fn(features, labels, mode, params):
            logits = tf.compat.v1.layers.dense(features["x"], 1)
            if mode == {PREDICT}:
                return tf.estimator.EstimatorSpec(mode, predictions={{"p": logits}})
            loss = tf.reduce_mean(labels - logits)
            norm = tf.linalg.global_norm(tf.gradients(loss, tf.compat.v1.trainable_variables()))
            tf.compat.v1.summary.scalar("gradient_norm", norm)
            if mode == {EVAL}:
                return tf.estimator.EstimatorSpec(mode, loss=loss)
            train_op = tf.compat.v1.train.AdamOptimizer().minimize(loss)
            return tf.estimator.EstimatorSpec(mode, loss=loss, train_op=train_op)
        """,
        # the gradients in EVAL (8); the summary writes them and goes with them (no finding)
        {"EF102:8"},
    ),
    "labels_stored_on_an_object_that_carries_the_mode": (
        f"""
        class Net:
            def model_fn(self, mode, features, labels, params):
                self.mode = mode
                self.targets = labels
                self.build()
                if mode == {PREDICT}:
                    return tf.estimator.EstimatorSpec(mode, predictions={{"p": self.probs}})
                return tf.estimator.EstimatorSpec(mode, loss=self.loss)

            def build(self):
                logits = tf.compat.v1.layers.dense(self.features["x"], 2)
                self.probs = tf.nn.softmax(logits)
                if self.mode != {PREDICT}:
                    self.loss = tf.reduce_mean(self.targets - logits)
        """,
        set(),  # build reads the labels stored on self under its own test of self.mode
    ),
    **{
        f"a_method_given_the_mode_building_its_train_op_{name}": (
            f"""
            class Net:
                def model_fn(self, mode, features, labels, params):
                    self.mode = mode
                    self.targets = labels
                    self.build_graph(features)
                    if mode == {PREDICT}:
                        return tf.estimator.EstimatorSpec(mode, predictions={{"p": self.probs}})
                    return tf.estimator.EstimatorSpec(mode, loss=self.loss, train_op=self.train_op)

                def build_graph(self, features):
                    logits = tf.compat.v1.layers.dense(features["x"], 2)
                    self.probs = tf.nn.softmax(logits)
                    {test}
                        self.loss = tf.reduce_mean(self.targets - logits)
                        self._build_optimizer()

                def _build_optimizer(self):
                    self.train_op = tf.compat.v1.train.AdamOptimizer().minimize(self.loss)
            """,
            expected,
        )
        for name, test, expected in (
            # true in EVAL as in TRAIN: the optimizer is built in EVAL (through its method)
            ("under_a_test_true_in_eval", f"if self.mode != {PREDICT}:", {"EF102:7"}),
            # only in TRAIN: the method gates itself
            ("only_in_train", f"if self.mode == {TRAIN}:", set()),
        )
    },
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_findings(name: str) -> None:
    source, expected = CASES[name]
    assert found(source) == expected


def test_a_summary_of_a_gradient_norm_moves_with_it() -> None:
    source, _ = CASES["a_summary_of_a_gradient_norm"]
    fixed, _ = apply_codemod(ModeScoping, cst.parse_module(textwrap.dedent(source)))
    lines = fixed.code.splitlines()
    train = next(i for i, line in enumerate(lines) if f"if mode == {TRAIN}" in line)
    for text in ("tf.gradients(", "summary.scalar("):
        assert next(i for i, line in enumerate(lines) if text in line) > train, fixed.code


METHOD_BUILDS_WHAT_PREDICT_READS = f"""\
import tensorflow as tf


class Net:
    def model_fn(self, features, labels, mode, params):
        self.labels = labels
        self.features = features
        self.build()
        if mode == {PREDICT}:
            return tf.estimator.EstimatorSpec(mode, predictions={{"p": self.probs}})
        return tf.estimator.EstimatorSpec(mode, loss=self.loss)

    def build(self):
        logits = tf.compat.v1.layers.dense(self.features["x"], 2)
        self.probs = tf.nn.softmax(logits)
        self.loss = tf.reduce_mean(self.labels - logits)
"""


def test_a_method_that_builds_what_predict_reads_is_not_moved() -> None:
    # build() computes the loss from labels in PREDICT (EF101), but it also sets self.probs,
    # which the PREDICT spec reads: moving it below that return would break PREDICT
    fixed, findings = apply_codemod(
        ModeScoping, cst.parse_module(METHOD_BUILDS_WHAT_PREDICT_READS)
    )
    assert [(f.code, f.line, f.fix) for f in findings] == [("EF101", 8, "none")]
    assert fixed.code == METHOD_BUILDS_WHAT_PREDICT_READS
