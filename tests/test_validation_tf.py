"""Validation for real: both versions run in TensorFlow worker processes and are compared."""

from __future__ import annotations

import json
import sys
import textwrap
from pathlib import Path

import pytest
from typer.testing import CliRunner

from estimator_fix.cli import app
from estimator_fix.validation import (
    ValidationOptions,
    ValidationReport,
    runner,
    validate_file,
    validate_pair,
)
from estimator_fix.validation.options import LabelSpec
from tests.pairs import PAIRS, Pair

pytestmark = pytest.mark.tf

ROOT = Path(__file__).resolve().parent.parent
WRONG = ROOT / "fixtures" / "wrong"


def wrong(name: str) -> tuple[Path, Path]:
    return WRONG / name / "original.py", WRONG / name / "rewritten.py"


def check(report: ValidationReport, mode: str, what: str) -> tuple[str, str]:
    """The verdict and detail of the first check of ``mode`` whose name starts with ``what``."""
    for found in report.checks:
        if found.mode == mode and found.what.startswith(what):
            return found.verdict, found.detail
    raise AssertionError(f"no {mode} {what!r} check in {report.checks}")


def write(directory: Path, name: str, source: str) -> Path:
    path = directory / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(source), encoding="utf-8")
    return path


REGRESSOR = """
import numpy as np
import tensorflow as tf

PARAMS = {"learning_rate": 0.05}


def model_fn(features, labels, mode, params):
    predictions = tf.compat.v1.layers.dense(features["x"], 1)
    %(predict)s
    if mode == tf.estimator.ModeKeys.PREDICT:
        return tf.estimator.EstimatorSpec(mode, predictions={"y": predictions})
    loss = tf.compat.v1.losses.mean_squared_error(labels, predictions)
    optimizer = tf.compat.v1.train.GradientDescentOptimizer(params["learning_rate"])
    %(train)s
    train_op = optimizer.minimize(loss, global_step=tf.compat.v1.train.get_or_create_global_step())
    return tf.estimator.EstimatorSpec(mode, loss=loss, train_op=train_op)


def input_fn():
    x = np.arange(32, dtype=np.float32).reshape(8, 4) / 32
    return tf.data.Dataset.from_tensor_slices(({"x": x}, x.sum(axis=1, keepdims=True))).batch(4)
"""


def regressor(predict: str = "pass", train: str = "pass") -> str:
    return REGRESSOR % {"predict": predict, "train": train}


# the verdicts the issue asks for -----------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "mode", "what", "detail"),
    [
        ("learning_rate", "TRAIN", "loss", "the loss differs first at step 2"),
        ("aux_head_skipped", "PREDICT", "predictions", "'y' (batch 1) differs first"),
        ("aux_head_renamed", "PREDICT", "restores", "restores 'dense/kernel' as [4, 1]"),
        ("dropped_statement", "PREDICT", "predictions", "'y' (batch 1) differs first"),
        ("reordered_layers", "TRAIN", "loss", "the loss differs first at step 1"),
    ],
)
def test_wrong_rewrites_are_mismatches(name: str, mode: str, what: str, detail: str) -> None:
    report = validate_pair(*wrong(name))
    assert report.verdict == "mismatch", report
    assert report.return_code == 1
    verdict, found = check(report, mode, what)
    assert verdict == "mismatch" and detail in found
    if mode == "PREDICT":  # the rewrite trains exactly like the original
        assert check(report, "TRAIN", "loss")[0] == "equivalent"
        assert check(report, "TRAIN", "variables")[0] == "equivalent"


@pytest.mark.parametrize(
    ("name", "why"),
    [
        # the learning rate holds at 0 for the first 100 steps: a doubled rate after them (the
        # wrong rewrite) cannot show in the 2 steps the input gives
        ("untrained", "the 2 training steps changed none of the 2 trainable variables"),
        # one token per example: the loss (a softmax over one position) is 0 at every step
        # while hand-applied weight decay changes the variables; a loss halved once more (the
        # wrong rewrite) cannot show
        ("zero_loss", "the loss was 0 at each of the 2 training steps"),
    ],
)
def test_numbers_that_compare_no_training_give_way_to_the_graphs(name: str, why: str) -> None:
    """Both versions' graphs are compared instead, which hold the rate's or divisor's
    constant."""
    original, rewritten = wrong(name)
    proven = validate_file(original)
    assert proven.verdict == "graph-equivalent", proven
    assert any(why in note for note in proven.notes), proven.notes
    wrong_rewrite = validate_pair(original, rewritten)
    assert wrong_rewrite.verdict == "mismatch", wrong_rewrite
    verdict, detail = check(wrong_rewrite, "TRAIN", "graph")
    assert verdict == "mismatch" and "differs in value" in detail


