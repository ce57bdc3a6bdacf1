"""The blocks of a compound statement the walk goes through: how an ``if`` chain's branches and a
``for`` loop's passes are told apart, where they end the modes that enter them, and what the
names they bind carry after them."""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple, Optional

import libcst as cst

from codemods import statements as st
from codemods.modes import presence
from codemods.modes.context import Context
from codemods.modes.evaluate import MAYBE_NONE, UNKNOWN, Const, Value
from codemods.modes.state import Facts, State, test_by_mode
from codemods.vocabulary import Mode, Tag


def leaves_loop(stmt: cst.BaseStatement) -> bool:
    """``break`` or ``continue`` on its own line."""
    return isinstance(stmt, cst.SimpleStatementLine) and any(
        isinstance(small, (cst.Break, cst.Continue)) for small in stmt.body
    )


def alternatives(stmt: cst.BaseStatement) -> bool:
    """An ``if`` chain whose branches are all indented blocks (each branch runs from what was
    known before the statement), or a ``for`` loop with an indented body and no ``else`` (its
    body is walked until a pass adds nothing to what the one before left, a ``break`` or
    ``continue`` leaving with what it knew): what they bind is what the walk of each block
    gave. Other compound statements keep the coarse reading
    (every name they bind carries all they read): a ``while`` body runs again under a test it
    changes, ``else``/``finally`` after the body, a ``with`` body under context managers that
    carry what a rule judges (one with neutral ones runs once: ``walk``), and
    a one-line block is not walked."""
    if isinstance(stmt, cst.For):  # walked until its passes settle (``walk``)
        return isinstance(stmt.body, cst.IndentedBlock) and stmt.orelse is None
    if not isinstance(stmt, cst.If):
        return False
    return all(isinstance(body, cst.IndentedBlock) for _, body in st.if_chain(stmt))


class Walked(NamedTuple):
    """One block of a compound statement, walked: the modes that may run it, what they knew at
    its end, and those still running there."""

    runs: frozenset[Mode]
    state: State
    after: frozenset[Mode]


def ended_in(
    stmt: cst.BaseStatement,
    modes: frozenset[Mode],
    walked: list[Walked],
    around: frozenset[Mode] = frozenset(),
) -> frozenset[Mode]:
    """The modes a compound statement judged whole ends: all where it always exits; for an
    ``if``, those its every way through ends (``around``: the modes that may take no branch);
    for a ``with`` (its body runs once) and a ``try`` whose every handler returns or raises,
    those that return in its body."""
    if st.always_exits(stmt.body if isinstance(stmt, cst.With) else stmt):
        return modes
    if isinstance(stmt, cst.If) and walked:
        return ended_in_every_branch(modes - around, walked)
    once = isinstance(stmt, cst.With) or (isinstance(stmt, cst.Try) and handlers_exit(stmt))
    if once and walked:
        return walked[0].runs - walked[0].after
    return frozenset()


def ended_in_every_branch(modes: frozenset[Mode], walked: list[Walked]) -> frozenset[Mode]:
    """Of ``modes``, each certain to take a branch of an ``if`` chain (an ``else``, or a test
    decided true in it: ``elif mode == PREDICT:`` after ``if mode == PREDICT and flag:``),
    those every branch they may take ends."""
    return frozenset(
        mode
        for mode in modes
        if all(mode not in block.after for block in walked if mode in block.runs)
    )


def around_chain(
    ctx: Context, stmt: cst.If, state: State, modes: frozenset[Mode]
) -> frozenset[Mode]:
    """The modes that may take no branch of an ``if`` chain: none where it has an ``else``,
    otherwise those no test is decided true in."""
    remaining = modes
    for test, _ in st.if_chain(stmt):
        if test is None:
            return frozenset()
        decided = test_by_mode(ctx, test, state, remaining)
        remaining = frozenset(m for m, value in decided.items() if value is not True)
    return remaining


def handlers_exit(stmt: cst.Try) -> bool:
    """Every ``except`` block of ``stmt`` returns or raises (there is at least one)."""
    return bool(stmt.handlers) and all(st.always_exits(h.body) for h in stmt.handlers)


