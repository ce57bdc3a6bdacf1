"""Indentation that mixes tabs and spaces in a way Python accepts and LibCST's tokenizer does not.

Python reads a tab in indentation as reaching the next multiple of 8 (and rejects indentation
whose meaning would change with another tab width), so expanding those tabs to spaces keeps
every block as it was. LibCST's tokenizer rejects some such files ("no matching outer block for
dedent", a tab after spaces in a nested block). The engine then reads a copy with its
indentation tabs expanded: its findings hold for the file, line for line, but a rewrite of the
copy would re-indent lines the user did not ask to change, so none is written.
"""

from __future__ import annotations

import io
import tokenize

#: Python's tab stop for indentation.
TAB_STOP = 8

WARNING = (
    "indentation mixes tabs and spaces in a way LibCST cannot read: findings come from a copy "
    "with its indentation tabs expanded, and nothing is rewritten (indent with spaces to let "
    "estimator-fix fix it)"
)


def _inside_strings(text: str) -> set[int]:
    """The 1-based lines that begin inside a multi-line string (their whitespace is data)."""
    rows: set[int] = set()
    try:
        for token in tokenize.generate_tokens(io.StringIO(text).readline):
            if token.type == tokenize.STRING and token.end[0] > token.start[0]:
                rows.update(range(token.start[0] + 1, token.end[0] + 1))
    except (tokenize.TokenError, IndentationError, SyntaxError):
        return rows
    return rows


def _expand(indent: bytes) -> bytes:
    width = 0
    for byte in indent:
        width = (width // TAB_STOP + 1) * TAB_STOP if byte == 0x09 else width + 1
    return b" " * width


def expand_indentation(source: bytes, text: str) -> bytes | None:
    """``source`` (whose decoded text is ``text``) with the tabs of each line's leading
    whitespace expanded as Python reads them, or None where no indentation holds a tab."""
    skipped = _inside_strings(text)
    lines = source.split(b"\n")
    changed = False
    for index, line in enumerate(lines):
        stripped = line.lstrip(b" \t")
        indent = line[: len(line) - len(stripped)]
        if b"\t" not in indent or index + 1 in skipped:
            continue
        lines[index] = _expand(indent) + stripped
        changed = True
    return b"\n".join(lines) if changed else None


def original_column(line: bytes, column: int) -> int:
    """The 1-based ``column`` of the expanded copy of ``line`` in ``line`` itself."""
    width = 0
    for index, byte in enumerate(line):
        if byte not in (0x09, 0x20) or width >= column - 1:
            return index + 1 + max(column - 1 - width, 0)
        width = (width // TAB_STOP + 1) * TAB_STOP if byte == 0x09 else width + 1
    return len(line) + 1 + max(column - 1 - width, 0)
