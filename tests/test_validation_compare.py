"""The pure half of validation (no TensorFlow): stored tensors, comparisons, verdicts, results."""

from __future__ import annotations

import json
import math
import struct
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from estimator_fix.validation.compare import (
    Tolerance,
    compare_runs,
    compare_tensors,
    overall,
    summary,
)
from estimator_fix.validation.report import Check, ValidationReport, error_report, worst
from estimator_fix.validation.results import RunResult, Stage, Tensor, load_results, max_abs_diff

EXACT = Tolerance()


def f32(*values: float, shape: tuple[int, ...] | None = None) -> Tensor:
    return Tensor("float32", shape or (len(values),), struct.pack(f"<{len(values)}f", *values))


def stage(**tensors: Tensor) -> Stage:
    return Stage(ok=True, tensors=tensors)


def failed(error: str) -> Stage:
    return Stage(ok=False, error=error)


def run(
    train: Stage | None = None,
    eval_: Stage | None = None,
    predict: Stage | None = None,
    **extra: object,
) -> RunResult:
    trained = train or Stage(
        ok=True, losses=(f32(1.0), f32(0.5)), tensors={"dense/kernel": f32(1.0, 2.0, shape=(2, 1))}
    )
    stages = {
        "TRAIN": trained,
        "EVAL": eval_ or stage(loss=f32(0.25)),
        "PREDICT": predict or Stage(ok=True, tensors={"y#0": f32(3.0)}),
    }
    placeholder = extra.pop("placeholder", None)
    if isinstance(placeholder, Stage):
        stages["placeholder"] = placeholder
    return RunResult(stages=stages, **extra)  # type: ignore[arg-type]


def verdicts(checks: tuple[Check, ...]) -> dict[tuple[str, str], str]:
    return {(c.mode, c.what.split(" (")[0]): c.verdict for c in checks}


# tensors ------------------------------------------------------------------------------------


def numbers(tensor: Tensor) -> list[float] | None:
    """The tensor's elements as a list (None for strings)."""
    elements = tensor.elements()
    return None if elements is None else list(elements)


def test_values_decode_little_endian_numbers() -> None:
    assert numbers(f32(1.5, -2.0)) == [1.5, -2.0]
    ints = Tensor("int64", (2,), struct.pack("<2q", 7, -1))
    assert numbers(ints) == [7.0, -1.0]
    assert numbers(Tensor("bytes8", (1,), b"abcdefgh")) is None


def test_max_abs_diff_treats_nan_against_a_number_as_infinite() -> None:
    assert max_abs_diff(f32(1.0, 2.0), f32(1.0, 2.5)) == 0.5
    assert max_abs_diff(f32(math.nan), f32(math.nan)) == 0.0
    assert max_abs_diff(f32(math.nan), f32(1.0)) == math.inf


def test_bitwise_comparison_is_exact() -> None:
    assert compare_tensors(f32(1.0), f32(1.0), EXACT) == (True, 0.0)
    equal, diff = compare_tensors(f32(1.0), f32(1.0 + 2**-20), EXACT)
    assert not equal and diff is not None and 0 < diff < 1e-5
    # -0.0 and 0.0 are equal numbers but different bits: a safe fix must not produce that.
    assert compare_tensors(f32(0.0), f32(-0.0), EXACT) == (False, 0.0)


def test_tolerances_compare_elementwise() -> None:
    tolerance = Tolerance(atol=1e-3)
    assert compare_tensors(f32(1.0, 2.0), f32(1.0005, 2.0), tolerance)[0]
    assert not compare_tensors(f32(1.0, 2.0), f32(1.01, 2.0), tolerance)[0]
    assert compare_tensors(f32(100.0), f32(100.5), Tolerance(rtol=0.01))[0]


