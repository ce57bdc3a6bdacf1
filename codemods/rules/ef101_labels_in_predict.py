"""EF101: labels used where PREDICT also runs.

The label tag starts at the model_fn's labels parameter and flows to every value computed from
it (``codemods.modes.walk``); a statement carrying it is wrong in PREDICT, where labels is None.
"""

from __future__ import annotations

from codemods.modes.policy import StatementView, TagPolicy
from codemods.rules.rule import FixSafety, Invalid, Rule, Valid
from codemods.vocabulary import Mode, Tag

CODE = "EF101"


def harmless(view: StatementView) -> bool:
    """Label code that cannot fail in PREDICT: a print or log that only shows None labels, and
    code only PREDICT runs after the model_fn rebinds labels there (written for PREDICT)."""
    if view.mode is Mode.PREDICT and view.is_log_call and view.labels_only_as_none:
        return True  # printing None cannot fail (EF204 judges prints)
    return view.modes == {Mode.PREDICT} and view.labels_rebound


POLICY = TagPolicy(
    code=CODE,
    tag=Tag.LABEL,
    blocked_in=frozenset({Mode.PREDICT}),
    priority=3,
    exempt=harmless,
)

RULE = Rule(
    code=CODE,
    title="labels used where PREDICT also runs",
    fix=FixSafety.SAFE,
    fix_summary="safe: moved into the non-PREDICT path",
    what=(
        "Finds a value computed from `labels` (or from a value derived from it) by a "
        "statement that also runs when the model_fn is called in PREDICT mode."
    ),
    why=(
        "Estimator calls model_fn with labels=None in PREDICT (predict() and "
        "export_saved_model). Any value computed from labels before the PREDICT return "
        "crashes there with 'None values not supported'. An alias (`y_ = labels`), `del "
        "labels`, printing labels where they are None, and labels handed to a helper that "
        "receives `mode` (it gates itself) are not findings, unless an in-file helper uses "
        "them before any test of the mode."
    ),
    example='''\
predictions = tf.compat.v1.layers.dense(features['x'], 1)
loss = tf.reduce_mean(tf.square(labels - predictions))
if mode == tf.estimator.ModeKeys.PREDICT:
    return tf.estimator.EstimatorSpec(mode, predictions={'y': predictions})
return tf.estimator.EstimatorSpec(mode, loss=loss)
''',
    use_instead='''\
predictions = tf.compat.v1.layers.dense(features['x'], 1)
if mode == tf.estimator.ModeKeys.PREDICT:
    return tf.estimator.EstimatorSpec(mode, predictions={'y': predictions})
loss = tf.reduce_mean(tf.square(labels - predictions))
return tf.estimator.EstimatorSpec(mode, loss=loss)
''',
    fix_safety=(
        "Safe: the PREDICT return moves up past the label code, or the label code is "
        "guarded with `if mode != PREDICT:`; every mode still runs its statements in "
        "their original order. Reported with fix 'none' when PREDICT needs the value "
        "itself, or when the statement may create variables that later layers' names "
        "depend on (skipping it would rename them); 'unsafe' when skipping it would shift "
        "the random seeds of later ops (applied with --unsafe-fixes)."
    ),
    message="{what} is computed from labels where it also runs in PREDICT",
    valid=(
        Valid(
            # `config.update({"target": labels, ...})` puts the labels into `config` as they are:
            # nothing is computed from them there (their loss is after the PREDICT return)
            id="labels_put_into_a_dict_beside_a_feature_value",
            source='''\
import tensorflow as tf


def model_fn(features, labels, mode, params):
    config = {}
    config.update({"target": labels, "length": tf.reduce_max(features["length"])})
    logits = tf.compat.v1.layers.dense(features["x"], 1)
    if mode == tf.estimator.ModeKeys.PREDICT:
        return tf.estimator.EstimatorSpec(mode, predictions=logits)
    loss = tf.compat.v1.losses.mean_squared_error(config["target"], logits)
    return tf.estimator.EstimatorSpec(mode, loss=loss)
''',
        ),
        Valid(
            # defining a lambda runs nothing of its body: the loss it computes from the labels is
            # built where it is called, after the PREDICT return
            id="a_lambda_over_the_labels_defined_before_the_predict_return",
            source='''\
import tensorflow as tf


def model_fn(features, labels, mode):
    logits = tf.compat.v1.layers.dense(features["x"], 3)
    loss_fn = lambda: tf.compat.v1.losses.sparse_softmax_cross_entropy(labels["y"], logits)
    if mode == tf.estimator.ModeKeys.PREDICT:
        return tf.estimator.EstimatorSpec(mode, predictions=logits)
    return tf.estimator.EstimatorSpec(mode, loss=loss_fn())
''',
        ),
        Valid(
            # an attribute stored after `self.labels = labels` holds only what its own value
            # carries: a variable kept on the object is no label value
            id="an_attribute_stored_after_the_labels_holds_its_own_value",
            source='''\
import tensorflow as tf


class Model(object):
    def model_fn(self, features, labels, mode):
        self.labels = labels
        self.w = tf.Variable(tf.zeros([3, 1]), name="w")
        logits = tf.matmul(features["x"], self.w)
        if mode == tf.estimator.ModeKeys.PREDICT:
            return tf.estimator.EstimatorSpec(mode, predictions=logits)
        loss = tf.compat.v1.losses.mean_squared_error(self.labels, logits)
        if mode == tf.estimator.ModeKeys.TRAIN:
            train_op = tf.compat.v1.train.AdamOptimizer().minimize(loss)
            return tf.estimator.EstimatorSpec(mode, loss=loss, train_op=train_op)
        return tf.estimator.EstimatorSpec(mode, loss=loss)
''',
        ),
        Valid(
            # `setattr(self, name, tensor)` over the features stores into the object: no read of
            # the labels it keeps in `self.labels`, and the attributes it sets hold features
            id="features_set_as_attributes_in_a_loop",
            source='''\
import tensorflow as tf


class Model(object):
    def model_fn(self, features, labels, mode):
        self.features, self.labels = features, labels
        for name, tensor in self.features.items():
            setattr(self, name, tensor)
        logits = tf.compat.v1.layers.dense(self.x, 1)
        if mode == tf.estimator.ModeKeys.PREDICT:
            return tf.estimator.EstimatorSpec(mode, predictions=logits)
        loss = tf.compat.v1.losses.mean_squared_error(self.labels, logits)
        if mode == tf.estimator.ModeKeys.TRAIN:
            train_op = tf.compat.v1.train.AdamOptimizer().minimize(loss)
            return tf.estimator.EstimatorSpec(mode, loss=loss, train_op=train_op)
        return tf.estimator.EstimatorSpec(mode, loss=loss)
''',
        ),
        Valid(
            # `self.features, self.labels = features, labels` stores two attributes, each what its own
            # element is: reading self.features later reads no labels
            id="features_and_labels_stored_on_self_in_one_assignment",
            source='''\
import tensorflow as tf


class Model(object):
    def graphing(self, features, labels, mode):
        self.features, self.labels = features, labels
        self.x = self.features["x"]
        logits = tf.compat.v1.layers.dense(self.x, 1)
        if mode == tf.estimator.ModeKeys.PREDICT:
            return tf.estimator.EstimatorSpec(mode, predictions={"y": logits})
        loss = tf.reduce_mean(tf.square(self.labels - logits))
        return tf.estimator.EstimatorSpec(mode, loss=loss)

    def train(self):
        return tf.estimator.Estimator(model_fn=self.graphing)
''',
        ),
        Valid(
            # an instance of a class the model_fn defines whose __init__ only stores the labels: like
            # a dict holding them it computes nothing, and PREDICT's None labels fail nothing there
            id="an_object_that_only_holds_the_labels",
            source='''\
import tensorflow as tf


def model_fn(features, labels, mode, params):
    class LabelSource(object):
        def __init__(self, labels):
            self._labels = labels

        def random_labels(self):
            return self._labels

    source = LabelSource(labels)
    logits = tf.compat.v1.layers.dense(features["x"], 1)
    if mode == tf.estimator.ModeKeys.PREDICT:
        return tf.estimator.EstimatorSpec(mode, predictions={"y": logits})
    loss = tf.reduce_mean(tf.square(source.random_labels() - logits))
    if mode == tf.estimator.ModeKeys.TRAIN:
        opt = tf.compat.v1.train.AdamOptimizer(0.01)
        train_op = opt.minimize(loss, tf.compat.v1.train.get_or_create_global_step())
        return tf.estimator.EstimatorSpec(mode, loss=loss, train_op=train_op)
    return tf.estimator.EstimatorSpec(mode, loss=loss)
''',
        ),
        Valid(
            # ``[labels] * towers`` in PREDICT is a list of None, made by Python: no op reads
            # the labels, and each tower's helper tests its part against None
            id="labels_kept_or_repeated_per_tower_by_a_none_test",
            source='''\
import tensorflow as tf


def _tower(features, labels):
    logits = tf.compat.v1.layers.dense(features["x"], 3)
    if labels is None:
        return logits, None
    return logits, tf.compat.v1.losses.sparse_softmax_cross_entropy(labels, logits)


def model_fn(features, labels, mode, params):
    towers = len(features)
    tower_labels = labels if labels is not None else [labels] * towers
    tower_logits = []
    tower_losses = []
    for i in range(towers):
        logits, loss = _tower(features[i], tower_labels[i])
        tower_logits.append(logits)
        if mode != tf.estimator.ModeKeys.PREDICT:
            tower_losses.append(loss)
    logits = tf.concat(tower_logits, axis=0)
    if mode == tf.estimator.ModeKeys.PREDICT:
        return tf.estimator.EstimatorSpec(mode, predictions={"logits": logits})
    return tf.estimator.EstimatorSpec(mode, loss=tf.add_n(tower_losses))
''',
        ),
        Valid(
            # the labels stored on ``self`` go with that attribute: the methods called on it
            # that do not read it (or read it only under a test PREDICT fails) compute nothing
            # from them in PREDICT
            id="methods_of_an_object_holding_the_labels_that_do_not_read_them",
            source='''\
import tensorflow as tf


class Classifier:
    def _build(self, params):
        self.logits = tf.compat.v1.layers.dense(self.inputs, params["classes"])

    def _add_loss(self, mode):
        self.loss = None
        if mode != tf.estimator.ModeKeys.PREDICT:
            self.loss = tf.compat.v1.losses.sparse_softmax_cross_entropy(self.labels, self.logits)

    def model_fn_builder(self):
        def model_fn(features, labels, mode, params):
            self.inputs = features["x"]
            self.labels = labels
            self._build(params)
            self._add_loss(mode)
            predictions = {"classes": tf.argmax(self.logits, 1)}
            if mode == tf.estimator.ModeKeys.PREDICT:
                return tf.estimator.EstimatorSpec(mode, predictions=predictions)
            return tf.estimator.EstimatorSpec(mode, loss=self.loss)

        return model_fn
''',
        ),
        Valid(
            id="labels_handed_on_with_the_mode_inside_a_method_given_the_mode",
            source='''\
import tensorflow as tf


class Translator(object):
    def _build(self, features, labels, mode):
        encoded = self.encoder.encode(mode, features["source"])
        logits, ids = self.decoder.decode(mode, encoded, labels)
        loss = None
        if mode != tf.estimator.ModeKeys.PREDICT:
            loss = tf.reduce_mean(logits)
        return loss, ids

    def model_fn(self, features, labels, mode):
        loss, ids = self._build(features, labels, mode)
        if mode == tf.estimator.ModeKeys.PREDICT:
            return tf.estimator.EstimatorSpec(mode, predictions=ids)
        return tf.estimator.EstimatorSpec(mode, loss=loss)
''',
        ),
        Valid(
            id="labels_rebound_when_they_are_a_dict",
            source='''\
import tensorflow as tf


def model_fn(features, labels, mode, params):
    labels = labels["class"] if isinstance(labels, dict) else labels
    logits = tf.compat.v1.layers.dense(features["x"], 3)
    if mode == tf.estimator.ModeKeys.PREDICT:
        return tf.estimator.EstimatorSpec(mode, predictions={"logits": logits})
    loss = tf.compat.v1.losses.sparse_softmax_cross_entropy(labels, logits)
    return tf.estimator.EstimatorSpec(mode, loss=loss, train_op=tf.no_op()) if mode == tf.estimator.ModeKeys.TRAIN else tf.estimator.EstimatorSpec(mode, loss=loss)
''',
        ),
        Valid(
            id="none_guards_on_labels",
            source='''\
import tensorflow as tf


def model_fn(features, labels, mode):
    logits = tf.compat.v1.layers.dense(features["x"], 1)
    targets = labels or tf.zeros_like(logits)
    probabilities = tf.nn.sigmoid(logits)
    mask = labels is not None and tf.cast(labels > 0, tf.float32)
    if mode == tf.estimator.ModeKeys.PREDICT:
        return tf.estimator.EstimatorSpec(mode, predictions={"p": probabilities})
    loss = tf.compat.v1.losses.log_loss(targets, probabilities, weights=mask)
    if labels is not None and mode == tf.estimator.ModeKeys.TRAIN:
        return tf.estimator.EstimatorSpec(mode, loss=loss, train_op=tf.no_op())
    return tf.estimator.EstimatorSpec(mode, loss=loss)
''',
        ),
        Valid(
            # an in-file helper that reads the labels only where they are not None gives None
            # in PREDICT, or what it computes without them (a features column): a default for
            # None leaves nothing of the labels in the value there
            id="a_guarded_helpers_result_with_a_default_for_none",
            source='''\
import tensorflow as tf


def _column(features, labels, name):
    if name in features:
        return features[name]
    if labels is not None:
        return labels[name]
    return None


def model_fn(features, labels, mode):
    logits = tf.compat.v1.layers.dense(features["x"], 1)
    clicked = _column(features, labels, "clicked")
    if clicked is None:
        clicked = tf.zeros_like(logits)
    weight = tf.cast(clicked, tf.float32) + 1.0
    scores = tf.nn.sigmoid(logits) * weight
    if mode == tf.estimator.ModeKeys.PREDICT:
        return tf.estimator.EstimatorSpec(mode, predictions={"scores": scores})
    loss = tf.compat.v1.losses.log_loss(weight - 1.0, tf.nn.sigmoid(logits))
    return tf.estimator.EstimatorSpec(mode, loss=loss)
''',
        ),
        Valid(
            id="mode_keys_the_file_cannot_resolve",
            source='''\
import tensorflow as tf
from official.utils import estimator_utils


def model_fn(features, labels, mode):
    logits = tf.compat.v1.layers.dense(features["x"], 1)
    if mode == estimator_utils.ModeKeys.PREDICT:
        return tf.estimator.EstimatorSpec(mode, predictions=logits)
    loss = tf.reduce_mean(tf.square(labels - logits))
    return tf.estimator.EstimatorSpec(mode, loss=loss)
''',
        ),
        Valid(
            id="assert_and_raise_on_unresolved_mode_keys",
            source='''\
import tensorflow as tf
from trainer.constants import ModeKeys


def model_fn(features, labels, mode):
    assert mode != ModeKeys.PREDICT, "this model only trains and evaluates"
    logits = tf.compat.v1.layers.dense(features["x"], 1)
    loss = tf.reduce_mean(tf.square(labels - logits))
    return tf.estimator.EstimatorSpec(mode, loss=loss)


def model_fn2(features, labels, mode):
    if mode == ModeKeys.PREDICT:
        raise ValueError("no serving")
    logits = tf.compat.v1.layers.dense(features["x"], 1)
    loss = tf.reduce_mean(tf.square(labels - logits))
    return tf.estimator.EstimatorSpec(mode, loss=loss)


def model_fn3(features, labels, mode):
    assert mode in (ModeKeys.TRAIN, ModeKeys.EVAL)
    logits = tf.compat.v1.layers.dense(features["x"], 1)
    loss = tf.reduce_mean(tf.square(labels - logits))
    return tf.estimator.EstimatorSpec(mode, loss=loss)
''',
        ),
        Valid(
            id="printing_labels_is_not_label_code",
            source='''\
import logging

import tensorflow as tf


def model_fn(features, labels, mode):
    logits = tf.compat.v1.layers.dense(features["x"], 1)
    print("labels:", labels)
    logging.info("labels %s", labels)
    tf.compat.v1.logging.info("labels %s", labels)
    if mode == tf.estimator.ModeKeys.PREDICT:
        return tf.estimator.EstimatorSpec(mode, predictions=logits)
    loss = tf.reduce_mean(labels - logits)
    return tf.estimator.EstimatorSpec(mode, loss=loss)
''',
        ),
        Valid(
            id="raise_guard_ifexp_noop",
            source='''\
import tensorflow as tf

def model_fn(features, labels, mode):
    pred = tf.compat.v1.layers.dense(features["x"], 1)
    if mode == tf.estimator.ModeKeys.PREDICT:
        raise ValueError("no predict")
    loss = tf.reduce_mean(tf.square(labels - pred))
    if labels is not None:
        tf.compat.v1.summary.scalar("l", loss)
    train_op = tf.compat.v1.train.GradientDescentOptimizer(0.1).minimize(loss, tf.compat.v1.train.get_or_create_global_step()) if mode == tf.estimator.ModeKeys.TRAIN else None
    return tf.estimator.EstimatorSpec(mode, loss=loss, train_op=train_op)
''',
        ),
    ),
    invalid=(
        Invalid(
            # the model_fn returns its specs through a function of its own body that builds
            # them (`_spec(**kwargs)`): it is a model_fn all the same, and its loss from labels,
            # computed before the PREDICT return, is label code PREDICT runs
            id="a_model_fn_whose_specs_a_nested_function_builds",
            before='''\
import tensorflow as tf


def model_fn(features, labels, mode):
    def _spec(**kwargs):
        return tf.estimator.EstimatorSpec(mode=mode, **kwargs)

    logits = tf.compat.v1.layers.dense(features["x"], 1)
    loss = tf.compat.v1.losses.mean_squared_error(labels, logits)
    if mode == tf.estimator.ModeKeys.PREDICT:
        return _spec(predictions=logits)
    return _spec(loss=loss)
''',
            findings=("EF101:9:safe",),
            after='''\
import tensorflow as tf


def model_fn(features, labels, mode):
    def _spec(**kwargs):
        return tf.estimator.EstimatorSpec(mode=mode, **kwargs)

    logits = tf.compat.v1.layers.dense(features["x"], 1)
    if mode == tf.estimator.ModeKeys.PREDICT:
        return _spec(predictions=logits)
    loss = tf.compat.v1.losses.mean_squared_error(labels, logits)
    return _spec(loss=loss)
''',
        ),
        Invalid(
            # labels reach an imported helper whose logits PREDICT returns (EF106), and the loss
            # computed from its results is label code PREDICT runs for nothing
            id="a_loss_from_a_helpers_results_predict_does_not_return",
            before='''\
import tensorflow as tf

from models import build_model


def model_fn(features, labels, mode):
    model = build_model(features["x"], labels)
    loss = model.create_loss()
    if mode == tf.estimator.ModeKeys.PREDICT:
        return tf.estimator.EstimatorSpec(mode, predictions=model.logits)
    return tf.estimator.EstimatorSpec(mode, loss=loss)
''',
            findings=("EF106:7:none", "EF101:8:none",),
        ),
        Invalid(
            # a lambda over the labels, called before the PREDICT return: the call is the label
            # code PREDICT runs (its definition builds nothing, no finding; it goes with its call)
            id="a_lambda_over_the_labels_called_before_the_predict_return",
            before='''\
import tensorflow as tf


def model_fn(features, labels, mode):
    logits = tf.compat.v1.layers.dense(features["x"], 1)
    loss_fn = lambda: tf.compat.v1.losses.mean_squared_error(labels, logits)
    loss = loss_fn()
    if mode == tf.estimator.ModeKeys.PREDICT:
        return tf.estimator.EstimatorSpec(mode, predictions=logits)
    return tf.estimator.EstimatorSpec(mode, loss=loss)
''',
            findings=("EF101:7:safe",),
            after='''\
import tensorflow as tf


def model_fn(features, labels, mode):
    logits = tf.compat.v1.layers.dense(features["x"], 1)
    if mode == tf.estimator.ModeKeys.PREDICT:
        return tf.estimator.EstimatorSpec(mode, predictions=logits)
    loss_fn = lambda: tf.compat.v1.losses.mean_squared_error(labels, logits)
    loss = loss_fn()
    return tf.estimator.EstimatorSpec(mode, loss=loss)
''',
        ),
        Invalid(
            # `target` is bound only under `if isinstance(labels, dict):`, which PREDICT's None labels
            # skip: the loss read from it fails there (NameError), label code PREDICT runs
            id="a_name_bound_only_where_the_labels_are_not_none",
            before='''\
import tensorflow as tf


def model_fn(features, labels, mode):
    if isinstance(labels, dict):
        target = labels["y"]
    logits = tf.compat.v1.layers.dense(features["x"], 1)
    loss = tf.compat.v1.losses.mean_squared_error(target, logits)
    if mode == tf.estimator.ModeKeys.PREDICT:
        return tf.estimator.EstimatorSpec(mode, predictions=logits)
    return tf.estimator.EstimatorSpec(mode, loss=loss)
''',
            findings=("EF101:8:safe",),
            after='''\
import tensorflow as tf


def model_fn(features, labels, mode):
    if isinstance(labels, dict):
        target = labels["y"]
    logits = tf.compat.v1.layers.dense(features["x"], 1)
    if mode == tf.estimator.ModeKeys.PREDICT:
        return tf.estimator.EstimatorSpec(mode, predictions=logits)
    loss = tf.compat.v1.losses.mean_squared_error(target, logits)
    return tf.estimator.EstimatorSpec(mode, loss=loss)
''',
        ),
        Invalid(
            # `_PREDICT = tf.estimator.ModeKeys.PREDICT` at module level is the mode it names: the label
            # loss before `if mode == _PREDICT:` runs in PREDICT, and nothing after the return does
            id="a_mode_constant_the_module_binds",
            before='''\
import tensorflow as tf

_TRAIN = tf.estimator.ModeKeys.TRAIN
_PREDICT = tf.estimator.ModeKeys.PREDICT


def model_fn(features, labels, mode):
    logits = tf.compat.v1.layers.dense(features["x"], 1)
    loss = tf.compat.v1.losses.mean_squared_error(labels, logits)
    if mode == _PREDICT:
        return tf.estimator.EstimatorSpec(mode, predictions=logits)
    train_op = None
    if mode == _TRAIN:
        train_op = tf.compat.v1.train.AdamOptimizer().minimize(loss)
    return tf.estimator.EstimatorSpec(mode, loss=loss, train_op=train_op)
''',
            findings=("EF101:9:safe",),
            after='''\
import tensorflow as tf

_TRAIN = tf.estimator.ModeKeys.TRAIN
_PREDICT = tf.estimator.ModeKeys.PREDICT


def model_fn(features, labels, mode):
    logits = tf.compat.v1.layers.dense(features["x"], 1)
    if mode == _PREDICT:
        return tf.estimator.EstimatorSpec(mode, predictions=logits)
    loss = tf.compat.v1.losses.mean_squared_error(labels, logits)
    train_op = None
    if mode == _TRAIN:
        train_op = tf.compat.v1.train.AdamOptimizer().minimize(loss)
    return tf.estimator.EstimatorSpec(mode, loss=loss, train_op=train_op)
''',
        ),
        Invalid(
            # a method of another module's class handed labels, where PREDICT reads nothing of its object
            # afterwards: label code like any other, moved out of PREDICT (not EF106)
            id="opaque_method_whose_object_predict_does_not_read",
            before='''\
import tensorflow as tf
from transformer import Transformer


def model_fn(features, labels, mode):
    logits = tf.compat.v1.layers.dense(features["x"], 2)
    scorer = Transformer(train_mode=mode == tf.estimator.ModeKeys.TRAIN)
    scorer.build_model(logits, labels)
    if mode == tf.estimator.ModeKeys.PREDICT:
        return tf.estimator.EstimatorSpec(mode, predictions={"logits": logits})
    return tf.estimator.EstimatorSpec(mode, loss=scorer.loss, train_op=scorer.train_op)
''',
            findings=("EF101:8:safe",),
            after='''\
import tensorflow as tf
from transformer import Transformer


def model_fn(features, labels, mode):
    logits = tf.compat.v1.layers.dense(features["x"], 2)
    scorer = Transformer(train_mode=mode == tf.estimator.ModeKeys.TRAIN)
    if mode == tf.estimator.ModeKeys.PREDICT:
        return tf.estimator.EstimatorSpec(mode, predictions={"logits": logits})
    scorer.build_model(logits, labels)
    return tf.estimator.EstimatorSpec(mode, loss=scorer.loss, train_op=scorer.train_op)
''',
        ),
        Invalid(
            # a method model_fn whose specs come from methods its class inherits from a class of the
            # module (no model_fn= in the file): a model_fn all the same, whose label loss PREDICT runs
            id="a_method_model_fn_returning_specs_its_base_class_builds",
            before='''\
import tensorflow as tf


class Base:
    def predict_spec(self, mode, logits):
        return tf.estimator.EstimatorSpec(mode, predictions={"logits": logits})

    def loss_spec(self, mode, loss):
        return tf.estimator.EstimatorSpec(mode, loss=loss)


class Student(Base):
    def model_function(self, features, labels, mode, params):
        logits = tf.compat.v1.layers.dense(features["x"], 2)
        loss = tf.compat.v1.losses.sparse_softmax_cross_entropy(labels, logits)
        if mode == tf.estimator.ModeKeys.PREDICT:
            return self.predict_spec(mode, logits)
        return self.loss_spec(mode, loss)
''',
            findings=("EF101:15:safe",),
            after='''\
import tensorflow as tf


class Base:
    def predict_spec(self, mode, logits):
        return tf.estimator.EstimatorSpec(mode, predictions={"logits": logits})

    def loss_spec(self, mode, loss):
        return tf.estimator.EstimatorSpec(mode, loss=loss)


class Student(Base):
    def model_function(self, features, labels, mode, params):
        logits = tf.compat.v1.layers.dense(features["x"], 2)
        if mode == tf.estimator.ModeKeys.PREDICT:
            return self.predict_spec(mode, logits)
        loss = tf.compat.v1.losses.sparse_softmax_cross_entropy(labels, logits)
        return self.loss_spec(mode, loss)
''',
        ),
        Invalid(
            # a builder binds the PREDICT mode's string once (`infer = "infer"`) and its model_fn compares
            # the mode with it: the same test as `mode == ModeKeys.PREDICT`, wherever the name is bound
            id="a_mode_string_the_builder_binds",
            before='''\
import tensorflow as tf


def model_fn_builder(learning_rate):
    infer = "infer"

    def model_fn(features, labels, mode):
        logits = tf.compat.v1.layers.dense(features["x"], 1)
        loss = tf.compat.v1.losses.mean_squared_error(labels, logits)
        if mode == infer:
            return tf.estimator.EstimatorSpec(mode, predictions=logits)
        train_op = tf.compat.v1.train.AdamOptimizer(learning_rate).minimize(loss)
        return tf.estimator.EstimatorSpec(mode, loss=loss, train_op=train_op)

    return model_fn
''',
            findings=("EF101:9:safe", "EF102:12:safe", "EF105:13:safe"),
            after='''\
import tensorflow as tf


def model_fn_builder(learning_rate):
    infer = "infer"

    def model_fn(features, labels, mode):
        logits = tf.compat.v1.layers.dense(features["x"], 1)
        if mode == infer:
            return tf.estimator.EstimatorSpec(mode, predictions=logits)
        loss = tf.compat.v1.losses.mean_squared_error(labels, logits)
        if mode == tf.estimator.ModeKeys.TRAIN:
            train_op = tf.compat.v1.train.AdamOptimizer(learning_rate).minimize(loss)
            return tf.estimator.EstimatorSpec(mode, loss=loss, train_op=train_op)
        return tf.estimator.EstimatorSpec(mode, loss=loss)

    return model_fn
''',
        ),
        Invalid(
            # functools.partial binds the model_fn's own settings by position, Estimator hands the rest:
            # a model_fn, whose loss from labels PREDICT runs
            id="a_model_fn_a_partial_gives_its_settings_first",
            before='''\
import functools

import tensorflow as tf


def model_fn(make_network, learning_rate, features, labels, mode):
    logits = make_network()(features["x"])
    loss = tf.compat.v1.losses.sparse_softmax_cross_entropy(labels, logits)
    if mode == tf.estimator.ModeKeys.TRAIN:
        opt = tf.compat.v1.train.GradientDescentOptimizer(learning_rate)
        train_op = opt.minimize(loss, tf.compat.v1.train.get_or_create_global_step())
        return tf.estimator.EstimatorSpec(mode, loss=loss, train_op=train_op)
    return tf.estimator.EstimatorSpec(mode, loss=loss, predictions={"classes": tf.argmax(logits, 1)})


def main(make_network):
    estimator = tf.estimator.Estimator(model_fn=functools.partial(model_fn, make_network, 0.1))
    return estimator
''',
            findings=("EF101:8:safe", "EF105:13:safe",),
            after='''\
import functools

import tensorflow as tf


def model_fn(make_network, learning_rate, features, labels, mode):
    logits = make_network()(features["x"])
    if mode == tf.estimator.ModeKeys.PREDICT:
        return tf.estimator.EstimatorSpec(mode, predictions={"classes": tf.argmax(logits, 1)})
    loss = tf.compat.v1.losses.sparse_softmax_cross_entropy(labels, logits)
    if mode == tf.estimator.ModeKeys.TRAIN:
        opt = tf.compat.v1.train.GradientDescentOptimizer(learning_rate)
        train_op = opt.minimize(loss, tf.compat.v1.train.get_or_create_global_step())
        return tf.estimator.EstimatorSpec(mode, loss=loss, train_op=train_op)
    return tf.estimator.EstimatorSpec(mode, loss=loss, predictions={"classes": tf.argmax(logits, 1)})


def main(make_network):
    estimator = tf.estimator.Estimator(model_fn=functools.partial(model_fn, make_network, 0.1))
    return estimator
''',
        ),
        Invalid(
            # a list of LoggingTensorHooks made of label values is no finding of its own: it moves
            # with the statement computing them
            id="a_list_of_hooks_goes_with_its_values",
            before='''\
import tensorflow as tf


def model_fn(features, labels, mode, params):
    logits = tf.compat.v1.layers.dense(features["x"], 1)
    error = tf.reduce_mean(tf.abs(labels - logits))
    hooks = [tf.compat.v1.train.LoggingTensorHook({"error": error}, every_n_iter=100)]
    if mode == tf.estimator.ModeKeys.PREDICT:
        return tf.estimator.EstimatorSpec(mode, predictions={"y": logits})
    loss = tf.reduce_mean(tf.square(labels - logits))
    if mode == tf.estimator.ModeKeys.TRAIN:
        opt = tf.compat.v1.train.AdamOptimizer(0.01)
        train_op = opt.minimize(loss, tf.compat.v1.train.get_or_create_global_step())
        return tf.estimator.EstimatorSpec(mode, loss=loss, train_op=train_op, training_hooks=hooks)
    return tf.estimator.EstimatorSpec(mode, loss=loss)
''',
            findings=("EF101:6:safe",),
            after='''\
import tensorflow as tf


def model_fn(features, labels, mode, params):
    logits = tf.compat.v1.layers.dense(features["x"], 1)
    if mode == tf.estimator.ModeKeys.PREDICT:
        return tf.estimator.EstimatorSpec(mode, predictions={"y": logits})
    error = tf.reduce_mean(tf.abs(labels - logits))
    hooks = [tf.compat.v1.train.LoggingTensorHook({"error": error}, every_n_iter=100)]
    loss = tf.reduce_mean(tf.square(labels - logits))
    if mode == tf.estimator.ModeKeys.TRAIN:
        opt = tf.compat.v1.train.AdamOptimizer(0.01)
        train_op = opt.minimize(loss, tf.compat.v1.train.get_or_create_global_step())
        return tf.estimator.EstimatorSpec(mode, loss=loss, train_op=train_op, training_hooks=hooks)
    return tf.estimator.EstimatorSpec(mode, loss=loss)
''',
        ),
        Invalid(
            # an optimizer object handed to a loss function of another module is its setting (loss
            # scaling): the loss is label code PREDICT runs, not a training op
            id="an_optimizer_handed_to_a_loss_is_its_setting",
            before='''\
import tensorflow as tf
import losses_lib


def model_fn(features, labels, mode, params):
    logits = tf.compat.v1.layers.dense(features["x"], 1)
    opt = tf.compat.v1.train.AdamOptimizer(0.01)
    loss = losses_lib.scaled_loss(logits, labels, opt=opt)
    if mode == tf.estimator.ModeKeys.PREDICT:
        return tf.estimator.EstimatorSpec(mode, predictions={"y": logits})
    if mode == tf.estimator.ModeKeys.TRAIN:
        train_op = opt.minimize(loss, tf.compat.v1.train.get_or_create_global_step())
        return tf.estimator.EstimatorSpec(mode, loss=loss, train_op=train_op)
    return tf.estimator.EstimatorSpec(mode, loss=loss)
''',
            findings=("EF102:7:none", "EF101:8:safe",),
            after='''\
import tensorflow as tf
import losses_lib


def model_fn(features, labels, mode, params):
    logits = tf.compat.v1.layers.dense(features["x"], 1)
    opt = tf.compat.v1.train.AdamOptimizer(0.01)
    if mode == tf.estimator.ModeKeys.PREDICT:
        return tf.estimator.EstimatorSpec(mode, predictions={"y": logits})
    loss = losses_lib.scaled_loss(logits, labels, opt=opt)
    if mode == tf.estimator.ModeKeys.TRAIN:
        train_op = opt.minimize(loss, tf.compat.v1.train.get_or_create_global_step())
        return tf.estimator.EstimatorSpec(mode, loss=loss, train_op=train_op)
    return tf.estimator.EstimatorSpec(mode, loss=loss)
''',
        ),
        Invalid(
            # a method that reads the labels stored on its object, with no test of the mode
            # before it, computes from them in PREDICT too
            id="a_method_reading_the_labels_stored_on_its_object",
            before='''\
import tensorflow as tf


class Classifier:
    def _add_loss(self):
        self.loss = tf.compat.v1.losses.sparse_softmax_cross_entropy(self.labels, self.logits)

    def model_fn_builder(self):
        def model_fn(features, labels, mode, params):
            self.labels = labels
            self.logits = tf.compat.v1.layers.dense(features["x"], params["classes"])
            self._add_loss()
            if mode == tf.estimator.ModeKeys.PREDICT:
                return tf.estimator.EstimatorSpec(mode, predictions={"logits": self.logits})
            return tf.estimator.EstimatorSpec(mode, loss=self.loss)

        return model_fn
''',
            findings=("EF101:12:none",),
        ),
        Invalid(
            # ``self.model.training = mode == TRAIN`` tells TRAIN apart, not EVAL from PREDICT:
            # a method of ``self`` handed the labels still runs on them in PREDICT
            id="an_object_that_keeps_is_training_does_not_gate_the_labels",
            before='''\
import tensorflow as tf


class Trainer:
    def model_fn(self, features, labels, mode):
        self.model.training = mode == tf.estimator.ModeKeys.TRAIN
        logits = self.model(features)
        loss = self.loss(logits, labels)
        train_op = None
        if mode == tf.estimator.ModeKeys.TRAIN:
            train_op = self.optimizer.step(loss)
        if mode == tf.estimator.ModeKeys.TRAIN:
            return tf.estimator.EstimatorSpec(mode, loss=loss, train_op=train_op)
        return tf.estimator.EstimatorSpec(mode, loss=loss, predictions={"logits": logits})

    def train(self):
        return tf.estimator.Estimator(model_fn=self.model_fn)
''',
            findings=("EF101:8:safe", "EF105:14:safe"),
            after='''\
import tensorflow as tf


class Trainer:
    def model_fn(self, features, labels, mode):
        self.model.training = mode == tf.estimator.ModeKeys.TRAIN
        logits = self.model(features)
        if mode != tf.estimator.ModeKeys.PREDICT:
            loss = self.loss(logits, labels)
        train_op = None
        if mode == tf.estimator.ModeKeys.TRAIN:
            train_op = self.optimizer.step(loss)
        if mode == tf.estimator.ModeKeys.TRAIN:
            return tf.estimator.EstimatorSpec(mode, loss=loss, train_op=train_op)
        if mode == tf.estimator.ModeKeys.PREDICT:
            return tf.estimator.EstimatorSpec(mode, predictions={"logits": logits})
        return tf.estimator.EstimatorSpec(mode, loss=loss, predictions={"logits": logits})

    def train(self):
        return tf.estimator.Estimator(model_fn=self.model_fn)
''',
        ),
        Invalid(
            # without the default, the value may be None in PREDICT, and the cast fails there
            id="a_guarded_helpers_result_used_as_it_is",
            before='''\
import tensorflow as tf


def _column(features, labels, name):
    if name in features:
        return features[name]
    if labels is not None:
        return labels[name]
    return None


def model_fn(features, labels, mode):
    logits = tf.compat.v1.layers.dense(features["x"], 1)
    clicked = _column(features, labels, "clicked")
    weight = tf.cast(clicked, tf.float32) + 1.0
    scores = tf.nn.sigmoid(logits) * weight
    if mode == tf.estimator.ModeKeys.PREDICT:
        return tf.estimator.EstimatorSpec(mode, predictions={"scores": scores})
    loss = tf.compat.v1.losses.log_loss(weight - 1.0, tf.nn.sigmoid(logits))
    return tf.estimator.EstimatorSpec(mode, loss=loss)
''',
            findings=("EF101:15:none", "EF101:16:none"),
        ),
        Invalid(
            id="apply_of_a_name_containing_ema_is_not_ema_apply",
            before='''\
import tensorflow as tf

from features import schema


def model_fn(features, labels, mode):
    logits = tf.compat.v1.layers.dense(features["x"], 1)
    targets = schema.apply(labels)
    if mode == tf.estimator.ModeKeys.PREDICT:
        return tf.estimator.EstimatorSpec(mode, predictions={"logits": logits})
    loss = tf.reduce_mean(tf.square(targets - logits))
    return tf.estimator.EstimatorSpec(mode, loss=loss)
''',
            findings=("EF101:8:safe",),
            after='''\
import tensorflow as tf

from features import schema


def model_fn(features, labels, mode):
    logits = tf.compat.v1.layers.dense(features["x"], 1)
    if mode == tf.estimator.ModeKeys.PREDICT:
        return tf.estimator.EstimatorSpec(mode, predictions={"logits": logits})
    targets = schema.apply(labels)
    loss = tf.reduce_mean(tf.square(targets - logits))
    return tf.estimator.EstimatorSpec(mode, loss=loss)
''',
        ),
        Invalid(
            id="tpu_eval_metrics_tuple",
            before='''\
import tensorflow as tf

def model_fn(features, labels, mode, params):
    logits = tf.compat.v1.layers.dense(features["x"], 3)

    def metric_fn(labels, logits):
        return {"acc": tf.compat.v1.metrics.accuracy(labels, tf.argmax(logits, 1))}

    loss = tf.compat.v1.losses.sparse_softmax_cross_entropy(labels, logits)
    eval_metrics = (metric_fn, [labels, logits])
    if mode == tf.estimator.ModeKeys.PREDICT:
        return tf.compat.v1.estimator.tpu.TPUEstimatorSpec(mode, predictions={"logits": logits})
    if mode == tf.estimator.ModeKeys.EVAL:
        return tf.compat.v1.estimator.tpu.TPUEstimatorSpec(mode, loss=loss, eval_metrics=eval_metrics)
    train_op = tf.compat.v1.train.GradientDescentOptimizer(0.1).minimize(loss, tf.compat.v1.train.get_or_create_global_step())
    return tf.compat.v1.estimator.tpu.TPUEstimatorSpec(mode, loss=loss, train_op=train_op)
''',
            findings=("EF101:9:safe",),
            after='''\
import tensorflow as tf

def model_fn(features, labels, mode, params):
    logits = tf.compat.v1.layers.dense(features["x"], 3)

    def metric_fn(labels, logits):
        return {"acc": tf.compat.v1.metrics.accuracy(labels, tf.argmax(logits, 1))}

    if mode == tf.estimator.ModeKeys.PREDICT:
        return tf.compat.v1.estimator.tpu.TPUEstimatorSpec(mode, predictions={"logits": logits})
    loss = tf.compat.v1.losses.sparse_softmax_cross_entropy(labels, logits)
    eval_metrics = (metric_fn, [labels, logits])
    if mode == tf.estimator.ModeKeys.EVAL:
        return tf.compat.v1.estimator.tpu.TPUEstimatorSpec(mode, loss=loss, eval_metrics=eval_metrics)
    train_op = tf.compat.v1.train.GradientDescentOptimizer(0.1).minimize(loss, tf.compat.v1.train.get_or_create_global_step())
    return tf.compat.v1.estimator.tpu.TPUEstimatorSpec(mode, loss=loss, train_op=train_op)
''',
        ),
        Invalid(
            id="targets_and_string_modes",
            before='''\
import tensorflow as tf

def model_fn(features, targets, mode, params):
    y_ = targets
    pred = tf.compat.v1.layers.dense(features["x"], 1)
    loss = tf.reduce_mean(tf.square(y_ - pred))
    if mode == "infer":
        return tf.estimator.EstimatorSpec(mode, predictions=pred)
    train_op = tf.compat.v1.train.GradientDescentOptimizer(0.1).minimize(loss, tf.compat.v1.train.get_or_create_global_step())
    return tf.estimator.EstimatorSpec(mode, loss=loss, train_op=train_op)
''',
            findings=("EF101:6:safe", "EF102:9:safe", "EF105:10:safe"),
            after='''\
import tensorflow as tf

def model_fn(features, targets, mode, params):
    y_ = targets
    pred = tf.compat.v1.layers.dense(features["x"], 1)
    if mode == "infer":
        return tf.estimator.EstimatorSpec(mode, predictions=pred)
    loss = tf.reduce_mean(tf.square(y_ - pred))
    if mode == "train":
        train_op = tf.compat.v1.train.GradientDescentOptimizer(0.1).minimize(loss, tf.compat.v1.train.get_or_create_global_step())
        return tf.estimator.EstimatorSpec(mode, loss=loss, train_op=train_op)
    return tf.estimator.EstimatorSpec(mode, loss=loss)
''',
        ),
        Invalid(
            id="inline_layer_not_moved",
            before='''\
import tensorflow as tf

def model_fn(features, labels, mode):
    aux_loss = tf.compat.v1.losses.mean_squared_error(labels, tf.compat.v1.layers.dense(features["x"], 1))
    pred = tf.compat.v1.layers.dense(features["x"], 1)
    if mode == tf.estimator.ModeKeys.PREDICT:
        return tf.estimator.EstimatorSpec(mode, predictions=pred)
    loss = tf.compat.v1.losses.mean_squared_error(labels, pred) + aux_loss
    train_op = tf.compat.v1.train.GradientDescentOptimizer(0.1).minimize(loss, tf.compat.v1.train.get_or_create_global_step())
    return tf.estimator.EstimatorSpec(mode, loss=loss, train_op=train_op)
''',
            findings=("EF101:4:none", "EF102:9:safe", "EF105:10:safe"),
            after='''\
import tensorflow as tf

def model_fn(features, labels, mode):
    aux_loss = tf.compat.v1.losses.mean_squared_error(labels, tf.compat.v1.layers.dense(features["x"], 1))
    pred = tf.compat.v1.layers.dense(features["x"], 1)
    if mode == tf.estimator.ModeKeys.PREDICT:
        return tf.estimator.EstimatorSpec(mode, predictions=pred)
    loss = tf.compat.v1.losses.mean_squared_error(labels, pred) + aux_loss
    if mode == tf.estimator.ModeKeys.TRAIN:
        train_op = tf.compat.v1.train.GradientDescentOptimizer(0.1).minimize(loss, tf.compat.v1.train.get_or_create_global_step())
        return tf.estimator.EstimatorSpec(mode, loss=loss, train_op=train_op)
    return tf.estimator.EstimatorSpec(mode, loss=loss)
''',
        ),
        Invalid(
            id="closure_method_oneliner_lookalike",
            before='''\
import tensorflow as tf

def make_model_fn(lr):
    def model_fn(mode, features, labels):
        import tensorflow as tfl
        pred = tfl.compat.v1.layers.dense(features["x"], 1)
        loss = tfl.reduce_mean(tfl.square(labels - pred))
        if mode is tfl.estimator.ModeKeys.PREDICT:
            return tfl.estimator.EstimatorSpec(mode, predictions=pred)
        return tfl.estimator.EstimatorSpec(mode, loss=loss, train_op=tfl.compat.v1.train.GradientDescentOptimizer(lr).minimize(loss, tfl.compat.v1.train.get_or_create_global_step()))
    return model_fn

class Model:
    def model_fn(self, features, labels, mode, params):
        pred = tf.compat.v1.layers.dense(features["x"], 1)
        loss = tf.reduce_mean(tf.square(labels - pred))
        return tf.estimator.EstimatorSpec(mode, predictions=pred, loss=loss)

def one(features, labels, mode): return tf.estimator.EstimatorSpec(mode, predictions=features["x"])

def not_a_model_fn(features, labels, mode):
    loss = labels - features
    return loss

def passed(features, labels, mode, params):
    loss = tf.reduce_mean(labels)
    return make_spec(mode, loss)

est = tf.estimator.Estimator(model_fn=passed)
''',
            findings=("EF101:7:safe", "EF105:10:safe", "EF101:16:safe", "EF105:17:safe", "EF101:26:none"),
            after='''\
import tensorflow as tf

def make_model_fn(lr):
    def model_fn(mode, features, labels):
        import tensorflow as tfl
        pred = tfl.compat.v1.layers.dense(features["x"], 1)
        if mode is tfl.estimator.ModeKeys.PREDICT:
            return tfl.estimator.EstimatorSpec(mode, predictions=pred)
        loss = tfl.reduce_mean(tfl.square(labels - pred))
        if mode == tfl.estimator.ModeKeys.TRAIN:
            return tfl.estimator.EstimatorSpec(mode, loss=loss, train_op=tfl.compat.v1.train.GradientDescentOptimizer(lr).minimize(loss, tfl.compat.v1.train.get_or_create_global_step()))
        return tfl.estimator.EstimatorSpec(mode, loss=loss)
    return model_fn

class Model:
    def model_fn(self, features, labels, mode, params):
        pred = tf.compat.v1.layers.dense(features["x"], 1)
        if mode == tf.estimator.ModeKeys.PREDICT:
            return tf.estimator.EstimatorSpec(mode, predictions=pred)
        loss = tf.reduce_mean(tf.square(labels - pred))
        return tf.estimator.EstimatorSpec(mode, predictions=pred, loss=loss)

def one(features, labels, mode): return tf.estimator.EstimatorSpec(mode, predictions=features["x"])

def not_a_model_fn(features, labels, mode):
    loss = labels - features
    return loss

def passed(features, labels, mode, params):
    loss = tf.reduce_mean(labels)
    return make_spec(mode, loss)

est = tf.estimator.Estimator(model_fn=passed)
''',
        ),
        Invalid(
            id="seed_drawing_label_code",
            before='''\
import tensorflow as tf

def model_fn(features, labels, mode):
    noisy = labels + tf.random.normal(tf.shape(labels))
    logits = tf.compat.v1.layers.dropout(features["x"], 0.5, training=mode == tf.estimator.ModeKeys.TRAIN)
    if mode == tf.estimator.ModeKeys.PREDICT:
        return tf.estimator.EstimatorSpec(mode, predictions=logits)
    loss = tf.reduce_mean(tf.square(noisy - logits))
    return tf.estimator.EstimatorSpec(mode, loss=loss)
''',
            findings=("EF101:4:unsafe",),
        ),
        Invalid(
            id="seed_drawing_label_code_unsafe",
            before='''\
import tensorflow as tf

def model_fn(features, labels, mode):
    noisy = labels + tf.random.normal(tf.shape(labels))
    logits = tf.compat.v1.layers.dropout(features["x"], 0.5, training=mode == tf.estimator.ModeKeys.TRAIN)
    if mode == tf.estimator.ModeKeys.PREDICT:
        return tf.estimator.EstimatorSpec(mode, predictions=logits)
    loss = tf.reduce_mean(tf.square(noisy - logits))
    return tf.estimator.EstimatorSpec(mode, loss=loss)
''',
            findings=("EF101:4:unsafe",),
            after='''\
import tensorflow as tf

def model_fn(features, labels, mode):
    logits = tf.compat.v1.layers.dropout(features["x"], 0.5, training=mode == tf.estimator.ModeKeys.TRAIN)
    if mode == tf.estimator.ModeKeys.PREDICT:
        return tf.estimator.EstimatorSpec(mode, predictions=logits)
    noisy = labels + tf.random.normal(tf.shape(labels))
    loss = tf.reduce_mean(tf.square(noisy - logits))
    return tf.estimator.EstimatorSpec(mode, loss=loss)
''',
            unsafe_fixes=True,
        ),
        Invalid(
            id="labels_unpacked_fail_on_none",
            before='''\
import tensorflow as tf

def model_fn(features, labels, mode):
    targets, weights = labels
    logits = tf.compat.v1.layers.dense(features["x"], 1)
    if mode == tf.estimator.ModeKeys.PREDICT:
        return tf.estimator.EstimatorSpec(mode, predictions={"y": logits})
    loss = tf.compat.v1.losses.mean_squared_error(targets, logits, weights=weights)
    return tf.estimator.EstimatorSpec(mode, loss=loss)
''',
            findings=("EF101:4:safe",),
            after='''\
import tensorflow as tf

def model_fn(features, labels, mode):
    if mode != tf.estimator.ModeKeys.PREDICT:
        targets, weights = labels
    logits = tf.compat.v1.layers.dense(features["x"], 1)
    if mode == tf.estimator.ModeKeys.PREDICT:
        return tf.estimator.EstimatorSpec(mode, predictions={"y": logits})
    loss = tf.compat.v1.losses.mean_squared_error(targets, logits, weights=weights)
    return tf.estimator.EstimatorSpec(mode, loss=loss)
''',
        ),
        Invalid(
            id="labels_merged_into_features",
            before='''\
import tensorflow as tf

def model_fn(features, labels, mode):
    features.update(labels)
    logits = tf.compat.v1.layers.dense(features["x"], 1)
    probabilities = tf.nn.sigmoid(logits)
    if mode == tf.estimator.ModeKeys.PREDICT:
        return tf.estimator.EstimatorSpec(mode, predictions={"p": probabilities})
    loss = tf.compat.v1.losses.log_loss(features["y"], probabilities)
    return tf.estimator.EstimatorSpec(mode, loss=loss)
''',
            findings=("EF101:4:safe",),
            after='''\
import tensorflow as tf

def model_fn(features, labels, mode):
    if mode != tf.estimator.ModeKeys.PREDICT:
        features.update(labels)
    logits = tf.compat.v1.layers.dense(features["x"], 1)
    probabilities = tf.nn.sigmoid(logits)
    if mode == tf.estimator.ModeKeys.PREDICT:
        return tf.estimator.EstimatorSpec(mode, predictions={"p": probabilities})
    loss = tf.compat.v1.losses.log_loss(features["y"], probabilities)
    return tf.estimator.EstimatorSpec(mode, loss=loss)
''',
        ),
        Invalid(
            id="interleaved_predict_code_guarded",
            before='''\
import tensorflow as tf

def model_fn(features, labels, mode):
    logits = tf.compat.v1.layers.dense(features["x"], 3)
    loss = tf.compat.v1.losses.sparse_softmax_cross_entropy(labels, logits)
    probabilities = tf.nn.softmax(logits)
    if mode == tf.estimator.ModeKeys.PREDICT:
        return tf.estimator.EstimatorSpec(mode, predictions={"p": probabilities})
    train_op = tf.compat.v1.train.AdamOptimizer().minimize(loss, tf.compat.v1.train.get_or_create_global_step())
    return tf.estimator.EstimatorSpec(mode, loss=loss, train_op=train_op)
''',
            findings=("EF101:5:safe", "EF102:9:safe", "EF105:10:safe"),
            after='''\
import tensorflow as tf

def model_fn(features, labels, mode):
    logits = tf.compat.v1.layers.dense(features["x"], 3)
    if mode != tf.estimator.ModeKeys.PREDICT:
        loss = tf.compat.v1.losses.sparse_softmax_cross_entropy(labels, logits)
    probabilities = tf.nn.softmax(logits)
    if mode == tf.estimator.ModeKeys.PREDICT:
        return tf.estimator.EstimatorSpec(mode, predictions={"p": probabilities})
    if mode == tf.estimator.ModeKeys.TRAIN:
        train_op = tf.compat.v1.train.AdamOptimizer().minimize(loss, tf.compat.v1.train.get_or_create_global_step())
        return tf.estimator.EstimatorSpec(mode, loss=loss, train_op=train_op)
    return tf.estimator.EstimatorSpec(mode, loss=loss)
''',
        ),
        Invalid(
            id="interleaved_predict_code_reordered_unsafe",
            before='''\
import tensorflow as tf

def model_fn(features, labels, mode):
    logits = tf.compat.v1.layers.dense(features["x"], 3)
    loss = tf.compat.v1.losses.sparse_softmax_cross_entropy(labels, logits)
    probabilities = tf.nn.softmax(logits)
    if mode == tf.estimator.ModeKeys.PREDICT:
        return tf.estimator.EstimatorSpec(mode, predictions={"p": probabilities})
    train_op = tf.compat.v1.train.AdamOptimizer().minimize(loss, tf.compat.v1.train.get_or_create_global_step())
    return tf.estimator.EstimatorSpec(mode, loss=loss, train_op=train_op)
''',
            findings=("EF101:5:unsafe", "EF102:9:safe", "EF105:10:safe"),
            after='''\
import tensorflow as tf

def model_fn(features, labels, mode):
    logits = tf.compat.v1.layers.dense(features["x"], 3)
    probabilities = tf.nn.softmax(logits)
    if mode == tf.estimator.ModeKeys.PREDICT:
        return tf.estimator.EstimatorSpec(mode, predictions={"p": probabilities})
    loss = tf.compat.v1.losses.sparse_softmax_cross_entropy(labels, logits)
    if mode == tf.estimator.ModeKeys.TRAIN:
        train_op = tf.compat.v1.train.AdamOptimizer().minimize(loss, tf.compat.v1.train.get_or_create_global_step())
        return tf.estimator.EstimatorSpec(mode, loss=loss, train_op=train_op)
    return tf.estimator.EstimatorSpec(mode, loss=loss)
''',
            unsafe_fixes=True,
        ),
        Invalid(
            id="relative_test_rebuilt_when_moved",
            before='''\
import tensorflow as tf


def model_fn(features, labels, mode):
    predictions = features["x"]
    loss = tf.reduce_mean(labels - predictions)
    if mode == "eval":
        return tf.estimator.EstimatorSpec(mode, loss=loss)
    if mode != "train":
        return tf.estimator.EstimatorSpec(mode, predictions=predictions)
    train_op = tf.compat.v1.train.GradientDescentOptimizer(0.1).minimize(loss)
    return tf.estimator.EstimatorSpec(mode, loss=loss, train_op=train_op)
''',
            findings=("EF101:6:safe",),
            after='''\
import tensorflow as tf


def model_fn(features, labels, mode):
    predictions = features["x"]
    if mode == "infer":
        return tf.estimator.EstimatorSpec(mode, predictions=predictions)
    loss = tf.reduce_mean(labels - predictions)
    if mode == "eval":
        return tf.estimator.EstimatorSpec(mode, loss=loss)
    train_op = tf.compat.v1.train.GradientDescentOptimizer(0.1).minimize(loss)
    return tf.estimator.EstimatorSpec(mode, loss=loss, train_op=train_op)
''',
        ),
        Invalid(
            id="labels_looked_into_before_a_helper_is_their_own_reader",
            before='''\
import tensorflow as tf


def model_fn(features, labels, mode):
    target = embed(labels["target"])
    logits = decode(mode, features["x"], target)
    if mode == tf.estimator.ModeKeys.PREDICT:
        return tf.estimator.EstimatorSpec(mode, predictions=logits)
    loss = tf.reduce_mean(logits)
    return tf.estimator.EstimatorSpec(mode, loss=loss)
''',
            findings=("EF101:5:none",),
        ),
        Invalid(
            # crf_log_likelihood's second result is the transition matrix it was handed: the
            # decoding PREDICT needs reads no labels (the likelihood still does, and PREDICT
            # needs the statement for the matrix it rebinds: manual)
            id="crf_transition_matrix_is_no_label_result",
            before='''\
import tensorflow as tf


def model_fn(features, labels, mode, params):
    logits = tf.compat.v1.layers.dense(features["x"], 4)
    lengths = features["length"]
    transition = tf.compat.v1.get_variable("transition", [4, 4])
    log_likelihood, transition = tf.contrib.crf.crf_log_likelihood(logits, labels, lengths, transition)
    predictions, _ = tf.contrib.crf.crf_decode(logits, transition, lengths)
    if mode == tf.estimator.ModeKeys.PREDICT:
        return tf.estimator.EstimatorSpec(mode, predictions=predictions)
    loss = tf.reduce_mean(-log_likelihood)
    return tf.estimator.EstimatorSpec(mode, loss=loss)
''',
            findings=("EF101:8:none",),
        ),
        Invalid(
            id="a_hook_holding_the_loss_and_a_schedule_goes_with_the_loss",
            before='''\
import tensorflow as tf


def model_fn(features, labels, mode):
    def get_lr():
        step = tf.compat.v1.train.get_global_step()
        return tf.compat.v1.train.exponential_decay(0.1, step, 100, 0.9)

    logits = tf.compat.v1.layers.dense(features["x"], 1)
    loss = tf.reduce_mean(tf.square(labels - logits))
    hook = tf.estimator.LoggingTensorHook({"loss": loss, "lr": get_lr()}, every_n_iter=10)
    if mode == tf.estimator.ModeKeys.PREDICT:
        return tf.estimator.EstimatorSpec(mode, predictions=logits)
    if mode == tf.estimator.ModeKeys.TRAIN:
        train_op = tf.compat.v1.train.AdamOptimizer(get_lr()).minimize(loss)
        return tf.estimator.EstimatorSpec(mode, loss=loss, train_op=train_op, training_hooks=[hook])
    return tf.estimator.EstimatorSpec(mode, loss=loss)
''',
            findings=("EF101:10:safe",),
            after='''\
import tensorflow as tf


def model_fn(features, labels, mode):
    def get_lr():
        step = tf.compat.v1.train.get_global_step()
        return tf.compat.v1.train.exponential_decay(0.1, step, 100, 0.9)

    logits = tf.compat.v1.layers.dense(features["x"], 1)
    if mode == tf.estimator.ModeKeys.PREDICT:
        return tf.estimator.EstimatorSpec(mode, predictions=logits)
    loss = tf.reduce_mean(tf.square(labels - logits))
    hook = tf.estimator.LoggingTensorHook({"loss": loss, "lr": get_lr()}, every_n_iter=10)
    if mode == tf.estimator.ModeKeys.TRAIN:
        train_op = tf.compat.v1.train.AdamOptimizer(get_lr()).minimize(loss)
        return tf.estimator.EstimatorSpec(mode, loss=loss, train_op=train_op, training_hooks=[hook])
    return tf.estimator.EstimatorSpec(mode, loss=loss)
''',
        ),
        Invalid(
            # `setattr(self, "target", labels)` stores the labels in that attribute: a loss read
            # from it before the PREDICT return runs on None there; the store goes with it, as
            # `self.target = labels` would
            id="labels_stored_by_setattr_under_a_literal_name",
            before='''\
import tensorflow as tf


class Model(object):
    def model_fn(self, features, labels, mode):
        setattr(self, "target", labels)
        logits = tf.compat.v1.layers.dense(features["x"], 1)
        loss = tf.compat.v1.losses.mean_squared_error(self.target, logits)
        if mode == tf.estimator.ModeKeys.PREDICT:
            return tf.estimator.EstimatorSpec(mode, predictions=logits)
        return tf.estimator.EstimatorSpec(mode, loss=loss)
''',
            findings=("EF101:8:safe",),
            after='''\
import tensorflow as tf


class Model(object):
    def model_fn(self, features, labels, mode):
        if mode != tf.estimator.ModeKeys.PREDICT:
            setattr(self, "target", labels)
        logits = tf.compat.v1.layers.dense(features["x"], 1)
        if mode == tf.estimator.ModeKeys.PREDICT:
            return tf.estimator.EstimatorSpec(mode, predictions=logits)
        loss = tf.compat.v1.losses.mean_squared_error(self.target, logits)
        return tf.estimator.EstimatorSpec(mode, loss=loss)
''',
        ),
        Invalid(
            id="adjacent_train_blocks_stay_apart",
            before='''\
import tensorflow as tf


def model_fn(features, labels, mode):
    logits = tf.compat.v1.layers.dense(features["x"], 1)
    loss = tf.reduce_mean(tf.square(labels - logits))
    if mode == tf.estimator.ModeKeys.PREDICT:
        return tf.estimator.EstimatorSpec(mode, predictions=logits)
    if mode == tf.estimator.ModeKeys.TRAIN:  # training only
        train_op = tf.compat.v1.train.GradientDescentOptimizer(0.1).minimize(loss)
        # end of the training block
    if mode == tf.estimator.ModeKeys.TRAIN:
        return tf.estimator.EstimatorSpec(mode, loss=loss, train_op=train_op)
    return tf.estimator.EstimatorSpec(mode, loss=loss)
''',
            findings=("EF101:6:safe",),
            after='''\
import tensorflow as tf


def model_fn(features, labels, mode):
    logits = tf.compat.v1.layers.dense(features["x"], 1)
    if mode == tf.estimator.ModeKeys.PREDICT:
        return tf.estimator.EstimatorSpec(mode, predictions=logits)
    loss = tf.reduce_mean(tf.square(labels - logits))
    if mode == tf.estimator.ModeKeys.TRAIN:  # training only
        train_op = tf.compat.v1.train.GradientDescentOptimizer(0.1).minimize(loss)
        # end of the training block
    if mode == tf.estimator.ModeKeys.TRAIN:
        return tf.estimator.EstimatorSpec(mode, loss=loss, train_op=train_op)
    return tf.estimator.EstimatorSpec(mode, loss=loss)
''',
        ),
    ),
)
