"""What an in-file helper hands back of what it was given: the parameters each of its results
is computed from. A helper that tests the labels it gets against None does not crash in PREDICT,
but the results it computes from them are None there (``if labels is not None: labels =
tf.squeeze(labels)`` then ``return x, labels``), so the names bound to those results carry the
labels on, result by result."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Optional

import libcst as cst

from codemods import statements as st
from codemods.model_fns import TfResolver

#: TensorFlow state updates: each writes its value into the variable it is given first
#: (``tf.assign_add(total, batch)``, ``total.assign_add(batch)``).
_UPDATES = frozenset(
    {"assign", "assign_add", "assign_sub", "scatter_add", "scatter_sub", "scatter_update",
     "scatter_nd_add", "scatter_nd_sub", "scatter_nd_update"}
)


def _update(
    call: cst.Call, resolve: TfResolver
) -> Optional[tuple[str, list[cst.BaseExpression]]]:
    """The variable a state update writes into and the values it writes: TensorFlow's function
    (``tf.assign_add(total, batch)``, any import spelling) is handed the variable first, a
    variable's method (``total.assign_add(batch)``) is called on it."""
    func = call.func
    if not isinstance(func, cst.Attribute) or func.attr.value not in _UPDATES:
        return None
    args = [arg.value for arg in call.args if arg.keyword is None and not arg.star]
    target: cst.BaseExpression
    values: list[cst.BaseExpression]
    if resolve(func) is not None:
        if not args:
            return None
        target, values = args[0], args[1:]
    else:
        target, values = func.value, args
    if not isinstance(target, cst.Name):
        return None
    return target.value, values


#: Name -> the expressions its values are computed by.
Flows = dict[str, list[cst.BaseExpression]]


#: Methods that store their arguments into the object they are called on (``setdefault``
#: too: what it stores stays in the object).
_STORING = st.STORING_METHODS | {"setdefault"}


def _stored(node: cst.CSTNode) -> list[tuple[str, list[cst.BaseExpression]]]:
    """What ``node`` stores into a name's object or binds a loop's names to: ``out["loss"] =
    v`` and ``parts.append(v)`` put ``v`` in ``out``/``parts``; ``for x in xs:`` binds ``x``
    to what ``xs`` holds."""
    if isinstance(node, (cst.For, cst.CompFor)):
        return [(name, [node.iter]) for name in st.reads(node.target)]
    if isinstance(node, cst.Assign):
        roots = [
            st.root_name(t.target) for t in node.targets
            if isinstance(t.target, (cst.Subscript, cst.Attribute))
        ]
        return [(root, [node.value]) for root in roots if root]
    if (
        isinstance(node, cst.Call)
        and isinstance(node.func, cst.Attribute)
        and node.func.attr.value in _STORING
    ):
        root = st.root_name(node.func.value)
        return [(root, [arg.value for arg in node.args])] if root else []
    return []


#: The module's in-file helpers, by name.
Helpers = Mapping[str, cst.FunctionDef]


def _unpacked_results(
    node: cst.Assign, helpers: Helpers, depth: int, resolve: TfResolver
) -> Optional[dict[str, list[cst.BaseExpression]]]:
    """``a, b = inner(...)`` where ``inner`` is another in-file helper whose returns say what
    each result is: per name, the expressions of ``inner`` that compute its result (so ``b``
    does not carry what ``inner`` builds only for ``a``), and what the call hands ``inner``
    (its parameters are other names: any result may be computed from any argument)."""
    unpacked = unpacked_targets(cst.SimpleStatementLine(body=[node]))
    if unpacked is None or depth >= _MAX_DEPTH:
        return None
    names, call = unpacked
    inner = helpers.get(call.func.value) if isinstance(call.func, cst.Name) else None
    if inner is None or len(names) < 2:
        return None
    exprs = HelperBody(inner, resolve, helpers, depth + 1).exprs(len(names))
    if exprs is None:
        return None
    handed = [arg.value for arg in call.args]
    return {name: [*found, *handed] for name, found in zip(names, exprs) if name is not None}


#: How deep the reading of a helper's results follows the helpers it calls.
_MAX_DEPTH = 3


def _flows(
    helper: cst.FunctionDef, resolve: TfResolver, helpers: Helpers, depth: int
) -> Flows:
    """For each name the helper's body binds or updates, the expressions that compute its values
    (any binding counts: flow-insensitive, so over-approximate)."""
    flows: Flows = {}
    for node in st.own_nodes(helper.body):
        results = (
            _unpacked_results(node, helpers, depth, resolve)
            if isinstance(node, cst.Assign)
            else None
        )
        if results is not None:
            for name, values in results.items():
                flows.setdefault(name, []).extend(values)
            continue
        update = _update(node, resolve) if isinstance(node, cst.Call) else None
        if update is not None:
            flows.setdefault(update[0], []).extend(update[1])
        for name, values in _stored(node):
            flows.setdefault(name, []).extend(values)
        if isinstance(node, (cst.Assign, cst.AugAssign, cst.AnnAssign)) and node.value is not None:
            targets = (
                [t.target for t in node.targets] if isinstance(node, cst.Assign) else [node.target]
            )
            values = [node.value, node.target] if isinstance(node, cst.AugAssign) else [node.value]
            for target in targets:
                for name in st.reads(target) if isinstance(target, (cst.Tuple, cst.List)) else (
                    {target.value} if isinstance(target, cst.Name) else set()
                ):
                    flows.setdefault(name, []).extend(values)
    return flows


