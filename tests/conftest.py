"""Shared test settings."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def one_run_again(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> Iterator[None]:
    """Validation runs the original again ``api.REPRODUCIBLE_RUNS`` times (3) before a mismatch
    of values stands. In the tests that run TensorFlow, once: they are about what is caught,
    not about originals that differ only now and then, and the two runs saved per wrong rewrite
    caught add up over the suite. The tests marked ``reproducibility`` keep the three runs, and
    the logic of the three is tested apart (``test_validation_compare.py``)."""
    if request.node.get_closest_marker("tf") and not request.node.get_closest_marker(
        "reproducibility"
    ):
        monkeypatch.setattr("estimator_fix.validation.api.REPRODUCIBLE_RUNS", 1)
    yield


@pytest.fixture(scope="module")
def tf1_python() -> str:
    """The TensorFlow 1.x interpreter the TF 1.15 tests validate with; they skip without one."""
    from estimator_fix.validation import interpreters

    found = interpreters.find_tf1((), [Path(__file__).resolve().parent.parent])
    if found is None:
        pytest.skip(f"no TensorFlow 1.x interpreter: {interpreters.TF1_RECIPE}")
    return found
