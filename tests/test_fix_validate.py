"""``fix --validate``: each rewrite runs in TensorFlow before it is written; only equivalent or
fixed rewrites reach the disk, every other file is left byte for byte and named with its verdict."""

from __future__ import annotations

import shutil
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar

import libcst as cst
import libcst.matchers as m
import pytest
from typer.testing import CliRunner, Result

from codemods.base import ModelFnCodemod
from codemods.findings import Finding
from codemods.registry import all_codemods
from estimator_fix import engine
from estimator_fix.cli import app
from estimator_fix.reporting import Report
from estimator_fix.validation import gate, runner
from estimator_fix.validation.gate import RewriteGate
from estimator_fix.validation.interpreters import tensorflow_version
from estimator_fix.validation.options import ValidationOptions

ROOT = Path(__file__).resolve().parent.parent
PAIRS = ROOT / "fixtures" / "pairs"
WRONG = ROOT / "fixtures" / "wrong"

#: The file name the sabotaging codemod acts on (every other file gets the real rules only).
SABOTAGED = "regressor_wrong.py"


class DoublesTheLearningRate(ModelFnCodemod):
    """A deliberately wrong "safe" fix: ``GradientDescentOptimizer(lr)`` → ``(lr * 2)``, in files
    named ``SABOTAGED`` only (the change of ``fixtures/wrong/learning_rate/rewritten.py``)."""

    DESCRIPTION = "Test codemod whose safe fix doubles the learning rate."
    RULE_CODES: ClassVar[tuple[str, ...]] = ("EF990",)

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        if not (self.context.filename or "").endswith(SABOTAGED):
            return updated_node
        if not m.matches(updated_node.func, m.Attribute(attr=m.Name("GradientDescentOptimizer"))):
            return updated_node
        rate = updated_node.args[0]
        if isinstance(rate.value, cst.BinaryOperation):  # doubled already: a second run is a no-op
            return updated_node
        line, column = self.position(original_node)
        self.report(Finding("EF990", "test: doubled", line, column, "safe", "model_fn", "", True))
        doubled = cst.BinaryOperation(rate.value, cst.Multiply(), cst.Integer("2"))
        return updated_node.with_changes(args=[rate.with_changes(value=doubled)])


def invoke(*args: str) -> Result:
    return CliRunner().invoke(app, list(args), catch_exceptions=False)


@pytest.fixture(scope="module")
def warm() -> Iterator[None]:
    """One TensorFlow import (in the fork server) for every validation in this module."""
    runner.prewarm()
    yield


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Copies of the fixtures, by what ``fix --validate`` must conclude about each."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("NO_COLOR", "1")
    shutil.copy(PAIRS / "ef101_loss_before_predict" / "before.py", "crash_fixed.py")
    shutil.copy(PAIRS / "ef204_print_loss" / "before.py", "print_equivalent.py")
    shutil.copy(PAIRS / "noop_already_canonical" / "before.py", "canonical.py")
    shutil.copy(WRONG / "learning_rate" / "original.py", SABOTAGED)
    printing = (PAIRS / "ef204_print_loss" / "before.py").read_text(encoding="utf-8")
    # No input function, and a model_fn whose features say nothing of themselves (handed whole
    # to a module the file does not define).
    opaque = printing[: printing.index("def input_fn")].replace(
        'features["x"]', "encoder(features)"
    )
    Path("no_input.py").write_text(opaque, encoding="utf-8")
    return tmp_path


@pytest.fixture
def cold(monkeypatch: pytest.MonkeyPatch) -> None:
    """For tests that run no validation: no TensorFlow import in the background either."""
    monkeypatch.setattr(gate, "prewarm", lambda python=None: None)


def snapshot(root: Path) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in sorted(root.glob("*.py"))}


