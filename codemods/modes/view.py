"""What the rules' policies may ask about one statement in one mode (``policy.StatementView``)."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from functools import cached_property
from typing import Optional

import libcst as cst
from libcst.helpers import get_full_name_for_node

from codemods import statements as st
from codemods import tf_api
from codemods.model_fns import TfResolver
from codemods.modes.calls import CallFacts
from codemods.modes.context import Context, QualifiedNamesFn
from codemods.modes.evaluate import UNKNOWN, Const
from codemods.modes.on_none import looks_into
from codemods.modes.policy import words
from codemods.modes.specs import noneish
from codemods.modes.state import Facts, single_assign
from codemods.modes.units import Unit, leaves
from codemods.vocabulary import PRETTY_PRINTERS, Mode, Tag


def only_names(node: cst.BaseExpression, top: bool = True) -> bool:
    """A name, or a literal dict/list/tuple of names (or values looked up in them,
    ``features["x"]``) under literal keys: builds no op."""
    if isinstance(node, cst.Name):
        return True
    if isinstance(node, (cst.List, cst.Tuple)):
        return all(
            isinstance(el, cst.Element) and only_names(el.value, False) for el in node.elements
        )
    if isinstance(node, cst.Dict):  # ``{"acc": acc}``, ``{**metrics, **more}``
        return all(
            (isinstance(el, cst.DictElement) and _plain_key(el.key)
             or isinstance(el, cst.StarredDictElement))
            and only_names(el.value, False)
            for el in node.elements
        )
    return not top and (_lookup(node) or builds_nothing(node))


def _plain_key(key: cst.BaseExpression) -> bool:
    """A dict key that builds no op: a literal, or a constant looked up (``_NUM_EXAMPLES``,
    ``Keys.ACCURACY``)."""
    return isinstance(key, (cst.SimpleString, cst.Integer, cst.ConcatenatedString)) or (
        isinstance(key, (cst.Name, cst.Attribute)) and _lookup(key)
    )


#: TensorFlow functions that, handed nothing, build nothing any rule judges.
_BUILD_NOTHING = frozenset({"no_op", "get_global_step", "get_or_create_global_step"})


def builds_nothing(node: cst.BaseExpression) -> bool:
    """``tf.no_op()``: it reads no value and builds nothing a rule judges, in a display next to
    names or as a default (``train_op = tf.no_op()``; ``tf.summary.merge_all()`` would be a
    summary)."""
    return (
        isinstance(node, cst.Call)
        and not node.args
        and isinstance(node.func, cst.Attribute)
        and node.func.attr.value in _BUILD_NOTHING
        and _lookup(node.func)
    )


class View:
    """One statement as one mode runs it, for the policies' exemptions."""

    def __init__(
        self,
        ctx: Context,
        stmt: cst.BaseStatement,
        mode: Mode,
        modes: frozenset[Mode],
        facts: Facts,
        calls: CallFacts,
    ) -> None:
        self.ctx = ctx
        self.stmt = stmt
        self.mode = mode
        self.modes = modes
        self.facts = facts
        self.calls = calls

    @cached_property
    def is_log_call(self) -> bool:
        """The statement shows values: a print or a log call, alone or its result kept in a
        name (``shown = tf.print("labels", labels)``, a print op for control dependencies)."""
        call = st.lone_call(self.stmt)
        single = single_assign(self.stmt) if call is None else None
        if single is not None and isinstance(single[1], cst.Call):
            call = single[1]
        if call is None:
            return False
        func = call.func
        if self.ctx.names(func) & PRETTY_PRINTERS:
            return True
        tf_name = self.ctx.resolve(func)
        if tf_name is not None:
            return tf_name == "tensorflow.print" or ".logging." in tf_name
        if words(st.leaf_name(func))[:1] == ("print",):  # ``print``, a helper named for printing
            return True  # (``print_obj("labels", labels)``) shows None as print does
        return isinstance(func, cst.Attribute) and st.root_name(func) in {
            "logging", "absl", "logger", "log"
        }

    @cached_property
    def labels_only_as_none(self) -> bool:
        """The label values the statement reads are None here, and it shows them whole:
        ``print(labels)`` prints None, ``print(labels.shape)`` fails on it."""
        return self.labels_none and self.shows_labels_whole

    @cached_property
    def labels_none(self) -> bool:
        """Every label-derived value it reads is None here (labels themselves in PREDICT)."""
        return all(noneish(self.facts.values.get(name, UNKNOWN)) for name in self._labelled)

    @cached_property
    def _labelled(self) -> set[str]:
        return {
            name
            for name in st.reads(self.stmt)
            if Tag.LABEL in self.facts.tags.get(name, frozenset())
        }

    @cached_property
    def shows_labels_whole(self) -> bool:
        """It shows the label-derived values it reads as they are, computing nothing from them
        (``print("y", y)``; not ``print(y.shape)`` nor ``print(tf.shape(y))``)."""
        return not self.looks_into_labels and not any(
            self._tf_call_on(node, self._labelled) for node in st.own_nodes(self.stmt)
        )

    @cached_property
    def looks_into_labels(self) -> bool:
        """It reads into a label-derived value (``labels["y"]``, ``y.shape``, ``y + 1``)."""
        return any(looks_into(node, self._labelled) for node in st.own_nodes(self.stmt))

    def _tf_call_on(self, node: cst.CSTNode, names: set[str]) -> bool:
        """``tf.shape(labels)`` or ``compute_loss(labels, logits)`` inside what is shown: a
        call that computes from the values fails on None (the print or log call itself shows
        them, and ``str(labels)`` or ``type(labels)`` only describe them)."""
        if not isinstance(node, cst.Call) or node is st.lone_call(self.stmt):
            return False
        tf_name = self.ctx.resolve(node.func)
        if tf_name == "tensorflow.print" or (tf_name is not None and ".logging." in tf_name):
            return False
        if tf_name is None and _qualified(node.func, self.ctx.names) & _DESCRIBERS:
            return False
        if tf_name is None and isinstance(node.func, cst.Attribute) and (
            node.func.attr.value == "format"
        ):
            return False  # ``"{}".format(labels)`` renders them
        return any(isinstance(a.value, cst.Name) and a.value.value in names for a in node.args)

    @cached_property
    def labels_rebound(self) -> bool:
        name = self.ctx.fn.labels_param
        if name is None:
            return False
        value = self.facts.values.get(name)
        return not (isinstance(value, Const) and value.value is None)

    @cached_property
    def writes_summary(self) -> bool:
        call = st.lone_call(self.stmt)
        tf_name = None if call is None else self.ctx.resolve(call.func)
        return tf_name is not None and tf_name.startswith("tensorflow.summary.")

    @property
    def consumes(self) -> bool:
        """It hands what it reads to a summary or a hook, or to a function the analysis cannot
        read whose result nothing keeps (``self._build_summary(loss, metrics)``: called for
        what it does with them, it uses them)."""
        if self.calls.consumer:
            return True
        if Tag.METRIC in self.calls.tags | self.calls.built:
            return False  # it builds metrics itself (``evaluate(...)`` of a metrics module)
        call = st.lone_call(self.stmt)
        return any(c is call for c in self.calls.unread)

    @cached_property
    def gathers_names(self) -> bool:
        single = single_assign(self.stmt)
        return single is not None and only_names(single[1])


