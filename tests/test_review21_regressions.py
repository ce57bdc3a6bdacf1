"""A review of the analysis changes of batch m (labels a helper given the mode uses anyway,
what a name holds where it is not None, nested functions, forwarders of a spec): each case is a
defect those changes had, written as our own model_fn."""

from __future__ import annotations

import textwrap

import libcst as cst
import pytest

from codemods.base import apply_codemod
from codemods.eager.codemod import EagerCode
from tests.mode_findings import found

PREDICT = "tf.estimator.ModeKeys.PREDICT"

#: A model_fn that hands labels and the mode to ``create_model`` and returns its logits in
#: PREDICT: clean where ``create_model`` leaves the labels alone in PREDICT.
CALLER = textwrap.indent(
    f"""

def model_fn(features, labels, mode):
    logits, loss = create_model(features, labels, mode)
    if mode == {PREDICT}:
        return tf.estimator.EstimatorSpec(mode, predictions={{"logits": logits}})
    return tf.estimator.EstimatorSpec(mode, loss=loss)
""",
    " " * 8,  # as the helpers written before it in each case
)


def test_a_helper_handing_the_mode_on_with_the_labels_gates_them() -> None:
    # ``create_model`` hands labels and the mode on to ``_loss``, which returns before it
    # reads them in PREDICT: the inner helper was read with the labels None but its mode
    # parameter unknown, so the test of the mode closed nothing and ``create_model`` was
    # said to use labels anyway (EF106 on a clean model_fn)
    source = f"""
        def _loss(labels, logits, mode):
            if mode == {PREDICT}:
                return None
            return tf.compat.v1.losses.sparse_softmax_cross_entropy(labels, logits)


        def create_model(features, labels, mode):
            logits = tf.compat.v1.layers.dense(features["x"], 2)
            loss = _loss(labels, logits, mode)
            return logits, loss

    """ + CALLER
    assert found(source) == set()


def test_a_return_inside_a_with_block_closes_the_way_to_the_labels() -> None:
    # ``create_model`` returns inside its ``with`` block in PREDICT, before it reads the
    # labels: the way to them was said open past the block (a with block was read as a loop
    # that may not run), and ``create_model`` was said to use labels anyway (EF106)
    source = f"""
        def create_model(features, labels, mode):
            with tf.compat.v1.variable_scope("model"):
                logits = tf.compat.v1.layers.dense(features["x"], 2)
                if mode == {PREDICT}:
                    return logits, None
            loss = tf.compat.v1.losses.sparse_softmax_cross_entropy(labels, logits)
            return logits, loss

    """ + CALLER
    assert found(source) == set()


def test_labels_used_after_a_with_block_that_may_fall_through_are_used() -> None:
    # the same helper without the return: the labels are used in PREDICT (EF106 stays)
    source = f"""
        def create_model(features, labels, mode):
            with tf.compat.v1.variable_scope("model"):
                logits = tf.compat.v1.layers.dense(features["x"], 2)
                if mode == {PREDICT}:
                    logits = tf.identity(logits)
            loss = tf.compat.v1.losses.sparse_softmax_cross_entropy(labels, logits)
            return logits, loss

    """ + CALLER
    assert found(source) == {"EF106:14"}


#: A function nested in a model_fn that runs in the session: it evaluates a tensor it closes
#: over and prints the value.
RESTORE = """
    def _restore(sess):
        value = logits.eval(session=sess)
        print(np.mean(value))
"""

#: How ``_restore`` comes to run in the session: through a lambda or a partial handed to what
#: calls it there, or called by another function that is.
SESSION_RUN = {
    "a_lambda_given_as_init_fn": (
        "scaffold = tf.compat.v1.train.Scaffold(init_fn=lambda scaffold, sess: _restore(sess))"
    ),
    "a_partial_given_to_py_func": (
        "scaffold = tf.compat.v1.py_func(functools.partial(_restore), [logits], tf.float32)"
    ),
    "called_by_a_py_func_body": (
        "def _host(sess):\n"
        "    _restore(sess)\n"
        "scaffold = tf.compat.v1.py_func(_host, [logits], tf.float32)"
    ),
}


