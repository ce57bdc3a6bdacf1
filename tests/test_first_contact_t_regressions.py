"""Shapes met at the first contact with batch 2026-12-03t, each failing before its fix: a
comprehension that puts a constant in place of missing gradients, a loop of gradient summaries in
a ``with`` block, code after a return, the print of a label-derived value, a logger that is not
TensorFlow's, metric ops built right in the TRAIN spec, label fields regrouped before PREDICT."""

from __future__ import annotations

from estimator_fix.results import Changed, FileResult
from tests.mode_findings import codes, found, processed

PREDICT = "tf.estimator.ModeKeys.PREDICT"
TRAIN = "tf.estimator.ModeKeys.TRAIN"
EVAL = "tf.estimator.ModeKeys.EVAL"


def run(source: str, fix: bool = True) -> FileResult:
    return processed(source, fix=fix)


def fixed_text(result: FileResult) -> str:
    assert isinstance(result, Changed), result
    return result.fixed.decode()


def test_gradients_regrouped_with_a_constant_for_none_are_no_finding_of_their_own() -> None:
    # ``[0 if g is None else g for g in grads]`` builds no op: it goes where the gradients go
    source = f"""
    def model_fn(features, labels, mode, params):
        logits = tf.compat.v1.layers.dense(features["x"], 1)
        if mode == {PREDICT}:
            return tf.estimator.EstimatorSpec(mode, predictions={{"p": logits}})
        loss = tf.reduce_mean(tf.square(labels - logits))
        tvars = tf.compat.v1.trainable_variables()
        grads = tf.gradients(loss, tvars)
        shown = [0 if g is None else g for g in grads]
        with tf.compat.v1.variable_scope("train_op"):
            for g in shown:
                tf.compat.v1.summary.histogram("gradient", g)
        train_op = tf.compat.v1.train.AdamOptimizer().apply_gradients(zip(grads, tvars))
        return tf.estimator.EstimatorSpec(mode, loss=loss, train_op=train_op)
    """
    assert found(source) == {"EF102:9", "EF102:14", "EF105:15"}
    after = fixed_text(run(source))
    # the comprehension and the summaries move into TRAIN with the gradients
    train = after.index(f"if mode == {TRAIN}:")
    assert after.index("shown = [") > train and after.index("summary.histogram") > train


def test_a_comprehension_that_computes_from_what_it_iterates_is_still_work() -> None:
    assert found(
        f"""
        def model_fn(features, labels, mode, params):
            logits = tf.compat.v1.layers.dense(features["x"], 1)
            if mode == {PREDICT}:
                return tf.estimator.EstimatorSpec(mode, predictions={{"p": logits}})
            loss = tf.reduce_mean(tf.square(labels - logits))
            tvars = tf.compat.v1.trainable_variables()
            grads = tf.gradients(loss, tvars)
            clipped = [tf.clip_by_norm(g, 1.0) if g is not None else g for g in grads]
            train_op = tf.compat.v1.train.AdamOptimizer().apply_gradients(zip(clipped, tvars))
            return tf.estimator.EstimatorSpec(mode, loss=loss, train_op=train_op)
        """
    ) == {"EF102:9", "EF102:10", "EF102:11", "EF105:12"}


def test_a_session_after_the_return_runs_in_no_mode() -> None:
    result = run(
        """
        def model_fn(features, labels, mode, params):
            logits = tf.compat.v1.layers.dense(features["x"], 1)
            return tf.estimator.EstimatorSpec(mode, predictions={"p": logits})
            sess = tf.compat.v1.Session()
            print(sess.run(logits))
        """,
        fix=False,
    )
    assert codes(result) == set()
    before_return = run(
        """
        def model_fn(features, labels, mode, params):
            logits = tf.compat.v1.layers.dense(features["x"], 1)
            sess = tf.compat.v1.Session()
            return tf.estimator.EstimatorSpec(mode, predictions={"p": logits})
        """,
        fix=False,
    )
    assert codes(before_return) == {"EF203:5"}


def test_the_print_of_a_label_derived_tensor_is_ef204_and_moves_with_it() -> None:
    source = f"""
    def model_fn(features, labels, mode, params):
        logits = tf.compat.v1.layers.dense(features["x"], 1)
        y = tf.identity(labels["y"])
        print("y", y)
        if mode == {PREDICT}:
            return tf.estimator.EstimatorSpec(mode, predictions={{"p": logits}})
        loss = tf.reduce_mean(tf.square(y - logits))
        return tf.estimator.EstimatorSpec(mode, loss=loss)
    """
    result = run(source)
    assert codes(result) == {"EF101:5", "EF204:6"}
    after = fixed_text(result)
    # PREDICT neither computes y nor shows it: the print went below the PREDICT return
    assert after.index("tf.print(") > after.index(f"if mode == {PREDICT}:")