@pytest.mark.tf
def test_only_proven_rewrites_are_written(
    project: Path, monkeypatch: pytest.MonkeyPatch, warm: None
) -> None:
    real = tuple(all_codemods())
    monkeypatch.setattr(engine, "all_codemods", lambda: [*real, DoublesTheLearningRate])
    before = snapshot(project)

    result = invoke("fix", "--validate", ".")

    assert result.exit_code == 1, result.output
    after = snapshot(project)
    assert after["crash_fixed.py"] == (PAIRS / "ef101_loss_before_predict/after.py").read_bytes()
    assert after["print_equivalent.py"] == (PAIRS / "ef204_print_loss/after.py").read_bytes()
    for untouched in ("canonical.py", SABOTAGED, "no_input.py"):
        assert after[untouched] == before[untouched], untouched
    refusals = [line for line in result.stdout.splitlines() if ": not written " in line]
    assert len(refusals) == 2, result.stdout
    wrong, no_input = sorted(refusals, key=lambda line: not line.startswith(SABOTAGED))
    assert wrong.startswith(
        f"{SABOTAGED}: not written (validation: mismatch under TensorFlow "
        f"{tensorflow_version(sys.executable)}) — TRAIN loss (3 steps): "
        "the loss differs first at step 2"
    ), wrong
    assert no_input.startswith(
        "no_input.py: not written (validation: not validated under TensorFlow "
        f"{tensorflow_version(sys.executable)}) — no input: looked for --input-fn"
    ), no_input
    # built once with no features, the model_fn read no key of them: what stopped it is said
    assert no_input.endswith(
        "(built with none, the model_fn read no feature key: "
        "NameError: name 'encoder' is not defined)"
    ), no_input
    # What the refused files still have is listed, as fix lists what it leaves.
    assert f"{SABOTAGED}:15:21: EF990 test: doubled (fixable)" in result.stdout
    assert "no_input.py:14:5: EF204" in result.stdout
    assert result.stderr.strip().splitlines()[-1] == (
        "2 files fixed, 2 findings need manual work; validation: 1 equivalent, 1 fixed, "
        "1 mismatch, 1 not validated (2 rewrites not written)"
    )


@pytest.mark.tf  # --validate first checks that TensorFlow is there
def test_nothing_to_rewrite_means_nothing_to_validate(
    project: Path, monkeypatch: pytest.MonkeyPatch, cold: None
) -> None:
    def no_run(*args: object, **kwargs: object) -> None:
        raise AssertionError("nothing should be validated")

    monkeypatch.setattr(gate, "validate_rewrite", no_run)
    result = invoke("fix", "--validate", "canonical.py")
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    assert result.stderr == "0 files fixed, 0 findings need manual work\n"


def test_without_tensorflow_nothing_is_read_or_written(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(gate, "tensorflow_missing", lambda python: "validation needs TensorFlow")
    before = snapshot(project)
    result = invoke("fix", "--validate", ".")
    assert result.exit_code == 2
    assert result.output == "error: --validate: validation needs TensorFlow\n"
    assert snapshot(project) == before


@pytest.mark.tf  # nothing says what the features are: the worker builds it to find out
def test_the_gate_names_what_it_could_not_run(project: Path) -> None:
    data = Path("no_input.py").read_bytes()
    verdict = RewriteGate(ValidationOptions()).check("no_input.py", data, data + b"\n")
    assert verdict.verdict == "not validated" and not verdict.accepted
    assert verdict.reason.startswith("no input: looked for --input-fn")
    assert verdict.report is not None and verdict.report.not_validated.startswith(
        "no_input.py: no input:"
    )


def test_the_report_counts_verdicts_and_refusals() -> None:
    report = Report("fix")
    report.validated("not validated", accepted=False)
    report.validated("equivalent", accepted=True)
    report.fixed("a.py", ())
    report.fixed("b.py", (), written=False)
    assert report.return_code == 1
    assert report.summary() == (
        "1 file fixed, 0 findings need manual work; validation: 1 equivalent, 1 not validated "
        "(1 rewrite not written)"
    )
