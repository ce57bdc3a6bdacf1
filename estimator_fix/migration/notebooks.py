"""Jupyter notebooks as one Python module: code cells in, fixed code cells back out.

``extract`` reads the notebook with nbformat and joins its code cells into one module (so an
import in one cell resolves a name used in another), each cell opened by a marker statement.
IPython syntax that is not Python (``%magic``, ``!shell``, ``x = !cmd``, ``obj?``) is swapped for
placeholder statements, and ``%%cell`` magics and cells that do not parse are left out entirely.
``rebuild`` splits the fixed module at the markers, puts the magics back and replaces only the
``source`` of the cells that changed: outputs, metadata, cell ids, key order and the file's JSON
layout (indent, key order, ASCII escaping, line endings) stay as they were.
"""

from __future__ import annotations

import ast
import json
import re
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

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
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise NotebookError(f"cannot decode the notebook as utf-8 ({exc.reason})") from None
    import nbformat.reader

    try:
        notebook = nbformat.reader.reads(text)  # type: ignore[no-untyped-call]
    except ValueError as exc:  # nbformat.reader.NotJSONError, or a bad structure
        first = str(exc).splitlines()[0] if str(exc) else "invalid JSON"
        raise NotebookError(f"not a readable notebook: {first[:120]}") from None
    major, _ = nbformat.reader.get_version(notebook)  # type: ignore[no-untyped-call]
    if major != 4 or not isinstance(notebook.get("cells"), list):
        raise NotebookError(f"notebook format v{major} is not supported (only v4)")
    return text, notebook


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


def _dumps(value: Any, indent: int | None, ascii_only: bool, sort_keys: bool) -> str:
    separators = (",", ": ") if indent is not None else (", ", ": ")
    return json.dumps(
        value, indent=indent, ensure_ascii=ascii_only, sort_keys=sort_keys, separators=separators
    )


#: JSON layouts tried, most common first: nbformat's own (Jupyter's), then unsorted keys.
_LAYOUTS = [
    (indent, ascii_only, sort_keys)
    for indent in (1, 2, 4, None)
    for sort_keys in (True, False)
    for ascii_only in (False, True)
]


def _serialise(original: str, raw: Any, changed: Any) -> str:
    crlf = "\r\n" in original
    body = original.replace("\r\n", "\n")
    core = body.rstrip("\n")
    trailing = body[len(core) :]
    layout = next((lay for lay in _LAYOUTS if _dumps(raw, *lay) == core), (1, False, True))
    text = _dumps(changed, *layout) + (trailing or "\n")
    return text.replace("\n", "\r\n") if crlf else text


def rebuild(data: bytes, extracted: Extracted, fixed_code: bytes) -> bytes:
    """The notebook ``data`` with its code cells taken from ``fixed_code`` (the fixed module).

    Raises NotebookError when the fixed module cannot be mapped back onto the cells.
    """
    text, _ = _load(data)
    fixed = fixed_code.decode("utf-8")
    if len(_MAGIC_MARKER.findall(fixed)) != len(extracted.magics):
        raise NotebookError("the rewrite lost an IPython magic line; not changed")
    raw = json.loads(text)
    changed = json.loads(text)
    for cell, new in _split(fixed, extracted.cells):
        if new == cell.masked:
            continue
        source = _unmask(new, extracted.magics)
        if not cell.ends_with_newline and source.endswith("\n"):
            source = source[:-1]
        target = changed["cells"][cell.index]
        keep_list = isinstance(target.get("source"), list)
        target["source"] = source.splitlines(keepends=True) if keep_list else source
    if changed == raw:
        return data
    out = _serialise(text, raw, changed).encode("utf-8")
    return b"\xef\xbb\xbf" + out if data.startswith(b"\xef\xbb\xbf") else out
