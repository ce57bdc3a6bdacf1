"""Shapes of real model_fns the mode analysis reads by what the code means (each case is our
own, written after a shape met in a held-out batch): values unpacked from a tuple, an ``if``
whose every branch returns, empty spec fields, ``dict(...)`` of metrics, a helper known by what
its result is called elsewhere, optimizer classes outside ``tf.train``, storing into an object,
helpers trusted in PREDICT-only code, and session hooks made of values built elsewhere.
"""

from __future__ import annotations

import libcst as cst
import pytest
from libcst.metadata import MetadataWrapper, QualifiedNameProvider

from codemods.modes.view import python_sequences
from tests.mode_findings import found

PREDICT = "tf.estimator.ModeKeys.PREDICT"
TRAIN = "tf.estimator.ModeKeys.TRAIN"
EVAL = "tf.estimator.ModeKeys.EVAL"


def _seq2seq(decoder: str) -> str:
    """A model_fn that hands labels to an in-file class's ``build(is_training, features,
    target)``, whose ``decoder`` lines (indented for the method's body) bind
    ``decoder_input`` from the target."""
    return f"""
        class Seq2Seq:
            def build(self, is_training, features, target):{decoder}
                return tf.compat.v1.layers.dense(features["x"], 3), decoder_input


        def model_fn(features, labels, mode, params):
            is_training = mode == {TRAIN}
            model = Seq2Seq()
            logits, _ = model.build(is_training, features, labels)
            if mode == {PREDICT}:
                return tf.estimator.EstimatorSpec(mode, predictions={{"l": logits}})
            loss = tf.reduce_mean(labels - logits)
            return tf.estimator.EstimatorSpec(mode, loss=loss)
        """


