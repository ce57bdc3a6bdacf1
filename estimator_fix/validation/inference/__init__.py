"""Inputs inferred from a model_fn's own code (``ast``, no TensorFlow), for a file without an input
function: the feature keys it reads, their dtypes and per-example shapes, and the params it reads.

What is read: ``features["x"]``, ``features.get("x")``, ``features[KEY]`` (a module constant, or an
expression the worker evaluates), keys of a loop over a literal list; what the code does with
each (``tf.reshape`` to a literal shape, ``tf.split`` into literal sizes, ``tf.one_hot`` and
embedding lookups for ids, ``tf.cast`` to a dtype, dense layers for vectors, convolutions for
images); feature columns (``numeric_column("x",
shape=...)``, ``categorical_column_with_*``), parse specs (``tf.io.FixedLenFeature`` dicts) and
placeholders (``{"x": tf.placeholder(...)}``) anywhere in the module; helpers the model_fn hands
``features`` to, in the module or imported by name from its repository. A dimension the code
computes from ``params``, ``FLAGS`` or a constant is kept as its expression, which the worker
evaluates with the model's params, flags and closure (see ``worker/inferred.py``); an unknown one
is None.
"""

from __future__ import annotations

import ast
from collections.abc import Mapping

from estimator_fix.validation.inference.features import infer_features
from estimator_fix.validation.inference.guesses import FeatureGuess, Inferred, ParamGuess
from estimator_fix.validation.inference.params import infer_params
from estimator_fix.validation.inference.syntax import Function

__all__ = ["FeatureGuess", "Inferred", "ParamGuess", "infer", "infer_features", "infer_params"]


def infer(
    tree: ast.Module, function: Function, imported: Mapping[str, Function] | None = None
) -> Inferred:
    """Features and params inferred from ``function``'s code (see ``infer_features``);
    ``imported``: functions the module imports from its repository, followed like its own."""
    return Inferred(
        infer_features(tree, function, imported), infer_params(tree, function, imported=imported)
    )
