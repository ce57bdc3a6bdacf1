"""``# noqa`` suppression comments: which lines silence which rule codes, and adding them.

``# noqa`` alone silences every code on its line; ``# noqa: EF101`` or ``# noqa: EF101, EF102``
(commas or spaces) silences those codes only. Codes of other tools (``# noqa: E501``) leave
estimator-fix findings alone. Only real comments count (a ``# noqa`` inside a string does not), and
only on the line a finding is reported at (the first line of its statement).

``add_noqa`` writes those comments for ``check --add-noqa``; ``neutralized`` and ``without_code``
give variants of a source for telling which comments silence nothing.
"""

from __future__ import annotations

import io
import re
import tokenize
from collections.abc import Collection, Mapping

from estimator_fix.elision import split_lines
from estimator_fix.sources import decode_source, detect_encoding

_NOQA = re.compile(
    r"#\s*noqa(?::\s*(?P<codes>[A-Za-z]+[0-9]+(?:(?:\s*,\s*|\s+)[A-Za-z]+[0-9]+)*))?",
    re.IGNORECASE,
)
_CODE = re.compile(r"[A-Za-z]+[0-9]+")
_TEXT_LINES = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z")
_BREAK = re.compile(r"(\r\n|\r|\n)?\Z")

#: The prefix of estimator-fix's own rule codes; other codes in a noqa belong to other tools.
RULE_PREFIX = "EF"


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


def rule_codes(codes: Collection[str]) -> frozenset[str]:
    """The estimator-fix codes among ``codes`` (``EF…``; ``E501`` and the like are not ours)."""
    return frozenset(code for code in codes if code.startswith(RULE_PREFIX))


def _edit_lines(text: str, edits: Mapping[int, str]) -> str:
    lines = _TEXT_LINES.findall(text)
    for number, line in edits.items():
        lines[number - 1] = line
    return "".join(lines)


def neutralized(text: str, lines: Collection[int]) -> str:
    """``text`` with the noqa comments on ``lines`` made inert (same length, so same columns)."""
    source = _TEXT_LINES.findall(text)
    inert = re.compile("noqa", re.IGNORECASE)
    return _edit_lines(text, {n: inert.sub("n_qa", source[n - 1]) for n in lines})


def without_code(text: str, line: int, code: str) -> str:
    """``text`` with ``code`` taken out of the noqa comment on ``line`` (replaced by a code that
    no rule has, so the comment keeps its length and still silences its other codes)."""
    current = _TEXT_LINES.findall(text)[line - 1]
    comments = [comment for number, comment in _comments(text) if number == line]
    start = current.rfind(comments[-1]) if comments else current.find("#")
    match = _NOQA.search(current, max(start, 0))
    if match is None or match.group("codes") is None:
        return text
    codes = match.group("codes")
    dummy = RULE_PREFIX + "0" * max(1, len(code) - len(RULE_PREFIX))
    replaced = re.sub(rf"(?i)\b{re.escape(code)}\b", dummy, codes, count=1)
    edited = current[: match.start("codes")] + replaced + current[match.end("codes") :]
    return _edit_lines(text, {line: edited})


def _line_ends(text: str) -> tuple[dict[int, str], set[int]]:
    """Per line: its comment (if any), and the set of lines a comment can be appended to (lines
    that end outside a string and without a backslash continuation)."""
    comments: dict[int, str] = {}
    open_ends: set[int] = set()
    for token in tokenize.generate_tokens(io.StringIO(text).readline):
        if token.type == tokenize.COMMENT:
            comments[token.start[0]] = token.string
        elif token.type in (tokenize.NEWLINE, tokenize.NL):
            open_ends.add(token.start[0])
    return comments, open_ends


def add_noqa(data: bytes, codes_by_line: Mapping[int, Collection[str]]) -> tuple[bytes, list[int]]:
    """``data`` with ``# noqa: CODES`` on each given line; also the lines that could not take one.

    Codes join an existing ``# noqa: …`` list on the line, else a new comment goes at the end of
    the line (after any other comment). A line that ends inside a string or continues with a
    backslash cannot take a comment: it is returned, and left as it is. Bytes, encoding, BOM and
    line breaks are kept.
    """
    encoding = detect_encoding(data)
    codec = "utf-8" if encoding == "utf-8-sig" else encoding
    try:
        comments, open_ends = _line_ends(decode_source(data))
    except (tokenize.TokenError, SyntaxError):
        return data, sorted(codes_by_line)
    lines = split_lines(data)
    refused: list[int] = []
    for number, codes in sorted(codes_by_line.items()):
        if number not in open_ends or number > len(lines):
            refused.append(number)
            continue
        line = lines[number - 1].decode(codec)
        brk = _BREAK.search(line)
        ending = brk.group(0) if brk else ""
        body = line[: len(line) - len(ending)]
        lines[number - 1] = (_with_codes(body, comments.get(number), codes) + ending).encode(codec)
    return b"".join(lines), refused


def _with_codes(body: str, comment: str | None, codes: Collection[str]) -> str:
    if comment is not None:
        start = body.rfind(comment)
        match = _NOQA.search(body, start) if start >= 0 else None
        if match is not None and match.group("codes") is not None:
            have = {code.upper() for code in _CODE.findall(match.group("codes"))}
            extra = sorted(set(codes) - have)
            if not extra:
                return body
            end = match.end("codes")
            return body[:end] + "".join(f", {code}" for code in extra) + body[end:]
        if match is not None:  # a bare noqa already silences every code
            return body
    return body.rstrip(" \t") + f"  # noqa: {', '.join(sorted(set(codes)))}"
