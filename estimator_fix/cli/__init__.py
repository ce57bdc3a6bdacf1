"""The ``estimator-fix`` command line: ``app`` (typer) and ``main()`` (the console script)."""

import importlib

from estimator_fix.cli.app import app

# Each module registers its commands on ``app``; the last two are optional parts of the package.
_COMMAND_MODULES = ("lint", "catalogue", "validate", "migrate")
_OPTIONAL = frozenset({"validate", "migrate"})

for _name in _COMMAND_MODULES:
    try:
        importlib.import_module(f"{__name__}.{_name}")
    except ModuleNotFoundError as exc:
        if _name not in _OPTIONAL or exc.name != f"{__name__}.{_name}":
            raise


def main() -> None:
    """Run the command line (the ``estimator-fix`` console script)."""
    app(prog_name="estimator-fix")


__all__ = ["app", "main"]
