"""Turn analysed units back into statements, each mode executing only what it needs.

The walk keeps the original order (each mode executes a subsequence of the original statements,
SPEC §5.1) and, at each unit that runs in a mode which does not need it, prefers, in turn:

1. a unit needed by one mode whose remaining path is its own: ``if mode == M:`` + that path +
   its return (how ``train_op`` and the TRAIN spec become one block);
2. moving up the exclusive path of a mode that does not need the unit (the PREDICT early return
   moves up past label code);
3. a guard (``if mode != PREDICT:``), shared by adjacent units with the same guard.

Retiring a mode early (1 and 2) is only done in blocks that end in a return for every mode.
"""

from __future__ import annotations

from typing import Optional

import libcst as cst

from codemods.model_fns import ModeSpelling
from codemods.modes.units import Branch, Unit
from codemods.vocabulary import MODE_ORDER, Mode, UnitKind

Statement = cst.BaseStatement


def leading_lines(node: Statement) -> list[cst.EmptyLine]:
    if isinstance(node, (cst.SimpleStatementLine, cst.BaseCompoundStatement)):
        return list(node.leading_lines)
    return []


def _comment_line(header: cst.TrailingWhitespace) -> list[cst.EmptyLine]:
    """A comment after ``if ...:`` as a line of its own (it moves into a block's body)."""
    if header.comment is None:
        return []
    return [cst.EmptyLine(indent=True, comment=header.comment)]


def with_leading_lines(node: Statement, lines: list[cst.EmptyLine]) -> Statement:
    if isinstance(node, (cst.SimpleStatementLine, cst.BaseCompoundStatement)):
        return node.with_changes(leading_lines=lines)
    return node


class _Walk:
    """The state of one block's walk: what is written, the open guard, the modes still live."""

    def __init__(self, layout: Layout, items: list[Unit], live: frozenset[Mode]) -> None:
        self.layout = layout
        self.items = items
        self.out: list[Statement] = []
        self.remaining = set(live)
        self.consumed: set[int] = set()
        self.pending: list[Unit] = []
        self.pending_key: frozenset[Mode] = frozenset()
        self.pending_live: frozenset[Mode] = frozenset()

    def flush(self) -> None:
        if self.pending:
            self.out.append(self.layout.guard(self.pending, self.pending_key, self.pending_live))
            self.pending = []

    def emit(self, unit: Unit) -> None:
        self.flush()
        self.out.append(self.layout.node_of(unit, frozenset(unit.modes & self.remaining)))
        self.remaining -= unit.terminates

    def retire(
        self, mode: Mode, start: int, before: Optional[Unit] = None, absorb: bool = False
    ) -> bool:
        """Write ``mode``'s exclusive path from ``start`` as one block, if it has one. With
        ``absorb`` (the path starts with an existing mode block), only when the rest of the path
        is new code (a split spec's variant), never another existing block."""
        path = self.layout.exclusive_path(self.items, start, mode, self.remaining, self.consumed)
        if path is None:
            return False
        if absorb and (len(path) <= 1 or any(u.kind is UnitKind.MODE_IF for u in path[1:])):
            return False
        self.flush()
        block = self.layout.mode_block(path, mode, frozenset(self.remaining))
        if before is not None:
            block = self.layout.take_blank_lines(block, before)
        self.out.append(block)
        self.consumed |= {id(u) for u in path}
        self.remaining.discard(mode)
        return True

    def guard(self, unit: Unit, needs: frozenset[Mode]) -> None:
        if self.pending and needs != self.pending_key:
            self.flush()
        if not self.pending:
            self.pending_key = needs
            self.pending_live = frozenset(self.remaining)
        self.pending.append(unit)
        self.remaining -= unit.terminates & needs