def test_a_print_that_looks_into_the_labels_is_still_label_work() -> None:
    assert found(
        f"""
        def model_fn(features, labels, mode, params):
            logits = tf.compat.v1.layers.dense(features["x"], 1)
            print("labels", labels.shape)
            if mode == {PREDICT}:
                return tf.estimator.EstimatorSpec(mode, predictions={{"p": logits}})
            loss = tf.reduce_mean(tf.square(labels - logits))
            return tf.estimator.EstimatorSpec(mode, loss=loss)
        """
    ) == {"EF101:5"}


def test_python_loggers_of_a_tensor_are_ef204_without_a_fix() -> None:
    result = run(
        f"""
        import logging
        from project.config import logging as project_logging
        logger = logging.getLogger(__name__)

        def model_fn(features, labels, mode, params):
            logits = tf.compat.v1.layers.dense(features["x"], 1)
            logger.info("logits %s", logits)
            logging.info("logits %s" % logits)
            project_logging.warning("logits: %s", logits)
            logger.info("mode %s", mode)
            tf.compat.v1.logging.info("logits %s", logits)
            if mode == {PREDICT}:
                return tf.estimator.EstimatorSpec(mode, predictions={{"p": logits}})
            loss = tf.reduce_mean(tf.square(labels - logits))
            return tf.estimator.EstimatorSpec(mode, loss=loss)
        """
    )
    by_line = {f.line: f for f in result.findings}
    assert codes(result) == {"EF204:9", "EF204:10", "EF204:11", "EF204:13"}
    assert [by_line[line].fix for line in (9, 10, 11)] == ["none", "none", "none"]
    assert "not this logger" in by_line[9].note
    assert by_line[13].fix == "safe"  # TensorFlow's own logging: tf.print writes to it


def test_metric_ops_built_in_the_train_spec_are_ef103_and_dropped_from_it() -> None:
    source = f"""
    def model_fn(features, labels, mode, params):
        logits = tf.compat.v1.layers.dense(features["x"], 3)
        pred = tf.argmax(logits, 1)
        if mode == {PREDICT}:
            return tf.estimator.EstimatorSpec(mode, predictions={{"p": pred}})
        loss = tf.compat.v1.losses.sparse_softmax_cross_entropy(labels, logits)
        if mode == {EVAL}:
            return tf.estimator.EstimatorSpec(
                mode, loss=loss,
                eval_metric_ops={{"acc": tf.compat.v1.metrics.accuracy(labels, pred)}})
        train_op = tf.compat.v1.train.AdamOptimizer().minimize(loss)
        return tf.estimator.EstimatorSpec(
            mode, loss=loss, train_op=train_op,
            eval_metric_ops={{"acc": tf.compat.v1.metrics.accuracy(labels, pred)}})
    """
    result = run(source)
    assert codes(result) == {"EF103:14"}
    after = fixed_text(result)
    assert after.count("metrics.accuracy") == 1  # EVAL's, which EVAL reads, stays
    assert "mode, loss=loss, train_op=train_op)" in after


def test_metric_ops_in_a_spec_eval_also_reads_are_reported_not_moved() -> None:
    result = run(
        f"""
        def model_fn(features, labels, mode, params):
            logits = tf.compat.v1.layers.dense(features["x"], 3)
            pred = tf.argmax(logits, 1)
            if mode == {PREDICT}:
                return tf.estimator.EstimatorSpec(mode, predictions={{"p": pred}})
            loss = tf.compat.v1.losses.sparse_softmax_cross_entropy(labels, logits)
            train_op = None
            if mode == {TRAIN}:
                train_op = tf.compat.v1.train.AdamOptimizer().minimize(loss)
            return tf.estimator.EstimatorSpec(
                mode, loss=loss, train_op=train_op,
                eval_metric_ops={{"acc": tf.compat.v1.metrics.accuracy(labels, pred)}})
        """
    )
    assert codes(result) == {"EF103:12"}
    (finding,) = result.findings
    assert finding.fix == "none" and "EVAL" not in finding.message
    assert not isinstance(result, Changed)


def test_label_fields_regrouped_before_predict_are_ef101() -> None:
    # regrouping builds no op, but reading fields out of the None labels fails in PREDICT
    assert found(
        f"""
        def model_fn(features, labels, mode, params):
            logits = tf.compat.v1.layers.dense(features["x"], 2)
            labels = [labels["a"], labels["b"]]
            if mode == {PREDICT}:
                return tf.estimator.EstimatorSpec(mode, predictions={{"p": logits}})
            loss = tf.add_n([tf.reduce_mean(y - logits) for y in labels])
            return tf.estimator.EstimatorSpec(mode, loss=loss)
        """
    ) == {"EF101:5"}
    # gathered whole, the None labels fail nowhere: no finding
    assert found(
        f"""
        def model_fn(features, labels, mode, params):
            logits = tf.compat.v1.layers.dense(features["x"], 2)
            labels = [labels]
            if mode == {PREDICT}:
                return tf.estimator.EstimatorSpec(mode, predictions={{"p": logits}})
            loss = tf.add_n([tf.reduce_mean(y - logits) for y in labels])
            return tf.estimator.EstimatorSpec(mode, loss=loss)
        """
    ) == set()
