"""Jupyter notebooks as one Python module: code cells in, fixed code cells back out.

``extract`` reads the notebook with nbformat and joins its code cells into one module (so an
import in one cell resolves a name used in another), each cell opened by a marker statement.
IPython syntax that is not Python (``%magic``, ``!shell``, ``x = !cmd``, ``obj?``) is swapped for
placeholder statements, and ``%%cell`` magics and cells that do not parse are left out entirely.
``rebuild`` splits the fixed module at the markers, puts the magics back and replaces, in the
notebook's JSON text itself, only the ``source`` values of the cells that changed: every other
byte stays as it was, whatever the JSON layout (indent, key order, number spellings such as
``1.0E-5``, ``\\/`` escapes, duplicate keys, line endings). The new value follows the layout of
the one it replaces, and lines of a cell that did not change keep their JSON text. The result is
parsed again and must equal the original with those sources replaced, else it is refused.

``process_notebook`` is the engine for a notebook: its code through ``engine.process_source``,
its findings placed in their cells, its rewrite put back into the JSON. Every command reads
notebooks this way.
"""

from __future__ import annotations

import ast
import difflib
import json
import os
import re
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, Optional

if TYPE_CHECKING:
    from estimator_fix.results import FileResult, Settings

CELL_CALL = "__estimator_fix_cell__"
MAGIC_CALL = "__estimator_fix_magic__"

_CELL_MARKER = re.compile(rf"^{CELL_CALL}\((\d+)\)\n", re.MULTILINE)
_MAGIC_MARKER = re.compile(rf"^([ \t]*){MAGIC_CALL}\((\d+)\)[ \t]*$", re.MULTILINE)
_ASSIGNED_MAGIC = re.compile(r"[A-Za-z_][\w.]*\s*=\s*[!%]")
_COMPILE_FLAGS = ast.PyCF_ONLY_AST | getattr(ast, "PyCF_ALLOW_TOP_LEVEL_AWAIT", 0)


class NotebookError(Exception):
    """The notebook cannot be read or rebuilt; ``str()`` is the one-line reason."""


@dataclass(frozen=True)
class Cell:
    """One code cell in the combined module: its place in the notebook (0-based ``index``), the
    1-based line where its text starts in the module, and that text (magics masked)."""

    index: int
    first_line: int
    masked: str
    ends_with_newline: bool

    @property
    def lines(self) -> int:
        return self.masked.count("\n")


@dataclass(frozen=True)
class Extracted:
    """A notebook's code as one module, and what is needed to put it back."""

    code: bytes
    cells: tuple[Cell, ...]
    magics: tuple[str, ...]
    notes: tuple[str, ...] = ()

    def locate(self, line: int) -> tuple[int, int] | None:
        """The (1-based cell number in the notebook, line in that cell) of a module line."""
        for cell in self.cells:
            if cell.first_line <= line < cell.first_line + cell.lines:
                return cell.index + 1, line - cell.first_line + 1
        return None


