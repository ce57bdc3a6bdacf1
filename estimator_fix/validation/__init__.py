"""Proving a rewrite in TensorFlow: run the original and the rewritten model_fn module and compare.

Importing this package never imports TensorFlow or NumPy: TensorFlow runs only in the worker
processes (the ``worker`` package, which imports nothing from estimator-fix), so everything else
works without it. The names below load lazily, so ``python -m estimator_fix.validation.worker``
needs nothing but the standard library, NumPy and TensorFlow either.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from estimator_fix.validation.api import validate_file, validate_pair, validate_rewrite
    from estimator_fix.validation.options import ValidationOptions
    from estimator_fix.validation.report import Check, ValidationReport, Verdict

_EXPORTS = {
    "validate_file": "api",
    "validate_pair": "api",
    "validate_rewrite": "api",
    "ValidationOptions": "options",
    "Check": "report",
    "ValidationReport": "report",
    "Verdict": "report",
}

__all__ = [
    "Check",
    "ValidationOptions",
    "ValidationReport",
    "Verdict",
    "validate_file",
    "validate_pair",
    "validate_rewrite",
]


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        module = importlib.import_module(f"{__name__}.{_EXPORTS[name]}")
        return getattr(module, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
