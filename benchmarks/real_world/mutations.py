"""Deliberately wrong variants of a rewrite, for the mutation check (``mutation_check.py``).

Each kind changes one statement of a model_fn the rewrite changed, in a way that changes what it
computes in TRAIN, so validation must call the variant a ``mismatch``:

- ``drop``: a statement that feeds the loss is dropped — where possible silently, so the variant
  still runs: one that rebinds a name (``net = tf.nn.dropout(net, ...)``, ``loss += reg``) becomes
  ``pass``, a layer applied to an earlier result (``y = layer(x)``) becomes ``y = x``; else the
  statement the loss's definition reads becomes ``pass``;
- ``constant``: a number in a statement that feeds the loss or the train_op changes (a float is
  doubled, an int greater than 1 grows by one, keyword arguments such as ``units=`` first; axes,
  names, seeds and 0/±1 are left alone);
- ``move``: the first statement of a ``mode == TRAIN`` block is moved after the block that returns
  TRAIN's spec, where TRAIN no longer runs it.

Edits are made on the source text, by the syntax tree's positions, so the rest of the file is
byte for byte the rewrite's.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Union

Function = Union[ast.FunctionDef, ast.AsyncFunctionDef]
KINDS = ("drop", "constant", "move")
_LEFT_ALONE = frozenset(
    {"axis", "name", "seed", "dtype", "perm", "dim", "keepdims", "begin_norm_axis"}
)


@dataclass(frozen=True)
class Mutant:
    """A wrong variant: its kind, the source, and what was changed (``line 12: ...``)."""

    kind: str
    source: str
    what: str


def _own_statements(body: list[ast.stmt], train_only: bool = False) -> Iterator[ast.stmt]:
    """Statements of ``body`` and its blocks, not those of nested definitions (with
    ``train_only``, not those of a branch TRAIN does not take either)."""
    for statement in body:
        yield statement
        if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            continue
        if isinstance(statement, ast.If) and train_only:
            taken = _in_train(statement.test)
            if taken is not False:
                yield from _own_statements(statement.body, train_only)
            if taken is not True:
                yield from _own_statements(statement.orelse, train_only)
            continue
        for name in ("body", "orelse", "finalbody"):
            yield from _own_statements(getattr(statement, name, []) or [], train_only)
        for handler in getattr(statement, "handlers", []) or []:
            yield from _own_statements(handler.body, train_only)


def _mode_name(node: ast.AST) -> str | None:
    if isinstance(node, ast.Attribute) and node.attr in ("TRAIN", "EVAL", "PREDICT"):
        return node.attr
    if isinstance(node, ast.Constant) and node.value in ("train", "eval", "infer"):
        return {"train": "TRAIN", "eval": "EVAL", "infer": "PREDICT"}[node.value]
    return None


def _in_train(test: ast.expr) -> bool | None:
    """Whether ``test`` holds when the mode is TRAIN (None: it does not say)."""
    if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
        inner = _in_train(test.operand)
        return None if inner is None else not inner
    if isinstance(test, ast.BoolOp):
        values = [_in_train(v) for v in test.values]
        if isinstance(test.op, ast.Or):
            return True if True in values else (None if None in values else False)
        return False if False in values else (None if None in values else True)
    if not isinstance(test, ast.Compare) or len(test.ops) != 1:
        return None
    operator, right = test.ops[0], test.comparators[0]
    names = [_mode_name(n) for n in (test.left, right)]
    if isinstance(operator, (ast.In, ast.NotIn)) and isinstance(right, (ast.Tuple, ast.List)):
        members = {_mode_name(e) for e in right.elts}
        return ("TRAIN" in members) == isinstance(operator, ast.In)
    named = next((n for n in names if n is not None), None)
    if named is None:
        return None
    if isinstance(operator, (ast.Eq, ast.Is)):
        return named == "TRAIN"
    if isinstance(operator, (ast.NotEq, ast.IsNot)):
        return named != "TRAIN"
    return None


def _bound(statement: ast.stmt) -> set[str]:
    targets: list[ast.AST] = []
    if isinstance(statement, ast.Assign):
        targets = list(statement.targets)
    elif isinstance(statement, (ast.AugAssign, ast.AnnAssign)):
        targets = [statement.target]
    return {n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name)}


def _loaded(node: ast.AST) -> set[str]:
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}


def _call_name(node: ast.AST) -> str:
    func = node.func if isinstance(node, ast.Call) else node
    if isinstance(func, ast.Attribute):
        return func.attr
    return func.id if isinstance(func, ast.Name) else ""


def _spec_fields(function: Function, fields: tuple[str, ...]) -> set[str]:
    """Names the function's EstimatorSpec calls (or tf.contrib.learn's ModelFnOps, with the same
    fields) read for ``fields`` (``loss``, ``train_op``)."""
    names: set[str] = set()
    for node in ast.walk(function):
        if isinstance(node, ast.Call) and _call_name(node).endswith(_SPECS):
            for keyword in node.keywords:
                if keyword.arg in fields:
                    names |= _loaded(keyword.value)
            for field, arg in zip(_SPEC_POSITIONAL, node.args):  # ``EstimatorSpec(mode, p, l)``
                if field in fields:
                    names |= _loaded(arg)
    return names


#: What a model_fn returns: EstimatorSpec (TPUEstimatorSpec too) or tf.contrib.learn's ModelFnOps.
_SPECS = ("EstimatorSpec", "ModelFnOps")
#: EstimatorSpec's fields in the order its constructor takes them (ModelFnOps's too).
_SPEC_POSITIONAL = ("mode", "predictions", "loss", "train_op", "eval_metric_ops")


def _simple(statement: ast.stmt, lines: list[str]) -> bool:
    """An assignment or expression statement alone on its lines."""
    if not isinstance(statement, (ast.Assign, ast.AugAssign, ast.AnnAssign, ast.Expr)):
        return False
    first = lines[statement.lineno - 1]
    last = lines[statement.end_lineno - 1]  # type: ignore[operator]
    return (
        first[: statement.col_offset].strip() == ""
        and last[statement.end_col_offset :].strip() in ("", "\\")
        and ";" not in last[statement.end_col_offset :]
    )


def _collections(statement: ast.stmt, method: str) -> set[str]:
    """The collections (their key's text) ``statement`` calls ``method`` on:
    ``tf.add_to_collection("losses", x)``, ``tf.get_collection("losses")``."""
    return {
        ast.dump(node.args[0])
        for node in ast.walk(statement)
        if isinstance(node, ast.Call) and _call_name(node) == method and node.args
    }


def feeding(function: Function, fields: tuple[str, ...]) -> list[ast.stmt]:
    """The statements TRAIN runs whose results the spec's ``fields`` read, transitively (in
    order); a statement that adds to a collection a chosen one reads (``get_collection``) feeds
    it too."""
    statements = [
        s
        for s in _own_statements(function.body, train_only=True)
        if _bound(s) or _collections(s, "add_to_collection")
    ]
    needed = _spec_fields(function, fields)
    read: set[str] = set()
    chosen: list[ast.stmt] = []
    for statement in reversed(statements):
        if _bound(statement) & needed or _collections(statement, "add_to_collection") & read:
            chosen.append(statement)
            needed |= _loaded(statement)
            read |= _collections(statement, "get_collection")
    return sorted(chosen, key=lambda s: (s.lineno, s.col_offset))


def _replace_lines(lines: list[str], first: int, last: int, new: list[str]) -> str:
    return "".join(lines[: first - 1] + new + lines[last:])


def _indent(line: str) -> str:
    return line[: len(line) - len(line.lstrip())]


def _skipped_layer(statement: ast.stmt, bound_before: set[str]) -> str | None:
    """For ``y = layer(x, ...)`` with ``x`` computed earlier in the model_fn: ``x``."""
    if not (isinstance(statement, ast.Assign) and len(statement.targets) == 1):
        return None
    value = statement.value
    if not (isinstance(statement.targets[0], ast.Name) and isinstance(value, ast.Call)):
        return None
    first = value.args[0] if value.args else None
    if isinstance(first, ast.Name) and first.id in bound_before:
        return first.id
    return None


def drop(source: str, function: Function) -> Mutant | None:
    """The first statement feeding the loss that can go silently: one that rebinds a name (it is
    replaced by ``pass``), else a layer applied to an earlier result (``y = layer(x)`` becomes
    ``y = x``); else the statement the loss's own definition reads (replaced by ``pass``)."""
    lines = source.splitlines(keepends=True)
    candidates = [
        s for s in feeding(function, ("loss",)) if _simple(s, lines) and not _renames(s)
    ]
    parameters = {a.arg for a in function.args.args}
    bound: set[str] = set()
    rebinding = layer = None
    for statement in _own_statements(function.body, train_only=True):
        if statement in candidates:
            if rebinding is None and (
                _bound(statement) & (bound | parameters) or isinstance(statement, ast.AugAssign)
            ):
                rebinding = statement
            if layer is None and _skipped_layer(statement, bound):
                layer = statement
        bound |= _bound(statement)
    statement = rebinding or layer or (candidates[-2] if len(candidates) > 1 else None)
    if statement is None:
        return None
    first = lines[statement.lineno - 1]
    end = statement.end_lineno or statement.lineno
    shown = ast.unparse(statement)[:60]
    if statement is layer and statement is not rebinding:
        assert isinstance(statement, ast.Assign)
        target = ast.unparse(statement.targets[0])
        replacement = f"{_indent(first)}{target} = {_skipped_layer(statement, bound)}\n"
        what = f"line {statement.lineno}: `{shown}` skipped ({target} = its input)"
    else:
        replacement = f"{_indent(first)}pass\n"
        what = f"line {statement.lineno}: dropped `{shown}`"
    return Mutant("drop", _replace_lines(lines, statement.lineno, end, [replacement]), what)