class Layout:
    def __init__(
        self, spelling: ModeSpelling, mode_param: str, config: cst.PartialParserConfig
    ) -> None:
        self.spelling = spelling
        self.mode_param = mode_param
        self.config = config
        self._overrides: dict[int, Statement] = {}

    # ----------------------------------------------------------------- blocks
    def block(self, units: list[Unit], live: frozenset[Mode], terminal: bool) -> list[Statement]:
        walk = _Walk(self, self._expand(units), live)
        index = 0
        while index < len(walk.items):
            unit = walk.items[index]
            if id(unit) not in walk.consumed and not self._step(walk, unit, index, terminal):
                continue  # a mode retired in front of this unit: look at it again
            index += 1
        walk.flush()
        return walk.out

    def _step(self, walk: _Walk, unit: Unit, index: int, terminal: bool) -> bool:
        """Place one unit; False when it must be looked at again."""
        needs = frozenset(unit.needed & walk.remaining)
        # A mode block "runs" only where a branch is taken: elsewhere it is just a test.
        block = unit.kind is UnitKind.MODE_IF
        runs = needs if block else frozenset(unit.modes & walk.remaining)
        # A mode block followed by more of that mode's own code (its split spec): one block.
        if (
            terminal
            and block
            and len(needs) == 1
            and walk.retire(next(iter(needs)), index, absorb=True)
        ):
            return True
        if not runs or needs == runs:
            walk.emit(unit)
            return True
        if terminal and needs:
            if len(needs) == 1 and walk.retire(next(iter(needs)), index):
                return True
            others = [m for m in MODE_ORDER if m in runs - needs]
            if [m for m in others if walk.retire(m, index + 1, before=unit)]:
                return False
        if needs:
            walk.guard(unit, needs)
        # else: needed by no mode that reaches it, so it is dropped
        return True

    def _expand(self, units: list[Unit]) -> list[Unit]:
        """Split specs become one pseudo-unit per variant, PREDICT first."""
        items: list[Unit] = []
        for unit in units:
            if unit.variants is None:
                items.append(unit)
                continue
            line = cst.ensure_type(unit.node, cst.SimpleStatementLine)
            ret = cst.ensure_type(line.body[0], cst.Return)
            for number, variant in enumerate(unit.variants):
                node = line.with_changes(body=[ret.with_changes(value=variant.call)])
                if number:
                    node = node.with_changes(leading_lines=())
                items.append(
                    Unit(
                        node=node,
                        modes=unit.modes,
                        kind=UnitKind.VARIANT,
                        needed=variant.modes,
                        terminates=variant.modes,
                    )
                )
        return items

    def exclusive_path(
        self, items: list[Unit], start: int, mode: Mode, remaining: set[Mode], consumed: set[int]
    ) -> Optional[list[Unit]]:
        """The units from ``start`` on that ``mode`` needs, if only ``mode`` needs them and the
        last one ends ``mode``'s execution."""
        path: list[Unit] = []
        for unit in items[start:]:
            if id(unit) in consumed or mode not in (unit.needed & remaining):
                continue
            if unit.needed & remaining != {mode}:
                return None
            path.append(unit)
            if mode in unit.terminates:
                return path
        return None

    def take_blank_lines(self, block: Statement, unit: Unit) -> Statement:
        """A new block moved in front of ``unit`` takes the blank lines that separated it (a moved
        existing block keeps its own)."""
        if leading_lines(block):
            return block
        node = self._overrides.get(id(unit), unit.node)
        lines = leading_lines(node)
        blank: list[cst.EmptyLine] = []
        while lines and lines[0].comment is None:
            blank.append(lines.pop(0))
        if not blank:
            return block
        self._overrides[id(unit)] = with_leading_lines(node, lines)
        return with_leading_lines(block, blank)

    # ----------------------------------------------------------------- nodes
    def node_of(self, unit: Unit, live: Optional[frozenset[Mode]] = None) -> Statement:
        """The statement of ``unit`` as written back, for the modes ``live`` that run it there
        (default: those that need it)."""
        node = self._rebuilt(unit, unit.needed if live is None else live)
        if id(unit) in self._overrides:  # its blank lines went to a block moved before it
            node = with_leading_lines(node, leading_lines(self._overrides[id(unit)]))
        return node

    def _rebuilt(self, unit: Unit, live: frozenset[Mode]) -> Statement:
        if unit.kind is UnitKind.MODE_IF:
            return self._rewrite_chain(cst.ensure_type(unit.node, cst.If), list(unit.branches))
        if unit.kind is UnitKind.BLOCK:
            (branch,) = unit.branches
            node = unit.node
            assert isinstance(node, (cst.With, cst.Try))
            body = cst.ensure_type(node.body, cst.IndentedBlock)
            runs = live & branch.modes
            new = self.block(branch.units, runs, branch.terminal) if runs else list(body.body)
            return node.with_changes(body=body.with_changes(body=new or body.body))
        return unit.node

    def _rewrite_chain(self, node: cst.If, branches: list[Branch]) -> cst.If:
        branch = branches[0]
        new_body = self._branch_body(node.body, branch)
        orelse = node.orelse
        if isinstance(orelse, cst.If):
            orelse = self._rewrite_chain(orelse, branches[1:])
        elif isinstance(orelse, cst.Else):
            orelse = orelse.with_changes(body=self._branch_body(orelse.body, branches[1]))
        return node.with_changes(body=new_body, orelse=orelse)

    def _branch_body(self, body: cst.BaseSuite, branch: Branch) -> cst.BaseSuite:
        if not isinstance(body, cst.IndentedBlock) or not branch.modes:
            return body
        new = self.block(branch.units, branch.modes, branch.terminal)
        return body.with_changes(body=new)

    def _inline(
        self, unit: Unit, live: frozenset[Mode], mode: Mode
    ) -> tuple[list[Statement], list[cst.EmptyLine]]:
        """The statements of ``unit`` as the block's mode runs them (a mode block's body is
        unwrapped; its header comment goes before the first statement, its footer comments are
        returned to go before whatever follows)."""
        if unit.kind is UnitKind.MODE_IF:
            live_branches = [b for b in unit.branches if b.modes & live]
            node = cst.ensure_type(unit.node, cst.If)
            if len(live_branches) == 1 and isinstance(node.body, cst.IndentedBlock):
                branch = live_branches[0]
                if branch is unit.branches[0]:
                    body = cst.ensure_type(self._branch_body(node.body, branch), cst.IndentedBlock)
                    statements = list(body.body)
                    header = _comment_line(body.header)
                    if statements:
                        statements[0] = with_leading_lines(
                            statements[0],
                            [*node.leading_lines, *header, *leading_lines(statements[0])],
                        )
                    return statements, list(body.footer)
        return [self.node_of(unit, frozenset({mode}))], []

    def mode_block(self, path: list[Unit], mode: Mode, live: frozenset[Mode]) -> Statement:
        if len(path) == 1 and path[0].kind is UnitKind.MODE_IF:
            unit = path[0]
            live_branches = [b for b in unit.branches if b.modes & live]
            # An existing ``if mode == M:`` block moves as it is, unless it moves above a return
            # that ended other modes: its test may rely on them being gone (``!= TRAIN`` after
            # the EVAL return), so it is rebuilt as ``if mode == M:``.
            if (
                len(live_branches) == 1
                and live_branches[0] is unit.branches[0]
                and live <= unit.modes
            ):
                return self.node_of(unit)
        body: list[Statement] = []
        carried: list[cst.EmptyLine] = []
        for unit in path:
            statements, footer = self._inline(unit, live, mode)
            if carried and statements:
                first = statements[0]
                statements[0] = with_leading_lines(first, [*carried, *leading_lines(first)])
                carried = []
            body.extend(statements)
            carried.extend(footer)
        block = self._if(frozenset({mode}), live, body)
        if carried:
            block = block.with_changes(body=block.body.with_changes(footer=carried))
        return block

    def guard(self, units: list[Unit], needs: frozenset[Mode], live: frozenset[Mode]) -> Statement:
        return self._if(needs, live, [self.node_of(u, needs) for u in units])

    def _if(self, needs: frozenset[Mode], live: frozenset[Mode], body: list[Statement]) -> cst.If:
        leading: list[cst.EmptyLine] = []
        if body:
            first_lines = leading_lines(body[0])
            # Blank lines before the block stay before it; comments stay with their statement.
            while first_lines and first_lines[0].comment is None:
                leading.append(first_lines.pop(0))
            body[0] = with_leading_lines(body[0], first_lines)
        test = cst.parse_expression(self.test_source(needs, live), config=self.config)
        return cst.If(test=test, body=cst.IndentedBlock(body=body), leading_lines=leading)

    def test_source(self, needs: frozenset[Mode], live: frozenset[Mode]) -> str:
        mode = self.mode_param
        if len(needs) == 1:
            (only,) = needs
            return f"{mode} == {self.spelling.constant(only)}"
        missing = [m for m in MODE_ORDER if m in live - needs]
        if len(missing) == 1:
            return f"{mode} != {self.spelling.constant(missing[0])}"
        members = ", ".join(self.spelling.constant(m) for m in MODE_ORDER if m in needs)
        return f"{mode} in ({members})"
