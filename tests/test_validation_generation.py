"""Both TensorFlow generations: which one a module needs, which interpreter runs it, and TF 1.15."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from estimator_fix.validation import ValidationOptions, validate_file, validate_pair
from estimator_fix.validation import interpreters as interpreters_module
from estimator_fix.validation.generation import first_tf1_use, tf1_only_names
from estimator_fix.validation.inputs import DiscoveryError, plan
from estimator_fix.validation.interpreters import (
    NoTf1Interpreter,
    choose,
    tensorflow_version,
)
from estimator_fix.validation.results import RunResult, Stage

ROOT = Path(__file__).resolve().parent.parent
TF1_STYLE = ROOT / "fixtures" / "validation" / "tf1_style" / "model.py"


def use_in(source: str) -> str | None:
    tree = ast.parse(textwrap.dedent(source))
    use = first_tf1_use(tree, Path("m.py"))
    return None if use is None else f"{use.name}@{use.line}"


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("import tensorflow as tf\nx = tf.contrib.layers.xavier_initializer()", "tf.contrib@2"),
        ("import tensorflow as tf\ntf.logging.info('x')", "tf.logging@2"),
        ("import tensorflow as tf\nopt = tf.train.AdamOptimizer(0.1)", "tf.train.AdamOptimizer@2"),
        ("import tensorflow as tf\nFLAGS = tf.app.flags.FLAGS", "tf.app@2"),
        ("from tensorflow.contrib import slim", "tensorflow.contrib@1"),
        ("import tensorflow.contrib.slim as slim", "tensorflow.contrib@1"),
        ("from tensorflow import logging", "tensorflow.logging@1"),
        ("import tensorflow\ntensorflow.Session()", "tf.Session@2"),
        ("from tensorflow import estimator as e\ne.tpu.TPUEstimator", "tf.estimator.tpu@2"),
        # TensorFlow 2 has these, or the code asks for the compat.v1 API both generations have.
        ("import tensorflow as tf\ntf.compat.v1.layers.dense(x, 1)", None),
        ("import tensorflow.compat.v1 as tf\ntf.layers.dense(x, 1)\ntf.logging.info('x')", None),
        ("import tensorflow as tf\ntf.estimator.EstimatorSpec(mode)", None),
        ("import tensorflow as tf\ntf.keras.layers.Dense(3)", None),
        ("import contrib\ncontrib.logging.x", None),
        # ``tf`` handed over by a star import of a module of the repository, by convention
        (
            "from common import *\ntf.feature_column.linear_model(f, c)",
            "tf.feature_column.linear_model@2",
        ),
        ("from common import *\nfrom other import tf\ntf.logging.info('x')", None),
        ("from common import *\ndef f(tf):\n    tf.logging.info('x')", None),
    ],
)
def test_tf1_only_api_is_found(source: str, expected: str | None) -> None:
    assert use_in(source) == expected


def test_the_table_holds_the_names_that_decide() -> None:
    names = tf1_only_names()
    assert {"contrib", "logging", "app", "Session", "train.AdamOptimizer", "layers"} <= names
    assert not {"estimator", "keras", "compat", "train", "nn.relu"} & names


def _no_tf1_anywhere(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(interpreters_module.ENV_TF1, raising=False)
    monkeypatch.setattr(interpreters_module, "_found_tf1", lambda roots: iter(()))


def test_without_a_tf1_interpreter_the_message_says_how_to_make_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _no_tf1_anywhere(monkeypatch)
    with pytest.raises(NoTf1Interpreter) as caught:
        choose("tf.contrib (line 3)", None, None, [])
    message = str(caught.value)
    assert message.startswith("needs TensorFlow 1.x (uses tf.contrib (line 3))")
    for part in ("make venv-tf1", "tensorflow==1.15.5", "--python-tf1", "python-tf1 ="):
        assert part in message


def test_plan_refuses_tf1_code_without_a_tf1_interpreter(monkeypatch: pytest.MonkeyPatch) -> None:
    _no_tf1_anywhere(monkeypatch)
    with pytest.raises(DiscoveryError, match=r"model\.py: needs TensorFlow 1\.x \(uses tf\.log"):
        plan(TF1_STYLE, TF1_STYLE.read_bytes(), ValidationOptions())


def test_code_without_tf1_api_runs_under_the_configured_interpreter(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _no_tf1_anywhere(monkeypatch)
    chosen = choose(None, sys.executable, None, [])
    assert (chosen.primary, chosen.fallback, chosen.reason) == (sys.executable, None, "")


def test_tensorflow_version_of_a_python_without_it(tmp_path: Path) -> None:
    assert tensorflow_version(str(tmp_path / "no-such-python")) is None


# Under TensorFlow 1.15 ------------------------------------------------------------------------


@pytest.mark.tf
def test_tf1_code_is_validated_under_tensorflow_1_15(tf1_python: str) -> None:
    report = validate_file(TF1_STYLE)
    assert report.verdict == "fixed", report
    assert report.tensorflow.startswith("1.15")
    assert report.headline == f"fixed under TensorFlow {report.tensorflow}"
    assert "TensorFlow 1.15.5: uses tf.logging (line 6)" in report.notes
    assert report.to_json()["tensorflow"] == report.tensorflow


#: TensorFlow 1.x uses hidden from the static scan, each found when TensorFlow 2 runs the code:
#: an attribute of ``tf`` looked up by a computed name, and Keras layers applied with
#: ``apply``, which TensorFlow 2's Keras lacks.
HIDDEN_TF1_USES = {
    "computed name": (
        {
            "tf.logging.set_verbosity(tf.logging.ERROR)": "layers = getattr(tf, 'lay' + 'ers')",
            "tf.layers.dense": "layers.dense",
        },
        "has no attribute 'layers'): ran it again",
    ),
    "layer apply": (
        {
            "tf.logging.set_verbosity(tf.logging.ERROR)": "",
            'tf.layers.dense(features["x"], 8, activation=tf.nn.relu)': (
                'tf.keras.layers.Dense(8, activation=tf.nn.relu).apply(features["x"])'
            ),
            "tf.layers.dense(hidden, 3)": "tf.keras.layers.Dense(3).apply(hidden)",
        },
        "('Dense' object has no attribute 'apply'): ran it again",
    ),
}


@pytest.mark.tf
@pytest.mark.parametrize("hiding", sorted(HIDDEN_TF1_USES))
def test_a_tf1_use_found_only_at_run_time_reruns_under_tensorflow_1(
    tf1_python: str, tmp_path: Path, hiding: str
) -> None:
    replacements, note = HIDDEN_TF1_USES[hiding]
    hidden = TF1_STYLE.read_text(encoding="utf-8")
    for old, new in replacements.items():
        assert old in hidden
        hidden = hidden.replace(old, new)
    hidden = hidden.replace("tf.losses.sparse", "tf.compat.v1.losses.sparse")
    hidden = hidden.replace("tf.train.", "tf.compat.v1.train.")
    path = tmp_path / "model.py"
    path.write_text(hidden, encoding="utf-8")
    assert first_tf1_use(ast.parse(hidden), path) is None
    report = validate_pair(path, path)
    assert report.verdict == "equivalent" and report.tensorflow.startswith("1.15"), report
    assert any(note in n for n in report.notes), report.notes


@pytest.mark.parametrize(
    ("error", "lacks"),
    [
        ("AttributeError: module 'tensorflow' has no attribute 'contrib'", True),
        ("ModuleNotFoundError: No module named 'tensorflow.contrib'", True),
        (
            "AttributeError: module 'keras.api._v2.keras.metrics' has no attribute 'recall_at_k'",
            True,
        ),
        ("ImportError: cannot import name 'Layer' from 'keras.engine' (/x/keras.py)", True),
        ("AttributeError: 'Conv2D' object has no attribute 'apply'", True),
        # the code's own objects and modules: nothing the other TensorFlow would have
        ("AttributeError: 'dict' object has no attribute 'apply'", False),
        ("AttributeError: module 'config' has no attribute 'anguler_shape'", False),
        ("AttributeError: 'Dense' object has no attribute 'kernel_size'", False),
    ],
)
def test_failures_that_say_the_other_tensorflow_generation_is_needed(
    error: str, lacks: bool
) -> None:
    from estimator_fix.validation import api

    result = RunResult(setup_error=error)
    assert (api._other_generation(result) is not None) is lacks
    trained = RunResult(stages={"TRAIN": Stage(ok=False, error=error)})
    assert (api._other_generation(trained) is not None) is lacks


DROPOUT_LEFT_ON = ROOT / "fixtures" / "validation" / "tf1_style" / "dropout_left_on.py"


@pytest.mark.tf
def test_a_random_op_left_on_in_predict_draws_alike_in_both_versions(tf1_python: str) -> None:
    # PREDICT draws a dropout mask seeded from the graph's op count: the rewrite's PREDICT must
    # be compared with the original's placeholder-label run on graphs built alike
    report = validate_file(DROPOUT_LEFT_ON)
    assert report.verdict == "fixed", report
    assert report.tensorflow.startswith("1.15")


KERAS_APPLY = ROOT / "fixtures" / "validation" / "tf1_style" / "keras_apply_module_missing.py"


@pytest.mark.tf
def test_where_both_generations_fail_as_far_the_reason_to_act_on_is_reported(
    tf1_python: str,
) -> None:
    """TensorFlow 2.15 fails on the API it lacks (``Dense.apply``), 1.15 on a package not
    installed: the second run is the one reported, naming the package to install."""
    report = validate_file(KERAS_APPLY)
    assert report.verdict == "error" and report.tensorflow.startswith("1.15"), report.message
    assert "private_optimizers.noisy" in report.message and "install it" in report.message
    assert any("has no attribute 'apply'): ran it again" in note for note in report.notes)


FLAG_DEFAULTS = ROOT / "fixtures" / "validation" / "tf1_style" / "flag_defaults_unchecked.py"


@pytest.mark.tf
def test_a_flag_default_absl_refuses_is_kept_as_tf_app_flags_kept_it(tf1_python: str) -> None:
    """``DEFINE_string("horizon", 5, ...)``: argparse-era tf.app.flags kept the int, which the
    code compares with 5; absl refuses it at definition. Kept as given, and said so."""
    report = validate_file(FLAG_DEFAULTS)
    assert report.verdict == "fixed", report.message
    assert report.tensorflow.startswith("1.15")
    assert any("flag default(s) horizon=5 kept as the code gives them" in n for n in report.notes)


EXAMPLES_BOUND_AS = ROOT / "fixtures" / "validation" / "tf1_style" / "examples_bound_as.py"


@pytest.mark.tf
def test_a_module_of_tensorflow_bound_with_import_as_loads_under_1_15(tf1_python: str) -> None:
    """``import tensorflow.examples.tutorials.mnist.input_data as input_data``: TensorFlow
    1.15's modules live in ``tensorflow_core``, where the binding looked and found nothing."""
    report = validate_file(EXAMPLES_BOUND_AS)
    assert report.verdict == "fixed", report.message
    assert report.tensorflow.startswith("1.15")


