"""The mode-scoping codemod (EF101-EF106): options, spellings, discovery and mode evaluation (the
rules' own cases are in their modules, run by tests/test_rules.py)."""

from __future__ import annotations

import libcst as cst
import pytest
from libcst.metadata import MetadataWrapper, QualifiedNameProvider

from codemods import tf_api
from codemods.base import apply_codemod
from codemods.model_fns import find_model_fns
from codemods.modes.codemod import ModeScoping
from codemods.modes.evaluate import Const, ModeEvaluator, truth
from estimator_fix.engine import Settings, Unchanged, process_source
from tests.rule_cases import before


def fix(source: str, **options: object) -> tuple[str, list[str]]:
    module, findings = apply_codemod(ModeScoping, cst.parse_module(source), **options)  # type: ignore[arg-type]
    return module.code, [f"{f.code}:{f.line}:{f.fix}" for f in findings]


SEED = before("spec_seed")


def test_select_limits_what_is_fixed() -> None:
    output, found = fix(SEED, select={"EF105"})
    assert [f.split(":")[0] for f in found] == ["EF105"]
    assert "mse = tf.reduce_mean" in output.split("if mode")[0]  # label code left in place


def test_everything_deselected_is_a_noop() -> None:
    output, found = fix(SEED, select=set())
    assert output == SEED and found == []


def test_bare_noqa_silences_every_rule_on_the_line() -> None:
    source = SEED.replace("# labels is None in PREDICT", "# noqa")
    output, found = fix(source)
    assert not any(f.startswith("EF101") for f in found)
    assert output.index("mse = ") < output.index("if mode == tf.estimator.ModeKeys.PREDICT")


SPELLINGS = [
    ("import tensorflow as tf", "tf.estimator.EstimatorSpec", "tf.estimator.ModeKeys"),
    ("import tensorflow.compat.v1 as tf1", "tf1.estimator.EstimatorSpec", "tf1.estimator.ModeKeys"),
    (
        "from tensorflow.estimator import EstimatorSpec as Spec, ModeKeys as MK",
        "Spec",
        "MK",
    ),
    (
        "from tensorflow_estimator.python.estimator.model_fn import EstimatorSpec, ModeKeys",
        "EstimatorSpec",
        "ModeKeys",
    ),
]


@pytest.mark.parametrize(("imports", "spec", "keys"), SPELLINGS)
def test_any_import_spelling_is_recognised_and_reused(imports: str, spec: str, keys: str) -> None:
    source = (
        f"{imports}\n\n"
        "def model_fn(features, labels, mode):\n"
        "    pred = features['x']\n"
        "    loss = labels - pred\n"
        f"    if mode == {keys}.PREDICT:\n"
        f"        return {spec}(mode, predictions=pred)\n"
        f"    return {spec}(mode, loss=loss)\n"
    )
    output, found = fix(source)
    assert [f.split(":")[0] for f in found] == ["EF101"]
    assert output.index(f"if mode == {keys}.PREDICT") < output.index("loss = labels")


def test_same_parameter_names_without_estimator_is_not_a_model_fn() -> None:
    source = (
        "def model_fn(features, labels, mode):\n"
        "    loss = labels - features\n"
        "    if mode == 'infer':\n"
        "        return {'p': features}\n"
        "    return loss\n"
    )
    assert fix(source) == (source, [])


def _qualified(names: object, node: cst.CSTNode) -> set[str]:
    value = names.get(node, set())  # type: ignore[attr-defined]
    value = value() if callable(value) else value  # libcst >= 1.2 resolves lazily
    return {q.name for q in value}


def _evaluate(source: str, mode: str) -> bool | None:
    module = cst.parse_module("import tensorflow as tf\nx = " + source + "\n")
    wrapper = MetadataWrapper(module)
    names = wrapper.resolve(QualifiedNameProvider)
    expr = cst.ensure_type(
        cst.ensure_type(wrapper.module.body[1], cst.SimpleStatementLine).body[0], cst.Assign
    ).value

    def mode_key(node: cst.BaseExpression) -> str | None:
        tf_name = tf_api.first_tf(_qualified(names, node))
        return tf_api.mode_key_value(tf_name) if tf_name else None

    env = {"mode": Const(mode), "is_training": Const(mode == "train")}
    return truth(ModeEvaluator(env, mode_key).eval(expr))


