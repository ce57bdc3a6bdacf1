"""The EstimatorSpecs a model_fn returns: which spec each return gives in each mode, which of its
fields that mode ignores (EF105), and the one-spec-per-mode split of a return (SPEC §4)."""

from __future__ import annotations

from typing import Optional

import libcst as cst

from codemods import statements as st
from codemods import tf_api
from codemods.model_fns import param_names
from codemods.modes.calls import CallFacts, Calls
from codemods.modes.context import Context
from codemods.modes.evaluate import MAYBE_NONE, NO_OP, Const, Value, attribute_key
from codemods.modes.forwarders import Forwarder, forwarder
from codemods.modes.state import Facts, SpecCall, State
from codemods.modes.units import SpecVariant, Unit
from codemods.rules import ef103_unused_metrics as ef103
from codemods.rules import ef105_one_spec_for_all_modes as ef105
from codemods.tf_api import spec_fields
from codemods.tree import children, walk
from codemods.vocabulary import ALL_MODES, MODE_ORDER, Mode, Tag, UnitKind

#: Why the return of a forwarding function is not split.
FORWARDED_NOTE = (
    "the spec is built by a function of the file that hands its arguments on to it: return "
    "one call of it per mode, each with that mode's fields"
)


def noneish(value: Value) -> bool:
    return value is MAYBE_NONE or (isinstance(value, Const) and value.value is None)


def _empty(value: Value) -> bool:
    """``{}``, ``[]``, ``()`` or ``tf.no_op()``: a field that holds nothing builds nothing."""
    if value is NO_OP:
        return True
    return isinstance(value, Const) and isinstance(value.value, (dict, list, tuple)) and (
        not value.value
    )


def _from_labels(node: cst.CSTNode, facts: Facts) -> bool:
    derived = (Tag.LABEL, Tag.HELPER_LABEL)
    return any(t in derived for name in st.reads(node) for t in facts.tags.get(name, ()))


def field_modes(name: str) -> frozenset[Mode]:
    """The modes whose Estimator reads spec field ``name``."""
    return tf_api.FIELD_MODES.get(name, ALL_MODES)


