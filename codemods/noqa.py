"""``# noqa`` comments, read once for the codemods and the engine: which codes each line silences.

``# noqa`` alone silences every code on its line; ``# noqa: EF101`` or ``# noqa:  EF101, EF102``
(any spaces, commas or spaces between codes) silences those codes only. Codes of other tools
(``# noqa: E501``) leave estimator-fix's findings alone. Only real comments count, found with
Python's tokenizer: a ``# noqa`` inside a string literal silences nothing.
"""

from __future__ import annotations

import re
import tokenize
from collections.abc import Mapping
from typing import Optional

#: A suppression directive inside one comment; ``codes`` is absent when it names none.
NOQA = re.compile(
    r"#\s*noqa(?::\s*(?P<codes>[A-Za-z]+[0-9]+(?:(?:\s*,\s*|\s+)[A-Za-z]+[0-9]+)*))?",
    re.IGNORECASE,
)
CODE = re.compile(r"[A-Za-z]+[0-9]+")
#: Lines as LibCST and Python's compiler count them: a bare CR ends a line too.
LINES = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z")

#: Per 1-based line, the codes its noqa comment silences; None silences every code.
NoqaLines = Mapping[int, Optional[frozenset[str]]]


def parse_noqa(comment: str) -> tuple[bool, Optional[frozenset[str]]]:
    """Read one comment: (has a noqa directive, the codes it names or None for all codes)."""
    match = NOQA.search(comment)
    if match is None:
        return False, None
    codes = match.group("codes")
    if codes is None:
        return True, None
    return True, frozenset(code.upper() for code in CODE.findall(codes))


def comments(text: str) -> list[tuple[int, str]]:
    """(line, text) of every comment token of ``text``."""
    lines = LINES.findall(text)
    feed = iter(lines)
    try:
        return [
            (token.start[0], token.string)
            for token in tokenize.generate_tokens(lambda: next(feed, ""))
            if token.type == tokenize.COMMENT
        ]
    except (tokenize.TokenError, SyntaxError):
        # The parser accepted the file but tokenize did not: read the '#' text of each line.
        return [
            (number, line[line.index("#") :].rstrip("\r\n"))
            for number, line in enumerate(lines, start=1)
            if "#" in line
        ]


def noqa_lines(text: str) -> dict[int, Optional[frozenset[str]]]:
    """Map each line (1-based) carrying a noqa comment to the codes it silences (None: all)."""
    if "noqa" not in text.lower():
        return {}  # the common case, without tokenizing
    found: dict[int, Optional[frozenset[str]]] = {}
    for line, comment in comments(text):
        has, codes = parse_noqa(comment)
        if has:
            found[line] = codes
    return found


def is_suppressed(code: str, line: int, noqa: NoqaLines) -> bool:
    """Whether a finding ``code`` reported at ``line`` is silenced by that line's noqa comment."""
    if line not in noqa:
        return False
    codes = noqa[line]
    return codes is None or code in codes
