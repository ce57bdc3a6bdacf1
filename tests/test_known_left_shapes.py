"""Shapes seen on real code and left in earlier measurements, each read by what it means: a
mode constant read through ``getattr`` with a literal name is that constant."""

from __future__ import annotations

import pytest

from tests.mode_findings import codes, processed


def test_getattr_of_a_mode_constant_by_literal_name_is_a_mode_test() -> None:
    # PREDICT returns before the loss: nothing after the return runs without labels.
    result = processed(
        """
        def model_fn(features, labels, mode, params):
            logits = tf.compat.v1.layers.dense(features["x"], 2)
            if mode == getattr(tf.estimator.ModeKeys, "PREDICT"):
                return tf.estimator.EstimatorSpec(mode, predictions={"y": logits})
            loss = tf.compat.v1.losses.sparse_softmax_cross_entropy(labels, logits)
            train_op = tf.compat.v1.train.AdamOptimizer().minimize(loss)
            return tf.estimator.EstimatorSpec(mode, loss=loss, train_op=train_op)
        """
    )
    assert codes(result) == {"EF102:8", "EF105:9"}


def test_getattr_with_a_computed_name_is_not_read_as_any_mode() -> None:
    result = processed(
        """
        def model_fn(features, labels, mode, params):
            logits = tf.compat.v1.layers.dense(features["x"], 2)
            if mode == getattr(tf.estimator.ModeKeys, params["skip"]):
                return tf.estimator.EstimatorSpec(mode, predictions={"y": logits})
            loss = tf.compat.v1.losses.sparse_softmax_cross_entropy(labels, logits)
            return tf.estimator.EstimatorSpec(mode, loss=loss, predictions={"y": logits})
        """
    )
    # the test decides nothing known: the loss may run in PREDICT
    assert "EF101:7" in codes(result)



def test_a_method_returning_the_spec_its_class_builds_is_a_model_fn() -> None:
    # ``return self._spec(...)``, where the class's ``_spec`` returns an EstimatorSpec: the
    # method is the model_fn, and its loss from labels runs in PREDICT for nothing.
    result = processed(
        """
        class Ranker:
            def model_fn(self, features, labels, mode, params):
                logits = tf.compat.v1.layers.dense(features["x"], 1)
                loss = tf.compat.v1.losses.sigmoid_cross_entropy(labels, logits)
                return self._spec(mode, logits, loss)

            def _spec(self, mode, logits, loss):
                if mode == tf.estimator.ModeKeys.PREDICT:
                    return tf.estimator.EstimatorSpec(mode, predictions=logits)
                step = tf.compat.v1.train.get_or_create_global_step()
                train_op = tf.compat.v1.train.AdamOptimizer().minimize(loss, global_step=step)
                return tf.estimator.EstimatorSpec(mode, loss=loss, train_op=train_op)
        """
    )
    assert "EF101:6" in codes(result)


def test_a_method_returning_what_another_class_builds_is_not_read_as_a_model_fn() -> None:
    result = processed(
        """
        class Ranker:
            def model_fn(self, features, labels, mode, params):
                logits = tf.compat.v1.layers.dense(features["x"], 1)
                loss = tf.compat.v1.losses.sigmoid_cross_entropy(labels, logits)
                return self.head.spec(mode, logits, loss)
        """
    )
    assert codes(result) == set()


PASSED_THROUGH = """
def model_fn(features, labels, mode, params):
    def unpack(features_, labels_):
        if mode == tf.estimator.ModeKeys.PREDICT:
            inputs = features_["serving"]
        else:
            inputs = features_["x"]
        return inputs, labels_

    inputs, labels = unpack(features, labels)
    logits = tf.compat.v1.layers.dense(inputs, 1)
    {early}
    if mode == tf.estimator.ModeKeys.PREDICT:
        return tf.estimator.EstimatorSpec(mode, predictions=logits)
    loss = tf.compat.v1.losses.mean_squared_error(labels, logits)
    return tf.estimator.EstimatorSpec(mode, loss=loss)
"""


def test_a_helper_handing_the_labels_back_as_they_are_does_not_use_them() -> None:
    # ``return inputs, labels_``: None in PREDICT goes in and comes out; nothing computes on it.
    assert codes(processed(PASSED_THROUGH.format(early="pass"))) == set()


def test_labels_handed_back_by_a_helper_are_still_labels() -> None:
    early = "error = tf.reduce_mean(labels - logits)"
    assert codes(processed(PASSED_THROUGH.format(early=early))) == {"EF101:13"}


