"""What the parts of one model_fn's analysis share: the model_fn, its names, the rules' policies,
and what the forward pass has learnt about its locals (mode flags, layer and EMA objects)."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Optional, Protocol

import libcst as cst

from codemods import statements as st
from codemods import tf_api
from codemods.model_fns import ModelFn, TfResolver
from codemods.modes.evaluate import UNKNOWN, Const, ModeEvaluator, Value, attribute_key
from codemods.modes.policy import TagPolicy, words
from codemods.modes.reach import class_methods
from codemods.vocabulary import ALL_MODES, Mode, Tag

#: The rule codes a suppression comment silences on a statement.
Suppressed = Callable[[cst.CSTNode], frozenset[str]]


class QualifiedNamesFn(Protocol):
    """The qualified names of an expression of the module, and what a name bound once is bound
    to (``codemods.names.QualifiedNames``)."""

    def __call__(self, node: cst.CSTNode) -> set[str]: ...

    def alias(self, node: cst.CSTNode) -> Optional[tuple[cst.BaseExpression, str]]: ...


class _Unresolved:
    """No names known (a model_fn analysed without its module's names)."""

    def __call__(self, node: cst.CSTNode) -> set[str]:
        return set()

    def alias(self, node: cst.CSTNode) -> Optional[tuple[cst.BaseExpression, str]]:
        return None


def _apart(one: list[Value], other: list[Value]) -> bool:
    """Whether values seen in two modes may differ (anything not a known constant may)."""
    return any(
        not (isinstance(a, Const) and isinstance(b, Const)) or a.value != b.value
        for a, b in zip(one, other)
    )


#: What ``tf.estimator.ModeKeys``' members hold (``"infer"`` for PREDICT).
_MODE_STRINGS = frozenset(mode.value for mode in ALL_MODES)


@dataclass
class Context:
    """One model_fn under analysis. ``selected``: the rule codes turned on."""

    fn: ModelFn
    resolve: TfResolver
    policies: tuple[TagPolicy, ...]
    selected: frozenset[str]
    suppressed: Suppressed
    unsafe_fixes: bool = False
    #: Qualified names of the module's expressions (non-TensorFlow ones: ``itertools.chain``).
    names: QualifiedNamesFn = field(default_factory=_Unresolved)
    #: Names bound to values the mode decides (``is_training = mode == TRAIN``), with each
    #: mode's value.
    mode_flags: set[str] = field(default_factory=set)
    flag_values: dict[str, dict[Mode, Value]] = field(default_factory=dict)
    #: Names bound to layer objects (``dense = tf.keras.layers.Dense(3)``): calling one builds.
    layer_objects: set[str] = field(default_factory=set)
    #: Names bound to ``tf.train.ExponentialMovingAverage(...)``.
    ema_objects: set[str] = field(default_factory=set)
    #: Names bound to an optimizer object (``opt = tf.train.AdamOptimizer(lr)``,
    #: ``G_opt = tflib.Optimizer(...)``): a setting until a method of it builds.
    optimizer_objects: set[str] = field(default_factory=set)
    #: Names bound to ``tf.GradientTape()`` (``with tf.GradientTape() as tape:``).
    tapes: set[str] = field(default_factory=set)
    #: Calls a statement's own test of the mode keeps out of TRAIN (the side of ``x if mode ==
    #: EVAL else y`` TRAIN does not take), by id (each kept, so no id is reused): what they
    #: build is not built for the train op.
    away_from_train: dict[int, cst.Call] = field(default_factory=dict)
    #: Objects the model_fn stores the mode on (``self.mode = mode``): their methods can tell
    #: the modes apart, and what they hold may be None where they chose so.
    mode_carriers: set[str] = field(default_factory=set)
    #: Per such object, the mode values stored on it (``mode``, ``mode == TRAIN``): which modes
    #: its methods can tell apart.
    carried_values: dict[str, list[cst.BaseExpression]] = field(default_factory=dict)
    _locals: Optional[set[str]] = None
    _outside: Optional[set[str]] = None
    _predicates: Optional[dict[str, cst.BaseExpression]] = None
    _mode_objects: Optional[set[str]] = None
    _result_tags: Optional[dict[str, frozenset[Tag]]] = None

    def evaluator(self, values: dict[str, Value]) -> ModeEvaluator:
        return ModeEvaluator(values, self.mode_key, self.predicates())

    def predicates(self) -> dict[str, cst.BaseExpression]:
        """The class's methods that take only ``self`` and return one expression, by name."""
        if self._predicates is None:
            self._predicates = {}
            for name, method in class_methods(self.fn).items():
                params = method.params
                every = [*params.posonly_params, *params.params, *params.kwonly_params]
                starred = isinstance(params.star_arg, cst.Param) or params.star_kwarg is not None
                if [p.name.value for p in every] != ["self"] or starred:
                    continue
                body = st.statements_of(method.body)
                if len(body) != 1 or not isinstance(body[0], cst.SimpleStatementLine):
                    continue
                small = body[0].body[0] if len(body[0].body) == 1 else None
                if isinstance(small, cst.Return) and small.value is not None:
                    self._predicates[name] = small.value
        return self._predicates

    def mode_key(self, node: cst.BaseExpression) -> Optional[str]:
        """The ModeKeys value (``"train"`` ...) an attribute names, or None: resolved as a
        TensorFlow name, or by its ``ModeKeys.<MODE>`` spelling when it does not resolve. A bare
        ``TRAIN``/``EVAL``/``PREDICT``/``INFER`` the model_fn does not bind itself is a mode
        constant imported by name (``from utils import PREDICT``, ``from
        tensorflow.estimator.ModeKeys import TRAIN``), and so is one read from a module the
        model_fn does not bind (``utils.INFER``, where the repository's utils binds ``INFER =
        ModeKeys.PREDICT``)."""
        if isinstance(node, cst.Name):
            if node.value in self.local_names():
                return None
            if node.value in tf_api.MODE_VALUES:
                return tf_api.MODE_VALUES[node.value]
            # ``_PREDICT = tf.estimator.ModeKeys.PREDICT`` (or ``= "infer"``), bound once
            aliased = self.names.alias(node)
            value = aliased[0] if aliased is not None and not aliased[1] else None
            if isinstance(value, cst.SimpleString) and value.evaluated_value in _MODE_STRINGS:
                return str(value.evaluated_value)
            return self.mode_key(value) if isinstance(value, cst.Attribute) else None
        if isinstance(node, cst.Call):
            return self._mode_key_got(node)
        if not isinstance(node, cst.Attribute):
            return None
        if node.attr.value not in tf_api.MODE_VALUES:
            # a member of the project's own ModeKeys that is none of the Estimator's modes
            # (``ModeKeys.ATTACK = "attack"``): a value the Estimator never passes
            spelled = st.leaf_name(node.value) == "ModeKeys" and self.resolve(node) is None
            return f"<not an Estimator mode: {node.attr.value}>" if spelled else None
        tf_name = self.resolve(node)
        key = tf_api.mode_key_value(tf_name) if tf_name else None
        owner = node.value
        module = isinstance(owner, cst.Name) and owner.value not in self.local_names()
        if tf_name is None and module:
            return tf_api.MODE_VALUES[node.attr.value]
        return key if key is not None else tf_api.spelled_mode_key(node)

    def _mode_key_got(self, call: cst.Call) -> Optional[str]:
        """``getattr(tf.estimator.ModeKeys, "PREDICT")``: the ModeKeys member a literal name
        reads, as ``ModeKeys.PREDICT`` would (a computed name is no known mode)."""
        tf_name = self.resolve(call)
        key = tf_api.mode_key_value(tf_name) if tf_name else None
        if key is not None or not (
            isinstance(call.func, cst.Name) and call.func.value == "getattr"
        ):
            return key
        if len(call.args) != 2 or any(arg.keyword or arg.star for arg in call.args):
            return None
        owner, name = (arg.value for arg in call.args)
        literal = name.evaluated_value if isinstance(name, cst.SimpleString) else None
        if literal not in tf_api.MODE_VALUES or st.leaf_name(owner) != "ModeKeys":
            return None
        return tf_api.MODE_VALUES[str(literal)]

    def value_in(self, expr: cst.BaseExpression, mode: Mode) -> Value:
        """What ``expr`` is in ``mode`` as far as the mode and the mode flags decide it."""
        values: dict[str, Value] = {self.fn.mode_param: Const(mode.value)}
        for flag, by_mode in self.flag_values.items():
            values[flag] = by_mode.get(mode, UNKNOWN)
        return self.evaluator(values).eval(expr)

    def note_mode_carriers(self, stmt: cst.BaseStatement) -> None:
        """Remember the objects ``stmt`` stores a mode value on (``self.mode = mode``)."""
        for node in st.own_nodes(stmt):
            if isinstance(node, cst.Assign) and self.reads_mode(node.value):
                for target in node.targets:
                    if isinstance(target.target, (cst.Attribute, cst.Subscript)):
                        root = target.target.value
                        while isinstance(root, (cst.Attribute, cst.Subscript)):
                            root = root.value
                        if isinstance(root, cst.Name):
                            self.carry(root.value, node.value)

    def carry(self, name: str, value: cst.BaseExpression) -> None:
        """The object ``name`` is given the mode value ``value`` to keep."""
        self.mode_carriers.add(name)
        kept = self.carried_values.setdefault(name, [])
        if not any(v.deep_equals(value) for v in kept):
            kept.append(value)

    def told_apart(self, exprs: Sequence[cst.BaseExpression]) -> frozenset[Tag]:
        """The tags whose right modes mode values ``exprs`` tell from the wrong ones (all of
        them for the mode itself; for ``is_training`` not the labels: it does not tell EVAL
        from PREDICT)."""
        if not exprs:
            return frozenset()
        seen = {mode: [self.value_in(expr, mode) for expr in exprs] for mode in ALL_MODES}
        return frozenset(
            policy.tag
            for policy in self.policies
            if all(
                _apart(seen[a], seen[b])
                for a in ALL_MODES - policy.blocked_in
                for b in policy.blocked_in
            )
        )

    def carried_gates(self, node: cst.CSTNode) -> frozenset[Tag]:
        """The tags a method of the object ``node`` is an attribute of can gate: those the mode
        values it was given tell apart."""
        root = st.root_node(node) if isinstance(node, (cst.Attribute, cst.Subscript)) else None
        if root is None:
            return frozenset()
        return self.told_apart(self.carried_values.get(root.value, []))

    def handed_the_mode(self, name: str) -> bool:
        """Whether the model_fn hands the object ``name`` the mode: a call of one of its
        methods, or the call it is built from, given a value that reads it
        (``model.build_graph(features, labels, mode)``); what it gives back is its choice."""
        if self._mode_objects is None:
            found: set[str] = set()
            for node in st.own_nodes(self.fn.node.body):
                roots: list[cst.CSTNode | None]
                if isinstance(node, cst.Assign) and isinstance(node.value, cst.Call):
                    call, roots = node.value, [t.target for t in node.targets]
                elif isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute):
                    call, roots = node, [st.root_node(node.func)]
                else:
                    continue
                if any(self.reads_mode(arg.value) for arg in call.args):
                    found |= {r.value for r in roots if isinstance(r, cst.Name)}
            self._mode_objects = found
        return name in self._mode_objects or name in self.mode_carriers

    def carried(self, node: cst.CSTNode) -> bool:
        """``node`` is an attribute (or a method) of an object that carries the mode."""
        while isinstance(node, (cst.Attribute, cst.Subscript)):
            node = node.value
            if isinstance(node, cst.Name):
                return node.value in self.mode_carriers
        return False

    def reads_mode(self, expr: cst.CSTNode) -> bool:
        """Whether ``expr`` reads the mode parameter or a mode flag."""
        names = st.reads(expr)
        if self.fn.mode_param in names or names & self.mode_flags:
            return True
        stored = {attribute_key(node) for node in (expr, *st.own_nodes(expr))}
        return bool(stored & self.mode_flags)

    def local_names(self) -> set[str]:
        """The model_fn's parameters and every name its body binds."""
        if self._locals is None:
            params = self.fn.node.params
            every = [*params.posonly_params, *params.params, *params.kwonly_params]
            self._locals = {param.name.value for param in every} | st.defines(self.fn.node.body)
        return self._locals

    def outside_objects(self) -> set[str]:
        """The names the model_fn only stores into (a closure's ``self``): objects from
        outside, bound before it runs, in every mode."""
        if self._outside is None:
            self._outside = st.only_stored_into(self.fn.node.body)
        return self._outside

    def result_tags(self) -> dict[str, frozenset[Tag]]:
        """What a helper builds, by what the model_fn calls its result: ``loss, train_op =
        common.optimize(...)`` anywhere in it makes every call of ``common.optimize`` build a
        train op (``loss, _ = common.optimize(...)`` in EVAL too); and by what it does with it:
        a result handed to a spec as ``eval_metric_ops=`` is metric ops. Keyed by the callee's
        code."""
        if self._result_tags is None:
            found: dict[str, frozenset[Tag]] = {}
            nodes = list(st.own_nodes(self.fn.node.body))
            metric_ops = _handed_as_metric_ops(nodes, self.fn.helpers)
            train_ops = _handed_as_train_op(nodes)
            metrics = self._metric_names(nodes)
            empty = metric_ops & self._made_empty(nodes)
            for node in nodes:
                filling = self._filling(node, empty)
                if filling is not None:
                    callee = st.code_of(filling.func)
                    found[callee] = found.get(callee, frozenset()) | {Tag.METRIC}
                if not (isinstance(node, cst.Assign) and isinstance(node.value, cst.Call)):
                    continue
                if self.names(node.value.func) & _CONTAINERS:
                    continue  # ``OrderedDict()`` makes the dict: it builds nothing
                bound = st.defines(node)
                tags = frozenset(p.tag for p in self.policies if p.defines & bound)
                # handed metrics already (``flatten({"acc": tf.metrics.accuracy(...)})``), it
                # only regroups them: what else it is called on builds none
                if bound & metric_ops and not self._builds_metric(node.value.args, metrics):
                    tags |= {Tag.METRIC}
                # its result (or an attribute of it) handed to a spec as ``train_op=``
                # (``step = model.create_train_spec()``, ``train_op=step.train_op``)
                if bound & train_ops:
                    tags |= {Tag.TRAIN}
                if tags:
                    callee = st.code_of(node.value.func)
                    found[callee] = found.get(callee, frozenset()) | tags
            self._result_tags = found
        return self._result_tags

    def _made_empty(self, nodes: list[cst.CSTNode]) -> set[str]:
        """The names the model_fn binds only to an empty container (``{}``, ``dict()``,
        ``OrderedDict()``): a dict it leaves to others to fill, not one it fills itself
        (``{"acc": acc}``), which a helper it is handed to only reads (writes summaries of it).
        Stores into the dict (``metrics["loss"] = ...``) bind no name."""
        empty: set[str] = set()
        other: set[str] = set()
        for node in nodes:
            if isinstance(node, cst.Assign):
                value = node.value
                made = (isinstance(value, cst.Dict) and not value.elements) or (
                    isinstance(value, cst.Call)
                    and not value.args
                    and bool(self.names(value.func) & _CONTAINERS)
                )
                for target in node.targets:
                    named = made and isinstance(target.target, cst.Name)
                    (empty if named else other).update(st.bound_names(target.target))
            elif isinstance(node, (cst.AnnAssign, cst.AugAssign, cst.For)):
                other.update(st.bound_names(node.target))
        return empty - other

    def _filling(self, node: cst.CSTNode, metric_ops: set[str]) -> Optional[cst.Call]:
        """The call, where ``node`` is a statement calling a function of another module with a
        dict the model_fn makes empty (``_made_empty``) and hands on as ``eval_metric_ops=``
        (``evaluate(labels, probs, "ctr", eval_metric_ops)``): the function returns nothing the
        model_fn keeps and fills the dict with metric ops. Not TensorFlow, Python's own
        functions, or a method of a local object (``logger.info``)."""
        if not (isinstance(node, cst.Expr) and isinstance(node.value, cst.Call)):
            return None
        call = node.value
        handed = {a.value.value for a in call.args if isinstance(a.value, cst.Name)}
        if not handed & metric_ops:
            return None
        if self.resolve(call.func) is not None or st.root_name(call.func) in self.local_names():
            return None
        if any(n.startswith(("builtins.", "logging.")) for n in self.names(call.func)):
            return None
        return call

    def _builds_metric(self, node: cst.CSTNode | Sequence[cst.CSTNode], names: set[str]) -> bool:
        """``node`` calls what builds metric ops (``tf.metrics.accuracy``, ``metric_fn``), or
        reads one of ``names``."""
        parts = [node] if isinstance(node, cst.CSTNode) else list(node)
        if any(st.reads(part) & names for part in parts):
            return True
        metric = [p for p in self.policies if p.tag is Tag.METRIC]
        for call in (call for part in parts for call in st.calls(part)):
            tf_name = self.resolve(call.func)
            if tf_name is not None:
                if any(p.tf_call(tf_name) for p in metric):
                    return True
                continue
            callee = st.leaf_name(call.func)
            if callee and any(p.helper(words(callee)) for p in metric):
                return True
        return False

    def _metric_names(self, nodes: list[cst.CSTNode]) -> set[str]:
        """The names the model_fn binds to metric ops, or to values gathered from them."""
        assigned = [
            (node.value, st.defines(node))
            for node in nodes
            if isinstance(node, (cst.Assign, cst.AugAssign, cst.AnnAssign))
            and node.value is not None
        ]
        names: set[str] = set()
        while True:
            more = set().union(
                *(bound for value, bound in assigned if self._builds_metric(value, names))
            )
            if more <= names:
                return names
            names |= more

    def active(self, code: str, stmt: cst.CSTNode) -> bool:
        """Rule ``code`` is selected and not silenced on ``stmt``."""
        return code in self.selected and code not in self.suppressed(stmt)


