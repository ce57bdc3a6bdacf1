"""Evaluate an expression once per mode, so any spelling of a mode test reduces to True/False.

``mode`` is a constant in each Estimator call ("train", "eval" or "infer"), so a test such as
``mode == tf.estimator.ModeKeys.TRAIN``, ``mode in ("train", "eval")``, ``is_training`` (a flag set
from ``mode`` earlier), ``{ModeKeys.TRAIN: True}.get(mode, False)`` or ``labels is not None`` has a
definite value per mode. Anything the evaluator cannot decide is ``UNKNOWN``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Callable, Optional, Union

import libcst as cst


class _Marker:
    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return self.name


#: Nothing is known about the value.
UNKNOWN = _Marker("UNKNOWN")
#: A real object that is not None (``labels`` in TRAIN and EVAL).
NOT_NONE = _Marker("NOT_NONE")
#: Possibly None: the result of a mode-aware helper, which gates itself.
MAYBE_NONE = _Marker("MAYBE_NONE")
#: ``tf.no_op()``: an op that does nothing - a real object, not None, that builds and runs
#: nothing (``train_op = tf.no_op()`` as every mode's default).
NO_OP = _Marker("NO_OP")
#: The labels an input function delivered (TRAIN and EVAL): a tensor or a structure of tensors,
#: so neither they nor any item of them is None (``labels[i]`` of per-tower labels).
LABELS = _Marker("LABELS")


def present(value: object) -> bool:
    """A real object, not None."""
    return value is NOT_NONE or value is LABELS or value is NO_OP


@dataclass(frozen=True)
class Const:
    value: object


Value = Union[Const, _Marker]

#: Resolves an Attribute/Name to a ModeKeys value ("train"/"eval"/"infer") or None.
ModeKeyResolver = Callable[[cst.BaseExpression], Optional[str]]


def truth(value: Value) -> Optional[bool]:
    if isinstance(value, Const):
        try:
            return bool(value.value)
        except Exception:  # pragma: no cover - exotic constants
            return None
    return None


class ModeEvaluator:
    """Evaluate expressions under one environment (one mode)."""

    def __init__(
        self,
        env: Mapping[str, Value],
        mode_key: ModeKeyResolver,
        predicates: Mapping[str, cst.BaseExpression] = MappingProxyType({}),
    ) -> None:
        """``predicates``: methods of the model_fn's class that take nothing and return one
        expression (``def predicting(self): return self.mode == PREDICT``), by name: a call
        ``self.predicting()`` is that expression."""
        self.env = env
        self.mode_key = mode_key
        self.predicates = predicates
        self._inside: set[str] = set()

    def eval(self, node: cst.BaseExpression) -> Value:
        key = self.mode_key(node)
        if key is not None:
            return Const(key)
        handler = _EVALUATORS.get(type(node))
        return UNKNOWN if handler is None else handler(self, node)

    def _name(self, node: cst.Name) -> Value:
        if node.value in _LITERALS:
            return Const(_LITERALS[node.value])
        return self.env.get(node.value, UNKNOWN)

    def _attribute(self, node: cst.Attribute) -> Value:
        """``self.mode`` where the model_fn stored a mode value on it; a field of what a helper
        given the mode returned (``model_spec.train_hooks``) is its choice for this mode too."""
        key = attribute_key(node)
        stored = UNKNOWN if key is None else self.env.get(key, UNKNOWN)
        if stored is UNKNOWN and self.eval(node.value) is MAYBE_NONE:
            return MAYBE_NONE
        return stored

    def _binary(self, node: cst.BinaryOperation) -> Value:
        """``hooks + more``: an empty list or tuple added to a value is that value."""
        if not isinstance(node.operator, cst.Add):
            return UNKNOWN
        left, right = self.eval(node.left), self.eval(node.right)
        for one, other in ((left, right), (right, left)):
            if isinstance(one, Const) and isinstance(one.value, (list, tuple)) and not one.value:
                return other
        parts = [v.value for v in (left, right) if isinstance(v, Const)]
        tuples = [part for part in parts if isinstance(part, tuple)]
        return Const(tuples[0] + tuples[1]) if len(tuples) == 2 else UNKNOWN

    def _string(self, node: cst.SimpleString) -> Value:
        evaluated = node.evaluated_value
        return Const(evaluated) if isinstance(evaluated, str) else UNKNOWN

    def _integer(self, node: cst.Integer) -> Value:
        return Const(int(node.value, 0))

    def _sequence(self, node: Union[cst.Tuple, cst.List, cst.Set]) -> Value:
        items = [self.eval(el.value) for el in node.elements if isinstance(el, cst.Element)]
        if len(items) == len(node.elements) and all(isinstance(i, Const) for i in items):
            return Const(tuple(i.value for i in items if isinstance(i, Const)))
        return UNKNOWN

    def _unary(self, node: cst.UnaryOperation) -> Value:
        if not isinstance(node.operator, cst.Not):
            return UNKNOWN
        inner = truth(self.eval(node.expression))
        return UNKNOWN if inner is None else Const(not inner)

    def _if_exp(self, node: cst.IfExp) -> Value:
        test = truth(self.eval(node.test))
        if test is None:
            return UNKNOWN
        return self.eval(node.body if test else node.orelse)

    def _dict(self, node: cst.Dict) -> Value:
        result: dict[object, object] = {}
        for element in node.elements:
            if not isinstance(element, cst.DictElement):
                return UNKNOWN
            key, value = self.eval(element.key), self.eval(element.value)
            if not isinstance(key, Const) or not isinstance(value, Const):
                return UNKNOWN
            try:
                result[key.value] = value.value
            except TypeError:
                return UNKNOWN
        return Const(result)

    def _boolean(self, node: cst.BooleanOperation) -> Value:
        left = truth(self.eval(node.left))
        is_and = isinstance(node.operator, cst.And)
        if left is not None and left != is_and:
            return Const(left)  # short-circuit: False and ..., True or ...
        right = truth(self.eval(node.right))
        if left is None:
            if right is not None and right != is_and:
                return Const(right)
            return UNKNOWN
        return UNKNOWN if right is None else Const(right)

    def _comparison(self, node: cst.Comparison) -> Value:
        left = self.eval(node.left)
        before = node.left
        for target in node.comparisons:
            right = self.eval(target.comparator)
            left, right = _named_modes(before, left, target.comparator, right)
            before = target.comparator
            result = _compare(target.operator, left, right)
            if result is None:
                result = self._membership(target, left)
            if result is None:
                return UNKNOWN
            if not result:
                return Const(False)
            left = right
        return Const(True)

    def _membership(self, target: cst.ComparisonTarget, left: Value) -> Optional[bool]:
        """``mode in [PREDICT, ModeKeys.ATTACK]`` element by element: one element equal to
        the value decides it even where another cannot be evaluated."""
        op, display = target.operator, target.comparator
        if not isinstance(op, (cst.In, cst.NotIn)) or not isinstance(left, Const):
            return None
        if not isinstance(display, (cst.List, cst.Tuple, cst.Set)):
            return None
        for element in display.elements:
            if isinstance(element, cst.StarredElement):
                return None
            value = self.eval(element.value)
            if isinstance(value, Const) and _identity(left, value):
                return isinstance(op, cst.In)
        return None

    def _subscript(self, node: cst.Subscript) -> Value:
        base = self.eval(node.value)
        if len(node.slice) != 1 or not isinstance(node.slice[0].slice, cst.Index):
            return UNKNOWN
        if base is LABELS:  # an item of the labels is a tensor too
            return LABELS
        index = self.eval(node.slice[0].slice.value)
        if isinstance(base, Const) and isinstance(index, Const) and isinstance(base.value, dict):
            try:
                return Const(base.value[index.value]) if index.value in base.value else UNKNOWN
            except TypeError:
                return UNKNOWN
        return UNKNOWN

    def _call(self, node: cst.Call) -> Value:
        func = node.func
        method = _own_method_name(func)
        if method in self.predicates and not node.args and method not in self._inside:
            self._inside.add(method)
            try:
                return self.eval(self.predicates[method])
            finally:
                self._inside.discard(method)
        if not node.args and isinstance(func, cst.Attribute) and func.attr.value == "no_op":
            return NO_OP
        if isinstance(func, cst.Name) and func.value == "bool" and len(node.args) == 1:
            inner = truth(self.eval(node.args[0].value))
            return UNKNOWN if inner is None else Const(inner)
        if isinstance(func, cst.Name) and func.value == "isinstance" and len(node.args) == 2:
            # ``isinstance(labels, dict)`` with labels None (PREDICT): None is no instance of
            # the classes a model_fn tests for (``type(None)`` aside, which it never tests).
            subject = self.eval(node.args[0].value)
            if isinstance(subject, Const) and subject.value is None:
                return Const(False)
        if (
            isinstance(func, cst.Attribute)
            and func.attr.value == "get"
            and 1 <= len(node.args) <= 2
        ):
            base = self.eval(func.value)
            key = self.eval(node.args[0].value)
            default = self.eval(node.args[1].value) if len(node.args) == 2 else Const(None)
            if (
                isinstance(base, Const)
                and isinstance(base.value, dict)
                and isinstance(key, Const)
                and isinstance(default, Const)
            ):
                try:
                    return Const(base.value.get(key.value, default.value))
                except TypeError:
                    return UNKNOWN
        return UNKNOWN


#: Mode values (``ModeKeys``' strings) by the words a value held for one is named with.
_MODE_WORDS = {
    "train": "train",
    "training": "train",
    "eval": "eval",
    "evaluate": "eval",
    "evaluation": "eval",
    "predict": "infer",
    "prediction": "infer",
    "infer": "infer",
    "inference": "infer",
}


def _named_modes(
    left_node: cst.BaseExpression, left: Value, right_node: cst.BaseExpression, right: Value
) -> tuple[Value, Value]:
    """In a comparison with a name holding a mode (``mode``), the other side, where nothing
    else says what it holds, is the mode it is named for: ``mode == params["train"]`` (a
    ``ModeKeys.TRAIN`` kept in the params by code the analysis does not follow), ``mode ==
    self.PREDICT`` - compared with the mode, it can only be one."""
    for one, one_node, other_node, flip in (
        (left, left_node, right_node, False),
        (right, right_node, left_node, True),
    ):
        other = right if not flip else left
        if other is not UNKNOWN or not _holds_mode(one, one_node):
            continue
        named = _MODE_WORDS.get(_last_name(other_node).lower())
        if named is not None:
            return (one, Const(named)) if not flip else (Const(named), one)
    return left, right


def _holds_mode(value: Value, node: cst.BaseExpression) -> bool:
    """A name (not a literal) whose value here is a mode's."""
    return (
        isinstance(node, (cst.Name, cst.Attribute))
        and isinstance(value, Const)
        and value.value in ("train", "eval", "infer")
    )