#: Python's own functions that show or describe any value, None included.
_DESCRIBERS = frozenset(
    f"builtins.{name}" for name in ("str", "repr", "ascii", "format", "type", "id", "bool")
) | PRETTY_PRINTERS | {"pprint.pformat"}

#: Methods that store what they are given into their receiver and return nothing of it.
STORING = st.STORING_METHODS

#: Python's own regrouping, by qualified name: builtins, ``itertools.chain(*lists)``,
#: ``six.iteritems(d)``. The keywords of ``dict`` are values; those of ``sorted`` options.
_REARRANGING = frozenset(
    {f"builtins.{name}" for name in ("zip", "list", "tuple", "dict", "sorted", "reversed",
                                      "enumerate")}
    | {"itertools.chain", "six.iteritems", "six.itervalues", "six.iterkeys", "six.moves.zip",
       "future.builtins.zip"}
)


def _qualified(func: cst.BaseExpression, names: QualifiedNamesFn) -> set[str]:
    """What ``func`` names: its qualified names, or for a node the module does not hold (a
    substituted view) its spelling, a bare name being a builtin."""
    found = names(func)
    if found:
        return found
    spelled = get_full_name_for_node(func)
    if spelled is None:
        return set()
    return {spelled if "." in spelled else f"builtins.{spelled}"}