CONTRIB_LEARN = ROOT / "fixtures" / "validation" / "tf1_style" / "contrib_learn.py"


@pytest.mark.tf
def test_a_contrib_learn_model_fn_taking_targets_is_validated(tf1_python: str) -> None:
    report = validate_file(CONTRIB_LEARN)
    assert report.verdict == "fixed", report  # PREDICT fails without labels in the original
    assert report.tensorflow.startswith("1.15")
    assert any(
        "synthetic labels float32 [batch, 3] inferred from the labels of softmax_cross_entropy"
        in note
        for note in report.notes
    ), report.notes


CONTRIB_LEARN_POSITIONAL = (
    ROOT / "fixtures" / "validation" / "tf1_style" / "contrib_learn_positional.py"
)


@pytest.mark.tf
def test_a_contrib_learn_model_fn_gets_its_labels_by_position(tf1_python: str) -> None:
    """tf.contrib.learn hands the labels as the second argument, whatever its name (``y``)."""
    report = validate_file(CONTRIB_LEARN_POSITIONAL)
    assert report.verdict == "fixed", report  # INFER fails without labels in the original
    assert report.tensorflow.startswith("1.15")


def test_the_labels_by_position_only_where_no_parameter_names_them() -> None:
    from estimator_fix.validation.worker.loading import positional_labels

    assert positional_labels(["features", "y", "mode", "params"]) == "y"
    assert positional_labels(["features", "_", "mode"]) == "_"
    assert positional_labels(["features", "labels", "mode"]) is None
    assert positional_labels(["features", "mode", "params"]) is None
    assert positional_labels(["features", "targets", "mode"]) is None
    assert positional_labels(["features"]) is None