def _load(data: bytes) -> tuple[str, Any]:
    """The notebook's text and its content, read by nbformat after the checks that give a
    malformed notebook a clear reason (NotebookError)."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise NotebookError(f"cannot decode the notebook as utf-8 ({exc.reason})") from None
    try:
        raw = json.loads(text)
    except (ValueError, RecursionError) as exc:
        first = str(exc).splitlines()[0] if str(exc) else "invalid JSON"
        raise NotebookError(f"not a readable notebook: {first[:120]}") from None
    if not isinstance(raw, dict):
        raise NotebookError("not a readable notebook: its JSON is not an object")
    major = raw.get("nbformat")
    if major != 4:
        raise NotebookError(f"notebook format v{major} is not supported (only v4)")
    if not isinstance(raw.get("cells"), list):
        raise NotebookError("malformed notebook: its cells are not a list")
    _check_cells(raw["cells"])
    try:
        import nbformat.reader
    except ImportError:
        raise NotebookError(
            'reading notebooks needs nbformat: pip install "estimator-fix[migrate]"'
        ) from None
    try:
        notebook = nbformat.reader.reads(text)  # type: ignore[no-untyped-call]
    except Exception as exc:  # nbformat's own verdict: NotJSONError, ValidationError…
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise NotebookError(f"not a readable notebook: {first[:120]}") from None
    return text, notebook


def _check_cells(cells: list[Any]) -> None:
    for number, cell in enumerate(cells, start=1):
        if not isinstance(cell, dict):
            raise NotebookError(f"malformed notebook: cell {number} is not a JSON object")
        source = cell.get("source", "")
        if not isinstance(source, str) and not (
            isinstance(source, list) and all(isinstance(line, str) for line in source)
        ):
            raise NotebookError(
                f"malformed notebook: the source of cell {number} is neither text nor a list "
                "of lines"
            )


def _source(cell: Any) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else str(source)


class _Scanner:
    """Tells which lines start a logical Python line (outside brackets, strings, continuations)."""

    def __init__(self) -> None:
        self.depth = 0
        self.triple: str | None = None
        self.continued = False

    @property
    def at_start(self) -> bool:
        return self.depth == 0 and self.triple is None and not self.continued

    def feed(self, line: str) -> None:
        i, n = 0, len(line)
        while i < n:
            if self.triple is not None:
                end = line.find(self.triple, i)
                if end < 0:
                    return
                i, self.triple = end + 3, None
                continue
            char = line[i]
            if char == "#":
                break
            if char in "\"'":
                if line.startswith(char * 3, i):
                    self.triple = char * 3
                    i += 3
                    continue
                i = _string_end(line, i, char)
                continue
            if char in "([{":
                self.depth += 1
            elif char in ")]}":
                self.depth = max(self.depth - 1, 0)
            i += 1
        self.continued = line.rstrip("\r\n").endswith("\\") and self.triple is None


def _string_end(line: str, start: int, quote: str) -> int:
    i = start + 1
    while i < len(line):
        if line[i] == "\\":
            i += 2
            continue
        if line[i] == quote:
            return i + 1
        i += 1
    return i


def _is_magic(stripped: str) -> bool:
    if stripped.startswith(("%", "?")) or (
        stripped.startswith("!") and not stripped.startswith("!=")
    ):
        return True
    if stripped.rstrip().endswith("?") and "#" not in stripped:
        return True
    return _ASSIGNED_MAGIC.match(stripped) is not None


def mask(source: str, magics: list[str]) -> str:
    """``source`` with each IPython-only line replaced by a placeholder (``magics`` gets them)."""
    out: list[str] = []
    scanner = _Scanner()
    in_magic = False  # a magic line continued with a backslash
    for line in source.splitlines(keepends=True):
        body = line.rstrip("\r\n")
        ending = line[len(body) :]
        stripped = body.lstrip(" \t")
        indent = body[: len(body) - len(stripped)]
        if in_magic or (scanner.at_start and stripped and _is_magic(stripped)):
            out.append(f"{indent}{MAGIC_CALL}({len(magics)}){ending}")
            magics.append(stripped)
            in_magic = body.endswith("\\")
            continue
        scanner.feed(line)
        out.append(line)
    return "".join(out)


def _parse_problem(text: str) -> str | None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # SyntaxWarnings about the user's code are not ours
        try:
            compile(text, "<cell>", "exec", _COMPILE_FLAGS, dont_inherit=True)
        except SyntaxError as exc:
            return f"{exc.msg} at line {exc.lineno}"
        except ValueError as exc:
            return str(exc)
    return None


def code_cells(data: bytes) -> list[tuple[int, str]]:
    """The notebook's non-empty code cells but ``%%`` cell magics: (1-based number, source).
    Raises NotebookError."""
    _, notebook = _load(data)
    found = []
    for index, cell in enumerate(notebook["cells"]):
        source = _source(cell) if cell.get("cell_type") == "code" else ""
        if source.strip() and not source.lstrip().startswith("%%"):
            found.append((index + 1, source))
    return found


def extract(data: bytes) -> Extracted:
    """The notebook's code cells as one module (see the module docstring). Raises NotebookError."""
    _, notebook = _load(data)
    magics: list[str] = []
    cells: list[Cell] = []
    notes: list[str] = []
    parts: list[str] = []
    line = 1
    for index, cell in enumerate(notebook["cells"]):
        if cell.get("cell_type") != "code":
            continue
        source = _source(cell)
        if not source.strip():
            continue
        if source.lstrip().startswith("%%"):
            magic = source.lstrip().split(None, 1)[0]
            notes.append(f"cell {index + 1}: a {magic} cell magic; left alone")
            continue
        masked = mask(source, magics)
        problem = _parse_problem(masked)
        if problem is not None:
            notes.append(f"cell {index + 1} does not parse ({problem}); left alone")
            continue
        ends = masked.endswith(("\n", "\r"))
        if not ends:
            masked += "\n"
        parts.append(f"{CELL_CALL}({index})\n{masked}")
        cells.append(Cell(index, line + 1, masked, ends))
        line += 1 + masked.count("\n")
    code = "".join(parts).encode("utf-8")
    return Extracted(code, tuple(cells), tuple(magics), tuple(notes))


