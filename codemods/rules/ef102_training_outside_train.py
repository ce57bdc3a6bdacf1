"""EF102: optimizer, gradients or train_op built outside TRAIN."""

from __future__ import annotations

from codemods.modes.policy import TagPolicy, has_words, words
from codemods.rules.rule import FixSafety, Invalid, Rule, Valid
from codemods.vocabulary import Mode, Tag

CODE = "EF102"

#: Methods whose call builds training machinery on an optimizer-like object.
TRAINING_METHODS = frozenset({"minimize", "compute_gradients", "apply_gradients", "get_updates"})


def is_optimizer(tf_name: str) -> bool:
    """An optimizer class: ``tf.train.AdamOptimizer``, ``tf.keras.optimizers.Adam``, a
    wrapper such as ``tf.keras.mixed_precision.LossScaleOptimizer``, or a TensorFlow function
    that returns one wrapping the optimizer it is given."""
    parts = tf_name.split(".")
    leaf = parts[-1]
    return (
        leaf.endswith(("Optimizer", "OptimizeLoss"))
        or leaf in _WRAPPING_FUNCTIONS
        or (len(parts) > 2 and optimizer_class(parts[-2], leaf))
    )


#: TensorFlow functions that return a new optimizer wrapping the one they are given.
_WRAPPING_FUNCTIONS = frozenset(
    {
        "clip_gradients_by_norm",  # tf.contrib.estimator
        "enable_mixed_precision_graph_rewrite",  # tf.train.experimental, tf.compat.v1.mixed_precision
    }
)


#: Words that name what an optimizers module holds besides optimizers (learning-rate schedules).
_SCHEDULE_WORDS = frozenset({"decay", "warmup", "warm", "schedule", "schedules", "rate", "lr"})


#: What a module named for what it builds calls the function that builds it.
_BUILDER_VERBS = frozenset({"build", "create", "get", "make"})


def optimizer_class(module: str, name: str) -> bool:
    """A class of an ``optimizers`` module that is an optimizer (``tfa.optimizers.LazyAdam``),
    not a learning-rate schedule (``optimizers.LinearWarmup``, ``PolynomialDecay``); or the
    builder function of a module named for optimizers (``optimizer_builder.build(config)``)."""
    if names_training(words(module)) and words(name) and words(name)[0] in _BUILDER_VERBS:
        return True
    return (
        module == "optimizers"
        and name[:1].isupper()
        and not _SCHEDULE_WORDS & set(words(name))
    )


def is_training_call(tf_name: str) -> bool:
    """An optimizer, ``tf.gradients``, ``optimize_loss`` or a function named for them
    (``optimizers.get_optimizer_instance``, ``training.create_train_op``): training
    machinery."""
    leaf = tf_name.rsplit(".", 1)[-1]
    return (
        is_optimizer(tf_name)
        or names_training(words(leaf))
        or tf_name in {"tensorflow.gradients", "tensorflow.train.OptimizeLoss"}
        or (tf_name.startswith("tensorflow.train.") and leaf in {"Adam", "SGD", "Adagrad"})
    )


def names_training(words: tuple[str, ...]) -> bool:
    """A helper named for training machinery: ``create_optimizer``, ``build_train_op``,
    ``minimize_loss`` (BERT's ``optimization.create_optimizer`` is outside the file)."""
    return (
        any("optimizer" in word or "optimiser" in word or "minimize" in word for word in words)
        or has_words(words, "train", "op")
        or has_words(words, "train", "ops")
    )


def names_training_value(words: tuple[str, ...]) -> bool:
    """A name whose head (its last word) is training machinery: ``training_optimizer``,
    ``train_op``; not ``optimizer_summary_vars`` (variables about the optimizer)."""
    return bool(words) and (words[-1] in {"optimizer", "optimiser"} or words[-2:] == ("train", "op"))


POLICY = TagPolicy(
    code=CODE,
    tag=Tag.TRAIN,
    blocked_in=frozenset({Mode.PREDICT, Mode.EVAL}),
    priority=0,
    tf_call=is_training_call,
    methods=TRAINING_METHODS,
    helper=names_training,
    defines=frozenset({"train_op"}),
    module_class=optimizer_class,
    method_head=names_training_value,
)

