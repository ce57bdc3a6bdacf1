"""What a TensorFlow name is: qualified names sorted into the kinds the rules need.

Names arrive as LibCST qualified names (``tensorflow.compat.v1.layers.dense`` for
``tf1.layers.dense`` after ``import tensorflow.compat.v1 as tf1``). ``normalize`` folds the API
versions together so the tables below list each API once.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Optional

import libcst as cst

from codemods import statements as st
from codemods.vocabulary import Mode

#: Module roots that mean "TensorFlow".
TF_ROOTS = ("tensorflow", "tensorflow_estimator", "keras")
#: Local names that conventionally hold the tensorflow module (``tf`` passed as a parameter).
TF_ALIASES = frozenset({"tf", "tf1", "tf2", "tfv1", "tf_v1", "tf_compat", "tfc"})

MODE_VALUES = {"TRAIN": "train", "EVAL": "eval", "PREDICT": "infer", "INFER": "infer"}

_PREFIXES = (
    ("tensorflow.compat.v1.", "tensorflow."),
    ("tensorflow.compat.v2.", "tensorflow."),
    ("tensorflow.python.keras.", "tensorflow.keras."),
    ("keras.", "tensorflow.keras."),
    ("tensorflow_estimator.python.estimator.model_fn.", "tensorflow.estimator."),
    ("tensorflow_estimator.python.estimator.tpu.tpu_estimator.", "tensorflow.estimator.tpu."),
    ("tensorflow_estimator.compat.v1.", "tensorflow.estimator."),
    ("tensorflow_estimator.estimator.", "tensorflow.estimator."),
    ("tensorflow_estimator.", "tensorflow.estimator."),
    ("tensorflow.python.estimator.model_fn.", "tensorflow.estimator."),
    ("tensorflow.contrib.tpu.python.tpu.tpu_estimator.", "tensorflow.estimator.tpu."),
    ("tensorflow.contrib.tpu.", "tensorflow.estimator.tpu."),
    ("tensorflow.contrib.learn.", "tensorflow.estimator."),
    ("tensorflow.contrib.metrics.", "tensorflow.metrics."),
    # TF 1.x's checkpoint readers under contrib are tf.train's (they return Python values)
    ("tensorflow.contrib.framework.list_variables", "tensorflow.train.list_variables"),
    ("tensorflow.contrib.framework.load_variable", "tensorflow.train.load_variable"),
    ("tensorflow.contrib.framework.load_checkpoint", "tensorflow.train.load_checkpoint"),
    ("tensorflow.contrib.framework.init_from_checkpoint", "tensorflow.train.init_from_checkpoint"),
    ("tensorflow.contrib.summary.", "tensorflow.summary."),
    # slim's metrics and losses are contrib's (``slim.metrics.streaming_accuracy``)
    ("tensorflow.contrib.slim.metrics.", "tensorflow.metrics."),
    ("tensorflow.contrib.slim.losses.", "tensorflow.losses."),
    ("tensorflow.contrib.slim.", "tensorflow.layers."),
    ("tensorflow.contrib.layers.optimize_loss", "tensorflow.train.OptimizeLoss"),
    ("tensorflow.contrib.layers.", "tensorflow.layers."),
    ("tensorflow.keras.layers.", "tensorflow.layers."),
    ("tensorflow.keras.optimizers.", "tensorflow.train."),
    ("tensorflow.optimizers.", "tensorflow.train."),
    ("tensorflow.keras.metrics.", "tensorflow.metrics."),
    ("tensorflow.estimator.ModeKeys.", "tensorflow.estimator.ModeKeys."),
)

_LOCALS = re.compile(r"^(?:.*\.)?<locals>\.")


def normalize(qualified_name: str) -> Optional[str]:
    """Map a qualified name to ``tensorflow.<api>`` form, or None when it is not TensorFlow."""
    name = qualified_name
    if "<locals>" in name:
        # ``tf`` received as a parameter or bound in a function: trust the conventional alias.
        name = _LOCALS.sub("", name)
        head, _, rest = name.partition(".")
        if head not in TF_ALIASES:
            return None
        name = "tensorflow" + ("." + rest if rest else "")
    elif name.split(".", 1)[0] in TF_ALIASES and not name.startswith(TF_ROOTS):
        head, _, rest = name.partition(".")
        name = "tensorflow" + ("." + rest if rest else "")
    if not name.startswith(TF_ROOTS):
        return None
    if any(part.startswith("__") and part.endswith("__") for part in name.split(".")):
        return None  # ``tf.__version__`` and what is made of it: module metadata, plain Python
    for old, new in _PREFIXES:
        if name.startswith(old) or name == old.rstrip("."):
            name = new + name[len(old) :]
            break
    if name.startswith("tensorflow.compat.v1"):
        name = name.replace("tensorflow.compat.v1", "tensorflow", 1)
    return name


def first_tf(names: Iterable[str]) -> Optional[str]:
    for qualified in sorted(names):
        tf_name = normalize(qualified)
        if tf_name is not None:
            return tf_name
    return None


#: The spec classes a model_fn returns (``ModelFnOps``: tf.contrib.learn's).
SPEC_CLASSES = frozenset({"EstimatorSpec", "TPUEstimatorSpec", "ModelFnOps"})


def is_estimator_spec(tf_name: str) -> bool:
    return tf_name.rsplit(".", 1)[-1] in SPEC_CLASSES


def spelled_spec(func: cst.CSTNode) -> bool:
    """``<module>.EstimatorSpec`` / ``<module>.TPUEstimatorSpec`` by its spelling alone, for a
    module that does not resolve (bound by a test of the TensorFlow version, imported from a
    module the analysis does not see); or a class named for one (``CSEstimatorSpec``, a
    repository's subclass of EstimatorSpec imported from a module the analysis does not see)."""
    if type(func) is cst.Name:
        return func.value.endswith("EstimatorSpec") and func.value[:1].isupper()
    return type(func) is cst.Attribute and func.attr.value in {"EstimatorSpec", "TPUEstimatorSpec"}


def mode_key_value(tf_name: str) -> Optional[str]:
    """``tensorflow.estimator.ModeKeys.TRAIN`` → ``"train"``; None for anything else. A
    misspelt ``Modekeys`` is read as the test it means: where Python reads it, it raises in every
    mode, so nothing after it runs in a mode the meant test keeps out either."""
    parts = tf_name.split(".")
    if len(parts) >= 2 and _is_mode_keys(parts[-2]):
        return MODE_VALUES.get(parts[-1])
    return None


def spelled_mode_key(node: cst.CSTNode) -> Optional[str]:
    """``<anything>.ModeKeys.TRAIN`` or ``ModeKeys.TRAIN`` → ``"train"`` by its spelling alone, for
    a ``ModeKeys`` the file does not let us resolve (an unknown import, a name imported in another
    module): compared with the mode parameter, it is a mode test all the same."""
    if type(node) is not cst.Attribute or node.attr.value not in MODE_VALUES:
        return None
    return MODE_VALUES[node.attr.value] if _is_mode_keys(st.leaf_name(node.value)) else None


def _is_mode_keys(name: str) -> bool:
    """``ModeKeys``, or a misspelling of it by case (``Modekeys``)."""
    return name.lower() == "modekeys"


def _leaf(tf_name: str) -> str:
    return tf_name.rsplit(".", 1)[-1]


def is_layer(tf_name: str) -> bool:
    """Creates variables with automatic, counter-based names (``dense``, ``dense_1`` ...)."""
    if tf_name.startswith("tensorflow.layers."):
        return _leaf(tf_name) not in {"flatten", "Flatten", "dropout", "Dropout"}
    return tf_name.startswith(
        ("tensorflow.nn.rnn_cell.", "tensorflow.keras.Sequential", "tensorflow.keras.Model")
    ) or tf_name in {
        "tensorflow.feature_column.input_layer",
        "tensorflow.keras.models.Sequential",
    }


def creates_variables(tf_name: str) -> bool:
    return (
        is_layer(tf_name)
        or tf_name
        in {
            "tensorflow.get_variable",
            "tensorflow.Variable",
            "tensorflow.train.ExponentialMovingAverage",
            "tensorflow.train.OptimizeLoss",
        }
    )


def draws_seed(tf_name: str) -> bool:
    """Draws an op seed from the graph's counter when no seed is given."""
    leaf = _leaf(tf_name)
    return (
        is_layer(tf_name)
        or tf_name.startswith("tensorflow.random.")
        or leaf
        in {
            "random_normal",
            "random_uniform",
            "truncated_normal",
            "random_shuffle",
            "multinomial",
            "random_crop",
            "dropout",
            "Dropout",
            "get_variable",
        }
    )


#: TensorFlow functions that build a whole model from several inputs and return a tuple of
#: tensors: given labels, they are as opaque as a user's helper (PREDICT may need only the
#: parts that do not read them), so labels reaching them are EF106, not EF101.
_MODEL_BUILDERS = frozenset(
    {"gan_model", "infogan_model", "acgan_model", "cyclegan_model", "stargan_model"}
)


def is_model_builder(tf_name: str) -> bool:
    return tf_name.startswith("tensorflow.contrib.gan.") and _leaf(tf_name) in _MODEL_BUILDERS


#: TensorFlow's SessionRunHook classes (``tf.train.*Hook``, ``tf.estimator.*Hook``, TPU's).
_HOOKS = frozenset(
    {
        "SessionRunHook",
        "LoggingTensorHook",
        "StopAtStepHook",
        "CheckpointSaverHook",
        "AsyncCheckpointSaverHook",
        "StepCounterHook",
        "NanTensorHook",
        "SummarySaverHook",
        "GlobalStepWaiterHook",
        "FinalOpsHook",
        "FeedFnHook",
        "ProfilerHook",
        "InMemoryEvaluatorHook",
        "ExamplesPerSecondHook",
        "RunTrainOpsHook",  # TF-GAN's: runs a GAN's train ops for a number of steps
    }
)


def is_hook(tf_name: str) -> bool:
    """A TensorFlow session hook: logging or saving what it is given is a use of it."""
    return tf_name.startswith("tensorflow.") and _leaf(tf_name) in _HOOKS


def is_hook_factory(tf_name: str) -> bool:
    """TF-GAN's ``get_sequential_train_hooks()``/``get_joint_train_hooks()``: they return the
    function that makes the session hooks of a GAN's train ops (``...()(train_ops)``)."""
    return tf_name.startswith("tensorflow") and _leaf(tf_name) in {
        "get_sequential_train_hooks",
        "get_joint_train_hooks",
    }


def is_object_tracker(tf_name: str) -> bool:
    """``tf.train.Checkpoint(optimizer=opt, net=net)``: a Python object that tracks others for
    saving; making one builds no op."""
    return tf_name in {"tensorflow.train.Checkpoint", "tensorflow.train.CheckpointManager"}


#: Methods of TensorFlow objects that make a session hook (``SyncReplicasOptimizer``'s).
HOOK_METHODS = frozenset({"make_session_run_hook"})

#: The methods of a ``tf.GradientTape`` that compute gradients.
TAPE_GRADIENTS = frozenset({"gradient", "jacobian", "batch_jacobian"})


#: TensorFlow calls whose result is a Python list of tensors (None), or a tuple whose item at
#: that position is one (``clipped, norm = tf.clip_by_global_norm(...)``): items of such a list
#: are looked up by Python's indexing, no op.
_LIST_RESULTS: dict[str, Optional[int]] = {
    "tensorflow.gradients": None,
    "tensorflow.unstack": None,
    "tensorflow.split": None,
    "tensorflow.clip_by_global_norm": 0,
}


def list_result(tf_name: str) -> tuple[bool, Optional[int]]:
    """Whether ``tf_name`` returns a Python list of tensors, and where in its tuple result."""
    return tf_name in _LIST_RESULTS, _LIST_RESULTS.get(tf_name)


def is_gradient_tape(tf_name: str) -> bool:
    return tf_name in {"tensorflow.GradientTape", "tensorflow.autodiff.GradientTape"}


def is_moving_average(tf_name: str) -> bool:
    """``tf.train.ExponentialMovingAverage``: its ``apply`` creates shadow variables."""
    return tf_name == "tensorflow.train.ExponentialMovingAverage"


def is_named_identity(tf_name: str, call: cst.Call) -> bool:
    """``tf.identity(x, name="train_accuracy")``: a tensor named so that a hook or an export can
    look it up by name, i.e. a use of ``x``."""
    if tf_name != "tensorflow.identity":
        return False
    return len(call.args) >= 2 or any(a.keyword and a.keyword.value == "name" for a in call.args)


#: Spec keywords and the modes whose Estimator reads them (the others ignore them).
FIELD_MODES: dict[str, frozenset[Mode]] = {
    "export_outputs": frozenset({Mode.PREDICT}),
    "prediction_hooks": frozenset({Mode.PREDICT}),
    "train_op": frozenset({Mode.TRAIN}),
    "training_hooks": frozenset({Mode.TRAIN}),
    "training_chief_hooks": frozenset({Mode.TRAIN}),
    "eval_metric_ops": frozenset({Mode.EVAL}),
    "eval_metrics": frozenset({Mode.EVAL}),
    "evaluation_hooks": frozenset({Mode.EVAL}),
    "loss": frozenset({Mode.TRAIN, Mode.EVAL}),
}

#: Positional parameter order of the two spec classes (after ``mode``).
SPEC_POSITIONAL = {
    "EstimatorSpec": (
        "mode",
        "predictions",
        "loss",
        "train_op",
        "eval_metric_ops",
        "export_outputs",
        "training_chief_hooks",
        "training_hooks",
        "scaffold",
        "evaluation_hooks",
        "prediction_hooks",
    ),
    "TPUEstimatorSpec": (
        "mode",
        "predictions",
        "loss",
        "train_op",
        "eval_metrics",
        "export_outputs",
        "scaffold_fn",
        "host_call",
        "training_hooks",
        "evaluation_hooks",
        "prediction_hooks",
    ),
}


def spec_fields(call: cst.Call, leaf: str) -> Optional[list[tuple[str, cst.Arg]]]:
    """(field name, argument) pairs of a spec call; None when ``*args``/``**kwargs`` hide them."""
    positional = SPEC_POSITIONAL.get(leaf, SPEC_POSITIONAL["EstimatorSpec"])
    fields: list[tuple[str, cst.Arg]] = []
    for index, arg in enumerate(call.args):
        if arg.star:
            return None
        if arg.keyword is not None:
            fields.append((arg.keyword.value, arg))
        elif index < len(positional):
            fields.append((positional[index], arg))
        else:
            return None
    return fields