@pytest.mark.parametrize("name", sorted(SESSION_RUN))
def test_a_function_run_in_the_session_by_way_of_another_is_left_alone(name: str) -> None:
    # the nested function was walked as graph-building code (EF202, EF201 false alarms): only
    # a function handed by its name was known to run in the session
    source = "import functools\n\nimport numpy as np\nimport tensorflow as tf\n\n\n" + (
        "def model_fn(features, labels, mode):\n"
        + textwrap.indent(
            "logits = tf.compat.v1.layers.dense(features['x'], 2)\n"
            + textwrap.dedent(RESTORE)
            + SESSION_RUN[name]
            + "\nreturn tf.estimator.EstimatorSpec(mode, predictions={'y': logits})\n",
            "    ",
        )
    )
    _, findings = apply_codemod(EagerCode, cst.parse_module(source))
    assert [f"{f.code}:{f.line}" for f in findings] == []


def test_a_function_called_while_the_graph_is_built_is_still_read() -> None:
    # the same function called by the model_fn itself: its findings stand
    source = (
        "import numpy as np\nimport tensorflow as tf\n\n\n"
        "def model_fn(features, labels, mode):\n"
        "    logits = tf.compat.v1.layers.dense(features['x'], 2)\n"
        + textwrap.indent(textwrap.dedent(RESTORE), "    ")
        + "    _restore(None)\n"
        "    return tf.estimator.EstimatorSpec(mode, predictions={'y': logits})\n"
    )
    _, findings = apply_codemod(EagerCode, cst.parse_module(source))
    assert [f"{f.code}:{f.line}" for f in findings] == ["EF202:9"]


def test_a_builders_closure_that_hands_no_work_on_is_no_model_fn() -> None:
    # a metric function with Estimator's parameter names, built and returned by a builder in
    # a file that uses Estimator: it returns a dict of metrics, not a spec nor the work of a
    # model_fn it calls, yet any returned closure with those names was taken for a model_fn
    # (EF101 and EF103 on a function that is no model_fn)
    source = f"""
        def make_metric_fn(k):
            def metric_fn(features, labels, mode):
                labels = tf.cast(labels, tf.int64)
                predictions = tf.argmax(features["logits"], -1)
                acc = tf.compat.v1.metrics.accuracy(labels, predictions)
                return {{"acc": acc}} if mode != {PREDICT} else {{}}
            return metric_fn
    """
    assert found(source) == set()


def test_a_builders_closure_handing_its_work_on_is_a_model_fn() -> None:
    # the closure hands the mode on to the model_fn it chose: it is one (its label code found)
    source = """
        def chooser(chosen):
            def delegating(features, labels, mode, params):
                labels = tf.cast(labels, tf.int64)
                return chosen(features, labels, mode)
            return delegating
    """
    assert found(source) == {"EF101:5"}


def test_a_test_that_reads_the_labels_before_ruling_none_out_reads_them() -> None:
    # labels are None in PREDICT unless the setting rebinds them from features; the test
    # looks into them (``labels.shape``) before ``labels is not None`` decides it, so in
    # PREDICT it fails where they are None: the None way was said to read nothing because
    # None decides the test as a whole (EF101 missed)
    source = f"""
        def model_fn(features, labels, mode, params):
            logits = tf.compat.v1.layers.dense(features["x"], 2)
            if params["distill"]:
                labels = tf.argmax(features["teacher"], -1)
            if len(labels.shape) > 1 and labels is not None:
                logits = logits * 2.0
            if labels is not None and len(labels.shape) > 1:
                logits = logits * 3.0
            if mode == {PREDICT}:
                return tf.estimator.EstimatorSpec(mode, predictions={{"l": logits}})
            loss = tf.compat.v1.losses.sparse_softmax_cross_entropy(labels, logits)
            return tf.estimator.EstimatorSpec(mode, loss=loss)
    """
    # the second test rules None out before it looks: no finding
    assert found(source) == {"EF101:7"}
