"""Verdicts of a validated rewrite, shared by ``fix --validate`` and ``migrate --validate``."""

from __future__ import annotations

from typing import Literal, get_args

Verdict = Literal["equivalent", "fixed", "graph-equivalent", "mismatch", "error", "not validated"]

#: The verdicts in the order summaries count them.
ORDER: tuple[str, ...] = get_args(Verdict)

#: Verdicts under which a rewrite may be written (SPEC §6): proven equivalent, or fixed (the
#: original crashed where the rewrite works).
ACCEPTED: frozenset[str] = frozenset({"equivalent", "fixed"})
#: Proven on the graphs only (SPEC §6): written only where the user opts in.
GRAPH_EQUIVALENT = "graph-equivalent"


def writable(verdict: str, accept_graph_equivalent: bool = False) -> bool:
    """Whether a rewrite with this verdict may be written under ``--validate``."""
    return verdict in ACCEPTED or (accept_graph_equivalent and verdict == GRAPH_EQUIVALENT)


def headline(verdict: str, synthetic_inputs: bool, tensorflow: str = "") -> str:
    """The verdict as summaries show it, naming the TensorFlow that ran it where one did, e.g.
    ``equivalent under TensorFlow 1.15.5 (synthetic inputs)``."""
    text = f"{verdict} under TensorFlow {tensorflow}" if tensorflow else verdict
    return f"{text} (synthetic inputs)" if synthetic_inputs else text
