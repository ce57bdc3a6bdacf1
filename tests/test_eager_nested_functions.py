"""Functions defined inside a model_fn, as the eager rules read them: a nested function builds
graph when it is called, so its prints and NumPy calls of tensors are findings, reported with no
fix; one handed to what runs it in the session (``tf.py_func``, a hook's ``formatter=``, a
Scaffold's ``init_fn=``) is left alone. Each case is our own, written after a shape met in a
held-out batch (a monitor function nested in a TPU model_fn printing the tensors it reshapes)."""

from __future__ import annotations

import libcst as cst
import pytest

from codemods.base import apply_codemod
from codemods.eager.codemod import EagerCode
from codemods.eager.nested import session_functions
from codemods.findings import Finding


def _source(inner: str, use: str) -> str:
    return (
        "import numpy as np\n"
        "import tensorflow as tf\n"
        "\n"
        "\n"
        "def model_fn(features, labels, mode, params):\n"
        "    x = tf.compat.v1.layers.dense(features['x'], 4)\n"
        f"{inner}"
        f"    {use}\n"
        "    return tf.estimator.EstimatorSpec(mode, predictions={'x': x})\n"
    )


MONITOR = (
    "    def monitor(inputs, keys):\n"
    "        flat = tf.reshape(inputs['x'], [-1])\n"
    "        print(flat, 'flat')\n"
    "        return {'flat': flat}\n"
)
PY_FUNC = (
    "    def to_host(values):\n"
    "        words = tf.strings.split(values)\n"
    "        return np.asarray(words.numpy())\n"
)

CASES = {
    # called by the model_fn: its print shows the symbolic tensor once, at graph-build time
    "called": (MONITOR, "monitor({'x': x}, ['x'])", {"EF204:9"}),
    # defined and handed on (TPUEstimator calls metric_fn and host_call while it builds)
    "handed_on": (MONITOR, "host_call = (monitor, [x])", {"EF204:9"}),
    # its parameters are not known: a print of one of them is no finding
    "parameters_unknown": ("    def show(value):\n        print(value)\n", "show(x)", set()),
    # the same body called while the graph is built: ``.numpy()`` of a graph tensor
    "graph_built": (PY_FUNC, "y = to_host(x)", {"EF202:9"}),
    # the body of a py_function runs eagerly, in the session: ``.numpy()`` is what it is for
    "py_function": (PY_FUNC, "y = tf.py_function(to_host, [x], tf.string)", set()),
    "numpy_function": (
        PY_FUNC,
        "y = tf.numpy_function(func=to_host, inp=[x], Tout=tf.string)",
        set(),
    ),
    # a function nested in a nested function is read as well
    "deeper": (
        "    def outer():\n"
        "        def inner():\n"
        "            y = tf.reduce_sum(x)\n"
        "            print(y)\n"
        "        inner()\n",
        "outer()",
        {"EF204:10"},
    ),
}


def _findings(source: str) -> tuple[str, list[Finding]]:
    module, findings = apply_codemod(EagerCode, cst.parse_module(source))
    return module.code, findings


@pytest.mark.parametrize("name", sorted(CASES))
def test_nested_function_findings(name: str) -> None:
    inner, use, expected = CASES[name]
    _, findings = _findings(_source(inner, use))
    assert {f"{f.code}:{f.line}" for f in findings} == expected


@pytest.mark.parametrize(
    "use",
    [
        "hook = tf.estimator.LoggingTensorHook({'x': x}, every_n_iter=1, formatter=show)",
        "scaffold = tf.compat.v1.train.Scaffold(init_fn=show)",
        "y = tf.compat.v1.py_func(show, [x], tf.float32)",
    ],
)
def test_functions_run_in_the_session(use: str) -> None:
    module = cst.parse_module(_source("    def show(values):\n        pass\n", use))
    body = cst.ensure_type(module.body[-1], cst.FunctionDef).body
    assert session_functions(body, _tf_name) == {"show"}


def _tf_name(node: cst.CSTNode) -> str | None:
    spelled = cst.Module([]).code_for_node(node)
    return spelled if spelled.startswith("tf.") else None


def test_nested_findings_are_not_rewritten() -> None:
    source = _source(MONITOR, "monitor({'x': x}, ['x'])")
    code, findings = _findings(source)
    assert code == source
    assert [f.fix for f in findings] == ["none"]
    assert "nested" in findings[0].note


def test_model_fn_nested_in_a_model_fn_is_reported_once() -> None:
    source = (
        "import tensorflow as tf\n"
        "\n"
        "\n"
        "def model_fn(features, labels, mode, params):\n"
        "    def model_fn(features, labels, mode, params):\n"
        "        x = tf.reduce_sum(features['x'])\n"
        "        print(x)\n"
        "        return tf.estimator.EstimatorSpec(mode, predictions={'x': x})\n"
        "    return model_fn(features, labels, mode, params)\n"
    )
    _, findings = _findings(source)
    assert [(f.code, f.line) for f in findings] == [("EF204", 7)]