def _rearranged(node: cst.BaseExpression, names: QualifiedNamesFn) -> bool:
    """Names only regrouped: ``a``, ``(a, b)``, ``{"k": a}``, ``zip(*pairs)``, ``list(a)``,
    ``dict(acc=a)``, ``itertools.chain(*parts)``, a list of them repeated or joined
    (``[labels] * num_towers``, ``[a] + [b]``), or one of two such picked by a test that calls
    nothing (``labels if labels is not None else [labels] * n``), or an item looked up in a
    name (``grads[0]``, ``outputs["loss"]``; not an attribute, which a property may build), or a
    lambda (defining it runs nothing of its body: the call runs it, and its result carries what
    the body reads)."""
    if isinstance(node, cst.Lambda):
        return True
    if only_names(node) or (isinstance(node, cst.Subscript) and _item_of_name(node)):
        return True
    if isinstance(node, cst.IfExp):
        return (
            _calls_nothing(node.test)
            and _rearranged(node.body, names)
            and _rearranged(node.orelse, names)
        )
    if isinstance(node, cst.BinaryOperation) and _repeated(node, names):
        return True
    if isinstance(node, (cst.DictComp, cst.ListComp, cst.GeneratorExp)):
        return _regrouping_comprehension(node, names)
    if not isinstance(node, cst.Call):
        return False
    called = _qualified(node.func, names) & _REARRANGING
    return bool(called) and all(
        _rearranged(arg.value, names)
        for arg in node.args
        if arg.keyword is None or called == {"builtins.dict"}
    )


def _repeated(node: cst.BinaryOperation, names: QualifiedNamesFn) -> bool:
    """``[a] * n`` (a count that calls nothing) or ``[a] + [b]``: Python's list repetition and
    joining, never a tensor's arithmetic (a display is no tensor)."""
    displays = (cst.List, cst.Tuple)
    left, right = node.left, node.right
    if isinstance(node.operator, cst.Add):
        sides = (left, right)
        return all(isinstance(side, displays) and _rearranged(side, names) for side in sides)
    if not isinstance(node.operator, cst.Multiply):
        return False
    shown, count = (left, right) if isinstance(left, displays) else (right, left)
    return isinstance(shown, displays) and _rearranged(shown, names) and _calls_nothing(count)


def _regrouping_comprehension(
    node: cst.DictComp | cst.ListComp | cst.GeneratorExp, names: QualifiedNamesFn
) -> bool:
    """``{"metrics/%s" % k: v for k, v in metrics.items()}``: the values it keeps are those it
    iterates over, under keys Python computes (names, literals, formatted text), filtered by
    tests that call nothing."""
    loops: list[cst.CompFor] = []
    loop: Optional[cst.CompFor] = node.for_in
    while loop is not None:
        loops.append(loop)
        loop = loop.inner_for_in
    bound = set().union(*(st.bound_names(loop.target) for loop in loops))
    if not all(iterates(loop.iter, names) for loop in loops):
        return False
    if not all(_calls_nothing(test.test) for loop in loops for test in loop.ifs):
        return False
    kept = [node.value] if isinstance(node, cst.DictComp) else [node.elt]
    if not all(_kept_as_is(value, bound) for value in kept):
        return False
    return not isinstance(node, cst.DictComp) or _python_key(node.key)


def _kept_as_is(value: cst.BaseExpression, bound: set[str]) -> bool:
    """An element the comprehension keeps as it iterates it, or puts a constant in its place
    by a test that calls nothing (``0 if g is None else g``): Python picks, no op is built."""
    if isinstance(value, cst.Name):
        return value.value in bound
    if isinstance(value, cst.IfExp) and _calls_nothing(value.test):
        sides = (value.body, value.orelse)
        return all(_kept_as_is(side, bound) or _constant(side) for side in sides) and any(
            _kept_as_is(side, bound) for side in sides
        )
    return False


def _constant(node: cst.BaseExpression) -> bool:
    if isinstance(node, cst.UnaryOperation):
        return _constant(node.expression)
    if isinstance(node, cst.Name):
        return node.value in ("None", "True", "False")
    return isinstance(node, (cst.Integer, cst.Float, cst.SimpleString))


def _calls_nothing(node: cst.CSTNode) -> bool:
    return next(st.calls(node), None) is None


def _python_key(key: cst.BaseExpression) -> bool:
    """A key Python computes: a name, a literal, ``"..." % k`` or an f-string of names."""
    if isinstance(key, cst.Name) or _literal(key):
        return True
    if isinstance(key, cst.BinaryOperation) and isinstance(key.operator, cst.Modulo):
        return isinstance(key.left, cst.SimpleString) and _calls_nothing(key.right)
    if isinstance(key, cst.FormattedString):
        return _calls_nothing(key)
    return False