def _unmask(text: str, magics: tuple[str, ...]) -> str:
    def put_back(match: re.Match[str]) -> str:
        return match.group(1) + magics[int(match.group(2))]

    return _MAGIC_MARKER.sub(put_back, text)


def _split(fixed: str, cells: tuple[Cell, ...]) -> Iterator[tuple[Cell, str]]:
    markers = list(_CELL_MARKER.finditer(fixed))
    if [int(m.group(1)) for m in markers] != [cell.index for cell in cells]:
        raise NotebookError("the rewrite moved code across notebook cells; not changed")
    for position, (cell, marker) in enumerate(zip(cells, markers)):
        end = markers[position + 1].start() if position + 1 < len(markers) else len(fixed)
        text = fixed[marker.end() : end]
        if position == 0:
            text = fixed[: marker.start()] + text  # e.g. an import added at the top
        yield cell, text


_WHITESPACE = re.compile(r"[ \t\n\r]*")
_DECODER = json.JSONDecoder()


def _skip(text: str, index: int) -> int:
    return _WHITESPACE.match(text, index).end()  # type: ignore[union-attr]


def _expect(text: str, index: int, char: str) -> int:
    if text[index : index + 1] != char:
        raise NotebookError(f"unexpected JSON at offset {index}; not changed")
    return index + 1


def _value_end(text: str, index: int) -> int:
    try:
        return _DECODER.raw_decode(text, index)[1]
    except ValueError:
        raise NotebookError(f"unexpected JSON at offset {index}; not changed") from None


def _members(text: str, index: int) -> Iterator[tuple[str, int, int]]:
    """(key, value start, value end) of each member of the object at ``text[index]``."""
    index = _skip(text, _expect(text, index, "{"))
    if text[index : index + 1] == "}":
        return
    while True:
        if text[index : index + 1] != '"':
            raise NotebookError(f"unexpected JSON at offset {index}; not changed")
        end = _value_end(text, index)
        key = json.loads(text[index:end])
        index = end
        start = _skip(text, _expect(text, _skip(text, index), ":"))
        end = _value_end(text, start)
        yield key, start, end
        index = _skip(text, end)
        if text[index : index + 1] == "}":
            return
        index = _skip(text, _expect(text, index, ","))


def _elements(text: str, index: int) -> list[int]:
    """The start of each element of the array at ``text[index]``, then the array's end."""
    starts: list[int] = []
    index = _skip(text, _expect(text, index, "["))
    if text[index : index + 1] == "]":
        return [index + 1]
    while True:
        starts.append(index)
        index = _skip(text, _value_end(text, index))
        if text[index : index + 1] == "]":
            return [*starts, index + 1]
        index = _skip(text, _expect(text, index, ","))


def _source_spans(text: str) -> dict[int, tuple[int, int]]:
    """Where, in the notebook's JSON text, the ``source`` value of each cell is: cell index →
    (start, end). The last of duplicate keys counts, as for every JSON reader."""
    spans: dict[int, tuple[int, int]] = {}
    for key, start, _ in _members(text, _skip(text, 0)):
        if key != "cells" or text[start : start + 1] != "[":
            continue
        spans = {}
        elements = _elements(text, start)
        for index, cell_start in enumerate(elements[:-1]):
            if text[cell_start : cell_start + 1] != "{":
                continue
            for cell_key, value_start, value_end in _members(text, cell_start):
                if cell_key == "source":
                    spans[index] = (value_start, value_end)
    return spans


def _line_break(text: str) -> str:
    return "\r\n" if "\r\n" in text else "\n"


def _list_layout(text: str, start: int, end: int, items: list[int]) -> tuple[str, str, str]:
    """How the array ``text[start:end]`` (its items start at ``items``) lays out its items:
    (after ``[``, between items, before ``]``). An empty one gets nbformat's layout."""
    if len(items) > 1:
        first_end = _value_end(text, items[0])
        last_end = _value_end(text, items[-1])
        return text[start + 1 : items[0]], text[first_end : items[1]], text[last_end : end - 1]
    if len(items) == 1:
        opening = text[start + 1 : items[0]]
        closing = text[_value_end(text, items[0]) : end - 1]
        return opening, "," + (opening or " "), closing
    line_start = text.rfind("\n", 0, start) + 1
    indent = text[line_start : _skip(text, line_start)].strip("\r\n")
    newline = _line_break(text)
    return newline + indent + " ", "," + newline + indent + " ", newline + indent