def test_a_correct_rewrite_of_the_spec_example_is_fixed() -> None:
    report = validate_pair(*wrong("seed_ok"))
    assert report.verdict == "fixed", report
    assert check(report, "TRAIN", "variables")[0] == "equivalent"
    assert check(report, "EVAL", "metrics")[0] == "equivalent"
    assert check(report, "PREDICT", "independent of labels")[0] == "equivalent"
    verdict, detail = check(report, "PREDICT", "predictions")
    assert verdict == "fixed" and "None values not supported" in detail
    assert report.timings and dict(report.timings)["original"]


def test_the_same_file_twice_is_equivalent_and_runs_are_deterministic() -> None:
    # Dropout and Adam: random ops and Keras-style initializers draw seeds in every run.
    path = WRONG / "seed_ok" / "rewritten.py"
    first, second = validate_pair(path, path), validate_pair(path, path)
    for report in (first, second):
        assert report.verdict == "equivalent", report
        assert all(c.max_abs_diff in (0.0, None) for c in report.checks)
    assert first.checks == second.checks


def test_the_fixture_pairs_exist() -> None:
    assert PAIRS, "no fixture pairs under fixtures/pairs"


@pytest.mark.parametrize("pair", PAIRS, ids=[p.name for p in PAIRS])
def test_fixture_pair_validates(pair: Pair) -> None:
    report = validate_pair(pair.before, pair.after, ValidationOptions())
    if "train" not in pair.runnable_original and not pair.fixed:
        # Neither version trains, so there is no checkpoint and nothing to compare.
        assert report.verdict == "error", report
        return
    assert report.verdict in ("equivalent", "fixed"), report.message
    if pair.fixed and "predict" not in pair.runnable_original:
        # a partial rewrite moves what it can; the finding left still fails PREDICT in both
        assert report.verdict == ("equivalent" if pair.partial else "fixed")


def test_a_sigmoid_rebound_through_identity_changes_a_keras_loss(tmp_path: Path) -> None:
    """Why EF204 does not rebind a sigmoid's output: Keras's binary cross-entropy takes a
    Sigmoid op's input as the logits, so the same probabilities out of ``tf.identity`` give
    another loss. The pair's rewrite (the other tensor wired) is equivalent; wiring the print
    into the sigmoid's output too is caught."""
    pair = ROOT / "fixtures" / "pairs" / "ef204_print_sigmoid_keras_loss"
    after = (pair / "after.py").read_text(encoding="utf-8")
    wired = "        hidden = tf.identity(hidden)\n"
    assert wired in after and "probs = tf.identity" not in after
    wrong = write(
        tmp_path, "wrong/model.py", after.replace(wired, wired + wired.replace("hidden", "probs"))
    )
    report = validate_pair(pair / "before.py", wrong)
    assert report.verdict == "mismatch", report.message
    assert check(report, "TRAIN", "loss")[0] == "mismatch"


MASKED_SEQUENCE = """
    import numpy as np
    import tensorflow as tf


    def model_fn(features, labels, mode, params):
        vectors = tf.keras.layers.Embedding(20, 4, mask_zero=True)(features["ids"])
        {wired}
        states = tf.keras.layers.LSTM(3)(vectors)
        logits = tf.keras.layers.Dense(1)(states)
        loss = tf.compat.v1.losses.mean_squared_error(labels, logits)
        step = tf.compat.v1.train.get_or_create_global_step()
        train_op = tf.compat.v1.train.GradientDescentOptimizer(0.1).minimize(loss, step)
        return tf.estimator.EstimatorSpec(mode, loss=loss, train_op=train_op, predictions=logits)


    def input_fn():
        ids = np.array([[1, 2, 0, 0], [3, 0, 0, 0], [4, 5, 6, 0], [7, 8, 9, 1]], np.int32)
        y = np.arange(4, dtype=np.float32).reshape(4, 1)
        return tf.data.Dataset.from_tensor_slices(({{"ids": ids}}, y)).batch(4).repeat()
"""