def iterates(node: cst.CSTNode, names: QualifiedNamesFn) -> bool:
    """A ``for`` loop's target, or an iterable that only regroups names (``d.items()``,
    ``zip(a, b)``, ``[features, labels]``): looping over it builds no op."""
    if (
        isinstance(node, cst.Call)
        and isinstance(node.func, cst.Attribute)
        and not node.args
        and node.func.attr.value in ("items", "values", "keys")
    ):
        return only_names(node.func.value)
    return isinstance(node, cst.BaseExpression) and _rearranged(node, names)


def _lookup(node: cst.BaseExpression) -> bool:
    """``x``, ``features["x"]`` or ``self.x``: a value looked up, no op built."""
    while isinstance(node, (cst.Attribute, cst.Subscript)):
        if isinstance(node, cst.Subscript) and not (
            len(node.slice) == 1
            and isinstance(node.slice[0].slice, cst.Index)
            and isinstance(node.slice[0].slice.value, (cst.SimpleString, cst.Integer))
        ):
            return False
        node = node.value
    return isinstance(node, cst.Name)


def _item_of_name(node: cst.Subscript) -> bool:
    """``grads[0]``, ``outputs["heads"]["loss"]``: items looked up in a name, under literal keys."""
    inner: cst.BaseExpression = node
    while isinstance(inner, cst.Subscript):
        inner = inner.value
    return isinstance(inner, cst.Name) and _lookup(node)


def rearranges(
    stmt: cst.BaseStatement, names: QualifiedNamesFn, sequences: Collection[str] = ()
) -> bool:
    """An assignment that only regroups values already built (a dict of metrics, ``grads, vars
    = zip(*pairs)``): it builds no op, so it is no finding of its own, but it goes where its
    values go (it moves with them). ``sequences``: names that only ever hold Python lists or
    tuples, whose items by a loop's index are looked up, not sliced (``grads.append(
    gradients[i])``)."""
    if not (isinstance(stmt, cst.SimpleStatementLine) and len(stmt.body) == 1):
        return False
    small = stmt.body[0]
    if stored_receiver(small) is not None:  # ``l.append(x)``, ``setattr(obj, "x", x)``
        call = cst.ensure_type(cst.ensure_type(small, cst.Expr).value, cst.Call)
        stored = st.setattr_store(call)
        if stored is not None:
            key = call.args[1].value
            return only_names(stored[2]) and (stored[1] is not None or only_names(key))
        return all(
            only_names(arg.value) or _item_of_sequence(arg.value, sequences) for arg in call.args
        )
    return isinstance(small, cst.Assign) and _rearranged(small.value, names)


def _item_of_sequence(node: cst.BaseExpression, sequences: Collection[str]) -> bool:
    """``gradients[i]`` of a name that only holds a Python list or tuple, by a name or a
    number: Python's indexing, no op."""
    if not (
        isinstance(node, cst.Subscript)
        and isinstance(node.value, cst.Name)
        and node.value.value in sequences
        and len(node.slice) == 1
        and isinstance(node.slice[0].slice, cst.Index)
    ):
        return False
    return isinstance(node.slice[0].slice.value, (cst.Name, cst.Integer))


def python_sequences(function: cst.FunctionDef, names: QualifiedNamesFn) -> frozenset[str]:
    """The names ``function`` binds only to Python lists or tuples: each an element of a
    tuple unpacked from ``zip(...)`` (``gradients, variables = zip(*pairs)``), a list or tuple
    display, ``list(...)``/``tuple(...)``, a list comprehension, a TensorFlow call's list result
    (``tf.gradients(...)``, the clipped list of ``tf.clip_by_global_norm``), or another such
    name - never anything else (a loop target, ``+=``, any other call's result)."""
    candidates: dict[str, list[cst.BaseExpression]] = {}
    other: set[str] = set(st.parameter_names(function.params))  # what the caller hands
    for node in st.own_nodes(function.body):
        if isinstance(node, cst.Assign):
            for target in node.targets:
                _sequence_bindings(target.target, node.value, names, candidates, other)
        elif isinstance(node, (cst.AugAssign, cst.AnnAssign, cst.For, cst.CompFor)):
            other |= st.bound_names(node.target)
        elif isinstance(node, cst.AsName):
            other |= st.bound_names(node.name)
        elif isinstance(node, cst.NamedExpr):
            other |= st.bound_names(node.target)
    found: set[str] = set()
    while True:
        more = {
            name
            for name, values in candidates.items()
            if name not in found and name not in other and all(
                _a_sequence(value, found) for value in values
            )
        }
        if not more:
            return frozenset(found)
        found |= more


