"""Path patterns for ``exclude`` and ``per-file-ignores``: gitignore-like globs on '/' paths.

A pattern without '/' matches any single path component below the root (``build`` excludes every
directory named build, ``test_*.py`` every such file). A pattern with '/' is anchored at the root
(the directory of the pyproject.toml that configured it, or the current directory): ``*`` and
``?`` stay inside one component, ``**`` spans any number of them (``fixtures/**/bad_*.py``), and a
leading ``./`` or trailing ``/`` is ignored. Paths outside the root only match patterns without '/'.
"""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Iterable
from pathlib import Path


@functools.lru_cache(maxsize=256)
def _compile(pattern: str) -> re.Pattern[str]:
    out: list[str] = []
    i = 0
    while i < len(pattern):
        char = pattern[i]
        if pattern.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
            continue
        if pattern.startswith("**", i):
            out.append(".*")
            i += 2
            continue
        if char == "*":
            out.append("[^/]*")
        elif char == "?":
            out.append("[^/]")
        elif char == "[":
            end = pattern.find("]", i + 2)
            if end == -1:
                out.append(re.escape(char))
            else:
                body = pattern[i + 1 : end]
                if body.startswith("!"):
                    body = "^" + body[1:]
                out.append(f"[{body}]")
                i = end + 1
                continue
        else:
            out.append(re.escape(char))
        i += 1
    return re.compile("".join(out) + r"\Z")


def glob_problem(pattern: str) -> str | None:
    """Why ``pattern`` is not a usable glob (a bad ``[...]`` range, say), or None."""
    try:
        _compile(pattern.strip().rstrip("/").removeprefix("./").lstrip("/"))
    except re.error as exc:
        return f"bad glob {pattern!r}: {exc.msg}"
    return None


def _relative_to(path: Path, root: Path) -> str | None:
    try:
        rel = os.path.relpath(os.path.abspath(path), os.path.abspath(root))
    except ValueError:  # different drives on Windows
        return None
    if rel == os.curdir:
        return ""
    if rel == os.pardir or rel.startswith(os.pardir + os.sep):
        return None
    return Path(rel).as_posix()


def matches(
    path: str | os.PathLike[str], pattern: str, root: str | os.PathLike[str] | None
) -> bool:
    """Whether ``path`` matches one glob ``pattern`` (see the module docstring for the syntax)."""
    pattern = pattern.strip().rstrip("/")
    if pattern.startswith("./"):
        pattern = pattern[2:]
    if not pattern:
        return False
    target = Path(path)
    rel = _relative_to(target, Path(root) if root is not None else Path.cwd())
    if "/" not in pattern:
        regex = _compile(pattern)
        parts = rel.split("/") if rel is not None else target.parts[len(target.anchor) > 0 :]
        return any(regex.match(part) for part in parts)
    return rel is not None and _compile(pattern.lstrip("/")).match(rel) is not None


def matches_any(
    path: str | os.PathLike[str], patterns: Iterable[str], root: str | os.PathLike[str] | None
) -> bool:
    return any(matches(path, pattern, root) for pattern in patterns)
