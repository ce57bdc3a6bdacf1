"""Review 22: defects found in the day's analysis and validation changes, each shown first."""

from __future__ import annotations

from tests.test_graph_compare import checks, graphs, mode, op


def test_a_forward_input_is_judged_by_the_op_it_turns_out_to_be() -> None:
    # A TF 1.x while loop lists its Merge before the NextIteration it reads (a back edge). In
    # the rewrite, the loop's NextIteration reads ``add`` of q, which is the original's
    # ``add_1`` (its ``add`` of p was removed), so that NextIteration is the original's
    # NextIteration_1, not the NextIteration the original's Merge reads: the loop runs on q
    # instead of p. Judged by its name before that was known, the Merge passed as unchanged
    # and the whole graph as graph-equivalent.
    head = [
        op("p", "Placeholder"),
        op("q", "Placeholder"),
        op("while/Enter", "Enter", ("p",), frame_name="while/while_context"),
        op("while/Merge", "Merge", ("while/Enter", "while/NextIteration")),
    ]
    original = head + [
        op("while/add", "Add", ("while/Merge", "p")),
        op("while/NextIteration", "NextIteration", ("while/add",)),
        op("while/add_1", "Add", ("while/Merge", "q")),
        op("while/NextIteration_1", "NextIteration", ("while/add_1",)),
    ]
    wrong = head + [
        op("while/add", "Add", ("while/Merge", "q")),
        op("while/NextIteration", "NextIteration", ("while/add",)),
    ]
    out = {"predictions": {"y": "while/Merge:0"}}
    found = checks(graphs(PREDICT=mode(original, out)), graphs(PREDICT=mode(wrong, out)))
    (graph,) = [c for c in found if c.mode == "PREDICT" and c.what.startswith("graph (")]
    assert graph.verdict == "mismatch"
    assert "while/Merge" in graph.detail
    # the same loop with its ops unchanged is still the same graph
    right = head + original[4:6]
    found = checks(graphs(PREDICT=mode(original, out)), graphs(PREDICT=mode(right, out)))
    assert {c.verdict for c in found if c.mode == "PREDICT"} == {"graph-equivalent"}


def _counted(k: int) -> str:
    return f"x_{k}" if k else "x"


def test_control_inputs_are_compared_as_a_set_once_renamed() -> None:
    # The rewrite drops the first of eleven updates (x, x_1, ..., x_10); the ten a group waits
    # for are x .. x_9 in the rewrite. Control inputs are sorted by name, and by name x_10
    # sorts before x_2: renamed to the original's names, the rewrite's sorted x .. x_9 come
    # in another order than the original's sorted x_1 .. x_10, and a correct rewrite was a
    # mismatch.
    original = [op("p", "Placeholder")] + [
        op(_counted(k), "AssignAdd", ("p",), v=str(k)) for k in range(11)
    ]
    original.append(op("group", "NoOp", tuple(f"^{_counted(k)}" for k in range(1, 11))))
    rewrite = [op("p", "Placeholder")] + [
        op(_counted(k), "AssignAdd", ("p",), v=str(k + 1)) for k in range(10)
    ]
    rewrite.append(op("group", "NoOp", tuple(f"^{_counted(k)}" for k in range(10))))
    out = {"loss": "p:0", "metrics": {"u": ["group"]}}
    found = checks(graphs(EVAL=mode(original, out)), graphs(EVAL=mode(rewrite, out)))
    assert {c.verdict for c in found if c.mode == "EVAL"} == {"graph-equivalent"}