#: Python's own containers: the dict a model_fn fills with metric ops is made by one.
_CONTAINERS = frozenset(
    {"builtins.dict", "builtins.list", "collections.OrderedDict", "collections.defaultdict"}
)


def _handed_as_metric_ops(
    nodes: list[cst.CSTNode], helpers: Optional[Mapping[str, cst.FunctionDef]] = None
) -> set[str]:
    """The names the model_fn hands to a spec as ``eval_metric_ops=`` (itself, or through an
    in-file helper that hands its parameter there: ``return eval_spec(loss, metrics)``), and
    those of the values in the dict it hands there (written in the call,
    ``eval_metric_ops={"acc": acc}``, bound to the name it hands, ``metrics = {"acc": acc}``,
    or stored into it, ``metrics["acc"] = acc``) that it reads nowhere else but in statements
    of their own (a summary of one)."""
    handed: set[str] = set()
    values: set[str] = set()
    for node in nodes:
        if not isinstance(node, cst.Call):
            continue
        for arg in _metric_ops_args(node, helpers or {}):
            if isinstance(arg.value, cst.Name):
                handed.add(arg.value.value)
            values |= _dict_values(arg.value)
    elements = _loop_elements(nodes)
    for node in nodes:
        if not isinstance(node, cst.Assign):
            continue
        for target in (t.target for t in node.targets):
            if isinstance(target, cst.Name) and target.value in handed:
                values |= _dict_values(node.value)
            stored = isinstance(target, cst.Subscript) and st.root_name(target) in handed
            if stored and isinstance(node.value, cst.Name):
                values.add(node.value.value)
                values |= elements.get(node.value.value, set())
    smalls = [node for node in nodes if isinstance(node, cst.BaseSmallStatement)]
    return handed | {name for name in values if _read_as_metric_only(name, smalls, handed)}