CASES = {
    "none_fields_set_by_tuple_unpacking": (
        f"""
        def model_fn(features, labels, mode, params):
            loss, train_op = None, None
            metrics, hooks = None, None
            logits = tf.compat.v1.layers.dense(features["x"], 3)
            predictions = None
            if mode != {PREDICT}:
                loss = tf.reduce_mean(labels - logits)
            if mode == {TRAIN}:
                train_op = tf.compat.v1.train.AdamOptimizer().minimize(loss)
            if mode == {EVAL}:
                metrics = {{"mse": tf.compat.v1.metrics.mean(loss)}}
            if mode == {PREDICT}:
                predictions = {{"logits": logits}}
            return tf.estimator.EstimatorSpec(mode, predictions=predictions, loss=loss,
                train_op=train_op, eval_metric_ops=metrics, training_hooks=hooks)
        """,
        set(),
    ),
    "every_branch_returns": (
        f"""
        def model_fn(features, labels, mode, params):
            if params["deep"]:
                logits = tf.compat.v1.layers.dense(features["x"], 3)
                if mode == {PREDICT}:
                    return tf.estimator.EstimatorSpec(mode, predictions={{"l": logits}})
                loss = tf.reduce_mean(labels - logits)
                if mode == {EVAL}:
                    return tf.estimator.EstimatorSpec(mode, loss=loss)
            else:
                logits = tf.compat.v1.layers.dense(features["x"], 1)
                if mode == {PREDICT}:
                    return tf.estimator.EstimatorSpec(mode, predictions={{"l": logits}})
                loss = tf.reduce_mean(labels - logits)
                if mode == {EVAL}:
                    return tf.estimator.EstimatorSpec(mode, loss=loss)
            train_op = tf.compat.v1.train.AdamOptimizer().minimize(loss)
            return tf.estimator.EstimatorSpec(mode, loss=loss, train_op=train_op)
        """,
        set(),
    ),
    "an_else_less_if_lets_modes_through": (
        f"""
        def model_fn(features, labels, mode, params):
            logits = tf.compat.v1.layers.dense(features["x"], 3)
            if params["early"]:
                if mode == {PREDICT}:
                    return tf.estimator.EstimatorSpec(mode, predictions={{"l": logits}})
            loss = tf.reduce_mean(labels - logits)
            return tf.estimator.EstimatorSpec(mode, predictions={{"l": logits}}, loss=loss)
        """,
        {"EF101:8", "EF105:9"},  # PREDICT gets past the if when params["early"] is false
    ),
    "empty_metric_dict_in_predict": (
        f"""
        def model_fn(features, labels, mode, params):
            metrics = {{}}
            train_op = None
            loss = tf.constant(0.0)
            logits = tf.compat.v1.layers.dense(features["x"], 3)
            if mode == {EVAL}:
                loss = tf.reduce_mean(labels - logits)
                metrics = {{"mse": tf.compat.v1.metrics.mean(loss)}}
            if mode == {TRAIN}:
                loss = tf.reduce_mean(labels - logits)
                train_op = tf.compat.v1.train.AdamOptimizer().minimize(loss)
            return tf.estimator.EstimatorSpec(mode, predictions={{"l": logits}}, loss=loss,
                train_op=train_op, eval_metric_ops=metrics)
        """,
        set(),
    ),
    "dict_call_of_metrics": (
        f"""
        def model_fn(features, labels, mode, params):
            logits = tf.compat.v1.layers.dense(features["x"], 3)
            if mode == {PREDICT}:
                return tf.estimator.EstimatorSpec(mode, predictions={{"l": logits}})
            loss = tf.reduce_mean(labels - logits)
            metrics = dict(mse=tf.compat.v1.metrics.mean(loss))
            if mode == {EVAL}:
                return tf.estimator.EstimatorSpec(mode, loss=loss, eval_metric_ops=metrics)
            train_op = tf.compat.v1.train.AdamOptimizer().minimize(loss)
            return tf.estimator.EstimatorSpec(mode, loss=loss, train_op=train_op)
        """,
        {"EF103:8"},  # built in TRAIN, where nothing reads it
    ),
    "helper_known_by_its_result": (
        f"""
        def model_fn(features, labels, mode, params):
            logits = tf.compat.v1.layers.dense(features["x"], 3)
            if mode == {TRAIN}:
                loss, train_op = training.fit(logits, labels)
                return tf.estimator.EstimatorSpec(mode, loss=loss, train_op=train_op)
            if mode == {EVAL}:
                loss, _ = training.fit(logits, labels)
                loss = tf.identity(loss)
                return tf.estimator.EstimatorSpec(mode, loss=loss)
            return tf.estimator.EstimatorSpec(mode, predictions={{"l": logits}})
        """,
        {"EF102:9"},  # EVAL builds the train op and drops it; the loss itself is no train op
    ),
    "optimizer_classes_by_module": (
        f"""
        def model_fn(features, labels, mode, params):
            logits = tf.compat.v1.layers.dense(features["x"], 3)
            if mode == {PREDICT}:
                return tf.estimator.EstimatorSpec(mode, predictions={{"l": logits}})
            schedule = tf.keras.optimizers.schedules.ExponentialDecay(0.1, 100, 0.9)
            optimizer = tfa.optimizers.LazyAdam(schedule)
            wrapped = tf.keras.mixed_precision.LossScaleOptimizer(optimizer)
            plain = tf.keras.optimizers.Adam(0.1)
            loss = tf.reduce_mean(labels - logits)
            return tf.estimator.EstimatorSpec(mode, loss=loss)
        """,
        {"EF102:8", "EF102:9", "EF102:10"},  # not the learning-rate schedule (7)
    ),
    "storing_into_an_optimizer": (
        f"""
        def model_fn(features, labels, mode, params):
            logits = tf.compat.v1.layers.dense(features["x"], 3)
            if mode == {PREDICT}:
                return tf.estimator.EstimatorSpec(mode, predictions={{"l": logits}})
            optimizer = tf.compat.v1.train.AdamOptimizer(0.1)
            optimizer.iterations = tf.compat.v1.train.get_or_create_global_step()
            loss = tf.reduce_mean(labels - logits)
            return tf.estimator.EstimatorSpec(mode, loss=loss)
        """,
        {"EF102:7"},  # the optimizer; setting its step builds nothing
    ),
    "helper_handed_labels_in_predict_only_code": (
        f"""
        def model_fn(features, labels, mode, params):
            net = Network(params)
            inputs = [features, labels]
            if mode == {PREDICT}:
                outputs = net(inputs, False)
                return tf.estimator.EstimatorSpec(mode, predictions={{"p": outputs}})
            outputs = net(inputs, True)
            return tf.estimator.EstimatorSpec(mode, loss=tf.reduce_mean(outputs))
        """,
        # code only PREDICT runs hands the labels (None there: Estimator.predict never gives
        # any) to a helper told only a training flag, and PREDICT returns what it gives: EF106
        {"EF106:7"},
    ),
    "labels_rebound_in_predict_only_code": (
        f"""
        def model_fn(features, labels, mode, params):
            if mode == {PREDICT}:
                labels = features["label_ids"]
                outputs = encode(features["x"], labels, False)
                return tf.estimator.EstimatorSpec(mode, predictions={{"p": outputs}})
            outputs = encode(features["x"], labels, True)
            return tf.estimator.EstimatorSpec(mode, loss=tf.reduce_mean(outputs))
        """,
        # what PREDICT hands the helper is taken from the features: no labels reach it
        set(),
    ),
    "a_mode_of_the_projects_own_modekeys": (
        """
        from .utils import ModeKeys


        def model_fn(features, labels, mode, params):
            logits = tf.compat.v1.layers.dense(features["x"], 2)
            if mode in [ModeKeys.PREDICT, ModeKeys.ATTACK]:
                return tf.estimator.EstimatorSpec(mode, predictions={"l": logits})
            loss = tf.compat.v1.losses.sparse_softmax_cross_entropy(labels, logits)
            tf.compat.v1.summary.scalar("loss", loss)
            return tf.estimator.EstimatorSpec(mode, loss=loss)
        """,
        # ATTACK is none of the modes an Estimator passes: PREDICT returns at the test, and
        # TRAIN and EVAL go on
        set(),
    ),
    "a_predict_return_in_a_scope_whose_header_calls_a_helper": (
        f"""
        def model_fn(features, labels, mode, params):
            with tf.compat.v1.variable_scope("net", initializer=get_init(params)):
                logits = tf.compat.v1.layers.dense(features["x"], 2)
                if mode == {PREDICT}:
                    return tf.estimator.EstimatorSpec(mode, predictions={{"l": logits}})
                loss = tf.compat.v1.losses.sparse_softmax_cross_entropy(labels, logits)
            tf.compat.v1.summary.scalar("loss", loss)
            return tf.estimator.EstimatorSpec(mode, loss=loss)
        """,
        # the block is judged whole (its header calls a helper) but its body runs once:
        # PREDICT ends in it, so the summary after it is no PREDICT code
        set(),
    ),
    "a_try_around_the_body_whose_handler_ends_the_model_fn": (
        f"""
        def model_fn(features, labels, mode, params):
            try:
                logits = tf.compat.v1.layers.dense(features["x"], 2)
                if mode == {PREDICT}:
                    return tf.estimator.EstimatorSpec(mode, predictions={{"l": logits}})
                loss = tf.compat.v1.losses.sparse_softmax_cross_entropy(labels, logits)
                accuracy = tf.compat.v1.metrics.accuracy(labels, tf.argmax(logits, 1))
                tf.compat.v1.summary.scalar("accuracy", accuracy[1])
                return tf.estimator.EstimatorSpec(
                    mode, loss=loss, eval_metric_ops={{"accuracy": accuracy}}
                )
            except Exception as error:
                print(error)
        """,
        # the body runs as it would without the try (the handler only ends the model_fn on an
        # error): PREDICT returns in it, and TRAIN's summary uses the metric
        set(),
    ),
    "a_sum_of_metric_values_goes_with_the_metrics": (
        f"""
        def model_fn(features, labels, mode, params):
            preds = tf.compat.v1.layers.dense(features["x"], 1)
            if mode == {PREDICT}:
                return tf.estimator.EstimatorSpec(mode, predictions={{"p": preds}})
            loss = tf.reduce_mean(tf.square(labels - preds))
            metrics = {{}}
            total = 0.0
            for i in range(2):
                metrics["mse_%d" % i] = tf.compat.v1.metrics.mean_squared_error(labels, preds)
                total = total + metrics["mse_%d" % i][0]
            metrics["total"] = (total, tf.no_op())
            if mode == {EVAL}:
                return tf.estimator.EstimatorSpec(mode, loss=loss, eval_metric_ops=metrics)
            train_op = tf.compat.v1.train.AdamOptimizer().minimize(loss)
            return tf.estimator.EstimatorSpec(mode, loss=loss, train_op=train_op)
        """,
        # TRAIN builds the metric ops for nothing (EF103 where they are built); the sum of
        # their values builds no metric op of its own and goes where they go
        {"EF103:11"},
    ),
    "labels_rebound_in_every_branch": (
        """
        def model_fn(features, labels, mode, params):
            del labels
            logits = tf.compat.v1.layers.dense(features["x"], 8)
            if params["use_tpu"]:
                labels = tf.argmax(tf.eye(8), 0)
            else:
                labels = tf.range(8)
            loss = tf.compat.v1.losses.sparse_softmax_cross_entropy(labels, logits)
            return tf.estimator.EstimatorSpec(mode, predictions={"l": logits}, loss=loss)
        """,
        set(),  # no label: both branches rebind it from the graph, not from labels
    ),
    "in_file_method_reads_labels_only_when_training": (
        _seq2seq(
            """
                if is_training:
                    decoder_input = tf.cast(target, tf.float32)
                else:
                    decoder_input = None"""
        ),
        set(),
    ),
    "in_file_method_reads_labels_always": (
        _seq2seq(
            """
                decoder_input = tf.cast(target, tf.float32)"""
        ),
        # Its results mix the logits PREDICT returns with a value cast from labels: PREDICT
        # cannot have the one without splitting the method (as BERT's create_model).
        {"EF106:12"},
    ),
    "storing_into_a_dict_by_method": (
        f"""
        def model_fn(features, labels, mode, params):
            inputs = {{"images": features["x"], "labels": labels}}
            inputs.update(features)
            logits = model(inputs, mode)
            if mode == {TRAIN}:
                train_op = tf.compat.v1.train.AdamOptimizer().minimize(logits)
                train_op = [train_op]
                train_op.extend(tf.compat.v1.get_collection("update_ops"))
                return tf.estimator.EstimatorSpec(mode, loss=logits, train_op=tf.group(*train_op))
            return tf.estimator.EstimatorSpec(mode, predictions={{"l": logits}}, loss=logits)
        """,
        set(),  # model is given mode; update() and extend() build nothing of their own
    ),
    "appending_a_name_only_gathers": (
        f"""
        def model_fn(features, labels, mode, params):
            logits = tf.compat.v1.layers.dense(features["x"], 3)
            losses = []
            loss = tf.reduce_mean(labels - logits)
            losses.append(loss)
            if mode == {PREDICT}:
                return tf.estimator.EstimatorSpec(mode, predictions={{"l": logits}})
            return tf.estimator.EstimatorSpec(mode, loss=tf.add_n(losses))
        """,
        {"EF101:6"},  # the loss; the append moves with it
    ),
    "spec_built_into_a_name_then_returned_as_estimator_spec": (
        """
        def model_fn(features, labels, mode, params):
            logits = tf.compat.v1.layers.dense(features["x"], 3)
            loss = tf.reduce_mean(labels - logits)
            spec = tf.compat.v1.estimator.tpu.TPUEstimatorSpec(
                mode=mode, predictions={"l": logits}, loss=loss)
            if params["use_tpu"]:
                return spec
            return spec.as_estimator_spec()
        """,
        {"EF101:5", "EF105:9", "EF105:10"},  # the loss, and each return (not the assignment)
    ),
    "helper_building_gradients_is_a_training_op": (
        f"""
        def tower(features, labels):
            logits = tf.compat.v1.layers.dense(features["x"], 3)
            loss = tf.reduce_mean(labels - logits)
            return loss, tf.gradients(loss, tf.compat.v1.trainable_variables()), logits


        def model_fn(features, labels, mode, params):
            loss, grads, logits = tower(features, labels)
            if mode == {PREDICT}:
                return tf.estimator.EstimatorSpec(mode, predictions={{"l": logits}})
            return tf.estimator.EstimatorSpec(mode, loss=loss)
        """,
        {"EF102:10"},  # gradients in EVAL and PREDICT: more specific than EF106
    ),
    "model_fn_given_first_to_an_estimator": (
        """
        def build(features, labels, mode):
            logits = tf.compat.v1.layers.dense(features["x"], 3)
            optimizer = tf.compat.v1.train.AdamOptimizer(0.1)
            return head.create_estimator_spec(
                features, mode, logits=logits, labels=labels, optimizer=optimizer)


        estimator = tf.estimator.Estimator(build, model_dir="/tmp/m")
        """,
        {"EF102:5"},  # found as a model_fn though it returns no spec of its own
    ),
    "hook_made_of_values_built_elsewhere": (
        """
        def model_fn(features, labels, mode, params):
            logits = tf.compat.v1.layers.dense(features["x"], 3)
            loss = tf.reduce_mean(labels - logits)
            hook = tf.estimator.LoggingTensorHook({"loss": loss}, every_n_iter=10)
            return tf.estimator.EstimatorSpec(mode, predictions={"l": logits}, loss=loss,
                training_hooks=[hook])
        """,
        {"EF101:5", "EF105:7"},  # the loss; the hook that logs it is no finding of its own
    ),
    "predict_returns_in_a_branch_a_flag_picks_and_in_the_next": (
        f"""
        def model_fn(features, labels, mode, params):
            logits = tf.compat.v1.layers.dense(features["x"], 3)
            if mode == {PREDICT} and params["gather"]:
                gathered = tf.identity(labels)
                return tf.estimator.EstimatorSpec(mode, predictions={{"l": logits, "y": gathered}})
            elif mode == {PREDICT}:
                return tf.estimator.EstimatorSpec(mode, predictions={{"l": logits}})
            loss = tf.reduce_mean(labels - logits)
            tf.compat.v1.summary.histogram("labels", labels)
            return tf.estimator.EstimatorSpec(mode, loss=loss, train_op=tf.no_op())
        """,
        # PREDICT takes one of the two branches whatever the flag, and both return: the loss
        # and the summary after them never run in PREDICT (the labels read in the first branch
        # are EF101); no else is needed for that. The last spec hands EVAL a train_op that
        # does nothing (tf.no_op() builds nothing there: no EF105)
        {"EF101:6"},
    ),
    "the_mode_handed_inside_a_list_argument": (
        """
        from sketch.models import classifier as model


        def model_fn(features, labels, mode, params):
            def _get_input(features, labels):
                lengths = tf.squeeze(tf.slice(features["shape"], [0, 0], [params.batch, 1]))
                inputs = tf.reshape(features["ink"], [params.batch, -1, 3])
                if labels is not None:
                    labels = tf.squeeze(labels)
                return inputs, lengths, labels

            x, l, y = _get_input(features, labels)
            dnn = model(estimator=True, params=params, inputs=[x, y, l, mode])
            return tf.estimator.EstimatorSpec(
                mode=mode,
                predictions={"logits": dnn.logits},
                loss=dnn.loss,
                train_op=dnn.step,
                eval_metric_ops={"accuracy": dnn.acc},
            )
        """,
        # the helper of another module is handed the mode itself as an element of a list (with
        # the labels): it can gate itself, as when handed `mode=mode` - no EF106 at 15; the one
        # spec still hands PREDICT metric ops (EF105 at 16)
        {"EF105:16"},
    ),
    "a_contrib_learn_model_function_naming_its_labels_otherwise": (
        """
        from tensorflow.contrib.learn.python.learn.estimators import model_fn as model_fn_lib


        def board_fn(features, y, mode, params):
            logits = tf.layers.dense(features, 3)
            loss = tf.losses.softmax_cross_entropy(y, logits)
            if mode == tf.contrib.learn.ModeKeys.INFER:
                return model_fn_lib.ModelFnOps(mode=mode, predictions={"p": logits})
            return model_fn_lib.ModelFnOps(mode=mode, loss=loss)


        def model_fn(features, is_training, mode):
            logits = tf.layers.dense(features, 3, trainable=is_training)
            return tf.estimator.EstimatorSpec(mode, predictions={"p": logits})
        """,
        # tf.contrib.learn hands a model function its labels as the second argument, whatever
        # its name: the loss from `y` runs in INFER (EF101 at 8); a function returning
        # tf.estimator's spec gets its labels by name only, so `is_training` is no label
        {"EF101:8"},
    ),
    "a_canned_model_fn_of_tensorflow_handed_the_mode": (
        """
        from tensorflow.python.estimator.canned.dnn import _dnn_model_fn


        def model_fn(features, labels, mode, params):
            key = features.pop("key")
            spec = _dnn_model_fn(features=features, labels=labels, mode=mode, **params)
            predictions = spec.predictions
            if predictions:
                predictions["key"] = tf.identity(key)
                spec = spec._replace(predictions=predictions)
            return spec


        estimator = tf.estimator.Estimator(model_fn=model_fn)
        """,
        # TensorFlow's own model_fn, handed the mode, builds the loss from the labels only in
        # the modes that have them, as a helper of the file given the mode does: no EF101
        set(),
    ),
    "the_mode_compared_with_a_params_value_named_for_a_mode": (
        f"""
        def model_fn(features, labels, mode, params):
            logits = tf.compat.v1.layers.dense(features["x"], 3)
            if mode == params["train"]:
                loss = tf.reduce_mean(labels - logits)
                train_op = tf.compat.v1.train.AdamOptimizer(0.1).minimize(loss)
                return tf.estimator.EstimatorSpec(mode, loss=loss, train_op=train_op)
            return tf.estimator.EstimatorSpec(mode, predictions={{"p": logits}})


        estimator = tf.estimator.Estimator(model_fn=model_fn, params={{"train": {TRAIN}}})
        """,
        # compared with the mode, a value named for a mode (kept in the params by code the
        # analysis does not follow) can only be that mode's key: a TRAIN branch - no finding
        set(),
    ),
    "a_params_flag_named_for_training_is_no_mode_test": (
        """
        def model_fn(features, labels, mode, params):
            logits = tf.compat.v1.layers.dense(features["x"], 3)
            if params["train"]:
                loss = tf.reduce_mean(labels - logits)
                train_op = tf.compat.v1.train.AdamOptimizer(0.1).minimize(loss)
                return tf.estimator.EstimatorSpec(mode, loss=loss, train_op=train_op)
            return tf.estimator.EstimatorSpec(mode, predictions={"p": logits})


        estimator = tf.estimator.Estimator(model_fn=model_fn)
        """,
        # the same value tested on its own is a setting, not the mode: every mode may take the
        # branch, so the loss runs in PREDICT (EF101), the optimizer outside TRAIN (EF102), and
        # the branch's spec hands PREDICT and EVAL a train_op (EF105)
        {"EF101:6", "EF102:7", "EF105:8"},
    ),
    "items_of_a_zipped_tuple_appended_to_lists_build_nothing": (
        f"""
        def model_fn(features, labels, mode, params):
            logits = tf.compat.v1.layers.dense(features["x"], 3)
            if mode == {PREDICT}:
                return tf.estimator.EstimatorSpec(mode, predictions={{"p": logits}})
            loss = tf.reduce_mean(labels - logits)
            optimizer = tf.compat.v1.train.AdamOptimizer(0.1)
            gradients, variables = zip(*optimizer.compute_gradients(loss))
            grads, kept = [], []
            for i, v in enumerate(variables):
                if not v.name.startswith("frozen"):
                    grads.append(gradients[i])
                    kept.append(variables[i])
            train_op = optimizer.apply_gradients(zip(grads, kept))
            return tf.estimator.EstimatorSpec(mode, loss=loss, train_op=train_op)
        """,
        # the optimizer, its gradients and the train op are built in EVAL too (EF102 each); the
        # loop only looks up items of the tuples zip made and stores them in lists: it builds
        # nothing of its own (it goes where the gradients go)
        {"EF102:8", "EF102:9", "EF102:15", "EF105:16"},
    ),
    "items_of_lists_tensorflow_returns_appended_to_lists_build_nothing": (
        f"""
        def model_fn(features, labels, mode, params):
            logits = tf.compat.v1.layers.dense(features["x"], 3)
            if mode == {PREDICT}:
                return tf.estimator.EstimatorSpec(mode, predictions={{"p": logits}})
            loss = tf.reduce_mean(labels - logits)
            optimizer = tf.compat.v1.train.AdamOptimizer(0.1)
            variables = tf.compat.v1.trainable_variables()
            gradients = tf.gradients(loss, variables)
            grads, kept = [], []
            for i, v in enumerate(variables):
                if not v.name.startswith("frozen"):
                    grads.append(gradients[i])
                    kept.append(variables[i])
            gradients = grads
            gradients, _ = tf.clip_by_global_norm(gradients, 5.0)
            train_op = optimizer.apply_gradients(zip(gradients, kept))
            return tf.estimator.EstimatorSpec(mode, loss=loss, train_op=train_op)
        """,
        # tf.gradients and the first item of tf.clip_by_global_norm are Python lists: looking
        # up their items by a loop's index builds nothing, whatever else the name is rebound to
        # (another such list). The gradients, the clipping and the train op are built in EVAL
        # too (EF102 each)
        {"EF102:8", "EF102:10", "EF102:17", "EF102:18", "EF105:19"},
    ),
    "hooks_made_by_a_function_a_file_function_returns_build_nothing": (
        """
        from tensorflow.contrib.gan.python.train import RunTrainOpsHook


        def sequential_hooks(steps=1):
            def make(train_ops):
                first = RunTrainOpsHook(train_ops.generator_train_op, steps)
                return [first, RunTrainOpsHook(train_ops.discriminator_train_op, steps)]

            return make


        def model_fn(features, labels, mode, params):
            logits = tf.compat.v1.layers.dense(features["x"], 3)
            loss = tf.reduce_mean(logits)
            train_ops = build_gan_train_ops(loss)
            hooks_fn = sequential_hooks()
            hooks = hooks_fn(train_ops)
            return tf.estimator.EstimatorSpec(
                mode, loss=loss, train_op=train_ops.global_step_inc, training_hooks=hooks
            )
        """,
        # the train ops are built in every mode (EF102 at the opaque builder) and the one spec
        # hands them and the hooks to EVAL and PREDICT (EF105); the hooks themselves are Python
        # objects made by the function the file's sequential_hooks returns: no op of their own
        {"EF102:17", "EF105:20"},
    ),
    "an_assert_looking_into_the_labels_runs_on_none_in_predict": (
        f"""
        def check_keys(features, labels):
            assert "x" in features
            for key in ("energy", "forces"):
                assert key in labels


        def check_given(labels):
            if labels is not None:
                assert "energy" in labels


        def model_fn(features, labels, mode, params):
            check_keys(features, labels)
            check_given(labels)
            validate_batch(features, labels)
            assert "energy" in labels
            assert labels is not None or mode == {PREDICT}
            logits = tf.compat.v1.layers.dense(features["x"], 3)
            if mode == {PREDICT}:
                return tf.estimator.EstimatorSpec(mode, predictions={{"p": logits}})
            loss = tf.reduce_mean(labels["energy"] - logits)
            return tf.estimator.EstimatorSpec(mode, loss=loss)
        """,
        # `"energy" in None` raises in PREDICT: the assert (18) and the file's own check that
        # looks into the labels it is handed (15) are label code there (EF101); a check that
        # tests them against None first (16), one the analysis cannot read (17) and an assert
        # PREDICT passes (19) are not
        {"EF101:15", "EF101:18"},
    ),
    "an_object_from_outside_stored_into_in_train_is_no_name_predict_lacks": (
        f"""
        class Siamese(tf.estimator.Estimator):
            def __init__(self, architecture):
                self.architecture = architecture

                def _model_fn(features, labels, mode):
                    if mode == tf.estimator.ModeKeys.TRAIN:
                        self.loss = tf.reduce_mean(labels)
                        train_op = tf.compat.v1.train.AdamOptimizer(0.1).minimize(self.loss)
                        return tf.estimator.EstimatorSpec(mode, loss=self.loss, train_op=train_op)
                    outputs = self.architecture(features["data"], mode=mode)
                    if mode == {PREDICT}:
                        return tf.estimator.EstimatorSpec(mode, predictions={{"e": outputs}})
                    return tf.estimator.EstimatorSpec(mode, loss=tf.reduce_mean(1))

                super().__init__(model_fn=_model_fn)
        """,
        # the closure only stores into `self` (the estimator, there before any mode runs): TRAIN's
        # label loss kept in `self.loss` is no value PREDICT borrows when it calls
        # `self.architecture` - clean
        set(),
    ),
    "a_helper_that_hands_none_labels_back_under_an_isinstance_test": (
        f"""
        def maybe_expand(tensor):
            if isinstance(tensor, tf.Tensor) and tensor.get_shape().ndims == 1:
                tensor = tf.expand_dims(tensor, -1)
            return tensor


        def always_expand(tensor):
            if tensor.get_shape().ndims == 1:
                tensor = tf.expand_dims(tensor, -1)
            return tensor


        def model_fn(features, labels, mode, params):
            labels = maybe_expand(labels)
            weights = always_expand(labels)
            logits = tf.compat.v1.layers.dense(features["x"], 3)
            if mode == {PREDICT}:
                return tf.estimator.EstimatorSpec(mode, predictions={{"p": logits}})
            loss = tf.compat.v1.losses.mean_squared_error(labels, logits, weights=weights)
            return tf.estimator.EstimatorSpec(mode, loss=loss)
        """,
        # with PREDICT's None labels the isinstance test is false before anything looks into
        # them, and the helper returns None as it got it: like an alias, no finding (16); the
        # helper that asks None for its shape fails there (EF101 at 17)
        {"EF101:17"},
    ),
    "a_loop_over_the_labels_items_fails_at_its_header_and_its_keys_are_names": (
        f"""
        def model_fn(features, labels, mode, params):
            logits, targets, metrics = {{}}, {{}}, {{}}
            for key, value in labels.items():
                logits[key] = tf.compat.v1.layers.dense(features["x"], 3, name=key)
                targets[key] = tf.one_hot(tf.cast(value, tf.int32), 3)
            for key in params["heads"]:
                metrics[key] = tf.compat.v1.metrics.mean(logits[key])
            for key, (value, update) in metrics.items():
                tf.compat.v1.summary.scalar(key, update)
            if mode == {PREDICT}:
                return tf.estimator.EstimatorSpec(mode, predictions=logits)
            loss = tf.add_n([tf.reduce_mean(targets[k] - v) for k, v in logits.items()])
            return tf.estimator.EstimatorSpec(mode, loss=loss)
        """,
        # `labels.items()` fails on PREDICT's None labels before the body runs: EF101 on the
        # header (5) and on the one-hot targets (7); the keys are task names, so the logits
        # (6) and the metrics keyed by them (9) are no label code. A loop over a dict the
        # model_fn built is no None labels (10 breaks nothing of its own; 11 is a summary)
        {"EF101:5", "EF101:7", "EF103:9", "EF104:11"},
    ),
    "an_identity_under_dependencies_on_the_train_op_is_a_training_op": (
        """
        def model_fn(features, labels, mode, params):
            logits = tf.compat.v1.layers.dense(features["x"], 3)
            loss = tf.reduce_mean(labels - logits)
            update = tf.compat.v1.train.AdamOptimizer(0.1).minimize(loss)
            with tf.control_dependencies([update]):
                loss_op = tf.identity(loss, name="loss_op")
            return tf.estimator.EstimatorSpec(
                mode, predictions={"p": logits}, loss=loss, train_op=loss_op
            )
        """,
        # evaluating the identity runs the update it depends on: built in EVAL and PREDICT it
        # is a training op - EF102, more specific than the labels it also reads in PREDICT, on
        # the statement inside the block (8); the loss (5) and the update (6) as usual
        {"EF101:5", "EF102:6", "EF102:8", "EF105:9"},
    ),
    "a_header_reading_the_labels_shape_still_reads_the_labels": (
        f"""
        def model_fn(features, labels, mode, params):
            logits = tf.compat.v1.layers.dense(features["x"], 3)
            if labels.shape[-1] > 1:
                logits = tf.identity(logits, name="multi")
            if mode == {PREDICT}:
                return tf.estimator.EstimatorSpec(mode, predictions={{"p": logits}})
            loss = tf.reduce_mean(labels - logits)
            train_op = tf.compat.v1.train.AdamOptimizer(0.1).minimize(loss)
            return tf.estimator.EstimatorSpec(mode, loss=loss, train_op=train_op)
        """,
        # a header reading only a value's metadata builds nothing from it, but PREDICT's labels
        # are None, which has no shape: EF101 on the header stays (as do the train op in EVAL
        # and the one spec that hands it there)
        {"EF101:5", "EF102:10", "EF105:11"},
    ),
    "a_graph_print_of_the_labels_kept_in_a_name": (
        f"""
        def model_fn(features, labels, mode, params):
            logits = tf.compat.v1.layers.dense(features["x"], 3)
            shown = tf.print("labels:", labels, summarize=-1)
            shape = tf.print("labels:", tf.shape(labels))
            if mode == {PREDICT}:
                return tf.estimator.EstimatorSpec(mode, predictions={{"l": logits}})
            loss = tf.reduce_mean(labels - logits)
            return tf.estimator.EstimatorSpec(mode, loss=loss)
        """,
        # tf.print shows None as it shows a tensor, its op kept in a name or not: no EF101;
        # tf.shape(None) fails
        {"EF101:6"},
    ),
    "the_labels_themselves_gathered_into_what_predict_returns": (
        f"""
        def model_fn(features, labels, mode, params):
            logits = tf.compat.v1.layers.dense(features["x"], 1)
            predictions = {{"p": logits, "labels": labels}}
            kept = {{"p": logits, "labels": labels}}
            if mode == {PREDICT}:
                return tf.estimator.EstimatorSpec(mode, predictions=predictions)
            loss = tf.reduce_mean(tf.cast(kept["labels"], tf.float32) - logits)
            return tf.estimator.EstimatorSpec(mode, loss=loss, train_op=tf.no_op())
        """,
        # PREDICT hands its spec a None prediction, which the spec refuses: EF101 where the
        # labels are gathered (no statement computes from them); the dict PREDICT does not
        # return only regroups (the spec's tf.no_op() train_op builds nothing in EVAL)
        {"EF101:5"},
    ),
    "the_labels_stored_on_the_object_predict_returns_another_attribute_of": (
        f"""
        class Model:
            def model_fn(self, features, labels, mode, params):
                self.targets = labels
                self.logits = tf.compat.v1.layers.dense(features["x"], 1)
                if mode == {PREDICT}:
                    return tf.estimator.EstimatorSpec(mode, predictions={{"p": self.logits}})
                loss = tf.reduce_mean(self.targets - self.logits)
                return tf.estimator.EstimatorSpec(mode, loss=loss)
        """,
        # storing the labels on the object hands PREDICT nothing of them
        set(),
    ),
    "a_label_subscript_handed_to_a_helper_given_the_mode": (
        f"""
        def get_loss(outputs, answers, mode):
            if mode == {PREDICT}:
                return None
            return tf.reduce_mean(answers - outputs)


        def model_fn(features, labels, mode, params):
            outputs = tf.compat.v1.layers.dense(features["x"], 1)
            loss = get_loss(outputs, labels["answer"], mode)
            loss_too = get_loss(outputs, labels, mode)
            return tf.estimator.EstimatorSpec(mode, predictions={{"p": outputs}}, loss=loss)
        """,
        # the helper gates the labels it is handed, but `labels["answer"]` is read by the
        # caller, and fails on PREDICT's None before the helper runs; the labels handed whole
        # are the helper's to gate
        {"EF101:11"},
    ),
    "predict_may_go_around_a_chain_its_flag_decides": (
        f"""
        def model_fn(features, labels, mode, params):
            logits = tf.compat.v1.layers.dense(features["x"], 3)
            if mode == {PREDICT} and params["export"]:
                return tf.estimator.EstimatorSpec(mode, predictions={{"l": logits}})
            elif mode == {EVAL}:
                return tf.estimator.EstimatorSpec(mode, loss=tf.reduce_mean(logits))
            loss = tf.reduce_mean(labels - logits)
            return tf.estimator.EstimatorSpec(mode, loss=loss, train_op=tf.no_op())
        """,
        # without the flag PREDICT goes on: the loss runs there on labels it lacks, and the last
        # spec hands it a train_op
        {"EF101:9", "EF105:10"},
    ),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_findings(name: str) -> None:
    source, expected = CASES[name]
    assert found(source) == expected


def test_a_fix_inside_a_try_around_the_body() -> None:
    """The statements of a ``try`` read as its body are moved inside it: the optimizer built
    before the PREDICT return goes after it, and the handler stays as written."""
    import textwrap

    import libcst as cst

    from codemods.base import apply_codemod
    from codemods.modes.codemod import ModeScoping

    source = textwrap.dedent(
        f"""\
        import tensorflow as tf


        def model_fn(features, labels, mode, params):
            try:
                logits = tf.compat.v1.layers.dense(features["x"], 2)
                optimizer = tf.compat.v1.train.AdamOptimizer(0.1)
                if mode == {PREDICT}:
                    return tf.estimator.EstimatorSpec(mode, predictions={{"l": logits}})
                loss = tf.compat.v1.losses.sparse_softmax_cross_entropy(labels, logits)
                train_op = optimizer.minimize(loss)
                return tf.estimator.EstimatorSpec(mode, loss=loss, train_op=train_op)
            except ValueError as error:
                raise RuntimeError("bad model") from error
        """
    )
    fixed, findings = apply_codemod(ModeScoping, cst.parse_module(source))
    code = fixed.code
    assert "EF102:7" in {f"{f.code}:{f.line}" for f in findings}
    compile(code, "fixed.py", "exec")
    assert code.index("AdamOptimizer") > code.index("predictions=")
    assert code.index("AdamOptimizer") < code.index("except ValueError")
    assert 'raise RuntimeError("bad model") from error' in code


def test_names_holding_only_python_lists() -> None:
    source = (
        "import tensorflow as tf\n"
        "def model_fn(features, labels, mode, params):\n"
        "    parts = tf.unstack(features['x'], axis=1)\n"
        "    pieces = tf.split(features['x'], 2)\n"
        "    grads, kept = [], []\n"
        "    clipped, norm = tf.clip_by_global_norm(grads, 5.0)\n"
        "    clipped = kept\n"
        "    stacked = tf.stack(parts)\n"
        "    first, second = tf.unstack(features['y'])\n"
        "    mixed = tf.gradients(stacked, kept)\n"
        "    mixed = tf.add_n(mixed)\n"
    )
    wrapper = MetadataWrapper(cst.parse_module(source))
    resolved = wrapper.resolve(QualifiedNameProvider)

    def names(node: cst.CSTNode) -> set[str]:
        value = resolved.get(node, set())
        value = value() if callable(value) else value  # libcst >= 1.2 resolves lazily
        return {q.name for q in value}

    function = cst.ensure_type(wrapper.module.body[1], cst.FunctionDef)
    # tf.unstack and tf.split return lists, as does tf.clip_by_global_norm's first item; the
    # global norm, a stacked tensor, tensors unpacked from a list and a name later rebound to a
    # tensor are not
    assert python_sequences(function, names) == {"parts", "pieces", "grads", "kept", "clipped"}
