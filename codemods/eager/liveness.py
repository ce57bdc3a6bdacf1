"""Which names a statement's later uses carry into a ``return``: what EF204 can wire a print into.

The walk records one ``Step`` per statement (or compound header) in source order, with the names
it reads and defines and how deep it sits under conditions.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import libcst as cst


@dataclass(frozen=True)
class Step:
    """One statement (or compound header) in source order."""

    stmt: cst.CSTNode
    reads: frozenset[str]
    defines: frozenset[str]
    returns: bool
    depth: int


class Steps:
    """The steps of one model_fn body, in source order."""

    def __init__(self) -> None:
        self._steps: list[Step] = []

    def __len__(self) -> int:
        return len(self._steps)

    def add(
        self,
        stmt: cst.CSTNode,
        reads: set[str],
        defines: set[str],
        depth: int,
        returns: bool = False,
    ) -> None:
        self._steps.append(Step(stmt, frozenset(reads), frozenset(defines), returns, depth))

    def live(self, names: Sequence[str], start: int) -> list[str]:
        """The names whose uses after step ``start`` reach a ``return`` (so a print wired into
        them becomes part of it).

        A later statement that rebinds a name without reading it ends that name's line, unless it
        sits deeper (under a condition) than every statement since the print.
        """
        live = []
        for name in names:
            tainted = {name}
            level = self._steps[start].depth
            for step in self._steps[start + 1:]:
                level = min(level, step.depth)
                if step.reads & tainted:
                    if step.returns:
                        live.append(name)
                        break
                    tainted |= step.defines
                elif step.depth <= level:
                    tainted -= step.defines
        return live
