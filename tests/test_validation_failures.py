"""A failed run says where in the code validated it failed (``path:line``), so a user (or a
triage of many files) sees which line of their code stopped it without running it by hand."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from estimator_fix.notebooks import extract
from estimator_fix.validation import validate_pair
from estimator_fix.validation.compare import failure
from estimator_fix.validation.results import RunResult, Stage, in_cells
from estimator_fix.validation.worker.messaging import last_line, unset_environment, where

USER_CODE = """\
import json

def parse(text):
    return json.loads(text)

def run():
    return parse("not json")
"""


def _raised(path: Path) -> BaseException:
    namespace: dict[str, object] = {}
    exec(compile(path.read_text(), str(path), "exec"), namespace)
    try:
        namespace["run"]()  # type: ignore[operator]
    except ValueError as exc:
        return exc
    raise AssertionError("the code did not raise")


def test_the_innermost_line_of_the_code_validated_not_the_librarys(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """json's own frames come last in the traceback; the line reported is the user's call."""
    (tmp_path / "pkg").mkdir()
    module = tmp_path / "pkg" / "parsing.py"
    module.write_text(USER_CODE)
    monkeypatch.chdir(tmp_path)
    assert where(_raised(module)) == "pkg/parsing.py:4"


def test_a_path_outside_the_working_directory_is_given_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    module = tmp_path / "parsing.py"
    module.write_text(USER_CODE)
    (tmp_path / "elsewhere").mkdir()
    monkeypatch.chdir(tmp_path / "elsewhere")
    assert where(_raised(module)) == f"{module}:4"


ENVIRONMENT_CODE = """\
import os

CONFIG = None

def run():
    global CONFIG
    CONFIG = os.environ.get("ESTIMATOR_FIX_TEST_CONFIG").replace("/", ".")
"""


def test_a_failure_at_a_read_of_an_unset_environment_variable_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``os.environ.get("TRAIN_CONFIG").replace(...)``, a variable the repository's scripts
    export: the error names the line and the variable; once it is set, nothing is said."""
    module = tmp_path / "settings.py"
    module.write_text(ENVIRONMENT_CODE)
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("ESTIMATOR_FIX_TEST_CONFIG", raising=False)
    namespace: dict[str, object] = {}
    exec(compile(module.read_text(), str(module), "exec"), namespace)
    with pytest.raises(AttributeError) as raised:
        namespace["run"]()  # type: ignore[operator]
    assert unset_environment(raised.value) == (
        "settings.py:7 reads the environment variable ESTIMATOR_FIX_TEST_CONFIG, which is not "
        "set here: set it as the repository's scripts do, then validate again"
    )
    monkeypatch.setenv("ESTIMATOR_FIX_TEST_CONFIG", "config/train.py")
    assert unset_environment(raised.value) == ""
    other = tmp_path / "parsing.py"  # a failure that reads no environment variable
    other.write_text(USER_CODE)
    assert unset_environment(_raised(other)) == ""


def test_an_error_raised_in_a_library_alone_has_no_line() -> None:
    try:
        json.loads("not json")
    except ValueError as exc:
        error = exc
    # this test's own frame is code too; a traceback of library frames only has none
    assert error.__traceback__ is not None
    error.__traceback__ = error.__traceback__.tb_next
    assert where(error) == ""


def test_the_check_names_the_line() -> None:
    assert failure(Stage(ok=False, error="KeyError: 'depth'", where="m.py:7")) == (
        "KeyError: 'depth' (at m.py:7)"
    )
    assert failure(Stage(ok=False, error="KeyError: 'depth'")) == "KeyError: 'depth'"


FAILING = """\
import tensorflow as tf


def model_fn(features, labels, mode, params):
    logits = tf.compat.v1.layers.dense(features["x"], 1)
    width = params["sizes"]["depth"]
    loss = tf.reduce_mean(tf.square(logits - labels)) * width
    optimizer = tf.compat.v1.train.GradientDescentOptimizer(0.1)
    train_op = optimizer.minimize(loss, tf.compat.v1.train.get_or_create_global_step())
    return tf.estimator.EstimatorSpec(mode, loss=loss, train_op=train_op)


def input_fn():
    data = tf.data.Dataset.from_tensor_slices(({"x": [[1.0], [2.0]]}, [[1.0], [2.0]]))
    return data.repeat().batch(2)


def main():
    params = {"sizes": {"width": 4}}
    estimator = tf.estimator.Estimator(model_fn=model_fn, params=params)
    estimator.train(input_fn, steps=3)
"""