def test_choosing_between_built_train_ops_by_a_setting_builds_nothing() -> None:
    # ``train_op = first if stage == 1 else second`` picks a name: the ops it may hold are
    # reported where they are built, not again where one is picked.
    result = processed(
        """
        def model_fn(features, labels, mode, params):
            logits = tf.compat.v1.layers.dense(features["x"], 1)
            if mode == tf.estimator.ModeKeys.PREDICT:
                return tf.estimator.EstimatorSpec(mode, predictions=logits)
            loss = tf.compat.v1.losses.mean_squared_error(labels, logits)
            first = tf.compat.v1.train.AdamOptimizer(0.1).minimize(loss)
            second = tf.compat.v1.train.AdamOptimizer(0.01).minimize(loss)
            train_op = first if params["stage"] == 1 else second
            return tf.estimator.EstimatorSpec(mode, loss=loss, train_op=train_op)
        """
    )
    assert {c for c in codes(result) if c.startswith("EF102")} == {"EF102:8", "EF102:9"}


STEP = """
def model_fn(features, labels, mode, params):
    global_step = tf.compat.v1.train.get_or_create_global_step()
    logits = tf.compat.v1.layers.dense(features["x"], 1)
    if mode == tf.estimator.ModeKeys.PREDICT:
        return tf.estimator.EstimatorSpec(mode, predictions=logits)
    loss = tf.compat.v1.losses.mean_squared_error(labels, logits)
    {increment}
    grads = tf.gradients(loss, tf.compat.v1.trainable_variables())
    with tf.control_dependencies([step_up]):
        train_op = tf.group(grads)
    return tf.estimator.EstimatorSpec(mode, loss=loss, train_op=train_op)
"""


@pytest.mark.parametrize(
    "increment",
    [
        "step_up = tf.compat.v1.assign_add(global_step, 1)",
        "step_up = global_step.assign_add(1)",
        "step_up = tf.compat.v1.train.get_global_step().assign_add(1)",
    ],
)
def test_advancing_the_global_step_is_training(increment: str) -> None:
    # built for the train op, it runs in EVAL too: training code outside TRAIN
    assert "EF102:9" in codes(processed(STEP.format(increment=increment)))


def test_adding_to_another_variable_is_not_training() -> None:
    source = STEP.format(increment="step_up = tf.compat.v1.assign_add(counter, 1)")
    source = source.replace(
        "global_step = tf.compat.v1.train.get_or_create_global_step()",
        "counter = tf.compat.v1.Variable(0, trainable=False)",
    )
    assert "EF102:9" not in codes(processed(source))


SETTING = """
from tablelib import tables


def model_fn(features, labels, mode, params):
    table = tables.EmbeddingTable(
        dim=8, {handed}
    )
    logits = tf.compat.v1.layers.dense(table.lookup(features["ids"]), 1)
    if mode == tf.estimator.ModeKeys.PREDICT:
        return tf.estimator.EstimatorSpec(mode, predictions=logits)
    loss = tf.compat.v1.losses.mean_squared_error(labels, logits)
    step = tf.compat.v1.train.get_or_create_global_step()
    train_op = tf.compat.v1.train.AdamOptimizer().minimize(loss, global_step=step)
    if mode == tf.estimator.ModeKeys.EVAL:
        return tf.estimator.EstimatorSpec(mode, loss=loss)
    return tf.estimator.EstimatorSpec(mode, loss=loss, train_op=train_op)
"""


def test_an_optimizer_handed_as_a_setting_configures_that_call() -> None:
    # the table's own update rule, which every mode's table is built with
    source = SETTING.format(handed="optimizer=tables.FtrlOptimizer(learning_rate=0.1)")
    assert {c for c in codes(processed(source)) if c.startswith("EF102")} == {"EF102:15"}


def test_an_optimizer_handed_by_position_is_still_an_optimizer() -> None:
    # the same object handed positionally (``wrap(tables.FtrlOptimizer(...))``) is not a
    # setting by name: the statement builds an optimizer, in PREDICT and EVAL too
    source = SETTING.format(handed="").replace(
        "table = tables.EmbeddingTable(", "table = tables.wrap(tables.FtrlOptimizer(0.1),"
    )
    assert "EF102:7" in codes(processed(source))


def test_printing_what_the_spec_takes_as_its_loss_prints_a_tensor() -> None:
    # ``model.loss`` is handed to the spec as its loss: it is a tensor, and printing it shows
    # the symbol once, when the graph is built.
    result = processed(
        """
        from textmodels import TextCNN


        def model_fn(features, labels, mode, params):
            model = TextCNN(features=features, labels=labels, mode=mode)
            print("loss: {}".format(model.loss))
            print("classes: {}".format(model.num_classes))
            return tf.estimator.EstimatorSpec(
                mode, predictions={"y": model.scores}, loss=model.loss
            )
        """
    )
    assert {c for c in codes(result) if c.startswith("EF204")} == {"EF204:8"}


