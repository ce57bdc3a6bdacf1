"""What a call builds, as far as the rules and the safety contract care: the tags it gives its
result, whether it creates variables or auto-named layers or draws a random seed, whether it is
an opaque helper handed labels, and whether it gates itself on the mode."""

from __future__ import annotations

import builtins
from collections.abc import Collection, Iterable
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from typing import Callable, Optional

import libcst as cst

from codemods import statements as st
from codemods import tf_api
from codemods.model_fns import TfResolver, features_param, param_names
from codemods.modes import attributes
from codemods.modes.anyway import Anyway
from codemods.modes.arguments import arguments, carries_label, parameter
from codemods.modes.context import Context
from codemods.modes.evaluate import NOT_NONE, Const
from codemods.modes.input_gradients import input_gradients
from codemods.modes.on_none import decided_by_none, looks_into
from codemods.modes.passthrough import returns_display, returns_function, unpacked_targets
from codemods.modes.policy import TagPolicy, words
from codemods.modes.reach import open_reaches, own_method, value_used
from codemods.modes.state import Facts
from codemods.tree import walk
from codemods.vocabulary import ALL_MODES, Tag

_BUILTINS = frozenset(dir(builtins))

#: TensorFlow's control flow, which calls the functions it is handed while the graph is built.
_CALLS_ITS_FUNCTIONS = frozenset(
    {"cond", "case", "switch_case", "while_loop", "map_fn", "scan", "foldl", "foldr", "smart_cond"}
)

#: Modules whose functions never build TensorFlow variables.
_PURE_MODULES = frozenset(
    {"np", "numpy", "onp", "math", "six", "os", "json", "logging", "functools", "collections",
     "re", "copy", "itertools", "absl", "flags", "random", "string", "sys", "time"}
)


@dataclass
class CallFacts:
    """What the calls of one statement build, in one mode."""

    tags: set[Tag] = field(default_factory=set)
    #: Tags of what the calls build besides the values the statement keeps.
    built: set[Tag] = field(default_factory=set)
    creates_vars: bool = False
    autonamed: bool = False
    seeds: bool = False
    never_move: bool = False
    opaque: list[cst.Call] = field(default_factory=list)
    #: The tags a helper given the mode (or a mode flag) can keep out of the modes where they are
    #: wrong (``gates``), and the arguments it was handed with the tags each call gates.
    gates: frozenset[Tag] = frozenset()
    gated_args: list[tuple[cst.Arg, frozenset[Tag]]] = field(default_factory=list)
    #: Objects that carry the mode whose methods were called (the name each call starts
    #: from), with the tags each call gates: ``self.build_graph()`` after ``self.mode = mode``
    #: reads what ``self`` holds (the labels stored on it) under its own tests of the mode.
    gated_receivers: list[tuple[cst.Name, frozenset[Tag]]] = field(default_factory=list)

    @property
    def mode_aware(self) -> bool:
        """A helper here gates itself on the mode: its results may be None in some modes (not
        where the statement builds a tagged value anyway)."""
        return bool(self.gates) and not self.tags
    consumer: bool = False  # summaries and hooks consume metrics
    #: Calls of functions the analysis cannot read (not TensorFlow's, not the file's own).
    unread: list[cst.Call] = field(default_factory=list)


def handed_values(call: cst.Call) -> list[cst.BaseExpression]:
    """What ``call`` hands its callee: each argument, and each element of an argument that is a
    list, tuple, set or dict display (``inputs=[x, labels, lengths, mode]`` hands the mode)."""
    values: list[cst.BaseExpression] = []
    for arg in call.args:
        values.append(arg.value)
        if isinstance(arg.value, (cst.List, cst.Tuple, cst.Set)):
            values += [e.value for e in arg.value.elements]
        elif isinstance(arg.value, cst.Dict):
            values += [e.value for e in arg.value.elements if isinstance(e, cst.DictElement)]
    return values


def _absorb(out: CallFacts, inner: CallFacts, gates: frozenset[Tag] = frozenset()) -> None:
    """What a file's function the statement runs builds, less the tags it gates: the
    statement builds it too."""
    out.tags |= inner.tags - gates
    out.built |= inner.built - gates
    out.creates_vars |= inner.creates_vars
    out.autonamed |= inner.autonamed
    out.seeds |= inner.seeds


def _labels_handed(call: cst.Call, facts: Facts) -> list[tuple[int, cst.Arg]]:
    """The arguments of ``call`` that carry labels, with their positions."""
    return [(i, arg) for i, arg in enumerate(call.args) if carries_label(facts, arg.value)]


def _made_receiver(call: cst.Call) -> Optional[cst.Call]:
    """The call that makes the object ``call`` is a method of, where it is made in the same
    expression (``Detector(mode=mode).build(...)``: an object made for this mode)."""
    func = call.func
    if isinstance(func, cst.Attribute) and isinstance(func.value, cst.Call):
        return func.value
    return None


