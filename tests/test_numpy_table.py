"""EF201's NumPy table against NumPy itself: every entry, random arrays, shapes, axes and dtypes.

For each drawn call the table's replacement (the exact expression the codemod writes) runs in
TensorFlow and the NumPy call runs in NumPy. Where the table rewrites, the results must have the
same shape and dtype and equal values (floating-point results up to summation order / last-ulp
differences), or TensorFlow must refuse the operand loudly. For the dtypes an entry documents as
supported, TensorFlow must not refuse.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import hypothesis.extra.numpy as hnp
import libcst as cst
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from codemods.eager import numpy_table
from codemods.eager.dtypes import dtype_class
from codemods.eager.numpy_table import Known, translate

EXAMPLES = settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    derandomize=True,
    database=None,
)

ALL_DTYPES = ("float32", "float64", "float16", "int32", "int64", "int8", "uint8", "bool")
#: Per table form, the dtypes that must be rewritten *and* run when the flow analysis knows them.
MUST_RUN = {
    "reduce_float": {"float32", "float64", "int32", "int64", "int8", "uint8", "bool"},
    "reduce_int64": {"float32", "float64", "int32", "int64", "int8", "bool"},
    "reduce_keep": {"float32", "float64", "float16", "int32", "int64"},
    "unary_keep": {"float32", "float64", "float16", "int32", "int64"},
    "unary_float": {"float32", "float64", "float16", "int32", "int64"},
    "binary": {"float32", "float64", "int32", "int64"},
    "matmul": {"float32", "float64"},
    "clip": {"float32", "float64", "int32", "int64"},
    "join": set(ALL_DTYPES),
    "reshape": set(ALL_DTYPES),
    "transpose": set(ALL_DTYPES),
    "squeeze": set(ALL_DTYPES),
    "expand_dims": set(ALL_DTYPES),
    "like": set(ALL_DTYPES),
}


@pytest.fixture(scope="session")
def tf() -> Any:
    import tensorflow

    return tensorflow


@dataclass
class Case:
    """``source`` calls NumPy on the arrays in ``arrays``; ``knows`` says if the dtype is known."""

    source: str
    arrays: dict[str, np.ndarray]
    knows: bool
    scale: str = "elementwise"  # how loose float comparisons are: elementwise | sum | square
    runnable: bool = True  # False: TF documents refusing this form (rank-1 matmul operands)


# ----------------------------------------------------------------------------- strategies
def _elements(dtype: str) -> st.SearchStrategy[Any]:
    if dtype.startswith("float"):
        width = 16 if dtype == "float16" else 32 if dtype == "float32" else 64
        finite = st.floats(-100, 100, width=width, allow_subnormal=False)  # TF flushes them to 0
        special = st.sampled_from([float("nan"), float("inf"), float("-inf")])
        return st.one_of(finite, finite, finite, finite, finite, special)
    if dtype == "bool":
        return st.booleans()
    info = np.iinfo(dtype)
    return st.one_of(st.integers(-5, 5).filter(lambda v: info.min <= v <= info.max),
                     st.integers(int(info.min), int(info.max)))


def arrays(dtype: str, shape: tuple[int, ...]) -> st.SearchStrategy[np.ndarray]:
    return hnp.arrays(np.dtype(dtype), shape, elements=_elements(dtype))


shapes = hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=4)
dtypes = st.sampled_from(ALL_DTYPES)


@st.composite
def reduction(draw: st.DrawFn, name: str) -> Case:
    dtype, shape = draw(dtypes), draw(shapes)
    x = draw(arrays(dtype, shape))
    ndim = len(shape)
    axis = draw(st.one_of(
        st.none(),
        st.just("None"),
        st.integers(-ndim, ndim - 1).map(str),
        st.lists(st.integers(0, ndim - 1), min_size=1, max_size=ndim, unique=True).map(
            lambda axes: "(" + ", ".join(map(str, axes)) + ",)"
        ),
    ))
    parts = ["x"]
    if axis is not None:
        parts.append(draw(st.sampled_from([axis, f"axis={axis}"])))
    keepdims = draw(st.sampled_from([None, "True", "False"]))
    if keepdims is not None:
        parts.append(f"keepdims={keepdims}")
    scale = {"sum": "sum", "prod": "square", "var": "square", "std": "sqrt"}.get(name, "sum")
    if name in {"max", "amax", "min", "amin"}:
        scale = "elementwise"
    if name == "prod":
        x = x.clip(-3, 3) if dtype != "bool" else x  # keep products representable
    return Case(f"np.{name}({', '.join(parts)})", {"x": x}, draw(st.booleans()), scale)


@st.composite
def unary(draw: st.DrawFn, name: str) -> Case:
    dtype = draw(dtypes)
    shape = draw(st.one_of(st.just(()), shapes))
    x = draw(arrays(dtype, shape))
    return Case(f"np.{name}(x)", {"x": x}, draw(st.booleans()))


@st.composite
def binary(draw: st.DrawFn, name: str) -> Case:
    dtype, shape = draw(dtypes), draw(shapes)
    x = draw(arrays(dtype, shape))
    other = draw(st.sampled_from(["array", "row", "int", "float", "negative", "large"]))
    arrays_ = {"x": x}
    if other == "array":
        arrays_["y"], operand = draw(arrays(dtype, shape)), "y"
    elif other == "row":
        arrays_["y"], operand = draw(arrays(dtype, shape[-1:])), "y"
    else:
        operand = {"int": "2", "float": "0.5", "negative": "-3", "large": "300"}[other]
    first, second = draw(st.permutations(["x", operand]))
    return Case(f"np.{name}({first}, {second})", arrays_, draw(st.booleans()))


@st.composite
def matmul(draw: st.DrawFn) -> Case:
    dtype = draw(st.sampled_from(["float32", "float64", "int32", "int64"]))
    n, k, m = draw(st.integers(1, 4)), draw(st.integers(1, 4)), draw(st.integers(1, 4))
    batch = draw(st.sampled_from([(), (2,), (3,)]))
    left = batch + (n, k) if draw(st.integers(0, 5)) else (k,)
    right = draw(st.sampled_from([(k, m), batch + (k, m)]))
    x, y = draw(arrays(dtype, left)), draw(arrays(dtype, right))
    return Case("np.matmul(x, y)", {"x": x, "y": y}, draw(st.booleans()), "sum", len(left) > 1)


@st.composite
def clip(draw: st.DrawFn) -> Case:
    dtype, shape = draw(dtypes), draw(shapes)
    x = draw(arrays(dtype, shape))
    low, high = draw(st.integers(-10, 10)), draw(st.integers(-10, 10))
    literal = draw(st.sampled_from([str, lambda v: f"{v}.0", lambda v: f"{v}.5"]))
    return Case(f"np.clip(x, {literal(low)}, {literal(high)})", {"x": x}, draw(st.booleans()))


@st.composite
def join(draw: st.DrawFn, name: str) -> Case:
    dtype, shape = draw(dtypes), draw(shapes)
    count = draw(st.integers(1, 3))
    ndim = len(shape)
    if name == "stack":
        axis = draw(st.integers(-ndim - 1, ndim))
        items = [draw(arrays(dtype, shape)) for _ in range(count)]
    else:
        axis = draw(st.integers(-ndim, ndim - 1))
        items = []
        for _ in range(count):
            sized = list(shape)
            sized[axis] = draw(st.integers(1, 3))
            items.append(draw(arrays(dtype, tuple(sized))))
    names = [f"x{i}" for i in range(count)]
    sequence = draw(st.sampled_from(["[{}]", "({},)"])).format(", ".join(names))
    axis_part = draw(st.sampled_from(["", f", {axis}", f", axis={axis}", ", axis=None"]))
    if axis_part == "" and name == "concatenate" and axis % ndim != 0:
        axis_part = f", axis={axis}"
    if axis_part == "" and name == "stack" and axis not in (0, -ndim - 1):
        axis_part = f", axis={axis}"
    return Case(f"np.{name}({sequence}{axis_part})", dict(zip(names, items)), draw(st.booleans()))


def _factorizations(size: int) -> list[tuple[int, ...]]:
    out = [(size,)]
    for first in range(1, size + 1):
        if size % first == 0:
            out.append((first, size // first))
            rest = size // first
            for second in range(1, rest + 1):
                if rest % second == 0:
                    out.append((first, second, rest // second))
    return out


@st.composite
def reshape(draw: st.DrawFn) -> Case:
    dtype, shape = draw(dtypes), draw(shapes)
    x = draw(arrays(dtype, shape))
    target = list(draw(st.sampled_from(_factorizations(x.size))))
    if draw(st.booleans()):
        target[draw(st.integers(0, len(target) - 1))] = -1
    spelled = draw(st.sampled_from(["tuple", "list", "int", "keyword"]))
    if spelled == "int" and len(target) == 1:
        shape_code = str(target[0])
    elif spelled == "list":
        shape_code = "[" + ", ".join(map(str, target)) + "]"
    else:
        shape_code = "(" + ", ".join(map(str, target)) + ",)"
    if spelled == "keyword":
        shape_code = f"newshape={shape_code}"
    return Case(f"np.reshape(x, {shape_code})", {"x": x}, draw(st.booleans()))


@st.composite
def transpose(draw: st.DrawFn) -> Case:
    dtype, shape = draw(dtypes), draw(shapes)
    x = draw(arrays(dtype, shape))
    axes = draw(st.one_of(st.none(), st.permutations(range(len(shape)))))
    if axes is None:
        return Case("np.transpose(x)", {"x": x}, draw(st.booleans()))
    negative = draw(st.integers(0, 9)) == 0  # TF aborts on negative perm: must be rejected
    spelled = ", ".join(str(a - len(shape)) if negative else str(a) for a in axes)
    return Case(f"np.transpose(x, ({spelled},))", {"x": x}, draw(st.booleans()))


@st.composite
def squeeze(draw: st.DrawFn) -> Case:
    dtype, shape = draw(dtypes), draw(shapes)
    shape = tuple(1 if draw(st.booleans()) else side for side in shape)
    x = draw(arrays(dtype, shape))
    ones = [i for i, side in enumerate(shape) if side == 1]
    options = ["", ", axis=None"]
    if ones:
        axis = draw(st.sampled_from(ones))
        options += [f", {axis}", f", axis={axis - len(shape)}", f", axis=({axis},)"]
    return Case(f"np.squeeze(x{draw(st.sampled_from(options))})", {"x": x}, draw(st.booleans()))


@st.composite
def expand_dims(draw: st.DrawFn) -> Case:
    dtype, shape = draw(dtypes), draw(shapes)
    x = draw(arrays(dtype, shape))
    axis = draw(st.integers(-len(shape) - 1, len(shape)))
    return Case(f"np.expand_dims(x, {axis})", {"x": x}, draw(st.booleans()))


@st.composite
def like(draw: st.DrawFn, name: str) -> Case:
    dtype, shape = draw(dtypes), draw(shapes)
    return Case(f"np.{name}(x)", {"x": draw(arrays(dtype, shape))}, draw(st.booleans()))


# ----------------------------------------------------------------------------- checking
def _numpy_name(source: str) -> str:
    return source[len("np."):source.index("(")]


def _rewrite(case: Case) -> str | None:
    call = cst.ensure_type(cst.parse_expression(case.source), cst.Call)

    def known(node: cst.BaseExpression) -> Known:
        if isinstance(node, cst.Name) and node.value in case.arrays:
            dtype = str(case.arrays[node.value].dtype)
            return Known(True, dtype_class(dtype) if case.knows else None)
        return numpy_table.NOT_TENSOR

    translation = translate(_numpy_name(case.source), call, known, "tf")
    if translation.replacement is None:
        return None
    return cst.Module([]).code_for_node(translation.replacement)


def _tolerance(case: Case, dtype: np.dtype, inputs: Iterator[np.ndarray]) -> tuple[float, float]:
    rtol = {np.dtype("float16"): 2e-3, np.dtype("float32"): 2e-6, np.dtype("float64"): 1e-13}[dtype]
    magnitude = 1.0
    for array in inputs:
        finite = np.abs(array.astype(np.float64))
        finite = finite[np.isfinite(finite)]
        if case.scale == "sum":
            magnitude = max(magnitude, float(finite.sum()))
        elif case.scale in {"square", "sqrt"}:
            magnitude = max(magnitude, float((finite**2).sum()) * max(1, finite.size))
    if case.scale == "elementwise":
        return rtol * 4, float(np.finfo(dtype).tiny)  # TF flushes subnormal results to zero
    atol = rtol * 8 * magnitude
    return rtol * 8, (atol**0.5 if case.scale == "sqrt" else atol)


def check(case: Case, tf: Any) -> None:
    form = numpy_table.entry_for(_numpy_name(case.source))
    assert form is not None
    dtype = str(next(iter(case.arrays.values())).dtype)
    must_run = case.knows and case.runnable and dtype in MUST_RUN[form.form.value]
    code = _rewrite(case)
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        try:
            expected = np.asarray(eval(case.source, {"np": np}, dict(case.arrays)))
        except (ValueError, TypeError):
            return  # NumPy refuses the call itself: nothing to compare
    if code is None:
        assert not must_run or _rejection_expected(case), f"{case.source} was not rewritten"
        return
    tensors = {name: tf.constant(value) for name, value in case.arrays.items()}
    try:
        result = eval(code, {"tf": tf}, tensors)
    except (TypeError, ValueError, tf.errors.OpError) as exc:
        assert not must_run, f"{case.source} → {code} failed: {type(exc).__name__}: {exc}"
        return  # a loud failure at graph-build time, never a silently different value
    actual = result.numpy()
    context = f"{case.source} → {code} on {dtype}{list(case.arrays.values())[0].shape}"
    assert actual.dtype == expected.dtype, f"{context}: dtype {actual.dtype} != {expected.dtype}"
    assert actual.shape == expected.shape, f"{context}: shape {actual.shape} != {expected.shape}"
    if expected.dtype.kind == "f":
        rtol, atol = _tolerance(case, expected.dtype, iter(case.arrays.values()))
        np.testing.assert_allclose(actual, expected, rtol=rtol, atol=atol, equal_nan=True,
                                   err_msg=context)
    else:
        np.testing.assert_array_equal(actual, expected, err_msg=context)


def _rejection_expected(case: Case) -> bool:
    """Forms the table documents as not accepted even for supported dtypes."""
    source = case.source
    if source.startswith("np.transpose(") and "-" in source:
        return True
    if source.startswith(("np.concatenate(", "np.stack(")) and "axis=None" in source:
        return True
    integer = next(iter(case.arrays.values())).dtype.kind in "iu"
    if source.startswith(("np.clip(", "np.maximum(", "np.minimum(")) and integer and "." in source:
        return True  # a float literal with an integer tensor: NumPy gives float64, TF refuses
    if source.startswith("np.clip(x, -") and not case.knows:
        return True  # a negative literal with an unknown dtype (an unsigned tensor would wrap)
    if source.startswith("np.clip("):
        parts = source[len("np.clip(x, "):-1].split(", ")
        return float(parts[0]) > float(parts[1])
    return False


# ----------------------------------------------------------------------------- one test per entry
@pytest.mark.tf
@pytest.mark.slow
@EXAMPLES
@given(st.data())
@pytest.mark.parametrize(
    "name", ["mean", "std", "var", "sum", "prod", "max", "amax", "min", "amin"]
)
def test_reductions(tf: Any, name: str, data: st.DataObject) -> None:
    check(data.draw(reduction(name)), tf)


@pytest.mark.tf
@pytest.mark.slow
@EXAMPLES
@given(st.data())
@pytest.mark.parametrize(
    "name",
    [
        "square", "abs", "absolute", "negative", "sign", "sqrt", "exp", "log", "tanh", "floor",
        "ceil",
    ],
)
def test_elementwise(tf: Any, name: str, data: st.DataObject) -> None:
    check(data.draw(unary(name)), tf)


@pytest.mark.tf
@pytest.mark.slow
@EXAMPLES
@given(st.data())
@pytest.mark.parametrize("name", ["maximum", "minimum"])
def test_binary(tf: Any, name: str, data: st.DataObject) -> None:
    check(data.draw(binary(name)), tf)


@pytest.mark.tf
@pytest.mark.slow
@EXAMPLES
@given(matmul())
def test_matmul(tf: Any, case: Case) -> None:
    check(case, tf)


@pytest.mark.tf
@pytest.mark.slow
@EXAMPLES
@given(clip())
def test_clip(tf: Any, case: Case) -> None:
    check(case, tf)


@pytest.mark.tf
@pytest.mark.slow
@EXAMPLES
@given(st.data())
@pytest.mark.parametrize("name", ["concatenate", "stack"])
def test_join(tf: Any, name: str, data: st.DataObject) -> None:
    check(data.draw(join(name)), tf)


@pytest.mark.tf
@pytest.mark.slow
@EXAMPLES
@given(reshape())
def test_reshape(tf: Any, case: Case) -> None:
    check(case, tf)


@pytest.mark.tf
@pytest.mark.slow
@EXAMPLES
@given(transpose())
def test_transpose(tf: Any, case: Case) -> None:
    check(case, tf)


@pytest.mark.tf
@pytest.mark.slow
@EXAMPLES
@given(squeeze())
def test_squeeze(tf: Any, case: Case) -> None:
    check(case, tf)


@pytest.mark.tf
@pytest.mark.slow
@EXAMPLES
@given(expand_dims())
def test_expand_dims(tf: Any, case: Case) -> None:
    check(case, tf)


@pytest.mark.tf
@pytest.mark.slow
@EXAMPLES
@given(st.data())
@pytest.mark.parametrize("name", ["zeros_like", "ones_like"])
def test_like(tf: Any, name: str, data: st.DataObject) -> None:
    check(data.draw(like(name)), tf)


def test_every_table_name_is_property_tested() -> None:
    tested = {
        "mean", "std", "var", "sum", "prod", "max", "amax", "min", "amin", "square", "abs",
        "absolute", "negative", "sign", "sqrt", "exp", "log", "tanh", "floor", "ceil", "maximum",
        "minimum", "matmul", "clip", "concatenate", "stack", "reshape", "transpose", "squeeze",
        "expand_dims", "zeros_like", "ones_like",
    }
    assert {name for entry in numpy_table.TABLE for name in entry.numpy} == tested


# ----------------------------------------------------------------------------- rejections
def _translate(source: str, dtype: str | None = "float32") -> numpy_table.Translation:
    call = cst.ensure_type(cst.parse_expression(source), cst.Call)

    def known(node: cst.BaseExpression) -> Known:
        if isinstance(node, cst.Name) and node.value in {"x", "y"}:
            return Known(True, dtype_class(dtype) if dtype else None)
        return numpy_table.NOT_TENSOR

    return translate(_numpy_name(source), call, known, "tf1")


@pytest.mark.parametrize(
    ("source", "dtype", "reason"),
    [
        ("np.mean(x)", None, "dtype is unknown"),
        ("np.mean(x, dtype=np.float64)", "float32", "`dtype=`"),
        ("np.sum(x)", "uint8", "uint64"),
        ("np.mean(x)", "float16", "float16"),
        ("np.transpose(x, (-1, 0))", "float32", "negative"),
        ("np.clip(x, 1, 0)", "float32", "low > high"),
        ("np.clip(x, -1, 1)", None, "unknown"),
        ("np.maximum(x, 0.5)", "int32", "float literal"),
        ("np.maximum(x, w)", "float32", "neither a tensor nor a number literal"),
        ("np.matmul(x, [[1.0]])", "float32", "both operands"),
        ("np.concatenate([x, y], axis=None)", "float32", "axis=None"),
        ("np.concatenate([x, [1.0]])", "float32", "every joined value"),
        ("np.reshape(x, (2, 2), order='F')", "float32", "`order=`"),
        ("np.square(*xs)", "float32", "*args"),
        ("np.max(x)", "bool", "reduce_any"),
        ("np.sqrt(x)", "int8", "float16/float32"),
    ],
)
def test_forms_outside_the_table_are_reported_with_a_reason(
    source: str, dtype: str | None, reason: str
) -> None:
    translation = _translate(source, dtype)
    assert translation.replacement is None
    assert reason in translation.reason
    assert translation.nearest.startswith("tf1.")


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("np.mean(x, 1)", "tf1.reduce_mean(x, axis=1)"),
        ("np.amax(x, axis=(0, 1), keepdims=True)", "tf1.reduce_max(x, axis=(0, 1), keepdims=True)"),
        ("np.sum(x, out=None, dtype=None)", "tf1.reduce_sum(x)"),
        ("np.std(x, ddof=0)", "tf1.math.reduce_std(x)"),
        ("np.concatenate((x, y))", "tf1.concat((x, y), axis=0)"),
        ("np.reshape(x, newshape=-1)", "tf1.reshape(x, -1)"),
        ("np.transpose(x, axes=None)", "tf1.transpose(x)"),
        ("np.squeeze(x, axis=None)", "tf1.squeeze(x)"),
        ("np.clip(x, 0, 1)", "tf1.clip_by_value(x, 0, 1)"),
        ("np.absolute(x)", "tf1.abs(x)"),
    ],
)
def test_accepted_forms_are_spelled_with_the_files_alias(source: str, expected: str) -> None:
    translation = _translate(source)
    assert translation.replacement is not None
    assert cst.Module([]).code_for_node(translation.replacement) == expected


def test_integer_operands_are_cast_to_numpys_result_dtype() -> None:
    for source, dtype, expected in [
        ("np.mean(x)", "int32", "tf1.reduce_mean(tf1.cast(x, tf1.float64))"),
        ("np.sum(x)", "bool", "tf1.reduce_sum(tf1.cast(x, tf1.int64))"),
        ("np.exp(x)", "int64", "tf1.exp(tf1.cast(x, tf1.float64))"),
        ("np.exp(x)", None, "tf1.exp(x)"),  # an integer operand would fail loudly in TF
    ]:
        replacement = _translate(source, dtype).replacement
        assert replacement is not None
        assert cst.Module([]).code_for_node(replacement) == expected


def test_nearest_names_a_tf_op_for_everything() -> None:
    assert numpy_table.nearest("argmax") == "tf.argmax(x, axis=...)"
    assert numpy_table.nearest("mean", "tf1") == "tf1.reduce_mean"
    assert "tf.experimental.numpy.polyfit" in numpy_table.nearest("polyfit")
    assert _translate("np.argmax(x, 1)").reason.startswith("NumPy returns the first NaN")
