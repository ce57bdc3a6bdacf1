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


WEIGHTED_LOSSES = """\
import tensorflow as tf


def model_fn(features, labels, mode, params):
    out = tf.compat.v1.layers.dense(features["x"], 3)
    cfg = params.loss
    terms = []
    terms.append(["l1", tf.reduce_mean(tf.abs(out)), cfg.l1])
    terms.append(["l2", tf.reduce_mean(tf.square(out)), cfg.l2])
    for name, loss, weight in terms:
        if weight != 0:
            tf.compat.v1.summary.scalar(name, loss * weight)
        if loss > 1:
            tf.compat.v1.summary.scalar(name + "_high", loss)
    return tf.estimator.EstimatorSpec(mode, predictions={"y": out})
"""


def test_a_loop_unpacks_what_each_position_of_the_appended_lists_holds() -> None:
    """``terms.append([name, loss, weight])`` of one length each time: unpacking the elements
    gives each name what its position holds - the weight, a setting, is no tensor (no EF205);
    the loss is one (EF205)."""
    _, findings = apply_codemod(EagerCode, cst.parse_module(WEIGHTED_LOSSES))
    assert {f"{f.code}:{f.line}" for f in findings} == {"EF205:13"}


ENUMERATED_LAYERS = """\
import tensorflow as tf


def model_fn(features, labels, mode, params):
    first = tf.compat.v1.layers.dense(features["x"], 8)
    second = tf.compat.v1.layers.dense(first, 8)
    outputs = []
    for i, layer in enumerate([first, second]):
        scale = 20 if i == 0 else -1
        outputs.append(layer * scale)
        if layer > 0:
            outputs.append(layer)
    for name, out in zip(["a", "b"], outputs):
        if name == "a":
            tf.compat.v1.summary.histogram(name, out)
    return tf.estimator.EstimatorSpec(mode, predictions={"y": outputs[0]})
"""


def test_a_loop_over_enumerate_or_zip_binds_each_name_what_its_iterable_gives() -> None:
    """``enumerate``'s count is a Python int (no EF205 on ``i == 0``) and its item a tensor
    (EF205 on ``layer > 0``); ``zip``'s names each what their own list holds."""
    _, findings = apply_codemod(EagerCode, cst.parse_module(ENUMERATED_LAYERS))
    assert {f"{f.code}:{f.line}" for f in findings} == {"EF205:11"}


STATE_TUPLE = """\
import logging

import tensorflow as tf


def model_fn(features, labels, mode, params):
    cell_state = tf.reshape(features["c"], [-1, 8])
    hidden = tf.reshape(features["h"], [-1, 8])
    state = tf.contrib.rnn.LSTMStateTuple(cell_state, hidden)
    logging.info("state {}".format(state))
    sizes = tf.contrib.rnn.LSTMStateTuple(8, 8)
    logging.info("sizes {}".format(sizes))
    return tf.estimator.EstimatorSpec(mode, predictions={"h": state.h})
"""


def test_a_tensorflow_named_tuple_holds_what_it_is_given() -> None:
    """``LSTMStateTuple(c, h)`` of tensors is a tuple of tensors (formatting it prints their
    symbols: EF204); of two numbers, a tuple of numbers."""
    _, findings = apply_codemod(EagerCode, cst.parse_module(STATE_TUPLE))
    assert {f"{f.code}:{f.line}" for f in findings} == {"EF204:10"}
