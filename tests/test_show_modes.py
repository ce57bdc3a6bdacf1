"""``check --show-modes``: every statement of a model_fn with the modes that run and need it, the
reasons the analysis followed (returns, asserts, mode tests) and the rules it breaks."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from estimator_fix.cli import app
from tests.rule_cases import before


def show(path: Path) -> tuple[int, list[str]]:
    result = CliRunner().invoke(app, ["check", "--show-modes", str(path)])
    return result.exit_code, result.stdout.splitlines()


def test_statements_with_their_modes_and_reasons(tmp_path: Path) -> None:
    path = tmp_path / "model.py"
    path.write_text(before("assert_and_raise_on_unresolved_mode_keys"))
    code, lines = show(path)
    assert code == 0
    assert lines[0] == f"{path}:5: model_fn `model_fn`"
    assert lines[1].startswith(f"{path}:6:  assert mode != ModeKeys.PREDICT")
    assert lines[1].endswith("[runs: PREDICT TRAIN EVAL; needed: PREDICT TRAIN EVAL]")
    assert lines[2].endswith("[runs: TRAIN EVAL; needed: TRAIN EVAL]")
    assert lines[3].strip().startswith("because PREDICT ended at line 6 (assert mode != ")
    raised = lines.index(f"{path}:12: model_fn `model_fn2`")
    assert lines[raised + 2].startswith(f"{path}:14:    raise ValueError")
    assert lines[raised + 3].strip() == (
        "because PREDICT takes `mode == ModeKeys.PREDICT` (line 13)"
    )


def test_what_a_statement_breaks_and_where(tmp_path: Path) -> None:
    path = tmp_path / "model.py"
    path.write_text(before("predict_return_inside_a_with_block"))
    code, lines = show(path)
    assert code == 0
    [optimizer] = [line for line in lines if ":10:" in line]
    assert optimizer.endswith("[runs: TRAIN EVAL; needed: TRAIN]  breaks EF102 in EVAL")
    [loss] = [line for line in lines if ":9:" in line]
    assert loss.endswith("[runs: TRAIN EVAL; needed: TRAIN EVAL]")  # after the PREDICT return


def test_the_parts_of_a_statement_judged_whole_are_needed_where_it_is(tmp_path: Path) -> None:
    """An ``if`` on a setting is judged (and moved) whole: the statements in it show the modes
    that need it, not "no mode"."""
    path = tmp_path / "model.py"
    path.write_text(
        "import tensorflow as tf\n\n\n"
        "def model_fn(features, labels, mode, params):\n"
        "    if params[\"stage\"] == 1:\n"
        "        logits = tf.compat.v1.layers.dense(features[\"x\"], 2)\n"
        "    else:\n"
        "        logits = tf.compat.v1.layers.dense(features[\"y\"], 2)\n"
        "    if mode == tf.estimator.ModeKeys.PREDICT:\n"
        "        return tf.estimator.EstimatorSpec(mode, predictions={\"logits\": logits})\n"
        "    loss = tf.compat.v1.losses.sparse_softmax_cross_entropy(labels, logits)\n"
        "    return tf.estimator.EstimatorSpec(mode, loss=loss)\n"
    )
    code, lines = show(path)
    assert code == 0
    parts = [line for line in lines if ":6:" in line or ":8:" in line]
    assert len(parts) == 2
    for part in parts:
        assert part.endswith("[runs: PREDICT TRAIN EVAL; needed: PREDICT TRAIN EVAL]"), part


def test_a_file_that_does_not_parse_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "broken.py"
    path.write_text("def model_fn(features, labels, mode:\n")
    result = CliRunner().invoke(app, ["check", "--show-modes", str(path)])
    assert result.exit_code == 2
    assert "broken.py" in result.stderr and "syntax" in result.stderr
