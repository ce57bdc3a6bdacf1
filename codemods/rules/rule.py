"""What a rule module declares: its catalogue entry and its cases.

A rule's explanation has ruff's sections: what it does, why that is bad, an example and what to
use instead, and the fix's safety. Its cases are Fixit's: ``Valid`` code gets no finding and no
change; ``Invalid`` code gets the findings listed (``EF101:LINE:FIX`` for every finding of the
rule's family) and becomes ``after``. One generic test runs every case of every rule.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum
from typing import Optional


class FixSafety(Enum):
    """What ``fix`` does about a finding of the rule (each finding says what it got)."""

    SAFE = "safe"  # rewritten by default (some findings may still be report-only)
    REPORT = "report"  # never rewritten: the finding carries a recipe


@dataclass(frozen=True)
class Valid:
    """Code the rule's family leaves alone: no finding, no change."""

    id: str
    source: str


@dataclass(frozen=True)
class Invalid:
    """Code the family reports (``findings``: ``CODE:LINE:FIX`` of every finding it makes) and
    rewrites into ``after`` (None: left as it is)."""

    id: str
    before: str
    findings: tuple[str, ...]
    after: Optional[str] = None
    unsafe_fixes: bool = False

    @property
    def expected(self) -> str:
        return self.before if self.after is None else self.after


@dataclass(frozen=True)
class Rule:
    """One rule's catalogue entry, declared as ``RULE`` by its module.

    ``message`` is a ``str.format`` template of the finding's message (its fields are the
    rule's own). ``example`` and ``use_instead`` are the body of a model_fn (``features, labels,
    mode, params``, with ``tf`` and ``np`` imported), before and after ``fix``: a test runs them.
    ``details`` gives text computed on demand (a table) that ``explain`` adds.
    """

    code: str
    title: str
    fix: FixSafety
    fix_summary: str
    what: str
    why: str
    example: str
    use_instead: str
    fix_safety: str
    message: str
    valid: tuple[Valid, ...] = ()
    invalid: tuple[Invalid, ...] = ()
    details: Optional[Callable[[], str]] = field(default=None, compare=False)

    def explanation(self) -> str:
        """The prose sections (what it does, why that is bad, fix safety, details if any)."""
        parts = [
            f"What it does: {self.what}",
            f"Why is this bad? {self.why}",
            f"Fix safety: {self.fix_safety}",
        ]
        if self.details is not None:
            parts.append(self.details())
        return "\n\n".join(part.strip() for part in parts)

    def format(self, **fields: str) -> str:
        return self.message.format(**fields)


#: The model_fn around a rule's ``example`` and ``use_instead`` (a final return is added when
#: the snippet has none of its own).
EXAMPLE_MODULE = """\
import numpy as np
import tensorflow as tf


def model_fn(features, labels, mode, params):
    logits = tf.compat.v1.layers.dense(features["x"], 3)
    loss = tf.reduce_mean(logits)
{body}"""
EXAMPLE_RETURN = (
    '    return tf.estimator.EstimatorSpec(mode, loss=loss, predictions={"l": logits})\n'
)


def example_module(snippet: str) -> str:
    """A whole module holding ``snippet`` as (the rest of) a model_fn's body."""
    lines = snippet.strip("\n").splitlines()
    body = "".join(f"    {line}\n" if line else "\n" for line in lines)
    if not any(line.startswith("return ") for line in lines):
        body += EXAMPLE_RETURN
    return EXAMPLE_MODULE.format(body=body)
