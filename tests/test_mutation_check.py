"""The wrong variants the mutation check makes of a rewrite (benchmarks/real_world/mutations.py):
each kind changes what TRAIN computes, parses, and leaves the rest of the file as it was."""

from __future__ import annotations

import ast
import difflib
import textwrap
from pathlib import Path

import pytest

from tests.scripts import load_script

ROOT = Path(__file__).resolve().parent.parent


mutations = load_script(ROOT / "benchmarks" / "real_world" / "mutations.py", "real_world_mutations")

REWRITE = textwrap.dedent(
    """\
    import tensorflow as tf


    def model_fn(features, labels, mode, params):
        net = tf.compat.v1.layers.dense(features["x"], 16)
        net = tf.nn.dropout(net, rate=0.25)
        logits = tf.compat.v1.layers.dense(net, units=3, name="logits")
        if mode == tf.estimator.ModeKeys.PREDICT:
            return tf.estimator.EstimatorSpec(mode, predictions={"y": logits})
        loss = tf.compat.v1.losses.sparse_softmax_cross_entropy(labels, logits)
        if mode == tf.estimator.ModeKeys.TRAIN:
            optimizer = tf.compat.v1.train.AdamOptimizer(0.01)
            train_op = optimizer.minimize(loss)
            return tf.estimator.EstimatorSpec(mode, loss=loss, train_op=train_op)
        return tf.estimator.EstimatorSpec(mode, loss=loss)
    """
)


def changed(kind: str, source: str = REWRITE) -> tuple[str, list[str]]:
    tree = ast.parse(source)
    function = next(n for n in tree.body if isinstance(n, ast.FunctionDef))
    mutant = mutations.mutants(source, function)[kind]
    assert mutant is not None and mutant.kind == kind
    diff = [
        line
        for line in difflib.unified_diff(source.splitlines(), mutant.source.splitlines(), n=0)
        if line[:1] in "+-" and not line.startswith(("+++", "---"))
    ]
    return mutant.what, diff


def test_drop_removes_a_statement_feeding_the_loss_silently_first() -> None:
    what, diff = changed("drop")
    assert diff == ["-    net = tf.nn.dropout(net, rate=0.25)", "+    pass"]
    assert what == "line 6: dropped `net = tf.nn.dropout(net, rate=0.25)`"


def test_a_contrib_learn_model_fn_ops_is_read_as_a_spec() -> None:
    source = REWRITE.replace("tf.estimator.EstimatorSpec", "model_fn_lib.ModelFnOps")
    assert "EstimatorSpec" not in source
    what, _ = changed("drop", source)
    assert what == "line 6: dropped `net = tf.nn.dropout(net, rate=0.25)`"


def test_drop_skips_a_layer_when_nothing_rebinds() -> None:
    source = REWRITE.replace("net = tf.nn.dropout(net", "dropped = tf.nn.dropout(net").replace(
        "dense(net, units", "dense(dropped, units"
    )
    _, diff = changed("drop", source)
    assert diff == ["-    dropped = tf.nn.dropout(net, rate=0.25)", "+    dropped = net"]


def test_constant_changes_a_float_first() -> None:
    what, diff = changed("constant")
    assert diff == [
        "-    net = tf.nn.dropout(net, rate=0.25)",
        "+    net = tf.nn.dropout(net, rate=0.5)",
    ]
    assert what == "line 6: 0.25 → 0.5"


def test_constant_then_an_int_given_as_a_keyword() -> None:
    source = REWRITE.replace("rate=0.25", "rate=rate").replace("AdamOptimizer(0.01)", "Adam(lr)")
    _, diff = changed("constant", source)
    assert diff == [
        '-    logits = tf.compat.v1.layers.dense(net, units=3, name="logits")',
        '+    logits = tf.compat.v1.layers.dense(net, units=4, name="logits")',
    ]


def test_a_renaming_identity_and_a_tiny_epsilon_are_passed_over() -> None:
    """``net = tf.identity(net, name=...)`` computes nothing new and a doubled 1e-10 next to
    values near 1 is lost in float32: neither makes a wrong rewrite (both came back
    `equivalent` on a real VAE)."""
    source = REWRITE.replace(
        "    net = tf.nn.dropout(net, rate=0.25)\n",
        "    net = tf.identity(net, name=\"hidden\")\n    net = tf.math.log(net + 1e-10) * 0.25\n",
    )
    _, dropped = changed("drop", source)
    assert dropped == ["-    net = tf.math.log(net + 1e-10) * 0.25", "+    pass"]
    what, _ = changed("constant", source)
    assert what == "line 7: 0.25 → 0.5"


