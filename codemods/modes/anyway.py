"""What a helper handed the mode does anyway: SPEC §4 trusts a helper that receives ``mode`` to
gate itself, so it gates only what it does not do whatever the mode. It builds a training op
anyway where one runs without a test of the mode telling TRAIN from this mode (a method of the
model_fn's class that never reads the ``self.mode`` it was given, a tower that computes
``tf.gradients`` outside ``if is_training:``, a train op under ``if mode != PREDICT:``); it uses
labels anyway where it looks into them, computes with them or hands them on (to a TensorFlow op,
an imported function, or one of the file's functions that uses them) where no test of the mode
closes the way (a class whose ``__init__`` reads ``labels["prob"]``; a test of a setting closes
nothing); it writes a summary anyway where one is written before any test of the mode."""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable, Optional

import libcst as cst

from codemods import statements as st
from codemods.model_fns import TfResolver
from codemods.modes.arguments import arguments, carries_label, parameter, with_local_flags
from codemods.modes.evaluate import Const, ModeEvaluator, Value, present
from codemods.modes.reach import may_reach, own_method, sure_calls, surely_reaches
from codemods.modes.state import Facts
from codemods.tree import children
from codemods.vocabulary import Mode, Tag

if TYPE_CHECKING:
    from codemods.modes.calls import Calls

_Key = tuple[int, tuple[tuple[str, str], ...]]


def _none_safe(tf_name: str) -> bool:
    """TensorFlow functions that take None without failing: logging and printing what they
    are given, and asking what it is (``tf.is_tensor``, ``tf.nest``)."""
    return (
        ".logging." in tf_name
        or tf_name.rsplit(".", 1)[-1] in {"print", "is_tensor"}
        or tf_name.startswith("tensorflow.nest.")
    )


def _works_on(small: cst.BaseSmallStatement, names: set[str], resolve: TfResolver) -> bool:
    """``small`` does what fails on None with one of ``names``: looks into it
    (``labels["prob"]``, ``labels.shape``), computes with it (``labels - logits``) or hands it
    to a TensorFlow op (``tf.reshape(labels, ...)``); not binding another name to it, testing
    it, logging it, or handing it to a function of the user's (which may test it); nothing
    under a condition (``x if mode != PREDICT else None``, ``labels is not None and ...``)
    counts."""
    for node in _unconditional(small):
        if isinstance(node, (cst.Subscript, cst.Attribute)):
            operands = [node.value]
        elif isinstance(node, cst.BinaryOperation):
            operands = [node.left, node.right]
        elif isinstance(node, cst.Call) and not _none_safe(resolve(node.func) or "print"):
            operands = [arg.value for arg in node.args]
        else:
            continue
        if any(isinstance(part, cst.Name) and part.value in names for part in operands):
            return True
    return False


_MODE_VALUES = frozenset(mode.value for mode in Mode)


def _hands_mode(arg: cst.Arg, given: ModeEvaluator) -> bool:
    """The argument is the mode itself, as the helper was handed it in this mode (a name or an
    attribute holding it; not a mode written there, ``load("train", labels)``,
    ``load(ModeKeys.TRAIN, labels)``)."""
    written = (cst.SimpleString, cst.ConcatenatedString, cst.FormattedString)
    if isinstance(arg.value, written) or given.mode_key(arg.value) is not None:
        return False
    value = given.eval(arg.value)
    return isinstance(value, Const) and isinstance(value.value, str) and (
        value.value in _MODE_VALUES
    )


def _maybe_none(value: Optional[Value]) -> bool:
    """Whether a label value may be missing: None, or not known to be there."""
    if isinstance(value, Const):
        return value.value is None
    return not present(value)


def _unconditional(node: cst.CSTNode) -> list[cst.CSTNode]:
    """The nodes under ``node`` that run whenever it runs: not the branches of a conditional
    expression, what a boolean operator may skip, a lambda's body, or a comprehension's
    but the iterable it starts from."""
    found: list[cst.CSTNode] = []
    todo = [node]
    while todo:
        current = todo.pop()
        found.append(current)
        if isinstance(current, cst.IfExp):
            todo.append(current.test)
        elif isinstance(current, cst.BooleanOperation):
            todo.append(current.left)
        elif isinstance(current, (cst.ListComp, cst.SetComp, cst.DictComp, cst.GeneratorExp)):
            todo.append(current.for_in.iter)  # ``{k: f(v) for k, v in labels.items()}``
        elif not isinstance(current, cst.Lambda):
            todo.extend(children(current))
    return found


