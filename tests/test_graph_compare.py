"""The graph-level comparison (pure): op lists and spec outputs in, checks and verdicts out."""

from __future__ import annotations

from typing import Any

import pytest

from estimator_fix.validation.graph_compare import compare_graphs, graph_fallback, load_graphs
from estimator_fix.validation.report import Check, ValidationReport, worst
from estimator_fix.validation.results import RunResult
from estimator_fix.validation.verdicts import writable

Raw = list[Any]


def op(name: str, kind: str = "Op", inputs: tuple[str, ...] = (), **attrs: str) -> Raw:
    return [name, kind, list(inputs), dict(attrs)]


#: A small TRAIN graph: placeholder → dense → loss → train op (plus an initializer).
BASE = [
    op("features_0", "Placeholder", dtype="f"),
    op("labels_0", "Placeholder", dtype="i"),
    op("dense/kernel/Initializer/random_uniform", "RandomUniform", seed2="7"),
    op("dense/kernel", "VariableV2", shape="4x3"),
    op("dense/MatMul", "MatMul", ("features_0", "dense/kernel")),
    op("loss", "Loss", ("dense/MatMul", "labels_0")),
    op("metric", "Mean", ("dense/MatMul",)),
    op("train", "ApplyGradientDescent", ("dense/kernel", "loss"), rate="0.1"),
]
TRAIN_OUT = {"loss": "loss:0", "train_op": "train"}


def mode(ops: list[Raw], outputs: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"ok": True, "ops": ops, "outputs": outputs, "labels": ["labels_0"], **extra}


def failed(error: str, **extra: Any) -> dict[str, Any]:
    return {"ok": False, "error": error, **extra}


def graphs(**modes: dict[str, Any]) -> dict[str, Any]:
    return {"modes": modes}


def checks(original: dict[str, Any], rewrite: dict[str, Any]) -> tuple[Check, ...]:
    left, why = load_graphs(original)
    right, why_right = load_graphs(rewrite)
    assert not why and not why_right
    return compare_graphs(left, right)


def verdicts(found: tuple[Check, ...], which: str) -> list[str]:
    return [c.verdict for c in found if c.mode == which]


def predict_ops() -> list[Raw]:
    return [o for o in BASE if o[0] not in ("loss", "metric", "train")]


def same_everywhere(ops: list[Raw] = BASE) -> dict[str, Any]:
    return graphs(
        TRAIN=mode(ops, TRAIN_OUT),
        EVAL=mode(ops, {"loss": "loss:0", "metrics": {}}),
        PREDICT=mode(predict_ops(), {"predictions": {"y": "dense/MatMul:0"}, "export_outputs": {}}),
    )


def test_the_same_graphs_are_graph_equivalent() -> None:
    found = checks(same_everywhere(), same_everywhere())
    assert {c.verdict for c in found} == {"graph-equivalent"}
    assert found[0].what == "graph (8 ops)" and found[0].detail == "identical"


def test_control_inputs_are_a_set_data_inputs_a_sequence() -> None:
    """TensorFlow may list an op's control inputs in another order on each build of the same
    graph (TF Privacy's vectorized gradients): that is no difference; swapped data inputs are."""
    waits = [*BASE, op("group", "NoOp", ("^loss", "^metric"))]
    swapped = [*BASE, op("group", "NoOp", ("^metric", "^loss"))]
    found = checks(graphs(TRAIN=mode(waits, TRAIN_OUT)), graphs(TRAIN=mode(swapped, TRAIN_OUT)))
    assert set(verdicts(found, "TRAIN")) == {"graph-equivalent"}
    data = [*BASE[:4], op("dense/MatMul", "MatMul", ("dense/kernel", "features_0")), *BASE[5:]]
    found = checks(graphs(TRAIN=mode(BASE, TRAIN_OUT)), graphs(TRAIN=mode(data, TRAIN_OUT)))
    assert "mismatch" in verdicts(found, "TRAIN")


