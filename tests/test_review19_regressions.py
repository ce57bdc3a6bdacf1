"""A review of the day's analysis changes (model_fn signatures, quiet registrations, named
results, mutated containers, regrouping, class constructors and attribute reads, metric ops
handed on, the eager rules following the file's own helpers): each case is a defect those
changes had, written as our own model_fn."""

from __future__ import annotations

import libcst as cst
import pytest

from codemods.base import apply_codemod
from codemods.eager import helper_results
from codemods.eager.codemod import EagerCode
from tests.mode_findings import found

PREDICT = "tf.estimator.ModeKeys.PREDICT"
TRAIN = "tf.estimator.ModeKeys.TRAIN"

MODE_CASES = {
    # an imported utility that both the predictions and the metric ops go through only
    # regroups what it is handed: the metric ops are the tf.metrics call's, and the
    # predictions built with the same utility are no metric (was EF103 on line 8, in PREDICT)
    "a_regrouping_helper_handed_metrics_builds_none": (
        f"""
        from project.structures import flatten


        def model_fn(features, labels, mode):
            logits = tf.compat.v1.layers.dense(features["x"], 3)
            predictions = flatten({{"classes": tf.argmax(logits, 1)}})
            if mode == {PREDICT}:
                return tf.estimator.EstimatorSpec(mode, predictions=predictions)
            loss = tf.compat.v1.losses.sparse_softmax_cross_entropy(labels, logits)
            if mode == {TRAIN}:
                opt = tf.compat.v1.train.AdamOptimizer()
                train_op = opt.minimize(loss, tf.compat.v1.train.get_global_step())
                return tf.estimator.EstimatorSpec(mode, loss=loss, train_op=train_op)
            accuracy = tf.compat.v1.metrics.accuracy(labels, predictions["classes"])
            metrics = flatten({{"accuracy": accuracy}})
            return tf.estimator.EstimatorSpec(mode, loss=loss, eval_metric_ops=metrics)
        """,
        set(),
    ),
    # reading a property of one of the module's classes runs its body: here it builds the
    # train op, in EVAL too (was no finding: the read was taken for a plain attribute)
    "a_property_of_a_module_class_runs_its_body": (
        f"""
        class Trainer(object):
            def __init__(self, loss):
                self.loss = loss

            @property
            def train_op(self):
                opt = tf.compat.v1.train.AdamOptimizer()
                return opt.minimize(self.loss, tf.compat.v1.train.get_global_step())


        def model_fn(features, labels, mode):
            logits = tf.compat.v1.layers.dense(features["x"], 1)
            if mode == {PREDICT}:
                return tf.estimator.EstimatorSpec(mode, predictions={{"y": logits}})
            loss = tf.reduce_mean(tf.square(labels - logits))
            trainer = Trainer(loss)
            train_op = trainer.train_op
            if mode == {TRAIN}:
                return tf.estimator.EstimatorSpec(mode, loss=loss, train_op=train_op)
            return tf.estimator.EstimatorSpec(mode, loss=loss)
        """,
        {"EF102:19"},
    ),
    # a plain attribute of such an object is still only read (no finding of its own)
    "a_plain_attribute_of_a_module_class_builds_nothing": (
        f"""
        class Head(object):
            def __init__(self, logits):
                self.logits = logits

            def scaled(self):
                return self.logits * 2


        def model_fn(features, labels, mode):
            head = Head(tf.compat.v1.layers.dense(features["x"], 1))
            logits = head.logits
            if mode == {PREDICT}:
                return tf.estimator.EstimatorSpec(mode, predictions={{"y": logits}})
            loss = tf.reduce_mean(tf.square(labels - logits))
            opt = tf.compat.v1.train.AdamOptimizer()
            train_op = opt.minimize(loss, tf.compat.v1.train.get_global_step())
            return tf.estimator.EstimatorSpec(mode, loss=loss, train_op=train_op)
        """,
        {"EF102:17", "EF102:18", "EF105:19"},
    ),
    # a loop building metrics and storing each into a dict only EVAL reads: storing a metric
    # is no use of it, so TRAIN builds them for nothing (was no finding since the loop counted
    # the store, a later part of it, as a use)
    "metrics_stored_into_a_dict_in_a_loop_are_unused_in_train": (
        f"""
        def model_fn(features, labels, mode, params):
            logits = tf.compat.v1.layers.dense(features["x"], 5)
            if mode == {PREDICT}:
                return tf.estimator.EstimatorSpec(mode, predictions={{"p": logits}})
            loss = tf.compat.v1.losses.sparse_softmax_cross_entropy(labels, logits)
            metrics = {{}}
            for k in range(1, 4):
                recall = tf.compat.v1.metrics.recall_at_k(labels, logits, k)
                metrics["recall@%d" % k] = recall
            if mode == {TRAIN}:
                opt = tf.compat.v1.train.AdamOptimizer()
                train_op = opt.minimize(loss, tf.compat.v1.train.get_global_step())
                return tf.estimator.EstimatorSpec(mode, loss=loss, train_op=train_op)
            return tf.estimator.EstimatorSpec(mode, loss=loss, eval_metric_ops=metrics)
        """,
        {"EF103:10"},
    ),
    # the same loop where a summary logs each metric in TRAIN: a use there, no finding
    "metrics_stored_and_summarised_in_a_loop_are_used_in_train": (
        f"""
        def model_fn(features, labels, mode, params):
            logits = tf.compat.v1.layers.dense(features["x"], 5)
            if mode == {PREDICT}:
                return tf.estimator.EstimatorSpec(mode, predictions={{"p": logits}})
            loss = tf.compat.v1.losses.sparse_softmax_cross_entropy(labels, logits)
            metrics = {{}}
            for k in range(1, 4):
                recall = tf.compat.v1.metrics.recall_at_k(labels, logits, k)
                metrics["recall@%d" % k] = recall
                tf.compat.v1.summary.scalar("recall_at_%d" % k, recall[1])
            if mode == {TRAIN}:
                opt = tf.compat.v1.train.AdamOptimizer()
                train_op = opt.minimize(loss, tf.compat.v1.train.get_global_step())
                return tf.estimator.EstimatorSpec(mode, loss=loss, train_op=train_op)
            return tf.estimator.EstimatorSpec(mode, loss=loss, eval_metric_ops=metrics)
        """,
        set(),
    ),
}