CONTRIB_KERAS = ROOT / "fixtures" / "validation" / "tf1_style" / "contrib_keras.py"


@pytest.mark.tf
def test_keras_of_tensorflow_1_3_is_imported_from_where_tensorflow_moved_it(
    tf1_python: str,
) -> None:
    report = validate_file(CONTRIB_KERAS)
    assert report.verdict == "fixed", report
    assert report.tensorflow.startswith("1.15")
    assert (
        "tensorflow.contrib.keras.python.keras (TensorFlow 1.2-1.3) imported as "
        "tensorflow.python.keras, where TensorFlow moved it"
    ) in report.notes


_DUMP = """
import json, sys, types, warnings
warnings.simplefilter("ignore")
import tensorflow as tf
out = {}
for name in dir(tf):
    if name.startswith("_"):
        continue
    value = getattr(tf, name, None)
    inner = None
    if isinstance(value, types.ModuleType) and name not in ("contrib", "compat"):
        inner = sorted(n for n in dir(value) if not n.startswith("_"))
    out[name] = inner
print(json.dumps(out))
"""


def _public_api(python: str) -> dict[str, list[str] | None]:
    completed = subprocess.run(
        [python, "-c", _DUMP], capture_output=True, text=True, check=True, timeout=300
    )
    result: dict[str, list[str] | None] = json.loads(completed.stdout)
    return result


