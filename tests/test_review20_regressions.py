"""A review of the analysis changes after batch k (objects a method may change, specs returned
inside a branch, methods of an object that carries the mode): each case is a defect those
changes had, written as our own model_fn."""

from __future__ import annotations

import textwrap

import libcst as cst
import pytest

from codemods.base import apply_codemod
from codemods.modes.codemod import ModeScoping
from tests.mode_findings import found

PREDICT = "tf.estimator.ModeKeys.PREDICT"
TRAIN = "tf.estimator.ModeKeys.TRAIN"

#: ``Net.build``: it sets what the PREDICT spec reads, and computes the loss from labels.
BUILD = """
    def build(self):
        logits = tf.compat.v1.layers.dense(self.features["x"], 2)
        self.probs = tf.nn.softmax(logits)
        self.loss = tf.reduce_mean(self.labels - logits)
"""

#: A statement that may change an object a later statement of PREDICT reads through another
#: name: fixing it would move it below that PREDICT return (a mode left without what it
#: reads), so it is reported and left where it is.
KEPT = {
    # the method is called through an alias of ``self`` (was moved below the return)
    "a_method_called_through_an_alias_of_self": f"""
        class Net:
            def model_fn(self, features, labels, mode, params):
                self.labels = labels
                self.features = features
                net = self
                net.build()
                if mode == {PREDICT}:
                    return tf.estimator.EstimatorSpec(mode, predictions={{"p": self.probs}})
                return tf.estimator.EstimatorSpec(mode, loss=self.loss)
        """,
    # the objects a loop takes from ``self`` are what ``self`` holds (was moved below the
    # return that reads ``self.probs``)
    "a_method_called_in_a_loop_over_what_self_holds": f"""
        class Net:
            def model_fn(self, features, labels, mode, params):
                self.features = features
                for layer in self.layers:
                    layer.build(labels)
                if mode == {PREDICT}:
                    return tf.estimator.EstimatorSpec(mode, predictions={{"p": self.probs}})
                return tf.estimator.EstimatorSpec(mode, loss=self.loss)
        """,
    # an attribute of ``self`` taken before the method runs (was moved below the return)
    "an_attribute_taken_before_its_owner_is_built": f"""
        class Net:
            def model_fn(self, features, labels, mode, params):
                self.labels = labels
                self.features = features
                head = self.head
                self.build()
                if mode == {PREDICT}:
                    return tf.estimator.EstimatorSpec(mode, predictions={{"p": head.probs}})
                return tf.estimator.EstimatorSpec(mode, loss=self.loss)
        """,
}


def _module(source: str) -> str:
    return "import tensorflow as tf\n" + textwrap.dedent(source)


def _fixed(module: str) -> tuple[str, list[tuple[str, int, str]]]:
    fixed, findings = apply_codemod(ModeScoping, cst.parse_module(module))
    return fixed.code, [(f.code, f.line, f.fix) for f in findings]


@pytest.mark.parametrize("name", sorted(KEPT))
def test_a_statement_changing_what_predict_reads_is_not_moved(name: str) -> None:
    module = _module(KEPT[name]) + BUILD
    code, findings = _fixed(module)
    assert findings and all(fix == "none" for _, _, fix in findings), findings
    assert code == module


def test_a_method_in_a_with_header_stays_before_the_predict_return() -> None:
    # ``net.scope()`` may change ``net``, whose ``probs`` the PREDICT spec reads: the label
    # code inside the block is guarded, the block stays where it is (the PREDICT return was
    # moved above it)
    code, findings = _fixed(_module(
        f"""
        def model_fn(features, labels, mode, params):
            net = Net(features)
            with net.scope():
                loss = tf.reduce_mean(labels)
            if mode == {PREDICT}:
                return tf.estimator.EstimatorSpec(mode, predictions={{"p": net.probs}})
            return tf.estimator.EstimatorSpec(mode, loss=loss)
        """
    ))
    assert findings == [("EF101", 6, "safe")]
    lines = code.splitlines()
    scope = lines.index("    with net.scope():")
    predict = lines.index(f"    if mode == {PREDICT}:")
    assert scope < predict, code
    assert lines[scope + 1] == f"        if mode != {PREDICT}:", code


