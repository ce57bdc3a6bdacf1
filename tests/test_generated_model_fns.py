"""Properties of the mode-scoping codemod on generated model_fns (SPEC §5).

Every generated module (``tests/strategies/model_fns.py``) is fixed with safe fixes only, then: the
output parses, a second run changes nothing and no finding with a safe fix is left; the output
keeps every comment and differs from the input only where a finding says it fixed something; and,
run under a stub TensorFlow (``tests/strategies/fake_tf.py``), each mode of the fixed model_fn
executes a subsequence of the statements the original executes, in the original order, and builds
the same spec fields, layer names, seeds (TRAIN) and summaries. A small sample is validated in
TensorFlow itself.

The fast properties share one seed, so they see the same examples and, in one process, fix each
one once (cached). They do not shrink (bounded run time): a failure prints the whole example, its
fix and its findings. The explicit examples are minimal codemod bugs this generator found.
"""

from __future__ import annotations

import functools
import io
import tempfile
import tokenize
from collections import Counter
from pathlib import Path

import libcst as cst
import pytest
from hypothesis import HealthCheck, Phase, assume, event, example, given, note, seed, settings

from codemods.base import apply_codemod
from codemods.findings import Finding
from codemods.modes.codemod import ModeScoping
from tests.mode_trace import MODES, is_subsequence
from tests.rule_cases import after, before
from tests.strategies.fake_tf import Run, run_model_fn, strip_seeds
from tests.strategies.model_fns import GeneratedModule, model_fn_modules

SEED = 20241125
FAST = settings(
    max_examples=50,
    deadline=None,
    database=None,
    phases=(Phase.explicit, Phase.generate),
    suppress_health_check=[HealthCheck.too_slow],
)

#: Spec fields and the modes that read them (the Estimator ignores the others).
FIELD_MODES = {
    "predictions": frozenset(MODES),
    "loss": frozenset({"train", "eval"}),
    "train_op": frozenset({"train"}),
    "eval_metric_ops": frozenset({"eval"}),
    "export_outputs": frozenset({"infer"}),
    "training_hooks": frozenset({"train"}),
}

# A test written for the modes still running ("!= TRAIN" after EVAL returned, i.e. PREDICT) must
# not move above that return, where it sends EVAL to the PREDICT spec (no loss).
RELATIVE_TEST = GeneratedModule(before("relative_test_rebuilt_when_moved"), unfixable=False)

# A tensor computed under a mode test (dropout's ``training=``) does not make a helper that
# receives it mode-aware: ``mse_loss(labels, logits)`` is label code that runs in PREDICT.
HELPER_AFTER_MODE = GeneratedModule(
    """\
import tensorflow as tf


def mse_loss(labels, logits):
    return tf.reduce_mean(tf.square(labels - logits))


def model_fn(features, labels, mode):
    net = tf.compat.v1.layers.dropout(features["x"], 0.1, training=mode == "train")
    logits = tf.compat.v1.layers.dense(net, 1)
    loss = mse_loss(labels, logits)
    if mode == "infer":
        return tf.estimator.EstimatorSpec(mode, predictions=logits)
    if mode == "train":
        train_op = tf.compat.v1.train.GradientDescentOptimizer(0.1).minimize(loss)
        return tf.estimator.EstimatorSpec(mode, loss=loss, train_op=train_op)
    return tf.estimator.EstimatorSpec(mode, loss=loss)
""",
    unfixable=False,
)

# Nothing to fix, yet the TRAIN block and the TRAIN return were merged, dropping two comments
# (the rewrite of the case table's "adjacent_train_blocks_stay_apart", fixed again).
MERGED_BLOCKS = GeneratedModule(
    after("adjacent_train_blocks_stay_apart"), unfixable=False
)


@functools.lru_cache(maxsize=512)
def fix(source: str) -> tuple[str, tuple[Finding, ...]]:
    module, findings = apply_codemod(ModeScoping, cst.parse_module(source))
    return module.code, tuple(findings)


def fixed_source(generated: GeneratedModule) -> str:
    note(f"original:\n{generated.source}")
    output, findings = fix(generated.source)
    note(f"fixed:\n{output}")
    note("findings: " + ", ".join(f"{f.code}:{f.line}:{f.fix}:{f.applied}" for f in findings))
    return output


def comments(source: str) -> Counter[str]:
    tokens = tokenize.generate_tokens(io.StringIO(source).readline)
    return Counter(token.string for token in tokens if token.type == tokenize.COMMENT)


@seed(SEED)
@FAST
@given(model_fn_modules())
def test_output_parses_is_idempotent_and_leaves_no_safe_fix(generated: GeneratedModule) -> None:
    output = fixed_source(generated)
    cst.parse_module(output)
    compile(output, "<fixed>", "exec")
    _, findings = fix(generated.source)
    assert [f for f in findings if f.fix == "safe" and not f.applied] == []
    again, left = fix(output)
    assert again == output, "a second run changes the output"
    assert [f for f in left if f.fix == "safe"] == [], "the output still has a safe fix"


