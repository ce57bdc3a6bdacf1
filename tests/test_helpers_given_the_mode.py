"""Helpers given the mode, and the file's functions a spec is built through (each case is our
own, written after shapes met in a held-out batch: an OCR trainer's evaluation helper given the
mode only for its network's training flag, and a function handing its keyword arguments on to
EstimatorSpec)."""

from __future__ import annotations

import textwrap

import libcst as cst
import pytest

from codemods.base import apply_codemod
from codemods.modes.codemod import ModeScoping
from tests.mode_findings import found

PREDICT = "tf.estimator.ModeKeys.PREDICT"
TRAIN = "tf.estimator.ModeKeys.TRAIN"

EVALUATION = f"""
def network(features, mode):
    return tf.compat.v1.layers.dropout(features["x"], training=mode == {TRAIN})


def get_loss(kind, labels, logits):
    if kind == "mse":
        labels = tf.cast(labels, tf.float32)
        return tf.reduce_mean(tf.square(labels - logits))
    raise NotImplementedError(kind)


def evaluation(features, labels, mode, params):
    logits = network(features, mode)
    loss = get_loss(params["loss"], labels=labels, logits=logits)
    return loss, {{"y": logits}}


def make_spec(mode, predictions, loss=None, train_op=None):
    return tf.estimator.EstimatorSpec(mode=mode, predictions=predictions, loss=loss,
                                      train_op=train_op)
"""

