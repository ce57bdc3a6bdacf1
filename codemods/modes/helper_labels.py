"""Results of a helper handed labels that PREDICT does not use.

While walking, a statement that hands labels to a helper the tool cannot read marks its
results as the helper's (``Tag.HELPER_LABEL``): if PREDICT returns something computed from
them, the call is reported once, as EF106, and not again at every statement that reads them.
Whether PREDICT does is known only after the walk (``safety.predict_outputs``). Where it does
not, the call is label code run in PREDICT (EF101), and so is each statement there that
computes from its results: they break the rules the judge set aside for them
(``Unit.if_helper_label``). Where it does, a statement computing from them what PREDICT does
not use (``loss = model.create_loss()`` beside the predictions PREDICT returns) is label code
all the same: only the statements on the way to what PREDICT returns are the EF106 call's.
"""

from __future__ import annotations

from collections.abc import Iterable

from codemods.modes.units import Unit, leaves
from codemods.vocabulary import Mode


def unused(units: Iterable[Unit]) -> None:
    """Report the readers of helper results PREDICT does not use (a forward pass)."""
    names: set[str] = set()
    held: set[str] = set()
    for unit in leaves(units):
        _mark(unit, names, held, unit.predict_uses)


def _mark(unit: Unit, names: set[str], held: set[str], predict_uses: frozenset[str]) -> None:
    """``names``: what holds such results before ``unit`` (of a helper whose results PREDICT
    does not use, or of a statement computing from them); ``held``: what holds the results of a
    helper reported as EF106; ``predict_uses``: of what the statement (or the compound statement
    it is part of) binds, what reaches PREDICT."""
    if Mode.PREDICT not in unit.modes:
        return
    # a statement computing from the EF106 helper's results what PREDICT does not use
    reads = bool(unit.reads & names) or bool(not predict_uses and unit.reads & held)
    for part in leaves(unit.parts):
        _mark(part, names, held, predict_uses)
    if unit.opaque_label is not None and not unit.parts:
        (names if not predict_uses else held).update(unit.results())
        return
    if reads and unit.if_helper_label:
        own = unit.blocked.get(Mode.PREDICT, frozenset())
        unit.blocked[Mode.PREDICT] = own | unit.if_helper_label
    if unit.parts:
        unit.blocked[Mode.PREDICT] = unit.blocked.get(Mode.PREDICT, frozenset()).union(
            *(p.blocked.get(Mode.PREDICT, frozenset()) for p in leaves(unit.parts))
        )
    if reads:
        names |= unit.defs
    else:
        names -= unit.defs
    held -= unit.defs - unit.reads  # bound anew from something else