def _sequence_bindings(
    target: cst.BaseExpression,
    value: cst.BaseExpression,
    names: QualifiedNamesFn,
    candidates: dict[str, list[cst.BaseExpression]],
    other: set[str],
) -> None:
    if (
        isinstance(target, (cst.Tuple, cst.List))
        and isinstance(value, (cst.Tuple, cst.List))
        and len(target.elements) == len(value.elements)
        and not any(
            isinstance(e, cst.StarredElement) for e in (*target.elements, *value.elements)
        )
    ):  # ``grads, kept = [], []``: each name its own value
        for element, item in zip(target.elements, value.elements):
            _sequence_bindings(element.value, item.value, names, candidates, other)
        return
    called = _qualified(value.func, names) if isinstance(value, cst.Call) else set()
    tf_name = tf_api.first_tf(called)
    is_list, position = tf_api.list_result(tf_name) if tf_name else (False, None)
    if isinstance(target, cst.Name):
        listed = is_list and position is None
        candidates.setdefault(target.value, []).append(cst.List([]) if listed else value)
        return
    for index, element in enumerate(getattr(target, "elements", ())):
        inner = element.value
        listed = "builtins.zip" in called or (is_list and position == index)
        if listed and isinstance(inner, cst.Name):
            candidates.setdefault(inner.value, []).append(cst.Tuple([]))  # a tuple or list
        else:
            other |= st.bound_names(inner)


def _a_sequence(value: cst.BaseExpression, found: Collection[str]) -> bool:
    if isinstance(value, (cst.List, cst.Tuple, cst.ListComp)):
        return True
    if isinstance(value, cst.Name):
        return value.value in found
    return (
        isinstance(value, cst.Call)
        and isinstance(value.func, cst.Name)
        and value.func.value in ("list", "tuple", "sorted")
    )


def regrouping_loop(stmt: cst.BaseStatement, parts: list[Unit], names: QualifiedNamesFn) -> bool:
    """A ``for`` loop over values only regrouped (``zip(names, dices)``) whose every statement
    only regroups or stores them (``metrics["dice_" + name] = dice``): like such a statement,
    it builds no op and goes where its values go."""
    return (
        isinstance(stmt, cst.For)
        and stmt.orelse is None
        and bool(parts)
        and all(part.quiet for part in leaves(parts))
        and _rearranged(stmt.iter, names)
    )


def stored_receiver(small: cst.BaseSmallStatement) -> Optional[str]:
    """``l`` of ``l.append(x)`` (or ``extend``, ``update``, ``insert``, ``add``), or ``obj`` of
    ``setattr(obj, key, value)``, alone in a statement: the name stored into."""
    if not (isinstance(small, cst.Expr) and isinstance(small.value, cst.Call)):
        return None
    stored = st.setattr_store(small.value)
    if stored is not None:
        return stored[0]
    func = small.value.func
    if (
        isinstance(func, cst.Attribute)
        and isinstance(func.value, cst.Name)
        and func.attr.value in STORING
    ):
        return func.value.value
    return None


def _stores_names(small: cst.BaseSmallStatement) -> bool:
    """``d.setdefault(k, []).append(x)`` or ``d[k].append(x)``: names stored into an element
    of a container, no op built (Python's own bookkeeping)."""
    if not (isinstance(small, cst.Expr) and isinstance(small.value, cst.Call)):
        return False
    call, func = small.value, small.value.func
    if not (isinstance(func, cst.Attribute) and func.attr.value in STORING):
        return False
    if not all(only_names(arg.value) for arg in call.args):
        return False
    element = func.value
    if isinstance(element, cst.Subscript):
        return isinstance(element.value, cst.Name) and _names_as_keys(element)
    if isinstance(element, cst.Call) and isinstance(element.func, cst.Attribute):
        return (
            element.func.attr.value == "setdefault"
            and isinstance(element.func.value, cst.Name)
            and all(only_names(arg.value) or _literal(arg.value) for arg in element.args)
        )
    return False


def _names_as_keys(node: cst.Subscript) -> bool:
    """``d[k]`` with a name (or names) as the key: a lookup, no op built."""
    return all(
        isinstance(part.slice, cst.Index) and only_names(part.slice.value) for part in node.slice
    )


