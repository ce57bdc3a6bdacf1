"""Inputs inferred from a model_fn's own code (``ast``, no TensorFlow), for a file without an input
function: the feature keys it reads, their dtypes and per-example shapes, and the params it reads.

What is read: ``features["x"]``, ``features.get("x")``, ``features[KEY]`` (a module constant, or an
expression the worker evaluates), keys of a loop over a literal list; what the code does with
each (``tf.reshape`` to a literal shape, ``tf.one_hot`` and embedding lookups for ids,
``tf.cast`` to a dtype, convolutions for images); feature columns (``numeric_column("x",
shape=...)``, ``categorical_column_with_*``), parse specs (``tf.io.FixedLenFeature`` dicts) and
placeholders (``{"x": tf.placeholder(...)}``) anywhere in the module; helpers the model_fn hands
``features`` to. A dimension the code computes from ``params``, ``FLAGS`` or a constant is kept as
its expression, which the worker evaluates with the model's params, flags and closure (see
``worker/inferred.py``); an unknown one is None.
"""

from __future__ import annotations

import ast

from estimator_fix.validation.inference.features import infer_features
from estimator_fix.validation.inference.guesses import FeatureGuess, Inferred, ParamGuess
from estimator_fix.validation.inference.params import infer_params
from estimator_fix.validation.inference.syntax import Function

__all__ = ["FeatureGuess", "Inferred", "ParamGuess", "infer", "infer_features", "infer_params"]


def infer(tree: ast.Module, function: Function) -> Inferred:
    """Features and params inferred from ``function``'s code (see ``infer_features``)."""
    return Inferred(infer_features(tree, function), infer_params(tree, function))
