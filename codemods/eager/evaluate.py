"""What a model_fn's expressions evaluate to while it builds the graph: tensors or Python values.

A forward pass over the model_fn body (``codemods.eager.walk``) binds each name to a ``Value``
(``codemods.eager.values``); the ``Evaluator`` gives the value of an expression from those
bindings. Only TensorFlow calls (``codemods.eager.tf_calls``), the model_fn's inputs, layers and
arithmetic on them make tensors; NumPy calls on tensors are counted as tensors too (that is what
EF201's fix makes of them).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from types import MappingProxyType
from typing import Callable, Optional

import libcst as cst

from codemods import statements as st
from codemods.eager.dtypes import DType
from codemods.eager.naming import Naming
from codemods.eager.tf_calls import (
    CONVERSION_METHODS,
    STATIC_ATTRIBUTES,
    tf_call_value,
)
from codemods.eager.values import (
    MAYBE,
    NUMPY_STATIC_SHAPE,
    PYTHON,
    SINGLE,
    STRUCT,
    TYPED,
    Bindings,
    Kind,
    Value,
    target_names,
)
from codemods.modes.evaluate import attribute_key
from codemods.modes.policy import words

#: Kinds whose items (``x[k]``, ``x.get(k)``) are perhaps tensors.
_CONTAINERS = frozenset({Kind.MAYBE, Kind.STRUCT})


#: The parts of a ``tf.SparseTensor`` or ``tf.RaggedTensor`` that are tensors themselves, with
#: their dtype (None: the values', the tensor's own).
_PART_TENSORS: dict[str, Optional[DType]] = {
    "dense_shape": DType.INT,
    "indices": DType.INT,
    "values": None,
    "row_splits": DType.INT,
    "flat_values": None,
}


class Evaluator:
    """Evaluates expressions against an environment of bound names (``naming``: what the
    model_fn's names refer to)."""

    def __init__(
        self,
        naming: Naming,
        helpers: Mapping[str, cst.FunctionDef] = MappingProxyType({}),
        following: tuple[str, ...] = (),
        results: Optional[dict[tuple[object, ...], Value]] = None,
        spec_tensors: frozenset[str] = frozenset(),
    ) -> None:
        """``helpers``: the file's own functions a call may run, by name; ``following``: the
        helpers whose body this evaluator binds (a call of one of them again is not followed);
        ``results``: what helpers gave, shared by the evaluators of the helpers' bodies (each
        helper is bound once per depth and values handed, not once per chain of calls: helpers
        calling each other would otherwise be bound as many times as there are chains)."""
        self.naming = naming
        self.helpers = helpers
        #: Attributes the model_fn hands a spec as a tensor field (``loss=model.loss``), by
        #: their code: tensors, whatever object they are read from.
        self.spec_tensors = spec_tensors
        self.following = following
        self._cache: dict[tuple[int, int], Value] = {}
        self._envs: list[Bindings] = []  # keeps each cached env's id unique
        self._results: dict[tuple[object, ...], Value] = {} if results is None else results

    def forget(self) -> None:
        """Drop cached values: the caller is about to change an environment."""
        self._cache.clear()
        self._envs.clear()

    # ------------------------------------------------------------------ entry points
    def value(self, node: cst.BaseExpression, env: Bindings) -> Value:
        key = (id(node), id(env))
        cached = self._cache.get(key)
        if cached is not None:
            return cached
        method = _DISPATCH.get(type(node))
        result = PYTHON if method is None else method(self, node, env)
        self._cache[key] = result
        self._envs.append(env)
        return result

    def kind(self, node: cst.BaseExpression, env: Bindings) -> Kind:
        return self.value(node, env).kind

    def any_tensorish(self, nodes: Iterable[cst.BaseExpression], env: Bindings) -> bool:
        return any(self.value(node, env).tensorish for node in nodes)

    # ------------------------------------------------------------------ node kinds
    def _name(self, node: cst.Name, env: Bindings) -> Value:
        return env.get(node.value, PYTHON)

    def _attribute(self, node: cst.Attribute, env: Bindings) -> Value:
        if self.naming.tf(node) is not None:
            return PYTHON  # tf.float32, tf.estimator.ModeKeys.TRAIN ...
        base = self.value(node.value, env)
        if base.kind in TYPED and node.attr.value == "T":
            return Value(Kind.TENSOR, base.dtype)
        if base.kind in TYPED and node.attr.value in _PART_TENSORS:
            # a sparse or ragged tensor's parts (``labels.dense_shape``) are tensors too
            part = _PART_TENSORS[node.attr.value]
            return Value(Kind.TENSOR, base.dtype if part is None else part)
        if self.spec_tensors and st.code_of(node) in self.spec_tensors:
            return Value(Kind.TENSOR)
        key = attribute_key(node)  # ``self.left``, stored in this body
        return PYTHON if key is None else env.get(key, PYTHON)

    def _subscript(self, node: cst.Subscript, env: Bindings) -> Value:
        base = self.value(node.value, env)
        if base.kind in TYPED:
            return Value(Kind.TENSOR, base.dtype)
        if base.kind in _CONTAINERS:
            return Value(base.items or Kind.TENSOR)
        return PYTHON

    def _binary(self, node: cst.BinaryOperation, env: Bindings) -> Value:
        left, right = self.value(node.left, env), self.value(node.right, env)
        singles = [v for v in (left, right) if v.kind in SINGLE]
        if not singles:
            return STRUCT if Kind.STRUCT in {left.kind, right.kind} else PYTHON
        dtype = next((v.dtype for v in singles if v.dtype), None)
        if isinstance(node.operator, (cst.Divide,)) and dtype not in {None, DType.FLOAT}:
            dtype = DType.FLOAT  # TF's truediv of integers is float64
        return Value(Kind.TENSOR, dtype)

    def _unary(self, node: cst.UnaryOperation, env: Bindings) -> Value:
        if isinstance(node.operator, cst.Not):
            return PYTHON
        operand = self.value(node.expression, env)
        return Value(Kind.TENSOR, operand.dtype) if operand.kind in SINGLE else PYTHON

    def _comparison(self, node: cst.Comparison, env: Bindings) -> Value:
        if self.comparison_is_tensor(node, env):
            return Value(Kind.TENSOR, DType.BOOL)
        return PYTHON

    def comparison_is_tensor(self, node: cst.Comparison, env: Bindings) -> bool:
        operands = [node.left, *(c.comparator for c in node.comparisons)]
        for target in node.comparisons:
            if isinstance(target.operator, (cst.In, cst.NotIn)) and len(node.comparisons) == 1:
                # ``step in range(a, b)``: the tensor compared with each number, whose truth
                # Python takes (TF 2 raises, TF 1 compares identities: always False)
                return _numbers(target.comparator) and self.value(node.left, env).kind in SINGLE
            if isinstance(target.operator, (cst.Is, cst.IsNot, cst.In, cst.NotIn)):
                return False
        if any(isinstance(o, cst.Name) and o.value == "None" for o in operands):
            return False
        tensors = [self.value(o, env).kind in SINGLE for o in operands]
        equality = all(isinstance(c.operator, (cst.Equal, cst.NotEqual)) for c in node.comparisons)
        if equality and all(tensors):
            # ``v != frozen`` of two tensors or variables: while a graph is built, == and != are
            # Python's identity of the objects (filtering a list of variables), not an op
            return False
        return any(tensors)

    def _boolean(self, node: cst.BooleanOperation, env: Bindings) -> Value:
        values = [self.value(node.left, env), self.value(node.right, env)]
        return MAYBE if any(v.tensorish for v in values) else PYTHON

    def _ifexp(self, node: cst.IfExp, env: Bindings) -> Value:
        body, orelse = self.value(node.body, env), self.value(node.orelse, env)
        if body == orelse:
            return body
        # ``tf.add_n(losses) if losses else 0``: a tensor, or a number standing in for one
        # (which TensorFlow converts wherever the tensor goes) - a tensor to the rules
        if body.kind in TYPED and _number(node.orelse):
            return body
        if orelse.kind in TYPED and _number(node.body):
            return orelse
        return MAYBE if body.tensorish or orelse.tensorish else PYTHON

    def _display(self, node: cst.CSTNode, env: Bindings) -> Value:
        values: list[cst.BaseExpression] = []
        for element in getattr(node, "elements", ()):
            if isinstance(
                element, (cst.DictElement, cst.Element, cst.StarredElement, cst.StarredDictElement)
            ):
                values.append(element.value)
        if not self.any_tensorish(values, env):
            return PYTHON
        elements = getattr(node, "elements", ())
        if any(isinstance(e, (cst.StarredElement, cst.StarredDictElement)) for e in elements):
            return STRUCT
        structure = self._structure_of(values, env)
        if isinstance(node, (cst.Tuple, cst.List)):
            parts = tuple(self.value(value, env) for value in values)
            return Value(structure.kind, structure.dtype, structure.items, parts)
        if isinstance(node, cst.Dict):
            return Value(structure.kind, structure.dtype, structure.items, mapping=True)
        return structure

    def _comprehension(self, node: cst.CSTNode, env: Bindings) -> Value:
        inner = dict(env)
        comp: cst.CompFor | None = getattr(node, "for_in", None)
        while comp is not None:
            inner.update(self.iterated(comp.iter, comp.target, inner))
            comp = comp.inner_for_in
        elements = [getattr(node, "elt", None), getattr(node, "value", None)]
        present = [e for e in elements if isinstance(e, cst.BaseExpression)]
        if not self.any_tensorish(present, inner):
            return PYTHON
        structure = self._structure_of(present[-1:], inner)  # a dict comprehension's value
        if isinstance(node, cst.DictComp):
            return Value(structure.kind, structure.dtype, structure.items, mapping=True)
        return structure

    def _structure_of(self, items: list[cst.BaseExpression], env: Bindings) -> Value:
        """A structure the code writes out of ``items`` (some tensorish): an item looked up in
        it is a tensor where every item is one, a structure where every item is one (a dict of
        lists of tensors), else perhaps a tensor."""
        kinds = {self.value(item, env).kind for item in items}
        if kinds <= TYPED:
            return STRUCT
        return Value(Kind.STRUCT, items=Kind.STRUCT if kinds == {Kind.STRUCT} else Kind.MAYBE)

    def _named(self, node: cst.NamedExpr, env: Bindings) -> Value:
        return self.value(node.value, env)

    # ------------------------------------------------------------------ calls
    def _call(self, node: cst.Call, env: Bindings) -> Value:
        numpy_name = self.naming.numpy(node.func)
        if numpy_name is not None:
            return self._numpy_call(numpy_name, node, env)
        tf_name = self.naming.tf(node.func)
        if tf_name is not None:
            return tf_call_value(tf_name, node, self.naming.dtype, lambda arg: self.value(arg, env))
        func = node.func
        builtin = self.naming.builtin(func)
        if builtin is not None:
            return self._builtin(builtin, node, env)
        if isinstance(func, cst.Name) and func.value not in env and func.value in self.helpers:
            return self._helper(func.value, node, env)
        callee = self.value(func, env)
        if callee.kind is Kind.LAYER:
            # ``Dense(1, activation="sigmoid")(x)`` gives a sigmoid's output; a layer called on
            # a masked tensor passes the mask on
            inputs = [self.value(arg.value, env) for arg in node.args]
            masked = callee.masked or any(value.masked for value in inputs)
            return Value(Kind.TENSOR, DType.FLOAT, activation=callee.activation, masked=masked)
        if self._shape_helper(func, env):
            return PYTHON
        if isinstance(func, cst.Attribute):
            return self._method(func, node, env)
        args = [arg.value for arg in node.args]
        return MAYBE if self.any_tensorish(args, env) else PYTHON

    def _helper(self, name: str, node: cst.Call, env: Bindings) -> Value:
        """What one of the file's functions returns, handed these values (its body bound by an
        evaluator of its own); followed ``helper_results.DEPTH`` calls deep, not into itself."""
        from codemods.eager import helper_results  # binding, which it uses, imports this module

        args = [arg.value for arg in node.args]
        if name in self.following or len(self.following) >= helper_results.DEPTH:
            return MAYBE if self.any_tensorish(args, env) else PYTHON
        handed = {
            arg.keyword.value if arg.keyword is not None else str(index): self.value(arg.value, env)
            for index, arg in enumerate(node.args)
        }
        key = (name, len(self.following), *sorted(handed.items()))
        if key not in self._results and not helper_results.returns_its_result(self.helpers[name]):
            self._results[key] = MAYBE if any(v.tensorish for v in handed.values()) else PYTHON
        if key not in self._results:
            helper = self.helpers[name]
            inner = Evaluator(self.naming, self.helpers, (*self.following, name), self._results)
            start = helper_results.handed(helper, node, handed)
            self._results[key] = helper_results.HelperBody(inner).result(helper.body, start)
        return self._results[key]

    def _shape_helper(self, func: cst.BaseExpression, env: Bindings) -> bool:
        """A function named for giving a shape (``shape``, ``shape_list``, ``get_shape_list``,
        ``static_shape``), not a method of a tensor: it gives the static sizes (Python ints
        where known). ``pad_to_shape`` does something to a shape: not one of them."""
        if isinstance(func, cst.Attribute):
            if self.value(func.value, env).tensorish:
                return False
            leaf = func.attr.value
        elif isinstance(func, cst.Name):
            leaf = func.value
        else:
            return False
        return _names_shape(words(leaf))

    def _numpy_call(self, name: str, node: cst.Call, env: Bindings) -> Value:
        args = [arg.value for arg in node.args]
        if name in NUMPY_STATIC_SHAPE or not self.any_tensorish(args, env):
            return PYTHON
        first = self.value(args[0], env) if args else PYTHON
        from codemods.eager import numpy_table  # built on the first NumPy call on a tensor

        return Value(Kind.TENSOR, numpy_table.result_dtype(name, first.dtype))

    def _builtin(self, name: str, node: cst.Call, env: Bindings) -> Value:
        args = [arg.value for arg in node.args]
        if name == "abs" and args and self.value(args[0], env).kind in SINGLE:
            return Value(Kind.TENSOR, self.value(args[0], env).dtype)
        if name in {"list", "tuple", "zip", "enumerate", "reversed", "dict"}:
            return STRUCT if self.any_tensorish(args, env) else PYTHON
        return PYTHON  # sorted(features) gives the keys; len, str, isinstance ...

    def iterated(
        self, iterable: cst.BaseExpression, target: cst.BaseExpression, env: Bindings
    ) -> dict[str, Value]:
        """What a loop over ``iterable`` binds ``target``'s names to.

        A list or tuple of tensors gives tensors; ``d.items()`` gives keys and values; a
        ``features``-like mapping (or ``d.keys()``) gives its keys, which are names.
        """
        names = target_names(target)
        paired = self._enumerated(iterable, target, env)
        if paired is not None:
            return paired
        source = self.value(iterable, env)
        if source.element is not None and source.element.parts is not None:
            unpacked = _unpacked(target, source.element.parts)
            if unpacked is not None:  # ``for name, loss, weight in losses``
                return unpacked
        element = MAYBE if source.kind in {Kind.STRUCT, Kind.TENSOR, Kind.VARIABLE} else PYTHON
        if source.mapping:  # ``for name in metrics:`` over a dict the code wrote: its keys
            element = PYTHON
        if isinstance(iterable, cst.Call) and isinstance(iterable.func, cst.Attribute):
            method = iterable.func.attr.value
            container = self.value(iterable.func.value, env)
            if container.tensorish and method in {"values", "items"}:
                element = MAYBE
                if method == "items" and isinstance(target, (cst.Tuple, cst.List)):
                    keys = target_names(target.elements[0].value) if target.elements else []
                    return {n: PYTHON if n in keys else element for n in names}
        return {name: element for name in names}

    def _enumerated(
        self, iterable: cst.BaseExpression, target: cst.BaseExpression, env: Bindings
    ) -> Optional[dict[str, Value]]:
        """``for i, layer in enumerate(layers)``: the count is a Python int, the item what the
        loop over ``layers`` gives; ``for a, b in zip(xs, ys)``: each what its own iterable
        gives. None for any other loop."""
        if not (
            isinstance(iterable, cst.Call)
            and isinstance(iterable.func, cst.Name)
            and isinstance(target, (cst.Tuple, cst.List))
            and all(arg.keyword is None and not arg.star for arg in iterable.args)
        ):
            return None
        func, args = iterable.func.value, [arg.value for arg in iterable.args]
        parts = [element.value for element in target.elements]
        if func == "enumerate" and len(args) == 1 and len(parts) == 2:
            return {
                **{name: PYTHON for name in target_names(parts[0])},
                **self.iterated(args[0], parts[1], env),
            }
        if func == "zip" and args and len(args) == len(parts):
            bound: dict[str, Value] = {}
            for arg, part in zip(args, parts):
                bound.update(self.iterated(arg, part, env))
            return bound
        return None

    def _method(self, func: cst.Attribute, node: cst.Call, env: Bindings) -> Value:
        receiver = self.value(func.value, env)
        method = func.attr.value
        if method in CONVERSION_METHODS and receiver.tensorish or method == "numpy":
            return PYTHON
        if receiver.kind is Kind.SESSION:
            return PYTHON
        if receiver.kind in TYPED:
            if method in STATIC_ATTRIBUTES:
                return PYTHON
            return Value(Kind.TENSOR, receiver.dtype)
        if receiver.kind is Kind.LAYER:
            return Value(Kind.TENSOR, DType.FLOAT)
        if method in {"minimize", "apply_gradients"}:
            return Value(Kind.OP)
        if method in {"compute_gradients", "get_updates"}:
            return STRUCT
        args = [arg.value for arg in node.args]
        if receiver.kind in _CONTAINERS and method in {"get", "pop", "values", "items"}:
            return MAYBE
        if (
            receiver.kind is Kind.MAYBE
            and method.startswith("get_")
            and method not in _PYTHON_GETTERS
            and not _names_shape(tuple(method.split("_")))
        ):  # ``model.get_sequence_output()`` of an object built from tensors
            return MAYBE
        return MAYBE if self.any_tensorish(args, env) else PYTHON


#: A model's getters that give Python values: its configuration (a dict), its weights (NumPy
#: arrays), a layer of it.
_PYTHON_GETTERS = frozenset({"get_config", "get_weights", "get_layer", "get_build_config"})


def _numbers(node: cst.BaseExpression) -> bool:
    """``range(...)``, or a list, tuple or set display of numbers only."""
    if isinstance(node, cst.Call):
        return isinstance(node.func, cst.Name) and node.func.value == "range"
    if isinstance(node, (cst.List, cst.Tuple, cst.Set)):
        return bool(node.elements) and all(
            isinstance(e, cst.Element) and _number(e.value) for e in node.elements
        )
    return False


def _number(node: cst.BaseExpression) -> bool:
    """A number literal (``0``, ``0.0``, ``-1``)."""
    if isinstance(node, cst.UnaryOperation) and isinstance(node.operator, cst.Minus):
        node = node.expression
    return isinstance(node, (cst.Integer, cst.Float))


def _names_shape(name: tuple[str, ...]) -> bool:
    if name in {("shape",), ("shape", "list")}:
        return True
    return (
        len(name) >= 2
        and name[0] in {"get", "static", "combined", "dynamic"}
        and name[-1] in {"shape", "shapes", "list"}
        and "shape" in name
    )


#: Node type → how to evaluate it (each method takes its own node type).
_DISPATCH: dict[type, Callable[..., Value]] = {
    cst.Name: Evaluator._name,
    cst.Attribute: Evaluator._attribute,
    cst.Subscript: Evaluator._subscript,
    cst.BinaryOperation: Evaluator._binary,
    cst.UnaryOperation: Evaluator._unary,
    cst.Comparison: Evaluator._comparison,
    cst.BooleanOperation: Evaluator._boolean,
    cst.IfExp: Evaluator._ifexp,
    cst.List: Evaluator._display,
    cst.Tuple: Evaluator._display,
    cst.Set: Evaluator._display,
    cst.Dict: Evaluator._display,
    cst.ListComp: Evaluator._comprehension,
    cst.SetComp: Evaluator._comprehension,
    cst.GeneratorExp: Evaluator._comprehension,
    cst.DictComp: Evaluator._comprehension,
    cst.NamedExpr: Evaluator._named,
    cst.Call: Evaluator._call,
}


def _unpacked(target: cst.BaseExpression, parts: tuple[Value, ...]) -> Optional[dict[str, Value]]:
    """``name, loss, weight`` unpacking elements whose positions hold ``parts``; None where
    the target is not a tuple or list of as many plain names."""
    if not isinstance(target, (cst.Tuple, cst.List)) or len(target.elements) != len(parts):
        return None
    names = [e.value for e in target.elements]
    if not all(isinstance(n, cst.Name) for n in names):
        return None
    return {cst.ensure_type(n, cst.Name).value: part for n, part in zip(names, parts)}
