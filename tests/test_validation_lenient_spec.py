"""A spec whose checks fail on a field the mode never reads (``eval_metric_ops`` that are plain
tensors, handed to TRAIN too): the original's run of that mode with those fields left out is the
rewrite's reference, so the rewrite's numbers are compared, not only that it runs."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from estimator_fix.validation import validate_file, validate_pair
from estimator_fix.validation.compare import (
    LENIENT,
    as_lenient,
    compare_runs,
)
from estimator_fix.validation.report import ValidationReport
from estimator_fix.validation.results import RunResult, Stage
from tests.test_validation_compare import EXACT, f32, failed, run, verdicts

ROOT = Path(__file__).resolve().parent.parent
FIXTURE = ROOT / "fixtures" / "validation" / "shapes" / "metric_in_every_spec.py"

REJECTED = "TypeError: Values of eval_metric_ops must be (metric_value, update_op) tuples"


def _trained(loss: float) -> Stage:
    return Stage(ok=True, losses=(f32(loss),), tensors={"w": f32(1.0, shape=(1, 1))})


def _with_lenient(result: RunResult, mode: str, stage: Stage) -> RunResult:
    return replace(result, stages={**result.stages, mode + LENIENT: stage})


def test_a_rewrite_is_compared_with_the_originals_lenient_run_where_the_strict_one_failed() -> (
    None
):
    original = _with_lenient(run(train=failed(REJECTED)), "TRAIN", _trained(0.5))
    checks = compare_runs(original, run(train=_trained(0.5)), EXACT)
    assert verdicts(checks)[("TRAIN", "loss")] == "fixed"
    assert verdicts(checks)[("TRAIN", "variables")] == "fixed"
    assert all(c.max_abs_diff == 0.0 for c in checks if c.mode == "TRAIN")
    assert "the fields of the spec TRAIN does not use left out" in checks[0].detail
    wrong = compare_runs(original, run(train=_trained(0.75)), EXACT)
    assert verdicts(wrong)[("TRAIN", "loss")] == "mismatch"


def test_a_rewrite_that_still_fails_as_the_strict_original_did_changed_nothing() -> None:
    original = _with_lenient(run(train=failed(REJECTED)), "TRAIN", _trained(0.5))
    checks = compare_runs(original, run(train=failed(REJECTED)), EXACT)
    assert checks[0].verdict == "error"  # both fail in TRAIN: nothing to compare
    checks = compare_runs(original, run(train=failed("NameError: train_op")), EXACT)
    assert checks[0].verdict == "mismatch"  # fails where the original, read leniently, runs


def test_a_lenient_run_that_failed_too_is_no_reference() -> None:
    original = _with_lenient(run(eval_=failed(REJECTED)), "EVAL", failed(REJECTED))
    checks = compare_runs(original, run(), EXACT)
    assert verdicts(checks)[("EVAL", "evaluates")] == "fixed"
    assert "nothing to compare" in next(c.detail for c in checks if c.mode == "EVAL")


def test_as_lenient_puts_each_lenient_run_in_place_of_the_failed_one() -> None:
    result = _with_lenient(run(predict=failed(REJECTED)), "PREDICT", run().stages["PREDICT"])
    result = _with_lenient(result, "EVAL", failed(REJECTED))
    lenient = as_lenient(result)
    assert lenient.stages["PREDICT"].ok
    assert lenient.stages["EVAL"] == result.stages["EVAL"]  # a failed lenient run: not used


def _proven_on_the_lenient_run(fixture: Path, tmp_path: Path) -> ValidationReport:
    """``fixture``'s rewrite is ``fixed`` with TRAIN's loss and variables compared against the
    original's lenient run, and a rewrite with another learning rate, which was ``fixed``
    before there was a reference (TRAIN compared nothing), is a mismatch."""
    from estimator_fix.engine import Changed, Settings, process_source

    report = validate_file(fixture)
    assert report.verdict == "fixed", report.message
    train = [c for c in report.checks if c.mode == "TRAIN"]
    assert train and all(c.verdict == "fixed" and c.max_abs_diff == 0.0 for c in train), train
    result = process_source(str(fixture), fixture.read_bytes(), Settings())
    assert isinstance(result, Changed) and b"Optimizer(0.1)" in result.fixed
    wrong = tmp_path / "rewritten.py"
    wrong.write_bytes(result.fixed.replace(b"Optimizer(0.1)", b"Optimizer(0.2)"))
    assert validate_pair(fixture, wrong).verdict == "mismatch"
    return report


@pytest.mark.tf
def test_a_metric_every_spec_is_handed_is_proven_on_the_originals_lenient_run(
    tmp_path: Path,
) -> None:
    _proven_on_the_lenient_run(FIXTURE, tmp_path)
    # the rewrite's own spec is checked as the Estimator checks it: one that still hands TRAIN
    # the metric fails as the original does, and nothing is proven
    unchanged = tmp_path / "unchanged.py"
    unchanged.write_bytes(FIXTURE.read_bytes().replace(b"dense(features", b"dense(1.0 * features"))
    assert validate_pair(FIXTURE, unchanged).verdict == "error"


@pytest.mark.tf
@pytest.mark.usefixtures("tf1_python")  # skips without a TensorFlow 1.x interpreter
def test_the_lenient_reference_runs_under_tensorflow_1(tmp_path: Path) -> None:
    """The same shape in TensorFlow 1.x code: the worker's wrapper of the spec works there too."""
    fixture = ROOT / "fixtures" / "validation" / "tf1_style" / "metric_in_every_spec.py"
    report = _proven_on_the_lenient_run(fixture, tmp_path)
    assert report.tensorflow.startswith("1.15"), report
