"""What a name carries where it is not None.

``if params["truth"] and "labels" in features: labels = features["labels"]`` leaves ``labels``
None in PREDICT on one way through and a features value on the other. After the ``if`` the name
carries both ways' tags (the labels tag of the parameter, None in PREDICT), but a test that only
a value other than None passes (``if labels and ...:``, ``if labels is not None:``) leaves only
the other way: inside it, ``labels`` carries what the rebinding gave. ``record`` keeps, for a
name one of whose ways holds None, the tags of the ways that do not; ``narrow`` applies them
where a test rules None out.
"""

from __future__ import annotations

from collections.abc import Iterable

import libcst as cst

from codemods import statements as st
from codemods.modes.context import Context
from codemods.modes.evaluate import NOT_NONE, UNKNOWN, Const, ModeEvaluator, Value, truth
from codemods.modes.state import Facts
from codemods.vocabulary import Tag

#: One way through a statement: what the name holds there and the tags it carries.
Way = tuple[Value, frozenset[Tag]]


def ways(facts: Facts, name: str) -> list[Way]:
    """The ways ``name`` may be at this point: one, or None and the others, as recorded."""
    tags = facts.tags.get(name, frozenset())
    if name in facts.present:
        return [(Const(None), tags), (UNKNOWN, facts.present[name])]
    return [(facts.values.get(name, UNKNOWN), tags)]


def record(facts: Facts, name: str, ways: Iterable[Way]) -> None:
    """After the ways ``ways`` joined: where one holds None, keep the others' tags apart."""
    present: set[Tag] = set()
    none = False
    for value, tags in ways:
        if isinstance(value, Const) and value.value is None:
            none = True
        else:
            present |= tags
    if none:
        facts.present[name] = frozenset(present)
    else:
        facts.present.pop(name, None)


def narrow(ctx: Context, test: cst.BaseExpression, outcome: bool, facts: Facts) -> None:
    """Where ``test`` came out ``outcome`` and None would have made it come out otherwise, each
    name it reads holds no None: it carries the tags of its other ways."""
    for name in st.reads(test) & facts.present.keys():
        env = {**facts.values, name: Const(None)}
        if truth(ctx.evaluator(env).eval(test)) is (not outcome):
            facts.tags[name] = facts.present.pop(name)
            facts.values[name] = NOT_NONE


def tested(ctx: Context, test: cst.CSTNode, name: str, facts: Facts) -> frozenset[Tag]:
    """The tags ``test`` reads through ``name``: where None decides the test (``labels and
    ...`` is false, ``labels is None`` true) before anything looks into it, the None way reads
    nothing, only the others do (``len(labels.shape) > 1 and labels is not None`` fails on
    the None first)."""
    tags = facts.tags.get(name, frozenset())
    if name not in facts.present or not isinstance(test, cst.BaseExpression):
        return tags
    evaluator = ctx.evaluator({**facts.values, name: Const(None)})
    if truth(evaluator.eval(test)) is None or _looks_into(test, name, evaluator):
        return tags
    return facts.present[name]


def _looks_into(node: cst.BaseExpression, name: str, evaluator: ModeEvaluator) -> bool:
    """Whether evaluating ``node`` with ``name`` None does more with it than test it (its
    truth, ``is None``), up to where ``and``/``or`` stop."""
    if isinstance(node, cst.BooleanOperation):
        if _looks_into(node.left, name, evaluator):
            return True
        stops = truth(evaluator.eval(node.left)) is isinstance(node.operator, cst.Or)
        return not stops and _looks_into(node.right, name, evaluator)
    if isinstance(node, cst.UnaryOperation) and isinstance(node.operator, cst.Not):
        return _looks_into(node.expression, name, evaluator)
    if isinstance(node, cst.Comparison) and all(
        isinstance(target.operator, _NONE_TESTS) for target in node.comparisons
    ):
        operands = [node.left, *(target.comparator for target in node.comparisons)]
        return any(
            not isinstance(operand, cst.Name) and name in st.reads(operand)
            for operand in operands
        )
    return not isinstance(node, cst.Name) and name in st.reads(node)


#: Comparisons that take None without failing.
_NONE_TESTS = (cst.Is, cst.IsNot, cst.Equal, cst.NotEqual)


__all__ = ["Way", "narrow", "record", "tested", "ways"]