def _handed_by_keyword(node: cst.CSTNode, helpers: Collection[str]) -> dict[int, cst.Call]:
    """The objects under ``node`` handed by keyword to another call as its setting, by id, with
    that call: a class instantiated (``FtrlOptimizer(...)``, named as classes are), not what a
    function returns (``create_train_op(loss)`` builds its ops wherever its result goes), handed
    to a call that is not a builtin (``dict(main=...)`` gathers its values as ``{"main": ...}``
    does; ``helpers``: the file's functions, which may shadow one)."""
    found: dict[int, cst.Call] = {}
    for call in st.calls(node):
        outer = call.func.value if isinstance(call.func, cst.Name) else ""
        if outer in _BUILTINS and outer not in helpers:
            continue
        for arg in call.args:
            value = arg.value
            if arg.keyword is not None and isinstance(value, cst.Call) and _instantiates(value):
                found[id(value)] = call
    return found


def _instantiates(call: cst.Call) -> bool:
    """The callee is named as a class is (``entry.FtrlOptimizer``), not as a function."""
    return st.leaf_name(call.func)[:1].isupper()


def _callee_words(call: cst.Call) -> tuple[str, ...]:
    func = call.func
    name = func.attr.value if isinstance(func, cst.Attribute) else st.leaf_name(func)
    return tuple(words(name or ""))


#: Assignments to a variable, as a TensorFlow function or a variable's method.
_ASSIGNS = frozenset({"assign", "assign_add"})
#: TensorFlow functions that give the global step.
_GLOBAL_STEP_GETTERS = frozenset({"get_global_step", "get_or_create_global_step"})


def compares_with_none(node: cst.CSTNode, name: str) -> bool:
    """``name is None``, ``name is not None``, ``name == None`` or ``name != None``."""
    if not (isinstance(node, cst.Comparison) and isinstance(node.left, cst.Name)):
        return False
    return node.left.value == name and any(
        isinstance(target.operator, (cst.Is, cst.IsNot, cst.Equal, cst.NotEqual))
        and is_none_literal(target.comparator)
        for target in node.comparisons
    )


def is_none_literal(node: cst.CSTNode) -> bool:
    return isinstance(node, cst.Name) and node.value == "None"


def bound_objects(
    body: cst.CSTNode, resolve: TfResolver, kind: Callable[[str], bool]
) -> set[str]:
    """The names ``body`` binds to objects of a TensorFlow class ``kind`` accepts, by assignment
    (``ema = tf.train.ExponentialMovingAverage(0.99)``) or by ``with ... as``
    (``with tf.GradientTape() as tape:``)."""
    found: set[str] = set()
    for node in st.own_nodes(body):
        if isinstance(node, cst.Assign) and isinstance(node.value, cst.Call):
            value, targets = node.value, [t.target for t in node.targets]
        elif isinstance(node, cst.WithItem) and isinstance(node.item, cst.Call) and node.asname:
            value, targets = node.item, [node.asname.name]
        else:
            continue
        tf_name = resolve(value.func)
        if tf_name is not None and kind(tf_name):
            found |= {target.value for target in targets if isinstance(target, cst.Name)}
    return found


def optimizer_objects(body: cst.CSTNode, ctx: Context) -> set[str]:
    """The names ``body`` binds to an object of an optimizer class: TensorFlow's, or one
    named as a class and for what the training policy watches (``tflib.Optimizer(...)``)."""
    train = [p for p in ctx.policies if p.tag is Tag.TRAIN]
    found: set[str] = set()
    for node in st.own_nodes(body):
        if not (isinstance(node, cst.Assign) and isinstance(node.value, cst.Call)):
            continue
        call = node.value
        tf_name = ctx.resolve(call.func)
        if not _instantiates(call):
            continue
        if (tf_name is not None and any(p.tf_call(tf_name) for p in train)) or (
            tf_name is None and any(p.helper(_callee_words(call)) for p in train)
        ):
            found |= {t.target.value for t in node.targets if isinstance(t.target, cst.Name)}
    return found


def tf_function_results(body: cst.CSTNode, resolve: TfResolver) -> set[str]:
    """The names ``body`` binds once, alone, to what a TensorFlow function (not a class) returns
    (``train_ops = tfgan.gan_train_ops(...)``, ``mean, var = tf.nn.moments(x, [0])``)."""
    once: dict[str, int] = {}
    found: set[str] = set()
    for node in st.own_nodes(body):
        for name in st.defines(node) if isinstance(node, cst.BaseSmallStatement) else ():
            once[name] = once.get(name, 0) + 1
        if not (isinstance(node, cst.Assign) and isinstance(node.value, cst.Call)):
            continue
        if resolve(node.value.func) is None or _instantiates(node.value):
            continue
        found |= {t.target.value for t in node.targets if isinstance(t.target, cst.Name)}
    return {name for name in found if once.get(name) == 1}


