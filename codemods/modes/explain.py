"""Why the mode analysis says what it says (``check --show-modes``): each statement of a model_fn
with the modes that run it, the modes that need it, what decided them, and the rules it breaks.

The spirit of ruff's ``--show-fixes`` and mypy's ``reveal_type``: a user who disagrees with a
finding can see which mode test, return or None-guard the analysis followed.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Iterator
from dataclasses import dataclass
from typing import Optional

import libcst as cst
from libcst.metadata import MetadataWrapper, PositionProvider

from codemods.base import ModuleFacts
from codemods.modes.codemod import policies
from codemods.modes.units import Reason, Unit
from codemods.modes.walk import Analyzer
from codemods.statements import defines
from codemods.vocabulary import MODE_ORDER, Mode, UnitKind, mode_names

Line = Callable[[cst.CSTNode], int]


@dataclass(frozen=True)
class StatementModes:
    """One statement: where it is, the modes that run and need it, why, and what it breaks."""

    line: int
    depth: int
    text: str
    runs: tuple[str, ...]
    needed: tuple[str, ...]
    decided: tuple[str, ...]
    breaks: tuple[str, ...]
    cell: Optional[int] = None  # in a notebook: the cell (``line`` is then within it)


@dataclass(frozen=True)
class ModelFnModes:
    """One model_fn and its statements, in source order."""

    name: str
    line: int
    statements: tuple[StatementModes, ...]
    note: str = ""
    cell: Optional[int] = None


def show_modes(
    module: cst.Module, select: Collection[str], model_fn_names: Collection[str] = ()
) -> list[ModelFnModes]:
    """The mode analysis of every model_fn of ``module`` (``select``: the rule codes on)."""
    facts = ModuleFacts(module, model_fn_names=model_fn_names)
    positions = MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)

    def line(node: cst.CSTNode) -> int:
        return positions[node].start.line

    found: list[ModelFnModes] = []
    for fn in facts.model_fns():
        if not isinstance(fn.node.body, cst.IndentedBlock):
            continue
        if fn.mode_param in defines(fn.node.body):
            found.append(ModelFnModes(fn.name, line(fn.node), (), "the mode is reassigned"))
            continue
        analyzer = Analyzer(
            fn, facts.resolve_tf, policies(), frozenset(select), _nothing, names=facts.names
        )
        units = analyzer.run()
        rows = tuple(_rows(units, 0, line, module))
        found.append(ModelFnModes(fn.name, line(fn.node), rows))
    return found


def _nothing(node: cst.CSTNode) -> frozenset[str]:
    return frozenset()


def _names(modes: Iterable[Mode]) -> tuple[str, ...]:
    present = set(modes)
    return tuple(mode.key for mode in MODE_ORDER if mode in present)


def _rows(
    units: list[Unit],
    depth: int,
    line: Line,
    module: cst.Module,
    whole: frozenset[Mode] = frozenset(),
) -> Iterator[StatementModes]:
    """One row per statement; ``whole``: for the parts of a compound statement judged whole
    (an ``if`` on a setting), the modes that need that statement - its parts go with it."""
    for unit in units:
        yield StatementModes(
            line=line(unit.node),
            depth=depth,
            text=_text(unit.node, module),
            runs=_names(unit.modes),
            needed=_names(unit.needed or whole),
            decided=tuple(_reason(reason, line, module) for reason in unit.why),
            breaks=tuple(
                f"{code} in {mode_names([mode])}"
                for mode in MODE_ORDER
                for code in sorted(unit.blocked.get(mode, ()))
            ),
        )
        if unit.kind in (UnitKind.MODE_IF, UnitKind.BLOCK):
            for branch in unit.branches:
                yield from _rows(branch.units, depth + 1, line, module)
        elif unit.parts:
            yield from _rows(unit.parts, depth + 1, line, module, unit.needed or whole)


def _text(node: cst.CSTNode, module: cst.Module) -> str:
    if isinstance(node, (cst.SimpleStatementLine, cst.BaseCompoundStatement)):
        node = node.with_changes(leading_lines=())
    first = module.code_for_node(node).strip().splitlines()[0]
    return first if len(first) <= 60 else first[:57] + "..."


def _reason(reason: Reason, line: Line, module: cst.Module) -> str:
    where = f"line {line(reason.node)}"
    names = mode_names(reason.modes)
    if reason.kind == "ended":
        return f"{names} ended at {where} ({_text(reason.node, module)})"
    if isinstance(reason.node, cst.BaseExpression):
        verb = "takes" if len(reason.modes) == 1 else "take"
        test = module.code_for_node(reason.node).strip().splitlines()[0]
        return f"{names} {verb} `{test}` ({where})"
    return f"{names} may run this branch of {where}"
