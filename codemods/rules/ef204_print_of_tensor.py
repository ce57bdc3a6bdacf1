"""EF204: print or log of a tensor (runs once, at graph-build time)."""

from __future__ import annotations

from codemods.rules.rule import FixSafety, Invalid, Rule, Valid

RULE = Rule(
    code="EF204",
    title="print or log of a tensor (runs once, at graph-build time)",
    fix=FixSafety.SAFE,
    fix_summary="safe: tf.print made a dependency of the printed tensor",
    what=(
        "Finds `print(t)`, `tf.compat.v1.logging.info('%s', t)` and other logging of "
        "tensors inside a model_fn, and bare `tf.print(t)` statements."
    ),
    why=(
        "print(t) inside model_fn runs once per mode, while the graph is built, and shows "
        "the symbol (Tensor(\"dense/BiasAdd:0\", ...)), never a value; so does a log call. "
        "A bare `tf.print(t)` statement is no better: in graph mode an op runs only when "
        "something that runs depends on it."
    ),
    example='''\
print('loss', loss)
''',
    use_instead='''\
with tf.control_dependencies([tf.print('loss', loss)]):
    loss = tf.identity(loss)
''',
    fix_safety=(
        "Safe: the fix uses tf.print and makes it a dependency: `with "
        "tf.control_dependencies([tf.print(...)]): t = tf.identity(t)` for each printed "
        "tensor name whose later uses reach what the model_fn returns, so it prints every "
        "step that computes t, in every mode that computes it. tf.identity changes no "
        "value, variable or random seed. A LoggingTensorHook in training_hooks was the "
        "alternative, rejected because it logs in TRAIN only, needs the spec rewritten "
        "(one spec per mode, EF105) and loses the print's text. The text is kept: "
        "positional arguments, sep, end, file= as output_stream (tf.print writes to "
        "stderr by default); an f-string or a logging %-format is split into its text and "
        "values with sep=''; a TF or absl logging call (info, warning, error) keeps its "
        "logger as output_stream. tf.print formats values itself, so format specs such as "
        ".3f are dropped. A conversion inside the print (EF202) is dropped. Reported "
        "without a fix: a print of a tensor that nothing returned depends on, of a dict "
        "or parameter (no single tensor name to rebind), with %-formatting or str.format "
        "in the argument, logging keywords, or other statements on its line."
    ),
    message="{message}",
    valid=(
        Valid(
            id="noop_build_time_logging_of_python_values",
            source='''\
import tensorflow as tf


def model_fn(features, labels, mode, params):
    for name in sorted(features):
        tf.compat.v1.logging.info("%s: %s", name, features[name].shape)
    for key, value in features.items():
        print(key, value.dtype)
    y = tf.compat.v1.layers.dense(features["x"], 2)
    kernel = tf.compat.v1.get_variable("k", [2, 2])
    print("trainable", tf.compat.v1.trainable_variables(), kernel)
    tf.compat.v1.logging.info("from %s", tf.train.latest_checkpoint(params["dir"]))
    print(params, mode, y.shape, y.name)
    return tf.estimator.EstimatorSpec(mode, predictions=y @ kernel)
''',
        ),
    ),
    invalid=(
        Invalid(
            id="print_wired_into_loss",
            before='''\
import numpy as np
import tensorflow as tf


def model_fn(features, labels, mode):
    y = tf.compat.v1.layers.dense(features["x"], 1)
    loss = tf.reduce_mean(tf.square(labels - y))
    print("loss", loss, sep=": ")  # every step
    return tf.estimator.EstimatorSpec(mode, loss=loss, predictions={'y': y})
''',
            findings=("EF204:8:safe",),
            after='''\
import numpy as np
import tensorflow as tf


def model_fn(features, labels, mode):
    y = tf.compat.v1.layers.dense(features["x"], 1)
    loss = tf.reduce_mean(tf.square(labels - y))
    with tf.control_dependencies([tf.print("loss", loss, sep=": ")]):  # every step
        loss = tf.identity(loss)
    return tf.estimator.EstimatorSpec(mode, loss=loss, predictions={'y': y})
''',
        ),
        Invalid(
            id="print_reported_when_not_wirable",
            before='''\
import numpy as np
import tensorflow as tf


def model_fn(features, labels, mode):
    y = tf.compat.v1.layers.dense(features["x"], 1)
    loss = tf.reduce_mean(y)
    print(features)
    print("loss %s" % loss); z = 1
    print(f"{loss=}")
    print(y)
    y = tf.zeros_like(loss)
    return tf.estimator.EstimatorSpec(mode, loss=loss, predictions={'y': y})
''',
            findings=("EF204:8:none", "EF204:9:none", "EF204:10:none", "EF204:11:none"),
        ),
        Invalid(
            id="logging_calls_become_tf_print",
            before='''\
import tensorflow as tf
from absl import logging
from tensorflow.compat.v1 import logging as log


def model_fn(features, labels, mode):
    y = tf.compat.v1.layers.dense(features["x"], 1)
    t = tf.reduce_mean(y)
    log.info("l %.3f%%", t.numpy())
    logging.error(f"m {t:.2f}")
    log.info("loss %(v)s", {"v": t})
    log.warn("loss %s", t, exc_info=True)
    log.debug("loss %s", t)
    return tf.estimator.EstimatorSpec(mode, loss=t)
''',
            findings=("EF202:9:safe", "EF204:9:safe", "EF204:10:safe", "EF204:11:none", "EF204:12:none"),
            after='''\
import tensorflow as tf
from absl import logging
from tensorflow.compat.v1 import logging as log


def model_fn(features, labels, mode):
    y = tf.compat.v1.layers.dense(features["x"], 1)
    t = tf.reduce_mean(y)
    with tf.control_dependencies([tf.print("l ", t, "%", sep="", end="", output_stream=log.info)]):
        t = tf.identity(t)
    with tf.control_dependencies([tf.print("m ", t, sep="", end="", output_stream=logging.error)]):
        t = tf.identity(t)
    log.info("loss %(v)s", {"v": t})
    log.warn("loss %s", t, exc_info=True)
    log.debug("loss %s", t)
    return tf.estimator.EstimatorSpec(mode, loss=t)
''',
        ),
        Invalid(
            id="bare_tf_print_wired",
            before='''\
import numpy as np
import tensorflow as tf


def model_fn(features, labels, mode):
    y = tf.compat.v1.layers.dense(features["x"], 1)
    tf.print("y", y)
    loss = tf.reduce_mean(y)
    return tf.estimator.EstimatorSpec(mode, loss=loss, predictions={'y': y})
''',
            findings=("EF204:7:safe",),
            after='''\
import numpy as np
import tensorflow as tf


def model_fn(features, labels, mode):
    y = tf.compat.v1.layers.dense(features["x"], 1)
    with tf.control_dependencies([tf.print("y", y)]):
        y = tf.identity(y)
    loss = tf.reduce_mean(y)
    return tf.estimator.EstimatorSpec(mode, loss=loss, predictions={'y': y})
''',
        ),
    ),
)