#: Ordinary rewrites whose statement calls a method of an object a later statement reads,
#: where nothing is at risk: a TensorFlow object (a lookup table, an optimizer), or a method
#: that only reads its object (a distribution's sample). Each was made manual.
FIXABLE = {
    "a_lookup_table_the_model_reads_later": (
        f"""
        def model_fn(features, labels, mode, params):
            vocab = tf.compat.v1.lookup.StaticHashTable(params["init"], -1)
            labels = vocab.lookup(labels)
            logits = tf.compat.v1.layers.dense(tf.cast(vocab.lookup(features["w"]), tf.float32), 2)
            if mode == {PREDICT}:
                return tf.estimator.EstimatorSpec(mode, predictions={{"p": logits}})
            loss = tf.compat.v1.losses.sparse_softmax_cross_entropy(labels, logits)
            return tf.estimator.EstimatorSpec(mode, loss=loss)
        """,
        ("EF101", 5),
    ),
    "an_optimizer_a_head_reads_later": (
        f"""
        def model_fn(features, labels, mode, params):
            logits = tf.compat.v1.layers.dense(features["x"], 1)
            optimizer = tf.compat.v1.train.AdagradOptimizer(0.1)
            if mode == {PREDICT}:
                return tf.estimator.EstimatorSpec(mode, predictions={{"p": logits}})
            loss = tf.reduce_sum(labels - logits)
            train_op = optimizer.minimize(loss, global_step=tf.compat.v1.train.get_global_step())
            if mode == {TRAIN}:
                return tf.estimator.EstimatorSpec(mode, loss=loss, train_op=train_op)
            return params["head"].create_estimator_spec(
                features=features, mode=mode, labels=labels, logits=logits,
                train_op_fn=lambda l: optimizer.minimize(l))
        """,
        ("EF102", 9),
    ),
    "a_sample_of_a_distribution_the_loss_reads_later": (
        """
        def model_fn(features, labels, mode, params):
            likelihood = params["decoder"](features["x"])
            tf.compat.v1.summary.image("sample", likelihood.sample())
            distortion = -likelihood.log_prob(features["x"])
            return tf.estimator.EstimatorSpec(
                mode, predictions={"d": distortion}, loss=tf.reduce_mean(distortion))
        """,
        ("EF104", 5),
    ),
}


@pytest.mark.parametrize("name", sorted(FIXABLE))
def test_an_ordinary_rewrite_stays_fixable(name: str) -> None:
    source, (code_, line) = FIXABLE[name]
    code, findings = _fixed(_module(source))
    assert (code_, line, "safe") in findings, findings
    assert code != _module(source)


MODE_CASES = {
    # ``self.targets`` read beside a call of a method that carries the mode is still read
    # (the receiver's reading hid the labels: no finding)
    "labels_read_beside_a_method_of_an_object_carrying_the_mode": (
        f"""
        class Net:
            def model_fn(self, features, labels, mode, params):
                self.mode = mode
                self.targets = labels
                logits = self.build(features)
                total = self.scale(logits) + tf.reduce_mean(self.targets)
                if mode == {PREDICT}:
                    return tf.estimator.EstimatorSpec(mode, predictions={{"p": logits}})
                return tf.estimator.EstimatorSpec(mode, loss=total)

            def build(self, features):
                return tf.compat.v1.layers.dense(features["x"], 2)

            def scale(self, x):
                if self.mode == {PREDICT}:
                    return x
                return x * 2
        """,
        {"EF101:8"},
    ),
    # a spec returned in a one-line block, and on a line of several statements, inside a
    # branch that is not a mode test (the walk does not take those apart: no EF105)
    "a_spec_returned_in_a_one_line_block": (
        """
        def model_fn(features, labels, mode, params):
            logits = tf.compat.v1.layers.dense(features["x"], 1)
            if params["use_tpu"]: return tf.compat.v1.estimator.tpu.TPUEstimatorSpec(mode, predictions=logits, loss=tf.reduce_mean(labels - logits))
            return tf.estimator.EstimatorSpec(mode, predictions=logits)
        """,  # noqa: E501
        {"EF105:5"},
    ),
    "a_spec_returned_on_a_line_of_several_statements": (
        """
        def model_fn(features, labels, mode, params):
            logits = tf.compat.v1.layers.dense(features["x"], 1)
            if params["use_tpu"]:
                loss = tf.reduce_mean(labels - logits); return tf.estimator.EstimatorSpec(mode, predictions=logits, loss=loss)
            return tf.estimator.EstimatorSpec(mode, predictions=logits)
        """,  # noqa: E501
        {"EF101:6", "EF105:6"},
    ),
    # a helper writing a summary beside the value it gives, a value PREDICT does not use: the
    # summary can leave PREDICT with the statement, so it is the statement's own (was no
    # finding: the call stayed before the PREDICT return for nothing)
    "a_helper_summary_beside_a_value_predict_does_not_use": (
        f"""
        def aux_head(x):
            h = tf.compat.v1.layers.dense(x, 1)
            tf.compat.v1.summary.histogram("aux", h)
            return h


        def model_fn(features, labels, mode, params):
            logits = tf.compat.v1.layers.dense(features["x"], 1)
            aux = aux_head(features["x"])
            if mode == {PREDICT}:
                return tf.estimator.EstimatorSpec(mode, predictions={{"p": logits}})
            loss = tf.reduce_mean(labels - logits) + tf.reduce_mean(aux)
            return tf.estimator.EstimatorSpec(mode, loss=loss)
        """,
        {"EF104:11"},
    ),
}


@pytest.mark.parametrize("name", sorted(MODE_CASES))
def test_mode_findings(name: str) -> None:
    source, expected = MODE_CASES[name]
    assert found(source) == expected
