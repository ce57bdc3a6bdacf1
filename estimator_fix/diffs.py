"""Unified diffs of a rewrite (difflib), and applying only some of its hunks.

``patch`` is the diff as ``git diff`` writes it, a patch ``git apply`` accepts: the file's own
bytes (whatever its encoding), lines split at ``\\n`` only, as git splits them (a file with bare
CR line breaks is one line to git, and so here), the path's own bytes in the header (quoted the
way git quotes a name holding a control character, a quote or a backslash), and the usual
``\\ No newline at end of file`` marker. ``unified_diff`` is the same diff as text, for showing.

``hunks`` and ``apply_hunks`` (``fix --interactive``) work on text decoded with the file's own
encoding (PEP 263), lines split on ``\\n``, ``\\r\\n`` and ``\\r`` (a form feed is not a
line break in Python), each keeping its ending.
"""

from __future__ import annotations

import difflib
import io
import os
import re
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from pathlib import PurePath

from estimator_fix.sources import decode_source, detect_encoding

NO_NEWLINE = "\\ No newline at end of file\n"
_GIT_LINES = re.compile(rb"[^\n]*\n|[^\n]+\Z")
#: What makes git quote a name in a patch header (C-style, in double quotes).
_NEEDS_QUOTES = re.compile(rb'[\x00-\x1f"\\\x7f]')
_ESCAPES = {7: b"\\a", 8: b"\\b", 9: b"\\t", 10: b"\\n", 11: b"\\v", 12: b"\\f", 13: b"\\r"}


def split_lines(text: str) -> list[str]:
    """``text`` as lines with their endings (only ``\\n``, ``\\r\\n`` and ``\\r`` end a line)."""
    return io.StringIO(text, newline="").readlines()


def _lines(data: bytes) -> list[str]:
    return split_lines(decode_source(data))


def _terminate(lines: Iterable[str]) -> str:
    out = []
    for line in lines:
        out.append(line)
        if not line.endswith(("\n", "\r")):
            out.append("\n" + NO_NEWLINE)
    return "".join(out)


def _name(path: str) -> str:
    # '/'-separated (a backslash is a separator on Windows only: elsewhere it is part of a name)
    return PurePath(path).as_posix().lstrip("/")


def _quoted(name: bytes) -> bytes:
    """``name`` as git writes it in a patch header: as is, or C-quoted when it must be."""
    if not _NEEDS_QUOTES.search(name):
        return name
    out = bytearray(b'"')
    for byte in name:
        if byte in _ESCAPES:
            out += _ESCAPES[byte]
        elif byte in (0x22, 0x5C):
            out += b"\\" + bytes([byte])
        elif byte < 0x20 or byte == 0x7F:
            out += b"\\%03o" % byte
        else:
            out.append(byte)
    return bytes(out + b'"')


def _git_lines(data: bytes) -> list[bytes]:
    return _GIT_LINES.findall(data)


def _terminated(lines: Iterable[bytes]) -> bytes:
    out = []
    for line in lines:
        out.append(line)
        if not line.endswith(b"\n"):
            out.append(b"\n" + NO_NEWLINE.encode())
    return b"".join(out)


def patch(path: str, original: bytes, fixed: bytes, context: int = 3) -> bytes:
    """The ``a/PATH`` → ``b/PATH`` diff of two versions of a file as ``git diff`` writes it (see
    the module docstring; b'' when equal): what ``git apply`` takes, byte for byte."""
    if original == fixed:
        return b""
    name = os.fsencode(_name(path))
    lines = difflib.diff_bytes(
        difflib.unified_diff,
        _git_lines(original),
        _git_lines(fixed),
        _quoted(b"a/" + name),
        _quoted(b"b/" + name),
        n=max(context, 0),
    )
    return _terminated(lines)


def _file_encoding(data: bytes) -> str:
    try:
        encoding = detect_encoding(data)
    except SyntaxError:
        return "utf-8"
    return "utf-8" if encoding == "utf-8-sig" else encoding


def unified_diff(path: str, original: bytes, fixed: bytes, context: int = 3) -> str:
    """``patch`` as text, for showing: the header as the file system decodes the path, each
    line in the file's own encoding ('' when equal)."""
    data = patch(path, original, fixed, context)
    if not data:
        return ""
    lines = _git_lines(data)
    encoding = _file_encoding(original)
    head = [os.fsdecode(line) for line in lines[:2]]
    return "".join(head + [line.decode(encoding, "replace") for line in lines[2:]])


