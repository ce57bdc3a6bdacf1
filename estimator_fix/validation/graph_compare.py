"""Graph-level comparison (SPEC §6), where the numbers cannot run: pure, data in, checks out.

Both versions build each mode's graph from the same placeholders (``worker/graphs.py``). In every
mode the rewrite's ops are the original's, in order, each unchanged (name, type, inputs, every
attribute; a function an attribute names by its content, its arguments by position; the ops an
op is colocated with, ``_class``, by name as inputs are; a name up to the counter TensorFlow
appends to a repeated one, ``Equal_1``, which shifts when an op before it is removed, but never a
variable's), less the ones the rewrite removed, and
the spec's outputs are the same tensors (TRAIN: loss and train_op; EVAL: loss and metrics;
PREDICT: predictions and export outputs) — so each output is computed by the same ops from the
same inputs and variables, and what was removed fed none of them. In TRAIN that is usually the
whole graph ("identical"); a metric or summary a fix moved out of TRAIN is what it may lose. EVAL
and PREDICT restore every variable, so there the seeds of variable initializers may differ (they
follow how many ops came before). Ops that only show values (``tf.print``, which the EF2 fixes
put in place of Python's ``print``) are left out of the comparison. Where the original fails in
PREDICT without labels, the reference is the original built with placeholder labels, and its
predictions must not depend on them. A passing check's verdict is ``graph-equivalent``: proven
on the graphs, not on numbers.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from estimator_fix.validation.report import Check, Verdict
from estimator_fix.validation.results import RunResult, located
from estimator_fix.validation.worker.graphs import COLOCATION

TRAIN, EVAL, PREDICT = "TRAIN", "EVAL", "PREDICT"
GRAPH_EQUIVALENT: Verdict = "graph-equivalent"
#: Ops that only show values (what ``tf.print`` builds).
_OBSERVING = frozenset({"PrintV2", "StringFormat"})


@dataclass(frozen=True)
class Op:
    """One op: name, type, inputs (``^name`` for control inputs) and a digest per attribute."""

    name: str
    type: str
    inputs: tuple[str, ...]
    attrs: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Graph:
    """One mode's graph in one version, or why it could not be built.

    ``without_labels``: the original failed without labels (this is its build with placeholder
    labels); ``placeholder_error``: the original failed with placeholder labels too (this is its
    failure without them); ``labels``: the names of the label placeholders."""

    ok: bool
    error: str = ""
    ops: tuple[Op, ...] = ()
    outputs: Mapping[str, Any] = field(default_factory=dict)
    labels: tuple[str, ...] = ()
    without_labels: str = ""
    placeholder_error: str = ""
    #: Where the build failed: ``path:line`` in the code validated ("" where not known).
    where: str = ""

    @property
    def failure(self) -> str:
        return located(self.error, self.where)


def _ordered(inputs: Any) -> tuple[str, ...]:
    """An op's inputs: the data inputs in order, then its control inputs sorted (they are a set:
    TensorFlow may list them in another order each time it builds the same graph)."""
    names = [str(name) for name in inputs]
    data = [name for name in names if not name.startswith("^")]
    return (*data, *sorted(name for name in names if name.startswith("^")))


def load_graphs(raw: Mapping[str, Any]) -> tuple[dict[str, Graph], str]:
    """The graphs a worker reported (``RunResult.graphs``), and why there are none ('' if any)."""
    if raw.get("error"):
        return {}, str(raw["error"])
    graphs: dict[str, Graph] = {}
    for mode, data in (raw.get("modes") or {}).items():
        ops, aliases = observed(
            tuple(
                Op(str(name), str(kind), _ordered(inputs), tuple(sorted(attrs.items())))
                for name, kind, inputs, attrs in data.get("ops") or ()
            )
        )
        graphs[str(mode)] = Graph(
            ok=bool(data.get("ok")),
            error=str(data.get("error") or ""),
            placeholder_error=str(data.get("placeholder_error") or ""),
            ops=ops,
            outputs=_aliased(data.get("outputs") or {}, aliases),
            labels=tuple(data.get("labels") or ()),
            without_labels=str(data.get("without_labels") or ""),
            where=str(data.get("where") or ""),
        )
    return graphs, ""


def _difference(original: Op, rewrite: Op) -> str:
    where = f"op {original.name!r} ({original.type})"
    if original.type != rewrite.type:
        return f"{where} is a {rewrite.type} in the rewrite"
    if original.inputs != rewrite.inputs:
        return (
            f"{where} takes {', '.join(rewrite.inputs) or 'no inputs'} in the rewrite, "
            f"{', '.join(original.inputs) or 'no inputs'} in the original"
        )
    before, after = dict(original.attrs), dict(rewrite.attrs)
    changed = sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k))
    return f"{where} differs in {', '.join(changed)}"


def _restored_alike(original: Op, rewrite: Op) -> bool:
    """The same op, attributes aside for a variable's initializer: EVAL and PREDICT restore every
    variable from the checkpoint, so how it would be initialised (a random op's seeds, which
    follow how many ops the graph had) does not matter there."""
    if original == rewrite:
        return True
    return "/Initializer/" in original.name and (original.type, original.inputs) == (
        rewrite.type,
        rewrite.inputs,
    )


def _through(name: str, aliases: Mapping[str, str]) -> str:
    """An input (``op``, ``op:1``, ``^op``) or tensor name, with the aliased ops seen through."""
    control = name.startswith("^")
    op, _, index = name.lstrip("^").partition(":")
    seen = 0
    while op in aliases and seen < len(aliases):
        op, _, index = aliases[op].partition(":")
        seen += 1
    if control:
        return f"^{op}"
    return f"{op}:{index}" if index and index != "0" else (op if ":" not in name else f"{op}:0")


def observed(ops: tuple[Op, ...]) -> tuple[tuple[Op, ...], dict[str, str]]:
    """``ops`` without those that only show values (``tf.print``'s StringFormat and PrintV2, which
    the EF2 fixes put in place of Python's ``print``) and the identities that only wait for them
    (``with tf.control_dependencies([tf.print(...)]): loss = tf.identity(loss)``), each such
    identity aliased to its input (returned, by op name)."""
    shown = {op.name for op in ops if op.type in _OBSERVING}
    if not shown:
        return ops, {}
    aliases: dict[str, str] = {}
    for op in ops:
        data = [i for i in op.inputs if not i.startswith("^")]
        waits = any(i.startswith("^") and i[1:] in shown for i in op.inputs)
        if op.type == "Identity" and waits and len(data) == 1:
            aliases[op.name] = data[0]
    kept = tuple(
        replace(
            op,
            inputs=tuple(_through(i, aliases) for i in op.inputs if i.lstrip("^") not in shown),
        )
        for op in ops
        if op.name not in shown and op.name not in aliases
    )
    return kept, aliases


def _aliased(value: Any, aliases: Mapping[str, str]) -> Any:
    """The spec's outputs (nested dicts and lists of tensor names) seen through ``aliases``."""
    if not aliases:
        return value
    if isinstance(value, Mapping):
        return {key: _aliased(item, aliases) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_aliased(item, aliases) for item in value]
    if isinstance(value, str):
        return _through(value, aliases)
    return value


#: Ops a checkpoint knows by name: a rewrite may not rename them (other ops TensorFlow names
#: by a counter, ``Equal`` then ``Equal_1``, shift when an op before them is removed).
_NAMED_STATE = frozenset({"VariableV2", "Variable", "VarHandleOp"})
_COUNTER = re.compile(r"_\d+$")


def _stem(name: str) -> str:
    """``accuracy_1/Equal_2`` → ``accuracy/Equal``: the name less TensorFlow's counters."""
    return "/".join(_COUNTER.sub("", part) for part in name.split("/"))


def _renamed(name: str, names: Mapping[str, str]) -> str:
    """An input (``op``, ``op:1``, ``^op``) or tensor name of the rewrite, by the original's
    name of its op (one step: the names of the two graphs overlap)."""
    control = "^" if name.startswith("^") else ""
    op, colon, index = name.lstrip("^").partition(":")
    return f"{control}{names.get(op, op)}{colon}{index}"


def _inputs_renamed(op: Op, names: Mapping[str, str]) -> tuple[str, ...]:
    """``op``'s inputs by the original's names, its control inputs sorted again (renamed, they
    may sort otherwise: ``x_10`` before ``x_9``, ``x_11`` after ``x_10``)."""
    return _ordered(_renamed(name, names) for name in op.inputs)


def _renamed_op(op: Op, names: Mapping[str, str]) -> Op:
    """``op`` with its inputs and the ops it is colocated with (``_class``: ``loc:@name``, as
    the worker sends it) by the original's names, the latter sorted again (TensorFlow sorts
    them by name: renamed, ``x_10`` may come before ``x_9``)."""
    attrs = tuple(
        (key, " ".join(sorted(_colocated(part, names) for part in value.split())))
        if key == COLOCATION
        else (key, value)
        for key, value in op.attrs
    )
    return replace(op, inputs=_inputs_renamed(op, names), attrs=attrs)


def _colocation(op: Op) -> str | None:
    return dict(op.attrs).get(COLOCATION)


def _colocated(part: str, names: Mapping[str, str]) -> str:
    prefix, at, name = part.partition("@")
    return f"{prefix}{at}{names.get(name, name)}" if at else part


def correspondence(
    original: tuple[Op, ...], rewrite: tuple[Op, ...], restored: bool
) -> tuple[dict[str, str], str]:
    """Which op of the original each op of ``rewrite`` is, by name: ``rewrite`` must be
    ``original`` less some ops, in order, each op unchanged (type, inputs, attributes; but for
    the seeds of variable initializers when the mode ``restored`` its variables) up to the
    counter TensorFlow appends to a repeated name, which shifts when an op before it is removed
    (not for a variable's name, which the checkpoint keys on). Returns the names and '', or
    what is new, changed or out of order."""
    index = {op.name: i for i, op in enumerate(original)}
    by_stem: dict[str, list[int]] = {}
    for i, op in enumerate(original):
        by_stem.setdefault(_stem(op.name), []).append(i)
    alike = _restored_alike if restored else (lambda a, b: a == b)
    names: dict[str, str] = {}
    position, previous = -1, ""
    for op in rewrite:
        renamed = _renamed_op(op, names)
        found = index.get(op.name)
        candidates = [found] if found is not None else []
        if op.type not in _NAMED_STATE:
            candidates += [i for i in by_stem.get(_stem(op.name), ()) if i != found]
        match = next(
            (
                i
                for i in candidates
                if i > position
                and alike(original[i], replace(renamed, name=original[i].name))
            ),
            None,
        )
        if match is None:
            if found is None:
                return names, f"op {op.name!r} ({op.type}) is not in the original's graph"
            if found <= position:
                return names, (
                    f"op {op.name!r} comes after {previous!r} in the rewrite, before it in the "
                    "original"
                )
            return names, _difference(original[found], renamed)
        names[op.name] = original[match].name
        position, previous = match, op.name
    return names, _forward_inputs(original, rewrite, names)


def _forward_inputs(
    original: tuple[Op, ...], rewrite: tuple[Op, ...], names: Mapping[str, str]
) -> str:
    """'' when each op's inputs (and the ops it is colocated with) are its original's once
    every op is known: an input read before the op that gives it (a TF 1.x loop's Merge reads
    its NextIteration) was judged by its name alone, not by the original op that it turned out
    to be; else the first that is not."""
    index = {op.name: i for i, op in enumerate(original)}
    for op in rewrite:
        renamed = _renamed_op(op, names)
        was = original[index[names[op.name]]]
        if renamed.inputs != was.inputs or _colocation(renamed) != _colocation(was):
            return _difference(was, renamed)
    return ""


def _tensors(outputs: Mapping[str, Any]) -> list[str]:
    names: list[str] = []

    def walk(value: Any) -> None:
        if isinstance(value, Mapping):
            for item in value.values():
                walk(item)
        elif isinstance(value, (list, tuple)):
            for item in value:
                walk(item)
        elif isinstance(value, str):
            names.append(value)

    walk(outputs)
    return names


def depends_on(ops: tuple[Op, ...], tensors: list[str], sources: tuple[str, ...]) -> bool:
    """Whether any of ``tensors`` (``op:0`` names) is computed from one of the ops ``sources``."""
    inputs = {op.name: op.inputs for op in ops}
    stack = [name.split(":")[0] for name in tensors]
    seen: set[str] = set()
    while stack:
        name = stack.pop()
        if name in seen:
            continue
        seen.add(name)
        if name in sources:
            return True
        stack.extend(i.lstrip("^").split(":")[0] for i in inputs.get(name, ()))
    return False


def _by_names(value: Any, names: Mapping[str, str]) -> Any:
    """The rewrite's spec outputs (nested dicts and lists of tensor names) by the original's
    names of their ops."""
    if isinstance(value, Mapping):
        return {key: _by_names(item, names) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_by_names(item, names) for item in value]
    return _renamed(value, names) if isinstance(value, str) else value


def _outputs_check(mode: str, original: Graph, rewrite: Graph, names: Mapping[str, str]) -> Check:
    keys = [k for k, v in original.outputs.items() if v]
    what = f"spec outputs ({', '.join(keys) or 'none'})"
    for key, value in original.outputs.items():
        other = _by_names(rewrite.outputs.get(key), names)
        if other != value:
            detail = f"{key} is {other!r} in the rewrite, {value!r} in the original"
            return Check(mode, what, None, "mismatch", detail)
    return Check(mode, what, None, GRAPH_EQUIVALENT, "the same tensors")


def _failed(mode: str, original: Graph, rewrite: Graph) -> Check | None:
    """The check when either version could not build the mode's graph; None when both did."""
    what = "graph builds"
    if not original.ok and not rewrite.ok:
        if original.placeholder_error and original.placeholder_error == rewrite.error:
            detail = (
                f"both versions fail: the original without labels ({original.failure}), and with "
                f"placeholder labels as the rewrite does: {rewrite.failure}"
            )
            return Check(mode, what, None, GRAPH_EQUIVALENT, detail)
        if original.error == rewrite.error and mode != TRAIN:
            return Check(
                mode, what, None, GRAPH_EQUIVALENT, f"both versions fail: {original.failure}"
            )
        detail = f"both versions fail: {original.failure}"
        if original.placeholder_error:
            detail += f" (with placeholder labels: {original.placeholder_error})"
        if original.error != rewrite.error:
            detail += f" | rewrite: {rewrite.failure}"
        return Check(mode, what, None, "error", detail)
    if not original.ok:
        detail = f"the original fails ({original.failure}); the rewrite builds"
        return Check(mode, what, None, "fixed", detail)
    if not rewrite.ok and rewrite.error == original.without_labels:
        detail = f"both versions fail without labels: {rewrite.failure}"
        return Check(mode, what, None, GRAPH_EQUIVALENT, detail)
    if not rewrite.ok:
        detail = f"the rewrite fails: {rewrite.failure}"
        return Check(mode, what, None, "mismatch", detail, rewrite_fails=True)
    return None


#: Why an order alone is no verdict.
_REORDERED = (
    "the rewrite builds the same ops (types, attributes, seeds, inputs; names up to "
    "TensorFlow's counters) in another order - TensorFlow 1.x builds a loop's gradients in an "
    "order that can change with the process - so the order proves nothing and the graphs are "
    "not compared"
)


def _order_alone(difference: str, original: tuple[Op, ...], rewrite: tuple[Op, ...]) -> bool:
    """The difference is an op out of order, and the two graphs hold the same ops otherwise:
    each op's type, attributes (colocation, which names ops, aside) and inputs, by names less
    TensorFlow's counters, once each."""
    if " comes after " not in difference or len(original) != len(rewrite):
        return False

    def shape(op: Op) -> tuple[object, ...]:
        attrs = tuple(pair for pair in op.attrs if pair[0] != COLOCATION)
        return (_stem(op.name), op.type, attrs, tuple(_stem(name) for name in op.inputs))

    return Counter(map(shape, original)) == Counter(map(shape, rewrite))


def _mode_checks(mode: str, original: Graph, rewrite: Graph) -> list[Check]:
    failed = _failed(mode, original, rewrite)
    if failed is not None:
        return [failed]
    checks = []
    before, after = original.ops, rewrite.ops
    removed = len(before) - len(after)
    what = f"graph ({len(after)} of {len(before)} ops)" if removed else f"graph ({len(after)} ops)"
    names, difference = correspondence(before, after, restored=mode != TRAIN)
    detail = f"the original's ops in order, less {removed}" if removed else "identical"
    if original.without_labels:
        detail += (
            f"; the original fails without labels ({original.without_labels}): compared with "
            "its graph built with placeholder labels"
        )
        predictions = _tensors(original.outputs.get("predictions") or {})
        if depends_on(original.ops, predictions, original.labels):
            dependence = "the original's predictions depend on labels"
            checks.append(Check(mode, "independent of labels", None, "mismatch", dependence))
        else:
            checks.append(Check(mode, "independent of labels", None, GRAPH_EQUIVALENT))
    if difference and _order_alone(difference, before, after):
        checks.append(Check(mode, what, None, "error", f"{difference}; {_REORDERED}"))
    elif difference:
        checks.append(Check(mode, what, None, "mismatch", difference))
    else:
        checks.append(Check(mode, what, None, GRAPH_EQUIVALENT, detail))
    checks.append(_outputs_check(mode, original, rewrite, names))
    return checks


def compare_graphs(
    original: Mapping[str, Graph], rewrite: Mapping[str, Graph]
) -> tuple[Check, ...]:
    """All graph-level checks, in mode order."""
    checks: list[Check] = []
    for mode in (TRAIN, EVAL, PREDICT):
        left, right = original.get(mode), rewrite.get(mode)
        if left is None or right is None:
            checks.append(Check(mode, "graph builds", None, "error", "no graph was built"))
            continue
        checks.extend(_mode_checks(mode, left, right))
    return tuple(checks)


def graph_fallback(
    checks: tuple[Check, ...], original: RunResult, rewrite: RunResult, requested: bool = False
) -> tuple[tuple[Check, ...], tuple[str, ...]]:
    """The graph-level checks in place of numeric ``checks`` that could not run (or were not
    ``requested``), where both versions built their graphs, with a note saying why; else
    ``checks`` unchanged."""
    if not original.graphs or not rewrite.graphs:
        return checks, ()
    if not requested and any(check.verdict == "mismatch" for check in checks):
        return checks, ()  # numbers that differ are the finding
    left, why_not = load_graphs(original.graphs)
    right, why_not_right = load_graphs(rewrite.graphs)
    if why_not or why_not_right:
        note = f"the graphs could not be built either: {why_not or why_not_right}"
        return checks, (note,)
    reason = next((c.detail for c in checks if c.verdict == "error" and c.detail), "")
    numbers = (
        "graph-level comparison only (no training)"
        if requested or not reason
        else f"the numbers could not run ({reason})"
    )
    return compare_graphs(left, right), (f"{numbers}: the graphs were compared op by op",)