class Specs:
    """Judge the spec returns of one model_fn."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self._forwarders: dict[str, Optional[Forwarder]] = {}
        self._assigned: Optional[frozenset[str]] = None

    def spec_call(self, node: Optional[cst.BaseExpression]) -> Optional[SpecCall]:
        """``node`` as a call of a spec class, with the class's leaf name (or of one of the
        file's functions that hands its arguments on to one, with that function's name)."""
        if not isinstance(node, cst.Call):
            return None
        tf_name = self.ctx.resolve(node.func)
        func = node.func
        if tf_name is None:
            name = func.value if isinstance(func, cst.Name) else ""
            if self._forwarder(name) is not None:
                return node, name
            # ``tpu_lib.TPUEstimatorSpec`` where ``tpu_lib`` is bound by a version switch, or a
            # repository's ``CSEstimatorSpec``
            return (node, st.leaf_name(func)) if tf_api.spelled_spec(func) else None
        if not tf_api.is_estimator_spec(tf_name):
            return None
        return node, tf_name.rsplit(".", 1)[-1]

    def fields(self, call: cst.Call, leaf: str) -> Optional[list[tuple[str, cst.Arg]]]:
        """(field name, argument) pairs of a spec call (``spec_call``'s)."""
        forwarded = self._forwarder(leaf)
        return spec_fields(call, leaf) if forwarded is None else forwarded.arguments(call)

    def _forwarder(self, name: str) -> Optional[Forwarder]:
        if name not in self._forwarders:
            helper = self.ctx.fn.helpers.get(name)
            found = None if helper is None else forwarder(helper, self.ctx.resolve)
            self._forwarders[name] = found
        return self._forwarders[name]

    def returned(self, value: Optional[cst.BaseExpression], facts: Facts) -> list[SpecCall]:
        """The spec calls a return returns: directly, or through a name assigned from specs."""
        direct = self.spec_call(value)
        if direct is not None:
            return [direct]
        if (  # ``spec.as_estimator_spec()``: a TPU spec given as the spec it stands for
            isinstance(value, cst.Call)
            and isinstance(value.func, cst.Attribute)
            and value.func.attr.value == "as_estimator_spec"
            and not value.args
        ):
            return self.returned(value.func.value, facts)
        if isinstance(value, cst.Name):
            return list(facts.specs.get(value.value, []))
        return []

    def return_unit(
        self, stmt: cst.SimpleStatementLine, ret: cst.Return, state: State, live: frozenset[Mode]
    ) -> Unit:
        """The unit of a ``return``: a spec (with what each mode gets that it ignores, and its
        split when the spec is built right there) or another exit."""
        reads = frozenset(st.reads(stmt))
        unit = Unit(node=stmt, modes=live, kind=UnitKind.EXIT, reads=reads, terminates=live)
        if not any(self.returned(ret.value, state[mode]) for mode in live):
            return unit
        unit.kind = UnitKind.SPEC
        for mode in live:  # a field the mode ignores is no use of what it reads
            ignored = self.ignored_args(stmt, mode)
            if ignored:
                unit.use_reads[mode] = frozenset(st.reads_without(stmt, ignored))
                unit.use_nodes[mode] = st.without_args(stmt, ignored) or stmt
        unit.foreign = self.foreign(ret.value, state, live)
        direct = self.spec_call(ret.value)
        if direct is None or not unit.foreign:
            return unit
        call, leaf = direct
        fields = self.fields(call, leaf)
        if fields is None or not self.ctx.active(ef105.CODE, stmt):
            return unit
        if self._forwarder(leaf) is not None:
            unit.note = FORWARDED_NOTE
            return unit
        if Mode.PREDICT in live and "predictions" not in {name for name, _ in fields}:
            # PREDICT needs predictions: a split would hand it a spec as broken as before.
            unit.note = ef105.NO_PREDICTIONS_NOTE
            return unit
        unit.variants = split_spec(call, fields, live)
        return unit

    def idle_metrics(
        self,
        unit: Unit,
        value: Optional[cst.BaseExpression],
        state: State,
        calls: Calls,
        rebuild: bool = True,
    ) -> None:
        """The fields of the spec built right in ``value`` (returned, or bound to a name) that
        build metric ops although the modes reaching it outside PREDICT ignore them (TRAIN's
        ``eval_metric_ops``). When no mode reaching a returned one reads them (``rebuild``),
        the spec is given without them (one variant)."""
        direct = self.spec_call(value)
        if direct is None or not self.ctx.active(ef103.CODE, unit.node):
            return
        call, leaf = direct
        fields = self.fields(call, leaf)
        if fields is None or self._forwarder(leaf) is not None:
            return
        idle: list[str] = []
        where: set[Mode] = set()
        for name, arg in fields:
            blocked = [
                mode
                for mode in unit.modes
                if mode in ef103.POLICY.blocked_in
                and mode is not Mode.PREDICT  # EF105's: what PREDICT's spec makes it build
                and mode not in field_modes(name)
                and not _none_here(self.ctx.evaluator(state[mode].values).eval(arg.value))
                and _only_metrics(calls.facts(arg.value, state[mode]))
            ]
            if blocked:
                idle.append(name)
                where.update(blocked)
        if not idle:
            return
        unit.idle_metrics = (tuple(idle), frozenset(where))
        if rebuild and all(mode not in field_modes(name) for name in idle for mode in unit.modes):
            kept = [(n, a) for n, a in fields if n not in idle]
            reads = frozenset().union(*(st.reads(a.value) for _, a in kept)) | st.reads(call.func)
            new_call = _rebuild_call(call, fields, kept)
            unit.variants = [SpecVariant(modes=unit.modes, call=new_call, reads=reads)]

    def foreign(
        self, value: Optional[cst.BaseExpression], state: State, live: frozenset[Mode]
    ) -> dict[Mode, list[str]]:
        """Per mode, the fields of the spec returned that the mode ignores and that make it
        build or need what it should not (EF105's ``harmful``)."""
        foreign: dict[Mode, list[str]] = {}
        for mode in live:
            facts = state[mode]
            evaluator = self.ctx.evaluator(facts.values)
            names: list[str] = []
            for call, leaf in self.returned(value, facts):
                fields = self.fields(call, leaf) or _unpacked_fields(call, facts)
                if any(mode in field_modes(n) and self._unbound(a.value, facts) for n, a in fields):
                    continue  # it fails here on a field it reads, whatever the others hold
                for name, arg in fields:
                    if (
                        mode not in field_modes(name)
                        and name not in names
                        and not noneish(field := evaluator.eval(arg.value))
                        and not _empty(field)
                        and not self._set_elsewhere(arg.value, facts)
                        and ef105.harmful(name, mode, _from_labels(arg.value, facts))
                    ):
                        names.append(name)
            if names:
                foreign[mode] = names
        return foreign

    def _unbound(self, value: cst.BaseExpression, facts: Facts) -> bool:
        """A name the model_fn assigns only on other modes' paths (``loss`` set under ``if
        mode == TRAIN:``, handed to the spec EVAL also returns): unbound in this mode, which
        fails on it (a bug no rule names, and no split of the spec repairs)."""
        if self._assigned is None:  # not a parameter rebound somewhere: bound on entry
            node = self.ctx.fn.node
            self._assigned = _assigned_names(node.body) - set(param_names(node))
        return (
            isinstance(value, cst.Name)
            and value.value in self._assigned
            and value.value not in facts.values
            and value.value not in facts.tags
        )

    def _set_elsewhere(self, value: cst.BaseExpression, facts: Facts) -> bool:
        """``self.train_op`` of an object that carries the mode, set by code gated on the mode
        (a method given it), not by the model_fn on this mode's path (then its value is
        known here and judged like a name's)."""
        return self.ctx.carried(value) and attribute_key(value) not in facts.values

    def ignored_args(self, node: cst.CSTNode, mode: Mode) -> list[cst.Arg]:
        """Arguments of spec calls in ``node`` for fields ``mode`` does not read."""
        ignored: list[cst.Arg] = []
        for call in st.calls(node):
            spec = self.spec_call(call)
            if spec is None:
                continue
            for name, arg in self.fields(*spec) or []:
                if mode not in field_modes(name):
                    ignored.append(arg)
        return ignored

    def record_assigned(
        self, stmt: cst.BaseStatement, defs: frozenset[str], state: State, modes: frozenset[Mode]
    ) -> None:
        """Remember, per mode, the names ``stmt`` binds to spec calls (``spec = Spec(...)``)."""
        assigned: dict[str, list[SpecCall]] = {}
        for node in st.own_nodes_in_order(stmt):
            if isinstance(node, cst.Assign) and len(node.targets) == 1:
                target = node.targets[0].target
                spec = self.spec_call(node.value)
                if isinstance(target, cst.Name) and spec is not None:
                    assigned.setdefault(target.value, []).append(spec)
        rebound = st.rebinds(stmt)  # ``spec.cache = ...`` changes the spec, it keeps the name
        for mode in modes:
            for name in defs:
                if name in assigned:
                    state[mode].specs[name] = assigned[name]
                elif name in rebound:
                    state[mode].specs.pop(name, None)


def _unpacked_fields(call: cst.Call, facts: Facts) -> list[tuple[str, cst.Arg]]:
    """``Spec(**specs)`` where ``specs`` holds, in this mode, a dict display with string keys
    or ``dict(mode=..., loss=...)`` unchanged since: its keys and values as the spec's fields,
    with the fields given by keyword beside it (none where anything else hides them)."""
    fields: list[tuple[str, cst.Arg]] = []
    for arg in call.args:
        if arg.keyword is not None:
            fields.append((arg.keyword.value, arg))
            continue
        if arg.star != "**" or type(arg.value) is not cst.Name:
            return []
        display = facts.displays.get(arg.value.value)
        if type(display) is cst.Call:  # ``dict(mode=mode, loss=loss)``
            fields.extend((a.keyword.value, a) for a in display.args if a.keyword is not None)
        elif type(display) is cst.Dict:
            for element in display.elements:
                key = element.key if type(element) is cst.DictElement else None
                name = key.evaluated_value if type(key) is cst.SimpleString else None
                if not isinstance(name, str) or not name.isidentifier():
                    return []
                fields.append((name, cst.Arg(value=element.value, keyword=cst.Name(name))))
        else:
            return []
    return fields


def _assigned_names(body: cst.CSTNode) -> frozenset[str]:
    """The names an assignment in ``body`` binds (not those of nested functions)."""
    names: set[str] = set()
    stack = [body]
    while stack:
        node = stack.pop()
        if isinstance(node, (cst.FunctionDef, cst.ClassDef, cst.Lambda)) and node is not body:
            continue
        if isinstance(node, cst.AssignTarget):
            names |= {n.value for n in walk(node.target) if isinstance(n, cst.Name)}
        elif isinstance(node, (cst.AnnAssign, cst.AugAssign)) and isinstance(node.target, cst.Name):
            names.add(node.target.value)
        stack.extend(children(node))
    return frozenset(names)


def split_spec(
    call: cst.Call, fields: list[tuple[str, cst.Arg]], live: frozenset[Mode]
) -> list[SpecVariant]:
    """One spec per mode with only that mode's fields; identical variants merge."""
    variants: list[SpecVariant] = []
    for mode in MODE_ORDER:
        if mode not in live:
            continue
        kept = [(n, a) for n, a in fields if mode in field_modes(n)]
        new_call = _rebuild_call(call, fields, kept)
        for variant in variants:
            if variant.call.deep_equals(new_call):
                variant.modes = variant.modes | {mode}
                break
        else:
            reads = frozenset().union(*(st.reads(a.value) for _, a in kept)) | st.reads(call.func)
            variants.append(SpecVariant(modes=frozenset({mode}), call=new_call, reads=reads))
    return variants


def _none_here(field: Value) -> bool:
    """A field None or empty in a mode (``metric_fn(...) if mode == EVAL else None``): the
    mode builds nothing there."""
    return noneish(field) or _empty(field)


def _only_metrics(facts: CallFacts) -> bool:
    """What a spec field builds is metric ops and nothing a mode ignoring the field may still
    use: not a summary or a hook fed with them (a helper logging the training accuracy, a use
    in TRAIN), nor training machinery."""
    built = facts.tags | facts.built
    return Tag.METRIC in built and not facts.consumer and not built & {Tag.SUMMARY, Tag.TRAIN}


def _rebuild_call(
    call: cst.Call, fields: list[tuple[str, cst.Arg]], kept: list[tuple[str, cst.Arg]]
) -> cst.Call:
    kept_args = [arg for _, arg in kept]
    # A dropped positional argument shifts the ones after it: name those explicitly.
    args: list[cst.Arg] = []
    positional_ok = True
    for name, arg in fields:
        if arg not in kept_args:
            positional_ok = False
            continue
        if arg.keyword is None and not positional_ok:
            arg = arg.with_changes(
                keyword=cst.Name(name),
                equal=cst.AssignEqual(
                    whitespace_before=cst.SimpleWhitespace(""),
                    whitespace_after=cst.SimpleWhitespace(""),
                ),
            )
        args.append(arg)
    if args and fields:  # the last argument keeps the layout of the call's end
        last = fields[-1][1]
        args[-1] = args[-1].with_changes(
            comma=last.comma, whitespace_after_arg=last.whitespace_after_arg
        )
    return call.with_changes(args=args)
