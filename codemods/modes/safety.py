"""The backward pass: which modes need each unit, and what must run where it is not needed.

Liveness gives, per unit, the modes in which it is needed: its own work is right there, or a
later needed unit reads what it defines. A unit that is unsafe to skip in a mode (SPEC §5: it
creates variables later auto-named layers depend on, draws a seed later random ops depend on,
applies an EMA, holds a return) is pinned to that mode; pins add needs, so this repeats until
nothing changes.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from collections.abc import Set as AbstractSet
from typing import Optional

import libcst as cst

from codemods import statements as st
from codemods.modes import attribute_uses, helper_labels
from codemods.modes.state import single_assign
from codemods.modes.units import Pin, Unit, leaves
from codemods.rules import ef101_labels_in_predict as ef101
from codemods.tree import walk
from codemods.vocabulary import Mode, UnitKind

#: Name → the modes in which something later reads it.
Needs = dict[str, set[Mode]]


def settle(units: list[Unit], unsafe_fixes: bool) -> None:
    """Liveness, then pin what is unsafe to skip, until nothing changes."""
    predict_outputs(units)
    helper_labels.unused(units)
    for unit in leaves(units):
        if not unit.predict_uses:  # a helper's summary beside a value PREDICT does not use
            _summaries_for_nothing(unit)
    for _ in range(50):
        liveness(units, {})
        liveness(units, {}, usage=True)
        flat = list(leaves(units))
        changed = False
        for index, unit in enumerate(flat):
            for mode in sorted(unit.modes - unit.needed, key=lambda m: m.value):
                reason = _skip_risk(unit, mode, flat[index + 1 :], unsafe_fixes)
                if reason is not None:
                    unit.pins[mode] = reason
                    changed = True
            kept = unit.bad_modes() & unit.needed
            if kept and unit.modes - unit.needed:
                for mode in unit.modes - unit.needed:
                    # never left in PREDICT where it reads the None labels: PREDICT would
                    # still fail there, whatever else the fix moves out of it
                    if not (mode is Mode.PREDICT and _reads_none_labels(unit)):
                        unit.pins[mode] = Pin.PARTIAL
                        changed = True
        if not changed:
            return


def _summaries_for_nothing(unit: Unit) -> None:
    """The statement breaks the rules of the summaries its helper writes beside the values it
    gives, where no mode needs them to stay: it may leave PREDICT with them."""
    for mode, codes in unit.for_value.items():
        unit.blocked[mode] = unit.blocked.get(mode, frozenset()) | codes
    for part in unit.parts:
        _summaries_for_nothing(part)


def _reads_none_labels(unit: Unit) -> bool:
    return ef101.CODE in unit.blocked.get(Mode.PREDICT, frozenset())


def _skip_risk(unit: Unit, mode: Mode, later: list[Unit], unsafe_fixes: bool) -> Optional[Pin]:
    if unit.never_move:
        return Pin.NEVER
    if unit.returns:
        return Pin.RETURNS
    following = [v for v in later if mode in v.needed]
    if unit.creates_vars and any(v.autonamed for v in following):
        return Pin.VARIABLES
    if unit.seeds and any(v.seeds for v in following):
        if not unsafe_fixes:
            return Pin.SEEDS
        unit.unsafe_skip = True
    return None


def predict_outputs(units: list[Unit]) -> None:
    """Per unit, the names it binds that reach what PREDICT returns (the spec fields PREDICT
    reads), through the statements that compute from them: a flat backward pass, so a name
    read in any branch counts."""
    live: set[str] = set()
    whole: set[str] = set()  # reaching them as they are, only regrouped on the way
    for unit in reversed(list(leaves(units))):
        returned: set[str] = set()
        if unit.kind is UnitKind.SPEC:
            if unit.variants is not None:
                returned.update(*(v.reads for v in unit.variants if Mode.PREDICT in v.modes))
            elif Mode.PREDICT in unit.modes:
                returned |= unit.use_reads.get(Mode.PREDICT, unit.reads)
            live |= returned
            whole |= returned & _read_whole(unit.node)
            continue
        if unit.returns and Mode.PREDICT in unit.modes:  # ``if use_tpu: return ...``
            live |= unit.use_reads.get(Mode.PREDICT, unit.reads)
        unit.predict_uses = frozenset(unit.results() & live)
        single = single_assign(unit.node)  # a name bound, not a store into an object
        unit.predict_returns_whole = unit.quiet and single is not None and single[0] in whole
        if unit.predict_uses and Mode.PREDICT in unit.modes:
            live |= unit.reads
        if unit.predict_returns_whole and Mode.PREDICT in unit.modes:
            whole |= unit.reads & _read_whole(unit.node)


def _read_whole(node: cst.CSTNode) -> set[str]:
    """The names ``node`` reads as they are, not only looked into: ``outputs["p"]``,
    ``model.logits`` and ``outputs.items()`` hand on a part of ``outputs``, never its None."""
    looked = [
        part.value
        for part in st.own_nodes(node)
        if isinstance(part, (cst.Attribute, cst.Subscript)) and isinstance(part.value, cst.Name)
    ]
    return st.reads_without(node, [], looked)


def liveness(units: list[Unit], live_out: Needs, usage: bool = False) -> Needs:
    """Backward pass: the modes in which each unit is needed. With ``usage``, ``used``
    instead: reads of spec fields a mode ignores (and safety pins) do not count."""
    needs: Needs = {name: set(modes) for name, modes in live_out.items()}
    for unit in reversed(units):
        if unit.kind is UnitKind.MODE_IF:
            needs = _branch_liveness(unit, needs, usage)
            continue
        if unit.kind is UnitKind.BLOCK:
            needs = _block_liveness(unit, needs, usage)
            continue
        bound = unit.results() if usage else unit.defs | unit.changes  # a method's object: needed
        # what a statement failing on PREDICT's None labels stores in place (``features.update(
        # labels)``) never happens there: PREDICT needs only the names it binds anew
        in_predict = unit.defs & unit.kills if unit.fails_on_none_labels else bound
        # in use, one attribute's store is used where that attribute is (``attribute_uses``)
        key = attribute_uses.store_key(unit.node) if usage and not unit.parts else None
        wanted = {
            mode
            for mode in unit.modes
            if any(
                _wanted_by(name, mode, needs, key, usage)
                for name in (in_predict if mode is Mode.PREDICT else bound)
            )
        }
        if usage:
            # a statement that only regroups or stores values (quiet) is no use of them of its
            # own: it is used where what it binds is
            own = frozenset() if unit.quiet else unit.base_needed
            unit.used = own | frozenset(wanted) | _used_within(unit, needs)
            unit.used_defs = {
                mode: frozenset(n for n in unit.defs if _wanted_by(n, mode, needs, key, usage))
                for mode in wanted
            }
        else:
            unit.needed = unit.base_needed | frozenset(unit.pins) | frozenset(wanted)
        killed = list(unit.kills)
        if usage:  # a name bound anew ends the uses of its attributes; a store, of its own
            killed += [k for name in unit.kills for k in attribute_uses.attribute_keys(name, needs)]
            killed += [key] if key is not None else []
        for name in killed:
            if name in needs:
                needs[name] -= unit.modes
        for name, modes in _reads_by_mode(unit, usage):
            needs.setdefault(name, set()).update(modes)
    return needs


def _wanted_by(name: str, mode: Mode, needs: Needs, key: Optional[str], usage: bool) -> bool:
    """Whether a later statement needs (with ``usage``: uses) in ``mode`` what a statement
    binds to ``name``, storing the attribute ``key`` where that is all it does."""
    if usage:
        return attribute_uses.wanted(name, key, mode, needs)
    return mode in needs.get(name, ())


def _used_within(unit: Unit, needs: Needs) -> frozenset[Mode]:
    """Of a compound statement judged whole (a ``for`` loop gathering metrics and handing them
    to a summary helper), the modes where a value one of its parts builds, wrong there, is used
    by a later part (in a loop, by a part of a later turn too)."""
    if not unit.parts:
        return frozenset()
    inner = list(leaves(unit.parts))
    for block in _alternatives(unit.node, inner):  # each block of an ``if`` chain on its own
        turns = block + block if isinstance(unit.node, (cst.For, cst.While)) else block
        liveness(turns, {name: set(modes) for name, modes in needs.items()}, usage=True)
    return frozenset(
        mode for part in inner for mode in part.used if part.blocked.get(mode)
    )


def _alternatives(node: cst.CSTNode, inner: list[Unit]) -> list[list[Unit]]:
    """The parts of an ``if`` chain, block by block (only one of them runs: a name bound in the
    ``else`` does not hide the same name bound in the ``if`` block from what follows); of any
    other compound statement, all its parts in order."""
    if not isinstance(node, cst.If) or node.orelse is None:
        return [inner]
    blocks: list[list[Unit]] = []
    placed: set[int] = set()
    for _, body in st.if_chain(node):
        within = {id(n) for n in walk(body)}
        block = [part for part in inner if id(part.node) in within]
        placed.update(id(part) for part in block)
        blocks.append(block)
    rest = [part for part in inner if id(part) not in placed]
    return [block for block in [*blocks, rest] if block]


def _reads_by_mode(unit: Unit, usage: bool) -> Iterator[tuple[str, Iterable[Mode]]]:
    """What ``unit`` reads, and in which modes (as needed, or, with ``usage``, as used)."""
    if unit.variants is not None:
        for variant in unit.variants:
            for name in variant.reads:
                yield name, variant.modes
    elif usage:
        for mode in unit.used:
            if unit.parts:
                names: AbstractSet[str] = _parts_use_reads(unit, mode)
            else:  # a simple statement: the attributes it reads apart
                node = unit.use_nodes.get(mode, unit.node)
                names = attribute_uses.split_reads(node, unit.use_reads.get(mode, unit.reads))
            for name in names:
                yield name, (mode,)
    else:
        for name in unit.reads:
            yield name, unit.needed


def _parts_use_reads(unit: Unit, mode: Mode) -> frozenset[str]:
    """What a compound statement judged whole uses in ``mode``: what its header reads, and what
    its parts used there read (``if ctc: cer = ...; metrics["cer"] = mean(cer)`` uses
    ``metrics`` only where the metric is used)."""
    names = set().union(*(st.reads(header) for header in st.headers(unit.node)))
    for part in leaves(unit.parts):
        if mode in part.used:
            names |= _parts_use_reads(part, mode) if part.parts else part.use_reads.get(
                mode, part.reads
            )
    return frozenset(names)


def _block_liveness(unit: Unit, needs: Needs, usage: bool) -> Needs:
    """A ``with`` block runs where its body has work, or where later code reads what its
    header binds; its header is read there."""
    bound = unit.results() if usage else unit.defs | unit.changes  # ``with net.scope():``
    wanted = {m for m in unit.modes if any(m in needs.get(name, ()) for name in bound)}
    (body,) = unit.branches
    inner = liveness(body.units, needs, usage)
    working = set().union(*((u.used if usage else u.needed) for u in leaves(body.units)))
    runs = (frozenset(working) | frozenset(wanted)) & unit.modes
    if usage:
        unit.used = runs
    else:
        unit.needed = runs
    for name in unit.defs:
        if name in inner:
            inner[name] -= unit.modes
    for name in unit.reads:
        inner.setdefault(name, set()).update(runs)
    return inner


def _branch_liveness(unit: Unit, needs: Needs, usage: bool) -> Needs:
    covered: set[Mode] = set()
    merged: Needs = {}
    for branch in unit.branches:
        covered |= branch.modes
        sub = {n: ms & branch.modes for n, ms in needs.items()}
        for n, ms in liveness(branch.units, sub, usage).items():
            merged.setdefault(n, set()).update(ms)
    for n, ms in needs.items():
        merged.setdefault(n, set()).update(ms - covered)
    for n in unit.reads:
        merged.setdefault(n, set()).update(unit.modes)
    # Modes that take no branch only evaluate the (side-effect free) test.
    unit.needed = unit.used = frozenset(covered) & unit.modes
    return merged