def file_header(path: str) -> str:
    """The two header lines that start a file's diff."""
    name = _name(path)
    return f"--- a/{name}\n+++ b/{name}\n"


@dataclass(frozen=True)
class Hunk:
    """One group of neighbouring changes: original lines ``[start, end)`` (0-based) become
    ``new_lines``; ``text`` is the hunk in unified-diff form (``@@`` header, no file header)."""

    start: int
    end: int
    new_lines: tuple[str, ...]
    text: str


_Op = tuple[str, int, int, int, int]


def _touches(op: _Op, span: tuple[int, int]) -> bool:
    # op covers original lines [i1, i2) (0-based); span is 1-based inclusive. An insertion
    # (i1 == i2) belongs to a span when it lands strictly inside it.
    _, i1, i2, _, _ = op
    first, last = span[0] - 1, span[1]
    if i1 == i2:
        return first < i1 < last
    return i1 < last and first < i2


def _group(ops: list[_Op], context: int, spans: Sequence[tuple[int, int]]) -> list[list[_Op]]:
    groups: list[list[_Op]] = []
    for op in ops:
        if groups:
            previous = groups[-1]
            near = op[1] - previous[-1][2] <= 2 * context
            same_span = any(
                _touches(op, span) and any(_touches(p, span) for p in previous) for span in spans
            )
            if near or same_span:
                previous.append(op)
                continue
        groups.append([op])
    return groups


def _hunk_text(old: list[str], new: list[str], group: list[_Op], context: int) -> str:
    i1, i2, j1, j2 = group[0][1], group[-1][2], group[0][3], group[-1][4]
    lo_old, hi_old = max(i1 - context, 0), min(i2 + context, len(old))
    lo_new, hi_new = j1 - (i1 - lo_old), j2 + (hi_old - i2)
    body = [" " + line for line in old[lo_old:i1]]
    position = i1
    for tag, a1, a2, b1, b2 in group:
        body += [" " + line for line in old[position:a1]]
        if tag in ("replace", "delete"):
            body += ["-" + line for line in old[a1:a2]]
        if tag in ("replace", "insert"):
            body += ["+" + line for line in new[b1:b2]]
        position = a2
    body += [" " + line for line in old[i2:hi_old]]

    def where(low: int, high: int) -> str:
        count = high - low
        start = low + 1 if count else low
        return f"{start},{count}" if count != 1 else f"{start}"

    header = f"@@ -{where(lo_old, hi_old)} +{where(lo_new, hi_new)} @@\n"
    return _terminate([header, *body])


def hunks(
    original: bytes,
    fixed: bytes,
    *,
    context: int = 3,
    spans: Sequence[tuple[int, int]] = (),
) -> list[Hunk]:
    """The changes from ``original`` to ``fixed``, grouped so that each can be taken or left.

    Changes within ``2 * context`` lines of each other form one hunk (as in a unified diff), and
    so do changes touching the same ``spans`` entry (1-based inclusive line ranges such as
    ``engine.top_level_spans``), so that code moved within one function is never half-applied.
    """
    old, new = _lines(original), _lines(fixed)
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    ops: list[_Op] = [op for op in matcher.get_opcodes() if op[0] != "equal"]
    result = []
    for group in _group(ops, max(context, 0), spans):
        i1, i2, j1, j2 = group[0][1], group[-1][2], group[0][3], group[-1][4]
        result.append(Hunk(i1, i2, tuple(new[j1:j2]), _hunk_text(old, new, group, context)))
    return result


def apply_hunks(original: bytes, chosen: Collection[int], all_hunks: Sequence[Hunk]) -> bytes:
    """``original`` with the hunks whose index is in ``chosen`` applied, encoded like the file.

    ``all_hunks`` must come from ``hunks(original, ...)``.
    """
    if not chosen:
        return original
    old = _lines(original)
    out: list[str] = []
    position = 0
    for index, hunk in enumerate(all_hunks):
        out += old[position : hunk.start]
        out += hunk.new_lines if index in chosen else old[hunk.start : hunk.end]
        position = hunk.end
    out += old[position:]
    return "".join(out).encode(detect_encoding(original))
