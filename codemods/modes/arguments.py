"""What a call hands an in-file helper: which parameter receives each argument, what the mode
decides it holds, and whether it carries labels."""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING, Callable, Optional

import libcst as cst

from codemods import statements as st
from codemods.modes.evaluate import Const, ModeEvaluator, Value
from codemods.vocabulary import Tag

if TYPE_CHECKING:
    from codemods.modes.state import Facts


def parameter(helper: cst.FunctionDef, index: int, arg: cst.Arg) -> Optional[str]:
    """The name of the parameter of ``helper`` that receives ``arg`` (the ``index``-th)."""
    if arg.star:
        return None
    params = helper.params
    if arg.keyword is not None:
        return arg.keyword.value
    positional = [*params.posonly_params, *params.params]
    return positional[index].name.value if index < len(positional) else None


def carries_label(facts: Facts, node: cst.CSTNode) -> bool:
    return any(Tag.LABEL in facts.tags.get(name, ()) for name in st.reads(node))


def arguments(
    evaluator: ModeEvaluator, helper: cst.FunctionDef, skipped: int, call: cst.Call
) -> dict[str, Value]:
    """What each parameter of ``helper`` holds in this call, as far as the mode decides it
    (``is_training`` given ``mode == TRAIN``)."""
    given: dict[str, Value] = {}
    for index, arg in enumerate(call.args):
        name = parameter(helper, index + skipped, arg)
        if name is not None:
            given[name] = evaluator.eval(arg.value)
    return given



def with_local_flags(
    evaluator: Callable[[dict[str, Value]], ModeEvaluator],
    helper: cst.FunctionDef,
    env: dict[str, Value],
) -> dict[str, Value]:
    """``env`` (what the helper's parameters hold) with the flags the helper computes from
    them at its top, each bound once in it: ``is_predict = mode == PREDICT``, then
    ``if not is_predict:`` is decided as a test of the mode is."""
    once = _bound_once(helper)
    flags = dict(env)
    for stmt in st.statements_of(helper.body):
        if not isinstance(stmt, cst.SimpleStatementLine):
            continue
        for small in stmt.body:
            if not (type(small) is cst.Assign and len(small.targets) == 1):
                continue
            target = small.targets[0].target
            if not isinstance(target, cst.Name) or target.value not in once:
                continue
            value = evaluator(flags).eval(small.value)
            if isinstance(value, Const):
                flags[target.value] = value
    return flags


def _bound_once(helper: cst.FunctionDef) -> set[str]:
    """The names the helper's body binds exactly once, none of them a parameter."""
    counts: Counter[str] = Counter()
    for node in st.own_nodes(helper.body):
        if type(node) is cst.Assign:
            for target in node.targets:
                counts.update(st.bound_names(target.target))
        elif isinstance(node, (cst.AnnAssign, cst.AugAssign, cst.For)):
            names = st.bound_names(node.target)
            counts.update({name: 2 for name in names})  # rebound each time: never a flag
    parameters = st.parameter_names(helper.params)
    return {name for name, count in counts.items() if count == 1 and name not in parameters}


__all__ = ["arguments", "carries_label", "parameter", "with_local_flags"]
