"""SPEC §5.1 on every fixed pair, in a real TensorFlow graph: per mode, the fixed model_fn executes
a subsequence of the original's statements in the original order (the original is given real
labels in PREDICT so it runs to the end), and the fixed model_fn builds without error in every
mode."""

from __future__ import annotations

from pathlib import Path

import pytest

from estimator_fix.engine import Changed, Settings, process_source
from tests.mode_trace import MODES, is_subsequence, trace
from tests.pairs import PAIRS

# --unsafe-fixes pairs are left out: reordering within a mode is exactly what they opt into.
FIXED = [p for p in PAIRS if p.fixed and not p.unsafe and not p.name.startswith("ef2")]
#: The mode names of ``case.toml``'s ``runnable_original``.
_SPEC_NAMES = {"train": "train", "eval": "eval", "infer": "predict"}


def _function_name(path: Path) -> str:
    """The model_fn the findings are about (the engine names it)."""
    result = process_source(str(path), path.read_bytes(), Settings())
    assert isinstance(result, Changed) and result.findings
    return result.findings[0].function


@pytest.mark.tf
@pytest.mark.parametrize("pair", FIXED, ids=[p.name for p in FIXED])
def test_each_mode_runs_a_subsequence_of_the_original(pair: object) -> None:
    name = _function_name(pair.before)  # type: ignore[attr-defined]
    for mode in MODES:
        original, _ = trace(pair.before, name, mode, with_labels=True)  # type: ignore[attr-defined]
        fixed, error = trace(pair.after, name, mode, with_labels=False)  # type: ignore[attr-defined]
        # a partial fix leaves a finding that still fails where the original failed
        still_fails = pair.partial and _SPEC_NAMES[mode] not in pair.runnable_original  # type: ignore[attr-defined]
        assert error is None or still_fails, f"{mode}: the fixed model_fn fails: {error}"
        assert fixed, f"{mode}: nothing traced"
        assert is_subsequence(fixed, original), f"{mode}:\n{fixed}\nnot in\n{original}"


def test_a_reordering_is_not_a_subsequence() -> None:
    assert is_subsequence(["a", "c"], ["a", "b", "c"])
    assert not is_subsequence(["c", "a"], ["a", "b", "c"])
    assert not is_subsequence(["a", "a"], ["a", "b"])
