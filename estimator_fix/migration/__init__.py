"""Bulk repository migration (``estimator-fix migrate``): discover, analyse, write, report.

``run(MigrationOptions(...))`` returns a ``MigrationResult`` (data, never printed);
``report.markdown``/``report.to_json`` render it. The per-file work is ``worker.analyse_chunk``,
which any ``concurrent.futures.Executor`` can run: a local process pool, a Dask client's
executor, or this process.
"""

from estimator_fix.migration.results import (
    FileRecord,
    FindingRecord,
    MigrationError,
    MigrationResult,
    ValidationRecord,
)
from estimator_fix.migration.run import MigrationOptions, Mode, Progress, run

__all__ = [
    "FileRecord",
    "FindingRecord",
    "MigrationError",
    "MigrationOptions",
    "MigrationResult",
    "Mode",
    "Progress",
    "ValidationRecord",
    "run",
]
