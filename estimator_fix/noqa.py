"""``# noqa`` comments in the engine: which findings they silence, and writing new ones.

Reading them is ``codemods.noqa``'s (one parser for the codemods and the engine, re-exported
here); a finding is silenced by the comment on the line it is reported at (the first line of its
statement).

``add_noqa`` writes those comments for ``check --add-noqa``; ``neutralized`` and ``without_code``
give variants of a source for telling which comments silence nothing.
"""

from __future__ import annotations

import io
import re
import tokenize
from collections.abc import Collection, Mapping

from codemods.noqa import CODE, NOQA, comments, is_suppressed, noqa_lines, parse_noqa
from estimator_fix.elision import split_lines
from estimator_fix.sources import decode_source, detect_encoding

_TEXT_LINES = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z")
_BREAK = re.compile(r"(\r\n|\r|\n)?\Z")

#: The prefix of estimator-fix's own rule codes; other codes in a noqa belong to other tools.
RULE_PREFIX = "EF"


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
    on_line = [comment for number, comment in comments(text) if number == line]
    start = current.rfind(on_line[-1]) if on_line else current.find("#")
    match = NOQA.search(current, max(start, 0))
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
        match = NOQA.search(body, start) if start >= 0 else None
        if match is not None and match.group("codes") is not None:
            have = {code.upper() for code in CODE.findall(match.group("codes"))}
            extra = sorted(set(codes) - have)
            if not extra:
                return body
            end = match.end("codes")
            return body[:end] + "".join(f", {code}" for code in extra) + body[end:]
        if match is not None:  # a bare noqa already silences every code
            return body
    return body.rstrip(" \t") + f"  # noqa: {', '.join(sorted(set(codes)))}"


__all__ = [
    "add_noqa",
    "is_suppressed",
    "neutralized",
    "noqa_lines",
    "parse_noqa",
    "rule_codes",
    "without_code",
]