def _renames(statement: ast.stmt) -> bool:
    """``x = tf.identity(x, name="x")``: a new name for the same value; dropping it changes
    nothing the loss computes. So may ``x = tf.cast(x, dtype)`` or ``x = tf.to_float(x)``: for
    inputs already of that type (synthetic features are float32) it is the same value too;
    ``x = tf.Print(x, [...])``, which prints ``x`` and returns it; and ``x = x or default``
    where ``x`` was given."""
    if not isinstance(statement, ast.Assign):
        return False
    targets = {ast.unparse(t) for t in statement.targets}
    value = statement.value
    if isinstance(value, ast.BoolOp) and isinstance(value.op, ast.Or):
        return ast.unparse(value.values[0]) in targets
    if not isinstance(value, ast.Call):
        return False
    call = value
    return (
        _call_name(call).endswith(_SAME_VALUE_CALLS)
        and bool(call.args)
        and ast.unparse(call.args[0]) in targets
    )


#: Calls whose result is their argument's value for synthetic inputs: renamings and casts
#: (``tf.to_float`` of float32 labels), TensorFlow 1's spellings too, and ``tf.Print`` (its first
#: argument, printed on the way).
_SAME_VALUE_CALLS = ("identity", "cast", "to_float", "to_double", "to_int32", "to_int64", "Print")