def _calls_picked_at_run_time(function: cst.FunctionDef) -> bool:
    """``function``'s own body calls something looked up in a container (``{...}[name](lr)``)
    or one of its parameters: what it builds is not in its text."""
    params = set(param_names(function))
    return any(
        isinstance(node.func, cst.Subscript)
        or (isinstance(node.func, cst.Name) and node.func.value in params)
        for node in st.own_nodes(function.body)
        if isinstance(node, cst.Call)
    )


def _told_not_to_train(call: cst.Call) -> bool:
    """``create_model(..., is_training=False)``, ``core(..., train_mode=False)``: the helper is
    told, in so many words, that it does not train here; what its result is called
    (``train_op``) does not make it build a training op."""
    return any(
        arg.keyword is not None
        and {"train", "training"} & set(words(arg.keyword.value))
        and isinstance(arg.value, cst.Name)
        and arg.value.value == "False"
        for arg in call.args
    )


def _is_static(decorator: cst.Decorator) -> bool:
    return type(decorator.decorator) is cst.Name and decorator.decorator.value == "staticmethod"


def unpacked_labels(
    helper: cst.FunctionDef, name: str, handed: cst.Tuple, facts: Facts
) -> Optional[set[str]]:
    """The names a helper unpacks the label-carrying elements of a tuple parameter into
    (``features, labels = batch``), when that is all it does with the tuple."""
    uses = [n for n in st.own_nodes(helper.body) if isinstance(n, cst.Name) and n.value == name]
    for node in st.own_nodes(helper.body):
        if not (
            isinstance(node, cst.Assign)
            and len(node.targets) == 1
            and isinstance(node.value, cst.Name)
            and node.value.value == name
            and isinstance(node.targets[0].target, cst.Tuple)
            and len(uses) == 1
        ):
            continue
        targets = node.targets[0].target.elements
        if len(targets) != len(handed.elements):
            return None
        return {
            target.value.value
            for target, element in zip(targets, handed.elements)
            if isinstance(target.value, cst.Name) and carries_label(facts, element.value)
        }
    return None


def _module_of(func: cst.BaseExpression) -> str:
    """``optimizers`` of ``tfa.optimizers.LazyAdam``; "" for a plain name."""
    if isinstance(func, cst.Attribute):
        base = func.value
        if isinstance(base, cst.Attribute):
            return base.attr.value
        if isinstance(base, cst.Name):
            return base.value
    return ""


