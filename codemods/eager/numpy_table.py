"""EF201's fixed table: the NumPy calls on tensors that have an exact TensorFlow equivalent.

Every entry names the argument forms it accepts; for those forms the TensorFlow replacement gives
NumPy's result (same shape, same dtype, same values up to floating-point summation order and the
last ulp of transcendental functions), or fails when the graph is built. It never gives a
silently different value. ``tests/test_numpy_table.py`` checks this on random arrays, shapes, axes
and dtypes (TF flushes subnormal floats to zero; the test draws none).

Where an entry's result depends on the operand's dtype (NumPy's integer means are float64, its
integer sums int64; TensorFlow keeps the input dtype), the replacement casts, and is only written
when the model_fn's flow analysis knows the dtype class (``Known``). Anything else is reported with
the nearest TensorFlow op and the reason it is not rewritten (``REJECTED`` and ``nearest``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Callable, Optional

import libcst as cst

from codemods.eager.dtypes import SIGNED, DType
from codemods.eager.rewrite import keyword_arg
from codemods.tree import children


@dataclass(frozen=True)
class Known:
    """What the flow analysis knows about an argument: a tensor or not, and its dtype class."""

    tensor: bool
    dtype: Optional[DType] = None


NOT_TENSOR = Known(tensor=False)

#: Argument expression → what is known about its value.
Lookup = Callable[[cst.BaseExpression], Known]
#: NumPy's parameter name → the argument expression bound to it.
Args = Mapping[str, cst.BaseExpression]


@dataclass(frozen=True)
class Translation:
    """The replacement (None when the call is only reported), the nearest TF op, and why not."""

    replacement: cst.BaseExpression | None
    nearest: str
    reason: str = ""


class Form(Enum):
    """How an entry checks its arguments and builds its replacement (and its result's dtype)."""

    REDUCE_FLOAT = "reduce_float"  # a reduction whose integer result NumPy makes float64
    REDUCE_INT64 = "reduce_int64"  # a reduction NumPy accumulates integers in as int64
    REDUCE_KEEP = "reduce_keep"  # a reduction that keeps the operand's dtype
    UNARY_KEEP = "unary_keep"
    UNARY_FLOAT = "unary_float"  # integer operands give float64
    BINARY = "binary"
    MATMUL = "matmul"
    CLIP = "clip"
    JOIN = "join"
    RESHAPE = "reshape"
    TRANSPOSE = "transpose"
    SQUEEZE = "squeeze"
    EXPAND_DIMS = "expand_dims"
    LIKE = "like"


@dataclass(frozen=True)
class Entry:
    """One row: the NumPy names, the TF op, the form that checks arguments, and the doc line."""

    numpy: tuple[str, ...]
    tf: str
    form: Form
    accepts: str


#: NumPy's parameters per function (``/`` ends positional-only, ``*`` starts keyword-only).
_UFUNC1 = ("x", "/", "out", "*", "where", "casting", "order", "dtype", "subok")
_UFUNC2 = ("x1", "x2", "/", "out", "*", "where", "casting", "order", "dtype", "subok")
_REDUCE = ("a", "axis", "dtype", "out", "keepdims", "initial", "where")
_SIGNATURES: dict[str, tuple[str, ...]] = {
    "mean": ("a", "axis", "dtype", "out", "keepdims", "*", "where"),
    "std": ("a", "axis", "dtype", "out", "ddof", "keepdims", "*", "where"),
    "var": ("a", "axis", "dtype", "out", "ddof", "keepdims", "*", "where"),
    "sum": _REDUCE,
    "prod": _REDUCE,
    "max": ("a", "axis", "out", "keepdims", "initial", "where"),
    "min": ("a", "axis", "out", "keepdims", "initial", "where"),
    "clip": ("a", "a_min", "a_max", "out"),
    "concatenate": ("arrays", "/", "axis", "out", "*", "dtype", "casting"),
    "stack": ("arrays", "axis", "out", "*", "dtype", "casting"),
    "reshape": ("a", "newshape", "order"),
    "transpose": ("a", "axes"),
    "squeeze": ("a", "axis"),
    "expand_dims": ("a", "axis"),
    "zeros_like": ("a", "dtype", "order", "subok", "shape"),
}
_ALIASES = {"amax": "max", "amin": "min", "absolute": "abs", "ones_like": "zeros_like"}

TABLE: tuple[Entry, ...] = (
    Entry(("mean",), "reduce_mean", Form.REDUCE_FLOAT, "axis, keepdims; float operands as they "
          "are, integer and bool operands cast to float64 first (NumPy's integer mean is float64)"),
    Entry(("std",), "math.reduce_std", Form.REDUCE_FLOAT, "axis, keepdims, ddof=0; dtypes as mean"),
    Entry(("var",), "math.reduce_variance", Form.REDUCE_FLOAT, "as std"),
    Entry(("sum",), "reduce_sum", Form.REDUCE_INT64, "axis, keepdims; float operands as they are, "
          "signed-integer and bool operands cast to int64 first (NumPy sums them as int64)"),
    Entry(("prod",), "reduce_prod", Form.REDUCE_INT64, "axis, keepdims; dtypes as sum"),
    Entry(("max", "amax"), "reduce_max", Form.REDUCE_KEEP, "axis, keepdims; any numeric dtype "
          "(NaN propagates in both; an empty operand raises in NumPy)"),
    Entry(("min", "amin"), "reduce_min", Form.REDUCE_KEEP, "as max"),
    Entry(("square",), "square", Form.UNARY_KEEP, "one operand; numeric dtypes"),
    Entry(("abs", "absolute"), "abs", Form.UNARY_KEEP, "one operand; numeric dtypes"),
    Entry(("negative",), "negative", Form.UNARY_KEEP, "one operand; numeric dtypes"),
    Entry(("sign",), "sign", Form.UNARY_KEEP, "one operand; numeric dtypes"),
    Entry(("sqrt",), "sqrt", Form.UNARY_FLOAT, "one operand; floats as they are, int32/int64 cast "
          "to float64 first (NumPy's result dtype)"),
    Entry(("exp",), "exp", Form.UNARY_FLOAT, "as sqrt"),
    Entry(("log",), "math.log", Form.UNARY_FLOAT, "as sqrt"),
    Entry(("tanh",), "tanh", Form.UNARY_FLOAT, "as sqrt"),
    Entry(("floor",), "floor", Form.UNARY_FLOAT, "as sqrt"),
    Entry(("ceil",), "math.ceil", Form.UNARY_FLOAT, "as sqrt"),
    Entry(("maximum",), "maximum", Form.BINARY, "two operands, each a tensor or a number literal"),
    Entry(("minimum",), "minimum", Form.BINARY, "as maximum"),
    Entry(("matmul",), "matmul", Form.MATMUL, "two tensor operands of rank >= 2 (TF refuses "
          "rank 1)"),
    Entry(("clip",), "clip_by_value", Form.CLIP, "a tensor and two number literals, low <= high"),
    Entry(("concatenate",), "concat", Form.JOIN, "a list or tuple literal of tensors, "
          "axis an int literal (default 0; axis=None flattens in NumPy: not accepted)"),
    Entry(("stack",), "stack", Form.JOIN, "as concatenate"),
    Entry(("reshape",), "reshape", Form.RESHAPE, "a tensor and a shape; order 'C' only"),
    Entry(("transpose",), "transpose", Form.TRANSPOSE, "a tensor, and axes omitted or a literal of "
          "non-negative ints (TF aborts on negative perm entries)"),
    Entry(("squeeze",), "squeeze", Form.SQUEEZE, "a tensor, axis omitted, an int or a tuple of "
          "ints"),
    Entry(("expand_dims",), "expand_dims", Form.EXPAND_DIMS, "a tensor and an int literal axis"),
    Entry(("zeros_like",), "zeros_like", Form.LIKE, "a tensor, no dtype/shape"),
    Entry(("ones_like",), "ones_like", Form.LIKE, "a tensor, no dtype/shape"),
)

#: NumPy functions deliberately left out of the table: nearest TF op, and why it is not exact.
REJECTED: dict[str, tuple[str, str]] = {
    "argmax": ("tf.argmax(x, axis=...)", "NumPy returns the first NaN's index and flattens when "
               "axis is None; tf.argmax skips NaN, defaults to axis 0 and leaves ties unspecified"),
    "argmin": ("tf.argmin(x, axis=...)", "as argmax: NaN, axis=None and ties differ"),
    "dot": ("tf.matmul or tf.tensordot(a, b, axes=1)", "np.dot's N-d rule (sum over the last "
            "axis of a and the second-to-last of b) is neither tf.matmul nor tf.tensordot for "
            "every rank"),
    "where": ("tf.where(cond, x, y)", "Python-number branches are int64/float64 in NumPy and "
              "int32/float32 in TF, and tf.compat.v1.where does not broadcast"),
    "cumsum": ("tf.cumsum(x, axis=...)", "NumPy flattens when axis is None and sums integers as "
               "int64"),
    "cumprod": ("tf.math.cumprod(x, axis=...)", "as cumsum"),
    "round": ("tf.round(x)", "NumPy keeps integers as they are and takes decimals; tf.round "
              "refuses integers"),
    "around": ("tf.round(x)", "as round"),
    "any": ("tf.reduce_any(tf.cast(x, tf.bool))", "TF reduces bool tensors only"),
    "all": ("tf.reduce_all(tf.cast(x, tf.bool))", "TF reduces bool tensors only"),
    "array": ("the tensor itself (or tf.identity)", "a graph tensor has no value while model_fn "
              "builds the graph"),
    "asarray": ("the tensor itself (or tf.identity)", "as array"),
    "asanyarray": ("the tensor itself (or tf.identity)", "as array"),
    "copy": ("tf.identity(x)", "as array"),
    "power": ("tf.pow(x, y)", "NumPy refuses negative integer powers of integers and promotes "
              "mixed dtypes"),
    "log2": ("tf.math.log(x) / tf.math.log(2.0)", "no single TF op; the quotient rounds "
             "differently"),
    "log10": ("tf.math.log(x) / tf.math.log(10.0)", "no single TF op; the quotient rounds "
              "differently"),
    "log1p": ("tf.math.log1p(x)", "integer operands are float64 in NumPy and refused by TF"),
    "expm1": ("tf.math.expm1(x)", "as log1p"),
    "sort": ("tf.sort(x, axis=...)", "NumPy flattens when axis is None; NaN order differs"),
    "argsort": ("tf.argsort(x, axis=..., stable=True)", "NaN order and stability differ"),
    "unique": ("tf.unique(x)", "NumPy sorts the unique values; tf.unique keeps first-seen order"),
    "split": ("tf.split(x, num_or_size_splits, axis)", "NumPy takes split indices, TF takes sizes"),
    "tile": ("tf.tile(x, multiples)", "NumPy pads reps to the operand's rank"),
    "repeat": ("tf.repeat(x, repeats, axis=...)", "not verified against NumPy"),
    "pad": ("tf.pad(x, paddings)", "NumPy's pad_width shorthands and modes differ"),
    "average": ("tf.reduce_mean(x, axis=...)", "weights and integer promotion"),
    "median": ("tfp.stats.percentile(x, 50.0)", "no core TF op"),
    "percentile": ("tfp.stats.percentile(x, q)", "no core TF op"),
    "size": ("tf.size(x)", "np.size returns a Python int"),
    "ndim": ("x.shape.rank or tf.rank(x)", "np.ndim returns a Python int"),
    "isnan": ("tf.math.is_nan(x)", "integer operands are refused by TF"),
    "linalg.norm": ("tf.norm(x, ord=..., axis=...)", "ord and axis conventions differ"),
    "float32": ("tf.cast(x, tf.float32)", "a NumPy scalar needs a value"),
    "float64": ("tf.cast(x, tf.float64)", "a NumPy scalar needs a value"),
    "int32": ("tf.cast(x, tf.int32)", "a NumPy scalar needs a value"),
    "int64": ("tf.cast(x, tf.int64)", "a NumPy scalar needs a value"),
}

_BY_NAME: dict[str, Entry] = {name: entry for entry in TABLE for name in entry.numpy}


def entry_for(name: str) -> Entry | None:
    return _BY_NAME.get(name)


def result_dtype(name: str, operand: Optional[DType]) -> Optional[DType]:
    """The dtype class of what ``np.<name>(x, ...)`` on a tensor ``x`` of class ``operand`` gives
    once rewritten (None when unknown): NumPy's, as the table's casts keep it."""
    entry = _BY_NAME.get(name)
    if entry is None or operand is None:
        return None
    if entry.form in {Form.REDUCE_FLOAT, Form.UNARY_FLOAT}:
        return DType.FLOAT
    if entry.form is Form.REDUCE_INT64:
        return DType.FLOAT if operand is DType.FLOAT else DType.INT64
    return operand


def nearest(name: str, tf: str = "tf") -> str:
    """The TF op a report names for ``np.<name>``."""
    entry = _BY_NAME.get(name)
    if entry is not None:
        return f"{tf}.{entry.tf}"
    if name in REJECTED:
        return REJECTED[name][0].replace("tf.", f"{tf}.")
    return f"{tf}.experimental.numpy.{name} (mirrors NumPy) or a tf.math op"


class _Reject(Exception):
    """The call is outside the entry's accepted forms; the message says why."""


def translate(name: str, call: cst.Call, known: Lookup, tf: str) -> Translation:
    """The TF replacement of ``np.<name>(...)`` when the table accepts this call, else a report.

    ``tf`` is how the file spells the tensorflow module; ``known`` says what each argument is.
    """
    entry = _BY_NAME.get(name)
    if entry is None:
        reason = REJECTED[name][1] if name in REJECTED else "not in the table of exact equivalents"
        return Translation(None, nearest(name, tf), reason)
    try:
        args = _bind(_ALIASES.get(name, name), entry, call)
        replacement = _FORMS[entry.form](entry, args, known, tf)
    except _Reject as exc:
        return Translation(None, nearest(name, tf), str(exc))
    return Translation(_dress(call, cst.ensure_type(replacement, cst.Call)), nearest(name, tf))


def _dress(call: cst.Call, replacement: cst.Call) -> cst.Call:
    """Give the new arguments the layout (commas, line breaks, comments) of the ones they reuse."""
    dressed: list[cst.Arg] = []
    for new in replacement.args:
        source = next((old for old in call.args if _holds(new.value, old.value)), None)
        if source is None:
            dressed.append(new)
            continue
        both = new.keyword is not None and source.keyword is not None
        equal = source.equal if both else new.equal
        dressed.append(source.with_changes(value=new.value, keyword=new.keyword, equal=equal))
    if dressed and call.args:
        dressed[-1] = dressed[-1].with_changes(comma=call.args[-1].comma)
    return replacement.with_changes(
        args=dressed,
        whitespace_after_func=call.whitespace_after_func,
        whitespace_before_args=call.whitespace_before_args,
    )


def _holds(tree: cst.CSTNode, node: cst.CSTNode) -> bool:
    stack = [tree]
    while stack:
        current = stack.pop()
        if current is node:
            return True
        stack.extend(children(current))
    return False


# ----------------------------------------------------------------------------- binding
def _signature(name: str, entry: Entry) -> tuple[str, ...]:
    if name in _SIGNATURES:
        return _SIGNATURES[name]
    return _UFUNC2 if entry.form in {Form.BINARY, Form.MATMUL} else _UFUNC1


def _bind(name: str, entry: Entry, call: cst.Call) -> dict[str, cst.BaseExpression]:
    """NumPy's parameter name → argument expression; rejects forms Python could not bind."""
    signature = _signature(name, entry)
    keyword_only = signature.index("*") if "*" in signature else len(signature)
    positional = [p for p in signature[:keyword_only] if p != "/"]
    positional_only = signature[: signature.index("/")] if "/" in signature else ()
    bound: dict[str, cst.BaseExpression] = {}
    index = 0
    for arg in call.args:
        if arg.star:
            raise _Reject("*args/**kwargs cannot be checked against the table")
        if arg.keyword is None:
            if index >= len(positional):
                raise _Reject("too many positional arguments")
            bound[positional[index]] = arg.value
            index += 1
            continue
        keyword = arg.keyword.value
        if name == "reshape" and keyword == "shape":
            keyword = "newshape"  # NumPy 2 spelling
        if keyword not in signature or keyword in positional_only or keyword in bound:
            raise _Reject(f"`{keyword}=` is not an argument the table accepts")
        bound[keyword] = arg.value
    return {k: v for k, v in bound.items() if not _is_default(k, v)}


def _is_default(param: str, value: cst.BaseExpression) -> bool:
    if isinstance(value, cst.Name) and value.value == "None":
        return param in {"out", "dtype", "initial", "axes", "order", "shape"}
    if param == "ddof":
        return isinstance(value, cst.Integer) and value.evaluated_value == 0
    if param == "order":
        return isinstance(value, cst.SimpleString) and value.evaluated_value == "C"
    if param in {"where", "subok"}:
        return isinstance(value, cst.Name) and value.value == "True"
    return False


def _only(args: Args, allowed: Sequence[str]) -> None:
    for param in args:
        if param not in allowed:
            raise _Reject(f"`{param}=` is outside the table's accepted forms")


# ----------------------------------------------------------------------------- building
def _expr(code: str) -> cst.BaseExpression:
    return cst.parse_expression(code)


def _tf_call(tf: str, op: str, args: Sequence[cst.Arg]) -> cst.Call:
    return cst.Call(func=_expr(f"{tf}.{op}"), args=list(args))


def _operand(args: Args, param: str, known: Lookup) -> tuple[cst.BaseExpression, Known]:
    if param not in args:
        raise _Reject("the operand is missing")
    value = args[param]
    info = known(value)
    if not info.tensor:
        raise _Reject("the operand is not known to be a tensor")
    return value, info


def _cast(tf: str, value: cst.BaseExpression, dtype: str) -> cst.Call:
    return _tf_call(tf, "cast", [cst.Arg(value), cst.Arg(_expr(f"{tf}.{dtype}"))])


def _axis_keepdims(args: Args) -> list[cst.Arg]:
    out = []
    if "axis" in args:
        out.append(keyword_arg("axis", args["axis"]))
    if "keepdims" in args:
        out.append(keyword_arg("keepdims", args["keepdims"]))
    return out


def _reduce_float(entry: Entry, args: Args, known: Lookup, tf: str) -> cst.BaseExpression:
    _only(args, ("a", "axis", "keepdims"))
    value, info = _operand(args, "a", known)
    if info.dtype == DType.FLOAT:
        operand: cst.BaseExpression = value
    elif info.dtype in SIGNED | {DType.UINT, DType.BOOL}:
        operand = _cast(tf, value, "float64")
    elif info.dtype == DType.HALF:
        raise _Reject("NumPy accumulates float16 in float32; the results round differently")
    else:
        raise _Reject("the operand's dtype is unknown (NumPy's integer mean is float64, "
                      f"{tf}.{entry.tf} keeps the integer dtype)")
    return _tf_call(tf, entry.tf, [cst.Arg(operand), *_axis_keepdims(args)])


def _reduce_int64(entry: Entry, args: Args, known: Lookup, tf: str) -> cst.BaseExpression:
    _only(args, ("a", "axis", "keepdims"))
    value, info = _operand(args, "a", known)
    if info.dtype == DType.FLOAT:
        operand: cst.BaseExpression = value
    elif info.dtype in SIGNED | {DType.BOOL}:
        operand = _cast(tf, value, "int64")
    elif info.dtype == DType.HALF:
        raise _Reject("NumPy accumulates float16 differently; the results round differently")
    elif info.dtype == DType.UINT:
        raise _Reject("NumPy accumulates unsigned integers as uint64")
    else:
        raise _Reject("the operand's dtype is unknown (NumPy accumulates integers as int64, "
                      f"{tf}.{entry.tf} keeps the integer dtype)")
    return _tf_call(tf, entry.tf, [cst.Arg(operand), *_axis_keepdims(args)])


def _reduce_keep(entry: Entry, args: Args, known: Lookup, tf: str) -> cst.BaseExpression:
    _only(args, ("a", "axis", "keepdims"))
    value, info = _operand(args, "a", known)
    if info.dtype == DType.BOOL:
        raise _Reject("TF reduces bool tensors with reduce_any/reduce_all")
    return _tf_call(tf, entry.tf, [cst.Arg(value), *_axis_keepdims(args)])


def _unary_keep(entry: Entry, args: Args, known: Lookup, tf: str) -> cst.BaseExpression:
    _only(args, ("x",))
    value, info = _operand(args, "x", known)
    if info.dtype in {DType.BOOL, DType.UINT}:
        raise _Reject(f"NumPy's {entry.numpy[0]} of {info.dtype} operands has no TF kernel")
    return _tf_call(tf, entry.tf, [cst.Arg(value)])


def _unary_float(entry: Entry, args: Args, known: Lookup, tf: str) -> cst.BaseExpression:
    _only(args, ("x",))
    value, info = _operand(args, "x", known)
    operand: cst.BaseExpression = value
    if info.dtype in {DType.INT32, DType.INT64}:
        operand = _cast(tf, value, "float64")
    elif info.dtype in {DType.INT, DType.UINT, DType.BOOL}:
        raise _Reject("NumPy's result dtype for this integer width is float16/float32")
    return _tf_call(tf, entry.tf, [cst.Arg(operand)])


def _number(value: cst.BaseExpression) -> float | None:
    """The value of an int/float literal (optionally negated), else None."""
    sign = 1.0
    while isinstance(value, cst.UnaryOperation) and isinstance(
        value.operator, (cst.Minus, cst.Plus)
    ):
        if isinstance(value.operator, cst.Minus):
            sign = -sign
        value = value.expression
    if isinstance(value, (cst.Integer, cst.Float)):
        return sign * float(value.evaluated_value)
    return None


def _tensor_or_number(value: cst.BaseExpression, known: Lookup) -> bool:
    return known(value).tensor or _number(value) is not None


def _binary(entry: Entry, args: Args, known: Lookup, tf: str) -> cst.BaseExpression:
    _only(args, ("x1", "x2"))
    if "x1" not in args or "x2" not in args:
        raise _Reject("two operands are needed")
    first, second = args["x1"], args["x2"]
    if not (_tensor_or_number(first, known) and _tensor_or_number(second, known)):
        raise _Reject("an operand is neither a tensor nor a number literal (NumPy would promote "
                      "its dtype)")
    if not (known(first).tensor or known(second).tensor):
        raise _Reject("no operand is a tensor")
    if DType.BOOL in {known(first).dtype, known(second).dtype}:
        raise _Reject("TF has no maximum/minimum of bool tensors")
    dtype = known(first).dtype if known(first).tensor else known(second).dtype
    if known(first).tensor and known(second).tensor:
        dtype = DType.FLOAT  # two tensors: TF requires equal dtypes, then the result is the same
    _check_literals(known, dtype, first, second)
    return _tf_call(tf, entry.tf, [cst.Arg(first), cst.Arg(second)])


def _check_literals(
    known: Lookup, tensor_dtype: Optional[DType], *values: cst.BaseExpression
) -> None:
    """A number literal takes the tensor's dtype in TF; NumPy may promote instead.

    Safe when the tensor is known float32/float64 or int32/int64 (a float literal with an
    integer tensor is float64 in NumPy and refused by TF), or, with the dtype unknown, when the
    literal is an int in [0, 127], which every numeric dtype holds (an unsigned tensor would
    silently wrap a negative literal).
    """
    for value in values:
        number = _number(value)
        if number is None:
            continue
        floating = isinstance(_unsigned(value), cst.Float)
        if tensor_dtype in SIGNED | {DType.UINT} and floating:
            raise _Reject("a float literal with an integer tensor is float64 in NumPy")
        if tensor_dtype in {DType.FLOAT, DType.INT32, DType.INT64}:
            continue
        if floating or not 0 <= number <= 127:
            raise _Reject("the tensor's dtype is unknown and the literal may not fit it "
                          "(TF would wrap or round it where NumPy promotes)")


def _matmul(entry: Entry, args: Args, known: Lookup, tf: str) -> cst.BaseExpression:
    _only(args, ("x1", "x2"))
    operands = [args.get("x1"), args.get("x2")]
    if not all(value is not None and known(value).tensor for value in operands):
        raise _Reject("both operands must be tensors (NumPy would promote a Python list's dtype)")
    return _tf_call(tf, entry.tf, [cst.Arg(args["x1"]), cst.Arg(args["x2"])])


def _clip(entry: Entry, args: Args, known: Lookup, tf: str) -> cst.BaseExpression:
    _only(args, ("a", "a_min", "a_max"))
    value, info = _operand(args, "a", known)
    low = _number(args["a_min"]) if "a_min" in args else None
    high = _number(args["a_max"]) if "a_max" in args else None
    if low is None or high is None:
        raise _Reject("the bounds must be number literals")
    if low > high:
        raise _Reject("low > high: NumPy returns high, tf.clip_by_value returns low")
    if info.dtype == DType.BOOL:
        raise _Reject("TF does not clip bool tensors")
    _check_literals(known, info.dtype, args["a_min"], args["a_max"])
    return _tf_call(tf, entry.tf, [cst.Arg(value), cst.Arg(args["a_min"]), cst.Arg(args["a_max"])])


def _int_literal(value: cst.BaseExpression) -> int | None:
    number = _number(value)
    if number is None or not isinstance(_unsigned(value), cst.Integer):
        return None
    return int(number)


def _unsigned(value: cst.BaseExpression) -> cst.BaseExpression:
    while isinstance(value, cst.UnaryOperation):
        value = value.expression
    return value


def _join(entry: Entry, args: Args, known: Lookup, tf: str) -> cst.BaseExpression:
    _only(args, ("arrays", "axis"))
    sequence = args.get("arrays")
    if not isinstance(sequence, (cst.List, cst.Tuple)) or not sequence.elements:
        raise _Reject("the arrays must be a list or tuple literal")
    for element in sequence.elements:
        if isinstance(element, cst.StarredElement) or not known(element.value).tensor:
            raise _Reject("every joined value must be a tensor (NumPy would promote the others)")
    axis = args.get("axis")
    if axis is not None and _int_literal(axis) is None:
        raise _Reject("axis must be an int literal (axis=None flattens in NumPy)")
    axis_arg = keyword_arg("axis", axis or cst.Integer("0"))
    return _tf_call(tf, entry.tf, [cst.Arg(sequence), axis_arg])


def _reshape(entry: Entry, args: Args, known: Lookup, tf: str) -> cst.BaseExpression:
    _only(args, ("a", "newshape"))
    value, _ = _operand(args, "a", known)
    if "newshape" not in args:
        raise _Reject("the shape is missing")
    return _tf_call(tf, entry.tf, [cst.Arg(value), cst.Arg(args["newshape"])])


def _transpose(entry: Entry, args: Args, known: Lookup, tf: str) -> cst.BaseExpression:
    _only(args, ("a", "axes"))
    value, _ = _operand(args, "a", known)
    axes = args.get("axes")
    if axes is None:
        return _tf_call(tf, entry.tf, [cst.Arg(value)])
    if not isinstance(axes, (cst.List, cst.Tuple)) or not all(
        isinstance(e.value, cst.Integer) for e in axes.elements
    ):
        raise _Reject("axes must be a literal of non-negative ints (TF aborts on negative ones)")
    return _tf_call(tf, entry.tf, [cst.Arg(value), keyword_arg("perm", axes)])


def _squeeze(entry: Entry, args: Args, known: Lookup, tf: str) -> cst.BaseExpression:
    _only(args, ("a", "axis"))
    value, _ = _operand(args, "a", known)
    axis = args.get("axis")
    if axis is None or (isinstance(axis, cst.Name) and axis.value == "None"):
        return _tf_call(tf, entry.tf, [cst.Arg(value)])
    literals = axis.elements if isinstance(axis, (cst.Tuple, cst.List)) else None
    if literals is not None:
        if not literals or any(_int_literal(e.value) is None for e in literals):
            raise _Reject("axis must be an int literal or a tuple of them")
    elif _int_literal(axis) is None:
        raise _Reject("axis must be an int literal or a tuple of them")
    return _tf_call(tf, entry.tf, [cst.Arg(value), keyword_arg("axis", axis)])


def _expand_dims(entry: Entry, args: Args, known: Lookup, tf: str) -> cst.BaseExpression:
    _only(args, ("a", "axis"))
    value, _ = _operand(args, "a", known)
    axis = args.get("axis")
    if axis is None or _int_literal(axis) is None:
        raise _Reject("axis must be an int literal (NumPy also takes tuples)")
    return _tf_call(tf, entry.tf, [cst.Arg(value), keyword_arg("axis", axis)])


def _like(entry: Entry, args: Args, known: Lookup, tf: str) -> cst.BaseExpression:
    _only(args, ("a",))
    value, _ = _operand(args, "a", known)
    return _tf_call(tf, entry.tf, [cst.Arg(value)])


_Builder = Callable[[Entry, Args, Lookup, str], cst.BaseExpression]
_FORMS: dict[Form, _Builder] = {
    Form.REDUCE_FLOAT: _reduce_float,
    Form.REDUCE_INT64: _reduce_int64,
    Form.REDUCE_KEEP: _reduce_keep,
    Form.UNARY_KEEP: _unary_keep,
    Form.UNARY_FLOAT: _unary_float,
    Form.BINARY: _binary,
    Form.MATMUL: _matmul,
    Form.CLIP: _clip,
    Form.JOIN: _join,
    Form.RESHAPE: _reshape,
    Form.TRANSPOSE: _transpose,
    Form.SQUEEZE: _squeeze,
    Form.EXPAND_DIMS: _expand_dims,
    Form.LIKE: _like,
}


def describe() -> str:
    """The table as ``explain EF201`` shows it: one line per entry, then the rejected names."""
    lines = [
        f"  np.{'/'.join(entry.numpy)} -> tf.{entry.tf}: {entry.accepts}" for entry in TABLE
    ]
    rejected = ", ".join(f"np.{name}" for name in sorted(REJECTED))
    return "\n".join(lines) + f"\nReported with the nearest TF op instead: {rejected}."
