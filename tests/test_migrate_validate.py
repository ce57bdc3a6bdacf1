"""``migrate --validate`` for real: the demo repository's rewrites run in TensorFlow."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from estimator_fix.cli import app
from estimator_fix.validation.interpreters import tensorflow_version
from tests.test_migrate import copy_demo, snapshot

pytestmark = pytest.mark.tf


def test_validate_writes_only_proven_rewrites(tmp_path: Path) -> None:
    repo = copy_demo(tmp_path / "repo")
    model = (repo / "trainer" / "model.py").read_text(encoding="utf-8")
    without_input = model[: model.index("def input_fn")]
    (repo / "trainer" / "no_input.py").write_text(without_input, encoding="utf-8")
    # No input function, and no feature key in the code: nothing to run it on.
    unknown = without_input.replace('features["x"]', "tf.concat(list(features.values()), axis=1)")
    (repo / "trainer" / "unknown_inputs.py").write_text(unknown, encoding="utf-8")
    out, report = tmp_path / "out", tmp_path / "report.json"
    args = ["migrate", str(repo), "--validate", "--out", str(out), "--report", str(report)]
    result = CliRunner().invoke(app, [*args, "-j", "2"], catch_exceptions=False)
    assert result.exit_code == 1, result.output
    files = {f["path"]: f for f in json.loads(report.read_text())["files"]}
    verdicts = {path: (f["validation"] or {}).get("verdict") for path, f in files.items()}
    assert verdicts["trainer/classifier.py"] == "equivalent", files["trainer/classifier.py"]
    assert verdicts["trainer/model.py"] == "fixed", files["trainer/model.py"]  # PREDICT works now
    # A notebook runs as the module of its code cells (only its definitions).
    assert verdicts["notebooks/price_bands.ipynb"] == "fixed", files["notebooks/price_bands.ipynb"]
    # Without an input function, on inputs inferred from the model_fn (features["x"], 2-D).
    assert verdicts["trainer/no_input.py"] == "fixed", files["trainer/no_input.py"]
    assert verdicts["trainer/unknown_inputs.py"] == "not validated"
    assert verdicts["models/text_classifier.py"] is None  # nothing rewritten, nothing to validate
    before, after = snapshot(repo), snapshot(out)
    changed = {rel for rel in before if before[rel] != after[rel]}
    assert changed == {
        "trainer/model.py",
        "trainer/classifier.py",
        "trainer/no_input.py",
        "notebooks/price_bands.ipynb",
    }
    assert files["trainer/unknown_inputs.py"]["outcome"] == "manual"
    assert files["trainer/unknown_inputs.py"]["not_written"] == "validation: not validated"
    tf = tensorflow_version(sys.executable)
    assert f"model.py: fixed; validation: fixed under TensorFlow {tf} (EF101" in result.stdout