@pytest.mark.tf
def test_both_versions_failing_in_train_name_the_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The model_fn reads a params key its job never gives (line 6): both versions fail there,
    and the check says so with the line, relative to where validation runs."""
    original = tmp_path / "model.py"
    original.write_text(FAILING)
    monkeypatch.chdir(tmp_path)
    rewritten = ("# rewritten\n" + FAILING).encode()
    report = validate_pair(Path("model.py"), rewritten)
    assert report.verdict == "error"
    train = [check for check in report.checks if check.mode == "TRAIN"]
    assert train and "KeyError: 'depth' (at model.py:6)" in train[0].detail, train


def _notebook(*cells: tuple[str, str]) -> str:
    return json.dumps(
        {
            "cells": [
                {"cell_type": kind, "metadata": {}, "source": text.splitlines(keepends=True)}
                | ({"outputs": [], "execution_count": None} if kind == "code" else {})
                for kind, text in cells
            ],
            "metadata": {},
            "nbformat": 4,
            "nbformat_minor": 5,
        }
    )


def test_a_line_in_a_notebooks_module_is_said_as_its_cell_and_line() -> None:
    notebook = _notebook(("markdown", "# A\n"), ("code", "a = 1\nb = 2\n"), ("code", "c = 3\n"))
    cells = extract(notebook.encode())
    moved = in_cells(
        RunResult(
            stages={"TRAIN": Stage(ok=False, error="E", where="nb.ipynb:5")},
            graphs={"modes": {"TRAIN": {"ok": False, "where": "nb.ipynb:2"}}},
        ),
        os.path.abspath("nb.ipynb"),
        cells.locate,
    )
    assert moved.stages["TRAIN"].where == "nb.ipynb[cell 3]:1"  # line 4 marks the cell
    assert moved.graphs["modes"]["TRAIN"]["where"] == "nb.ipynb[cell 2]:1"  # type: ignore[index]
    other = RunResult(stages={"TRAIN": Stage(ok=False, error="E", where="helper.py:3")})
    assert in_cells(other, os.path.abspath("nb.ipynb"), cells.locate) == other


@pytest.mark.tf
def test_a_failure_in_a_notebook_names_its_cell_and_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The same model_fn in a notebook's third cell: the line is the cell's, as findings say."""
    head, _, rest = FAILING.partition("def model_fn")
    model_fn = "def model_fn" + rest
    original = _notebook(("markdown", "# A model\n"), ("code", head), ("code", model_fn))
    rewritten = _notebook(("code", "# rewritten\n"), ("code", head), ("code", model_fn))
    (tmp_path / "model.ipynb").write_text(original)
    monkeypatch.chdir(tmp_path)
    report = validate_pair(Path("model.ipynb"), rewritten.encode())
    assert report.verdict == "error"
    train = [check for check in report.checks if check.mode == "TRAIN"]
    assert train and "KeyError: 'depth' (at model.ipynb[cell 3]:3)" in train[0].detail, train


class InvalidArgumentError(Exception):
    """Stands for TensorFlow's error of that name (only its message matters here)."""


#: TensorFlow 2's message for an op that fails when a session runs it: the stack where the op
#: was defined comes first, what went wrong after the last ``Node:`` line.
GRAPH_EXECUTION_ERROR = """Graph execution error:

Detected at node 'max_pooling2d/MaxPool' defined at (most recent call last):
    File "model.py", line 9, in model_fn
      x = tf.compat.v1.layers.max_pooling2d(x, 2, 2, data_format="channels_first")
    File "site-packages/tensorflow/python/ops/nn_ops.py", line 4900, in max_pool
Node: 'max_pooling2d/MaxPool'
Default MaxPoolingOp only supports NHWC on device type CPU
\t [[{{node max_pooling2d/MaxPool}}]]

Original stack trace for 'max_pooling2d/MaxPool':
  File "model.py", line 9, in model_fn
"""


def test_a_graph_execution_error_is_summed_up_by_what_went_wrong() -> None:
    summary = last_line(InvalidArgumentError(GRAPH_EXECUTION_ERROR))
    assert summary.endswith(
        ".InvalidArgumentError: Graph execution error: Default"
        " MaxPoolingOp only supports NHWC on device type CPU (node 'max_pooling2d/MaxPool')"
    )
    # another message whose first line ends in a colon keeps its next line, as before
    other = last_line(ValueError("Cannot build the graph:\nthe shapes differ\nmore"))
    assert other == "ValueError: Cannot build the graph: the shapes differ"