@pytest.mark.parametrize(
    ("test", "truth_by_mode"),
    [
        ("mode == tf.estimator.ModeKeys.TRAIN", (True, False, False)),
        ("mode != tf.compat.v1.estimator.ModeKeys.PREDICT", (True, True, False)),
        ("mode in (tf.estimator.ModeKeys.TRAIN, 'eval')", (True, True, False)),
        ("mode is tf.estimator.ModeKeys.EVAL", (False, True, False)),
        ("mode == 'infer'", (False, False, True)),
        ("not is_training", (False, True, True)),
        ("{tf.estimator.ModeKeys.TRAIN: True}.get(mode, False)", (True, False, False)),
        ("{'train': 1, 'eval': 0, 'infer': 0}[mode] == 1", (True, False, False)),
        ("is_training and mode != 'infer'", (True, False, False)),
    ],
)
def test_mode_tests_reduce_to_constants(test: str, truth_by_mode: tuple[bool, bool, bool]) -> None:
    got = tuple(_evaluate(test, mode) for mode in ("train", "eval", "infer"))
    assert got == truth_by_mode


def test_unknown_tests_stay_unknown() -> None:
    assert _evaluate("mode == tf.estimator.ModeKeys.TRAIN and flag", "train") is None


def test_discovery_finds_closures_methods_and_passed_functions() -> None:
    source = (
        "import tensorflow as tf\n"
        "def builder(lr):\n"
        "    def inner(features, labels, mode):\n"
        "        return tf.estimator.EstimatorSpec(mode, predictions=features)\n"
        "    return inner\n"
        "class M:\n"
        "    def model_fn(self, features, labels, mode, params):\n"
        "        spec = tf.compat.v1.estimator.tpu.TPUEstimatorSpec(mode, predictions=features)\n"
        "        return spec\n"
        "def passed(features, labels, mode):\n"
        "    return make(mode)\n"
        "def lookalike(features, labels, mode):\n"
        "    return labels\n"
        "est = tf.estimator.Estimator(model_fn=passed)\n"
        # Estimator hands its arguments by name, in any order
        "def any_order(mode, features, labels, params):\n"
        "    return tf.estimator.EstimatorSpec(mode, predictions=features)\n"
        # a wrapper passes features, labels and mode on first, then its own settings
        "def resnet_fn(features, labels, mode, model_class, weight_decay):\n"
        "    return tf.estimator.EstimatorSpec(mode, predictions=features)\n"
        # a spec helper the model_fn hands the mode to (Estimator would refuse it)
        "def spec_helper(hparams, mode, features, labels, logits):\n"
        "    return tf.estimator.EstimatorSpec(mode, predictions=labels.ids)\n"
        # a builder's closure handing its work on to a model_fn it chose
        "def chooser(name):\n"
        "    chosen = MODELS[name]\n"
        "    def delegating(features, labels, mode, params):\n"
        "        return chosen(features, mode)\n"
        "    def not_returned(features, labels, mode, params):\n"
        "        return chosen(features, mode)\n"
        "    def helper(features, mode, depth):\n"
        "        return chosen(features, mode)\n"
        "    return delegating\n"
    )
    wrapper = MetadataWrapper(cst.parse_module(source))
    names = wrapper.resolve(QualifiedNameProvider)

    def resolve(node: cst.CSTNode) -> str | None:
        return tf_api.first_tf(_qualified(names, node))

    found = sorted(fn.name for fn in find_model_fns(wrapper.module, resolve))
    assert found == ["any_order", "delegating", "inner", "model_fn", "passed", "resnet_fn"]


