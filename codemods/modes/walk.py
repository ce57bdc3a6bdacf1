"""The forward pass over one model_fn body: which modes run each statement, and what it carries.

The body becomes a list of units (top-level statements; an ``if`` on the mode is one unit whose
branches hold units of their own). Walking them in order, each mode tracks what every name
carries (``Facts``) and the values that decide mode tests; a return, a raise or a failing
``assert`` ends the modes that reach it. Each statement is judged in every mode that runs it by
every rule's policy; ``safety.settle`` then adds the modes that need it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Optional

import libcst as cst

from codemods import statements as st
from codemods import tf_api
from codemods.model_fns import ModelFn, TfResolver, param_names
from codemods.modes import blocks, graph_collections, loops, presence, safety
from codemods.modes.calls import Calls, bound_objects, optimizer_objects, tf_function_results
from codemods.modes.context import Context, QualifiedNamesFn, Suppressed
from codemods.modes.evaluate import LABELS, UNKNOWN, Const
from codemods.modes.judge import Judge
from codemods.modes.objects import Objects
from codemods.modes.policy import TagPolicy
from codemods.modes.specs import Specs
from codemods.modes.state import (
    Facts,
    State,
    bind,
    join_into,
    kills,
    single_assign,
    test_by_mode,
)
from codemods.modes.units import Branch, NestedSpec, Reason, Unit, leaves
from codemods.modes.view import (
    attribute_of_a_result,
    holds_only,
    hook_makers,
    python_sequences,
    rearranges,
    regrouping_loop,
    wraps_in_hook,
)
from codemods.vocabulary import ALL_MODES, Mode, Tag, UnitKind


class Analyzer:
    """Analyze one model_fn under the rules' ``policies``; ``suppressed(node)`` gives the rule
    codes silenced on a statement."""

    def __init__(
        self,
        fn: ModelFn,
        resolve: TfResolver,
        policies: Iterable[TagPolicy],
        selected: frozenset[str],
        suppressed: Suppressed,
        unsafe_fixes: bool = False,
        names: Optional[QualifiedNamesFn] = None,
    ) -> None:
        self.ctx = Context(fn, resolve, tuple(policies), selected, suppressed, unsafe_fixes)
        if names is not None:
            self.ctx.names = names
        self.ctx.ema_objects |= bound_objects(fn.node.body, resolve, tf_api.is_moving_average)
        self.ctx.optimizer_objects |= optimizer_objects(fn.node.body, self.ctx)
        self._tf_results = tf_function_results(fn.node.body, resolve)
        #: Names that only hold Python lists or tuples (their items are looked up, not sliced).
        self._sequences = python_sequences(fn.node, self.ctx.names)
        #: Names bound to a function that makes session hooks of what it is handed.
        self._hook_makers = hook_makers(fn.node, resolve, fn.classes, fn.helpers)
        #: The module's classes and those the model_fn defines, by name.
        self._classes = {
            **fn.classes,
            **{
                node.name.value: node
                for node in st.statements_of(fn.node.body)
                if isinstance(node, cst.ClassDef)
            },
        }
        for body in (fn.node.body, *(helper.body for helper in fn.helpers.values())):
            # a tape's name in the model_fn or a helper it reads through
            self.ctx.tapes |= bound_objects(body, resolve, tf_api.is_gradient_tape)
        self.calls = Calls(self.ctx)
        self.specs = Specs(self.ctx)
        self.judge = Judge(self.ctx, self.calls, self.specs)
        self.objects = Objects(self.ctx)
        self.units: list[Unit] = []
        self._why: list[Reason] = []
        # Per loop body being walked, innermost last: the modes at each ``break``/``continue``
        # and what they knew there.
        self._leaving: list[list[tuple[frozenset[Mode], State]]] = []

    def run(self) -> list[Unit]:
        fn = self.ctx.fn
        state: State = {}
        for mode in ALL_MODES:
            facts = Facts()
            facts.values[fn.mode_param] = Const(mode.value)
            if fn.labels_param is not None:
                facts.tags[fn.labels_param] = frozenset({Tag.LABEL})
                facts.values[fn.labels_param] = Const(None) if mode is Mode.PREDICT else LABELS
            state[mode] = facts
        self.units, _ = self.block(st.statements_of(fn.node.body), state, ALL_MODES)
        safety.settle(self.units, self.ctx.unsafe_fixes)
        return self.units

    def block(
        self, stmts: Iterable[cst.BaseStatement], state: State, live: frozenset[Mode]
    ) -> tuple[list[Unit], frozenset[Mode]]:
        """The units of ``stmts``, and the modes still running after them."""
        units: list[Unit] = []
        depth = len(self._why)
        for stmt in stmts:
            if self._leaving and blocks.leaves_loop(stmt):
                self._leaving[-1].append((live, {mode: state[mode].copy() for mode in live}))
            unit = self.statement(stmt, state, live)
            unit.why = tuple(self._why)
            units.append(unit)
            ended = live & unit.terminates
            if ended:
                self._why.append(Reason("ended", stmt, ended))
            live = live - unit.terminates
            if blocks.skips_rest(stmt):  # ``if x is None: continue``: the rest runs where it is not
                for mode in live:
                    test = cst.ensure_type(stmt, cst.If).test
                    loops.narrow(self.ctx, test, False, state[mode])
                    presence.narrow(self.ctx, test, False, state[mode])
        del self._why[depth:]
        return units, live

    def _branch_block(
        self, test: cst.CSTNode, body: cst.BaseSuite, state: State, modes: frozenset[Mode]
    ) -> tuple[list[Unit], frozenset[Mode]]:
        """``block`` for a branch that ``modes`` take at ``test``."""
        self._why.append(Reason("branch", test, modes))
        try:
            return self.block(st.statements_of(body), state, modes)
        finally:
            self._why.pop()

    def statement(self, stmt: cst.BaseStatement, state: State, live: frozenset[Mode]) -> Unit:
        if not live:
            return Unit(node=stmt, modes=frozenset(), kind=UnitKind.EXIT)
        block = self._block_of_its_own(stmt, state, live)
        if block is not None:
            return block
        if isinstance(stmt, cst.SimpleStatementLine) and not self._builds_spec(stmt):
            _borrow_unbound(self.ctx, stmt, state, live)
        if isinstance(stmt, cst.SimpleStatementLine) and len(stmt.body) == 1:
            small = stmt.body[0]
            if isinstance(small, cst.Return):
                unit = self.specs.return_unit(stmt, small, state, live)
                if unit.kind is UnitKind.EXIT and self._returns_helper(small, state, live):
                    # ``return training_spec(loss)``: judged for what the helper builds, and
                    # never moved (a mode would be left without its return)
                    judged = self._generic(stmt, state, live)
                    judged.kind, judged.terminates, judged.returns = UnitKind.EXIT, live, True
                    for mode in live:  # what the helper builds, not what its arguments hold
                        built = self.calls.facts(small, state[mode]).tags
                        codes = {p.code for p in self.ctx.policies if p.tag in built}
                        judged.blocked[mode] = judged.blocked.get(mode, frozenset()) & codes
                    return judged
                if unit.kind is UnitKind.SPEC and not unit.foreign:
                    self.specs.idle_metrics(unit, small.value, state, self.calls)
                return unit
            if isinstance(small, cst.Raise):
                reads = frozenset(st.reads(stmt))
                return Unit(stmt, live, UnitKind.EXIT, reads=reads, terminates=live)
            if isinstance(small, (cst.Continue, cst.Break)):
                # the rest of the loop's pass is not run (the loop itself ends no mode)
                return Unit(stmt, live, UnitKind.SIMPLE, terminates=live)
            if isinstance(small, cst.Assert):
                return self._assert(stmt, small, state, live)
        return self._generic(stmt, state, self._effective_modes(stmt, state, live))

    def _assert(
        self, stmt: cst.SimpleStatementLine, small: cst.Assert, state: State, live: frozenset[Mode]
    ) -> Unit:
        """``assert mode != PREDICT``, ``assert labels is not None``: the modes that fail it end
        there. One no mode fails is a check like any other statement (``assert "energy" in
        labels`` reads the labels, None in PREDICT)."""
        decided = test_by_mode(self.ctx, small.test, state, live)
        fails = frozenset(m for m, value in decided.items() if value is False)
        if not fails:
            return self._generic(stmt, state, self._effective_modes(stmt, state, live))
        reads = frozenset(st.reads(stmt))
        return Unit(stmt, live, UnitKind.SIMPLE, reads=reads, terminates=fails)

    def _builds_spec(self, stmt: cst.SimpleStatementLine) -> bool:
        """A return, or a spec bound to a name (``spec = EstimatorSpec(...)``): one reading a
        name its mode never bound fails whatever its fields, and no spec of its own helps."""
        if any(isinstance(small, cst.Return) for small in stmt.body):
            return True
        assigned = single_assign(stmt)
        return assigned is not None and self.specs.spec_call(assigned[1]) is not None

    def _returns_helper(self, ret: cst.Return, state: State, live: frozenset[Mode]) -> bool:
        """``return training_spec(loss)``: the value returned is what an in-file helper (not a
        model_fn of its own) builds, a training op, a metric or a summary in some mode."""
        value = ret.value
        if not isinstance(value, cst.Call):
            return False
        helper = self.calls.in_file_callee(value, state[next(iter(live))])[0]
        if helper is None or helper in self.ctx.fn.model_fns:
            return False
        built = {Tag.TRAIN, Tag.METRIC, Tag.SUMMARY}
        return any(built & self.calls.facts(value, state[mode]).tags for mode in live)

    def _block_of_its_own(
        self, stmt: cst.BaseStatement, state: State, live: frozenset[Mode]
    ) -> Optional[Unit]:
        """A compound statement walked as blocks of units (a mode ``if``, a neutral ``with``,
        a ``try`` read as its body), or None."""
        if isinstance(stmt, cst.If):
            return self._mode_if(stmt, state, live)
        if isinstance(stmt, cst.With):
            return self._with_block(stmt, state, live)
        if isinstance(stmt, cst.Try):
            return self._try_block(stmt, state, live)
        return None

    def _mode_if(self, stmt: cst.If, state: State, live: frozenset[Mode]) -> Optional[Unit]:
        """An if/elif/else chain whose every test is decided in every live mode."""
        chain = st.if_chain(stmt)
        assignment = blocks.branch_modes(self.ctx, chain, state, live)
        if assignment is None or any(isinstance(b, cst.SimpleStatementSuite) for _, b in chain):
            return None
        branches: list[Branch] = []
        terminates: set[Mode] = set()
        for (test, body), modes in zip(chain, assignment):
            sub_state = {m: state[m].copy() for m in modes}
            units, after = self._branch_block(test or stmt, body, sub_state, modes)
            for mode in modes:
                state[mode] = sub_state[mode]
            terminates |= modes - after
            branches.append(Branch(modes=modes, units=units, terminal=not after and bool(modes)))
        tests = [test for test, _ in chain if test is not None]
        return Unit(
            node=stmt,
            modes=live,
            kind=UnitKind.MODE_IF,
            reads=frozenset().union(*(st.reads(t) for t in tests)),
            branches=branches,
            terminates=frozenset(terminates),
        )

    def _with_block(self, stmt: cst.With, state: State, live: frozenset[Mode]) -> Optional[Unit]:
        """A ``with`` block whose header is neutral (a scope, a device, dependencies on what no
        rule judges): its body runs once, so its statements are units of their own (a PREDICT
        return inside ends PREDICT there). A header that builds or reads what a rule judges keeps
        the block whole."""
        if not isinstance(stmt.body, cst.IndentedBlock):
            return None
        for mode in live:
            header = [self.calls.facts(item, state[mode]) for item in stmt.items]
            if self._header_tags(stmt, state[mode]) or any(
                c.creates_vars or c.seeds or c.opaque for c in header
            ):
                return None
        defs = frozenset().union(*(st.defines(item) for item in stmt.items))
        for mode in live:
            bind(self.ctx, stmt, defs, frozenset(), state[mode], False, mode)
        return self._body_block(
            stmt,
            state,
            live,
            reads=frozenset().union(*(st.reads(item) for item in stmt.items)),
            defs=defs,
            changes=self.objects.changed(stmt.items),  # ``with net.scope():``
        )

    def _header_tags(self, stmt: cst.With, facts: Facts) -> set[Tag]:
        """What a ``with`` statement's context managers build or read that a rule judges."""
        tags: set[Tag] = set()
        for item in stmt.items:
            tags |= self.calls.facts(item, facts).tags
            for name in st.reads(item):
                tags |= facts.tags.get(name, frozenset())
        return tags

    def _runs_once(self, stmt: cst.BaseStatement, state: State, modes: frozenset[Mode]) -> bool:
        """A ``with`` block judged whole whose context managers carry nothing a rule judges
        (an opaque scope of another module): its body runs once, so what it binds is what the
        walk of the body gave, as for an ``if`` chain's blocks (``train_op = None`` in EVAL)."""
        return (
            isinstance(stmt, cst.With)
            and isinstance(stmt.body, cst.IndentedBlock)
            and not any(self._header_tags(stmt, state[mode]) for mode in modes)
        )

    def _try_block(self, stmt: cst.Try, state: State, live: frozenset[Mode]) -> Optional[Unit]:
        """A ``try`` with no ``else`` or ``finally`` whose every handler returns or raises, or
        that is the model_fn's last statement (``except Exception: print(...)`` around the whole
        body): the modes run its body as they would without it, once, and a handler only ends
        the model_fn on an error, so the body's statements are units of their own, as a neutral
        ``with`` block's are."""
        if not isinstance(stmt.body, cst.IndentedBlock) or stmt.orelse or stmt.finalbody:
            return None
        last = st.statements_of(self.ctx.fn.node.body)[-1:] == [stmt]
        if not (blocks.handlers_exit(stmt) or last):  # after the last, the model_fn returns
            return None
        return self._body_block(stmt, state, live)

    def _body_block(
        self,
        stmt: cst.With | cst.Try,
        state: State,
        live: frozenset[Mode],
        reads: frozenset[str] = frozenset(),
        defs: frozenset[str] = frozenset(),
        changes: frozenset[str] = frozenset(),
    ) -> Unit:
        """``stmt`` as a block whose body runs once: its statements are units of their own (a
        PREDICT return inside ends PREDICT there); ``reads``, ``defs`` and ``changes``: its
        header's."""
        units, after = self.block(st.statements_of(stmt.body), state, live)
        return Unit(
            node=stmt,
            modes=live,
            kind=UnitKind.BLOCK,
            reads=reads,
            defs=defs,
            changes=changes,
            branches=[Branch(modes=live, units=units, terminal=not after)],
            terminates=live - after,
        )

    def _effective_modes(
        self, stmt: cst.BaseStatement, state: State, live: frozenset[Mode]
    ) -> frozenset[Mode]:
        """For an ``if`` only partly decided by the mode, the modes where any of it can run."""
        if isinstance(stmt, cst.If) and stmt.orelse is None:
            decided = test_by_mode(self.ctx, stmt.test, state, live)
            return frozenset(m for m, value in decided.items() if value is not False)
        return live

    # ----------------------------------------------------------------- one statement
    def _generic(self, stmt: cst.BaseStatement, state: State, modes: frozenset[Mode]) -> Unit:
        defs = frozenset(st.defines(stmt))
        unit = Unit(
            node=stmt, modes=modes, reads=frozenset(st.reads(stmt)), defs=defs, kills=kills(stmt)
        )
        # A spec built into a name is judged where it is returned (EF105), like the spec
        # built in the return itself.
        assigned = single_assign(stmt)
        spec = assigned is not None and self.specs.spec_call(assigned[1]) is not None
        hook = wraps_in_hook(
            stmt, self.ctx.resolve, self.ctx.fn.classes, self.ctx.fn.helpers, self._hook_makers
        )
        unit.quiet = (
            rearranges(stmt, self.ctx.names, self._sequences)
            or hook
            or holds_only(stmt, self._classes)
            or attribute_of_a_result(stmt, self._tf_results)
            or spec
            or graph_collections.registers(stmt, self.ctx.resolve)
        )
        # Defining a function or class runs nothing of its body.
        definition = isinstance(stmt, (cst.FunctionDef, cst.ClassDef))
        walked: list[blocks.Walked] = []
        inline: list[NestedSpec] = []  # spec returns the walk does not take apart
        precise = blocks.alternatives(stmt) or self._runs_once(stmt, state, modes)
        before = {mode: state[mode].copy() for mode in modes} if precise else {}
        around = modes
        if isinstance(stmt, cst.If):
            around = blocks.around_chain(self.ctx, stmt, state, modes)
        if not definition and not isinstance(stmt, cst.SimpleStatementLine):
            unit.parts, walked, inline = self._parts(stmt, state, modes)
            unit.quiet = unit.quiet or regrouping_loop(stmt, unit.parts, self.ctx.names)
        if spec and assigned is not None:  # ``spec = EstimatorSpec(eval_metric_ops={...})``
            self.specs.idle_metrics(unit, assigned[1], state, self.calls, rebuild=False)
        if not definition:  # what later statements depend on (and where a helper's results
            unit.changes = self.objects.changed([stmt])  # may be kept: ``model.build(...)``)
        for mode in modes:
            self.judge(unit, state[mode], mode, definition)
        if isinstance(stmt, cst.SimpleStatementLine) and len(stmt.body) > 1:
            # ``loss = ...; return Spec(loss=loss)``: with what the line bound before it
            inline = self._inline_specs(stmt.body, state, modes)
        if precise:  # names a test binds (``if (y := ...)``) keep the coarse reading
            tested = set().union(*(st.defines(test) for test in st.headers(stmt)))
            # control goes around an ``if`` with no ``else`` and a loop that runs no pass,
            # never around a ``with`` body
            goes_around = isinstance(stmt, cst.For) or (
                isinstance(stmt, cst.If) and not blocks.has_else(stmt)
            )
            if goes_around and isinstance(stmt, cst.If):
                before = self._around_if(stmt, before)
            blocks.bind_from_blocks(defs - tested, state, before, walked, goes_around)
        if not isinstance(stmt, cst.SimpleStatementLine):
            unit.returns = any(isinstance(n, cst.Return) for n in st.own_nodes(stmt))
            self._returned_uses(unit, stmt, modes)
            unit.terminates = blocks.ended_in(stmt, modes, walked, around)
            unit.kind = UnitKind.COMPOUND
        if not definition:
            self.ctx.note_mode_carriers(stmt)
            self.specs.record_assigned(stmt, defs, state, modes)
            if unit.kind is UnitKind.COMPOUND:
                unit.nested_specs = _nested_specs(unit.parts)
            unit.nested_specs += inline
        return unit

    def _returned_uses(self, unit: Unit, stmt: cst.BaseStatement, modes: frozenset[Mode]) -> None:
        """A compound statement that returns (``if use_tpu: return TPUEstimatorSpec(...)``):
        what it reads in a spec field a mode ignores is no use of it there."""
        if not unit.returns:
            return
        for mode in modes:
            ignored = self.specs.ignored_args(stmt, mode)
            if ignored:
                unit.use_reads[mode] = frozenset(st.reads_without(stmt, ignored))
                unit.use_nodes[mode] = st.without_args(stmt, ignored) or stmt

    def _around_if(self, stmt: cst.If, before: State) -> State:
        """What the modes know where they go around every block of an ``if`` chain with no
        ``else``: each test came out false (``if y is None: y = zeros``: around it, ``y`` is
        not None)."""
        narrowed = {mode: facts.copy() for mode, facts in before.items()}
        for test, _ in st.if_chain(stmt):
            for facts in narrowed.values():
                if test is not None:
                    presence.narrow(self.ctx, test, False, facts)
        return narrowed

    def _inline_specs(
        self, smalls: Sequence[cst.BaseSmallStatement], state: State, modes: frozenset[Mode]
    ) -> list[NestedSpec]:
        """The spec returns among statements the walk does not take apart (a line of several,
        a one-line block: ``if use_tpu: return TPUEstimatorSpec(...)``), judged with what the
        modes that reach them know before them."""
        found: list[NestedSpec] = []
        for small in smalls:
            if isinstance(small, cst.Return) and modes:
                foreign = self.specs.foreign(small.value, state, modes)
                if foreign:
                    found.append(NestedSpec(node=small, foreign=foreign))
        return found

    def _parts(
        self, stmt: cst.BaseStatement, state: State, modes: frozenset[Mode]
    ) -> tuple[list[Unit], list[blocks.Walked], list[NestedSpec]]:
        """The statements inside a compound statement, each block walked on a copy of what the
        modes know before it; each block's modes with what they knew after it and those
        still running at its end; and the spec returns of its one-line blocks."""
        parts: list[Unit] = []
        walked: list[blocks.Walked] = []
        inline: list[NestedSpec] = []
        for suite, runs, tests in self._suites_by_mode(stmt, state, modes):
            if isinstance(stmt, cst.For) and suite is stmt.body:
                units, copy, after = self._loop_body(stmt, state, runs)
            else:
                copy = {mode: state[mode].copy() for mode in runs}
                for mode in runs:
                    if isinstance(stmt, cst.For):  # its ``else``: the names hold the last pass
                        loops.carry(self.calls, stmt, copy[mode])
                    for test, outcome in tests:
                        loops.narrow(self.ctx, test, outcome, copy[mode])
                        presence.narrow(self.ctx, test, outcome, copy[mode])
                units, after = self._branch_block(stmt, suite, copy, runs)
            if isinstance(suite, cst.SimpleStatementSuite):
                inline += self._inline_specs(suite.body, copy, runs)
            parts.extend(units)
            walked.append(blocks.Walked(runs, copy, after))
        return parts, walked, inline

    def _loop_body(
        self, stmt: cst.For, state: State, runs: frozenset[Mode]
    ) -> tuple[list[Unit], State, frozenset[Mode]]:
        """A ``for`` body walked from what the modes know before the loop joined with what an
        earlier pass left (a pass sees the one before it), until no pass adds anything; its
        units, and what the modes know after the last pass."""
        entry = {mode: state[mode].copy() for mode in runs}
        passes = 0
        while True:
            copy = {mode: entry[mode].copy() for mode in runs}
            for mode in runs:
                loops.enter(self.ctx, self.calls, stmt, copy[mode])
            self._leaving.append([])
            try:
                units, after = self._branch_block(stmt, stmt.body, copy, runs)
            finally:
                left = self._leaving.pop()
            for modes, known in left:  # what a ``break`` or ``continue`` knew goes on too
                after |= modes
                for mode in modes:
                    join_into(copy[mode], known[mode])
            if not any([join_into(entry[mode], copy[mode]) for mode in runs]):
                return units, copy, after
            passes += 1
            if passes == blocks.LOOP_PASSES:  # still growing: every name the body binds carries all
                for mode in runs:
                    blocks.widen(entry[mode], st.defines(stmt.body))

    def _suites_by_mode(
        self, stmt: cst.BaseStatement, state: State, modes: frozenset[Mode]
    ) -> list[tuple[cst.BaseSuite, frozenset[Mode], list[tuple[cst.BaseExpression, bool]]]]:
        """Each block a compound statement holds, with the modes that may run it (a branch of an
        ``if`` chain runs where its test, and no earlier one, is decided true or undecided) and
        the outcomes of the tests that lead there."""
        if not isinstance(stmt, cst.If):
            return [(suite, modes, []) for suite in st.inner_suites(stmt)]
        found: list[
            tuple[cst.BaseSuite, frozenset[Mode], list[tuple[cst.BaseExpression, bool]]]
        ] = []
        remaining = modes
        failed: list[tuple[cst.BaseExpression, bool]] = []
        for test, body in st.if_chain(stmt):
            if test is None:  # the ``else``
                found.append((body, remaining, failed))
                break
            decided = test_by_mode(self.ctx, test, state, remaining)
            runs = frozenset(m for m, v in decided.items() if v is not False)
            found.append((body, runs, [*failed, (test, True)]))
            failed.append((test, False))
            remaining = frozenset(m for m, v in decided.items() if v is not True)
        return found


