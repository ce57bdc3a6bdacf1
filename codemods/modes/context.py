"""What the parts of one model_fn's analysis share: the model_fn, its names, the rules' policies,
and what the forward pass has learnt about its locals (mode flags, layer and EMA objects)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Optional

import libcst as cst

from codemods import statements as st
from codemods import tf_api
from codemods.model_fns import ModelFn, TfResolver
from codemods.modes.evaluate import ModeEvaluator, Value
from codemods.modes.policy import TagPolicy

#: The rule codes a suppression comment silences on a statement.
Suppressed = Callable[[cst.CSTNode], frozenset[str]]


@dataclass
class Context:
    """One model_fn under analysis. ``selected``: the rule codes turned on."""

    fn: ModelFn
    resolve: TfResolver
    policies: tuple[TagPolicy, ...]
    selected: frozenset[str]
    suppressed: Suppressed
    unsafe_fixes: bool = False
    #: Names bound to values the mode decides (``is_training = mode == TRAIN``).
    mode_flags: set[str] = field(default_factory=set)
    #: Names bound to layer objects (``dense = tf.keras.layers.Dense(3)``): calling one builds.
    layer_objects: set[str] = field(default_factory=set)
    #: Names bound to ``tf.train.ExponentialMovingAverage(...)``.
    ema_objects: set[str] = field(default_factory=set)
    _locals: Optional[set[str]] = None

    def evaluator(self, values: dict[str, Value]) -> ModeEvaluator:
        return ModeEvaluator(values, self.mode_key)

    def mode_key(self, node: cst.BaseExpression) -> Optional[str]:
        """The ModeKeys value (``"train"`` ...) an attribute names, or None."""
        if not isinstance(node, cst.Attribute) or node.attr.value not in tf_api.MODE_VALUES:
            return None
        tf_name = self.resolve(node)
        return tf_api.mode_key_value(tf_name) if tf_name else None

    def reads_mode(self, expr: cst.CSTNode) -> bool:
        """Whether ``expr`` reads the mode parameter or a mode flag."""
        names = st.reads(expr)
        return self.fn.mode_param in names or bool(names & self.mode_flags)

    def local_names(self) -> set[str]:
        """The model_fn's parameters and every name its body binds."""
        if self._locals is None:
            params = self.fn.node.params
            every = [*params.posonly_params, *params.params, *params.kwonly_params]
            self._locals = {param.name.value for param in every} | st.defines(self.fn.node.body)
        return self._locals

    def active(self, code: str, stmt: cst.CSTNode) -> bool:
        """Rule ``code`` is selected and not silenced on ``stmt``."""
        return code in self.selected and code not in self.suppressed(stmt)