def wraps_in_hook(
    stmt: cst.BaseStatement,
    resolve: TfResolver,
    classes: Mapping[str, cst.ClassDef],
    helpers: Collection[str] = (),
    makers: Collection[str] = (),
) -> bool:
    """``hook = tf.train.LoggingTensorHook({"loss": loss}, every_n_iter=100)``, an instance
    of the file's own ``SessionRunHook`` subclass, the hook an optimizer makes
    (``opt.make_session_run_hook(is_chief)``), or ``ckpt = tf.train.Checkpoint(
    optimizer=opt, step=tf.train.get_global_step())``: a session hook or object tracker made of
    values built elsewhere builds no op; it goes where they go, and is no finding of its own.
    So does one appended to a list of hooks (``hooks.append(tf.train.LoggingTensorHook(...))``)
    or a list made of such hooks (``hooks = [tf.train.LoggingTensorHook(...)]``),
    and one whose values include what a function of the file computes from nothing it is handed
    (``{"loss": loss, "lr": get_lr()}``: a schedule reads no value of the model_fn's)."""
    single = single_assign(stmt)
    made = single[1] if single is not None else _appended(stmt)
    # ``hooks = [tf.train.LoggingTensorHook(...)]``: a list of such hooks, each of them one
    calls = made.elements if isinstance(made, (cst.List, cst.Tuple)) else [made]
    return bool(calls) and all(
        isinstance(call, cst.Call) and _makes_hook(call, resolve, classes, helpers, makers)
        for call in (e.value if isinstance(e, cst.Element) else e for e in calls)
    )


def hook_makers(
    function: cst.FunctionDef,
    resolve: TfResolver,
    classes: Mapping[str, cst.ClassDef],
    helpers: Mapping[str, cst.FunctionDef],
) -> frozenset[str]:
    """The names ``function`` binds only to a function that makes session hooks of what it is
    later handed: the result of TF-GAN's ``get_sequential_train_hooks()``, or of the file's own
    function that returns a nested function returning such hooks (``hooks_fn =
    get_hooks_fn()``; ``hooks = hooks_fn(train_ops)`` then builds no op)."""
    bound: dict[str, list[cst.BaseExpression]] = {}
    for node in st.own_nodes(function.body):
        if isinstance(node, cst.Assign):
            for target in node.targets:
                for name in st.bound_names(target.target):
                    value = node.value if isinstance(target.target, cst.Name) else None
                    bound.setdefault(name, []).append(value or cst.Name("None"))
        elif isinstance(node, (cst.AugAssign, cst.AnnAssign, cst.For, cst.CompFor)):
            for name in st.bound_names(node.target):
                bound.setdefault(name, []).append(cst.Name("None"))

    def factory_call(value: cst.BaseExpression) -> bool:
        if not (isinstance(value, cst.Call) and not value.args):
            return False
        tf_name = resolve(value.func)
        if tf_name is not None:
            return tf_api.is_hook_factory(tf_name)
        helper = helpers.get(value.func.value) if isinstance(value.func, cst.Name) else None
        return helper is not None and _returns_hook_function(helper, resolve, classes, helpers)

    return frozenset(
        name for name, values in bound.items() if all(factory_call(v) for v in values)
    )


def _returns_hook_function(
    helper: cst.FunctionDef,
    resolve: TfResolver,
    classes: Mapping[str, cst.ClassDef],
    helpers: Collection[str],
) -> bool:
    """``helper`` returns a function it defines whose every return is a hook or a list of
    hooks made of what it is handed."""
    nested = {
        node.name.value: node
        for node in st.statements_of(helper.body)
        if isinstance(node, cst.FunctionDef)
    }
    returned = st.returned_values(helper)
    return bool(returned) and all(
        isinstance(value, cst.Name)
        and value.value in nested
        and _returns_hooks(nested[value.value], resolve, classes, helpers)
        for value in returned
    )


def _returns_hooks(
    function: cst.FunctionDef,
    resolve: TfResolver,
    classes: Mapping[str, cst.ClassDef],
    helpers: Collection[str],
) -> bool:
    """Every return of ``function`` is a hook, or a list of hooks, made of what it is handed:
    made in the return, or bound once to a name that it returns."""
    made: dict[str, cst.BaseExpression] = {}
    for node in st.statements_of(function.body):
        single = single_assign(node)
        if single is not None:
            made[single[0]] = single[1] if single[0] not in made else cst.Name("None")

    def a_hook(value: cst.BaseExpression) -> bool:
        value = made.get(value.value, value) if isinstance(value, cst.Name) else value
        return isinstance(value, cst.Call) and _makes_hook(value, resolve, classes, helpers)

    returned = st.returned_values(function)
    return bool(returned) and all(
        value is not None
        and (
            all(isinstance(e, cst.Element) and a_hook(e.value) for e in value.elements)
            if isinstance(value, (cst.List, cst.Tuple))
            else a_hook(value)
        )
        for value in returned
    )


