"""What estimator-fix will not parse or rewrite, and the one line that says why.

Python refuses nesting deeper than its tokenizer and compiler limits (200 nested brackets, 100
indentation levels, its recursion limit); LibCST's native parser has no such guard and can overflow
the C stack on such a file, killing the process. So the engine asks Python first. And LibCST does
not reproduce every file byte for byte (a form feed in the indentation of a line is dropped): such
a file is analysed, but not rewritten.
"""

from __future__ import annotations

import ast
import warnings

from estimator_fix.elision import split_lines

TOO_DEEP = "too deeply nested"

# CPython's messages for nesting past its limits (tokenizer, parser and compiler).
_NESTING_MESSAGES = (
    "too many nested parentheses",
    "too many levels of indentation",
    "too many statically nested blocks",
    "too complex",
)


def nesting_error(text: str) -> str | None:
    """One line when ``text`` nests deeper than Python itself accepts, else None.

    Other syntax errors are not reported here (the parser names them better, Python 2 included).
    """
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            compile(text, "<source>", "exec", flags=ast.PyCF_ONLY_AST, dont_inherit=True)
    except SyntaxError as exc:
        message = (exc.msg or "").splitlines()[0] if exc.msg else ""
        if any(limit in message for limit in _NESTING_MESSAGES):
            return f"{TOO_DEEP}: {message} at line {exc.lineno} (Python refuses it too)"
        return None
    except (RecursionError, MemoryError):
        return f"{TOO_DEEP}: Python's parser gives up on it"
    except ValueError:
        return None
    return None


def roundtrip_problem(source: bytes, rendered: bytes) -> str:
    """The warning for a file whose LibCST tree (``rendered``) is not ``source`` byte for byte."""
    ours, theirs = split_lines(source), split_lines(rendered)
    line = next(
        (n for n, (a, b) in enumerate(zip(ours, theirs), start=1) if a != b),
        min(len(ours), len(theirs)) + 1,
    )
    text = ours[line - 1] if line <= len(ours) else b""
    what = "a form feed in its indentation" if b"\x0c" in text else "text LibCST does not keep"
    return (
        f"not rewritten: LibCST would not write line {line} back as it is ({what}); "
        "findings are reported, no fix is applied"
    )