def _handed_as_train_op(nodes: list[cst.CSTNode]) -> set[str]:
    """The names whose value the model_fn hands a spec as ``train_op=`` (``train_op=op``), or
    an attribute of it (``train_op=step.train_op``) where no method of that object is called
    and nothing is stored on it: then what it was made by made the train op (not
    ``model.build_graph()`` later)."""
    handed: set[str] = set()
    objects: set[str] = set()
    for node in nodes:
        if not isinstance(node, cst.Call):
            continue
        leaf = st.leaf_name(node.func)
        if not (leaf and tf_api.is_estimator_spec(leaf)):
            continue
        for field_name, arg in tf_api.spec_fields(node, leaf) or []:
            if field_name != "train_op":
                continue
            if isinstance(arg.value, cst.Name):
                handed.add(arg.value.value)
            elif isinstance(arg.value, cst.Attribute):
                objects.add(st.root_name(arg.value))
    called = {id(n.func) for n in nodes if isinstance(n, cst.Call)}
    stored = {id(n.target) for n in nodes if isinstance(n, cst.AssignTarget)}
    changed = {
        st.root_name(node.value)
        for node in nodes
        if isinstance(node, cst.Attribute) and (id(node) in called or id(node) in stored)
    }
    return handed | (objects - changed - {""})