def test_a_masked_sequence_rebound_through_identity_loses_its_mask(tmp_path: Path) -> None:
    """Why EF204 does not rebind a tensor carrying a Keras mask: the mask rides on the tensor
    object, so the LSTM after ``tf.identity`` runs over the padding too."""
    original = write(tmp_path, "a/model.py", MASKED_SEQUENCE.format(wired=""))
    wired = (
        'with tf.control_dependencies([tf.print("vectors", vectors)]):\n'
        "            vectors = tf.identity(vectors)"
    )
    rebound = write(tmp_path, "b/model.py", MASKED_SEQUENCE.format(wired=wired))
    report = validate_pair(original, rebound)
    assert report.verdict == "mismatch", report.message
    assert check(report, "TRAIN", "loss")[0] == "mismatch"


def test_predictions_that_depend_on_labels_are_reported(tmp_path: Path) -> None:
    term = "predictions = predictions + tf.reduce_mean(labels)"
    original = write(tmp_path, "a/model.py", regressor(predict=term))
    rewrite = write(tmp_path, "b/model.py", regressor(predict=f"if mode != 'infer': {term}"))
    report = validate_pair(original, rewrite)
    assert report.verdict == "mismatch", report
    verdict, detail = check(report, "PREDICT", "independent of labels")
    assert verdict == "mismatch" and "depend on labels ('y' changes" in detail
    assert check(report, "TRAIN", "variables")[0] == "equivalent"


# how the file is run -----------------------------------------------------------------------


def test_validate_file_compares_with_what_fix_writes() -> None:
    report = validate_file(WRONG / "seed_ok" / "original.py")
    assert report.verdict == "fixed", report
    unchanged = validate_file(WRONG / "learning_rate" / "original.py")
    assert unchanged.verdict == "equivalent" and "fix changes nothing" in unchanged.message


def test_validate_file_reads_a_notebook_as_fix_does() -> None:
    # Its code cells are what fix rewrites: read as one .py file, fix would change nothing.
    report = validate_file(ROOT / "fixtures" / "demo_repo" / "notebooks" / "price_bands.ipynb")
    assert report.verdict == "fixed", report
    assert "fix changes nothing" not in report.message


def test_tpu_models_run_under_tpu_estimator_on_cpu(tmp_path: Path) -> None:
    source = """
        import numpy as np
        import tensorflow as tf

        PARAMS = {"batch_size": 4}


        def model_fn(features, labels, mode, params):
            logits = tf.compat.v1.layers.dense(features["x"], 3)
            if mode == tf.estimator.ModeKeys.PREDICT:
                spec = tf.compat.v1.estimator.tpu.TPUEstimatorSpec
                return spec(mode, predictions={"p": tf.nn.softmax(logits)})
            loss = tf.compat.v1.losses.sparse_softmax_cross_entropy(labels, logits)
            optimizer = tf.compat.v1.train.GradientDescentOptimizer(0.1)
            step = tf.compat.v1.train.get_or_create_global_step()
            train_op = optimizer.minimize(loss, global_step=step)
            return tf.compat.v1.estimator.tpu.TPUEstimatorSpec(mode, loss=loss, train_op=train_op)


        def input_fn(params):
            x = np.arange(48, dtype=np.float32).reshape(12, 4) / 48
            y = np.arange(12, dtype=np.int32) % 3
            dataset = tf.data.Dataset.from_tensor_slices(({"x": x}, y))
            return dataset.repeat().batch(params["batch_size"], drop_remainder=True)
        """
    path = write(tmp_path, "tpu_model.py", source)
    report = validate_pair(path, path)
    assert report.verdict == "equivalent", report
    assert check(report, "PREDICT", "predictions")[0] == "equivalent"


