"""What a TensorFlow call gives while a model_fn builds its graph: by its normalized qualified
name (``tensorflow.reduce_mean``), a tensor (with its dtype class when the name or a ``dtype=``
says it), a structure of tensors, a variable, an op, a session, a layer, ``tf.executing_eagerly()``
or a Python value."""

from __future__ import annotations

from typing import Callable, Optional

import libcst as cst
from libcst.helpers import get_full_name_for_node

from codemods import tf_api
from codemods.eager.dtypes import DType
from codemods.eager.naming import leaf
from codemods.eager.values import PYTHON, SINGLE, STRUCT, Kind, Value

#: The dtype class an expression names (``tf.float32``, ``"int64"``, ``np.float16``), or None.
DtypeOf = Callable[[cst.BaseExpression], Optional[DType]]
#: What an argument expression evaluates to (in the environment of the call).
ValueOf = Callable[[cst.BaseExpression], Value]

#: Attributes of a tensor that are static Python facts, not tensors.
STATIC_ATTRIBUTES = frozenset(
    {"shape", "dtype", "name", "op", "graph", "device", "ndim", "rank", "get_shape", "set_shape",
     "consumers", "value_index", "is_packed", "trainable", "initializer", "aggregation",
     "synchronization", "constraint"}
)
#: Methods that turn a tensor into a Python value (EF202).
CONVERSION_METHODS = frozenset({"numpy", "eval", "item", "tolist"})
_STRUCT_LEAVES = frozenset(
    {"split", "unstack", "unique", "unique_with_counts", "moments", "weighted_moments", "top_k",
     "meshgrid", "gradients", "while_loop", "cond", "case", "switch_case", "map_fn", "scan",
     "dynamic_rnn", "bidirectional_dynamic_rnn", "static_rnn", "tuple", "compute_gradients",
     "py_func", "numpy_function", "py_function", "batch", "shuffle_batch",
     "sufficient_statistics", "ctc_greedy_decoder", "ctc_beam_search_decoder", "nest"}
)
_OP_LEAVES = frozenset(
    {"group", "no_op", "assign", "assign_add", "assign_sub", "print", "Print", "Assert",
     "debugging", "add_to_collection", "variables_initializer", "tables_initializer"}
)
_NONE_LEAVES = frozenset(
    {"name_scope", "variable_scope", "control_dependencies", "device", "GradientTape",
     "executing_eagerly_outside_functions", "get_default_graph", "set_random_seed"}
)
_FLOAT_PREFIXES = (
    "tensorflow.layers.", "tensorflow.losses.", "tensorflow.nn.", "tensorflow.random.",
    "tensorflow.keras.losses.", "tensorflow.keras.activations.",
)
_FLOAT_LEAVES = frozenset(
    {"random_normal", "random_uniform", "truncated_normal", "sigmoid", "tanh", "softmax",
     "log_softmax", "input_layer", "zeros", "ones", "random_gamma", "linspace", "to_float"}
)
_BOOL_LEAVES = frozenset(
    {"equal", "not_equal", "greater", "greater_equal", "less", "less_equal", "logical_and",
     "logical_or", "logical_not", "logical_xor", "is_nan", "is_inf", "is_finite", "in_top_k"}
)
_INT32_LEAVES = frozenset({"shape", "size", "rank", "to_int32"})
_INT64_LEAVES = frozenset({"argmax", "argmin", "to_int64", "count_nonzero"})
#: TensorFlow functions that return Python values (paths, names, flags, variable lists).
_NON_TENSOR_PREFIXES = (
    "tensorflow.estimator.", "tensorflow.logging.", "tensorflow.data.", "tensorflow.io.gfile.",
    "tensorflow.distribute.",  # strategies and replica contexts
    "tensorflow.gfile.", "tensorflow.config.", "tensorflow.saved_model.",
    "tensorflow.feature_column.", "tensorflow.dtypes.as_dtype", "tensorflow.as_dtype",
    "tensorflow.train.latest_checkpoint", "tensorflow.train.list_variables",
    "tensorflow.train.load_variable", "tensorflow.train.load_checkpoint",
    "tensorflow.train.checkpoint_exists", "tensorflow.train.get_checkpoint_state",
    "tensorflow.train.init_from_checkpoint", "tensorflow.compat.as_", "tensorflow.test.",
    "tensorflow.sysconfig.", "tensorflow.flags.", "tensorflow.app.", "tensorflow.errors.",
    "tensorflow.get_static_value", "tensorflow.is_tensor", "tensorflow.dimension_value",
    "tensorflow.get_variable_scope", "tensorflow.keras.backend.int_shape",
    "tensorflow.keras.backend.floatx",
    # TF-Hub's API loads modules and makes layers and feature columns (``hub.Module``,
    # ``hub.get_expected_image_size`` giving Python ints): what a module it loads gives, called
    # on tensors, is a tensor
    "tensorflow_hub.",
)
#: Factories of the functions layers take (``tf.contrib.layers.l2_regularizer(scale)``,
#: ``tf.glorot_uniform_initializer()``): Python callables, not tensors; but not the ops that
#: initialize variables or tables.
_FACTORY_SUFFIXES = ("_regularizer", "_initializer")
_INIT_OPS = ("variables_initializer", "tables_initializer")
#: Lists of variables, or of whatever a collection holds: build-time Python facts.
_COLLECTION_LEAVES = frozenset(
    {"get_collection", "get_collection_ref", "trainable_variables", "global_variables",
     "local_variables", "all_variables", "model_variables", "moving_average_variables"}
)
_SESSION_NAMES = frozenset(
    {"tensorflow.Session", "tensorflow.InteractiveSession", "tensorflow.keras.backend.get_session",
     "tensorflow.get_default_session", "tensorflow.train.MonitoredSession",
     "tensorflow.train.MonitoredTrainingSession", "tensorflow.train.SingularMonitoredSession"}
)
#: Functions that make a lookup table: an object (its ``lookup`` gives tensors), not a tensor.
_TABLE_LEAVES = frozenset(
    {"index_table_from_file", "index_table_from_tensor", "index_to_string_table_from_file",
     "index_to_string_table_from_tensor", "string_to_index_table_from_file"}
)
#: Functions that give a tensor and a variable they create (``log_likelihood, transitions =
#: crf_log_likelihood(...)``: the transition matrix is a ``tf.get_variable``).
_TENSOR_AND_VARIABLE_LEAVES = frozenset({"crf_log_likelihood"})
#: Keras backend functions that return a Python value (EF202).
KERAS_CONVERSIONS = frozenset(
    {"tensorflow.keras.backend.get_value", "tensorflow.keras.backend.eval",
     "tensorflow.keras.backend.batch_get_value"}
)


