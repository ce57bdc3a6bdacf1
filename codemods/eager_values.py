"""What a model_fn's expressions evaluate to while it builds the graph: tensors or Python values.

A forward pass over the model_fn body binds each name to a ``Value``: a single tensor (with its
dtype class when known), a maybe-tensor (``features``, ``labels``, what a helper returns), a
structure of tensors, a variable, a graph op, a session, a layer object, the result of
``tf.executing_eagerly()``, or a Python value. Only TensorFlow calls, the model_fn's inputs, layers
and arithmetic on them make tensors; NumPy calls on tensors are counted as tensors too (that is
what EF201's fix makes of them).
"""

from __future__ import annotations

import builtins
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Callable, Optional

import libcst as cst

from codemods import numpy_table, tf_api
from codemods.numpy_table import BOOL, FLOAT, INT32, INT64, Known

TENSOR, MAYBE, STRUCT, VARIABLE = "tensor", "maybe", "struct", "variable"
OP, SESSION, LAYER, EAGER, PYTHON = "op", "session", "layer", "eager", "python"

#: Kinds that hold graph tensors (NumPy on them crashes; printing them prints a symbol).
TENSORISH = frozenset({TENSOR, MAYBE, STRUCT, VARIABLE})
#: Kinds that are one tensor-like value (what the NumPy table's operands may be).
SINGLE = frozenset({TENSOR, MAYBE, VARIABLE})


@dataclass(frozen=True)
class Value:
    kind: str
    dtype: str | None = None

    @property
    def tensorish(self) -> bool:
        return self.kind in TENSORISH


Env = dict[str, Value]
#: Resolves a Name/Attribute to its normalized TensorFlow name (``tensorflow.reduce_mean``).
TfResolver = Callable[[cst.CSTNode], Optional[str]]
#: Resolves a call's function to the NumPy function it names (``mean``), or None.
NumpyResolver = Callable[[cst.BaseExpression], Optional[str]]

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
)
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
#: Sessions a model_fn creates (EF203 reports the construction itself).
SESSION_CONSTRUCTORS = frozenset(
    {"tensorflow.Session", "tensorflow.InteractiveSession", "tensorflow.train.MonitoredSession",
     "tensorflow.train.MonitoredTrainingSession", "tensorflow.train.SingularMonitoredSession"}
)
#: Keras backend functions that return a Python value (EF202).
KERAS_CONVERSIONS = frozenset(
    {"tensorflow.keras.backend.get_value", "tensorflow.keras.backend.eval",
     "tensorflow.keras.backend.batch_get_value"}
)
_PY_BUILTINS = frozenset(dir(builtins))


def leaf(tf_name: str) -> str:
    return tf_name.rsplit(".", 1)[-1]


def dtype_of_tf(node: cst.BaseExpression, resolve: TfResolver) -> str | None:
    """``tf.float32`` / ``"float32"`` / ``np.float32`` → the numpy_table dtype class."""
    if isinstance(node, cst.SimpleString):
        value = node.evaluated_value
        return numpy_table.dtype_class(value) if isinstance(value, str) else None
    if isinstance(node, (cst.Name, cst.Attribute)):
        tf_name = resolve(node)
        name = leaf(tf_name) if tf_name else cst.Module([]).code_for_node(node).rsplit(".", 1)[-1]
        return numpy_table.dtype_class(name)
    return None


def merge(left: Env, right: Env) -> Env:
    """The facts that hold after either of two branches ran."""
    out: Env = {}
    for name in set(left) | set(right):
        a, b = left.get(name), right.get(name)
        if a is None or b is None:
            out[name] = a or b  # type: ignore[assignment]
        elif a == b:
            out[name] = a
        elif a.kind == b.kind:
            out[name] = Value(a.kind)
        elif a.tensorish or b.tensorish:
            out[name] = Value(MAYBE)
        else:
            out[name] = Value(PYTHON)
    return out