@pytest.mark.parametrize("name", sorted(MODE_CASES))
def test_mode_findings(name: str) -> None:
    source, expected = MODE_CASES[name]
    assert found(source) == expected


EAGER_HELPERS = '''\
import functools

import tensorflow as tf


def doubled(t): return t * 2


def as_tensor(fn):
    @functools.wraps(fn)
    def wrapped(*args):
        return tf.convert_to_tensor(fn(*args))
    return wrapped


@as_tensor
def num_entries(t):
    count = 1
    for size in t.shape.as_list():
        count *= size
    return count


def columns(t, n):
    for i in range(n):
        yield t[:, i]


'''

EAGER_CASES = {
    # a one-line helper returns what its one line returns (was None: no finding)
    "one_line_helper": ("if doubled(x) > 0:\n        x = x + 1", {"EF205:31"}),
    # a decorated helper gives what the decorator's wrapper gives, not what its body returns
    # (the body multiplies Python ints; the wrapper makes a tensor of them)
    "decorated_helper": ("if num_entries(x) > 10:\n        x = x + 1", {"EF205:31"}),
    # a generator's call gives the generator (no tensor of its own, nothing printed wrong)
    "generator_helper": ("parts = list(columns(x, 2))\n    x = parts[0]", set()),
}


def _eager_source(body: str) -> str:
    return EAGER_HELPERS + (
        "def model_fn(features, labels, mode):\n"
        "    x = tf.compat.v1.layers.dense(features['x'], 4)\n"
        f"    {body}\n"
        "    return tf.estimator.EstimatorSpec(mode, predictions={'x': x})\n"
    )


def _eager_findings(source: str) -> set[str]:
    _, findings = apply_codemod(EagerCode, cst.parse_module(source))
    return {f"{f.code}:{f.line}" for f in findings}


@pytest.mark.parametrize("name", sorted(EAGER_CASES))
def test_eager_findings(name: str) -> None:
    body, expected = EAGER_CASES[name]
    source = _eager_source(body)
    assert source.splitlines()[30].lstrip().startswith(body.split("\n")[0])
    assert _eager_findings(source) == expected


def test_helpers_calling_each_other_are_each_bound_a_bounded_number_of_times(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Ten helpers each calling the nine others: each helper's body is bound once per depth
    (and values handed), not once per chain of calls (9 ** 3 chains three calls deep)."""
    count = 10
    lines = ["import tensorflow as tf", ""]
    for i in range(count):
        lines.append(f"def h{i}(x):")
        lines += [f"    a{j} = h{j}(x)" for j in range(count) if j != i]
        lines += ["    return x * 2", ""]
    lines.append("def model_fn(features, labels, mode):")
    lines.append("    x = features['x']")
    lines += [f"    z{i} = h{i}(x)" for i in range(count)]
    lines.append("    return tf.estimator.EstimatorSpec(mode, predictions={'z': z0})")
    bound: list[int] = []
    original = helper_results.HelperBody.result

    def counting(self: helper_results.HelperBody, body: cst.BaseSuite, env: dict) -> object:
        bound.append(1)
        return original(self, body, env)

    monkeypatch.setattr(helper_results.HelperBody, "result", counting)
    assert _eager_findings("\n".join(lines) + "\n") == set()
    assert len(bound) <= count * helper_results.DEPTH
