"""What the names a model_fn uses refer to: TensorFlow or NumPy functions, builtins, dtypes.

The answers come from qualified names (``codemods.names``, any import spelling or alias). A
conventional spelling (``np.mean``, ``float32``) counts only where nothing resolves, as
``ModuleFacts.resolve_tf`` trusts ``tf.`` there: a file that uses a module it never imports (a
notebook cell, a snippet) or names that come from a star import.
"""

from __future__ import annotations

from typing import Callable, Optional

import libcst as cst

from codemods.eager.dtypes import DType, dtype_class


def leaf(qualified_name: str) -> str:
    return qualified_name.rsplit(".", 1)[-1]


class Naming:
    """``qualified(node)``: a node's qualified names; ``resolve_tf(node)``: its normalized
    TensorFlow name; ``spell(node)``: its source text."""

    def __init__(
        self,
        qualified: Callable[[cst.CSTNode], set[str]],
        resolve_tf: Callable[[cst.CSTNode], Optional[str]],
        spell: Callable[[cst.CSTNode], str],
    ) -> None:
        self._qualified = qualified
        self.tf = resolve_tf
        self._spell = spell

    def function(self, node: cst.CSTNode) -> set[str]:
        """Qualified names of a function expression, its TensorFlow name normalized."""
        names = self._qualified(node)
        tf_name = self.tf(node)
        return names | {tf_name} if tf_name else names

    def numpy(self, func: cst.BaseExpression) -> Optional[str]:
        """The NumPy function ``func`` names (``mean``, ``linalg.norm``), or None."""
        names = self._qualified(func)
        for qualified in sorted(names):
            if qualified.startswith("numpy."):
                return qualified[len("numpy."):]
        if not names and isinstance(func, cst.Attribute):
            dotted = self._spell(func)
            for prefix in ("np.", "numpy."):
                if dotted.startswith(prefix):
                    return dotted[len(prefix):]
        return None

    def builtin(self, func: cst.BaseExpression) -> Optional[str]:
        """The Python builtin ``func`` names (``print``, ``float``), or None (also where a name
        of the model_fn, of a function around it or of the module shadows the builtin)."""
        if not isinstance(func, cst.Name):
            return None
        return func.value if f"builtins.{func.value}" in self._qualified(func) else None

    def dtype(self, node: cst.BaseExpression) -> Optional[DType]:
        """The dtype class ``tf.float32``, ``"float32"``, ``np.float32`` or ``float`` names."""
        if isinstance(node, cst.SimpleString):
            value = node.evaluated_value
            return dtype_class(value) if isinstance(value, str) else None
        if not isinstance(node, (cst.Name, cst.Attribute)):
            return None
        tf_name = self.tf(node)
        if tf_name is not None:
            name: Optional[str] = leaf(tf_name)
        elif not self._qualified(node):
            name = leaf(self._spell(node))
        else:
            name = self.numpy(node) or self.builtin(node)
        return dtype_class(name) if name else None
