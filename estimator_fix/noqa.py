"""``# noqa`` suppression comments: which lines silence which rule codes.

``# noqa`` alone silences every code on its line; ``# noqa: EF101`` or ``# noqa: EF101, EF102``
(commas or spaces) silences those codes only. Codes of other tools (``# noqa: E501``) leave
estimator-fix findings alone. Only real comments count (a ``# noqa`` inside a string does not), and
only on the line a finding is reported at (the first line of its statement).
"""

from __future__ import annotations

import io
import re
import tokenize
from collections.abc import Mapping

_NOQA = re.compile(
    r"#\s*noqa(?::\s*(?P<codes>[A-Za-z]+[0-9]+(?:(?:\s*,\s*|\s+)[A-Za-z]+[0-9]+)*))?",
    re.IGNORECASE,
)
_CODE = re.compile(r"[A-Za-z]+[0-9]+")

def parse_noqa(comment: str) -> tuple[bool, frozenset[str] | None]:
    """Read one comment: (has a noqa directive, the codes it names or None for all codes)."""
    match = _NOQA.search(comment)
    if match is None:
        return False, None
    codes = match.group("codes")
    if codes is None:
        return True, None
    return True, frozenset(code.upper() for code in _CODE.findall(codes))


def _comments(text: str) -> list[tuple[int, str]]:
    try:
        return [
            (token.start[0], token.string)
            for token in tokenize.generate_tokens(io.StringIO(text).readline)
            if token.type == tokenize.COMMENT
        ]
    except (tokenize.TokenError, SyntaxError):
        # The parser accepted the file but tokenize did not: read the '#' text of each line.
        return [
            (number, line[line.index("#") :])
            for number, line in enumerate(text.splitlines(), start=1)
            if "#" in line
        ]


def noqa_lines(text: str) -> dict[int, frozenset[str] | None]:
    """Map each line number (1-based) carrying a noqa comment to the codes it silences.

    A value of None silences every code on that line.
    """
    found: dict[int, frozenset[str] | None] = {}
    for line, comment in _comments(text):
        has, codes = parse_noqa(comment)
        if has:
            found[line] = codes
    return found


def is_suppressed(code: str, line: int, noqa: Mapping[int, frozenset[str] | None]) -> bool:
    """Whether a finding ``code`` reported at ``line`` is silenced by that line's noqa comment."""
    if line not in noqa:
        return False
    codes = noqa[line]
    return codes is None or code in codes
