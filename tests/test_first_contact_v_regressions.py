"""Shapes met at the first contact with batch 2026-12-03v, each failing before its fix: metric ops
made by a member of ``tf.metrics`` that ``getattr`` picks by name (as any member of a TensorFlow
module got so), and a dict of metric ops handed
to one spec for TRAIN and EVAL by position (whose rewrite was not stable: once the fix spelled the
argument ``eval_metric_ops=``, a second run found the metrics idle in TRAIN)."""

from __future__ import annotations

from estimator_fix.engine import Changed
from tests.mode_findings import codes, processed

_LOOP = """
METRICS = ("accuracy", "precision")


def model_fn(features, labels, mode, params):
    logits = tf.compat.v1.layers.dense(features["x"], 2)
    predictions = tf.argmax(logits, 1)
    if mode == tf.estimator.ModeKeys.PREDICT:
        return tf.estimator.EstimatorSpec(mode, predictions)
    loss = tf.compat.v1.losses.sparse_softmax_cross_entropy(labels, logits)
    train_op = tf.compat.v1.train.AdamOptimizer(0.1).minimize(loss)
    eval_metric_ops = {{}}
    for metric in METRICS:
        eval_metric_ops[metric] = {make}(labels, predictions)
    return tf.estimator.EstimatorSpec({fields})
"""
_POSITIONAL = "mode, predictions, loss, train_op, eval_metric_ops"


def test_a_member_of_a_tf_module_got_by_name_is_that_module_s() -> None:
    """``getattr(tf.summary, kind)(...)`` writes a summary, and with a name written out it is
    that function; a member of another module (NumPy's) is not TensorFlow's."""
    source = """
    def model_fn(features, labels, mode, params):
        logits = tf.compat.v1.layers.dense(features["x"], 2)
        getattr(tf.compat.v1.summary, params["kind"])("logits", logits)
        getattr(tf.compat.v1.summary, "histogram")("weights", logits)
        getattr(np, params["kind"])(logits)
        if mode == tf.estimator.ModeKeys.PREDICT:
            return tf.estimator.EstimatorSpec(mode, predictions={"p": logits})
        loss = tf.compat.v1.losses.sparse_softmax_cross_entropy(labels, logits)
        train_op = tf.compat.v1.train.AdamOptimizer(0.1).minimize(loss)
        return tf.estimator.EstimatorSpec(mode, loss=loss, train_op=train_op)
    """
    result = processed(source, prelude="import numpy as np\nimport tensorflow as tf\n")
    assert {c for c in codes(result) if c.startswith("EF104")} == {"EF104:6", "EF104:7"}


def test_metrics_handed_to_one_spec_by_position_are_idle_in_train_and_the_fix_is_stable() -> None:
    source = _LOOP.format(make="project_scores[metric]", fields=_POSITIONAL)
    source = "from project import project_scores\n" + source
    result = processed(source, fix=True)
    assert codes(result) == {"EF102:13", "EF103:16", "EF105:17"}, result
    assert isinstance(result, Changed), result


def test_a_model_fn_whose_features_go_by_another_name_is_read() -> None:
    """``__call__(self, images, labels, mode, params)``: Estimator's order, features renamed (a
    lambda elsewhere hands them on); with no PREDICT branch the label loss runs in PREDICT."""
    source = """
    class Classifier:
        def __call__(self, images, labels, mode, params):
            logits = tf.compat.v1.layers.dense(images, 2)
            loss = tf.compat.v1.losses.sparse_softmax_cross_entropy(labels, logits)
            if mode == tf.estimator.ModeKeys.TRAIN:
                train_op = tf.compat.v1.train.AdamOptimizer(0.1).minimize(loss)
                return tf.estimator.EstimatorSpec(mode, loss=loss, train_op=train_op)
            return tf.estimator.EstimatorSpec(mode, loss=loss)


    def make_spec(logits, labels, mode):
        # a helper taking other values first and the mode later: not a model_fn
        return tf.estimator.EstimatorSpec(mode, loss=tf.reduce_sum(labels - logits))
    """
    # the last spec, reached by EVAL and PREDICT, also carries the label loss into PREDICT
    assert codes(processed(source)) == {"EF101:6", "EF105:10"}


def test_what_tf1_checkpoint_readers_under_contrib_give_are_python_values() -> None:
    """``tf.contrib.framework.list_variables(path)`` is tf.train's: (name, shape) pairs read from
    a file; printing them prints no tensor (EF204 is for those)."""
    source = """
    def model_fn(features, labels, mode, params):
        for name_and_shape in tf.contrib.framework.list_variables(params["checkpoint"]):
            print(name_and_shape)
        print(tf.contrib.framework.load_variable(params["checkpoint"], "w"))
        logits = tf.compat.v1.layers.dense(features["x"], 2)
        print(logits)
        return tf.estimator.EstimatorSpec(mode, predictions={"p": logits})
    """
    assert codes(processed(source)) == {"EF204:8"}


def test_tensorflow_s_version_string_is_python() -> None:
    """``tf.__version__`` is module metadata: a string, tested with ``startswith`` in an ``if``
    (seen by the review of this batch's change), not a tensor."""
    source = """
    def model_fn(features, labels, mode, params):
        version = tf.__version__
        if version.startswith("1."):
            logits = tf.compat.v1.layers.dense(features["x"], 2)
        else:
            logits = tf.keras.layers.Dense(2)(features["x"])
        return tf.estimator.EstimatorSpec(mode, predictions={"p": logits})
    """
    assert codes(processed(source)) == set()