def _loop_elements(nodes: list[cst.CSTNode]) -> dict[str, set[str]]:
    """The names whose elements a ``for`` loop's targets take: ``for name, dice in zip(names,
    dices)`` gives ``dice`` the elements of ``dices``; ``for i, x in enumerate(xs)`` and ``for x
    in xs`` give ``x`` those of ``xs``."""
    found: dict[str, set[str]] = {}
    for node in nodes:
        if not isinstance(node, cst.For):
            continue
        target, source = node.target, node.iter
        if isinstance(source, cst.Call) and isinstance(source.func, cst.Name):
            sources = [a.value for a in source.args if a.keyword is None]
            if source.func.value == "enumerate" and len(sources) == 1:
                sources = [cst.Name("_"), sources[0]]
            elif source.func.value != "zip":
                continue
            targets = list(target.elements) if isinstance(target, cst.Tuple) else []
            if len(targets) != len(sources):
                continue
            pairs = [(t.value, s) for t, s in zip(targets, sources)]
        else:
            pairs = [(target, source)]
        for bound, iterated in pairs:
            if isinstance(bound, cst.Name) and isinstance(iterated, cst.Name):
                found.setdefault(bound.value, set()).add(iterated.value)
    return found


def _metric_ops_args(
    call: cst.Call, helpers: Mapping[str, cst.FunctionDef]
) -> Iterator[cst.Arg]:
    """The arguments of ``call`` that become a spec's ``eval_metric_ops``: its own keyword (or
    the spec's own positional place for it), or where it calls an in-file helper, those given
    for the parameters the helper hands there."""
    leaf = st.leaf_name(call.func)
    fields = tf_api.spec_fields(call, leaf) if leaf and tf_api.is_estimator_spec(leaf) else None
    for field_name, arg in fields or [(a.keyword.value, a) for a in call.args if a.keyword]:
        if field_name == "eval_metric_ops":
            yield arg
    helper = helpers.get(call.func.value) if isinstance(call.func, cst.Name) else None
    if helper is None:
        return
    handed = _handed_as_metric_ops(list(st.own_nodes(helper.body)))
    params = [p.name.value for p in (*helper.params.posonly_params, *helper.params.params)]
    named = params + [p.name.value for p in helper.params.kwonly_params]
    for index, arg in enumerate(call.args):
        if arg.star:
            return
        if arg.keyword is not None:
            name = arg.keyword.value if arg.keyword.value in named else None
        else:
            name = params[index] if index < len(params) else None
        if name in handed:
            yield arg


