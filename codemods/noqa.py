"""``# noqa`` and ``# noqa: EF101, EF102`` comments, per line, as ruff and flake8 read them."""

from __future__ import annotations

import re

_NOQA = re.compile(
    r"#\s*noqa(?::[\s]?(?P<codes>[A-Z]+[0-9]+(?:[,\s]+[A-Z]+[0-9]+)*))?", re.IGNORECASE
)

#: Stands for "every code" (a bare ``# noqa``).
ALL = frozenset({"*"})


def noqa_lines(source: str) -> dict[int, frozenset[str]]:
    """1-based line number → codes silenced on that line (``ALL`` for a bare noqa)."""
    found: dict[int, frozenset[str]] = {}
    for number, line in enumerate(source.splitlines(), start=1):
        if "noqa" not in line.lower():
            continue
        match = _NOQA.search(line)
        if match is None:
            continue
        codes = match.group("codes")
        if codes is None:
            found[number] = ALL
        else:
            found[number] = frozenset(c.upper() for c in re.split(r"[,\s]+", codes) if c)
    return found


def silences(codes: frozenset[str], code: str) -> bool:
    return codes is ALL or "*" in codes or code in codes