def _last_name(node: cst.BaseExpression) -> str:
    """``x``, ``a.x`` or ``a["x"]``: ``x``; '' for anything else."""
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        return node.attr.value
    if isinstance(node, cst.Subscript) and len(node.slice) == 1:
        index = node.slice[0].slice
        if isinstance(index, cst.Index) and isinstance(index.value, cst.SimpleString):
            value = index.value.evaluated_value
            return value if isinstance(value, str) else ""
    return ""


def _compare(op: cst.BaseCompOp, left: Value, right: Value) -> Optional[bool]:
    if isinstance(op, (cst.Is, cst.IsNot)):
        result = _identity(left, right)
        if result is None:
            return None
        return result if isinstance(op, cst.Is) else not result
    if not isinstance(left, Const) or not isinstance(right, Const):
        if isinstance(op, (cst.Equal, cst.NotEqual)):
            result = _identity(left, right) if _is_none(left) or _is_none(right) else None
            if result is None:
                return None
            return result if isinstance(op, cst.Equal) else not result
        return None
    try:
        if isinstance(op, cst.Equal):
            return bool(left.value == right.value)
        if isinstance(op, cst.NotEqual):
            return bool(left.value != right.value)
        if isinstance(op, cst.In):
            return bool(left.value in right.value)  # type: ignore[operator]
        if isinstance(op, cst.NotIn):
            return bool(left.value not in right.value)  # type: ignore[operator]
    except TypeError:
        return None
    return None


