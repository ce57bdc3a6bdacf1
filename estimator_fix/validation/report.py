"""What a validation concludes: one Check per comparison, and the report that gathers them."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

from estimator_fix.validation.verdicts import headline

Verdict = Literal["equivalent", "fixed", "graph-equivalent", "mismatch", "error"]

#: How verdicts combine: a proof on graphs is weaker than one on numbers; a proven mismatch
#: outweighs a check that could not run.
_SEVERITY: dict[Verdict, int] = {
    "equivalent": 0,
    "fixed": 1,
    "graph-equivalent": 2,
    "error": 3,
    "mismatch": 4,
}

_RETURN_CODES: dict[Verdict, int] = {
    "equivalent": 0,
    "fixed": 0,
    "graph-equivalent": 0,
    "mismatch": 1,
    "error": 2,
}


def worst(verdicts: list[Verdict]) -> Verdict:
    """The overall verdict of several checks (``equivalent`` when there are none)."""
    return max(verdicts, key=_SEVERITY.__getitem__, default="equivalent")


@dataclass(frozen=True)
class Check:
    """One comparison: in ``mode`` (TRAIN, EVAL, PREDICT, or SETUP), ``what`` was compared.

    ``max_abs_diff`` is the largest absolute difference found (0.0 when equal, ``None`` when the
    values are not numbers or there was nothing to compare); ``detail`` names the first
    differing tensor or the error's last line. ``rewrite_fails``: the mismatch is the rewrite
    failing (to load, build or run) where the original ran, not a difference of values.
    """

    mode: str
    what: str
    max_abs_diff: float | None
    verdict: Verdict
    detail: str = ""
    rewrite_fails: bool = False

    def to_json(self) -> dict[str, object]:
        finite = self.max_abs_diff is not None and math.isfinite(self.max_abs_diff)
        return {
            "mode": self.mode,
            "check": self.what,
            # Strict JSON has no inf/NaN (NaN against a number); the detail says what differed.
            "max_abs_diff": self.max_abs_diff if finite else None,
            "verdict": self.verdict,
            "detail": self.detail,
        }


@dataclass(frozen=True)
class ValidationReport:
    """The result of validating ``rewritten`` against ``original``.

    ``message`` is one line: the first mismatch or error, or a summary. ``synthetic_inputs`` is
    True when the file had no input function and random inputs were built for it. ``timings``
    holds, per version, the seconds each stage took in its worker; ``tensorflow`` the version of
    TensorFlow that ran them ('' when none did).
    """

    original: str
    rewritten: str
    verdict: Verdict
    message: str
    checks: tuple[Check, ...] = ()
    synthetic_inputs: bool = False
    notes: tuple[str, ...] = ()
    seconds: float = 0.0
    model_fn: str = ""
    steps: int = 0
    timings: tuple[tuple[str, tuple[tuple[str, float], ...]], ...] = ()
    tensorflow: str = ""
    #: Why the rewrite could not be validated at all, where the code itself cannot run here
    #: (Python 2 code): ``fix`` and ``migrate --validate`` then say ``not validated``.
    not_validated: str = ""

    @property
    def return_code(self) -> int:
        """0 equivalent, fixed or graph-equivalent, 1 mismatch, 2 could not run."""
        return _RETURN_CODES[self.verdict]

    @property
    def headline(self) -> str:
        """The verdict as summaries show it, e.g. ``equivalent under TensorFlow 2.15.1``."""
        return headline(self.verdict, self.synthetic_inputs, self.tensorflow)

    def to_json(self) -> dict[str, object]:
        return {
            "original": self.original,
            "rewritten": self.rewritten,
            "verdict": self.verdict,
            "message": self.message,
            "tensorflow": self.tensorflow,
            "not_validated": self.not_validated,
            "model_fn": self.model_fn,
            "steps": self.steps,
            "synthetic_inputs": self.synthetic_inputs,
            "seconds": round(self.seconds, 3),
            "notes": list(self.notes),
            "checks": [check.to_json() for check in self.checks],
            "timings": {version: dict(stages) for version, stages in self.timings},
        }


def error_report(
    original: str, rewritten: str, message: str, seconds: float = 0.0
) -> ValidationReport:
    """A report for a validation that could not run at all."""
    return ValidationReport(
        original=original,
        rewritten=rewritten,
        verdict="error",
        message=message,
        checks=(Check("SETUP", "run", None, "error", message),),
        seconds=seconds,
    )
