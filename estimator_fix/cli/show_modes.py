"""``check --show-modes``: each model_fn statement with the modes that run and need it, and why.

One line per statement, ``path:line:`` first as a compiler note would be, indented as the code is
nested; the reasons the analysis followed on the lines below it.
"""

from __future__ import annotations

from codemods.modes.explain import ModelFnModes, StatementModes
from estimator_fix.cli.output import Output
from estimator_fix.reporting import printable


def _where(path: str, line: int, cell: int | None) -> str:
    return f"{path}[cell {cell}]:{line}" if cell is not None else f"{path}:{line}"


def _statement(path: str, row: StatementModes) -> str:
    indent = "  " * (row.depth + 1)
    runs = " ".join(row.runs) or "no mode"
    needed = " ".join(row.needed) or "no mode"
    where = _where(path, row.line, row.cell)
    text = f"{where}:{indent}{row.text}  [runs: {runs}; needed: {needed}]"
    if row.breaks:
        text += "  breaks " + ", ".join(row.breaks)
    return printable(text)


def render_modes(out: Output, path: str, model_fns: tuple[ModelFnModes, ...]) -> None:
    """Print the mode analysis of one file's model_fns to stdout."""
    shown = printable(path)
    if not model_fns:
        out.raw(f"{shown}: no model_fn\n")
    for fn in model_fns:
        note = f" ({fn.note}; not analysed)" if fn.note else ""
        out.raw(f"{_where(shown, fn.line, fn.cell)}: model_fn `{printable(fn.name)}`{note}\n")
        previous: tuple[str, ...] = ()
        for row in fn.statements:
            out.raw(_statement(shown, row) + "\n")
            if row.decided != previous:
                margin = " " * (len(shown) + 2) + "  " * (row.depth + 2)
                for reason in row.decided:
                    out.raw(printable(f"{margin}because {reason}") + "\n")
                previous = row.decided
