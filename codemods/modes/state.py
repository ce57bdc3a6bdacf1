"""What one mode knows while the forward pass walks a model_fn: per name, what it carries (its
tags) and its value where a mode test can decide it; and how a statement changes that."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

import libcst as cst

from codemods import statements as st
from codemods import tf_api
from codemods.modes import attributes
from codemods.modes.arguments import parameter
from codemods.modes.context import Context
from codemods.modes.evaluate import MAYBE_NONE, UNKNOWN, ModeEvaluator, Value, attribute_key, truth
from codemods.modes.reach import own_method
from codemods.statements import calls, own_nodes, reads, rebinds
from codemods.vocabulary import Mode, Tag

#: A spec call a name may hold, with the leaf name of its class (``EstimatorSpec``).
SpecCall = tuple[cst.Call, str]


#: One pass of a loop over a display: what each name the loop binds holds, with its tags.
Row = dict[str, tuple[Value, frozenset[Tag]]]


@dataclass
class Loop:
    """A ``for`` over a display the model_fn built, inside its body: the passes (``rows``) a
    test in the body may still let through, for the ``names`` they still describe (a name the
    body rebinds leaves them)."""

    names: set[str]
    rows: list[Row]

    def copy(self) -> Loop:
        return Loop(set(self.names), list(self.rows))


@dataclass
class Facts:
    """What one mode knows about the names bound so far."""

    tags: dict[str, frozenset[Tag]] = field(default_factory=dict)
    values: dict[str, Value] = field(default_factory=dict)
    # ``spec = EstimatorSpec(...)``: the spec calls a name may hold.
    specs: dict[str, list[SpecCall]] = field(default_factory=dict)
    # ``head = LossLayer(...)``: names bound to an instance of one of the module's classes.
    instances: dict[str, str] = field(default_factory=dict)
    # ``d = {"inputs": features, "labels": labels}``: names bound to a display, unchanged since.
    displays: dict[str, cst.BaseExpression] = field(default_factory=dict)
    # The loops over displays whose body is being walked, innermost last.
    loops: list[Loop] = field(default_factory=list)
    # ``d[k]`` in ``for k, v in d.items()``: the name standing for the current element.
    items: dict[tuple[str, str], str] = field(default_factory=dict)
    # Names one of whose ways holds None: the tags of the other ways (``codemods.modes.presence``).
    present: dict[str, frozenset[Tag]] = field(default_factory=dict)

    def copy(self) -> Facts:
        return Facts(
            dict(self.tags),
            dict(self.values),
            dict(self.specs),
            dict(self.instances),
            dict(self.displays),
            [loop.copy() for loop in self.loops],
            dict(self.items),
            dict(self.present),
        )

    def forget(self, rebound: frozenset[str], changed: frozenset[str]) -> None:
        """Names ``rebound`` hold new values and those ``changed`` were changed in place: what
        was known of their displays, loop passes and elements no longer holds. A dict a loop
        goes over with ``items()`` can only have its values changed there (a new key stops
        the loop), each pass reading its own: its display stands for the passes to come."""
        iterated = {container for container, _ in self.items}
        for name in rebound | (changed - iterated):
            self.displays.pop(name, None)
        for loop in self.loops:
            loop.names -= rebound
        for (container, key), element in list(self.items.items()):
            if key in rebound or container in rebound:
                del self.items[(container, key)]
                self.tags.pop(element, None)


State = dict[Mode, Facts]


def join_into(entry: Facts, after: Facts) -> bool:
    """Widen ``entry`` by what ``after`` knows (tags joined; a value or a display that differs
    is no longer known); whether anything changed."""
    changed = False
    for name, tags in after.tags.items():
        known = entry.tags.get(name, frozenset())
        if not tags <= known:
            entry.tags[name] = known | tags
            entry.present.pop(name, None)
            changed = True
    for name, value in after.values.items():
        held = entry.values.get(name, UNKNOWN)
        if held is not UNKNOWN and held != value:
            entry.values[name] = UNKNOWN
            changed = True
    for name in list(entry.displays):
        if after.displays.get(name) is not entry.displays[name]:
            del entry.displays[name]
            changed = True
    return changed


def single_assign(stmt: cst.BaseStatement) -> Optional[tuple[str, cst.BaseExpression]]:
    """``name = value`` (or ``name: kind = value``) alone on its line: (name, value)."""
    if isinstance(stmt, cst.SimpleStatementLine) and len(stmt.body) == 1:
        small = stmt.body[0]
        if (
            isinstance(small, cst.Assign)
            and len(small.targets) == 1
            and isinstance(small.targets[0].target, cst.Name)
        ):
            return small.targets[0].target.value, small.value
        if (
            isinstance(small, cst.AnnAssign)
            and small.value is not None
            and isinstance(small.target, cst.Name)
        ):
            return small.target.value, small.value
    return None


def kills(stmt: cst.BaseStatement) -> frozenset[str]:
    """Names a plain assignment rebinds without reading their old value."""
    if isinstance(stmt, cst.SimpleStatementLine) and len(stmt.body) == 1:
        small = stmt.body[0]
        if isinstance(small, cst.Assign):
            names: set[str] = set()
            for target in small.targets:
                if isinstance(target.target, cst.Name):
                    names.add(target.target.value)
                elif isinstance(target.target, (cst.Tuple, cst.List)):
                    names |= {
                        el.value.value
                        for el in target.target.elements
                        if isinstance(el.value, cst.Name)
                    }
            return frozenset(names - reads(small.value))
        if (
            isinstance(small, cst.AnnAssign)
            and small.value is not None
            and isinstance(small.target, cst.Name)
        ):
            return frozenset({small.target.value} - reads(small.value))
    return frozenset()


class _ModeView(cst.CSTTransformer):
    """Keep, of each conditional expression and ``and``/``or`` the mode decides, the side that
    mode evaluates."""

    def __init__(
        self, ctx: Context, evaluator: ModeEvaluator, items: dict[tuple[str, str], str]
    ) -> None:
        super().__init__()
        self.ctx = ctx
        self.evaluator = evaluator
        self.items = items

    def leave_Subscript(
        self, original_node: cst.Subscript, updated_node: cst.Subscript
    ) -> cst.BaseExpression:
        element = self.items.get(subscript_key(original_node) or ("", ""))
        return updated_node if element is None else cst.Name(element)

    def leave_IfExp(
        self, original_node: cst.IfExp, updated_node: cst.IfExp
    ) -> cst.BaseExpression:
        test = truth(self.evaluator.eval(original_node.test))
        if test is None:
            return updated_node
        kept = updated_node.body if test else updated_node.orelse
        if truth(self.ctx.value_in(original_node.test, Mode.TRAIN)) is (not test):
            self.ctx.away_from_train.update((id(call), call) for call in calls(kept))
        return kept

    def leave_BooleanOperation(
        self, original_node: cst.BooleanOperation, updated_node: cst.BooleanOperation
    ) -> cst.BaseExpression:
        left = truth(self.evaluator.eval(original_node.left))
        if left is None:
            return updated_node
        # ``None or b`` is b; ``x and b`` with x false is x (never b) ...
        if left == isinstance(updated_node.operator, cst.Or):
            return updated_node.left
        return updated_node.right


def mode_view(ctx: Context, stmt: cst.BaseStatement, facts: Facts) -> cst.CSTNode:
    """``stmt`` as one mode runs it: of ``a if mode == TRAIN else b`` one side, of
    ``labels or default`` (labels None in PREDICT) the default."""
    if not isinstance(stmt, cst.SimpleStatementLine):
        return stmt
    return expression_view(ctx, stmt, facts)


def expression_view(ctx: Context, node: cst.CSTNode, facts: Facts) -> cst.CSTNode:
    """``node`` (a statement line, or a compound statement's test, iterable or context manager)
    as one mode evaluates it; ``d[k]`` in a loop over ``d.items()`` as the element it is."""
    if not facts.items and not _has_choice(node):
        return node
    viewed = node.visit(_ModeView(ctx, ctx.evaluator(facts.values), facts.items))
    return viewed if isinstance(viewed, cst.CSTNode) else node


_CHOICES = (cst.IfExp, cst.BooleanOperation)


def subscript_key(node: cst.BaseExpression) -> Optional[tuple[str, str]]:
    """``("d", "k")`` for ``d[k]`` (two names)."""
    if type(node) is not cst.Subscript or type(node.value) is not cst.Name:
        return None
    if len(node.slice) != 1 or type(node.slice[0].slice) is not cst.Index:
        return None
    key = node.slice[0].slice.value
    return (node.value.value, key.value) if type(key) is cst.Name else None


def _has_choice(node: cst.CSTNode) -> bool:
    return type(node) in _CHOICES or any(type(n) in _CHOICES for n in own_nodes(node))


def bind(
    ctx: Context,
    stmt: cst.BaseStatement,
    defs: frozenset[str],
    tags: frozenset[Tag],
    facts: Facts,
    mode_aware: bool,
    mode: Mode,
    through: frozenset[Tag] = frozenset(),
) -> None:
    """Record what the names ``stmt`` defines carry after it, in ``mode``. A mode-aware
    helper's results may be None (it gates itself). ``through``: what the statement carries
    only because of the object it stores into (``self.w = tf.Variable(...)`` after
    ``self.labels = labels``); that object gets none of it again, the attribute none at all."""
    value: Value = MAYBE_NONE if mode_aware else UNKNOWN
    single = single_assign(stmt)
    # ``loss, train_op = None, None``: each name its own value, read before any is bound.
    evaluator = ctx.evaluator(facts.values)
    pairs = [] if mode_aware else _unpacked_pairs(stmt)
    unpacked = {n: evaluator.eval(e) for n, e in pairs}
    # ``series, kind = features, labels``: each name carries what its own element does (an
    # element that calls nothing carries only what the names it reads carry)
    own_tags = {
        n: frozenset().union(*(facts.tags.get(r, frozenset()) for r in reads(e)))
        for n, e in pairs
        if not any(True for _ in calls(e))
    }
    noted = None if mode_aware else _note_names(ctx, stmt, single, unpacked, facts, mode)
    value = value if noted is None else noted
    _store_mode_value(ctx, stmt, evaluator, facts, mode)
    _store_through_method(ctx, stmt, evaluator, facts, mode)
    mutated = defs - kills(stmt)
    rebound = frozenset(rebinds(stmt)) & defs
    _track_elements(stmt, defs, tags, facts)
    facts.forget(rebound, defs - rebound)
    for key in [k for k in facts.values if k.partition(".")[0] in rebound and "." in k]:
        del facts.values[key]  # ``cfg = Config()``: what was stored on the old ``cfg`` is gone
    for name in defs:
        facts.instances.pop(name, None)
    if single is not None:  # ``head = LossLayer(...)``, in this mode
        target, expr = single
        func = expr.func if isinstance(expr, cst.Call) else None
        if type(func) is cst.Name and func.value in ctx.fn.classes:
            facts.instances[target] = func.value
        if type(expr) in _DISPLAYS or _keywords_dict(expr):
            facts.displays[target] = expr
    stores = _attribute_stores(stmt, facts)
    for name in defs:
        facts.present.pop(name, None)
        carried = own_tags.get(name, tags)
        if name in mutated:
            facts.tags[name] = facts.tags.get(name, frozenset()) | carried
        else:
            facts.tags[name] = carried
        mine = [(attribute, held) for (owner, attribute), held in stores if owner == name]
        for attribute, held in mine:  # each attribute what its own value carries
            held = carried - through if held is None else held
            attributes.record(facts.tags, name, held, attribute, False)
        if not mine:  # what reached it only through itself reaches it no other way
            held = carried - through if name in mutated else carried
            attributes.record(facts.tags, name, held, None, name not in mutated)
        facts.values[name] = value if single is not None else (
            MAYBE_NONE if mode_aware else UNKNOWN
        )
    facts.values.update(unpacked)


def _note_names(
    ctx: Context,
    stmt: cst.BaseStatement,
    single: Optional[tuple[str, cst.BaseExpression]],
    unpacked: dict[str, Value],
    facts: Facts,
    mode: Mode,
) -> Optional[Value]:
    """The value of ``name = value`` in ``mode`` (None for any other statement), with what the
    names it binds are beyond their values noted (``_note_name``): the one name, or each of
    ``is_training = is_train = mode == TRAIN``."""
    if single is not None:
        value = ctx.evaluator(facts.values).eval(single[1])
        _note_name(ctx, single[0], single[1], value, mode)
        return value
    chained = _chained_names(stmt)
    if chained is not None:
        names, expr = chained
        for target in names:
            _note_name(ctx, target, expr, unpacked[target], mode)
    return None


def _note_name(
    ctx: Context, target: str, expr: cst.BaseExpression, value: Value, mode: Mode
) -> None:
    """What a name bound to ``expr`` (``value`` in ``mode``) is beyond its value: a mode flag, an
    instance of a class of the file."""
    # A flag is a value the mode decides (``is_training = mode == TRAIN``); a tensor merely
    # built under a mode test (``dropout(..., training=...)``) is not one.
    if value is not UNKNOWN and ctx.reads_mode(expr):
        ctx.mode_flags.add(target)
        ctx.flag_values.setdefault(target, {})[mode] = value
    _track_objects(ctx, target, expr)


def _attribute_stores(
    stmt: cst.BaseStatement, facts: Facts
) -> list[tuple[tuple[str, str], Optional[frozenset[Tag]]]]:
    """The attributes ``stmt`` stores into, each with what its value carries where that is
    known apart (None: what the statement carries): ``obj.attr = value``, or ``self.features,
    self.labels = features, labels``, two stores of values already built, each carrying its
    own element's (the labels go to ``self.labels`` only)."""
    store = _attribute_store(stmt)
    attribute = attributes.stored_attribute(store[0] if store is not None else None)
    if attribute is not None:
        return [(attribute, None)]
    call = st.lone_call(stmt)
    named = st.setattr_store(call) if call is not None else None
    if named is not None and named[1] is not None:  # ``setattr(self, "logits", logits)``
        return [((named[0], named[1]), None)]
    found: list[tuple[tuple[str, str], Optional[frozenset[Tag]]]] = []
    for target, element in _paired_elements(stmt):
        pair = attributes.stored_attribute(attribute_key(target))
        if pair is None or any(True for _ in calls(element)):
            return []  # not only stores of values already built: judged whole
        held = frozenset().union(*(facts.tags.get(r, frozenset()) for r in reads(element)))
        found.append((pair, held))
    return found


def _attribute_store(stmt: cst.BaseStatement) -> Optional[tuple[str, cst.BaseExpression]]:
    """``obj.attr = value`` alone on its line: the attribute's key and the value stored."""
    if not (isinstance(stmt, cst.SimpleStatementLine) and len(stmt.body) == 1):
        return None
    small = stmt.body[0]
    if not (isinstance(small, cst.Assign) and len(small.targets) == 1):
        return None
    key = attribute_key(small.targets[0].target)
    return None if key is None else (key, small.value)


def _hold(
    ctx: Context, facts: Facts, mode: Mode, key: str, expr: cst.BaseExpression, value: Value
) -> bool:
    """The attribute ``key`` holds ``value`` (``expr``'s in this mode), a mode flag where the
    mode decides it; whether it is one."""
    flag = value is not UNKNOWN and ctx.reads_mode(expr)
    if flag:
        ctx.mode_flags.add(key)
        ctx.flag_values.setdefault(key, {})[mode] = value
    facts.values[key] = value
    return flag


def _store_mode_value(
    ctx: Context, stmt: cst.BaseStatement, evaluator: ModeEvaluator, facts: Facts, mode: Mode
) -> None:
    """``self.mode = mode``: the attribute holds this mode's value, read like a mode flag
    (``if self.mode == TRAIN:``); any other value stored there is not known."""
    for key, expr in _attribute_values(stmt):
        _hold(ctx, facts, mode, key, expr, evaluator.eval(expr))


def _attribute_values(stmt: cst.BaseStatement) -> list[tuple[str, cst.BaseExpression]]:
    """The attributes an assignment alone on its line stores its value into, each with that
    value: ``obj.attr = value``, ``self.loss = self.train_op = None``, ``self.op: Op = None``."""
    if not (isinstance(stmt, cst.SimpleStatementLine) and len(stmt.body) == 1):
        return []
    small = stmt.body[0]
    if isinstance(small, cst.AnnAssign) and small.value is not None:
        targets, value = [small.target], small.value
    elif isinstance(small, cst.Assign):
        targets, value = [t.target for t in small.targets], small.value
    else:
        return []
    keys = [attribute_key(target) for target in targets]
    return [(key, value) for key in keys if key is not None]


def _store_through_method(
    ctx: Context, stmt: cst.BaseStatement, evaluator: ModeEvaluator, facts: Facts, mode: Mode
) -> None:
    """``self.remember(features, labels, mode)``, a method of the model_fn's class whose body
    stores its parameters (``self.mode = mode``): each attribute holds what the call handed that
    parameter, read as ``_store_mode_value`` reads a store in the model_fn itself."""
    if not (isinstance(stmt, cst.SimpleStatementLine) and len(stmt.body) == 1):
        return
    small = stmt.body[0]
    call = small.value if isinstance(small, cst.Expr) else None
    if not isinstance(call, cst.Call) or not isinstance(call.func, cst.Attribute):
        return
    method = own_method(call, ctx.fn)
    if method is None or any(arg.star for arg in call.args):
        return
    handed = {
        name: arg.value
        for index, arg in enumerate(call.args)
        if (name := parameter(method, index + 1, arg)) is not None
    }
    for inner in st.statements_of(method.body):
        store = _attribute_store(inner)
        if store is None or not store[0].startswith("self.") or type(store[1]) is not cst.Name:
            continue
        given = handed.get(cst.ensure_type(store[1], cst.Name).value)
        if given is not None and _hold(ctx, facts, mode, store[0], given, evaluator.eval(given)):
            ctx.carry("self", given)


def _unpacked_pairs(stmt: cst.BaseStatement) -> list[tuple[str, cst.BaseExpression]]:
    """``a, b = x, y`` alone on its line: [(a, x), (b, y)] (names and plain elements only);
    ``a = b = x``: [(a, x), (b, x)] - each name is given the one value."""
    chained = _chained_names(stmt)
    if chained is not None:
        names, value = chained
        return [(name, value) for name in names]
    pairs = _paired_elements(stmt)
    if not all(type(target) is cst.Name for target, _ in pairs):
        return []
    return [(cst.ensure_type(target, cst.Name).value, e) for target, e in pairs]


def _chained_names(stmt: cst.BaseStatement) -> Optional[tuple[list[str], cst.BaseExpression]]:
    """``loss = train_op = None`` alone on its line (two targets or more, each a name): the
    names and the value."""
    if not (isinstance(stmt, cst.SimpleStatementLine) and len(stmt.body) == 1):
        return None
    small = stmt.body[0]
    if not (isinstance(small, cst.Assign) and len(small.targets) > 1):
        return None
    targets = [t.target for t in small.targets]
    if not all(type(target) is cst.Name for target in targets):
        return None
    return [cst.ensure_type(t, cst.Name).value for t in targets], small.value


def _paired_elements(
    stmt: cst.BaseStatement,
) -> list[tuple[cst.BaseExpression, cst.BaseExpression]]:
    """``a, b = x, y`` (or ``self.a, self.b = x, y``) alone on its line: each target with the
    element it is given (plain elements only, as many on each side)."""
    if not (isinstance(stmt, cst.SimpleStatementLine) and len(stmt.body) == 1):
        return []
    small = stmt.body[0]
    if not (isinstance(small, cst.Assign) and len(small.targets) == 1):
        return []
    target, value = small.targets[0].target, small.value
    if not (isinstance(target, (cst.Tuple, cst.List)) and isinstance(value, (cst.Tuple, cst.List))):
        return []
    targets = [el.value for el in target.elements if type(el) is cst.Element]
    exprs = [el.value for el in value.elements if type(el) is cst.Element]
    if len(targets) != len(target.elements) or len(exprs) != len(value.elements):
        return []
    return list(zip(targets, exprs)) if len(targets) == len(exprs) else []


_DISPLAYS = (cst.Dict, cst.List, cst.Tuple)


def _keywords_dict(expr: cst.BaseExpression) -> bool:
    """``dict(mode=mode, loss=loss)``: a dict whose keys its keywords spell (a display too)."""
    return (
        type(expr) is cst.Call
        and type(expr.func) is cst.Name
        and expr.func.value == "dict"
        and bool(expr.args)
        and all(arg.keyword is not None and not arg.star for arg in expr.args)
    )


def _track_elements(
    stmt: cst.BaseStatement, defs: frozenset[str], tags: frozenset[Tag], facts: Facts
) -> None:
    """``d[k] = value`` in a loop over ``d.items()`` gives the current element ``tags``; any
    other change of ``d`` may reach it too."""
    if not facts.items or not isinstance(stmt, cst.SimpleStatementLine):
        return
    for small in stmt.body:
        targets = [t.target for t in small.targets] if isinstance(small, cst.Assign) else []
        for target in targets:
            element = facts.items.get(subscript_key(target) or ("", ""))
            if element is not None:
                facts.tags[element] = tags
                facts.values[element] = UNKNOWN
                return
    for (container, _), element in facts.items.items():
        if container in defs:
            facts.tags[element] = facts.tags.get(element, frozenset()) | tags


def _track_objects(ctx: Context, target: str, expr: cst.BaseExpression) -> None:
    if isinstance(expr, cst.Call):
        tf_name = ctx.resolve(expr.func)
        # A layer class (``Dense``), not a layer function: calling the object builds.
        leaf = (tf_name or "").rsplit(".", 1)[-1]
        if tf_name is not None and tf_api.is_layer(tf_name) and leaf[:1].isupper():
            ctx.layer_objects.add(target)


def test_by_mode(
    ctx: Context, test: cst.BaseExpression, state: State, live: frozenset[Mode]
) -> dict[Mode, Optional[bool]]:
    """The truth of ``test`` in each live mode (None where a mode cannot decide it)."""
    return {mode: truth(ctx.evaluator(state[mode].values).eval(test)) for mode in live}
