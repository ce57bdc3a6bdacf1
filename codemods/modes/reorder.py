"""``--unsafe-fixes``: reorder into the canonical layout (SPEC §5.5).

The safe layout never reorders; where PREDICT-only code sits between label code and the PREDICT
return, it guards the label code instead (``if mode != PREDICT:``). With unsafe fixes, statements
PREDICT does not need sink below the PREDICT return so it can move up, as in the canonical form.
Only statements that create no auto-named layers sink (checkpoint-compatible: the same variable
names); random seeds of later ops may differ, which is what makes the fix unsafe.
"""

from __future__ import annotations

from codemods.modes.units import Unit
from codemods.vocabulary import Mode, UnitKind


def _predict_return(units: list[Unit]) -> int:
    for index, unit in enumerate(units):
        predict_only = unit.needed == {Mode.PREDICT}
        if unit.kind is UnitKind.MODE_IF and predict_only and Mode.PREDICT in unit.terminates:
            return index
    return -1


def _may_sink(unit: Unit) -> bool:
    return (
        unit.kind in {UnitKind.SIMPLE, UnitKind.COMPOUND}
        and Mode.PREDICT in unit.modes
        and Mode.PREDICT not in unit.needed
        and not unit.autonamed
        and not unit.never_move
        and not unit.terminates
    )


def sink_below_predict(units: list[Unit]) -> list[Unit]:
    """The units with the ones PREDICT does not need moved just below the PREDICT return.

    A unit sinks only if no unit that stays above reads or redefines what it defines (or the
    objects whose methods it calls), nor redefines what it reads; units that
    actually change places with a staying unit are marked ``reordered`` (their fix is unsafe).
    """
    end = _predict_return(units)
    if end <= 0:
        return units
    segment = units[:end]
    sinking = {id(u) for u in segment if _may_sink(u)}
    changed = True
    while changed:
        changed = False
        for index, unit in enumerate(segment):
            if id(unit) not in sinking:
                continue
            for later in segment[index + 1 :]:
                if id(later) in sinking:
                    continue
                mine, theirs = unit.defs | unit.changes, later.defs | later.changes
                if mine & (later.reads | theirs) or theirs & unit.reads:
                    sinking.discard(id(unit))
                    changed = True
                    break
    stay = [u for u in segment if id(u) not in sinking]
    sink = [u for u in segment if id(u) in sinking]
    for unit in sink:
        position = segment.index(unit)
        if any(id(v) not in sinking for v in segment[position + 1 :]):
            unit.reordered = True
    if not any(unit.reordered for unit in sink):
        return units
    return [*stay, units[end], *sink, *units[end + 1 :]]