class Evaluator:
    """Evaluates expressions against an environment of bound names."""

    def __init__(self, resolve: TfResolver, numpy: NumpyResolver) -> None:
        self.resolve = resolve
        self.numpy = numpy
        self._cache: dict[tuple[int, int], Value] = {}
        self._envs: list[Mapping[str, Value]] = []  # keeps each cached env's id unique

    def forget(self) -> None:
        """Drop cached values: the caller is about to change an environment."""
        self._cache.clear()
        self._envs.clear()

    # ------------------------------------------------------------------ entry points
    def value(self, node: cst.BaseExpression, env: Mapping[str, Value]) -> Value:
        key = (id(node), id(env))
        cached = self._cache.get(key)
        if cached is not None:
            return cached
        method = _DISPATCH.get(type(node))
        result = Value(PYTHON) if method is None else method(self, node, env)
        self._cache[key] = result
        self._envs.append(env)
        return result

    def known(self, node: cst.BaseExpression, env: Mapping[str, Value]) -> Known:
        value = self.value(node, env)
        return Known(value.kind in SINGLE, value.dtype)

    def any_tensorish(self, nodes: Iterable[cst.BaseExpression], env: Mapping[str, Value]) -> bool:
        return any(self.value(node, env).tensorish for node in nodes)

    # ------------------------------------------------------------------ node kinds
    def _name(self, node: cst.Name, env: Mapping[str, Value]) -> Value:
        return env.get(node.value, Value(PYTHON))

    def _attribute(self, node: cst.Attribute, env: Mapping[str, Value]) -> Value:
        if self.resolve(node) is not None:
            return Value(PYTHON)  # tf.float32, tf.estimator.ModeKeys.TRAIN ...
        base = self.value(node.value, env)
        if base.kind in {TENSOR, VARIABLE} and node.attr.value == "T":
            return Value(TENSOR, base.dtype)
        return Value(PYTHON)

    def _subscript(self, node: cst.Subscript, env: Mapping[str, Value]) -> Value:
        base = self.value(node.value, env)
        if base.kind in {TENSOR, VARIABLE}:
            return Value(TENSOR, base.dtype)
        if base.kind in {MAYBE, STRUCT}:
            return Value(TENSOR)
        return Value(PYTHON)

    def _binary(self, node: cst.BinaryOperation, env: Mapping[str, Value]) -> Value:
        left, right = self.value(node.left, env), self.value(node.right, env)
        singles = [v for v in (left, right) if v.kind in SINGLE]
        if not singles:
            return Value(STRUCT) if STRUCT in {left.kind, right.kind} else Value(PYTHON)
        dtype = next((v.dtype for v in singles if v.dtype), None)
        if isinstance(node.operator, (cst.Divide,)) and dtype not in {None, FLOAT}:
            dtype = FLOAT  # TF's truediv of integers is float64
        return Value(TENSOR, dtype)

    def _unary(self, node: cst.UnaryOperation, env: Mapping[str, Value]) -> Value:
        if isinstance(node.operator, cst.Not):
            return Value(PYTHON)
        operand = self.value(node.expression, env)
        return Value(TENSOR, operand.dtype) if operand.kind in SINGLE else Value(PYTHON)

    def _comparison(self, node: cst.Comparison, env: Mapping[str, Value]) -> Value:
        if self.comparison_is_tensor(node, env):
            return Value(TENSOR, BOOL)
        return Value(PYTHON)

    def comparison_is_tensor(self, node: cst.Comparison, env: Mapping[str, Value]) -> bool:
        operands = [node.left, *(c.comparator for c in node.comparisons)]
        for target in node.comparisons:
            if isinstance(target.operator, (cst.Is, cst.IsNot, cst.In, cst.NotIn)):
                return False
        if any(isinstance(o, cst.Name) and o.value == "None" for o in operands):
            return False
        return any(self.value(o, env).kind in SINGLE for o in operands)

    def _boolean(self, node: cst.BooleanOperation, env: Mapping[str, Value]) -> Value:
        values = [self.value(node.left, env), self.value(node.right, env)]
        return Value(MAYBE) if any(v.tensorish for v in values) else Value(PYTHON)

    def _ifexp(self, node: cst.IfExp, env: Mapping[str, Value]) -> Value:
        body, orelse = self.value(node.body, env), self.value(node.orelse, env)
        if body == orelse:
            return body
        return Value(MAYBE) if body.tensorish or orelse.tensorish else Value(PYTHON)

    def _display(self, node: cst.CSTNode, env: Mapping[str, Value]) -> Value:
        values: list[cst.BaseExpression] = []
        for element in getattr(node, "elements", ()):
            if isinstance(
                element, (cst.DictElement, cst.Element, cst.StarredElement, cst.StarredDictElement)
            ):
                values.append(element.value)
        return Value(STRUCT) if self.any_tensorish(values, env) else Value(PYTHON)

    def _comprehension(self, node: cst.CSTNode, env: Mapping[str, Value]) -> Value:
        inner = dict(env)
        comp: cst.CompFor | None = getattr(node, "for_in", None)
        while comp is not None:
            inner.update(self.iterated(comp.iter, comp.target, inner))
            comp = comp.inner_for_in
        elements = [getattr(node, "elt", None), getattr(node, "value", None)]
        present = [e for e in elements if isinstance(e, cst.BaseExpression)]
        return Value(STRUCT) if self.any_tensorish(present, inner) else Value(PYTHON)

    def _named(self, node: cst.NamedExpr, env: Mapping[str, Value]) -> Value:
        return self.value(node.value, env)

    # ------------------------------------------------------------------ calls
    def _call(self, node: cst.Call, env: Mapping[str, Value]) -> Value:
        numpy_name = self.numpy(node.func)
        if numpy_name is not None:
            return self._numpy_call(numpy_name, node, env)
        tf_name = self.resolve(node.func)
        if tf_name is not None:
            return self._tf_call(tf_name, node, env)
        func = node.func
        if isinstance(func, cst.Name) and func.value not in env and func.value in _PY_BUILTINS:
            return self._builtin(func.value, node, env)
        callee = self.value(func, env)
        if callee.kind == LAYER:
            return Value(TENSOR, FLOAT)
        if isinstance(func, cst.Attribute):
            return self._method(func, node, env)
        args = [arg.value for arg in node.args]
        return Value(MAYBE) if self.any_tensorish(args, env) else Value(PYTHON)

    def _numpy_call(self, name: str, node: cst.Call, env: Mapping[str, Value]) -> Value:
        args = [arg.value for arg in node.args]
        if not self.any_tensorish(args, env):
            return Value(PYTHON)
        entry = numpy_table.entry_for(name)
        first = self.value(args[0], env) if args else Value(PYTHON)
        if entry is None:
            return Value(TENSOR)
        if entry.form in {"reduce_float", "unary_float"}:
            return Value(TENSOR, FLOAT if first.dtype else None)
        if entry.form == "reduce_int64":
            return Value(TENSOR, FLOAT if first.dtype == FLOAT else INT64 if first.dtype else None)
        return Value(TENSOR, first.dtype)

    def _builtin(self, name: str, node: cst.Call, env: Mapping[str, Value]) -> Value:
        args = [arg.value for arg in node.args]
        if name == "abs" and args and self.value(args[0], env).kind in SINGLE:
            return Value(TENSOR, self.value(args[0], env).dtype)
        if name in {"list", "tuple", "zip", "enumerate", "reversed", "dict"}:
            return Value(STRUCT) if self.any_tensorish(args, env) else Value(PYTHON)
        return Value(PYTHON)  # sorted(features) gives the keys; len, str, isinstance ...

    def iterated(self, iterable: cst.BaseExpression, target: cst.BaseExpression, env: Mapping[str, Value]) -> dict[str, Value]:  # noqa: E501
        """What a loop over ``iterable`` binds ``target``'s names to.

        A list or tuple of tensors gives tensors; ``d.items()`` gives keys and values; a
        ``features``-like mapping (or ``d.keys()``) gives its keys, which are names.
        """
        names = _target_names(target)
        source = self.value(iterable, env)
        element = Value(MAYBE) if source.kind in {STRUCT, TENSOR, VARIABLE} else Value(PYTHON)
        if isinstance(iterable, cst.Call) and isinstance(iterable.func, cst.Attribute):
            method = iterable.func.attr.value
            container = self.value(iterable.func.value, env)
            if container.tensorish and method in {"values", "items"}:
                element = Value(MAYBE)
                if method == "items" and isinstance(target, (cst.Tuple, cst.List)):
                    keys = _target_names(target.elements[0].value) if target.elements else []
                    return {n: Value(PYTHON) if n in keys else element for n in names}
        return {name: element for name in names}

    def _method(self, func: cst.Attribute, node: cst.Call, env: Mapping[str, Value]) -> Value:
        receiver = self.value(func.value, env)
        method = func.attr.value
        if method in CONVERSION_METHODS and receiver.tensorish or method == "numpy":
            return Value(PYTHON)
        if receiver.kind == SESSION:
            return Value(PYTHON)
        if receiver.kind in {TENSOR, VARIABLE}:
            if method in STATIC_ATTRIBUTES:
                return Value(PYTHON)
            return Value(TENSOR, receiver.dtype)
        if receiver.kind == LAYER:
            return Value(TENSOR, FLOAT)
        if method in {"minimize", "apply_gradients"}:
            return Value(OP)
        if method in {"compute_gradients", "get_updates"}:
            return Value(STRUCT)
        args = [arg.value for arg in node.args]
        if receiver.kind in {MAYBE, STRUCT} and method in {"get", "pop", "values", "items"}:
            return Value(MAYBE)
        return Value(MAYBE) if self.any_tensorish(args, env) else Value(PYTHON)

    def _tf_call(self, tf_name: str, node: cst.Call, env: Mapping[str, Value]) -> Value:  # noqa: C901
        name = leaf(tf_name)
        if name == "executing_eagerly":
            return Value(EAGER)
        if tf_name in _SESSION_NAMES:
            return Value(SESSION)
        if tf_name in KERAS_CONVERSIONS:
            return Value(PYTHON)
        if name == "input_layer":
            return Value(TENSOR, FLOAT)
        if tf_name.startswith(_NON_TENSOR_PREFIXES) or name in _NONE_LEAVES | _COLLECTION_LEAVES:
            return Value(PYTHON)
        if name in {"get_variable", "Variable"}:
            return Value(VARIABLE, self._keyword_dtype(node, "dtype") or FLOAT)
        if name in {"get_or_create_global_step", "get_global_step", "create_global_step"}:
            return Value(VARIABLE, INT64)
        if tf_name.startswith("tensorflow.metrics.") or name in _STRUCT_LEAVES:
            return Value(STRUCT)
        if name in _OP_LEAVES:
            return Value(OP)
        if name[:1].isupper():
            return Value(LAYER) if tf_api.is_layer(tf_name) else Value(PYTHON)
        return Value(TENSOR, self._tf_dtype(tf_name, name, node, env))

    def _tf_dtype(self, tf_name: str, name: str, node: cst.Call, env: Mapping[str, Value]) -> str | None:  # noqa: E501
        if name == "cast" or name == "saturate_cast":
            target = self._argument(node, 1, "dtype")
            return dtype_of_tf(target, self.resolve) if target is not None else None
        if name in _INT64_LEAVES:
            return self._keyword_dtype(node, "output_type") or INT64
        if name in _INT32_LEAVES:
            return self._keyword_dtype(node, "out_type") or INT32
        if name in _BOOL_LEAVES:
            return BOOL
        explicit = self._keyword_dtype(node, "dtype")
        if explicit is not None:
            return explicit
        if tf_name.startswith(_FLOAT_PREFIXES) or name in _FLOAT_LEAVES:
            return FLOAT
        if name == "constant" and node.args:
            literal = node.args[0].value
            if isinstance(literal, cst.Float):
                return FLOAT
            if isinstance(literal, cst.Integer):
                return INT32
        for arg in node.args:
            value = self.value(arg.value, env)
            if value.kind in SINGLE:
                return value.dtype
        return None

    def _argument(self, node: cst.Call, index: int, keyword: str) -> cst.BaseExpression | None:
        for arg in node.args:
            if arg.keyword is not None and arg.keyword.value == keyword:
                return arg.value
        positional = [arg for arg in node.args if arg.keyword is None and not arg.star]
        return positional[index].value if len(positional) > index else None

    def _keyword_dtype(self, node: cst.Call, keyword: str) -> str | None:
        for arg in node.args:
            if arg.keyword is not None and arg.keyword.value == keyword:
                return dtype_of_tf(arg.value, self.resolve)
        return None


