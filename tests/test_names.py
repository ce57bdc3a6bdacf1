"""``codemods.names.QualifiedNames`` answers as LibCST's ``QualifiedNameProvider`` does.

LibCST is the oracle: every node of every fixture, and a set of scoping corner cases, are asked of
both.
"""

from __future__ import annotations

import textwrap
from collections.abc import Collection
from pathlib import Path

import libcst as cst
import pytest
from libcst.metadata import MetadataWrapper, QualifiedName, QualifiedNameProvider

from codemods.names import QualifiedNames
from codemods.tree import walk
from tests.fixture_files import PYTHON_FIXTURES, file_id, parse_or_skip

CORNER_CASES = {
    "dotted imports": """
        import tensorflow.compat.v1
        import tensorflow as tf, numpy
        from tensorflow import estimator as est, keras
        from . import sibling
        from ..pkg.mod import thing as other
        def f():
            tensorflow.compat.v1.layers.dense(1)
            tensorflow.nn.relu(2)
            est.EstimatorSpec(mode=3)
            keras.layers.Dense
            sibling.helper(other.x)
            numpy.sum(tf.constant(1))
    """,
    "shadowing and scopes": """
        import tensorflow as tf
        def model_fn(features, labels, mode, tf=tf):
            tf.estimator.EstimatorSpec
            np = features
            np.sum(labels)
        class Model:
            tf = None
            def call(self, x):
                return tf.nn.relu(x), self.tf
            y = tf.layers.dense
        lam = lambda tf: tf.nn.relu
        print(len([tf.abs(tf) for tf in range(3)]))
    """,
    "global, nonlocal, walrus, with, except, for": """
        def outer():
            import numpy as np
            def inner():
                nonlocal np
                np = None
                np.sum
            global tf
            tf = __import__("tensorflow")
            with open("f") as (a, b):
                a.read()
            try:
                pass
            except ValueError as err:
                err.args
            for i, *rest in []:
                i.real
            if (n := len(rest)) > 1:
                n.bit_length
            del a
        tf.constant
    """,
    "calls, subscripts, decorators, annotations": """
        import functools
        from typing import List
        @functools.lru_cache(maxsize=None)
        def g(x: List[int]) -> "List[int]":
            return g(x)[0].real
        tf_optimizer = g(1).minimize
        {k: v for k, v in {}.items()}
    """,
}


def _both(module: cst.Module) -> list[tuple[cst.CSTNode, set[str], set[str]]]:
    wrapper = MetadataWrapper(module, unsafe_skip_copy=True)
    oracle = wrapper.resolve(QualifiedNameProvider)
    mine = QualifiedNames(wrapper.module)
    out = []
    for node in walk(wrapper.module):
        value = oracle.get(node, set())
        expected: Collection[QualifiedName] = value() if callable(value) else value
        out.append((node, {q.name for q in expected}, mine(node)))
    return out


@pytest.mark.parametrize("name", sorted(CORNER_CASES))
def test_corner_cases_match_libcst(name: str) -> None:
    module = cst.parse_module(textwrap.dedent(CORNER_CASES[name]))
    answers = _both(module)
    named = [expected for _, expected, _ in answers if expected]
    assert len(named) > 5  # the case does exercise name resolution
    for node, expected, got in answers:
        if isinstance(node, cst.SimpleString):
            continue  # names inside string annotations: not resolved (see codemods.names)
        assert got == expected, module.code_for_node(node)


@pytest.mark.parametrize("path", PYTHON_FIXTURES, ids=file_id)
def test_every_fixture_node_matches_libcst(path: Path) -> None:
    module = parse_or_skip(path)
    mismatches = [
        (module.code_for_node(node)[:60], expected, got)
        for node, expected, got in _both(module)
        if expected != got
    ]
    assert mismatches == []


def _resolved(source: str) -> dict[str, str | None]:
    """Every call's callee in ``source`` (dedented), by its spelling: its TensorFlow name."""
    from codemods.base import ModuleFacts

    module = cst.parse_module(textwrap.dedent(source))
    facts = ModuleFacts(module)
    return {
        module.code_for_node(node.func): facts.resolve_tf(node.func)
        for node in walk(module)
        if isinstance(node, cst.Call)
    }


def test_a_name_bound_once_to_a_tensorflow_module_resolves_through_it() -> None:
    found = _resolved(
        """
        import tensorflow as tf
        compat = tf.compat.v1

        def model_fn(features, labels, mode):
            v1 = tf.compat.v1
            metrics = v1.metrics
            relu = tf.nn.relu
            v1.metrics.accuracy(labels, features)
            compat.train.AdamOptimizer()
            metrics.auc(labels, features)
            relu(features)
        """
    )
    assert found["v1.metrics.accuracy"] == "tensorflow.metrics.accuracy"
    assert found["compat.train.AdamOptimizer"] == "tensorflow.train.AdamOptimizer"
    assert found["metrics.auc"] == "tensorflow.metrics.auc"  # an alias of an alias
    assert found["relu"] == "tensorflow.nn.relu"


def test_a_name_bound_twice_or_to_a_call_is_not_an_alias() -> None:
    found = _resolved(
        """
        import tensorflow as tf

        def model_fn(features, labels, mode, params):
            v1 = tf.compat.v1
            if params["other"]:
                v1 = params["module"]
            layer = tf.keras.layers.Dense(2)
            ops = params["ops"]
            v1.metrics.accuracy(labels, features)
            layer(features)
            ops.metrics.accuracy(labels, features)
        """
    )
    assert found["v1.metrics.accuracy"] is None
    assert found["layer"] is None
    assert found["ops.metrics.accuracy"] is None