def test_dtype_or_shape_differences_never_compare_equal() -> None:
    assert compare_tensors(f32(1.0, 2.0), f32(1.0, 2.0, shape=(2, 1)), Tolerance(atol=1.0)) == (
        False,
        None,
    )
    ints = Tensor("int32", (1,), struct.pack("<i", 1))
    assert compare_tensors(f32(1.0), ints, EXACT) == (False, None)


# verdicts -----------------------------------------------------------------------------------


def test_identical_runs_are_equivalent() -> None:
    checks = compare_runs(run(), run(), EXACT)
    assert {c.verdict for c in checks} == {"equivalent"}
    assert [c.mode for c in checks] == ["TRAIN", "TRAIN", "EVAL", "PREDICT"]
    assert summary(checks) == "4 checks, all equivalent"


def test_runs_that_trained_no_step_prove_nothing() -> None:
    empty = Stage(ok=True, losses=(), tensors=run().stages["TRAIN"].tensors)
    checks = compare_runs(run(train=empty), run(train=empty), EXACT)
    assert checks[0].verdict == "error" and overall(checks) == "error"
    assert checks[0].detail.startswith("no training step ran (the inputs gave no batch)")


@pytest.mark.parametrize(
    ("changed", "expected"),
    [((2, 0), "error"), ((2, 1), "equivalent"), ((0, 0), "equivalent"), (None, "equivalent")],
)
def test_runs_whose_steps_changed_no_trainable_variable_prove_nothing(
    changed: tuple[int, int] | None, expected: str
) -> None:
    """(trainable variables, how many the steps changed): none of several changed is an
    error; a model with no trainable variable, or one not measured, is compared as before."""
    trained = replace(run().stages["TRAIN"], changed=changed)
    checks = compare_runs(run(train=trained), run(train=trained), EXACT)
    assert overall(checks) == expected
    if expected == "error":
        assert checks[2].what == "training changed variables"
        assert checks[2].detail.startswith("the 2 training steps changed none of the 2 trainable")


def test_a_loss_of_0_at_every_step_proves_nothing_of_how_it_is_computed() -> None:
    """A softmax over one position is 0 whatever the model computes: halving it again would
    pass the numbers. One step with a loss other than 0 compares it."""
    zero = replace(run().stages["TRAIN"], losses=(f32(0.0), f32(-0.0)), changed=(2, 2))
    checks = compare_runs(run(train=zero), run(train=zero), EXACT)
    assert overall(checks) == "error"
    assert checks[2].what == "loss not 0"
    assert checks[2].detail.startswith("the loss was 0 at each of the 2 training steps")
    some = replace(zero, losses=(f32(0.0), f32(0.5)))
    assert overall(compare_runs(run(train=some), run(train=some), EXACT)) == "equivalent"


def test_a_difference_in_the_variables_outranks_steps_that_changed_none() -> None:
    trained = replace(run().stages["TRAIN"], changed=(2, 0))
    other = replace(trained, tensors={"dense/kernel": f32(1.0, 3.0, shape=(2, 1))})
    checks = compare_runs(run(train=trained), run(train=other), EXACT)
    assert overall(checks) == "mismatch"
    assert all(c.what != "training changed variables" for c in checks)


def test_runs_that_predicted_no_batch_prove_nothing_of_predict() -> None:
    empty = Stage(ok=True)
    checks = compare_runs(run(predict=empty), run(predict=empty), EXACT)
    assert [(c.mode, c.verdict) for c in checks][-1] == ("PREDICT", "error")
    assert checks[-1].detail.startswith("no batch was predicted")


def test_a_different_loss_names_the_first_differing_step() -> None:
    variables = run().stages["TRAIN"].tensors
    rewrite = run(train=Stage(ok=True, losses=(f32(1.0), f32(0.75)), tensors=variables))
    checks = compare_runs(run(), rewrite, EXACT)
    loss = checks[0]
    assert (loss.verdict, loss.max_abs_diff) == ("mismatch", 0.25)
    assert "step 2" in loss.detail
    assert summary(checks).startswith("TRAIN loss (2 steps): the loss differs first at step 2")


