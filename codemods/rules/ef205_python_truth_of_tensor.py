"""EF205: Python if/while/and/or/not/bool() on a tensor.

Detector: the scan calls ``truth_test`` on every expression Python tests for truth (an ``if``,
``elif`` or ``while`` test, a conditional expression's test, an operand of ``and``/``or``/``not``,
an ``assert``, a comprehension's ``if``, ``bool(...)``): a finding when it is a tensor or a
variable. ``x is None`` and comparisons with None are Python values, and so is ``==`` or ``!=``
of two tensors or variables (while a graph is built, the identity of the objects). Report only.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import libcst as cst

from codemods.eager.sites import CallView, Scan, Site
from codemods.eager.values import TYPED, Bindings
from codemods.rules.rule import FixSafety, Invalid, Rule, Valid

CODE = "EF205"
RECIPE = (
    "use tf.cond(pred, true_fn, false_fn) for control flow, tf.where(cond, x, y) to pick values, "
    "or decide in Python on static facts (x.shape, params, mode)"
)


@dataclass(eq=False)
class TruthSite(Site):
    """Python's truth test of a tensor (report only)."""

    code: ClassVar[str] = CODE


def truth_test(
    expr: cst.BaseExpression, env: Bindings, stmt: cst.BaseStatement, construct: str, scan: Scan
) -> None:
    """``construct`` (``if``, ``while``, ``not`` ...) tests ``expr`` for truth.

    Of ``a and b`` the test reaches ``b`` here (``a`` is tested where the scan meets the
    ``and``); ``not x`` is tested where the scan meets the ``not``.
    """
    if isinstance(expr, cst.BooleanOperation):
        truth_test(expr.right, env, stmt, word(expr), scan)
        return
    if isinstance(expr, cst.UnaryOperation) and isinstance(expr.operator, cst.Not):
        return
    if scan.kind(expr, env) not in TYPED:
        return
    message = RULE.format(construct=construct, expression=scan.short(expr))
    scan.add(TruthSite(expr, stmt, message, note=RECIPE))


def bool_call(view: CallView, scan: Scan) -> bool:
    """``bool(x)`` of one argument."""
    if view.builtin != "bool" or len(view.args) != 1:
        return False
    truth_test(view.args[0], view.env, view.stmt, "bool()", scan)
    return True


def word(node: cst.BooleanOperation) -> str:
    return "and" if isinstance(node.operator, cst.And) else "or"


