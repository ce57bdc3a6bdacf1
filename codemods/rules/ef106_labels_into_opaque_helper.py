"""EF106: labels reach an opaque helper whose results PREDICT needs.

The mode analysis (``codemods.modes.walk``) finds a helper call handed labels whose result a
statement keeps and PREDICT needs; the helper cannot be split automatically.
"""

from __future__ import annotations

from codemods.rules.rule import FixSafety, Invalid, Rule, Valid

CODE = "EF106"

RECIPE = (
    "Split the helper: build the network from features only and return logits; compute the "
    "loss from labels after the PREDICT return."
)


RULE = Rule(
    code=CODE,
    title="labels reach an opaque helper whose results PREDICT needs",
    fix=FixSafety.REPORT,
    fix_summary="report only, with the manual recipe",
    what=(
        "Finds `labels` handed to a helper (`create_model(features, labels, ...)`) whose "
        "results PREDICT needs."
    ),
    why=(
        "A helper that returns both logits and a loss cannot be split automatically: "
        "PREDICT needs its logits but cannot give it labels (they are None there), so "
        "predict() and export crash inside the helper. A helper that receives `mode` "
        "gates itself and is not reported (unless it is in the file and uses the labels "
        "before any test of the mode); an `is_training` flag does not tell EVAL from "
        "PREDICT, so it does not exempt the helper."
    ),
    example='''\
loss, logits = create_model(features, labels, params['classes'])
if mode == tf.estimator.ModeKeys.PREDICT:
    return tf.estimator.EstimatorSpec(mode, predictions={'logits': logits})
return tf.estimator.EstimatorSpec(mode, loss=loss)
''',
    use_instead='''\
logits = create_logits(features, params['classes'])
if mode == tf.estimator.ModeKeys.PREDICT:
    return tf.estimator.EstimatorSpec(mode, predictions={'logits': logits})
loss = create_loss(labels, logits)
return tf.estimator.EstimatorSpec(mode, loss=loss)
''',
    fix_safety=(
        "Report only. Recipe: make the helper build the network from features only and "
        "return logits; compute the loss from labels after the PREDICT return."
    ),
    message="labels reach helper `{helper}(...)` whose results PREDICT needs",
    valid=(
        Valid(
            id="helper_that_deletes_the_labels_it_gets",
            source='''\
import tensorflow as tf


def model_fn(features, labels, mode, params):
    net = tf.compat.v1.layers.dense(features["x"], 8)

    def reconstruction_loss(batch, outputs):
        inputs, targets = batch
        del targets
        return tf.reduce_mean(tf.square(outputs - inputs["x"]))

    outputs = tf.compat.v1.layers.dense(net, 4)
    loss = reconstruction_loss((features, labels), outputs)
    if mode == tf.estimator.ModeKeys.TRAIN:
        optimizer = tf.compat.v1.train.GradientDescentOptimizer(0.1)
        step = tf.compat.v1.train.get_or_create_global_step()
        return tf.estimator.EstimatorSpec(mode, loss=loss, train_op=optimizer.minimize(loss, step))
    return tf.estimator.EstimatorSpec(mode, loss=loss, predictions={"outputs": outputs})
''',
        ),
        Valid(
            id="methods_of_an_object_that_carries_the_mode",
            source='''\
import tensorflow as tf


class Classifier:
    def model_fn(self, features, labels, mode, params):
        self.mode = mode
        self.loss, self.train_op = None, None
        self.logits = tf.compat.v1.layers.dense(features["x"], 3)
        self.build_loss(labels)
        return tf.estimator.EstimatorSpec(
            mode, predictions={"logits": self.logits}, loss=self.loss, train_op=self.train_op
        )

    def build_loss(self, labels):
        if self.mode == tf.estimator.ModeKeys.PREDICT:
            return
        self.loss = tf.compat.v1.losses.sparse_softmax_cross_entropy(labels, self.logits)
        if self.mode == tf.estimator.ModeKeys.TRAIN:
            optimizer = tf.compat.v1.train.GradientDescentOptimizer(0.1)
            step = tf.compat.v1.train.get_or_create_global_step()
            self.train_op = optimizer.minimize(self.loss, global_step=step)
''',
        ),
        Valid(
            id="helper_given_mode_gates_itself",
            source='''\
import tensorflow as tf


def create_model(features, labels, mode):
    logits = tf.compat.v1.layers.dense(features["x"], 3)
    loss = None
    if mode != tf.estimator.ModeKeys.PREDICT:
        loss = tf.compat.v1.losses.sparse_softmax_cross_entropy(labels, logits)
    return loss, logits


def model_fn(features, labels, mode):
    loss, logits = create_model(features, labels, mode)
    if mode == tf.estimator.ModeKeys.PREDICT:
        return tf.estimator.EstimatorSpec(mode, predictions={"logits": logits})
    return tf.estimator.EstimatorSpec(mode, loss=loss)
''',
        ),
        Valid(
            id="instance_of_an_in_file_layer_that_guards_its_labels",
            source='''\
import tensorflow as tf


class LossHead(tf.keras.layers.Layer):
    def call(self, net, labels, training):
        logits = tf.compat.v1.layers.dense(net, 3)
        loss = tf.constant(0.0)
        if labels is not None:
            loss = tf.compat.v1.losses.sparse_softmax_cross_entropy(labels, logits)
        return loss, logits


def model_fn(features, labels, mode, params):
    head = LossHead()
    loss, logits = head(features["x"], labels, mode == tf.estimator.ModeKeys.TRAIN)
    if mode == tf.estimator.ModeKeys.PREDICT:
        return tf.estimator.EstimatorSpec(mode, predictions={"logits": logits})
    return tf.estimator.EstimatorSpec(mode, loss=loss)
''',
        ),
    ),
    invalid=(
        Invalid(
            id="instance_of_an_in_file_layer_that_needs_its_labels",
            before='''\
import tensorflow as tf


class LossHead(tf.keras.layers.Layer):
    def call(self, net, labels, training):
        logits = tf.compat.v1.layers.dense(net, 3)
        loss = tf.compat.v1.losses.sparse_softmax_cross_entropy(labels, logits)
        return loss, logits


def model_fn(features, labels, mode, params):
    head = LossHead()
    loss, logits = head(features["x"], labels, mode == tf.estimator.ModeKeys.TRAIN)
    if mode == tf.estimator.ModeKeys.PREDICT:
        return tf.estimator.EstimatorSpec(mode, predictions={"logits": logits})
    return tf.estimator.EstimatorSpec(mode, loss=loss)
''',
            findings=("EF106:13:none",),
        ),
        Invalid(
            id="builder_closure_with_an_is_training_flag",
            before='''\
import tensorflow as tf


def create_model(features, labels, num_labels, is_training):
    net = tf.compat.v1.layers.dense(features["x"], 16)
    if is_training:
        net = tf.nn.dropout(net, rate=0.1)
    logits = tf.compat.v1.layers.dense(net, num_labels)
    loss = tf.compat.v1.losses.sparse_softmax_cross_entropy(labels, logits)
    return loss, logits


def model_fn_builder(num_labels, learning_rate):
    def model_fn(features, labels, mode, params):
        is_training = mode == tf.estimator.ModeKeys.TRAIN
        loss, logits = create_model(features, labels, num_labels, is_training)
        if mode == tf.estimator.ModeKeys.PREDICT:
            return tf.estimator.EstimatorSpec(mode, predictions={"logits": logits})
        if mode == tf.estimator.ModeKeys.TRAIN:
            optimizer = tf.compat.v1.train.AdamOptimizer(learning_rate)
            step = tf.compat.v1.train.get_or_create_global_step()
            train_op = optimizer.minimize(loss, global_step=step)
            return tf.estimator.EstimatorSpec(mode, loss=loss, train_op=train_op)
        return tf.estimator.EstimatorSpec(mode, loss=loss)

    return model_fn
''',
            findings=("EF106:16:none",),
        ),
        Invalid(
            id="opaque_helper_ef106",
            before='''\
import tensorflow as tf

def build(features, labels, mode):
    return None, None, None

def create_model(features, labels, num):
    logits = tf.compat.v1.layers.dense(features["x"], num)
    loss = tf.compat.v1.losses.sparse_softmax_cross_entropy(labels, logits)
    return loss, logits

def model_fn(features, labels, mode, params):
    loss, train_op, preds = build(features, labels, mode)
    total_loss, logits = create_model(features, labels, 3)
    if mode == tf.estimator.ModeKeys.PREDICT:
        return tf.estimator.EstimatorSpec(mode, predictions={"l": logits})
    return tf.estimator.EstimatorSpec(mode, loss=total_loss, train_op=train_op)
''',
            findings=("EF106:13:none",),
        ),
        Invalid(
            # a method of an object of another module's class is handed labels and keeps what it
            # builds in the object: PREDICT's predictions are read from it afterwards, so the call
            # cannot leave PREDICT (a flag of TRAIN given to the class does not tell EVAL apart)
            id="opaque_method_keeps_its_results_in_the_object",
            before='''\
import tensorflow as tf
from transformer import Transformer


def model_fn(features, labels, mode):
    model = Transformer(train_mode=mode == tf.estimator.ModeKeys.TRAIN)
    model.build_model(features["x"], labels)
    predictions = {"ids": model.preds}
    if mode == tf.estimator.ModeKeys.PREDICT:
        return tf.estimator.EstimatorSpec(mode, predictions=predictions)
    return tf.estimator.EstimatorSpec(mode, loss=model.loss, train_op=model.train_op)
''',
            findings=("EF106:7:none",),
        ),
        Invalid(
            id="tfgan_model_builder_is_ef106",
            before='''\
import tensorflow as tf


def model_fn(features, labels, mode, params):
    gan_model = tf.contrib.gan.gan_model(params["generator_fn"], params["discriminator_fn"], labels, features)
    predictions = gan_model.generated_data
    if mode == tf.estimator.ModeKeys.TRAIN:
        gan_loss = tf.contrib.gan.gan_loss(gan_model)
        optimizer = tf.compat.v1.train.RMSPropOptimizer(0.05)
        train_ops = tf.contrib.gan.gan_train_ops(gan_model, gan_loss, optimizer, optimizer)
        return tf.estimator.EstimatorSpec(mode, loss=gan_loss.generator_loss, train_op=train_ops.generator_train_op)
    return tf.estimator.EstimatorSpec(mode, predictions=predictions)
''',
            findings=("EF106:5:none",),
        ),
    ),
)