def test_ops_removed_in_eval_and_predict_are_allowed_in_order() -> None:
    original = same_everywhere()
    rewrite = same_everywhere()
    rewrite["modes"]["EVAL"] = mode(
        [o for o in BASE if o[0] != "train"], {"loss": "loss:0", "metrics": {}}
    )
    found = checks(original, rewrite)
    (graph,) = [c for c in found if c.mode == "EVAL" and c.what.startswith("graph")]
    assert graph.verdict == "graph-equivalent" and graph.what == "graph (7 of 8 ops)"
    assert graph.detail == "the original's ops in order, less 1"


@pytest.mark.parametrize(
    ("change", "detail"),
    [
        (
            lambda ops: (
                ops[:7]
                + [op("train", "ApplyGradientDescent", ("dense/kernel", "loss"), rate="0.2")]
            ),
            "op 'train' (ApplyGradientDescent) differs in rate",
        ),
        (
            lambda ops: (
                ops[:4] + [op("dense/MatMul", "MatMul", ("labels_0", "dense/kernel"))] + ops[5:]
            ),
            "op 'dense/MatMul' (MatMul) takes labels_0, dense/kernel in the rewrite, "
            "features_0, dense/kernel in the original",
        ),
        (lambda ops: ops + [op("extra", "Add")], "op 'extra' (Add) is not in the original's graph"),
        (
            lambda ops: [
                ops[1],
                ops[0],
                op("dense/kernel/Initializer/random_uniform", "RandomUniform", seed2="8"),
                *ops[3:],
            ],
            "op 'features_0' comes after 'labels_0' in the rewrite, before it in the original",
        ),
    ],
)
def test_a_changed_new_or_moved_op_is_a_mismatch(change: Any, detail: str) -> None:
    rewrite = same_everywhere()
    rewrite["modes"]["TRAIN"]["ops"] = change(BASE)
    found = checks(same_everywhere(), rewrite)
    first = next(c for c in found if c.verdict == "mismatch")
    assert (first.mode, first.detail) == ("TRAIN", detail)


def test_the_same_ops_in_another_order_prove_nothing_either_way() -> None:
    """TensorFlow 1.x builds the gradients of a loop in an order that can change with the
    process (a real original and its rewrite, the same ops but two ``Identity`` ops swapped): the
    order alone is no mismatch, and no proof either."""
    rewrite = same_everywhere()
    rewrite["modes"]["TRAIN"]["ops"] = [BASE[1], BASE[0], *BASE[2:]]
    found = checks(same_everywhere(), rewrite)
    (graph,) = [c for c in found if c.mode == "TRAIN" and c.what.startswith("graph")]
    assert graph.verdict == "error"
    assert graph.detail.startswith(
        "op 'features_0' comes after 'labels_0' in the rewrite, before it in the original; "
        "the rewrite builds the same ops"
    )
    assert worst([c.verdict for c in found]) == "error"


def test_names_whose_counter_shifts_when_an_op_before_is_removed_are_the_same_op() -> None:
    """The rewrite drops EVAL's train step, whose ``Equal`` came first: the metric's equality,
    ``Equal_1`` in the original, is ``Equal`` in the rewrite (and what reads it follows)."""
    step = [op("Equal", "Equal", ("loss", "labels_0")), op("train", "NoOp", ("^Equal",))]
    metric = [
        op("Equal_1", "Equal", ("dense/MatMul", "labels_0")),
        op("acc_1/Mean", "Mean", ("Equal_1",)),
    ]
    original = BASE[:6] + step + metric
    renamed = BASE[:6] + [
        op("Equal", "Equal", ("dense/MatMul", "labels_0")),
        op("acc/Mean", "Mean", ("Equal",)),
    ]
    out = {"loss": "loss:0", "metrics": {"acc": ["acc_1/Mean:0"]}}
    rewrite_out = {"loss": "loss:0", "metrics": {"acc": ["acc/Mean:0"]}}
    found = checks(graphs(EVAL=mode(original, out)), graphs(EVAL=mode(renamed, rewrite_out)))
    assert [c.verdict for c in found if c.mode == "EVAL"] == ["graph-equivalent"] * 2
    # the same names in another order of ops, or an input that is another op, still differ
    swapped = BASE[:6] + [
        op("Equal", "Equal", ("dense/MatMul", "labels_0")),
        op("acc/Mean", "Mean", ("dense/MatMul",)),
    ]
    found = checks(graphs(EVAL=mode(original, out)), graphs(EVAL=mode(swapped, rewrite_out)))
    (graph,) = [c for c in found if c.mode == "EVAL" and c.what.startswith("graph")]
    assert graph.verdict == "mismatch"
    assert graph.detail == "op 'acc/Mean' (Mean) is not in the original's graph"


