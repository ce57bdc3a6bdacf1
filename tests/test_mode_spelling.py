"""A rewrite writes the mode constants the way the file does: tf.contrib.learn's ``ModeKeys`` has
``INFER``, not ``PREDICT``, however it is imported (a ``PREDICT`` written there fails in every
mode: it is an attribute error)."""

from __future__ import annotations

import textwrap

import pytest

from estimator_fix.engine import Settings, process_source
from estimator_fix.results import Changed

BODY = """
def model_fn(features, labels, mode, params):
    is_training = mode == {keys}.TRAIN
    logits = tf.compat.v1.layers.dense(features["x"], 1)
    loss = tf.reduce_mean(labels - logits)
    return tf.estimator.EstimatorSpec(mode, predictions={{"y": logits}}, loss=loss)
"""


@pytest.mark.parametrize(
    ("imports", "keys", "predict"),
    [
        ("from tensorflow.contrib.learn import ModeKeys", "ModeKeys", "ModeKeys.INFER"),
        ("from tensorflow.contrib import learn", "learn.ModeKeys", "learn.ModeKeys.INFER"),
        ("", "tf.contrib.learn.ModeKeys", "tf.contrib.learn.ModeKeys.INFER"),
        ("", "tf.estimator.ModeKeys", "tf.estimator.ModeKeys.PREDICT"),
    ],
)
def test_the_predict_constant_follows_the_mode_keys_in_use(
    imports: str, keys: str, predict: str
) -> None:
    source = "import tensorflow as tf\n" + imports + "\n" + textwrap.dedent(BODY.format(keys=keys))
    result = process_source("model.py", source.encode(), Settings())
    assert isinstance(result, Changed)
    assert f"if mode == {predict}:" in result.fixed.decode() or (
        f"if mode != {predict}:" in result.fixed.decode()
    ), result.fixed.decode()