#: What reads the regularization losses layers add (``kernel_regularizer=``): without one of
#: these in the model_fn, a regularizer's constant feeds nothing the loss computes.
_REGULARIZATION_READS = (
    "get_regularization_loss",
    "get_regularization_losses",
    "REGULARIZATION_LOSSES",
    "get_total_loss",
)


def _regularizer_argument(node: ast.AST, parents: dict[ast.AST, ast.AST]) -> bool:
    """Whether ``node`` lies in a ``*_regularizer=`` argument (``l2_regularizer(0.001)``)."""
    while node in parents:
        node = parents[node]
        if isinstance(node, ast.keyword) and (node.arg or "").endswith("regularizer"):
            return True
    return False


def _constants(statement: ast.stmt, regularized: bool = True) -> Iterator[ast.Constant]:
    """The numbers of ``statement`` a variant may change; ``regularized``: whether the loss reads
    the regularization losses (else a regularizer's numbers change nothing it computes)."""
    parents = {c: p for p in ast.walk(statement) for c in ast.iter_child_nodes(p)}
    for node in ast.walk(statement):
        if not isinstance(node, ast.Constant) or isinstance(node.value, bool):
            continue
        if not isinstance(node.value, (int, float)) or node.value in (0, 1):
            continue
        parent = parents.get(node)
        if isinstance(parent, ast.UnaryOp):
            parent = parents.get(parent)
        if isinstance(parent, ast.keyword) and parent.arg in _LEFT_ALONE:
            continue
        if isinstance(parent, ast.Subscript):
            continue
        if node.lineno != node.end_lineno:
            continue
        if not regularized and _regularizer_argument(node, parents):
            continue
        yield node


