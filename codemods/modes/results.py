"""What each result of an in-file helper carries, for ``a, b = helper(...)``: the analysis reads
the helper's returns result by result (``passthrough``), so a name bound to a label-free result
does not carry the labels another result is computed from, and a name bound to the loss does not
carry the metric built next to it. A few library calls are known result by result too
(``_RESULT_SOURCES``)."""

from __future__ import annotations

from typing import Optional

import libcst as cst

from codemods import statements as st
from codemods.modes.calls import Calls, carries_label, parameter, unpacked_labels
from codemods.modes.passthrough import HelperBody, unpacked_targets
from codemods.modes.state import Facts
from codemods.vocabulary import Tag

#: Library calls whose results are computed from some of their arguments only: per result, the
#: parameter (name, position) it comes from, or None for every argument.
_RESULT_SOURCES: dict[str, tuple[Optional[tuple[str, int]], ...]] = {
    # ``log_likelihood, transition = crf_log_likelihood(logits, tags, lengths, transition)``
    # (tf.contrib.crf, TensorFlow Addons' text.crf): the second result is the transition matrix
    # handed in (or the variable the call makes), whatever the tags; decoding with it in
    # PREDICT reads no labels
    "crf_log_likelihood": (None, ("transition_params", 3)),
}


def _callee_name(func: cst.BaseExpression) -> str:
    if isinstance(func, cst.Attribute):
        return func.attr.value
    return func.value if isinstance(func, cst.Name) else ""


def _argument(call: cst.Call, name: str, position: int) -> Optional[cst.Arg]:
    for arg in call.args:
        if arg.keyword is not None and arg.keyword.value == name:
            return arg
    positional = [arg for arg in call.args if arg.keyword is None and not arg.star]
    return positional[position] if position < len(positional) else None


def library_results(view: cst.CSTNode, facts: Facts) -> Optional[dict[str, bool]]:
    """For ``a, b = call(...)`` of a library function of ``_RESULT_SOURCES``: per name, whether
    the result it is bound to is computed from label-carrying arguments; None otherwise."""
    unpacked = unpacked_targets(view)
    if unpacked is None:
        return None
    names, call = unpacked
    sources = _RESULT_SOURCES.get(_callee_name(call.func))
    if sources is None or len(names) != len(sources):
        return None
    found: dict[str, bool] = {}
    for name, source in zip(names, sources):
        if name is None:
            continue
        args = call.args if source is None else [_argument(call, *source)]
        found[name] = any(arg is not None and carries_label(facts, arg.value) for arg in args)
    return found


class Results:
    """Per name a statement binds from an in-file helper's results, what that result carries."""

    def __init__(self, calls: Calls) -> None:
        self.calls = calls
        self._bodies: dict[int, HelperBody] = {}  # by helper: each read once

    def _body(self, helper: cst.FunctionDef) -> HelperBody:
        if id(helper) not in self._bodies:
            ctx = self.calls.ctx
            self._bodies[id(helper)] = HelperBody(helper, ctx.resolve, ctx.fn.helpers)
        return self._bodies[id(helper)]

    def _helper(
        self, view: cst.CSTNode, facts: Facts
    ) -> Optional[tuple[list[Optional[str]], cst.Call, cst.FunctionDef, int]]:
        unpacked = unpacked_targets(view)
        if unpacked is None:
            return None
        names, call = unpacked
        helper, skipped = self.calls.in_file_callee(call, facts)
        if helper is None or self.calls.ctx.carried(call.func):
            return None
        return names, call, helper, skipped

    def labels(self, view: cst.CSTNode, facts: Facts) -> Optional[dict[str, bool]]:
        """Whether each name is bound to a result the helper computes from what it is handed
        that carries labels (or from the caller's label-carrying names it reads); None when that
        is not known, or when the helper is given the mode (trusted to hand back what that mode
        should see, unless it surely uses the labels where they are None). A helper that tests
        its labels against None hands them back None in PREDICT; one that reads them only under
        tests its arguments make false in this mode (``if is_training:``) computes nothing
        from them here."""
        found = self._helper(view, facts)
        if found is None:
            return None
        names, call, helper, skipped = found
        if Tag.LABEL in self.calls.mode_gates(call) - self.calls.anyway.built(call, facts):
            return None
        received: set[str] = set()
        for index, arg in enumerate(call.args):
            name = parameter(helper, index + skipped, arg)
            if name is None and carries_label(facts, arg.value):
                return None
            if name is None or not carries_label(facts, arg.value):
                continue
            received.add(name)
            if isinstance(arg.value, cst.Tuple):
                received |= unpacked_labels(helper, name, arg.value, facts) or set()
        if received and self.calls.ignores_labels(call, facts, present=True):
            received = set()  # it reads them only under tests this mode makes false
        body = self._body(helper)
        sources = body.sources(len(names))
        if sources is None:
            return None
        # a helper nested in the model_fn reads the model_fn's names it does not bind itself;
        # a module-level helper reads globals
        nested = any(node is helper for node in st.own_nodes(self.calls.ctx.fn.node.body))
        own = body.local_names if nested else None
        return {
            name: bool(used & received)
            or (own is not None and any(Tag.LABEL in facts.tags.get(n, ()) for n in used - own))
            for name, used in zip(names, sources)
            if name is not None
        }

    def built(self, view: cst.CSTNode, facts: Facts, tag: Tag) -> Optional[dict[str, bool]]:
        """Whether each name is bound to a result computed by what the helper builds with
        ``tag`` (``return loss, tf.metrics.rmse(...)`` for metrics); None when that is not
        known."""
        found = self._helper(view, facts)
        if found is None:
            return None
        names, _, helper, _ = found
        exprs = self._body(helper).exprs(len(names))
        if exprs is None:
            return None
        return {
            name: any(tag in self.calls.facts(expr, facts, 1).tags for expr in exprs_of)
            for name, exprs_of in zip(names, exprs)
            if name is not None
        }


__all__ = ["Results"]
