"""Shared test settings."""

from __future__ import annotations

from collections.abc import Iterator

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