def constant(source: str, function: Function) -> Mutant | None:
    """The first float feeding the loss or the train_op, doubled (one of 1e-6 or more first; not
    a regularizer's where nothing reads the regularization losses); else the first int greater
    than 1 given as a keyword (``units=128``), else any such int, plus one."""
    lines = source.splitlines(keepends=True)
    statements = feeding(function, ("loss", "train_op"))
    regularized = any(read in ast.unparse(function) for read in _REGULARIZATION_READS)
    found = [c for s in statements for c in _constants(s, regularized)]
    keywords = {id(k.value) for s in statements for k in ast.walk(s) if isinstance(k, ast.keyword)}
    # an epsilon below float32's resolution next to values near 1 (``log(y + 1e-10)``) changes
    # nothing when doubled: the floats that can matter come first
    floats = sorted(
        (c for c in found if isinstance(c.value, float)), key=lambda c: abs(c.value) < 1e-6
    )
    ints = [c for c in found if isinstance(c.value, int) and c.value > 1]
    named = [c for c in ints if id(c) in keywords]
    node = (floats or named or ints or [None])[0]
    if node is None:
        return None
    value = node.value
    changed = repr(value * 2 if isinstance(value, float) else value + 1)  # type: ignore[operator]
    line = lines[node.lineno - 1]
    lines[node.lineno - 1] = line[: node.col_offset] + changed + line[node.end_col_offset :]
    return Mutant("constant", "".join(lines), f"line {node.lineno}: {value!r} → {changed}")


def _is_train_test(test: ast.expr) -> bool:
    if not isinstance(test, ast.Compare) or len(test.ops) != 1:
        return False
    if not isinstance(test.ops[0], (ast.Eq, ast.Is)):
        return False
    sides = [test.left, *test.comparators]
    return any(
        (isinstance(s, ast.Attribute) and s.attr == "TRAIN")
        or (isinstance(s, ast.Constant) and s.value == "train")
        for s in sides
    )


def _train_blocks(function: Function) -> list[ast.If]:
    return [
        s
        for s in _own_statements(function.body)
        if isinstance(s, ast.If) and _is_train_test(s.test)
    ]


def move(source: str, function: Function) -> Mutant | None:
    """The first simple statement of a ``mode == TRAIN`` block that feeds TRAIN's loss or
    train_op, moved after the block that returns TRAIN's spec (where TRAIN no longer runs it);
    ``pass`` stays in its place."""
    lines = source.splitlines(keepends=True)
    blocks = _train_blocks(function)
    returning = next(
        (b for b in blocks if isinstance(b.body[-1], ast.Return) and not b.orelse), None
    )
    if returning is None:
        return None
    # one whose result TRAIN's spec reads: a summary or a log moved out of TRAIN changes
    # nothing the comparison sees (the loss and the train_op)
    feeds = {id(s) for s in feeding(function, ("loss", "train_op"))}
    for block in blocks:
        if block.lineno > returning.lineno:
            break
        movable = [
            s
            for s in block.body
            if not isinstance(s, ast.Return) and _simple(s, lines) and id(s) in feeds
        ]
        if not movable:
            continue
        statement = movable[0]
        end = statement.end_lineno or statement.lineno
        moved = lines[statement.lineno - 1 : end]
        inner, outer = _indent(moved[0]), _indent(lines[returning.lineno - 1])
        moved = [outer + line[len(inner) :] if line.startswith(inner) else line for line in moved]
        after = returning.end_lineno or returning.lineno
        kept = lines[end:after]
        if kept and not kept[-1].endswith("\n"):  # the file's last line: no newline to end it
            kept[-1] += "\n"
        new = lines[: statement.lineno - 1] + [f"{inner}pass\n"] + kept + moved + lines[after:]
        what = f"line {statement.lineno}: `{ast.unparse(statement)[:60]}` moved out of TRAIN"
        return Mutant("move", "".join(new), what)
    return None


def mutants(source: str, function: Function) -> dict[str, Mutant | None]:
    """Every kind's variant of ``source`` (None where the kind has nothing to change)."""
    made = {"drop": drop(source, function), "constant": constant(source, function)}
    made["move"] = move(source, function)
    for kind, mutant in made.items():
        if mutant is not None:
            ast.parse(mutant.source)  # a variant that does not parse is a bug here
            if mutant.source == source:
                made[kind] = None
    return made