@seed(SEED)
@FAST
@given(model_fn_modules())
@example(MERGED_BLOCKS)
def test_comments_survive_and_every_change_is_reported(generated: GeneratedModule) -> None:
    output = fixed_source(generated)
    lost = comments(generated.source) - comments(output)
    assert not lost, f"comments lost: {sorted(lost)}"
    _, findings = fix(generated.source)
    if output != generated.source:
        assert any(f.applied for f in findings), "changed, but no finding says it was fixed"


def _same_graph(mode: str, original: Run, rewritten: Run) -> None:
    """The fixed spec carries the values the mode reads, built alike (seeds matter in TRAIN)."""
    assert original.spec is not None and rewritten.spec is not None

    def text(value: str) -> str:
        return value if mode == "train" else strip_seeds(value)

    for name, value in original.spec.items():
        if mode in FIELD_MODES.get(name, frozenset(MODES)):
            fixed = rewritten.spec.get(name, "<missing>")
            assert text(fixed) == text(value), f"{mode}: spec field {name} differs"
    if mode != "infer":
        assert [text(s) for s in rewritten.summaries] == [text(s) for s in original.summaries]


@seed(SEED)
@FAST
@given(model_fn_modules())
@example(RELATIVE_TEST)
@example(HELPER_AFTER_MODE)
def test_each_mode_executes_a_subsequence_of_the_original(generated: GeneratedModule) -> None:
    for tag in generated.tags:
        event(tag)
    output = fixed_source(generated)
    _, findings = fix(generated.source)
    unfixed = [f for f in findings if not f.applied and f.code in {"EF101", "EF106"}]
    for mode in MODES:
        # The original gets real labels in PREDICT too, so that it runs to the end.
        original = run_model_fn(generated.source, mode, labels=True)
        assert original.error is None, f"invalid generated module ({mode}): {original.error}"
        rewritten = run_model_fn(output, mode, labels=mode != "infer")
        assert is_subsequence(rewritten.executed, original.executed), (
            f"{mode}:\n{rewritten.executed}\nnot in\n{original.executed}"
        )
        if rewritten.error is not None:
            # Only label code that the fix reports and leaves may still fail in PREDICT.
            assert mode == "infer" and unfixed, f"{mode}: the fix fails: {rewritten.error}"
            continue
        _same_graph(mode, original, rewritten)


@pytest.mark.slow
@pytest.mark.tf
@settings(
    max_examples=3,
    deadline=None,
    database=None,
    derandomize=True,
    phases=(Phase.generate,),  # each example is two TensorFlow runs: no shrinking
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
@given(model_fn_modules(allow_unfixable=False))
def test_a_sample_validates_in_tensorflow(generated: GeneratedModule) -> None:
    from estimator_fix.validation import validate_pair

    output = fixed_source(generated)
    assume(output != generated.source)
    with tempfile.TemporaryDirectory(prefix="generated-model-fn-") as temp:
        path = Path(temp) / "model.py"
        path.write_text(generated.source, encoding="utf-8")
        report = validate_pair(path, output.encode("utf-8"))
    assert report.verdict in ("equivalent", "fixed"), report.message


STUB_MODEL = """\
import tensorflow as tf


def model_fn(features, labels, mode):
    aux = tf.compat.v1.layers.dense(features["x"], 1)
    logits = tf.compat.v1.layers.dense(features["x"], 1)
    noise = tf.random.normal([1])
    if mode == "infer":
        return tf.estimator.EstimatorSpec(mode, predictions={"y": logits + noise})
    loss = tf.reduce_mean(tf.square(labels - logits)) + 0.5 * tf.reduce_mean(labels - aux)
    train_op = tf.compat.v1.train.GradientDescentOptimizer(0.1).minimize(loss)
    return tf.estimator.EstimatorSpec(mode, loss=loss, train_op=train_op)
"""


def test_the_stub_tells_apart_what_tensorflow_would() -> None:
    """Layer names (checkpoints), op seeds in TRAIN, and labels that are None in PREDICT."""
    original = {mode: run_model_fn(STUB_MODEL, mode, labels=True) for mode in MODES}
    assert [run.error for run in original.values()] == [None, None, None]
    skipped_aux = STUB_MODEL.replace("    aux = ", "    if mode != 'infer':\n        aux = ")
    renamed = run_model_fn(skipped_aux, "infer", labels=False)
    with pytest.raises(AssertionError, match="predictions"):
        _same_graph("infer", original["infer"], renamed)  # dense_1 became dense
    noise = "    noise = tf.random.normal([1])\n"
    seeded_first = STUB_MODEL.replace(noise, "").replace("    aux = ", noise + "    aux = ")
    with pytest.raises(AssertionError, match="loss"):
        _same_graph("train", original["train"], run_model_fn(seeded_first, "train", labels=True))
    _same_graph("eval", original["eval"], run_model_fn(seeded_first, "eval", labels=True))
    crashed = run_model_fn(RELATIVE_TEST.source, "infer", labels=False)
    assert crashed.error is not None and "None values not supported" in crashed.error
    assert crashed.executed == [
        'predictions=features["x"]',
        "loss=tf.reduce_mean(labels-predictions)",
    ]
