"""Calls the mode analysis reads by what they mean (each case is our own, written after a shape
met in a held-out batch): a hook class of the file, a method of a local object given the mode, a
check, a canned head's spec, what makes a function a model_fn, labels handed to an imported
helper where PREDICT returns nothing, a mode stored on ``self``, and graph collections."""

from __future__ import annotations

import textwrap

import libcst as cst
import pytest

from codemods.base import apply_codemod
from codemods.modes.codemod import ModeScoping
from tests.mode_findings import found

PREDICT = "tf.estimator.ModeKeys.PREDICT"
TRAIN = "tf.estimator.ModeKeys.TRAIN"
EVAL = "tf.estimator.ModeKeys.EVAL"

CASES = {
    "own_session_run_hook_holds_values": (
        f"""
        class F1Hook(tf.compat.v1.train.SessionRunHook):
            def __init__(self, predictions, labels):
                self.predictions, self.labels = predictions, labels


        def model_fn(features, labels, mode, params):
            logits = tf.compat.v1.layers.dense(features["x"], 2)
            hook = F1Hook(logits, labels)
            if mode == {PREDICT}:
                return tf.estimator.EstimatorSpec(mode, predictions={{"p": logits}})
            return tf.estimator.EstimatorSpec(mode, loss=tf.reduce_mean(logits),
                                              evaluation_hooks=[hook])
        """,
        set(),  # a hook made of values built elsewhere builds no op
    ),
    "summary_saver_hook_builds_a_summary": (
        f"""
        def model_fn(features, labels, mode, params):
            logits = tf.compat.v1.layers.dense(features["x"], 2)
            hook = tf.compat.v1.train.SummarySaverHook(
                save_steps=10, summary_op=tf.compat.v1.summary.merge_all())
            if mode == {PREDICT}:
                return tf.estimator.EstimatorSpec(mode, predictions={{"p": logits}})
            return tf.estimator.EstimatorSpec(mode, loss=tf.reduce_mean(logits),
                                              training_hooks=[hook])
        """,
        {"EF104:5", "EF105:9"},  # merge_all builds a summary op in PREDICT
    ),
    "method_of_a_local_object_given_mode": (
        """
        def model_fn(features, labels, mode, params):
            model = params["model"]
            model.build_graph(features, labels, mode)
            predictions = model.predictions()
            return tf.estimator.EstimatorSpec(mode, predictions=predictions)
        """,
        set(),  # given the mode, it gates itself
    ),
    "a_check_builds_nothing": (
        f"""
        def model_fn(features, labels, mode, params):
            logits = tf.compat.v1.layers.dense(features["x"], 2)
            optimizer = tf.compat.v1.train.AdamOptimizer(0.1)
            check_no_sync_replicas_optimizer(optimizer)
            if mode == {PREDICT}:
                return tf.estimator.EstimatorSpec(mode, predictions={{"p": logits}})
            loss = tf.reduce_mean(labels - logits)
            train_op = optimizer.minimize(loss)
            return tf.estimator.EstimatorSpec(mode, loss=loss, train_op=train_op)
        """,
        {"EF102:5", "EF102:10", "EF105:11"},  # the optimizer and its use, not the check of it
    ),
    "head_spec_makes_a_model_fn": (
        """
        def combined_model_fn(features, labels, mode, head):
            logits = tf.compat.v1.layers.dense(features["x"], 2)
            optimizer = tf.compat.v1.train.AdamOptimizer(0.1)
            return head.create_estimator_spec(
                features=features, mode=mode, labels=labels, logits=logits,
                train_op_fn=lambda loss: optimizer.minimize(loss))
        """,
        {"EF102:5"},  # found by the head's spec it returns
    ),
    "spec_helper_without_features_is_no_model_fn": (
        f"""
        def make_spec(params, mode, labels, logits):
            auc = tf.compat.v1.metrics.auc(labels, logits)
            if mode == {PREDICT}:
                return tf.estimator.EstimatorSpec(mode, predictions={{"p": logits}})
            return tf.estimator.EstimatorSpec(mode, loss=tf.reduce_mean(logits),
                                              eval_metric_ops={{"auc": auc}})
        """,
        set(),  # Estimator refuses a model_fn without ``features``: this is a helper
    ),
    "imported_helper_where_predict_returns_nothing": (
        f"""
        from models import Model


        def model_fn(features, labels, mode, params):
            m = Model(features, labels, mode == {TRAIN})
            metrics = {{"accuracy": m.accuracy}}
            if mode == {EVAL}:
                return tf.estimator.EstimatorSpec(mode, loss=m.loss, eval_metric_ops=metrics)
            assert mode == {TRAIN}
            return tf.estimator.EstimatorSpec(mode, loss=m.loss, train_op=m.train_op)
        """,
        {"EF101:7"},  # not EF106: PREDICT returns no spec, so it needs none of the results
    ),
    "mode_stored_on_self_is_read_as_the_mode": (
        f"""
        class Model:
            def build(self, features, targets, mode=None):
                self.mode = mode
                if not mode:
                    self.mode = {TRAIN}
                y = None
                if self.mode == {TRAIN} or self.mode == {EVAL}:
                    y = tf.reshape(targets["label"], (-1, 1))
                logits = tf.compat.v1.layers.dense(features["x"], 1)
                if mode == {PREDICT}:
                    return tf.estimator.EstimatorSpec(mode, predictions={{"p": logits}})
                return tf.estimator.EstimatorSpec(mode, loss=tf.reduce_mean(y - logits))
        """,
        set(),  # the targets are read only where self.mode, that is the mode, is TRAIN or EVAL
    ),
    "own_method_that_never_reads_the_stored_mode": (
        f"""
        class Model:
            def _train_op_fn(self, loss):
                return tf.compat.v1.train.AdamOptimizer().minimize(loss)

            def build(self, features, labels, mode=None):
                self.mode = mode
                logits = tf.compat.v1.layers.dense(features["x"], 1)
                if mode == {PREDICT}:
                    return tf.estimator.EstimatorSpec(mode, predictions={{"p": logits}})
                loss = tf.reduce_mean(labels - logits)
                train_op = self._train_op_fn(loss)
                return tf.estimator.EstimatorSpec(mode, loss=loss, train_op=train_op)
        """,
        {"EF102:13", "EF105:14"},  # the method builds its train op whatever self.mode is
    ),
    "train_op_stored_on_self_by_the_model_fn": (
        f"""
        class Model:
            def _train_op_fn(self, loss):
                return tf.compat.v1.train.AdamOptimizer().minimize(loss)

            def build(self, features, labels, mode=None):
                self.mode = mode
                logits = tf.compat.v1.layers.dense(features["x"], 1)
                if mode == {PREDICT}:
                    return tf.estimator.EstimatorSpec(mode, predictions={{"p": logits}})
                self.loss = tf.reduce_mean(labels - logits)
                self.train_op = self._train_op_fn(self.loss)
                return tf.estimator.EstimatorSpec(mode, loss=self.loss, train_op=self.train_op)
        """,
        # stored by the model_fn itself in EVAL, not by code gated on the stored mode
        {"EF102:13", "EF105:14"},
    ),
    "gradient_tape_computes_gradients": (
        f"""
        def model_fn(features, labels, mode, params):
            net = tf.keras.layers.Dense(1)
            opt = tf.keras.optimizers.Adam(0.1)
            ckpt = tf.train.Checkpoint(step=tf.compat.v1.train.get_global_step(), optimizer=opt)
            with tf.GradientTape() as tape:
                output = net(features["x"])
                loss = tf.reduce_mean(tf.abs(output - features["y"]))
            gradients = tape.gradient(loss, net.trainable_variables)
            if mode == {PREDICT}:
                return tf.estimator.EstimatorSpec(mode, predictions={{"y": output}})
            train_op = opt.apply_gradients(zip(gradients, net.trainable_variables))
            return tf.estimator.EstimatorSpec(mode, loss=loss, train_op=train_op,
                                              scaffold=tf.compat.v1.train.Scaffold(saver=ckpt))
        """,
        # the tape's gradients are training ops; the checkpoint only tracks the optimizer
        {"EF102:5", "EF102:10", "EF102:13", "EF105:14"},
    ),
    "helper_given_the_mode_uses_labels_before_testing_it": (
        f"""
        def tower(features, labels, mode):
            target = tf.reshape(labels, [-1, 1])
            logits = tf.compat.v1.layers.dense(features["x"], 1)
            loss = None
            if mode != {PREDICT}:
                loss = tf.reduce_mean(target - logits)
            return logits, loss


        def guarded(features, labels, mode):
            logits = tf.compat.v1.layers.dense(features["x"], 1)
            loss = None
            if mode != {PREDICT}:
                loss = tf.reduce_mean(tf.reshape(labels, [-1, 1]) - logits)
            return logits, loss


        class Box:
            def __init__(self, features, labels, mode):
                self.target = labels["prob"]
                self.logits = tf.compat.v1.layers.dense(features["x"], 1)


        def model_fn(features, labels, mode, params):
            logits, loss = tower(features, labels, mode)
            other, _ = guarded(features, labels, mode)
            box = Box(features, labels, mode)
            if mode == {PREDICT}:
                return tf.estimator.EstimatorSpec(mode, predictions={{"y": logits + other}})
            return tf.estimator.EstimatorSpec(mode, loss=loss + box.target)
        """,
        # the mode gates only what the helper does after testing it: tower and Box's
        # __init__ read the labels before any test (None in PREDICT), guarded after one
        {"EF106:27", "EF101:29"},
    ),
    "helper_given_the_mode_computes_gradients_for_an_eval_metric": (
        f"""
        def build(features, labels, mode):
            logits = tf.compat.v1.layers.dense(features["x"], 1)
            loss = tf.reduce_mean(labels - logits) if mode != {PREDICT} else None
            train_op, metrics = None, None
            if mode == {TRAIN}:
                train_op = tf.compat.v1.train.AdamOptimizer().minimize(loss)
            if mode == {EVAL}:
                grads = tf.gradients(loss, tf.compat.v1.trainable_variables())
                metrics = {{"g": tf.compat.v1.metrics.mean(tf.linalg.global_norm(grads))}}
            return logits, loss, train_op, metrics


        def model_fn(features, labels, mode, params):
            logits, loss, train_op, metrics = build(features, labels, mode)
            if mode == {PREDICT}:
                return tf.estimator.EstimatorSpec(mode, predictions={{"y": logits}})
            if mode == {EVAL}:
                return tf.estimator.EstimatorSpec(mode, loss=loss, eval_metric_ops=metrics)
            return tf.estimator.EstimatorSpec(mode, loss=loss, train_op=train_op)
        """,
        set(),  # the gradients are built where the helper's own test of the mode says EVAL
    ),
    "helper_given_the_mode_splits_its_labels_first": (
        f"""
        def towers(features, labels, mode):
            parts = {{k: tf.split(v, 2) for k, v in labels.items()}}
            logits = tf.compat.v1.layers.dense(features["x"], 1)
            return logits, parts


        def model_fn(features, labels, mode, params):
            logits, parts = towers(features, labels, mode)
            if mode == {PREDICT}:
                return tf.estimator.EstimatorSpec(mode, predictions={{"y": logits}})
            return tf.estimator.EstimatorSpec(mode, loss=tf.reduce_mean(parts["y"][0]))
        """,
        {"EF106:10"},  # the comprehension starts from labels.items(): None has no items
    ),
    "model_fn_returning_the_specs_of_its_helpers": (
        f"""
        def prediction_spec(logits):
            return tf.estimator.EstimatorSpec({PREDICT}, predictions={{"y": logits}})


        def training_spec(loss):
            train_op = tf.compat.v1.train.AdamOptimizer().minimize(loss)
            return tf.estimator.EstimatorSpec({TRAIN}, loss=loss, train_op=train_op)


        def model_fn(features, labels, mode, params):
            logits = tf.compat.v1.layers.dense(features["x"], 1)
            loss = tf.reduce_mean(labels - logits)
            if mode == {PREDICT}:
                return prediction_spec(logits)
            return training_spec(loss)
        """,
        # a model_fn although no spec is built in it (never passed to Estimator); EVAL returns
        # what training_spec builds: an optimizer (reported, a return is never moved)
        {"EF101:14", "EF102:17"},
    ),
    "mode_constants_imported_by_name": (
        """
        from settings import PREDICT, TRAIN


        def model_fn(features, labels, mode, params):
            logits = tf.compat.v1.layers.dense(features["x"], 2)
            if mode == PREDICT:
                return tf.estimator.EstimatorSpec(mode, predictions={"p": logits})
            loss = tf.reduce_mean(labels - logits)
            if mode in (TRAIN,):
                train_op = tf.compat.v1.train.AdamOptimizer().minimize(loss)
                return tf.estimator.EstimatorSpec(mode, loss=loss, train_op=train_op)
            return tf.estimator.EstimatorSpec(mode, loss=loss)
        """,
        set(),  # PREDICT and TRAIN name the modes they hold, wherever they come from
    ),
    "sizes_taken_from_the_labels_shape": (
        f"""
        def model_fn(features, labels, mode, params):
            x = tf.compat.v1.layers.dense(features["x"], 4)
            batch_size, steps = [
                s or d for s, d in zip(labels.shape.as_list(), tf.unstack(tf.shape(labels)))
            ]
            state = tf.zeros([batch_size, steps])
            y = x + tf.reduce_sum(state)
            if mode == {PREDICT}:
                return tf.estimator.EstimatorSpec(mode, predictions={{"y": y}})
            loss = tf.reduce_mean(labels - y)
            return tf.estimator.EstimatorSpec(mode, loss=loss)
        """,
        # the statement reading the labels' shape fails in PREDICT (reported once); what only
        # uses the sizes it gives computes nothing from the labels' values
        {"EF101:5"},
    ),
    "lambda_parameter_named_labels": (
        f"""
        def model_fn(features, labels, mode, params):
            x = tf.compat.v1.layers.dense(features["x"], 4)
            embed = lambda labels: tf.one_hot(labels, 4)
            ids = tf.argmax(x, -1)
            codes = [embed(i) for i in [ids]]
            named = {{labels: c for labels, c in enumerate(codes)}}
            if mode == {PREDICT}:
                return tf.estimator.EstimatorSpec(mode, predictions={{"c": named[0]}})
            loss = tf.reduce_mean(tf.cast(labels, tf.float32) - x)
            return tf.estimator.EstimatorSpec(mode, loss=loss)
        """,
        set(),  # the lambda's and the comprehension's own ``labels`` are not the model_fn's
    ),
    "results_of_a_helper_reading_labels_only_when_training": (
        f"""
        def build(features, labels, is_training):
            out = {{}}
            x = tf.compat.v1.layers.dense(features["x"], 2)
            out["x"] = x
            if is_training:
                out["loss"] = tf.reduce_mean(labels["y"] - x)
            return out


        def model_fn(features, labels, mode, params):
            outputs = build(features, labels, mode == {TRAIN})
            probs = tf.nn.softmax(outputs["x"])
            if mode == {PREDICT}:
                return tf.estimator.EstimatorSpec(mode, predictions={{"p": probs}})
            loss = outputs["loss"] if mode == {TRAIN} else tf.constant(0.0)
            return tf.estimator.EstimatorSpec(mode, loss=loss)
        """,
        # outside TRAIN the helper computes nothing from the labels: what it returns there is
        # no label value (one that tests them against None still hands back None results)
        set(),
    ),
    "labels_rebound_then_tested": (
        f"""
        def model_fn(features, labels, mode, params):
            logits = tf.compat.v1.layers.dense(features["x"], 2)
            predictions = {{"p": logits}}
            if mode == {PREDICT} or mode == {EVAL}:
                if params["truth"] and "labels" in features:
                    labels = features["labels"]
                if labels and params["truth"]:
                    predictions.update(labels)
                if labels is not None:
                    predictions["y"] = tf.identity(labels["y"])
                if mode == {PREDICT}:
                    return tf.estimator.EstimatorSpec(mode, predictions=predictions)
            loss = tf.reduce_mean(labels["y"] - logits)
            return tf.estimator.EstimatorSpec(mode, loss=loss)
        """,
        # in PREDICT labels are None or taken from features; where a test rules None out
        # they are the features' value, and testing None itself fails nothing
        set(),
    ),
    "labels_tested_but_never_rebound": (
        f"""
        def model_fn(features, labels, mode, params):
            logits = tf.compat.v1.layers.dense(features["x"], 2)
            if params["truth"]:
                logits = logits * 2.0
            y = labels["y"] if params["truth"] else logits
            if mode == {PREDICT}:
                return tf.estimator.EstimatorSpec(mode, predictions={{"y": y}})
            return tf.estimator.EstimatorSpec(mode, loss=tf.reduce_mean(y))
        """,
        {"EF101:7"},
    ),
    "spec_class_of_a_module_bound_by_a_version_test": (
        f"""
        if tf.__version__ < "1.14":
            tpu_lib = tf.contrib.tpu
        else:
            tpu_lib = tf.estimator.tpu


        def model_fn(features, labels, mode, params):
            logits = tf.compat.v1.layers.dense(features["x"], 2)
            loss = tf.reduce_mean(labels - logits)
            if mode == {PREDICT}:
                return tpu_lib.TPUEstimatorSpec(mode, predictions={{"p": logits}})
            return tpu_lib.TPUEstimatorSpec(mode, loss=loss, train_op=tf.no_op())
        """,
        # a model_fn by the spec it returns, spelled alike wherever its module comes from (the
        # tf.no_op() it hands EVAL as a train_op builds nothing there: no EF105)
        {"EF101:11"},
    ),
    "builder_of_a_module_named_for_optimizers": (
        f"""
        from builders import optimizer_builder


        def model_fn(features, labels, mode, params):
            logits = tf.compat.v1.layers.dense(features["x"], 2)
            if mode == {PREDICT}:
                return tf.estimator.EstimatorSpec(mode, predictions={{"p": logits}})
            loss = tf.reduce_mean(labels - logits)
            optimizer, optimizer_vars = optimizer_builder.build(params["optimizer"])
            metrics = {{v.op.name: (v, tf.no_op()) for v in optimizer_vars}}
            if mode == {TRAIN}:
                train_op = optimizer.minimize(loss)
                return tf.estimator.EstimatorSpec(mode, loss=loss, train_op=train_op)
            return tf.estimator.EstimatorSpec(mode, loss=loss, eval_metric_ops=metrics)
        """,
        # the builder gives the optimizer (EVAL builds it too); the variables it also gives,
        # read by EVAL's metrics, are no training op
        {"EF102:11"},
    ),
    "opaque_loss_read_only_by_fields_predict_ignores": (
        f"""
        def model_fn(features, labels, mode, params):
            loss_fn = params["loss_fn"]
            logits = tf.compat.v1.layers.dense(features["x"], 2)
            loss = loss_fn(logits, labels)
            if isinstance(loss, list):
                loss = tf.add_n(loss)
            train_op = None
            if mode == {TRAIN}:
                train_op = tf.compat.v1.train.AdamOptimizer().minimize(loss)
            if params["use_tpu"]:
                return tf.compat.v1.estimator.tpu.TPUEstimatorSpec(
                    mode, loss=loss, train_op=train_op)
            else:
                return tf.estimator.EstimatorSpec(
                    mode, loss=loss, train_op=train_op)
        """,
        # PREDICT gets the loss only in a field it ignores (EF105): the call handed labels is
        # label code (EF101), not a helper whose results PREDICT needs (EF106), and so is what
        # computes from its result there (line 8; the test of its type on line 7 computes
        # nothing)
        {"EF101:6", "EF101:8", "EF105:13", "EF105:16"},
    ),
    "opaque_loss_read_where_predict_uses_the_helper": (
        f"""
        def model_fn(features, labels, mode, params):
            head = params["head"]
            logits, loss = head(features["x"], labels)
            loss = tf.reduce_mean(loss)
            if mode == {PREDICT}:
                return tf.estimator.EstimatorSpec(mode, predictions={{"p": logits}})
            train_op = None
            if mode == {TRAIN}:
                train_op = tf.compat.v1.train.AdamOptimizer().minimize(loss)
            return tf.estimator.EstimatorSpec(mode, loss=loss, train_op=train_op)
        """,
        # PREDICT returns what the helper handed labels gives: EF106 at its call; the reader
        # of its other result (line 6), whose value PREDICT does not use, is label code PREDICT
        # runs for nothing (EF101), as it is where PREDICT uses none of the helper's results
        {"EF106:5", "EF101:6"},
    ),
    "opaque_loss_read_where_predict_does_not_use_the_helper": (
        f"""
        def model_fn(features, labels, mode, params):
            loss_fn = params["loss_fn"]
            logits = tf.compat.v1.layers.dense(features["x"], 2)
            loss = loss_fn(logits, labels)
            loss = tf.reduce_mean(loss)
            scaled = loss * 2.0
            if mode == {PREDICT}:
                return tf.estimator.EstimatorSpec(mode, predictions={{"p": logits}})
            train_op = None
            if mode == {TRAIN}:
                train_op = tf.compat.v1.train.AdamOptimizer().minimize(scaled)
            return tf.estimator.EstimatorSpec(mode, loss=scaled, train_op=train_op)
        """,
        # nothing PREDICT returns comes from the helper: its call and each statement computing
        # from its result are label code run in PREDICT
        {"EF101:6", "EF101:7", "EF101:8"},
    ),
    "own_method_testing_labels_against_none": (
        f"""
        class Regressor:
            def set_loss(self, logits, labels):
                self.predictions = tf.squeeze(logits)
                if labels is not None:
                    self.loss = tf.nn.l2_loss(labels - self.predictions)

            def model_fn(self, features, labels, mode, params):
                logits = tf.compat.v1.layers.dense(features["x"], 1)
                self.set_loss(logits, labels)
                if mode == {PREDICT}:
                    return tf.estimator.EstimatorSpec(mode, predictions=self.predictions)
                return tf.estimator.EstimatorSpec(mode, loss=self.loss)
        """,
        # a method of the model_fn's own class that tests the labels against None expects
        # PREDICT's None, as a helper function of the module does
        set(),
    ),
    "metric_from_a_method_of_an_object_given_in_params": (
        f"""
        def model_fn(features, labels, mode, params):
            logits = tf.compat.v1.layers.dense(features["x"], 2)
            if mode == {PREDICT}:
                return tf.estimator.EstimatorSpec(mode, predictions={{"p": logits}})
            loss = tf.reduce_mean(tf.square(labels - logits))
            correlation = params["benchmark"].correlation(logits)
            metrics = {{"correlation": correlation}}
            if mode == {EVAL}:
                return tf.estimator.EstimatorSpec(mode, loss=loss, eval_metric_ops=metrics)
            train_op = tf.compat.v1.train.AdamOptimizer().minimize(loss)
            return tf.estimator.EstimatorSpec(mode, loss=loss, train_op=train_op)
        """,
        # what the model_fn gathers into the metric ops it hands EVAL's spec is metric ops,
        # whatever builds it (a method of an object it is given): built in TRAIN, which does
        # not use it
        {"EF103:8"},
    ),
    "a_prediction_shown_among_the_metric_ops": (
        f"""
        from nets import segmenter


        def model_fn(features, labels, mode, params):
            predict = segmenter(features["images"])
            if mode == {PREDICT}:
                return tf.estimator.EstimatorSpec(mode, predictions={{"p": predict}})
            loss = tf.reduce_mean(tf.abs(labels - predict))
            metrics = {{"predict": predict, "acc": tf.compat.v1.metrics.accuracy(labels, predict)}}
            if mode == {EVAL}:
                return tf.estimator.EstimatorSpec(mode, loss=loss, eval_metric_ops=metrics)
            train_op = tf.compat.v1.train.AdamOptimizer().minimize(loss)
            return tf.estimator.EstimatorSpec(mode, loss=loss, train_op=train_op)
        """,
        # the predictions, read by PREDICT's spec and the loss too, are not metric ops for
        # being shown among them; the accuracy built in TRAIN is
        {"EF103:11"},
    ),
    "gradient_norm_penalty_in_the_loss_eval_reports": (
        f"""
        def model_fn(features, labels, mode, params):
            logits = tf.compat.v1.layers.dense(features["x"], 1)
            if mode == {PREDICT}:
                return tf.estimator.EstimatorSpec(mode, predictions={{"p": logits}})
            loss = tf.reduce_mean(tf.square(labels - logits))
            if params["gradient_penalty"]:
                gradients = tf.gradients(loss, tf.compat.v1.trainable_variables())
                norms = [tf.norm(g) for g in gradients if g is not None]
                loss += 0.1 * tf.reduce_mean(norms)
            train_op = None
            if mode == {TRAIN}:
                train_op = tf.compat.v1.train.AdamOptimizer().minimize(loss)
            return tf.estimator.EstimatorSpec(mode, loss=loss, train_op=train_op)
        """,
        # EVAL builds the gradients (EF102, once); the norms and the loss computed from them
        # are what EVAL reports, not training ops of their own
        {"EF102:9"},
    ),
    "labels_shown_by_a_helper_named_for_printing": (
        """
        from utils import losses, print_obj


        def model_fn(features, labels, mode, params):
            print_obj("model_fn", "labels", labels)
            losses.add_loss(labels)
            logits = tf.compat.v1.layers.dense(features["x"], 2)
            return tf.estimator.EstimatorSpec(mode, predictions={"p": logits})
        """,
        # a helper named for printing shows PREDICT's None as print does; one called for its
        # effect on the labels is label code
        {"EF101:8"},
    ),
    "helper_told_in_so_many_words_not_to_train": (
        f"""
        from bert import core


        def model_fn(features, labels, mode, params):
            if mode == {PREDICT}:
                predictions, train_op, loss = core(features["ids"], labels, train_mode=False)
                return tf.estimator.EstimatorSpec(mode, predictions={{"p": predictions}})
            predictions, train_op, loss = core(features["ids"], labels, train_mode=True)
            return tf.estimator.EstimatorSpec(mode, loss=loss, train_op=train_op)
        """,
        # a result called train_op is no training op where the helper is told it does not
        # train (train_mode=False); told it does, EVAL builds one. In PREDICT the helper is
        # handed the labels (None there) and PREDICT returns its predictions: EF106
        {"EF106:8", "EF102:10", "EF105:11"},
    ),
    "helper_gating_with_a_flag_it_computes_from_the_mode": (
        f"""
        def build(features, labels, mode):
            is_predict = mode == {PREDICT}
            logits = tf.compat.v1.layers.dense(features["x"], 2)
            if not is_predict:
                loss = tf.compat.v1.losses.softmax_cross_entropy(labels, logits)
            if is_predict:
                return None, logits
            return loss, logits


        def model_fn(features, labels, mode, params):
            loss, logits = build(features, labels, mode)
            if mode == {PREDICT}:
                return tf.estimator.EstimatorSpec(mode, predictions={{"l": logits}})
            return tf.estimator.EstimatorSpec(mode, loss=loss)
        """,
        # the helper's own flag, computed from the mode it is given, keeps PREDICT from the
        # labels as a test of the mode itself would
        set(),
    ),
    "helper_given_the_mode_and_values_computed_from_labels": (
        f"""
        def sampled(mode, logits, labels):
            if mode == {TRAIN}:
                return tf.reduce_mean(logits)
            return tf.compat.v1.losses.softmax_cross_entropy(tf.one_hot(labels, 4), logits)


        def model_fn(features, labels, mode, params):
            logits = tf.compat.v1.layers.dense(features["x"], 4)
            labels = tf.reshape(labels, [-1])
            loss = sampled(mode=mode, logits=logits, labels=labels)
            return tf.estimator.EstimatorSpec(mode, loss=loss, predictions={{"l": logits}})
        """,
        # reshaped labels exist only where the labels do; the helper's else (EVAL and PREDICT)
        # one-hots them: the call is label code in PREDICT, like the reshape
        {"EF101:11", "EF101:12", "EF105:13"},
    ),
    "an_optimizer_wrapped_by_a_tensorflow_function": (
        """
        from tensorflow.contrib.estimator import clip_gradients_by_norm


        def model_fn(features, labels, mode, params):
            logits = tf.compat.v1.layers.dense(features["x"], 2)
            optimizer = tf.compat.v1.train.AdamOptimizer(0.1)
            optimizer = clip_gradients_by_norm(optimizer, 5.0)
            return params["head"].create_estimator_spec(
                features=features, mode=mode, logits=logits, labels=labels, optimizer=optimizer
            )
        """,
        # clip_gradients_by_norm returns a new optimizer: built in PREDICT like the one it wraps
        # (the head, given the mode, uses it only in TRAIN)
        {"EF102:8", "EF102:9"},
    ),
    "label_helpers_in_the_branches_of_a_setting": (
        f"""
        from losses import center_loss, hard_loss


        def model_fn(features, labels, mode, params):
            embeddings = tf.compat.v1.layers.dense(features["x"], 8)
            if params["strategy"] == "center":
                loss, distance = center_loss(embeddings, labels)
            elif params["strategy"] == "hard":
                loss = hard_loss(embeddings, labels)
            else:
                raise ValueError(params["strategy"])
            nearest = tf.argmin(distance, axis=1)
            if mode == {PREDICT}:
                return tf.estimator.EstimatorSpec(mode, predictions={{"n": nearest}})
            return tf.estimator.EstimatorSpec(mode, loss=loss)
        """,
        # PREDICT returns what the first branch's helper gives (EF106 there); the other
        # branch's helper gives only a loss PREDICT does not use: label code (EF101)
        {"EF106:9", "EF101:11"},
    ),
    "a_print_that_looks_into_the_labels": (
        """
        def model_fn(features, labels, mode, params):
            print("labels", labels)
            print("labels: %s" % labels)
            print("shapes", features["x"].shape, labels.shape)
            logits = tf.compat.v1.layers.dense(features["x"], 2)
            return tf.estimator.EstimatorSpec(mode, predictions={"p": logits})
        """,
        # printing or formatting None labels cannot fail; reading their shape does
        {"EF101:6"},
    ),
    "labels_pretty_printed": (
        """
        from pprint import pprint as pp


        def model_fn(features, labels, mode, params):
            pp(["labels", labels])
            logits = tf.compat.v1.layers.dense(features["x"], 2)
            return tf.estimator.EstimatorSpec(mode, predictions={"p": logits})
        """,
        set(),  # a print of the labels, as ``print`` is: EF204's, not label code
    ),
    "mode_constants_read_from_a_module": (
        """
        from common import utils


        def model_fn(features, labels, mode, params):
            logits = tf.compat.v1.layers.dense(features["x"], 2)
            if mode == utils.INFER:
                return tf.estimator.EstimatorSpec(mode, predictions={"p": logits})
            loss = tf.reduce_mean(labels - logits)
            if mode == utils.TRAIN:
                train_op = tf.compat.v1.train.AdamOptimizer().minimize(loss)
                return tf.estimator.EstimatorSpec(mode, loss=loss, train_op=train_op)
            return tf.estimator.EstimatorSpec(mode, loss=loss)
        """,
        set(),  # the repository's module holds the mode constants (``INFER = ModeKeys.PREDICT``)
    ),
    "settled_values_build_nothing": (
        f"""
        from mlperf import sum_metric
        from estimator.canned import optimizers

        ACC = "accuracy"


        def model_fn(features, labels, mode, params):
            logits = tf.compat.v1.layers.dense(features["x"], 2)
            optimizer = optimizers.get_optimizer_instance("Adagrad", learning_rate=0.1)
            count = sum_metric(tensor=tf.shape(logits)[0], name="count")
            if mode == {PREDICT}:
                return tf.estimator.EstimatorSpec(mode, predictions={{"p": logits}})
            loss = tf.reduce_mean(labels - logits)
            accuracy = tf.compat.v1.metrics.accuracy(labels, tf.argmax(logits, 1))
            metrics = {{ACC: accuracy, "count": count}}
            hook = tf.estimator.LoggingTensorHook({{"loss": loss}},
                                                  every_n_iter=params.get("every", 100))
            if mode == {EVAL}:
                return tf.estimator.EstimatorSpec(mode, loss=loss, eval_metric_ops=metrics)
            train_op = optimizer.minimize(loss)
            return tf.estimator.EstimatorSpec(mode, loss=loss, train_op=train_op,
                                              training_hooks=[hook])
        """,
        # the optimizer a function named for it gives, and the metric sum_metric builds, in
        # the wrong modes; the metric dict (a constant key) and the hook (a setting read from
        # params) only gather: no finding of their own
        {"EF102:11", "EF103:12", "EF103:16"},
    ),
    "losses_collection_carries_what_is_put_in_it": (
        f"""
        def model_fn(features, labels, mode, params):
            logits = tf.compat.v1.layers.dense(features["x"], 2)
            tf.compat.v1.add_to_collection("losses", tf.reduce_mean(labels - logits))
            losses = tf.compat.v1.get_collection("losses")
            total_loss = tf.add_n(tf.compat.v1.get_collection("losses"))
            averaged = tf.reduce_mean(losses)
            if mode == {PREDICT}:
                return tf.estimator.EstimatorSpec(mode, predictions={{"p": logits}})
            return tf.estimator.EstimatorSpec(mode, loss=total_loss + averaged)
        """,
        # putting a label loss in it computes from labels; looking it up computes nothing;
        # adding up, or averaging, what it holds computes from the labels put there
        {"EF101:5", "EF101:7", "EF101:8"},
    ),
    "an_opaque_helper_gives_the_train_op_it_is_named_for": (
        f"""
        from utils import model_utils, host_calls


        def model_fn(features, labels, mode, params):
            logits = tf.compat.v1.layers.dense(features["x"], 2)
            if mode == {PREDICT}:
                return tf.estimator.EstimatorSpec(mode, predictions={{"p": logits}})
            loss = tf.reduce_mean(labels - logits)
            train_op, learning_rate, _ = model_utils.get_train_op(params, loss)
            host_call = host_calls.scalars({{"lr": learning_rate}})
            return tf.estimator.EstimatorSpec(mode, loss=loss, train_op=train_op)
        """,
        # EVAL builds the training machinery (11) and gets the train_op (13); the learning
        # rate it also gives is a value, and what is built from it no training op
        {"EF102:11", "EF105:13"},
    ),
    "gradients_stored_per_variable_and_the_optimizers_hook": (
        """
        def model_fn(features, labels, mode, params):
            loss = tf.reduce_mean(tf.compat.v1.layers.dense(features["x"], 1))
            pairs = zip(tf.gradients(loss, tf.compat.v1.trainable_variables()),
                        tf.compat.v1.trainable_variables())
            by_var = {}
            for grad, var in pairs:
                by_var.setdefault(var, []).append(grad)
            averaged = []
            for var, grads in by_var.items():
                mean = tf.add_n(grads) / len(grads)
                averaged.append((mean, var))
            optimizer = tf.compat.v1.train.SyncReplicasOptimizer(
                tf.compat.v1.train.AdamOptimizer(), replicas_to_aggregate=2)
            sync_hook = optimizer.make_session_run_hook(params["is_chief"])
            train_op = optimizer.apply_gradients(averaged)
            return tf.estimator.EstimatorSpec(mode, loss=loss, train_op=train_op,
                                              training_hooks=[sync_hook])
        """,
        # gradients stored per variable (d.setdefault(k, []).append(g)) are still gradients
        # when averaged (12); the hook the optimizer makes is a Python object (16)
        {"EF102:5", "EF102:12", "EF102:14", "EF102:17", "EF105:18"},
    ),
    "registering_a_built_value_builds_nothing": (
        f"""
        def model_fn(features, labels, mode, params):
            logits = tf.compat.v1.layers.dense(features["x"], 2)
            mean = tf.reduce_mean(labels - logits)
            tf.compat.v1.add_to_collection("losses", mean)
            tf.compat.v1.losses.add_loss(mean)
            total = tf.add_n(tf.compat.v1.get_collection("losses"))
            if mode == {PREDICT}:
                return tf.estimator.EstimatorSpec(mode, predictions={{"p": logits}})
            return tf.estimator.EstimatorSpec(mode, loss=total)
        """,
        # the label loss and the total read back are label code; putting the name in the
        # collection builds no op: no finding of its own (it moves with the loss)
        {"EF101:5", "EF101:8"},
    ),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_findings(name: str) -> None:
    source, expected = CASES[name]
    assert found(source) == expected


def test_a_registration_moves_with_its_value() -> None:
    source, _ = CASES["registering_a_built_value_builds_nothing"]
    module = cst.parse_module("import tensorflow as tf\n" + textwrap.dedent(source))
    fixed, _ = apply_codemod(ModeScoping, module)
    lines = fixed.code.splitlines()
    predict_ends = next(
        i for i, line in enumerate(lines)
        if "if mode != " in line or "EstimatorSpec(mode, predictions=" in line
    )
    label_loss = next(i for i, line in enumerate(lines) if "labels - logits" in line)
    assert label_loss > predict_ends, fixed.code
    for call in ("add_to_collection(", "add_loss("):  # no longer run in PREDICT either
        assert next(i for i, line in enumerate(lines) if call in line) > predict_ends