CASES = {
    # the mode decides only the network's training flag; the loss comes from the labels under
    # a test of a setting, in PREDICT too, next to the predictions PREDICT needs; the spec
    # built through make_spec gives PREDICT that loss
    "helper_given_the_mode_for_a_flag_only": (
        EVALUATION
        + """

def model_fn(features, labels, mode, params):
    loss, predictions = evaluation(features, labels, mode, params)
    return make_spec(mode, predictions=predictions, loss=loss)
""",
        {"EF106:26", "EF105:27"},
    ),
    # the same helper told apart by the mode: it returns first in PREDICT
    "helper_returning_first_in_predict": (
        EVALUATION.replace(
            "    logits = network(features, mode)\n",
            f"    logits = network(features, mode)\n"
            f"    if mode == {PREDICT}:\n"
            "        return None, {\"y\": logits}\n",
        )
        + f"""

def model_fn(features, labels, mode, params):
    loss, predictions = evaluation(features, labels, mode, params)
    if mode == {PREDICT}:
        return make_spec(mode, predictions=predictions)
    return make_spec(mode, predictions=predictions, loss=loss)
""",
        set(),
    ),
    # a helper given the mode that only logs its labels or keeps them in a dict before its
    # test of the mode: nothing there fails on None
    "helper_logging_its_labels_before_testing_the_mode": (
        f"""
import logging


def loss_of(labels, logits, mode):
    logging.info("labels: %s", labels)
    kept = dict(labels=labels)
    if mode == {PREDICT}:
        return None
    return tf.reduce_mean(tf.square(tf.cast(kept["labels"], tf.float32) - logits))


def model_fn(features, labels, mode, params):
    logits = tf.compat.v1.layers.dense(features["x"], 1)
    loss = loss_of(labels, logits, mode)
    return tf.estimator.EstimatorSpec(mode, predictions={{"y": logits}}, loss=loss)
""",
        set(),
    ),
    # a helper handed labels that tests them against None before anything else
    "helper_testing_labels_for_none": (
        """
def loss_of(labels, logits, mode):
    if labels is None:
        return None
    return tf.reduce_mean(tf.square(tf.cast(labels, tf.float32) - logits))


def model_fn(features, labels, mode, params):
    logits = tf.compat.v1.layers.dense(features["x"], 1)
    loss = loss_of(labels, logits, mode)
    return tf.estimator.EstimatorSpec(mode, predictions={"y": logits}, loss=loss)
""",
        set(),
    ),
    # a hook appended to a list is made of values built elsewhere and goes where they go: the
    # loss is the finding, not the hook made of it
    "hook_appended_to_a_list": (
        f"""
def model_fn(features, labels, mode, params):
    logits = tf.compat.v1.layers.dense(features["x"], 1)
    loss = tf.reduce_mean(labels - logits)
    hooks = []
    hooks.append(tf.estimator.LoggingTensorHook({{"loss": loss}}, every_n_iter=1))
    if mode == {PREDICT}:
        return tf.estimator.EstimatorSpec(mode, predictions={{"y": logits}})
    return tf.estimator.EstimatorSpec(mode, loss=loss, evaluation_hooks=hooks)
""",
        {"EF101:5"},
    ),
    # an imported builder handed the labels and a flag made of the mode: the flag says nothing
    # of what it does with the labels (the mode itself would be trusted)
    "imported_builder_given_a_flag_and_labels": (
        f"""
from gqn import build


def model_fn(features, labels, mode, params):
    net = build(features["x"], target=labels, is_training=mode != {PREDICT})
    if mode == {PREDICT}:
        return tf.estimator.EstimatorSpec(mode, predictions={{"y": net}})
    return tf.estimator.EstimatorSpec(mode, loss=tf.reduce_mean(net))
""",
        {"EF106:7"},
    ),
    "imported_builder_given_the_mode_and_labels": (
        f"""
from gqn import build


def model_fn(features, labels, mode, params):
    net = build(features["x"], target=labels, mode=mode)
    if mode == {PREDICT}:
        return tf.estimator.EstimatorSpec(mode, predictions={{"y": net}})
    return tf.estimator.EstimatorSpec(mode, loss=tf.reduce_mean(net))
""",
        set(),
    ),
    # a summary helper given the mode flags writes the outputs' histogram before any test of
    # them: PREDICT writes it too; its gated summaries are its own business
    "summary_helper_writing_before_its_tests": (
        f"""
def summaries(outputs, is_training, is_evaluating):
    tf.compat.v1.summary.histogram("outputs", outputs)
    if is_training or is_evaluating:
        tf.compat.v1.summary.scalar("mean", tf.reduce_mean(outputs))


def model_fn(features, labels, mode, params):
    outputs = tf.compat.v1.layers.dense(features["x"], 1)
    summaries(outputs, mode == {TRAIN}, mode == tf.estimator.ModeKeys.EVAL)
    return tf.estimator.EstimatorSpec(mode, predictions={{"y": outputs}})
""",
        {"EF104:11"},
    ),
    "summary_helper_gating_every_summary": (
        f"""
def summaries(outputs, is_training, is_evaluating):
    if is_training or is_evaluating:
        tf.compat.v1.summary.histogram("outputs", outputs)


def model_fn(features, labels, mode, params):
    outputs = tf.compat.v1.layers.dense(features["x"], 1)
    summaries(outputs, mode == {TRAIN}, mode == tf.estimator.ModeKeys.EVAL)
    return tf.estimator.EstimatorSpec(mode, predictions={{"y": outputs}})
""",
        set(),
    ),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_findings(name: str) -> None:
    source, expected = CASES[name]
    assert found(source) == expected


def test_spec_built_through_a_forwarding_function_is_reported_not_split() -> None:
    source, _ = CASES["helper_given_the_mode_for_a_flag_only"]
    module = cst.parse_module("import tensorflow as tf\n" + textwrap.dedent(source))
    fixed, findings = apply_codemod(ModeScoping, module)
    spec = next(f for f in findings if f.code == "EF105")
    assert spec.fix == "none"
    assert "hands its arguments on" in spec.note
    assert fixed.code == module.code


def test_a_helper_choosing_its_train_op_by_a_conditional_expression_gates_itself() -> None:
    # ``minimize(loss) if mode == TRAIN else None``: EVAL and PREDICT get None, build nothing.
    source = f"""
    def train_op_for(loss, mode):
        return (
            tf.compat.v1.train.AdamOptimizer(0.01).minimize(loss)
            if mode == {TRAIN} else None
        )

    def model_fn(features, labels, mode, params):
        logits = tf.compat.v1.layers.dense(features["x"], 1)
        loss = None
        if mode != {PREDICT}:
            loss = tf.compat.v1.losses.mean_squared_error(labels, logits)
        train_op = train_op_for(loss, mode)
        return tf.estimator.EstimatorSpec(
            mode, predictions=logits, loss=loss, train_op=train_op
        )
    """
    assert found(source) == set()


def test_a_conditional_expression_the_mode_does_not_decide_keeps_the_train_op_where_it_is() -> None:
    # The optimizer is built whatever the mode, the conditional only picks the learning rate.
    source = f"""
    def train_op_for(loss, mode):
        rate = 0.1 if mode == {TRAIN} else 0.0
        return tf.compat.v1.train.AdamOptimizer(rate).minimize(loss)

    def model_fn(features, labels, mode, params):
        logits = tf.compat.v1.layers.dense(features["x"], 1)
        if mode == {PREDICT}:
            return tf.estimator.EstimatorSpec(mode, predictions=logits)
        loss = tf.compat.v1.losses.mean_squared_error(labels, logits)
        train_op = train_op_for(loss, mode)
        return tf.estimator.EstimatorSpec(mode, loss=loss, train_op=train_op)
    """
    assert {"EF102:12", "EF105:13"} <= found(source)