def test_a_different_variable_names_the_tensor_and_its_diff() -> None:
    variables = {"dense/kernel": f32(1.0, 2.5, shape=(2, 1))}
    rewrite = run(train=Stage(ok=True, losses=(f32(1.0), f32(0.5)), tensors=variables))
    check = compare_runs(run(), rewrite, EXACT)[1]
    assert check.verdict == "mismatch" and check.max_abs_diff == 0.5
    assert "'dense/kernel' differs first" in check.detail


def test_a_missing_variable_is_a_mismatch() -> None:
    variables = {"dense_1/kernel": f32(1.0, 2.0, shape=(2, 1))}
    rewrite = run(train=Stage(ok=True, losses=(f32(1.0), f32(0.5)), tensors=variables))
    check = compare_runs(run(), rewrite, EXACT)[1]
    assert check.verdict == "mismatch"
    assert check.detail == "'dense/kernel' only in the original"


def test_restoring_a_variable_the_checkpoint_lacks_or_with_another_shape_is_a_mismatch() -> None:
    renamed = Stage(ok=True, tensors={"y#0": f32(3.0)}, restores=(("dense_9/kernel", (2, 1)),))
    check = compare_runs(run(), run(predict=renamed), EXACT)[2 + 1]
    assert (check.mode, check.verdict) == ("PREDICT", "mismatch")
    assert "restores 'dense_9/kernel', which the checkpoint does not have" in check.detail
    reshaped = Stage(ok=True, tensors={"y#0": f32(3.0)}, restores=(("dense/kernel", (3, 1)),))
    check = compare_runs(run(), run(predict=reshaped), EXACT)[3]
    assert check.detail == "restores 'dense/kernel' as [3, 1]; the checkpoint has [2, 1]"


def test_an_object_based_checkpoint_is_matched_with_the_graph_the_original_trained() -> None:
    """``tf.train.Checkpoint`` as the scaffold's saver keys the checkpoint by object paths: a
    graph restoring the variables the original trained (names and shapes) restores from it; one
    restoring a variable the original never trained, or at another shape, does not."""
    keyed = {
        "var_list/w/.ATTRIBUTES/VARIABLE_VALUE": f32(1.0, 2.0, shape=(2, 1)),
        "step/.ATTRIBUTES/VARIABLE_VALUE": f32(3.0, shape=()),
    }
    held = (("global_step", ()), ("w", (2, 1)))
    train = Stage(ok=True, losses=(f32(1.0), f32(0.5)), tensors=keyed, restores=held)
    same = Stage(ok=True, tensors={"y#0": f32(3.0)}, restores=held)
    check = compare_runs(run(train=train), run(train=train, predict=same), EXACT)[3]
    assert (check.mode, check.verdict) == ("PREDICT", "equivalent"), check.detail
    assert check.what == "restores (2 variables), as the original trained them"
    extra = Stage(ok=True, tensors={"y#0": f32(3.0)}, restores=(*held, ("bias", (1,))))
    check = compare_runs(run(train=train), run(train=train, predict=extra), EXACT)[3]
    assert check.verdict == "mismatch"
    assert check.detail.startswith("restores 'bias', which the original's TRAIN graph does not")
    wide = Stage(ok=True, tensors={"y#0": f32(3.0)}, restores=(("w", (3, 1)),))
    check = compare_runs(run(train=train), run(train=train, predict=wide), EXACT)[3]
    assert check.detail.startswith("restores 'w' as [3, 1]; the original trained it as [2, 1]")


def test_the_original_failing_where_the_rewrite_runs_is_fixed() -> None:
    checks = compare_runs(run(eval_=failed("ValueError: boom")), run(), EXACT)
    assert verdicts(checks)[("EVAL", "evaluates")] == "fixed"
    assert "boom" in summary(checks)


