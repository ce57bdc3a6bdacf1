"""``validate``: run the original and the rewritten model_fn module in TensorFlow and compare.

``validate FILE`` compares FILE with what ``fix`` would write; ``validate ORIGINAL REWRITTEN``
compares any two versions. Exit 0 equivalent or fixed, 1 mismatch, 2 could not run.
"""

import json
from enum import Enum
from pathlib import Path
from typing import Annotated, List, Optional

import typer
from rich.table import Table
from rich.text import Text

from estimator_fix.cli.application import app
from estimator_fix.cli.options import NoColor, Quiet, UnsafeFixes
from estimator_fix.cli.output import Output
from estimator_fix.config import ConfigError, discover_config
from estimator_fix.validation import (
    ValidationOptions,
    ValidationReport,
    validate_file,
    validate_pair,
)
from estimator_fix.validation.options import (
    LabelSpec,
    OptionError,
    parse_input_fn,
    parse_labels,
    parse_params,
    parse_steps,
)


class Format(str, Enum):
    text = "text"
    json = "json"


_VERDICT_STYLES = {
    "equivalent": "green",
    "fixed": "green",
    "graph-equivalent": "cyan",
    "mismatch": "bold red",
    "error": "yellow",
}


def _diff(value: Optional[float]) -> str:
    return "-" if value is None else f"{value:.3g}"


def report_table(report: ValidationReport) -> Table:
    """The checks as a rich table: mode, check, max abs diff, verdict."""
    table = Table(title=None, show_edge=True, header_style="bold")
    table.add_column("mode")
    table.add_column("check")
    table.add_column("max abs diff", justify="right")
    table.add_column("verdict")
    for check in report.checks:
        table.add_row(
            check.mode,
            check.what,
            _diff(check.max_abs_diff),
            Text(check.verdict, style=_VERDICT_STYLES[check.verdict]),
        )
    return table


def render(out: Output, report: ValidationReport, output_format: Format) -> None:
    """Print ``report``: JSON on stdout, or the table, details and verdict (text)."""
    if output_format is Format.json:
        out.raw(json.dumps(report.to_json(), indent=2) + "\n")
        return
    if report.verdict == "error" and len(report.checks) <= 1:
        out.fatal(report.message)
        return
    header = f"{report.original} vs {report.rewritten}"
    if report.model_fn:
        header += f" — model_fn {report.model_fn}, {report.steps} training steps"
    if report.tensorflow:
        header += f", TensorFlow {report.tensorflow}"
    out.stdout.print(Text(header, style="bold"))
    if report.checks:
        out.stdout.print(report_table(report))
    for check in report.checks:
        if check.detail and check.verdict != "equivalent":
            out.stdout.print(Text(f"  {check.mode} {check.what}: {check.detail}"))
    if not out.quiet:
        for note in report.notes:
            out.stderr.print(Text(f"note: {note}", style="dim"))
    style = _VERDICT_STYLES[report.verdict]
    out.stdout.print(Text.assemble(("verdict: ", "bold"), (report.headline, style)))
    if not out.quiet:
        out.stderr.print(Text(f"validated in {report.seconds:.1f}s", style="dim"))


def _options(
    model_fn: Optional[str],
    input_fn: Optional[str],
    params: Optional[str],
    labels: Optional[str],
    steps: Optional[int],
    atol: float,
    rtol: float,
    unsafe_fixes: bool,
    python: Optional[str],
    python_tf1: Optional[str],
    timeout: Optional[float],
    graph_only: bool = False,
) -> ValidationOptions:
    label_spec: Optional[LabelSpec] = parse_labels(labels) if labels else None
    if timeout is not None and timeout <= 0:
        raise OptionError(f"--timeout must be positive, got {timeout:g}")
    return ValidationOptions(
        model_fn=model_fn,
        input_fn=parse_input_fn(input_fn) if input_fn else None,
        params_json=parse_params(params) if params else None,
        labels=label_spec,
        steps=parse_steps(steps) if steps is not None else None,
        atol=atol,
        rtol=rtol,
        unsafe_fixes=unsafe_fixes,
        python=python,
        python_tf1=python_tf1,
        timeout=timeout,
        graph_only=graph_only,
    )


@app.command()
def validate(
    files: Annotated[
        List[Path],
        typer.Argument(
            help="FILE (compared with what fix would write), or ORIGINAL REWRITTEN.",
            metavar="FILE [REWRITTEN]",
            show_default=False,
        ),
    ],
    model_fn: Annotated[
        Optional[str], typer.Option("--model-fn", metavar="NAME", help="The model_fn to run.")
    ] = None,
    input_fn: Annotated[
        Optional[str],
        typer.Option(
            "--input-fn",
            metavar="MODULE:FN",
            help="Input function for every mode (MODULE: a dotted name or a .py path).",
        ),
    ] = None,
    params: Annotated[
        Optional[str], typer.Option("--params", metavar="JSON", help="params, as a JSON object.")
    ] = None,
    labels: Annotated[
        Optional[str],
        typer.Option(
            "--labels",
            metavar="SHAPE:DTYPE",
            help="Synthetic labels per example, e.g. ':int32' (class ids) or '1:float32'.",
        ),
    ] = None,
    steps: Annotated[
        Optional[int], typer.Option("--steps", metavar="K", help="Training steps (default 3).")
    ] = None,
    atol: Annotated[
        float, typer.Option("--atol", help="Absolute tolerance (with --unsafe-fixes only).")
    ] = 0.0,
    rtol: Annotated[
        float, typer.Option("--rtol", help="Relative tolerance (with --unsafe-fixes only).")
    ] = 0.0,
    unsafe_fixes: UnsafeFixes = None,
    python: Annotated[
        Optional[str],
        typer.Option("--python", metavar="EXE", help="An interpreter that has TensorFlow."),
    ] = None,
    python_tf1: Annotated[
        Optional[str],
        typer.Option(
            "--python-tf1",
            metavar="EXE",
            help="An interpreter with TensorFlow 1.x, for code that needs it (tf.contrib...).",
        ),
    ] = None,
    timeout: Annotated[
        Optional[float],
        typer.Option("--timeout", metavar="SECONDS", help="Limit per version (default 300)."),
    ] = None,
    graph_only: Annotated[
        bool,
        typer.Option(
            "--graph-only",
            help="Compare each mode's graph op by op, without training (graph-equivalent).",
        ),
    ] = False,
    output_format: Annotated[
        Format, typer.Option("--format", help="Output format.", case_sensitive=False)
    ] = Format.text,
    quiet: Quiet = False,
    no_color: NoColor = False,
) -> None:
    """Run the original and the rewrite in TensorFlow (separate processes) and compare them."""
    out = Output.create(quiet=quiet, no_color=no_color)
    if len(files) > 2:
        out.fatal("validate takes FILE or ORIGINAL REWRITTEN")
        raise typer.Exit(2)
    try:
        config = discover_config([files[0]]).with_overrides(unsafe_fixes=unsafe_fixes)
        options = _options(
            model_fn,
            input_fn,
            params,
            labels,
            steps,
            atol,
            rtol,
            config.unsafe_fixes,
            python,
            python_tf1,
            timeout,
            graph_only,
        )
    except (ConfigError, OptionError) as exc:
        out.fatal(str(exc))
        raise typer.Exit(2) from None
    if len(files) == 2:
        report = validate_pair(files[0], files[1], options)
    else:
        report = validate_file(files[0], options, config.settings())
    render(out, report, output_format)
    raise typer.Exit(report.return_code)
