"""``fix --interactive``: ask, change by change, what to apply (as Fixit and Bowler do).

A change is a diff hunk, widened so that everything it touches inside one top-level definition
(a model_fn, or the builder or class holding it) is taken or left as a whole: half of a moved
statement is never applied. A change to imports is its own hunk; leaving it while taking a change
that needs it leaves a name undefined, so the result is re-parsed before it is written.
"""

import sys
from dataclasses import dataclass
from typing import Callable, Optional

from estimator_fix.cli.output import Output
from estimator_fix.diffs import apply_hunks, file_header, hunks
from estimator_fix.engine import Changed, top_level_spans
from estimator_fix.sources import is_notebook

QUESTION = "[a]pply / [s]kip / apply [A]ll in file / [q]uit"


@dataclass(frozen=True)
class Decision:
    """The bytes to write for one file, and whether the user asked to stop altogether."""

    data: bytes
    quit: bool = False


def _ask(
    out: Output, read_line: Callable[[], str], index: int, total: int, echo: bool
) -> str:
    while True:
        out.prompt(f"Apply this change ({index}/{total})? {QUESTION}: ")
        line = read_line()
        if not line:  # end of input: stop asking, as quit does
            out.prompt("\n")
            return "q"
        answer = line.strip()
        if echo:  # answers piped in are not echoed by a terminal; keep the transcript readable
            out.prompt(answer + "\n")
        if answer in ("a", "s", "A", "q"):
            return answer
        out.prompt(f"Please answer a, s, A or q ({QUESTION}).\n")


def choose(
    result: Changed,
    out: Output,
    *,
    context: int = 3,
    read_line: Optional[Callable[[], str]] = None,
) -> Decision:
    """Show each change of ``result`` and ask whether to apply it; return what to write."""
    reader = read_line or sys.stdin.readline
    echo = read_line is None and not sys.stdin.isatty()
    # A notebook's change is taken or left whole (its JSON is no Python to group hunks by).
    spans = (
        ((1, result.original.count(b"\n") + 1),)
        if is_notebook(result.path)
        else top_level_spans(result.original)
    )
    all_hunks = hunks(result.original, result.fixed, context=context, spans=spans)
    chosen: set[int] = set()
    out.diff(file_header(result.path))
    for index, hunk in enumerate(all_hunks):
        out.diff(hunk.text)
        answer = _ask(out, reader, index + 1, len(all_hunks), echo)
        if answer == "a":
            chosen.add(index)
        elif answer == "A":
            chosen.update(range(index, len(all_hunks)))
            break
        elif answer == "q":
            return Decision(apply_hunks(result.original, chosen, all_hunks), quit=True)
    if len(chosen) == len(all_hunks):
        return Decision(result.fixed)
    return Decision(apply_hunks(result.original, chosen, all_hunks))
