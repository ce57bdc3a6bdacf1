"""Say in one line why a source does not parse, and whether that is because it is Python 2."""

from __future__ import annotations

import ast
import re
import warnings

import libcst as cst

# Each pattern is tried only on the line CPython rejects, so a match there names the Python 2
# construct that broke the parse rather than guessing from the file as a whole.
_PY2_CONSTRUCTS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"^\s*print\b(?!\s*\()\s*(?:>>|[\"'\w\[{(-])"), "print statement"),
    (re.compile(r"^\s*exec\b(?!\s*\()\s*[\"'\w]"), "exec statement"),
    (re.compile(r"^\s*except\b[^:]*,\s*[A-Za-z_]\w*\s*:"), "except X, e:"),
    (re.compile(r"^\s*raise\s+[\w.]+\s*,"), "raise E, message"),
    (re.compile(r"(?<![\w.])[uU][rR][\"']"), "ur'' string prefix"),
    (re.compile(r"`"), "backtick repr"),
    (re.compile(r"<>"), "<> operator"),
    (re.compile(r"(?<![\w.])0[0-7]+\b(?!\.)"), "0777-style octal literal"),
    (re.compile(r"(?<![\w.])\d+[lL]\b"), "long integer literal"),
)

# CPython's own wording for some of them, used when the line alone is not conclusive.
_PY2_MESSAGES: tuple[tuple[str, str], ...] = (
    ("Missing parentheses in call to 'print'", "print statement"),
    ("Missing parentheses in call to 'exec'", "exec statement"),
    ("multiple exception types must be parenthesized", "except X, e:"),
    ("Lambda expression parameters cannot be parenthesized", "tuple parameter in a lambda"),
    ("Function parameters cannot be parenthesized", "tuple parameter in a def"),
)


def python2_construct(line: str, message: str = "") -> str | None:
    """The Python 2 construct on a line Python 3 rejected (``print statement`` …), or None."""
    for pattern, name in _PY2_CONSTRUCTS:
        if pattern.search(line):
            return name
    for text, name in _PY2_MESSAGES:
        if text in message:
            return name
    return None


def _compile_error(text: str, flags: int = ast.PyCF_ONLY_AST) -> SyntaxError | None:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # invalid escape sequences etc. are not our business
            compile(text, "<source>", "exec", flags=flags, dont_inherit=True)
    except SyntaxError as exc:
        return exc
    except (ValueError, MemoryError, RecursionError):
        return None
    return None


def compile_error(text: str) -> str | None:
    """What this interpreter's compiler rejects in ``text`` (one line), or None if it compiles.

    A full compile, so it also catches what a parser accepts but Python does not (``return``
    outside a function, a misplaced ``nonlocal``).
    """
    error = _compile_error(text, flags=0)
    if error is None:
        return None
    return f"line {error.lineno}: {(error.msg or 'invalid syntax').splitlines()[0]}"


def describe_parse_failure(text: str, error: cst.ParserSyntaxError) -> str:
    """One line saying why ``text`` (already decoded) does not parse.

    Prefers CPython's message and position (clearer than the parser's "expected one of …");
    names the Python 2 construct when the rejected line holds one.
    """
    syntax = _compile_error(text)
    if syntax is None:
        first = error.message.splitlines()[0] if error.message else "invalid syntax"
        return (
            f"cannot parse at line {error.raw_line}, column {error.raw_column + 1}: {first} "
            "(Python accepts this file; newer syntax than LibCST supports?)"
        )
    line_no = syntax.lineno or error.raw_line
    lines = text.splitlines()
    line = lines[line_no - 1] if 0 < line_no <= len(lines) else (syntax.text or "")
    construct = python2_construct(line, syntax.msg or "")
    if construct is not None:
        return (
            f"Python 2 syntax ({construct}) at line {line_no}; estimator-fix reads Python 3 code "
            "(port it first, e.g. with 2to3)"
        )
    column = f", column {syntax.offset}" if syntax.offset else ""
    message = (syntax.msg or "invalid syntax").splitlines()[0]
    return f"syntax error at line {line_no}{column}: {message}"
