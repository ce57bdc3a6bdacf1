"""Judging one statement in one mode: what it builds and reads, which rules it breaks, what
it binds for the statements after it."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from collections.abc import Set as AbstractSet
from typing import Optional

import libcst as cst

from codemods import statements as st
from codemods.model_fns import lineage
from codemods.modes import attributes, presence
from codemods.modes import graph_collections as collections
from codemods.modes.calls import CallFacts, Calls, is_none_literal
from codemods.modes.context import Context
from codemods.modes.evaluate import UNKNOWN, Const
from codemods.modes.on_none import looks_into
from codemods.modes.passthrough import unpacked_targets
from codemods.modes.policy import words
from codemods.modes.results import Results, library_results
from codemods.modes.shapes import reads_only_metadata, reads_only_shapes
from codemods.modes.specs import Specs, noneish
from codemods.modes.state import Facts, bind, expression_view, mode_view, single_assign
from codemods.modes.units import Unit, leaves
from codemods.modes.view import (
    View,
    builds_nothing,
    computes_nothing,
    iterates,
    only_checks,
    only_logs,
    stored_receiver,
)
from codemods.rules import ef101_labels_in_predict as ef101
from codemods.rules import ef102_training_outside_train as ef102
from codemods.rules import ef103_unused_metrics as ef103
from codemods.vocabulary import Mode, Tag

#: What reading a value's metadata (``labels.shape``) still carries: PREDICT's labels are
#: None, which has none.
_FAILS_ON_NONE = frozenset({Tag.LABEL, Tag.HELPER_LABEL})


def _assigns_nothing(stmt: cst.CSTNode) -> bool:
    """``x = None`` or ``a = b = None`` alone on its line, or an op that does nothing
    (``train_op = tf.no_op()``: no more a train op than None is)."""
    if isinstance(stmt, cst.SimpleStatementLine) and len(stmt.body) == 1:
        small = stmt.body[0]
        if isinstance(small, (cst.Assign, cst.AnnAssign)) and small.value is not None:
            return is_none_literal(small.value) or builds_nothing(small.value)
    return False


def _stored_into(view: cst.CSTNode) -> set[str]:
    """``optimizer.iterations = step``, ``d[k] = value`` or ``d.update(other)``: the objects
    written into that the statement reads nowhere else; storing into an object builds nothing
    from it (the object then carries what was stored), though it must stay with the object."""
    if not (isinstance(view, cst.SimpleStatementLine) and len(view.body) == 1):
        return set()
    small = view.body[0]
    receiver = stored_receiver(small)  # ``inputs.update(features)``, ``parts.append(x)``
    if receiver is not None:
        call = cst.ensure_type(cst.ensure_type(small, cst.Expr).value, cst.Call)
        args = call.args[1:] if st.setattr_store(call) is not None else call.args
        return {receiver} - set().union(*(st.reads(arg.value) for arg in args))
    if isinstance(small, cst.Expr):
        return set()
    if not isinstance(small, cst.Assign):
        return set()
    bases: set[str] = set()
    others = st.reads(small.value)
    for target in (t.target for t in small.targets):
        if isinstance(target, (cst.Attribute, cst.Subscript)) and isinstance(
            target.value, cst.Name
        ):
            bases.add(target.value.value)
            if isinstance(target, cst.Subscript):
                others |= set().union(*(st.reads(part) for part in target.slice))
        else:
            others |= st.reads(target)
    return bases - others


def _put_names(view: cst.CSTNode) -> list[cst.Name]:
    """The names a store (a statement ``_stored_into`` finds an object for) puts, as they are,
    into that object as elements of a display (``labels`` of ``params.update({"tgt":
    labels})`` or ``d[k] = [x, labels]``): the object holds them, nothing is computed from
    them."""
    small = view.body[0] if isinstance(view, cst.SimpleStatementLine) else None
    if isinstance(small, cst.Expr):  # a store only where ``stored_receiver`` found one
        values = [arg.value for arg in cst.ensure_type(small.value, cst.Call).args]
    elif isinstance(small, cst.Assign):
        values = [small.value]
    else:
        return []
    return [name for value in values for name in _display_names(value)]


def _display_names(node: cst.BaseExpression) -> Iterator[cst.Name]:
    """The names that are elements (or dict values) of the display ``node``, nested ones too."""
    if isinstance(node, (cst.List, cst.Tuple, cst.Set)):
        values = [el.value for el in node.elements if isinstance(el, cst.Element)]
    elif isinstance(node, cst.Dict):
        values = [el.value for el in node.elements if isinstance(el, cst.DictElement)]
    else:
        return
    for value in values:
        if isinstance(value, cst.Name):
            yield value
        else:
            yield from _display_names(value)


def _stored_before(
    unit: Unit, view: cst.CSTNode, facts: Facts, mode: Mode
) -> dict[str, Optional[frozenset[Tag]]]:
    """In PREDICT, of a statement failing on the None labels there, what the objects it stores
    into carried before it (``features.update(labels)``)."""
    if not (mode is Mode.PREDICT and unit.fails_on_none_labels):
        return {}
    return {name: facts.tags.get(name) for name in _stored_into(view)}


def _restore(facts: Facts, kept: Mapping[str, Optional[frozenset[Tag]]]) -> None:
    for name, before in kept.items():
        if before is None:
            facts.tags.pop(name, None)
        else:
            facts.tags[name] = before


def _retag(facts: Facts, traced: dict[str, bool], guarded: bool, mode: Mode) -> None:
    """The results of an in-file helper carry labels one by one: those it computes from the
    labels it is handed do, the others do not. Where it tests them against None or is given
    the mode (``guarded``), what it computes from them is None in PREDICT, as the labels are
    there; anything else a result holds there is computed without them (``return
    features[key]`` before ``if labels is not None: return labels``), so a later test that
    rules None out (``if y is None: y = zeros``) leaves no labels in it (``presence``)."""
    for name, labelled in traced.items():
        if labelled:
            tags = facts.tags.get(name, frozenset())
            facts.tags[name] = tags | {Tag.LABEL}
            if guarded and mode is Mode.PREDICT:
                facts.present[name] = tags - {Tag.LABEL}
        elif not guarded:
            facts.tags[name] = facts.tags.get(name, frozenset()) - {Tag.LABEL}


def _computed_anyway(
    facts: Facts, traced: dict[str, bool], calls: CallFacts, view: cst.CSTNode, tags: set[Tag]
) -> None:
    """A helper given the mode that uses the labels whatever the mode: the results it computes
    from them are no None of its choosing. So is the one result of a helper it cannot read,
    handed labels and a mode value that does not tell PREDICT from EVAL (``loss =
    self.loss(logits, labels)`` on an object that keeps ``mode == TRAIN``)."""
    if not calls.mode_aware or Tag.LABEL in calls.gates:
        return
    for name in (name for name, labelled in traced.items() if labelled):
        facts.values[name] = UNKNOWN
    single = single_assign(view) if isinstance(view, cst.BaseStatement) else None
    if not traced and single is not None and tags & {Tag.LABEL, Tag.HELPER_LABEL}:
        facts.values[single[0]] = UNKNOWN


def _carrying(traced: Optional[dict[str, bool]]) -> Optional[frozenset[str]]:
    """The names bound to results that carry a tag, when only some do."""
    carrying = frozenset(name for name, carries in (traced or {}).items() if carries)
    return carrying if carrying and traced and len(carrying) < len(traced) else None


def _mixed(view: cst.CSTNode, traced: dict[str, bool]) -> Optional[tuple[str, frozenset[str]]]:
    """The helper ``view`` calls and the names bound to its label-free results, when it also
    gives label-derived ones (BERT's ``create_model``: the loss and the logits): PREDICT cannot
    have the latter without splitting the helper."""
    unpacked = unpacked_targets(view)
    free = frozenset(name for name, labelled in traced.items() if not labelled)
    if unpacked is None or not free or len(free) == len(traced):
        return None
    return st.code_of(unpacked[1].func), free


class Judge:
    """Judges statements for ``Analyzer`` under the context's policies."""

    def __init__(self, ctx: Context, calls: Calls, specs: Specs) -> None:
        self.ctx = ctx
        self.calls = calls
        self.specs = specs
        self.results = Results(calls)

    def __call__(self, unit: Unit, facts: Facts, mode: Mode, definition: bool) -> None:
        """Judge ``unit`` in one mode: what it builds, which rules it breaks, what it binds."""
        stmt = unit.node
        view = mode_view(self.ctx, stmt, facts)
        calls = CallFacts() if definition else self.calls.facts(view, facts)
        unit.creates_vars |= calls.creates_vars
        unit.autonamed |= calls.autonamed
        unit.seeds |= calls.seeds
        unit.never_move |= calls.never_move
        tags = set(calls.tags) | self._defined_tags(unit, view, calls)
        incidental = Tag.SUMMARY in tags and self._summary_incidental(view, facts)
        if incidental:
            tags.discard(Tag.SUMMARY)
        own = set(tags)
        builds_training = Tag.TRAIN in own | calls.built
        read: set[Tag] = set()
        through: frozenset[Tag] = frozenset()
        if not definition:
            gated = calls.gated_args
            read, into, put = self._read_tags(
                unit, view, mode, facts, gated, calls.gated_receivers
            )
            tags |= read
            own, tags = set(tags), tags | into | put
            through = frozenset(into - own - put)
        if mode is Mode.PREDICT and calls.opaque and not self._labels_fail_first(calls, facts):
            unit.opaque_label = self.calls.opaque_with_labels(
                view, calls.opaque, facts, unit.changes
            )
        judged = View(self.ctx, stmt, mode, unit.modes, facts, calls)
        self._gathered_labels(unit, judged, tags)
        if unit.parts:  # judged by its header and by its parts, each where it runs
            self._judge_compound(unit, facts, judged)
        else:
            unit.blocked[mode] = self._blocked(unit, tags | calls.built, judged, view)
            unit.if_helper_label |= self._as_labels(unit, tags | calls.built, judged, view)
            # a store that fails on PREDICT's None labels is a finding of its own there
            failing = mode is Mode.PREDICT and unit.fails_on_none_labels
            if (
                unit.blocked[mode]
                and not definition
                and not failing
                and not self._blocked(unit, own | calls.built, judged, view)
                and not (mode is Mode.PREDICT and unit.opaque_label)
            ):  # only through the object it stores into: it goes where that goes, no finding
                unit.stores_into.add(mode)
            if incidental:
                unit.for_value[mode] = self._blocked(unit, {Tag.SUMMARY}, judged, view)
            if not failing and _goes_with_its_values(unit.blocked[mode], judged, calls):
                unit.stores_into.add(mode)
        unit.excusable[mode] = self._excusable(mode, builds_training)
        if mode is Mode.PREDICT and unit.opaque_label is not None and self._outranks_ef106(
            unit.blocked[mode]
        ):
            unit.opaque_label = None  # a training op (or metric, summary) the helper builds
        if mode is Mode.PREDICT and unit.opaque_label is not None and Tag.LABEL in tags:
            tags.discard(Tag.LABEL)  # reported once, as EF106, not again at every reader
            tags.add(Tag.HELPER_LABEL)
        if definition:
            bind(self.ctx, stmt, unit.defs, frozenset(tags), facts, calls.mode_aware, mode)
        else:
            self._bind_results(unit, view, facts, calls, tags, mode, read, through)

    @staticmethod
    def _gathered_labels(unit: Unit, judged: View, tags: AbstractSet[Tag]) -> None:
        """In PREDICT, whether a statement that only regroups gathers the labels, None there."""
        if judged.mode is Mode.PREDICT and unit.quiet and Tag.LABEL in tags:
            unit.gathers_none_labels = judged.labels_only_as_none
            # ``[labels["a"], labels["b"]]`` regroups, but looks into the None labels: it fails
            unit.fails_on_none_labels = judged.labels_none and judged.looks_into_labels

    def _excusable(self, mode: Mode, builds_training: bool) -> frozenset[str]:
        """The rule codes whose findings a use of the statement in ``mode`` excuses: a
        policy's (a training metric in TRAIN), and EF102 where the statement computes from a
        training value without building one - where the mode uses what it computes for its
        own ends (EVAL's loss with a gradient-norm penalty), the finding is the statement that
        builds the training op."""
        excusable = {p.code for p in self.ctx.policies if mode in p.used_in}
        if not builds_training:
            excusable.add(ef102.CODE)
        return frozenset(excusable)

    def _as_labels(
        self, unit: Unit, tags: AbstractSet[Tag], judged: View, seen: cst.CSTNode
    ) -> frozenset[str]:
        """In PREDICT, the rules the statement would break were the results it reads of a
        helper handed labels label code (``helper_labels``)."""
        if judged.mode is not Mode.PREDICT or Tag.HELPER_LABEL not in tags:
            return frozenset()
        as_labels = (set(tags) - {Tag.HELPER_LABEL}) | {Tag.LABEL}
        return self._blocked(unit, as_labels, judged, seen)

    def _label_sizes(self, view: cst.CSTNode, facts: Facts) -> bool:
        """Whether ``view`` reads the label-derived values it reads only for their shape."""
        labelled = {n for n in st.reads(view) if Tag.LABEL in facts.tags.get(n, frozenset())}
        return reads_only_shapes(view, labelled, self.ctx.resolve)

    def _judge_compound(self, unit: Unit, facts: Facts, judged: View) -> None:
        """A compound statement in the view's mode: what its header breaks and its parts do."""
        mode, stmt = judged.mode, unit.node
        parts = list(leaves(unit.parts))
        header_tags = self.header_tags(stmt, facts)
        header = self._blocked(unit, header_tags, judged, stmt)
        unit.header_blocked[mode] = header
        if mode is Mode.PREDICT:
            unit.header_fails_on_none_labels = any(
                isinstance(expr, cst.BaseExpression)
                and self._fails_on_none_labels(expr, facts, surely=True)
                for expr in st.headers(stmt)
            )
        unit.if_helper_label |= self._as_labels(unit, header_tags, judged, stmt)
        unit.blocked[mode] = header.union(*(p.blocked.get(mode, frozenset()) for p in parts))
        unit.for_value[mode] = frozenset().union(
            *(p.for_value.get(mode, frozenset()) for p in parts)
        )
        if mode is Mode.PREDICT:
            unit.opaque_label = next((p.opaque_label for p in parts if p.opaque_label), None)

    def _bind_results(
        self,
        unit: Unit,
        view: cst.CSTNode,
        facts: Facts,
        calls: CallFacts,
        tags: set[Tag],
        mode: Mode,
        read: set[Tag],
        through: frozenset[Tag],
    ) -> None:
        """Bind what ``unit`` defines, an in-file helper's results one by one: labels go
        only with the results computed from them, a metric or a training op only with the
        results that are one (unless the statement also reads one). A compound statement's
        names (a loop's target) do not hold the summaries its body writes. What a statement
        failing on PREDICT's None labels stores in place (``features.update(labels)``) never
        happens there (it fails, or the fix skips it in PREDICT): the object keeps what it
        carried."""
        kept = _stored_before(unit, view, facts, mode)
        if unit.parts:
            tags = tags - {Tag.SUMMARY}
        traced = None
        if not (mode is Mode.PREDICT and unit.opaque_label):
            traced = self._traced_results(view, facts, calls, tags)
        if mode is Mode.PREDICT and traced and Tag.LABEL not in calls.gates:
            unit.mixed_helper = _mixed(view, traced)
        if traced is None and Tag.LABEL in tags:
            traced = library_results(view, facts)  # no helper: known result by result
        if Tag.METRIC in calls.tags:
            unit.metric_defs = _carrying(self.results.built(view, facts, Tag.METRIC))
        trained = None
        if Tag.TRAIN in calls.tags and Tag.TRAIN not in read:
            trained = self.results.built(view, facts, Tag.TRAIN) or self._named_results(
                view, Tag.TRAIN
            )
        summaries = None  # of a helper returning a summary op and other values, the others
        if Tag.SUMMARY in tags and Tag.SUMMARY not in read:
            summaries = self.results.built(view, facts, Tag.SUMMARY)
        # the sizes of the labels: the statement reads labels, its results are sizes
        sizes = Tag.LABEL in tags - calls.tags and self._label_sizes(view, facts)
        label_sizes = dict.fromkeys(unit.defs, False) if sizes else None
        bind(
            self.ctx, unit.node, unit.defs, frozenset(tags), facts, calls.mode_aware, mode, through
        )
        _retag(facts, traced or {}, Tag.LABEL in calls.gates, mode)
        _computed_anyway(facts, traced or {}, calls, unit.node, tags)
        dropped = ((Tag.TRAIN, trained), (Tag.SUMMARY, summaries), (Tag.LABEL, label_sizes))
        for tag, results in dropped:
            for name, built in (results or {}).items():
                if not built:
                    facts.tags[name] = facts.tags.get(name, frozenset()) - {tag}
        for key, value in collections.stores(view, self.ctx.resolve, self._helper_of(facts)):
            held = collections.key_name(key)
            put = set().union(*(facts.tags.get(n, frozenset()) for n in st.value_reads(value)))
            facts.tags[held] = facts.tags.get(held, frozenset()) | put
        _restore(facts, kept)

    def _summary_incidental(self, view: cst.CSTNode, facts: Facts) -> bool:
        """``embeddings = get_embeddings(params)`` where the in-file helper writes a summary of
        what it gives back (a variable's histogram) and returns no summary: the statement is
        for the value; the summary is the helper's own business (it cannot move out of PREDICT
        without the value), so the statement builds no summary as EF104 reads it, and the
        names it binds hold no summary. A helper called for its summary alone
        (``image_summary(x)``) or one returning the summary op still is one."""
        results = self.results.built(view, facts, Tag.SUMMARY)
        return results is not None and bool(results) and not any(results.values())

    def _named_results(self, view: cst.CSTNode, tag: Tag) -> Optional[dict[str, bool]]:
        """For results of a helper the analysis cannot see into unpacked into names (``train_op,
        learning_rate, _ = get_train_op(...)``): where some result is named for what the tag's
        policy watches, only those carry it; the others (a learning rate, a count) are values
        it also gives. None where no result is so named."""
        unpacked = unpacked_targets(view)
        if unpacked is None or len(unpacked[0]) < 2:
            return None
        watched = frozenset().union(*(p.defines for p in self.ctx.policies if p.tag is tag))
        head = ef102.names_training_value if tag is Tag.TRAIN else (lambda _: False)
        named = {
            name: name in watched or head(words(name))
            for name in unpacked[0]
            if name is not None
        }
        return named if any(named.values()) else None

    def _traced_results(
        self, view: cst.CSTNode, facts: Facts, calls: CallFacts, tags: set[Tag]
    ) -> Optional[dict[str, bool]]:
        """Per name bound to a result of an in-file helper, whether it carries labels."""
        if Tag.LABEL in calls.tags or Tag.LABEL not in tags | calls.gates:
            return None
        return self.results.labels(view, facts)

    def _outranks_ef106(self, codes: frozenset[str]) -> bool:
        """Whether ``codes`` hold a rule more specific than labels in PREDICT (the helper
        builds a train op, a metric or a summary there): that names the finding, not EF106."""
        label = next((p.priority for p in self.ctx.policies if p.tag is Tag.LABEL), None)
        return label is not None and any(
            p.priority < label for p in self.ctx.policies if p.code in codes
        )

    def header_tags(self, stmt: cst.BaseStatement, facts: Facts) -> frozenset[Tag]:
        """What a compound statement's own header (tests, iterables, context managers) builds
        or reads, as the mode evaluates it (``not labels and ...`` is decided where labels are
        None)."""
        tags: set[Tag] = set()
        for header in st.headers(stmt):
            expr = expression_view(self.ctx, header, facts)
            tags |= self.calls.facts(expr, facts).tags
            if isinstance(stmt, cst.For) and iterates(expr, self.ctx.names):
                # the body's names carry what it reads (``loops.enter``); but looking into
                # PREDICT's None labels to iterate them (``labels.items()``) fails first
                if isinstance(expr, cst.BaseExpression) and self._fails_on_none_labels(
                    expr, facts, surely=True
                ):
                    tags.add(Tag.LABEL)
                continue
            for name in st.value_reads(expr):
                kept = attributes.kept_in_attributes(
                    self.ctx.fn, facts.tags, facts.instances, expr, name
                )
                read = presence.tested(self.ctx, expr, name, facts) - kept
                if reads_only_metadata(expr, name):  # ``if v.name.startswith("frozen"):``
                    read &= _FAILS_ON_NONE  # builds nothing, but fails on None labels
                tags |= read
        return frozenset(tags)

    def _defined_tags(self, unit: Unit, view: cst.CSTNode, calls: CallFacts) -> set[Tag]:
        """Tags a policy gives the names it watches (``train_op = ...``), unless the value is
        None here or comes from a helper that gates the tag itself."""
        if is_none_literal(view) or _assigns_nothing(view):
            return set()
        bound = unit.defs & st.rebinds(unit.node)  # ``train_op.extend(ops)`` binds no train_op
        return {p.tag for p in self.ctx.policies if p.defines & bound} - calls.gates

    def _read_tags(
        self,
        unit: Unit,
        view: cst.CSTNode,
        mode: Mode,
        facts: Facts,
        gated: list[tuple[cst.Arg, frozenset[Tag]]],
        receivers: Sequence[tuple[cst.Name, frozenset[Tag]]] = (),
    ) -> tuple[set[Tag], set[Tag], set[Tag]]:
        """The tags of the names a statement reads in ``mode``: not those only read by spec
        fields the mode ignores, nor those a helper handed them gates itself; and apart, those
        of the objects it only stores into, and those of the names it only puts into them as
        elements of a display (``params.update({"tgt": labels, "n": tf.reduce_max(x)})``)."""
        ignored = self.specs.ignored_args(view, mode)
        if ignored:
            unit.use_reads[mode] = frozenset(st.reads_without(view, ignored))
            unit.use_nodes[mode] = st.without_args(view, ignored) or view
        tags: set[Tag] = set()
        stored = _stored_into(view)
        if stored:  # writing into an object is no use of it (``metrics["b"] = metric(...)``)
            reads = unit.use_reads.get(mode) or frozenset(st.reads_without(view, ignored))
            unit.use_reads[mode] = reads - stored
        put = _put_names(view) if stored else []
        blanked = [n for n, _ in receivers] + put
        read = st.value_reads(view, ignored + [arg for arg, _ in gated], blanked)
        for name in read - stored:
            tags |= facts.tags.get(name, frozenset()) - attributes.kept_in_attributes(
                self.ctx.fn, facts.tags, facts.instances, view, name
            )
        for name, gates in _receiver_gates(receivers).items():
            if name not in read and name not in stored:  # read only as such a receiver
                tags |= facts.tags.get(name, frozenset()) - gates
        # ``tf.get_collection("losses")``, ``tf.losses.get_total_loss()``, here or in a helper
        for key in collections.reads(view, self.ctx.resolve, self._helper_of(facts)):
            tags |= facts.tags.get(collections.key_name(key), frozenset())
        into = set().union(*(facts.tags.get(name, frozenset()) for name in read & stored))
        merged: dict[int, tuple[cst.Arg, frozenset[Tag]]] = {}
        for arg, gates in gated:  # an argument gated twice keeps out what either gates
            merged[id(arg)] = (arg, merged.get(id(arg), (arg, frozenset()))[1] | gates)
        for arg, gates in merged.values():
            if Tag.LABEL in gates and self._fails_on_none_labels(arg.value, facts):
                gates = gates - {Tag.LABEL}  # ``labels["answer"]`` fails before the call
            for name in st.value_reads(arg.value):
                tags |= facts.tags.get(name, frozenset()) - gates
        held = set().union(*(facts.tags.get(name.value, frozenset()) for name in put))
        return tags, into, held

    def _labels_fail_first(self, calls: CallFacts, facts: Facts) -> bool:
        """An argument of a helper the tool cannot read looks into the None labels
        (``embed(labels["target"])``): the statement fails before the helper runs - label code
        of its own (EF101), not labels that reach the helper (EF106)."""
        return any(
            self._fails_on_none_labels(arg.value, facts)
            for call in calls.opaque
            for arg in call.args
        )

    @staticmethod
    def _fails_on_none_labels(
        value: cst.BaseExpression, facts: Facts, surely: bool = False
    ) -> bool:
        """``value`` looks into labels that are None here (``labels["answer"]``): the caller
        reads them, whatever the helper it hands the result to does with it. ``surely``: only
        labels that are None here on every way (not a dict of label values that may be)."""
        none_labels = {
            name
            for name in st.reads(value)
            if Tag.LABEL in facts.tags.get(name, frozenset())
            and (
                facts.values.get(name) == Const(None)
                if surely
                else noneish(facts.values.get(name, UNKNOWN))
            )
        }
        return bool(none_labels) and any(
            looks_into(node, none_labels) for node in (value, *st.own_nodes(value))
        )

    def _helper_of(self, facts: Facts) -> collections.HelperOf:
        def helper_of(call: cst.Call) -> Optional[cst.FunctionDef]:
            return self.calls.in_file_callee(call, facts)[0]

        return helper_of

    def _reads_attribute(self, seen: cst.CSTNode, facts: Facts) -> bool:
        """``out = model.out``: an attribute of an object bound to a name builds no op (not of
        labels or a value computed from them, which may be None here: the read itself fails;
        an instance of one of the module's classes is never None, but its class may compute
        the attribute when it is read: a property)."""
        single = single_assign(seen) if isinstance(seen, cst.BaseStatement) else None
        if single is None or not isinstance(single[1], cst.Attribute):
            return False
        base = single[1].value
        if not isinstance(base, cst.Name) or isinstance(facts.values.get(base.value), Const):
            return False
        owner = facts.instances.get(base.value)
        if owner is not None:
            return not _computed_attribute(self.ctx.fn.classes, owner, single[1].attr.value)
        return Tag.LABEL not in facts.tags.get(base.value, frozenset())

    def _looks_up_collection(self, seen: cst.CSTNode) -> bool:
        single = single_assign(seen) if isinstance(seen, cst.BaseStatement) else None
        return single is not None and collections.looks_up(single[1], self.ctx.resolve)

    def _blocked(
        self, unit: Unit, tags: AbstractSet[Tag], view: View, seen: cst.CSTNode
    ) -> frozenset[str]:
        """The rule codes the statement breaks in the view's mode (``seen``: the statement as
        that mode runs it)."""
        if isinstance(seen, cst.BaseStatement) and computes_nothing(seen):
            return frozenset()  # ``y_ = labels`` computes nothing; its uses are judged
        if self._reads_attribute(seen, view.facts):
            return frozenset()  # ``out = model.out``: the same
        if self._looks_up_collection(seen):
            return frozenset()  # ``losses = tf.get_collection("losses")``: the same
        if isinstance(seen, cst.BaseStatement) and only_checks(seen, self.ctx.resolve):
            # ``check_no_sync_replicas_optimizer(opt)``: the same - but a check of the file's
            # own that looks into the None labels it is handed (``assert "energy" in labels``)
            # fails there: label code
            if not (
                view.mode is Mode.PREDICT
                and Tag.LABEL in tags
                and self.calls.looks_into_labels(seen, view.facts)
            ):
                return frozenset()
            tags = {Tag.LABEL}
        # ``tf.logging.info("%s" % optimizer)`` trains nothing (labels it looks into may still
        # be None here)
        logs = isinstance(seen, cst.BaseStatement) and only_logs(seen, self.ctx.resolve)
        return frozenset(
            policy.code
            for policy in self.ctx.policies
            if policy.tag in tags
            and view.mode in policy.blocked_in
            and not policy.exempt(view)
            and self.ctx.active(policy.code, unit.node)
            and not (logs and policy.tag is Tag.TRAIN)
        )


def _computed_attribute(classes: Mapping[str, cst.ClassDef], owner: str, attr: str) -> bool:
    """Reading ``attr`` of an instance of the module's class ``owner`` runs code: the class
    (or one of the module's classes it derives from) defines it as a decorated function (a
    property, a lazily built one), or computes its attributes (``__getattr__``)."""
    own = classes.get(owner)
    for cls in lineage(own, classes) if own is not None else ():
        for stmt in st.statements_of(cls.body):
            if type(stmt) is not cst.FunctionDef:
                continue
            if stmt.name.value in ("__getattr__", "__getattribute__"):
                return True
            if stmt.name.value == attr and stmt.decorators:
                return True
    return False


def _receiver_gates(
    receivers: Sequence[tuple[cst.Name, frozenset[Tag]]],
) -> dict[str, frozenset[Tag]]:
    """Per object whose methods that carry the mode a statement calls, the tags every one of
    those calls gates (``self.build_graph()`` reads the labels stored on ``self`` under its
    own tests of the mode)."""
    gates: dict[str, frozenset[Tag]] = {}
    for node, gated in receivers:
        gates[node.value] = gates[node.value] & gated if node.value in gates else gated
    return gates


def _goes_with_its_values(codes: frozenset[str], judged: View, calls: CallFacts) -> bool:
    """The statement breaks a rule only through the values it reads, building nothing of the
    kind itself: it goes where those values go, and is no finding of its own."""
    if codes == {ef102.CODE} and judged.writes_summary:
        return True  # a summary of a training value (a gradient norm) builds no training op
    if codes == {ef101.CODE} and judged.is_log_call and judged.shows_labels_whole:
        # a print or log of values computed from labels shows them, computing nothing (the
        # print of a tensor is EF204's); not ``shown = tf.print(y)``, an op kept in a name
        return not single_assign(judged.stmt)
    # it computes from metric values (a sum of their results) without building a metric op
    return codes == {ef103.CODE} and Tag.METRIC not in calls.tags | calls.built
