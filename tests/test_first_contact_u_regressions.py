"""Shapes met at the first contact with batch 2026-12-03u, each failing before its fix: a model_fn
whose extra parameters ``functools.partial`` binds, a spec given by an in-file helper into a
name that is returned, and a print that is both a print of a tensor and label code."""

from __future__ import annotations

import textwrap

from estimator_fix.results import FileResult
from tests.mode_findings import codes, processed

PREDICT = "tf.estimator.ModeKeys.PREDICT"
TRAIN = "tf.estimator.ModeKeys.TRAIN"


def run(source: str) -> FileResult:
    return processed(source, prelude="import functools\nimport tensorflow as tf\n")


_PARTIAL = f"""
def _predict(logits):
    return tf.estimator.EstimatorSpec({PREDICT}, predictions={{"p": logits}})


def _train(loss):
    step = tf.compat.v1.train.get_or_create_global_step()
    train_op = tf.compat.v1.train.AdamOptimizer().minimize(loss, global_step=step)
    return tf.estimator.EstimatorSpec({TRAIN}, loss=loss, train_op=train_op)


def _model_fn(features, labels, mode, params, config, width, loss_fn):
    logits = tf.compat.v1.layers.dense(features, width)
    loss = loss_fn(logits, labels)
    if mode == {PREDICT}:
        spec = _predict(logits)
    else:
        spec = _train(loss)
    return spec
"""


def test_a_spec_an_in_file_helper_gives_into_a_returned_name_makes_a_model_fn() -> None:
    # the label loss before the PREDICT test; the else branch lets EVAL build the train op
    assert codes(run(_PARTIAL)) == {"EF101:16", "EF102:20"}


def test_a_model_fn_whose_extra_parameters_partial_binds_is_read() -> None:
    # its spec comes from another module's helper: only the partial says it is a model_fn
    source = """
    from project.specs import make_spec


    def _model_fn(features, labels, mode, params, width, loss_fn):
        logits = tf.compat.v1.layers.dense(features, width)
        loss = loss_fn(logits, labels)
        return make_spec(mode, logits, loss)
    """
    bound = """

    def create_model_fn(width):
        return functools.partial(_model_fn, width=width, loss_fn=tf.compat.v1.losses.huber_loss)
    """
    assert codes(run(source + bound)) == {"EF101:9"}
    assert codes(run(source)) == set()


def test_partial_of_an_input_function_given_the_mode_is_no_model_fn() -> None:
    assert codes(
        run(
            f"""
            def input_fn(mode, batch_size, labels):
                loss = tf.reduce_mean(labels)
                if mode == {PREDICT}:
                    return tf.data.Dataset.from_tensors(loss)
                return tf.data.Dataset.from_tensors(loss).batch(batch_size)

            train_input = functools.partial(input_fn, {TRAIN}, 32)
            """
        )
    ) == set()


def test_a_print_that_is_label_code_too_is_one_finding_saying_both() -> None:
    result = run(
        f"""
        def model_fn(features, labels, mode, params):
            print(labels[0])
            logits = tf.compat.v1.layers.dense(features["x"], 1)
            if mode == {PREDICT}:
                return tf.estimator.EstimatorSpec(mode, predictions={{"p": logits}})
            loss = tf.reduce_mean(tf.square(labels - logits))
            return tf.estimator.EstimatorSpec(mode, loss=loss)
        """
    )
    (finding,) = result.findings
    assert (finding.code, finding.line) == ("EF204", 5)
    assert "EF101" in finding.note and "moves it out of PREDICT" in finding.note


def test_validation_finds_the_model_fns_check_finds_and_says_why_one_cannot_run() -> None:
    import ast

    import pytest

    from estimator_fix.validation.targets import TargetError, find_targets, model_fn_paths

    helper_spec = ast.parse(textwrap.dedent(_PARTIAL))
    assert ("_model_fn",) in model_fn_paths(helper_spec)
    bound = ast.parse(
        textwrap.dedent(
            """
            import functools
            from project.specs import make_spec

            def _model_fn(features, labels, mode, params, network):
                return make_spec(mode, features, labels, network(features))

            def create_model_fn(network):
                return functools.partial(_model_fn, network=network)
            """
        )
    )
    assert ("_model_fn",) in model_fn_paths(bound)
    with pytest.raises(TargetError, match="takes network beyond what an Estimator hands it"):
        find_targets(bound, None, None, {})  # a function: nothing to guess it from
    # a plain value it takes is guessed from its use, as a builder's argument is, and noted
    plain = ast.parse(
        ast.unparse(bound).replace("network(features)", "network").replace("network", "width")
    )
    (target,) = find_targets(plain, None, None, {})
    assert target.built is not None
    assert target.built.expression == "__import__('functools').partial(_model_fn, width=4)"
    assert target.guessed.startswith("model_fn _model_fn takes more than an Estimator hands it")
    # a partial that binds what an Estimator hands makes a helper the caller completes
    helper = ast.parse(
        textwrap.dedent(
            """
            import functools
            from project.specs import make_spec

            def _loss(features, labels, mode, logits):
                return make_spec(mode, features, labels, logits)

            def model_fn(features, labels, mode, params):
                loss_fn = functools.partial(_loss, features, labels, mode)
                return loss_fn(features["x"])
            """
        )
    )
    assert ("_loss",) not in model_fn_paths(helper)
