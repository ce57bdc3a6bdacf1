"""EF204 never rebinds through ``tf.identity`` a tensor that is more than its values to the
code after: a sigmoid's or softmax's output (Keras's cross-entropies take such an op's input as
the logits, so an identity in between changes the loss: the validation of the pair
``ef204_print_sigmoid_keras_loss`` shows it), made by the function itself, a layer function's
``activation=``, a Keras layer built and called at once, one of two branches; or a tensor
carrying a Keras mask (``Embedding(mask_zero=True)`` and the layers after it)."""

from __future__ import annotations

import libcst as cst
import pytest

from codemods.base import apply_codemod
from codemods.eager.codemod import EagerCode

TEMPLATE = """\
import tensorflow as tf


def model_fn(features, labels, mode, params):
    hidden = tf.compat.v1.layers.dense(features["x"], 8)
    {made}
    print("out", out)
    loss = tf.reduce_mean(tf.keras.backend.binary_crossentropy(labels, out))
    return tf.estimator.EstimatorSpec(mode, loss=loss, predictions={{"out": out}})
"""


def fixed(made: str) -> tuple[str, list[str]]:
    module, findings = apply_codemod(EagerCode, cst.parse_module(TEMPLATE.format(made=made)))
    return module.code, [f.note or "" for f in findings]


@pytest.mark.parametrize(
    "made",
    [
        "out = tf.sigmoid(hidden)",
        "out = tf.nn.softmax(hidden, axis=-1)",
        'out = tf.compat.v1.layers.dense(hidden, 1, activation="sigmoid")',
        "out = tf.compat.v1.layers.dense(hidden, 1, activation=tf.nn.sigmoid)",
        'out = tf.keras.layers.Dense(3, activation="softmax")(hidden)',
        "out = tf.sigmoid(hidden) if params['p'] else tf.nn.softmax(hidden)",
    ],
)
def test_a_print_of_an_activation_s_output_alone_is_reported(made: str) -> None:
    code, notes = fixed(made)
    assert "tf.identity" not in code
    assert any("sigmoid's or softmax's output" in note for note in notes), notes


MASKED = """\
import tensorflow as tf


def model_fn(features, labels, mode, params):
    embed = tf.keras.layers.Embedding(100, 8, mask_zero={zero})
    vectors = embed(features["ids"])
    hidden = tf.keras.layers.Dense(8)(vectors)
    print("hidden", hidden)
    states = tf.keras.layers.LSTM(4)(hidden)
    logits = tf.keras.layers.Dense(1)(states)
    return tf.estimator.EstimatorSpec(mode, predictions={{"logits": logits}})
"""


def test_a_tensor_carrying_a_keras_mask_is_not_rebound() -> None:
    """``Embedding(mask_zero=True)`` masks what it gives and the next layer passes the mask on,
    on the tensor object: ``tf.identity`` would hand the LSTM an unmasked sequence."""
    masked, findings = apply_codemod(EagerCode, cst.parse_module(MASKED.format(zero="True")))
    assert "tf.identity" not in masked.code
    assert any("Keras mask" in (f.note or "") for f in findings)
    plain, _ = apply_codemod(EagerCode, cst.parse_module(MASKED.format(zero="False")))
    assert "hidden = tf.identity(hidden)" in plain.code


@pytest.mark.parametrize(
    "made",
    ["out = tf.nn.relu(hidden)", 'out = tf.compat.v1.layers.dense(hidden, 1, activation="relu")'],
)
def test_other_outputs_are_still_wired(made: str) -> None:
    code, _ = fixed(made)
    assert "out = tf.identity(out)" in code
