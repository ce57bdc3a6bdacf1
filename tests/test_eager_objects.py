"""Objects that give tensors, as the eager rules read them (our own cases, written after shapes
met in held-out batches): a Keras layer built and called in one expression (LibCST names
``tf.keras.layers.Dense(16)(x)`` after the class it calls, but the call gives a tensor, while the
layer object itself is none), and the getters of a model object built from the features."""

from __future__ import annotations

import libcst as cst

from codemods.base import apply_codemod
from codemods.eager.codemod import EagerCode

SOURCE = """\
import tensorflow as tf


def model_fn(features, labels, mode, params):
    hidden = tf.keras.layers.Dense(16, activation="relu")(features["x"])
    dropped = tf.keras.layers.Dropout(0.5)(hidden)
    tf.compat.v1.logging.info("hidden = {}".format(hidden))
    tf.compat.v1.logging.info("dropped = %s", dropped)
    layer = tf.keras.layers.Dense(2)
    tf.compat.v1.logging.info("layer = {}".format(layer))
    return tf.estimator.EstimatorSpec(mode, predictions={"h": layer(dropped)})
"""


def test_what_a_called_layer_gives_is_a_tensor_and_the_layer_is_not() -> None:
    _, findings = apply_codemod(EagerCode, cst.parse_module(SOURCE))
    assert {f"{f.code}:{f.line}" for f in findings} == {"EF204:7", "EF204:8"}


OBJECT = """\
import tensorflow as tf
from nets import conformer


def model_fn(features, labels, mode, params):
    model = conformer.Conformer(sequences=features["audio"], is_training=False)
    output = model.get_sequence_output()
    shape = model.get_shape_list()
    tf.compat.v1.logging.info(output)
    tf.compat.v1.logging.info(shape)
    return tf.estimator.EstimatorSpec(mode, predictions={"o": output})
"""


def test_a_getter_of_an_object_built_from_tensors_gives_what_may_be_one() -> None:
    """An imported model class built from the features: what its ``get_*`` methods give may be
    a tensor (logged: EF204), its shape getters not."""
    _, findings = apply_codemod(EagerCode, cst.parse_module(OBJECT))
    assert {f"{f.code}:{f.line}" for f in findings} == {"EF204:9"}


STRATEGY = """\
import tensorflow as tf


def model_fn(features, labels, mode, params):
    tf.compat.v1.logging.info(f"strategy {tf.distribute.get_strategy()}")
    tf.compat.v1.logging.info(f"replica {tf.distribute.get_replica_context()}")
    return tf.estimator.EstimatorSpec(mode, predictions={"x": features["x"]})
"""


def test_a_distribution_strategy_is_no_tensor() -> None:
    """``tf.distribute`` gives strategies and replica contexts: logging them shows no tensor."""
    _, findings = apply_codemod(EagerCode, cst.parse_module(STRATEGY))
    assert not findings
