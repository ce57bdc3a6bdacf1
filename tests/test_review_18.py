"""Review 18 of the mode-analysis changes since be73634: each case is a defect confirmed by
running the code (a miss, a false alarm, a rewrite that leaves PREDICT failing, or a measurement
that cannot fail), written as the behaviour the change means to have. All fail at 231d028."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from estimator_fix.engine import Settings, process_source
from estimator_fix.results import Changed
from tests.mode_findings import found
from tests.scripts import load_script

PREDICT = "tf.estimator.ModeKeys.PREDICT"
TRAIN = "tf.estimator.ModeKeys.TRAIN"
EVAL = "tf.estimator.ModeKeys.EVAL"

CASES = {
    # b3f30d3 (chosen=False): a train op a helper builds under its own test of the mode is
    # trusted as the helper gating itself, even when that test lets EVAL in; at be73634 this
    # was EF102 + EF105. BigGAN's EVAL-metric gradients are a metric use; this train_op is not.
    "helper_builds_train_op_under_mode_not_predict": (
        f"""
        def build(features, labels, mode):
            logits = tf.compat.v1.layers.dense(features["x"], 1)
            loss, train_op = None, None
            if mode != {PREDICT}:
                loss = tf.reduce_mean(labels - logits)
                train_op = tf.compat.v1.train.AdamOptimizer().minimize(loss)
            return logits, loss, train_op


        def model_fn(features, labels, mode, params):
            logits, loss, train_op = build(features, labels, mode)
            if mode == {PREDICT}:
                return tf.estimator.EstimatorSpec(mode, predictions={{"y": logits}})
            return tf.estimator.EstimatorSpec(mode, loss=loss, train_op=train_op)
        """,
        {"EF102:13", "EF105:16"},  # the optimizer and its slots are built in EVAL
    ),
    # 480fe35 (_works_on): labels rebound inside the helper's own PREDICT branch are not the
    # None it was handed; the SPEC's "labels rebound from features inside the PREDICT branch".
    "helper_rebinds_labels_in_its_predict_branch": (
        f"""
        def tower(features, labels, mode):
            if mode == {PREDICT}:
                labels = tf.zeros_like(features["x"])
            logits = tf.compat.v1.layers.dense(features["x"], 1)
            loss = tf.reduce_mean(labels - logits)
            return logits, loss


        def model_fn(features, labels, mode, params):
            logits, loss = tower(features, labels, mode)
            if mode == {PREDICT}:
                return tf.estimator.EstimatorSpec(mode, predictions={{"y": logits}})
            return tf.estimator.EstimatorSpec(mode, loss=loss)
        """,
        set(),  # PREDICT runs the helper fine: labels are zeros there
    ),
    "helper_defaults_labels_with_or": (
        f"""
        def tower(features, labels, mode):
            labels = labels or {{}}
            weights = labels.get("w")
            logits = tf.compat.v1.layers.dense(features["x"], 1)
            return logits, weights


        def model_fn(features, labels, mode, params):
            logits, w = tower(features, labels, mode)
            if mode == {PREDICT}:
                return tf.estimator.EstimatorSpec(mode, predictions={{"y": logits}})
            return tf.estimator.EstimatorSpec(mode, loss=tf.reduce_mean(logits))
        """,
        set(),  # `labels or {}` is a None-guard (README): {}.get works in PREDICT
    ),
    "helper_logs_its_labels": (
        f"""
        def tower(features, labels, mode):
            tf.compat.v1.logging.info("labels: %s", labels)
            logits = tf.compat.v1.layers.dense(features["x"], 1)
            loss = None
            if mode != {PREDICT}:
                loss = tf.reduce_mean(labels - logits)
            return logits, loss


        def model_fn(features, labels, mode, params):
            logits, loss = tower(features, labels, mode)
            if mode == {PREDICT}:
                return tf.estimator.EstimatorSpec(mode, predictions={{"y": logits}})
            return tf.estimator.EstimatorSpec(mode, loss=loss)
        """,
        set(),  # tf.logging (like tf.print, tf.is_tensor) takes None fine: no op is built
    ),
    # 480fe35 (ctx.tapes): only tapes bound in the model_fn's own body are known; the same
    # helper with tf.gradients is EF102:12.
    "gradient_tape_in_a_helper": (
        f"""
        def grads_of(net, x):
            with tf.GradientTape() as tape:
                out = net(x)
                loss = tf.reduce_mean(out)
            return tape.gradient(loss, net.trainable_variables)


        def model_fn(features, labels, mode, params):
            net = tf.keras.layers.Dense(1)
            output = net(features["x"])
            grads = grads_of(net, features["x"])
            if mode == {PREDICT}:
                return tf.estimator.EstimatorSpec(mode, predictions={{"y": output}})
            return tf.estimator.EstimatorSpec(mode, loss=tf.reduce_mean(output))
        """,
        {"EF102:12"},  # gradients built in PREDICT and EVAL
    ),
    # eeadd8e (tf.losses' collection): a helper that adds the label loss leaves
    # get_total_loss() in PREDICT, where the collection is then empty (see the tf test below).
    "losses_added_by_a_helper_then_total_loss": (
        f"""
        def add_losses(logits, labels):
            tf.compat.v1.losses.sparse_softmax_cross_entropy(labels, logits)


        def model_fn(features, labels, mode, params):
            logits = tf.compat.v1.layers.dense(features["x"], 2)
            add_losses(logits, labels)
            loss = tf.compat.v1.losses.get_total_loss()
            if mode == {PREDICT}:
                return tf.estimator.EstimatorSpec(mode, predictions={{"p": logits}})
            return tf.estimator.EstimatorSpec(mode, loss=loss)
        """,
        {"EF101:9", "EF101:10"},
    ),
    "total_loss_read_by_a_helper": (
        f"""
        def total():
            return tf.compat.v1.losses.get_total_loss()


        def model_fn(features, labels, mode, params):
            logits = tf.compat.v1.layers.dense(features["x"], 2)
            tf.compat.v1.losses.sparse_softmax_cross_entropy(labels, logits)
            loss = total()
            if mode == {PREDICT}:
                return tf.estimator.EstimatorSpec(mode, predictions={{"p": logits}})
            return tf.estimator.EstimatorSpec(mode, loss=loss)
        """,
        {"EF101:9", "EF101:10"},  # total() sums the collection the label loss went into
    ),
    # f24d50e (qualified names): `from six.moves import zip` (common in TF research code) is
    # Python's zip; at be73634 the bare name was regrouping and `pairs` no finding of its own.
    "six_moves_zip_only_regroups": (
        f"""
        from six.moves import zip
        def model_fn(features, labels, mode, params):
            logits = tf.compat.v1.layers.dense(features["x"], 1)
            if mode == {PREDICT}:
                return tf.estimator.EstimatorSpec(mode, predictions={{"y": logits}})
            loss = tf.reduce_mean(labels - logits)
            tvars = tf.compat.v1.trainable_variables()
            grads = tf.gradients(loss, tvars)
            pairs = list(zip(grads, tvars))
            metrics = {{"acc": tf.compat.v1.metrics.accuracy(labels, logits)}}
            if mode == {TRAIN}:
                train_op = tf.compat.v1.train.AdamOptimizer().apply_gradients(pairs)
                return tf.estimator.EstimatorSpec(mode, loss=loss, train_op=train_op)
            return tf.estimator.EstimatorSpec(mode, loss=loss, eval_metric_ops=metrics)
        """,
        {"EF102:10", "EF103:12"},  # as with the builtin zip
    ),
    # 480fe35 (spec_helpers), pre-existing at be73634 too: a spec helper called in the return
    # is not judged for what it builds; assigned first (`spec = training_spec(loss)`) it is
    # EF102.
    "spec_helper_returned_in_eval_builds_a_train_op": (
        f"""
        def prediction_spec(logits):
            return tf.estimator.EstimatorSpec({PREDICT}, predictions={{"y": logits}})


        def training_spec(loss):
            train_op = tf.compat.v1.train.AdamOptimizer().minimize(loss)
            return tf.estimator.EstimatorSpec({TRAIN}, loss=loss, train_op=train_op)


        def model_fn(features, labels, mode, params):
            logits = tf.compat.v1.layers.dense(features["x"], 1)
            if mode == {PREDICT}:
                return prediction_spec(logits)
            loss = tf.reduce_mean(labels - logits)
            return training_spec(loss)
        """,
        {"EF102:16"},  # EVAL reaches training_spec: an optimizer and gradients in EVAL
    ),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_findings(name: str) -> None:
    source, expected = CASES[name]
    assert found(source) == expected


@pytest.mark.tf
def test_fixed_predict_of_a_helper_added_loss_runs(tmp_path: Path) -> None:
    """The fix of ``losses_added_by_a_helper_then_total_loss`` moves the helper call off the
    PREDICT path but leaves ``get_total_loss()`` on it: PREDICT still fails (add_n of nothing,
    'Inputs must be an iterable of at least one Tensor'), as it did before the fix."""
    pytest.importorskip("tensorflow")
    source = "import tensorflow as tf\n" + textwrap.dedent(
        CASES["losses_added_by_a_helper_then_total_loss"][0]
    )
    result = process_source("model.py", source.encode(), Settings())
    assert isinstance(result, Changed)
    (tmp_path / "model.py").write_bytes(result.fixed)
    build = (
        "import tensorflow as tf, model\n"
        "with tf.Graph().as_default():\n"
        "    model.model_fn({'x': tf.zeros([4, 3])}, None, tf.estimator.ModeKeys.PREDICT, {})\n"
    )
    run = subprocess.run(
        [sys.executable, "-c", build], cwd=tmp_path, capture_output=True, text=True, timeout=300
    )
    assert run.returncode == 0, run.stderr.strip().splitlines()[-1]


def test_real_world_runner_sees_a_notebook_cell_that_does_not_parse() -> None:
    """a57339b: ``check_fix`` parses ``extract(fixed).code``, but ``extract`` drops a code cell
    that does not parse (with a note), so a rewrite that broke a cell counts as parsing and
    idempotent."""
    nbformat = pytest.importorskip("nbformat")
    rw = load_script(Path(__file__).parents[1] / "benchmarks/real_world/run.py", "rw_review18")
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [
        nbformat.v4.new_code_cell("import tensorflow as tf"),
        nbformat.v4.new_code_cell("def model_fn(features, labels, mode):\n    return (\n"),
    ]
    parses, _, problem = rw.check_fix("model.ipynb", nbformat.writes(notebook).encode(), Settings())
    assert parses is False, problem