def _makes_hook(
    call: cst.Call,
    resolve: TfResolver,
    classes: Mapping[str, cst.ClassDef],
    helpers: Collection[str],
    makers: Collection[str] = (),
) -> bool:
    """``call`` makes a session hook or object tracker of values built elsewhere (``makers``:
    names bound to a function that makes hooks, see ``hook_makers``)."""
    if not all(_settled_in_hook(arg.value, helpers) for arg in call.args):
        return False
    if isinstance(call.func, cst.Name) and call.func.value in makers:
        return True  # ``hooks_fn = get_sequential_train_hooks()`` ... ``hooks_fn(train_ops)``
    if isinstance(call.func, cst.Attribute) and call.func.attr.value in tf_api.HOOK_METHODS:
        return True  # ``optimizer.make_session_run_hook(is_chief)``
    if isinstance(call.func, cst.Call) and not call.func.args:
        factory = resolve(call.func.func)  # ``tfgan.get_sequential_train_hooks()(train_ops)``
        return factory is not None and tf_api.is_hook_factory(factory)
    tf_name = resolve(call.func)
    if tf_name is not None:
        return tf_api.is_hook(tf_name) or tf_api.is_object_tracker(tf_name)
    own = classes.get(call.func.value) if isinstance(call.func, cst.Name) else None
    return own is not None and any(_is_hook_class(base.value, resolve) for base in own.bases)


def attribute_of_a_result(stmt: cst.BaseStatement, results: Collection[str]) -> bool:
    """``train_op = train_ops.global_step_inc_op``: a field looked up on what a TensorFlow
    function returned (``results``: the names bound to one) - a tensor's or a named tuple's
    attribute, which builds nothing (an object a class makes may compute a property: not it)."""
    single = single_assign(stmt)
    value = single[1] if single is not None else None
    if not isinstance(value, cst.Attribute):
        return False
    base: cst.BaseExpression = value
    while isinstance(base, cst.Attribute):
        base = base.value
    return isinstance(base, cst.Name) and base.value in results


def holds_only(stmt: cst.BaseStatement, classes: Mapping[str, cst.ClassDef]) -> bool:
    """``holder = LabelStub(labels)``: an instance of one of the file's classes (no base but
    ``object``) whose ``__init__`` only stores what it is handed on ``self``, made of names -
    like gathering them in a dict, it builds no op; it goes where they go."""
    single = single_assign(stmt)
    call = single[1] if single is not None else None
    if not isinstance(call, cst.Call) or not isinstance(call.func, cst.Name):
        return False
    own = classes.get(call.func.value)
    if own is None or not all(only_names(arg.value) for arg in call.args):
        return False
    if any(not (isinstance(b.value, cst.Name) and b.value.value == "object") for b in own.bases):
        return False
    methods = [s for s in st.statements_of(own.body) if isinstance(s, cst.FunctionDef)]
    init = next((method for method in methods if method.name.value == "__init__"), None)
    return init is not None and all(_stores_a_param(s, init) for s in st.statements_of(init.body))


def _stores_a_param(stmt: cst.BaseStatement, init: cst.FunctionDef) -> bool:
    """``self._labels = labels`` (a parameter stored as it is), a docstring or ``pass``."""
    if not isinstance(stmt, cst.SimpleStatementLine) or len(stmt.body) != 1:
        return False
    small = stmt.body[0]
    if isinstance(small, cst.Pass) or (
        isinstance(small, cst.Expr) and isinstance(small.value, cst.SimpleString)
    ):
        return True
    params = {p.name.value for p in init.params.params[1:]}
    return (
        isinstance(small, cst.Assign)
        and isinstance(small.value, cst.Name)
        and small.value.value in params
        and all(
            isinstance(t.target, cst.Attribute)
            and isinstance(t.target.value, cst.Name)
            and t.target.value.value == "self"
            for t in small.targets
        )
    )


def _appended(stmt: cst.BaseStatement) -> Optional[cst.BaseExpression]:
    """What ``name.append(value)`` (or ``insert``) alone in a statement line adds."""
    call = st.lone_call(stmt)
    if call is None or not call.args or not isinstance(call.func, cst.Attribute):
        return None
    if call.func.attr.value not in {"append", "insert"}:
        return None
    if not isinstance(call.func.value, cst.Name):
        return None
    return call.args[-1].value


def _is_hook_class(base: cst.BaseExpression, resolve: TfResolver) -> bool:
    """``tf.train.SessionRunHook`` (or any TensorFlow hook class) as a base class."""
    tf_name = resolve(base)
    if tf_name is not None:
        return tf_api.is_hook(tf_name) or tf_name.endswith("SessionRunHook")
    return st.leaf_name(base).endswith("SessionRunHook")


