"""Calls of the file's own functions, as the eager rules read them: the helper's body says
whether it gives a tensor or a Python value (each case is our own, written after a shape met in
a held-out batch: a helper multiplying the static sizes of a tensor's shape)."""

from __future__ import annotations

import libcst as cst
import pytest

from codemods.base import apply_codemod
from codemods.eager.codemod import EagerCode

HELPERS = '''\
import tensorflow as tf


def num_entries(tensor):
    count = 1
    for size in tensor.shape[1:]:
        count *= int(size)
    return count


def mean_of(tensor):
    return tf.reduce_mean(tensor)


def rank_of(tensor, static):
    if static:
        return len(tensor.shape)
    try:
        return tensor.shape.ndims
    except AttributeError:
        return None


def again(tensor, depth):
    return again(tensor, depth - 1) if depth else tensor


'''

CASES = {
    # the static sizes multiplied: a Python int, a loop's exit test in Python
    "static_shape_product": ("if num_entries(x) < 1000:\n        x = x * 2", set()),
    # a TensorFlow result: a tensor, which has no truth value in graph mode
    "tensor_result": ("if mean_of(x) > 0:\n        x = x * 2", {"EF205:30"}),
    # a Python value on every path (branches, a try and its handler)
    "python_on_every_path": ("if rank_of(x, True) > 1:\n        x = x * 2", set()),
    # a helper calling itself is not followed forever
    "recursive": ("if again(x, 2) is None:\n        x = x * 2", set()),
    # a tensor printed through a helper's result is still a tensor
    "printed": ("print(mean_of(x))", {"EF204:30"}),
}


def _source(body: str) -> str:
    return HELPERS + (
        "def model_fn(features, labels, mode):\n"
        "    x = tf.compat.v1.layers.dense(features['x'], 4)\n"
        f"    {body}\n"
        "    return tf.estimator.EstimatorSpec(mode, predictions={'x': x})\n"
    )


@pytest.mark.parametrize("name", sorted(CASES))
def test_helper_results(name: str) -> None:
    body, expected = CASES[name]
    _, findings = apply_codemod(EagerCode, cst.parse_module(_source(body)))
    assert {f"{f.code}:{f.line}" for f in findings} == expected
