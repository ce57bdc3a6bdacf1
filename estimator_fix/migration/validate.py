"""``migrate --validate``: validate rewritten files in TensorFlow, several at a time.

Each validation runs the original and the rewrite in two worker processes
(``estimator_fix.validation``), so at most ``jobs // 2`` (at least one) run at once. A file with
nothing to run it on (no input function, no serving function or feature spec for synthetic inputs,
no model_fn that can be built) is ``not validated``. A notebook runs as one module of its code
cells, with only its definitions run.
"""

from __future__ import annotations

import concurrent.futures as futures
from pathlib import Path

from estimator_fix.migration.results import ValidationRecord
from estimator_fix.validation.options import ValidationOptions


def tensorflow_problem(options: ValidationOptions) -> str | None:
    """Why validation cannot run at all here (no TensorFlow), or None."""
    from estimator_fix.validation.runner import tensorflow_missing

    return tensorflow_missing(options.python)


def validate_one(
    path: Path, original: bytes, fixed: bytes, options: ValidationOptions
) -> ValidationRecord:
    """The verdict on ``fixed`` as the new content of ``path`` (which still holds ``original``)."""
    from estimator_fix.validation.api import unvalidated, validate_rewrite
    from estimator_fix.validation.inputs import accepts_graph_equivalent

    reason = unvalidated(path, original, fixed, options)
    if reason is not None:
        return ValidationRecord("not validated", reason)
    report = validate_rewrite(path, fixed, options)
    if report.not_validated:
        return ValidationRecord("not validated", report.not_validated)
    return ValidationRecord(
        report.verdict,
        report.message,
        report.synthetic_inputs,
        report.tensorflow,
        report.seconds,
        accepts_graph_equivalent(path, options),
    )


class BulkValidator:
    """Validations in a thread pool (each thread drives two TensorFlow worker processes)."""

    def __init__(self, options: ValidationOptions, jobs: int) -> None:
        self.options = options
        self.workers = max(1, jobs // 2)
        self._pool = futures.ThreadPoolExecutor(
            max_workers=self.workers, thread_name_prefix="estimator-fix-validate"
        )
        from estimator_fix.validation.runner import prewarm

        prewarm(options.python)  # import TensorFlow in the fork server while files are analysed

    def submit(self, path: Path, original: bytes, fixed: bytes) -> futures.Future[ValidationRecord]:
        return self._pool.submit(validate_one, path, original, fixed, self.options)

    def close(self, cancel: bool = False) -> None:
        self._pool.shutdown(wait=not cancel, cancel_futures=cancel)