def _settled(node: cst.BaseExpression) -> bool:
    """A value built elsewhere or a Python setting: a literal, names, a lookup
    (``params["n"]``), ``params.get("n", 100)``, ``int(...)`` of one, ``tf.no_op()``."""
    if _literal(node) or only_names(node) or _lookup(node) or builds_nothing(node):
        return True
    if not isinstance(node, cst.Call):
        return False
    func = node.func
    settles = (
        isinstance(func, cst.Attribute) and func.attr.value == "get" and _lookup(func.value)
    ) or (isinstance(func, cst.Name) and func.value in {"int", "float", "str", "bool"})
    return settles and all(_settled(arg.value) for arg in node.args)


def _settled_in_hook(node: cst.BaseExpression, helpers: Collection[str]) -> bool:
    """``_settled``, or a display of such values and of calls of the file's own functions
    handed nothing (``get_lr()``)."""
    if _settled(node):
        return True
    if isinstance(node, cst.Call):
        return not node.args and isinstance(node.func, cst.Name) and node.func.value in helpers
    if isinstance(node, (cst.List, cst.Tuple)):
        return all(
            isinstance(el, cst.Element) and _settled_in_hook(el.value, helpers)
            for el in node.elements
        )
    if isinstance(node, cst.Dict):
        return all(
            isinstance(el, cst.DictElement)
            and _plain_key(el.key)
            and _settled_in_hook(el.value, helpers)
            for el in node.elements
        )
    return False


def _literal(node: cst.BaseExpression) -> bool:
    return isinstance(node, (cst.Integer, cst.Float, cst.SimpleString, cst.Name)) or (
        isinstance(node, cst.UnaryOperation) and _literal(node.expression)
    )


#: First words of functions that check what they are given and build nothing from it.
_CHECKING = frozenset({"check", "assert", "validate", "verify", "ensure"})


def only_logs(stmt: cst.BaseStatement, resolve: TfResolver) -> bool:
    """``tf.logging.info("optimizer: %s" % optimizer)`` alone in a statement: TensorFlow's
    Python logging writes text while the graph is built and builds no op (what it shows of a
    tensor is EF204's business)."""
    if not (isinstance(stmt, cst.SimpleStatementLine) and len(stmt.body) == 1):
        return False
    small = stmt.body[0]
    if not (isinstance(small, cst.Expr) and isinstance(small.value, cst.Call)):
        return False
    return ".logging." in (resolve(small.value.func) or "")


def only_checks(stmt: cst.BaseStatement, resolve: TfResolver) -> bool:
    """``check_no_sync_replicas_optimizer(opt)`` alone in a statement: a check of the user's
    (or a library's) that builds no op; TensorFlow's own asserts (``tf.debugging.assert_rank``)
    are ops."""
    return (
        isinstance(stmt, cst.SimpleStatementLine)
        and all(_checks(small) for small in stmt.body)
        and all(
            resolve(cst.ensure_type(cst.ensure_type(small, cst.Expr).value, cst.Call).func)
            is None
            for small in stmt.body
        )
    )


def _checks(small: cst.BaseSmallStatement) -> bool:
    """A call of a function named for checking, alone in a statement."""
    if not (isinstance(small, cst.Expr) and isinstance(small.value, cst.Call)):
        return False
    func = small.value.func
    return words(st.leaf_name(func))[:1] in [(w,) for w in _CHECKING]


def computes_nothing(stmt: cst.BaseStatement) -> bool:
    """``y_ = labels``, ``monitor["lr"] = lr`` (a name stored) or ``del labels``: no op is built,
    so the statement itself breaks no rule (its uses are judged)."""
    if not isinstance(stmt, cst.SimpleStatementLine):
        return False
    if all(isinstance(small, cst.Del) for small in stmt.body):
        return True
    if len(stmt.body) == 1:
        small = stmt.body[0]
        if _stores_names(small):
            return True
        if isinstance(small, cst.Assign) and len(small.targets) == 1:
            target = small.targets[0].target
            return _picks_a_name(small.value) and isinstance(target, (cst.Name, cst.Subscript))
    return False


def _picks_a_name(value: cst.BaseExpression) -> bool:
    """A name, None, or a conditional expression choosing between them by a test that calls
    nothing (``first if stage == 1 else second``): no op is built."""
    if isinstance(value, cst.Name):
        return True
    if not isinstance(value, cst.IfExp):
        return False
    test = value.test
    calls = isinstance(test, cst.Call) or any(
        isinstance(node, cst.Call) for node in st.own_nodes(test)
    )
    return not calls and _picks_a_name(value.body) and _picks_a_name(value.orelse)