def test_ops_colocated_with_an_op_whose_counter_shifted_are_the_same_op() -> None:
    """A ``tf.cond`` (a learning-rate schedule) colocates its ``Switch`` with its input by name
    (``_class``: ``loc:@Const_1``); the rewrite drops PREDICT's loss, whose constant came first,
    so the input is ``Const`` there: the same op. Colocated with another op, it differs."""
    head = BASE[:5]
    loss = [op("Const", "Const", value="a"), op("loss", "Loss", ("dense/MatMul", "Const"))]
    schedule = [
        op("Const_1", "Const", value="b"),
        op("cond/Switch", "Switch", ("Const_1", "dense/MatMul"), _class="loc:@Const_1"),
    ]
    shifted = [
        op("Const", "Const", value="b"),
        op("cond/Switch", "Switch", ("Const", "dense/MatMul"), _class="loc:@Const"),
    ]
    out = {"predictions": {"y": "cond/Switch:0"}}
    original = graphs(PREDICT=mode(head + loss + schedule, out))
    found = checks(original, graphs(PREDICT=mode(head + shifted, out)))
    assert verdicts(found, "PREDICT") == ["graph-equivalent"] * 2
    elsewhere = [shifted[0], op(*shifted[1][:3], _class="loc:@dense/MatMul")]
    found = checks(original, graphs(PREDICT=mode(head + elsewhere, out)))
    (graph,) = [c for c in found if c.mode == "PREDICT" and c.what.startswith("graph")]
    assert graph.verdict == "mismatch"
    assert graph.detail == "op 'cond/Switch' (Switch) differs in _class"


def test_a_variable_renamed_by_its_counter_is_a_mismatch() -> None:
    """A checkpoint knows a variable by its name: ``dense_1/kernel`` is not ``dense/kernel``."""
    renamed = [
        *BASE[:3],
        op("dense_1/kernel", "VariableV2", shape="4x3"),
        op("dense/MatMul", "MatMul", ("features_0", "dense_1/kernel")),
        *BASE[5:],
    ]
    found = checks(
        graphs(EVAL=mode(BASE, {"loss": "loss:0"})),
        graphs(EVAL=mode(renamed, {"loss": "loss:0"})),
    )
    (graph,) = [c for c in found if c.mode == "EVAL" and c.what.startswith("graph")]
    assert graph.detail == "op 'dense_1/kernel' (VariableV2) is not in the original's graph"


def test_initializer_seeds_may_differ_where_variables_are_restored_only() -> None:
    reseeded = [
        op("dense/kernel/Initializer/random_uniform", "RandomUniform", seed2="9")
        if o[0].startswith("dense/kernel/Init")
        else o
        for o in BASE
    ]
    rewrite = same_everywhere(reseeded)
    found = checks(same_everywhere(), rewrite)
    assert verdicts(found, "TRAIN")[0] == "mismatch"  # TRAIN initializes from them
    assert set(verdicts(found, "EVAL")) == set(verdicts(found, "PREDICT")) == {"graph-equivalent"}


def test_a_removed_op_that_feeds_an_output_shows_as_a_different_output() -> None:
    rewrite = same_everywhere()
    rewrite["modes"]["EVAL"] = mode(BASE, {"loss": "metric:0", "metrics": {}})
    found = checks(same_everywhere(), rewrite)
    outputs = next(c for c in found if c.mode == "EVAL" and c.what.startswith("spec outputs"))
    assert outputs.verdict == "mismatch"
    assert outputs.detail == "loss is 'metric:0' in the rewrite, 'loss:0' in the original"