@pytest.mark.tf
@pytest.mark.slow
def test_the_table_is_what_the_two_tensorflows_say(tf1_python: str) -> None:
    """The committed list is exactly TensorFlow 1.15's names that this TensorFlow 2 lacks."""
    tf1, tf2 = _public_api(tf1_python), _public_api(sys.executable)
    expected = {name for name in tf1 if name not in tf2}
    for name, inner in tf1.items():
        other = tf2.get(name)
        if inner and other is not None:
            expected.update(f"{name}.{sub}" for sub in inner if sub not in other)
    assert tf1_only_names() == expected


@pytest.mark.tf
def test_moved_modules_leave_tensorflow_2_without_contrib() -> None:
    """Under TensorFlow 2 ``tensorflow.contrib`` stays missing (the error that sends code to
    TensorFlow 1.x): the old Keras name is found only below a real ``tensorflow.contrib.keras``."""
    code = (
        "from estimator_fix.validation.worker import moved\n"
        "moved.install()\n"
        "try:\n"
        "    from tensorflow.contrib.keras.python.keras.layers import Dense\n"
        "except ImportError as exc:\n"
        "    print(type(exc).__name__, exc)\n"
    )
    completed = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=300
    )
    assert completed.stdout.strip() == (
        "ModuleNotFoundError No module named 'tensorflow.contrib'"
    )
