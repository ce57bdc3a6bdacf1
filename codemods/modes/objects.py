"""Which of the model_fn's objects a statement may change by calling their methods
(``self.build()`` sets ``self.probs``, which the PREDICT spec reads): a later read of one of
them needs the statement to have run before it, in every mode that reads it (SPEC §5).

An object is known under every name it can be reached by: ``net = self``, ``model =
self.model``, ``for layer in self.layers:``, ``self.head = head`` make the names one object (a
method of either may change what the other holds). What cannot change
is left out: the inputs the model_fn is handed, modules, and names only ever bound to what a
TensorFlow call gives (a tensor, an optimizer, a lookup table: their methods build ops and
variables, which the rest of the analysis follows, not state a later read depends on)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Optional

import libcst as cst

from codemods import statements as st
from codemods.model_fns import param_names
from codemods.modes.context import Context

#: Methods that read an object and change nothing of it (of dicts, strings, shapes,
#: optimizers, and the distributions a probabilistic model_fn samples from).
READING_METHODS = frozenset(
    {"get", "items", "keys", "values", "copy", "count", "index", "get_shape", "as_list",
     "get_slot", "get_slot_names", "variables", "trainable_variables", "format", "startswith",
     "endswith", "lower", "upper", "split", "join", "strip", "replace",
     "sample", "mean", "mode", "stddev", "variance", "log_prob", "prob", "entropy", "cdf",
     "log_cdf", "quantile", "kl_divergence", "cross_entropy"}
)

#: Calls that hand on what they iterate (``for i, layer in enumerate(self.layers):``).
_PASSING = frozenset({"enumerate", "zip", "reversed", "list", "tuple", "sorted", "iter"})

def _refs(node: Optional[cst.CSTNode]) -> set[str]:
    """The names whose objects ``node`` gives as they are (``self``, ``self.model``,
    ``self.layers[0]``, ``(a, b)``, ``self.heads.items()``), not what a call computes."""
    if isinstance(node, cst.Name):
        return {node.value}
    if isinstance(node, (cst.Attribute, cst.Subscript)):
        return _refs(node.value)
    if isinstance(node, (cst.Tuple, cst.List, cst.Set)):
        return set().union(*(_refs(el.value) for el in node.elements))
    if isinstance(node, cst.Dict):
        return set().union(*(_refs(el.value) for el in node.elements))
    if isinstance(node, cst.Call):
        func = node.func
        if isinstance(func, cst.Attribute) and func.attr.value in {"items", "values", "get"}:
            return _refs(func.value)
        if isinstance(func, cst.Name) and func.value in _PASSING:
            return set().union(*(_refs(arg.value) for arg in node.args))
    return set()


def _roots(target: cst.BaseExpression) -> set[str]:
    """The names whose objects an assignment to ``target`` binds or changes (``x``, ``x`` of
    ``x.attr``, ``a`` and ``b`` of ``a, b``)."""
    if isinstance(target, (cst.Tuple, cst.List)):
        return set().union(*(_roots(el.value) for el in target.elements))
    if isinstance(target, cst.StarredElement):
        return _roots(target.value)
    root = st.root_name(target)
    return {root} if root else set()


def _pairs(
    target: cst.BaseExpression, value: cst.BaseExpression
) -> Iterable[tuple[set[str], set[str]]]:
    """The names an assignment makes one object: element by element when it unpacks a tuple
    of as many (``model, head = self.model, self.head``)."""
    elements = (cst.Tuple, cst.List)
    if (
        isinstance(target, elements)
        and isinstance(value, elements)
        and len(target.elements) == len(value.elements)
        and not any(isinstance(el, cst.StarredElement) for el in value.elements)
    ):
        for left, right in zip(target.elements, value.elements):
            yield from _pairs(left.value, right.value)
    else:
        yield _roots(target), _refs(value)


class Objects:
    """The objects of one model_fn, read once from its body."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        body = ctx.fn.node.body
        imported = set().union(
            *(st.defines(node) for node in st.own_nodes(body)
              if isinstance(node, (cst.Import, cst.ImportFrom)))
        )
        handed = set(param_names(ctx.fn.node)) - {"self", "cls"}
        self._changeable = ctx.local_names() - imported - handed - self._tensorflow_valued()
        self._group: dict[str, str] = {}
        for bound, given in self._links():
            self._join(bound, given)

    def changed(self, nodes: Iterable[cst.CSTNode]) -> frozenset[str]:
        """The objects whose methods ``nodes`` call, under every name each can be reached by."""
        found: set[str] = set()
        for node in nodes:
            for call in st.calls(node):
                func = call.func
                if not isinstance(func, cst.Attribute) or func.attr.value in READING_METHODS:
                    continue
                if self.ctx.resolve(func) is not None:
                    continue  # a TensorFlow function (``tf.losses.mean_squared_error``)
                root = st.root_name(func.value)
                if root in self._changeable:
                    found.add(root)
        reached = {self._find(name) for name in found}
        return frozenset(
            name for name in self._changeable if name in found or self._find(name) in reached
        )

    def _tensorflow_valued(self) -> set[str]:
        """The names the model_fn only ever binds to what a TensorFlow call gives."""
        given: set[str] = set()
        other: set[str] = set(param_names(self.ctx.fn.node))
        for target, value in self._bindings():
            if isinstance(target, cst.Name) and self._tensorflow_call(value):
                given.add(target.value)
            else:
                other |= st.bound_names(target)
        return given - other

    def _bindings(self) -> Iterable[tuple[cst.BaseExpression, Optional[cst.CSTNode]]]:
        """Each name binding of the body (its target, and the value bound when it is one)."""
        for node in st.own_nodes(self.ctx.fn.node.body):
            if isinstance(node, cst.Assign):
                yield from ((t.target, node.value) for t in node.targets)
            elif isinstance(node, cst.AnnAssign):
                yield node.target, node.value
            elif isinstance(node, cst.WithItem) and node.asname is not None:
                yield node.asname.name, node.item
            elif isinstance(node, (cst.AugAssign, cst.For, cst.CompFor, cst.NamedExpr)):
                yield node.target, None
            elif isinstance(node, (cst.Import, cst.ImportFrom, cst.FunctionDef, cst.ClassDef)):
                yield from ((cst.Name(name), None) for name in st.defines(node))

    def _tensorflow_call(self, node: Optional[cst.CSTNode]) -> bool:
        return isinstance(node, cst.Call) and self.ctx.resolve(node.func) is not None

    def _links(self) -> Iterable[tuple[set[str], set[str]]]:
        """Per binding of the body, the names it binds and those whose objects it gives them."""
        for node in st.own_nodes(self.ctx.fn.node.body):
            if isinstance(node, cst.Assign):
                for target in node.targets:
                    yield from _pairs(target.target, node.value)
            elif isinstance(node, (cst.AnnAssign, cst.AugAssign)) and node.value is not None:
                yield _roots(node.target), _refs(node.value)
            elif isinstance(node, cst.For):
                yield _roots(node.target), _refs(node.iter)
            elif isinstance(node, cst.WithItem) and node.asname is not None:
                yield _roots(node.asname.name), _refs(node.item)
            elif isinstance(node, cst.NamedExpr):
                yield _roots(node.target), _refs(node.value)

    def _find(self, name: str) -> str:
        while self._group.get(name, name) != name:
            name = self._group[name]
        return name

    def _join(self, bound: set[str], given: set[str]) -> None:
        """Make the names an assignment binds one object with the ones whose objects it gives
        (nothing when it gives what a call computes)."""
        if not given:
            return
        kept = [self._find(name) for name in sorted(bound | given) if name in self._changeable]
        for other in kept[1:]:
            self._group[other] = kept[0]