def test_the_rewrite_failing_where_the_original_runs_is_a_mismatch() -> None:
    checks = compare_runs(run(), run(eval_=failed("NameError: x")), EXACT)
    assert verdicts(checks)[("EVAL", "evaluates")] == "mismatch"


def test_both_failing_alike_after_training_is_preserved_behaviour() -> None:
    both = failed("NotImplementedError: no predictions")
    checks = compare_runs(run(predict=both), run(predict=both), EXACT)
    assert worst([c.verdict for c in checks]) == "equivalent"


def test_both_failing_in_train_or_differently_could_not_run() -> None:
    checks = compare_runs(run(train=failed("E: a")), run(train=failed("E: a")), EXACT)
    assert checks[0].verdict == "error"
    checks = compare_runs(run(eval_=failed("E: a")), run(eval_=failed("E: b")), EXACT)
    assert verdicts(checks)[("EVAL", "evaluates")] == "error"


def test_predict_is_compared_with_the_placeholder_label_reference() -> None:
    crash = failed("ValueError: None values not supported.")
    reference = Stage(ok=True, tensors={"y#0": f32(3.0)})
    original = run(predict=crash, placeholder=reference)
    checks = compare_runs(original, run(), EXACT)
    assert verdicts(checks)[("PREDICT", "independent of labels")] == "equivalent"
    assert verdicts(checks)[("PREDICT", "predictions")] == "fixed"
    wrong = run(predict=Stage(ok=True, tensors={"y#0": f32(4.0)}))
    assert verdicts(compare_runs(original, wrong, EXACT))[("PREDICT", "predictions")] == "mismatch"


def test_predictions_that_depend_on_labels_are_a_mismatch() -> None:
    original = run(
        predict=failed("ValueError: x"),
        placeholder=Stage(ok=True, tensors={"y#0": f32(3.0)}),
        label_dependence=("y", 1.0),
    )
    checks = compare_runs(original, run(), EXACT)
    check = next(c for c in checks if c.what == "independent of labels")
    assert check.verdict == "mismatch" and "depend on labels" in check.detail


def test_setup_failures() -> None:
    broken = RunResult(setup_error="ModuleNotFoundError: No module named 'x'")
    assert compare_runs(broken, run(), EXACT)[0].verdict == "error"
    assert compare_runs(run(), broken, EXACT)[0].verdict == "mismatch"


def test_worst_verdict_order() -> None:
    assert worst([]) == "equivalent"
    assert worst(["equivalent", "fixed"]) == "fixed"
    assert worst(["fixed", "error"]) == "error"
    assert worst(["error", "mismatch", "fixed"]) == "mismatch"


def test_report_exit_codes_and_json() -> None:
    report = ValidationReport("a.py", "b.py", "fixed", "m", synthetic_inputs=True)
    assert report.return_code == 0 and report.headline == "fixed (synthetic inputs)"
    data = report.to_json()
    assert data["verdict"] == "fixed" and data["synthetic_inputs"] is True
    json.dumps(data)
    assert ValidationReport("a", "b", "mismatch", "m").return_code == 1
    assert error_report("a", "b", "no TensorFlow").return_code == 2


# the worker's files ------------------------------------------------------------------------


def test_load_results_reads_arrays_by_offset(tmp_path: Path) -> None:
    blob = struct.pack("<2f", 1.0, 2.0) + struct.pack("<i", 5)
    results = {
        "setup_error": "",
        "synthetic": True,
        "notes": ["n"],
        "label_dependence": {"key": "y", "max_abs_diff": 0.5},
        "stages": {
            "TRAIN": {
                "ok": True,
                "error": "",
                "seconds": 1.5,
                "losses": [{"dtype": "int32", "shape": [], "offset": 8, "nbytes": 4}],
                "tensors": {"w": {"dtype": "float32", "shape": [2], "offset": 0, "nbytes": 8}},
                "restores": [["w", [2]]],
                "changed": {"trainable": 1, "changed": 0},
            }
        },
    }
    (tmp_path / "results.json").write_text(json.dumps(results), encoding="utf-8")
    (tmp_path / "arrays.bin").write_bytes(blob)
    result = load_results(tmp_path)
    train = result.stages["TRAIN"]
    assert numbers(train.tensors["w"]) == [1.0, 2.0]
    assert numbers(train.losses[0]) == [5.0]
    assert train.restores == (("w", (2,)),) and train.changed == (1, 0)
    assert result.synthetic and result.notes == ("n",) and result.label_dependence == ("y", 0.5)
    assert result.timings() == {"TRAIN": 1.5}


