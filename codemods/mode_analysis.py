"""Per-mode analysis of a model_fn body: where each statement runs, which modes need it, and why.

The body is a list of *units* (top-level statements; an ``if`` on the mode is one unit whose
branches hold units of their own). A forward pass tracks, per mode, what each name carries (derived
from labels, training machinery, metrics) and the constant values that decide mode tests. A backward
pass (liveness) adds the modes in which a later needed unit reads what a unit defines. Units that
are unsafe to skip (variables, seeds; SPEC §5) are pinned to every mode they run in.
"""

from __future__ import annotations

import builtins
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Callable, Optional

import libcst as cst

from codemods import statements as st
from codemods import tf_api
from codemods.mode_eval import MAYBE_NONE, NOT_NONE, UNKNOWN, Const, ModeEvaluator, Value, truth
from codemods.model_fns import ModelFn, TfResolver
from codemods.tree import children

P, T, E = "infer", "train", "eval"
ALL_MODES = frozenset({P, T, E})
MODE_ORDER = (P, T, E)
MODE_NAMES = {P: "PREDICT", T: "TRAIN", E: "EVAL"}

#: Which rule a tag breaks in which mode.
_TAG_RULES = (("label", "EF101"), ("train", "EF102"), ("metric", "EF103"), ("summary", "EF104"))
#: When a statement breaks several rules, the most specific one names the finding.
CODE_PRIORITY = ("EF102", "EF103", "EF104", "EF101")

_BUILTINS = frozenset(dir(builtins))
_TRAIN_NAME = re.compile(r"optimi[sz]er|train_op|minimize", re.IGNORECASE)
_METRIC_NAME = re.compile(r"metrics?_fn$", re.IGNORECASE)


def _blocked_in(tag: str, mode: str) -> bool:
    if tag in {"label", "summary"}:
        return mode == P
    if tag == "train":
        return mode != T
    if tag == "metric":
        return mode != E
    return False


@dataclass
class Facts:
    """What one mode knows about the names bound so far."""

    tags: dict[str, frozenset[str]] = field(default_factory=dict)
    values: dict[str, Value] = field(default_factory=dict)
    # ``spec = EstimatorSpec(...)``: the spec calls a name may hold.
    specs: dict[str, list[tuple[cst.Call, str]]] = field(default_factory=dict)

    def copy(self) -> Facts:
        return Facts(dict(self.tags), dict(self.values), dict(self.specs))


State = dict[str, Facts]


@dataclass
class Branch:
    modes: frozenset[str]
    units: list[Unit]
    terminal: bool


@dataclass
class SpecVariant:
    modes: frozenset[str]
    call: cst.Call
    reads: frozenset[str]


@dataclass
class NestedSpec:
    """A spec returned from inside a statement the codemod does not split (``if use_tpu:``)."""

    node: cst.Return
    foreign: dict[str, list[str]]


@dataclass(eq=False)
class Unit:
    node: cst.BaseStatement
    modes: frozenset[str]
    kind: str = "simple"  # simple | compound | mode_if | spec | exit
    reads: frozenset[str] = frozenset()
    defs: frozenset[str] = frozenset()
    kills: frozenset[str] = frozenset()
    blocked: dict[str, frozenset[str]] = field(default_factory=dict)
    creates_vars: bool = False
    autonamed: bool = False
    seeds: bool = False
    never_move: bool = False
    opaque_label: Optional[str] = None
    branches: list[Branch] = field(default_factory=list)
    terminates: frozenset[str] = frozenset()
    variants: Optional[list[SpecVariant]] = None
    foreign: dict[str, list[str]] = field(default_factory=dict)
    needed: frozenset[str] = frozenset()
    pins: dict[str, str] = field(default_factory=dict)
    unsafe_skip: bool = False  # skipped only because --unsafe-fixes allows shifting seeds
    reordered: bool = False  # moved below the PREDICT return by --unsafe-fixes
    returns: bool = False  # a compound statement with a return inside: never guarded or moved
    # Per mode, the names read outside spec fields that mode ignores (when any are ignored).
    use_reads: dict[str, frozenset[str]] = field(default_factory=dict)
    used: frozenset[str] = frozenset()  # like ``needed``, counting only fields the mode reads
    nested_specs: list[NestedSpec] = field(default_factory=list)

    @property
    def base_needed(self) -> frozenset[str]:
        return frozenset(m for m in self.modes if not self.blocked.get(m))

    def bad_modes(self) -> frozenset[str]:
        """Modes the unit runs in but should not (a metric that TRAIN uses is not bad in TRAIN)."""
        bad = set()
        for mode in self.modes:
            codes = self.blocked.get(mode, frozenset())
            if mode == T and codes == {"EF103"} and mode in self.used and mode not in self.pins:
                continue  # a training metric that feeds a summary, a hook or the loss
            if codes:
                bad.add(mode)
        return frozenset(bad)


@dataclass
class CallFacts:
    tags: set[str] = field(default_factory=set)
    creates_vars: bool = False
    autonamed: bool = False
    seeds: bool = False
    never_move: bool = False
    opaque: list[cst.Call] = field(default_factory=list)
    mode_aware: bool = False
    mode_aware_args: list[cst.Arg] = field(default_factory=list)
    consumer: bool = False  # summaries and hooks consume metrics


