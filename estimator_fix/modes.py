"""``check --show-modes``: the mode analysis of each model_fn of a file, as data.

Reads a file as ``check`` does (a notebook as the module of its code cells, lines given in its
cells) and returns, per model_fn, every statement with the modes that run it, the modes that need
it, what decided them and the rules it breaks (``codemods.modes.explain``).
"""

from __future__ import annotations

import os
from dataclasses import replace
from typing import Optional, Union

import libcst as cst

from codemods.modes.codemod import ModeScoping
from codemods.modes.explain import ModelFnModes, StatementModes, show_modes
from estimator_fix.limits import TOO_DEEP, parse_tree, too_large
from estimator_fix.notebooks import Extracted, NotebookError, extract
from estimator_fix.parse_errors import describe_parse_failure
from estimator_fix.results import Settings, Skipped, code_selected
from estimator_fix.sources import binary_reason, decode_check, decode_source, is_notebook

ModesResult = Union[tuple[ModelFnModes, ...], Skipped]


def modes_of(path: str | os.PathLike[str], data: bytes, settings: Settings) -> ModesResult:
    """The mode analysis of every model_fn in one file's bytes, or why the file is skipped."""
    name = os.fspath(path)
    cells: Optional[Extracted] = None
    if is_notebook(name):
        try:
            cells = extract(data)
        except NotebookError as exc:
            return Skipped(name, str(exc))
        data = cells.code
    reason = binary_reason(data) or too_large(len(data)) or decode_check(name, data)
    if reason is not None:
        return Skipped(name, reason)
    text = decode_source(data)
    if parse_tree(text)[1] is not None:
        return Skipped(name, f"{TOO_DEEP} to parse")
    try:
        module = cst.parse_module(data)
    except cst.ParserSyntaxError as exc:
        return Skipped(name, describe_parse_failure(text, exc))
    ignored = settings.ignored_for(name)
    select = {
        code
        for code in ModeScoping.RULE_CODES
        if code_selected(code, settings.select, ignored)
    }
    try:
        found = show_modes(module, select, settings.model_fn_names)
    except RecursionError:
        return Skipped(name, f"{TOO_DEEP} (LibCST's recursion limit)")
    if cells is None:
        return tuple(found)
    return tuple(_in_cells(fn, cells) for fn in found)


def _in_cells(fn: ModelFnModes, cells: Extracted) -> ModelFnModes:
    """Module lines as (cell, line in the cell)."""

    def place(line: int) -> tuple[Optional[int], int]:
        found = cells.locate(line)
        return (None, line) if found is None else found

    def row(statement: StatementModes) -> StatementModes:
        cell, line = place(statement.line)
        return replace(statement, line=line, cell=cell)

    cell, line = place(fn.line)
    return replace(fn, line=line, cell=cell, statements=tuple(row(s) for s in fn.statements))
