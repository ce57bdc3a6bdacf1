"""Channels-first kernels the CPU lacks, run channels-last.

Code written for GPUs lays images out channels first (``data_format="NCHW"``,
``channels_first``); TensorFlow's CPU kernels for convolutions, poolings, depthwise convolutions
and (in 1.15) fused batch normalisation in training take only NHWC ("Default MaxPoolingOp only
supports NHWC on device type CPU"), so such a model builds and never runs here. Each of those ops
is run instead as the same op on its input transposed to NHWC, its output transposed back: the
same values, as a GPU's NCHW kernel computes them, and both versions run the same way. Python 3.7
compatible; imports only the standard library and TensorFlow.
"""

from __future__ import annotations

import importlib
import inspect
import sys
from typing import Any, Callable, Dict, List, Sequence, Tuple

#: Where the generated ops live, in TensorFlow 2.x and in 1.15.
_MODULES = ("tensorflow.python.ops.gen_nn_ops", "tensorflow_core.python.ops.gen_nn_ops")
#: Per op, the argument holding the image batch and those listing a value per dimension.
_OPS: Dict[str, Tuple[str, Tuple[str, ...]]] = {
    "conv2d": ("input", ("strides", "dilations")),
    "depthwise_conv2d_native": ("input", ("strides", "dilations")),
    "max_pool": ("input", ("ksize", "strides")),
    "max_pool_v2": ("input", ("ksize", "strides")),
    "avg_pool": ("value", ("ksize", "strides")),
    "fused_batch_norm": ("x", ()),
    "fused_batch_norm_v2": ("x", ()),
    "fused_batch_norm_v3": ("x", ()),
}
_TO_NHWC = (0, 2, 3, 1)
_TO_NCHW = (0, 3, 1, 2)
#: How many ops ran channels-last in this process (the note says so where any did).
_RAN: List[str] = []


def channels_last_on_cpu(tf: Any) -> None:
    """Run the channels-first ops of ``_OPS`` channels-last, wherever TensorFlow's modules hold
    them (the generated module, and the modules that import its functions by name)."""
    replacements: Dict[int, Any] = {}
    for name in _MODULES:
        try:
            module = importlib.import_module(name)
        except ImportError:
            continue
        for op, (image, per_dimension) in _OPS.items():
            real = getattr(module, op, None)
            if real is None or getattr(real, "_estimator_fix_channels_last", False):
                continue
            replacements[id(real)] = _channels_last(tf, op, real, image, per_dimension)
    if replacements:
        _replace_everywhere(replacements)


def note() -> List[str]:
    if not _RAN:
        return []
    ops = ", ".join(sorted(set(_RAN)))
    return [
        f"channels-first {ops} ran channels-last, as the CPU's kernels take them: the input "
        "transposed, the output transposed back, the same values"
    ]


def _channels_last(
    tf: Any, op: str, real: Callable[..., Any], image: str, per_dimension: Sequence[str]
) -> Callable[..., Any]:
    signature = inspect.signature(real)

    def run(*args: Any, **kwargs: Any) -> Any:
        try:
            bound = signature.bind(*args, **kwargs)
        except TypeError:
            return real(*args, **kwargs)
        given = bound.arguments
        layout = given.get("data_format")
        if isinstance(layout, bytes):
            layout = layout.decode()
        if layout != "NCHW":
            return real(*args, **kwargs)
        given[image] = tf.transpose(given[image], _TO_NHWC)
        for name in per_dimension:
            if name in given:
                given[name] = _per_dimension(tf, given[name])
        paddings = given.get("explicit_paddings")
        if paddings is not None and len(paddings) == 8:
            pairs = [list(paddings[i : i + 2]) for i in range(0, 8, 2)]
            given["explicit_paddings"] = [p for i in _TO_NHWC for p in pairs[i]]
        given["data_format"] = "NHWC"
        _RAN.append(op)
        result = real(*bound.args, **bound.kwargs)
        if op.startswith("fused_batch_norm"):  # (y, the batch's mean and variance, ...)
            return type(result)(tf.transpose(result[0], _TO_NCHW), *result[1:])
        return tf.transpose(result, _TO_NCHW)

    run.__name__ = getattr(real, "__name__", op)
    run.__doc__ = real.__doc__
    run._estimator_fix_channels_last = True  # type: ignore[attr-defined]
    return run


def _per_dimension(tf: Any, values: Any) -> Any:
    """A value per dimension (strides, window sizes) in NHWC order."""
    if isinstance(values, (list, tuple)):
        return [values[i] for i in _TO_NHWC] if len(values) == 4 else values
    if hasattr(values, "dtype"):  # a tensor (``max_pool_v2``'s window)
        return tf.gather(values, list(_TO_NHWC))
    return values


def _replace_everywhere(replacements: Dict[int, Any]) -> None:
    """Each function (by its ``id``) replaced wherever a loaded TensorFlow module holds it
    (modules that took it by name: ``from gen_nn_ops import *``, the public ``tf.nn``). Reads
    each module's own dict: asking a lazily loaded module for an attribute would load it."""
    for name, module in list(sys.modules.items()):
        if module is None or not name.startswith(("tensorflow", "keras")):
            continue
        found = getattr(module, "__dict__", {})
        for attribute, value in list(found.items()):
            replacement = replacements.get(id(value))
            if replacement is not None:
                setattr(module, attribute, replacement)