def test_input_fn_from_another_module_in_a_package(tmp_path: Path) -> None:
    write(tmp_path, "trainer/__init__.py", "")
    write(
        tmp_path,
        "trainer/data.py",
        """
        import numpy as np
        import tensorflow as tf


        def make():
            x = np.arange(32, dtype=np.float32).reshape(8, 4) / 32
            y = x.sum(axis=1, keepdims=True)
            return tf.data.Dataset.from_tensor_slices(({"x": x}, y)).batch(4)
        """,
    )
    write(tmp_path, "trainer/layers.py", "UNITS = 1\n")
    model = write(
        tmp_path,
        "trainer/model.py",
        """
        import tensorflow as tf

        from . import layers


        def model_fn(features, labels, mode):
            print("user output on stdout does not disturb validation")
            predictions = tf.compat.v1.layers.dense(features["x"], layers.UNITS)
            if mode == tf.estimator.ModeKeys.PREDICT:
                return tf.estimator.EstimatorSpec(mode, predictions=predictions)
            loss = tf.compat.v1.losses.absolute_difference(labels, predictions)
            step = tf.compat.v1.train.get_or_create_global_step()
            train_op = tf.compat.v1.train.AdamOptimizer(0.1).minimize(loss, global_step=step)
            return tf.estimator.EstimatorSpec(mode, loss=loss, train_op=train_op)
        """,
    )
    report = validate_pair(model, model, ValidationOptions(input_fn="trainer.data:make"))
    assert report.verdict == "equivalent", report
    assert check(report, "PREDICT", "predictions (predictions)")[0] == "equivalent"


# synthetic inputs --------------------------------------------------------------------------


def test_synthetic_inputs_from_a_serving_function_and_labels_from_the_loss(tmp_path: Path) -> None:
    source = """
        import tensorflow as tf


        def model_fn(features, labels, mode):
            logits = tf.compat.v1.layers.dense(features["x"], 3)
            if mode == tf.estimator.ModeKeys.PREDICT:
                return tf.estimator.EstimatorSpec(mode, predictions={"c": tf.argmax(logits, 1)})
            loss = tf.compat.v1.losses.sparse_softmax_cross_entropy(labels=labels, logits=logits)
            step = tf.compat.v1.train.get_or_create_global_step()
            train_op = tf.compat.v1.train.GradientDescentOptimizer(0.1).minimize(loss, step)
            return tf.estimator.EstimatorSpec(mode, loss=loss, train_op=train_op)


        def serving_input_receiver_fn():
            x = tf.compat.v1.placeholder(tf.float32, [None, 4])
            return tf.estimator.export.ServingInputReceiver({"x": x}, {"x": x})
        """
    path = write(tmp_path, "served.py", source)
    report = validate_pair(path, path)
    assert report.verdict == "equivalent" and report.synthetic_inputs, report
    assert report.headline.startswith("equivalent under TensorFlow 2.")
    assert report.headline.endswith(" (synthetic inputs)")
    assert "synthetic features from serving_input_receiver_fn()" in report.notes
    assert any("labels int32 [batch]" in note for note in report.notes)
    assert check(report, "PREDICT", "predictions")[0] == "equivalent"


def test_synthetic_inputs_from_a_feature_spec_and_columns(tmp_path: Path) -> None:
    source = """
        import tensorflow as tf

        FEATURE_SPEC = {"x": tf.io.FixedLenFeature([4], tf.float32)}


        def columns():
            vocabulary = tf.feature_column.categorical_column_with_vocabulary_list("c", ["0", "1"])
            return [
                tf.feature_column.numeric_column("x", shape=[4]),
                tf.feature_column.indicator_column(vocabulary),
            ]


        def model_fn(features, labels, mode):
            net = tf.compat.v1.feature_column.input_layer(features, columns())
            predictions = tf.compat.v1.layers.dense(net, 2)
            if mode == tf.estimator.ModeKeys.PREDICT:
                return tf.estimator.EstimatorSpec(mode, predictions={"y": predictions})
            loss = tf.compat.v1.losses.mean_squared_error(labels, predictions)
            step = tf.compat.v1.train.get_or_create_global_step()
            train_op = tf.compat.v1.train.GradientDescentOptimizer(0.1).minimize(loss, step)
            return tf.estimator.EstimatorSpec(mode, loss=loss, train_op=train_op)
        """
    path = write(tmp_path, "parsed.py", source)
    report = validate_pair(path, path)
    assert report.verdict == "equivalent" and report.synthetic_inputs, report
    assert "synthetic features from FEATURE_SPEC and columns" in report.notes
    assert any("labels float32 [batch, 2]" in note for note in report.notes)
    explicit = validate_pair(path, path, ValidationOptions(labels=LabelSpec((2,), "float32")))
    assert explicit.verdict == "equivalent"
    assert "synthetic labels float32 [batch, 2] from --labels" in explicit.notes


