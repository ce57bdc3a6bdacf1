"""Every fixture pair through the engine: the fix equals ``after``, parses, is idempotent, reports
the findings ``case.toml`` lists, and leaves every byte outside the rewritten model_fns alone."""

from __future__ import annotations

import difflib

import libcst as cst
import pytest

from estimator_fix.engine import Changed, Settings, Unchanged, process_source
from tests.pairs import PAIRS, Pair


def test_there_are_enough_pairs() -> None:
    assert len(PAIRS) >= 25


def _run(data: bytes, pair: Pair) -> Changed | Unchanged:
    result = process_source(str(pair.before), data, Settings(unsafe_fixes=pair.unsafe))
    assert isinstance(result, (Changed, Unchanged)), result
    return result


def _marked(pair: Pair) -> object:
    """A pair from real code whose expected output the codemod does not reach yet is a strict
    xfail: it fails the suite the day the codemod starts producing it, so the mark is removed."""
    if pair.known_gap:
        return pytest.param(pair, marks=pytest.mark.xfail(reason=pair.known_gap, strict=True))
    return pair


@pytest.mark.parametrize("pair", [_marked(p) for p in PAIRS], ids=[p.name for p in PAIRS])
def test_pair(pair: Pair) -> None:
    before, after = pair.before.read_bytes(), pair.after.read_bytes()
    result = _run(before, pair)
    output = result.fixed if isinstance(result, Changed) else before
    if output != after:
        diff = difflib.unified_diff(
            after.decode("latin-1").splitlines(True),
            output.decode("latin-1").splitlines(True),
            "expected",
            "got",
        )
        pytest.fail("".join(diff))
    assert (before != after) == pair.fixed
    assert sorted(f"{f.code}:{f.line}" for f in result.findings) == sorted(pair.findings)
    cst.parse_module(output)
    again = _run(output, pair)
    assert isinstance(again, Unchanged), "the fix is not idempotent"


def _model_fn_lines(data: bytes) -> set[int]:
    """Lines (1-based) inside any function that returns a spec or takes ``mode``."""
    module = cst.metadata.MetadataWrapper(cst.parse_module(data))
    positions = module.resolve(cst.metadata.PositionProvider)
    lines: set[int] = set()
    for node, pos in positions.items():
        if isinstance(node, cst.FunctionDef) and "mode" in cst.Module([]).code_for_node(
            node.params
        ):
            lines.update(range(pos.start.line, pos.end.line + 1))
    return lines


@pytest.mark.parametrize(
    "pair", [p for p in PAIRS if p.fixed], ids=[p.name for p in PAIRS if p.fixed]
)
def test_bytes_outside_model_fns_unchanged(pair: Pair) -> None:
    before, after = pair.before.read_bytes(), pair.after.read_bytes()
    inside_before, inside_after = _model_fn_lines(before), _model_fn_lines(after)
    outside_before = [
        line for n, line in enumerate(before.splitlines(True), 1) if n not in inside_before
    ]
    outside_after = [
        line for n, line in enumerate(after.splitlines(True), 1) if n not in inside_after
    ]
    assert outside_before == outside_after