def _nested_specs(parts: list[Unit]) -> list[NestedSpec]:
    """The spec returns inside a compound statement, each judged where it stands: with what
    the modes that reach it know there (``eval_metrics = None`` then set only outside PREDICT,
    inside ``if use_tpu:``)."""
    found: list[NestedSpec] = []
    for part in leaves(parts):
        if part.kind is UnitKind.SPEC and part.foreign:
            line = cst.ensure_type(part.node, cst.SimpleStatementLine)
            ret = next(small for small in line.body if isinstance(small, cst.Return))
            found.append(NestedSpec(node=ret, foreign=part.foreign))
        else:
            found.extend(part.nested_specs)
    return found


def _borrow_unbound(
    ctx: Context, stmt: cst.BaseStatement, state: State, live: frozenset[Mode]
) -> None:
    """A name of the model_fn a mode never bound, read by a statement that mode runs
    (``labels_b`` bound only under ``if isinstance(labels, dict):``, which PREDICT's None labels
    skip; ``gan_loss`` bound only in TRAIN's block): there the statement fails on it, and what
    it computes is what the name carries where the other modes bind it (taking the statement
    out of that mode is then the fix)."""
    params = set(param_names(ctx.fn.node))
    names = (st.reads(stmt) & ctx.local_names()) - params - ctx.outside_objects()
    for mode in live:
        facts = state[mode]
        for name in names - facts.tags.keys():
            held = [state[m].tags[name] for m in state if m is not mode and name in state[m].tags]
            if held:
                facts.tags[name] = frozenset().union(*held)
                facts.values[name] = UNKNOWN