def test_a_regularizer_s_constant_is_changed_only_where_the_loss_reads_what_it_adds() -> None:
    """``dense(..., kernel_regularizer=l2_regularizer(0.001))`` adds to a collection the loss
    reads only through ``get_regularization_loss()`` (and the like): without that read, doubling
    its constant changes nothing the model computes (came back `equivalent` on a real RNN)."""
    source = REWRITE.replace(
        'units=3, name="logits")', 'units=3, kernel_regularizer=l2_regularizer(0.001))'
    ).replace("rate=0.25", "rate=rate")
    what, _ = changed("constant", source)
    assert what == "line 12: 0.01 → 0.02"
    read = source.replace(
        "(labels, logits)\n",
        "(labels, logits)\n    loss += tf.compat.v1.losses.get_regularization_loss()\n",
    )
    what, _ = changed("constant", read)
    assert what == "line 7: 0.001 → 0.002"


def test_move_takes_a_statement_out_of_train() -> None:
    what, diff = changed("move")
    assert diff == [
        "-        optimizer = tf.compat.v1.train.AdamOptimizer(0.01)",
        "+        pass",
        "+    optimizer = tf.compat.v1.train.AdamOptimizer(0.01)",
    ]
    assert what.startswith("line 12: `optimizer = ") and what.endswith("moved out of TRAIN")


def test_move_out_of_a_train_block_that_ends_the_file_without_a_newline() -> None:
    source = REWRITE.replace(
        "        return tf.estimator.EstimatorSpec(mode, loss=loss, train_op=train_op)\n"
        "    return tf.estimator.EstimatorSpec(mode, loss=loss)\n",
        "        return tf.estimator.EstimatorSpec(mode, loss=loss, train_op=train_op)",
    )
    assert not source.endswith("\n")
    _, diff = changed("move", source)  # (changed() parses the variant: it must parse)
    assert diff[-1] == "+    optimizer = tf.compat.v1.train.AdamOptimizer(0.01)"


def test_a_cast_to_itself_and_a_summary_in_train_are_passed_over() -> None:
    """``features = tf.cast(features, dtype)`` (or ``tf.to_float(labels)``) is the same value
    for float32 inputs, ``x = tf.Print(x, ...)`` is ``x``, ``f = f or default`` for an ``f``
    given, and a summary moved out of TRAIN
    changes no loss or train_op: none makes a wrong rewrite (each came back `equivalent` /
    `fixed` on real files)."""
    source = REWRITE.replace(
        "    net = tf.nn.dropout(net, rate=0.25)\n",
        "    net = tf.cast(net, tf.float32)\n    net = tf.compat.v1.to_float(net)\n"
        "    net = tf.compat.v1.Print(net, [net], message=\"net\")\n"
        "    params = params or {\"rate\": 0.25}\n"
        "    net = tf.nn.dropout(net, rate=params[\"rate\"])\n",
    ).replace(
        "        optimizer = tf.compat.v1.train.AdamOptimizer(0.01)\n",
        "        tf.compat.v1.summary.scalar(\"loss\", loss)\n"
        "        optimizer = tf.compat.v1.train.AdamOptimizer(0.01)\n",
    )
    assert "tf.cast" in source and "params or" in source and "summary.scalar" in source
    assert "Print(net" in source
    _, dropped = changed("drop", source)
    assert dropped == ['-    net = tf.nn.dropout(net, rate=params["rate"])', "+    pass"]
    what, _ = changed("move", source)
    assert what.startswith("line 17: `optimizer = ")


def test_a_spec_given_its_fields_by_position_is_read_too() -> None:
    """``EstimatorSpec(mode, predictions, loss, train_op)``: the optimizer feeds the train_op."""
    source = REWRITE.replace(
        "return tf.estimator.EstimatorSpec(mode, loss=loss, train_op=train_op)",
        "return tf.estimator.EstimatorSpec(mode, None, loss, train_op)",
    )
    assert "None, loss, train_op" in source
    what, _ = changed("move", source)
    assert what.startswith("line 12: `optimizer = ")


def test_kinds_with_nothing_to_change_are_none() -> None:
    source = textwrap.dedent(
        """\
        def model_fn(features, labels, mode):
            return tf.estimator.EstimatorSpec(mode, loss=features)
        """
    )
    tree = ast.parse(source)
    made = mutations.mutants(source, tree.body[0])
    assert made == {"drop": None, "constant": None, "move": None}


def test_statements_train_does_not_run_are_left_alone() -> None:
    source = textwrap.dedent(
        """\
        def model_fn(features, labels, mode):
            if mode == tf.estimator.ModeKeys.PREDICT:
                loss = None
            else:
                loss = tf.reduce_mean(features * 2.5)
            return tf.estimator.EstimatorSpec(mode, loss=loss)
        """
    )
    what, _ = changed("constant", source)
    assert what == "line 5: 2.5 → 5.0"