class Calls:
    """Classify the calls of the statements of one model_fn."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self._helpers: dict[str, CallFacts] = {}
        self.anyway = Anyway(self)
        self._methods = {m: p for p in ctx.policies for m in p.methods}
        self._input_gradients: Optional[frozenset[int]] = None

    def facts(self, node: cst.CSTNode, facts: Facts, depth: int = 0) -> CallFacts:
        """What the calls under ``node`` build, with what ``facts`` knows of the names."""
        return self.facts_of(node, st.calls(node), facts, depth)

    def facts_of(
        self, node: cst.CSTNode, calls: Iterable[cst.Call], facts: Facts, depth: int = 0
    ) -> CallFacts:
        """What ``calls`` (calls under ``node``) build, each by itself: not what the calls
        nested in one of them build (a branch of a conditional expression it is handed)."""
        out = CallFacts()
        handed = _handed_by_keyword(node, self.ctx.fn.helpers)
        for call in calls:
            self._classify(call, facts, out, depth, handed.get(id(call)))
        return out

    def _gated_receiver(self, call: cst.Call, gates: frozenset[Tag], out: CallFacts) -> None:
        root = st.root_node(call.func)
        if root is not None and self.ctx.carried(call.func):
            out.gated_receivers.append((root, gates))

    def _classify(
        self,
        call: cst.Call,
        facts: Facts,
        out: CallFacts,
        depth: int,
        setting_of: Optional[cst.Call] = None,
    ) -> None:
        """What ``call`` builds; ``setting_of``: the call it is handed to by keyword, if any.
        A method called on an object that holds labels only in attributes this method does
        not read here keeps them out of the statement (``attributes``)."""
        count = len(out.gated_receivers)
        self._classify_call(call, facts, out, depth, setting_of)
        if not self._reads_no_stored_labels(call, facts):
            return
        kept = frozenset({Tag.LABEL})
        mine = out.gated_receivers[count:]
        root = st.root_node(call.func)
        if mine:
            out.gated_receivers[count:] = [(node, gates | kept) for node, gates in mine]
        elif root is not None:
            out.gated_receivers.append((root, kept))

    def _reads_no_stored_labels(self, call: cst.Call, facts: Facts) -> bool:
        """``self._set_params(params)`` after ``self.labels = labels``: a method of the file's
        own class, on an object that holds labels only in attributes, that may not read them
        under this mode's values of its arguments."""
        func = call.func
        if not (isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name)):
            return False
        labelled = attributes.labelled_attributes(facts.tags, func.value.value)
        if labelled is None:
            return False
        method, skipped = self.in_file_callee(call, facts)
        if method is None or skipped != 1:
            return False
        methods = attributes.methods_of(self.ctx.fn, facts.instances, func.value.value)
        given = self.ctx.evaluator(arguments(self.ctx.evaluator(facts.values), method, 1, call))
        unknown = self.ctx.evaluator({})
        return not attributes.may_read(method, labelled, methods, given, unknown)

    def _tensorflow_call(
        self, tf_name: str, call: cst.Call, facts: Facts, out: CallFacts, depth: int
    ) -> None:
        """What a TensorFlow call builds; one handed the mode and the labels (a canned model_fn,
        a head of TensorFlow's; not the spec it returns) gates itself as a helper given the mode
        does (``tf.equal(mode, TRAIN)`` is handed no labels: an op like any other)."""
        self._tf_call(tf_name, call, out)
        self._functions_it_calls(tf_name, call, facts, out, depth)
        if (
            self._hands_the_mode(call)
            and not tf_api.is_estimator_spec(tf_name)
            and any(carries_label(facts, arg.value) for arg in call.args)
        ):
            gates = self.mode_gates(call)
            out.gates |= gates
            out.gated_args.extend((arg, gates) for arg in call.args)

    def _classify_call(
        self,
        call: cst.Call,
        facts: Facts,
        out: CallFacts,
        depth: int,
        setting_of: Optional[cst.Call],
    ) -> None:
        tf_name = self.ctx.resolve(call.func)
        if tf_name is not None:
            self._tensorflow_call(tf_name, call, facts, out, depth)
            return
        instance = self._instance_method(call, facts)
        callee = self._callee(call, out)  # ``opt.minimize(loss)`` on any object
        if instance:  # ``model.build(is_training, x, labels)``: its body is read for labels
            gates = self._gates(call, facts)
            out.gates |= gates
            out.gated_args.extend((arg, gates) for arg in call.args)
            self._gated_receiver(call, gates, out)
            out.built |= self.anyway.built(call, facts) & {Tag.TRAIN}  # whatever the mode
            return
        if callee is None:  # a method of a local object: given the mode, it gates itself too
            self._local_method(call, facts, out)
            return
        # A helper given what tells apart the modes where a tag is right from those where it is
        # wrong (the mode itself, or ``is_training`` for training ops but not for labels: it does
        # not tell EVAL from PREDICT), or one that tests the labels it gets against None, scopes
        # that tag itself: neither its name, its body nor what it is handed make the statement
        # wrong for it (the rest of the statement still can).
        gates = self._gates(call, facts)
        if gates:
            out.gates |= gates
            out.gated_args.extend((arg, gates) for arg in call.args)
            self._gated_receiver(call, gates, out)
            # a training op it builds whatever the mode it is given (read in its body)
            out.built |= self.anyway.built(call, facts) & {Tag.TRAIN}
        named, module = words(callee), _module_of(call.func)
        # An object of a name the policy knows, handed by keyword to a call the policy does not
        # know (``FeatureSlotConfig(bias_optimizer=entry.FtrlOptimizer(...))``), is that call's
        # setting: it makes the call no more a training op than a learning rate would.
        outer = _callee_words(setting_of) if setting_of is not None else None
        helper = self.ctx.fn.helpers.get(callee) if isinstance(call.func, cst.Name) else None
        # ``get_train_op_fn(params)`` returning the function it defines: its name is the
        # returned function's, which builds only where it is called
        factory = helper is not None and returns_function(helper)
        by_name = {
            p.tag
            for p in self.ctx.policies
            if (p.helper(named) or p.module_class(module, callee))
            and p.tag not in gates
            and (outer is None or p.helper(outer))
            and not factory
        }
        if helper is None:  # ``ResNet(inps=x, lbls=labels)``: a class of the module builds
            helper = self.anyway.constructor(call)  # what its ``__init__`` does
        handed_mode = any(self.ctx.reads_mode(arg.value) for arg in call.args)
        if helper is None and not handed_mode:  # ``self.add_summaries(x)``: a method of the
            # model_fn's class, read where it is handed nothing made of the mode (given the mode
            # or a flag, a method is trusted to gate itself)
            helper = own_method(call, self.ctx.fn)
            callee = "self." + callee if helper is not None else callee
        if helper is None:  # one the analysis cannot read: known by what its result is called
            # elsewhere; it builds that, but which of its results holds it is not known here.
            out.built |= self.ctx.result_tags().get(st.code_of(call.func), frozenset()) - gates
            out.unread.append(call)
            if Tag.TRAIN not in by_name:  # ``loss = losses(G, D, opt=G_opt)``: an optimizer
                # handed to a call not named for training is its setting (loss scaling), as a
                # learning rate would be - what it gives back is no training value for it
                out.gated_args.extend(
                    (arg, frozenset({Tag.TRAIN}))
                    for arg in call.args
                    if isinstance(arg.value, cst.Name)
                    and arg.value.value in self.ctx.optimizer_objects
                )
        if Tag.LABEL not in gates:
            out.opaque.append(call)
        if helper is not None and depth < 3:
            # a function the analysis reads builds what its body builds, whatever its name
            # says (``get_cm_metric()`` looking a tensor up by name builds no metric op) -
            # unless the body picks what it calls at run time (``OPTIMIZERS[name](lr)``, a
            # function it is handed): that may build what the name says
            inner = self._helper_facts(callee, helper, facts, depth)
            _absorb(out, inner, gates)
            out.consumer |= inner.consumer  # it hands what it is given to a summary or hook
            if _calls_picked_at_run_time(helper):
                out.tags |= by_name
            else:  # (``metric_fn(...)`` is a metric op by SPEC's word)
                out.tags |= {p.tag for p in self.ctx.policies if p.named_by_spec(named)} & by_name
        else:
            out.tags |= by_name
            out.creates_vars = out.autonamed = out.seeds = True

    def _local_method(self, call: cst.Call, facts: Facts, out: CallFacts) -> None:
        """A method of a local object the analysis does not read (``model.build(x, labels)``)."""
        made = _made_receiver(call)
        gates = self.mode_gates(call) or (self.mode_gates(made) if made else frozenset())
        out.gates |= gates
        out.gated_args.extend((arg, gates) for arg in call.args if gates)
        # what the model_fn hands its result to as eval_metric_ops: metric ops; as
        # train_op: a training op, unless the object was handed the mode (its choice)
        used = self.ctx.result_tags().get(st.code_of(call.func), frozenset())
        chosen = self.ctx.handed_the_mode(st.root_name(call.func))
        out.built |= (used & ({Tag.METRIC} if chosen else {Tag.METRIC, Tag.TRAIN})) - gates
        method = call.func.attr.value if isinstance(call.func, cst.Attribute) else None
        # a method the analysis cannot read handed labels, as a helper is (a container's
        # ``append`` or ``update`` stores what it is given: no helper)
        handed_labels = any(carries_label(facts, arg.value) for arg in call.args)
        if handed_labels and Tag.LABEL not in gates and method not in st.MUTATING_METHODS:
            out.opaque.append(call)

    def _instance_method(self, call: cst.Call, facts: Facts) -> bool:
        """A method called on an instance of one of the module's classes."""
        func = call.func
        return (
            isinstance(func, cst.Attribute)
            and isinstance(func.value, cst.Name)
            and func.value.value in facts.instances
            and self.in_file_callee(call, facts)[0] is not None
        )

    def _advances_global_step(self, call: cst.Call, tf_name: Optional[str]) -> bool:
        """``tf.assign_add(global_step, 1)``, ``global_step.assign_add(1)``: the step counter
        training advances (built for the train op, it is training code), unless the statement's
        own test of the mode keeps it out of TRAIN (``tf.group(tf.assign_add(step, 1)) if mode
        == EVAL else tf.no_op()``: counted for EVAL, not built for the train op)."""
        if id(call) in self.ctx.away_from_train:
            return False
        func = call.func
        method = func if isinstance(func, cst.Attribute) else None
        if method is not None and method.attr.value in _ASSIGNS and self._global_step(method.value):
            return True  # a method of the step variable
        if tf_name is None or tf_name.rsplit(".", 1)[-1] not in _ASSIGNS or not call.args:
            return False
        return self._global_step(call.args[0].value)

    def _global_step(self, node: cst.BaseExpression) -> bool:
        if isinstance(node, cst.Name):
            return {"global", "step"} <= set(words(node.value))
        if isinstance(node, cst.Call):
            tf_name = self.ctx.resolve(node.func) or ""
            return tf_name.rsplit(".", 1)[-1] in _GLOBAL_STEP_GETTERS
        return False

    def _tf_call(self, tf_name: str, call: cst.Call, out: CallFacts) -> None:
        if tf_api.is_estimator_spec(tf_name):
            return
        if self._advances_global_step(call, tf_name):
            out.tags.add(Tag.TRAIN)
        if tf_api.is_model_builder(tf_name):
            out.opaque.append(call)
        for policy in self.ctx.policies:
            if policy.tf_call(tf_name):
                if policy.tag is Tag.TRAIN and id(call) in self.input_gradients():
                    continue  # a gradient penalty's or a saliency map's: loss or output code
                out.tags.add(policy.tag)
                # A summary consumes what it is given (a metric it logs is used).
                out.consumer |= policy.tag is Tag.SUMMARY
        if tf_api.is_hook(tf_name) or tf_api.is_named_identity(tf_name, call):
            out.consumer = True
        out.creates_vars |= tf_api.creates_variables(tf_name)
        out.autonamed |= tf_api.is_layer(tf_name)
        out.seeds |= tf_api.draws_seed(tf_name)

    def _functions_it_calls(
        self, tf_name: str, call: cst.Call, facts: Facts, out: CallFacts, depth: int
    ) -> None:
        """``tf.cond(pred, train_a, train_b)``: TensorFlow's control flow calls the functions it
        is handed while the graph is built (both branches of a ``cond``), so the statement
        builds what the file's functions it names build."""
        if tf_name.rsplit(".", 1)[-1] not in _CALLS_ITS_FUNCTIONS or depth >= 3:
            return
        for arg in call.args:
            if not isinstance(arg.value, cst.Name):
                continue
            name = arg.value.value
            helper = self.ctx.fn.helpers.get(name)
            if helper is None or returns_function(helper):
                continue
            _absorb(out, self._helper_facts(name, helper, facts, depth))

    def input_gradients(self) -> frozenset[int]:
        """The ``tf.gradients`` calls of the model_fn, its helpers and its classes' methods taken
        with respect to computed tensors (``modes/input_gradients.py``)."""
        if self._input_gradients is None:
            methods = [
                stmt
                for owner in self.ctx.fn.classes.values()
                for stmt in st.statements_of(owner.body)
                if type(stmt) is cst.FunctionDef
            ]
            functions = [self.ctx.fn.node, *self.ctx.fn.helpers.values(), *methods]
            features = features_param(self.ctx.fn)
            inputs = {id(self.ctx.fn.node): features} if features is not None else {}
            self._input_gradients = input_gradients(
                functions, self.ctx.resolve, inputs, self.ctx.fn.helpers
            )
        return self._input_gradients

    def _callee(self, call: cst.Call, out: CallFacts) -> Optional[str]:
        """The name of a call that may build something (a helper, a method of a module), after
        settling the calls whose effect is known from their receiver; None when nothing is left
        to judge."""
        func = call.func
        if isinstance(func, cst.Attribute):
            callee, base = func.attr.value, func.value
            policy = self._methods.get(callee)
            if policy is not None:
                out.tags.add(policy.tag)
                out.creates_vars = True  # an optimizer's slot variables
                return None
            receiver = base.value if isinstance(base, cst.Name) else None
            if self._advances_global_step(call, None):
                out.tags.add(Tag.TRAIN)
                return None
            if callee == "apply" and receiver in self.ctx.ema_objects:
                out.never_move = out.creates_vars = True  # shadow variables every mode needs
                return None
            if callee in tf_api.TAPE_GRADIENTS and receiver in self.ctx.tapes:
                out.tags.add(Tag.TRAIN)  # ``tape.gradient(loss, variables)``: gradients
                return None
            if receiver in self.ctx.layer_objects:
                out.creates_vars = out.autonamed = out.seeds = True
                return None
            if not self._is_module_ref(base) or st.root_name(base) in _PURE_MODULES:
                # a method on a local value (dict.get, tensor.get_shape ...), known by its name
                # only where that says what it returns (``model.optimizer(...)``)
                named, root = words(callee), st.root_name(base)
                if not (root and self.ctx.handed_the_mode(root)):
                    out.tags |= {p.tag for p in self.ctx.policies if p.method_head(named)}
                return None
            return callee
        if isinstance(func, cst.Name):
            callee = func.value
            if callee in self.ctx.layer_objects:
                out.creates_vars = out.autonamed = out.seeds = True
                return None
            if callee in _BUILTINS and callee not in self.ctx.fn.helpers:
                return None
            return callee
        return None

    def _helper_facts(
        self, name: str, helper: cst.FunctionDef, facts: Facts, depth: int
    ) -> CallFacts:
        if name not in self._helpers:
            self._helpers[name] = CallFacts()  # recursion guard
            # what the helper may build: not what a literal test switches off (``if False:``)
            body = helper.body
            self._helpers[name] = self.facts_of(body, st.live_calls(body), facts, depth + 1)
        return self._helpers[name]

    def _is_module_ref(self, base: cst.BaseExpression) -> bool:
        """``optimization.create_optimizer``: the base is an imported module, or ``self``."""
        root = base
        while isinstance(root, cst.Attribute):
            root = root.value
        if not isinstance(root, cst.Name):
            return False
        return root.value == "self" or root.value not in self.ctx.local_names()

    def _gates(self, call: cst.Call, facts: Facts) -> frozenset[Tag]:
        """The tags ``call`` can gate: those whose right and wrong modes the mode values it is
        handed tell apart (all of them for the mode itself), and labels for a helper that tests
        the labels it gets against None."""
        # ``self.build_graph()`` after ``self.mode = mode``: what the object keeps tells the
        # modes apart (``self.training = mode == TRAIN`` does not tell EVAL from PREDICT)
        carried = self.ctx.carried_gates(call.func) if self.ctx.carried(call.func) else None
        every = frozenset(policy.tag for policy in self.ctx.policies)
        if carried is not None and carried >= every:
            return every - self.anyway.built(call, facts)
        unharmed = (
            self._receives_guarded_labels(call, facts)
            or self.ignores_labels(call, facts)
            or self._hands_labels_back(call, facts)
        )
        gated = self.mode_gates(call)
        made = _made_receiver(call) if not gated else None
        if made is not None:  # ``Detector(mode=mode).build(...)``
            gated = self.mode_gates(made)
        if gated:
            gated -= self.anyway.built(call, facts)
        # a flag made of the mode (``is_training=mode != PREDICT``) says nothing of what a
        # helper the analysis cannot read does with the labels it also gets
        handed = self._hands_the_mode(call) or (made is not None and self._hands_the_mode(made))
        opaque = not handed and not self._readable(call, facts)
        if Tag.LABEL in gated and opaque:
            gated -= {Tag.LABEL}
        if _told_not_to_train(call):
            gated |= {Tag.TRAIN}
        if carried:
            gated |= carried - self.anyway.built(call, facts)
        return gated | ({Tag.LABEL} if unharmed else set())

    def _hands_the_mode(self, call: cst.Call) -> bool:
        """Whether one of the call's arguments is the mode itself, in every mode (or holds it:
        ``inputs=[x, y, mode]``)."""
        return any(
            all(self.ctx.value_in(value, mode) == Const(mode.value) for mode in ALL_MODES)
            for value in handed_values(call)
        )

    def _readable(self, call: cst.Call, facts: Facts) -> bool:
        """The helper is the file's own (a function, a class, a method of ``self``)."""
        return (
            self.in_file_callee(call, facts)[0] is not None
            or own_method(call, self.ctx.fn) is not None
            or self.anyway.constructor(call) is not None
        )

    def mode_gates(self, call: cst.Call) -> frozenset[Tag]:
        """The tags the mode values ``call`` is handed tell the right modes from the wrong."""
        return self.ctx.told_apart(
            [value for value in handed_values(call) if self.ctx.reads_mode(value)]
        )

    def opaque_with_labels(
        self,
        view: cst.CSTNode,
        opaque: list[cst.Call],
        facts: Facts,
        changes: AbstractSet[str],
    ) -> Optional[str]:
        """The helper handed labels whose result the statement keeps (EF106): in a name, or in
        the object whose method it is (``model.build(x, labels)``, then ``model.preds``:
        ``changes``, the objects the statement's method calls may change); a call made for its
        effect alone (``add_loss(labels=...)``) is label code like any other (EF101)."""
        discarded = {id(n.value) for n in st.own_nodes(view) if isinstance(n, cst.Expr)}
        for call in opaque:
            func = call.func
            kept_in_object = (
                isinstance(func, cst.Attribute) and st.root_name(func.value) in changes
            )
            if id(call) in discarded and not kept_in_object:
                continue
            if self._read_through(view, call, facts):
                continue
            if any(carries_label(facts, arg.value) for arg in call.args):
                return st.code_of(call.func)
        return None

    def _read_through(self, view: cst.CSTNode, call: cst.Call, facts: Facts) -> bool:
        """An in-file helper is read, not opaque: what it computes from labels is label code
        like any other (EF101); one whose results mix label-derived values with others is
        judged at the report (``Judge.mixed_results``)."""
        helper = self.in_file_callee(call, facts)[0]
        if helper is None:
            return False
        unpacked = unpacked_targets(view)
        one_name = unpacked is not None and unpacked[1] is call and len(unpacked[0]) == 1
        # one name for several results (``outputs = create_model(...)`` returning a dict of
        # the loss and the logits): they are not read apart, so the helper is not either
        return not (one_name and returns_display(helper))

    def _receives_guarded_labels(self, call: cst.Call, facts: Facts) -> bool:
        """Labels go to an in-file helper parameter that the helper tests against None."""
        return any(
            carries_label(facts, arg.value) and self._helper_checks_none(call, index, arg, facts)
            for index, arg in enumerate(call.args)
        )

    def in_file_callee(
        self, call: cst.Call, facts: Facts
    ) -> tuple[Optional[cst.FunctionDef], int]:
        """The module's own function ``call`` runs, and how many leading parameters the call
        does not fill: a helper by name (0), or an instance of one of the module's classes
        (``head = LossLayer(...)`` in this mode; ``head(x, labels)`` runs its own ``__call__``,
        else its ``call`` as a Keras layer's does, whose ``self`` the call does not fill: 1),
        or a method of the class whose method the model_fn is (``self.loss_of(...)``: 1)."""
        func = call.func
        if isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name):
            receiver, wanted = func.value.value, [func.attr.value]  # ``model.build(...)``
        elif isinstance(func, cst.Name):
            helper = self.ctx.fn.helpers.get(func.value)
            if helper is not None:
                return helper, 0
            receiver, wanted = func.value, ["__call__", "call"]
        else:
            return None, 0
        owner = self.ctx.fn.classes.get(facts.instances.get(receiver, ""))
        if owner is None:  # ``self.helper(...)`` in a method model_fn
            method = own_method(call, self.ctx.fn)
        else:
            methods = {
                stmt.name.value: stmt
                for stmt in st.statements_of(owner.body)
                if type(stmt) is cst.FunctionDef
            }
            method = next((methods[name] for name in wanted if name in methods), None)
        if method is None or any(_is_static(d) for d in method.decorators):
            return None, 0
        return method, 1

    def ignores_labels(self, call: cst.Call, facts: Facts, present: bool = False) -> bool:
        """An in-file helper handed labels (alone or in a tuple) that never uses them here: it
        deletes them or leaves them unread (``features, labels = batch; del labels``), or reads
        them only under tests its arguments make false in this mode (``if is_training:``);
        ``present``: whatever the labels hold (not for their being None: ``if labels is not
        None:`` does not count)."""
        helper, skipped = self.in_file_callee(call, facts)
        handed = _labels_handed(call, facts)
        if helper is None or not handed:
            return False
        given = arguments(self.ctx.evaluator(facts.values), helper, skipped, call)
        for index, arg in handed:
            name = parameter(helper, index + skipped, arg)
            if name is None:
                return False
            received = {name}
            if isinstance(arg.value, cst.Tuple):  # ``(features, labels)``: unpacked inside?
                received = unpacked_labels(helper, name, arg.value, facts) or received
            if present:
                given = {**given, **dict.fromkeys(received, NOT_NONE)}
            if value_used(helper.body, received, self.ctx.evaluator(given)):
                return False
        return True

    def _hands_labels_back(self, call: cst.Call, facts: Facts) -> bool:
        """An in-file helper whose only use of the labels it is handed is to return them as
        they are (``return inputs, labels_``): None goes in and comes out, as with an alias;
        what it returns is still the labels."""
        helper, skipped = self.in_file_callee(call, facts)
        handed = _labels_handed(call, facts)
        if helper is None or not handed:
            return False
        returned: set[int] = set()
        for value in st.returned_values(helper):
            if value is not None:
                parts = value.elements if isinstance(value, cst.Tuple) else [value]
                returned |= {
                    id(part.value if isinstance(part, cst.Element) else part) for part in parts
                }
        given = self.ctx.evaluator(
            arguments(self.ctx.evaluator(facts.values), helper, skipped, call)
        )
        for index, arg in handed:
            name = parameter(helper, index + skipped, arg)
            if name is None or isinstance(arg.value, cst.Tuple):
                return False

            def other_use(node: cst.CSTNode, name: str = name) -> bool:
                """A load of ``name`` not returned as it is: where the labels are None, not
                in a test that None decides (``if isinstance(labels, tf.Tensor):``) nor in
                a block it skips. Also where a nested function or lambda reads it: a closure
                over the labels uses them whenever it is called."""
                if isinstance(node, cst.BaseExpression) and decided_by_none(node, name, given):
                    return False
                return any(
                    isinstance(inner, cst.Name)
                    and inner.value == name
                    and id(inner) not in returned
                    for inner in walk(node)
                )

            loads = [n for n in walk(helper.body) if isinstance(n, cst.Name) and n.value == name]
            if not loads or open_reaches(helper.body, given, other_use):
                return False
        return True

    def looks_into_labels(self, node: cst.CSTNode, facts: Facts) -> bool:
        """An in-file helper called in ``node`` looks into a parameter handed the labels
        (``"energy" in labels``, ``labels.shape``): where they are None, the call fails."""
        return any(
            self._receiver_has(call, index, arg, facts, lambda n, name: looks_into(n, {name}))
            for call in st.own_nodes(node)
            if isinstance(call, cst.Call)
            for index, arg in _labels_handed(call, facts)
        )

    def _helper_checks_none(
        self, call: cst.Call, index: int, arg: cst.Arg, facts: Facts
    ) -> bool:
        """An in-file helper that tests the parameter receiving labels against None
        (``if labels is not None:``) expects PREDICT's None."""
        return self._receiver_has(call, index, arg, facts, compares_with_none)

    def _receiver_has(
        self,
        call: cst.Call,
        index: int,
        arg: cst.Arg,
        facts: Facts,
        found: Callable[[cst.CSTNode, str], bool],
    ) -> bool:
        """Whether a node of the in-file helper ``call`` runs is ``found`` for the parameter
        that receives ``arg`` (the ``index``-th argument)."""
        helper, skipped = self.in_file_callee(call, facts)
        name = None if helper is None else parameter(helper, index + skipped, arg)
        if helper is None or name is None:
            return False
        return any(found(node, name) for node in st.own_nodes(helper.body))


__all__ = [
    "CallFacts", "Calls", "TagPolicy", "carries_label", "compares_with_none", "is_none_literal",
    "parameter", "unpacked_labels",
]