def _read_as_metric_only(
    name: str, smalls: list[cst.BaseSmallStatement], handed: set[str]
) -> bool:
    """``name`` is read only where the model_fn gathers it into metric ops it hands a spec, or by
    a statement of its own (``tf.summary.scalar("men", men[1])``): not a prediction, loss or
    value it computes with that happens to be shown among the metrics."""
    for small in smalls:
        if name not in st.reads(small) or isinstance(small, cst.Expr):
            continue
        if isinstance(small, cst.Assign) and all(
            isinstance(t.target, (cst.Name, cst.Subscript))
            and st.root_name(t.target) in handed
            for t in small.targets
        ):
            continue  # ``metrics = {"men": men}``, ``metrics["men"] = men``
        metric_args = [
            arg
            for call in st.calls(small)
            for arg in call.args
            if arg.keyword is not None and arg.keyword.value == "eval_metric_ops"
        ]
        if not metric_args or name in st.reads_without(small, metric_args):
            return False
    return True


def _dict_values(node: cst.BaseExpression) -> set[str]:
    """The names a dict display holds as values (``{"acc": acc}``)."""
    if not isinstance(node, cst.Dict):
        return set()
    return {
        element.value.value
        for element in node.elements
        if isinstance(element, cst.DictElement) and isinstance(element.value, cst.Name)
    }