def _is_none(value: Value) -> bool:
    return isinstance(value, Const) and value.value is None


def _identity(left: Value, right: Value) -> Optional[bool]:
    """``is`` between abstract values: decidable for None vs NOT_NONE and for constants.

    ModeKeys members are interned strings, so ``mode is ModeKeys.TRAIN`` behaves like ``==``.
    """
    if isinstance(left, Const) and isinstance(right, Const):
        if isinstance(left.value, (str, bool, type(None))) and isinstance(
            right.value, (str, bool, type(None))
        ):
            return left.value == right.value and type(left.value) is type(right.value)
        return None
    for a, b in ((left, right), (right, left)):
        if present(a) and _is_none(b):
            return False
    return None


_LITERALS = {"True": True, "False": False, "None": None}


def _own_method_name(func: cst.BaseExpression) -> str:
    """``self.name`` → ``name``; '' for anything else."""
    if isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name):
        return func.attr.value if func.value.value == "self" else ""
    return ""


def attribute_key(node: cst.CSTNode) -> Optional[str]:
    """``"self.mode"`` for ``self.mode`` (a name's attribute): how a mode value stored on an
    object is kept among the names."""
    if isinstance(node, cst.Attribute) and isinstance(node.value, cst.Name):
        return f"{node.value.value}.{node.attr.value}"
    return None

#: How each expression type evaluates (any other: UNKNOWN).
_EVALUATORS: dict[type[cst.CSTNode], Callable[[ModeEvaluator, Any], Value]] = {
    cst.Name: ModeEvaluator._name,
    cst.Attribute: ModeEvaluator._attribute,
    cst.SimpleString: ModeEvaluator._string,
    cst.Integer: ModeEvaluator._integer,
    cst.Tuple: ModeEvaluator._sequence,
    cst.List: ModeEvaluator._sequence,
    cst.Set: ModeEvaluator._sequence,
    cst.Dict: ModeEvaluator._dict,
    cst.UnaryOperation: ModeEvaluator._unary,
    cst.BooleanOperation: ModeEvaluator._boolean,
    cst.Comparison: ModeEvaluator._comparison,
    cst.IfExp: ModeEvaluator._if_exp,
    cst.Subscript: ModeEvaluator._subscript,
    cst.BinaryOperation: ModeEvaluator._binary,
    cst.Call: ModeEvaluator._call,
}