def _new_source(text: str, start: int, end: int, lines: list[str], ascii_only: bool) -> str:
    """The JSON text for a cell source of ``lines`` replacing ``text[start:end]``, in the old
    value's layout; lines that did not change keep their old JSON spelling."""
    if text[start] != "[":
        return json.dumps("".join(lines), ensure_ascii=ascii_only)
    items = _elements(text, start)[:-1]
    old_tokens = [text[item : _value_end(text, item)] for item in items]
    old_lines = [json.loads(token) for token in old_tokens]
    tokens: list[str] = []
    matcher = difflib.SequenceMatcher(None, old_lines, lines, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            tokens += old_tokens[i1:i2]
        else:
            tokens += [json.dumps(line, ensure_ascii=ascii_only) for line in lines[j1:j2]]
    if not tokens:
        return "[]"
    opening, between, closing = _list_layout(text, start, end, items)
    return "[" + opening + between.join(tokens) + closing + "]"


def _exact(text: str) -> Any:
    """``text`` parsed with every number and constant kept as its spelling (for comparing)."""
    return json.loads(text, parse_float=str, parse_int=str, parse_constant=str)


def rebuild(data: bytes, extracted: Extracted, fixed_code: bytes) -> bytes:
    """The notebook ``data`` with its code cells taken from ``fixed_code`` (the fixed module).

    Raises NotebookError when the fixed module cannot be mapped back onto the cells, or the
    notebook's JSON cannot be edited in place.
    """
    text, _ = _load(data)
    fixed = fixed_code.decode("utf-8")
    if len(_MAGIC_MARKER.findall(fixed)) != len(extracted.magics):
        raise NotebookError("the rewrite lost an IPython magic line; not changed")
    edits: dict[int, list[str] | str] = {}
    for cell, new in _split(fixed, extracted.cells):
        if new == cell.masked:
            continue
        source = _unmask(new, extracted.magics)
        if not cell.ends_with_newline and source.endswith("\n"):
            source = source[:-1]
        edits[cell.index] = source
    if not edits:
        return data
    spans = _source_spans(text)
    expected = _exact(text)
    ascii_only = text.isascii() and "\\u" in text
    out = text
    for index in sorted(edits, reverse=True):
        if index not in spans:
            raise NotebookError(f"cell {index + 1} has no source in the JSON text; not changed")
        start, end = spans[index]
        source = str(edits[index])
        lines = source.splitlines(keepends=True)
        replacement = _new_source(text, start, end, lines, ascii_only)
        out = out[:start] + replacement + out[end:]
        cell = expected["cells"][index]
        cell["source"] = lines if isinstance(cell.get("source"), list) else source
    if _exact(out) != expected:
        raise NotebookError("the notebook's JSON could not be edited in place; not changed")
    encoded = out.encode("utf-8")
    return b"\xef\xbb\xbf" + encoded if data.startswith(b"\xef\xbb\xbf") else encoded


def cells_of(result: FileResult) -> tuple[Optional[int], ...]:
    """The notebook cell of each of ``result``'s findings (empty for a plain file)."""
    return getattr(result, "cells", ())


def process_notebook(path: str | os.PathLike[str], data: bytes, settings: Settings) -> FileResult:
    """The engine's result for a notebook: its code cells analysed (and fixed) as one module.

    Findings carry the line in their cell, and ``cells`` the cell (1-based) of each; a
    ``Changed`` result's ``original`` and ``fixed`` are the notebook's bytes. A notebook that
    cannot be read is ``Skipped``; a rewrite that cannot be put back is ``Failed``.
    """
    # Imported here: migrate's own process imports this module and must not load LibCST.
    from estimator_fix.engine import process_source
    from estimator_fix.results import Changed, Failed, Skipped, Unchanged

    name = os.fspath(path)
    try:
        extracted = extract(data)
    except NotebookError as exc:
        return Skipped(name, str(exc))
    result = process_source(name, extracted.code, settings)
    if isinstance(result, (Skipped, Failed)):
        return result
    located = [extracted.locate(f.line) for f in result.findings]
    findings = tuple(
        replace(f, line=where[1]) if where else f for f, where in zip(result.findings, located)
    )
    cells = tuple(where[0] if where else None for where in located)
    warnings = extracted.notes + result.warnings
    model_fns = result.model_fns
    if isinstance(result, Changed):
        try:
            fixed = rebuild(data, extracted, result.fixed)
        except NotebookError as exc:
            return Failed(name, f"internal error: {exc}")
        if fixed != data:
            return Changed(name, data, fixed, findings, warnings, model_fns, cells)
        findings = tuple(replace(f, applied=False) for f in findings)
    return Unchanged(name, findings, warnings, model_fns, cells)
