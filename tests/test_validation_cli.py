"""`estimator-fix validate` refusing what it cannot run: one line, exit 2, no TensorFlow run."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from estimator_fix.cli import app

ROOT = Path(__file__).resolve().parent.parent
ORIGINAL = ROOT / "fixtures" / "wrong" / "learning_rate" / "original.py"
REWRITTEN = ROOT / "fixtures" / "wrong" / "learning_rate" / "rewritten.py"


def validate(*arguments: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["validate", *arguments])
    return result.exit_code, result.output


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--params", "[1]"], "--params must be a JSON object"),
        (["--atol", "0.1"], "--atol/--rtol apply only with --unsafe-fixes"),
        (["--labels", "x:int32"], "--labels must be SHAPE:DTYPE"),
        (["--input-fn", "nocolon"], "--input-fn must be MODULE:FN"),
        (["--steps", "0"], "--steps must be at least 1"),
        (["--timeout", "0"], "--timeout must be positive"),
        (["--model-fn", "nope"], "no 'nope' at module level"),
        (["--python", "/no/such/python"], "--python /no/such/python: no such interpreter"),
    ],
)
def test_bad_options(arguments: list[str], message: str) -> None:
    code, output = validate(str(ORIGINAL), str(REWRITTEN), *arguments)
    assert code == 2
    assert message in output
    assert len(output.strip().splitlines()) == 1


def test_bad_paths(tmp_path: Path) -> None:
    assert validate("a.py", "b.py", "c.py") == (
        2,
        "error: validate takes FILE or ORIGINAL REWRITTEN\n",
    )
    code, output = validate(str(ORIGINAL), str(tmp_path / "missing.py"))
    assert code == 2 and "missing.py: no such file or directory" in output
    code, output = validate(str(tmp_path))
    assert code == 2 and "is a directory" in output


@pytest.mark.tf  # that nothing says what the features are is found by building the model_fn
def test_a_file_without_inputs_says_what_was_looked_for(tmp_path: Path) -> None:
    model = tmp_path / "model.py"
    model.write_text(
        "import tensorflow as tf\n\n\ndef model_fn(features, labels, mode):\n"
        "    return tf.estimator.EstimatorSpec(mode, predictions=features)\n",
        encoding="utf-8",
    )
    code, output = validate(str(model), str(model), "--format", "json")
    assert code == 2
    assert '"verdict": "error"' in output and "no input: looked for --input-fn" in output


def test_a_file_that_does_not_parse(tmp_path: Path) -> None:
    model = tmp_path / "model.py"
    model.write_text("print 'hello'\n", encoding="utf-8")
    code, output = validate(str(model), str(model))
    assert code == 2 and "does not parse" in output