#: How deep the file's functions handed labels are read for a use of them.
_DEPTH = 2
#: Python builtins that take None without failing.
_PYTHON_SAFE = frozenset(
    {"print", "isinstance", "id", "type", "repr", "str", "bool", "callable", "dict", "hasattr"}
)
#: Python's and absl's logging, which show None as they show anything.
_LOGGING = ("logging.", "absl.logging.")


def _calls_handing(small: cst.BaseSmallStatement, names: set[str]) -> list[cst.Call]:
    """The calls ``small`` surely makes that are handed one of ``names`` as it is."""
    return [
        node
        for node in _unconditional(small)
        if isinstance(node, cst.Call)
        and any(isinstance(arg.value, cst.Name) and arg.value.value in names for arg in node.args)
    ]


class Anyway:
    """Per helper and the mode values it is handed, the tags it does anyway (read once)."""

    def __init__(self, calls: Calls) -> None:
        self.calls = calls
        self.ctx = calls.ctx
        self._done: dict[_Key, frozenset[Tag]] = {}

    def built(self, call: cst.Call, facts: Facts) -> frozenset[Tag]:
        """The tags the helper ``call`` runs does anyway where this mode sends control: it
        does not gate those."""
        found = self._helper(call, facts)
        if found is None:
            return frozenset()
        helper, skipped, env = found
        if helper in self.ctx.fn.model_fns:
            return frozenset()  # a model_fn of its own (a wrapper's): reported where it is
        key = (id(helper), tuple(sorted((name, repr(value)) for name, value in env.items())))
        if key not in self._done:
            self._done[key] = frozenset()  # a helper that calls itself: its first reading
            self._done[key] = self._read(call, facts, helper, skipped, env)
        return self._done[key]

    def _helper(
        self, call: cst.Call, facts: Facts
    ) -> Optional[tuple[cst.FunctionDef, int, dict[str, Value]]]:
        """The function ``call`` runs, how many parameters it does not fill, and what this
        mode decides its parameters (and what the model_fn stored on ``self``) hold."""
        helper = own_method(call, self.ctx.fn)
        env: dict[str, Value] = {}
        skipped = 1
        if helper is not None:  # what the model_fn stored on ``self``
            env = {key: value for key, value in facts.values.items() if "." in key}
        else:
            helper, skipped = self.calls.in_file_callee(call, facts)
            if helper is None:
                helper, skipped = self.constructor(call), 1
            if helper is None:
                return None
        env.update(arguments(self.ctx.evaluator(facts.values), helper, skipped, call))
        return helper, skipped, with_local_flags(self.ctx.evaluator, helper, env)

    def _read(
        self,
        call: cst.Call,
        facts: Facts,
        helper: cst.FunctionDef,
        skipped: int,
        env: dict[str, Value],
    ) -> frozenset[Tag]:
        given = self.ctx.evaluator(env)
        found: set[Tag] = set()

        # a training op under a test that TRAIN decides otherwise is the helper gating itself
        # (gradients under ``if mode == EVAL:`` for a metric)
        in_train = self._in_train(env, helper, skipped, call)

        def builds(node: cst.CSTNode) -> bool:
            # each call that surely runs by itself: the calls it is handed are in ``sure``
            # where they run too (not a branch of a conditional the mode decides against)
            sure = sure_calls(node, given, in_train)
            if Tag.TRAIN in self.calls.facts_of(node, sure, facts, 1).tags:
                return True
            # ``self._build_optimizer()`` in a method: what that method does anyway, read alike
            return any(
                Tag.TRAIN in self.built(inner, facts)
                for inner in sure
                if own_method(inner, self.ctx.fn) is not None
            )

        if surely_reaches(helper.body, given, builds, apart=in_train):
            found.add(Tag.TRAIN)

        def writes(node: cst.CSTNode) -> bool:  # ``tf.summary.*`` written in the helper itself
            return isinstance(node, cst.BaseSmallStatement) and any(
                (self.ctx.resolve(inner.func) or "").startswith("tensorflow.summary.")
                for inner in st.calls(node)
            )

        # a summary it writes before any test of the mode (``tf.summary.histogram`` of its
        # outputs, then the loss summaries under ``if is_training or is_evaluating:``)
        if surely_reaches(helper.body, given, writes):
            found.add(Tag.SUMMARY)
        labels = self._none_labels(call, facts, helper, skipped, env)
        # labels used where they are None fail wherever control may go that the mode does
        # not close (a test of a setting does not gate them: ``if params["loss"] == "ctc":``)
        if labels and may_reach(helper.body, given, self._label_use(labels, given, 0)):
            found.add(Tag.LABEL)
        return frozenset(found)

    def _label_use(
        self, labels: set[str], given: ModeEvaluator, depth: int
    ) -> Callable[[cst.CSTNode], bool]:
        """Whether a statement uses one of ``labels`` (None here): works on it, hands it to a
        function that is not the file's own (nothing says it tests for None), or hands it to
        one of the file's functions that may use it (read ``_DEPTH`` calls deep, with what
        ``given`` decides its other arguments hold: the mode handed on closes the way)."""

        def uses(node: cst.CSTNode) -> bool:
            if not isinstance(node, cst.BaseSmallStatement):
                return False
            if _works_on(node, labels, self.ctx.resolve):
                return True
            return any(
                self._hands_on(call, labels, given, depth)
                for call in _calls_handing(node, labels)
            )

        return uses

    def _hands_on(
        self, call: cst.Call, labels: set[str], given: ModeEvaluator, depth: int
    ) -> bool:
        tf_name = self.ctx.resolve(call.func)
        if tf_name is not None:
            return not _none_safe(tf_name)
        func = call.func
        inner = self.ctx.fn.helpers.get(func.value) if isinstance(func, cst.Name) else None
        if inner is None:
            if any(name.startswith(_LOGGING) for name in self.ctx.names(func)):
                return False  # ``logging.info("%s", labels)`` shows None
            if any(_hands_mode(arg, given) for arg in call.args):
                return False  # ``self.decoder.decode(mode, ..., labels)`` gates itself too
            return not isinstance(func, cst.Name) or func.value not in _PYTHON_SAFE
        if depth >= _DEPTH:
            return False
        received = {
            name
            for index, arg in enumerate(call.args)
            if isinstance(arg.value, cst.Name) and arg.value.value in labels
            and (name := parameter(inner, index, arg)) is not None
        }
        env = arguments(given, inner, 0, call)
        env.update(dict.fromkeys(received, Const(None)))
        none = self.ctx.evaluator(with_local_flags(self.ctx.evaluator, inner, env))
        uses = self._label_use(received, none, depth + 1)
        return bool(received) and may_reach(inner.body, none, uses)

    def _in_train(
        self, env: dict[str, Value], helper: cst.FunctionDef, skipped: int, call: cst.Call
    ) -> ModeEvaluator:
        """What the helper's parameters (and a mode stored on ``self``) hold in TRAIN."""
        train: dict[str, Value] = {
            key: by_mode[Mode.TRAIN]
            for key, by_mode in self.ctx.flag_values.items()
            if "." in key and key in env and Mode.TRAIN in by_mode
        }
        for index, arg in enumerate(call.args):
            name = parameter(helper, index + skipped, arg)
            if name is not None:
                train[name] = self.ctx.value_in(arg.value, Mode.TRAIN)
        return self.ctx.evaluator(with_local_flags(self.ctx.evaluator, helper, train))

    def _none_labels(
        self,
        call: cst.Call,
        facts: Facts,
        helper: cst.FunctionDef,
        skipped: int,
        env: dict[str, Value],
    ) -> set[str]:
        """The helper's parameters handed labels that may be None in this mode, or a value
        computed from them (``labels = tf.reshape(labels, ...)`` before the call: it exists only
        where the labels do), unless the helper rebinds them (``labels = labels or {}``,
        ``if mode == PREDICT: labels = ...``)."""
        rebound = st.rebinds(helper.body)
        return {
            name
            for index, arg in enumerate(call.args)
            if carries_label(facts, arg.value)
            and (name := parameter(helper, index + skipped, arg)) is not None
            and name not in rebound
            and _maybe_none(env.get(name))
        }

    def constructor(self, call: cst.Call) -> Optional[cst.FunctionDef]:
        """The ``__init__`` a call of one of the module's classes runs."""
        func = call.func
        if not isinstance(func, cst.Name) or func.value in self.ctx.fn.helpers:
            return None
        owner = self.ctx.fn.classes.get(func.value)
        if owner is None:
            return None
        return next(
            (
                stmt for stmt in st.statements_of(owner.body)
                if type(stmt) is cst.FunctionDef and stmt.name.value == "__init__"
            ),
            None,
        )


__all__ = ["Anyway"]
