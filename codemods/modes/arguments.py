"""What a call hands an in-file helper: which parameter receives each argument, what the mode
decides it holds, and whether it carries labels."""

from __future__ import annotations

from typing import Optional

import libcst as cst

from codemods import statements as st
from codemods.modes.evaluate import ModeEvaluator, Value
from codemods.modes.state import Facts
from codemods.vocabulary import Tag


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


__all__ = ["arguments", "carries_label", "parameter"]
