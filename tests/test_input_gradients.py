"""Which ``tf.gradients`` calls are outputs (taken with respect to computed tensors), not
training: ``codemods/modes/input_gradients.py`` on small modules."""

from __future__ import annotations

import textwrap
from typing import Optional

import libcst as cst

from codemods.modes.input_gradients import input_gradients


def _resolve(node: cst.BaseExpression) -> Optional[str]:
    if (
        isinstance(node, cst.Attribute)
        and isinstance(node.value, cst.Name)
        and node.value.value == "tf"
    ):
        return f"tensorflow.{node.attr.value}"
    return None


def _found(source: str) -> list[str]:
    """The functions holding a gradient found to be an output, in file order."""
    module = cst.parse_module(textwrap.dedent(source))
    functions = [s for s in module.body if isinstance(s, cst.FunctionDef)]
    model_fn = next(f for f in functions if f.name.value == "model_fn")
    helpers = {f.name.value: f for f in functions if f is not model_fn}
    found = input_gradients(functions, _resolve, {id(model_fn): "features"}, helpers)
    return [
        f.name.value
        for f in functions
        for node in _calls(f)
        if id(node) in found
    ]


def _calls(function: cst.FunctionDef) -> list[cst.Call]:
    calls: list[cst.Call] = []

    class Collect(cst.CSTVisitor):
        def visit_Call(self, node: cst.Call) -> None:
            calls.append(node)

    function.visit(Collect())
    return calls


def test_a_helper_handed_features_by_every_call_differentiates_by_an_input() -> None:
    assert _found(
        """
        def grad(energy, coord):
            return tf.gradients(energy, coord)[0]

        def stress(energy, tensors):
            return grad(energy, tensors["diff"])

        def model_fn(features, labels, mode):
            energy = tf.reduce_sum(features["coord"])
            return grad(energy, features["coord"]), stress(energy, features)
        """
    ) == ["grad"]


def test_a_helper_one_call_hands_the_variables_trains() -> None:
    assert (
        _found(
            """
            def grad(loss, xs):
                return tf.gradients(loss, xs)

            def model_fn(features, labels, mode):
                loss = tf.reduce_sum(features["x"])
                saliency = grad(loss, features["x"])
                return grad(loss, tf.trainable_variables()), saliency
            """
        )
        == []
    )


def test_the_weights_of_a_layer_built_on_the_features_are_variables() -> None:
    assert (
        _found(
            """
            def model_fn(features, labels, mode):
                net = build_network(features["x"])
                out = net.output
                weights = net.trainable_weights
                return tf.gradients(out, weights)
            """
        )
        == []
    )
