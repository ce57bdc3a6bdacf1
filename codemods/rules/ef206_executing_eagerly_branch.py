"""EF206: tf.executing_eagerly() branch inside model_fn.

Detector: the scan asks ``branch_test`` about each if/elif test and ``conditional`` about each
conditional expression before it walks their branches: a test that calls
``tf.executing_eagerly()`` (or reads a name bound to its result) is a finding, and where its value
follows (the call is False in a model_fn; ``not``, and an ``and``/``or`` its first operand
decides, follow from it) the scan walks only the branch that runs. Fix: that branch alone.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Optional

import libcst as cst

from codemods.eager.edits import DecideBranch, DecideSide, Edit
from codemods.eager.sites import Scan, Site
from codemods.eager.values import Bindings, Kind
from codemods.rules.rule import FixSafety, Invalid, Rule, Valid
from codemods.tree import children

CODE = "EF206"
FIXED = "kept the graph branch, dropped the dead eager one"
UNDECIDED = "rewrite the test without tf.executing_eagerly()"


@dataclass(eq=False)
class EagerBranchSite(Site):
    """An if/elif branch (``node``: the ``If``, ``stmt``: the chain's first ``If``) or a
    conditional expression whose test calls ``tf.executing_eagerly()``; ``truth``: the test's
    value in a model_fn (None: it does not follow)."""

    code: ClassVar[str] = CODE
    truth: Optional[bool] = None

    def edit(self) -> Optional[Edit]:
        if self.truth is None:
            return None
        if isinstance(self.node, cst.IfExp):
            return DecideSide(self.node, self.truth)
        branch = cst.ensure_type(self.node, cst.If)
        return DecideBranch(cst.ensure_type(self.stmt, cst.If), branch, self.truth)


def branch_test(
    test: cst.BaseExpression, env: Bindings, branch: cst.If, chain: cst.If, scan: Scan
) -> Optional[bool]:
    """The value of an if/elif test in a model_fn where it is an eager test (reported), else
    None. A branch whose test is False never runs: nothing in it is reported."""
    if not mentions_eager(test, env, scan):
        return None
    truth = eager_truth(test, env, scan)
    outcome = "the eager branch is dead" if truth is not None else "this test is decided"
    scan.add(EagerBranchSite(
        branch,
        chain,
        RULE.format(outcome=outcome),
        note=FIXED if truth is not None else UNDECIDED,
        fixable=truth is not None,
        truth=truth,
    ))
    return truth


def conditional(
    node: cst.IfExp, env: Bindings, stmt: cst.BaseStatement, scan: Scan
) -> Optional[bool]:
    """The value of a conditional expression's test where it is an eager test (reported)."""
    if not mentions_eager(node.test, env, scan):
        return None
    truth = eager_truth(node.test, env, scan)
    scan.add(EagerBranchSite(
        node,
        stmt,
        RULE.format(outcome="one side is dead"),
        note=FIXED if truth is not None else "",
        fixable=truth is not None,
        truth=truth,
    ))
    return truth


def mentions_eager(test: cst.BaseExpression, env: Bindings, scan: Scan) -> bool:
    stack: list[cst.CSTNode] = [test]
    while stack:
        node = stack.pop()
        if isinstance(node, (cst.Call, cst.Name)) and scan.kind(node, env) is Kind.EAGER:
            return True
        stack.extend(children(node))
    return False


def eager_truth(test: cst.BaseExpression, env: Bindings, scan: Scan) -> Optional[bool]:
    """False for ``tf.executing_eagerly()`` (and names bound to it), True for its ``not``;
    an ``and``/``or`` only when its first operand decides it (the rest is never evaluated)."""
    if scan.kind(test, env) is Kind.EAGER:
        return False
    if isinstance(test, cst.UnaryOperation) and isinstance(test.operator, cst.Not):
        inner = eager_truth(test.expression, env, scan)
        return None if inner is None else not inner
    if isinstance(test, cst.BooleanOperation):
        first = eager_truth(test.left, env, scan)
        if isinstance(test.operator, cst.And) and first is False:
            return False
        if isinstance(test.operator, cst.Or) and first is True:
            return True
    return None


RULE = Rule(
    code=CODE,
    title="tf.executing_eagerly() branch inside model_fn",
    fix=FixSafety.SAFE,
    fix_summary="safe: keep the graph branch, drop the dead one",
    what=(
        "Finds `if tf.executing_eagerly():` branches (also `not`, a name bound to the "
        "call, an `and`/`or` the call decides first, and `a if tf.executing_eagerly() "
        "else b`) inside a model_fn."
    ),
    why=(
        "Estimator always calls model_fn inside a graph, so tf.executing_eagerly() is "
        "False there and its branch is dead code (often with .numpy() calls that would "
        "crash). Code in the dead branch is not reported."
    ),
    example='''\
if tf.executing_eagerly():
    print(logits.numpy())
else:
    logits = tf.clip_by_value(logits, -10.0, 10.0)
''',
    use_instead='''\
logits = tf.clip_by_value(logits, -10.0, 10.0)
''',
    fix_safety=(
        "Safe: the fix keeps what runs \u2014 the else branch of `if tf.executing_eagerly():`, "
        "the body of `if not tf.executing_eagerly():`, the graph side of a conditional "
        "expression."
    ),
    message="`tf.executing_eagerly()` is always False inside a model_fn: {outcome}",
    valid=(
        Valid(
            id="eager_test_outside_the_model_fn",
            source='''\
import tensorflow as tf


def describe(tensor):
    if tf.executing_eagerly():
        return tensor.numpy()
    return tensor.name


def model_fn(features, labels, mode):
    logits = tf.compat.v1.layers.dense(features["x"], 3)
    return tf.estimator.EstimatorSpec(mode, predictions={"logits": logits})
''',
        ),
    ),
    invalid=(
        Invalid(
            id="executing_eagerly_branches",
            before='''\
import numpy as np
import tensorflow as tf


def model_fn(features, labels, mode):
    eager = tf.executing_eagerly()
    # choose the path
    if tf.executing_eagerly():
        y = features["x"].numpy()
    else:
        y = tf.identity(features["x"])
    if eager:
        print(y.numpy())
    if not tf.executing_eagerly():
        y = y * 2
    if tf.executing_eagerly() and mode == "train":
        y = y.numpy()
    elif mode == "eval":
        y = y + 1
    else:
        y = y - 1
    if mode == "infer":
        y = y / 2
    elif not eager:
        y = y / 3
    elif mode == "train":
        y = y.numpy()
    scale = 1.0 if tf.executing_eagerly() else (2.0)
    loss = tf.reduce_mean(y) * scale
    return tf.estimator.EstimatorSpec(mode, loss=loss, predictions={'y': y})
''',
            findings=("EF206:8:safe", "EF206:12:safe", "EF206:14:safe", "EF206:16:safe", "EF206:24:safe", "EF206:28:safe"),
            after='''\
import numpy as np
import tensorflow as tf


def model_fn(features, labels, mode):
    eager = tf.executing_eagerly()
    # choose the path
    y = tf.identity(features["x"])
    y = y * 2
    if mode == "eval":
        y = y + 1
    else:
        y = y - 1
    if mode == "infer":
        y = y / 2
    else:
        y = y / 3
    scale = (2.0)
    loss = tf.reduce_mean(y) * scale
    return tf.estimator.EstimatorSpec(mode, loss=loss, predictions={'y': y})
''',
        ),
        Invalid(
            id="eager_test_left_when_undecided",
            before='''\
import numpy as np
import tensorflow as tf


def model_fn(features, labels, mode):
    y = features["x"]
    if mode == "train" and tf.executing_eagerly():
        y = y * 2
    loss = tf.reduce_mean(y)
    return tf.estimator.EstimatorSpec(mode, loss=loss, predictions={'y': y})
''',
            findings=("EF206:7:none",),
        ),
    ),
)
