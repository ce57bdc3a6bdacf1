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

from codemods.mode_analysis import MODE_ORDER, Branch, Unit
from codemods.model_fns import ModeSpelling


class Layout:
    def __init__(self, spelling: ModeSpelling, mode_param: str, config: cst.PartialParserConfig) -> None:  # noqa: E501
        self.spelling = spelling
        self.mode_param = mode_param
        self.config = config
        self._overrides: dict[int, cst.BaseStatement] = {}

    # ----------------------------------------------------------------- blocks
    def block(self, units: list[Unit], live: frozenset[str], terminal: bool) -> list[cst.BaseStatement]:  # noqa: E501
        items = self._expand(units)
        out: list[cst.BaseStatement] = []
        pending: list[Unit] = []
        pending_key: frozenset[str] = frozenset()
        remaining = set(live)
        consumed: set[int] = set()

        def flush() -> None:
            nonlocal pending
            if pending:
                out.append(self._guard(pending, pending_key, frozenset(remaining_at_guard)))
                pending = []

        remaining_at_guard: set[str] = set()
        index = 0
        while index < len(items):
            unit = items[index]
            if id(unit) in consumed:
                index += 1
                continue
            needs = unit.needed & remaining
            # A mode block "runs" only where a branch is taken: elsewhere it is just a test.
            runs = needs if unit.kind == "mode_if" else unit.modes & remaining
            if unit.kind == "mode_if" and terminal and len(needs) == 1:
                # A mode block followed by more of that mode's own code (its split spec): one block.
                (mode,) = needs
                path = self._exclusive_path(items, index, mode, remaining, consumed)
                if path is not None and len(path) > 1:
                    flush()
                    out.append(self._mode_block(path, mode, frozenset(remaining)))
                    consumed |= {id(u) for u in path}
                    remaining.discard(mode)
                    index += 1
                    continue
            if not runs or needs == runs or (unit.kind == "mode_if" and not terminal):
                flush()
                out.append(self.node_of(unit))
                remaining -= unit.terminates
                index += 1
                continue
            if terminal:
                if len(needs) == 1:
                    (mode,) = needs
                    path = self._exclusive_path(items, index, mode, remaining, consumed)
                    if path is not None:
                        flush()
                        out.append(self._mode_block(path, mode, frozenset(remaining)))
                        consumed |= {id(u) for u in path}
                        remaining.discard(mode)
                        index += 1
                        continue
                retired = False
                for mode in MODE_ORDER:
                    if mode in runs - needs:
                        path = self._exclusive_path(items, index + 1, mode, remaining, consumed)
                        if path is not None:
                            flush()
                            block = self._mode_block(path, mode, frozenset(remaining))
                            out.append(self._take_blank_lines(block, unit))
                            consumed |= {id(u) for u in path}
                            remaining.discard(mode)
                            retired = True
                if retired:
                    continue
            if unit.kind == "mode_if":
                flush()  # already scoped by its own test
                out.append(self.node_of(unit))
                remaining -= unit.terminates
                index += 1
                continue
            if not needs:
                index += 1  # needed by no mode that reaches it: dropped
                continue
            if pending and needs != pending_key:
                flush()
            if not pending:
                pending_key = needs
                remaining_at_guard = set(remaining)
            pending.append(unit)
            remaining -= unit.terminates & needs
            index += 1
        flush()
        return out

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
                        kind="variant",
                        needed=variant.modes,
                        terminates=variant.modes,
                    )
                )
        return items

    def _exclusive_path(
        self, items: list[Unit], start: int, mode: str, remaining: set[str], consumed: set[int]
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

    def _take_blank_lines(self, block: cst.BaseStatement, unit: Unit) -> cst.BaseStatement:
        """A new block moved in front of ``unit`` takes the blank lines that separated it (a moved
        existing block keeps its own)."""
        if block.leading_lines:
            return block
        node = self._overrides.get(id(unit), unit.node)
        lines = list(node.leading_lines)
        blank: list[cst.EmptyLine] = []
        while lines and lines[0].comment is None:
            blank.append(lines.pop(0))
        if not blank:
            return block
        self._overrides[id(unit)] = node.with_changes(leading_lines=lines)
        return block.with_changes(leading_lines=[*blank, *block.leading_lines])

    # ----------------------------------------------------------------- nodes
    def node_of(self, unit: Unit) -> cst.BaseStatement:
        if id(unit) in self._overrides:
            return self._overrides[id(unit)]
        if unit.kind != "mode_if":
            return unit.node
        node = cst.ensure_type(unit.node, cst.If)
        return self._rewrite_chain(node, list(unit.branches))

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

    def _inline(self, unit: Unit, mode: str, live: frozenset[str]) -> list[cst.BaseStatement]:
        """The statements of ``unit`` as ``mode`` runs them (a mode block's body is unwrapped)."""
        if unit.kind == "mode_if":
            live_branches = [b for b in unit.branches if b.modes & live]
            node = cst.ensure_type(unit.node, cst.If)
            if len(live_branches) == 1 and isinstance(node.body, cst.IndentedBlock):
                branch = live_branches[0]
                if branch is unit.branches[0]:
                    body = cst.ensure_type(self._branch_body(node.body, branch), cst.IndentedBlock)
                    statements = list(body.body)
                    if statements:
                        statements[0] = statements[0].with_changes(
                            leading_lines=[*node.leading_lines, *statements[0].leading_lines]
                        )
                    return statements
        return [self.node_of(unit)]

    def _mode_block(self, path: list[Unit], mode: str, live: frozenset[str]) -> cst.BaseStatement:
        if len(path) == 1 and path[0].kind == "mode_if":
            unit = path[0]
            live_branches = [b for b in unit.branches if b.modes & live]
            if len(live_branches) == 1 and live_branches[0] is unit.branches[0]:
                return self.node_of(unit)  # an existing ``if mode == M:`` block moves as it is
        body: list[cst.BaseStatement] = []
        for unit in path:
            body.extend(self._inline(unit, mode, live))
        return self._if(frozenset({mode}), live, body)

    def _guard(self, units: list[Unit], needs: frozenset[str], live: frozenset[str]) -> cst.BaseStatement:  # noqa: E501
        return self._if(needs, live, [self.node_of(u) for u in units])

    def _if(self, needs: frozenset[str], live: frozenset[str], body: list[cst.BaseStatement]) -> cst.If:  # noqa: E501
        leading: list[cst.EmptyLine] = []
        if body:
            first_lines = list(body[0].leading_lines)
            # Blank lines before the block stay before it; comments stay with their statement.
            while first_lines and first_lines[0].comment is None:
                leading.append(first_lines.pop(0))
            body[0] = body[0].with_changes(leading_lines=first_lines)
        test = cst.parse_expression(self.test_source(needs, live), config=self.config)
        return cst.If(test=test, body=cst.IndentedBlock(body=body), leading_lines=leading)

    def test_source(self, needs: frozenset[str], live: frozenset[str]) -> str:
        mode = self.mode_param
        if len(needs) == 1:
            (only,) = needs
            return f"{mode} == {self.spelling.constant(only)}"
        missing = [m for m in MODE_ORDER if m in live - needs]
        if len(missing) == 1:
            return f"{mode} != {self.spelling.constant(missing[0])}"
        members = ", ".join(self.spelling.constant(m) for m in MODE_ORDER if m in needs)
        return f"{mode} in ({members})"