def test_missing_results_read_as_a_crash(tmp_path: Path) -> None:
    assert "no readable results" in load_results(tmp_path).setup_error


def test_a_mismatch_stands_only_if_the_original_reproduces_itself_every_time(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """An original whose runs differ only now and then (a shuffle queue fed by a thread) can
    agree with itself once: a second disagreement makes the mismatch an error. The runs again
    are handed what the original's run was (its spec, inputs and checkpoint), each in a
    directory of its own, no more at once than the validation ran (two), and each is compared
    with the run the rewrite was compared with."""
    from types import SimpleNamespace

    from estimator_fix.validation import api
    from estimator_fix.validation.results import Given

    mismatch = (Check("TRAIN", "loss (3 steps)", 0.5, "mismatch", "the loss differs"),)
    agree = (Check("TRAIN", "loss (3 steps)", 0.0, "equivalent", ""),)
    differ = (Check("PREDICT", "predictions", 0.1, "mismatch", "'p' differs"),)
    given = Given("py", {"role": "original", "out_dir": "first"}, {"kind": "own"}, "ckpt", False)
    original = RunResult(notes=("first run",), given=given)
    handed: list[Any] = []

    def run_workers(python: str, specs: Any, timeout: float, again: Any = None) -> Any:
        handed.append((python, specs, again))
        return [RunResult(notes=(spec["out_dir"],)) for spec in specs]

    compared: list[Any] = []
    self_runs = iter([agree, differ, agree])

    def compare(results: Any, *args: Any) -> Any:
        compared.append(results)
        return next(self_runs), ()

    monkeypatch.setattr(api, "_run_workers", run_workers)
    monkeypatch.setattr(api, "_compared", compare)
    plan_ = SimpleNamespace(timeout=9.0)
    checks = api._unless_irreproducible(plan_, None, tmp_path, original, mismatch)  # type: ignore[arg-type]
    assert [c.verdict for c in checks] == ["error", "error"]
    assert checks[0].detail.startswith("the original run twice differs: PREDICT predictions")
    assert next(self_runs) == agree  # it stopped at the first disagreement
    run = [str(tmp_path / f"reproducible-{n}") for n in range(api.REPRODUCIBLE_RUNS)]
    [(python, specs, again)] = handed  # the third run never started
    assert python == "py" and again is given
    assert [spec["out_dir"] for spec in specs] == run[:2]
    assert all(spec["role"] == "original" for spec in specs)
    assert [[r.notes for r in pair] for pair in compared] == [
        [("first run",), (run[0],)],
        [("first run",), (run[1],)],
    ]
    # agreeing every time, the mismatch stands after all three runs, two and then one
    handed.clear()
    self_runs = iter([agree] * api.REPRODUCIBLE_RUNS)
    assert api._unless_irreproducible(plan_, None, tmp_path / "b", original, mismatch) == mismatch  # type: ignore[arg-type]
    assert [len(specs) for _, specs, _ in handed] == [2, 1]
    # with nothing to run again it stands as well
    assert api._unless_irreproducible(plan_, None, tmp_path, RunResult(), mismatch) == mismatch  # type: ignore[arg-type]


def test_a_rewrite_that_fails_where_the_original_ran_is_a_mismatch_with_no_run_again(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Whether the original reproduces its numbers says nothing of a rewrite that cannot load or
    run a mode: that mismatch stands, and nothing runs again. A difference of values alone
    still needs the original to reproduce itself."""
    from types import SimpleNamespace

    from estimator_fix.validation import api
    from estimator_fix.validation.results import Given

    def run_workers(*args: Any) -> Any:
        raise AssertionError("nothing is run again")

    monkeypatch.setattr(api, "_run_workers", run_workers)
    given = Given("py", {"role": "original", "out_dir": "first"}, None, "ckpt", False)
    original = RunResult(given=given)
    plan_ = SimpleNamespace(timeout=9.0)
    ran = Stage(ok=True, losses=(Tensor("float32", (), b"\0\0\0\0"),))
    failed = Stage(ok=False, error="NameError: name 'y_out' is not defined")
    for rewrite in (RunResult(setup_error="NameError: x"), RunResult(stages={"TRAIN": failed})):
        checks = compare_runs(RunResult(stages={"TRAIN": ran}), rewrite, Tolerance())
        assert any(c.verdict == "mismatch" and c.rewrite_fails for c in checks), checks
        kept = api._unless_irreproducible(plan_, None, tmp_path, original, checks)  # type: ignore[arg-type]
        assert kept == checks
    values = (Check("TRAIN", "loss (3 steps)", 0.5, "mismatch", "the loss differs"),)
    with pytest.raises(AssertionError, match="nothing is run again"):
        api._unless_irreproducible(plan_, None, tmp_path, original, values)  # type: ignore[arg-type]


def test_large_tensors_compare_in_the_memory_of_their_data() -> None:
    """A model's variables can hold hundreds of millions of values: comparing two that differ
    must not make a Python number of each element (32 bytes and more apiece, where the data
    holds 4), or a large model's validation runs the machine out of memory."""
    import tracemalloc

    count = 1_000_000
    left = Tensor("float32", (count,), struct.pack("<f", 0.5) * count)
    last = struct.pack("<f", 2.0)
    right = Tensor("float32", (count,), struct.pack("<f", 0.5) * (count - 1) + last)
    data = len(left.data) + len(right.data)
    tracemalloc.start()
    try:
        equal, diff = compare_tensors(left, right, Tolerance(atol=1.0, rtol=0.0))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert (equal, diff) == (False, 1.5)
    assert peak < 2 * data, f"{peak} bytes at the peak to compare {data} bytes of data"


def test_an_irreproducible_original_keeps_its_error_where_its_graphs_cannot_be_compared(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The graphs replace numbers that do not reproduce only where both versions' graphs were
    built and read: otherwise the error saying why stands (no checks at all would read as
    equivalent)."""
    from estimator_fix.validation import api
    from estimator_fix.validation.options import ValidationOptions

    error = (Check("SETUP", "reproducible", None, "error", "the original run twice differs: x"),)
    built = RunResult(graphs={"modes": {}})
    runs: list[Any] = []

    def validate_target(plan_: Any, options: Any, *rest: Any) -> Any:
        runs.append(options.graph_only)
        return (built, built), ()

    read: list[Any] = [((), ("the graphs could not be built either: y",))]
    monkeypatch.setattr(api, "_validate_target", validate_target)
    monkeypatch.setattr(api, "graph_fallback", lambda *args, **kwargs: read[0])
    sources = (tmp_path, tmp_path, tmp_path, tmp_path)
    options = ValidationOptions()
    kept = api._on_graphs(None, options, sources, tmp_path, None, error)  # type: ignore[arg-type]
    assert kept == (error, ()) and runs == [True]
    compared = (Check("TRAIN", "graph (5 ops)", None, "graph-equivalent", "identical"),)
    read[0] = (compared, ("graph-level comparison only (no training)",))
    found, notes = api._on_graphs(None, options, sources, tmp_path, None, error)  # type: ignore[arg-type]
    assert found == compared
    assert notes == (
        "the numbers do not reproduce themselves (the original run twice differs: x): "
        "the graphs were compared op by op",
    )
