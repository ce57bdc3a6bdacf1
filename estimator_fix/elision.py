"""Keep out of the syntax tree the top-level definitions that cannot hold a model_fn.

LibCST's metadata and the codemods cost time in proportion to the whole module, so a 50,000-line
file with one model_fn would cost as much as 50,000 lines of model_fns. Here a top-level ``def``
or ``class`` whose text has none of the prefilter markers, and whose name no kept code mentions,
is left out: each run of such definitions becomes one placeholder line (``pass`` and a comment).
``Elided.restore`` puts the original text back into the rewrite, and ``Elided.original_line``
maps a line of the shortened source back to the file's. Module-level statements (imports,
aliases, constants) are always kept, and so is every definition that kept code names (a helper
the model_fn calls), transitively: the codemods see everything they read.

Nothing is elided when the file does not parse with this interpreter's ``ast``, uses bare CR line
breaks, or when no definition qualifies; the caller then works on the whole file.
"""

from __future__ import annotations

import ast
import re
import warnings
from collections.abc import Sequence
from dataclasses import dataclass

_LINES = re.compile(rb"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z")
_TEXT_LINES = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z")
_WORDS = re.compile(r"\w+")
_DEFINITIONS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)

#: The placeholder line; the number tells the blocks apart. A statement rather than a comment, so
#: it keeps its place among the module's statements (a comment at the end would be the module's
#: footer, and a statement added at the end would land before it instead of after).
PLACEHOLDER = b"pass  # estimator-fix-elided-%d"


def split_lines(data: bytes) -> list[bytes]:
    """``data`` as physical lines, each with its own line break (``\\r\\n``, ``\\r`` or ``\\n``)."""
    return _LINES.findall(data)


def _line_break(line: bytes) -> bytes:
    return line[len(line.rstrip(b"\r\n")) :]


@dataclass(frozen=True)
class Elided:
    """``source`` with runs of definitions replaced by one placeholder line each.

    ``blocks`` holds, per placeholder, its line in ``source`` and the original lines it stands for.
    """

    source: bytes
    blocks: tuple[tuple[int, tuple[bytes, ...]], ...]

    def original_line(self, line: int) -> int:
        """The line of the original file that line ``line`` of ``source`` is (1-based)."""
        extra = 0
        for at, original in self.blocks:
            if at >= line:
                break
            extra += len(original) - 1
        return line + extra

    def restore(self, rewritten: bytes) -> bytes | None:
        """``rewritten`` (a rewrite of ``source``) with each placeholder back to its original
        text, or None when a placeholder did not come through intact (then use the whole file)."""
        lines = split_lines(rewritten)
        heads = {PLACEHOLDER % index: index for index in range(len(self.blocks))}
        found: dict[int, int] = {}
        for number, line in enumerate(lines):
            index = heads.get(line.rstrip(b"\r\n"))
            if index is not None:
                if index in found:
                    return None
                found[index] = number
        if len(found) != len(self.blocks):
            return None
        for number in found.values():
            lines[number] = b"".join(self.blocks[heads[lines[number].rstrip(b"\r\n")]][1])
        return b"".join(lines)


def _parse(text: str) -> ast.Module | None:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # invalid escape sequences are not our business
            return ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None


def _span(node: ast.stmt) -> tuple[int, int]:
    decorators: Sequence[ast.expr] = getattr(node, "decorator_list", ())
    first = min([node.lineno, *(d.lineno for d in decorators)])
    return first, node.end_lineno or node.lineno


class _Words:
    """The words of a file's lines, each line read once however many statements share it (a
    line of 8,000 statements must not be scanned 8,000 times)."""

    def __init__(self, lines: Sequence[str]) -> None:
        self.lines = lines
        self.read: set[int] = set()
        self.kept: set[str] = set()

    def keep(self, first: int, last: int) -> set[str]:
        """Add the words of lines ``first``..``last`` (1-based, inclusive) to ``kept``; return
        those that were not there yet."""
        new: set[str] = set()
        for number in range(first - 1, last):
            if number not in self.read:
                self.read.add(number)
                new.update(_WORDS.findall(self.lines[number]))
        new -= self.kept
        self.kept |= new
        return new


def elide(
    data: bytes, text: str, markers: Sequence[bytes], tree: ast.Module | None = None
) -> Elided | None:
    """Replace the definitions that cannot matter with placeholders (see the module docstring).

    ``text`` is ``data`` decoded; ``markers`` are the byte strings without which a definition
    cannot hold or build a model_fn. Consecutive such definitions (with the blank lines and
    comments between them) become one placeholder line. ``tree`` is ``text`` already parsed by
    ``ast`` (else it is parsed here). Returns None when nothing is elided.
    """
    if data.count(b"\r") != data.count(b"\r\n"):
        return None  # bare CR line breaks: let the whole-file path deal with them
    tree = tree if tree is not None else _parse(text)
    if tree is None:
        return None
    lines = split_lines(data)
    text_lines = _TEXT_LINES.findall(text)
    if len(text_lines) != len(lines):
        return None
    spans = [_span(node) for node in tree.body]
    candidates: dict[str, list[int]] = {}  # name -> indexes into tree.body
    words = _Words(text_lines)
    for index, (node, (first, last)) in enumerate(zip(tree.body, spans)):
        if (
            isinstance(node, _DEFINITIONS)
            and first > 2  # lines 1-2 may hold the coding cookie or a BOM
            and _line_break(lines[last - 1])  # the placeholder line needs its line break
            and not any(marker in line for line in lines[first - 1 : last] for marker in markers)
        ):
            candidates.setdefault(node.name, []).append(index)
        else:
            words.keep(first, last)
    # A definition that kept code names is kept too, and what it names in turn.
    pending = [name for name in candidates if name in words.kept]
    while pending:
        for index in candidates.pop(pending.pop(), []):
            new = words.keep(*spans[index])
            pending += [name for name in new if name in candidates and name not in pending]
    elided = {index for indexes in candidates.values() for index in indexes}
    if not elided:
        return None
    runs: list[tuple[int, int]] = []  # (first line, last line) of consecutive elided statements
    for index, (first, last) in enumerate(spans):
        if index not in elided:
            continue
        if runs and index - 1 in elided:
            runs[-1] = (runs[-1][0], last)
        else:
            runs.append((first, last))
    out: list[bytes] = []
    blocks = []
    position = 0
    for number, (first, last) in enumerate(runs):
        out += lines[position : first - 1]
        original = tuple(lines[first - 1 : last])
        out.append(PLACEHOLDER % number + _line_break(original[-1]))
        blocks.append((len(out), original))
        position = last
    out += lines[position:]
    return Elided(b"".join(out), tuple(blocks))