class Analyzer:
    """Analyze one model_fn. ``suppressed(node)`` gives the rule codes silenced on a statement."""

    def __init__(
        self,
        fn: ModelFn,
        resolve: TfResolver,
        selected: frozenset[str],
        suppressed: Callable[[cst.CSTNode], frozenset[str]],
        unsafe_fixes: bool = False,
    ) -> None:
        self.fn = fn
        self.resolve = resolve
        self.selected = selected
        self.suppressed = suppressed
        self.unsafe_fixes = unsafe_fixes
        self.layer_objects: set[str] = set()
        self.ema_objects: set[str] = set()
        self.mode_flags: set[str] = set()
        self._helper_cache: dict[str, CallFacts] = {}
        self._locals: Optional[set[str]] = None
        self.units: list[Unit] = []

    # ----------------------------------------------------------------- entry point
    def run(self) -> list[Unit]:
        state: State = {}
        for mode in ALL_MODES:
            facts = Facts()
            facts.values[self.fn.mode_param] = Const(mode)
            if self.fn.labels_param is not None:
                facts.tags[self.fn.labels_param] = frozenset({"label"})
                facts.values[self.fn.labels_param] = Const(None) if mode == P else NOT_NONE
            state[mode] = facts
        body = st.statements_of(self.fn.node.body)
        self.units, _ = self.block(body, state, ALL_MODES)
        self._settle()
        return self.units

    # ----------------------------------------------------------------- forward pass
    def block(
        self, stmts: Iterable[cst.BaseStatement], state: State, live: frozenset[str]
    ) -> tuple[list[Unit], frozenset[str]]:
        units: list[Unit] = []
        for stmt in stmts:
            unit = self.statement(stmt, state, live)
            units.append(unit)
            live = live - unit.terminates
        return units, live

    def statement(self, stmt: cst.BaseStatement, state: State, live: frozenset[str]) -> Unit:
        if not live:
            return Unit(node=stmt, modes=frozenset(), kind="exit")
        if isinstance(stmt, cst.If):
            unit = self._mode_if(stmt, state, live)
            if unit is not None:
                return unit
        if isinstance(stmt, cst.SimpleStatementLine) and len(stmt.body) == 1:
            small = stmt.body[0]
            if isinstance(small, cst.Return):
                return self._return(stmt, small, state, live)
            if isinstance(small, cst.Raise):
                reads = frozenset(st.reads(stmt))
                return Unit(node=stmt, modes=live, kind="exit", terminates=live, reads=reads)
            if isinstance(small, cst.Assert):
                return self._assert(stmt, small, state, live)
        return self._generic(stmt, state, self._effective_modes(stmt, state, live))

    def _evaluator(self, facts: Facts) -> ModeEvaluator:
        return ModeEvaluator(facts.values, self._mode_key)

    def _mode_key(self, node: cst.BaseExpression) -> Optional[str]:
        if not isinstance(node, cst.Attribute) or node.attr.value not in tf_api.MODE_VALUES:
            return None
        tf_name = self.resolve(node)
        return tf_api.mode_key_value(tf_name) if tf_name else None

    def _test_by_mode(self, test: cst.BaseExpression, state: State, live: frozenset[str]) -> dict[str, Optional[bool]]:  # noqa: E501
        return {mode: truth(self._evaluator(state[mode]).eval(test)) for mode in live}

    def _mode_if(self, stmt: cst.If, state: State, live: frozenset[str]) -> Optional[Unit]:
        """An if/elif/else chain whose every test is decided in every live mode."""
        chain: list[tuple[Optional[cst.BaseExpression], cst.BaseSuite]] = []
        node: Optional[cst.If | cst.Else] = stmt
        while node is not None:
            if isinstance(node, cst.If):
                chain.append((node.test, node.body))
                node = node.orelse
            else:
                chain.append((None, node.body))
                node = None
        remaining = set(live)
        assignment: list[frozenset[str]] = []
        for test, _ in chain:
            if test is None:
                taken = frozenset(remaining)
            else:
                decided = self._test_by_mode(test, state, frozenset(remaining))
                if any(value is None for value in decided.values()):
                    return None
                taken = frozenset(m for m, value in decided.items() if value)
            assignment.append(taken)
            remaining -= taken
        if any(isinstance(body, cst.SimpleStatementSuite) for _, body in chain):
            return None
        branches: list[Branch] = []
        terminates: set[str] = set()
        for (_, body), modes in zip(chain, assignment):
            sub_state = {m: state[m].copy() for m in modes}
            units, after = self.block(st.statements_of(body), sub_state, modes)
            for mode in modes:
                state[mode] = sub_state[mode]
            terminates |= modes - after
            branches.append(Branch(modes=modes, units=units, terminal=not after and bool(modes)))
        tests = [test for test, _ in chain if test is not None]
        reads = frozenset().union(*(st.reads(t) for t in tests))
        return Unit(
            node=stmt,
            modes=live,
            kind="mode_if",
            reads=reads,
            branches=branches,
            terminates=frozenset(terminates),
        )

    def _assert(self, stmt: cst.SimpleStatementLine, small: cst.Assert, state: State, live: frozenset[str]) -> Unit:  # noqa: E501
        decided = self._test_by_mode(small.test, state, live)
        fails = frozenset(m for m, value in decided.items() if value is False)
        return Unit(node=stmt, modes=live, kind="simple", reads=frozenset(st.reads(stmt)), terminates=fails)  # noqa: E501

    def _effective_modes(self, stmt: cst.BaseStatement, state: State, live: frozenset[str]) -> frozenset[str]:  # noqa: E501
        """For an ``if`` only partly decided by the mode, the modes where any of it can run."""
        if isinstance(stmt, cst.If) and stmt.orelse is None:
            decided = self._test_by_mode(stmt.test, state, live)
            return frozenset(m for m, value in decided.items() if value is not False)
        return live

    # ----------------------------------------------------------------- statements
    def _generic(self, stmt: cst.BaseStatement, state: State, modes: frozenset[str]) -> Unit:
        reads = frozenset(st.reads(stmt))
        defs = frozenset(st.defines(stmt))
        unit = Unit(node=stmt, modes=modes, reads=reads, defs=defs, kills=self._kills(stmt))
        silenced = self.suppressed(stmt)
        # Defining a function or class runs nothing of its body.
        definition = isinstance(stmt, (cst.FunctionDef, cst.ClassDef))
        for mode in modes:
            view = self._mode_view(stmt, state[mode])
            facts = CallFacts() if definition else self._call_facts(view, state[mode])
            unit.creates_vars |= facts.creates_vars
            unit.autonamed |= facts.autonamed
            unit.seeds |= facts.seeds
            unit.never_move |= facts.never_move
            tags = set(facts.tags)
            if (
                "train_op" in defs
                and not facts.mode_aware
                and not _is_none_literal(view)
                and not self._assigns_none(stmt)
            ):
                tags.add("train")
            if not definition:
                tags |= self._read_tags(unit, view, mode, state[mode], facts.mode_aware_args)
            # Code that only PREDICT runs was written for PREDICT: a helper it hands labels
            # to (None there, or rebound) is trusted to expect that.
            if mode == P and facts.opaque and modes != {P}:
                unit.opaque_label = self._opaque_with_labels(view, facts.opaque, state[mode])
            blocking = self._blocking(stmt, tags, facts, mode, modes, state[mode])
            unit.blocked[mode] = frozenset(
                code
                for tag, code in _TAG_RULES
                if tag in blocking and _blocked_in(tag, mode) and code in self.selected
                and code not in silenced
            )
            if mode == P and unit.opaque_label is not None:
                tags.discard("label")  # reported once, as EF106, not again at every reader
            self._bind(stmt, defs, frozenset(tags), state[mode], facts.mode_aware)
        if not isinstance(stmt, cst.SimpleStatementLine):
            unit.returns = any(isinstance(n, cst.Return) for n in st.own_nodes(stmt))
            exits = stmt.body if isinstance(stmt, cst.With) else stmt
            if st.always_exits(exits):
                unit.terminates = modes
        unit.kind = "simple" if isinstance(stmt, cst.SimpleStatementLine) else "compound"
        if not definition:
            self._record_assigned_specs(stmt, defs, state, modes)
            if unit.kind == "compound":
                unit.nested_specs = self._nested_specs(stmt, state, modes)
        return unit

    def _blocking(self, stmt: cst.BaseStatement, tags: set[str], facts: CallFacts, mode: str, modes: frozenset[str], known: Facts) -> set[str]:  # noqa: E501
        """The tags that make the statement wrong where it runs (before the mode rules)."""
        if self._is_alias(stmt) or self._is_del(stmt):
            return set()  # ``y_ = labels`` computes nothing; its uses are judged
        blocking = set(tags)
        if facts.consumer or self._gathers_names(stmt):
            blocking.discard("metric")  # a summary, hook or dict of a metric is a use of it
        if mode == P and self._is_log_call(stmt) and self._labels_only_as_none(stmt, known):
            blocking.discard("label")  # printing None cannot fail (EF204 judges prints)
        if modes == {P} and self._labels_rebound(known):
            # Only PREDICT runs it and labels may hold a value there (the author rebinds them
            # for PREDICT): reading them is deliberate.
            blocking.discard("label")
        return blocking

    def _read_tags(self, unit: Unit, view: cst.CSTNode, mode: str, facts: Facts, aware: list[cst.Arg]) -> set[str]:  # noqa: E501
        """The tags of the names a statement reads in ``mode``: not those only read by spec
        fields the mode ignores, nor those handed to a mode-aware helper."""
        ignored = self._ignored_spec_args(view, mode)
        if ignored:
            unit.use_reads[mode] = frozenset(st.reads_without(view, ignored))
        names = st.reads_without(view, ignored + aware)
        tags: set[str] = set()
        for name in names:
            tags |= facts.tags.get(name, frozenset())
        return tags

    def _is_log_call(self, stmt: cst.BaseStatement) -> bool:
        """``print(...)``, ``tf.print(...)``, ``logging.info(...)`` as a statement of its own."""
        if not (isinstance(stmt, cst.SimpleStatementLine) and len(stmt.body) == 1):
            return False
        small = stmt.body[0]
        if not (isinstance(small, cst.Expr) and isinstance(small.value, cst.Call)):
            return False
        func = small.value.func
        if isinstance(func, cst.Name):
            return func.value == "print"
        tf_name = self.resolve(func)
        if tf_name is not None:
            return tf_name == "tensorflow.print" or ".logging." in tf_name
        return _root_name(func) in {"logging", "absl", "logger", "log"}

    @staticmethod
    def _labels_only_as_none(stmt: cst.BaseStatement, facts: Facts) -> bool:
        """Every label-derived name the statement reads is None here (labels themselves in
        PREDICT), so nothing derived from them has to be computed for it."""
        return all(
            _noneish(facts.values.get(name, UNKNOWN))
            for name in st.reads(stmt)
            if "label" in facts.tags.get(name, frozenset())
        )

    def _labels_rebound(self, facts: Facts) -> bool:
        name = self.fn.labels_param
        if name is None:
            return False
        value = facts.values.get(name)
        return not (isinstance(value, Const) and value.value is None)

    @staticmethod
    def _is_del(stmt: cst.BaseStatement) -> bool:
        """``del labels`` (an "unused" marker) computes nothing."""
        return isinstance(stmt, cst.SimpleStatementLine) and all(
            isinstance(small, cst.Del) for small in stmt.body
        )

    @staticmethod
    def _is_alias(stmt: cst.BaseStatement) -> bool:
        """``y_ = labels`` or ``monitor["lr"] = learning_rate``: a name stored, nothing built."""
        if isinstance(stmt, cst.SimpleStatementLine) and len(stmt.body) == 1:
            small = stmt.body[0]
            if isinstance(small, cst.Assign) and len(small.targets) == 1:
                target = small.targets[0].target
                return isinstance(small.value, cst.Name) and isinstance(
                    target, (cst.Name, cst.Subscript)
                )
        return False

    @staticmethod
    def _gathers_names(stmt: cst.BaseStatement) -> bool:
        """``metrics = {"accuracy": accuracy}``: metrics gathered, none built."""
        single = Analyzer._single_assign(stmt)
        return single is not None and _only_names(single[1])

    @staticmethod
    def _assigns_none(stmt: cst.BaseStatement) -> bool:
        if isinstance(stmt, cst.SimpleStatementLine) and len(stmt.body) == 1:
            small = stmt.body[0]
            if isinstance(small, (cst.Assign, cst.AnnAssign)) and isinstance(small.value, cst.Name):
                return small.value.value == "None"
        return False

    @staticmethod
    def _kills(stmt: cst.BaseStatement) -> frozenset[str]:
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
                return frozenset(names - st.reads(small.value))
        return frozenset()

    def _mode_view(self, stmt: cst.BaseStatement, facts: Facts) -> cst.CSTNode:
        """``x = a if mode == TRAIN else b`` runs only one side per mode."""
        if isinstance(stmt, cst.SimpleStatementLine) and len(stmt.body) == 1:
            small = stmt.body[0]
            if isinstance(small, cst.Assign) and isinstance(small.value, cst.IfExp):
                test = truth(self._evaluator(facts).eval(small.value.test))
                if test is not None:
                    return small.value.body if test else small.value.orelse
        return stmt

    def _bind(self, stmt: cst.BaseStatement, defs: frozenset[str], tags: frozenset[str], facts: Facts, mode_aware: bool) -> None:  # noqa: E501
        value: Value = MAYBE_NONE if mode_aware else UNKNOWN
        single = self._single_assign(stmt)
        if single is not None and not mode_aware:
            target, expr = single
            value = self._evaluator(facts).eval(expr)
            # A flag is a value the mode decides (``is_training = mode == TRAIN``); a tensor
            # merely built under a mode test (``dropout(..., training=...)``) is not one.
            if value is not UNKNOWN and self._reads_mode(expr):
                self.mode_flags.add(target)
            self._track_objects(target, expr)
        mutated = defs - self._kills(stmt)
        for name in defs:
            if name in mutated:
                facts.tags[name] = facts.tags.get(name, frozenset()) | tags
            else:
                facts.tags[name] = tags
            facts.values[name] = value if single is not None else (
                MAYBE_NONE if mode_aware else UNKNOWN
            )

    def _reads_mode(self, expr: cst.BaseExpression) -> bool:
        names = st.reads(expr)
        return self.fn.mode_param in names or bool(names & self.mode_flags)

    def _track_objects(self, target: str, expr: cst.BaseExpression) -> None:
        if isinstance(expr, cst.Call):
            tf_name = self.resolve(expr.func)
            if tf_name is not None:
                leaf = tf_name.rsplit(".", 1)[-1]
                if tf_api.is_layer(tf_name) and leaf[:1].isupper():
                    self.layer_objects.add(target)
                if leaf == "ExponentialMovingAverage":
                    self.ema_objects.add(target)

    @staticmethod
    def _single_assign(stmt: cst.BaseStatement) -> Optional[tuple[str, cst.BaseExpression]]:
        if isinstance(stmt, cst.SimpleStatementLine) and len(stmt.body) == 1:
            small = stmt.body[0]
            if (
                isinstance(small, cst.Assign)
                and len(small.targets) == 1
                and isinstance(small.targets[0].target, cst.Name)
            ):
                return small.targets[0].target.value, small.value
        return None

    # ----------------------------------------------------------------- calls
    def _call_facts(self, node: cst.CSTNode, facts: Facts, depth: int = 0) -> CallFacts:
        out = CallFacts()
        for call in st.calls(node):
            self._classify_call(call, facts, out, depth)
        return out

    def _classify_call(self, call: cst.Call, facts: Facts, out: CallFacts, depth: int) -> None:  # noqa: C901
        tf_name = self.resolve(call.func)
        if tf_name is not None:
            if tf_api.is_estimator_spec(tf_name):
                return
            if tf_api.is_model_builder(tf_name):
                out.opaque.append(call)
            if tf_api.is_training_call(tf_name):
                out.tags.add("train")
            if tf_api.is_metric(tf_name):
                out.tags.add("metric")
            if tf_api.is_summary(tf_name):
                out.tags.add("summary")
                out.consumer = True
            if tf_name.endswith("Hook") or tf_api.is_named_identity(tf_name, call):
                out.consumer = True
            out.creates_vars |= tf_api.creates_variables(tf_name)
            out.autonamed |= tf_api.is_layer(tf_name)
            out.seeds |= tf_api.draws_seed(tf_name)
            return
        func = call.func
        callee = ""
        if isinstance(func, cst.Attribute):
            callee = func.attr.value
            base = func.value
            if callee in tf_api.TRAINING_METHODS:
                out.tags.add("train")
                out.creates_vars = True
                return
            if callee == "apply" and isinstance(base, cst.Name) and (
                base.value in self.ema_objects or "ema" in base.value.lower()
            ):
                out.never_move = out.creates_vars = True
                return
            if isinstance(base, cst.Name) and base.value in self.layer_objects:
                out.creates_vars = out.autonamed = out.seeds = True
                return
            if not self._is_module_ref(base):
                return  # a method on a local value: dict.get, list.append, tensor.get_shape ...
            if _root_name(base) in _PURE_MODULES:
                return
        elif isinstance(func, cst.Name):
            callee = func.value
            if callee in self.layer_objects:
                out.creates_vars = out.autonamed = out.seeds = True
                return
            if callee in _BUILTINS and callee not in self.fn.helpers:
                return
        else:
            return
        # A helper given the mode, or one that tests the labels it gets against None, scopes what
        # it builds itself: neither its name, its body nor the labels handed to it make the
        # statement wrong (the rest of the statement still can).
        aware = self._receives_mode(call) or self._receives_guarded_labels(call, facts)
        if aware:
            out.mode_aware = True
            out.mode_aware_args.extend(call.args)
        else:
            if _TRAIN_NAME.search(callee):
                out.tags.add("train")
            if _METRIC_NAME.search(callee):
                out.tags.add("metric")
            out.opaque.append(call)
        helper = self.fn.helpers.get(callee) if isinstance(func, cst.Name) else None
        if helper is not None and depth < 3:
            inner = self._helper_facts(callee, helper, facts, depth)
            if not aware:
                out.tags |= inner.tags
            out.creates_vars |= inner.creates_vars
            out.autonamed |= inner.autonamed
            out.seeds |= inner.seeds
        else:
            out.creates_vars = out.autonamed = out.seeds = True

    def _helper_facts(self, name: str, helper: cst.FunctionDef, facts: Facts, depth: int) -> CallFacts:  # noqa: E501
        if name not in self._helper_cache:
            self._helper_cache[name] = CallFacts()  # recursion guard
            self._helper_cache[name] = self._call_facts(helper.body, facts, depth + 1)
        return self._helper_cache[name]

    def _is_module_ref(self, base: cst.BaseExpression) -> bool:
        """``optimization.create_optimizer``: the base is an imported module, or ``self``."""
        root = base
        while isinstance(root, cst.Attribute):
            root = root.value
        if not isinstance(root, cst.Name):
            return False
        return root.value == "self" or root.value not in self._local_names()

    def _local_names(self) -> set[str]:
        if self._locals is None:
            params = self.fn.node.params
            every = [*params.posonly_params, *params.params, *params.kwonly_params]
            self._locals = {param.name.value for param in every} | st.defines(self.fn.node.body)
        return self._locals

    def _receives_mode(self, call: cst.Call) -> bool:
        for arg in call.args:
            names = st.reads(arg.value)
            if self.fn.mode_param in names or names & self.mode_flags:
                return True
        return False

    def _opaque_with_labels(self, view: cst.CSTNode, opaque: list[cst.Call], facts: Facts) -> Optional[str]:  # noqa: E501
        """The helper handed labels whose result the statement keeps (EF106); a call made for
        its effect alone (``add_loss(labels=...)``) is label code like any other (EF101)."""
        discarded = {id(n.value) for n in st.own_nodes(view) if isinstance(n, cst.Expr)}
        for call in opaque:
            if id(call) in discarded:
                continue
            for arg in call.args:
                if any("label" in facts.tags.get(n, ()) for n in st.reads(arg.value)):
                    return cst.Module([]).code_for_node(call.func)
        return None

    def _receives_guarded_labels(self, call: cst.Call, facts: Facts) -> bool:
        """Labels go to an in-file helper parameter that the helper tests against None."""
        return any(
            any("label" in facts.tags.get(n, ()) for n in st.reads(arg.value))
            and self._helper_checks_none(call, index, arg)
            for index, arg in enumerate(call.args)
        )

    def _helper_checks_none(self, call: cst.Call, index: int, arg: cst.Arg) -> bool:
        """An in-file helper that tests the parameter receiving labels against None
        (``if labels is not None:``) expects PREDICT's None."""
        helper = self.fn.helpers.get(call.func.value) if isinstance(call.func, cst.Name) else None
        if helper is None or arg.star:
            return False
        params = [*helper.params.posonly_params, *helper.params.params, *helper.params.kwonly_params]  # noqa: E501
        if arg.keyword is not None:
            name = arg.keyword.value
        elif index < len(helper.params.posonly_params) + len(helper.params.params):
            name = params[index].name.value
        else:
            return False
        return any(_compares_with_none(node, name) for node in st.own_nodes(helper.body))

    # ----------------------------------------------------------------- returns and specs
    def _return(self, stmt: cst.SimpleStatementLine, ret: cst.Return, state: State, live: frozenset[str]) -> Unit:  # noqa: E501
        unit = Unit(node=stmt, modes=live, kind="exit", reads=frozenset(st.reads(stmt)), terminates=live)  # noqa: E501
        if not any(self._returned_specs(ret.value, state[mode]) for mode in live):
            return unit
        unit.kind = "spec"
        unit.foreign = self._foreign(ret.value, state, live)
        direct = self._spec_call(ret.value)
        if direct is None or not unit.foreign:
            return unit
        call, leaf = direct
        fields = spec_fields(call, leaf)
        if fields is not None and "EF105" in self.selected and "EF105" not in self.suppressed(stmt):  # noqa: E501
            unit.variants = split_spec(call, fields, live, leaf)
        return unit

    def _spec_call(self, node: Optional[cst.BaseExpression]) -> Optional[tuple[cst.Call, str]]:
        if not isinstance(node, cst.Call):
            return None
        tf_name = self.resolve(node.func)
        if tf_name is None or not tf_api.is_estimator_spec(tf_name):
            return None
        return node, tf_name.rsplit(".", 1)[-1]

    def _returned_specs(self, value: Optional[cst.BaseExpression], facts: Facts) -> list[tuple[cst.Call, str]]:  # noqa: E501
        """The spec calls a return returns: directly, or through a name assigned from specs."""
        direct = self._spec_call(value)
        if direct is not None:
            return [direct]
        if isinstance(value, cst.Name):
            return list(facts.specs.get(value.value, []))
        return []

    def _foreign(self, value: Optional[cst.BaseExpression], state: State, live: frozenset[str]) -> dict[str, list[str]]:  # noqa: E501
        """Per mode, the fields set (not None) that the mode ignores in the spec returned."""
        foreign: dict[str, list[str]] = {}
        for mode in live:
            evaluator = self._evaluator(state[mode])
            names: list[str] = []
            for call, leaf in self._returned_specs(value, state[mode]):
                for name, arg in spec_fields(call, leaf) or []:
                    if (
                        mode not in tf_api.FIELD_MODES.get(name, ALL_MODES)
                        and not _noneish(evaluator.eval(arg.value))
                        and name not in names
                    ):
                        names.append(name)
            if names:
                foreign[mode] = names
        return foreign

    def _ignored_spec_args(self, node: cst.CSTNode, mode: str) -> list[cst.Arg]:
        """Arguments of spec calls in ``node`` for fields ``mode`` does not read."""
        ignored: list[cst.Arg] = []
        for call in st.calls(node):
            spec = self._spec_call(call)
            if spec is None:
                continue
            for name, arg in spec_fields(*spec) or []:
                if mode not in tf_api.FIELD_MODES.get(name, ALL_MODES):
                    ignored.append(arg)
        return ignored

    def _record_assigned_specs(self, stmt: cst.BaseStatement, defs: frozenset[str], state: State, modes: frozenset[str]) -> None:  # noqa: E501
        assigned: dict[str, list[tuple[cst.Call, str]]] = {}
        for node in st.own_nodes_in_order(stmt):
            if isinstance(node, cst.Assign) and len(node.targets) == 1:
                target = node.targets[0].target
                spec = self._spec_call(node.value)
                if isinstance(target, cst.Name) and spec is not None:
                    assigned.setdefault(target.value, []).append(spec)
        for mode in modes:
            for name in defs:
                if name in assigned:
                    state[mode].specs[name] = assigned[name]
                else:
                    state[mode].specs.pop(name, None)

    def _nested_specs(self, stmt: cst.BaseStatement, state: State, live: frozenset[str]) -> list[NestedSpec]:  # noqa: E501
        """Spec returns inside a compound statement, each judged for the modes that reach it
        (mode tests inside a ``with`` block narrow them)."""
        nested: list[NestedSpec] = []
        if isinstance(stmt, cst.If):
            self._returns_in_if(stmt, state, live, nested)
        else:
            self._returns_under(stmt, state, live, nested)
        return nested

    def _returns_under(self, node: cst.CSTNode, state: State, modes: frozenset[str], out: list[NestedSpec]) -> frozenset[str]:  # noqa: E501
        """Record the spec returns under ``node``; the modes that may run on after it."""
        for child in children(node):
            if not modes:
                break
            if isinstance(child, (cst.FunctionDef, cst.ClassDef, cst.Lambda)):
                continue
            if isinstance(child, cst.Return):
                foreign = self._foreign(child.value, state, modes)
                if foreign:
                    out.append(NestedSpec(node=child, foreign=foreign))
                modes = frozenset()
            elif isinstance(child, cst.If):
                modes = self._returns_in_if(child, state, modes, out)
            elif isinstance(child, (cst.For, cst.While, cst.Try)):
                self._returns_under(child, state, modes, out)  # may not run: modes go on
            else:
                modes = self._returns_under(child, state, modes, out)
        return modes

    def _returns_in_if(self, node: cst.If, state: State, modes: frozenset[str], out: list[NestedSpec]) -> frozenset[str]:  # noqa: E501
        decided = self._test_by_mode(node.test, state, modes)
        taken = frozenset(m for m, v in decided.items() if v is not False)
        rest = frozenset(m for m, v in decided.items() if v is not True)
        after = self._returns_under(node.body, state, taken, out)
        if isinstance(node.orelse, cst.If):
            return after | self._returns_in_if(node.orelse, state, rest, out)
        if isinstance(node.orelse, cst.Else):
            return after | self._returns_under(node.orelse.body, state, rest, out)
        return after | rest

    # ----------------------------------------------------------------- backward pass
    def _settle(self) -> None:
        """Liveness, then pin what is unsafe to skip, until nothing changes."""
        for _ in range(50):
            self._liveness(self.units, {})
            self._liveness(self.units, {}, usage=True)
            flat = list(leaves(self.units))
            changed = False
            for index, unit in enumerate(flat):
                for mode in sorted(unit.modes - unit.needed):
                    reason = self._skip_risk(unit, mode, flat[index + 1 :])
                    if reason is not None:
                        unit.pins[mode] = reason
                        changed = True
                kept = unit.bad_modes() & unit.needed
                if kept and unit.modes - unit.needed:
                    for mode in unit.modes - unit.needed:
                        unit.pins[mode] = "partial"
                    changed = True
            if not changed:
                return

    def _skip_risk(self, unit: Unit, mode: str, later: list[Unit]) -> Optional[str]:
        if unit.never_move:
            return "never"
        if unit.returns:
            return "returns"
        following = [v for v in later if mode in v.needed]
        if unit.creates_vars and any(v.autonamed for v in following):
            return "variables"
        if unit.seeds and any(v.seeds for v in following):
            if not self.unsafe_fixes:
                return "seeds"
            unit.unsafe_skip = True
        return None

    def _liveness(self, units: list[Unit], live_out: dict[str, set[str]], usage: bool = False) -> dict[str, set[str]]:  # noqa: E501
        """Backward pass: the modes in which each unit is needed. With ``usage``, ``used``
        instead: reads of spec fields a mode ignores (and safety pins) do not count."""
        needs = {name: set(modes) for name, modes in live_out.items()}
        for unit in reversed(units):
            if unit.kind == "mode_if":
                needs = self._branch_liveness(unit, needs, usage)
                continue
            wanted = {
                mode
                for mode in unit.modes
                if any(mode in needs.get(name, ()) for name in unit.defs)
            }
            if usage:
                unit.used = unit.base_needed | frozenset(wanted)
            else:
                unit.needed = unit.base_needed | frozenset(unit.pins) | frozenset(wanted)
            for name in unit.kills:
                if name in needs:
                    needs[name] -= unit.modes
            if unit.variants is not None:
                for variant in unit.variants:
                    for name in variant.reads:
                        needs.setdefault(name, set()).update(variant.modes)
            elif usage:
                for mode in unit.used:
                    for name in unit.use_reads.get(mode, unit.reads):
                        needs.setdefault(name, set()).add(mode)
            else:
                for name in unit.reads:
                    needs.setdefault(name, set()).update(unit.needed)
        return needs

    def _branch_liveness(self, unit: Unit, needs: dict[str, set[str]], usage: bool) -> dict[str, set[str]]:  # noqa: E501
        covered: set[str] = set()
        merged: dict[str, set[str]] = {}
        for branch in unit.branches:
            covered |= branch.modes
            sub = {n: ms & branch.modes for n, ms in needs.items()}
            for n, ms in self._liveness(branch.units, sub, usage).items():
                merged.setdefault(n, set()).update(ms)
        for n, ms in needs.items():
            merged.setdefault(n, set()).update(ms - covered)
        for n in unit.reads:
            merged.setdefault(n, set()).update(unit.modes)
        # Modes that take no branch only evaluate the (side-effect free) test.
        unit.needed = unit.used = frozenset(covered) & unit.modes
        return merged


