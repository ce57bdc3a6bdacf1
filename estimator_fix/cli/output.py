"""Where the CLI's words go: results to stdout, everything else to stderr, colour only on a TTY.

Colour is used when the stream is a terminal and neither ``NO_COLOR`` (any value) nor
``--no-color`` is set; ``FORCE_COLOR`` forces it, as rich defines. Without colour, text is written
as is: no ANSI codes, no wrapping, tabs and line endings untouched. What comes from the user's
files (paths, snippets, diff lines) never reaches a terminal raw: control characters such as
escape codes are shown as escapes (``reporting.printable``). A diff piped elsewhere is the
patch's own bytes.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Optional, TypeVar

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
from rich.text import Text

from codemods.findings import Finding
from estimator_fix.reporting import (
    Located,
    error_text,
    finding_label,
    finding_text,
    printable,
    printable_lines,
)

T = TypeVar("T")

_LABEL_STYLES = {"fixed": "green", "fixable": "cyan", "unsafe fix": "yellow", "manual": "magenta"}


def _colored(console: Console) -> bool:
    return console.is_terminal and not console.no_color and console.color_system is not None


@dataclass(frozen=True)
class Output:
    """The two streams of one command run, with its ``--quiet``/``--verbose`` choice."""

    stdout: Console
    stderr: Console
    quiet: bool = False
    verbose: bool = False

    @classmethod
    def create(
        cls, *, quiet: bool = False, verbose: bool = False, no_color: bool = False
    ) -> Output:
        # no_color=None lets rich read NO_COLOR from the environment.
        flag = True if no_color else None
        return cls(
            stdout=Console(no_color=flag, soft_wrap=True, highlight=False, emoji=False),
            stderr=Console(
                stderr=True, no_color=flag, soft_wrap=True, highlight=False, emoji=False
            ),
            quiet=quiet,
            verbose=verbose and not quiet,
        )

    @property
    def color(self) -> bool:
        """Whether stdout gets colour."""
        return _colored(self.stdout)

    # stdout: results ----------------------------------------------------------------------

    def raw(self, text: str) -> None:
        """Write ``text`` to stdout exactly (JSON, plain diffs)."""
        stream = self.stdout.file
        stream.write(text)
        stream.flush()

    def raw_bytes(self, data: bytes) -> None:
        """Write ``data`` to stdout exactly (a patch in its files' own encodings)."""
        stream = self.stdout.file
        stream.flush()
        buffer = getattr(stream, "buffer", None)
        if buffer is None:
            stream.write(data.decode("utf-8", "surrogateescape"))
        else:
            buffer.write(data)
            buffer.flush()

    def finding(self, path: str, finding: Finding, cell: Optional[int] = None) -> None:
        line = finding_text(path, finding, cell)
        if not self.color:
            self.raw(line + "\n")
            return
        label = finding_label(finding)
        where = printable(Located(path, finding, cell).where)
        text = Text.assemble(
            (f"{where}:{finding.line}:{finding.column}", "bold"),
            ": ",
            (finding.code, "bold red"),
            f" {printable(finding.message)} (",
            (label, _LABEL_STYLES.get(label, "")),
            ")",
        )
        self.stdout.print(text)

    def diff(self, text: str, data: Optional[bytes] = None) -> None:
        """A unified diff: on a terminal its ``text`` made safe to show (coloured when colour
        is on); elsewhere ``data``, the patch's own bytes, when given."""
        if not text:
            return
        if data is not None and not self.stdout.is_terminal:
            self.raw_bytes(data)
            return
        if not self.color:
            self.raw(printable_lines(text) if self.stdout.is_terminal else text)
            return
        self.stdout.print(diff_text(printable_lines(text)), end="")

    # stderr: errors, warnings, progress, summaries ---------------------------------------

    def _note(self, message: str, style: str, end: str = "\n") -> None:
        message = printable(message)
        if _colored(self.stderr):
            self.stderr.print(Text(message, style=style), end=end)
        else:
            self.stderr.file.write(message + end)
        self.stderr.file.flush()

    def error(self, path: str, reason: str) -> None:
        """One line naming a path that could not be processed, and why (shown even if quiet)."""
        self._note(error_text(path, reason), "red")

    def fatal(self, message: str) -> None:
        """A usage or configuration error that stops the run (shown even if quiet)."""
        self._note(f"error: {message}", "bold red")

    def warning(self, path: str, message: str) -> None:
        if not self.quiet:
            self._note(f"{path}: warning: {message}", "yellow")

    def info(self, message: str) -> None:
        """Per-file detail, only with ``--verbose``."""
        if self.verbose:
            self._note(message, "dim")

    def summary(self, message: str) -> None:
        if not self.quiet:
            self._note(message, "bold")

    def prompt(self, message: str) -> None:
        """A question for the user (stderr; a line break only where ``message`` ends in one)."""
        body = message[:-1] if message.endswith("\n") else message
        self._note(body, "bold", end=message[len(body) :])

    def track(self, items: Iterable[T], total: int, description: str) -> Iterator[T]:
        """Iterate ``items`` (``total`` of them), with a progress bar on stderr when it is a
        terminal. The items may be produced lazily: the bar advances as each one arrives."""
        if self.quiet or total < 2 or not self.stderr.is_terminal:
            yield from items
            return
        columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn())
        with Progress(*columns, console=self.stderr, transient=True) as progress:
            task = progress.add_task(description, total=total)
            for item in items:
                yield item
                progress.advance(task)


def diff_text(diff: str) -> Text:
    """A unified diff as rich Text: file headers bold, hunk headers cyan, - red, + green."""
    text = Text()
    for line in diff.splitlines():
        if line.startswith(("--- ", "+++ ")):
            style = "bold"
        elif line.startswith("@@"):
            style = "cyan"
        elif line.startswith("-"):
            style = "red"
        elif line.startswith("+"):
            style = "green"
        elif line.startswith("\\"):
            style = "dim"
        else:
            style = ""
        text.append(line + "\n", style=style)
    return text

