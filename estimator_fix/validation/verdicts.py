"""Verdicts of a validated rewrite, shared by ``fix --validate`` and ``migrate --validate``."""

from __future__ import annotations

from typing import Literal, get_args

Verdict = Literal["equivalent", "fixed", "mismatch", "error", "not validated"]

#: The verdicts in the order summaries count them.
ORDER: tuple[str, ...] = get_args(Verdict)

#: Verdicts under which a rewrite may be written (SPEC §6): proven equivalent, or fixed (the
#: original crashed where the rewrite works).
ACCEPTED: frozenset[str] = frozenset({"equivalent", "fixed"})


def headline(verdict: Verdict, synthetic_inputs: bool) -> str:
    """The verdict as summaries show it, e.g. ``equivalent (synthetic inputs)``."""
    return f"{verdict} (synthetic inputs)" if synthetic_inputs else verdict