#: Modules whose functions never build TensorFlow variables.
_PURE_MODULES = frozenset(
    {"np", "numpy", "onp", "math", "six", "os", "json", "logging", "functools", "collections",
     "re", "copy", "itertools", "absl", "flags", "random", "string", "sys", "time"}
)


def _root_name(node: cst.BaseExpression) -> str:
    while isinstance(node, (cst.Attribute, cst.Subscript, cst.Call)):
        node = node.func if isinstance(node, cst.Call) else node.value
    return node.value if isinstance(node, cst.Name) else ""


def _only_names(node: cst.BaseExpression) -> bool:
    """A name, or a literal dict/list/tuple of names under literal keys (builds no op)."""
    if isinstance(node, cst.Name):
        return True
    if isinstance(node, (cst.List, cst.Tuple)):
        return all(
            isinstance(el, cst.Element) and _only_names(el.value) for el in node.elements
        )
    if isinstance(node, cst.Dict):
        return all(
            isinstance(el, cst.DictElement)
            and isinstance(el.key, (cst.SimpleString, cst.Integer))
            and _only_names(el.value)
            for el in node.elements
        )
    return False


def _compares_with_none(node: cst.CSTNode, name: str) -> bool:
    """``name is None``, ``name is not None``, ``name == None`` or ``name != None``."""
    if not (isinstance(node, cst.Comparison) and isinstance(node.left, cst.Name)):
        return False
    return node.left.value == name and any(
        isinstance(target.operator, (cst.Is, cst.IsNot, cst.Equal, cst.NotEqual))
        and _is_none_literal(target.comparator)
        for target in node.comparisons
    )