def tf_call_value(tf_name: str, call: cst.Call, dtype_of: DtypeOf, value_of: ValueOf) -> Value:
    """What ``call``, a call of the TensorFlow function or class ``tf_name``, gives."""
    name = leaf(tf_name)
    named = _by_name(tf_name, name)
    if named is not None:
        return named
    if name in {"get_variable", "Variable"}:
        return Value(Kind.VARIABLE, _keyword_dtype(call, "dtype", dtype_of) or DType.FLOAT)
    if name.endswith("Tuple") and name[:1].isupper():  # ``LSTMStateTuple(c, h)``: a tuple
        parts = tuple(value_of(arg.value) for arg in call.args)  # of what it is given
        if not any(part.tensorish for part in parts):
            return PYTHON
        positional = all(not arg.keyword for arg in call.args)
        return Value(Kind.STRUCT, parts=parts if positional else None)
    if name == "cond":
        branched = _cond_value(call, value_of)
        if branched is not None:
            return branched
    built = _by_what_it_builds(tf_name, name)
    if built is not None and built.kind is Kind.LAYER:
        # a Keras layer object: what calling it gives (``Value.activation``, ``Value.masked``)
        return Value(Kind.LAYER, activation=activation_output("", call), masked=masks(name, call))
    if built is not None:
        return built
    dtype = _tensor_dtype(tf_name, name, call, dtype_of, value_of)
    return Value(Kind.TENSOR, dtype, activation=activation_output(name, call))


#: Activations whose output Keras's cross-entropies read through to the logits.
ACTIVATIONS = frozenset({"sigmoid", "softmax"})


def activation_output(name: str, call: cst.Call) -> bool:
    """Whether ``call`` (of the function ``name``) gives a sigmoid's or softmax's output itself:
    ``tf.sigmoid(x)``, ``tf.nn.softmax(x)``, or a layer built and called with ``activation=``
    one of them (``tf.layers.dense(x, 1, activation=tf.nn.sigmoid)``, ``"softmax"``)."""
    if name in ACTIVATIONS:
        return True
    given = _argument(call, 99, "activation")
    if isinstance(given, cst.SimpleString):
        return given.evaluated_value in ACTIVATIONS
    if isinstance(given, (cst.Name, cst.Attribute)):
        return leaf(get_full_name_for_node(given) or "") in ACTIVATIONS
    return False


def masks(name: str, call: cst.Call) -> bool:
    """Whether the Keras layer ``call`` builds (of the class ``name``) masks what it gives:
    ``Masking``, or ``mask_zero=True`` (``Embedding``)."""
    given = _argument(call, 99, "mask_zero")
    return name == "Masking" or (isinstance(given, cst.Name) and given.value == "True")