def _target_names(target: cst.BaseExpression) -> list[str]:
    if isinstance(target, cst.Name):
        return [target.value]
    if isinstance(target, (cst.Tuple, cst.List)):
        return [n for e in target.elements for n in _target_names(e.value)]
    if isinstance(target, cst.StarredElement):
        return _target_names(target.value)
    return []


target_names = _target_names

#: Node type → how to evaluate it (each method takes its own node type).
_DISPATCH: dict[type, Callable[..., Value]] = {
    cst.Name: Evaluator._name,
    cst.Attribute: Evaluator._attribute,
    cst.Subscript: Evaluator._subscript,
    cst.BinaryOperation: Evaluator._binary,
    cst.UnaryOperation: Evaluator._unary,
    cst.Comparison: Evaluator._comparison,
    cst.BooleanOperation: Evaluator._boolean,
    cst.IfExp: Evaluator._ifexp,
    cst.List: Evaluator._display,
    cst.Tuple: Evaluator._display,
    cst.Set: Evaluator._display,
    cst.Dict: Evaluator._display,
    cst.ListComp: Evaluator._comprehension,
    cst.SetComp: Evaluator._comprehension,
    cst.GeneratorExp: Evaluator._comprehension,
    cst.DictComp: Evaluator._comprehension,
    cst.NamedExpr: Evaluator._named,
    cst.Call: Evaluator._call,
}
