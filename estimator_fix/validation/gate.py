"""``fix --validate``: the verdict on a rewrite before it is written. Never prints.

A rewrite may be written only when validation proves it ``equivalent`` or ``fixed`` (SPEC §6). A
file validation has nothing to run on (no input function and nothing to build synthetic inputs
from, several model_fns, no model_fn at module level) is ``not validated`` and, as with
``migrate --validate``, is not written either: an unproven rewrite is not what was asked for.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from estimator_fix.validation.api import unvalidated, validate_rewrite
from estimator_fix.validation.inputs import accepts_graph_equivalent
from estimator_fix.validation.options import ValidationOptions
from estimator_fix.validation.report import ValidationReport
from estimator_fix.validation.runner import prewarm, tensorflow_missing
from estimator_fix.validation.verdicts import Verdict, headline, writable


@dataclass(frozen=True)
class RewriteVerdict:
    """Whether the rewrite of ``path`` may be written, and why.

    ``reason`` is one line that does not repeat the path: the first mismatch or error, a count of
    the checks that passed, or what validation looked for and did not find. ``report`` is the full
    validation report (None when nothing was run).
    """

    path: str
    verdict: Verdict
    reason: str = ""
    synthetic_inputs: bool = False
    report: Optional[ValidationReport] = None
    #: The user opted in to writing rewrites proven on the graphs only.
    accept_graph_equivalent: bool = False

    @property
    def accepted(self) -> bool:
        return writable(self.verdict, self.accept_graph_equivalent)

    @property
    def headline(self) -> str:
        return headline(
            self.verdict, self.synthetic_inputs, self.report.tensorflow if self.report else ""
        )


def _without_path(message: str, path: str) -> str:
    prefix = f"{path}: "
    return message[len(prefix) :] if message.startswith(prefix) else message


class RewriteGate:
    """Validates the rewrites of one ``fix`` run, one file at a time.

    Creating it starts importing TensorFlow in the fork server (``runner.prewarm``), so the import
    overlaps with the analysis of the first files.
    """

    def __init__(self, options: ValidationOptions) -> None:
        self.options = options
        prewarm(options.python)

    @staticmethod
    def unavailable(options: ValidationOptions) -> Optional[str]:
        """Why no rewrite can be validated here (no TensorFlow), or None."""
        return tensorflow_missing(options.python)

    def check(self, path: str, original: bytes, fixed: bytes) -> RewriteVerdict:
        """Run ``original`` (the content of ``path``) and ``fixed`` in TensorFlow and compare."""
        reason = unvalidated(Path(path), original, fixed, self.options)
        if reason is not None:
            return RewriteVerdict(path, "not validated", _without_path(reason, path))
        report = validate_rewrite(Path(path), fixed, self.options)
        if report.not_validated:
            reason = _without_path(report.not_validated, path)
            return RewriteVerdict(path, "not validated", reason, report=report)
        return RewriteVerdict(
            path,
            report.verdict,
            _without_path(report.message, path),
            report.synthetic_inputs,
            report,
            accepts_graph_equivalent(Path(path), self.options),
        )