def test_a_notebook_is_checked_as_the_module_of_its_code_cells() -> None:
    check = load_script(ROOT / "benchmarks" / "real_world" / "mutation_check.py", "mutation_check")
    demo = ROOT / "fixtures" / "demo_repo"
    found = {
        path: (original, fixed)
        for path, original, fixed in check.rewritten_files(demo, ["notebooks/*", "trainer/m*"])
    }
    assert sorted(found) == ["notebooks/price_bands_ipynb.py", "trainer/model.py"]
    original, fixed = found["notebooks/price_bands_ipynb.py"]
    assert b"def model_fn(" in original and b'"cell_type"' not in original
    assert original != fixed and b'"cell_type"' not in fixed


def test_a_model_fn_returning_model_fn_ops_under_another_name_is_varied(tmp_path: Path) -> None:
    """The script reads the files the tool reads: a tf.contrib.learn model function named
    otherwise, whose text says neither "Estimator" nor "model_fn", is still one it varies."""
    check = load_script(ROOT / "benchmarks" / "real_world" / "mutation_check.py", "mutation_check")
    (tmp_path / "simple.py").write_text(
        textwrap.dedent(
            """\
            import tensorflow as tf


            def simple_fn(features, targets, mode):
                logits = tf.compat.v1.layers.dense(features, 10)
                loss = tf.compat.v1.losses.softmax_cross_entropy(targets, logits)
                train_op = tf.compat.v1.train.AdamOptimizer(0.1).minimize(loss)
                return tf.contrib.learn.ModelFnOps(
                    mode=mode, predictions=logits, loss=loss, train_op=train_op)
            """
        )
    )
    assert [path for path, _, _ in check.rewritten_files(tmp_path)] == ["simple.py"]


def test_a_loss_summed_from_a_collection_is_fed_by_what_is_added_to_it() -> None:
    source = REWRITE.replace(
        "    loss = tf.compat.v1.losses.sparse_softmax_cross_entropy(labels, logits)\n",
        "    mean = tf.reduce_mean(logits * 0.5)\n"
        "    tf.compat.v1.add_to_collection(\"losses\", mean)\n"
        "    loss = tf.add_n(tf.compat.v1.get_collection(\"losses\"))\n",
    )
    assert "get_collection" in source
    tree = ast.parse(source)
    function = next(n for n in tree.body if isinstance(n, ast.FunctionDef))
    fed = [ast.unparse(s) for s in mutations.feeding(function, ("loss",))]
    assert fed[-3:] == [
        "mean = tf.reduce_mean(logits * 0.5)",
        "tf.compat.v1.add_to_collection('losses', mean)",
        "loss = tf.add_n(tf.compat.v1.get_collection('losses'))",
    ]


SKIPPED_BRANCH = textwrap.dedent(
    """\
    import numpy as np
    import tensorflow as tf

    EXTRA = False


    def model_fn(features, labels, mode):
        logits = tf.compat.v1.layers.dense(features["x"], 1)
        if EXTRA:
            logits = logits * 2.0
        if mode == tf.estimator.ModeKeys.PREDICT:
            return tf.estimator.EstimatorSpec(mode, predictions={"y": logits})
        loss = tf.reduce_mean(tf.square(labels - logits))
        if mode == tf.estimator.ModeKeys.TRAIN:
            step = tf.compat.v1.train.get_or_create_global_step()
            train_op = tf.compat.v1.train.GradientDescentOptimizer(0.1).minimize(loss, step)
            return tf.estimator.EstimatorSpec(mode, loss=loss, train_op=train_op)
        return tf.estimator.EstimatorSpec(mode, loss=loss)


    def input_fn():
        x = np.arange(24, dtype=np.float32).reshape(8, 3) / 24.0
        y = np.ones((8, 1), np.float32)
        return tf.data.Dataset.from_tensor_slices(({"x": x}, y)).batch(4)
    """
)


@pytest.mark.tf
def test_a_variant_of_a_branch_the_settings_skip_changes_nothing_that_runs(tmp_path: Path) -> None:
    """A wrong variant not caught is inert where it builds the rewrite's very graphs (its
    change sits in a branch no mode runs); one that changes the loss is not."""
    check = load_script(ROOT / "benchmarks" / "real_world" / "mutation_check.py", "mutation_check")
    path = tmp_path / "model.py"
    path.write_text(SKIPPED_BRANCH, encoding="utf-8")
    fixed = SKIPPED_BRANCH.encode("utf-8")
    inert = SKIPPED_BRANCH.replace("logits = logits * 2.0", "pass").encode("utf-8")
    live = SKIPPED_BRANCH.replace("tf.square(labels", "tf.abs(labels").encode("utf-8")
    assert inert != fixed and live != fixed
    options = check.ValidationOptions()
    assert check.changes_nothing(path, fixed, inert, options)
    assert not check.changes_nothing(path, fixed, live, options)
    assert path.read_bytes() == fixed  # the original is back in place