def test_advancing_the_global_step_on_a_side_the_mode_keeps_from_train_is_not_training() -> None:
    # the model_fn counts steps in EVAL on purpose; nothing of it is built for the train op
    source = STEP.format(
        increment=(
            "step_up = tf.compat.v1.assign_add(global_step, 1) "
            "if mode == tf.estimator.ModeKeys.EVAL else tf.no_op()"
        )
    )
    assert "EF102:9" not in codes(processed(source))


def test_a_method_returning_an_inherited_estimator_spec_method_is_a_model_fn() -> None:
    # ``self.make_estimator_spec(...)`` comes from a base class in another module; its name says
    # what it gives, as a canned head's ``create_estimator_spec`` does.
    result = processed(
        """
        from base import BaseModel


        class LSTMModel(BaseModel):
            def model_fn(self, features, labels, mode, params):
                logits = tf.compat.v1.layers.dense(features["x"], 3)
                loss = tf.compat.v1.losses.sparse_softmax_cross_entropy(labels, logits)
                optimizer = tf.compat.v1.train.AdamOptimizer(0.01)
                return self.make_estimator_spec(mode, logits=logits, loss=loss, optimizer=optimizer)
        """
    )
    assert {"EF101:9", "EF102:10"} <= codes(result)


def test_a_method_returning_some_other_method_of_self_is_not_read_as_a_model_fn() -> None:
    result = processed(
        """
        class LSTMModel(BaseModel):
            def model_fn(self, features, labels, mode, params):
                logits = tf.compat.v1.layers.dense(features["x"], 3)
                loss = tf.compat.v1.losses.sparse_softmax_cross_entropy(labels, logits)
                return self.finish(mode, logits=logits, loss=loss)
        """
    )
    assert codes(result) == set()


PREDICATES = """
class Segmenter:
    def __call__(self, features, labels, mode, params):
        self.remember(features, labels, mode)
        logits = tf.compat.v1.layers.dense(features["x"], 3)
        if self.predicting():
            return tf.estimator.EstimatorSpec(mode, predictions=logits)
        loss = tf.compat.v1.losses.sparse_softmax_cross_entropy(labels, logits)
        accuracy = tf.compat.v1.metrics.accuracy(labels, tf.argmax(logits, 1))
        if self.evaluating():
            return tf.estimator.EstimatorSpec(
                mode, loss=loss, eval_metric_ops={"accuracy": accuracy}
            )
        step = tf.compat.v1.train.get_or_create_global_step()
        train_op = tf.compat.v1.train.AdamOptimizer().minimize(loss, global_step=step)
        return tf.estimator.EstimatorSpec(mode, loss=loss, train_op=train_op)

    def remember(self, features, labels, mode):
        self.features = features
        self.labels = labels
        self.mode = mode

    def predicting(self):
        return self.mode == tf.estimator.ModeKeys.PREDICT

    def evaluating(self):
        return self.mode == tf.estimator.ModeKeys.EVAL
"""


def test_a_method_that_tests_the_mode_a_method_stored_is_a_mode_test() -> None:
    # ``self.remember(..., mode)`` stores the mode; ``self.predicting()`` returns the test.
    assert codes(processed(PREDICATES)) == {"EF103:10"}


OBJECT_OPTIMIZER = """
from nets import Net


def model_fn(features, labels, mode, params):
    model = Net(features)
    if mode == tf.estimator.ModeKeys.PREDICT:
        return tf.estimator.EstimatorSpec(mode, predictions=model.logits)
    loss = tf.compat.v1.losses.sparse_softmax_cross_entropy(labels, model.logits)
    optimizer = model.optimizer(learning_rate=model.learning_rate)
    {after}
    if mode == tf.estimator.ModeKeys.EVAL:
        return tf.estimator.EstimatorSpec(mode, loss=loss)
    train_op = optimizer.minimize(loss)
    return tf.estimator.EstimatorSpec(mode, loss=loss, train_op=train_op)
"""


@pytest.mark.parametrize(
    "after",
    [
        "settings = model.optimizer_settings()",  # named for settings, not an optimizer
        'tf.compat.v1.logging.info("optimizer: %s" % optimizer)',  # logging trains nothing
    ],
)
def test_an_object_method_named_for_an_optimizer_builds_one(after: str) -> None:
    # ``model.optimizer(learning_rate=...)``: the model object (from another module) hands back
    # an optimizer; built before the EVAL return, it runs in EVAL too.
    result = processed(OBJECT_OPTIMIZER.format(after=after))
    assert {c for c in codes(result) if c.startswith("EF102")} == {"EF102:11"}