def test_tf_print_and_the_identity_waiting_on_it_are_left_out() -> None:
    printed = BASE[:6] + [
        op("StringFormat", "StringFormat", ("loss",)),
        op("PrintV2", "PrintV2", ("StringFormat",)),
        op("Identity", "Identity", ("loss", "^PrintV2")),
        op("metric", "Mean", ("dense/MatMul",)),
        op("train", "ApplyGradientDescent", ("dense/kernel", "Identity"), rate="0.1"),
    ]
    rewrite = same_everywhere()
    rewrite["modes"]["TRAIN"] = mode(printed, {"loss": "Identity:0", "train_op": "train"})
    found = checks(same_everywhere(), rewrite)
    assert set(verdicts(found, "TRAIN")) == {"graph-equivalent"}, found


def test_predict_against_the_original_built_with_placeholder_labels() -> None:
    error = "ValueError: labels must not be None"
    original = same_everywhere()
    original["modes"]["PREDICT"] = mode(
        BASE, {"predictions": {"y": "dense/MatMul:0"}, "export_outputs": {}}, without_labels=error
    )
    found = checks(original, same_everywhere())
    predict = [c for c in found if c.mode == "PREDICT"]
    assert [c.what for c in predict][0] == "independent of labels"
    assert {c.verdict for c in predict} == {"graph-equivalent"}
    assert error in predict[1].detail
    dependent = same_everywhere()
    dependent["modes"]["PREDICT"] = mode(
        BASE, {"predictions": {"y": "loss:0"}, "export_outputs": {}}, without_labels=error
    )
    found = checks(dependent, same_everywhere())
    assert next(c for c in found if c.what == "independent of labels").verdict == "mismatch"


def test_failures_to_build() -> None:
    boom = "ValueError: boom"
    original = same_everywhere()
    original["modes"]["EVAL"] = failed(boom)
    rewrite = same_everywhere()
    rewrite["modes"]["EVAL"] = failed(boom)
    assert verdicts(checks(original, rewrite), "EVAL") == ["graph-equivalent"]  # both, alike
    rewrite["modes"]["TRAIN"] = failed(boom)
    assert verdicts(checks(original, rewrite), "TRAIN") == ["mismatch"]  # only the rewrite
    original["modes"]["TRAIN"] = failed(boom)
    assert verdicts(checks(original, rewrite), "TRAIN") == ["error"]  # TRAIN never builds
    rewrite = same_everywhere()
    assert verdicts(checks(original, rewrite), "TRAIN") == ["fixed"]  # only the original
    unchanged = same_everywhere()
    unchanged["modes"]["PREDICT"] = mode(BASE, {"predictions": {}}, without_labels=boom)
    rewrite["modes"]["PREDICT"] = failed(boom)
    assert verdicts(checks(unchanged, rewrite), "PREDICT") == ["graph-equivalent"]


def test_the_fallback_replaces_numbers_that_could_not_run() -> None:
    numbers = (Check("TRAIN", "trains", None, "error", "both versions fail: NotFoundError: x"),)
    built = RunResult(graphs=same_everywhere())
    found, notes = graph_fallback(numbers, built, built)
    assert {c.verdict for c in found} == {"graph-equivalent"}
    assert notes == (
        "the numbers could not run (both versions fail: NotFoundError: x): "
        "the graphs were compared op by op",
    )
    assert graph_fallback(numbers, RunResult(), built) == (numbers, ())
    broken = RunResult(graphs={"error": "the inputs' structure: KeyError: 'x'"})
    assert graph_fallback(numbers, broken, built) == (
        numbers,
        ("the graphs could not be built either: the inputs' structure: KeyError: 'x'",),
    )


def test_graph_equivalent_ranks_below_numbers_and_is_written_only_on_request() -> None:
    assert worst(["equivalent", "graph-equivalent", "fixed"]) == "graph-equivalent"
    assert worst(["graph-equivalent", "error"]) == "error"
    assert ValidationReport("a", "b", "graph-equivalent", "m").return_code == 0
    assert not writable("graph-equivalent") and writable("graph-equivalent", True)
    assert writable("fixed") and not writable("mismatch", True)
