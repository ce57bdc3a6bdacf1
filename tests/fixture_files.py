"""The Python files under ``fixtures/`` as LibCST trees, for tests that compare a helper of ours
with LibCST's own answer on every node of real-looking code."""

from __future__ import annotations

from pathlib import Path

import libcst as cst
import pytest

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"

#: Every fixture source except ``fixtures/bad`` (files made not to parse).
PYTHON_FIXTURES = sorted(
    path for path in FIXTURES.rglob("*.py") if "bad" not in path.relative_to(FIXTURES).parts
)


def parse_or_skip(path: Path) -> cst.Module:
    """``path`` parsed; a fixture of a file the tool skips (Python 2) skips the test."""
    try:
        return cst.parse_module(path.read_bytes())
    except cst.ParserSyntaxError:
        pytest.skip("not Python 3 (a fixture of a skipped file)")


def file_id(path: Path) -> str:
    return str(path.relative_to(ROOT))