RULE = Rule(
    code=CODE,
    title="Python if/while/and/or/not/bool() on a tensor",
    fix=FixSafety.REPORT,
    fix_summary="report only (suggests tf.cond / tf.where)",
    what=(
        "Finds `if t > 0:`, `while t:`, `t and x`, `not t`, `bool(t)`, `assert t` and `a "
        "if t else b` where `t` is a tensor."
    ),
    why=(
        "A symbolic tensor has no truth value while the graph is built: these raise "
        "OperatorNotAllowedInGraphError. `is None` tests and comparisons with None are "
        "Python tests: no finding; nor is `v != w` of two tensors or variables, which graph "
        "mode answers with their identity (filtering a list of variables)."
    ),
    example='''\
if tf.reduce_mean(logits) > 0:
    logits = -logits
''',
    use_instead='''\
logits = tf.cond(tf.reduce_mean(logits) > 0, lambda: -logits, lambda: logits)
''',
    fix_safety=(
        "Report only. Decide in the graph instead: tf.cond(pred, true_fn, false_fn) for "
        "control flow, tf.where(cond, x, y) to pick values elementwise; or decide in "
        "Python on static facts (x.shape, params, mode)."
    ),
    message=(
        "Python `{construct}` on a tensor `{expression}` (graph mode raises: a symbolic "
        "tensor has no truth value)"
    ),
    valid=(
        Valid(
            # TF-Hub's API loads modules (`hub.get_expected_image_size` gives Python ints): the
            # asserts compare numbers; what the module gives, called on a tensor, is a tensor
            id="the_image_size_a_hub_module_expects_is_python_ints",
            source='''\
import tensorflow as tf
import tensorflow_hub as hub


def model_fn(features, labels, mode, params):
    module = hub.Module(params["hub_module"])
    height, width = hub.get_expected_image_size(module)
    assert width == params["width"] and height == params["height"]
    embeddings = module(features["image"])
    logits = tf.compat.v1.layers.dense(embeddings, 2)
    return tf.estimator.EstimatorSpec(mode, predictions=logits)
''',
        ),
        Valid(
            # iterating a dict the code writes gives its keys: comparing one with a string is Python's
            id="the_keys_of_a_dict_of_metrics",
            source='''\
import tensorflow as tf


def model_fn(features, labels, mode, params):
    logits = tf.compat.v1.layers.dense(features["x"], 1)
    classes = tf.cast(logits > 0, tf.int32)
    if mode == tf.estimator.ModeKeys.PREDICT:
        return tf.estimator.EstimatorSpec(mode, predictions={"classes": classes})
    loss = tf.compat.v1.losses.sigmoid_cross_entropy(labels, logits)
    metrics = {
        "accuracy": tf.compat.v1.metrics.accuracy(labels, classes),
        "auc": tf.compat.v1.metrics.auc(labels, tf.sigmoid(logits)),
    }
    for name in metrics:
        if name != "loss":
            tf.compat.v1.summary.scalar(name, metrics[name][1])
    if mode == tf.estimator.ModeKeys.EVAL:
        return tf.estimator.EstimatorSpec(mode, loss=loss, eval_metric_ops=metrics)
    opt = tf.compat.v1.train.AdamOptimizer(0.01)
    train_op = opt.minimize(loss, tf.compat.v1.train.get_or_create_global_step())
    return tf.estimator.EstimatorSpec(mode, loss=loss, train_op=train_op)
''',
        ),
        Valid(
            # an item of a dict the code writes of lists (and a setting) is a list or None,
            # never a tensor: its truth is Python's
            id="an_item_of_a_dict_of_lists_is_no_tensor",
            source='''\
import tensorflow as tf


def model_fn(features, labels, mode, params):
    frames = tf.split(features["x"], num_or_size_splits=4, axis=1)
    frames = [tf.squeeze(frame, 1) for frame in frames]
    outputs = [tf.compat.v1.layers.dense(frame, 2) for frame in frames]
    if mode == tf.estimator.ModeKeys.PREDICT:
        gathered = {"frames": frames, "outputs": outputs, "extra": params.get("extra")}
        predictions = {}
        for key in gathered:
            if gathered[key]:  # a list (or None): its truth is its length
                predictions[key] = tf.stack(gathered[key], axis=1)
        return tf.estimator.EstimatorSpec(mode, predictions=predictions)
    loss = tf.reduce_mean(tf.square(labels - tf.add_n(outputs)))
    if mode == tf.estimator.ModeKeys.TRAIN:
        opt = tf.compat.v1.train.GradientDescentOptimizer(0.1)
        train_op = opt.minimize(loss, tf.compat.v1.train.get_or_create_global_step())
        return tf.estimator.EstimatorSpec(mode, loss=loss, train_op=train_op)
    return tf.estimator.EstimatorSpec(mode, loss=loss)
''',
        ),
        Valid(
            id="python_tests_on_static_facts",
            source='''\
import tensorflow as tf


def model_fn(features, labels, mode, params):
    logits = tf.compat.v1.layers.dense(features["x"], params["classes"])
    if params["use_softmax"] and logits.shape[-1] > 1:
        logits = tf.nn.softmax(logits)
    if labels is not None:
        labels = tf.cast(labels, tf.int32)
    return tf.estimator.EstimatorSpec(mode, predictions={"logits": logits})
''',
        ),
        Valid(
            id="identity_of_two_variables_is_python",
            source='''\
import tensorflow as tf


def model_fn(features, labels, mode, params):
    logits = tf.compat.v1.layers.dense(features["x"], 1)
    scale = tf.compat.v1.get_variable("scale", [], initializer=tf.compat.v1.ones_initializer())
    if mode == tf.estimator.ModeKeys.PREDICT:
        return tf.estimator.EstimatorSpec(mode, predictions={"y": logits * scale})
    loss = tf.reduce_mean(tf.square(logits * scale - labels))
    if mode == tf.estimator.ModeKeys.EVAL:
        return tf.estimator.EstimatorSpec(mode, loss=loss)
    optimizer = tf.compat.v1.train.AdamOptimizer(0.01)
    pairs = optimizer.compute_gradients(loss)
    kept = [(g, v) for g, v in pairs if v != scale]
    if pairs[0][1] == scale:
        kept = pairs
    train_op = optimizer.apply_gradients(kept, tf.compat.v1.train.get_or_create_global_step())
    return tf.estimator.EstimatorSpec(mode, loss=loss, train_op=train_op)
''',
        ),
        Valid(
            # predictions handed to the spec whole may be a dict of tensors: its truth (is there
            # a dict?) is Python's
            id="truth_of_a_predictions_dict",
            source='''\
import tensorflow as tf


class Model:
    def predictions_of(self, logits):
        return {name: tf.identity(value, name=name) for name, value in {"y": logits}.items()}

    def model_fn(self, features, labels, mode, params):
        self.predictions = None
        logits = tf.compat.v1.layers.dense(features["x"], 1)
        if mode == tf.estimator.ModeKeys.PREDICT:
            self.predictions = self.predictions_of(logits)
        outputs = {"y": tf.estimator.export.PredictOutput(self.predictions)} if self.predictions else None
        if mode == tf.estimator.ModeKeys.PREDICT:
            return tf.estimator.EstimatorSpec(mode, predictions=self.predictions, export_outputs=outputs)
        loss = tf.reduce_mean(tf.square(logits - labels))
        if mode == tf.estimator.ModeKeys.EVAL:
            return tf.estimator.EstimatorSpec(mode, loss=loss)
        optimizer = tf.compat.v1.train.AdamOptimizer(0.01)
        train_op = optimizer.minimize(loss, tf.compat.v1.train.get_or_create_global_step())
        return tf.estimator.EstimatorSpec(mode, loss=loss, train_op=train_op)
''',
        ),
    ),
    invalid=(
        Invalid(
            # ``step in range(a, b)`` compares the tensor with each number and takes the truth of
            # the result (TF 2 raises; TF 1 compares identities, always False): a Python test of a
            # tensor's value; ``name in ("a", "b")`` of a Python string is none
            id="a_tensor_tested_for_membership_in_a_range_of_numbers",
            before='''\
import tensorflow as tf


def model_fn(features, labels, mode, params):
    step = tf.compat.v1.train.get_or_create_global_step()
    rate = 0.1
    if step in range(1000, 2000):
        rate *= 0.5
    if params["name"] in ("a", "b") or step not in [0, 1]:
        rate *= 0.5
    loss = tf.reduce_mean(tf.compat.v1.layers.dense(features["x"], 1)) * rate
    return tf.estimator.EstimatorSpec(mode, loss=loss)
''',
            findings=("EF205:7:none", "EF205:9:none"),
        ),
        Invalid(
            id="python_truth_of_tensors_reported",
            before='''\
import numpy as np
import tensorflow as tf


def model_fn(features, labels, mode):
    y = tf.compat.v1.layers.dense(features["x"], 1)
    loss = tf.reduce_mean(y)
    if loss > 0 or labels is None:
        loss = -loss
    while y:
        break
    assert bool(loss)
    z = y if loss else -y
    w = loss and y
    if labels is not None and mode == "train":
        pass
    return tf.estimator.EstimatorSpec(mode, loss=loss, predictions={'y': y})
''',
            findings=("EF205:8:none", "EF205:10:none", "EF205:12:none", "EF205:13:none", "EF205:14:none"),
        ),
        Invalid(
            # ``tf.add_n(losses) if losses else 0`` is a tensor wherever a loss was collected,
            # also handed back by a helper beside the total: its truth raises in graph mode
            id="a_tensor_or_its_zero_stand_in",
            before='''\
import tensorflow as tf


def detection_loss(outputs, labels, params):
    losses = []
    if params["iou"]:
        losses.append(tf.reduce_mean(outputs))
    total = tf.reduce_mean(tf.square(outputs - labels))
    return total, tf.add_n(losses) if losses else 0


def model_fn(features, labels, mode, params):
    outputs = tf.compat.v1.layers.dense(features["x"], 1)
    if mode == tf.estimator.ModeKeys.PREDICT:
        return tf.estimator.EstimatorSpec(mode, predictions={"y": outputs})
    loss, iou_loss = detection_loss(outputs, labels, params)
    if iou_loss:
        loss += iou_loss
    extra = tf.reduce_sum(outputs) if params["extra"] else 0.0
    while extra:
        break
    return tf.estimator.EstimatorSpec(mode, loss=loss)
''',
            findings=("EF205:17:none", "EF205:20:none"),
        ),
        Invalid(
            # ``tf.cond`` makes tensors of what its branches give, numbers included; a branch
            # giving a tuple makes a tuple of tensors, whose truth Python can take
            id="the_result_of_a_cond",
            before='''\
import tensorflow as tf


def model_fn(features, labels, mode, params):
    x = features["x"]
    won = tf.cond(x[0, 0] > 0, lambda: 1, lambda: 0)
    if won == 1:
        x = x + 1
    side = tf.cond(x[0, 0] > 0, lambda: tf.ones_like(x), lambda: -tf.ones_like(x))
    while side > 0:
        break
    pair = tf.cond(x[0, 0] > 0, lambda: (x, x), lambda: (x, -x))
    if pair:
        x = pair[0]
    return tf.estimator.EstimatorSpec(mode, predictions={"y": x})
''',
            findings=("EF205:7:none", "EF205:10:none"),
        ),
    ),
)
