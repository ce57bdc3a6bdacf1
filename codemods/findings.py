"""The data a codemod reports: one Finding per problem, with how (and whether) it is fixed."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

FixKind = Literal["safe", "unsafe", "none"]

#: Key under ``CodemodContext.scratch`` where each codemod appends its findings.
FINDINGS_KEY = "estimator_fix.findings"
#: Key under ``CodemodContext.scratch`` where each codemod records how many model_fns it found.
MODEL_FNS_KEY = "estimator_fix.model_fns"


@dataclass(frozen=True)
class Finding:
    """One problem in one model_fn, positioned in the codemod's *input* source.

    ``fix`` says what ``fix`` does about it: ``safe`` (rewritten by default), ``unsafe``
    (rewritten only with ``--unsafe-fixes``), ``none`` (reported with a manual recipe).
    ``applied`` is True when the codemod run that produced the finding also rewrote it.
    """

    code: str
    message: str
    line: int
    column: int
    fix: FixKind
    function: str
    note: str = ""
    applied: bool = False