def test_an_object_handed_the_mode_chooses_what_its_methods_give() -> None:
    # ``model.build(features, labels, mode)`` gave it the mode: its optimizer is its choice
    result = processed(
        """
        from nets import Net


        def model_fn(features, labels, mode, params):
            model = Net()
            model.build(features, labels, mode)
            optimizer = model.get_optimizer()
            if mode == tf.estimator.ModeKeys.PREDICT:
                return tf.estimator.EstimatorSpec(mode, predictions=model.logits)
            return tf.estimator.EstimatorSpec(mode, loss=model.loss, train_op=optimizer)
        """
    )
    assert not {c for c in codes(result) if c.startswith("EF102")}


def test_a_method_of_an_object_built_with_the_mode_gates_itself() -> None:
    # ``Detector(mode=mode).build(...)``: the object was made for this mode; what it does with
    # the label-derived inputs is its choice (the subscripts of the labels still fail)
    result = processed(
        """
        from nets import Detector


        def model_fn(features, labels, mode, params):
            boxes = labels[0]
            logits, box_out = Detector(mode=mode).build(images=features, gt_boxes=boxes)
            if mode == tf.estimator.ModeKeys.PREDICT:
                return tf.estimator.EstimatorSpec(mode, predictions={"logits": logits})
            loss = tf.reduce_mean(box_out)
            return tf.estimator.EstimatorSpec(mode, loss=loss)
        """
    )
    assert codes(result) == {"EF101:7"}


def test_a_method_of_the_model_fns_class_that_writes_summaries_writes_them_where_called() -> None:
    # the model_fn is a closure of a method: ``self`` is its class, whose method writes an image
    # summary before the PREDICT return (EF104), as a module function would
    result = processed(
        """
        class Trainer:
            def add_summaries(self, features, predictions):
                images = tf.split(features["images"], 4, axis=0)
                tf.compat.v1.summary.image("first", images[0], 1)

            def get_model_fn(self):
                def model_fn(features, labels, mode, params):
                    predictions = tf.compat.v1.layers.dense(features["images"], 2)
                    with tf.device("/cpu:0"):
                        self.add_summaries(features, predictions)
                    if mode == tf.estimator.ModeKeys.PREDICT:
                        return tf.estimator.EstimatorSpec(mode, predictions={"p": predictions})
                    loss = tf.compat.v1.losses.mean_squared_error(labels, predictions)
                    return tf.estimator.EstimatorSpec(mode, loss=loss)

                return model_fn
        """
    )
    assert codes(result) == {"EF104:12"}


def test_a_method_that_writes_no_summary_is_no_summary() -> None:
    result = processed(
        """
        class Trainer:
            def head(self, net):
                return tf.compat.v1.layers.dense(net, 2)

            def get_model_fn(self):
                def model_fn(features, labels, mode, params):
                    predictions = self.head(features["images"])
                    if mode == tf.estimator.ModeKeys.PREDICT:
                        return tf.estimator.EstimatorSpec(mode, predictions={"p": predictions})
                    loss = tf.compat.v1.losses.mean_squared_error(labels, predictions)
                    return tf.estimator.EstimatorSpec(mode, loss=loss)

                return model_fn
        """
    )
    assert codes(result) == set()


_PENALTY = """
def model_fn(features, labels, mode, params):
    logits = tf.compat.v1.layers.dense(features["x"], 1, name="critic")
    if mode == tf.estimator.ModeKeys.PREDICT:
        return tf.estimator.EstimatorSpec(mode, predictions={{"score": logits}})
    eps = tf.random.uniform([4, 1])
    x_hat = features["x"] + eps * (labels - features["x"])
    grads = tf.gradients({ys}, {xs})[0]
    loss = tf.reduce_mean(logits) + tf.reduce_mean(tf.square(grads))
    if mode == tf.estimator.ModeKeys.EVAL:
        return tf.estimator.EstimatorSpec(mode, loss=loss)
    train_op = tf.compat.v1.train.AdamOptimizer().minimize(loss)
    return tf.estimator.EstimatorSpec(mode, loss=loss, train_op=train_op)
"""


def test_a_gradient_penalty_is_loss_code_and_gradients_of_variables_train() -> None:
    # gradients with respect to an interpolation the model_fn computed: part of the EVAL loss
    penalty = processed(_PENALTY.format(ys="tf.reduce_sum(x_hat)", xs="[x_hat]"))
    assert codes(penalty) == set()
    # with respect to the variables: training gradients built in EVAL
    variables = processed(
        _PENALTY.format(ys="tf.reduce_sum(logits)", xs="tf.compat.v1.trainable_variables()")
    )
    assert codes(variables) == {"EF102:9"}
