"""What estimator-fix will not parse or rewrite, and the one line that says why.

Python refuses nesting deeper than its tokenizer and compiler limits (200 nested brackets, 100
indentation levels, its recursion limit); LibCST's native parser has no such guard and can overflow
the C stack on such a file, killing the process. So the engine asks Python first. And LibCST does
not reproduce every file byte for byte (a form feed in the indentation of a line is dropped): such
a file is analysed, but not rewritten.

Size and time: Python's parser needs about 150 bytes of memory per byte of source and LibCST's
about 500, so a file with Estimator code is parsed by Python only up to ``MAX_SOURCE_PARSE_BYTES``
and no more than ``MAX_PARSE_BYTES`` of it (what is left once the definitions that cannot matter
are elided) reach LibCST; and every command gives each file at most its ``--timeout``
(``deadline``).
"""

from __future__ import annotations

import ast
import contextlib
import math
import signal
import threading
import warnings
from collections.abc import Iterator
from types import FrameType

from estimator_fix.elision import split_lines

TOO_DEEP = "too deeply nested"

#: The largest file with Estimator code that is parsed at all: about 600 MB of memory at worst.
MAX_SOURCE_PARSE_BYTES = 4 * 2**20
#: The most source text (bytes) handed to LibCST for one file: about 500 MB of memory at worst.
MAX_PARSE_BYTES = 2**20

#: Seconds one file may take before it is reported as timed out (every command's default).
DEFAULT_TIMEOUT = 120.0

#: The longest timer the operating system takes; a longer timeout is no limit at all.
_LONGEST_TIMER = 2.0**31 - 1

# CPython's messages for nesting past its limits (tokenizer, parser and compiler).
_NESTING_MESSAGES = (
    "too many nested parentheses",
    "too many levels of indentation",
    "too many statically nested blocks",
    "too complex",
)


def parse_tree(text: str) -> tuple[ast.Module | None, str | None]:
    """``text`` parsed by Python's own parser (None when it does not parse), and one line when it
    nests deeper than Python itself accepts (else None). Parsed once, so that a large file is
    not parsed twice (the elision reuses the tree).

    Other syntax errors are not reported here (the parser names them better, Python 2 included).
    """
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            tree = compile(text, "<source>", "exec", flags=ast.PyCF_ONLY_AST, dont_inherit=True)
    except SyntaxError as exc:
        message = (exc.msg or "").splitlines()[0] if exc.msg else ""
        if any(limit in message for limit in _NESTING_MESSAGES):
            return None, f"{TOO_DEEP}: {message} at line {exc.lineno} (Python refuses it too)"
        return None, None
    except (RecursionError, MemoryError):
        return None, f"{TOO_DEEP}: Python's parser gives up on it"
    except ValueError:
        return None, None
    return tree if isinstance(tree, ast.Module) else None, None


def nesting_error(text: str) -> str | None:
    """One line when ``text`` nests deeper than Python itself accepts, else None."""
    return parse_tree(text)[1]


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


def too_large(size: int, *, kept: bool = False) -> str | None:
    """Why a file of ``size`` bytes (``kept``: the code around its model_fns, once the rest is
    elided) is too large to parse, or None."""
    limit = MAX_PARSE_BYTES if kept else MAX_SOURCE_PARSE_BYTES
    if size <= limit:
        return None
    what = "of code around its model_fns" if kept else "with Estimator code"
    return (
        f"too large to analyse: {size / 2**20:.1f} MB {what} (the limit is "
        f"{limit // 2**20} MB: parsing it would take gigabytes of memory)"
    )


def timeout_seconds(value: float | None) -> float | None:
    """A ``--timeout`` value as a timer length: None for no limit (0, infinity, or longer than
    any timer); ValueError for NaN or a negative number."""
    if value is None:
        return None
    if math.isnan(value) or value < 0:
        raise ValueError(f"must be a number of seconds (0 or inf: no limit), not {value}")
    if value == 0 or value > _LONGEST_TIMER:
        return None
    return value


class FileTimeout(BaseException):
    """Raised when one file takes longer than allowed.

    A BaseException so that the engine's guard against codemod crashes does not catch it.
    """


@contextlib.contextmanager
def deadline(seconds: float | None) -> Iterator[None]:
    """Raise FileTimeout in this thread after ``seconds`` (where timers work: the main thread of
    a POSIX process; a thread of a Dask worker runs without a limit). None, 0 or infinity: no
    limit."""
    seconds = timeout_seconds(seconds)
    usable = (
        seconds is not None
        and hasattr(signal, "setitimer")
        and threading.current_thread() is threading.main_thread()
    )
    if not usable:
        yield
        return

    def expire(signum: int, frame: FrameType | None) -> None:
        raise FileTimeout()

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, float(seconds or 0))
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
