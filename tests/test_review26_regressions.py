"""Guards for defects found in review 26: a model_fn that nothing in its file describes the
features of, built once on a recording mapping and once on one tensor, is ``not validated``, and
what stopped that build (the one thing the report can say that the list of what was looked for
does not) reaches the report whole, not cut off by the bound on one error line."""

from __future__ import annotations

from pathlib import Path

import pytest

from estimator_fix.validation import validate_file

_FEATURES_BY_ITERATION = '''
"""The model_fn concatenates whatever features it gets: it reads no key by name."""
import tensorflow as tf


def model_fn(features, labels, mode, params):
    inputs = tf.concat([features[name] for name in sorted(features)], axis=1)
    logits = tf.compat.v1.layers.dense(inputs, 2, name="logits")
    loss = tf.compat.v1.losses.sparse_softmax_cross_entropy(labels=labels, logits=logits)
    optimizer = tf.compat.v1.train.GradientDescentOptimizer(0.1)
    train_op = optimizer.minimize(loss, global_step=tf.compat.v1.train.get_or_create_global_step())
    if mode == tf.estimator.ModeKeys.PREDICT:
        return tf.estimator.EstimatorSpec(mode, predictions={"class": tf.argmax(logits, 1)})
    return tf.estimator.EstimatorSpec(mode, loss=loss, train_op=train_op)
'''


@pytest.mark.tf
def test_what_stopped_the_build_without_inputs_is_reported_whole(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.estimator-fix]\n", encoding="utf-8")
    path = tmp_path / "model.py"
    path.write_text(_FEATURES_BY_ITERATION, encoding="utf-8")
    report = validate_file(path)
    assert report.verdict == "error" and report.not_validated, report.message
    assert report.message == report.not_validated
    assert report.message.startswith(f"{path}: no input: looked for --input-fn"), report.message
    # the build on the (empty) mapping failed in tf.concat; its error is there to the end
    assert report.message.endswith(
        "(built with none, the model_fn read no feature key: ValueError: List argument 'values' "
        "to 'ConcatV2' Op with length 0 shorter than minimum length 2.)"
    ), report.message
    assert "…" not in report.message, report.message