def _closure(
    exprs: list[cst.BaseExpression], flows: Flows
) -> tuple[set[str], list[cst.BaseExpression]]:
    """The names ``exprs`` are computed from, through the helper's bindings, and every
    expression that computes them."""
    seen: set[str] = set()
    found = list(exprs)
    todo = [name for expr in exprs for name in st.value_reads(expr)]
    while todo:
        name = todo.pop()
        if name not in seen:
            seen.add(name)
            for expr in flows.get(name, ()):
                found.append(expr)
                todo.extend(st.value_reads(expr))
    return seen, found


def _returned(helper: cst.FunctionDef, width: int) -> Optional[list[list[cst.BaseExpression]]]:
    """For each of the ``width`` results a call of ``helper`` binds, the expressions its returns
    give there; None when its returns do not say (no return, or one whose width differs and is
    not a plain value)."""
    returns = [value for value in st.returned_values(helper) if value is not None]
    if not returns:
        return None
    results: list[list[cst.BaseExpression]] = [[] for _ in range(width)]
    for value in returns:
        if isinstance(value, (cst.Tuple, cst.List)) and width > 1:
            elements = [el for el in value.elements if type(el) is cst.Element]
            if len(elements) != width or len(elements) != len(value.elements):
                return None
            for index, element in enumerate(elements):
                results[index].append(element.value)
        elif width == 1:
            results[0].append(value)
        else:
            return None
    return results


class HelperBody:
    """One in-file helper's body as the result-by-result reading needs it, read once: what its
    names are computed from, and its own names."""

    def __init__(
        self,
        helper: cst.FunctionDef,
        resolve: TfResolver,
        helpers: Optional[Helpers] = None,
        depth: int = 0,
    ) -> None:
        self.helper = helper
        self.flows = _flows(helper, resolve, helpers or {}, depth)
        #: The helper's parameters and the names its body binds.
        self.local_names = (
            st.parameter_names(helper.params) | set(self.flows) | st.rebinds(helper.body)
        )

    def sources(self, width: int) -> Optional[list[set[str]]]:
        """For each of the ``width`` results a call binds, the names of the helper's scope it
        is computed from."""
        returned = _returned(self.helper, width)
        return None if returned is None else [_closure(e, self.flows)[0] for e in returned]

    def exprs(self, width: int) -> Optional[list[list[cst.BaseExpression]]]:
        """For each of the ``width`` results, every expression of the helper that computes it."""
        returned = _returned(self.helper, width)
        return None if returned is None else [_closure(e, self.flows)[1] for e in returned]


def returns_display(helper: cst.FunctionDef) -> bool:
    """Whether the helper returns a dict, tuple or list display of several values
    (``return {"loss": loss, "logits": logits}``)."""
    displays = (cst.Dict, cst.Tuple, cst.List)
    return any(
        isinstance(value, displays) and len(value.elements) > 1
        for value in st.returned_values(helper)
    )


def returns_function(helper: cst.FunctionDef) -> bool:
    """Whether every value the helper returns is a function it defines (``def train_op_fn(loss):
    ... / return train_op_fn``, or a lambda): calling it builds only what its own statements
    build, and its name tells what the function it returns builds, when that is called."""
    nested = {
        node.name.value for node in st.own_nodes(helper.body) if isinstance(node, cst.FunctionDef)
    }
    returned = st.returned_values(helper)
    return bool(returned) and all(
        isinstance(value, cst.Lambda) or (isinstance(value, cst.Name) and value.value in nested)
        for value in returned
    )


def unpacked_targets(stmt: cst.CSTNode) -> Optional[tuple[list[Optional[str]], cst.Call]]:
    """``a, b = helper(...)`` or ``a = helper(...)`` alone on its line: the names bound, result by
    result (None for a target that is not a plain name), and the call."""
    if not (isinstance(stmt, cst.SimpleStatementLine) and len(stmt.body) == 1):
        return None
    small = stmt.body[0]
    if not (isinstance(small, cst.Assign) and len(small.targets) == 1):
        return None
    if not isinstance(small.value, cst.Call):
        return None
    target = small.targets[0].target
    if isinstance(target, cst.Name):
        return [target.value], small.value
    if isinstance(target, (cst.Tuple, cst.List)):
        names = [
            el.value.value if type(el) is cst.Element and isinstance(el.value, cst.Name) else None
            for el in target.elements
        ]
        return names, small.value
    return None


__all__ = ["HelperBody", "returns_display", "unpacked_targets"]