def has_else(stmt: cst.If) -> bool:
    return st.if_chain(stmt)[-1][0] is None


#: How many passes of a loop body are walked before what its names carry is widened to all
#: the body binds (the walk after that settles at once).
LOOP_PASSES = 3


def widen(facts: Facts, names: set[str]) -> None:
    """Give each of ``names`` every tag any of them carries (a loop whose passes keep passing
    tags along a chain of names ends, at the latest, there)."""
    every: frozenset[Tag] = frozenset().union(*(facts.tags.get(n, frozenset()) for n in names))
    for name in names:
        facts.tags[name] = every


_LEAVES = (cst.Continue, cst.Break, cst.Return, cst.Raise)


def skips_rest(stmt: cst.BaseStatement) -> bool:
    """An ``if`` with no ``else`` whose block always leaves (``continue``, ``break``, a return
    or a raise): the statements after it run only where its test is false."""
    if not isinstance(stmt, cst.If) or stmt.orelse is not None:
        return False
    body = stmt.body
    last = body.body[-1] if isinstance(body, cst.IndentedBlock) and body.body else body
    smalls: Sequence[cst.BaseSmallStatement] = ()
    if isinstance(last, (cst.SimpleStatementLine, cst.SimpleStatementSuite)):
        smalls = last.body
    return any(isinstance(small, _LEAVES) for small in smalls)


def bind_from_blocks(
    defs: frozenset[str],
    state: State,
    before: State,
    walked: list[Walked],
    around: bool,
) -> None:
    """What the names an ``if`` chain or a loop binds carry after it (see ``alternatives``):
    what they carried before where control may go ``around`` every block (an ``if`` with no
    ``else``, a loop that runs no pass) and what each block that ran gave them — not
    everything the statement reads anywhere (``if not labels: labels = features["y"]`` does
    not make ``features`` a label; ``labels`` rebound in both branches of an ``if``/``else``
    holds what they gave)."""
    for mode, facts in state.items():
        if mode not in before:
            continue
        for name in defs:
            ways: list[presence.Way] = []
            # a name the statement first binds has no way around it: read after a loop that
            # ran no pass, or an ``if`` that took no block, it fails (no value flows so)
            if around and _bound(before[mode], name):
                ways += presence.ways(before[mode], name)
            for runs, copy, after in walked:
                if mode in runs and mode in after:
                    ways += presence.ways(copy[mode], name)
            facts.tags[name] = frozenset().union(*(tags for _, tags in ways))
            presence.record(facts, name, ways)
            joined = _joined([value for value, _ in ways]) if ways else UNKNOWN
            if joined is not UNKNOWN:  # else what the statement as a whole gave it stands
                facts.values[name] = joined


def _bound(facts: Facts, name: str) -> bool:
    return name in facts.values or name in facts.tags


def _joined(values: list[Value]) -> Value:
    """What a name holds after ways that gave it ``values``: their value where they agree,
    possibly None where each is None or possibly None (a mode-aware helper's result bound in
    the first pass of a loop), else not known."""
    first = values[0]
    if all(value == first for value in values):
        return first
    if all(value is MAYBE_NONE or value == Const(None) for value in values):
        return MAYBE_NONE
    return UNKNOWN


def branch_modes(
    ctx: Context,
    chain: list[tuple[Optional[cst.BaseExpression], cst.BaseSuite]],
    state: State,
    live: frozenset[Mode],
) -> Optional[list[frozenset[Mode]]]:
    """The modes that take each branch of the chain; None when a test is undecided."""
    remaining = set(live)
    assignment: list[frozenset[Mode]] = []
    for test, _ in chain:
        if test is None:
            taken = frozenset(remaining)
        else:
            decided = test_by_mode(ctx, test, state, frozenset(remaining))
            if any(value is None for value in decided.values()):
                return None
            taken = frozenset(m for m, value in decided.items() if value)
        assignment.append(taken)
        remaining -= taken
    return assignment