RULE = Rule(
    code=CODE,
    title="optimizer, gradients or train_op built outside TRAIN",
    fix=FixSafety.SAFE,
    fix_summary="safe: moved into the TRAIN branch",
    what=(
        "Finds optimizers, gradients, `minimize`/`apply_gradients` calls and `train_op` "
        "built by statements that also run in EVAL or PREDICT."
    ),
    why=(
        "An optimizer, its gradients and its train_op are only run by train(). Built in "
        "EVAL they add slot variables and gradient ops to the evaluation graph (slower, "
        "more memory, and a second global-step increment path); built in PREDICT they "
        "crash on the label-derived loss."
    ),
    example='''\
if mode == tf.estimator.ModeKeys.PREDICT:
    return tf.estimator.EstimatorSpec(mode, predictions={'l': logits})
loss = tf.compat.v1.losses.sparse_softmax_cross_entropy(labels, logits)
optimizer = tf.compat.v1.train.GradientDescentOptimizer(0.1)
train_op = optimizer.minimize(loss, global_step=tf.compat.v1.train.get_or_create_global_step())
if mode == tf.estimator.ModeKeys.TRAIN:
    return tf.estimator.EstimatorSpec(mode, loss=loss, train_op=train_op)
return tf.estimator.EstimatorSpec(mode, loss=loss)
''',
    use_instead='''\
if mode == tf.estimator.ModeKeys.PREDICT:
    return tf.estimator.EstimatorSpec(mode, predictions={'l': logits})
loss = tf.compat.v1.losses.sparse_softmax_cross_entropy(labels, logits)
if mode == tf.estimator.ModeKeys.TRAIN:
    optimizer = tf.compat.v1.train.GradientDescentOptimizer(0.1)
    train_op = optimizer.minimize(loss, global_step=tf.compat.v1.train.get_or_create_global_step())
    return tf.estimator.EstimatorSpec(mode, loss=loss, train_op=train_op)
return tf.estimator.EstimatorSpec(mode, loss=loss)
''',
    fix_safety=(
        "Safe: the training statements move, with the TRAIN spec, into `if mode == "
        "TRAIN:`. `ema.apply(...)` (shadow variables every mode restores) never moves: "
        "reported with fix 'none'."
    ),
    message="training op {what} is built outside TRAIN (runs in {where})",
    valid=(
        Valid(
            # `is_training = is_train = mode == TRAIN` makes both names the flag: the optimizer
            # under `if is_train:` runs in TRAIN only
            id="a_mode_flag_bound_to_two_names_in_one_assignment",
            source='''\
import tensorflow as tf


def model_fn(features, labels, mode):
    is_training = is_train = mode == tf.estimator.ModeKeys.TRAIN
    logits = tf.compat.v1.layers.dense(features["x"], 3)
    logits = tf.compat.v1.layers.dropout(logits, training=is_training)
    if mode == tf.estimator.ModeKeys.PREDICT:
        return tf.estimator.EstimatorSpec(mode, predictions=logits)
    loss = tf.compat.v1.losses.sparse_softmax_cross_entropy(labels, logits)
    train_op = None
    if is_train:
        step = tf.compat.v1.train.get_or_create_global_step()
        train_op = tf.compat.v1.train.AdamOptimizer().minimize(loss, step)
    return tf.estimator.EstimatorSpec(mode, loss=loss, train_op=train_op)
''',
        ),
        Valid(
            # `tf.estimator.Modekeys.EVAL` raises where Python reads it, and read as the EVAL it means,
            # EVAL returns there: either way the optimizer after it runs in TRAIN only
            id="an_eval_return_behind_a_misspelt_modekeys",
            source='''\
import tensorflow as tf


def model_fn(features, labels, mode):
    logits = tf.compat.v1.layers.dense(features["x"], 1)
    if mode == tf.estimator.ModeKeys.PREDICT:
        return tf.estimator.EstimatorSpec(mode, predictions=logits)
    loss = tf.compat.v1.losses.mean_squared_error(labels, logits)
    if mode == tf.estimator.Modekeys.EVAL:
        return tf.estimator.EstimatorSpec(mode, loss=loss)
    train_op = tf.compat.v1.train.AdamOptimizer().minimize(loss)
    return tf.estimator.EstimatorSpec(mode, loss=loss, train_op=train_op)
''',
        ),
        Valid(
            # `train_op = tf.no_op()` as every mode's default, replaced in TRAIN: an op that does
            # nothing trains nothing, so neither the default nor the one spec handing it to EVAL
            # and PREDICT builds training there (as `train_op = None` does not)
            id="a_no_op_train_op_every_mode_starts_from",
            source='''\
import tensorflow as tf


def model_fn(features, labels, mode):
    logits = tf.compat.v1.layers.dense(features["x"], 2)
    train_op = tf.no_op()
    loss = None
    if mode != tf.estimator.ModeKeys.PREDICT:
        loss = tf.compat.v1.losses.sparse_softmax_cross_entropy(labels, logits)
    if mode == tf.estimator.ModeKeys.TRAIN:
        step = tf.compat.v1.train.get_or_create_global_step()
        train_op = tf.compat.v1.train.AdamOptimizer(0.01).minimize(loss, step)
    return tf.estimator.EstimatorSpec(
        mode, predictions={"logits": logits}, loss=loss, train_op=train_op
    )
''',
        ),
        Valid(
            # a gradient taken with respect to what the model_fn computed from its features (a saliency
            # map PREDICT returns) updates no variable: an output, not training
            id="a_saliency_gradient_of_the_inputs",
            source='''\
import tensorflow as tf


def model_fn(features, labels, mode, params):
    images = tf.reshape(features["x"], [-1, 28, 28, 1])
    hidden = tf.compat.v1.layers.conv2d(images, 8, 3)
    logits = tf.compat.v1.layers.dense(tf.compat.v1.layers.flatten(hidden), 10)
    saliency = tf.gradients(tf.reduce_max(logits, axis=1), [images])[0]
    predictions = {"classes": tf.argmax(logits, axis=1), "saliency": saliency}
    if mode == tf.estimator.ModeKeys.PREDICT:
        return tf.estimator.EstimatorSpec(mode, predictions=predictions)
    loss = tf.compat.v1.losses.sparse_softmax_cross_entropy(labels, logits)
    if mode == tf.estimator.ModeKeys.TRAIN:
        opt = tf.compat.v1.train.AdamOptimizer(0.001)
        train_op = opt.minimize(loss, tf.compat.v1.train.get_or_create_global_step())
        return tf.estimator.EstimatorSpec(mode, loss=loss, train_op=train_op)
    return tf.estimator.EstimatorSpec(mode, loss=loss)
''',
        ),
        Valid(
            # forces as the derivative of a potential's energy by the coordinates, taken in a
            # helper of what it is handed of the features (through a second helper, too): an
            # output PREDICT returns, not training - no variable is differentiated
            id="a_gradient_a_helper_takes_by_features_it_is_handed",
            source='''\
import tensorflow as tf


def _dense_grad(energy, coord):
    grad = tf.gradients(energy, coord)[0]
    return grad


def _stress(energy, tensors):
    pairs = _dense_grad(energy, tensors["diff"])
    return tf.reduce_sum(pairs * tensors["diff"], axis=1)


def model_fn(features, labels, mode, params):
    energy = tf.reduce_sum(tf.compat.v1.layers.dense(features["coord"], 1), axis=1)
    if mode == tf.estimator.ModeKeys.PREDICT:
        forces = -_dense_grad(energy, features["coord"])
        forces = tf.expand_dims(forces, 0)
        stress = _stress(energy, features)
        predictions = {"energy": energy, "forces": forces, "stress": stress}
        return tf.estimator.EstimatorSpec(mode, predictions=predictions)
    loss = tf.compat.v1.losses.mean_squared_error(labels, energy)
    if mode == tf.estimator.ModeKeys.TRAIN:
        step = tf.compat.v1.train.get_or_create_global_step()
        train_op = tf.compat.v1.train.AdamOptimizer(0.01).minimize(loss, step)
        return tf.estimator.EstimatorSpec(mode, loss=loss, train_op=train_op)
    return tf.estimator.EstimatorSpec(mode, loss=loss)
''',
        ),
        Valid(
            # the train op is an attribute of an object a later method call builds it on: the
            # call that made the object built no train op
            id="an_object_whose_method_builds_the_train_op_later",
            source='''\
import tensorflow as tf

from model import Model


def model_fn(features, labels, mode):
    model = Model(features)
    if mode == tf.estimator.ModeKeys.PREDICT:
        return tf.estimator.EstimatorSpec(mode, predictions={"logits": model.logits})
    model.build_training(labels)
    if mode == tf.estimator.ModeKeys.TRAIN:
        return tf.estimator.EstimatorSpec(mode, loss=model.loss, train_op=model.train_op)
    return tf.estimator.EstimatorSpec(mode, loss=model.loss)
''',
        ),
        Valid(
            id="optimizer_built_in_the_train_branch",
            source='''\
import tensorflow as tf


def model_fn(features, labels, mode, params):
    logits = tf.compat.v1.layers.dense(features["x"], 3)
    if mode == tf.estimator.ModeKeys.PREDICT:
        return tf.estimator.EstimatorSpec(mode, predictions={"logits": logits})
    loss = tf.compat.v1.losses.sparse_softmax_cross_entropy(labels, logits)
    if mode == tf.estimator.ModeKeys.TRAIN:
        optimizer = tf.compat.v1.train.AdamOptimizer(params["learning_rate"])
        step = tf.compat.v1.train.get_or_create_global_step()
        train_op = optimizer.minimize(loss, global_step=step)
        return tf.estimator.EstimatorSpec(mode, loss=loss, train_op=train_op)
    return tf.estimator.EstimatorSpec(mode, loss=loss)
''',
        ),
    ),
    invalid=(
        Invalid(
            # `train_op = train_ops.global_step_inc_op` looks a field up on what TF-GAN's gan_train_ops
            # returned: it builds nothing, no finding of its own (gan_train_ops is the finding)
            id="a_field_of_train_ops_a_tf_function_returns",
            before='''\
import tensorflow as tf

tfgan = tf.contrib.gan


def model_fn(features, labels, mode, params):
    gan_model = tfgan.gan_model(
        params["generator_fn"], params["discriminator_fn"], labels, features["noise"]
    )
    gan_loss = tfgan.gan_loss(gan_model)
    with tf.name_scope("train"):
        optimizer = tf.compat.v1.train.AdamOptimizer(0.001)
        train_ops = tfgan.gan_train_ops(gan_model, gan_loss, optimizer, optimizer)
        train_op = train_ops.global_step_inc_op
    loss = gan_loss.generator_loss + gan_loss.discriminator_loss
    return tf.estimator.EstimatorSpec(mode, loss=loss, train_op=train_op)
''',
            findings=("EF101:7:none", "EF101:10:none", "EF102:12:none", "EF102:13:none", "EF101:15:none", "EF105:16:none",),
        ),
        Invalid(
            # the hooks TF-GAN's get_sequential_train_hooks() makes of the train ops are Python objects:
            # no finding of their own; they move with the train ops into TRAIN
            id="hooks_a_gan_hook_factory_makes",
            before='''\
import tensorflow as tf

tfgan = tf.contrib.gan


def model_fn(features, labels, mode, params):
    gan_model = tfgan.gan_model(
        params["generator_fn"], params["discriminator_fn"], features["real"], features["noise"]
    )
    gan_loss = tfgan.gan_loss(gan_model)
    optimizer = tf.compat.v1.train.AdamOptimizer(0.001)
    train_ops = tfgan.gan_train_ops(gan_model, gan_loss, optimizer, optimizer)
    hooks = tfgan.get_sequential_train_hooks()(train_ops)
    if mode == tf.estimator.ModeKeys.PREDICT:
        return tf.estimator.EstimatorSpec(mode, predictions={"fake": gan_model.generated_data})
    loss = gan_loss.generator_loss + gan_loss.discriminator_loss
    return tf.estimator.EstimatorSpec(
        mode, loss=loss, train_op=train_ops.global_step_inc_op, training_hooks=hooks
    )
''',
            findings=("EF102:11:safe", "EF102:12:safe", "EF105:17:safe",),
            after='''\
import tensorflow as tf

tfgan = tf.contrib.gan


def model_fn(features, labels, mode, params):
    gan_model = tfgan.gan_model(
        params["generator_fn"], params["discriminator_fn"], features["real"], features["noise"]
    )
    gan_loss = tfgan.gan_loss(gan_model)
    if mode == tf.estimator.ModeKeys.PREDICT:
        return tf.estimator.EstimatorSpec(mode, predictions={"fake": gan_model.generated_data})
    if mode == tf.estimator.ModeKeys.TRAIN:
        optimizer = tf.compat.v1.train.AdamOptimizer(0.001)
        train_ops = tfgan.gan_train_ops(gan_model, gan_loss, optimizer, optimizer)
        hooks = tfgan.get_sequential_train_hooks()(train_ops)
    loss = gan_loss.generator_loss + gan_loss.discriminator_loss
    if mode == tf.estimator.ModeKeys.TRAIN:
        return tf.estimator.EstimatorSpec(
            mode, loss=loss, train_op=train_ops.global_step_inc_op, training_hooks=hooks
        )
    return tf.estimator.EstimatorSpec(
        mode, loss=loss
    )
''',
        ),
        Invalid(
            # a function of the file that calls what it looks up in a table may build what its name
            # says: create_optimizer builds an optimizer in PREDICT and EVAL
            id="an_optimizer_a_table_picks",
            before='''\
import tensorflow as tf


def create_optimizer(params):
    return {
        "adam": tf.compat.v1.train.AdamOptimizer,
        "sgd": tf.compat.v1.train.GradientDescentOptimizer,
    }[params["optimizer"]](params["learning_rate"])


def model_fn(features, labels, mode, params):
    opt = create_optimizer(params)
    logits = tf.compat.v1.layers.dense(features["x"], 1)
    if mode == tf.estimator.ModeKeys.PREDICT:
        return tf.estimator.EstimatorSpec(mode, predictions={"y": logits})
    loss = tf.reduce_mean(tf.square(labels - logits))
    if mode == tf.estimator.ModeKeys.TRAIN:
        train_op = opt.minimize(loss, tf.compat.v1.train.get_or_create_global_step())
        return tf.estimator.EstimatorSpec(mode, loss=loss, train_op=train_op)
    return tf.estimator.EstimatorSpec(mode, loss=loss)
''',
            findings=("EF102:12:safe",),
            after='''\
import tensorflow as tf


def create_optimizer(params):
    return {
        "adam": tf.compat.v1.train.AdamOptimizer,
        "sgd": tf.compat.v1.train.GradientDescentOptimizer,
    }[params["optimizer"]](params["learning_rate"])


def model_fn(features, labels, mode, params):
    if mode == tf.estimator.ModeKeys.TRAIN:
        opt = create_optimizer(params)
    logits = tf.compat.v1.layers.dense(features["x"], 1)
    if mode == tf.estimator.ModeKeys.PREDICT:
        return tf.estimator.EstimatorSpec(mode, predictions={"y": logits})
    loss = tf.reduce_mean(tf.square(labels - logits))
    if mode == tf.estimator.ModeKeys.TRAIN:
        train_op = opt.minimize(loss, tf.compat.v1.train.get_or_create_global_step())
        return tf.estimator.EstimatorSpec(mode, loss=loss, train_op=train_op)
    return tf.estimator.EstimatorSpec(mode, loss=loss)
''',
        ),
        Invalid(
            # what the model_fn hands a spec as ``train_op=`` is a training op: the call of
            # an object it cannot read that gives it builds one, in every mode that runs it
            id="an_objects_result_handed_as_the_train_op_is_a_training_op",
            before='''\
import tensorflow as tf

from vae import VAE


def model_fn(features, labels, mode):
    vae = VAE(features)
    training = vae.create_training()
    return tf.estimator.EstimatorSpec(
        mode, loss=training.loss, train_op=training.op, predictions=vae.sample()
    )
''',
            findings=("EF102:8:none", "EF105:9:safe"),
            after='''\
import tensorflow as tf

from vae import VAE


def model_fn(features, labels, mode):
    vae = VAE(features)
    training = vae.create_training()
    if mode == tf.estimator.ModeKeys.PREDICT:
        return tf.estimator.EstimatorSpec(
            mode, predictions=vae.sample()
        )
    if mode == tf.estimator.ModeKeys.TRAIN:
        return tf.estimator.EstimatorSpec(
            mode, loss=training.loss, train_op=training.op, predictions=vae.sample()
        )
    return tf.estimator.EstimatorSpec(
        mode, loss=training.loss, predictions=vae.sample()
    )
''',
        ),
        Invalid(
            id="predict_return_inside_a_with_block",
            before='''\
import tensorflow as tf


def model_fn(features, labels, mode, params):
    with tf.compat.v1.variable_scope("model"):
        logits = tf.compat.v1.layers.dense(features["x"], 3)
        if mode == tf.estimator.ModeKeys.PREDICT:
            return tf.estimator.EstimatorSpec(mode, predictions={"logits": logits})
        loss = tf.compat.v1.losses.sparse_softmax_cross_entropy(labels, logits)
        optimizer = tf.compat.v1.train.GradientDescentOptimizer(params["learning_rate"])
        step = tf.compat.v1.train.get_or_create_global_step()
        train_op = optimizer.minimize(loss, global_step=step)
        if mode == tf.estimator.ModeKeys.TRAIN:
            return tf.estimator.EstimatorSpec(mode, loss=loss, train_op=train_op)
        return tf.estimator.EstimatorSpec(mode, loss=loss)
''',
            findings=("EF102:10:safe", "EF102:12:safe"),
            after='''\
import tensorflow as tf


def model_fn(features, labels, mode, params):
    with tf.compat.v1.variable_scope("model"):
        logits = tf.compat.v1.layers.dense(features["x"], 3)
        if mode == tf.estimator.ModeKeys.PREDICT:
            return tf.estimator.EstimatorSpec(mode, predictions={"logits": logits})
        loss = tf.compat.v1.losses.sparse_softmax_cross_entropy(labels, logits)
        if mode == tf.estimator.ModeKeys.TRAIN:
            optimizer = tf.compat.v1.train.GradientDescentOptimizer(params["learning_rate"])
        step = tf.compat.v1.train.get_or_create_global_step()
        if mode == tf.estimator.ModeKeys.TRAIN:
            train_op = optimizer.minimize(loss, global_step=step)
            return tf.estimator.EstimatorSpec(mode, loss=loss, train_op=train_op)
        return tf.estimator.EstimatorSpec(mode, loss=loss)
''',
        ),
        Invalid(
            id="ema_apply_never_moves",
            before='''\
import tensorflow as tf

def model_fn(features, labels, mode, params):
    logits = tf.compat.v1.layers.dense(features["x"], 1)
    loss = tf.compat.v1.losses.mean_squared_error(labels, logits)
    ema = tf.compat.v1.train.ExponentialMovingAverage(0.99)
    opt_op = tf.compat.v1.train.GradientDescentOptimizer(0.1).minimize(loss, tf.compat.v1.train.get_or_create_global_step())
    with tf.control_dependencies([opt_op]):
        train_op = ema.apply(tf.compat.v1.trainable_variables())
    if mode == tf.estimator.ModeKeys.PREDICT:
        return tf.estimator.EstimatorSpec(mode, predictions={"y": logits})
    return tf.estimator.EstimatorSpec(mode, loss=loss, train_op=train_op)
''',
            findings=("EF101:5:none", "EF102:7:none", "EF102:9:none", "EF105:12:safe"),
            after='''\
import tensorflow as tf

def model_fn(features, labels, mode, params):
    logits = tf.compat.v1.layers.dense(features["x"], 1)
    loss = tf.compat.v1.losses.mean_squared_error(labels, logits)
    ema = tf.compat.v1.train.ExponentialMovingAverage(0.99)
    opt_op = tf.compat.v1.train.GradientDescentOptimizer(0.1).minimize(loss, tf.compat.v1.train.get_or_create_global_step())
    with tf.control_dependencies([opt_op]):
        train_op = ema.apply(tf.compat.v1.trainable_variables())
    if mode == tf.estimator.ModeKeys.PREDICT:
        return tf.estimator.EstimatorSpec(mode, predictions={"y": logits})
    if mode == tf.estimator.ModeKeys.TRAIN:
        return tf.estimator.EstimatorSpec(mode, loss=loss, train_op=train_op)
    return tf.estimator.EstimatorSpec(mode, loss=loss)
''',
        ),
        Invalid(
            id="with_blocks_and_hooks",
            before='''\
import tensorflow as tf

def model_fn(features, labels, mode):
    with tf.compat.v1.variable_scope("net"):
        pred = tf.compat.v1.layers.dense(features["x"], 1)
    with tf.name_scope("loss"):
        loss = tf.reduce_mean(tf.square(labels - pred))
    hooks = []
    hooks.append(tf.estimator.LoggingTensorHook({"loss": loss}, every_n_iter=1))
    if mode == tf.estimator.ModeKeys.PREDICT:
        return tf.estimator.EstimatorSpec(mode, predictions=pred)
    train_op = tf.compat.v1.train.AdamOptimizer().minimize(loss, tf.compat.v1.train.get_or_create_global_step())
    return tf.estimator.EstimatorSpec(mode, loss=loss, train_op=train_op, training_hooks=hooks)
''',
            # the hook appended to the list is built of the loss and goes where it goes (no
            # finding of its own, as a hook assigned to a name)
            findings=("EF101:7:safe", "EF102:12:safe", "EF105:13:safe"),
            after='''\
import tensorflow as tf

def model_fn(features, labels, mode):
    with tf.compat.v1.variable_scope("net"):
        pred = tf.compat.v1.layers.dense(features["x"], 1)
    if mode != tf.estimator.ModeKeys.PREDICT:
        with tf.name_scope("loss"):
            loss = tf.reduce_mean(tf.square(labels - pred))
    hooks = []
    if mode == tf.estimator.ModeKeys.PREDICT:
        return tf.estimator.EstimatorSpec(mode, predictions=pred)
    hooks.append(tf.estimator.LoggingTensorHook({"loss": loss}, every_n_iter=1))
    if mode == tf.estimator.ModeKeys.TRAIN:
        train_op = tf.compat.v1.train.AdamOptimizer().minimize(loss, tf.compat.v1.train.get_or_create_global_step())
        return tf.estimator.EstimatorSpec(mode, loss=loss, train_op=train_op, training_hooks=hooks)
    return tf.estimator.EstimatorSpec(mode, loss=loss)
''',
        ),
        Invalid(
            id="a_factory_of_the_train_op_function_builds_nothing_itself",
            before='''\
import tensorflow as tf


def model_fn(features, labels, mode, params):
    logits = tf.compat.v1.layers.dense(features["x"], 1)
    if mode == tf.estimator.ModeKeys.PREDICT:
        return tf.estimator.EstimatorSpec(mode, predictions=logits)
    loss = tf.reduce_mean(tf.square(labels - logits))
    make = _get_train_op_fn(params)
    train_op = make(loss)
    return tf.estimator.EstimatorSpec(mode, loss=loss, train_op=train_op)


def _get_train_op_fn(params):
    def train_op_fn(loss):
        optimizer = tf.compat.v1.train.AdamOptimizer(params["learning_rate"])
        return optimizer.minimize(loss)

    return train_op_fn
''',
            findings=("EF102:10:safe", "EF105:11:safe"),
            after='''\
import tensorflow as tf


def model_fn(features, labels, mode, params):
    logits = tf.compat.v1.layers.dense(features["x"], 1)
    if mode == tf.estimator.ModeKeys.PREDICT:
        return tf.estimator.EstimatorSpec(mode, predictions=logits)
    loss = tf.reduce_mean(tf.square(labels - logits))
    make = _get_train_op_fn(params)
    if mode == tf.estimator.ModeKeys.TRAIN:
        train_op = make(loss)
        return tf.estimator.EstimatorSpec(mode, loss=loss, train_op=train_op)
    return tf.estimator.EstimatorSpec(mode, loss=loss)


def _get_train_op_fn(params):
    def train_op_fn(loss):
        optimizer = tf.compat.v1.train.AdamOptimizer(params["learning_rate"])
        return optimizer.minimize(loss)

    return train_op_fn
''',
        ),
        Invalid(
            # an item of the labels EVAL is given is there too: the tower's test of its labels
            # against None lets EVAL through to the gradients (PREDICT's ``[labels] * 2`` holds
            # None, so PREDICT returns before them)
            id="a_tower_given_an_item_of_per_tower_labels",
            before='''\
import tensorflow as tf


def _tower(is_training, features, label):
    net = tf.compat.v1.layers.dropout(features["x"], 0.1, training=is_training)
    logits = tf.compat.v1.layers.dense(net, 1)
    if label is None:
        return None, None, logits
    loss = tf.reduce_mean(tf.square(label - logits))
    params = tf.compat.v1.trainable_variables()
    return loss, list(zip(tf.gradients(loss, params), params)), logits


def model_fn(features, labels, mode, params):
    tower_labels = labels if labels is not None else [labels] * 2
    loss, gradvars, logits = _tower(mode == tf.estimator.ModeKeys.TRAIN, features, tower_labels[0])
    if mode == tf.estimator.ModeKeys.PREDICT:
        return tf.estimator.EstimatorSpec(mode, predictions={"y": logits})
    if mode == tf.estimator.ModeKeys.TRAIN:
        opt = tf.compat.v1.train.GradientDescentOptimizer(0.1)
        train_op = opt.apply_gradients(gradvars, tf.compat.v1.train.get_or_create_global_step())
        return tf.estimator.EstimatorSpec(mode, loss=loss, train_op=train_op)
    return tf.estimator.EstimatorSpec(mode, loss=loss)
''',
            findings=("EF102:16:none",),
        ),
        Invalid(
            # ``grad = pairs[0][0]`` looks an item up in a Python list: it builds no op, so it is
            # no finding of its own, and moves with the gradients it reads
            id="an_item_looked_up_in_the_gradients_builds_nothing",
            before='''\
import tensorflow as tf


def model_fn(features, labels, mode, params):
    logits = tf.compat.v1.layers.dense(features["x"], 1)
    if mode == tf.estimator.ModeKeys.PREDICT:
        return tf.estimator.EstimatorSpec(mode, predictions={"y": logits})
    loss = tf.reduce_mean(tf.square(labels - logits))
    pairs = tf.compat.v1.train.GradientDescentOptimizer(0.1).compute_gradients(loss)
    grad = pairs[0][0]
    clipped = [(tf.clip_by_norm(g, 1.0), v) for g, v in pairs]
    train_op = tf.compat.v1.train.GradientDescentOptimizer(0.1).apply_gradients(clipped)
    tf.compat.v1.summary.scalar("grad_norm", tf.norm(grad))
    return tf.estimator.EstimatorSpec(mode, loss=loss, train_op=train_op)
''',
            findings=("EF102:9:safe", "EF102:11:safe", "EF102:12:safe", "EF105:14:safe"),
            after='''\
import tensorflow as tf


def model_fn(features, labels, mode, params):
    logits = tf.compat.v1.layers.dense(features["x"], 1)
    if mode == tf.estimator.ModeKeys.PREDICT:
        return tf.estimator.EstimatorSpec(mode, predictions={"y": logits})
    loss = tf.reduce_mean(tf.square(labels - logits))
    if mode == tf.estimator.ModeKeys.TRAIN:
        pairs = tf.compat.v1.train.GradientDescentOptimizer(0.1).compute_gradients(loss)
        grad = pairs[0][0]
        clipped = [(tf.clip_by_norm(g, 1.0), v) for g, v in pairs]
        train_op = tf.compat.v1.train.GradientDescentOptimizer(0.1).apply_gradients(clipped)
        tf.compat.v1.summary.scalar("grad_norm", tf.norm(grad))
        return tf.estimator.EstimatorSpec(mode, loss=loss, train_op=train_op)
    return tf.estimator.EstimatorSpec(mode, loss=loss)
''',
        ),
        Invalid(
            # ``tf.cond`` calls both functions it is handed while the graph is built: the
            # statement builds the optimizer of ``train_step`` wherever it runs
            id="a_cond_of_the_files_functions_builds_what_they_build",
            before='''\
import tensorflow as tf


def model_fn(features, labels, mode, params):
    logits = tf.compat.v1.layers.dense(features["x"], 1)
    if mode == tf.estimator.ModeKeys.PREDICT:
        return tf.estimator.EstimatorSpec(mode, predictions={"y": logits})
    loss = tf.reduce_mean(tf.square(labels - logits))
    step = tf.compat.v1.train.get_or_create_global_step()

    def train_step():
        return tf.compat.v1.train.GradientDescentOptimizer(0.1).minimize(loss, step)

    def skip_step():
        return tf.no_op()

    stepped = tf.cond(tf.equal(step % 2, 0), train_step, skip_step)
    with tf.control_dependencies([stepped]):
        train_op = tf.identity(loss)
    return tf.estimator.EstimatorSpec(mode, loss=loss, train_op=train_op)
''',
            findings=("EF102:17:safe", "EF102:19:safe", "EF105:20:safe"),
            after='''\
import tensorflow as tf


def model_fn(features, labels, mode, params):
    logits = tf.compat.v1.layers.dense(features["x"], 1)
    if mode == tf.estimator.ModeKeys.PREDICT:
        return tf.estimator.EstimatorSpec(mode, predictions={"y": logits})
    loss = tf.reduce_mean(tf.square(labels - logits))
    step = tf.compat.v1.train.get_or_create_global_step()

    def train_step():
        return tf.compat.v1.train.GradientDescentOptimizer(0.1).minimize(loss, step)

    def skip_step():
        return tf.no_op()

    if mode == tf.estimator.ModeKeys.TRAIN:
        stepped = tf.cond(tf.equal(step % 2, 0), train_step, skip_step)
        with tf.control_dependencies([stepped]):
            train_op = tf.identity(loss)
        return tf.estimator.EstimatorSpec(mode, loss=loss, train_op=train_op)
    return tf.estimator.EstimatorSpec(mode, loss=loss)
''',
        ),
    ),
)
