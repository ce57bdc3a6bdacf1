"""The typer application that every command module registers on (``@app.command()``)."""

from typing import Annotated

import typer

from estimator_fix import __version__

app = typer.Typer(
    name="estimator-fix",
    help="Find and fix eager and misplaced code in TensorFlow Estimator model_fns.",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
    pretty_exceptions_show_locals=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _show_version(value: bool) -> None:
    if value:
        typer.echo(f"estimator-fix {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_show_version, is_eager=True, help="Show the version and exit."
        ),
    ] = False,
) -> None:
    """Find and fix eager and misplaced code in TensorFlow Estimator model_fns."""
