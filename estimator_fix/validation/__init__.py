"""Proving a rewrite in TensorFlow: run the original and the rewritten model_fn module and compare.

Importing this package never imports TensorFlow (nor NumPy): TensorFlow runs only in the worker
subprocesses (``worker.py``), so everything else in estimator-fix works without it.
"""

from estimator_fix.validation.api import validate_file, validate_pair, validate_rewrite
from estimator_fix.validation.options import ValidationOptions
from estimator_fix.validation.report import Check, ValidationReport, Verdict

__all__ = [
    "Check",
    "ValidationOptions",
    "ValidationReport",
    "Verdict",
    "validate_file",
    "validate_pair",
    "validate_rewrite",
]