# isolation: crashes, hangs, broken rewrites -------------------------------------------------


def test_a_crash_in_the_rewrite_is_a_verdict(tmp_path: Path) -> None:
    original = write(tmp_path, "a/model.py", regressor())
    crash = "import os, signal; os.kill(os.getpid(), signal.SIGSEGV)"
    rewrite = write(tmp_path, "b/model.py", regressor(predict=f"if mode == 'infer': {crash}"))
    report = validate_pair(original, rewrite)
    assert report.verdict == "mismatch", report
    assert check(report, "TRAIN", "variables")[0] == "equivalent"
    verdict, detail = check(report, "PREDICT", "predicts")
    assert verdict == "mismatch" and "killed by SIGSEGV" in detail


def test_a_hang_times_out(tmp_path: Path) -> None:
    original = write(tmp_path, "a/model.py", regressor())
    rewrite = write(tmp_path, "b/model.py", regressor(train="import time; time.sleep(600)"))
    report = validate_pair(original, rewrite, ValidationOptions(timeout=10))
    assert report.verdict == "mismatch", report
    assert "the rewrite cannot run: timed out after 10s" in report.message


def test_a_rewrite_that_fails_to_import_or_an_original_that_cannot(tmp_path: Path) -> None:
    original = write(tmp_path, "a/model.py", regressor())
    broken = write(tmp_path, "b/model.py", regressor() + "\nimport no_such_module_anywhere\n")
    report = validate_pair(original, broken)
    assert report.verdict == "mismatch"
    assert "No module named 'no_such_module_anywhere'" in report.message
    assert validate_pair(broken, original).verdict == "error"


def test_workers_without_the_fork_server(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(runner, "fork_server", lambda python: None)
    report = validate_pair(*wrong("learning_rate"))
    assert report.verdict == "mismatch"
    assert check(report, "TRAIN", "loss")[0] == "mismatch"


# without TensorFlow ------------------------------------------------------------------------


def test_an_interpreter_without_tensorflow(tmp_path: Path) -> None:
    python = tmp_path / "python-without-tf"
    python.write_text(f'#!/bin/sh\nexec "{sys.executable}" -S -I "$@"\n', encoding="utf-8")
    python.chmod(0o755)
    report = validate_pair(*wrong("learning_rate"), ValidationOptions(python=str(python)))
    assert report.verdict == "error" and report.return_code == 2
    assert 'pip install "estimator-fix[validate]"' in report.message
    assert "--python" in report.message
    missing = validate_pair(*wrong("learning_rate"), ValidationOptions(python="/no/such/python"))
    assert missing.message == "--python /no/such/python: no such interpreter"


def test_this_interpreter_without_tensorflow(monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "tensorflow" else real(name)
    )
    result = CliRunner().invoke(app, ["validate", *map(str, wrong("learning_rate"))])
    assert result.exit_code == 2
    assert 'pip install "estimator-fix[validate]"' in result.output
    assert len(result.output.strip().splitlines()) == 1


# the command line --------------------------------------------------------------------------


def test_cli_json_and_exit_codes() -> None:
    original, rewritten = wrong("learning_rate")
    result = CliRunner().invoke(
        app, ["validate", str(original), str(rewritten), "--format", "json", "--steps", "2"]
    )
    assert result.exit_code == 1, result.output
    data = json.loads(result.stdout)
    assert data["verdict"] == "mismatch" and data["steps"] == 2
    assert data["checks"][0]["mode"] == "TRAIN" and data["checks"][0]["verdict"] == "mismatch"


def test_cli_text_table_for_validate_file() -> None:
    path = WRONG / "seed_ok" / "original.py"
    result = CliRunner().invoke(
        app, ["validate", str(path), "--python", sys.executable, "--no-color"]
    )
    assert result.exit_code == 0, result.output
    for text in ("mode", "max abs diff", "PREDICT", "independent of labels", "verdict: fixed"):
        assert text in result.stdout
