"""The ``estimator-fix`` command line: ``app`` (typer) and ``main()`` (the console script).

Each command module registers its commands on the typer application (``application.app``).
``main()`` imports only the module of the command it runs: the lint commands load LibCST and the
codemods, which ``migrate``'s own process never needs (its workers do), and that import was most
of the time of a ``migrate`` answered from the cache. ``app``, asked for by name (the tests, an
embedder), has every command.
"""

from __future__ import annotations

import importlib
import sys
from typing import Any

#: The command modules, in the order ``--help`` lists their commands; the last two are optional
#: parts of the package.
MODULES = ("lint", "catalogue", "validate", "migrate")
_OPTIONAL = frozenset({"validate", "migrate"})

#: The module that registers each command (``tests/test_cli.py`` checks this against the app).
COMMANDS = {
    "check": "lint",
    "diff": "lint",
    "fix": "lint",
    "rules": "catalogue",
    "explain": "catalogue",
    "validate": "validate",
    "migrate": "migrate",
}


def load(modules: tuple[str, ...] = MODULES) -> Any:
    """The typer application with the commands of ``modules`` registered."""
    for name in modules:
        try:
            importlib.import_module(f"{__name__}.{name}")
        except ModuleNotFoundError as exc:
            if name not in _OPTIONAL or exc.name != f"{__name__}.{name}":
                raise
    from estimator_fix.cli.application import app

    return app


def __getattr__(name: str) -> Any:
    if name == "app":
        return load()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def main() -> None:
    """Run the command line (the ``estimator-fix`` console script)."""
    command = next((arg for arg in sys.argv[1:] if not arg.startswith("-")), None)
    module = COMMANDS.get(command or "")
    app = load((module,) if module is not None else MODULES)
    app(prog_name="estimator-fix")


__all__ = ["COMMANDS", "MODULES", "app", "load", "main"]
