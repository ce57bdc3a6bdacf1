"""Options the commands share, as typer annotations, and the frozen object they build.

No ``from __future__ import annotations`` here or in command modules: typer reads the
annotations at runtime, and ``Optional``/``List`` keep them valid on Python 3.9.
"""

from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, List, Optional

import typer

from estimator_fix.limits import DEFAULT_TIMEOUT, timeout_seconds

Paths = Annotated[
    List[str],
    typer.Argument(
        metavar="PATH...", help="Python files or directories (walked for *.py).", show_default=False
    ),
]
Select = Annotated[
    Optional[List[str]],
    typer.Option(
        "--select",
        metavar="CODES",
        help="Only these rule codes or prefixes, e.g. EF1,EF201 (replaces the configured list).",
    ),
]
Ignore = Annotated[
    Optional[List[str]],
    typer.Option(
        "--ignore",
        metavar="CODES",
        help="Skip these rule codes or prefixes (replaces the configured list).",
    ),
]
Exclude = Annotated[
    Optional[List[str]],
    typer.Option(
        "--exclude",
        metavar="GLOB",
        help="Skip matching paths when walking directories (repeatable; replaces the config).",
    ),
]
ConfigFile = Annotated[
    Optional[Path],
    typer.Option(
        "--config",
        metavar="FILE",
        help="Read settings from this TOML file instead of the nearest pyproject.toml.",
    ),
]
UnsafeFixes = Annotated[
    Optional[bool],
    typer.Option(
        "--unsafe-fixes/--no-unsafe-fixes",
        help="Also apply fixes that may reorder code (checkpoint-compatible, seeds may differ).",
        show_default=False,
    ),
]
AcceptGraphEquivalent = Annotated[
    bool,
    typer.Option(
        "--accept-graph-equivalent",
        help="With --validate, also write rewrites proven on the graphs only (graph-equivalent).",
    ),
]
ForceExclude = Annotated[
    bool,
    typer.Option(
        "--force-exclude",
        help="Apply the exclude globs to files named on the command line too (for pre-commit).",
    ),
]


def _timeout(value: float) -> Optional[float]:
    try:
        return timeout_seconds(value)
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None


Timeout = Annotated[
    Optional[float],
    typer.Option(
        "--timeout",
        metavar="SECONDS",
        callback=_timeout,
        help="Give up on a file after this long (0 or inf: no limit).",
    ),
]
Quiet = Annotated[
    bool, typer.Option("--quiet", "-q", help="Print results and errors only, no summary.")
]
Verbose = Annotated[bool, typer.Option("--verbose", "-v", help="Also say what happened per file.")]
NoColor = Annotated[
    bool, typer.Option("--no-color", help="Never colour the output (NO_COLOR does the same).")
]


@dataclass(frozen=True)
class LintOptions:
    """What ``check``, ``diff`` and ``fix`` share, as typer parsed it."""

    paths: tuple[str, ...]
    select: Optional[tuple[str, ...]] = None
    ignore: Optional[tuple[str, ...]] = None
    exclude: Optional[tuple[str, ...]] = None
    config: Optional[Path] = None
    unsafe_fixes: Optional[bool] = None
    quiet: bool = False
    verbose: bool = False
    no_color: bool = False
    force_exclude: bool = False
    timeout: Optional[float] = DEFAULT_TIMEOUT

    @classmethod
    def build(
        cls,
        paths: List[str],
        select: Optional[List[str]],
        ignore: Optional[List[str]],
        exclude: Optional[List[str]],
        config: Optional[Path],
        unsafe_fixes: Optional[bool],
        quiet: bool,
        verbose: bool,
        no_color: bool,
        force_exclude: bool = False,
        timeout: Optional[float] = DEFAULT_TIMEOUT,
    ) -> "LintOptions":
        def given(values: Optional[List[str]]) -> Optional[tuple[str, ...]]:
            return tuple(values) if values else None

        return cls(
            tuple(paths),
            given(select),
            given(ignore),
            given(exclude),
            config,
            unsafe_fixes,
            quiet,
            verbose,
            no_color,
            force_exclude,
            timeout,
        )