def _cond_value(call: cst.Call, value_of: ValueOf) -> Optional[Value]:
    """``tf.cond(pred, lambda: a, lambda: b)``: one tensor where both branches give one
    (``lambda: tf.constant(1)``); otherwise the structure the branches share, not known here."""
    positional = [arg for arg in call.args if arg.keyword is None]
    by_keyword = {arg.keyword.value: arg for arg in call.args if arg.keyword is not None}
    branches = [
        by_keyword.get(key) or (positional[index] if len(positional) > index else None)
        for index, key in ((1, "true_fn"), (2, "false_fn"))
    ]
    bodies = [b.value.body for b in branches if b is not None and isinstance(b.value, cst.Lambda)]
    if len(bodies) != 2:
        return None
    values = [value_of(body) for body in bodies]
    # a number a branch gives becomes a tensor too (``lambda: 0``)
    numbers = [_number(body) for body in bodies]
    if all(value.kind is Kind.TENSOR or number for value, number in zip(values, numbers)):
        dtypes = {value.dtype for value, number in zip(values, numbers) if not number}
        return Value(Kind.TENSOR, dtypes.pop() if len(dtypes) == 1 else None)
    return None


def _number(node: cst.BaseExpression) -> bool:
    if isinstance(node, cst.UnaryOperation):
        return _number(node.expression)
    return isinstance(node, (cst.Integer, cst.Float))


def _by_name(tf_name: str, name: str) -> Optional[Value]:
    if name == "executing_eagerly":
        return Value(Kind.EAGER)
    if tf_name in _SESSION_NAMES:
        return Value(Kind.SESSION)
    if tf_name in KERAS_CONVERSIONS:
        return PYTHON
    if name == "input_layer":
        return Value(Kind.TENSOR, DType.FLOAT)
    if tf_name.startswith(_NON_TENSOR_PREFIXES) or name in _NONE_LEAVES | _COLLECTION_LEAVES:
        return PYTHON
    if name.endswith(_FACTORY_SUFFIXES) and not name.endswith(_INIT_OPS):
        return PYTHON  # ``l2_regularizer(0.01)``, ``xavier_initializer()``: a function
    if name in _TABLE_LEAVES:
        return PYTHON
    if name in _TENSOR_AND_VARIABLE_LEAVES:
        parts = (Value(Kind.TENSOR, DType.FLOAT), Value(Kind.VARIABLE, DType.FLOAT))
        return Value(Kind.STRUCT, parts=parts)
    return None


def _by_what_it_builds(tf_name: str, name: str) -> Optional[Value]:
    if name in {"get_or_create_global_step", "get_global_step", "create_global_step"}:
        return Value(Kind.VARIABLE, DType.INT64)
    if tf_name.startswith("tensorflow.metrics.") or name in _STRUCT_LEAVES:
        return STRUCT
    if name in _OP_LEAVES:
        return Value(Kind.OP)
    if name[:1].isupper():
        return Value(Kind.LAYER) if tf_api.is_layer(tf_name) else PYTHON
    return None


def _tensor_dtype(
    tf_name: str, name: str, call: cst.Call, dtype_of: DtypeOf, value_of: ValueOf
) -> Optional[DType]:
    if name == "cast" or name == "saturate_cast":
        target = _argument(call, 1, "dtype")
        return dtype_of(target) if target is not None else None
    if name in _INT64_LEAVES:
        return _keyword_dtype(call, "output_type", dtype_of) or DType.INT64
    if name in _INT32_LEAVES:
        return _keyword_dtype(call, "out_type", dtype_of) or DType.INT32
    if name in _BOOL_LEAVES:
        return DType.BOOL
    explicit = _keyword_dtype(call, "dtype", dtype_of)
    if explicit is not None:
        return explicit
    if tf_name.startswith(_FLOAT_PREFIXES) or name in _FLOAT_LEAVES:
        return DType.FLOAT
    if name == "constant" and call.args:
        literal = _literal_dtype(call.args[0].value)
        if literal is not None:
            return literal
    for arg in call.args:  # an op on a tensor keeps its dtype
        value = value_of(arg.value)
        if value.kind in SINGLE:
            return value.dtype
    return None


def _literal_dtype(literal: cst.BaseExpression) -> Optional[DType]:
    if isinstance(literal, cst.Float):
        return DType.FLOAT
    if isinstance(literal, cst.Integer):
        return DType.INT32
    return None


def _argument(call: cst.Call, index: int, keyword: str) -> Optional[cst.BaseExpression]:
    for arg in call.args:
        if arg.keyword is not None and arg.keyword.value == keyword:
            return arg.value
    positional = [arg for arg in call.args if arg.keyword is None and not arg.star]
    return positional[index].value if len(positional) > index else None


def _keyword_dtype(call: cst.Call, keyword: str, dtype_of: DtypeOf) -> Optional[DType]:
    for arg in call.args:
        if arg.keyword is not None and arg.keyword.value == keyword:
            return dtype_of(arg.value)
    return None