def test_crlf_and_tabs_survive() -> None:
    source = SEED.replace("    ", "\t").replace("\n", "\r\n")
    output, _ = fix(source)
    assert output.count("\r\n") == output.count("\n")
    assert "\r\n\tif mode == tf.estimator.ModeKeys.TRAIN:\r\n\t\ttrain_op" in output


REBOUND_MODE = '''\
import tensorflow as tf


def model_fn(features, labels, mode):
    logits = tf.compat.v1.layers.dense(features["x"], 1)
    if mode == tf.estimator.ModeKeys.PREDICT and "score" in features:
        mode = "score"
    loss = tf.reduce_mean(labels - logits)
    if mode == tf.estimator.ModeKeys.TRAIN:
        train_op = tf.compat.v1.train.GradientDescentOptimizer(0.1).minimize(loss)
        return tf.estimator.EstimatorSpec(mode, loss=loss, train_op=train_op)
    return tf.estimator.EstimatorSpec(mode, loss=loss, predictions=logits)
'''


def test_a_model_fn_that_rebinds_mode_is_left_alone_with_a_warning() -> None:
    result = process_source("m.py", REBOUND_MODE.encode(), Settings())
    assert isinstance(result, Unchanged)
    assert not result.findings
    assert result.warnings == ("model_fn: `mode` is reassigned; not analysed",)


PER_MODE_RETURNS_IN_WITH = '''\
import tensorflow as tf


def model_fn(features, labels, mode):
    logits = tf.compat.v1.layers.dense(features["x"], 1)
    with tf.name_scope("outputs"):
        if mode == tf.estimator.ModeKeys.PREDICT:
            return tf.estimator.EstimatorSpec(mode, predictions=logits)
        loss = tf.reduce_mean(labels - logits)
        if mode == tf.estimator.ModeKeys.EVAL:
            return tf.estimator.EstimatorSpec(mode, loss=loss)
        return tf.estimator.EstimatorSpec(mode, loss=loss, predictions=logits)
'''


def test_per_mode_returns_inside_a_with_block_are_judged_statement_by_statement() -> None:
    _, found = fix(PER_MODE_RETURNS_IN_WITH)
    assert not [f for f in found if f.startswith("EF105")]
    one_spec = PER_MODE_RETURNS_IN_WITH.replace(
        "return tf.estimator.EstimatorSpec(mode, predictions=logits)",
        "return tf.estimator.EstimatorSpec(mode, predictions=logits, train_op=tf.group(logits))",
    )
    output, found = fix(one_spec)
    # A train_op in the PREDICT spec is still found, and the with block's body is rewritten.
    assert "EF105:8:safe" in found
    assert output == PER_MODE_RETURNS_IN_WITH


GUARDED_HELPERS = '''\
import tensorflow as tf


def build(features, labels):
    logits = tf.compat.v1.layers.dense(features["x"], 3)
    loss = None
    if labels is not None:
        loss = tf.compat.v1.losses.sparse_softmax_cross_entropy(labels, logits)
    return logits, loss


def unguarded(features, labels):
    logits = tf.compat.v1.layers.dense(features["x"], 3)
    return logits, tf.compat.v1.losses.sparse_softmax_cross_entropy(labels, logits)


def model_fn(features, labels, mode):
    logits, loss = build(features, labels)
    if mode == tf.estimator.ModeKeys.PREDICT:
        return tf.estimator.EstimatorSpec(mode, predictions=logits)
    return tf.estimator.EstimatorSpec(mode, loss=loss)


def model_fn2(features, labels, mode):
    logits, loss = unguarded(features, labels=labels)
    if mode == tf.estimator.ModeKeys.PREDICT:
        return tf.estimator.EstimatorSpec(mode, predictions=logits)
    return tf.estimator.EstimatorSpec(mode, loss=loss)
'''


def test_a_helper_that_tests_labels_against_none_is_trusted() -> None:
    _, found = fix(GUARDED_HELPERS)
    assert found == ["EF106:25:none"]  # only the helper that uses labels unguarded