def _is_none_literal(node: cst.CSTNode) -> bool:
    return isinstance(node, cst.Name) and node.value == "None"


def _noneish(value: Value) -> bool:
    return value is MAYBE_NONE or (isinstance(value, Const) and value.value is None)


def leaves(units: Iterable[Unit]) -> Iterator[Unit]:
    for unit in units:
        if unit.kind == "mode_if":
            for branch in unit.branches:
                yield from leaves(branch.units)
        else:
            yield unit


def spec_fields(call: cst.Call, leaf: str) -> Optional[list[tuple[str, cst.Arg]]]:
    """(field name, argument) pairs of a spec call; None when ``*args``/``**kwargs`` hide them."""
    positional = tf_api.SPEC_POSITIONAL.get(leaf, tf_api.SPEC_POSITIONAL["EstimatorSpec"])
    fields: list[tuple[str, cst.Arg]] = []
    for index, arg in enumerate(call.args):
        if arg.star:
            return None
        if arg.keyword is not None:
            fields.append((arg.keyword.value, arg))
        elif index < len(positional):
            fields.append((positional[index], arg))
        else:
            return None
    return fields


def split_spec(
    call: cst.Call, fields: list[tuple[str, cst.Arg]], live: frozenset[str], leaf: str
) -> list[SpecVariant]:
    """One spec per mode with only that mode's fields; identical variants merge."""
    variants: list[SpecVariant] = []
    for mode in MODE_ORDER:
        if mode not in live:
            continue
        kept = [(n, a) for n, a in fields if mode in tf_api.FIELD_MODES.get(n, ALL_MODES)]
        new_call = _rebuild_call(call, fields, kept)
        for variant in variants:
            if variant.call.deep_equals(new_call):
                variant.modes = variant.modes | {mode}
                break
        else:
            reads = frozenset().union(*(st.reads(a.value) for _, a in kept)) | st.reads(call.func)
            variants.append(SpecVariant(modes=frozenset({mode}), call=new_call, reads=reads))
    return variants


def _rebuild_call(
    call: cst.Call, fields: list[tuple[str, cst.Arg]], kept: list[tuple[str, cst.Arg]]
) -> cst.Call:
    original = [arg for _, arg in fields]
    kept_args = [arg for _, arg in kept]
    # A dropped positional argument shifts the ones after it: name those explicitly.
    args: list[cst.Arg] = []
    positional_ok = True
    for (name, arg), orig in zip(fields, original):
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
        del orig
    if args and original:
        args[-1] = args[-1].with_changes(comma=original[-1].comma)
    return call.with_changes(args=args)


def mode_names(modes: Iterable[str]) -> str:
    return "/".join(MODE_NAMES[m] for m in MODE_ORDER if m in set(modes))


__all__ = [
    "ALL_MODES",
    "Analyzer",
    "Branch",
    "Unit",
    "SpecVariant",
    "leaves",
    "mode_names",
    "P",
    "T",
    "E",
    "UNKNOWN",
]
