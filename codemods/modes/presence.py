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
from codemods.modes.evaluate import NOT_NONE, UNKNOWN, Const, Value, truth
from codemods.modes.on_none import looks_into_test
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
    if truth(evaluator.eval(test)) is None or looks_into_test(test, name, evaluator):
        return tags
    return facts.present[name]


__all__ = ["Way", "narrow", "record", "tested", "ways"]
